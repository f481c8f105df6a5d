/**
 * Python's `surrogateescape` and `surrogatepass` conventions for file
 * names, checked against what python3 itself gives for the same bytes.
 */
import { expect } from "chai";

import {
  decodeSurrogateEscape,
  decodeSurrogatePass,
  encodeSurrogateEscape,
  encodeSurrogatePass,
  fsPath,
  hasLoneSurrogate,
} from "../../../../lib/http/server/files/surrogate-escape.js";
import { quote, unquote, unquotePath } from "../../../../lib/http/server/files/url-paths.js";
import { run } from "../../../helpers.js";

/** Byte strings with invalid UTF-8 of every kind, and valid ones. */
const SAMPLES = [
  [0x66, 0xff, 0x2e, 0x74],
  [0xc3, 0xa9, 0xe9],
  [0xed, 0xa0, 0x80],
  [0xe0, 0x80, 0xaf],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf0, 0x9f, 0x98, 0x80, 0x80],
  [0xc3],
  [0x41, 0x42],
].map((b) => Buffer.from(b));

describe("surrogate escapes (file names that are not UTF-8)", () => {
  it("decodeSurrogateEscape() and quote() give Python's os.fsdecode() and quote(errors='surrogatepass')", async () => {
    const script = [
      "import sys, urllib.parse, os",
      "for h in sys.argv[1:]:",
      "    s = os.fsdecode(bytes.fromhex(h))",
      "    print(s.encode('utf-16-le', 'surrogatepass').hex(), urllib.parse.quote(s, errors='surrogatepass'))",
    ].join("\n");
    const res = await run("python3", ["-c", script, ...SAMPLES.map((b) => b.toString("hex"))]);
    const lines = res.stdout.trim().split("\n");
    SAMPLES.forEach((bytes, i) => {
      const [utf16, quoted] = lines[i]!.split(" ");
      const mine = decodeSurrogateEscape(bytes);
      expect(Buffer.from(mine, "utf16le").toString("hex"), bytes.toString("hex")).to.equal(utf16);
      expect(quote(mine), bytes.toString("hex")).to.equal(quoted);
      // And back to the same bytes.
      expect(encodeSurrogateEscape(mine)!.equals(bytes)).to.equal(true);
    });
  });

  it("unquotePath() decodes escaped surrogates and falls back to U+FFFD like Python's translate_path()", () => {
    expect(unquotePath("/f%ED%B3%BF.txt")).to.equal("/f\udcff.txt");
    expect(unquotePath("/f%FF.txt")).to.equal("/f\ufffd.txt");
    expect(unquotePath("/a%ED%B3%BF/%FF")).to.equal(unquote("/a%ED%B3%BF/%FF"));
    expect(unquotePath("/%ED%95%9C")).to.equal("/한");
    expect(unquotePath("/plain")).to.equal("/plain");
  });

  it("fsPath(): the string itself for valid names, the raw bytes otherwise, a NUL for impossible ones", () => {
    expect(fsPath("/srv/Grüße.txt")).to.equal("/srv/Grüße.txt");
    expect(fsPath("/srv/😀")).to.equal("/srv/😀");
    expect((fsPath("/srv/f\udcff") as Buffer).equals(Buffer.from([...Buffer.from("/srv/f"), 0xff]))).to.equal(true);
    expect((fsPath("/srv/\ud800") as Buffer).includes(0)).to.equal(true);
    expect(hasLoneSurrogate("a\ud83d\ude00b")).to.equal(false);
    expect(hasLoneSurrogate("a\udcffb")).to.equal(true);
  });

  it("encodeSurrogatePass() and decodeSurrogatePass() are inverse for lone surrogates", () => {
    expect(encodeSurrogatePass("f\udcff").toString("hex")).to.equal("66edb3bf");
    expect(decodeSurrogatePass(Buffer.from("66edb3bf", "hex"))).to.equal("f\udcff");
    expect(decodeSurrogatePass(Buffer.from([0xff]))).to.equal(null);
    expect(encodeSurrogatePass("é😀").equals(Buffer.from("é😀"))).to.equal(true);
  });
});

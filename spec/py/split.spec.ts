/**
 * lib/py/split.ts against CPython: `str.isspace()` over every code point,
 * and `str.split()` / `str.strip()` of strings built around every character
 * from U+0000 to U+00FF (what a Latin-1-decoded request line can hold), the
 * Unicode spaces beyond, look-alikes that are not spaces, and a generated
 * batch. Answers come from python3 (see cpython.ts).
 */
import { expect } from "chai";
import fc from "fast-check";
import { isPySpace, pySplit, pyStrip } from "../../lib/py/index.js";
import { SEED, ask, ok, sample } from "./cpython.js";

const BEYOND_LATIN1 = [
  0x1680, ...Array.from({ length: 12 }, (_, i) => 0x2000 + i), 0x180e, 0x2028, 0x2029, 0x202f, 0x205f, 0x2060, 0x3000,
  0xfeff, 0xffff,
];
const CHARS = [...Array.from({ length: 0x100 }, (_, c) => c), ...BEYOND_LATIN1].map((c) => String.fromCharCode(c));

const TABLE: string[] = [
  "",
  " ",
  "GET / HTTP/1.1",
  "  GET  /x\tHTTP/1.0\r\n",
  "GET /\x85 HTTP/1.1\xa0",
  "Basic  dXNlcjpwYXNz ",
  "Wed,\x1c25 Nov\u3000\u30002026 21:55:02 GMT",
  "a\ud800 b",
  ...CHARS.flatMap((ch) => [ch, `a${ch}b`, `${ch}a${ch}${ch}b c${ch}`, `${ch}${ch}`]),
];
const generated = sample(
  fc.string({ unit: fc.oneof(fc.constantFrom(...CHARS), fc.constantFrom("a", "b", "/")), maxLength: 12 }),
  300,
);

const spaces = ask("isspace", [[0, 0x110000]]);
const splits = ask("split", [...TABLE, ...generated]);
const strips = ask("strip", [...TABLE, ...generated]);

describe("py/split", () => {
  it("isPySpace() is str.isspace() for every UTF-16 code unit", () => {
    const python = new Set(ok<number[]>(spaces()[0]!, "isspace"));
    const ours: number[] = [];
    for (let c = 0; c <= 0xffff; c++) if (isPySpace(c)) ours.push(c);
    expect(ours).to.deep.equal([...python].filter((c) => c <= 0xffff));
    expect([...python].filter((c) => c > 0xffff), "no astral whitespace").to.deep.equal([]);
  });

  it("pySplit() matches str.split() around every character up to U+00FF and the Unicode spaces", () => {
    const answers = splits();
    [...TABLE, ...generated].forEach((s, i) => {
      const where = `seed ${SEED}, ${JSON.stringify(s)}`;
      expect(pySplit(s), where).to.deep.equal(ok(answers[i]!, where));
    });
  });

  it("pyStrip() matches str.strip() on the same strings", () => {
    const answers = strips();
    [...TABLE, ...generated].forEach((s, i) => {
      const where = `seed ${SEED}, ${JSON.stringify(s)}`;
      expect(pyStrip(s), where).to.equal(ok(answers[i]!, where));
    });
  });

  it("returns the string itself for a single word", () => {
    const word = "/index.html";
    expect(pySplit(word)[0]).to.equal(word);
    expect(pyStrip(word)).to.equal(word);
  });
});

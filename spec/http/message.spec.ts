import { execFileSync } from "node:child_process";
import { expect } from "chai";
import fc from "fast-check";
import {
  HTTPMessage,
  parseHeaderBlock,
  parseHeaderLines,
  parseHeaders,
} from "../../lib/http/message.js";

/** What python3 reports for one header block. */
interface PythonView {
  items: [string, string][];
  ctype: string;
  /** `get_params()` pairs; `"skip"` when the email package raised or used RFC 2231 tuples. */
  params: [string, string][] | null | "skip";
  charset: string | null | "skip";
}

const PYTHON_PARSE = String.raw`
import sys, json, io, http.client
out = []
for text in json.load(sys.stdin):
    m = http.client.parse_headers(io.BytesIO(text.encode("latin-1")))
    view = {"items": [[k, v] for k, v in m.items()], "ctype": m.get_content_type()}
    try:
        p = m.get_params()
        if p is not None and not all(isinstance(v, str) for k, v in p):
            raise ValueError("rfc2231")
        view["params"] = None if p is None else [[k, v] for k, v in p]
        view["charset"] = m.get_content_charset()
    except Exception:
        view["params"] = "skip"
        view["charset"] = "skip"
    out.append(view)
json.dump(out, sys.stdout)
`;

/** Parse every block with python3 in one process. */
function pythonParse(blocks: string[]): PythonView[] {
  const out = execFileSync("python3", ["-c", PYTHON_PARSE], {
    input: JSON.stringify(blocks),
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out.toString("utf8")) as PythonView[];
}

/** Compare our parser with python3 on a batch; returns a description of the first mismatch. */
function compareWithPython(blocks: string[]): string | null {
  const expected = pythonParse(blocks);
  for (let i = 0; i < blocks.length; i++) {
    const block = blocks[i]!;
    const py = expected[i]!;
    const msg = parseHeaders(block);
    const ours = {
      items: msg.items(),
      ctype: msg.getContentType(),
      params: msg.getParams() ?? null,
      charset: msg.getContentCharset() ?? null,
    };
    const contentType = msg.get("content-type") ?? "";
    const mismatch =
      JSON.stringify(ours.items) !== JSON.stringify(py.items) ||
      ours.ctype !== py.ctype ||
      // RFC 2231 parameters (names with "*") are documented as not decoded.
      (py.params !== "skip" && !contentType.includes("*") && JSON.stringify(ours.params) !== JSON.stringify(py.params)) ||
      (py.charset !== "skip" && !contentType.includes("*") && ours.charset !== py.charset);
    if (mismatch) {
      return `block ${JSON.stringify(block)}\n ours:   ${JSON.stringify(ours)}\n python: ${JSON.stringify(py)}`;
    }
  }
  return null;
}

// ---------------------------------------------------------------------------
// Generators: header blocks rich in the characters the rules care about.

const nameChar = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(..."ABCXYZabcxyz019-_".split("")) },
  { weight: 1, arbitrary: fc.constantFrom(" ", "\t", "\x00", "\x7f", "\xe9", ":", "!", "~", "\x1f") },
);
const valueChar = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(..."abcXYZ 019;=/\",.-".split("")) },
  { weight: 2, arbitrary: fc.constantFrom("\t", ":", "\\", "<", ">", "*", "'") },
  { weight: 1, arbitrary: fc.constantFrom("\r", "\n", "\x00", "\x0b", "\x1c", "\x85", "\xa0", "\xe9", "\xff") },
);
const headerName = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: nameChar, minLength: 0, maxLength: 8 }) },
  { weight: 2, arbitrary: fc.constantFrom("Content-Type", "content-type", "HOST", "X-Dup", "x-dup", "From", "Accept") },
);
const headerValue = fc.string({ unit: valueChar, maxLength: 16 });
const contentTypeValue = fc
  .tuple(
    fc.constantFrom("text/html", "TEXT/Plain", " a/b ", "bogus", "a/b/c", "multipart/form-data", "", "x/y\xe9"),
    fc.array(
      fc.tuple(
        fc.constantFrom("charset", "CharSet", "boundary", "q", " name ", ""),
        fc.constantFrom("=", " = ", ""),
        fc.constantFrom("utf-8", "UTF-8", '"a;b"', '"x\\"y"', "<v>", '"', "", "\xe9", '"un', "a b"),
      ),
      { maxLength: 3 },
    ),
    fc.constantFrom(";", "; ", " ;"),
  )
  .map(([main, params, sep]) => [main, ...params.map(([k, eq, v]) => k + eq + v)].join(sep));

const lineBody = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(headerName, fc.constantFrom(":", ": ", ":\t ", " :", "::", ":  "), headerValue).map((p) => p.join("")) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom("Content-Type: ", "content-TYPE:"), contentTypeValue).map((p) => p.join("")) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(" ", "\t", "  ", " \t"), headerValue).map((p) => p.join("")) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom("From ", "From", ": ", ":"), headerValue).map((p) => p.join("")) },
  { weight: 1, arbitrary: headerValue },
);
const terminator = fc.oneof(
  { weight: 10, arbitrary: fc.constant("\r\n") },
  { weight: 3, arbitrary: fc.constant("\n") },
  { weight: 1, arbitrary: fc.constantFrom("\r", "", "\r\r\n", "\n\r") },
);
const headerBlock = fc
  .tuple(
    fc.array(fc.tuple(lineBody, terminator).map(([a, b]) => a + b), { maxLength: 25 }),
    fc.constantFrom("\r\n", "\n", "", "\r\n", "\r\n"),
    fc.constantFrom("", "", "X-After: 1\r\n\r\n", "garbage"),
  )
  .map(([lines, end, after]) => lines.join("") + end + after);
/** Unstructured text over a small alphabet full of separators. */
const charSoup = fc.string({
  unit: fc.constantFrom("A", "b", "-", ":", " ", "\t", "\r", "\n", "F", "r", "o", "m", "\xe9", "\x00", "x"),
  maxLength: 60,
});

function seedNow(): number {
  return (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
}

describe("http/message", () => {
  describe("parseHeaders (rules checked against python3's http.client.parse_headers)", () => {
    const table: [string, string, [string, string][]][] = [
      ["simple CRLF block", "Host: a\r\nX: 1\r\n\r\n", [["Host", "a"], ["X", "1"]]],
      ["LF-only block", "Host: a\nX: 1\n\n", [["Host", "a"], ["X", "1"]]],
      ["no blank line at the end", "X: a", [["X", "a"]]],
      ["empty block", "", []],
      ["only the blank line", "\r\n", []],
      ["names keep their case", "cOnTeNt-LeNgTh: 5\r\n\r\n", [["cOnTeNt-LeNgTh", "5"]]],
      ["leading spaces and tabs stripped, trailing kept", "X: \t a b \t\r\n\r\n", [["X", "a b \t"]]],
      ["no space after the colon", "X:a\r\n\r\n", [["X", "a"]]],
      ["value is after the first colon", "X: a:b: c\r\n\r\n", [["X", "a:b: c"]]],
      ["empty value", "X:\r\nY:   \r\n\r\n", [["X", ""], ["Y", ""]]],
      ["folded value keeps its CRLF", "X: 1\r\n b\r\n\r\n", [["X", "1\r\n b"]]],
      ["folded with tabs and trailing space", "X: a\r\n\t\tb  \r\n\r\n", [["X", "a\r\n\t\tb  "]]],
      ["folded after an empty first line", "X:   \r\n  b\r\n\r\n", [["X", "\r\n  b"]]],
      ["whitespace-only continuation", "X: 1\r\n \r\n\r\n", [["X", "1\r\n "]]],
      ["several continuations", "X: 1\n a\n\tb\nY: 2\n\n", [["X", "1\n a\n\tb"], ["Y", "2"]]],
      ["duplicates kept in order", "A: 1\r\nB: 2\r\na: 3\r\n\r\n", [["A", "1"], ["B", "2"], ["a", "3"]]],
      ["line without colon stops parsing", "X: 1\r\nbad line\r\nY: 2\r\n\r\n", [["X", "1"]]],
      ["space before the colon stops parsing", "A: 0\r\nX-A : 1\r\nB: 2\r\n\r\n", [["A", "0"]]],
      ["non-ASCII in a name stops parsing", "A: 0\r\nX\xe9: 1\r\nB: 2\r\n\r\n", [["A", "0"]]],
      ["control character in a name stops parsing", "A: 0\r\nX\x00Y: 1\r\n\r\n", [["A", "0"]]],
      ["DEL in a name stops parsing", "X\x7f: 1\r\n\r\n", []],
      ["punctuation is allowed in names", "!#$%&'*+.^_`|~/{}[]\"(),;<=>?@\\: v\r\n\r\n", [["!#$%&'*+.^_`|~/{}[]\"(),;<=>?@\\", "v"]]],
      ["empty name skipped with its continuation", ": v\r\n c\r\nB: 2\r\n\r\n", [["B", "2"]]],
      ["first line is a continuation", " x\r\nX: 1\r\n\r\n", [["X", "1"]]],
      ["first line From envelope", "From me\r\nX: 1\r\n\r\n", [["X", "1"]]],
      ["From line in the middle, with continuation", "X: 1\r\nFrom me\r\n y\r\nZ: 3\r\n\r\n", [["X", "1"], ["Z", "3"]]],
      ["From line at the end", "X: 1\r\nFrom me\r\n\r\n", [["X", "1"]]],
      ["From: is an ordinary header", "From: a@b\r\n\r\n", [["From", "a@b"]]],
      ["From with a tab is not a header", "From\tx: 1\r\nY: 2\r\n\r\n", []],
      ["bare CR splits a line", "X: a\rY: b\r\n\r\n", [["X", "a"], ["Y", "b"]]],
      ["CR CR LF makes a blank line", "X: a\r\r\nY: b\r\n\r\n", [["X", "a"]]],
      ["LF CR makes a blank line", "X: a\n\rY: b\n\n", [["X", "a"]]],
      ["bare CR before a continuation", "X: a\r b\r\n\r\n", [["X", "a\r b"]]],
      ["other control characters stay in values", "X: a\x00b\x0b\x0c\x1c\x85c\r\n\r\n", [["X", "a\x00b\x0b\x0c\x1c\x85c"]]],
      ["Latin-1 values", "X: caf\xe9\r\n\r\n", [["X", "caf\xe9"]]],
      ["text after the blank line is ignored", "X: 1\r\n\r\nY: 2\r\n\r\n", [["X", "1"]]],
    ];
    for (const [title, block, items] of table) {
      it(title, () => {
        expect(parseHeaders(block).items()).to.deep.equal(items);
      });
    }

    it("the table above agrees with python3", () => {
      const mismatch = compareWithPython(table.map(([, block]) => block));
      expect(mismatch, mismatch ?? "").to.equal(null);
    });

    it("never throws and always yields names without colon or line breaks (property)", () => {
      fc.assert(
        fc.property(fc.oneof(headerBlock, charSoup, fc.string({ unit: "binary-ascii" })), (block) => {
          const msg = parseHeaders(block);
          for (const name of msg.keys()) {
            expect(name).to.match(/^[\x21-\x39\x3b-\x7e]+$/);
          }
          // Every value is a substring of the input.
          for (const value of msg.values()) expect(block.includes(value)).to.equal(true);
        }),
        { numRuns: 2000 },
      );
    });

    it("agrees with python3 on a batch of generated header blocks (property)", function () {
      this.timeout(60000);
      const seed = seedNow();
      const blocks = fc.sample(headerBlock, { numRuns: 1500, seed });
      const mismatch = compareWithPython(blocks);
      expect(mismatch, `seed ${seed}: ${mismatch ?? ""}`).to.equal(null);
    });

    it("agrees with python3 on a batch of unstructured text (property)", function () {
      this.timeout(60000);
      const seed = seedNow();
      const blocks = fc.sample(charSoup, { numRuns: 1500, seed });
      const mismatch = compareWithPython(blocks);
      expect(mismatch, `seed ${seed}: ${mismatch ?? ""}`).to.equal(null);
    });
  });

  describe("defects: lines dropped without a trace in the parsed headers", () => {
    const cases: Array<[string, string, string[]]> = [
      ["a clean CRLF block", "A: 1\r\nB: 2\r\n\r\n", []],
      ["a clean LF block", "A: 1\nB: 2\n\n", []],
      ["a block followed by text (parseHeaders ignores it)", "A: 1\r\n\r\nB: 2\r\n", []],
      ["a bare CR line break", "A: 1\rB: 2\r\n\r\n", []],
      ["CR CR LF ends the block early", "A: 1\r\r\nContent-Length: 5\r\n\r\n", ["MissingHeaderBodySeparatorDefect"]],
      ["a line that starts with CR ends the block early", "A: 1\r\n\rContent-Length: 5\r\n\r\n", ["MissingHeaderBodySeparatorDefect"]],
      ["LF CR ends the block early", "A: 1\n\rContent-Length: 5\n\n", ["MissingHeaderBodySeparatorDefect"]],
      ["the first line is a continuation", " Content-Length: 5\r\nA: 1\r\n\r\n", ["FirstHeaderLineIsContinuationDefect"]],
      ["the first line after a From envelope is a continuation", "From me\r\n\tContent-Length: 5\r\n\r\n", ["FirstHeaderLineIsContinuationDefect"]],
      ["a continuation of an ordinary header", "A: 1\r\n b\r\n\r\n", []],
    ];
    for (const [title, block, defects] of cases) {
      it(`${title}: ${defects.length === 0 ? "no defect" : defects.join(", ")}`, () => {
        expect(parseHeaders(block).defects).to.deep.equal(defects);
      });
    }
  });

  describe("parseHeaderBlock / parseHeaderLines", () => {
    it("parses a range of a larger string without the request line", () => {
      const head = "GET / HTTP/1.1\r\nHost: h\r\nAccept: */*\r\n\r\nBODY: no\r\n";
      const start = head.indexOf("\n") + 1;
      const msg = parseHeaderBlock(head, start, head.indexOf("\r\n\r\n") + 4);
      expect(msg.items()).to.deep.equal([["Host", "h"], ["Accept", "*/*"]]);
    });

    it("stops at end even in the middle of a line", () => {
      const text = "A: 1\r\nB: 22222\r\nC: 3\r\n";
      const msg = parseHeaderBlock(text, 0, text.indexOf("22222") + 2);
      expect(msg.items()).to.deep.equal([["A", "1"], ["B", "22"]]);
    });

    it("clamps out-of-range bounds", () => {
      expect(parseHeaderBlock("A: 1\r\n", -5, 1000).items()).to.deep.equal([["A", "1"]]);
    });

    it("parseHeaderLines equals parseHeaders on the joined lines", () => {
      const lines = ["X: 1\r\n", " more\r\n", "Y: 2\n", "\r\n"];
      expect(parseHeaderLines(lines).items()).to.deep.equal([["X", "1\r\n more"], ["Y", "2"]]);
    });

    it("instantiates the given MessageClass", () => {
      class MyMessage extends HTTPMessage {
        extra(): string {
          return `host=${this.get("host") ?? "?"}`;
        }
      }
      const msg = parseHeaders("Host: h\r\n\r\n", MyMessage);
      expect(msg).to.be.instanceOf(MyMessage);
      expect(msg.extra()).to.equal("host=h");
      const fromBlock = parseHeaderBlock("Host: i\r\n", 0, undefined, MyMessage);
      expect(fromBlock.extra()).to.equal("host=i");
    });
  });

  describe("HTTPMessage", () => {
    const block = "Host: example\r\nAccept: a\r\nX-Dup: 1\r\nx-dup: 2\r\nContent-Type: Text/HTML; Charset=\"UTF-8\"\r\n\r\n";
    let msg: HTTPMessage;
    beforeEach(() => {
      msg = parseHeaders(block);
    });

    it("get is case-insensitive and returns the first value", () => {
      expect(msg.get("HOST")).to.equal("example");
      expect(msg.get("x-DUP")).to.equal("1");
    });

    it("get returns undefined or the fallback when missing, never throws", () => {
      expect(msg.get("Missing")).to.equal(undefined);
      expect(msg.get("Missing", "d")).to.equal("d");
      expect(msg.get("Missing", null)).to.equal(null);
      expect(msg.get("Host", "d")).to.equal("example");
    });

    it("getAll returns all values in order, or the fallback", () => {
      expect(msg.getAll("X-DUP")).to.deep.equal(["1", "2"]);
      expect(msg.getAll("nope")).to.equal(undefined);
      expect(msg.getAll("nope", [])).to.deep.equal([]);
    });

    it("has, length, keys, values, items, iteration", () => {
      expect(msg.has("accept")).to.equal(true);
      expect(msg.has("accep")).to.equal(false);
      expect(msg.length).to.equal(5);
      expect(msg.keys()).to.deep.equal(["Host", "Accept", "X-Dup", "x-dup", "Content-Type"]);
      expect(msg.values()).to.deep.equal(["example", "a", "1", "2", 'Text/HTML; Charset="UTF-8"']);
      expect(msg.items()[3]).to.deep.equal(["x-dup", "2"]);
      expect([...msg]).to.deep.equal(msg.keys());
    });

    it("keys/values/items are copies", () => {
      msg.keys().push("Z");
      msg.items().pop();
      expect(msg.length).to.equal(5);
    });

    it("append adds at the end and keeps existing headers (Python's msg[name] = value)", () => {
      msg.append("host", "second");
      expect(msg.get("Host")).to.equal("example");
      expect(msg.getAll("HOST")).to.deep.equal(["example", "second"]);
      expect(msg.keys().at(-1)).to.equal("host");
    });

    it("append works before and after the first lookup", () => {
      const fresh = new HTTPMessage();
      fresh.append("A", "1");
      expect(fresh.get("a")).to.equal("1");
      fresh.append("B", "2");
      expect(fresh.get("b")).to.equal("2");
    });

    it("delete removes every match and reports how many", () => {
      expect(msg.delete("X-DUP")).to.equal(2);
      expect(msg.has("x-dup")).to.equal(false);
      expect(msg.keys()).to.deep.equal(["Host", "Accept", "Content-Type"]);
      expect(msg.get("accept")).to.equal("a");
      expect(msg.delete("nothing")).to.equal(0);
    });

    it("delete keeps the order of interleaved survivors", () => {
      const m = parseHeaders("A: 1\r\nx: 2\r\na: 3\r\ny: 4\r\nA: 5\r\n\r\n");
      expect(m.delete("a")).to.equal(3);
      expect(m.items()).to.deep.equal([["x", "2"], ["y", "4"]]);
      m.append("A", "6");
      expect(m.get("a")).to.equal("6");
    });

    it("matches names outside ASCII by Unicode lower-casing, like Python", () => {
      const m = new HTTPMessage();
      m.append("X", "ascii");
      m.append("\xc9t\xc9", "1");
      m.append("\u212a", "kelvin");
      expect(m.get("\xe9T\xe9")).to.equal("1");
      expect(m.get("k")).to.equal("kelvin"); // U+212A lower-cases to "k"
      expect(m.get("x")).to.equal("ascii");
      expect(m.has("\xe9t")).to.equal(false);
      expect(m.delete("\xe9t\xe9")).to.equal(1);
      expect(m.keys()).to.deep.equal(["X", "\u212a"]);
    });

    it("replaceHeader replaces the first match in place, keeping the name's spelling", () => {
      msg.replaceHeader("X-DUP", "one");
      expect(msg.items().slice(2, 4)).to.deep.equal([["X-Dup", "one"], ["x-dup", "2"]]);
      expect(() => msg.replaceHeader("missing", "v")).to.throw(RangeError);
    });

    it("addHeader formats parameters like Python's add_header", () => {
      const m = new HTTPMessage();
      m.addHeader("Content-Disposition", "attachment", { filename: 'a "b".txt' });
      m.addHeader("X", null, { foo_bar: null, empty: "" });
      m.addHeader("Y", "v", { title: "caf\xe9 (1)" });
      expect(m.items()).to.deep.equal([
        ["Content-Disposition", 'attachment; filename="a \\"b\\".txt"'],
        ["X", "foo-bar; empty"],
        ["Y", "v; title*=utf-8''caf%C3%A9%20%281%29"],
      ]);
    });

    it("getContentType and friends", () => {
      expect(msg.getContentType()).to.equal("text/html");
      expect(msg.getContentMaintype()).to.equal("text");
      expect(msg.getContentSubtype()).to.equal("html");
      expect(msg.getParams()).to.deep.equal([["Text/HTML", ""], ["charset", "UTF-8"]]);
      expect(msg.getParams(null, "content-type", false)).to.deep.equal([["Text/HTML", ""], ["charset", '"UTF-8"']]);
      expect(msg.getParam("CHARSET")).to.equal("UTF-8");
      expect(msg.getParam("nope", "d")).to.equal("d");
      expect(msg.getContentCharset()).to.equal("utf-8");
    });

    it("content type defaults", () => {
      const m = new HTTPMessage();
      expect(m.getContentType()).to.equal("text/plain");
      expect(m.getParams()).to.equal(undefined);
      expect(m.getContentCharset("none")).to.equal("none");
      m.setDefaultType("message/rfc822");
      expect(m.getDefaultType()).to.equal("message/rfc822");
      expect(m.getContentType()).to.equal("message/rfc822");
      m.append("Content-Type", "no-slash");
      expect(m.getContentType()).to.equal("text/plain");
      m.replaceHeader("content-type", "a/b/c");
      expect(m.getContentType()).to.equal("text/plain");
      m.replaceHeader("content-type", "\x1c A/B \x85; x=1");
      expect(m.getContentType()).to.equal("a/b");
    });

    it("toString is Python's str(msg) for plain values", () => {
      expect(parseHeaders("A: 1\r\nB: x y\r\n\r\n").toString()).to.equal("A: 1\nB: x y\n\n");
      expect(String(parseHeaders("X: 1\r\n b\r\n\r\n"))).to.equal("X: 1\n b\n\n");
      expect(new HTTPMessage().toString()).to.equal("\n");
    });

    it("has Python spellings sharing the camelCase implementations", () => {
      const py = msg as unknown as Record<string, (...args: unknown[]) => unknown>;
      expect(py.get_all!.call(msg, "x-dup")).to.deep.equal(["1", "2"]);
      expect(py.get_content_type!.call(msg)).to.equal("text/html");
      expect(py.get_content_charset!.call(msg)).to.equal("utf-8");
      expect(py.get_param!.call(msg, "charset")).to.equal("UTF-8");
      py.replace_header!.call(msg, "host", "h2");
      py.add_header!.call(msg, "New", "v");
      expect(msg.get("host")).to.equal("h2");
      expect(msg.get("new")).to.equal("v");
      expect(HTTPMessage.prototype).to.have.property("get_all", HTTPMessage.prototype.getAll);
    });

    it("a subclass overriding the Python spelling changes the camelCase method", () => {
      class Custom extends HTTPMessage {
        override get_content_type(): string {
          return "custom/type";
        }
      }
      const m = parseHeaders("Content-Type: text/html\r\n\r\n", Custom);
      expect(m.getContentType()).to.equal("custom/type");
      expect(m.getContentMaintype()).to.equal("custom");
    });

    it("shows its headers in util.inspect", async () => {
      const { inspect } = await import("node:util");
      expect(inspect(parseHeaders("Host: h\r\n"))).to.include("Host").and.include("'h'");
    });
  });
});

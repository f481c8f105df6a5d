/**
 * lib/py/repr.ts against CPython: a table of tricky values and generated
 * batches of strings, bytes and floats, answered by python3 (see
 * cpython.ts); JavaScript-only values (undefined, Map, Set, objects with
 * `__repr__`) against fixed expectations.
 */
import { inspect } from "node:util";
import { expect } from "chai";
import fc from "fast-check";
import { ValueError, pyFormat, pyRepr, pyStr } from "../../lib/py/index.js";
import { SEED, ask, ok, sample, tagged, trickyString } from "./cpython.js";

/** Values Python can be handed as they are (see `tagged`). */
const TABLE: unknown[] = [
  "",
  "abc",
  "x\ty",
  "it's",
  `it's "x"`,
  'say "hi"',
  "back\\slash",
  "\r\n\x00\x1f\x7f",
  "\x80\x9f\xa0\xad\xae",
  "é\u2028😀",
  "\ud800",
  "\u{e0001}",
  "GET /\x1b[31m HTTP/1.1",
  0,
  -42,
  1.5,
  0.1,
  1e-5,
  1.5e300,
  2 ** 53,
  12345678901234567890n,
  Number.NaN,
  -Infinity,
  true,
  false,
  null,
  Buffer.from("a\x00'\\\xff", "latin1"),
  new Uint8Array([0x41, 0x27, 0x22]),
  Buffer.alloc(0),
  ["127.0.0.1", 8000],
  ["::1", 8000, 0, 0],
  ["x"],
  [],
  [["a", 1], null],
  { a: 1, b: "x" },
];

/** Code points JavaScript's Unicode tables call unassigned. */
function unassigned(s: string): number[] {
  return Array.from(s)
    .filter((ch) => /\p{Cn}/u.test(ch))
    .map((ch) => ch.codePointAt(0)!);
}

const tableRepr = ask("repr", TABLE.map(tagged));
const strings = sample(trickyString, 400);
const stringRepr = ask("repr", strings);
const stringAscii = ask("ascii", strings);
const stringFormat = ask(
  "format",
  strings.map((s) => ["%r|%a|%s|%-8.3s|%5s", tagged([s, s, s, s, s])]),
);
const stringCn = ask("cn", strings);
const byteArrays = sample(
  fc.array(fc.oneof(fc.constantFrom(0x22, 0x27, 0x5c, 0x09, 0x0a, 0x0d, 0x7f), fc.nat(255)), { maxLength: 16 }),
  300,
).map((b) => Uint8Array.from(b));
const bytesRepr = ask("repr", byteArrays.map(tagged));
const floats = sample(fc.double(), 400).filter((x) => !Number.isSafeInteger(x));
const floatRepr = ask("repr", floats.map(tagged));

describe("py/repr", () => {
  describe("pyRepr()", () => {
    it("matches python3's repr() on the table of tricky values", () => {
      const answers = tableRepr();
      TABLE.forEach((value, i) => {
        expect(pyRepr(value), inspect(value)).to.equal(ok(answers[i]!, inspect(value)));
      });
    });

    it("matches python3's repr(), ascii() and %r/%a/%s on a generated batch of strings", () => {
      const [reprs, asciis, formats, cns] = [stringRepr(), stringAscii(), stringFormat(), stringCn()];
      let compared = 0;
      strings.forEach((s, i) => {
        // Skip strings whose characters the two Unicode databases classify differently.
        if (JSON.stringify(unassigned(s)) !== JSON.stringify(cns[i]![1])) return;
        compared++;
        const where = `seed ${SEED}, input ${JSON.stringify(s)}`;
        expect(pyRepr(s), where).to.equal(ok(reprs[i]!, where));
        expect(pyFormat("%a", [s]), where).to.equal(ok(asciis[i]!, where));
        expect(pyFormat("%r|%a|%s|%-8.3s|%5s", [s, s, s, s, s]), where).to.equal(ok(formats[i]!, where));
      });
      expect(compared, "strings actually compared").to.be.greaterThan(strings.length * 0.8);
    });

    it("matches python3's repr() on a generated batch of bytes", () => {
      const answers = bytesRepr();
      byteArrays.forEach((b, i) => {
        const where = `seed ${SEED}, bytes ${JSON.stringify(Array.from(b))}`;
        expect(pyRepr(b), where).to.equal(ok(answers[i]!, where));
      });
    });

    it("matches python3's repr() on a generated batch of floats", () => {
      const answers = floatRepr();
      floats.forEach((x, i) => {
        const where = `seed ${SEED}, ${String(x)}`;
        expect(pyRepr(x), where).to.equal(ok(answers[i]!, where));
      });
    });

    const jsOnly: Array<[unknown, string]> = [
      [undefined, "None"],
      [new Map<unknown, unknown>([[1, "one"]]), "{1: 'one'}"],
      [new Set([1, 2]), "{1, 2}"],
      [new Set(), "set()"],
      [new ValueError("bad"), "ValueError('bad')"],
      [{ __repr__: () => "<custom>" }, "<custom>"],
    ];
    for (const [value, expected] of jsOnly) {
      it(`gives ${JSON.stringify(expected)} for the JavaScript value ${inspect(value)}`, () => {
        expect(pyRepr(value)).to.equal(expected);
      });
    }

    it("marks a self-containing array instead of recursing forever", () => {
      const loop: unknown[] = ["a"];
      loop.push(loop);
      expect(pyRepr(loop)).to.equal("('a', (...))");
    });
  });

  describe("pyStr()", () => {
    const cases: Array<[unknown, string]> = [
      ["as is\t", "as is\t"],
      [200, "200"],
      [-0, "0"],
      [2.5, "2.5"],
      [1e16, "1e+16"],
      [7n, "7"],
      [true, "True"],
      [null, "None"],
      [undefined, "None"],
      [["::1", 8000, 0, 0], "('::1', 8000, 0, 0)"],
      [Buffer.from("hi\n"), "b'hi\\n'"],
      [new Error("boom"), "boom"],
      [{ __str__: () => "S", __repr__: () => "R" }, "S"],
      [{ __repr__: () => "R" }, "R"],
      [{ toString: () => "custom" }, "custom"],
      [{ a: "b" }, "{'a': 'b'}"],
    ];
    for (const [value, expected] of cases) {
      it(`gives ${JSON.stringify(expected)} for ${inspect(value)}`, () => {
        expect(pyStr(value)).to.equal(expected);
      });
    }
  });
});

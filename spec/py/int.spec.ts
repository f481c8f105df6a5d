/**
 * lib/py/int.ts against CPython's `int(text)`: valid and invalid texts
 * (signs, underscores, whitespace of every kind around and inside, digits of
 * other scripts, the 4,300-digit limit), answered by python3 (see
 * cpython.ts). `null` stands for Python's ValueError.
 */
import { expect } from "chai";
import fc from "fast-check";
import { pyInt } from "../../lib/py/index.js";
import { SEED, ask, sample } from "./cpython.js";

const WHITESPACE = [
  "\t", "\n", "\v", "\f", "\r", "\x1c", "\x1d", "\x1e", "\x1f", " ", "\x85", "\xa0", "\u1680", "\u2000", "\u200a",
  "\u2028", "\u2029", "\u202f", "\u205f", "\u3000", "\u200b", "\ufeff", "\x00",
];
const TABLE: string[] = [
  "0", "7", "-0", "+0", "00", "007", "8000", "-8000", "+8000", "1_000", "1_0_0", "0_1", "-1_2",
  "", " ", "+", "-", "+-1", "--1", "+ 1", "1 2", "1__0", "_1", "1_", "+_1", "1.0", "1e3", "0x10", "١", "1,000",
  "١٢", "１２", "\u{1d7ce}\u{1d7d7}", "\u{1d7ce}_\u{1d7cf}", "٣_٤", "1٢", "\u0966\u096f", "²", "\u2460", "Ⅻ", "\ud800",
  "9007199254740991", "9007199254740993", "-12345678901234567890", "1".repeat(309),
  "1".repeat(4300), "1".repeat(4301), "1_".repeat(4300) + "1", "0".repeat(4301), `-${"2".repeat(4300)}`,
  ...WHITESPACE.flatMap((w) => [`${w}42`, `42${w}`, `${w}${w}-42${w}`, `4${w}2`, `-${w}42`, w]),
];
const generated = sample(
  fc.string({ unit: fc.constantFrom("0", "1", "9", "_", "+", "-", " ", "\t", "\x1c", "\x85", "٣", "a"), maxLength: 8 }),
  300,
);
const texts = [...TABLE, ...generated];
const answers = ask("int", texts);

describe("py/int", () => {
  it("pyInt() matches python3's int() on valid and invalid texts", () => {
    const python = answers();
    texts.forEach((text, i) => {
      const [status, value] = python[i]!;
      const where = `seed ${SEED}, int(${JSON.stringify(text.length > 40 ? text.slice(0, 40) + "..." : text)})`;
      expect(status === "ok" || status === "ValueError", where).to.equal(true);
      expect(pyInt(text), where).to.equal(status === "ok" ? Number(value) : null);
    });
  });

  it("never returns -0", () => {
    expect(Object.is(pyInt("-0"), 0)).to.equal(true);
  });
});

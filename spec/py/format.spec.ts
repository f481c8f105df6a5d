/**
 * lib/py/format.ts against CPython: every `[format, args]` of the tables
 * below and generated batches of integer, float and `%c` conversions are
 * answered by python3 (see cpython.ts), errors included (exception name and
 * message). JavaScript-only arguments (Map, number-like objects) are checked
 * against fixed expectations.
 */
import { expect } from "chai";
import fc from "fast-check";
import { KeyError, OverflowError, ValueError, pyFormat, pyRepr } from "../../lib/py/index.js";
import { SEED, ask, outcome, sample, tagged, trickyChar } from "./cpython.js";

/** Formats and arguments that succeed in Python. */
const CASES: Array<[string, unknown[]]> = [
    ['"%s" %s %s', ["GET / HTTP/1.0", 200, "-"]],
    ["code %d, message %s", [404, "File not found"]],
    ["%#x|%5s|%-5d|%r", [255, "a", 3, "x\ty"]],
    ["100%% done", []],
    ["no conversions", []],
    ["%s%%", [1]],
    ["%010f", [Infinity]],
    ["%-010f|", [Number.NaN]],
    ["%+010.2f", [-Infinity]],
    ["%05s|%05r|%05c", ["a", "a", 65]],
    ["%.2f %.0f %.0f", [0.125, 0.5, 2.5]],
    ["%#.0f %#.0e %#g %#.3g", [1, 1, 100000, 1]],
    ["%g %g %g %g", [1e-5, 123456789, 0, 1e16]],
    ["%.3g %#.3g %.1g %.1g", [9.9999, 9.9999, 0.25, 0.35]],
    ["%G %E %F", [1e-10, Infinity, Number.NaN]],
    ["%e %f %+.0e", [0, -0, -0]],
    ["%.20e", [5e-324]],
    ["%.17g %.15g", [0.1, 0.1]],
    ["%f", [1e22]],
    ["%#x|%#X|%#o|%x", [-255, 255, 8, -255]],
    ["%+d|% d|%+ d", [5, 5, 5]],
    ["%.3d|%05.3d|%-6.3d|", [5, 5, -5]],
    ["%#010x|%#08.5x|%#.3o", [255, 255, 8]],
    ["%d %d %d %i %u", [3.7, -3.7, true, 4, 5]],
    ["%d %x", [2n ** 64n, 2n ** 70n]],
    ["%*d|%-*d|%.*f", [5, 3, -5, 3, 2, 3.14159]],
    ["%0*.*f|%*.*s|", [8, 2, 3.14159, -6, 2, "abc"]],
    ["%.*f", [-1, 1.5]],
    ["%ld|%hd|%Lf", [1, 2, 3]],
    ["%c%c%c", ["x", 0x1f600, true]],
    ["%-3c|%3s|%.1s|", ["😀", "😀", "😀x"]],
    ["%.3s|%.0s|%10.4s|", ["abcdef", "abc", "abcdef"]],
    ["%s %r %s %s", [true, true, null, ["a", 2]]],
    ["%s", [[1]]],
    ["%a", [Buffer.from([0xff])]],
    ["%s|%r", [1e16, -0.5]],
];

/** Formats and arguments that raise in Python. */
const ERRORS: Array<[string, unknown[]]> = [
    ["%s %s", ["a"]],
    ["%s", ["a", "b"]],
    ["plain", [1]],
    ["%d", ["a"]],
    ["%i", [null]],
    ["%d", [[1]]],
    ["%d", [Buffer.alloc(0)]],
    ["%x", [3.5]],
    ["%X", ["a"]],
    ["%f", ["a"]],
    ["%e", [undefined]],
    ["%c", ["ab"]],
    ["%c", [1.5]],
    ["%c", [0x110000]],
    ["%c", [-1]],
    ["%q", [1]],
    ["%q", []],
    ["😀%q", [1]],
    ["%\u00e9", [1]],
    ["%\x01", [1]],
    ["%5%", [1]],
    ["%lld", [1]],
    ["%", []],
    ["abc %", [1]],
    ["%s %", []],
    ["%*", [1]],
    ["%(a)", [{ a: 1 }]],
    ["%(a)s", [1]],
    ["%(a", [{ a: 1 }]],
    ["%*d", ["x", 1]],
    ["%.*f", [1.5, 2]],
    ["%d", [Number.NaN]],
    ["%d", [Infinity]],
    ["%f", [2n ** 1100n]],
];

/** The right-hand side of Python's `format % args`: a dict for one plain object, else a tuple. */
function pythonArgs(args: readonly unknown[]): unknown {
  const [first] = args;
  const mapping = args.length === 1 && first !== null && typeof first === "object" && Object.getPrototypeOf(first) === Object.prototype;
  return tagged(mapping ? first : args);
}

/** A `%` spec from its parts. */
function specText(s: { flags: string; width: number | undefined; prec: number | undefined; conv: string }): string {
  return `%${s.flags}${s.width ?? ""}${s.prec === undefined ? "" : `.${s.prec}`}${s.conv}`;
}

const flags = fc.array(fc.constantFrom("#", "0", "-", " ", "+"), { maxLength: 3 }).map((f) => f.join(""));
const intSpecs = sample(
  fc.record({
    flags,
    width: fc.option(fc.nat(20), { nil: undefined }),
    prec: fc.option(fc.nat(20), { nil: undefined }),
    conv: fc.constantFrom("d", "i", "u", "x", "X", "o"),
    value: fc.oneof(
      fc.integer({ min: -(2 ** 31), max: 2 ** 31 }),
      fc.maxSafeInteger(),
      fc.bigInt({ min: -(2n ** 100n), max: 2n ** 100n }),
    ),
  }),
  500,
);
const floatSpecs = sample(
  fc.record({
    flags,
    width: fc.option(fc.nat(30), { nil: undefined }),
    prec: fc.option(fc.nat(25), { nil: undefined }),
    conv: fc.constantFrom("e", "E", "f", "F", "g", "G", "d"),
    value: fc.oneof(
      fc.double(),
      fc.double({ min: -1e6, max: 1e6 }),
      fc.integer({ min: -1000, max: 1000 }).map((n) => n / 8), // exact binary ties
      fc.constantFrom(0.5, 2.5, 0.125, 1e16, 9.9999, 999999.5, 5e-324, 1.7976931348623157e308, -0),
    ),
  }),
  600,
);
const charSpecs = sample(
  fc.record({
    format: fc.constantFrom("%c", "%5c|", "%-4c|", "%05c"),
    value: fc.oneof(fc.integer({ min: -5, max: 0x110005 }), trickyChar),
  }),
  200,
);

const caseAnswers = ask("format", CASES.map(([format, args]) => [format, pythonArgs(args)]));
const errorAnswers = ask("format", ERRORS.map(([format, args]) => [format, pythonArgs(args)]));
// Floats go as floats even when integral (Python's `%d` of 3.0 and of 3 agree; `%e` of an int is a float's).
const intAnswers = ask("format", intSpecs.map((s) => [specText(s), tagged([s.value])]));
const floatAnswers = ask("format", floatSpecs.map((s) => [specText(s), { t: [{ f: Object.is(s.value, -0) ? "-0.0" : String(s.value) }] }]));
const charAnswers = ask("format", charSpecs.map((s) => [s.format, tagged([s.value])]));

describe("py/format", () => {
  describe("pyFormat()", () => {
    it("matches python3 on the table of formats", () => {
      const answers = caseAnswers();
      CASES.forEach(([format, args], i) => {
        expect(outcome(() => pyFormat(format, args)), `${JSON.stringify(format)} % ${pyRepr(args)}`).to.deep.equal(answers[i]);
      });
    });

    it("raises what python3 raises, with its message, as an error of the class named alike", () => {
      const answers = errorAnswers();
      const classes: Record<string, new (...args: never[]) => Error> = { TypeError, ValueError, KeyError, OverflowError };
      ERRORS.forEach(([format, args], i) => {
        const where = `${JSON.stringify(format)} % ${pyRepr(args)}`;
        const [name, message] = answers[i]!;
        expect(name, where).to.not.equal("ok");
        expect(() => pyFormat(format, args), where)
          .to.throw(classes[name]!, String(message))
          .with.property("name", name);
      });
    });

    it("matches python3 on a generated batch of integer conversions", () => {
      const answers = intAnswers();
      intSpecs.forEach((s, i) => {
        const where = `seed ${SEED}: ${specText(s)} % ${s.value}`;
        expect(outcome(() => pyFormat(specText(s), [s.value])), where).to.deep.equal(answers[i]);
      });
    });

    it("matches python3 on a generated batch of float conversions, rounding included", () => {
      const answers = floatAnswers();
      floatSpecs.forEach((s, i) => {
        const where = `seed ${SEED}: ${specText(s)} % ${s.value}`;
        expect(outcome(() => pyFormat(specText(s), [s.value])), where).to.deep.equal(answers[i]);
      });
    });

    it("matches python3 on a generated batch of %c conversions", () => {
      const answers = charAnswers();
      charSpecs.forEach((s, i) => {
        const where = `seed ${SEED}: ${s.format} % ${JSON.stringify(s.value)}`;
        expect(outcome(() => pyFormat(s.format, [s.value])), where).to.deep.equal(answers[i]);
      });
    });

    it("takes a number-like object (an HTTPStatus member) as its number", () => {
      const status = { valueOf: () => 404, toString: () => "404" };
      expect(pyFormat("%d %03x", [status, status])).to.equal("404 194");
    });

    describe("with a mapping", () => {
      it("fills %(name)s keys from a single plain object", () => {
        expect(pyFormat("%(a)s %(a)r %%", [{ a: "x" }])).to.equal("x 'x' %");
        expect(pyFormat("%((a))s", [{ "(a)": 1 }])).to.equal("1");
      });

      it("fills keys from a Map", () => {
        expect(pyFormat("%(n)05d", [new Map([["n", 42]])])).to.equal("00042");
      });

      it("renders the error page placeholders as Python does", () => {
        const page = "<p>Error code: %(code)d</p><p>Message: %(message)s.</p><p>%(code)s - %(explain)s.</p>";
        expect(pyFormat(page, [{ code: 404, message: "File not found", explain: "Nothing matches" }])).to.equal(
          "<p>Error code: 404</p><p>Message: File not found.</p><p>404 - Nothing matches.</p>",
        );
      });

      it("uses the whole mapping for a positional %s, once, and never complains of unused arguments", () => {
        expect(pyFormat("%s", [{ a: 1 }])).to.equal("{'a': 1}");
        expect(pyFormat("hello", [{ a: 1 }])).to.equal("hello");
        expect(pyFormat("%s %(a)s", [{ a: 1 }])).to.equal("{'a': 1} 1");
        expect(() => pyFormat("%(a)s %s", [{ a: 1 }])).to.throw(
          TypeError,
          "not enough arguments for format string",
        );
      });

      it("raises KeyError for a missing key and only looks at own properties", () => {
        expect(() => pyFormat("%(a)s", [{}]))
          .to.throw(KeyError, "'a'")
          .with.property("name", "KeyError");
        expect(() => pyFormat("%(toString)s", [{}])).to.throw(KeyError, "'toString'");
      });
    });

    it("makes ValueError, KeyError and OverflowError RangeErrors that print Python's name", () => {
      for (const error of [new ValueError("v"), new KeyError("k"), new OverflowError("o")]) {
        expect(error).to.be.instanceOf(RangeError);
      }
      expect(String(new ValueError("incomplete format"))).to.equal("ValueError: incomplete format");
      expect(new OverflowError("x").stack).to.match(/^OverflowError: x/);
    });
  });
});

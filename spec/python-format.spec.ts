/**
 * Python's %-formatting, repr/str, log escaping and html.escape. Fixed
 * examples were taken from python3; the property tests send a generated
 * batch to python3 in one call and compare every answer.
 */
import { execFileSync } from "node:child_process";
import { inspect } from "node:util";
import { expect } from "chai";
import fc from "fast-check";
import {
  KeyError,
  OverflowError,
  ValueError,
  escapeControlChars,
  htmlEscape,
  pyFormat,
  pyRepr,
  pyStr,
} from "../lib/python-format.js";

/** Run a Python script that reads JSON on stdin and prints JSON. */
function python<T>(script: string, input: unknown): T {
  const out = execFileSync("python3", ["-c", script], {
    input: JSON.stringify(input),
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out) as T;
}

/** A random seed per run, reported on failure so that the run can be repeated. */
function batch<T>(arbitrary: fc.Arbitrary<T>, numRuns: number): { seed: number; values: T[] } {
  const seed = Date.now() ^ (Math.random() * 0x7fffffff);
  return { seed, values: fc.sample(arbitrary, { numRuns, seed }) };
}

/** `[error class name, message]` of what `fn` throws, or `["ok", result]`. */
function outcome(fn: () => string): [string, string] {
  try {
    return ["ok", fn()];
  } catch (error) {
    const e = error as Error;
    return [e.name, e.message];
  }
}

/** Characters that exercise every branch of repr, plus random ones from all planes. */
const reprChar: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "'",
    '"',
    "\\",
    "\t",
    "\n",
    "\r",
    "\x00",
    "\x1b",
    "\x7f",
    "\x85",
    "\xa0",
    "\xad",
    "\xe9",
    " ",
    "\u2028",
    "\u200b",
    "\ufeff",
    "\ud800",
    "\udfff",
    "\ue000",
    "\u3000",
    "😀",
    "\u{e0001}",
    "\u{10ffff}",
  ),
  fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  fc.integer({ min: 0, max: 0xff }).map((c) => String.fromCharCode(c)),
  fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)),
);
const reprString = fc.string({ unit: reprChar, maxLength: 12 });

/** Code points JavaScript's Unicode tables call unassigned. */
function unassigned(s: string): number[] {
  return Array.from(s)
    .filter((ch) => /\p{Cn}/u.test(ch))
    .map((ch) => ch.codePointAt(0)!);
}

describe("python-format", () => {
  describe("pyRepr()", () => {
    const cases: Array<[unknown, string]> = [
      ["", "''"],
      ["abc", "'abc'"],
      ["x\ty", "'x\\ty'"],
      ["it's", `"it's"`],
      [`it's "x"`, `'it\\'s "x"'`],
      ['say "hi"', `'say "hi"'`],
      ["back\\slash", "'back\\\\slash'"],
      ["\r\n\x00\x1f\x7f", "'\\r\\n\\x00\\x1f\\x7f'"],
      ["\x80\x9f\xa0\xad\xae", "'\\x80\\x9f\\xa0\\xad\xae'"],
      ["é\u2028😀", "'é\\u2028😀'"],
      ["\ud800", "'\\ud800'"],
      ["\u{e0001}", "'\\U000e0001'"],
      [0, "0"],
      [-42, "-42"],
      [1.5, "1.5"],
      [0.1, "0.1"],
      [1e-5, "1e-05"],
      [1.5e300, "1.5e+300"],
      [2 ** 53, "9007199254740992.0"],
      [12345678901234567890n, "12345678901234567890"],
      [Number.NaN, "nan"],
      [-Infinity, "-inf"],
      [true, "True"],
      [false, "False"],
      [null, "None"],
      [undefined, "None"],
      [Buffer.from("a\x00'\\\xff", "latin1"), `b"a\\x00'\\\\\\xff"`],
      [new Uint8Array([0x41, 0x27, 0x22]), `b'A\\'"'`],
      [Buffer.alloc(0), "b''"],
      [["127.0.0.1", 8000], "('127.0.0.1', 8000)"],
      [["x"], "('x',)"],
      [[], "()"],
      [[["a", 1], null], "(('a', 1), None)"],
      [{ a: 1, b: "x" }, "{'a': 1, 'b': 'x'}"],
      [new Map<unknown, unknown>([[1, "one"]]), "{1: 'one'}"],
      [new Set([1, 2]), "{1, 2}"],
      [new Set(), "set()"],
      [new ValueError("bad"), "ValueError('bad')"],
      [{ __repr__: () => "<custom>" }, "<custom>"],
    ];
    for (const [value, expected] of cases) {
      it(`gives ${JSON.stringify(expected)} for ${inspect(value)}`, () => {
        expect(pyRepr(value)).to.equal(expected);
      });
    }

    it("marks a self-containing array instead of recursing forever", () => {
      const loop: unknown[] = ["a"];
      loop.push(loop);
      expect(pyRepr(loop)).to.equal("('a', (...))");
    });

    it("matches python3's repr(), ascii() and %-formatting of a generated batch of strings", function () {
      this.timeout(60000);
      const { seed, values } = batch(reprString, 400);
      const script = [
        "import json, sys, unicodedata",
        "out = []",
        "for s in json.load(sys.stdin):",
        "    cn = [ord(c) for c in s if unicodedata.category(c) == 'Cn']",
        "    out.append([repr(s), ascii(s), '%r|%a|%s|%-8.3s|%5s' % (s, s, s, s, s), cn])",
        "print(json.dumps(out))",
      ].join("\n");
      const answers = python<Array<[string, string, string, number[]]>>(script, values);
      let compared = 0;
      values.forEach((s, i) => {
        const [repr, ascii, formatted, pyUnassigned] = answers[i]!;
        // Skip strings whose characters the two Unicode databases classify differently.
        if (JSON.stringify(unassigned(s)) !== JSON.stringify(pyUnassigned)) return;
        compared++;
        const where = `seed ${seed}, input ${JSON.stringify(s)}`;
        expect(pyRepr(s), where).to.equal(repr);
        expect(pyFormat("%a", [s]), where).to.equal(ascii);
        expect(pyFormat("%r|%a|%s|%-8.3s|%5s", [s, s, s, s, s]), where).to.equal(formatted);
      });
      expect(compared, "strings actually compared").to.be.greaterThan(values.length * 0.8);
    });

    it("matches python3's repr() of a generated batch of bytes", function () {
      this.timeout(60000);
      const byte = fc.oneof(fc.constantFrom(0x22, 0x27, 0x5c, 0x09, 0x0a, 0x0d, 0x7f), fc.nat(255));
      const { seed, values } = batch(fc.array(byte, { maxLength: 16 }), 300);
      const answers = python<string[]>(
        "import json, sys\nprint(json.dumps([repr(bytes(b)) for b in json.load(sys.stdin)]))",
        values,
      );
      values.forEach((b, i) => {
        expect(pyRepr(Uint8Array.from(b)), `seed ${seed}, bytes ${JSON.stringify(b)}`).to.equal(answers[i]);
      });
    });

    it("matches python3's repr() of a generated batch of floats", function () {
      this.timeout(60000);
      const { seed, values } = batch(fc.double(), 400);
      const finite = values.filter((x) => !Number.isSafeInteger(x));
      const answers = python<string[]>(
        "import json, sys\nprint(json.dumps([repr(float(s)) for s in json.load(sys.stdin)]))",
        finite.map((x) => (Object.is(x, -0) ? "-0.0" : String(x))),
      );
      finite.forEach((x, i) => {
        expect(pyRepr(x), `seed ${seed}, ${String(x)}`).to.equal(answers[i]);
      });
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
      it(`gives ${JSON.stringify(expected)}`, () => {
        expect(pyStr(value)).to.equal(expected);
      });
    }
  });

  describe("pyFormat()", () => {
    // Every expected value here was printed by python3.
    const cases: Array<[string, unknown[], string]> = [
      ['"%s" %s %s', ["GET / HTTP/1.0", 200, "-"], '"GET / HTTP/1.0" 200 -'],
      ["code %d, message %s", [404, "File not found"], "code 404, message File not found"],
      ["%#x|%5s|%-5d|%r", [255, "a", 3, "x\ty"], "0xff|    a|3    |'x\\ty'"],
      ["100%% done", [], "100% done"],
      ["no conversions", [], "no conversions"],
      ["%s%%", [1], "1%"],
      ["%010f", [Infinity], "0000000inf"],
      ["%-010f|", [Number.NaN], "nan       |"],
      ["%+010.2f", [-Infinity], "-000000inf"],
      ["%05s|%05r|%05c", ["a", "a", 65], "    a|  'a'|    A"],
      ["%.2f %.0f %.0f", [0.125, 0.5, 2.5], "0.12 0 2"],
      ["%#.0f %#.0e %#g %#.3g", [1, 1, 100000, 1], "1. 1.e+00 100000. 1.00"],
      ["%g %g %g %g", [1e-5, 123456789, 0, 1e16], "1e-05 1.23457e+08 0 1e+16"],
      ["%.3g %#.3g %.1g %.1g", [9.9999, 9.9999, 0.25, 0.35], "10 10.0 0.2 0.3"],
      ["%G %E %F", [1e-10, Infinity, Number.NaN], "1E-10 INF NAN"],
      ["%e %f %+.0e", [0, -0, -0], "0.000000e+00 -0.000000 -0e+00"],
      ["%.20e", [5e-324], "4.94065645841246544177e-324"],
      ["%.17g %.15g", [0.1, 0.1], "0.10000000000000001 0.1"],
      ["%f", [1e22], "10000000000000000000000.000000"],
      ["%#x|%#X|%#o|%x", [-255, 255, 8, -255], "-0xff|0XFF|0o10|-ff"],
      ["%+d|% d|%+ d", [5, 5, 5], "+5| 5|+5"],
      ["%.3d|%05.3d|%-6.3d|", [5, 5, -5], "005|00005|-005  |"],
      ["%#010x|%#08.5x|%#.3o", [255, 255, 8], "0x000000ff|0x0000ff|0o010"],
      ["%d %d %d %i %u", [3.7, -3.7, true, 4, 5], "3 -3 1 4 5"],
      ["%d %x", [2n ** 64n, 2n ** 70n], "18446744073709551616 400000000000000000"],
      ["%*d|%-*d|%.*f", [5, 3, -5, 3, 2, 3.14159], "    3|3    |3.14"],
      ["%0*.*f|%*.*s|", [8, 2, 3.14159, -6, 2, "abc"], "00003.14|ab    |"],
      ["%.*f", [-1, 1.5], "2"],
      ["%ld|%hd|%Lf", [1, 2, 3], "1|2|3.000000"],
      ["%c%c%c", ["x", 0x1f600, true], "x😀\x01"],
      ["%-3c|%3s|%.1s|", ["😀", "😀", "😀x"], "😀  |  😀|😀|"],
      ["%.3s|%.0s|%10.4s|", ["abcdef", "abc", "abcdef"], "abc||      abcd|"],
      ["%s %r %s %s", [true, true, null, ["a", 2]], "True True None ('a', 2)"],
      ["%s", [[1]], "(1,)"],
      ["%a", [Buffer.from([0xff])], "b'\\xff'"],
      ["%s|%r", [1e16, -0.5], "1e+16|-0.5"],
      ["%d", [HTTPStatusLike()], "404"],
    ];
    for (const [format, args, expected] of cases) {
      it(`${JSON.stringify(format)} % ${pyRepr(args)} -> ${JSON.stringify(expected)}`, () => {
        expect(pyFormat(format, args)).to.equal(expected);
      });
    }

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

    describe("errors", () => {
      // [format, args, Python exception name, message], all printed by python3.
      const errors: Array<[string, unknown[], string, string]> = [
        ["%s %s", ["a"], "TypeError", "not enough arguments for format string"],
        ["%s", ["a", "b"], "TypeError", "not all arguments converted during string formatting"],
        ["plain", [1], "TypeError", "not all arguments converted during string formatting"],
        ["%d", ["a"], "TypeError", "%d format: a real number is required, not str"],
        ["%i", [null], "TypeError", "%i format: a real number is required, not NoneType"],
        ["%d", [[1]], "TypeError", "%d format: a real number is required, not tuple"],
        ["%d", [Buffer.alloc(0)], "TypeError", "%d format: a real number is required, not bytes"],
        ["%x", [3.5], "TypeError", "%x format: an integer is required, not float"],
        ["%X", ["a"], "TypeError", "%X format: an integer is required, not str"],
        ["%f", ["a"], "TypeError", "must be real number, not str"],
        ["%e", [undefined], "TypeError", "must be real number, not NoneType"],
        ["%c", ["ab"], "TypeError", "%c requires int or char"],
        ["%c", [1.5], "TypeError", "%c requires int or char"],
        ["%c", [0x110000], "OverflowError", "%c arg not in range(0x110000)"],
        ["%c", [-1], "OverflowError", "%c arg not in range(0x110000)"],
        ["%q", [1], "ValueError", "unsupported format character 'q' (0x71) at index 1"],
        ["%q", [], "TypeError", "not enough arguments for format string"],
        ["😀%q", [1], "ValueError", "unsupported format character 'q' (0x71) at index 2"],
        ["%\u00e9", [1], "ValueError", "unsupported format character '?' (0xe9) at index 1"],
        ["%\x01", [1], "ValueError", "unsupported format character '?' (0x1) at index 1"],
        ["%5%", [1], "ValueError", "unsupported format character '%' (0x25) at index 2"],
        ["%lld", [1], "ValueError", "unsupported format character 'l' (0x6c) at index 2"],
        ["%", [], "ValueError", "incomplete format"],
        ["abc %", [1], "ValueError", "incomplete format"],
        ["%s %", [], "TypeError", "not enough arguments for format string"],
        ["%*", [1], "ValueError", "incomplete format"],
        ["%(a)", [{ a: 1 }], "ValueError", "incomplete format"],
        ["%(a)s", [1], "TypeError", "format requires a mapping"],
        ["%(a", [{ a: 1 }], "ValueError", "incomplete format key"],
        ["%*d", ["x", 1], "TypeError", "* wants int"],
        ["%.*f", [1.5, 2], "TypeError", "* wants int"],
        ["%d", [Number.NaN], "ValueError", "cannot convert float NaN to integer"],
        ["%d", [Infinity], "OverflowError", "cannot convert float infinity to integer"],
        ["%f", [2n ** 1100n], "OverflowError", "int too large to convert to float"],
      ];
      const classes: Record<string, new (...args: never[]) => Error> = {
        TypeError,
        ValueError,
        OverflowError,
      };
      for (const [format, args, name, message] of errors) {
        it(`${JSON.stringify(format)} % ${pyRepr(args)} raises ${name}: ${message}`, () => {
          expect(() => pyFormat(format, args))
            .to.throw(classes[name]!, message)
            .with.property("name", name);
        });
      }

      it("makes ValueError, KeyError and OverflowError RangeErrors that print Python's name", () => {
        for (const error of [new ValueError("v"), new KeyError("k"), new OverflowError("o")]) {
          expect(error).to.be.instanceOf(RangeError);
        }
        expect(String(new ValueError("incomplete format"))).to.equal("ValueError: incomplete format");
        expect(new OverflowError("x").stack).to.match(/^OverflowError: x/);
      });
    });

    it("matches python3 on a generated batch of integer conversions", function () {
      this.timeout(60000);
      const spec = fc.record({
        flags: fc.array(fc.constantFrom("#", "0", "-", " ", "+"), { maxLength: 3 }).map((f) => f.join("")),
        width: fc.option(fc.nat(20), { nil: undefined }),
        prec: fc.option(fc.nat(20), { nil: undefined }),
        conv: fc.constantFrom("d", "i", "u", "x", "X", "o"),
        value: fc.oneof(
          fc.integer({ min: -(2 ** 31), max: 2 ** 31 }),
          fc.maxSafeInteger(),
          fc.bigInt({ min: -(2n ** 100n), max: 2n ** 100n }),
        ),
      });
      const { seed, values } = batch(spec, 500);
      const formats = values.map(
        (s) => `%${s.flags}${s.width ?? ""}${s.prec === undefined ? "" : `.${s.prec}`}${s.conv}`,
      );
      const script = [
        "import json, sys",
        "out = []",
        "for f, v in json.load(sys.stdin):",
        "    try: out.append(['ok', f % int(v)])",
        "    except Exception as e: out.append([type(e).__name__, str(e)])",
        "print(json.dumps(out))",
      ].join("\n");
      const answers = python<Array<[string, string]>>(
        script,
        values.map((s, i) => [formats[i], String(s.value)]),
      );
      values.forEach((s, i) => {
        expect(outcome(() => pyFormat(formats[i]!, [s.value])), `seed ${seed}: ${formats[i]} % ${s.value}`).to.deep.equal(
          answers[i],
        );
      });
    });

    it("matches python3 on a generated batch of float conversions, rounding included", function () {
      this.timeout(60000);
      const spec = fc.record({
        flags: fc.array(fc.constantFrom("#", "0", "-", " ", "+"), { maxLength: 3 }).map((f) => f.join("")),
        width: fc.option(fc.nat(30), { nil: undefined }),
        prec: fc.option(fc.nat(25), { nil: undefined }),
        conv: fc.constantFrom("e", "E", "f", "F", "g", "G", "d"),
        value: fc.oneof(
          fc.double(),
          fc.double({ min: -1e6, max: 1e6 }),
          fc.integer({ min: -1000, max: 1000 }).map((n) => n / 8), // exact binary ties
          fc.constantFrom(0.5, 2.5, 0.125, 1e16, 9.9999, 999999.5, 5e-324, 1.7976931348623157e308, -0),
        ),
      });
      const { seed, values } = batch(spec, 600);
      const formats = values.map(
        (s) => `%${s.flags}${s.width ?? ""}${s.prec === undefined ? "" : `.${s.prec}`}${s.conv}`,
      );
      const script = [
        "import json, sys",
        "out = []",
        "for f, v in json.load(sys.stdin):",
        "    try: out.append(['ok', f % float(v)])",
        "    except Exception as e: out.append([type(e).__name__, str(e)])",
        "print(json.dumps(out))",
      ].join("\n");
      const answers = python<Array<[string, string]>>(
        script,
        values.map((s, i) => [formats[i], Object.is(s.value, -0) ? "-0.0" : String(s.value)]),
      );
      values.forEach((s, i) => {
        expect(outcome(() => pyFormat(formats[i]!, [s.value])), `seed ${seed}: ${formats[i]} % ${s.value}`).to.deep.equal(
          answers[i],
        );
      });
    });

    it("matches python3 on a generated batch of %c conversions", function () {
      this.timeout(60000);
      const spec = fc.record({
        format: fc.constantFrom("%c", "%5c|", "%-4c|", "%05c"),
        value: fc.oneof(fc.integer({ min: -5, max: 0x110005 }), reprChar),
      });
      const { seed, values } = batch(spec, 200);
      const script = [
        "import json, sys",
        "out = []",
        "for f, v in json.load(sys.stdin):",
        "    try: out.append(['ok', f % v])",
        "    except Exception as e: out.append([type(e).__name__, str(e)])",
        "print(json.dumps(out))",
      ].join("\n");
      const answers = python<Array<[string, string]>>(
        script,
        values.map((s) => [s.format, s.value]),
      );
      values.forEach((s, i) => {
        expect(outcome(() => pyFormat(s.format, [s.value])), `seed ${seed}: ${s.format} % ${JSON.stringify(s.value)}`)
          .to.deep.equal(answers[i]);
      });
    });
  });

  describe("escapeControlChars()", () => {
    it("leaves ordinary text alone and returns the same string", () => {
      const line = '"GET /index.html HTTP/1.1" 200 -';
      expect(escapeControlChars(line)).to.equal(line);
      expect(escapeControlChars("café ünïcødé 😀")).to.equal("café ünïcødé 😀");
    });

    it("escapes C0 and C1 controls as \\xNN and doubles backslashes", () => {
      expect(escapeControlChars("a\x00b\x1b[31mc\n\x7f\x80\x9f\\")).to.equal(
        "a\\x00b\\x1b[31mc\\x0a\\x7f\\x80\\x9f\\\\",
      );
      expect(escapeControlChars("\xa0\xad")).to.equal("\xa0\xad");
    });

    it("matches Python 3.12+'s log_message escaping on a generated batch", function () {
      this.timeout(60000);
      const { seed, values } = batch(reprString, 300);
      const script = [
        "import json, sys",
        "table = {c: '\\\\x%02x' % c for c in [*range(0x20), *range(0x7f, 0xa0)]}",
        "table[ord('\\\\')] = '\\\\\\\\'",
        "print(json.dumps([s.translate(table) for s in json.load(sys.stdin)]))",
      ].join("\n");
      const answers = python<string[]>(script, values);
      values.forEach((s, i) => {
        expect(escapeControlChars(s), `seed ${seed}, ${JSON.stringify(s)}`).to.equal(answers[i]);
      });
    });

    it("is reversible, so a client cannot forge an escape sequence", () => {
      const unescape = (s: string): string =>
        s.replace(/\\(\\|x([0-9a-f]{2}))/g, (_m, whole: string, hex: string | undefined) =>
          hex === undefined ? whole : String.fromCharCode(parseInt(hex, 16)),
        );
      fc.assert(
        fc.property(reprString, (s) => {
          const escaped = escapeControlChars(s);
          expect(escaped).to.not.match(/[\x00-\x1f\x7f-\x9f]/);
          expect(unescape(escaped)).to.equal(s);
        }),
        { numRuns: 500 },
      );
    });
  });

  describe("htmlEscape()", () => {
    it("escapes &, <, > and, by default, both quotes", () => {
      expect(htmlEscape(`<a href="x">Tom & 'Jerry'</a>`)).to.equal(
        "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#x27;Jerry&#x27;&lt;/a&gt;",
      );
      expect(htmlEscape(`"it's" <b> & co`, false)).to.equal(`"it's" &lt;b&gt; &amp; co`);
      expect(htmlEscape("&amp;")).to.equal("&amp;amp;");
      expect(htmlEscape("plain")).to.equal("plain");
    });

    it("matches python3's html.escape on a generated batch", function () {
      this.timeout(60000);
      const text = fc.string({
        unit: fc.oneof(fc.constantFrom("&", "<", ">", '"', "'", ";", "#"), reprChar),
        maxLength: 16,
      });
      const { seed, values } = batch(fc.tuple(text, fc.boolean()), 300);
      const answers = python<string[]>(
        "import html, json, sys\nprint(json.dumps([html.escape(s, q) for s, q in json.load(sys.stdin)]))",
        values,
      );
      values.forEach(([s, quote], i) => {
        expect(htmlEscape(s, quote), `seed ${seed}, ${JSON.stringify(s)}`).to.equal(answers[i]);
      });
    });
  });
});

/** An object standing in for a number, like an `HTTPStatus` info object. */
function HTTPStatusLike(): { valueOf(): number; toString(): string } {
  return {
    valueOf: () => 404,
    toString: () => "404",
  };
}

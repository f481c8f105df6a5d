import { expect } from "chai";
import fc from "fast-check";

import { formatHttpDate } from "../../../../lib/http/dates.js";
import { HTTPMessage } from "../../../../lib/http/message.js";
import {
  type ConditionalRequest,
  type PreconditionResult,
  type ResourceValidators,
  evaluatePreconditions,
  parseEtagList,
  pythonNotModified,
  rangeApplies,
  strongEtagMatch,
  weakEtag,
  weakEtagMatch,
} from "../../../../lib/http/server/files/conditional.js";

/** Sun, 06 Nov 1994 08:49:37 GMT, the RFCs' favourite instant. */
const LM = 784111777;
const LM_DATE = "Sun, 06 Nov 1994 08:49:37 GMT";
const date = (seconds: number): string => formatHttpDate(seconds);

type Headers = Record<string, string | string[]>;

/** A request with case-insensitive lookup; `getAll` only when asked for. */
function request(method: string, headers: Headers = {}, withGetAll = false): ConditionalRequest {
  const find = (name: string): string[] | undefined => {
    for (const [key, value] of Object.entries(headers)) {
      if (key.toLowerCase() === name.toLowerCase()) return Array.isArray(value) ? value : [value];
    }
    return undefined;
  };
  const req: ConditionalRequest = { method, get: (name) => find(name)?.[0] };
  if (withGetAll) return { ...req, getAll: find };
  return req;
}

const STRONG: ResourceValidators = { etag: '"abc"', lastModified: LM };
const WEAK: ResourceValidators = { etag: 'W/"abc"', lastModified: LM };
const NO_ETAG: ResourceValidators = { etag: "", lastModified: LM };
const NO_DATE: ResourceValidators = { etag: '"abc"' };

describe("conditional", () => {
  describe("evaluatePreconditions (table, RFC 9110 §13.2.2)", () => {
    // [description, method, headers, resource, expected]
    const cases: [string, string, Headers, ResourceValidators, PreconditionResult][] = [
      ["no conditions", "GET", {}, STRONG, "proceed"],
      // Step 1: If-Match, strong comparison.
      ["If-Match matching", "GET", { "If-Match": '"abc"' }, STRONG, "proceed"],
      ["If-Match not matching", "GET", { "If-Match": '"xyz"' }, STRONG, 412],
      ["If-Match list with a match", "PUT", { "If-Match": '"xyz", "abc"' }, STRONG, "proceed"],
      ["If-Match list without blanks", "PUT", { "If-Match": '"xyz","abc"' }, STRONG, "proceed"],
      ["If-Match *", "GET", { "If-Match": "*" }, STRONG, "proceed"],
      ["If-Match * without an ETag", "DELETE", { "If-Match": "*" }, NO_ETAG, "proceed"],
      ["If-Match weak tag vs strong ETag", "GET", { "If-Match": 'W/"abc"' }, STRONG, 412],
      ["If-Match strong tag vs weak ETag", "GET", { "If-Match": '"abc"' }, WEAK, 412],
      ["If-Match weak vs weak", "GET", { "If-Match": 'W/"abc"' }, WEAK, 412],
      ["If-Match tag without an ETag", "GET", { "If-Match": '"abc"' }, NO_ETAG, 412],
      ["If-Match unquoted (malformed)", "GET", { "If-Match": "abc" }, STRONG, 412],
      ["If-Match empty list", "GET", { "If-Match": "" }, STRONG, 412],
      ["If-Match * mixed with tags (malformed)", "GET", { "If-Match": '*, "abc"' }, STRONG, 412],
      ["If-Match is case-sensitive", "GET", { "If-Match": '"ABC"' }, STRONG, 412],
      ["If-Match lower-case w/ is not the weak marker", "GET", { "If-Match": 'w/"abc"' }, WEAK, 412],
      // Step 2: If-Unmodified-Since, only without If-Match.
      ["If-Unmodified-Since at Last-Modified", "PUT", { "If-Unmodified-Since": LM_DATE }, STRONG, "proceed"],
      ["If-Unmodified-Since after", "PUT", { "If-Unmodified-Since": date(LM + 1) }, STRONG, "proceed"],
      ["If-Unmodified-Since before", "PUT", { "If-Unmodified-Since": date(LM - 1) }, STRONG, 412],
      ["If-Unmodified-Since before, GET", "GET", { "If-Unmodified-Since": date(LM - 1) }, STRONG, 412],
      ["If-Unmodified-Since ignored under If-Match", "PUT", { "If-Match": '"abc"', "If-Unmodified-Since": date(LM - 1) }, STRONG, "proceed"],
      ["If-Unmodified-Since garbage", "PUT", { "If-Unmodified-Since": "yesterday" }, STRONG, "proceed"],
      ["If-Unmodified-Since other zone", "PUT", { "If-Unmodified-Since": "Sun, 06 Nov 1994 07:49:36 -0100" }, STRONG, "proceed"],
      ["If-Unmodified-Since list of dates", "PUT", { "If-Unmodified-Since": `${date(LM - 1)}, ${date(LM - 1)}` }, STRONG, "proceed"],
      ["If-Unmodified-Since RFC 850", "PUT", { "If-Unmodified-Since": "Sunday, 06-Nov-94 08:49:36 GMT" }, STRONG, 412],
      ["If-Unmodified-Since asctime", "PUT", { "If-Unmodified-Since": "Sun Nov  6 08:49:36 1994" }, STRONG, 412],
      ["If-Unmodified-Since without a modification date", "PUT", { "If-Unmodified-Since": date(0) }, NO_DATE, "proceed"],
      ["If-Unmodified-Since, fraction of Last-Modified dropped", "PUT", { "If-Unmodified-Since": LM_DATE }, { etag: '"abc"', lastModified: LM + 0.75 }, "proceed"],
      // Step 3: If-None-Match, weak comparison.
      ["If-None-Match matching, GET", "GET", { "If-None-Match": '"abc"' }, STRONG, 304],
      ["If-None-Match matching, HEAD", "HEAD", { "If-None-Match": '"abc"' }, STRONG, 304],
      ["If-None-Match matching, POST", "POST", { "If-None-Match": '"abc"' }, STRONG, 412],
      ["If-None-Match matching, PUT", "PUT", { "If-None-Match": '"abc"' }, STRONG, 412],
      ["If-None-Match weak vs strong", "GET", { "If-None-Match": 'W/"abc"' }, STRONG, 304],
      ["If-None-Match strong vs weak", "GET", { "If-None-Match": '"abc"' }, WEAK, 304],
      ["If-None-Match list with a match", "GET", { "If-None-Match": '"x", W/"abc" ,"y"' }, WEAK, 304],
      ["If-None-Match not matching", "GET", { "If-None-Match": '"xyz"' }, STRONG, "proceed"],
      ["If-None-Match *, GET", "GET", { "If-None-Match": "*" }, STRONG, 304],
      ["If-None-Match *, PUT", "PUT", { "If-None-Match": "*" }, NO_ETAG, 412],
      ["If-None-Match tag without an ETag", "GET", { "If-None-Match": '"abc"' }, NO_ETAG, "proceed"],
      ["If-None-Match malformed", "GET", { "If-None-Match": "abc" }, STRONG, "proceed"],
      ["If-None-Match method is case-sensitive", "get", { "If-None-Match": '"abc"' }, STRONG, 412],
      // Step 4: If-Modified-Since, GET and HEAD only, not under If-None-Match.
      ["If-Modified-Since at Last-Modified", "GET", { "If-Modified-Since": LM_DATE }, STRONG, 304],
      ["If-Modified-Since later", "HEAD", { "If-Modified-Since": date(LM + 3600) }, STRONG, 304],
      ["If-Modified-Since earlier", "GET", { "If-Modified-Since": date(LM - 1) }, STRONG, "proceed"],
      ["If-Modified-Since on POST", "POST", { "If-Modified-Since": LM_DATE }, STRONG, "proceed"],
      ["If-Modified-Since garbage", "GET", { "If-Modified-Since": "not a date" }, STRONG, "proceed"],
      ["If-Modified-Since other zone", "GET", { "If-Modified-Since": "Sun, 06 Nov 1994 09:49:37 +0100" }, STRONG, "proceed"],
      ["If-Modified-Since without a modification date", "GET", { "If-Modified-Since": LM_DATE }, NO_DATE, "proceed"],
      ["If-Modified-Since ignored under non-matching If-None-Match", "GET", { "If-None-Match": '"xyz"', "If-Modified-Since": LM_DATE }, STRONG, "proceed"],
      ["If-Modified-Since ignored under empty If-None-Match", "GET", { "If-None-Match": "", "If-Modified-Since": LM_DATE }, STRONG, "proceed"],
      ["If-Modified-Since ignored under malformed If-None-Match", "GET", { "If-None-Match": "junk", "If-Modified-Since": LM_DATE }, STRONG, "proceed"],
      // The order of the steps.
      ["failed If-Match beats matching If-None-Match", "GET", { "If-Match": '"xyz"', "If-None-Match": '"abc"' }, STRONG, 412],
      ["failed If-Match beats If-Modified-Since", "GET", { "If-Match": '"xyz"', "If-Modified-Since": LM_DATE }, STRONG, 412],
      ["failed If-Unmodified-Since beats If-None-Match", "GET", { "If-Unmodified-Since": date(LM - 1), "If-None-Match": '"abc"' }, STRONG, 412],
      ["If-Match holds, If-None-Match matches", "GET", { "If-Match": '"abc"', "If-None-Match": '"abc"' }, STRONG, 304],
      ["If-Unmodified-Since holds, If-Modified-Since holds", "GET", { "If-Unmodified-Since": LM_DATE, "If-Modified-Since": LM_DATE }, STRONG, 304],
      // Methods that select no representation ignore all of it.
      ["OPTIONS", "OPTIONS", { "If-Match": '"xyz"' }, STRONG, "proceed"],
      ["TRACE", "TRACE", { "If-None-Match": "*" }, STRONG, "proceed"],
      ["CONNECT", "CONNECT", { "If-Unmodified-Since": date(0) }, STRONG, "proceed"],
    ];
    for (const [what, method, headers, resource, expected] of cases) {
      it(`${what} -> ${expected}`, () => {
        expect(evaluatePreconditions(request(method, headers), resource)).to.equal(expected);
      });
    }

    it("reads repeated list headers as one list when getAll is available", () => {
      const headers = { "If-None-Match": ['"x"', '"abc"'] };
      expect(evaluatePreconditions(request("GET", headers, true), STRONG)).to.equal(304);
      expect(evaluatePreconditions(request("GET", headers, false), STRONG)).to.equal("proceed");
      const match = { "If-Match": ['"x"', '"abc"'] };
      expect(evaluatePreconditions(request("PUT", match, true), STRONG)).to.equal("proceed");
      expect(evaluatePreconditions(request("PUT", match, false), STRONG)).to.equal(412);
    });

    it("ignores repeated If-Unmodified-Since lines as a list of dates", () => {
      const headers = { "If-Unmodified-Since": [date(LM - 1), date(LM - 1)] };
      expect(evaluatePreconditions(request("PUT", headers, true), STRONG)).to.equal("proceed");
      expect(evaluatePreconditions(request("PUT", { "If-Unmodified-Since": [date(LM - 1)] }, true), STRONG)).to.equal(412);
    });

    it("takes an HTTPMessage as the header source", () => {
      const msg = new HTTPMessage();
      msg.append("if-none-match", '"x"');
      msg.append("If-None-Match", 'W/"abc"');
      const req = { method: "GET", get: (n: string) => msg.get(n), getAll: (n: string) => msg.getAll(n) };
      expect(evaluatePreconditions(req, STRONG)).to.equal(304);
    });

    it("never throws and only answers what the method allows, for arbitrary header values", () => {
      const value = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom("*", '"abc"', 'W/"abc"', LM_DATE, date(LM - 1)));
      const names = ["If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since"];
      fc.assert(
        fc.property(
          fc.constantFrom("GET", "HEAD", "POST", "PUT", "OPTIONS"),
          fc.dictionary(fc.constantFrom(...names), value),
          fc.constantFrom(STRONG, WEAK, NO_ETAG, NO_DATE),
          (method, headers, resource) => {
            const result = evaluatePreconditions(request(method, headers), resource);
            expect(["proceed", 304, 412]).to.include(result);
            if (method === "OPTIONS") expect(result).to.equal("proceed");
            if (result === 304) expect(["GET", "HEAD"]).to.include(method);
            if (!("If-Match" in headers) && !("If-Unmodified-Since" in headers) && result === 412) {
              expect(["GET", "HEAD"]).not.to.include(method); // only If-None-Match can fail then
            }
            if (headers["If-Match"] === "*" && !("If-None-Match" in headers)) expect(result).not.to.equal(412);
          },
        ),
        { numRuns: 2000 },
      );
    });

    it("answers a GET or HEAD carrying only If-Modified-Since exactly as pythonNotModified does", () => {
      fc.assert(
        fc.property(
          fc.constantFrom("GET", "HEAD"),
          fc.integer({ min: 0, max: 4_000_000_000 }),
          fc.integer({ min: -5, max: 5 }),
          fc.double({ min: 0, max: 0.9999999, noNaN: true }),
          (method, second, shift, fraction) => {
            const headers = { "If-Modified-Since": date(second + shift) };
            const mtime = second + fraction;
            const expected = pythonNotModified(request(method, headers), mtime) ? 304 : "proceed";
            expect(evaluatePreconditions(request(method, headers), { etag: '"e"', lastModified: mtime })).to.equal(expected);
          },
        ),
        { numRuns: 1000 },
      );
    });
  });

  describe("pythonNotModified (SimpleHTTPRequestHandler.send_head)", () => {
    const ims = (value: string): { get(name: string): string | undefined } => request("GET", { "If-Modified-Since": value });
    // [If-Modified-Since, mtime, 304?] — checked against CPython's email.utils and send_head logic.
    const cases: [string, number, boolean][] = [
      [LM_DATE, LM, true],
      [LM_DATE, LM - 100, true],
      [LM_DATE, LM + 1, false],
      [LM_DATE, LM + 0.999, true], // microseconds dropped
      [LM_DATE, LM + 0.9999996, false], // rounds to the next second first
      ["Sunday, 06-Nov-94 08:49:37 GMT", LM, true],
      ["Sun Nov  6 08:49:37 1994", LM, true],
      ["06 Nov 1994 08:49:37 GMT", LM, true],
      ["sun, 06 nov 1994 08:49:37 gmt", LM, true],
      ["Sun, 06 Nov 94 08:49:37 GMT", LM, true],
      ["Sun, 06 Nov 1994 08:49 GMT", LM, false],
      ["Sun, 06 Nov 1994 08:49 GMT", LM - 37, true],
      ["Sun, 06 Nov 1994 08:49:37 UTC", LM, true],
      ["Sun, 06 Nov 1994 08:49:37 +0000", LM, true],
      ["Sun, 06 Nov 1994 08:49:37 -0000", LM, true],
      ["Sun, 06 Nov 1994 08:49:37 XYZ", LM, true], // unknown zone name: no zone, so UTC
      ["Sun, 06 Nov 1994 08:49:37", LM, true],
      ["Sun, 06 Nov 1994 09:49:37 +0100", LM, false],
      ["Sun, 06 Nov 1994 03:49:37 EST", LM, false],
      ["Sun, 32 Nov 1994 08:49:37 GMT", LM, false],
      ["Sun, 06 Nov 1994 24:00:00 GMT", LM, false],
      ["1994-11-06T08:49:37Z", LM, false],
      ["garbage", LM, false],
      ["", LM, false],
      [LM_DATE, NaN, false],
    ];
    for (const [value, mtime, expected] of cases) {
      it(`If-Modified-Since ${JSON.stringify(value)}, mtime ${mtime} -> ${expected}`, () => {
        expect(pythonNotModified(ims(value), mtime)).to.equal(expected);
      });
    }

    it("does nothing without If-Modified-Since or with any If-None-Match, even an empty one", () => {
      expect(pythonNotModified(request("GET", {}), LM)).to.equal(false);
      expect(pythonNotModified(request("GET", { "If-Modified-Since": LM_DATE, "If-None-Match": '"abc"' }), LM)).to.equal(false);
      expect(pythonNotModified(request("GET", { "If-Modified-Since": LM_DATE, "If-None-Match": "" }), LM)).to.equal(false);
    });

    it("uses the first If-Modified-Since of an HTTPMessage, whatever the method", () => {
      const msg = new HTTPMessage();
      msg.append("If-Modified-Since", LM_DATE);
      msg.append("If-Modified-Since", date(LM - 1000));
      expect(pythonNotModified(msg, LM)).to.equal(true);
      expect(pythonNotModified(request("POST", { "If-Modified-Since": LM_DATE }), LM)).to.equal(true);
    });

    it("is 'mtime cut to seconds <= date' for every well-formed UTC date", () => {
      fc.assert(
        fc.property(
          fc.integer({ min: -2_000_000_000, max: 200_000_000_000 }),
          fc.integer({ min: -100_000, max: 100_000 }),
          fc.double({ min: 0, max: 0.999, noNaN: true }),
          (second, offset, fraction) => {
            const stamp = second + offset;
            const result = pythonNotModified(ims(date(stamp)), second + fraction);
            expect(result).to.equal(second <= stamp);
          },
        ),
        { numRuns: 1000 },
      );
    });

    it("never throws for arbitrary text", () => {
      fc.assert(
        fc.property(fc.string({ unit: "binary", maxLength: 60 }), fc.double(), (text, mtime) => {
          expect(pythonNotModified(ims(text), mtime)).to.be.a("boolean");
        }),
      );
    });
  });

  describe("rangeApplies (If-Range, RFC 9110 §13.1.5)", () => {
    const now = LM + 3600;
    // [If-Range, resource, now, expected]
    const cases: [string | undefined, ResourceValidators, number, boolean][] = [
      [undefined, STRONG, now, true],
      [undefined, NO_ETAG, now, true],
      ['"abc"', STRONG, now, true],
      [' "abc"\t', STRONG, now, true],
      ['"abd"', STRONG, now, false],
      ['W/"abc"', STRONG, now, false],
      ['"abc"', WEAK, now, false],
      ['W/"abc"', WEAK, now, false],
      ['"abc"', NO_ETAG, now, false],
      ['"abc", "abc"', STRONG, now, false],
      ['"abc', STRONG, now, false],
      [LM_DATE, STRONG, now, true],
      ["Sun Nov  6 08:49:37 1994", STRONG, now, true],
      ["Sunday, 06-Nov-94 08:49:37 GMT", STRONG, now, true],
      [LM_DATE, { lastModified: LM + 0.9 }, now, true],
      [date(LM + 1), STRONG, now, false], // exact match only, not "at or after"
      [date(LM - 1), STRONG, now, false],
      [LM_DATE, STRONG, LM + 1, true], // the second is over
      [LM_DATE, STRONG, LM + 0.999, false], // still inside that second: a weak validator
      [LM_DATE, NO_DATE, now, false],
      ["Sun, 06 Nov 1994 09:49:37 +0100", STRONG, now, false],
      [`${LM_DATE}, ${LM_DATE}`, STRONG, now, false],
      ["", STRONG, now, false],
      ["   ", STRONG, now, false],
      ["garbage", STRONG, now, false],
    ];
    for (const [value, resource, at, expected] of cases) {
      it(`If-Range ${JSON.stringify(value)} against ${JSON.stringify(resource)} at ${at} -> ${expected}`, () => {
        expect(rangeApplies(value, resource, at)).to.equal(expected);
      });
    }

    it("uses the clock when no time is given", () => {
      // A modification time ahead of the clock (a skewed file system) is never over yet.
      const ahead = Math.floor(Date.now() / 1000) + 5;
      expect(rangeApplies(date(ahead), { lastModified: ahead })).to.equal(false);
      expect(rangeApplies(LM_DATE, STRONG)).to.equal(true);
    });

    it("never holds for a weakEtag, and never throws", () => {
      fc.assert(
        fc.property(fc.string({ maxLength: 40 }), fc.nat(), fc.nat(), (text, size, ms) => {
          const tag = weakEtag(size, ms);
          expect(rangeApplies(tag, { etag: tag, lastModified: LM }, now)).to.equal(false);
          expect(rangeApplies(text, { etag: tag, lastModified: LM }, now)).to.be.a("boolean");
        }),
      );
    });
  });

  describe("entity tags", () => {
    describe("parseEtagList", () => {
      const cases: [string, ReturnType<typeof parseEtagList>][] = [
        ["*", "*"],
        [" * ", "*"],
        ['"abc"', ['"abc"']],
        ['W/"abc"', ['W/"abc"']],
        ['"a", W/"b" ,"c"', ['"a"', 'W/"b"', '"c"']],
        ['"a",,, "b",', ['"a"', '"b"']],
        ['""', ['""']],
        ['"with,comma"', ['"with,comma"']],
        ['"\u00e9"', ['"\u00e9"']],
        ["", []],
        [" , ", []],
        ["abc", null],
        ['"abc', null],
        ['"a b"', null],
        ['"a"b', null],
        ['"a" "b"', null],
        ['w/"a"', null],
        ['W/ "a"', null],
        ['*, "a"', null],
        ["**", null],
        ['"a\u0001"', null],
        ['"\u0100"', null],
      ];
      for (const [text, expected] of cases) {
        it(`${JSON.stringify(text)} -> ${JSON.stringify(expected)}`, () => {
          expect(parseEtagList(text)).to.deep.equal(expected);
        });
      }

      const etagc = fc
        .integer({ min: 0x21, max: 0xff })
        .filter((c) => c !== 0x22 && c !== 0x7f)
        .map((c) => String.fromCharCode(c));
      const tagArb = fc
        .tuple(fc.boolean(), fc.array(etagc, { maxLength: 12 }))
        .map(([weak, chars]) => `${weak ? "W/" : ""}"${chars.join("")}"`);

      it("gives back the tags of any well-formed list, whatever the separators", () => {
        fc.assert(
          fc.property(
            fc.array(tagArb, { maxLength: 8 }),
            fc.array(fc.constantFrom(",", ", ", " ,", "\t,\t", ",,", " , , "), { minLength: 8, maxLength: 8 }),
            (tags, separators) => {
              const text = tags.map((tag, i) => (i === 0 ? tag : separators[i]! + tag)).join("");
              expect(parseEtagList(text)).to.deep.equal(tags);
            },
          ),
        );
      });

      it("never throws, and every tag it returns is a single entity-tag", () => {
        fc.assert(
          fc.property(fc.string({ unit: "binary", maxLength: 60 }), (text) => {
            const list = parseEtagList(text);
            if (list === null || list === "*") return;
            for (const tag of list) {
              expect(tag).to.match(/^(W\/)?"[\x21\x23-\x7e\x80-\xff]*"$/);
              expect(parseEtagList(tag)).to.deep.equal([tag]);
            }
          }),
          { numRuns: 2000 },
        );
      });
    });

    describe("comparison (RFC 9110 §8.8.3.2 table)", () => {
      // [a, b, strong, weak] — the RFC's own example table.
      const cases: [string, string, boolean, boolean][] = [
        ['W/"1"', 'W/"1"', false, true],
        ['W/"1"', 'W/"2"', false, false],
        ['W/"1"', '"1"', false, true],
        ['"1"', '"1"', true, true],
        ['"1"', '"2"', false, false],
        ["1", "1", false, false],
        ['"1', '"1', false, false],
      ];
      for (const [a, b, strong, weak] of cases) {
        it(`${a} vs ${b}: strong ${strong}, weak ${weak}`, () => {
          expect(strongEtagMatch(a, b)).to.equal(strong);
          expect(strongEtagMatch(b, a)).to.equal(strong);
          expect(weakEtagMatch(a, b)).to.equal(weak);
          expect(weakEtagMatch(b, a)).to.equal(weak);
        });
      }
    });

    describe("weakEtag", () => {
      it("is W/\"<hex size>-<hex whole milliseconds>\"", () => {
        expect(weakEtag(6, 1764107702123)).to.equal('W/"6-19abd034f6b"');
        expect(weakEtag(6, 1764107702123.987)).to.equal('W/"6-19abd034f6b"');
        expect(weakEtag(0, 0)).to.equal('W/"0-0"');
        expect(weakEtag(255, 4096)).to.equal('W/"ff-1000"');
        expect(weakEtag(6, 1764107702123, "gzip")).to.equal('W/"6-19abd034f6b-gzip"');
        expect(weakEtag(6, 1764107702123, "")).to.equal('W/"6-19abd034f6b"');
      });

      it("refuses values that cannot make a tag", () => {
        expect(() => weakEtag(-1, 0)).to.throw(RangeError);
        expect(() => weakEtag(1.5, 0)).to.throw(RangeError);
        expect(() => weakEtag(NaN, 0)).to.throw(RangeError);
        expect(() => weakEtag(1, NaN)).to.throw(RangeError);
        expect(() => weakEtag(1, Infinity)).to.throw(RangeError);
        expect(() => weakEtag(1, 0, 'x"y')).to.throw(RangeError);
        expect(() => weakEtag(1, 0, "a b")).to.throw(RangeError);
      });

      it("is a valid weak tag, stable, and different for different files", () => {
        fc.assert(
          fc.property(
            fc.nat({ max: Number.MAX_SAFE_INTEGER }),
            fc.integer({ min: -1e13, max: 1e13 }),
            fc.nat({ max: Number.MAX_SAFE_INTEGER }),
            fc.integer({ min: -1e13, max: 1e13 }),
            (size, ms, size2, ms2) => {
              const tag = weakEtag(size, ms);
              expect(parseEtagList(tag)).to.deep.equal([tag]);
              expect(tag.startsWith('W/"')).to.equal(true);
              expect(weakEtag(size, ms + 0.5)).to.equal(tag);
              expect(weakEtagMatch(tag, tag)).to.equal(true);
              expect(strongEtagMatch(tag, tag)).to.equal(false);
              if (size !== size2 || ms !== ms2) expect(weakEtag(size2, ms2)).not.to.equal(tag);
            },
          ),
        );
      });
    });
  });
});

import { expect } from "chai";
import fc from "fast-check";

import {
  DEFAULT_MAX_RANGES,
  type ByteRange,
  type RangeResult,
  contentRange,
  makeBoundary,
  multipartByteranges,
  parseRange,
  unsatisfiedRange,
} from "../../../../lib/http/server/files/ranges.js";

const r = (start: number, end: number): ByteRange => ({ start, end });
const ranges = (...list: ByteRange[]): RangeResult => ({ type: "ranges", ranges: list });
const UNSAT: RangeResult = { type: "unsatisfiable" };
const ignored = (reason: string): RangeResult => ({ type: "ignore", reason } as RangeResult);

/** Check the invariants every answer of parseRange must keep, whatever the input. */
function assertValid(result: RangeResult, size: number): void {
  expect(["ignore", "unsatisfiable", "ranges"]).to.include(result.type);
  if (result.type !== "ranges") return;
  expect(result.ranges.length).to.be.greaterThan(0);
  let total = 0;
  for (const { start, end } of result.ranges) {
    expect(Number.isSafeInteger(start) && Number.isSafeInteger(end), `${start}-${end}`).to.equal(true);
    expect(start).to.be.at.least(0);
    expect(end).to.be.at.least(start);
    expect(end).to.be.below(size);
    total += end - start + 1;
  }
  expect(total).to.be.at.most(size);
  // No two ranges overlap or touch.
  const sorted = [...result.ranges].sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.start).to.be.greaterThan(sorted[i - 1]!.end + 1);
}

describe("ranges", () => {
  describe("parseRange (table, RFC 9110 §14.1.2 examples and edge cases)", () => {
    // [header, size, expected]
    const cases: [string, number, RangeResult][] = [
      // The RFC's own examples against a 10000-byte representation.
      ["bytes=0-499", 10000, ranges(r(0, 499))],
      ["bytes=500-999", 10000, ranges(r(500, 999))],
      ["bytes=-500", 10000, ranges(r(9500, 9999))],
      ["bytes=9500-", 10000, ranges(r(9500, 9999))],
      ["bytes=0-0,-1", 10000, ranges(r(0, 0), r(9999, 9999))],
      ["bytes=0-999,4500-5499,-1000", 10000, ranges(r(0, 999), r(4500, 5499), r(9000, 9999))],
      ["bytes=500-600,601-999", 10000, ranges(r(500, 999))],
      ["bytes=500-700,601-999", 10000, ranges(r(500, 999))],
      // Single, open and suffix forms; clamping.
      ["bytes=0-99", 1000, ranges(r(0, 99))],
      ["bytes=500-", 1000, ranges(r(500, 999))],
      ["bytes=-500", 1000, ranges(r(500, 999))],
      ["bytes=-1000", 1000, ranges(r(0, 999))],
      ["bytes=-5000", 1000, ranges(r(0, 999))],
      ["bytes=0-5000", 1000, ranges(r(0, 999))],
      ["bytes=999-", 1000, ranges(r(999, 999))],
      ["bytes=999-999", 1000, ranges(r(999, 999))],
      ["bytes=0-", 1000, ranges(r(0, 999))],
      ["bytes=007-010", 1000, ranges(r(7, 10))],
      ["bytes=0-99999999999999999999999999", 1000, ranges(r(0, 999))],
      ["bytes=-99999999999999999999999999", 1000, ranges(r(0, 999))],
      ["bytes=0-" + "9".repeat(400), 1000, ranges(r(0, 999))],
      // Unit case, blanks around commas and the whole value, empty elements.
      ["BYTES=0-1", 1000, ranges(r(0, 1))],
      ["Bytes=0-1", 1000, ranges(r(0, 1))],
      ["  bytes=0-1\t", 1000, ranges(r(0, 1))],
      ["bytes=0-1 , 5-6", 1000, ranges(r(0, 1), r(5, 6))],
      ["bytes=0-1,\t5-6", 1000, ranges(r(0, 1), r(5, 6))],
      ["bytes= 0-1", 1000, ranges(r(0, 1))],
      ["bytes=0-1,,5-6,", 1000, ranges(r(0, 1), r(5, 6))],
      [",bytes=0-1", 1000, ignored("unit")],
      // Unsatisfiable specs are dropped; all unsatisfiable -> 416.
      ["bytes=1000-", 1000, UNSAT],
      ["bytes=1000-1000", 1000, UNSAT],
      ["bytes=1000-,2000-3000", 1000, UNSAT],
      ["bytes=99999999999999999999-", 1000, UNSAT],
      ["bytes=-0", 1000, UNSAT],
      ["bytes=-000", 1000, UNSAT],
      ["bytes=1000-, 0-1", 1000, ranges(r(0, 1))],
      ["bytes=-0,5-9", 1000, ranges(r(5, 9))],
      // Order kept when nothing overlaps; merging puts a merged range where its first member was.
      ["bytes=500-599,0-99", 1000, ranges(r(500, 599), r(0, 99))],
      ["bytes=500-599,0-99,50-150", 1000, ranges(r(500, 599), r(0, 150))],
      ["bytes=50-150,500-599,0-99", 1000, ranges(r(0, 150), r(500, 599))],
      ["bytes=0-4,5-9,10-14", 1000, ranges(r(0, 14))],
      ["bytes=0-4,6-9", 1000, ranges(r(0, 4), r(6, 9))],
      ["bytes=10-20,12-15", 1000, ranges(r(10, 20))],
      ["bytes=-100,850-899", 1000, ranges(r(850, 999))],
      // Amplification: the ranges ask for more bytes than the file has.
      ["bytes=0-,0-", 1000, ignored("excessive")],
      ["bytes=0-999,0-0", 1000, ignored("excessive")],
      ["bytes=-1000,0-0", 1000, ignored("excessive")],
      ["bytes=0-600,400-999", 1000, ignored("excessive")],
      ["bytes=0-500,400-849", 1000, ranges(r(0, 849))],
      // Malformed: the whole header is ignored.
      ["bytes=5-4", 1000, ignored("malformed")],
      ["bytes=0-1,5-4", 1000, ignored("malformed")],
      ["bytes=+1-2", 1000, ignored("malformed")],
      ["bytes=1-+2", 1000, ignored("malformed")],
      ["bytes=-+5", 1000, ignored("malformed")],
      ["bytes=--5", 1000, ignored("malformed")],
      ["bytes=-5-", 1000, ignored("malformed")],
      ["bytes=1.5-2", 1000, ignored("malformed")],
      ["bytes=1e2-200", 1000, ignored("malformed")],
      ["bytes=0x10-20", 1000, ignored("malformed")],
      ["bytes=1-2-3", 1000, ignored("malformed")],
      ["bytes=1 -2", 1000, ignored("malformed")],
      ["bytes=1- 2", 1000, ignored("malformed")],
      ["bytes=-", 1000, ignored("malformed")],
      ["bytes=", 1000, ignored("malformed")],
      ["bytes=,,", 1000, ignored("malformed")],
      ["bytes=1", 1000, ignored("malformed")],
      ["bytes=a-b", 1000, ignored("malformed")],
      ["bytes=0-1;q=1", 1000, ignored("malformed")],
      ["bytes=\u0661-\u0662", 1000, ignored("malformed")],
      ["bytes=\uff10-\uff11", 1000, ignored("malformed")],
      ["bytes=0-1\r\n", 1000, ignored("malformed")],
      ["bytes", 1000, ignored("malformed")],
      ["0-99", 1000, ignored("malformed")],
      // Not our unit, or no header.
      ["items=0-1", 1000, ignored("unit")],
      ["bytes =0-1", 1000, ignored("unit")],
      ["bites=0-1", 1000, ignored("unit")],
      ["=0-1", 1000, ignored("unit")],
      ["", 1000, ignored("absent")],
      [" \t ", 1000, ignored("absent")],
      // Empty file: int-ranges unsatisfiable, a non-zero suffix satisfiable but empty.
      ["bytes=0-", 0, UNSAT],
      ["bytes=0-0", 0, UNSAT],
      ["bytes=-0", 0, UNSAT],
      ["bytes=-1", 0, ignored("empty")],
      ["bytes=-500", 0, ignored("empty")],
      ["bytes=0-0,-5", 0, ignored("empty")],
      ["bytes=5-4", 0, ignored("malformed")],
      // One-byte file.
      ["bytes=0-0", 1, ranges(r(0, 0))],
      ["bytes=-1", 1, ranges(r(0, 0))],
      ["bytes=-2", 1, ranges(r(0, 0))],
      ["bytes=1-", 1, UNSAT],
      ["bytes=0-0,-1", 1, ignored("excessive")],
    ];
    for (const [header, size, expected] of cases) {
      it(`${JSON.stringify(header)} of ${size} bytes -> ${JSON.stringify(expected)}`, () => {
        const result = parseRange(header, size);
        expect(result).to.deep.equal(expected);
        assertValid(result, size);
      });
    }
  });

  describe("parseRange limits", () => {
    const list = (n: number): string => Array.from({ length: n }, (_, i) => `${i * 2}-${i * 2}`).join(",");

    it(`accepts ${DEFAULT_MAX_RANGES} ranges by default and ignores ${DEFAULT_MAX_RANGES + 1}`, () => {
      expect(DEFAULT_MAX_RANGES).to.equal(100);
      const ok = parseRange(`bytes=${list(100)}`, 10000);
      expect(ok.type).to.equal("ranges");
      expect(ok.type === "ranges" && ok.ranges.length).to.equal(100);
      expect(parseRange(`bytes=${list(101)}`, 10000)).to.deep.equal(ignored("too-many"));
    });

    it("honours the maxRanges option, counting every non-empty spec", () => {
      expect(parseRange("bytes=0-0,2-2", 100, { maxRanges: 2 }).type).to.equal("ranges");
      expect(parseRange("bytes=0-0,2-2,4-4", 100, { maxRanges: 2 })).to.deep.equal(ignored("too-many"));
      // Unsatisfiable specs still count: they cost work too.
      expect(parseRange("bytes=0-0,500-,600-", 100, { maxRanges: 2 })).to.deep.equal(ignored("too-many"));
      // Empty list elements do not count.
      expect(parseRange("bytes=0-0,,,,2-2", 100, { maxRanges: 2 }).type).to.equal("ranges");
      expect(parseRange("bytes=0-0", 100, { maxRanges: 1 })).to.deep.equal(ranges(r(0, 0)));
    });

    it("ignores a huge list without reading its numbers", () => {
      const header = "bytes=" + "0-0,".repeat(20000) + "junk";
      expect(parseRange(header, 10)).to.deep.equal(ignored("too-many"));
    });

    it("rejects programming errors in size and maxRanges with RangeError", () => {
      for (const size of [-1, 1.5, NaN, Infinity, 2 ** 53]) {
        expect(() => parseRange("bytes=0-1", size), String(size)).to.throw(RangeError);
      }
      for (const maxRanges of [0, -1, 1.5, NaN]) {
        expect(() => parseRange("bytes=0-1", 10, { maxRanges }), String(maxRanges)).to.throw(RangeError);
      }
    });

    it("handles a size at the top of the safe-integer range", () => {
      const size = Number.MAX_SAFE_INTEGER;
      expect(parseRange("bytes=-1", size)).to.deep.equal(ranges(r(size - 1, size - 1)));
      expect(parseRange(`bytes=${size - 1}-`, size)).to.deep.equal(ranges(r(size - 1, size - 1)));
      expect(parseRange(`bytes=${size}-`, size)).to.deep.equal(UNSAT);
    });
  });

  describe("parseRange properties", () => {
    it("never throws and always answers a valid result for arbitrary text", () => {
      fc.assert(
        fc.property(fc.string({ unit: "binary", maxLength: 200 }), fc.nat({ max: 1 << 20 }), (text, size) => {
          assertValid(parseRange(text, size), size);
          assertValid(parseRange("bytes=" + text, size), size);
        }),
        { numRuns: 2000 },
      );
    });

    it("never throws for text built from the range alphabet", () => {
      const piece = fc.constantFrom("bytes=", "BYTES=", "-", ",", " ", "\t", "0", "1", "9", "99999999999999999999", "=", "x");
      fc.assert(
        fc.property(fc.array(piece, { maxLength: 30 }), fc.nat({ max: 2000 }), (pieces, size) => {
          assertValid(parseRange(pieces.join(""), size), size);
        }),
        { numRuns: 3000 },
      );
    });

    type Spec = { kind: "int"; first: number; last: number | null } | { kind: "suffix"; length: number };
    const specArb = (maxPos: number): fc.Arbitrary<Spec> =>
      fc.oneof(
        fc
          .tuple(fc.nat({ max: maxPos }), fc.option(fc.nat({ max: maxPos }), { nil: null }))
          .map(([a, b]): Spec => ({ kind: "int", first: b === null ? a : Math.min(a, b), last: b === null ? null : Math.max(a, b) })),
        fc.nat({ max: maxPos }).map((length): Spec => ({ kind: "suffix", length })),
      );
    const write = (spec: Spec): string =>
      spec.kind === "suffix" ? `-${spec.length}` : `${spec.first}-${spec.last ?? ""}`;

    /** Bytes a spec covers in a file of `size` bytes, straight from the RFC's definitions. */
    function covered(spec: Spec, size: number): number[] {
      const out: number[] = [];
      if (spec.kind === "suffix") {
        for (let i = Math.max(0, size - spec.length); i < size; i++) out.push(i);
      } else {
        const last = spec.last === null ? size - 1 : Math.min(spec.last, size - 1);
        for (let i = spec.first; i <= last; i++) out.push(i);
      }
      return out;
    }

    it("agrees with a byte-by-byte model for valid headers", () => {
      fc.assert(
        fc.property(
          fc.nat({ max: 60 }),
          fc.array(specArb(80), { minLength: 1, maxLength: 8 }),
          fc.constantFrom(",", ", ", " ,\t", ",,"),
          fc.constantFrom("bytes", "BYTES", "ByTeS"),
          (size, specs, comma, unit) => {
            const header = `${unit}=${specs.map(write).join(comma)}`;
            const result = parseRange(header, size);
            assertValid(result, size);

            const perSpec = specs.map((s) => covered(s, size));
            const satisfiable = specs.filter((s, i) =>
              s.kind === "suffix" ? s.length > 0 && size > 0 : perSpec[i]!.length > 0,
            );
            const emptySuffix = size === 0 && specs.some((s) => s.kind === "suffix" && s.length > 0);
            const total = perSpec.reduce((sum, bytes) => sum + bytes.length, 0);

            if (satisfiable.length === 0) {
              expect(result).to.deep.equal(emptySuffix ? ignored("empty") : UNSAT);
            } else if (total > size) {
              expect(result).to.deep.equal(ignored("excessive"));
            } else {
              expect(result.type).to.equal("ranges");
              if (result.type !== "ranges") return;
              const want = new Set(perSpec.flat());
              const got = new Set<number>();
              for (const { start, end } of result.ranges) for (let i = start; i <= end; i++) got.add(i);
              expect([...got].sort((a, b) => a - b)).to.deep.equal([...want].sort((a, b) => a - b));
            }
          },
        ),
        { numRuns: 3000 },
      );
    });

    it("keeps the client's order and bounds when no ranges overlap or touch", () => {
      fc.assert(
        fc.property(fc.uniqueArray(fc.nat({ max: 49 }), { minLength: 1, maxLength: 10 }), (slots) => {
          // Slot k is bytes 10k..10k+4, so slots never touch.
          const header = "bytes=" + slots.map((k) => `${k * 10}-${k * 10 + 4}`).join(",");
          expect(parseRange(header, 500)).to.deep.equal(ranges(...slots.map((k) => r(k * 10, k * 10 + 4))));
        }),
      );
    });

    it("reads a single int-range the same way whatever the blanks", () => {
      fc.assert(
        fc.property(fc.nat({ max: 999 }), fc.nat({ max: 2000 }), fc.constantFrom("", " ", "\t", " \t "), (a, b, ows) => {
          const [first, last] = a <= b ? [a, b] : [b, a];
          const result = parseRange(`${ows}bytes=${ows}${first}-${last}${ows}`, 1000);
          expect(result).to.deep.equal(ranges(r(first, Math.min(last, 999))));
        }),
      );
    });

    it("answers the last min(n, size) bytes for a suffix range", () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 10000 }), fc.integer({ min: 1, max: 20000 }), (size, n) => {
          expect(parseRange(`bytes=-${n}`, size)).to.deep.equal(ranges(r(Math.max(0, size - n), size - 1)));
        }),
      );
    });
  });

  describe("contentRange / unsatisfiedRange", () => {
    it("formats the Content-Range values of RFC 9110 §14.4", () => {
      expect(contentRange(0, 99, 1000)).to.equal("bytes 0-99/1000");
      expect(contentRange(999, 999, 1000)).to.equal("bytes 999-999/1000");
      expect(contentRange(21010, 47021, 47022)).to.equal("bytes 21010-47021/47022");
      expect(unsatisfiedRange(1234)).to.equal("bytes */1234");
      expect(unsatisfiedRange(0)).to.equal("bytes */0");
    });

    it("refuses ranges that are not inside the file", () => {
      const bad: [number, number, number][] = [
        [-1, 5, 10], [5, 4, 10], [0, 10, 10], [0, 0, 0], [1.5, 2, 10], [0, NaN, 10], [0, 1, -1],
      ];
      for (const [start, end, size] of bad) {
        expect(() => contentRange(start, end, size), `${start}-${end}/${size}`).to.throw(RangeError);
      }
      expect(() => unsatisfiedRange(-1)).to.throw(RangeError);
    });
  });

  describe("multipartByteranges", () => {
    it("lays out the body of the RFC 9110 §14.6 example", () => {
      const layout = multipartByteranges([r(500, 999), r(7000, 7999)], "application/pdf", 8000, "THIS_STRING_SEPARATES");
      expect(layout.contentType).to.equal("multipart/byteranges; boundary=THIS_STRING_SEPARATES");
      expect(layout.boundary).to.equal("THIS_STRING_SEPARATES");
      expect(layout.parts.map((p) => p.header.toString("latin1"))).to.deep.equal([
        "--THIS_STRING_SEPARATES\r\nContent-Type: application/pdf\r\nContent-Range: bytes 500-999/8000\r\n\r\n",
        "\r\n--THIS_STRING_SEPARATES\r\nContent-Type: application/pdf\r\nContent-Range: bytes 7000-7999/8000\r\n\r\n",
      ]);
      expect(layout.parts.map((p) => [p.start, p.end])).to.deep.equal([[500, 999], [7000, 7999]]);
      expect(layout.trailer.toString("latin1")).to.equal("\r\n--THIS_STRING_SEPARATES--\r\n");
      const headerBytes = layout.parts.reduce((n, p) => n + p.header.length, 0);
      expect(layout.contentLength).to.equal(headerBytes + 500 + 1000 + layout.trailer.length);
    });

    it("leaves the part Content-Type out for an empty type", () => {
      const layout = multipartByteranges([r(0, 0), r(2, 2)], "", 3, "b");
      expect(layout.parts[0]!.header.toString()).to.equal("--b\r\nContent-Range: bytes 0-0/3\r\n\r\n");
    });

    it("produces a body that a multipart reader splits back into the same slices", () => {
      fc.assert(
        fc.property(
          fc.uint8Array({ minLength: 1, maxLength: 300 }),
          fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 6 }),
          fc.constantFrom("text/plain", "application/octet-stream", "image/png"),
          (data, pairs, type) => {
            const file = Buffer.from(data);
            const size = file.length;
            const list = pairs.map(([a, b]) => {
              const x = a % size;
              const y = b % size;
              return r(Math.min(x, y), Math.max(x, y));
            });
            const boundary = makeBoundary();
            const layout = multipartByteranges(list, type, size, boundary);
            const body = Buffer.concat([
              ...layout.parts.flatMap((p) => [p.header, file.subarray(p.start, p.end + 1)]),
              layout.trailer,
            ]);
            expect(body.length).to.equal(layout.contentLength);

            // A small reader, written the RFC 2046 way: split on CRLF--boundary.
            const text = body.toString("latin1");
            expect(text.startsWith(`--${boundary}\r\n`)).to.equal(true);
            expect(text.endsWith(`\r\n--${boundary}--\r\n`)).to.equal(true);
            const inner = text.slice(0, -`\r\n--${boundary}--\r\n`.length);
            const chunks = ("\r\n" + inner).split(`\r\n--${boundary}\r\n`).slice(1);
            expect(chunks).to.have.length(list.length);
            chunks.forEach((chunk, i) => {
              const split = chunk.indexOf("\r\n\r\n");
              const head = chunk.slice(0, split).split("\r\n");
              const { start, end } = list[i]!;
              expect(head).to.deep.equal([`Content-Type: ${type}`, `Content-Range: bytes ${start}-${end}/${size}`]);
              expect(Buffer.from(chunk.slice(split + 4), "latin1").equals(file.subarray(start, end + 1))).to.equal(true);
            });
          },
        ),
        { numRuns: 300 },
      );
    });

    it("refuses empty lists, ranges outside the file, bad boundaries and header injection", () => {
      expect(() => multipartByteranges([], "text/plain", 10, "b")).to.throw(RangeError);
      expect(() => multipartByteranges([r(0, 10)], "text/plain", 10, "b")).to.throw(RangeError);
      expect(() => multipartByteranges([r(3, 2)], "text/plain", 10, "b")).to.throw(RangeError);
      for (const boundary of ["", "x".repeat(71), "ends in space ", "semi;colon", 'quo"te', "new\r\nline"]) {
        expect(() => multipartByteranges([r(0, 1)], "text/plain", 10, boundary), boundary).to.throw(RangeError);
      }
      expect(() => multipartByteranges([r(0, 1)], "text/plain", 10, "x".repeat(70))).not.to.throw();
      expect(() => multipartByteranges([r(0, 1)], "text/plain", 10, "has space inside")).not.to.throw();
      expect(() => multipartByteranges([r(0, 1)], "text/plain\r\nX-Evil: 1", 10, "b")).to.throw(TypeError);
    });

    it("uses a fresh random boundary when none is given", () => {
      const a = multipartByteranges([r(0, 1)], "text/plain", 10);
      const b = multipartByteranges([r(0, 1)], "text/plain", 10);
      expect(a.boundary).to.match(/^[0-9a-f]{48}$/);
      expect(a.boundary).not.to.equal(b.boundary);
      expect(a.parts[0]!.header.toString()).to.contain(`--${a.boundary}\r\n`);
    });
  });

  describe("makeBoundary", () => {
    it("gives 48 hex digits, different every time", () => {
      const seen = new Set<string>();
      for (let i = 0; i < 200; i++) {
        const b = makeBoundary();
        expect(b).to.match(/^[0-9a-f]{48}$/);
        seen.add(b);
      }
      expect(seen.size).to.equal(200);
    });
  });
});

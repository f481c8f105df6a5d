import { execFileSync } from "node:child_process";
import { expect } from "chai";
import fc from "fast-check";
import sinon from "sinon";
import {
  formatHttpDate,
  formatLogDate,
  httpDateNow,
  MONTH_NAMES,
  parseDateFields,
  parseHttpDate,
  WEEKDAY_NAMES,
} from "../../lib/http/dates.js";

/** Run a python3 snippet that maps a JSON list read from stdin to a JSON list on stdout. */
function python<T>(script: string, input: unknown[], env: NodeJS.ProcessEnv = process.env): T[] {
  const out = execFileSync("python3", ["-c", script], {
    input: JSON.stringify(input),
    env,
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out.toString("utf8")) as T[];
}

/** Python's date_time_string(t): email.utils.formatdate(t, usegmt=True); errors as null. */
const PY_HTTP_DATE = String.raw`
import sys, json, email.utils
out = []
for t in json.load(sys.stdin):
    try:
        out.append(email.utils.formatdate(t, usegmt=True))
    except (ValueError, OverflowError, OSError):
        out.append(None)
json.dump(out, sys.stdout)
`;

/** Python's log_date_time_string() for a given time. */
const PY_LOG_DATE = String.raw`
import sys, json, time
monthname = [None, 'Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
out = []
for ms in json.load(sys.stdin):
    year, month, day, hh, mm, ss, x, y, z = time.localtime(ms / 1000)
    out.append("%02d/%3s/%04d %02d:%02d:%02d" % (day, monthname[month], year, hh, mm, ss))
json.dump(out, sys.stdout)
`;

/**
 * What SimpleHTTPRequestHandler.send_head() makes of an If-Modified-Since
 * value: POSIX seconds when it would compare, null when it ignores it,
 * "crash" for an exception send_head would not catch.
 */
const PY_IMS = String.raw`
import sys, json, email.utils, datetime
epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
out = []
for text in json.load(sys.stdin):
    try:
        ims = email.utils.parsedate_to_datetime(text)
    except (TypeError, IndexError, OverflowError, ValueError):
        out.append(None)
        continue
    except Exception:
        out.append("crash")
        continue
    if ims.tzinfo is None:
        ims = ims.replace(tzinfo=datetime.timezone.utc)
    if ims.tzinfo is datetime.timezone.utc:
        out.append((ims - epoch) // datetime.timedelta(seconds=1))
    else:
        out.append(None)
json.dump(out, sys.stdout)
`;

function seedNow(): number {
  return (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
}

/** Seconds from the epoch to 0001-01-01 and to 10000-01-01. */
const YEAR_1 = -62135596800;
const YEAR_10000 = 253402300800;

describe("http/dates", () => {
  describe("formatHttpDate / httpDateNow", () => {
    it("formats IMF-fixdate in GMT", () => {
      expect(formatHttpDate(784111777)).to.equal("Sun, 06 Nov 1994 08:49:37 GMT");
      expect(formatHttpDate(0)).to.equal("Thu, 01 Jan 1970 00:00:00 GMT");
      expect(formatHttpDate(1795643702)).to.equal("Wed, 25 Nov 2026 21:55:02 GMT");
    });

    it("drops fractions of a second the way Python does", () => {
      expect(formatHttpDate(784111777.999)).to.equal("Sun, 06 Nov 1994 08:49:37 GMT");
      expect(formatHttpDate(-1)).to.equal("Wed, 31 Dec 1969 23:59:59 GMT");
      expect(formatHttpDate(-0.5)).to.equal("Wed, 31 Dec 1969 23:59:59 GMT");
      // Python rounds to microseconds first: 1.9999999 is 00:00:02.
      expect(formatHttpDate(1.9999999)).to.equal("Thu, 01 Jan 1970 00:00:02 GMT");
      expect(formatHttpDate(1.9999994)).to.equal("Thu, 01 Jan 1970 00:00:01 GMT");
    });

    it("covers years 1 to 9999 with four-digit years and rejects the rest", () => {
      expect(formatHttpDate(YEAR_1)).to.equal("Mon, 01 Jan 0001 00:00:00 GMT");
      expect(formatHttpDate(YEAR_10000 - 1)).to.equal("Fri, 31 Dec 9999 23:59:59 GMT");
      expect(() => formatHttpDate(YEAR_1 - 1)).to.throw(RangeError);
      expect(() => formatHttpDate(YEAR_10000)).to.throw(RangeError);
      expect(() => formatHttpDate(Number.NaN)).to.throw(RangeError);
      expect(() => formatHttpDate(Number.POSITIVE_INFINITY)).to.throw(RangeError);
    });

    it("agrees with python3's email.utils.formatdate(usegmt=True) on a batch (property)", function () {
      this.timeout(30000);
      const seed = seedNow();
      const times = fc.sample(
        fc.oneof(
          fc.integer({ min: YEAR_1, max: YEAR_10000 - 1 }),
          fc.double({ min: -3e9, max: 5e9, noNaN: true }),
          fc.integer({ min: -100000, max: 100000 }).map((n) => n / 8),
        ),
        { numRuns: 1000, seed },
      );
      const expected = python<string | null>(PY_HTTP_DATE, times);
      times.forEach((t, i) => {
        const ours = (() => {
          try {
            return formatHttpDate(t);
          } catch {
            return null;
          }
        })();
        expect(ours, `seed ${seed}, time ${t}`).to.equal(expected[i]);
      });
    });

    describe("with a fake clock", () => {
      let clock: sinon.SinonFakeTimers;
      afterEach(() => clock.restore());

      it("httpDateNow and formatHttpDate() give the current second", () => {
        clock = sinon.useFakeTimers({ now: 784111777_250, toFake: ["Date"] });
        expect(httpDateNow()).to.equal("Sun, 06 Nov 1994 08:49:37 GMT");
        expect(formatHttpDate()).to.equal("Sun, 06 Nov 1994 08:49:37 GMT");
        clock.tick(749);
        expect(httpDateNow()).to.equal("Sun, 06 Nov 1994 08:49:37 GMT");
        clock.tick(1);
        expect(httpDateNow()).to.equal("Sun, 06 Nov 1994 08:49:38 GMT");
        clock.tick(3_600_000);
        expect(httpDateNow()).to.equal("Sun, 06 Nov 1994 09:49:38 GMT");
      });

      it("httpDateNow formats at most once per second", () => {
        clock = sinon.useFakeTimers({ now: 1_000_000_000_000, toFake: ["Date"] });
        httpDateNow();
        const spy = sinon.spy(Date.prototype, "toUTCString");
        try {
          for (let i = 0; i < 100; i++) {
            httpDateNow();
            clock.tick(5); // 500 ms in total: stays inside one second
          }
          expect(spy.callCount).to.equal(0);
          clock.tick(1000);
          httpDateNow();
          httpDateNow();
          expect(spy.callCount).to.equal(1);
        } finally {
          spy.restore();
        }
      });

      it("formatLogDate() gives the current local second, cached", () => {
        clock = sinon.useFakeTimers({ now: 1_795_643_702_900, toFake: ["Date"] });
        const now = formatLogDate();
        expect(now).to.equal(formatLogDate(1_795_643_702_000));
        const spy = sinon.spy(Date.prototype, "getHours");
        try {
          clock.tick(50);
          expect(formatLogDate()).to.equal(now);
          expect(spy.callCount).to.equal(0);
          clock.tick(50);
          expect(formatLogDate()).to.not.equal(now);
          expect(spy.callCount).to.equal(1);
        } finally {
          spy.restore();
        }
      });
    });
  });

  describe("formatLogDate", () => {
    const savedTz = process.env.TZ;
    afterEach(() => {
      if (savedTz === undefined) delete process.env.TZ;
      else process.env.TZ = savedTz;
    });

    it("has the shape DD/Mon/YYYY HH:MM:SS", () => {
      expect(formatLogDate(Date.now())).to.match(/^\d\d\/[A-Z][a-z]{2}\/\d{4} \d\d:\d\d:\d\d$/);
    });

    it("uses local time", () => {
      process.env.TZ = "UTC";
      expect(formatLogDate(Date.UTC(2026, 10, 25, 21, 55, 7, 999))).to.equal("25/Nov/2026 21:55:07");
      process.env.TZ = "Asia/Kolkata";
      expect(formatLogDate(Date.UTC(2026, 10, 25, 21, 55, 7))).to.equal("26/Nov/2026 03:25:07");
      // A negative time with a fraction belongs to the earlier second.
      process.env.TZ = "UTC";
      expect(formatLogDate(-1)).to.equal("31/Dec/1969 23:59:59");
    });

    for (const tz of ["UTC", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]) {
      it(`agrees with python3's log_date_time_string() in ${tz} (property)`, function () {
        this.timeout(30000);
        process.env.TZ = tz;
        const seed = seedNow();
        const times = fc.sample(
          fc.oneof(
            fc.integer({ min: 0, max: 4_102_444_800_000 }),
            // Around daylight-saving changes in 2026.
            fc.integer({ min: 1_772_000_000_000, max: 1_794_000_000_000 }),
          ),
          { numRuns: 400, seed },
        );
        const expected = python<string>(PY_LOG_DATE, times, { ...process.env, TZ: tz });
        times.forEach((ms, i) => {
          expect(formatLogDate(ms), `seed ${seed}, ms ${ms}`).to.equal(expected[i]);
        });
      });
    }
  });

  describe("parseHttpDate (If-Modified-Since)", () => {
    const wed = Date.UTC(2026, 10, 25, 21, 55, 2) / 1000;
    const table: [string, number | null][] = [
      ["Wed, 25 Nov 2026 21:55:02 GMT", wed],
      ["25 Nov 2026 21:55:02 GMT", wed],
      ["Wed, 25 Nov 2026 21:55 GMT", wed - 2],
      ["Wed, 25 Nov 26 21:55:02 GMT", wed],
      ["Wed, 25 Nov 69 21:55:02 GMT", Date.UTC(1969, 10, 25, 21, 55, 2) / 1000],
      ["Wed, 25 Nov 68 21:55:02 GMT", Date.UTC(2068, 10, 25, 21, 55, 2) / 1000],
      ["Wednesday, 25-Nov-26 21:55:02 GMT", wed],
      ["Wed Nov 25 21:55:02 2026", wed],
      ["wed, 25 NOV 2026 21:55:02 gmt", wed],
      ["Wed, 25 November 2026 21:55:02 GMT", wed],
      ["Wed, 25 Nov 2026 21.55.02 GMT", wed],
      ["Wed,25 Nov 2026 21:55:02 GMT", wed],
      ["Wed, 25 Nov 2026 21:55:02 UT", wed],
      ["Wed, 25 Nov 2026 21:55:02 UTC", wed],
      ["Wed, 25 Nov 2026 21:55:02 Z", wed],
      ["Wed, 25 Nov 2026 21:55:02 +0000", wed],
      ["Wed, 25 Nov 2026 21:55:02+0000", wed],
      ["Wed, 25 Nov 2026 21:55:02 -0000", wed],
      ["Wed, 25 Nov 2026 21:55:02 XYZ", wed],
      ["Wed, 25 Nov 2026 21:55:02", wed],
      ["Wed, 25 Nov 2026 21:55:02 +0100", null],
      ["Wed, 25 Nov 2026 21:55:02 EST", null],
      ["Wed, 25 Nov 2026 21:55:02 -0500", null],
      ["2026-11-25T21:55:02Z", null],
      ["Wed, 32 Nov 2026 21:55:02 GMT", null],
      ["Wed, 29 Feb 2025 21:55:02 GMT", null],
      ["Wed, 29 Feb 2024 21:55:02 GMT", Date.UTC(2024, 1, 29, 21, 55, 2) / 1000],
      ["Wed, 25 Nov 2026 25:55:02 GMT", null],
      ["Wed, 25 Nov 2026 21:55:60 GMT", null],
      ["Wed, 25 Foo 2026 21:55:02 GMT", null],
      ["Wed, 25 Nov 10000 21:55:02 GMT", null],
      ["25\x1cNov\x1c2026\x1c21:55:02\x1cGMT", wed],
      ["25\x85Nov\xa02026\r\n 21:55:02 GMT", wed],
      ["25 Nov \xb2 21:55:02 2026", null],
      ["25 Nov 2026 21:55:02 2026", null], // "2026" is read as the zone +20:26
      ["garbage", null],
      ["", null],
      ["   ", null],
    ];
    for (const [text, expected] of table) {
      it(`${JSON.stringify(text)} -> ${expected}`, () => {
        expect(parseHttpDate(text)).to.equal(expected);
      });
    }

    it("the table above agrees with python3", () => {
      const expected = python<number | null | "crash">(PY_IMS, table.map(([text]) => text));
      expect(expected).to.deep.equal(table.map(([, value]) => value));
    });

    it("a date from year 100 on round-trips through formatHttpDate (property)", () => {
      const year100 = -59011459200;
      fc.assert(
        fc.property(fc.integer({ min: year100, max: YEAR_10000 - 1 }), (t) => {
          expect(parseHttpDate(formatHttpDate(t))).to.equal(t);
        }),
      );
      // As in Python, years below 100 read as two-digit years: 0099 is 1999.
      expect(parseHttpDate(formatHttpDate(year100 - 1))).to.equal(Date.UTC(1999, 11, 31, 23, 59, 59) / 1000);
    });

    const token = fc.oneof(
      fc.constantFrom("Wed,", "wed", "Wednesday,", "Thu", "Sun,", "Mon ,", ","),
      fc.constantFrom("25", "1", "01", "0", "31", "32", "29", "-1", "+5", "1_0", "25,", "\xb2"),
      fc.constantFrom("Nov", "nov", "NOVEMBER", "Feb", "feb,", "Foo", "may", "September"),
      fc.constantFrom("2026", "26", "69", "68", "0", "99", "100", "1", "9999", "10000", "-5", "-1950", "2024,", "002026"),
      fc.constantFrom("21:55:02", "21:55", "21.55.02", "21.55", "23:59:60", "24:00:00", "00:00:00", "1:2:3", "21:55:02,", "a:b", "1:2:3:4", "::"),
      fc.constantFrom("GMT", "gmt", "UT", "UTC", "Z", "z", "+0000", "-0000", "+0100", "-0500", "EST", "pdt", "XYZ", "+00", "-0", "+9999", "+2400", "0", "-0_0", "+", "-"),
      fc.constantFrom("25-Nov-26", "25-nov-2026", "25--26", "Nov-25-26", "21:55:02+0000", "21:55:02-0100", "2026-11-25T21:55:02Z"),
    );
    const separator = fc.constantFrom(" ", " ", " ", "  ", "\t", "\r\n ", ",", "\xa0", "\x1c", "\x85");
    /** Mostly a single space, sometimes another separator Python splits on. */
    const gap = fc.oneof({ weight: 6, arbitrary: fc.constant(" ") }, { weight: 1, arbitrary: separator });
    const dateText = fc.oneof(
      // Well-formed shapes with random parts.
      fc
        .tuple(
          fc.constantFrom("", "Wed, ", "wed ", "Wednesday, ", "Thu,"),
          fc.integer({ min: -2, max: 33 }),
          fc.constantFrom("Jan", "feb", "MAR", "Apr", "May", "jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "December", "Xyz"),
          fc.oneof(fc.integer({ min: 0, max: 120 }), fc.integer({ min: 1, max: 10001 })),
          fc.integer({ min: -1, max: 25 }),
          fc.integer({ min: 0, max: 61 }),
          fc.option(fc.integer({ min: 0, max: 61 })),
          fc.constantFrom("GMT", "", "+0000", "-0000", "UTC", "EST", "+0130", "foo", "Z"),
          fc.constantFrom("rfc1123", "rfc850", "asctime"),
          fc.tuple(gap, gap, gap, gap),
        )
        .map(([wd, d, mon, y, h, m, s, zone, shape, [g1, g2, g3, g4]]) => {
          const clock = `${h}:${m}` + (s === null ? "" : `:${s}`);
          if (shape === "asctime") return `${wd}${mon}${g1}${d}${g2}${clock}${g3}${y}`;
          if (shape === "rfc850") return `${wd}${d}-${mon}-${y}${g1}${clock}${g2}${zone}`;
          return `${wd}${d}${g1}${mon}${g2}${y}${g3}${clock}${g4}${zone}`;
        }),
      // Random sequences of plausible and implausible tokens.
      fc
        .array(fc.tuple(token, separator), { maxLength: 7 })
        .map((parts) => parts.map(([t, s]) => t + s).join("")),
      fc.string({ unit: fc.constantFrom(..."0123456789:+-, NovGMTWed\t".split("")), maxLength: 30 }),
    );

    it("agrees with python3's send_head() reading on a batch of generated dates (property)", function () {
      this.timeout(60000);
      const seed = seedNow();
      const texts = fc.sample(dateText, { numRuns: 3000, seed });
      const expected = python<number | null | "crash">(PY_IMS, texts);
      let accepted = 0;
      texts.forEach((text, i) => {
        expect(expected[i], `python crashed on ${JSON.stringify(text)}`).to.not.equal("crash");
        expect(parseHttpDate(text), `seed ${seed}: ${JSON.stringify(text)}`).to.equal(expected[i]);
        if (expected[i] !== null) accepted++;
      });
      // The batch must exercise both outcomes to mean anything.
      expect(accepted).to.be.greaterThan(texts.length / 10);
      expect(accepted).to.be.lessThan(texts.length);
    });

    it("never throws (property)", () => {
      fc.assert(
        fc.property(fc.oneof(dateText, fc.string(), fc.string({ unit: "grapheme" })), (text) => {
          const result = parseHttpDate(text);
          expect(result === null || Number.isInteger(result)).to.equal(true);
        }),
        { numRuns: 3000 },
      );
    });
  });

  describe("parseDateFields", () => {
    it("returns the fields unchecked, with the zone offset in seconds", () => {
      expect(parseDateFields("Wed, 32 Nov 26 25:61 -0130")).to.deep.equal({
        year: 2026, month: 11, day: 32, hour: 25, minute: 61, second: 0, offset: -5400,
      });
      expect(parseDateFields("25 Nov 2026 21:55:02 GMT")!.offset).to.equal(0);
      expect(parseDateFields("25 Nov 2026 21:55:02 EST")!.offset).to.equal(-18000);
      expect(parseDateFields("25 Nov 2026 21:55:02 -0000")!.offset).to.equal(null);
      expect(parseDateFields("25 Nov 2026 21:55:02")!.offset).to.equal(null);
      expect(parseDateFields("Nov 2026")).to.equal(null);
    });
  });

  it("exports Python's weekday and month name tables", () => {
    expect(WEEKDAY_NAMES).to.deep.equal(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]);
    expect(MONTH_NAMES[0]).to.equal(null);
    expect(MONTH_NAMES[11]).to.equal("Nov");
    expect(Object.isFrozen(MONTH_NAMES)).to.equal(true);
  });
});

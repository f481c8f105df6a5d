/**
 * Dates on the wire and in the logs:
 *
 * - {@link formatHttpDate} / {@link httpDateNow}: the IMF-fixdate of the
 *   `Date` and `Last-Modified` headers (Python's
 *   `BaseHTTPRequestHandler.date_time_string()`).
 * - {@link formatLogDate}: the local time stamp of log lines (Python's
 *   `log_date_time_string()`).
 * - {@link parseHttpDate}: an `If-Modified-Since` value read the way
 *   `SimpleHTTPRequestHandler.send_head()` reads it (Python's
 *   `email.utils.parsedate_to_datetime()` plus its time-zone rules).
 *
 * The "now" variants are computed at most once per second and are meant for
 * the per-response hot path.
 *
 * @module
 */
import { pyInt, pySplit } from "../py/index.js";
import { httpDates, logDates } from "./caches.js";

/** English weekday abbreviations, Monday first (Python's `weekdayname`). */
export const WEEKDAY_NAMES: readonly string[] = Object.freeze(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]);

/**
 * English month abbreviations with an unused slot 0, so that month `m`
 * (1-12) is `MONTH_NAMES[m]` (Python's `monthname`).
 */
export const MONTH_NAMES: readonly (string | null)[] = Object.freeze([
  null, "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
]);

function two(n: number): string {
  return n < 10 ? "0" + n : String(n);
}

/** Python's `%04d`: at least four digits, a minus sign counting towards the width. */
function four(n: number): string {
  return n < 0 ? "-" + String(-n).padStart(3, "0") : String(n).padStart(4, "0");
}

/**
 * Whole seconds of a POSIX time stamp as Python's `datetime.fromtimestamp()`
 * sees them: the fraction is first rounded to microseconds (half to even),
 * then dropped, so `1.9999999` counts as second 2 and `-0.5` as second -1.
 */
function wholeSeconds(epochSeconds: number): number {
  const whole = Math.trunc(epochSeconds);
  const micros = (epochSeconds - whole) * 1e6;
  let rounded = Math.round(micros);
  if (rounded - micros === 0.5 && rounded % 2 !== 0) rounded -= 1; // half to even
  if (rounded >= 1e6) return whole + 1;
  if (rounded < 0) return whole - 1;
  return whole;
}

/** Seconds from the epoch to 0001-01-01T00:00:00Z and to 10000-01-01T00:00:00Z. */
const MIN_SECONDS = -62135596800;
const MAX_SECONDS = 253402300800;

/**
 * The IMF-fixdate of whole seconds in years 1-9999. `toUTCString()` writes
 * exactly that form (`Sun, 06 Nov 1994 08:49:37 GMT`, English names, the
 * year in four digits) for the years 0-9999.
 */
function imfFixdate(seconds: number): string {
  return new Date(seconds * 1000).toUTCString();
}

/**
 * The current time as an HTTP date, computed at most once per wall-clock
 * second and reused until the second changes. This is what the `Date`
 * response header carries.
 */
export function httpDateNow(): string {
  const second = Math.floor(Date.now() / 1000);
  return httpDates.get(second) ?? httpDates.set(second, imfFixdate(second));
}

/**
 * Format a POSIX time stamp (seconds, fractions allowed) as an IMF-fixdate in
 * GMT with English names, fractions of a second dropped:
 * `formatHttpDate(784111777)` is `"Sun, 06 Nov 1994 08:49:37 GMT"`. Without
 * an argument, the current time ({@link httpDateNow}).
 *
 * @throws RangeError when the time is not a finite number or falls outside
 *   the years 1-9999 (Python raises too).
 */
export function formatHttpDate(epochSeconds?: number): string {
  if (epochSeconds === undefined) return httpDateNow();
  if (!Number.isFinite(epochSeconds)) throw new RangeError(`invalid time stamp: ${epochSeconds}`);
  const second = wholeSeconds(epochSeconds);
  const known = httpDates.get(second);
  if (known !== undefined) return known;
  if (second < MIN_SECONDS || second >= MAX_SECONDS) {
    throw new RangeError(`time stamp out of range (years 1-9999): ${epochSeconds}`);
  }
  return httpDates.set(second, imfFixdate(second));
}

function logDate(ms: number): string {
  const d = new Date(ms);
  return (
    `${two(d.getDate())}/${MONTH_NAMES[d.getMonth() + 1]!}/${four(d.getFullYear())} ` +
    `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`
  );
}

/**
 * Format a time (milliseconds since the epoch, `Date.now()` style) as the
 * local-time stamp of log lines, `DD/Mon/YYYY HH:MM:SS` with English month
 * names: `"25/Nov/2026 21:55:07"`. Fractions of a second are dropped.
 * Without an argument, the current time, computed at most once per second.
 */
export function formatLogDate(epochMs?: number): string {
  if (epochMs === undefined) {
    const second = Math.floor(Date.now() / 1000);
    return logDates.get(second) ?? logDates.set(second, logDate(second * 1000));
  }
  if (!Number.isFinite(epochMs)) throw new RangeError(`invalid time stamp: ${epochMs}`);
  return logDate(Math.floor(epochMs / 1000) * 1000);
}

// ---------------------------------------------------------------------------
// Parsing

/** The fields of a date as the lenient RFC 2822 reader found them, before any range check. */
export interface DateFields {
  /** The year, two-digit years already widened (69-99 -> 19xx, 0-68 -> 20xx). */
  year: number;
  /** 1-12. */
  month: number;
  /** Day of the month as written (not checked). */
  day: number;
  /** Hour as written (not checked). */
  hour: number;
  /** Minute as written (not checked). */
  minute: number;
  /** Second as written (0 when absent; not checked). */
  second: number;
  /**
   * The zone's offset east of UTC in seconds: 0 for `GMT`, `UT`, `UTC`, `Z`
   * and `+0000`; another number for other offsets and the North American
   * zone names (`EST` is -18000); `null` when the date has no
   * zone, an unknown zone name, or `-0000` (all meaning "UTC, source zone
   * unknown").
   */
  offset: number | null;
}

/** Month names the reader knows, lower case: the abbreviations, then the full names (`_monthnames`). */
const MONTH_WORDS = [
  ...MONTH_NAMES.slice(1).map((name) => name!.toLowerCase()),
  "january", "february", "march", "april", "may", "june", "july",
  "august", "september", "october", "november", "december",
];
/** Weekday abbreviations the reader skips, lower case (`_daynames`). */
const DAY_WORDS = new Set(WEEKDAY_NAMES.map((name) => name.toLowerCase()));
/** Zone names the reader knows, in hours*100 + minutes east of UTC. */
const ZONES: ReadonlyMap<string, number> = new Map([
  ["UT", 0], ["UTC", 0], ["GMT", 0], ["Z", 0],
  ["AST", -400], ["ADT", -300],
  ["EST", -500], ["EDT", -400],
  ["CST", -600], ["CDT", -500],
  ["MST", -700], ["MDT", -600],
  ["PST", -800], ["PDT", -700],
]);

/** Python's `str.isdigit()` for one character (exact for Latin-1, which is what headers hold). */
function pyIsDigit(char: string): boolean {
  const code = char.charCodeAt(0);
  if (code >= 0x30 && code <= 0x39) return true;
  if (code === 0xb2 || code === 0xb3 || code === 0xb9) return true; // superscripts 2, 3, 1
  return code > 0xff && /^\p{Nd}/u.test(char);
}

/**
 * Read a date the lenient RFC 2822 way of Python's `email` package
 * (`_parsedate_tz`): optional weekday, `day month year time [zone]` in the
 * usual orders, RFC 850 `25-Nov-26`, asctime `Nov 25 21:55:02 2026`, month
 * and zone names in any case, seconds optional, `.` accepted between time
 * fields. Returns the fields without checking their ranges, or `null` when
 * the text does not have that shape.
 */
export function parseDateFields(text: string): DateFields | null {
  if (!text) return null;
  let data = pySplit(text);
  if (data.length === 0) return null;
  if (data[0]!.endsWith(",") || DAY_WORDS.has(data[0]!.toLowerCase())) {
    data.shift();
  } else {
    const comma = data[0]!.lastIndexOf(",");
    if (comma >= 0) data[0] = data[0]!.slice(comma + 1);
  }
  if (data.length === 3) {
    // RFC 850: 25-Nov-26
    const parts = data[0]!.split("-");
    if (parts.length === 3) data = [...parts, ...data.slice(1)];
  }
  if (data.length === 4) {
    const last = data[3]!;
    let sign = last.indexOf("+");
    if (sign === -1) sign = last.indexOf("-");
    if (sign > 0) data.splice(3, 1, last.slice(0, sign), last.slice(sign));
    else data.push("");
  }
  if (data.length < 5) return null;
  let [dd, mm, yy, tm, tz] = data as [string, string, string, string, string];
  if (!(dd && mm && yy)) return null;
  mm = mm.toLowerCase();
  if (!MONTH_WORDS.includes(mm)) {
    [dd, mm] = [mm, dd.toLowerCase()];
    if (!MONTH_WORDS.includes(mm)) return null;
  }
  let month = MONTH_WORDS.indexOf(mm) + 1;
  if (month > 12) month -= 12;
  if (dd.endsWith(",")) dd = dd.slice(0, -1);
  if (yy.indexOf(":") > 0) [yy, tm] = [tm, yy];
  if (yy.endsWith(",")) {
    yy = yy.slice(0, -1);
    if (!yy) return null;
  }
  if (!pyIsDigit(yy[0]!)) [yy, tz] = [tz, yy];
  if (tm.endsWith(",")) tm = tm.slice(0, -1);
  let clock = tm.split(":");
  let hh: string;
  let mi: string;
  let ss = "0";
  if (clock.length === 2) {
    [hh, mi] = clock as [string, string];
  } else if (clock.length === 3) {
    [hh, mi, ss] = clock as [string, string, string];
  } else if (clock.length === 1 && tm.includes(".")) {
    clock = tm.split(".");
    if (clock.length === 2) [hh, mi] = clock as [string, string];
    else if (clock.length === 3) [hh, mi, ss] = clock as [string, string, string];
    else return null;
  } else {
    return null;
  }
  let year = pyInt(yy);
  const day = pyInt(dd);
  const hour = pyInt(hh);
  const minute = pyInt(mi);
  const second = pyInt(ss);
  if (year === null || day === null || hour === null || minute === null || second === null) return null;
  if (year < 100) year += year > 68 ? 1900 : 2000;

  let offset: number | null = null;
  const zone = tz.toUpperCase();
  const named = ZONES.get(zone);
  if (named !== undefined) {
    offset = named;
  } else {
    offset = pyInt(zone);
    if (offset === 0 && zone.startsWith("-")) offset = null;
  }
  if (offset) {
    const sign = offset < 0 ? -1 : 1;
    const abs = Math.abs(offset);
    offset = sign * (Math.floor(abs / 100) * 3600 + (abs % 100) * 60);
  }
  return { year, month, day, hour, minute, second, offset };
}

function isLeap(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days from 1970-01-01 to the given proleptic Gregorian date. */
function daysFromEpoch(year: number, month: number, day: number): number {
  // Count from March so the leap day is the last day of the counting year.
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/**
 * Read an `If-Modified-Since` value as `SimpleHTTPRequestHandler` does and
 * return it as POSIX seconds (UTC), or `null` when the header must be
 * ignored.
 *
 * Accepted: `Wed, 25 Nov 2026 21:55:02 GMT`, the same without weekday or
 * seconds, two-digit years, RFC 850 (`Wednesday, 25-Nov-26 21:55:02 GMT`),
 * asctime (`Wed Nov 25 21:55:02 2026`), names in any case. A date in
 * `GMT`/`UT`/`UTC`/`Z`/`+0000`, with no zone, with `-0000` or with an unknown
 * zone name counts as UTC.
 *
 * `null` for text that is not a date, for an impossible date or time (day 32,
 * hour 25, second 60, year outside 1-9999), and for any other zone
 * (`+0100`, `EST`): Python ignores the header in all these cases.
 */
export function parseHttpDate(text: string): number | null {
  const f = parseDateFields(text);
  // A zero offset is UTC itself; any other offset means another zone.
  if (f === null || (f.offset !== null && f.offset !== 0)) return null;
  const { year, month, day, hour, minute, second } = f;
  if (year < 1 || year > 9999) return null;
  const monthDays = month === 2 && isLeap(year) ? 29 : MONTH_DAYS[month - 1]!;
  if (day < 1 || day > monthDays) return null;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return null;
  return daysFromEpoch(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
}

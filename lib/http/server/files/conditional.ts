/**
 * Conditional requests (RFC 9110 §13) for static files: entity tags, the
 * precondition headers in the RFC's order of evaluation, and `If-Range`.
 *
 * Two rule sets live here, and they agree on purpose:
 *
 * - {@link pythonNotModified} is Python's `SimpleHTTPRequestHandler` rule and
 *   nothing else: `If-Modified-Since` is honoured only when `If-None-Match`
 *   is absent, read with Python's lenient date parser
 *   ({@link parseHttpDate}), ignored when unreadable or not in UTC, and the
 *   file's time, cut to whole seconds, must not be later than the date for a
 *   304. With the project's deviations switched off, this is the only
 *   conditional logic a handler may apply.
 * - {@link evaluatePreconditions} is RFC 9110 §13.2.2 steps 1-4
 *   (`If-Match`, `If-Unmodified-Since`, `If-None-Match`,
 *   `If-Modified-Since`). Its `If-Modified-Since` step *is*
 *   {@link pythonNotModified}, applied to GET and HEAD only, so turning the
 *   deviations on never changes the answer to a request that carries only
 *   `If-Modified-Since`. A handler that uses the RFC rules should call this
 *   function alone (calling {@link pythonNotModified} first as well is
 *   harmless for GET and HEAD, except that a 304 then wins over a failed
 *   `If-Match`, which the RFC would answer with 412).
 *
 * Step 5 of §13.2.2, whether a `Range` header still applies, is
 * {@link rangeApplies}; it only matters for GET requests that carry `Range`.
 *
 * All of these expect a resource that exists: RFC 9110 §13.2.1 has a server
 * ignore preconditions when the answer would otherwise not be a 2xx, so a
 * handler evaluates them only after it has found the file.
 *
 * @module
 */
import { parseHttpDate } from "../../dates.js";

/**
 * The request as far as preconditions need it: the method and a
 * case-insensitive header lookup returning the first value (what
 * `HTTPMessage.get()` does). When `getAll` is present, repeated
 * `If-Match`/`If-None-Match` lines are read as one list, and repeated
 * `If-Unmodified-Since` lines are treated as the list of dates the RFC says
 * to ignore.
 */
export interface ConditionalRequest {
  /** The request method, compared case-sensitively (`GET`, `HEAD`, ...). */
  readonly method: string;
  /** The first value of the named header, or `undefined` when absent. */
  get(name: string): string | undefined;
  /** Every value of the named header, or `undefined` when absent. */
  getAll?(name: string): string[] | undefined;
}

/**
 * The validators of the selected representation, as the response would
 * carry them.
 */
export interface ResourceValidators {
  /**
   * The `ETag` value, quotes included (`W/"1a-18f3"`); an empty string or
   * `undefined` when the resource has none.
   */
  readonly etag?: string | undefined;
  /**
   * The modification time in seconds since the epoch (fractions allowed, cut
   * to whole seconds as `Last-Modified` is); `undefined` when unknown.
   */
  readonly lastModified?: number | undefined;
}

/**
 * Outcome of {@link evaluatePreconditions}: `"proceed"` (perform the
 * request), `304` (Not Modified) or `412` (Precondition Failed).
 */
export type PreconditionResult = "proceed" | 304 | 412;

/**
 * A parsed `If-Match`/`If-None-Match` value: `"*"`, or the entity tags in
 * their written form (`"abc"`, `W/"abc"`), possibly none.
 */
export type EtagList = "*" | string[];

/** Methods that select no representation; RFC 9110 §13.2.1 has preconditions ignored for them. */
const UNCONDITIONAL_METHODS = new Set(["CONNECT", "OPTIONS", "TRACE"]);

/** `etagc`: `%x21 / %x23-7E / obs-text (%x80-FF)`. */
function isEtagChar(code: number): boolean {
  return code === 0x21 || (code >= 0x23 && code <= 0x7e) || (code >= 0x80 && code <= 0xff);
}

function isOws(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/**
 * Read one entity-tag at `pos` (no blanks skipped). Returns the position
 * just after it, or -1 when there is none.
 */
function scanEtag(text: string, pos: number): number {
  let i = pos;
  if (text.startsWith("W/", i)) i += 2;
  if (text.charCodeAt(i) !== 0x22) return -1;
  i++;
  for (; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x22) return i + 1;
    if (!isEtagChar(code)) return -1;
  }
  return -1; // no closing quote
}

/**
 * Read an `If-Match` or `If-None-Match` value (RFC 9110 §13.1.1/§13.1.2):
 * `*`, or a comma-separated list of entity tags with optional blanks around
 * the commas and empty elements allowed. `W/` is the weak marker and must be
 * written exactly so.
 *
 * Returns `"*"`, the tags as written (an empty array for an empty list), or
 * `null` when the value is neither (an unquoted tag, a missing quote, `*`
 * mixed with tags, a control character). Never throws.
 */
export function parseEtagList(header: string): EtagList | null {
  const text = String(header);
  let i = 0;
  let end = text.length;
  while (i < end && isOws(text.charCodeAt(i))) i++;
  while (end > i && isOws(text.charCodeAt(end - 1))) end--;
  if (end - i === 1 && text.charCodeAt(i) === 0x2a) return "*";
  const tags: string[] = [];
  const body = text.slice(0, end);
  while (i < end) {
    const code = body.charCodeAt(i);
    if (code === 0x2c || isOws(code)) {
      i++;
      continue;
    }
    const after = scanEtag(body, i);
    if (after < 0) return null;
    tags.push(body.slice(i, after));
    i = after;
    while (i < end && isOws(body.charCodeAt(i))) i++;
    if (i < end && body.charCodeAt(i) !== 0x2c) return null;
  }
  return tags;
}

/** Whether `text` is exactly one entity-tag, `"..."` or `W/"..."`. */
function isEntityTag(text: string): boolean {
  return text.length > 0 && scanEtag(text, 0) === text.length;
}

/**
 * The strong comparison of RFC 9110 §8.8.3.2: both tags are strong (no `W/`)
 * and identical character for character. `"a"` matches `"a"`; `W/"a"`
 * matches nothing, not even itself. Malformed tags never match.
 */
export function strongEtagMatch(a: string, b: string): boolean {
  return a === b && isEntityTag(a) && !a.startsWith("W/");
}

/**
 * The weak comparison of RFC 9110 §8.8.3.2: the opaque parts are identical,
 * whether or not either tag is marked `W/`. `W/"a"` matches `"a"` and
 * `W/"a"`; malformed tags never match.
 */
export function weakEtagMatch(a: string, b: string): boolean {
  if (!isEntityTag(a) || !isEntityTag(b)) return false;
  const opaqueA = a.startsWith("W/") ? a.slice(2) : a;
  const opaqueB = b.startsWith("W/") ? b.slice(2) : b;
  return opaqueA === opaqueB;
}

/**
 * A weak entity tag for a file, built from its size and modification time
 * only, so it survives restarts and is the same on every server sharing the
 * files: `W/"<size in hex>-<whole milliseconds in hex>"`, for example
 * `weakEtag(6, 1764107702123)` is `W/"6-19abd034f6b"`.
 *
 * It is weak because a file rewritten with the same size within one
 * millisecond keeps its tag. Being weak, it satisfies `If-None-Match`
 * (weak comparison) but never `If-Match` or `If-Range`, which compare
 * strongly; for those the RFC leaves `*` and the `Last-Modified` date.
 *
 * @param size - The file's length in bytes.
 * @param mtimeMs - The modification time in milliseconds (`Stats.mtimeMs`);
 *   the fraction is dropped.
 * @param variant - Optional text appended inside the quotes to tell
 *   representations of one file apart (`"gzip"` gives `W/"6-19abd034f6b-gzip"`);
 *   limited to letters, digits and `.`, `_`, `+`, `-`.
 * @throws RangeError when `size` is not a non-negative safe integer,
 *   `mtimeMs` is not finite, or `variant` holds other characters.
 */
export function weakEtag(size: number, mtimeMs: number, variant?: string): string {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new RangeError(`size must be a non-negative safe integer, not ${String(size)}`);
  }
  if (!Number.isFinite(mtimeMs)) throw new RangeError(`invalid modification time: ${String(mtimeMs)}`);
  if (variant !== undefined && !/^[0-9A-Za-z._+-]*$/.test(variant)) {
    throw new RangeError(`invalid ETag variant: ${JSON.stringify(variant)}`);
  }
  const suffix = variant ? `-${variant}` : "";
  return `W/"${size.toString(16)}-${Math.floor(mtimeMs).toString(16)}${suffix}"`;
}

/**
 * Whole seconds of a POSIX time as Python's
 * `datetime.fromtimestamp(t).replace(microsecond=0)` has them: the fraction
 * is rounded to microseconds first, then dropped towards the past.
 */
function pythonSeconds(seconds: number): number {
  const whole = Math.trunc(seconds);
  const micros = Math.round((seconds - whole) * 1e6);
  if (micros >= 1e6) return whole + 1;
  if (micros < 0) return whole - 1;
  return whole;
}

/**
 * Python's If-Modified-Since rule, from `SimpleHTTPRequestHandler.send_head()`
 * and nothing more: `true` (answer 304) when the request has an
 * `If-Modified-Since` header, has no `If-None-Match` header (even an empty
 * one counts as present), the first `If-Modified-Since` value reads as a
 * date in UTC with {@link parseHttpDate} (no zone counts as UTC; other zones
 * and unreadable text make the header ignored), and the modification time,
 * cut to whole seconds, is not later than that date. The method is not
 * looked at: Python only reaches this for GET and HEAD.
 *
 * @param headers - The request headers (an `HTTPMessage` will do).
 * @param mtimeSeconds - The file's modification time in seconds since the
 *   epoch (`Stats.mtimeMs / 1000`, fractions allowed); `false` when not finite.
 */
export function pythonNotModified(
  headers: { get(name: string): string | undefined },
  mtimeSeconds: number,
): boolean {
  const since = headers.get("If-Modified-Since");
  if (since === undefined || headers.get("If-None-Match") !== undefined) return false;
  if (!Number.isFinite(mtimeSeconds)) return false;
  const date = parseHttpDate(since);
  return date !== null && pythonSeconds(mtimeSeconds) <= date;
}

/** A header's values joined as one comma-separated list, or `undefined` when absent. */
function listHeader(req: ConditionalRequest, name: string): string | undefined {
  const all = req.getAll?.(name);
  if (all !== undefined) return all.length === 0 ? undefined : all.join(", ");
  return req.get(name);
}

/** A leading day name with its comma: `Sun, ` in an IMF-fixdate or `Sunday, ` in RFC 850. */
const LEADING_DAY = /^[ \t]*[A-Za-z]+,/;

/**
 * One HTTP date in POSIX seconds, or `null` when the text is not a date or
 * looks like a list of dates (a comma after the day name).
 */
function singleDate(text: string): number | null {
  if (text.replace(LEADING_DAY, "").includes(",")) return null;
  return parseHttpDate(text);
}

/** The `If-Unmodified-Since` date, or `null` when the header is to be ignored. */
function unmodifiedSince(req: ConditionalRequest): number | null {
  const all = req.getAll?.("If-Unmodified-Since");
  if (all !== undefined && all.length > 1) return null; // a list of dates
  const value = all?.[0] ?? req.get("If-Unmodified-Since");
  return value === undefined ? null : singleDate(value);
}

function hasValue(etag: string | undefined): etag is string {
  return etag !== undefined && etag !== "";
}

/**
 * Evaluate the precondition headers of a request against a resource that
 * exists, in the order of RFC 9110 §13.2.2:
 *
 * 1. `If-Match` (strong comparison; `*` always holds): false gives 412.
 *    A value that is not a valid list also gives 412, since the condition
 *    cannot be shown to hold; an empty list matches nothing.
 * 2. Only without `If-Match`: `If-Unmodified-Since`, when it is one
 *    readable UTC date and the resource has a modification time: modified
 *    after the date gives 412.
 * 3. `If-None-Match` (weak comparison; `*` matches): a match gives 304 for
 *    GET and HEAD and 412 for other methods. A malformed value matches
 *    nothing.
 * 4. Only without `If-None-Match`, and only for GET and HEAD:
 *    `If-Modified-Since`, exactly as {@link pythonNotModified}: 304 when
 *    not modified since the date.
 *
 * Anything else is `"proceed"`, as is every request with CONNECT, OPTIONS
 * or TRACE, which select no representation. Whether `Range` still applies
 * (step 5) is {@link rangeApplies}.
 */
export function evaluatePreconditions(req: ConditionalRequest, resource: ResourceValidators): PreconditionResult {
  const method = req.method;
  if (UNCONDITIONAL_METHODS.has(method)) return "proceed";
  const etag = hasValue(resource.etag) ? resource.etag : undefined;
  const lastModified =
    resource.lastModified !== undefined && Number.isFinite(resource.lastModified) ? resource.lastModified : undefined;

  // Step 1 and 2.
  const ifMatch = listHeader(req, "If-Match");
  if (ifMatch !== undefined) {
    const list = parseEtagList(ifMatch);
    if (list === null) return 412;
    if (list !== "*" && !(etag !== undefined && list.some((tag) => strongEtagMatch(tag, etag)))) return 412;
  } else if (lastModified !== undefined) {
    const date = unmodifiedSince(req);
    if (date !== null && pythonSeconds(lastModified) > date) return 412;
  }

  // Step 3 and 4.
  const safe = method === "GET" || method === "HEAD";
  const ifNoneMatch = listHeader(req, "If-None-Match");
  if (ifNoneMatch !== undefined) {
    const list = parseEtagList(ifNoneMatch);
    const matched = list === "*" || (list !== null && etag !== undefined && list.some((tag) => weakEtagMatch(tag, etag)));
    if (matched) return safe ? 304 : 412;
  } else if (safe && lastModified !== undefined && pythonNotModified(req, lastModified)) {
    return 304;
  }
  return "proceed";
}

/**
 * RFC 9110 §13.1.5: whether a `Range` header is to be honoured given the
 * request's `If-Range` value. `true` when there is no `If-Range`; otherwise
 * `true` only when the condition holds, and the caller then ignores `Range`
 * and sends the whole file when it does not.
 *
 * - An entity tag holds when it strongly matches the resource's tag. Weak
 *   tags (`W/"..."`) never do, and neither do the tags from {@link weakEtag}.
 * - A date holds when it is exactly the resource's `Last-Modified` second
 *   (not "at or after", as for `If-Unmodified-Since`) and that date is a
 *   strong validator: the second it names is over at `now`, so the file
 *   cannot change again within it (RFC 9110 §8.8.2.2).
 * - Anything else, including an empty value, does not hold.
 *
 * @param ifRange - The `If-Range` field value, or `undefined` when absent.
 * @param resource - The resource's validators.
 * @param now - The current time in seconds since the epoch (default: the clock).
 */
export function rangeApplies(
  ifRange: string | undefined,
  resource: ResourceValidators,
  now: number = Date.now() / 1000,
): boolean {
  if (ifRange === undefined) return true;
  const value = String(ifRange).replace(/^[ \t]+|[ \t]+$/g, "");
  if (value.startsWith('"') || value.startsWith("W/")) {
    return hasValue(resource.etag) && strongEtagMatch(value, resource.etag);
  }
  const lastModified = resource.lastModified;
  if (lastModified === undefined || !Number.isFinite(lastModified)) return false;
  const date = singleDate(value);
  if (date === null) return false;
  const second = pythonSeconds(lastModified);
  return date === second && second + 1 <= now;
}

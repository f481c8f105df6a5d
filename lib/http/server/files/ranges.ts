/**
 * Byte ranges (RFC 9110 §14): reading a `Range` request header and laying
 * out a `206 Partial Content` answer, single part or `multipart/byteranges`.
 *
 * Python's `SimpleHTTPRequestHandler` has no range support at all; this
 * module is what lets the port go further (see `docs/deviations.md`). It is
 * pure: it reads strings and numbers and builds header bytes, and leaves the
 * file itself to the caller, which streams each slice between the part
 * headers {@link multipartByteranges} computes.
 *
 * Decisions, all of them permitted by RFC 9110 §14.2:
 *
 * - Anything that is not a well-formed `bytes` ranges-specifier is ignored
 *   (the full `200` is served), never answered with 416: a malformed header
 *   never said what it wanted, while 416 means "the file cannot supply what
 *   you asked for".
 * - A header with more than `maxRanges` range-specs, or whose satisfiable
 *   ranges add up to more bytes than the file holds (overlaps asking for the
 *   same bytes again and again), is ignored. This is the defence against
 *   range amplification (RFC 9110 §17.15) that Go's `net/http` also uses.
 * - Overlapping or touching ranges are merged; otherwise the ranges keep the
 *   order in which the client asked for them.
 * - For an empty file, int-ranges (`0-`, `5-9`) are unsatisfiable, while a
 *   non-zero suffix (`-5`) is satisfiable by §14.1.2 but names no byte that
 *   a `Content-Range` could describe; such a header is ignored, which §14.2
 *   allows for empty representations.
 *
 * @module
 */
import { randomBytes } from "node:crypto";

/** One byte range, both ends inclusive: `{ start: 0, end: 99 }` is the first 100 bytes. */
export interface ByteRange {
  /** Offset of the first byte of the range. */
  readonly start: number;
  /** Offset of the last byte of the range (inclusive, so never below `start`). */
  readonly end: number;
}

/**
 * Why {@link parseRange} decided to ignore a `Range` header:
 *
 * - `"absent"`: the header is empty (or only blanks).
 * - `"unit"`: the range unit is not `bytes` (RFC 9110 §14.2: MUST ignore).
 * - `"malformed"`: not a valid ranges-specifier (bad number, `5-4`, stray text, no range at all).
 * - `"too-many"`: more range-specs than the `maxRanges` option allows.
 * - `"excessive"`: the satisfiable ranges add up to more bytes than the file has.
 * - `"empty"`: a satisfiable suffix range on an empty file, which has no byte to send.
 */
export type RangeIgnoreReason = "absent" | "unit" | "malformed" | "too-many" | "excessive" | "empty";

/**
 * What to do with a `Range` header, from {@link parseRange}:
 *
 * - `{ type: "ignore" }`: send the whole file with `200`, as if there were no
 *   `Range` header; `reason` says why, for logs and tests.
 * - `{ type: "unsatisfiable" }`: answer `416 Range Not Satisfiable` with
 *   a `Content-Range` of the unsatisfied form, an asterisk in place of the
 *   range and then the size (see {@link unsatisfiedRange}).
 * - `{ type: "ranges" }`: answer `206 Partial Content` with these ranges, at
 *   least one, each with `0 <= start <= end < size`, none overlapping or
 *   touching another. One range is a plain `206` with `Content-Range`;
 *   several are a `multipart/byteranges` body.
 */
export type RangeResult =
  | { readonly type: "ignore"; readonly reason: RangeIgnoreReason }
  | { readonly type: "unsatisfiable" }
  | { readonly type: "ranges"; readonly ranges: ByteRange[] };

/** Options of {@link parseRange}. */
export interface ParseRangeOptions {
  /**
   * The most range-specs one header may hold before the whole header is
   * ignored (a positive integer; default {@link DEFAULT_MAX_RANGES}).
   * Unsatisfiable specs count too: the limit bounds the work a request can cause.
   */
  readonly maxRanges?: number;
}

/** Default of {@link ParseRangeOptions.maxRanges}. */
export const DEFAULT_MAX_RANGES = 100;

/** One range-spec as written: `first-last`, `first-` (last = null) or `-suffix` (first = null). */
interface RangeSpec {
  first: number | null;
  last: number | null;
}

/** A range-spec: `int-range` (`1*DIGIT "-" [1*DIGIT]`) or `suffix-range` (`"-" 1*DIGIT`). */
const RANGE_SPEC = /^([0-9]*)-([0-9]*)$/;
/** `OWS` at either end of a list element: spaces and horizontal tabs only. */
const OWS_ENDS = /^[ \t]+|[ \t]+$/g;

const IGNORE_REASONS: { readonly [R in RangeIgnoreReason]: RangeResult } = {
  absent: Object.freeze({ type: "ignore", reason: "absent" }),
  unit: Object.freeze({ type: "ignore", reason: "unit" }),
  malformed: Object.freeze({ type: "ignore", reason: "malformed" }),
  "too-many": Object.freeze({ type: "ignore", reason: "too-many" }),
  excessive: Object.freeze({ type: "ignore", reason: "excessive" }),
  empty: Object.freeze({ type: "ignore", reason: "empty" }),
};
const UNSATISFIABLE: RangeResult = Object.freeze({ type: "unsatisfiable" });

function ignore(reason: RangeIgnoreReason): RangeResult {
  return IGNORE_REASONS[reason];
}

function checkSize(size: number, what = "size"): void {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new RangeError(`${what} must be a non-negative safe integer, not ${String(size)}`);
  }
}

/**
 * Read a `Range` header value against a file of `size` bytes and decide
 * between ignoring it, answering 416, or answering 206 with byte ranges
 * (RFC 9110 §14.1.2 and §14.2).
 *
 * Accepted: `bytes=0-99` (first 100 bytes), `bytes=500-` (from 500 to the
 * end), `bytes=-500` (the last 500 bytes, the whole file when it is
 * shorter), and lists of these separated by commas with optional spaces or
 * tabs around them (empty list elements are skipped). The unit is matched
 * without regard to case. Ends beyond the file are clamped to its last
 * byte; numbers of any length are read without overflow. A range starting
 * at or after the end of the file, and `-0`, are unsatisfiable and dropped;
 * when nothing is left the answer is `unsatisfiable`.
 *
 * Ignored (`{ type: "ignore" }`): an empty header, another unit, signs,
 * spaces inside a range, non-ASCII digits, `5-4`, a lone `-`, an empty
 * range set, more specs than `options.maxRanges`, ranges whose lengths add
 * up to more than `size`, and a non-zero suffix range on an empty file. The
 * module overview explains why.
 *
 * Overlapping or adjacent ranges are merged into one; the result lists the
 * ranges in the order the client asked for them (a merged range takes the
 * place of its earliest member).
 *
 * Never throws for any header text.
 *
 * @param header - The `Range` field value.
 * @param size - The length of the file in bytes.
 * @param options - See {@link ParseRangeOptions}.
 * @throws RangeError when `size` is not a non-negative safe integer or
 *   `maxRanges` is not a positive integer (programming errors, not bad input).
 */
export function parseRange(header: string, size: number, options: ParseRangeOptions = {}): RangeResult {
  checkSize(size);
  const maxRanges = options.maxRanges ?? DEFAULT_MAX_RANGES;
  if (!Number.isSafeInteger(maxRanges) || maxRanges < 1) {
    throw new RangeError(`maxRanges must be a positive integer, not ${String(maxRanges)}`);
  }

  const value = String(header).replace(OWS_ENDS, "");
  if (value === "") return ignore("absent");
  const equals = value.indexOf("=");
  if (equals < 0 || value.slice(0, equals).toLowerCase() !== "bytes") {
    // No "=" at all is as much an unknown unit as "items=": nothing we understand.
    return ignore(equals < 0 ? "malformed" : "unit");
  }

  // Count the elements before reading any number, so a huge list costs little.
  const elements = value.slice(equals + 1).split(",");
  let count = 0;
  for (let i = 0; i < elements.length; i++) {
    const element = elements[i]!.replace(OWS_ENDS, "");
    elements[i] = element;
    if (element !== "" && ++count > maxRanges) return ignore("too-many");
  }
  if (count === 0) return ignore("malformed");

  const specs: RangeSpec[] = [];
  for (const element of elements) {
    if (element === "") continue;
    const match = RANGE_SPEC.exec(element);
    if (match === null) return ignore("malformed");
    const [, firstText, lastText] = match as unknown as [string, string, string];
    if (firstText === "") {
      if (lastText === "") return ignore("malformed"); // a lone "-"
      specs.push({ first: null, last: Number(lastText) });
    } else {
      const first = Number(firstText);
      const last = lastText === "" ? null : Number(lastText);
      // Beyond 2**53 the numbers are rounded, but the rounding keeps their
      // order, so "last < first" is still decided correctly.
      if (last !== null && last < first) return ignore("malformed");
      specs.push({ first, last });
    }
  }

  const ranges: ByteRange[] = [];
  let suffixOnEmpty = false;
  let total = 0;
  for (const { first, last } of specs) {
    let start: number;
    let end: number;
    if (first === null) {
      const length = last!;
      if (length === 0) continue; // "-0" asks for nothing: unsatisfiable
      if (size === 0) {
        suffixOnEmpty = true;
        continue;
      }
      start = length >= size ? 0 : size - length;
      end = size - 1;
    } else {
      if (first >= size) continue; // starts past the end: unsatisfiable
      start = first;
      end = last === null || last >= size - 1 ? size - 1 : last;
    }
    ranges.push({ start, end });
    total += end - start + 1;
  }

  if (ranges.length === 0) return suffixOnEmpty ? ignore("empty") : UNSATISFIABLE;
  if (total > size) return ignore("excessive");
  return { type: "ranges", ranges: coalesce(ranges) };
}

/**
 * Merge ranges that overlap or touch (`0-4` and `5-9` become `0-9`). When
 * none do, the input comes back unchanged in its order; otherwise each merged
 * range sits where its earliest member was asked for.
 */
function coalesce(ranges: ByteRange[]): ByteRange[] {
  if (ranges.length < 2) return ranges;
  const order = ranges.map((_, i) => i).sort((a, b) => ranges[a]!.start - ranges[b]!.start);
  const merged: { start: number; end: number; first: number }[] = [];
  for (const index of order) {
    const { start, end } = ranges[index]!;
    const last = merged[merged.length - 1];
    if (last !== undefined && start <= last.end + 1) {
      if (end > last.end) last.end = end;
      if (index < last.first) last.first = index;
    } else {
      merged.push({ start, end, first: index });
    }
  }
  if (merged.length === ranges.length) return ranges;
  merged.sort((a, b) => a.first - b.first);
  return merged.map(({ start, end }) => ({ start, end }));
}

function checkRange(start: number, end: number, size: number): void {
  checkSize(size);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || start > end || end >= size) {
    throw new RangeError(`invalid byte range ${String(start)}-${String(end)} of ${String(size)} bytes`);
  }
}

/**
 * The `Content-Range` value of a part: `contentRange(0, 99, 1000)` is
 * `"bytes 0-99/1000"` (RFC 9110 §14.4, ends inclusive).
 *
 * @throws RangeError unless `0 <= start <= end < size`, all integers.
 */
export function contentRange(start: number, end: number, size: number): string {
  checkRange(start, end, size);
  return `bytes ${start}-${end}/${size}`;
}

/**
 * The `Content-Range` value that goes with a 416 answer (RFC 9110 §14.4):
 * `"bytes "`, an asterisk, a slash and the size, so that
 * `unsatisfiedRange(1000)` tells the client the file has 1000 bytes.
 *
 * @throws RangeError when `size` is not a non-negative safe integer.
 */
export function unsatisfiedRange(size: number): string {
  checkSize(size);
  return `bytes */${size}`;
}

/** One body part of a {@link MultipartLayout}. */
export interface MultipartPart {
  /** First byte of the file to send after {@link MultipartPart.header}. */
  readonly start: number;
  /** Last byte (inclusive) of the file to send after {@link MultipartPart.header}. */
  readonly end: number;
  /** The delimiter line and part headers that precede the slice, ready to write. */
  readonly header: Buffer;
}

/**
 * A `multipart/byteranges` body laid out without its data: write each
 * part's `header`, then bytes `start..end` of the file, and after the last
 * part the `trailer`. The result is exactly `contentLength` bytes.
 */
export interface MultipartLayout {
  /** The boundary the body uses. */
  readonly boundary: string;
  /** The response's `Content-Type`: `multipart/byteranges; boundary=...`. */
  readonly contentType: string;
  /** One entry per range, in the order given. */
  readonly parts: readonly MultipartPart[];
  /** The close delimiter, `\r\n--boundary--\r\n`. */
  readonly trailer: Buffer;
  /** Length of the whole body: headers, slices and trailer. */
  readonly contentLength: number;
}

/** RFC 2046 `bchars`: what a boundary may contain (a space only inside). */
const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/;
const LINE_BREAK = /[\r\n]/;

/**
 * Lay out a `multipart/byteranges` body (RFC 9110 §14.6) so that it can be
 * streamed: part headers and close delimiter are built here, the file data
 * stays where it is.
 *
 * The body has the shape of the RFC's own example: it begins with the first
 * delimiter line (no preamble), every later part begins with the CRLF that
 * ends the previous part's data, and it closes with `\r\n--boundary--\r\n`:
 *
 * ```text
 * --BOUNDARY\r\n
 * Content-Type: text/plain\r\n
 * Content-Range: bytes 0-4/100\r\n
 * \r\n
 * <bytes 0-4>\r\n
 * --BOUNDARY\r\n
 * ...
 * <last slice>\r\n
 * --BOUNDARY--\r\n
 * ```
 *
 * @param ranges - The ranges to send, in order (usually from {@link parseRange}).
 * @param contentType - The file's own media type, repeated in every part; an
 *   empty string leaves the part's `Content-Type` line out.
 * @param size - Length of the whole file, for `Content-Range`.
 * @param boundary - The boundary, by default a fresh {@link makeBoundary}.
 * @throws RangeError for an empty range list, a range outside the file, or a
 *   boundary that RFC 2046 does not allow (1-70 characters from its set, not
 *   ending in a space).
 * @throws TypeError when `contentType` contains CR or LF.
 */
export function multipartByteranges(
  ranges: readonly ByteRange[],
  contentType: string,
  size: number,
  boundary: string = makeBoundary(),
): MultipartLayout {
  if (ranges.length === 0) throw new RangeError("a multipart/byteranges body needs at least one range");
  if (!BOUNDARY.test(boundary)) throw new RangeError(`invalid multipart boundary: ${JSON.stringify(boundary)}`);
  if (LINE_BREAK.test(contentType)) throw new TypeError("content type must not contain CR or LF");
  const typeLine = contentType === "" ? "" : `Content-Type: ${contentType}\r\n`;
  const parts: MultipartPart[] = [];
  let contentLength = 0;
  for (let i = 0; i < ranges.length; i++) {
    const { start, end } = ranges[i]!;
    checkRange(start, end, size);
    const text = `${i === 0 ? "" : "\r\n"}--${boundary}\r\n${typeLine}Content-Range: bytes ${start}-${end}/${size}\r\n\r\n`;
    const header = Buffer.from(text, "latin1");
    parts.push({ start, end, header });
    contentLength += header.length + (end - start + 1);
  }
  const trailer = Buffer.from(`\r\n--${boundary}--\r\n`, "latin1");
  contentLength += trailer.length;
  return {
    boundary,
    contentType: `multipart/byteranges; boundary=${boundary}`,
    parts,
    trailer,
    contentLength,
  };
}

/**
 * A fresh random multipart boundary: 48 hexadecimal digits from 24 bytes of
 * `crypto.randomBytes`, so that it cannot be guessed or occur in a file by
 * accident, and needs no quoting in `Content-Type`.
 */
export function makeBoundary(): string {
  return randomBytes(24).toString("hex");
}

/**
 * Request headers: the {@link HTTPMessage} class and the header-block parser
 * that fills it.
 *
 * The parser reproduces what Python's `http.client.parse_headers()` (which
 * hands the block to the `email` package's feed parser with the `compat32`
 * policy) produces for a server, rule for rule:
 *
 * - Lines end at `\r\n`, `\n` or a lone `\r`. A lone `\r` inside what the
 *   socket reader saw as one line therefore splits it in two.
 * - The first empty line ends the block; nothing after it is looked at.
 * - A header line is a name made of printable ASCII other than `:` (bytes
 *   0x21-0x7E), then `:`. The name keeps its case. The value is the rest of
 *   the line with leading spaces and tabs removed; trailing whitespace stays.
 * - A line starting with a space or tab continues the previous header: it is
 *   appended to the value verbatim, together with the line break before it
 *   (`X: 1\r\n b` gives `"1\r\n b"`). With no header before it, it is dropped.
 * - A line starting with `From ` (a Unix mailbox envelope line) is dropped,
 *   and so are continuation lines right after it.
 * - A line starting with `:` (empty name) is dropped, with its continuation
 *   lines.
 * - Any other line (no colon, a space or a control or non-ASCII character
 *   before the colon, as in `X-A : 1`) ends parsing: it and everything after
 *   it are ignored, the headers before it are kept.
 *
 * The parser never throws. Line-length and line-count limits (65536 bytes a
 * line, 100 lines) belong to the code that reads the block off the socket.
 *
 * @module
 */
import { adoptPythonNames, pythonNames } from "../python-names.js";
import { pyStrip } from "../py/index.js";

/** A constructor for {@link HTTPMessage} or a subclass, as Python's `MessageClass`. */
export type HTTPMessageClass<T extends HTTPMessage = HTTPMessage> = new () => T;

/** A parameter value for {@link HTTPMessage.addHeader}: `null` writes the bare key. */
export type HeaderParamValue = string | null | undefined;

/** Count non-overlapping occurrences of `needle` in `text[0, end)`. */
function countIn(text: string, needle: string, end: number): number {
  let n = 0;
  let i = text.indexOf(needle);
  while (i >= 0 && i + needle.length <= end) {
    n++;
    i = text.indexOf(needle, i + needle.length);
  }
  return n;
}

/**
 * Split a `Content-Type`-style value at the semicolons that are not inside
 * double quotes, the way the email package does: each piece is stripped and a
 * `key=value` piece gets its key lower-cased and the space around `=` removed.
 * The first piece is the main value.
 */
function splitParams(value: string): string[] {
  const out: string[] = [];
  let s = ";" + value;
  while (s.startsWith(";")) {
    s = s.slice(1);
    let end = s.indexOf(";");
    while (end > 0 && (countIn(s, '"', end) - countIn(s, '\\"', end)) % 2 !== 0) {
      end = s.indexOf(";", end + 1);
    }
    if (end < 0) end = s.length;
    let piece = s.slice(0, end);
    const eq = piece.indexOf("=");
    if (eq >= 0) piece = pyStrip(piece.slice(0, eq)).toLowerCase() + "=" + pyStrip(piece.slice(eq + 1));
    out.push(pyStrip(piece));
    s = s.slice(end);
  }
  return out;
}

/** Backslash-escape `\` and `"` (the email package's `quote()`). */
function quoteParam(text: string): string {
  return text.replaceAll("\\", "\\\\").replaceAll('"', '\\"');
}

/** Remove one level of `"..."` (undoing backslash escapes) or `<...>` (the email package's `unquote()`). */
function unquoteParam(text: string): string {
  if (text.length > 1) {
    if (text.startsWith('"') && text.endsWith('"')) {
      return text.slice(1, -1).replaceAll("\\\\", "\\").replaceAll('\\"', '"');
    }
    if (text.startsWith("<") && text.endsWith(">")) return text.slice(1, -1);
  }
  return text;
}

/** Percent-encode UTF-8 bytes, keeping only `A-Z a-z 0-9 _ . - ~` (Python's `quote(s, safe="")`). */
function percentEncode(text: string): string {
  let out = "";
  for (const byte of Buffer.from(text, "utf8")) {
    const keep =
      (byte >= 0x30 && byte <= 0x39) ||
      (byte >= 0x41 && byte <= 0x5a) ||
      (byte >= 0x61 && byte <= 0x7a) ||
      byte === 0x5f ||
      byte === 0x2e ||
      byte === 0x2d ||
      byte === 0x7e;
    out += keep ? String.fromCharCode(byte) : "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/** Format one `add_header` parameter: `key="value"`, or RFC 2231 `key*=utf-8''...` for non-ASCII text, or the bare key. */
function formatParam(key: string, value: string): string {
  if (value.length === 0) return key;
  // eslint-disable-next-line no-control-regex
  if (/[^\x00-\x7f]/.test(value)) return `${key}*=utf-8''${percentEncode(value)}`;
  return `${key}="${quoteParam(value)}"`;
}

/** Whether `text` is pure ASCII. */
function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f) return false;
  }
  return true;
}

/**
 * Whether two ASCII header names are equal ignoring case. Folding letters
 * inline avoids allocating lower-cased copies on every lookup; most stored
 * names are rejected by their length alone.
 */
function sameAsciiName(a: string, b: string): boolean {
  const n = a.length;
  if (n !== b.length) return false;
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0x41 && x <= 0x5a) x += 0x20;
    if (y >= 0x41 && y <= 0x5a) y += 0x20;
    if (x !== y) return false;
  }
  return true;
}

/** Read access to a message's storage for the parser in this module. */
let storageOf!: (message: HTTPMessage) => { names: string[]; values: string[] };

/**
 * The headers of a request, as `BaseHTTPRequestHandler.headers` holds them:
 * a port of Python's `http.client.HTTPMessage` (an `email.message.Message`
 * under the `compat32` policy).
 *
 * Headers are kept as an ordered list of `(name, value)` pairs, duplicates
 * included. Names keep the case they arrived in; every lookup by name ignores
 * case. Values are strings decoded as Latin-1, exactly as parsed (see
 * {@link parseHeaders}).
 *
 * Python spellings work too: `get_all`, `get_content_type`, `replace_header`,
 * `add_header`, ... (the library's `pythonNames` mechanism), and a
 * `MessageClass` subclass may override either spelling.
 *
 * | Python                    | TypeScript                    |
 * |---------------------------|-------------------------------|
 * | `msg.get(name, default)`  | `msg.get(name, fallback)`     |
 * | `msg[name]`               | `msg.get(name)`               |
 * | `msg[name] = value`       | `msg.append(name, value)`     |
 * | `del msg[name]`           | `msg.delete(name)`            |
 * | `name in msg`             | `msg.has(name)`               |
 * | `len(msg)`                | `msg.length`                  |
 * | `for name in msg`         | `for (const name of msg)`     |
 * | `str(msg)`                | `msg.toString()` / `String(msg)` |
 *
 * @remarks
 * There is deliberately no bracket access (`msg["Host"]`). Reading arbitrary
 * names through brackets needs either a `Proxy`, which puts a trap in front of
 * every property access including each method call (wrapping the message in
 * one made "parse a browser's eight headers and read five" 30-50% slower in
 * our measurement, about 0.8 us becoming 1.0-1.2 us), or one own property per
 * header, which would collide with the method names (`get`, `keys`, `items`,
 * ...) and cannot represent repeated headers. `get(name)` returns exactly
 * what Python's `msg[name]` returns: the first value, or `undefined` where
 * Python gives `None`.
 */
export class HTTPMessage implements Iterable<string> {
  #names: string[] = [];
  #values: string[] = [];
  /** False once a name outside ASCII has been appended (parsed names are always ASCII). */
  #asciiNames = true;
  #defaultType = "text/plain";
  /**
   * Problems the parser met, as Python's `email` package records them: a
   * `MissingHeaderBodySeparatorDefect` when a line that is not a header
   * (no colon, or a space before it) ended the header block early. The
   * lines from there to the blank line were dropped.
   */
  defects: string[] = [];

  static {
    storageOf = (message) => ({ names: message.#names, values: message.#values });
  }

  /** An empty message. Parsing fills one through {@link parseHeaders}. */
  constructor() {
    if (new.target !== HTTPMessage) adoptPythonNames(new.target);
  }

  /**
   * Index of the first header at or after `from` whose name equals `name`
   * ignoring case (Python compares `a.lower() == b.lower()`), or -1.
   */
  #indexOf(name: string, from = 0): number {
    const names = this.#names;
    if (this.#asciiNames && isAscii(name)) {
      for (let i = from; i < names.length; i++) {
        if (sameAsciiName(names[i]!, name)) return i;
      }
    } else {
      const key = name.toLowerCase();
      for (let i = from; i < names.length; i++) {
        if (names[i]!.toLowerCase() === key) return i;
      }
    }
    return -1;
  }

  /** Number of headers, repeats included (Python's `len(msg)`). */
  get length(): number {
    return this.#names.length;
  }

  /**
   * The value of the first header called `name` (any case), or `fallback`
   * (by default `undefined`) when there is none. Never throws. This is also
   * what Python's `msg[name]` returns.
   */
  get(name: string): string | undefined;
  get<D>(name: string, fallback: D): string | D;
  get<D>(name: string, fallback?: D): string | D | undefined {
    const index = this.#indexOf(name);
    return index < 0 ? fallback : this.#values[index]!;
  }

  /**
   * Every value of the headers called `name` (any case), in arrival order;
   * `fallback` (by default `undefined`, Python's `None`) when there is none.
   */
  getAll(name: string): string[] | undefined;
  getAll<D>(name: string, fallback: D): string[] | D;
  getAll<D>(name: string, fallback?: D): string[] | D | undefined {
    let found: string[] | undefined;
    for (let i = this.#indexOf(name); i >= 0; i = this.#indexOf(name, i + 1)) {
      (found ??= []).push(this.#values[i]!);
    }
    return found ?? fallback;
  }

  /** Whether a header called `name` (any case) is present (Python's `name in msg`). */
  has(name: string): boolean {
    return this.#indexOf(name) >= 0;
  }

  /** All header names in arrival order, repeats included (a new array). */
  keys(): string[] {
    return this.#names.slice();
  }

  /** All header values in arrival order (a new array). */
  values(): string[] {
    return this.#values.slice();
  }

  /** All `[name, value]` pairs in arrival order, repeats included (a new array). */
  items(): [string, string][] {
    const names = this.#names;
    const values = this.#values;
    const out = new Array<[string, string]>(names.length);
    for (let i = 0; i < names.length; i++) out[i] = [names[i]!, values[i]!];
    return out;
  }

  /** Iterate over the header names in arrival order, as Python iterates a message. */
  [Symbol.iterator](): IterableIterator<string> {
    return this.#names[Symbol.iterator]();
  }

  /**
   * Add a header at the end, keeping any existing ones with the same name.
   * This is Python's `msg[name] = value`, which appends rather than replaces.
   */
  append(name: string, value: string): void {
    this.#names.push(name);
    this.#values.push(value);
    if (this.#asciiNames && !isAscii(name)) this.#asciiNames = false;
  }

  /**
   * Remove every header called `name` (any case); nothing happens when there
   * is none (Python's `del msg[name]`). Returns how many were removed.
   */
  delete(name: string): number {
    const names = this.#names;
    const values = this.#values;
    const total = names.length;
    let kept = this.#indexOf(name);
    if (kept < 0) return 0;
    for (let i = kept, next = kept; i < total; i++) {
      if (i === next) {
        next = this.#indexOf(name, i + 1);
        continue;
      }
      names[kept] = names[i]!;
      values[kept] = values[i]!;
      kept++;
    }
    names.length = values.length = kept;
    return total - kept;
  }

  /**
   * Append a header built from a value and parameters, as Python's
   * `add_header(name, value, **params)`: `value` (omitted when `null`)
   * followed by `; key="value"` for each parameter. An underscore in a key
   * becomes `-`; a `null` value writes the key alone; an empty value writes
   * the key alone too; a non-ASCII value is written RFC 2231 style
   * (`key*=utf-8''...`).
   */
  addHeader(name: string, value: string | null, params: Readonly<Record<string, HeaderParamValue>> = {}): void {
    const parts: string[] = [];
    if (value !== null) parts.push(value);
    for (const [rawKey, paramValue] of Object.entries(params)) {
      const key = rawKey.replaceAll("_", "-");
      parts.push(paramValue === null || paramValue === undefined ? key : formatParam(key, paramValue));
    }
    this.append(name, parts.join("; "));
  }

  /**
   * Replace the value of the first header called `name` (any case), keeping
   * its position and the spelling of its name. Throws a `RangeError` (Python
   * raises `KeyError`) when there is no such header.
   */
  replaceHeader(name: string, value: string): void {
    const index = this.#indexOf(name);
    if (index < 0) throw new RangeError(`no header named ${JSON.stringify(name)}`);
    this.#values[index] = value;
  }

  /**
   * The media type from `Content-Type`, lower-cased, without parameters
   * (`"text/html"`). Without the header it is {@link getDefaultType}; with a
   * value that is not exactly one `type/subtype` it is `"text/plain"`.
   */
  getContentType(): string {
    const value = this.get("content-type");
    if (value === undefined) return this.getDefaultType();
    const semicolon = value.indexOf(";");
    const ctype = pyStrip(semicolon < 0 ? value : value.slice(0, semicolon)).toLowerCase();
    const slash = ctype.indexOf("/");
    if (slash < 0 || ctype.indexOf("/", slash + 1) >= 0) return "text/plain";
    return ctype;
  }

  /** The part of {@link getContentType} before the `/`. */
  getContentMaintype(): string {
    return this.getContentType().split("/")[0]!;
  }

  /** The part of {@link getContentType} after the `/`. */
  getContentSubtype(): string {
    return this.getContentType().split("/")[1]!;
  }

  /** The content type assumed when there is no `Content-Type` header; `"text/plain"` unless changed. */
  getDefaultType(): string {
    return this.#defaultType;
  }

  /** Change the type {@link getDefaultType} returns. No header is written. */
  setDefaultType(ctype: string): void {
    this.#defaultType = ctype;
  }

  /**
   * The parameters of a header (`Content-Type` by default) as `[key, value]`
   * pairs, the first pair being the main value with an empty string:
   * `text/html; charset="utf-8"` gives
   * `[["text/html", ""], ["charset", "utf-8"]]`. Keys are lower-cased; values
   * are unquoted unless `unquote` is false. Returns `fallback` when the header
   * is missing.
   *
   * @remarks Parameters written in RFC 2231 form (`title*=...`,
   * `title*0=...`) are returned as written rather than decoded and joined.
   */
  getParams(): [string, string][] | undefined;
  getParams<D>(fallback: D, header?: string, unquote?: boolean): [string, string][] | D;
  getParams<D>(fallback?: D, header = "content-type", unquote = true): [string, string][] | D | undefined {
    const params = this.#paramsOf(header);
    if (params === undefined) return fallback;
    return unquote ? params.map(([k, v]) => [k, unquoteParam(v)]) : params;
  }

  /**
   * One parameter of a header (`Content-Type` by default), matched without
   * regard to case: `getParam("charset")`. Returns `fallback` (by default
   * `undefined`) when the header or the parameter is missing. The value is
   * unquoted unless `unquote` is false. See {@link getParams}.
   */
  getParam(param: string): string | undefined;
  getParam<D>(param: string, fallback: D, header?: string, unquote?: boolean): string | D;
  getParam<D>(param: string, fallback?: D, header = "content-type", unquote = true): string | D | undefined {
    const params = this.#paramsOf(header);
    if (params === undefined) return fallback;
    const key = param.toLowerCase();
    for (const [k, v] of params) {
      if (k.toLowerCase() === key) return unquote ? unquoteParam(v) : v;
    }
    return fallback;
  }

  /**
   * The `charset` parameter of `Content-Type`, lower-cased, or `fallback`
   * (by default `undefined`) when it is missing or not ASCII.
   */
  getContentCharset(): string | undefined;
  getContentCharset<D>(fallback: D): string | D;
  getContentCharset<D>(fallback?: D): string | D | undefined {
    const charset = this.getParam("charset");
    // eslint-disable-next-line no-control-regex
    if (charset === undefined || /[^\x00-\x7f]/.test(charset)) return fallback;
    return charset.toLowerCase();
  }

  /** Split a header into `[key, quoted value]` pairs, as the email package keeps them before unquoting. */
  #paramsOf(header: string): [string, string][] | undefined {
    const value = this.get(header);
    if (value === undefined) return undefined;
    const pieces = splitParams(value);
    const out: [string, string][] = [];
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i]!;
      const eq = piece.indexOf("=");
      const key = eq < 0 ? pyStrip(piece) : pyStrip(piece.slice(0, eq));
      const raw = eq < 0 ? "" : pyStrip(piece.slice(eq + 1));
      // After the main value, the email package unquotes and re-quotes each
      // value, which normalises `<...>` and escapes; keep that observable.
      out.push(i === 0 ? [key, raw] : [key, `"${quoteParam(unquoteParam(raw))}"`]);
    }
    return out;
  }

  /**
   * The headers as text, like Python's `str(msg)`: one `Name: value` line per
   * header and a blank line, lines ending in `\n`. Line breaks inside folded
   * values are written as `\n`.
   *
   * @remarks Python's generator additionally re-wraps folded values and
   * writes non-ASCII values as RFC 2047 encoded words; this method writes the
   * value text as it is.
   */
  toString(): string {
    let out = "";
    const names = this.#names;
    const values = this.#values;
    for (let i = 0; i < names.length; i++) {
      out += `${names[i]!}: ${values[i]!.replace(/\r\n|\r|\n/g, "\n")}\n`;
    }
    return out + "\n";
  }

  /** How Node's `util.inspect` (and so `console.log`) shows a message: its pairs in order. */
  [Symbol.for("nodejs.util.inspect.custom")](): object {
    return { [Symbol.toStringTag]: "HTTPMessage", headers: this.items() };
  }
}
pythonNames(HTTPMessage);

/** Code units that matter to the scanner. */
const SPACE = 32;
const TAB = 9;
const COLON = 58;
const LF = 10;
const UPPER_F = 70;

/**
 * Parse headers from `text[start, end)` into `names`/`values`, appending.
 * See the module comment for the rules; this is their fast implementation:
 * one `indexOf` for each kind of line break (remembered across lines, so a
 * block that uses only `\n` is not rescanned for `\r`), and a character loop
 * only over header names.
 *
 * Into `defects` goes the name of each reason a line was dropped that
 * leaves no trace in the headers: a
 * non-header line or a bare CR that ended the block before its blank line
 * (`MissingHeaderBodySeparatorDefect`), a first line that continues nothing
 * (`FirstHeaderLineIsContinuationDefect`).
 */
function scanHeaders(text: string, start: number, end: number, names: string[], values: string[], defects: string[]): void {
  const firstName = names.length;
  let pos = start;
  let nextLF = -1;
  let nextCR = -1;
  // Where the current header's value starts, or -1 when a continuation line
  // has nothing to continue.
  let valueStart = -1;
  while (pos < end) {
    if (nextLF < pos) {
      nextLF = text.indexOf("\n", pos);
      if (nextLF < 0 || nextLF > end) nextLF = end;
    }
    if (nextCR < pos) {
      nextCR = text.indexOf("\r", pos);
      if (nextCR < 0 || nextCR > end) nextCR = end;
    }
    let lineEnd: number;
    let next: number;
    if (nextCR < nextLF) {
      lineEnd = nextCR;
      next = nextCR + 1 === nextLF ? nextLF + 1 : nextCR + 1;
    } else {
      lineEnd = nextLF;
      next = nextLF + 1;
    }
    if (lineEnd === pos) {
      // The empty line that ends the block. A line reader (splitting at LF
      // only) sees the same end only when it is a whole line of its own;
      // one made by a bare CR ("X: a\r\r\n", "\rY: b") drops the lines
      // that follow it, which the reader took for headers.
      if (text.charCodeAt(next - 1) !== LF || (pos !== start && text.charCodeAt(pos - 1) !== LF)) {
        defects.push("MissingHeaderBodySeparatorDefect");
      }
      return;
    }

    const first = text.charCodeAt(pos);
    if (first === SPACE || first === TAB) {
      if (valueStart >= 0) values[values.length - 1] = text.slice(valueStart, lineEnd);
      else if (names.length === firstName) defects.push("FirstHeaderLineIsContinuationDefect");
      pos = next;
      continue;
    }
    if (first === UPPER_F && pos + 5 <= lineEnd && text.startsWith("From ", pos)) {
      valueStart = -1;
      pos = next;
      continue;
    }
    let colon = pos;
    for (; colon < lineEnd; colon++) {
      const code = text.charCodeAt(colon);
      if (code === COLON || code < 0x21 || code > 0x7e) break;
    }
    if (colon === lineEnd || text.charCodeAt(colon) !== COLON) {
      defects.push("MissingHeaderBodySeparatorDefect"); // not a header line
      return;
    }
    if (colon === pos) {
      valueStart = -1; // empty name: skipped
      pos = next;
      continue;
    }
    let v = colon + 1;
    while (v < lineEnd) {
      const code = text.charCodeAt(v);
      if (code !== SPACE && code !== TAB) break;
      v++;
    }
    names.push(text.slice(pos, colon));
    values.push(text.slice(v, lineEnd));
    valueStart = v;
    pos = next;
  }
}

/**
 * The hot-path parser: read the headers in `text[start, end)` into a new
 * message. `text` is Latin-1-decoded bytes (one code unit per byte), for
 * example the whole request head decoded at once, with `start` just past the
 * request line; no substring is made for the block. Parsing stops at the
 * first empty line or at `end`, whichever comes first.
 *
 * @param MessageClass - the class to instantiate (Python's `MessageClass`);
 *   {@link HTTPMessage} by default.
 */
export function parseHeaderBlock<T extends HTTPMessage = HTTPMessage>(
  text: string,
  start = 0,
  end = text.length,
  MessageClass: HTTPMessageClass<T> = HTTPMessage as HTTPMessageClass<T>,
): T {
  const message = new MessageClass();
  const { names, values } = storageOf(message);
  scanHeaders(text, Math.max(0, start), Math.min(end, text.length), names, values, message.defects);
  return message;
}

/**
 * Parse a header block, Python's `http.client.parse_headers()`.
 *
 * @param block - the header lines decoded as Latin-1, each with its line
 *   ending, optionally followed by the blank line that ends them (anything
 *   after that blank line is ignored). This single string is the fast
 *   interface: the engine finds the end of the head with `Buffer.indexOf`,
 *   decodes it once and never splits it into lines.
 * @param MessageClass - the class to instantiate; {@link HTTPMessage} by default.
 */
export function parseHeaders<T extends HTTPMessage = HTTPMessage>(
  block: string,
  MessageClass: HTTPMessageClass<T> = HTTPMessage as HTTPMessageClass<T>,
): T {
  return parseHeaderBlock(block, 0, block.length, MessageClass);
}

/**
 * Parse headers handed over as separate raw lines (each Latin-1-decoded and
 * still ending in `\r\n` or `\n`), as a line-by-line reader collects them.
 * Equivalent to {@link parseHeaders} on the joined lines.
 */
export function parseHeaderLines<T extends HTTPMessage = HTTPMessage>(
  lines: readonly string[],
  MessageClass: HTTPMessageClass<T> = HTTPMessage as HTTPMessageClass<T>,
): T {
  return parseHeaders(lines.join(""), MessageClass);
}

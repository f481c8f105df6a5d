/**
 * The response head of one request: the status line and header lines a
 * handler buffers (Python's `_headers_buffer`), checked as they come so that
 * nothing a handler writes can split the response, and sent in one write.
 * The one response writer of the engine: `sendResponse`, `sendHeader`,
 * `endHeaders`, `flushHeaders` and `sendError` all go through it.
 *
 * @module
 */
import { pyRepr } from "../../../py/index.js";
import { cleanHeaderTexts } from "../../caches.js";
import { SocketWriter, type Writer } from "../../../socketserver/streams.js";

/** Raised for a header name or value, or a status line, that could split the response. */
export class HeaderInjectionError extends TypeError {
  /** Always `"HeaderInjectionError"`. */
  override readonly name = "HeaderInjectionError";
}

/** The characters of an RFC 9110 token (`tchar`), by code. */
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") TCHAR[c.charCodeAt(0)] = 1;

/** Whether `name` can be a header field name: one or more token characters. */
function isToken(name: string): boolean {
  if (name.length === 0) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 128 || TCHAR[c] === 0) return false;
  }
  return true;
}

/** {@link textProblem}: a CR, LF or NUL that would split the response. */
const SPLITS = 1;
/** {@link textProblem}: a character Latin-1 cannot encode. */
const NOT_LATIN1 = 2;

/** What stops `text` from going into a status line or header: 0, {@link SPLITS} and/or {@link NOT_LATIN1}. */
function textProblem(text: string): number {
  if (text.length < 16) return scanText(text);
  // Longer texts found clean before (the same Server and Date strings,
  // mostly) are not scanned again.
  if (cleanHeaderTexts.get(text) === true) return 0;
  const problem = scanText(text);
  if (problem === 0) cleanHeaderTexts.set(text, true);
  return problem;
}

function scanText(text: string): number {
  let problem = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 13) {
      if (c === 13 || c === 10 || c === 0) problem |= SPLITS;
    } else if (c > 0xff) {
      problem |= NOT_LATIN1;
    }
  }
  return problem;
}

/** Python's `UnicodeEncodeError` for text Latin-1 cannot encode, as a `RangeError`. */
function latin1Error(text: string): Error {
  const at = text.search(/[^\x00-\xff]/);
  return new RangeError(
    `'latin-1' codec can't encode character '\\u${text.charCodeAt(at).toString(16).padStart(4, "0")}' in position ${at}: ordinal not in range(256)`,
  );
}

/**
 * `code` as a status code: an integer from 100 to 999, or an object whose
 * `valueOf()` is one (an `HTTPStatus` info object). Python's `%d` refuses a
 * string with a `TypeError`; anything else out of range is a `RangeError`.
 */
export function statusCode(code: unknown): number {
  let n = code;
  if (typeof n === "object" && n !== null) n = n.valueOf();
  if (typeof n !== "number") throw new TypeError(`a status code must be a number, not ${pyRepr(code)}`);
  if (!Number.isInteger(n) || n < 100 || n > 999) throw new RangeError(`a status code must be an integer from 100 to 999, not ${n}`);
  return n;
}

/** The buffered status line and headers of the response being built. */
export class ResponseHead {
  #text = "";
  /** The status of the head being built (0 before a status line). */
  code = 0;
  /** Whether the head being built has a `Connection` header. */
  hasConnection = false;

  /** True when nothing is buffered. */
  get empty(): boolean {
    return this.#text === "";
  }

  /** Buffer a status line (`HTTP/1.1 200 OK`); refuses text that could split the response. */
  status(version: string, code: number, reason: string): void {
    const line = `${version} ${code} ${reason}`;
    const problem = textProblem(line);
    if (problem === SPLITS || problem === (SPLITS | NOT_LATIN1)) {
      throw new HeaderInjectionError(`status line ${pyRepr(line)} contains CR, LF or NUL`);
    }
    if (problem === NOT_LATIN1) throw latin1Error(line);
    this.#text += line + "\r\n";
    this.code = code;
    this.hasConnection = false;
  }

  /** Buffer one header line; the name must be a token, the value free of CR, LF and NUL. */
  header(name: string, value: string): void {
    if (!isToken(name)) throw new HeaderInjectionError(`header name ${pyRepr(name)} is not a token (RFC 9110, section 5.1)`);
    const problem = textProblem(value);
    if (problem & SPLITS) throw new HeaderInjectionError(`header ${pyRepr(name)} contains CR, LF or NUL`);
    if (problem & NOT_LATIN1) throw latin1Error(`${name}: ${value}`);
    this.#text += name + ": " + value + "\r\n";
    if (name.length === 10 && name.toLowerCase() === "connection") this.hasConnection = true;
  }

  /** Close the header block with its blank line. */
  end(): void {
    this.#text += "\r\n";
  }

  /** Drop what is buffered (a failed request's partial head). */
  clear(): void {
    this.#text = "";
  }

  /** Send what is buffered in one write, as Latin-1 bytes, and empty the buffer. */
  flush(wfile: Writer): void {
    const text = this.#text;
    if (text === "") return;
    this.#text = "";
    if (wfile instanceof SocketWriter) wfile.write(text, "latin1");
    else wfile.write(Buffer.from(text, "latin1"));
  }
}

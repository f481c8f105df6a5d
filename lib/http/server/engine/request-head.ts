/**
 * Reading and parsing a request head: the request line by Python's rules
 * (`parse_request()`), and the header block under one set of limit checks,
 * whether the head arrived in one piece or line by line.
 *
 * @module
 */
import type { BufferedReader } from "../../../socketserver/streams.js";

/** Where a request head ends in the common case. */
export const HEAD_END = Buffer.from("\r\n\r\n", "latin1");
/** Heads up to this size are taken in one piece when they arrive in one chunk. */
export const WHOLE_HEAD_MAX = 16 * 1024;

/** The limits a head is read under (the handler's attributes of the same names). */
export interface HeadLimits {
  maxRequestLine: number;
  maxHeaderLine: number;
  maxHeaders: number;
  maxHeaderBytes: number;
}

/** A header limit that was exceeded: Python's `LineTooLong`, its `HTTPException`, or our block limit. */
export type HeaderLimit = "line" | "count" | "bytes";

/**
 * The one check of a header line against the limits, in Python's order: a
 * line too long, then too many lines, then too many bytes in all. `count`
 * and `bytes` include this line; `null` when nothing is exceeded.
 */
function lineLimit(limits: HeadLimits, length: number, count: number, bytes: number): HeaderLimit | null {
  if (length > limits.maxHeaderLine) return "line";
  if (count > limits.maxHeaders) return "count";
  if (bytes > limits.maxHeaderBytes) return "bytes";
  return null;
}

/**
 * The header lines of one request as they are read line by line, checked
 * by {@link lineLimit} as each one comes.
 */
export class HeaderBlock {
  /** The lines so far, Latin-1 text with their line ends. */
  text = "";
  #count = 0;
  readonly #limits: HeadLimits;

  constructor(limits: HeadLimits) {
    this.#limits = limits;
  }

  /**
   * Take one line (`length` bytes, decoded as `line`). Returns the limit it
   * breaks, `true` when it ends the block (a blank line or end of input),
   * or `false` when more lines follow.
   */
  add(line: string, length: number): HeaderLimit | boolean {
    const limit = lineLimit(this.#limits, length, ++this.#count, this.text.length + line.length);
    if (limit !== null) return limit;
    this.text += line;
    return length === 0 || line === "\n" || line === "\r\n";
  }

  /**
   * Take the header lines already buffered in `rfile`, without waiting.
   * Returns the limit broken, `true` once the block is complete, `false`
   * when more input is needed.
   */
  takeFrom(rfile: BufferedReader): HeaderLimit | boolean {
    for (;;) {
      const raw = rfile.tryReadline(this.#limits.maxHeaderLine + 1);
      if (raw === null) return false;
      const done = this.add(raw.toString("latin1"), raw.length);
      if (done !== false) return done;
    }
  }

  /**
   * Check a whole head already in `text` (the block from `start` to `end`,
   * ending in its blank line) with {@link lineLimit}, line by line, as if
   * it had been read that way. Returns the limit broken, or `null`.
   */
  static check(text: string, start: number, end: number, limits: HeadLimits): HeaderLimit | null {
    let count = 0;
    for (let pos = start; pos < end; ) {
      const e = text.indexOf("\n", pos) + 1;
      const limit = lineLimit(limits, e - pos, ++count, e - start);
      if (limit !== null) return limit;
      pos = e;
    }
    return null;
  }
}

/**
 * The whole head (request line, header lines and the blank line) as
 * Latin-1 text, when it arrived in one piece in the reader's first chunk
 * with CRLF line ends and no earlier blank line; otherwise `null` (the head
 * is then read line by line). Nothing is consumed.
 */
export function peekWholeHead(rfile: BufferedReader): string | null {
  const first = rfile.peek();
  const at = first.indexOf(HEAD_END);
  if (at === -1 || at >= WHOLE_HEAD_MAX) return null;
  const n = at + HEAD_END.length;
  const head = first.toString("latin1", 0, n);
  // A blank line before the last one (bare LF or CRLF) would end the head sooner.
  if (head.indexOf("\n\n") !== -1 || head.indexOf("\n\r\n") < n - 3) return null;
  return head;
}

const DIGITS = /^[0-9]+$/;

const HTTP11: readonly [number, number] = [1, 1];
const HTTP10: readonly [number, number] = [1, 0];

/** `HTTP/<major>.<minor>` with ASCII digits, at most 10 each; `null` if malformed. */
export function parseVersion(version: string): readonly [number, number] | null {
  if (version === "HTTP/1.1") return HTTP11;
  if (version === "HTTP/1.0") return HTTP10;
  if (!version.startsWith("HTTP/")) return null;
  const parts = version.slice(5).split(".");
  if (parts.length !== 2) return null;
  const [a, b] = parts as [string, string];
  if (!DIGITS.test(a) || !DIGITS.test(b) || a.length > 10 || b.length > 10) return null;
  return [Number(a), Number(b)];
}

/** The request line without its line end (Python's `rstrip('\r\n')`). */
export function stripLineEnd(line: string): string {
  let end = line.length;
  while (end > 0) {
    const c = line.charCodeAt(end - 1);
    if (c !== 13 && c !== 10) break;
    end--;
  }
  return end === line.length ? line : line.slice(0, end);
}

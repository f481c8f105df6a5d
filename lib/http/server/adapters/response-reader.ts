/**
 * Reads back what a handler wrote to its `wfile` (status line, header
 * lines, body framed by `Content-Length`, `chunked` or the end of output)
 * as it is written, and hands each part to a host response: the other half
 * of the adapters, which feed the handler a request in memory. Pure
 * JavaScript on Buffers, so it runs under Node, Bun and Deno alike.
 *
 * @module
 */

/** One response head as the handler wrote it. */
export interface ResponseHeadData {
  /** The protocol version of the status line, e.g. `HTTP/1.0`. */
  version: string;
  /** The status code. */
  status: number;
  /** The reason phrase (may be empty). */
  reason: string;
  /** The header lines in order, names as written. */
  headers: Array<[name: string, value: string]>;
}

/** Where the parts of the handler's response go. */
export interface ResponseSink {
  /** A 1xx head other than `101`, before the final response. */
  informational(head: ResponseHeadData): void;
  /** The final head; `hasBody` is false for `HEAD`, 204 and 304. */
  start(head: ResponseHeadData, hasBody: boolean): void;
  /** A piece of the body; a Promise means: wait for it before handing on more. */
  body(chunk: Buffer): void | Promise<void>;
  /** The body is complete; `last` is its final piece when that piece arrived with the end (one call, not two). */
  end(last?: Buffer): void;
}

/** The handler's output is not a well-formed HTTP/1 response (or stops short). */
export class MalformedResponseError extends Error {
  /** Always `"MalformedResponseError"`. */
  override name = "MalformedResponseError";
}

/**
 * The most body handed to the sink at once. A handler writes a file in
 * pieces of 256 KiB; a host response takes what it is given before it says
 * "wait", and node:http2 counts what its streams hold against one limit
 * per session (10 MB), so large pieces would let a few slow streams stop
 * a session from opening more.
 */
const MAX_PIECE = 64 * 1024;

/** The longest chunk-size line or trailer line accepted. */
const MAX_LINE = 8192;
const STATUS_LINE = /^(HTTP\/\d\.\d) (\d{3})(?: (.*))?$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HEX = /^[0-9A-Fa-f]+$/;
// Searched for as Buffers: a string needle is converted on every search.
const CRLF_CRLF = Buffer.from("\r\n\r\n", "latin1");
const LF_LF = Buffer.from("\n\n", "latin1");

type State = "head" | "length" | "chunk-size" | "chunk-data" | "chunk-end" | "trailer" | "close" | "done";

/**
 * A streaming reader of one handler's output. Feed it with {@link write}
 * (wait for the Promise it may return: that is the host's back-pressure)
 * and {@link finish} at the end of the output. Bytes after the end of the
 * final response are dropped.
 */
export class ResponseReader {
  #state: State = "head";
  #pending: Buffer = Buffer.alloc(0);
  #left = 0;
  #sink: ResponseSink;
  #head: boolean;
  #maxHead: number;

  /**
   * @param sink - receives the parsed parts.
   * @param method - the request method (`HEAD` responses have no body).
   * @param maxHead - the largest response head accepted, in bytes.
   */
  constructor(sink: ResponseSink, method: string, maxHead: number) {
    this.#sink = sink;
    this.#head = method === "HEAD";
    this.#maxHead = maxHead;
  }

  /** True once the final response is complete. */
  get done(): boolean {
    return this.#state === "done";
  }

  /** True once the final head has been handed to the sink. */
  get started(): boolean {
    return this.#state !== "head";
  }

  /** Take the next bytes of output. Throws {@link MalformedResponseError}. */
  write(chunk: Buffer): void | Promise<void> {
    let data = this.#pending.length > 0 ? Buffer.concat([this.#pending, chunk]) : chunk;
    this.#pending = Buffer.alloc(0);
    while (data.length > 0) {
      const step = this.#step(data);
      if (step === null) return; // needs more input; the rest is kept in #pending
      const [used, wait] = step;
      data = data.subarray(used);
      if (wait !== undefined) {
        const rest = data;
        return wait.then(() => (rest.length > 0 ? this.write(rest) : undefined));
      }
    }
  }

  /** The output ended. Throws {@link MalformedResponseError} when the response is incomplete. */
  finish(): void {
    const state = this.#state;
    if (state === "done") return;
    if (state === "close") {
      this.#state = "done";
      this.#sink.end();
      return;
    }
    if (state === "head") {
      throw new MalformedResponseError(this.#pending.length === 0 ? "the handler wrote no response" : "the response head is incomplete");
    }
    throw new MalformedResponseError("the response body is incomplete");
  }

  /** One step of the reader on `data`: bytes used and perhaps a wait; `null` keeps `data` for later. */
  #step(data: Buffer): [used: number, wait?: Promise<void>] | null {
    switch (this.#state) {
      case "head":
        return this.#readHead(data);
      case "length": {
        const piece = data.subarray(0, Math.min(this.#left, MAX_PIECE));
        this.#left -= piece.length;
        if (this.#left === 0) {
          this.#complete(piece);
          return [piece.length];
        }
        const wait = this.#sink.body(piece);
        return [piece.length, wait ?? undefined];
      }
      case "chunk-size": {
        const line = this.#line(data, "chunk size");
        if (line === null) return null;
        const size = line.text.split(";")[0]!.trim();
        if (!HEX.test(size) || size.length > 12) throw new MalformedResponseError(`bad chunk size ${JSON.stringify(size)}`);
        this.#left = parseInt(size, 16);
        this.#state = this.#left === 0 ? "trailer" : "chunk-data";
        return [line.used];
      }
      case "chunk-data": {
        const piece = data.subarray(0, Math.min(this.#left, MAX_PIECE));
        this.#left -= piece.length;
        if (this.#left === 0) this.#state = "chunk-end";
        const wait = this.#sink.body(piece);
        return [piece.length, wait ?? undefined];
      }
      case "chunk-end": {
        const line = this.#line(data, "chunk end");
        if (line === null) return null;
        if (line.text !== "") throw new MalformedResponseError("a chunk is longer than its size");
        this.#state = "chunk-size";
        return [line.used];
      }
      case "trailer": {
        const line = this.#line(data, "trailer");
        if (line === null) return null;
        if (line.text === "") this.#complete();
        return [line.used];
      }
      case "close": {
        const piece = data.subarray(0, MAX_PIECE);
        const wait = this.#sink.body(piece);
        return [piece.length, wait ?? undefined];
      }
      case "done":
        return [data.length];
    }
  }

  /** One CRLF- (or LF-) ended line at the start of `data`, or `null` (kept for later) without its end. */
  #line(data: Buffer, what: string): { text: string; used: number } | null {
    const nl = data.indexOf(10);
    if (nl === -1) {
      if (data.length > MAX_LINE) throw new MalformedResponseError(`${what} line too long`);
      this.#pending = Buffer.from(data);
      return null;
    }
    const end = nl > 0 && data[nl - 1] === 13 ? nl - 1 : nl;
    return { text: data.toString("latin1", 0, end), used: nl + 1 };
  }

  #readHead(data: Buffer): [number] | null {
    let end = data.indexOf(CRLF_CRLF);
    let sep = 4;
    if (end === -1) {
      // A head ended by bare LFs (a handler writing its own head may do that).
      end = data.indexOf(LF_LF);
      sep = 2;
    }
    if (end === -1) {
      if (data.length > this.#maxHead) throw new MalformedResponseError(`the response head is longer than ${this.#maxHead} bytes`);
      if (data.length >= 5 && data.toString("latin1", 0, 5) !== "HTTP/") {
        throw new MalformedResponseError("the output does not start with a status line");
      }
      this.#pending = Buffer.from(data);
      return null;
    }
    if (end > this.#maxHead) throw new MalformedResponseError(`the response head is longer than ${this.#maxHead} bytes`);
    const { head, coding, length } = parseHead(data.toString("latin1", 0, end));
    const used = end + sep;
    if (head.status < 200) {
      if (head.status === 101) throw new MalformedResponseError("protocol upgrades (101) are not supported through an adapter");
      this.#sink.informational(head);
      return [used];
    }
    const hasBody = !this.#head && head.status !== 204 && head.status !== 304;
    this.#sink.start(head, hasBody);
    if (!hasBody) {
      this.#complete();
      return [used];
    }
    if (coding !== undefined) {
      if (coding.toLowerCase().split(",").pop()!.trim() !== "chunked") this.#state = "close";
      else this.#state = "chunk-size";
      return [used];
    }
    if (length !== undefined) {
      if (!/^\s*\d+\s*$/.test(length)) throw new MalformedResponseError(`bad Content-Length ${JSON.stringify(length)}`);
      this.#left = Number(length);
      if (this.#left === 0) this.#complete();
      else this.#state = "length";
      return [used];
    }
    this.#state = "close";
    return [used];
  }

  #complete(last?: Buffer): void {
    this.#state = "done";
    this.#sink.end(last);
  }
}

/** Split a response head (status line and header lines, no blank line) into its parts, with the last `Transfer-Encoding` and `Content-Length`. */
function parseHead(text: string): { head: ResponseHeadData; coding: string | undefined; length: string | undefined } {
  const lines = text.split(/\r?\n/);
  const m = STATUS_LINE.exec(lines[0]!);
  if (m === null) throw new MalformedResponseError(`bad status line ${JSON.stringify(lines[0]!.slice(0, 100))}`);
  const headers: Array<[string, string]> = [];
  let coding: string | undefined;
  let length: string | undefined;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(":");
    const name = colon === -1 ? "" : line.slice(0, colon);
    if (!TOKEN.test(name)) throw new MalformedResponseError(`bad header line ${JSON.stringify(line.slice(0, 100))}`);
    const value = line.slice(colon + 1).trim();
    headers.push([name, value]);
    // Only names of these two lengths can be either.
    if (name.length === 17 && name.toLowerCase() === "transfer-encoding") coding = value;
    else if (name.length === 14 && name.toLowerCase() === "content-length") length = value;
  }
  return { head: { version: m[1]!, status: Number(m[2]), reason: m[3] ?? "", headers }, coding, length };
}

/** Header names that describe one HTTP/1 connection, which the host owns: never passed on. */
export const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade", "te", "trailer"]);

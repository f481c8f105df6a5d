/**
 * `BaseHTTPRequestHandler`: parses HTTP/0.9, 1.0 and 1.1 requests and calls
 * `do_<METHOD>()`, ported from Python's `http.server`.
 *
 * @module
 */
import { pythonNames } from "../../python-names.js";
// Python's text conventions (lib/py); `splitWords` is its `str.split()`.
import { escapeControlChars, htmlEscape, pyFormat, pyRepr, pySplit as splitWords } from "../../py/index.js";
import { StreamRequestHandler } from "../../socketserver/request-handlers.js";
import { BrokenPipeError, SocketTimeoutError, SocketWriter, markUnreadInput } from "../../socketserver/streams.js";
import { formatHttpDate, formatLogDate, httpDateNow } from "../dates.js";
import { HeadTimeoutError, HeadWatch } from "./head-timer.js";
import { HTTPMessage, parseHeaderBlock, parseHeaders } from "../message.js";
import { responses as statusResponses } from "../status.js";
import type { HTTPServer } from "./http-server.js";
import { isThenable } from "../../thenable.js";

/** Content type of the default error page (Python's `DEFAULT_ERROR_CONTENT_TYPE`). */
export const DEFAULT_ERROR_CONTENT_TYPE = "text/html;charset=utf-8";

/**
 * The default error page, a Python `%`-format with `code`, `message` and
 * `explain` keys (Python's `DEFAULT_ERROR_MESSAGE`, 3.14 form).
 */
export const DEFAULT_ERROR_MESSAGE = [
  "<!DOCTYPE HTML>",
  '<html lang="en">',
  "    <head>",
  '        <meta charset="utf-8">',
  '        <style type="text/css">',
  "            :root {",
  "                color-scheme: light dark;",
  "            }",
  "        </style>",
  "        <title>Error response</title>",
  "    </head>",
  "    <body>",
  "        <h1>Error response</h1>",
  "        <p>Error code: %(code)d</p>",
  "        <p>Message: %(message)s.</p>",
  "        <p>Error code explanation: %(code)s - %(explain)s.</p>",
  "    </body>",
  "</html>",
  "",
].join("\n");


/** Returned instead of the header text when one header line is longer than `maxHeaderLine`. */
const HEADER_LINE_TOO_LONG = Object.freeze({ limit: "line" as const });
/** Returned instead of the header text when there are more than `maxHeaders` header lines. */
const TOO_MANY_HEADERS = Object.freeze({ limit: "count" as const });
/** Returned instead of the header text when the block is longer than `maxHeaderBytes`. */
const HEADER_BLOCK_TOO_LONG = Object.freeze({ limit: "bytes" as const });
type HeaderLimit = typeof HEADER_LINE_TOO_LONG | typeof TOO_MANY_HEADERS | typeof HEADER_BLOCK_TOO_LONG;

/** The raw request line before one is read (zero bytes, so sharing it is safe). */
const NO_BYTES = Buffer.alloc(0);

/** Interrupts the wait for a next request when the server is closing. */
const CLOSING = new Error("server closing");

/**
 * What a server offers its HTTP handlers so that closing it can wind down
 * open connections: {@link HTTPServer} implements it.
 */
export interface ConnectionRegistry {
  /** True once the server is closing: handlers finish their current request and close. */
  readonly draining: boolean;
  /** A handler starts serving a connection; what it returns is handed back to {@link untrackHandler}. */
  trackHandler(handler: BaseHTTPRequestHandler): unknown;
  /** A handler is done with its connection (`token`: what {@link trackHandler} returned for it). */
  untrackHandler(handler: BaseHTTPRequestHandler, token?: unknown): void;
}
/** Where a request head ends in the common case; other endings take the line-by-line path. */
const HEAD_END = Buffer.from("\r\n\r\n", "latin1");
/** Heads up to this size are parsed in one piece when they arrive in one chunk. */
const FAST_HEAD_MAX = 16 * 1024;
/** A valid `Content-Length` value: decimal digits only (RFC 9110, section 8.6). */
const CONTENT_LENGTH = /^[0-9]+$/;

const HTTP11: [number, number] = [1, 1];
const HTTP10: [number, number] = [1, 0];
/** {@link textProblem}: a CR, LF or NUL that would split the response. */
const SPLITS = 1;
/** {@link textProblem}: a character Latin-1 cannot encode. */
const NOT_LATIN1 = 2;

/**
 * The last few longer texts {@link textProblem} found clean. Responses
 * repeat the same `Server` and `Date` strings (the same string objects,
 * from {@link BaseHTTPRequestHandler.versionString} and the date cache),
 * so a comparison usually replaces the scan.
 */
const cleanTexts: string[] = ["", "", "", ""];
let cleanNext = 0;

/** What stops `text` from going into a status line or header: 0, {@link SPLITS} and/or {@link NOT_LATIN1}. */
function textProblem(text: string): number {
  if (text.length < 16) return scanText(text);
  if (text === cleanTexts[0] || text === cleanTexts[1] || text === cleanTexts[2] || text === cleanTexts[3]) return 0;
  const problem = scanText(text);
  if (problem === 0) {
    cleanTexts[cleanNext] = text;
    cleanNext = (cleanNext + 1) & 3;
  }
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

/**
 * `code` as a status code: an integer from 100 to 999, or an object whose
 * `valueOf()` is one (an `HTTPStatus` info object). Python's `%d` refuses a
 * string with a `TypeError`; anything else out of range is a `RangeError`.
 */
function statusCode(code: unknown): number {
  let n = code;
  if (typeof n === "object" && n !== null) n = n.valueOf();
  if (typeof n !== "number") throw new TypeError(`a status code must be a number, not ${pyRepr(code)}`);
  if (!Number.isInteger(n) || n < 100 || n > 999) throw new RangeError(`a status code must be an integer from 100 to 999, not ${n}`);
  return n;
}

const DIGITS = /^[0-9]+$/;

/** Where log lines go when a test captures them (see `testing.ts`). */
export const kLogLines = Symbol.for("http.server.logLines");

/** The class used to hold parsed headers (Python's `MessageClass`). */
export type MessageClassType = new () => HTTPMessage;

/** Raised by {@link BaseHTTPRequestHandler.sendHeader} for a name or value that could split the response. */
export class HeaderInjectionError extends TypeError {
  /** Always `"HeaderInjectionError"`. */
  override readonly name = "HeaderInjectionError";
}

/** Thrown to abandon a request quietly when the client has gone away. */
function isClientGone(err: unknown): boolean {
  if (err instanceof BrokenPipeError) return true;
  const code = (err as { code?: unknown })?.code;
  return code === "EPIPE" || code === "ECONNRESET" || code === "ERR_STREAM_DESTROYED" || code === "ERR_STREAM_WRITE_AFTER_END";
}

/**
 * The HTTP request handler base class. Subclasses define `do_GET()`,
 * `do_POST()`, ... (one per method, named exactly after it); each may be
 * async. The request is parsed into {@link command}, {@link path},
 * {@link requestVersion} and {@link headers}; the response is built with
 * {@link sendResponse}, {@link sendHeader}, {@link endHeaders} and written to
 * {@link wfile}.
 *
 * @example
 * ```ts
 * class Hello extends BaseHTTPRequestHandler {
 *   do_GET() {
 *     const body = Buffer.from("Hello, world!\n");
 *     this.sendResponse(200);
 *     this.sendHeader("Content-Type", "text/plain");
 *     this.sendHeader("Content-Length", String(body.length));
 *     this.endHeaders();
 *     this.wfile.write(body);
 *   }
 * }
 * ```
 */
export class BaseHTTPRequestHandler extends StreamRequestHandler {
  /** Software name and version for the `Server` header (Python: `BaseHTTP/0.6`). */
  declare serverVersion: string;
  /** Runtime name and version, Python's form of it: `Node.js/20.19.0`. */
  declare sysVersion: string;
  /** Python `%`-format of the error page, with `code`, `message` and `explain` keys. */
  declare errorMessageFormat: string;
  /** Content type of error pages. */
  declare errorContentType: string;
  /** The version assumed for a request line with no version (HTTP/0.9). */
  declare defaultRequestVersion: string;
  /**
   * The protocol version of responses. `"HTTP/1.0"` (default) closes the
   * connection after each response; `"HTTP/1.1"` keeps it open for more
   * requests, so every response must then carry a `Content-Length`.
   */
  declare protocolVersion: string;
  /** The class that holds parsed request headers. */
  declare MessageClass: MessageClassType;
  /** Status code -> `[phrase, description]`, for reason phrases and error pages. */
  declare responses: Readonly<Record<number, readonly [string, string]>>;
  /** Weekday names used in dates. */
  declare weekdayname: readonly string[];
  /** Month names used in dates (index 0 unused). */
  declare monthname: readonly (string | null)[];

  /** Longest request line accepted, line end included (Python: 65536); longer gets 414. */
  declare maxRequestLine: number;
  /** Longest header line accepted (Python: 65536); longer gets 431. */
  declare maxHeaderLine: number;
  /** Most header lines, counting the blank line that ends them (Python: 100); more gets 431. */
  declare maxHeaders: number;
  /** Most bytes in the whole header block (default 1 MiB); more gets 431. Python has no such limit. */
  declare maxHeaderBytes: number;
  /** A request body longer than this gets 413 before the handler runs; `null` (default) sets no limit. */
  declare maxRequestBody: number | null;
  /**
   * A request body the handler left unread is read and dropped up to this
   * many bytes (default 1 MiB) so the connection can carry another request;
   * a longer one closes the connection.
   */
  declare maxBodyDiscard: number;
  /**
   * Seconds allowed for a request head (request line and headers) to arrive
   * from its first byte, or from the start of a connection (default 60;
   * `null`: no limit, as in Python). Too slow gets 408 and the connection
   * closes: a client sending one byte at a time cannot hold it forever.
   */
  declare headerTimeout: number | null;
  /**
   * Seconds a read by the handler (of the request body, through `rfile`) may
   * wait for data while `timeout` is `null` (default 60; `null`: wait
   * forever, as Python). Then the read fails, the log says
   * `Request timed out`, and the connection closes.
   */
  declare bodyTimeout: number | null;
  /**
   * Seconds a kept-alive connection may sit idle waiting for its next
   * request (default 30; `null`: no limit, as in Python). Then it is
   * closed, with a log line.
   */
  declare keepAliveTimeout: number | null;
  /**
   * Seconds allowed for a request body to arrive in full, counted from the
   * end of the request head (default 300; `null`: no limit, as in Python).
   * A read by the handler that would wait past it fails as `bodyTimeout`
   * does: `Request timed out` is logged and the connection closes. Unlike
   * `bodyTimeout`, a client cannot reset it by sending a byte now and then.
   */
  declare requestTimeout: number | null;
  /**
   * Seconds a response may wait for the client to take any of it (default
   * 60; `null`: no limit, as in Python), while `timeout` is `null`. A
   * client that stops reading is then cut off: `Request timed out` is
   * logged and the connection is reset, which frees what it held.
   */
  declare sendTimeout: number | null;

  /** The raw request line, line end included. */
  rawRequestline: Buffer = NO_BYTES;
  /** The request line as text, without its line end. */
  requestline = "";
  /** The method (`GET`, `POST`, ...), or `null` before one is known. */
  command: string | null = null;
  /** The request target as sent (a leading `//` is collapsed to `/`). */
  path = "";
  /** The request's HTTP version, e.g. `HTTP/1.1`. */
  requestVersion = "";
  /** The parsed request headers. */
  headers!: HTTPMessage;
  /** Set to true to close the connection after the current response. */
  closeConnection = true;

  declare server: HTTPServer;

  /** The status line and headers buffered until {@link flushHeaders} (Python's `_headers_buffer`). */
  #head = "";
  #bodyStart = 0;
  /** True while `do_<METHOD>()` runs: the request head has been read in full. */
  #dispatched = false;
  #requests = 0;
  #waitingForRequest = false;
  /** The connection closes after this request's response, whatever the handler decides (see {@link #checkFraming}). */
  #closeAfterResponse = false;
  /** The status of the head being built (0 for none), and whether it has a `Connection` header. */
  #headCode = 0;
  #headHasConnection = false;
  /** The request said `Connection: close`: a final HTTP/1.1 response says so too (see {@link endHeaders}). */
  #clientAskedClose = false;
  #discarding = false;
  #headWatch: HeadWatch | null = null;
  /** What the server's `trackHandler()` returned for this connection. */
  #registration: unknown = undefined;

  override setup(): void {
    super.setup();
    const wfile = this.wfile;
    const sendTimeout = this.sendTimeout;
    if (wfile instanceof SocketWriter && wfile.timeout === null && sendTimeout !== null && sendTimeout !== undefined) {
      wfile.timeout = sendTimeout;
    }
    const conn = this.connection as { setNoDelay?: (v: boolean) => unknown };
    // Headers and small bodies are coalesced per tick (see SocketWriter), so
    // Nagle's algorithm only adds latency: the 40 ms delayed-ACK stall.
    conn.setNoDelay?.(true);
  }

  /** Handle requests on this connection until one of them closes it (or the server is closing). */
  override handle(): Promise<void> {
    this.closeConnection = true;
    const server = this.server as Partial<ConnectionRegistry> | undefined;
    this.#registration = server?.trackHandler?.(this);
    // Not overridden: run the whole connection on the request loop below,
    // which ends the connection's bookkeeping itself.
    if (this.handleOneRequest === BaseHTTPRequestHandler.prototype.handleOneRequest) return this.#runRequests(false, server);
    return this.#handleEach(server);
  }

  /** {@link handle} with an overridden {@link handleOneRequest}: call it until the connection is to close. */
  async #handleEach(server: Partial<ConnectionRegistry> | undefined): Promise<void> {
    try {
      await this.handleOneRequest();
      while (!this.closeConnection && !server?.draining) await this.handleOneRequest();
    } finally {
      this.#connectionDone(server);
    }
  }

  /** The connection is done: stop its head clock, and let the server forget it. */
  #connectionDone(server: Partial<ConnectionRegistry> | undefined): void {
    this.#headWatch?.release();
    const token = this.#registration;
    this.#registration = undefined;
    server?.untrackHandler?.(this, token);
  }

  /**
   * Read and answer one request: the request line, then
   * {@link parseRequest}, then the `do_<METHOD>()` method.
   */
  handleOneRequest(): Promise<void> {
    return this.#runRequests(true);
  }

  // The request loop. Each request goes through the steps below, each of
  // which calls the next directly when it has nothing to wait for and from a
  // callback when it has: no Promise is made for a request whose head is
  // already buffered and whose handler is synchronous, which is most of
  // them on a busy keep-alive connection. Every step catches its own errors
  // and passes them to #requestFailed, so nothing throws out of a socket
  // event.

  /** Settles the Promise of the current {@link #runRequests}. */
  #loopDone: ((error?: unknown) => void) | null = null;
  /** True while {@link #runRequests} serves one request only (Python's `handle_one_request()`). */
  #loopSingle = false;
  /** True while {@link #pumpRequests} is on the stack; a request done meanwhile asks it to go round again. */
  #pumping = false;
  #again = false;

  /**
   * Serve one request (`single`), or requests until the connection is to
   * close and then end the connection's bookkeeping; settles when done.
   */
  #runRequests(single: boolean, server?: Partial<ConnectionRegistry>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#loopSingle = single;
      this.#loopDone = (error?: unknown) => {
        this.#loopDone = null;
        if (!single) {
          try {
            this.#connectionDone(server);
          } catch (err) {
            error ??= err;
          }
        }
        if (error === undefined) resolve();
        else reject(error);
      };
      this.#pumpRequests();
    });
  }

  /** Start requests one after another for as long as each finishes without waiting. */
  #pumpRequests(): void {
    this.#pumping = true;
    try {
      do {
        this.#again = false;
        this.#startRequest();
      } while (this.#again);
    } catch (err) {
      // A step failed to catch an error: end the loop with it rather than crash.
      this.#loopDone?.(err);
    } finally {
      this.#pumping = false;
    }
  }

  /** A request is over (`error`: it ended in one): start the next one, or end the loop. */
  #requestDone(error?: unknown): void {
    this.#requests++;
    this.#dispatched = false;
    if (error !== undefined || this.#loopSingle || this.closeConnection || (this.server as Partial<ConnectionRegistry>)?.draining) {
      this.#loopDone?.(error);
    } else if (this.#pumping) {
      this.#again = true;
    } else {
      this.#pumpRequests();
    }
  }

  /** Step 1: take the request head if it is here; otherwise wait for it (under the head time-out). */
  #startRequest(): void {
    let head: boolean | Promise<boolean> | undefined;
    try {
      head = this.#tryRequestHead();
    } catch (err) {
      return this.#requestFailed(err, 0);
    }
    if (head === undefined) return this.#waitForHead();
    this.#afterHead(head);
  }

  #waitForHead(): void {
    this.#armHeadWatch();
    this.#waitingForRequest = true;
    this.rfile.whenFilled(this.#onHeadBytes);
  }

  /** More bytes of a request head arrived (or the wait failed). */
  #onHeadBytes = (error: Error | null): void => {
    this.#waitingForRequest = false;
    let head: boolean | Promise<boolean> | undefined;
    try {
      if (error) throw error;
      head = this.#tryRequestHead();
    } catch (err) {
      this.#headWatch!.disarm();
      return this.#requestFailed(err, 0);
    }
    if (head === undefined) {
      this.#waitingForRequest = true;
      return this.rfile.whenFilled(this.#onHeadBytes);
    }
    // A head still being read (its header lines, or an overridden
    // parseRequest) keeps the clock running: the Promise disarms it when
    // the head is complete (see #tryRequestHead).
    if (head === true || head === false) this.#headWatch!.disarm();
    this.#afterHead(head);
  };

  /** Step 2: the head is parsed (or being parsed): dispatch it, or end the request. */
  #afterHead(head: boolean | Promise<boolean>): void {
    if (head === true) return this.#dispatch();
    if (head === false) return this.#requestDone();
    head.then(
      (ok) => (ok ? this.#dispatch() : this.#requestDone()),
      (err: unknown) => this.#requestFailed(err, 0),
    );
  }

  /** Step 3: call `do_<METHOD>()` (or answer 501). */
  #dispatch(): void {
    let writtenBefore = 0;
    let bodyTimeout: number | null | undefined = null;
    try {
      const command = this.command!;
      const method = (this as unknown as Record<string, unknown>)[methodName(command)];
      if (typeof method !== "function") {
        this.sendError(501, `Unsupported method (${pyRepr(command)})`);
        return this.#requestDone();
      }
      writtenBefore = this.wfile.bytesWritten;
      this.#bodyStart = this.rfile.consumed;
      this.#dispatched = true;
      // While the handler runs, its reads of the body wait at most
      // bodyTimeout seconds for data (unless Python's `timeout` is set).
      bodyTimeout = this.timeout === null || this.timeout === undefined ? this.bodyTimeout : null;
      if (bodyTimeout !== null && bodyTimeout !== undefined) this.rfile.timeout = bodyTimeout;
      // However it trickles in, the body must be here within requestTimeout.
      const total = this.requestTimeout;
      if (total !== null && total !== undefined && this.#announcesBody()) {
        this.rfile.readDeadline = performance.now() + total * 1000;
      }
      // What a handler that returns at once writes can leave as soon as it
      // returns, rather than on the next tick, unless another request is
      // already buffered (pipelined responses then share one send).
      const wfile = this.wfile;
      const held = wfile instanceof SocketWriter;
      if (held) wfile.holdTick();
      let done: unknown;
      try {
        done = (method as () => unknown).call(this);
      } finally {
        if (held) wfile.releaseTick(!isThenable(done) && this.rfile.buffered === 0);
      }
      if (isThenable(done)) {
        done.then(
          () => this.#afterHandler(bodyTimeout, writtenBefore),
          (err: unknown) => this.#requestFailed(err, writtenBefore),
        );
        return;
      }
    } catch (err) {
      return this.#requestFailed(err, writtenBefore);
    }
    this.#afterHandler(bodyTimeout, writtenBefore);
  }

  /** Whether the request says a body follows its head. */
  #announcesBody(): boolean {
    const headers = this.headers;
    if (headers.length === 0) return false;
    const length = headers.get("Content-Length");
    return (length !== undefined && length.trim() !== "0") || headers.get("Transfer-Encoding") !== undefined;
  }

  /** Step 4: the handler returned: send what it wrote (waiting only for a full socket). */
  #afterHandler(bodyTimeout: number | null | undefined, writtenBefore: number): void {
    try {
      if (bodyTimeout !== null && bodyTimeout !== undefined) this.rfile.timeout = null;
      this.rfile.readDeadline = null;
      const wfile = this.wfile;
      if (!(wfile instanceof SocketWriter) || wfile.needsFlush) {
        wfile.flush().then(
          () => this.#afterResponse(writtenBefore),
          (err: unknown) => this.#requestFailed(err, writtenBefore),
        );
        return;
      }
    } catch (err) {
      return this.#requestFailed(err, writtenBefore);
    }
    this.#afterResponse(writtenBefore);
  }

  /** Step 5: the response is out: drop what the handler left unread of the body, if the connection stays open. */
  #afterResponse(writtenBefore: number): void {
    let skipped: Promise<void> | undefined;
    try {
      if (this.#closeAfterResponse) this.closeConnection = true;
      if (!this.closeConnection) skipped = this.#skipUnreadBody();
    } catch (err) {
      return this.#requestFailed(err, writtenBefore);
    }
    if (skipped === undefined) return this.#requestDone();
    skipped.then(
      () => this.#requestDone(),
      (err: unknown) => this.#requestFailed(err, writtenBefore),
    );
  }

  /**
   * A step failed. Time-outs, a closing server and a vanished client end the
   * request quietly (with a 408 or a log line where due); anything else
   * ends the loop with the error, after a 500 when nothing of the response
   * was sent yet (a deviation: Python drops the connection without a word).
   */
  #requestFailed(err: unknown, writtenBefore: number): void {
    this.closeConnection = true;
    this.rfile.readDeadline = null;
    if (err instanceof HeadTimeoutError) {
      try {
        this.#headTimedOut(err);
      } catch (inner) {
        return this.#requestDone(inner);
      }
      return this.#requestDone();
    }
    if (err === CLOSING || isClientGone(err)) return this.#requestDone();
    if (err instanceof SocketTimeoutError) {
      try {
        this.logError("Request timed out: %s", `TimeoutError(${pyRepr(err.message)})`);
      } catch (inner) {
        return this.#requestDone(inner);
      }
      return this.#requestDone();
    }
    if (this.wfile.bytesWritten === writtenBefore && !this.wfile.closed) {
      try {
        this.#head = "";
        this.sendError(500);
        const end = (): void => this.#requestDone(err);
        this.wfile.flush().then(end, end);
        return;
      } catch {
        // The client may be gone too.
      }
    }
    this.#requestDone(err);
  }

  /** Take the request head if enough of it is buffered; `undefined` when more input is needed. */
  #tryRequestHead(): boolean | Promise<boolean> | undefined {
    if (this.parseRequest === BaseHTTPRequestHandler.prototype.parseRequest) {
      const end = this.rfile.indexOfInFirstChunk(HEAD_END, FAST_HEAD_MAX);
      if (end !== -1) {
        const done = this.#parseWholeHead(end + HEAD_END.length);
        // The whole head is here: a Promise only waits for handleExpect100().
        if (done instanceof Promise) this.#headWatch?.disarm();
        if (done !== null) return done;
      }
    }
    const line = this.rfile.tryReadline(this.maxRequestLine + 1);
    if (line === null) return undefined;
    const parsed = this.#takeRequestLine(line);
    if (parsed === true || parsed === false) return parsed;
    return parsed.finally(() => this.#headWatch?.disarm());
  }

  /**
   * Start the head clock (once per head). `midHead`: part of the head
   * (its request line) is already read, so the head limit applies even
   * on a kept-alive connection.
   */
  #armHeadWatch(midHead = false): void {
    const watch = (this.#headWatch ??= new HeadWatch(this.rfile));
    if (!watch.armed) watch.arm(!midHead && this.#requests > 0, this.keepAliveTimeout, this.headerTimeout);
  }

  /** Handle a request line just read: 414, end of input, or parse the request. */
  #takeRequestLine(raw: Buffer): boolean | Promise<boolean> {
    this.rawRequestline = raw;
    if (raw.length > this.maxRequestLine) {
      this.requestline = "";
      this.requestVersion = "";
      this.command = "";
      this.sendError(414);
      return false;
    }
    if (raw.length === 0) {
      this.closeConnection = true;
      return false;
    }
    if (this.parseRequest !== BaseHTTPRequestHandler.prototype.parseRequest) return this.parseRequest();
    return this.#parse();
  }

  /** Answer a head that took too long with 408; close an idle connection with a log line. */
  #headTimedOut(err: HeadTimeoutError): void {
    if (this.#discarding) {
      this.#discarding = false;
      this.logMessage("Unread request body did not arrive within %s seconds; closing", err.seconds);
      return;
    }
    if (err.phase === "idle") {
      this.logMessage("Closing idle connection after %s seconds", err.seconds);
      return;
    }
    this.requestline = "";
    this.requestVersion = "";
    this.command = "";
    this.sendError(408, null, `the request head did not arrive within ${err.seconds} seconds`);
  }

  /**
   * Called by a closing server: a connection waiting for its next request
   * (nothing of it received yet) stops now; one busy with a request closes
   * after its response.
   */
  stopIfIdle(): void {
    if (this.#waitingForRequest && this.rfile.buffered === 0) this.rfile.interrupt(CLOSING);
  }

  /**
   * Keep-alive safety: whatever the handler left unread of the request body
   * must not be taken for the next request. Small remainders are read and
   * dropped; bodies of unknown or large size close the connection, and so
   * does a `Content-Length` that is not one plain decimal number (a
   * negative, hexadecimal or repeated-but-different value would otherwise
   * let body bytes pass for the next request).
   */
  #skipUnreadBody(): Promise<void> | undefined {
    const headers = this.headers;
    if (headers.length === 0) return undefined;
    if (headers.get("Transfer-Encoding") !== undefined) {
      this.closeConnection = true;
      return;
    }
    const lengths = headers.getAll("Content-Length");
    if (lengths === undefined || lengths.length === 0) return undefined;
    const length = lengths[0]!.trim();
    if (!CONTENT_LENGTH.test(length) || lengths.some((v) => v.trim() !== length)) {
      this.closeConnection = true;
      return undefined;
    }
    const total = Number(length);
    const left = total - (this.rfile.consumed - this.#bodyStart);
    if (left <= 0) return undefined;
    if (left > this.maxBodyDiscard) {
      this.closeConnection = true;
      return undefined;
    }
    // Dropping the rest must not wait forever for a client that never sends it.
    const watch = (this.#headWatch ??= new HeadWatch(this.rfile));
    watch.arm(false, null, this.headerTimeout);
    this.#discarding = true;
    return this.rfile.read(left).then(
      (dropped) => {
        watch.disarm();
        this.#discarding = false;
        if (dropped.length < left) this.closeConnection = true;
      },
      (err: unknown) => {
        watch.disarm();
        throw err;
      },
    );
  }

  /**
   * Parse the request line and headers into {@link command}, {@link path},
   * {@link requestVersion} and {@link headers}. Returns false after sending
   * an error (or nothing, for an empty line) when the request is unusable.
   */
  async parseRequest(): Promise<boolean> {
    return this.#parse();
  }

  /** {@link parseRequest} without waiting when the whole head is already here. */
  #parse(): boolean | Promise<boolean> {
    const words = this.#parseRequestLine(this.rawRequestline.toString("latin1"));
    if (words === 0) return false;
    if (words === 2) {
      // HTTP/0.9: no headers follow.
      this.headers = new this.MessageClass();
      return true;
    }
    const block = this.#readHeaderBlock();
    if (block instanceof Promise) return block.then((b) => this.#afterHeaders(b));
    return this.#afterHeaders(block);
  }

  /**
   * The fast path of {@link parseRequest}: the whole head (`n` bytes, ending
   * in an empty line) is in the reader's first chunk. It is decoded once and
   * parsed in place. Returns `null`, consuming nothing, when a limit would
   * be exceeded, so that the line-by-line path answers with Python's exact
   * error.
   */
  #parseWholeHead(n: number): boolean | Promise<boolean> | null {
    const rfile = this.rfile;
    const text = rfile.peekLatin1(n);
    const nl = text.indexOf("\n");
    if (nl + 1 > this.maxRequestLine || n - nl - 1 > this.maxHeaderBytes) return null;
    const maxLine = this.maxHeaderLine;
    let lines = 0;
    for (let pos = nl + 1; pos < n; lines++) {
      const e = text.indexOf("\n", pos);
      if (e - pos + 1 > maxLine) return null;
      // An earlier blank line ends the head sooner (mixed line ends): let the
      // line-by-line path find it.
      if (e + 1 < n && (e === pos || (e === pos + 1 && text.charCodeAt(pos) === 13))) return null;
      pos = e + 1;
    }
    if (lines > this.maxHeaders) return null;
    this.rawRequestline = rfile.peekBytes(nl + 1);
    rfile.skip(n);
    const words = this.#parseRequestLine(text.slice(0, nl + 1));
    if (words === 0) return false;
    if (words === 2) {
      this.headers = new this.MessageClass();
      return true;
    }
    this.headers = parseHeaderBlock(text, nl + 1, n, this.MessageClass);
    return this.#afterHeaderFields();
  }

  /**
   * The request-line part of {@link parseRequest}: sets {@link requestline},
   * {@link command}, {@link path} and {@link requestVersion}. Returns the
   * number of words (2 for HTTP/0.9, 3 otherwise), or 0 after sending an
   * error (or nothing, for a blank line).
   */
  #parseRequestLine(line: string): 0 | 2 | 3 {
    this.command = null;
    this.#clientAskedClose = false;
    this.requestVersion = this.defaultRequestVersion;
    this.closeConnection = true;
    let requestline = line;
    let end = requestline.length;
    while (end > 0) {
      const c = requestline.charCodeAt(end - 1);
      if (c !== 13 && c !== 10) break;
      end--;
    }
    if (end !== requestline.length) requestline = requestline.slice(0, end);
    this.requestline = requestline;
    const words = splitWords(requestline);
    if (words.length === 0) return 0;

    if (words.length >= 3) {
      const version = words[words.length - 1]!;
      const parsed = parseVersion(version);
      if (parsed === null) {
        this.requestVersion = "";
        this.sendError(400, `Bad request version (${pyRepr(version)})`);
        return 0;
      }
      this.requestVersion = version;
      const [major, minor] = parsed;
      if ((major > 1 || (major === 1 && minor >= 1)) && this.protocolVersion >= "HTTP/1.1") {
        this.closeConnection = false;
      }
      if (major >= 2) {
        this.sendError(505, `Invalid HTTP version (${version.slice(5)})`);
        return 0;
      }
    }
    if (words.length < 2 || words.length > 3) {
      this.requestVersion = "";
      this.sendError(400, `Bad request syntax (${pyRepr(requestline)})`);
      return 0;
    }
    const command = words[0]!;
    let path = words[1]!;
    if (words.length === 2) {
      this.closeConnection = true;
      if (command !== "GET") {
        this.requestVersion = "";
        this.sendError(400, `Bad HTTP/0.9 request type (${pyRepr(command)})`);
        return 0;
      }
    }
    if (path.startsWith("//")) path = "/" + path.replace(/^\/+/, "");
    this.command = command;
    this.path = path;

    return words.length === 2 ? 2 : 3;
  }

  /** The rest of {@link parseRequest} once the header block is read. */
  #afterHeaders(block: string | HeaderLimit): boolean | Promise<boolean> {
    if (typeof block !== "string") {
      if (block === HEADER_LINE_TOO_LONG) {
        this.sendError(431, "Line too long", `got more than ${this.maxHeaderLine} bytes when reading header line`);
      } else if (block === TOO_MANY_HEADERS) {
        this.sendError(431, "Too many headers", `got more than ${this.maxHeaders} headers`);
      } else {
        this.sendError(431, null, `the header block is longer than ${this.maxHeaderBytes} bytes`);
      }
      return false;
    }
    this.headers = parseHeaders(block, this.MessageClass);
    return this.#afterHeaderFields();
  }

  /** The end of {@link parseRequest}: framing checks, `Connection`, `Expect`. */
  #afterHeaderFields(): boolean | Promise<boolean> {
    if (!this.#checkFraming()) return false;

    const conntype = (this.headers.get("Connection") ?? "").toLowerCase();
    if (conntype === "close") {
      this.closeConnection = true;
      this.#clientAskedClose = true;
    } else if (conntype === "keep-alive" && this.protocolVersion >= "HTTP/1.1") {
      this.closeConnection = false;
    }
    const expect = this.headers.get("Expect") ?? "";
    if (
      expect.toLowerCase() === "100-continue" &&
      this.protocolVersion >= "HTTP/1.1" &&
      this.requestVersion >= "HTTP/1.1"
    ) {
      const go = this.handleExpect100();
      if (go !== true) return go === false ? false : Promise.resolve(go);
    }
    return true;
  }

  /**
   * Read header lines up to the blank line (or end of input) with Python's
   * limits. Returns the Latin-1 text, or the sentinel of the limit that was
   * exceeded.
   */
  #readHeaderBlock(): string | HeaderLimit | Promise<string | HeaderLimit> {
    const state = { text: "", count: 0 };
    const done = this.#scanHeaderLines(state);
    return done ?? this.#waitForHeaderLines(state);
  }

  async #waitForHeaderLines(state: { text: string; count: number }): Promise<string | HeaderLimit> {
    this.#armHeadWatch(true);
    for (;;) {
      await this.rfile.fill();
      const done = this.#scanHeaderLines(state);
      if (done !== null) return done;
    }
  }

  /** Take the header lines already buffered; `null` when the block is not complete yet. */
  #scanHeaderLines(state: { text: string; count: number }): string | HeaderLimit | null {
    const rfile = this.rfile;
    const maxLine = this.maxHeaderLine;
    for (;;) {
      const line = rfile.tryReadline(maxLine + 1);
      if (line === null) return null;
      if (line.length > maxLine) return HEADER_LINE_TOO_LONG;
      state.text += line.toString("latin1");
      if (++state.count > this.maxHeaders) return TOO_MANY_HEADERS;
      if (state.text.length > this.maxHeaderBytes) return HEADER_BLOCK_TOO_LONG;
      const n = line.length;
      if (n === 0 || (n === 1 && line[0] === 10) || (n === 2 && line[0] === 13 && line[1] === 10)) return state.text;
    }
  }

  /**
   * Refuse requests whose body length is ambiguous (a deliberate difference
   * from Python, which passes them on): `Content-Length` together with
   * `Transfer-Encoding`, or a `Content-Length` that is not one decimal
   * number (negative, hexadecimal, or repeated with different values).
   * Such requests are the raw material of request smuggling. A body longer
   * than {@link maxRequestBody} gets 413.
   */
  #checkFraming(): boolean {
    // A malformed header line ended the block early (Python drops it and
    // what follows): a Content-Length or Transfer-Encoding may have been
    // among the dropped lines, so the body's end is unknown. Answer this
    // request as Python does, then close rather than read a body as a request.
    if (this.headers.defects?.length) this.#closeAfterResponse = true;
    const lengths = this.headers.getAll("Content-Length");
    if (lengths === undefined || lengths.length === 0) return true;
    if (this.headers.get("Transfer-Encoding") !== undefined) {
      this.sendError(400, "Content-Length with Transfer-Encoding");
      return false;
    }
    const first = lengths[0]!.trim();
    if (!CONTENT_LENGTH.test(first) || lengths.some((v) => v.trim() !== first)) {
      this.sendError(400, "Bad Content-Length");
      return false;
    }
    const limit = this.maxRequestBody;
    if (limit !== null && limit !== undefined && Number(first) > limit) {
      this.sendError(413, null, `the request body is longer than ${limit} bytes`);
      return false;
    }
    return true;
  }


  /**
   * Answer `Expect: 100-continue` with `100 Continue` so the client sends
   * its body. Override to refuse (send 417 and return false).
   */
  handleExpect100(): boolean | Promise<boolean> {
    this.sendResponseOnly(100);
    this.endHeaders();
    return true;
  }

  /**
   * Send an error response: status line, `Server`, `Date`,
   * `Connection: close` and, except for 1xx, 204, 205 and 304, an HTML page
   * built from {@link errorMessageFormat}. Also logs the error.
   *
   * @param code - the status code.
   * @param message - the reason phrase and the page's message (default: the standard phrase).
   * @param explain - the page's longer explanation (default: the standard description).
   */
  sendError(code: number, message?: string | null, explain?: string | null): void {
    code = statusCode(code);
    const entry = this.responses[code];
    const shortmsg = entry ? entry[0] : "???";
    const longmsg = entry ? entry[1] : "???";
    const msg = message ?? shortmsg;
    const expl = explain ?? longmsg;
    this.logError("code %d, message %s", code, msg);
    if (this.connection && this.#clientMaySendMore()) markUnreadInput(this.connection);
    const page = code >= 200 && code !== 204 && code !== 205 && code !== 304 ? errorPage(this.errorMessageFormat, code, msg, expl) : null;
    if (!this.#sendErrorHead(code, msg, page)) {
      this.sendResponse(code, msg);
      this.sendHeader("Connection", "close");
      if (page) {
        this.sendHeader("Content-Type", this.errorContentType);
        this.sendHeader("Content-Length", page.length);
      }
      this.endHeaders();
    }
    if (this.command !== "HEAD" && page && page.body.length) this.wfile.write(page.body);
  }

  /**
   * {@link sendError}'s status line and headers, made in one piece: the
   * same bytes, log call and state as going through {@link sendResponse},
   * {@link sendHeader} and {@link endHeaders}, without their per-line work.
   * Only when none of those methods is overridden and nothing else is
   * buffered; returns false to have them called instead.
   */
  #sendErrorHead(code: number, msg: string, page: ErrorPage | null): boolean {
    const base = BaseHTTPRequestHandler.prototype;
    if (
      this.#head !== "" ||
      this.requestVersion === "HTTP/0.9" ||
      this.sendResponse !== base.sendResponse ||
      this.sendResponseOnly !== base.sendResponseOnly ||
      this.sendHeader !== base.sendHeader ||
      this.endHeaders !== base.endHeaders ||
      this.flushHeaders !== base.flushHeaders
    ) {
      return false;
    }
    const status = `${this.protocolVersion} ${code} ${msg}`;
    const server = this.versionString();
    const date = this.dateTimeString();
    const type = page ? this.errorContentType : "";
    // Text that cannot go into a head: the line-by-line path throws its exact error.
    if (textProblem(status) !== 0 || textProblem(server) !== 0 || textProblem(date) !== 0 || textProblem(type) !== 0) return false;
    this.logRequest(code);
    this.#head =
      `${status}\r\nServer: ${server}\r\nDate: ${date}\r\nConnection: close\r\n` +
      (page ? `Content-Type: ${type}\r\nContent-Length: ${page.length}\r\n\r\n` : "\r\n");
    this.#headCode = code;
    this.#headHasConnection = true;
    this.closeConnection = true;
    this.flushHeaders();
    return true;
  }

  /**
   * Whether the client may still be sending when an error response closes
   * the connection: the request was not read to its end (an error found
   * while reading it, a body left unread, bytes of a next request already
   * here), or the client may pipeline another request on a kept-alive
   * connection. Closing then drains what arrives for a moment instead of
   * resetting the connection, which could destroy the response on its way
   * (see `closeConnection`).
   */
  #clientMaySendMore(): boolean {
    if (!this.#dispatched || !this.closeConnection || this.rfile.buffered > 0) return true;
    const headers = this.headers;
    if (headers.get("Transfer-Encoding") !== undefined) return true;
    const length = headers.get("Content-Length");
    if (length === undefined) return false;
    const total = Number(length.trim());
    return !(total >= 0) || this.rfile.consumed - this.#bodyStart < total;
  }

  /**
   * Log the request, then buffer the status line and the `Server` and
   * `Date` headers.
   */
  sendResponse(code: number, message?: string | null): void {
    this.logRequest(code);
    this.sendResponseOnly(code, message);
    this.sendHeader("Server", this.versionString());
    this.sendHeader("Date", this.dateTimeString());
  }

  /**
   * Buffer the status line only (nothing for an HTTP/0.9 request). A
   * `code` that is not an integer from 100 to 999 throws (`TypeError` for
   * a string, `RangeError` otherwise) rather than write a broken status line.
   */
  sendResponseOnly(code: number, message?: string | null): void {
    code = statusCode(code);
    if (this.requestVersion === "HTTP/0.9") return;
    const reason = message ?? this.responses[code]?.[0] ?? "";
    const line = `${this.protocolVersion} ${code} ${reason}`;
    const problem = textProblem(line);
    if (problem === SPLITS) throw new HeaderInjectionError(`status line ${pyRepr(line)} contains CR, LF or NUL`);
    if (problem === NOT_LATIN1) throw latin1Error(line);
    this.#head += line + "\r\n";
    this.#headCode = code;
    this.#headHasConnection = false;
  }

  /**
   * Buffer one header line. A `Connection: close` or `keep-alive` header
   * also decides whether the connection stays open. Names and values with
   * CR, LF or NUL are refused with {@link HeaderInjectionError}: they would
   * split the response (a deliberate difference from Python).
   */
  sendHeader(keyword: string, value: unknown): void {
    const v = typeof value === "string" ? value : String(value);
    if (this.requestVersion !== "HTTP/0.9") {
      if (!isToken(keyword)) throw new HeaderInjectionError(`header name ${pyRepr(keyword)} is not a token (RFC 9110, section 5.1)`);
      const problem = textProblem(v);
      if (problem & SPLITS) throw new HeaderInjectionError(`header ${pyRepr(keyword)} contains CR, LF or NUL`);
      if (problem & NOT_LATIN1) throw latin1Error(`${keyword}: ${v}`);
      this.#head += keyword + ": " + v + "\r\n";
    }
    if (keyword.length === 10 && keyword.toLowerCase() === "connection") {
      this.#headHasConnection = true;
      const lower = v.toLowerCase();
      if (lower === "close") this.closeConnection = true;
      else if (lower === "keep-alive") this.closeConnection = false;
    }
  }

  /**
   * Finish the header block and send it (nothing for an HTTP/0.9 request).
   * When the connection must close after this response although it would
   * otherwise stay open (a malformed header line in the request), a final
   * response without a `Connection` header gets `Connection: close` added.
   */
  endHeaders(): void {
    if (this.requestVersion !== "HTTP/0.9") {
      if (this.#headCode >= 200 && !this.#headHasConnection && this.#closeNeedsSaying()) {
        this.#head += "Connection: close\r\n";
        this.#headHasConnection = true;
      }
      this.#head += "\r\n";
      this.flushHeaders();
    }
  }

  /**
   * Whether a final response without a `Connection` header must say
   * `Connection: close`: the connection closes after it although the
   * client could not tell (a malformed header line forced the close), or
   * the client asked to close and an HTTP/1.1 response would otherwise
   * read as kept-alive (RFC 9112, section 9.6).
   */
  #closeNeedsSaying(): boolean {
    if (this.#closeAfterResponse && !this.closeConnection) return true;
    return this.#clientAskedClose && this.protocolVersion >= "HTTP/1.1";
  }

  /** Send the buffered status line and headers in one write, and empty the buffer. */
  flushHeaders(): void {
    const head = this.#head;
    if (head === "") return;
    this.#head = "";
    const wfile = this.wfile;
    if (wfile instanceof SocketWriter) wfile.writeLatin1(head);
    else wfile.write(Buffer.from(head, "latin1"));
  }

  /** Log an answered request: `"GET / HTTP/1.1" 200 -`. */
  logRequest(code: number | string = "-", size: number | string = "-"): void {
    this.logMessage('"%s" %s %s', this.requestline, String(code), String(size));
  }

  /** Log an error. Same as {@link logMessage}; override to send errors elsewhere. */
  logError(format: string, ...args: unknown[]): void {
    this.logMessage(format, ...args);
  }

  /**
   * Write a log line to stderr: client address, time, and the message made
   * with Python `%` formatting, control characters escaped.
   */
  logMessage(format: string, ...args: unknown[]): void {
    const message =
      format === '"%s" %s %s' && args.length === 3
        ? `"${String(args[0])}" ${String(args[1])} ${String(args[2])}`
        : pyFormat(format, args);
    const line = `${this.addressString()} - - [${this.logDateTimeString()}] ${escapeControlChars(message)}\n`;
    const capture = (this.server as unknown as { [kLogLines]?: string[] } | undefined)?.[kLogLines];
    if (capture) capture.push(line);
    else process.stderr.write(line);
  }

  /** The `Server` header value: {@link serverVersion} and {@link sysVersion}. */
  versionString(): string {
    const server = this.serverVersion;
    const sys = this.sysVersion;
    const last = lastVersion;
    if (last.server === server && last.sys === sys) return last.text;
    const text = `${server} ${sys}`;
    lastVersion = { server, sys, text };
    return text;
  }

  /** An HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`) for `timestamp` seconds since the epoch, or now. */
  dateTimeString(timestamp?: number | null): string {
    return timestamp === undefined || timestamp === null ? httpDateNow() : formatHttpDate(timestamp);
  }

  /** The current local time for log lines: `25/Nov/2026 21:55:07`. */
  logDateTimeString(): string {
    return formatLogDate();
  }

  /** The client's address for log lines: its host. */
  addressString(): string {
    const a = this.clientAddress;
    if (Array.isArray(a)) return String(a[0]);
    return typeof a === "string" ? a : String(a ?? "");
  }
}

/** An error page's bytes and their length as header text. */
interface ErrorPage {
  format: string;
  code: number;
  message: string;
  explain: string;
  body: Buffer;
  length: string;
}

/**
 * The last few error pages made, so a run of the same error (a crawler's
 * 404s) reuses the bytes instead of formatting and encoding them again.
 * The pages are never written to after they are made.
 */
const recentErrorPages: (ErrorPage | null)[] = [null, null, null, null];
let recentErrorNext = 0;

/** The body of {@link BaseHTTPRequestHandler.sendError}'s page: `format` filled in with the escaped message and explanation, UTF-8 encoded. */
function errorPage(format: string, code: number, message: string, explain: string): ErrorPage {
  for (const page of recentErrorPages) {
    if (page && page.code === code && page.message === message && page.explain === explain && page.format === format) return page;
  }
  const content = pyFormat(format, [{ code, message: htmlEscape(message, false), explain: htmlEscape(explain, false) }]);
  const body = Buffer.from(content, "utf8"); // lone surrogates become U+FFFD, as Python's "replace"
  const page = { format, code, message, explain, body, length: String(body.length) };
  recentErrorPages[recentErrorNext] = page;
  recentErrorNext = (recentErrorNext + 1) & 3;
  return page;
}

/** The last {@link BaseHTTPRequestHandler.versionString} made, so that each response need not build it again. */
let lastVersion = { server: "", sys: "", text: " " };

function latin1Error(text: string): Error {
  const at = text.search(/[^\x00-\xff]/);
  return new RangeError(
    `'latin-1' codec can't encode character '\\u${text.charCodeAt(at).toString(16).padStart(4, "0")}' in position ${at}: ordinal not in range(256)`,
  );
}

/** `"do_" + command`, without building the same string for every request. */
const methodNames = new Map<string, string>();
function methodName(command: string): string {
  let name = methodNames.get(command);
  if (name === undefined) {
    name = "do_" + command;
    if (methodNames.size < 64) methodNames.set(command, name);
  }
  return name;
}

/** `HTTP/<major>.<minor>` with ASCII digits, at most 10 each; `null` if malformed. */
function parseVersion(version: string): [number, number] | null {
  if (version === "HTTP/1.1") return HTTP11;
  if (version === "HTTP/1.0") return HTTP10;
  if (!version.startsWith("HTTP/")) return null;
  const parts = version.slice(5).split(".");
  if (parts.length !== 2) return null;
  const [a, b] = parts as [string, string];
  if (!DIGITS.test(a) || !DIGITS.test(b) || a.length > 10 || b.length > 10) return null;
  return [Number(a), Number(b)];
}

BaseHTTPRequestHandler.prototype.coalesceWrites = true;
BaseHTTPRequestHandler.prototype.maxRequestLine = 65536;
BaseHTTPRequestHandler.prototype.maxHeaderLine = 65536;
BaseHTTPRequestHandler.prototype.maxHeaders = 100;
BaseHTTPRequestHandler.prototype.maxHeaderBytes = 1024 * 1024;
BaseHTTPRequestHandler.prototype.maxRequestBody = null;
BaseHTTPRequestHandler.prototype.maxBodyDiscard = 1024 * 1024;
BaseHTTPRequestHandler.prototype.headerTimeout = 60;
BaseHTTPRequestHandler.prototype.keepAliveTimeout = 30;
BaseHTTPRequestHandler.prototype.bodyTimeout = 60;
BaseHTTPRequestHandler.prototype.requestTimeout = 300;
BaseHTTPRequestHandler.prototype.sendTimeout = 60;
BaseHTTPRequestHandler.prototype.serverVersion = "BaseHTTP/0.6";
BaseHTTPRequestHandler.prototype.sysVersion = `Node.js/${process.versions.node}`;
BaseHTTPRequestHandler.prototype.errorMessageFormat = DEFAULT_ERROR_MESSAGE;
BaseHTTPRequestHandler.prototype.errorContentType = DEFAULT_ERROR_CONTENT_TYPE;
BaseHTTPRequestHandler.prototype.defaultRequestVersion = "HTTP/0.9";
BaseHTTPRequestHandler.prototype.protocolVersion = "HTTP/1.0";
BaseHTTPRequestHandler.prototype.MessageClass = HTTPMessage;
BaseHTTPRequestHandler.prototype.responses = statusResponses;
BaseHTTPRequestHandler.prototype.weekdayname = Object.freeze(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]);
BaseHTTPRequestHandler.prototype.monthname = Object.freeze([
  null, "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
]);
pythonNames(BaseHTTPRequestHandler, {
  attributes: ["rawRequestline", "closeConnection", "requestVersion"],
  rename: { handleExpect100: "handle_expect_100" },
});

/**
 * The HTTP/1 connection driver: one object per connection that runs the
 * request loop of a {@link BaseHTTPRequestHandler}. It reads and parses each
 * request head (one parser, one set of limit checks), calls the handler's
 * `do_<METHOD>()`, sends what it wrote, drops what it left unread of the
 * body, runs every clock of the connection, answers failures, and decides
 * when the connection closes. The handler class keeps CPython's shape and
 * delegates here; this is Node's split between `_http_server.js` and
 * `ServerResponse`. The parsing steps past the reading (request line,
 * header limits, framing) live in request-parse.ts.
 *
 * ## States
 *
 * | State | The connection is | Clock | Next |
 * |---|---|---|---|
 * | `idle` | waiting for the first byte of a next request (kept alive) | `keepAliveTimeout` | `head` |
 * | `head` | reading a request head | `headerTimeout` from the first byte | `handler`, `idle`, `closing` |
 * | `handler` | in `do_<METHOD>()`, which may read the body and write | `bodyTimeout` per read, `requestTimeout` for the body in all, `sendTimeout` per flush | `sending` |
 * | `sending` | handing the rest of the response to the socket | `sendTimeout` | `discarding`, `idle`, `closing` |
 * | `discarding` | dropping a body the handler left unread | `headerTimeout` | `idle`, `closing` |
 * | `closing` | done: the loop has ended | - | - |
 *
 * A step that has nothing to wait for calls the next at once, so a request
 * whose head is buffered and whose handler returns at once makes no Promise:
 * most requests on a busy keep-alive connection. Every step catches its own
 * errors and passes them to {@link HTTPConnection.#fail}, so nothing throws
 * out of a socket event.
 *
 * @module
 */
import { pyRepr } from "../../../py/index.js";
import { SocketTimeoutError, SocketWriter, isPeerGone } from "../../../socketserver/streams.js";
import { ClosePolicy } from "../../../socketserver/close-policy.js";
import { parseHeaderBlock, parseHeaders } from "../../message.js";
import { methodNames } from "../../caches.js";
import type { BaseHTTPRequestHandler } from "../base-handler.js";
import { HeadTimeoutError, HeadWatch } from "./clock.js";
import { HeaderBlock, type HeaderLimit, peekWholeHead } from "./request-head.js";
import { afterHeaderFields, announcesBody, bodyLength, parseRequestLine, refuseHeaderLimit, type RequestFlags } from "./request-parse.js";
import { ResponseHead } from "./response-head.js";

/** The phase a connection is in (see the module's table). */
export type ConnectionState = "idle" | "head" | "handler" | "sending" | "discarding" | "closing";

/**
 * What a server offers its HTTP connections so that closing it can wind
 * them down: `HTTPServer` implements it.
 */
export interface ConnectionRegistry {
  /** True once the server is closing: connections finish their current request and close. */
  readonly draining: boolean;
  /** A handler starts serving a connection; what it returns is handed back to {@link untrackHandler}. */
  trackHandler(handler: BaseHTTPRequestHandler): unknown;
  /** A handler is done with its connection (`token`: what {@link trackHandler} returned for it). */
  untrackHandler(handler: BaseHTTPRequestHandler, token?: unknown): void;
}

/** Interrupts the wait for a next request when the server is closing. */
const CLOSING = new Error("server closing");

/** `"do_" + command`, without building the same string for every request. */
function methodName(command: string): string {
  return methodNames.get(command) ?? methodNames.set(command, "do_" + command);
}

/** Whether `value` is a Promise-like to wait for: the one place a handler's result is looked at. */
function pending(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === "function";
}

/** The driver of one HTTP/1 connection (see the module comment). */
export class HTTPConnection implements RequestFlags {
  /** The phase the connection is in. */
  state: ConnectionState = "idle";
  /** The response head being built for the current request. */
  readonly response = new ResponseHead();
  /** The connection closes after this request's response, whatever the handler decides (a malformed header line). */
  closeAfterResponse = false;
  /** The request said `Connection: close`. */
  clientAskedClose = false;

  readonly #h: BaseHTTPRequestHandler;
  readonly #server: Partial<ConnectionRegistry> | undefined;
  /** Decided once per connection: the handler's own `parseRequest()` runs instead of the built-in parser. */
  readonly #ownParser: boolean;
  #registration: unknown = undefined;
  #watch: HeadWatch | null = null;
  #requests = 0;
  #bodyStart = 0;
  #writtenBefore = 0;
  #bodyTimeout: number | null = null;
  /** This request's line has been parsed (so a 408 logs it). */
  #lineParsed = false;

  // The loop: settles the Promise of the current run; one request only (Python's handle_one_request()).
  #loopDone: ((error?: unknown) => void) | null = null;
  #single = false;
  #pumping = false;
  #again = false;

  /**
   * @param handler - the handler whose requests this connection serves.
   * @param builtInParser - the handler's `parseRequest` is the library's own.
   */
  constructor(handler: BaseHTTPRequestHandler, builtInParser: boolean) {
    this.#h = handler;
    this.#server = handler.server as Partial<ConnectionRegistry> | undefined;
    this.#ownParser = !builtInParser;
  }

  /** True once the server that owns the connection is closing. */
  get draining(): boolean {
    return this.#server?.draining === true;
  }

  /** The connection starts: the server learns of it (for draining on shutdown). */
  open(): void {
    this.#registration = this.#server?.trackHandler?.(this.#h);
  }

  /** The connection is done: its clock stops, and the server forgets it. */
  close(): void {
    this.state = "closing";
    this.#watch?.release();
    const token = this.#registration;
    this.#registration = undefined;
    this.#server?.untrackHandler?.(this.#h, token);
  }

  /**
   * Serve one request (`single`, Python's `handle_one_request()`), or
   * requests until the connection is to close, then {@link close} it.
   */
  run(single: boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#single = single;
      this.#loopDone = (error?: unknown) => {
        this.#loopDone = null;
        if (!single) {
          try {
            this.close();
          } catch (err) {
            error ??= err;
          }
        }
        if (error === undefined) resolve();
        else reject(error);
      };
      this.#pump();
    });
  }

  /** Start requests one after another for as long as each finishes without waiting. */
  #pump(): void {
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
  #done(error?: unknown): void {
    this.#requests++;
    this.state = "idle";
    if (error !== undefined || this.#single || this.#h.closeConnection || this.draining) {
      this.#loopDone?.(error);
    } else if (this.#pumping) {
      this.#again = true;
    } else {
      this.#pump();
    }
  }

  // ---- Step 1: the request head --------------------------------------------

  /** Take the request head if it is here; otherwise wait for it under the head clock. */
  #startRequest(): void {
    this.state = this.#h.rfile.buffered === 0 ? "idle" : "head";
    this.#lineParsed = false;
    let head: boolean | Promise<boolean> | undefined;
    try {
      head = this.#tryHead();
    } catch (err) {
      return this.#fail(err);
    }
    if (head === undefined) return this.#waitForHead();
    this.#afterHead(head);
  }

  #waitForHead(): void {
    this.#arm(false);
    this.#h.rfile.whenFilled(this.#onHeadBytes);
  }

  /** More bytes of a request head arrived (or the wait failed). */
  #onHeadBytes = (error: Error | null): void => {
    this.state = "head";
    let head: boolean | Promise<boolean> | undefined;
    try {
      if (error) throw error;
      head = this.#tryHead();
    } catch (err) {
      this.#watch!.disarm();
      return this.#fail(err);
    }
    if (head === undefined) return this.#h.rfile.whenFilled(this.#onHeadBytes);
    // A head still being read (its header lines, or an overridden
    // parseRequest) keeps the clock running until it is complete.
    if (head === true || head === false) this.#watch!.disarm();
    this.#afterHead(head);
  };

  /** The head is parsed (or being parsed): dispatch it, or end the request. */
  #afterHead(head: boolean | Promise<boolean>): void {
    if (head === true) return this.#dispatch();
    if (head === false) return this.#done();
    head.then(
      (ok) => (ok ? this.#dispatch() : this.#done()),
      (err: unknown) => this.#fail(err),
    );
  }

  /** Start the head clock (once per head). `midHead`: part of the head is read, so the head limit applies. */
  #arm(midHead: boolean): void {
    const h = this.#h;
    const watch = (this.#watch ??= new HeadWatch(h.rfile));
    if (!watch.armed) watch.arm(!midHead && this.#requests > 0, h.keepAliveTimeout, h.headerTimeout);
  }

  /** Take the request head if enough of it is buffered; `undefined` when more input is needed. */
  #tryHead(): boolean | Promise<boolean> | undefined {
    const rfile = this.#h.rfile;
    if (!this.#ownParser) {
      const head = peekWholeHead(rfile);
      if (head !== null) return this.#takeWholeHead(head);
    }
    const line = rfile.tryReadline(this.#h.maxRequestLine + 1);
    if (line === null) return undefined;
    const parsed = this.#takeRequestLine(line);
    if (parsed === true || parsed === false) return parsed;
    const watch = this.#watch;
    return Promise.resolve(parsed).finally(() => watch?.disarm());
  }

  /** A request line just read: 414, end of input, or parse the request. */
  #takeRequestLine(raw: Buffer): boolean | Promise<boolean> {
    const h = this.#h;
    h.rawRequestline = raw;
    if (raw.length > h.maxRequestLine) {
      h.requestline = "";
      h.requestVersion = "";
      h.command = "";
      h.sendError(414);
      return false;
    }
    if (raw.length === 0) {
      h.closeConnection = true;
      return false;
    }
    return this.#ownParser ? h.parseRequest() : this.parseRequest();
  }

  /**
   * The whole head (`text`, through its blank line) is in the reader's
   * first chunk, decoded once: parse it in place, under the same checks,
   * in the same order, as the line-by-line path.
   */
  #takeWholeHead(text: string): boolean | Promise<boolean> {
    const h = this.#h;
    const rfile = h.rfile;
    const n = text.length;
    const nl = text.indexOf("\n");
    h.rawRequestline = rfile.tryRead(n)!.subarray(0, nl + 1);
    this.#watch?.disarm();
    if (nl + 1 > h.maxRequestLine) return this.#takeRequestLine(h.rawRequestline);
    const words = parseRequestLine(this.#h, this, text.slice(0, nl + 1));
    if (words === 0) return false;
    this.#lineParsed = true;
    if (words === 2) {
      h.headers = new h.MessageClass();
      return true;
    }
    const limit = HeaderBlock.check(text, nl + 1, n, h);
    if (limit !== null) return refuseHeaderLimit(this.#h, limit);
    h.headers = parseHeaderBlock(text, nl + 1, n, h.MessageClass);
    return afterHeaderFields(this.#h, this);
  }

  /**
   * Python's `parse_request()`: the request line (already read into
   * `rawRequestline`), then the header lines. Returns false after sending
   * an error (or nothing, for a blank line) when the request is unusable.
   */
  parseRequest(): boolean | Promise<boolean> {
    const h = this.#h;
    const words = parseRequestLine(this.#h, this, h.rawRequestline.toString("latin1"));
    if (words === 0) return false;
    this.#lineParsed = true;
    if (words === 2) {
      // HTTP/0.9: no headers follow.
      h.headers = new h.MessageClass();
      return true;
    }
    const block = new HeaderBlock(h);
    const done = block.takeFrom(h.rfile);
    if (done !== false) return this.#afterHeaderBlock(block, done);
    this.#arm(true);
    return this.#waitForHeaderLines(block);
  }

  async #waitForHeaderLines(block: HeaderBlock): Promise<boolean> {
    for (;;) {
      await this.#h.rfile.fill();
      const done = block.takeFrom(this.#h.rfile);
      if (done !== false) return this.#afterHeaderBlock(block, done);
    }
  }

  #afterHeaderBlock(block: HeaderBlock, done: HeaderLimit | true): boolean | Promise<boolean> {
    if (done !== true) return refuseHeaderLimit(this.#h, done);
    this.#h.headers = parseHeaders(block.text, this.#h.MessageClass);
    return afterHeaderFields(this.#h, this);
  }

  // ---- Step 2: the handler -------------------------------------------------

  /** Call `do_<METHOD>()` (or answer 501), with the body clocks running. */
  #dispatch(): void {
    const h = this.#h;
    const wfile = h.wfile;
    this.#writtenBefore = wfile.bytesWritten;
    let done: unknown;
    try {
      const command = h.command!;
      const method = (h as unknown as Record<string, unknown>)[methodName(command)];
      if (typeof method !== "function") {
        h.sendError(501, `Unsupported method (${pyRepr(command)})`);
        return this.#done();
      }
      this.state = "handler";
      this.#bodyStart = h.rfile.consumed;
      this.#startBodyClocks();
      // What a handler that returns at once writes can leave as soon as it
      // returns, rather than on the next tick, unless another request is
      // already buffered (pipelined responses then share one send).
      const held = wfile instanceof SocketWriter;
      if (held) wfile.cork();
      try {
        done = (method as () => unknown).call(h);
      } finally {
        if (held) wfile.uncork(!pending(done) && h.rfile.buffered === 0);
      }
    } catch (err) {
      return this.#fail(err);
    }
    if (pending(done)) {
      done.then(
        () => this.#afterHandler(),
        (err: unknown) => this.#fail(err),
      );
      return;
    }
    this.#afterHandler();
  }

  /**
   * The body's clocks while the handler runs: each read waits at most
   * `bodyTimeout` (unless Python's `timeout` is set), and the whole body must
   * be in within `requestTimeout`.
   */
  #startBodyClocks(): void {
    const h = this.#h;
    const perRead = h.timeout === null || h.timeout === undefined ? h.bodyTimeout : null;
    this.#bodyTimeout = perRead ?? null;
    if (this.#bodyTimeout !== null) h.rfile.timeout = this.#bodyTimeout;
    const total = h.requestTimeout;
    if (total !== null && total !== undefined && announcesBody(h)) h.rfile.readDeadline = performance.now() + total * 1000;
  }

  #stopBodyClocks(): void {
    const rfile = this.#h.rfile;
    if (this.#bodyTimeout !== null) rfile.timeout = null;
    this.#bodyTimeout = null;
    rfile.readDeadline = null;
  }

  // ---- Step 3: the response leaves -----------------------------------------

  /** The handler returned: send what it wrote (waiting only for a full socket; `sendTimeout` bounds the wait). */
  #afterHandler(): void {
    const wfile = this.#h.wfile;
    try {
      this.#stopBodyClocks();
      this.state = "sending";
      if (!(wfile instanceof SocketWriter) || wfile.needsFlush) {
        wfile.flush().then(
          () => this.#afterResponse(),
          (err: unknown) => this.#fail(err),
        );
        return;
      }
    } catch (err) {
      return this.#fail(err);
    }
    this.#afterResponse();
  }

  /** The response is out: drop what the handler left unread of the body, if the connection stays open. */
  #afterResponse(): void {
    const h = this.#h;
    let skipped: Promise<void> | undefined;
    try {
      if (this.closeAfterResponse) h.closeConnection = true;
      if (!h.closeConnection) skipped = this.#skipUnreadBody();
    } catch (err) {
      return this.#fail(err);
    }
    if (skipped === undefined) return this.#done();
    skipped.then(
      () => this.#done(),
      (err: unknown) => this.#fail(err),
    );
  }

  /**
   * Keep-alive safety: whatever the handler left unread of the request body
   * must not be taken for the next request. Small remainders are read and
   * dropped under the head clock; bodies of unknown or large size, or with
   * a malformed `Content-Length`, close the connection.
   */
  #skipUnreadBody(): Promise<void> | undefined {
    const h = this.#h;
    const headers = h.headers;
    if (headers.length === 0) return undefined;
    if (headers.get("Transfer-Encoding") !== undefined) {
      h.closeConnection = true;
      return undefined;
    }
    const total = bodyLength(headers.getAll("Content-Length"));
    if (total === null) return undefined;
    if (total === undefined) {
      h.closeConnection = true;
      return undefined;
    }
    const left = total - (h.rfile.consumed - this.#bodyStart);
    if (left <= 0) return undefined;
    if (left > h.maxBodyDiscard) {
      h.closeConnection = true;
      return undefined;
    }
    this.state = "discarding";
    const watch = (this.#watch ??= new HeadWatch(h.rfile));
    watch.arm(false, null, h.headerTimeout);
    return h.rfile.read(left).then(
      (dropped) => {
        watch.disarm();
        if (dropped.length < left) h.closeConnection = true;
      },
      (err: unknown) => {
        watch.disarm();
        throw err;
      },
    );
  }

  // ---- Failures ------------------------------------------------------------

  /**
   * A step failed. Time-outs, a closing server and a vanished client end the
   * request quietly (with a 408 or a log line where due); anything else
   * ends the loop with the error, after a 500 when nothing of the response
   * was sent yet (a deviation: Python drops the connection without a word).
   */
  #fail(err: unknown): void {
    // `undefined` would pass for success further on: report it as an error.
    if (err === undefined) err = new Error("the request handler threw undefined");
    const h = this.#h;
    const state = this.state;
    h.closeConnection = true;
    try {
      this.#stopBodyClocks();
      if (err instanceof HeadTimeoutError) {
        this.#headTimedOut(err, state);
        return this.#done();
      }
      if (err === CLOSING || isPeerGone(err)) return this.#done();
      if (err instanceof SocketTimeoutError) {
        if (h.connection) ClosePolicy.of(h.connection).abandoned = true;
        h.logError("Request timed out: %s", `TimeoutError(${pyRepr(err.message)})`);
        return this.#done();
      }
    } catch (inner) {
      return this.#done(inner);
    }
    if (h.wfile.bytesWritten === this.#writtenBefore && !h.wfile.closed) {
      try {
        this.response.clear();
        h.sendError(500);
        const end = (): void => this.#done(err);
        h.wfile.flush().then(end, end);
        return;
      } catch {
        // The client may be gone too.
      }
    }
    this.#done(err);
  }

  /** Answer a head that took too long with 408; close an idle connection with a log line. */
  #headTimedOut(err: HeadTimeoutError, state: ConnectionState): void {
    const h = this.#h;
    if (state === "discarding") {
      h.logMessage("Unread request body did not arrive within %s seconds; closing", err.seconds);
      return;
    }
    if (err.phase === "idle") {
      h.logMessage("Closing idle connection after %s seconds", err.seconds);
      return;
    }
    if (!this.#lineParsed) {
      // Nothing of this request is known: the log line says "".
      h.requestline = "";
      h.requestVersion = "";
      h.command = "";
    }
    h.sendError(408, null, `the request head did not arrive within ${err.seconds} seconds`);
  }

  /**
   * Called by a closing server: a connection waiting for its next request
   * (nothing of it received yet) stops now; one busy with a request closes
   * after its response.
   */
  stopIfIdle(): void {
    if (this.state === "idle" && this.#h.rfile.buffered === 0) this.#h.rfile.interrupt(CLOSING);
  }

  // ---- What the handler asks of the connection -----------------------------

  /**
   * Whether the client may still be sending when an error response closes
   * the connection: the request was not read to its end (an error found
   * while reading it, a body left unread, bytes of a next request already
   * here), or the client may pipeline another request on a kept-alive
   * connection. Closing then drains what arrives for a moment instead of
   * resetting the connection, which could destroy the response on its way.
   */
  clientMaySendMore(): boolean {
    const h = this.#h;
    const dispatched = this.state === "handler" || this.state === "sending" || this.state === "discarding";
    if (!dispatched || !h.closeConnection || h.rfile.buffered > 0) return true;
    const headers = h.headers;
    if (headers.get("Transfer-Encoding") !== undefined) return true;
    const total = bodyLength(headers.getAll("Content-Length"));
    if (total === null) return false;
    return total === undefined || h.rfile.consumed - this.#bodyStart < total;
  }

  /** An error response is on its way: closing must drain what the client still sends. */
  noteUnreadInput(): void {
    if (this.clientMaySendMore()) ClosePolicy.of(this.#h.connection).unreadInput = true;
  }

  /**
   * Whether a final response without a `Connection` header must say
   * `Connection: close`: the connection closes after it although the
   * client could not tell (a malformed header line forced the close), or
   * the client asked to close and an HTTP/1.1 response would otherwise
   * read as kept-alive (RFC 9112, section 9.6).
   */
  closeNeedsSaying(): boolean {
    const h = this.#h;
    if (this.response.code < 200 || this.response.hasConnection) return false;
    if (this.closeAfterResponse && !h.closeConnection) return true;
    return this.clientAskedClose && h.protocolVersion >= "HTTP/1.1";
  }
}

/**
 * `BaseHTTPRequestHandler`: parses HTTP/0.9, 1.0 and 1.1 requests and calls
 * `do_<METHOD>()`, ported from Python's `http.server`. The class keeps
 * CPython's shape: each method is a short step a subclass may override; the
 * request loop, head parsing, clocks and close policy live in the
 * connection driver (`engine/connection.ts`).
 *
 * @module
 */
import { pythonNames } from "../../python-names.js";
import { escapeControlChars, htmlEscape, pyFormat } from "../../py/index.js";
import { StreamRequestHandler } from "../../socketserver/request-handlers.js";
import { SocketWriter } from "../../socketserver/streams.js";
import { MONTH_NAMES, WEEKDAY_NAMES, formatHttpDate, formatLogDate, httpDateNow } from "../dates.js";
import { errorPageKey, errorPages, serverVersions } from "../caches.js";
import { HTTPMessage } from "../message.js";
import { responses as statusResponses } from "../status.js";
import type { HTTPServer } from "./http-server.js";
import { type ConnectionRegistry, HTTPConnection } from "./engine/connection.js";
import { HeaderInjectionError, statusCode } from "./engine/response-head.js";

export { HeaderInjectionError, type ConnectionRegistry };

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

/** Text every character of which Latin-1 can encode. */
const LATIN1 = /^[\x00-\xff]*$/;

/** The raw request line before one is read (zero bytes, so sharing it is safe). */
const NO_BYTES = Buffer.alloc(0);

/** Where log lines go when a test captures them (see `testing.ts`). */
export const kLogLines = Symbol.for("http.server.logLines");

/** The class used to hold parsed headers (Python's `MessageClass`). */
export type MessageClassType = new () => HTTPMessage;

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

  /** The connection driver that runs this handler's requests. */
  #conn!: HTTPConnection;

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
    this.#conn = new HTTPConnection(this, this.parseRequest === BaseHTTPRequestHandler.prototype.parseRequest);
  }

  /** Handle requests on this connection until one of them closes it (or the server is closing). */
  override handle(): Promise<void> {
    this.closeConnection = true;
    const conn = this.#conn;
    conn.open();
    // Not overridden: the driver runs the whole connection itself.
    if (this.handleOneRequest === BaseHTTPRequestHandler.prototype.handleOneRequest) return conn.run(false);
    return this.#handleEach(conn);
  }

  /** {@link handle} with an overridden {@link handleOneRequest}: call it until the connection is to close. */
  async #handleEach(conn: HTTPConnection): Promise<void> {
    try {
      await this.handleOneRequest();
      while (!this.closeConnection && !conn.draining) await this.handleOneRequest();
    } finally {
      conn.close();
    }
  }

  /**
   * Read and answer one request: the request line, then
   * {@link parseRequest}, then the `do_<METHOD>()` method.
   */
  handleOneRequest(): Promise<void> {
    return this.#conn.run(true);
  }

  /**
   * Parse the request line (in {@link rawRequestline}) and the header lines
   * into {@link command}, {@link path}, {@link requestVersion} and
   * {@link headers}. Returns false after sending an error (or nothing, for
   * an empty line) when the request is unusable.
   */
  parseRequest(): boolean | Promise<boolean> {
    return this.#conn.parseRequest();
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
    const msg = message ?? (entry ? entry[0] : "???");
    const expl = explain ?? (entry ? entry[1] : "???");
    this.logError("code %d, message %s", code, msg);
    if (this.connection) this.#conn?.noteUnreadInput();
    // A message Latin-1 cannot encode (a file name in another script) keeps
    // the standard phrase in the status line; the page still shows it.
    this.sendResponse(code, LATIN1.test(msg) ? msg : (entry?.[0] ?? ""));
    this.sendHeader("Connection", "close");
    // Message body is omitted for 1xx, 204 No Content, 205 Reset Content and 304 Not Modified.
    let page: Buffer | null = null;
    if (code >= 200 && code !== 204 && code !== 205 && code !== 304) {
      page = errorPage(this.errorMessageFormat, code, msg, expl);
      this.sendHeader("Content-Type", this.errorContentType);
      this.sendHeader("Content-Length", page.length);
    }
    this.endHeaders();
    if (this.command !== "HEAD" && page !== null && page.length > 0) this.wfile.write(page);
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
    this.#conn.response.status(this.protocolVersion, code, message ?? this.responses[code]?.[0] ?? "");
  }

  /**
   * Buffer one header line. A `Connection: close` or `keep-alive` header
   * also decides whether the connection stays open. A name that is not an
   * RFC 9110 token, or a value with CR, LF or NUL, is refused with
   * {@link HeaderInjectionError}: it would split the response (a
   * deliberate difference from Python).
   */
  sendHeader(keyword: string, value: unknown): void {
    const v = typeof value === "string" ? value : String(value);
    if (this.requestVersion !== "HTTP/0.9") this.#conn.response.header(keyword, v);
    if (keyword.length === 10 && keyword.toLowerCase() === "connection") {
      const lower = v.toLowerCase();
      if (lower === "close") this.closeConnection = true;
      else if (lower === "keep-alive") this.closeConnection = false;
    }
  }

  /**
   * Finish the header block and send it (nothing for an HTTP/0.9 request).
   * A final response without a `Connection` header gets `Connection: close`
   * when the connection closes after it although the client could not tell
   * otherwise (a malformed header line in the request, or a request that
   * said `Connection: close` answered in HTTP/1.1).
   */
  endHeaders(): void {
    if (this.requestVersion === "HTTP/0.9") return;
    const response = this.#conn.response;
    if (this.#conn.closeNeedsSaying()) response.header("Connection", "close");
    response.end();
    this.flushHeaders();
  }

  /** Send the buffered status line and headers in one write, and empty the buffer. */
  flushHeaders(): void {
    this.#conn.response.flush(this.wfile);
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
    const known = serverVersions.get(server);
    if (known !== undefined && known.sys === sys) return known.text;
    const text = `${server} ${sys}`;
    serverVersions.set(server, { sys, text });
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

  /**
   * Called by a closing server: a connection waiting for its next request
   * (nothing of it received yet) stops now; one busy with a request closes
   * after its response.
   */
  stopIfIdle(): void {
    this.#conn?.stopIfIdle();
  }
}

/** The body of {@link BaseHTTPRequestHandler.sendError}'s page: `format` filled in with the escaped message and explanation, UTF-8 encoded. */
function errorPage(format: string, code: number, message: string, explain: string): Buffer {
  const key = errorPageKey(code, message, explain);
  const page = errorPages.get(key);
  if (page !== undefined && page.format === format) return page.body;
  const content = pyFormat(format, [{ code, message: htmlEscape(message, false), explain: htmlEscape(explain, false) }]);
  const body = Buffer.from(content, "utf8"); // lone surrogates become U+FFFD, as Python's "replace"
  errorPages.set(key, { format, body });
  return body;
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
BaseHTTPRequestHandler.prototype.weekdayname = WEEKDAY_NAMES;
BaseHTTPRequestHandler.prototype.monthname = MONTH_NAMES;
pythonNames(BaseHTTPRequestHandler, {
  attributes: ["rawRequestline", "closeConnection", "requestVersion"],
  rename: { handleExpect100: "handle_expect_100" },
});

/**
 * One request served by a handler class outside a server of this package:
 * the request, taken from the host (`node:http`, Express, a `Request`), is
 * written to an in-memory connection as HTTP/1 bytes; the handler runs on
 * it exactly as it would on a socket; its output is read back as it is
 * written and handed to the host's response. Shared by
 * `toRequestListener()` and `toFetchHandler()`.
 *
 * @module
 */
import { runHandler, type BaseRequestHandler } from "../../../socketserver/request-handlers.js";
import { BaseServer } from "../../../socketserver/base-server.js";
import { htmlEscape, pyFormat } from "../../../py/index.js";
import { isThenable } from "../../../thenable.js";
import { DEFAULT_ERROR_CONTENT_TYPE, DEFAULT_ERROR_MESSAGE } from "../base-handler.js";
import { ClosePolicy } from "../../../socketserver/close-policy.js";
import { clientGone, MemoryConnection } from "./memory-connection.js";
import { ResponseReader, type ResponseSink } from "./response-reader.js";

/** A request handler class as the adapters construct it: `new Handler(request, clientAddress, server, ...handlerArgs)`. */
export type HandlerClass = new (request: never, clientAddress: never, server: never, ...rest: never[]) => object;

/** Options shared by `toRequestListener()` and `toFetchHandler()`. */
export interface AdapterOptions {
  /** The folder a `SimpleHTTPRequestHandler` serves: short for `handlerArgs: [{ directory }]`. */
  directory?: string | URL | undefined;
  /** More constructor arguments, after `(request, clientAddress, server)`. */
  handlerArgs?: unknown[] | undefined;
  /**
   * Properties of the object the handler sees as `this.server`, over the
   * defaults (`serverAddress`, `serverName`, `serverPort` of the listening
   * side). A `handleError(request, clientAddress, error)` here receives
   * the handler's errors. A server of this package (a `BaseServer`) is
   * given to the handler as it is: an `HTTPServer`'s `serverClose()` then
   * waits for these handlers too.
   */
  server?: object | undefined;
  /** The largest response head (status line and headers) a handler may write, in bytes (default 1 MiB). */
  maxResponseHead?: number | undefined;
}

/** A request as the host gives it, in the terms of an HTTP/1 request head. */
export interface HostRequest {
  /** The method. */
  method: string;
  /** The request target: path and query. */
  target: string;
  /** `HTTP/1.0` or `HTTP/1.1`. */
  version: string;
  /**
   * The header fields in order. A body without `Content-Length` must come
   * with `Transfer-Encoding: chunked` here: it is then framed that way.
   */
  headers: ReadonlyArray<readonly [string, string]>;
  /** The body is to be framed as `chunked` (it has no `Content-Length`). */
  chunked: boolean;
  /** The client's address, as `this.clientAddress`. */
  clientAddress: unknown;
  /** `[host, port]` of the listening side. */
  serverAddress: [string, number];
  /** A prefix of `target` the host routed on (an Express mount path): file lookups start below it. */
  mount?: string;
}

/** Where the request body comes from. */
export interface BodySource {
  /** Start feeding `conn`; `abort()` when the body fails (the client is gone). */
  start(conn: MemoryConnection, abort: () => void): void;
  /**
   * Stop feeding (the handler is done, or the exchange aborted). Of a body
   * the handler left unread, up to `discardLimit` more bytes may be taken
   * and dropped (the handler's `maxBodyDiscard`); a source that can refuse
   * the rest does so past it.
   */
  stop(discardLimit: number): void;
}

/** The host's response: the reader's sink, plus what to do when the handler fails. */
export interface HostResponse extends ResponseSink {
  /** The handler failed: answer 500 ({@link errorPage500}) if nothing was sent, else cut the response off. */
  fail(error: unknown): void;
  /**
   * The request was given up without a complete response (a time-out):
   * end the response without an error page (reset the stream, drop the
   * connection). A host without it is told {@link fail}.
   */
  abandon?(): void;
}

/** What the handler may leave unread of a body and still have it taken and dropped, when it does not say (`maxBodyDiscard`). */
const DISCARD_LIMIT = 1024 * 1024;

/** The resolved form of {@link AdapterOptions}, computed once per adapter. */
export interface AdapterSettings {
  Handler: HandlerClass;
  args: unknown[];
  server: object;
  maxHead: number;
}

/** Resolve the options once, when the adapter is made. */
export function adapterSettings(Handler: HandlerClass, options: AdapterOptions): AdapterSettings {
  if (typeof Handler !== "function") throw new TypeError("the handler class must be a class (a constructor)");
  const args = options.handlerArgs ?? (options.directory !== undefined ? [{ directory: options.directory }] : []);
  return { Handler, args, server: options.server ?? {}, maxHead: options.maxResponseHead ?? 1024 * 1024 };
}

/** Whether `Handler` answers `method` itself (has a `do_<METHOD>()` method). */
export function handlesMethod(Handler: HandlerClass, method: string): boolean {
  return typeof (Handler.prototype as Record<string, unknown>)["do_" + method] === "function";
}

/** The 500 page sent when a handler fails without a usable response (the default error page). */
export function errorPage500(): Buffer {
  const page = pyFormat(DEFAULT_ERROR_MESSAGE, [
    { code: 500, message: "Internal Server Error", explain: htmlEscape("Server got itself in trouble", false) },
  ]);
  return Buffer.from(page, "utf8");
}

/** `Content-Type` of {@link errorPage500}. */
export const ERROR_CONTENT_TYPE = DEFAULT_ERROR_CONTENT_TYPE;

/**
 * Serve one request with a new handler (see the module comment). Never
 * rejects: a failing handler is answered with 500 (or a cut-off response)
 * and reported to `server.handleError()`.
 */
export class Exchange {
  readonly #settings: AdapterSettings;
  readonly #request: HostRequest;
  readonly #body: BodySource | null;
  readonly #response: HostResponse;
  readonly #reader: ResponseReader;
  readonly #conn: MemoryConnection;
  readonly #server: object;
  #failed = false;
  #aborted = false;
  /** What the handler may leave unread of the body (its `maxBodyDiscard`). */
  #discardLimit = DISCARD_LIMIT;

  /**
   * @param settings - the adapter's settings.
   * @param request - the request.
   * @param body - its body, or `null` for none.
   * @param response - the host's response.
   */
  constructor(settings: AdapterSettings, request: HostRequest, body: BodySource | null, response: HostResponse) {
    this.#settings = settings;
    this.#request = request;
    this.#body = body;
    this.#response = response;
    const [host, port] = request.serverAddress;
    const given = settings.server;
    this.#server = given instanceof BaseServer ? given : { serverAddress: [host, port], serverName: host, serverPort: port, ...given };
    this.#reader = new ResponseReader(response, request.method, settings.maxHead);
    this.#conn = new MemoryConnection(requestHead(request), request.chunked, this.#reader, (err) => this.#outputFailed(err));
    this.#conn.on("error", () => {});
  }

  /** Run the handler; settles when it is done and its output read (never rejects). */
  run(): Promise<void> {
    const { Handler, args } = this.#settings;
    const Ctor = Handler as unknown as new (...a: unknown[]) => BaseRequestHandler;
    let handler: BaseRequestHandler;
    try {
      handler = new Ctor(this.#conn, this.#request.clientAddress, this.#server, ...args);
    } catch (err) {
      this.#outputFailed(err);
      this.#conn.destroy();
      return Promise.resolve();
    }
    const limit = (handler as { maxBodyDiscard?: unknown }).maxBodyDiscard;
    if (typeof limit === "number") this.#discardLimit = limit;
    if (this.#request.mount) translateBelow(handler, this.#request.mount);
    this.#body?.start(this.#conn, () => this.abort());
    if (this.#body === null) this.#conn.endInput();
    return runHandler(handler)
      .then(
        () => this.#settled(null),
        (err: unknown) => this.#settled(err ?? new Error("the handler failed")),
      )
      .catch(() => {
        this.#conn.destroy();
      });
  }

  /** Tell the host response the request was given up (see {@link HostResponse.abandon}). */
  #abandon(): void {
    const response = this.#response;
    if (response.abandon === undefined) return this.#fail(new Error("the request was given up"));
    try {
      response.abandon();
    } catch {
      this.#conn.destroy();
    }
  }

  /** Tell the host response the exchange failed; a host that throws even then is cut off. */
  #fail(error: unknown): void {
    try {
      this.#response.fail(error);
    } catch {
      this.#conn.destroy();
    }
  }

  /** The client is gone: the handler's reads end and its writes fail. */
  abort(): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#failed = true;
    this.#body?.stop(0);
    this.#conn.destroy(clientGone());
  }

  #settled(error: unknown): void {
    this.#body?.stop(this.#discardLimit);
    if (error !== null && !this.#aborted) {
      this.#report(error);
      if (this.#reader.started && !this.#reader.done) {
        // Part of the body left: a shorter one must not pass for complete.
        this.#failed = true;
        this.#fail(error);
      }
    }
    if (!this.#failed && !this.#reader.done && (this.#conn.destroyed || ClosePolicy.find(this.#conn)?.abandoned === true)) {
      // The connection driver gave the request up (a time-out) before a
      // complete response: end the host's quietly, as a socket is closed.
      this.#failed = true;
      this.#abandon();
    }
    // Failed, or the response complete with nothing left in the connection's queue: done.
    if (this.#failed || (this.#reader.done && this.#conn.writableLength === 0)) {
      this.#conn.destroy();
      return;
    }
    // The end of the output: a body delimited by it is complete now.
    this.#conn.end();
    this.#conn.once("finish", () => this.#conn.destroy());
  }

  /** The handler's output cannot be passed on (malformed, or the host refused it). */
  #outputFailed(error: unknown): void {
    if (this.#failed) return;
    // The host response closed under the handler: the client left, nothing to report.
    if ((error as { code?: unknown } | null)?.code === "ECONNRESET") return this.abort();
    this.#failed = true;
    this.#body?.stop(0);
    this.#report(error);
    this.#fail(error);
  }

  #report(error: unknown): void {
    const server = this.#server as { handleError?: (request: unknown, clientAddress: unknown, error: unknown) => unknown };
    const report = typeof server.handleError === "function" ? server.handleError : BaseServer.prototype.handleError;
    try {
      const reported = report.call(server, this.#conn, this.#request.clientAddress, error);
      if (isThenable(reported)) Promise.resolve(reported).catch(() => {});
    } catch {
      // A failing error report must not take the host down.
    }
  }
}

/** The request head as a client would have sent it, Latin-1 encoded. */
function requestHead(request: HostRequest): Buffer {
  let head = `${request.method} ${request.target} ${request.version}\r\n`;
  for (const [name, value] of request.headers) head += `${name}: ${value}\r\n`;
  return Buffer.from(head + "\r\n", "latin1");
}

/**
 * Under a mount path (`app.use("/static", ...)`) the handler sees the
 * full path, but a file handler must look files up below the mount: wrap
 * its `translatePath()` (if it has one) to drop the prefix first.
 */
function translateBelow(handler: object, mount: string): void {
  const h = handler as { translatePath?: (path: string) => string };
  const original = h.translatePath;
  if (typeof original !== "function") return;
  h.translatePath = function (this: object, path: string): string {
    return original.call(this, stripMount(path, mount));
  };
}

/** `path` without the `mount` prefix it starts with (at a segment boundary); `/` when nothing is left. */
export function stripMount(path: string, mount: string): string {
  if (!path.startsWith(mount)) return path;
  const rest = path.slice(mount.length);
  if (rest === "") return "/";
  const next = rest[0];
  if (next === "/") return rest;
  if (next === "?" || next === "#") return "/" + rest;
  return path;
}

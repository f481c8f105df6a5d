/**
 * `toRequestListener()`: run a handler class as the request listener of a
 * `node:http`, `node:https` or `node:http2` (compatibility API) server, or
 * as Express / Connect middleware. See `docs/node-integration.md`.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { clientGone } from "./memory-connection.js";
import { DrainWait, headerPairs, http2StreamBody, readableBody } from "./node-parts.js";
import {
  adapterSettings,
  ERROR_CONTENT_TYPE,
  errorPage500,
  Exchange,
  handlesMethod,
  type AdapterOptions,
  type HandlerClass,
  type HostResponse,
} from "./exchange.js";
import { HOP_BY_HOP, type ResponseHeadData } from "./response-reader.js";

/** Options of {@link toRequestListener}. */
export type RequestListenerOptions = AdapterOptions;

/** A request as `node:http`, `node:https`, `node:http2` (compatibility API) or Express give it. */
export type NodeRequest = (IncomingMessage | Http2ServerRequest) & {
  /** Express: the URL before mount paths were taken off. */
  originalUrl?: string;
  /** Express: the mount path the request was routed on. */
  baseUrl?: string;
};

/** The response that goes with a {@link NodeRequest}. */
export type NodeResponse = ServerResponse | Http2ServerResponse;

/** What {@link toRequestListener} returns: a `node:http` request listener and Express middleware at once. */
export type HandlerRequestListener = (req: NodeRequest, res: NodeResponse, next?: (error?: unknown) => void) => void;

/**
 * A request listener that answers each request with a new `Handler`, as a
 * server of this package would: `this.path`, `this.command`,
 * `this.headers` (raw order and case), `this.rfile` (the body as a socket
 * would carry it), `sendResponse()`, `wfile` and the rest work unchanged.
 *
 * - `node:http` / `node:https`: `http.createServer(toRequestListener(Handler))`.
 * - `node:http2`: `http2.createSecureServer({ ..., allowHTTP1: true }, listener)`.
 * - Express / Connect: `app.use("/api", toRequestListener(Handler))`. With
 *   `next` given, a method the class has no `do_<METHOD>()` for goes to
 *   the next middleware instead of getting 501. `this.path` is the full
 *   path (`req.originalUrl`); a file handler looks files up below the
 *   mount path.
 *
 * Connection handling (keep-alive, framing, `Expect: 100-continue`) is
 * Node's: see "What differs" in `docs/node-integration.md`.
 *
 * @param Handler - a `BaseHTTPRequestHandler` subclass (or `SimpleHTTPRequestHandler`).
 * @param options - constructor arguments, the `server` the handler sees, limits.
 * @example
 * ```ts
 * import { createServer } from "node:http";
 * import { SimpleHTTPRequestHandler, toRequestListener } from "http.server";
 * createServer(toRequestListener(SimpleHTTPRequestHandler, { directory: "public" })).listen(8000);
 * ```
 */
export function toRequestListener(Handler: HandlerClass, options: RequestListenerOptions = {}): HandlerRequestListener {
  const settings = adapterSettings(Handler, options);
  return function handlerListener(req: NodeRequest, res: NodeResponse, next?: (error?: unknown) => void): void {
    const method = req.method ?? "GET";
    if (typeof next === "function" && !handlesMethod(Handler, method)) return next();
    const target = req.originalUrl ?? req.url ?? "/";
    const baseUrl = req.baseUrl;
    const socket = req.socket;
    const headers = headerPairs(req.rawHeaders);
    const http2 = req.httpVersionMajor === 2;
    // A body without a length reaches the handler chunked, as on a socket:
    // HTTP/1.1 sent it so; an HTTP/2 body without `content-length` is framed so.
    const length = req.headers["content-length"] !== undefined;
    let chunked = !length && req.headers["transfer-encoding"] !== undefined;
    // No body to carry: an HTTP/2 request that ended with its headers, an
    // HTTP/1 one with neither Content-Length nor Transfer-Encoding.
    let bodiless = !length && !chunked;
    if (http2 && !length) {
      bodiless = (req as Http2ServerRequest).stream.endAfterHeaders;
      if (!bodiless) {
        chunked = true;
        headers.push(["Transfer-Encoding", "chunked"]);
      }
    }
    const exchange = new Exchange(
      settings,
      {
        method,
        target,
        version: http2 ? "HTTP/1.1" : `HTTP/${req.httpVersion}`,
        headers,
        chunked,
        clientAddress: [socket?.remoteAddress ?? "", socket?.remotePort ?? 0],
        serverAddress: [socket?.localAddress ?? "", socket?.localPort ?? 0],
        mount: typeof baseUrl === "string" && baseUrl !== "" && target.startsWith(baseUrl) ? baseUrl : undefined,
      },
      bodiless ? null : readableBody(req, http2 ? http2StreamBody((req as Http2ServerRequest).stream, () => req.rawTrailers) : { trailers: () => req.rawTrailers }),
      new NodeHostResponse(res, http2),
    );
    // Closed before the response was complete: the client has gone.
    res.once("close", () => {
      if (!res.writableFinished) exchange.abort();
    });
    void exchange.run();
  };
}

/** The handler's response, written to a `ServerResponse` or `Http2ServerResponse`. */
class NodeHostResponse implements HostResponse {
  readonly #res: NodeResponse;
  readonly #http2: boolean;
  #drain: DrainWait | null = null;

  constructor(res: NodeResponse, http2: boolean) {
    this.#res = res;
    this.#http2 = http2;
  }

  informational(head: ResponseHeadData): void {
    const res = this.#res;
    if (head.status === 100) {
      // node:http answers `Expect: 100-continue` itself unless the server
      // listens to 'checkContinue'; forward the handler's only if it did not.
      if ((res as { _sent100?: boolean })._sent100 === false) res.writeContinue();
    } else if (head.status === 103) {
      const links = head.headers.filter(([n]) => n.toLowerCase() === "link").map(([, v]) => v);
      if (links.length > 0) res.writeEarlyHints({ link: links });
    }
  }

  start(head: ResponseHeadData): void {
    // Every value of a name together (names compared without case, spelled
    // as first written), so repeated fields (Set-Cookie) stay separate lines
    // whatever the case of each. No prototype: a field may be named
    // `constructor` or `__proto__`.
    const fields: Record<string, [name: string, value: string | string[]]> = Object.create(null) as Record<string, [string, string | string[]]>;
    for (const [name, value] of head.headers) {
      const lower = name.toLowerCase();
      if (HOP_BY_HOP.has(lower)) continue;
      const seen = fields[lower];
      if (seen === undefined) fields[lower] = [name, value];
      else if (typeof seen[1] === "string") seen[1] = [seen[1], value];
      else seen[1].push(value);
    }
    // setHeader() per name, merged with what middleware set before. Not
    // writeHead(status, fields): node:http sends fields given that way
    // without keeping them, so res.getHeader() (a logger at 'finish')
    // would not see them.
    const res = this.#res;
    for (const lower in fields) {
      const [name, value] = fields[lower]!;
      res.setHeader(name, value);
    }
    // HTTP/2 has no reason phrase.
    if (this.#http2) (res as Http2ServerResponse).writeHead(head.status);
    else (res as ServerResponse).writeHead(head.status, head.reason);
  }

  body(chunk: Buffer): void | Promise<void> {
    const res = this.#res;
    if (res.destroyed) throw clientGone();
    if ((res as ServerResponse).write(chunk)) return;
    return (this.#drain ??= new DrainWait(res)).wait();
  }

  end(last?: Buffer): void {
    if (last === undefined) (this.#res as ServerResponse).end();
    else (this.#res as ServerResponse).end(last);
  }

  abandon(): void {
    this.#res.destroy();
  }

  fail(): void {
    const res = this.#res;
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return;
    }
    // Nothing of the failed response may leak into the error page.
    for (const name of res.getHeaderNames()) res.removeHeader(name);
    const page = errorPage500();
    (res as ServerResponse).writeHead(500, { "Content-Type": ERROR_CONTENT_TYPE, "Content-Length": String(page.length) });
    (res as ServerResponse).end(page);
  }
}

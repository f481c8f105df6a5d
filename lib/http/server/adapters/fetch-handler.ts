/**
 * `toFetchHandler()`: run a handler class as a web-standard fetch handler,
 * `(request: Request) => Promise<Response>`, for `Bun.serve`, `Deno.serve`,
 * workers and Hono. See `docs/node-integration.md`.
 *
 * @module
 */
import type { MemoryConnection } from "./memory-connection.js";
import { adapterSettings, ERROR_CONTENT_TYPE, errorPage500, Exchange, type AdapterOptions, type BodySource, type HandlerClass, type HostResponse } from "./exchange.js";
import { HOP_BY_HOP, type ResponseHeadData } from "./response-reader.js";

/** A client address as a host object reports it (Bun's `requestIP()`, Deno's `remoteAddr`). */
export interface HostAddress {
  /** The host (Bun). */
  address?: string | undefined;
  /** The host (Deno). */
  hostname?: string | undefined;
  /** The port. */
  port?: number | undefined;
}

/** A client address as a fetch host reports it: `[host, port]`, a host alone, or a {@link HostAddress}. */
export type FetchClientAddress = readonly [string, number] | string | HostAddress | null | undefined;

/** Options of {@link toFetchHandler}. */
export interface FetchHandlerOptions extends AdapterOptions {
  /**
   * The client's address, which a `Request` does not carry: a fixed value,
   * or a function of the request and whatever else the host passes the
   * fetch handler (Bun: the server, Deno: the connection info). Default
   * `["-", 0]`.
   */
  clientAddress?: FetchClientAddress | ((request: Request, ...context: never[]) => FetchClientAddress) | undefined;
}

/** What {@link toFetchHandler} returns. */
export type FetchHandler = (request: Request, ...context: unknown[]) => Promise<Response>;

/** Statuses whose `Response` cannot have a body. */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * A fetch handler that answers each `Request` with a new `Handler`. The
 * request body is streamed to `this.rfile`; the `Response` resolves as soon
 * as the handler has sent its head, and its body streams what the handler
 * writes, with back-pressure. Repeated headers (several `Set-Cookie`) are
 * kept; a `HEAD` response has no body.
 *
 * @param Handler - a `BaseHTTPRequestHandler` subclass (or `SimpleHTTPRequestHandler`).
 * @param options - constructor arguments, the client address, limits.
 * @example
 * ```ts
 * import { BaseHTTPRequestHandler, toFetchHandler } from "http.server";
 * class Hello extends BaseHTTPRequestHandler {
 *   do_GET() {
 *     this.sendResponse(200);
 *     this.sendHeader("Content-Type", "text/plain");
 *     this.endHeaders();
 *     this.wfile.write("hello\n");
 *   }
 * }
 * Bun.serve({ fetch: toFetchHandler(Hello, { clientAddress: (req, server) => server.requestIP(req) }) });
 * ```
 */
export function toFetchHandler(Handler: HandlerClass, options: FetchHandlerOptions = {}): FetchHandler {
  const settings = adapterSettings(Handler, options);
  const address = options.clientAddress;
  return function handlerFetch(request: Request, ...context: unknown[]): Promise<Response> {
    return new Promise<Response>((resolve) => {
      const url = new URL(request.url);
      const headers: Array<[string, string]> = [];
      if (!request.headers.has("host")) headers.push(["Host", url.host]);
      request.headers.forEach((value, name) => {
        headers.push([name, value]);
      });
      // A body without a length reaches the handler chunked, as on a socket.
      const chunked = request.body !== null && !request.headers.has("content-length");
      if (chunked && !request.headers.has("transfer-encoding")) headers.push(["Transfer-Encoding", "chunked"]);
      const given = typeof address === "function" ? (address as (r: Request, ...c: unknown[]) => FetchClientAddress)(request, ...context) : address;
      const port = url.port !== "" ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
      const response = new FetchHostResponse(resolve);
      const exchange = new Exchange(
        settings,
        {
          method: request.method,
          target: (url.pathname || "/") + url.search,
          version: "HTTP/1.1",
          headers,
          chunked,
          clientAddress: clientAddressOf(given),
          serverAddress: [url.hostname, port],
        },
        request.body === null ? null : webBody(request.body),
        response,
      );
      response.onCancel = () => exchange.abort();
      void exchange.run();
    });
  };
}

/** The `[host, port]` pair a handler sees as `clientAddress`. */
function clientAddressOf(given: FetchClientAddress): [string, number] {
  if (given === null || given === undefined) return ["-", 0];
  if (typeof given === "string") return [given, 0];
  if (Array.isArray(given)) return [String(given[0]), Number(given[1] ?? 0)];
  const o = given as HostAddress;
  return [o.address ?? o.hostname ?? "-", o.port ?? 0];
}

/**
 * How much of a request body is read and discarded once the handler is
 * done, before the rest is cancelled. Cancelling a body that is about to
 * end can break the host's stream (undici's body from an async iterable
 * closes its stream after the cancel, an uncaught error), so a short rest
 * is read to its end instead.
 */
const DRAIN_LIMIT = 64 * 1024;

/**
 * The request body, read from a web stream as fast as the handler takes
 * it. Once stopped, what remains is read and dropped, up to
 * {@link DRAIN_LIMIT}; a longer rest is cancelled. A body that stalls is
 * left waiting, never cancelled. No rejection of the reader escapes.
 */
function webBody(stream: ReadableStream<Uint8Array>): BodySource {
  const reader = stream.getReader();
  let stopped = false;
  let drained = 0;
  let demand: (() => void) | null = null;
  /** Read and drop the rest of the body, cancelling it past the limit. */
  const drain = async (): Promise<void> => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      drained += value.byteLength;
      if (drained > DRAIN_LIMIT) return reader.cancel();
    }
  };
  return {
    start(conn: MemoryConnection, abort: () => void) {
      conn.onDemand = () => {
        const wake = demand;
        demand = null;
        wake?.();
      };
      const pump = async (): Promise<void> => {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return stopped ? undefined : conn.endInput();
          if (stopped) {
            drained = value.byteLength;
            return drained > DRAIN_LIMIT ? reader.cancel() : drain();
          }
          const chunk = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
          if (!conn.feed(chunk)) await new Promise<void>((resolve) => (demand = resolve));
          if (stopped) return drain();
        }
      };
      pump().catch(() => {
        if (!stopped) abort();
      });
    },
    stop() {
      if (stopped) return;
      stopped = true;
      const wake = demand;
      demand = null;
      wake?.();
    },
  };
}

/** The handler's response as a `Response` with a streamed body. */
class FetchHostResponse implements HostResponse {
  /** Called when the consumer cancels the body (the client is gone). */
  onCancel: () => void = () => {};
  #resolve: ((response: Response) => void) | null;
  #controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  #pull: (() => void) | null = null;
  #closed = false;

  constructor(resolve: (response: Response) => void) {
    this.#resolve = resolve;
  }

  informational(): void {
    // A Response has no way to carry 1xx responses.
  }

  start(head: ResponseHeadData, hasBody: boolean): void {
    const headers = new Headers();
    for (const [name, value] of head.headers) {
      if (!HOP_BY_HOP.has(name.toLowerCase())) headers.append(name, value);
    }
    let body: ReadableStream<Uint8Array> | null = null;
    if (hasBody && !NULL_BODY.has(head.status)) {
      body = new ReadableStream<Uint8Array>(
        {
          start: (controller) => {
            this.#controller = controller;
          },
          pull: () => {
            const wake = this.#pull;
            this.#pull = null;
            wake?.();
          },
          cancel: () => {
            this.#closed = true;
            this.#pull?.();
            this.onCancel();
          },
        },
        { highWaterMark: 1 },
      );
    }
    const response = new Response(body, { status: head.status, statusText: head.reason, headers });
    this.#settle(response);
  }

  body(chunk: Buffer): void | Promise<void> {
    const controller = this.#controller;
    if (controller === null || this.#closed) return;
    controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    if ((controller.desiredSize ?? 1) > 0) return;
    return new Promise<void>((resolve) => (this.#pull = resolve));
  }

  end(last?: Buffer): void {
    if (this.#closed) return;
    if (last !== undefined) this.#controller?.enqueue(new Uint8Array(last.buffer, last.byteOffset, last.byteLength));
    this.#closed = true;
    this.#controller?.close();
  }

  fail(error: unknown): void {
    if (this.#resolve !== null) {
      const page = errorPage500();
      this.#settle(
        new Response(Uint8Array.from(page), {
          status: 500,
          statusText: "Internal Server Error",
          headers: { "Content-Type": ERROR_CONTENT_TYPE, "Content-Length": String(page.length) },
        }),
      );
      return;
    }
    if (this.#closed) return;
    this.#closed = true;
    this.#controller?.error(error);
  }

  #settle(response: Response): void {
    const resolve = this.#resolve;
    this.#resolve = null;
    resolve?.(response);
  }
}

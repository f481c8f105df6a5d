/**
 * `toStreamListener()`: run a handler class on the streams of a
 * `node:http2` server through its stream API (`server.on("stream", ...)`),
 * without the compatibility layer's request and response objects. See
 * `docs/node-integration.md`.
 *
 * @module
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerHttp2Stream } from "node:http2";
import { constants } from "node:http2";
import { clientGone } from "./memory-connection.js";
import { adapterSettings, ERROR_CONTENT_TYPE, errorPage500, Exchange, type AdapterOptions, type HandlerClass, type HostResponse } from "./exchange.js";
import { DrainWait, headerPairs, http2StreamBody, readableBody } from "./node-parts.js";
import { HOP_BY_HOP, type ResponseHeadData } from "./response-reader.js";

/** Options of {@link toStreamListener}. */
export type StreamListenerOptions = AdapterOptions;

/** What {@link toStreamListener} returns: a listener of a `node:http2` server's `'stream'` event. */
export type HandlerStreamListener = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, flags?: number, rawHeaders?: string[]) => void;

/**
 * A listener of a `node:http2` server's `'stream'` event that answers each
 * stream with a new `Handler`, as `toRequestListener()` answers requests:
 * the handler sees the request as an HTTP/1.1 one (pseudo-headers gone,
 * `:authority` as `Host`), reads its body through `this.rfile` and writes
 * its response as it would to a socket. Cheaper than the compatibility API:
 * no `Http2ServerRequest` and `Http2ServerResponse` are made.
 *
 * An `Expect: 100-continue` request gets its `100` at once, as the
 * compatibility API sends it. A server that also serves HTTP/1.1
 * (`allowHTTP1`) needs `toRequestListener()` for those requests; note that
 * listening to `'request'` makes `node:http2` answer HTTP/2 streams through
 * the compatibility API as well.
 *
 * @param Handler - a `BaseHTTPRequestHandler` subclass (or `SimpleHTTPRequestHandler`).
 * @param options - constructor arguments, the `server` the handler sees, limits.
 * @example
 * ```ts
 * import { createSecureServer } from "node:http2";
 * import { readFileSync } from "node:fs";
 * import { SimpleHTTPRequestHandler, toStreamListener } from "http.server";
 * const server = createSecureServer({ key: readFileSync("key.pem"), cert: readFileSync("cert.pem") });
 * server.on("stream", toStreamListener(SimpleHTTPRequestHandler, { directory: "public" }));
 * server.listen(8443);
 * ```
 */
export function toStreamListener(Handler: HandlerClass, options: StreamListenerOptions = {}): HandlerStreamListener {
  const settings = adapterSettings(Handler, options);
  return function handlerStreamListener(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, _flags?: number, rawHeaders?: string[]): void {
    const method = headers[":method"] ?? "GET";
    // CONNECT names an authority, not a path.
    const target = headers[":path"] ?? headers[":authority"] ?? "/";
    const fields = headerPairs(rawHeaders ?? rawPairs(headers));
    const bodiless = stream.endAfterHeaders;
    // A body without `content-length` reaches the handler chunked, as on a socket.
    const chunked = !bodiless && headers["content-length"] === undefined;
    if (chunked) fields.push(["Transfer-Encoding", "chunked"]);
    let trailers: readonly string[] = [];
    if (!bodiless) stream.once("trailers", (t: IncomingHttpHeaders) => (trailers = rawPairs(t)));
    const socket = stream.session?.socket;
    const response = new StreamHostResponse(stream);
    const exchange = new Exchange(
      settings,
      {
        method,
        target,
        version: "HTTP/1.1",
        headers: fields,
        chunked,
        clientAddress: [socket?.remoteAddress ?? "", socket?.remotePort ?? 0],
        serverAddress: [socket?.localAddress ?? "", socket?.localPort ?? 0],
      },
      bodiless ? null : readableBody(stream, http2StreamBody(stream, () => trailers)),
      response,
    );
    // A reset stream reports an error; the exchange learns of it through 'close'.
    stream.on("error", () => {});
    // Closed before the response was complete: the client has gone.
    stream.once("close", () => {
      if (!response.complete) exchange.abort();
    });
    if (!bodiless && isContinueWanted(headers)) response.sendContinue();
    void exchange.run();
  };
}

/** `headers` (an object) as `[name, value, ...]`, repeated values one pair each; pseudo-headers kept. */
function rawPairs(headers: IncomingHttpHeaders): string[] {
  const out: string[] = [];
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (Array.isArray(value)) for (const v of value) out.push(name, v);
    else if (value !== undefined) out.push(name, String(value));
  }
  return out;
}

/** The request says `Expect: 100-continue`. */
function isContinueWanted(headers: IncomingHttpHeaders): boolean {
  const expect = headers.expect;
  return typeof expect === "string" && expect.toLowerCase() === "100-continue";
}

/** The handler's response, written to an HTTP/2 stream. */
class StreamHostResponse implements HostResponse {
  readonly #stream: ServerHttp2Stream;
  #drain: DrainWait | null = null;
  #sent100 = false;
  /** The head said the response has no body: the stream ended with it. */
  #endedWithHead = false;
  #complete = false;

  constructor(stream: ServerHttp2Stream) {
    this.#stream = stream;
  }

  /** The whole response has been handed to the stream. */
  get complete(): boolean {
    return this.#complete;
  }

  /** Send `100 Continue` (once). */
  sendContinue(): void {
    if (this.#sent100 || this.#stream.headersSent || this.#stream.destroyed) return;
    this.#sent100 = true;
    this.#stream.additionalHeaders({ ":status": 100 });
  }

  informational(head: ResponseHeadData): void {
    if (head.status === 100) return this.sendContinue();
    if (head.status !== 103) return;
    const links = head.headers.filter(([n]) => n.toLowerCase() === "link").map(([, v]) => v);
    if (links.length > 0 && !this.#stream.headersSent && !this.#stream.destroyed) this.#stream.additionalHeaders({ ":status": 103, link: links });
  }

  start(head: ResponseHeadData, hasBody: boolean): void {
    const stream = this.#stream;
    if (stream.destroyed) throw clientGone();
    // Every value of a name together, so repeated fields (Set-Cookie) stay
    // separate whatever the case of each. No prototype: a field may be
    // named `constructor` or `__proto__`.
    const fields = Object.create(null) as OutgoingHttpHeaders;
    fields[":status"] = head.status;
    for (const [name, value] of head.headers) {
      const lower = name.toLowerCase();
      if (HOP_BY_HOP.has(lower)) continue;
      const seen = fields[lower];
      if (seen === undefined) fields[lower] = value;
      else if (Array.isArray(seen)) seen.push(value);
      else fields[lower] = [String(seen), value];
    }
    this.#endedWithHead = !hasBody;
    stream.respond(fields, { endStream: !hasBody });
  }

  body(chunk: Buffer): void | Promise<void> {
    const stream = this.#stream;
    if (stream.destroyed) throw clientGone();
    if (stream.write(chunk)) return;
    return (this.#drain ??= new DrainWait(stream)).wait();
  }

  end(last?: Buffer): void {
    this.#complete = true;
    if (this.#endedWithHead) return;
    if (last === undefined) this.#stream.end();
    else this.#stream.end(last);
  }

  abandon(): void {
    this.#stream.close(constants.NGHTTP2_CANCEL);
  }

  fail(): void {
    const stream = this.#stream;
    if (stream.headersSent || stream.destroyed) {
      stream.close(constants.NGHTTP2_INTERNAL_ERROR);
      return;
    }
    const page = errorPage500();
    stream.respond({ ":status": 500, "content-type": ERROR_CONTENT_TYPE, "content-length": page.length });
    this.#complete = true;
    stream.end(page);
  }
}

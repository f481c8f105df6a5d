/**
 * `--http2`: the folder server over HTTP/2, with HTTP/1.1 on the same port
 * for clients that do not offer `h2` in ALPN. One server, the command
 * line's usual one: HTTP/1.1 connections are served by the package's own
 * engine exactly as by `ThreadingHTTPSServer`, and each HTTP/2 stream by a
 * handler of the same class through `toStreamListener()`, so files,
 * ranges, validators, listings, errors, the access gate and the log lines
 * are the same on both.
 *
 * Loaded only when `--http2` is given.
 *
 * @module
 */
import * as http2 from "node:http2";
import type * as net from "node:net";
import type { TLSSocket } from "node:tls";
import { headerTimeoutOf, ThreadingHTTPSServer } from "../http/server/http-server.js";
import { toStreamListener } from "../http/server/adapters/stream-listener.js";
import type { HandlerClass } from "../http/server/adapters/exchange.js";


/**
 * Streams one HTTP/2 session may have open at once (node:http2 sets no
 * limit): each runs a handler, as each HTTP/1.1 connection does, so one
 * client must not start thousands. Browsers queue what is over it; 100 is
 * Apache's default, nginx allows 128.
 */
const MAX_CONCURRENT_STREAMS = 100;

/** ALPN: `h2` when the client offers it, else `http/1.1`; neither fails the handshake. */
function chooseProtocol({ protocols }: { protocols: string[] }): string | undefined {
  if (protocols.includes("h2")) return "h2";
  if (protocols.includes("http/1.1")) return "http/1.1";
  return undefined;
}

/**
 * A `ThreadingHTTPSServer` that speaks HTTP/2 to clients that offer it
 * (ALPN `h2`) and HTTP/1.1 to the others. Closing it sends every HTTP/2
 * session a GOAWAY, lets the streams in progress finish as HTTP/1.1
 * requests do (up to `shutdownTimeout`), then ends what is left.
 */
export class HTTP2Server extends ThreadingHTTPSServer {
  readonly #sessions = new Set<http2.ServerHttp2Session>();
  #closing = false;

  /** A `node:http2` secure server: sessions for `h2`, this package's engine for the rest. */
  override createSocket(): net.Server {
    const { ALPNProtocols: _offered, allowHalfOpen: _halfOpen, ...tlsOptions } = this.tlsServerOptions();
    const server = http2.createSecureServer({
      ...tlsOptions,
      ALPNCallback: chooseProtocol,
      settings: { maxConcurrentStreams: MAX_CONCURRENT_STREAMS },
    });
    // A session with no traffic for the handlers' headerTimeout (60 s unless
    // changed) is closed, as an HTTP/1.1 connection waiting that long for a
    // request head is. node:http2 notices a client that left only when it
    // next reads or writes, which a session stopped by a protocol error or
    // by a full flow-control window may never do: this ends such a session.
    const idle = headerTimeoutOf(this);
    if (idle !== null) server.setTimeout(Math.max(1, Math.round(idle * 1000)));
    // HTTP/1.1 (or no ALPN): the connection is the engine's, as on ThreadingHTTPSServer.
    server.on("unknownProtocol", (socket: TLSSocket) => {
      socket.allowHalfOpen = true;
      this.acceptConnection(socket);
    });
    server.on("session", (session: http2.ServerHttp2Session) => {
      session.on("error", () => {});
      this.#sessions.add(session);
      session.once("close", () => this.#sessions.delete(session));
      if (this.#closing) session.close();
    });
    server.on("stream", toStreamListener(this.RequestHandlerClass as unknown as HandlerClass, { server: this }));
    return server;
  }

  /**
   * Stop listening, send each HTTP/2 session a GOAWAY (it ends after its
   * open streams), wind down HTTP/1.1 connections and handlers as
   * `HTTPServer` does, then end the sessions still open.
   */
  override async serverClose(): Promise<void> {
    this.#closing = true;
    for (const session of this.#sessions) session.close();
    await super.serverClose();
    for (const session of this.#sessions) session.destroy();
  }
}

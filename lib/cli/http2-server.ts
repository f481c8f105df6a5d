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
  /** The open HTTP/2 sessions, each with its streams not yet closed. */
  readonly #sessions = new Map<http2.Http2Session, Set<http2.ServerHttp2Stream>>();
  #closing = false;

  /** A `node:http2` secure server: sessions for `h2`, this package's engine for the rest. */
  override createSocket(): net.Server {
    const { ALPNProtocols: _offered, allowHalfOpen: _halfOpen, ...tlsOptions } = this.tlsServerOptions();
    const server = http2.createSecureServer({
      ...tlsOptions,
      ALPNCallback: chooseProtocol,
      settings: { maxConcurrentStreams: MAX_CONCURRENT_STREAMS },
    });
    // A session with no traffic and no stream being answered for the
    // handlers' headerTimeout (60 s unless changed) is closed, as an
    // HTTP/1.1 connection waiting that long for a request head is.
    // node:http2 notices a client that left only when it next reads or
    // writes, which a session stopped by a protocol error may never do:
    // once its streams have timed out, this ends such a session.
    const idle = headerTimeoutOf(this);
    const idleMs = idle === null ? null : Math.max(1, Math.round(idle * 1000));
    // HTTP/1.1 (or no ALPN): the connection is the engine's, as on ThreadingHTTPSServer.
    server.on("unknownProtocol", (socket: TLSSocket) => {
      socket.allowHalfOpen = true;
      this.acceptConnection(socket);
    });
    server.on("session", (session: http2.ServerHttp2Session) => {
      session.on("error", () => {});
      this.#sessions.set(session, new Set());
      session.once("close", () => this.#sessions.delete(session));
      if (idleMs !== null) {
        session.setTimeout(idleMs, () => {
          // Idle, but a stream still being answered: it has its handler's own
          // time-outs, as a busy HTTP/1.1 connection has; look again later.
          if (this.#answering(session)) session.setTimeout(idleMs);
          else session.destroy();
        });
      }
      if (this.#closing) session.close();
    });
    const answer = toStreamListener(this.RequestHandlerClass as unknown as HandlerClass, { server: this });
    server.on("stream", (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, flags: number, rawHeaders: string[]) => {
      const streams = stream.session === undefined ? undefined : this.#sessions.get(stream.session);
      if (streams !== undefined) {
        streams.add(stream);
        stream.once("close", () => streams.delete(stream));
      }
      answer(stream, headers, flags, rawHeaders);
    });
    return server;
  }

  /**
   * Whether a stream of `session` is still being answered: neither its
   * response ended nor the stream reset. (A stream reset on a session
   * node:http2 no longer reads or writes may never report its close.)
   */
  #answering(session: http2.Http2Session): boolean {
    for (const stream of this.#sessions.get(session) ?? []) if (!stream.closed && !stream.writableEnded) return true;
    return false;
  }

  /**
   * Stop listening, send each HTTP/2 session a GOAWAY (it ends after its
   * open streams), wind down HTTP/1.1 connections and handlers as
   * `HTTPServer` does, then end the sessions still open.
   */
  override async serverClose(): Promise<void> {
    this.#closing = true;
    for (const session of this.#sessions.keys()) session.close();
    await super.serverClose();
    for (const session of this.#sessions.keys()) session.destroy();
  }
}

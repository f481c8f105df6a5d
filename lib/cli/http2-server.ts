/**
 * `--http2`: the folder server over HTTP/2 (and HTTP/1.1 for clients that
 * do not offer `h2` in ALPN), on `node:http2`'s secure server. Each request
 * is answered by the command line's handler class through
 * `toRequestListener()`, so files, ranges, validators, listings, errors,
 * the access gate and the log lines are those of the HTTP/1.1 server.
 *
 * Loaded only when `--http2` is given.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import * as http2 from "node:http2";
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import type { RequestHandlerClass } from "../socketserver/index.js";
import { toRequestListener } from "../http/server/adapters/request-listener.js";
import type { HandlerClass } from "../http/server/adapters/exchange.js";
import { closeForcibly, describeStartupError, KEYBOARD_INTERRUPT_MESSAGE, lanUrls, PROG, resolveBindAddress, waitForStop, type TestOptions } from "./cli.js";

/** What {@link serveHttp2} needs: {@link TestOptions} less the server class, plus a callback with the bound address. */
export interface Http2Options extends Omit<TestOptions, "ServerClass" | "onServing"> {
  /** The handler class (the command line's); its `protocolVersion` is set to `protocol`. */
  HandlerClass: RequestHandlerClass;
  /** Called once the server listens (after the start-up line), with the bound host and port. */
  onServing?: (address: [host: string, port: number]) => void;
}

/**
 * A connection (an HTTP/2 session or an HTTP/1.1 connection) with no traffic
 * for this long is closed, as the HTTP/1.1 server's handlers wait at most
 * 60 s (`headerTimeout`) for a request head.
 */
const IDLE_TIMEOUT_MS = 60_000;

/** Key and certificate for the secure server, read from the files or taken from memory. */
function secureContext(options: Http2Options): http2.SecureServerOptions {
  if (options.tlsPem) return { cert: options.tlsPem.cert, key: options.tlsPem.key };
  if (!options.tlsCert) throw new Error("--http2 needs a TLS certificate");
  return {
    cert: readFileSync(options.tlsCert),
    // As Python's load_cert_chain(): without a key file, the key is in the certificate file.
    key: readFileSync(options.tlsKey ?? options.tlsCert),
    passphrase: options.tlsPassword ?? undefined,
  };
}

/**
 * Connections of an HTTP/2 secure server, closed gracefully at shutdown:
 * HTTP/2 sessions get a GOAWAY and end after their open streams; HTTP/1.1
 * connections end at once when idle, else after their current response.
 */
class ConnectionTracker {
  readonly #sessions = new Set<http2.ServerHttp2Session>();
  readonly #busy = new Map<Socket | TLSSocket, number>();
  readonly #sockets = new Set<Socket>();
  #closing = false;

  constructor(server: http2.Http2SecureServer) {
    server.on("session", (session: http2.ServerHttp2Session) => {
      this.#sessions.add(session);
      session.once("close", () => this.#sessions.delete(session));
      if (this.#closing) session.close();
    });
    server.on("secureConnection", (socket: TLSSocket) => {
      this.#sockets.add(socket);
      socket.once("close", () => this.#sockets.delete(socket));
    });
    server.on("request", (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => {
      if (req.httpVersionMajor === 2) return;
      const socket = req.socket as Socket;
      this.#busy.set(socket, (this.#busy.get(socket) ?? 0) + 1);
      res.once("close", () => {
        const left = (this.#busy.get(socket) ?? 1) - 1;
        if (left > 0) this.#busy.set(socket, left);
        else this.#busy.delete(socket);
        if (this.#closing && left <= 0) socket.destroySoon();
      });
    });
  }

  /** Stop every connection as soon as it has no request in progress. */
  closeAll(): void {
    this.#closing = true;
    for (const session of this.#sessions) session.close();
    for (const socket of this.#sockets) {
      // A socket carrying an HTTP/2 session is ended by the session.
      if ((socket as TLSSocket).alpnProtocol === "h2") continue;
      if (!this.#busy.has(socket)) socket.destroySoon();
    }
  }
}

/**
 * Serve HTTPS with HTTP/2 (ALPN `h2`, falling back to `http/1.1`) until
 * SIGINT or SIGTERM, as `test()` serves HTTP/1.1: the same start-up line,
 * the same interrupt message, the same one-line report of a start-up
 * error (status 1). Returns the exit status.
 */
export async function serveHttp2(options: Http2Options): Promise<number> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const handleSignals = options.handleSignals ?? true;
  const stop = waitForStop(handleSignals, false, options.signal);
  let server: http2.Http2SecureServer | null = null;
  try {
    let address: [string, number];
    try {
      const [, bindAddress] = await resolveBindAddress(options.bind ?? null, options.port ?? 8000);
      (options.HandlerClass as unknown as { prototype: { protocolVersion: string } }).prototype.protocolVersion = options.protocol ?? "HTTP/1.0";
      const listener = toRequestListener(options.HandlerClass as unknown as HandlerClass);
      server = http2.createSecureServer({ ...secureContext(options), allowHTTP1: true }, listener);
      server.setTimeout(IDLE_TIMEOUT_MS);
      const s = server;
      await new Promise<void>((resolve, reject) => {
        s.once("error", reject);
        s.listen({ host: bindAddress[0], port: bindAddress[1] }, () => {
          s.off("error", reject);
          resolve();
        });
      });
      const bound = s.address();
      address = typeof bound === "object" && bound !== null ? [bound.address, bound.port] : [bindAddress[0], bindAddress[1]];
    } catch (err) {
      let message = describeStartupError(err);
      if (/bad decrypt/.test(message) && !options.tlsPassword) message += " (is the key encrypted? give its password with --tls-password-file)";
      stderr.write(`${PROG}: error: ${message}\n`);
      server?.close();
      return 1;
    }
    const tracker = new ConnectionTracker(server);
    server.on("error", (err: Error) => stderr.write(`${PROG}: error: ${describeStartupError(err)}\n`));

    const [host, port] = address;
    const urlHost = host.includes(":") ? `[${host}]` : host;
    const decorate = options.decorateUrl ?? ((url: string) => url);
    let banner = `Serving HTTPS on ${host} port ${port} (${decorate(`https://${urlHost}:${port}/`)}) ...\n`;
    if (options.showAddresses) for (const url of lanUrls(host, port, "https")) banner += `  ${decorate(url)}\n`;
    stdout.write(banner);
    options.onServing?.(address);

    const sig = await stop.stopped;
    if (sig === "SIGINT") stdout.write(KEYBOARD_INTERRUPT_MESSAGE);
    stop.dispose();
    const s = server;
    await closeForcibly(handleSignals, async () => {
      const closed = new Promise<void>((resolve) => s.close(() => resolve()));
      tracker.closeAll();
      await closed;
    });
    return 0;
  } finally {
    stop.dispose();
  }
}

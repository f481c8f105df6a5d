/**
 * The HTTP server classes of Python's `http.server`: `HTTPServer`,
 * `ThreadingHTTPServer`, `HTTPSServer` and `ThreadingHTTPSServer`.
 *
 * @module
 */
// Named in the declarations TypeScript writes for the mixin classes (their
// inherited EventEmitter members), so it must be in scope there.
// eslint-disable-next-line @typescript-eslint/no-unused-vars
import { EventEmitter } from "node:events";
import { promises as dns } from "node:dns";
import { readFileSync } from "node:fs";
import type * as net from "node:net";
import { hostname } from "node:os";
import * as tls from "node:tls";
import { pythonNames } from "../../python-names.js";
import type { RequestHandlerClass, ServeForeverOptions } from "../../socketserver/base-server.js";
import { settingsProbe } from "../../socketserver/request-handlers.js";
import { ThreadingMixIn } from "../../socketserver/mixins.js";
import { TCPServer } from "../../socketserver/tcp-server.js";
import type { BaseHTTPRequestHandler, ConnectionRegistry } from "./base-handler.js";
import { Registry, type RegistryEntry } from "../../socketserver/registry.js";

/**
 * Python's `socket.getfqdn()`: the fully qualified name of `host`; for an
 * empty or wildcard address, of this machine. Falls back to the name given.
 */
export async function getfqdn(host = ""): Promise<string> {
  let name = host.trim();
  if (name === "" || name === "0.0.0.0" || name === "::") name = hostname();
  try {
    const { address } = await dns.lookup(name);
    const found = await dns.lookupService(address, 0);
    const candidates = [found.hostname];
    return candidates.find((n) => n.includes(".")) ?? found.hostname ?? name;
  } catch {
    return name;
  }
}

/**
 * A TCP server for HTTP: reuses its address, and after binding records
 * {@link serverName} and {@link serverPort} for handlers (CGI uses them).
 * Handles one connection, with all its keep-alive requests, at a time; use
 * {@link ThreadingHTTPServer} to serve clients concurrently.
 *
 * Defaults that differ from `TCPServer`: `allowReuseAddress` is true,
 * `requestQueueSize` is 4096 (SOMAXCONN, as in Python 3.15) and
 * `maxConnections` is 10000.
 */
export class HTTPServer extends TCPServer implements ConnectionRegistry {
  /** The server's host name, found after binding. */
  serverName = "";
  /** The port the server is bound to. */
  serverPort = 0;
  /**
   * Seconds {@link serverClose} lets requests in progress finish before it
   * cuts their connections (default 5). Idle kept-alive connections are
   * closed at once.
   */
  declare shutdownTimeout: number;

  #handlers = new Registry<BaseHTTPRequestHandler>();
  #draining = false;
  #idle: Array<() => void> = [];

  /** Bind and listen (see `TCPServer.serverBind`), then record {@link serverName} and {@link serverPort}. */
  override async serverBind(): Promise<void> {
    await super.serverBind();
    const address = this.serverAddress as [string, number];
    this.serverName = await getfqdn(address[0]);
    this.serverPort = address[1];
  }

  /** True while the server is winding down its connections. */
  get draining(): boolean {
    return this.#draining;
  }

  /** Connections being served now. */
  get openConnections(): number {
    return this.#handlers.size;
  }

  /**
   * Called by a handler when it starts serving a connection (part of
   * {@link ConnectionRegistry}). Returns the token to give back to
   * {@link untrackHandler}.
   */
  trackHandler(handler: BaseHTTPRequestHandler): unknown {
    return this.#handlers.add(handler);
  }

  /** Called by a handler when it is done with its connection, with the token {@link trackHandler} gave (part of {@link ConnectionRegistry}). */
  untrackHandler(handler: BaseHTTPRequestHandler, token?: unknown): void {
    const given = token as RegistryEntry<BaseHTTPRequestHandler> | undefined;
    const entry = given?.value === handler ? given : this.#handlers.find(handler);
    if (entry) this.#handlers.delete(entry);
    if (this.#handlers.size === 0 && this.#idle.length > 0) for (const done of this.#idle.splice(0)) done();
  }

  override serveForever(options?: number | ServeForeverOptions): Promise<void> {
    this.#draining = false;
    return super.serveForever(options);
  }

  /**
   * Stop the loop, as Python's `shutdown()` does, and start winding down:
   * idle kept-alive connections close now, busy ones after their current
   * response.
   */
  override shutdown(): Promise<void> {
    const stopped = super.shutdown();
    this.#drain();
    return stopped;
  }

  /**
   * Stop listening (the port is free again at once), close idle
   * connections, give requests in progress up to {@link shutdownTimeout}
   * seconds, then cut what is left.
   */
  override async serverClose(): Promise<void> {
    this.#drain();
    await super.serverClose();
    if (this.#handlers.size === 0) return;
    const allDone = new Promise<void>((resolve) => this.#idle.push(resolve));
    let timer: NodeJS.Timeout | undefined;
    const timeUp = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, this.shutdownTimeout) * 1000);
      timer.unref();
    });
    await Promise.race([allDone, timeUp]);
    clearTimeout(timer);
    for (const handler of this.#handlers.values()) {
      (handler.connection as { destroy?: () => void } | undefined)?.destroy?.();
    }
  }

  #drain(): void {
    this.#draining = true;
    for (const handler of this.#handlers.values()) handler.stopIfIdle();
  }
}

HTTPServer.prototype.allowReuseAddress = true;
// Python 3.15's value (SOMAXCONN): a backlog of 5 drops connection bursts
// and makes browsers and load generators wait a second to retry.
HTTPServer.prototype.requestQueueSize = 4096;
HTTPServer.prototype.allowReusePort = false;
HTTPServer.prototype.shutdownTimeout = 5;
HTTPServer.prototype.maxConnections = 10000;
pythonNames(HTTPServer, { attributes: ["serverName", "serverPort"] });

/** An {@link HTTPServer} that serves each connection concurrently; closing it does not wait for open connections. */
export class ThreadingHTTPServer extends ThreadingMixIn(HTTPServer) {
  /**
   * @param serverAddress - `[host, port]`.
   * @param RequestHandlerClass - instantiated once per connection.
   * @param bindAndActivate - `false` leaves binding to explicit calls.
   */
  constructor(serverAddress: unknown, RequestHandlerClass: RequestHandlerClass, bindAndActivate = true) {
    super(serverAddress, RequestHandlerClass, bindAndActivate);
  }
}
ThreadingHTTPServer.prototype.daemonThreads = true;
pythonNames(ThreadingHTTPServer);

/** TLS settings of {@link HTTPSServer} (Python's keyword arguments). */
export interface HTTPSOptions {
  /** Path of the certificate chain (PEM); not read when {@link pem} is given. */
  certfile?: string;
  /** Path of the private key (PEM); default: the key is in `certfile`. */
  keyfile?: string | null | undefined;
  /** Password of the private key. */
  password?: string | Buffer | null | undefined;
  /** ALPN protocols offered; default `["http/1.1"]`. */
  alpnProtocols?: string[] | null | undefined;
  /** The certificate chain and key themselves (PEM), in place of files: nothing is read from disk. */
  pem?: {
    /** The certificate chain (PEM). */
    cert: string | Buffer;
    /** The private key (PEM, unencrypted). */
    key: string | Buffer;
  } | null | undefined;
}

/**
 * Read the certificate chain and key named by `opts` and check that they
 * make a usable TLS context (a key that matches the certificate, the right
 * password). Throws the TLS or file error otherwise.
 */
function loadCertChain(opts: HTTPSOptions | undefined): tls.SecureContextOptions {
  if (!opts || (!opts.certfile && !opts.pem)) throw new TypeError("HTTPSServer needs options.certfile (or options.pem)");
  const cert = opts.pem ? opts.pem.cert : readFileSync(opts.certfile!);
  const key = opts.pem ? opts.pem.key : opts.keyfile ? readFileSync(opts.keyfile) : cert;
  const password = opts.password ?? null;
  const context: tls.SecureContextOptions = {
    cert,
    key,
    ...(password !== null ? { passphrase: String(password) } : {}),
  };
  tls.createSecureContext(context);
  return context;
}

/**
 * The `headerTimeout` (seconds) of the handlers `server` makes, read from
 * its handler class before any connection exists: 60 unless the class
 * changes it, `null` for no limit. For limits that apply before a handler
 * runs, such as the TLS handshake's.
 */
export function headerTimeoutOf(server: HTTPServer): number | null {
  const probe = settingsProbe(server.RequestHandlerClass as unknown as new (request: unknown, clientAddress: unknown, server: HTTPServer) => BaseHTTPRequestHandler, server);
  const limit = probe?.headerTimeout;
  return typeof limit === "number" && limit >= 0 ? limit : limit === null ? null : 60;
}

/**
 * An {@link HTTPServer} speaking TLS (Python 3.14's `HTTPSServer`). Bad
 * certificate material throws from the constructor; failed handshakes are
 * dropped without disturbing the server.
 */
export class HTTPSServer extends HTTPServer {
  /** Path of the certificate chain (`""` when the certificate was given in memory). */
  certfile: string;
  /** Path of the private key, or `null` when it is in {@link certfile}. */
  keyfile: string | null;
  /** Password of the private key. */
  password: string | Buffer | null;
  /** ALPN protocols offered. */
  alpnProtocols: string[];
  /**
   * Seconds a client has to complete the TLS handshake before its
   * connection is dropped. `undefined` (default): the handler class's
   * `headerTimeout` (60 s unless changed), so that a client cannot hold a
   * connection longer by stalling before its request than during it;
   * `null`: Node's own limit (120 s).
   */
  declare handshakeTimeout: number | null | undefined;
  #context: tls.SecureContextOptions;

  /**
   * @param serverAddress - `[host, port]`.
   * @param RequestHandlerClass - instantiated once per connection.
   * @param bindAndActivate - `false` leaves binding to explicit calls.
   * @param options - certificate, key, password and ALPN protocols.
   */
  constructor(
    serverAddress: unknown,
    RequestHandlerClass: RequestHandlerClass,
    bindAndActivate: boolean | HTTPSOptions = true,
    options?: HTTPSOptions,
  ) {
    const opts = typeof bindAndActivate === "object" ? bindAndActivate : options;
    // Load and check the material before the base constructor schedules
    // binding: unusable material throws here, like Python's
    // load_cert_chain(), and no listening socket is left behind.
    const context = loadCertChain(opts);
    super(serverAddress, RequestHandlerClass, typeof bindAndActivate === "boolean" ? bindAndActivate : true);
    this.certfile = opts!.certfile ?? "";
    this.keyfile = opts!.keyfile ?? null;
    this.password = opts!.password ?? null;
    this.alpnProtocols = opts!.alpnProtocols ?? ["http/1.1"];
    this.#context = context;
  }

  override createSocket(): net.Server {
    const server = tls.createServer(this.tlsServerOptions());
    server.on("secureConnection", (sock: tls.TLSSocket) => this.acceptConnection(sock));
    // A failed handshake is the client's problem; the server carries on.
    server.on("tlsClientError", (_err, sock) => sock.destroy());
    return server;
  }

  /**
   * The options Node's TLS server is made with: the certificate and key,
   * {@link alpnProtocols}, the {@link handshakeTimeout}, and half-open
   * connections allowed (a client may end its side after its request and
   * still read the response).
   */
  tlsServerOptions(): tls.TlsOptions {
    const seconds = this.#handshakeSeconds();
    return {
      ...this.#context,
      ALPNProtocols: this.alpnProtocols,
      allowHalfOpen: true,
      ...(seconds === null ? {} : { handshakeTimeout: Math.max(1, Math.round(seconds * 1000)) }),
    };
  }

  /** The handshake limit in seconds (see {@link handshakeTimeout}); `null` for Node's own. */
  #handshakeSeconds(): number | null {
    if (this.handshakeTimeout !== undefined) return this.handshakeTimeout;
    return headerTimeoutOf(this);
  }
}

HTTPSServer.prototype.handshakeTimeout = undefined;
pythonNames(HTTPSServer, { attributes: ["alpnProtocols"] });

/** An {@link HTTPSServer} that serves each connection concurrently. */
export class ThreadingHTTPSServer extends ThreadingMixIn(HTTPSServer) {
  /**
   * @param serverAddress - `[host, port]`.
   * @param RequestHandlerClass - instantiated once per connection.
   * @param bindAndActivate - `false` leaves binding to explicit calls; or the TLS options (then binding happens).
   * @param options - certificate, key, password and ALPN protocols, when the third argument is a boolean.
   */
  constructor(
    serverAddress: unknown,
    RequestHandlerClass: RequestHandlerClass,
    bindAndActivate: boolean | HTTPSOptions = true,
    options?: HTTPSOptions,
  ) {
    super(serverAddress, RequestHandlerClass, bindAndActivate, options);
  }
}
ThreadingHTTPSServer.prototype.daemonThreads = true;
pythonNames(ThreadingHTTPSServer);

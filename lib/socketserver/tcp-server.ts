/**
 * `TCPServer`: a stream server on a listening `node:net` socket, ported from
 * Python's `socketserver.TCPServer`. {@link UnixStreamServer} shares it.
 *
 * @module
 */
import * as net from "node:net";
import { pythonNames } from "../python-names.js";
import { AF_INET, SOCK_STREAM, bindHost, parseInetAddress, toSocketAddress } from "./address.js";
import { pyRepr } from "../py/index.js";
import { BaseServer, emitServerClosed, markServerClosed, type RequestHandlerClass } from "./base-server.js";
import { ClosePolicy } from "./close-policy.js";

/** How long a closed connection keeps reading (and discarding) so the peer gets all data before the close. */
const LINGER_MS = 1000;

/** `reusePort` for `listen()` arrived in Node.js 22.12 / 23.1. */
function listenSupportsReusePort(): boolean {
  const [major, minor] = process.versions.node.split(".").map(Number) as [number, number];
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}

/**
 * Note that another process may still hold `sock`'s descriptor: sets
 * `sharedDescriptor` in its {@link ClosePolicy} (what `ForkingMixIn` does
 * for a connection a worker received), so that closing it always shuts
 * the write side down first.
 */
export function markSharedDescriptor(sock: object): void {
  ClosePolicy.of(sock).sharedDescriptor = true;
}

/**
 * Whether `sock` can be closed outright with nothing lost: its
 * {@link ClosePolicy} records no unread input (closing over unread input
 * makes the kernel reset the connection) and every byte written is already
 * with the kernel, which still delivers it, then the FIN, after the
 * descriptor is closed. That is what Python's `shutdown(SHUT_WR)` +
 * `close()` puts on the wire, without the extra round through the event
 * loop that Node's `end()` takes. TLS connections always take the `end()`
 * path, which sends close_notify, and so do descriptors shared with another
 * process (`sharedDescriptor`).
 */
function closesCleanlyAtOnce(sock: net.Socket, policy: ClosePolicy | undefined): boolean {
  return (
    (policy === undefined || (!policy.unreadInput && !policy.sharedDescriptor)) &&
    sock.readableLength === 0 &&
    sock.writableLength === 0 &&
    (sock as net.Socket & { encrypted?: boolean }).encrypted !== true
  );
}

/**
 * Close a connection the way a careful server does: finish sending, then,
 * when the client may still be sending (its {@link ClosePolicy} records
 * `unreadInput`), keep draining what it sends for a short while (closing a
 * socket with unread input makes the kernel reset it, which can destroy
 * the response in flight), then release it.
 */
export function closeConnection(sock: net.Socket): void {
  if (sock.destroyed) return;
  const policy = ClosePolicy.find(sock);
  if (closesCleanlyAtOnce(sock, policy)) {
    sock.destroy();
    return;
  }
  if (!sock.writableEnded) sock.end();
  if (policy?.unreadInput !== true && sock.readableLength === 0) {
    // Nothing left unread: release as soon as the last bytes are handed to
    // the kernel, as Python's shutdown() + close() does.
    if (sock.writableFinished) sock.destroy();
    else destroyWhenSent(sock, policy?.sendTimeoutMs ?? null);
    return;
  }
  const release = (): void => {
    clearTimeout(timer);
    sock.destroy();
  };
  const timer = setTimeout(release, LINGER_MS);
  timer.unref();
  if (sock.readableEnded) {
    if (sock.writableFinished) release();
    else sock.once("finish", release);
    return;
  }
  sock.on("data", () => undefined);
  sock.once("end", () => (sock.writableFinished ? release() : sock.once("finish", release)));
  sock.once("close", release);
  sock.resume();
}

/**
 * Destroy `sock` once its last bytes are handed to the kernel; with
 * `stallMs`, reset it instead when that long passes in which the peer took
 * none of them (a client that stopped reading cannot hold it).
 */
function destroyWhenSent(sock: net.Socket, stallMs: number | null): void {
  let timer: NodeJS.Timeout | undefined;
  sock.once("finish", () => {
    clearTimeout(timer);
    sock.destroy();
  });
  sock.once("close", () => clearTimeout(timer));
  if (stallMs === null) return;
  let left = sock.writableLength;
  const check = (): void => {
    if (sock.destroyed) return;
    if (sock.writableLength < left) {
      left = sock.writableLength;
      timer = setTimeout(check, stallMs);
      timer.unref();
      return;
    }
    if (typeof sock.resetAndDestroy === "function") sock.resetAndDestroy();
    else sock.destroy();
  };
  timer = setTimeout(check, stallMs);
  timer.unref();
}

/**
 * A server for stream connections. Constructing it binds and listens (on the
 * microtask after construction; await {@link BaseServer.ready} or
 * {@link BaseServer.serveForever}), unless `bindAndActivate` is false.
 *
 * Handles one connection at a time; combine with {@link ThreadingMixIn} or
 * {@link ForkingMixIn} for concurrency.
 */
export class TCPServer extends BaseServer {
  /** The address family: {@link AF_INET} (default), `AF_INET6`, or `AF_UNIX`. */
  declare addressFamily: number;
  /** Python's `socket_type`: always `SOCK_STREAM` here. */
  declare socketType: number;
  /** The `listen()` backlog. */
  declare requestQueueSize: number;
  /**
   * Python's `SO_REUSEADDR` switch. Node.js always sets `SO_REUSEADDR` on
   * listening TCP sockets, so `false` cannot be enforced (see docs/deviations.md).
   */
  declare allowReuseAddress: boolean;
  /** Set `SO_REUSEPORT`, letting several processes bind the same port (Node.js >= 22.12). */
  declare allowReusePort: boolean;
  /**
   * The most connections open at once; further ones are refused (closed at
   * once by Node) until some end. `null` (default, as Python) sets no limit
   * beyond the process's file descriptors.
   */
  declare maxConnections: number | null;

  #socket: net.Server | null = null;
  #bindAndActivate: boolean;
  #closed = false;
  #listening = false;
  /**
   * Whether {@link closeRequest} is `TCPServer`'s own, decided at the first
   * {@link shutdownRequest} (`undefined` until then).
   */
  #ownCloseRequest: boolean | undefined = undefined;

  /**
   * @param serverAddress - `[host, port]` (`""` means every interface, port 0 picks a free port), or a path for Unix servers.
   * @param RequestHandlerClass - instantiated once per connection.
   * @param bindAndActivate - `false` leaves binding to explicit {@link serverBind} and {@link serverActivate} calls.
   */
  constructor(serverAddress: unknown, RequestHandlerClass: RequestHandlerClass, bindAndActivate = true) {
    super(serverAddress, RequestHandlerClass);
    this.#bindAndActivate = bindAndActivate;
    this.checkAddress(serverAddress);
  }

  /** Throw at construction for an address this server can never bind. */
  checkAddress(address: unknown): void {
    parseInetAddress(address);
  }

  override async activate(): Promise<void> {
    // Closed before the deferred bind ran: Python would have bound and then
    // closed; binding now would leak a listening socket.
    if (!this.#bindAndActivate || this.#closed) return;
    try {
      await this.serverBind();
      await this.serverActivate();
    } catch (err) {
      await this.serverClose();
      throw err;
    }
    if (!this.#closed) this.emit("listening");
  }

  /**
   * The listening socket (Python's `self.socket`), created on first use by
   * {@link createSocket}.
   */
  get socket(): net.Server {
    if (!this.#socket) {
      const s = this.createSocket();
      s.on("error", () => undefined); // errors are reported by serverBind()
      this.#socket = s;
    }
    return this.#socket;
  }

  /**
   * Make the listening socket and route accepted connections into the
   * request queue. `HTTPSServer` overrides it to listen with TLS.
   */
  createSocket(): net.Server {
    const server = net.createServer({ pauseOnConnect: true, allowHalfOpen: true });
    server.on("connection", (sock: net.Socket) => this.acceptConnection(sock));
    return server;
  }

  /** Queue an accepted connection for the loop. */
  acceptConnection(sock: net.Socket): void {
    sock.on("error", () => undefined); // a reset while queued must not crash the process
    if (this.#closed) {
      sock.destroy();
      return;
    }
    this.enqueueRequest(sock, this.clientAddressOf(sock));
  }

  /** The client's address in Python's shape. */
  clientAddressOf(sock: net.Socket): unknown {
    return toSocketAddress(sock.remoteAddress ?? "", sock.remotePort ?? 0, sock.remoteFamily ?? "IPv4");
  }

  /** The options given to Node's `listen()`. */
  listenOptions(): net.ListenOptions {
    const { host, port } = parseInetAddress(this.serverAddress);
    const options: net.ListenOptions & { reusePort?: boolean } = {
      host: bindHost(host, this.addressFamily),
      port,
      backlog: this.requestQueueSize,
      exclusive: true,
    };
    if (this.allowReusePort) {
      if (!listenSupportsReusePort()) {
        throw new Error(`allowReusePort needs Node.js >= 22.12 (SO_REUSEPORT); this is Node.js ${process.versions.node}`);
      }
      options.reusePort = true;
    }
    return options;
  }

  /**
   * Bind the socket to {@link serverAddress} and listen, then store the bound
   * address (with the real port after port 0). Node binds and listens in one
   * call, so this also does what Python's {@link serverActivate} does.
   */
  async serverBind(): Promise<void> {
    await this.listenSocket();
    this.serverAddress = this.boundAddress();
  }

  /** Node's `listen()` on {@link socket}, with the error naming the address. */
  listenSocket(): Promise<void> {
    let options: net.ListenOptions;
    try {
      options = this.listenOptions();
    } catch (err) {
      return Promise.reject(err);
    }
    const server = this.socket;
    return new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        server.off("listening", onListening);
        reject(describeBindError(err, this.serverAddress));
      };
      const onListening = (): void => {
        server.off("error", onError);
        if (this.#closed) {
          // serverClose() ran while listen() was in progress.
          server.close();
        } else {
          this.#listening = true;
        }
        resolve();
      };
      server.once("error", onError);
      server.once("listening", onListening);
      if (this.maxConnections !== null && this.maxConnections !== undefined) server.maxConnections = this.maxConnections;
      server.listen(options);
    });
  }

  /** The address the socket is bound to, in Python's shape. */
  boundAddress(): unknown {
    const a = this.socket.address();
    if (a === null || typeof a === "string") return a ?? this.serverAddress;
    return toSocketAddress(a.address, a.port, a.family);
  }

  /** Python's `listen()` step. Node already listens after {@link serverBind}; nothing more to do. */
  override serverActivate(): void | Promise<void> {}

  /**
   * Stop listening and drop connections still waiting in the queue. Open
   * connections being handled are not touched. Emits `"close"` (once).
   */
  override serverClose(): Promise<void> {
    this.#closed = true;
    markServerClosed(this);
    for (;;) {
      if (this.queuedRequests === 0) break;
      const [sock] = this.getRequest() as [net.Socket, unknown];
      sock.destroy();
    }
    const server = this.#socket;
    if (!server || !this.#listening) {
      emitServerClosed(this);
      return Promise.resolve();
    }
    this.#listening = false;
    // Node's close() callback waits until every accepted connection has
    // ended; Python's server_close() only closes the listening socket. The
    // descriptor is released at once; settle on the next turn of the loop.
    server.close();
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        emitServerClosed(this);
        resolve();
      }),
    );
  }

  /** The listening socket's file descriptor, or -1 when it is not open. */
  fileno(): number {
    if (!this.#listening || !this.#socket) return -1;
    const handle = (this.#socket as unknown as { _handle?: { fd?: number } | null })._handle;
    return handle?.fd ?? -1;
  }

  /**
   * Build the handler for a connection. Connections wait unread while
   * queued (`pauseOnConnect`); before the handler runs, the socket returns to
   * Node's ordinary paused state, so a handler may read it through `rfile`
   * or directly (`on("data")`, async iteration) without losing bytes.
   */
  override finishRequest(request: unknown, clientAddress: unknown): Promise<void> {
    const sock = request as net.Socket;
    if (sock.readableFlowing === false && sock.listenerCount("data") === 0) {
      (sock as { readableFlowing: boolean | null }).readableFlowing = null;
    }
    return super.finishRequest(request, clientAddress);
  }

  /**
   * Close the connection for writing (the client sees end of data), then
   * {@link closeRequest}.
   *
   * Where `TCPServer`'s own {@link closeRequest} would close the connection
   * at once, this closes it itself (the FIN leaves with the close: the same
   * bytes as Python's `shutdown(SHUT_WR)` + `close()`, one turn of the event
   * loop sooner). Whether `closeRequest` is `TCPServer`'s own is decided
   * once, at the first call of this method: an override in a subclass, or
   * one assigned on the prototype or the instance (under either spelling)
   * before the first request ends, is always called, after the write side
   * is shut down; one assigned later is called only for connections that
   * cannot close at once.
   */
  override shutdownRequest(request: unknown): void | Promise<void> {
    const sock = request as net.Socket;
    this.#ownCloseRequest ??= this.closeRequest === TCPServer.prototype.closeRequest;
    if (this.#ownCloseRequest && !sock.destroyed && closesCleanlyAtOnce(sock, ClosePolicy.find(sock))) {
      sock.destroy();
      return;
    }
    try {
      if (!sock.destroyed && !sock.writableEnded) sock.end();
    } catch {
      // Python ignores errors from shutdown(SHUT_WR) too.
    }
    return this.closeRequest(request);
  }

  /** Close the connection (after the bytes already written have been sent). */
  override closeRequest(request: unknown): void | Promise<void> {
    closeConnection(request as net.Socket);
  }
}

TCPServer.prototype.addressFamily = AF_INET;
TCPServer.prototype.socketType = SOCK_STREAM;
TCPServer.prototype.requestQueueSize = 5;
TCPServer.prototype.allowReuseAddress = false;
TCPServer.prototype.allowReusePort = false;
TCPServer.prototype.maxConnections = null;
pythonNames(TCPServer, { rename: { fileno: "fileno" } });


/** Turn a Node bind error into one that names the address, keeping `code`. */
export function describeBindError(err: NodeJS.ErrnoException, address: unknown): Error {
  const where = pyRepr(address);
  const reason =
    err.code === "EADDRINUSE"
      ? "address already in use"
      : err.code === "EACCES"
        ? "permission denied"
        : err.code === "EADDRNOTAVAIL"
          ? "cannot assign requested address"
          : err.message;
  const out = new Error(`cannot bind ${where}: ${reason}`, { cause: err }) as NodeJS.ErrnoException;
  out.code = err.code;
  out.errno = err.errno;
  out.syscall = err.syscall;
  return out;
}


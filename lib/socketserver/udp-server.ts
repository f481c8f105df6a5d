/**
 * `UDPServer`: a datagram server on a `node:dgram` socket, ported from
 * Python's `socketserver.UDPServer`.
 *
 * @module
 */
import * as dgram from "node:dgram";
import { pythonNames } from "../python-names.js";
import { SOCK_DGRAM, bindHost, ipVersion, parseInetAddress, toSocketAddress } from "./address.js";
import { BaseServer, emitServerClosed, markServerClosed, type RequestHandlerClass } from "./base-server.js";
import { describeBindError } from "./tcp-server.js";

/**
 * A server for datagrams. Each datagram is one request: the handler gets
 * `[data, socket]` as its request and the sender's `[host, port]` as its
 * client address. There is no connection to close.
 */
export class UDPServer extends BaseServer {
  /** The address family: `AF_INET` (default) or `AF_INET6`. */
  declare addressFamily: number;
  /** Python's `socket_type`: always `SOCK_DGRAM` here. */
  declare socketType: number;
  /** Datagrams longer than this are cut to this many bytes, as Python's `recvfrom()` does. */
  declare maxPacketSize: number;
  /** Set `SO_REUSEADDR` before binding. */
  declare allowReuseAddress: boolean;
  /** `SO_REUSEPORT` is not offered by `node:dgram`; `true` makes binding fail with a clear error. */
  declare allowReusePort: boolean;
  /** Kept for parity with {@link TCPServer}; datagram sockets do not listen. */
  declare requestQueueSize: number;

  #socket: dgram.Socket | null = null;
  #bindAndActivate: boolean;
  #bound = false;
  #closed = false;

  /**
   * @param serverAddress - `[host, port]`; `""` means every interface, port 0 picks a free port.
   * @param RequestHandlerClass - instantiated once per datagram.
   * @param bindAndActivate - `false` leaves binding to an explicit {@link serverBind} call.
   */
  constructor(serverAddress: unknown, RequestHandlerClass: RequestHandlerClass, bindAndActivate = true) {
    super(serverAddress, RequestHandlerClass);
    this.#bindAndActivate = bindAndActivate;
    parseInetAddress(serverAddress);
  }

  override async activate(): Promise<void> {
    // Closed before the deferred bind ran: do not bind a socket nobody will close.
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

  /** The datagram socket (Python's `self.socket`), created when first needed. */
  get socket(): dgram.Socket {
    if (!this.#socket) {
      const { host } = parseInetAddress(this.serverAddress);
      const s = dgram.createSocket({
        type: ipVersion(host, this.addressFamily) === 6 ? "udp6" : "udp4",
        reuseAddr: this.allowReuseAddress,
      });
      s.on("error", () => undefined);
      s.on("message", (msg, rinfo) => {
        if (this.#closed) return;
        const data = msg.length > this.maxPacketSize ? msg.subarray(0, this.maxPacketSize) : msg;
        this.enqueueRequest([data, s], toSocketAddress(rinfo.address, rinfo.port, rinfo.family));
      });
      this.#socket = s;
    }
    return this.#socket;
  }

  /** Bind the socket and store the bound address (with the real port after port 0). */
  async serverBind(): Promise<void> {
    await this.listenSocket();
    if (!this.#closed) this.serverAddress = this.boundAddress();
  }

  /** Node's `bind()` on {@link socket}, with the error naming the address. */
  listenSocket(): Promise<void> {
    let host: string;
    let port: number;
    try {
      ({ host, port } = parseInetAddress(this.serverAddress));
      if (this.allowReusePort) throw new Error("allowReusePort is not supported for UDP sockets by Node.js");
    } catch (err) {
      return Promise.reject(err);
    }
    const s = this.socket;
    return new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => reject(describeBindError(err, this.serverAddress));
      s.once("error", onError);
      s.bind({ port, address: bindHost(host, this.addressFamily), exclusive: true }, () => {
        s.off("error", onError);
        if (this.#closed) {
          // serverClose() ran while bind() was in progress.
          s.close();
        } else {
          this.#bound = true;
        }
        resolve();
      });
    });
  }

  /** The address the socket is bound to, in Python's shape. */
  boundAddress(): unknown {
    const a = this.socket.address();
    return toSocketAddress(a.address, a.port, a.family);
  }

  /** Datagram sockets need no `listen()`: nothing to do. */
  override serverActivate(): void | Promise<void> {}

  /** Close the socket. Emits `"close"` (once). */
  override serverClose(): Promise<void> {
    this.#closed = true;
    markServerClosed(this);
    const s = this.#socket;
    if (!s || !this.#bound) {
      emitServerClosed(this);
      return Promise.resolve();
    }
    this.#bound = false;
    return new Promise<void>((resolve) =>
      s.close(() => {
        emitServerClosed(this);
        resolve();
      }),
    );
  }

  /** The socket's file descriptor, or -1 when it is not open. */
  fileno(): number {
    if (!this.#bound || !this.#socket) return -1;
    // `dgram.Socket#_handle` is deprecated (DEP0112) and warns on first use;
    // the handle lives in the socket's internal state record instead.
    const socket = this.#socket as unknown as Record<symbol, { handle?: { fd?: number } | null } | undefined>;
    const state = Object.getOwnPropertySymbols(socket).find((sym) => sym.description === "state symbol");
    const handle = state === undefined ? undefined : socket[state]?.handle;
    return handle?.fd ?? -1;
  }

  /** A datagram has no connection: only {@link closeRequest}, which does nothing. */
  override shutdownRequest(request: unknown): void | Promise<void> {
    return this.closeRequest(request);
  }

  /** Nothing to close for a datagram. */
  override closeRequest(_request: unknown): void {}
}

UDPServer.prototype.addressFamily = 2;
UDPServer.prototype.socketType = SOCK_DGRAM;
UDPServer.prototype.maxPacketSize = 8192;
UDPServer.prototype.allowReuseAddress = false;
UDPServer.prototype.allowReusePort = false;
UDPServer.prototype.requestQueueSize = 5;
pythonNames(UDPServer);

/**
 * Unix domain socket servers, ported from Python's `socketserver`:
 * `UnixStreamServer` and `UnixDatagramServer`.
 *
 * @module
 */
import * as fs from "node:fs";
import type * as net from "node:net";
import * as path from "node:path";
import { pythonNames } from "../python-names.js";
import { AF_UNIX } from "./address.js";
import { pyRepr } from "../py/index.js";
import type { RequestHandlerClass } from "./base-server.js";
import { TCPServer } from "./tcp-server.js";
import { UDPServer } from "./udp-server.js";

/**
 * A stream server on a Unix domain socket. The address is the socket's path.
 * Unlike Python, closing the server removes the socket file (Node.js does
 * this itself). Clients' addresses are `""`.
 */
export class UnixStreamServer extends TCPServer {
  override checkAddress(address: unknown): void {
    if (typeof address !== "string" || address.length === 0) {
      throw new TypeError(`a Unix socket address must be a non-empty path string, got ${JSON.stringify(address)}`);
    }
    if (address.includes("\0")) throw new TypeError("a Unix socket path cannot contain a NUL byte");
  }

  override listenOptions(): net.ListenOptions {
    return { path: this.serverAddress as string, backlog: this.requestQueueSize, exclusive: true };
  }

  override async listenSocket(): Promise<void> {
    try {
      await super.listenSocket();
    } catch (err) {
      // libuv reports a missing directory as EACCES; say what Python says.
      const e = err as NodeJS.ErrnoException;
      const address = this.serverAddress as string;
      if (e.code === "EACCES" && !fs.existsSync(path.dirname(address))) {
        const out = new Error(`cannot bind ${pyRepr(address)}: no such file or directory`, { cause: e.cause ?? e });
        throw Object.assign(out, { code: "ENOENT", errno: -2, syscall: e.syscall });
      }
      throw err;
    }
  }

  override clientAddressOf(_sock: net.Socket): unknown {
    return "";
  }

  override boundAddress(): unknown {
    return this.serverAddress;
  }
}

UnixStreamServer.prototype.addressFamily = AF_UNIX;
pythonNames(UnixStreamServer);

/**
 * Python's datagram server on a Unix domain socket. Node.js has no Unix
 * datagram sockets in its core, so constructing one throws a clear error
 * (see docs/deviations.md). The class exists so that code naming it, and the
 * combined Threading/Forking classes, type-check and fail loudly.
 */
export class UnixDatagramServer extends UDPServer {
  constructor(serverAddress: unknown, RequestHandlerClass: RequestHandlerClass, bindAndActivate = true) {
    throw new UnsupportedSocketError(
      "UnixDatagramServer is not available: Node.js has no Unix datagram (AF_UNIX, SOCK_DGRAM) sockets; " +
        "use UnixStreamServer or UDPServer instead",
    );
    super(serverAddress, RequestHandlerClass, bindAndActivate);
  }
}

UnixDatagramServer.prototype.addressFamily = AF_UNIX;

/** Thrown when a socket type Node.js cannot provide is asked for. */
export class UnsupportedSocketError extends Error {
  /** Always `"UnsupportedSocketError"`. */
  override readonly name = "UnsupportedSocketError";
}

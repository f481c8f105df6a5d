/**
 * `http.server/socketserver`: a port of Python's `socketserver` module.
 *
 * @module
 */
import "../python-spelling.js";
// Named in the declarations TypeScript writes for the mixin classes (their
// inherited EventEmitter members), so it must be in scope there.
// eslint-disable-next-line @typescript-eslint/no-unused-vars
import { EventEmitter } from "node:events";
import { pythonNames } from "../python-names.js";
import { ForkingMixIn, ThreadingMixIn } from "./mixins.js";
import { TCPServer } from "./tcp-server.js";
import { UDPServer } from "./udp-server.js";
import { UnixDatagramServer, UnixStreamServer } from "./unix-servers.js";
import type { RequestHandlerClass } from "./base-server.js";

export { AF_INET, AF_INET6, AF_UNIX, SOCK_DGRAM, SOCK_STREAM } from "./address.js";
export type { InetAddress, IPv4Address, IPv6Address, SocketAddress } from "./address.js";
export {
  BaseServer,
  type PendingRequest,
  type RequestHandlerClass,
  type ServeForeverOptions,
  type ServerEvents,
} from "./base-server.js";
export { TCPServer } from "./tcp-server.js";
export { UDPServer } from "./udp-server.js";
export { UnixDatagramServer, UnixStreamServer, UnsupportedSocketError } from "./unix-servers.js";
export { ForkingMixIn, ThreadingMixIn, isForkedWorker, type ServerConstructor } from "./mixins.js";
export { BaseRequestHandler, DatagramRequestHandler, StreamRequestHandler } from "./request-handlers.js";
export {
  AbortError,
  BrokenPipeError,
  BufferedReader,
  BytesWriter,
  SocketTimeoutError,
  SocketWriter,
  type Bytes,
  type ReadOptions,
  type Writer,
} from "./streams.js";

/** A {@link TCPServer} that handles connections concurrently. */
export class ThreadingTCPServer extends ThreadingMixIn(TCPServer) {
  /**
   * @param serverAddress - where to listen.
   * @param RequestHandlerClass - instantiated once per request.
   * @param bindAndActivate - `false` leaves binding to explicit calls.
   */
  constructor(serverAddress: unknown, RequestHandlerClass: RequestHandlerClass, bindAndActivate = true) {
    super(serverAddress, RequestHandlerClass, bindAndActivate);
  }
}
/** A {@link UDPServer} that handles datagrams concurrently. */
export class ThreadingUDPServer extends ThreadingMixIn(UDPServer) {
  /**
   * @param serverAddress - where to listen.
   * @param RequestHandlerClass - instantiated once per request.
   * @param bindAndActivate - `false` leaves binding to explicit calls.
   */
  constructor(serverAddress: unknown, RequestHandlerClass: RequestHandlerClass, bindAndActivate = true) {
    super(serverAddress, RequestHandlerClass, bindAndActivate);
  }
}
/** A {@link TCPServer} that handles connections in worker processes. */
export class ForkingTCPServer extends ForkingMixIn(TCPServer) {
  /**
   * @param serverAddress - where to listen.
   * @param RequestHandlerClass - instantiated once per request.
   * @param bindAndActivate - `false` leaves binding to explicit calls.
   */
  constructor(serverAddress: unknown, RequestHandlerClass: RequestHandlerClass, bindAndActivate = true) {
    super(serverAddress, RequestHandlerClass, bindAndActivate);
  }
}
/** A {@link UDPServer} that handles datagrams in worker processes. */
export class ForkingUDPServer extends ForkingMixIn(UDPServer) {
  /**
   * @param serverAddress - where to listen.
   * @param RequestHandlerClass - instantiated once per request.
   * @param bindAndActivate - `false` leaves binding to explicit calls.
   */
  constructor(serverAddress: unknown, RequestHandlerClass: RequestHandlerClass, bindAndActivate = true) {
    super(serverAddress, RequestHandlerClass, bindAndActivate);
  }
}
/** A {@link UnixStreamServer} that handles connections concurrently. */
export class ThreadingUnixStreamServer extends ThreadingMixIn(UnixStreamServer) {
  /**
   * @param serverAddress - where to listen.
   * @param RequestHandlerClass - instantiated once per request.
   * @param bindAndActivate - `false` leaves binding to explicit calls.
   */
  constructor(serverAddress: unknown, RequestHandlerClass: RequestHandlerClass, bindAndActivate = true) {
    super(serverAddress, RequestHandlerClass, bindAndActivate);
  }
}
/** A {@link UnixStreamServer} that handles connections in worker processes. */
export class ForkingUnixStreamServer extends ForkingMixIn(UnixStreamServer) {
  /**
   * @param serverAddress - where to listen.
   * @param RequestHandlerClass - instantiated once per request.
   * @param bindAndActivate - `false` leaves binding to explicit calls.
   */
  constructor(serverAddress: unknown, RequestHandlerClass: RequestHandlerClass, bindAndActivate = true) {
    super(serverAddress, RequestHandlerClass, bindAndActivate);
  }
}
/** Not available on Node.js: constructing it throws (see {@link UnixDatagramServer}). */
export class ThreadingUnixDatagramServer extends ThreadingMixIn(UnixDatagramServer) {
  /**
   * @param serverAddress - where to listen.
   * @param RequestHandlerClass - instantiated once per request.
   * @param bindAndActivate - `false` leaves binding to explicit calls.
   */
  constructor(serverAddress: unknown, RequestHandlerClass: RequestHandlerClass, bindAndActivate = true) {
    super(serverAddress, RequestHandlerClass, bindAndActivate);
  }
}
/** Not available on Node.js: constructing it throws (see {@link UnixDatagramServer}). */
export class ForkingUnixDatagramServer extends ForkingMixIn(UnixDatagramServer) {
  /**
   * @param serverAddress - where to listen.
   * @param RequestHandlerClass - instantiated once per request.
   * @param bindAndActivate - `false` leaves binding to explicit calls.
   */
  constructor(serverAddress: unknown, RequestHandlerClass: RequestHandlerClass, bindAndActivate = true) {
    super(serverAddress, RequestHandlerClass, bindAndActivate);
  }
}

for (const cls of [
  ThreadingTCPServer,
  ThreadingUDPServer,
  ForkingTCPServer,
  ForkingUDPServer,
  ThreadingUnixStreamServer,
  ForkingUnixStreamServer,
]) {
  pythonNames(cls);
}

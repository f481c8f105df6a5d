/**
 * Request handler classes: `BaseRequestHandler`, `StreamRequestHandler` and
 * `DatagramRequestHandler`, ported from Python's `socketserver`.
 *
 * @module
 */
import type { Socket as NetSocket } from "node:net";
import type { Socket as DgramSocket } from "node:dgram";
import type { Duplex } from "node:stream";
import type { InetAddress } from "./address.js";
import { checkByteCount, notAStream, recvFrom, sendallTo } from "./socket-calls.js";
import { adoptInstanceNames, adoptPythonNames, pythonNames } from "../python-names.js";
import type { BaseServer } from "./base-server.js";
import { BufferedReader, BytesWriter, SocketWriter, type Bytes, type Writer } from "./streams.js";
import { isThenable } from "../thenable.js";

const kHandled = Symbol("handled");
const kStart = Symbol("start");

/**
 * A server as a handler's constructor sees it: perhaps one that starts the
 * handlers it constructs. The constructor asks `_startsHandlerFor(request)`:
 * "are you constructing me for this request, so that you start me
 * yourself?" `BaseServer` answers yes once, from inside its
 * `_constructHandler()`; any other server (or none) means the handler
 * starts by itself on the next microtask, as one a user constructs does.
 */
interface HandlerStarter {
  _startsHandlerFor?: (request: unknown) => boolean;
}

/**
 * The Promise that settles once `handler` has run `setup()`, `handle()` and
 * `finish()`. This is how a server waits for a handler it constructed.
 */
export function runHandler(handler: BaseRequestHandler<unknown>): Promise<void> {
  return handler[kHandled];
}

/**
 * Start a handler a server constructed through `_constructHandler()`, at
 * once rather than on the next microtask (the constructor has returned,
 * so the subclass's fields are set and nothing differs but the wait).
 * Returns what {@link runHandler} would.
 */
export function startHandler(handler: BaseRequestHandler<unknown>): Promise<void> {
  return handler[kStart]();
}

/**
 * An instance of `Handler` that never handles anything, made to read the
 * settings its class gives it (class fields included) before any
 * connection exists: for limits that apply before a handler is made, such
 * as the TLS handshake's. `null` when its constructor throws without a
 * request.
 */
export function settingsProbe<T extends BaseRequestHandler<unknown>, S extends BaseServer>(
  Handler: new (request: unknown, clientAddress: unknown, server: S) => T,
  server: S,
): T | null {
  try {
    const probe = server._constructHandler(Handler as new (request: unknown, clientAddress: unknown, server: BaseServer) => T, null, null);
    adoptInstanceNames(probe);
    return probe;
  } catch {
    return null;
  }
}

const DONE = Promise.resolve();

/**
 * The base of every request handler. A server constructs one per request;
 * right after construction it runs {@link setup}, {@link handle} and, even
 * when `handle()` throws, {@link finish}. Each may be async.
 *
 * Handling starts once the constructor has returned (a server starts the
 * handlers it makes at once; one you construct yourself starts on the next
 * microtask), so class fields declared in a subclass body are in effect, as
 * Python class attributes are.
 */
export class BaseRequestHandler<Address = InetAddress, Request = unknown> {
  /** The request: a socket for stream servers, `[data, socket]` for datagram servers. */
  request: Request;
  /**
   * Where the request came from, in the server's address shape:
   * `[host, port]` (`[host, port, flowinfo, scopeId]` for IPv6) by
   * default; a Unix stream handler declares `string` (`BaseRequestHandler<string>`).
   */
  clientAddress: Address;
  /** The server that received the request. */
  server: BaseServer;
  /** @internal */
  [kHandled]: Promise<void>;

  /**
   * @param request - the request object the server accepted.
   * @param clientAddress - the client's address.
   * @param server - the server instance.
   */
  constructor(request: unknown, clientAddress: unknown, server: BaseServer) {
    adoptPythonNames(new.target);
    this.request = request as Request;
    this.clientAddress = clientAddress as Address;
    this.server = server;
    if ((server as HandlerStarter | null | undefined)?._startsHandlerFor?.(request) === true) {
      // The server constructing it starts it once the constructor chain
      // has returned (see startHandler()).
      this[kHandled] = DONE;
    } else {
      this[kHandled] = DONE.then(() => this.#run());
    }
  }

  /** @internal Run now; see {@link startHandler}. */
  [kStart](): Promise<void> {
    const run = this.#run();
    this[kHandled] = run;
    return run;
  }

  /** setup(), handle(), finish(), each awaited only when it returns a Promise. */
  #run(): Promise<void> {
    try {
      adoptInstanceNames(this);
      const ready = this.setup();
      if (isThenable(ready)) return Promise.resolve(ready).then(() => this.#handleThenFinish());
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#handleThenFinish();
  }

  #handleThenFinish(): Promise<void> {
    let handled: unknown;
    try {
      handled = this.handle();
    } catch (err) {
      return this.#finishAfterError(err);
    }
    if (isThenable(handled)) {
      return Promise.resolve(handled).then(
        () => this.#finishInReaction(),
        (err: unknown) => this.#finishAfterError(err),
      );
    }
    return this.#finish();
  }

  /**
   * finish() from inside a Promise reaction: returns nothing when it
   * finishes at once (returning a settled Promise there would cost the
   * chain two more turns of the microtask queue), throws what it throws.
   */
  #finishInReaction(): Promise<void> | undefined {
    const finished = this.finish();
    return isThenable(finished) ? Promise.resolve(finished).then(() => undefined) : undefined;
  }

  #finish(): Promise<void> {
    try {
      const finished = this.finish();
      return isThenable(finished) ? Promise.resolve(finished).then(() => undefined) : DONE;
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** finish() after handle() failed: the handle() error wins unless finish() fails too (as `try/finally`). */
  #finishAfterError(error: unknown): Promise<void> {
    return this.#finish().then(() => {
      throw error;
    });
  }

  /** Runs before {@link handle}. Does nothing by default. */
  setup(): void | Promise<void> {}

  /** Serve the request. Does nothing by default; subclasses override it. */
  handle(): void | Promise<void> {}

  /** Runs after {@link handle}, even if it threw. Does nothing by default. */
  finish(): void | Promise<void> {}

  /**
   * Python's `self.request.recv(n)`: resolve with at most `n` bytes from
   * the connection once some have arrived, or with an empty Buffer at end
   * of input. For stream requests only (TCP, Unix stream, TLS);
   * `StreamRequestHandler` reads through `rfile` instead, so the two mix.
   */
  recv(n: number): Promise<Buffer> {
    const stream = this.request as unknown;
    if (!isStream(stream)) return Promise.reject(notAStream("recv"));
    return recvFrom(stream, n);
  }

  /**
   * Python's `self.request.sendall(data)`: send all of `data` (text as
   * UTF-8) and resolve once it has been handed to the system; rejects
   * with `BrokenPipeError` when the client is gone. For stream requests only.
   */
  sendall(data: Bytes): Promise<void> {
    const stream = this.request as unknown;
    if (!isStream(stream)) return Promise.reject(notAStream("sendall"));
    return sendallTo(stream, data);
  }
}

/** Whether a request is a connection (a readable and writable stream). */
function isStream(request: unknown): request is Duplex {
  return (
    typeof request === "object" &&
    request !== null &&
    typeof (request as Duplex).read === "function" &&
    typeof (request as Duplex).write === "function"
  );
}

pythonNames(BaseRequestHandler, { attributes: ["clientAddress"] });

/**
 * A handler for stream (TCP, Unix stream, TLS) connections. {@link setup}
 * provides {@link rfile} for reading and {@link wfile} for writing.
 */
export class StreamRequestHandler<Address = InetAddress> extends BaseRequestHandler<Address, NetSocket> {
  /** Python's read buffer size; kept for compatibility (reads are always buffered here). */
  declare rbufsize: number;
  /** 0 (default): every `wfile.write()` goes to the socket at once; otherwise bytes to hold back until `flush()`. */
  declare wbufsize: number;
  /**
   * Seconds a read may wait for data, or a flush for the peer to take some
   * of what was sent, before failing with a time-out; `null` never times out.
   */
  declare timeout: number | null;
  /** Set `TCP_NODELAY` on the connection, so small writes leave at once. */
  declare disableNagleAlgorithm: boolean;
  /**
   * Gather the `wfile` writes made in one tick of the event loop into one
   * send (see `SocketWriter`). Off here, as in Python; the HTTP handlers
   * turn it on.
   */
  declare coalesceWrites: boolean;
  /**
   * The connected socket (the same object as {@link request}): a
   * `net.Socket`, or a `tls.TLSSocket` on an HTTPS server.
   */
  connection!: NetSocket;
  /** Reads the request bytes. */
  rfile!: BufferedReader;
  /** Writes the response bytes. */
  wfile!: Writer;

  override setup(): void {
    const conn = this.request;
    this.connection = conn;
    if (this.disableNagleAlgorithm && typeof conn.setNoDelay === "function") {
      conn.setNoDelay(true);
    }
    this.rfile = new BufferedReader(conn);
    const wfile = new SocketWriter(conn, this.wbufsize, this.coalesceWrites);
    this.wfile = wfile;
    // Python's socket time-out bounds sends as well as receives.
    if (this.timeout !== null && this.timeout !== undefined) this.rfile.timeout = wfile.timeout = this.timeout;
  }

  /** Send what is left to send (waiting only if the socket asks to), then close `wfile` and `rfile`. */
  override finish(): void | Promise<void> {
    const wfile = this.wfile;
    if (!wfile.closed && (!(wfile instanceof SocketWriter) || wfile.needsFlush)) {
      let flushed: Promise<void>;
      try {
        flushed = wfile.flush();
      } catch {
        flushed = DONE;
      }
      // A failed flush means the peer is gone: nothing left to deliver.
      return flushed.then(
        () => this.#closeFiles(),
        () => this.#closeFiles(),
      );
    }
    // Nothing held back: closing sends the writes still gathered for this tick.
    this.#closeFiles();
  }

  #closeFiles(): void {
    this.wfile.close();
    this.rfile.close();
  }

  /**
   * `recv(n)` through {@link rfile}: at most `n` bytes, with at most one
   * wait (`rfile.read1(n)`); an empty Buffer at end of input.
   */
  override recv(n: number): Promise<Buffer> {
    try {
      checkByteCount(n);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.rfile.read1(n);
  }

  /** `sendall(data)` through {@link wfile}: write, then wait for the flush. */
  override sendall(data: Bytes): Promise<void> {
    try {
      this.wfile.write(data);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.wfile.flush();
  }
}

StreamRequestHandler.prototype.rbufsize = -1;
StreamRequestHandler.prototype.wbufsize = 0;
StreamRequestHandler.prototype.timeout = null;
StreamRequestHandler.prototype.disableNagleAlgorithm = false;
StreamRequestHandler.prototype.coalesceWrites = false;
pythonNames(StreamRequestHandler);

/**
 * A handler for datagram (UDP) servers. {@link rfile} reads the received
 * packet; whatever is written to {@link wfile} is sent back to the client as
 * one datagram when the handler finishes.
 */
export class DatagramRequestHandler extends BaseRequestHandler<InetAddress, [data: Buffer, socket: DgramSocket]> {
  /** The datagram's bytes. */
  packet!: Buffer;
  /** The server's socket, which can also send replies directly. */
  socket!: DgramSocket;
  /** Reads the packet. */
  rfile!: BufferedReader;
  /** Collects the reply. */
  wfile!: BytesWriter;

  override setup(): void {
    [this.packet, this.socket] = this.request;
    this.rfile = BufferedReader.fromBytes(this.packet);
    this.wfile = new BytesWriter();
  }

  override finish(): Promise<void> {
    const [host, port] = this.clientAddress;
    const data = this.wfile.getvalue();
    return new Promise<void>((resolve, reject) => {
      this.socket.send(data, port, host, (err) => (err ? reject(err) : resolve()));
    });
  }
}

pythonNames(DatagramRequestHandler);

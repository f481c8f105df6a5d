/**
 * `BaseServer`: the request loop shared by every server class, ported from
 * Python's `socketserver.BaseServer`.
 *
 * @module
 */
import { EventEmitter } from "node:events";
import { adoptInstanceNames, adoptPythonNames, pythonNames } from "../python-names.js";
import { pyRepr } from "../py/index.js";
import type { BaseRequestHandler } from "./request-handlers.js";
import { startHandler } from "./request-handlers.js";
import { isThenable } from "../thenable.js";
import { noteServerConstructed, noteServing, noteShutdown } from "./fork-guard.js";

/**
 * A handler class a server instantiates per request: Python's
 * `RequestHandlerClass`. Any subclass of {@link BaseRequestHandler} fits,
 * whatever it declares for the request, address and server types.
 */
export type RequestHandlerClass = new (request: never, clientAddress: never, server: never) => BaseRequestHandler<unknown>;

type HandlerConstructor = new (request: unknown, clientAddress: unknown, server: unknown) => BaseRequestHandler<unknown>;

/** The value of a server's `#constructingFor` while it constructs no handler. */
const NO_REQUEST: unique symbol = Symbol("no request");

/** A request waiting in a server's queue, with the address it came from. */
export type PendingRequest = [request: unknown, clientAddress: unknown];

/**
 * The events a server emits (see {@link BaseServer}), as Node's
 * `EventEmitter` types them: event name to listener arguments.
 */
export type ServerEvents = {
  /** Construction-time binding is done: `serverAddress` holds the bound address. */
  listening: [];
  /** Construction-time binding failed (emitted only while someone listens for it). */
  error: [error: Error];
  /** `serverClose()` has closed the server's socket (emitted once). */
  close: [];
};

/** The options form of {@link BaseServer.serveForever}. */
export interface ServeForeverOptions {
  /** Aborting it stops the loop, as {@link BaseServer.shutdown} does; already aborted: no loop runs. */
  signal?: AbortSignal | undefined;
  /** Seconds between {@link BaseServer.serviceActions} calls while idle (default 0.5). */
  pollInterval?: number | undefined;
}

/**
 * The server loop, independent of any socket type. Subclasses provide the
 * requests (see {@link BaseServer.enqueueRequest}); this class decides when to
 * take one and what to do with it, exactly in the order Python does.
 *
 * Every method may be overridden under its camelCase or its Python name.
 * Hooks may return a Promise; the loop awaits it.
 */
export class BaseServer extends EventEmitter<ServerEvents> {
  /** The address given to the constructor, replaced by the bound address once listening. */
  serverAddress: unknown;
  /** The handler class instantiated for each request. */
  RequestHandlerClass: RequestHandlerClass;
  /**
   * Seconds {@link handleRequest} waits for a request before calling
   * {@link handleTimeout}; `null` waits forever. Does not affect
   * {@link serveForever}.
   */
  declare timeout: number | null;

  #shutdownRequested = false;
  #running: Promise<void> | null = null;
  #queue: PendingRequest[] = [];
  #wake: (() => void) | null = null;
  #wakeOnShutdown = false;
  #ready: Promise<void>;
  /**
   * The socket is closed (`serverClose()` of a socket server, through
   * {@link markServerClosed}): {@link serveForever} and
   * {@link handleRequest} then reject at once.
   */
  #closed = false;
  /**
   * The request whose handler {@link finishRequest} is constructing right
   * now (see `_constructHandler()`), or `NO_REQUEST`.
   */
  #constructingFor: unknown = NO_REQUEST;
  /**
   * Whether {@link handleRequestNoblock} is `BaseServer`'s own, decided
   * when {@link serveForever} starts.
   */
  #ownNoblock = true;

  /**
   * @param serverAddress - where to listen; its shape depends on the subclass.
   * @param RequestHandlerClass - instantiated once per request.
   */
  constructor(serverAddress: unknown, RequestHandlerClass: RequestHandlerClass) {
    super();
    adoptPythonNames(new.target);
    this.serverAddress = serverAddress;
    this.RequestHandlerClass = RequestHandlerClass;
    // Activation runs after the whole constructor chain, so settings written
    // as class fields in a subclass body are in effect, as Python's class
    // attributes are during __init__.
    this.#ready = Promise.resolve().then(() => {
      adoptInstanceNames(this);
      noteServerConstructed(this);
      return this.activate();
    });
    // Reported through ready / serveForever(), and as an "error" event to
    // whoever listens for one (never as an unhandled "error" event).
    this.#ready.catch((err: unknown) => {
      if (this.listenerCount("error") > 0) this.emit("error", err instanceof Error ? err : new Error(String(err)));
    });
  }

  /**
   * Settles once the server is bound and listening (for servers that bind in
   * their constructor), rejecting with the bind error otherwise. After
   * binding port 0, {@link serverAddress} holds the real port.
   */
  get ready(): Promise<this> {
    return this.#ready.then(() => this);
  }

  /**
   * Runs once after construction; {@link TCPServer} binds and listens here.
   * @internal
   */
activate(): void | Promise<void> {}

  /**
   * Subclasses call this with each incoming request; it waits in a queue
   * until the loop takes it with {@link getRequest}.
   */
  enqueueRequest(request: unknown, clientAddress: unknown): void {
    this.#queue.push([request, clientAddress]);
    const w = this.#wake;
    if (w) {
      this.#wake = null;
      w();
    }
  }

  /** Number of requests accepted but not yet taken by the loop. */
  get queuedRequests(): number {
    return this.#queue.length;
  }

  /**
   * Resolve when a request is queued, `seconds` pass (`null`: no limit), or
   * (for the serveForever loop) shutdown is requested.
   */
  #waitForRequest(seconds: number | null, stopOnShutdown: boolean): Promise<void> {
    if (this.#queue.length > 0 || (stopOnShutdown && this.#shutdownRequested)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      this.#wake = () => {
        if (timer) clearTimeout(timer);
        resolve();
      };
      this.#wakeOnShutdown = stopOnShutdown;
      if (seconds !== null) {
        timer = setTimeout(() => {
          this.#wake = null;
          resolve();
        }, Math.max(0, seconds * 1000));
      }
    });
  }

  /**
   * Handle requests until {@link shutdown} is called. Returns a Promise that
   * settles when the loop has stopped; it rejects if the server could not
   * bind. {@link serviceActions} runs on every turn of the loop, at least
   * every `pollInterval` seconds.
   *
   * Each turn takes a request with {@link handleRequestNoblock}. Whether that
   * method is overridden is decided once, when the loop starts (after
   * binding): an override in a subclass, or one assigned on the prototype or
   * the instance (under either spelling) before `serveForever()` is called
   * or while it waits for the bind, is called on every turn; one assigned
   * while the loop runs takes effect at the next `serveForever()`.
   * Otherwise the loop runs `BaseServer`'s own steps without creating a
   * Promise for a request that needs none.
   *
   * @param options - the poll interval in seconds (Python's positional
   *   `poll_interval`), or `{ signal, pollInterval }`: aborting `signal`
   *   is {@link shutdown}; a signal already aborted returns at once
   *   without serving.
   */
  serveForever(options: number | ServeForeverOptions = 0.5): Promise<void> {
    let pollInterval = 0.5;
    let signal: AbortSignal | undefined;
    if (typeof options === "number") pollInterval = options;
    else if (options !== null && typeof options === "object") {
      ({ signal } = options);
      if (options.pollInterval !== undefined) pollInterval = options.pollInterval;
      if (signal !== undefined && !(signal instanceof AbortSignal)) {
        return Promise.reject(new TypeError(`serveForever(): signal must be an AbortSignal, got ${pyRepr(signal)}`));
      }
    }
    if (this.#closed) return Promise.reject(closedServerError(this.serverAddress));
    if (this.#running) return Promise.reject(new Error("serveForever() is already running"));
    if (signal?.aborted) return Promise.resolve();
    noteServing(this);
    const onAbort = signal === undefined ? null : (): void => void this.shutdown();
    if (onAbort) signal!.addEventListener("abort", onAbort, { once: true });
    const run = this.#ready
      .then(() => new Promise<void>((resolve, reject) => this.#startLoop(pollInterval, resolve, reject)))
      .finally(() => {
        if (onAbort) signal!.removeEventListener("abort", onAbort);
        this.#shutdownRequested = false;
        this.#running = null;
      });
    this.#running = run;
    return run;
  }

  // The serveForever() loop. Each turn takes one queued request and then
  // calls serviceActions(); a turn continues straight into the next when
  // nothing in it returned a Promise, so a connection accepted while the
  // loop is parked is dispatched from the accept event itself. When the
  // queue is empty the loop parks until enqueueRequest() or shutdown()
  // wakes it, and a poll timer runs serviceActions() every pollInterval
  // seconds while it stays parked.

  #loopDone: ((error?: unknown) => void) | null = null;
  #pollTimer: NodeJS.Timeout | null = null;
  #turnBound = (): void => this.#turn();
  /** True while the loop waits for a request (its wake-up may have been taken by a concurrent handleRequest()). */
  #parked = false;
  #onPoll = (): void => {
    if (!this.#parked) return; // busy: the turn in progress calls serviceActions()
    if (this.#wake === this.#turnBound) this.#wake = null;
    this.#parked = false;
    this.#afterRequest();
  };

  #startLoop(pollInterval: number, resolve: () => void, reject: (error: unknown) => void): void {
    this.#ownNoblock = this.handleRequestNoblock === BaseServer.prototype.handleRequestNoblock;
    this.#loopDone = (error?: unknown) => {
      this.#loopDone = null;
      this.#parked = false;
      if (this.#wake === this.#turnBound) this.#wake = null;
      if (this.#pollTimer) clearInterval(this.#pollTimer);
      this.#pollTimer = null;
      if (error === undefined) resolve();
      else reject(error);
    };
    if (typeof pollInterval === "number" && Number.isFinite(pollInterval)) {
      this.#pollTimer = setInterval(this.#onPoll, Math.max(1, pollInterval * 1000));
    }
    this.#turn();
  }

  /** Run turns until one has to wait, the queue is empty (park) or shutdown was asked for. */
  #turn(): void {
    this.#parked = false;
    try {
      for (;;) {
        if (this.#shutdownRequested) return this.#loopDone?.();
        if (this.#queue.length === 0) {
          this.#wakeOnShutdown = true;
          this.#wake = this.#turnBound;
          this.#parked = true;
          return;
        }
        const handled = this.#ownNoblock ? this.#handleQueued() : this.handleRequestNoblock();
        if (handled !== undefined) {
          handled.then(
            () => this.#afterRequest(),
            (err: unknown) => this.#loopDone?.(err),
          );
          return;
        }
        const acted = this.serviceActions();
        if (isThenable(acted)) {
          acted.then(this.#turnBound, (err: unknown) => this.#loopDone?.(err));
          return;
        }
      }
    } catch (err) {
      this.#loopDone?.(err);
    }
  }

  /** The end of a turn that waited: serviceActions(), then the next turn. */
  #afterRequest(): void {
    let acted: void | Promise<void>;
    try {
      acted = this.serviceActions();
    } catch (err) {
      return this.#loopDone?.(err);
    }
    if (isThenable(acted)) acted.then(this.#turnBound, (err: unknown) => this.#loopDone?.(err));
    else this.#turn();
  }

  /**
   * Ask {@link serveForever} to stop. The returned Promise settles once the
   * loop has stopped (at once if no loop is running, in which case the next
   * `serveForever()` returns immediately).
   */
  shutdown(): Promise<void> {
    noteShutdown(this);
    this.#shutdownRequested = true;
    const w = this.#wake;
    if (w && this.#wakeOnShutdown) {
      this.#wake = null;
      w();
    }
    return (this.#running ?? Promise.resolve()).catch(() => undefined);
  }

  /** Called on every turn of the {@link serveForever} loop. Does nothing by default. */
  serviceActions(): void | Promise<void> {}

  /**
   * Wait for one request and handle it, or call {@link handleTimeout} once
   * {@link timeout} seconds pass without one.
   */
  async handleRequest(): Promise<void> {
    if (this.#closed) throw closedServerError(this.serverAddress);
    noteServing(this);
    await this.#ready;
    const seconds = this.timeout ?? null;
    const deadline = seconds === null ? null : Date.now() + seconds * 1000;
    while (this.#queue.length === 0) {
      const left = deadline === null ? null : (deadline - Date.now()) / 1000;
      if (left !== null && left <= 0) return this.handleTimeout();
      await this.#waitForRequest(left, false);
    }
    return this.handleRequestNoblock();
  }

  /**
   * Take one queued request and process it: verify, process, and on error
   * report through {@link handleError}. Python's `_handle_request_noblock`.
   */
  async handleRequestNoblock(): Promise<void> {
    const handled = this.#handleQueued();
    if (handled !== undefined) await handled;
  }

  /**
   * {@link handleRequestNoblock} without a Promise when no step returns
   * one: `undefined` once the request has been dealt with.
   */
  #handleQueued(): Promise<void> | undefined {
    let pending: PendingRequest | Promise<PendingRequest>;
    try {
      pending = this.getRequest();
    } catch {
      return undefined;
    }
    if (isThenable(pending)) {
      return Promise.resolve(pending).then(
        (p) => this.#verifyAndProcess(p),
        () => undefined,
      );
    }
    return this.#verifyAndProcess(pending);
  }

  #verifyAndProcess([request, clientAddress]: PendingRequest): Promise<void> | undefined {
    let verified: boolean | Promise<boolean>;
    try {
      verified = this.verifyRequest(request, clientAddress);
    } catch (err) {
      return this.#reportAndShutdown(request, clientAddress, err);
    }
    if (isThenable(verified)) {
      return Promise.resolve(verified).then(
        (ok) => this.#processVerified(request, clientAddress, ok),
        (err: unknown) => this.#reportAndShutdown(request, clientAddress, err),
      );
    }
    return this.#processVerified(request, clientAddress, verified);
  }

  #processVerified(request: unknown, clientAddress: unknown, verified: boolean): Promise<void> | undefined {
    if (!verified) return settled(this.shutdownRequest(request));
    let processed: void | Promise<void>;
    try {
      processed = this.processRequest(request, clientAddress);
    } catch (err) {
      return this.#reportAndShutdown(request, clientAddress, err);
    }
    if (!isThenable(processed)) return undefined;
    return Promise.resolve(processed).then(
      () => undefined,
      (err: unknown) => this.#reportAndShutdown(request, clientAddress, err),
    );
  }

  /** handleError(), then shutdownRequest(), each awaited only if it returns a Promise. */
  #reportAndShutdown(request: unknown, clientAddress: unknown, error: unknown): Promise<void> | undefined {
    const reported = this.handleError(request, clientAddress, error);
    if (isThenable(reported)) return Promise.resolve(reported).then(() => settled(this.shutdownRequest(request)));
    return settled(this.shutdownRequest(request));
  }

  /**
   * Take the next request off the queue. Subclasses rarely override this;
   * they feed the queue instead.
   */
  getRequest(): PendingRequest | Promise<PendingRequest> {
    const next = this.#queue.shift();
    if (!next) throw new Error("no request is waiting");
    return next;
  }

  /** Called when {@link handleRequest} waited {@link timeout} seconds for nothing. Does nothing by default. */
  handleTimeout(): void | Promise<void> {}

  /** Decide whether to handle a request; `false` closes it without a word. Accepts everything by default. */
  verifyRequest(_request: unknown, _clientAddress: unknown): boolean | Promise<boolean> {
    return true;
  }

  /** Handle a verified request: {@link finishRequest}, then {@link shutdownRequest}. The mixins change this. */
  processRequest(request: unknown, clientAddress: unknown): void | Promise<void> {
    return this.finishRequest(request, clientAddress).then(() => this.shutdownRequest(request));
  }

  /**
   * Build the handler for a request and start it at once (its constructor
   * does not start it again); the Promise settles when it has finished
   * handling.
   */
  finishRequest(request: unknown, clientAddress: unknown): Promise<void> {
    const Handler = this.RequestHandlerClass as unknown as HandlerConstructor;
    return startHandler(this._constructHandler(Handler, request, clientAddress));
  }

  /**
   * Construct a handler for `request` that does not start by itself: its
   * constructor asks {@link _startsHandlerFor} and hears yes. The caller
   * starts it (`startHandler()`), or never does (a settings probe).
   * Layer-internal: the socketserver layer's one way to make a handler that
   * a server starts itself.
   * @internal
   */
  _constructHandler<T extends BaseRequestHandler<unknown>>(
    Handler: new (request: unknown, clientAddress: unknown, server: this) => T,
    request: unknown,
    clientAddress: unknown,
  ): T {
    this.#constructingFor = request;
    try {
      return new Handler(request, clientAddress, this);
    } finally {
      this.#constructingFor = NO_REQUEST;
    }
  }

  /**
   * Asked by the constructor of a handler given this server: whether this
   * server is constructing the handler for `request` (in
   * {@link _constructHandler}) and so starts it itself. Answers yes once per
   * construction, so a handler that the constructor chain makes for the
   * same server starts by itself.
   * @internal
   */
  _startsHandlerFor(request: unknown): boolean {
    if (this.#constructingFor !== request) return false;
    this.#constructingFor = NO_REQUEST;
    return true;
  }

  /** @internal The one writer of the closed state; see {@link markServerClosed}. */
  _markClosed(): void {
    this.#closed = true;
  }

  #closeEmitted = false;
  /** @internal Emit "close" once; see {@link emitServerClosed}. */
  _emitClosed(): void {
    if (this.#closeEmitted) return;
    this.#closeEmitted = true;
    this.emit("close");
  }

  /** End a request (for sockets: close for writing, then close). Calls {@link closeRequest}. */
  shutdownRequest(request: unknown): void | Promise<void> {
    return this.closeRequest(request);
  }

  /** Release a request's resources. Does nothing here. */
  closeRequest(_request: unknown): void | Promise<void> {}

  /**
   * Report an error raised while handling a request: a banner with the
   * client's address and the stack, on stderr. The server keeps serving.
   *
   * @param error - what was thrown (Python finds it in `sys.exc_info()`).
   */
  handleError(_request: unknown, clientAddress: unknown, error?: unknown): void | Promise<void> {
    const rule = "-".repeat(40);
    const detail = error instanceof Error ? (error.stack ?? String(error)) : String(error);
    process.stderr.write(
      `${rule}\nException occurred during processing of request from ${pyRepr(clientAddress)}\n${detail}\n${rule}\n`,
    );
  }

  /** Prepare to listen. Nothing here; {@link TCPServer} listens. */
  serverActivate(): void | Promise<void> {}

  /** Release the server's resources. Nothing here; subclasses close their socket. */
  serverClose(): void | Promise<void> {}

  /**
   * `await using server = new TCPServer(...)`: on leaving the block, stop a
   * running {@link serveForever} loop ({@link shutdown}) and then
   * {@link serverClose}, the role of Python's `with` block.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
    await this.serverClose();
  }
}

pythonNames(BaseServer, {
  attributes: ["serverAddress"],
  rename: { handleRequestNoblock: "_handle_request_noblock" },
});
BaseServer.prototype.timeout = null;


/** `undefined` for a step that is already done, else a Promise of its end (its value dropped). */
function settled(step: unknown): Promise<void> | undefined {
  return isThenable(step) ? Promise.resolve(step).then(() => undefined) : undefined;
}

/**
 * Record that `server`'s socket is closed, as the servers' `serverClose()`
 * does: from then on its `serveForever()` and `handleRequest()` reject at
 * once (Python raises `ValueError`) instead of waiting for requests that
 * can no longer arrive.
 */
export function markServerClosed(server: BaseServer): void {
  server._markClosed();
}

/**
 * Tell `server`'s listeners that its socket is closed: emits `"close"`,
 * once however often `serverClose()` runs. The servers' `serverClose()`
 * calls it when the socket has been closed.
 */
export function emitServerClosed(server: BaseServer): void {
  server._emitClosed();
}

/** The error for serving on a server whose socket `serverClose()` has closed. */
export function closedServerError(address: unknown): Error {
  return new Error(`the server on ${pyRepr(address)} is closed: serverClose() was called`);
}

/**
 * `ThreadingMixIn` and `ForkingMixIn`: the concurrency mixins of Python's
 * `socketserver`, as TypeScript mixin functions:
 *
 * ```ts
 * class ThreadingEchoServer extends ThreadingMixIn(TCPServer) {}
 * ```
 *
 * @module
 */
import cluster, { type Worker } from "node:cluster";
// Named in the declarations TypeScript writes for the mixin classes (their
// inherited EventEmitter members), so it must be in scope there.
// eslint-disable-next-line @typescript-eslint/no-unused-vars
import { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import { pythonNames } from "../python-names.js";
import type { BaseServer, ServeForeverOptions } from "./base-server.js";
import { isThenable } from "../thenable.js";
import { Registry } from "./registry.js";
import { ClosePolicy } from "./close-policy.js";
import { FORK_ADDRESSES_ENV, FORK_ENV, FORK_KEY, FORK_KEY_ENV, inForkedWorker, isForkedWorker } from "./fork-guard.js";

/**
 * A server class a mixin can extend. TypeScript requires a mixin's base
 * constructor to take `any[]`; the mixins pass the arguments through untouched.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ServerConstructor<T extends BaseServer = BaseServer> = new (...args: any[]) => T;

/** What a socket-like request offers for {@link ThreadingMixIn}'s daemon mode. */
interface Unreffable {
  unref?: () => unknown;
}

/**
 * Handle each request concurrently instead of one after another. Node has
 * one thread, so "threads" are concurrent asynchronous handlers on the event
 * loop: while one waits for its client, the others run.
 */
export function ThreadingMixIn<TBase extends ServerConstructor>(Base: TBase) {
  class ThreadingServer extends Base {
    /**
     * When true, {@link serverClose} does not wait for requests in progress,
     * and their connections do not keep the process alive (the role daemon
     * threads play in Python).
     */
    declare daemonThreads: boolean;
    /** When true (default), {@link serverClose} waits for every non-daemon request in progress. */
    declare blockOnClose: boolean;
    #inFlight = new Registry<Promise<void>>();

    /** Start handling the request and return at once. */
    override processRequest(request: unknown, clientAddress: unknown): void {
      const work = this.processRequestThread(request, clientAddress);
      if (this.daemonThreads) {
        (request as Unreffable)?.unref?.();
      } else {
        const inFlight = this.#inFlight;
        const entry = inFlight.add(work);
        const done = (): void => void inFlight.delete(entry);
        work.then(done, done);
      }
    }

    /** The body of one concurrent request: finish it, report errors, always shut it down. */
    processRequestThread(request: unknown, clientAddress: unknown): Promise<void> {
      // Closing an already broken connection may fail; that must not stop the server.
      const shutdown = (): void | Promise<void> => {
        try {
          const closed = this.shutdownRequest(request);
          if (isThenable(closed)) return Promise.resolve(closed).catch(() => undefined);
        } catch {
          // as above
        }
      };
      let finished: Promise<void>;
      try {
        finished = this.finishRequest(request, clientAddress);
      } catch (err) {
        finished = Promise.reject(err);
      }
      return finished.then(shutdown, (err: unknown) => {
        // An error report that itself fails must not stop the server either.
        let reported: void | Promise<void>;
        try {
          reported = this.handleError(request, clientAddress, err);
        } catch {
          reported = undefined;
        }
        return isThenable(reported) ? Promise.resolve(reported).then(shutdown, shutdown) : shutdown();
      });
    }

    /** Requests in progress that {@link serverClose} would wait for. */
    get threads(): number {
      return this.#inFlight.size;
    }

    /** Close the server, then wait for the requests in progress when {@link blockOnClose} is set. */
    override async serverClose(): Promise<void> {
      await super.serverClose();
      if (this.blockOnClose) await Promise.all(this.#inFlight.values());
    }
  }
  ThreadingServer.prototype.daemonThreads = false;
  ThreadingServer.prototype.blockOnClose = true;
  pythonNames(ThreadingServer, { rename: { processRequestThread: "process_request_thread" } });
  return ThreadingServer;
}

// ---------------------------------------------------------------------------
// ForkingMixIn

const MSG_READY = "http.server:ready";
const MSG_REQUEST = "http.server:request";
const MSG_RECEIVED = "http.server:received";
const MSG_DONE = "http.server:done";
const MSG_REPLY = "http.server:reply";

/** A message between a forking server and its workers. */
export interface ForkMessage {
  type: string;
  key: number;
  id?: number;
  address?: unknown;
  data?: number[] | string;
}

export { isForkedWorker };

let forkingServersMade = 0;
const primaryAddresses: unknown[] = [];

/** The primary's view of one worker process. */
export interface WorkerState {
  worker: Worker;
  /** The worker's server is listening to the primary. */
  ready: boolean;
  /** The worker disconnected or exited: never hand it another request. */
  gone: boolean;
  /** Requests handed to it and not yet done. */
  busy: number;
  /** Called once it is ready, or with an error if it ends before that. */
  waiting: Array<(error?: Error) => void>;
}

/** A request handed to a worker that has not yet confirmed receiving it. */
export interface InTransit {
  request: unknown;
  clientAddress: unknown;
  state: WorkerState;
  attempts: number;
}

/** How often a request whose worker died before receiving it is handed to another one. */
const MAX_DISPATCH_ATTEMPTS = 3;

/** A stand-in for the primary's UDP socket inside a worker: replies travel back over IPC. */
class ForwardingDatagramSocket {
  constructor(
    private readonly key: number,
    private readonly id: number,
  ) {}

  send(data: Uint8Array, port: number, host: string, callback?: (err: Error | null) => void): void {
    process.send?.({ type: MSG_REPLY, key: this.key, id: this.id, address: [host, port], data: Buffer.from(data).toString("base64") });
    callback?.(null);
  }
}

/**
 * Handle each request in a separate operating-system process.
 *
 * Node.js cannot fork a running process. Instead the server starts
 * `node:cluster` workers, which run the program's entry script again; when
 * that script builds the same server (the n-th forking server it builds
 * matches the primary's n-th) and calls `serveForever()`, the worker's copy
 * does not bind but receives connections from the primary. The primary
 * accepts each connection and hands it to an idle worker, starting a new one
 * while fewer than `maxChildren` exist; so code at the top level of the
 * entry script also runs in every worker. Workers are reused for later
 * requests (they are not forked per request), and a worker that crashes is
 * replaced on demand: the server keeps serving. A crash loses the requests
 * that worker had received (in Python only the crashing child's own request
 * can be lost); a request sent to a worker that died before receiving it is
 * handed to another worker. A worker that exits before its server is ready
 * (the entry script did not build the same server) fails the request it was
 * started for through {@link BaseServer.handleError}.
 *
 * A forking program therefore starts with the guard:
 *
 * ```ts
 * const server = new ForkingTCPServer(["", 9999], Handler);
 * if (isForkedWorker()) await server.serveForever(); // a worker: serve, nothing else
 * else { ...the main process... }
 * ```
 *
 * A worker whose script serves without asking {@link isForkedWorker},
 * builds another server, or shuts its server down while the primary still
 * uses it prints a process warning (code `HTTP_SERVER_FORKED_WORKER`) once.
 */
export function ForkingMixIn<TBase extends ServerConstructor>(Base: TBase) {
  class ForkingServer extends Base {
    // timeout: 300 seconds for handleRequest(), Python's default for forking servers (set below).
    /** Process ids of the running workers (`null` before the first is started). */
    activeChildren: Set<number> | null = null;
    /** The most worker processes run at once. */
    declare maxChildren: number;
    /** When true (default), {@link serverClose} waits for every worker to exit. */
    declare blockOnClose: boolean;

    #key: number;
    #workers = new Map<number, WorkerState>();
    #queued: Array<() => void> = [];
    #nextId = 1;
    #udpReplies = new Map<number, unknown>();
    #inTransit = new Map<number, InTransit>();
    #closing = false;
    #onMessage: ((msg: ForkMessage, handle?: unknown) => void) | null = null;

    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    constructor(...args: any[]) {
      super(...args);
      this.#key = forkingServersMade++;
      (this as { [FORK_KEY]?: number })[FORK_KEY] = this.#key;
    }

    /** In a worker: take the primary's bound address instead of listening. */
    listenSocket(): Promise<void> {
      if (!inForkedWorker()) {
        return (Base.prototype as unknown as { listenSocket: (this: unknown) => Promise<void> }).listenSocket.call(this);
      }
      return Promise.resolve();
    }

    boundAddress(): unknown {
      if (inForkedWorker()) {
        const all = JSON.parse(process.env[FORK_ADDRESSES_ENV] ?? "[]") as unknown[];
        return all[this.#key] ?? this.serverAddress;
      }
      const address = (Base.prototype as unknown as { boundAddress: (this: unknown) => unknown }).boundAddress.call(this);
      primaryAddresses[this.#key] = address;
      return address;
    }

    override serveForever(options?: number | ServeForeverOptions): Promise<void> {
      if (inForkedWorker()) this.#listenToPrimary();
      return super.serveForever(options);
    }

    #listenToPrimary(): void {
      if (this.#onMessage) return;
      this.#onMessage = (msg, handle) => {
        if (!msg || msg.key !== this.#key || msg.type !== MSG_REQUEST) return;
        let request: unknown = handle;
        if (handle === undefined && typeof msg.data === "string") {
          request = [Buffer.from(msg.data, "base64"), new ForwardingDatagramSocket(this.#key, msg.id ?? 0)];
        }
        // The primary may still hold the descriptor for a moment: closing
        // this copy alone would not end the connection.
        if (typeof handle === "object" && handle !== null) {
          ClosePolicy.of(handle).sharedDescriptor = true;
          // A reset must not crash the worker, whatever the handler reads with.
          (handle as Socket).on("error", () => undefined);
        }
        this.#udpReplies.set(msg.id ?? 0, request);
        // Tell the primary it may drop its copy: this process owns the request now.
        process.send?.({ type: MSG_RECEIVED, key: this.#key, id: msg.id ?? 0 });
        this.enqueueRequest(request, msg.address);
        // Requests carry their id so the primary can count them done.
        (request as { [k: symbol]: number })[REQUEST_ID] = msg.id ?? 0;
      };
      process.on("message", this.#onMessage);
      process.once("disconnect", () => void this.shutdown());
      process.send?.({ type: MSG_READY, key: this.#key });
    }

    override processRequest(request: unknown, clientAddress: unknown): Promise<void> {
      if (inForkedWorker()) return this.#handleInWorker(request, clientAddress);
      return this.#dispatch(request, clientAddress);
    }

    async #handleInWorker(request: unknown, clientAddress: unknown): Promise<void> {
      const id = (request as { [k: symbol]: number })[REQUEST_ID] ?? 0;
      const run = async (): Promise<void> => {
        try {
          await this.finishRequest(request, clientAddress);
        } catch (err) {
          await this.handleError(request, clientAddress, err);
        } finally {
          await this.shutdownRequest(request);
          this.#udpReplies.delete(id);
          process.send?.({ type: MSG_DONE, key: this.#key, id });
        }
      };
      void run().catch(() => undefined);
    }

    /**
     * Primary: hand the request to a worker. The primary keeps its copy until
     * the worker confirms receipt, so a request sent to a worker that dies
     * first (for example right after its previous request) goes to another
     * worker instead of being lost; only requests a worker had already
     * received die with it.
     */
    async #dispatch(request: unknown, clientAddress: unknown, attempts = 0): Promise<void> {
      const state = await this.#pickWorker();
      const id = this.#nextId++;
      state.busy++;
      this.#inTransit.set(id, { request, clientAddress, state, attempts });
      const failed = (err: Error | null): void => {
        if (err) this.#redispatch(id);
      };
      if (Array.isArray(request)) {
        const [data, socket] = request as [Buffer, unknown];
        this.#udpReplies.set(id, socket);
        state.worker.send({ type: MSG_REQUEST, key: this.#key, id, address: clientAddress, data: data.toString("base64") }, undefined, failed);
      } else {
        state.worker.send({ type: MSG_REQUEST, key: this.#key, id, address: clientAddress }, request as Socket, { keepOpen: true }, failed);
      }
    }

    /** Primary: the worker holds the request now; close the primary's copy (Python: close_request in the parent). */
    #received(id: number): void {
      const t = this.#inTransit.get(id);
      if (!t) return;
      this.#inTransit.delete(id);
      if (!Array.isArray(t.request)) (t.request as Socket).destroy();
    }

    /** Primary: the worker never got request `id`; give it to another worker, or drop it. */
    #redispatch(id: number): void {
      const t = this.#inTransit.get(id);
      if (!t) return;
      this.#inTransit.delete(id);
      this.#udpReplies.delete(id);
      t.state.busy = Math.max(0, t.state.busy - 1);
      const drop = (): void => {
        if (!Array.isArray(t.request)) (t.request as Socket).destroy();
      };
      if (this.#closing || t.attempts + 1 >= MAX_DISPATCH_ATTEMPTS) return drop();
      this.#dispatch(t.request, t.clientAddress, t.attempts + 1).catch(drop);
    }

    #pickWorker(): Promise<WorkerState> {
      let best: WorkerState | null = null;
      for (const s of this.#workers.values()) {
        if (!s.ready || s.gone) continue;
        if (s.busy === 0) return Promise.resolve(s);
        if (!best || s.busy < best.busy) best = s;
      }
      if (this.#workers.size < this.maxChildren) return this.#fork();
      if (best) return Promise.resolve(best);
      // Every worker is still starting: wait for the first to be ready.
      return new Promise<WorkerState>((resolve) => this.#queued.push(() => resolve(this.#pickWorker())));
    }

    #fork(): Promise<WorkerState> {
      const worker = cluster.fork({
        [FORK_ENV]: "1",
        [FORK_ADDRESSES_ENV]: JSON.stringify(primaryAddresses),
        [FORK_KEY_ENV]: String(this.#key),
      });
      const pid = worker.process.pid ?? -worker.id;
      const state: WorkerState = { worker, ready: false, gone: false, busy: 0, waiting: [] };
      this.#workers.set(pid, state);
      (this.activeChildren ??= new Set()).add(pid);
      worker.on("message", (msg: ForkMessage) => {
        if (!msg || msg.key !== this.#key) return;
        if (msg.type === MSG_RECEIVED) {
          this.#received(msg.id ?? 0);
        } else if (msg.type === MSG_READY) {
          state.ready = true;
          for (const w of state.waiting.splice(0)) w();
          for (const q of this.#queued.splice(0)) q();
        } else if (msg.type === MSG_DONE) {
          this.#received(msg.id ?? 0);
          state.busy = Math.max(0, state.busy - 1);
          this.#udpReplies.delete(msg.id ?? 0);
        } else if (msg.type === MSG_REPLY) {
          const socket = this.#udpReplies.get(msg.id ?? 0) as
            | { send: (d: Buffer, port: number, host: string) => void }
            | undefined;
          const [host, port] = msg.address as [string, number];
          socket?.send(Buffer.from(String(msg.data), "base64"), port, host);
        }
      });
      worker.on("error", () => undefined);
      const lost = (): void => {
        state.gone = true;
        for (const [id, t] of this.#inTransit) if (t.state === state) this.#redispatch(id);
      };
      worker.on("disconnect", lost);
      worker.on("exit", (code: number | null, signal: string | null) => {
        lost();
        this.#workers.delete(pid);
        this.activeChildren?.delete(pid);
        if (!state.ready) {
          const why = new Error(
            `worker process ${pid} exited (${signal ?? `code ${code}`}) before its server was ready: ` +
              "the program's entry script must build the same forking server and call serveForever() in workers too",
          );
          for (const w of state.waiting.splice(0)) w(why);
        }
        for (const q of this.#queued.splice(0)) q();
      });
      return new Promise<WorkerState>((resolve, reject) =>
        state.waiting.push((error) => (error ? reject(error) : resolve(state))),
      );
    }

    /**
     * Forget workers that have exited. With `blocking`, wait until every
     * worker has exited (after {@link serverClose} asked them to stop).
     */
    async collectChildren(options: { blocking?: boolean | undefined } = {}): Promise<void> {
      if (!options.blocking) return;
      const exits = [...this.#workers.values()].map(
        (s) => new Promise<void>((resolve) => (s.worker.isDead() ? resolve() : s.worker.once("exit", () => resolve()))),
      );
      await Promise.all(exits);
    }

    override handleTimeout(): Promise<void> {
      return this.collectChildren();
    }

    override async serviceActions(): Promise<void> {
      await super.serviceActions();
      await this.collectChildren();
    }

    /** Close the server and stop the workers; waits for them when {@link blockOnClose} is set. */
    override async serverClose(): Promise<void> {
      this.#closing = true;
      await super.serverClose();
      if (inForkedWorker()) return;
      for (const s of this.#workers.values()) {
        if (!s.worker.isDead()) s.worker.disconnect();
      }
      await this.collectChildren({ blocking: this.blockOnClose });
    }
  }
  ForkingServer.prototype.timeout = 300;
  ForkingServer.prototype.maxChildren = 40;
  ForkingServer.prototype.blockOnClose = true;
  pythonNames(ForkingServer, { attributes: ["activeChildren"] });
  return ForkingServer;
}

const REQUEST_ID = Symbol("forkRequestId");

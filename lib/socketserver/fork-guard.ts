/**
 * What a `ForkingMixIn` worker process knows about itself, and the warning
 * it prints when the program's code runs again in it where it should not.
 *
 * A worker runs the program's entry script from the top. Only the forking
 * server it was started for belongs in it; a script ported from Python
 * without the `isForkedWorker()` guard also repeats everything else there
 * (starting other servers, running clients, shutting the server down),
 * which shows as duplicated output and stray connections, never as an
 * error. The servers report such steps here, and the worker says so once
 * on stderr (a process warning, code {@link FORKED_WORKER_WARNING}).
 *
 * @module
 */
import cluster from "node:cluster";

/** Environment variable that marks a cluster worker started by ForkingMixIn. */
export const FORK_ENV = "HTTP_SERVER_FORKING";
/** Bound addresses of the primary's forking servers, by construction order. */
export const FORK_ADDRESSES_ENV = "HTTP_SERVER_FORK_ADDRESSES";
/** The construction number of the forking server a worker was started for. */
export const FORK_KEY_ENV = "HTTP_SERVER_FORK_KEY";
/** The `code` of the process warning a worker prints (see {@link warnWorkerReruns}). */
export const FORKED_WORKER_WARNING = "HTTP_SERVER_FORKED_WORKER";

/** Decided once: whether this process is a worker (the checks below cost nothing elsewhere). */
const inWorker = cluster.isWorker && process.env[FORK_ENV] === "1";
/** Whether the program has asked {@link isForkedWorker} (the guard) in this process. */
let guarded = false;

/**
 * True in a process that ForkingMixIn started to handle requests. Programs
 * with a forking server start with this guard: the worker builds the
 * server and serves; everything else is for the main process.
 */
export function isForkedWorker(): boolean {
  guarded = true;
  return inWorker;
}

/** {@link isForkedWorker} for the library's own use: not the program's guard. */
export function inForkedWorker(): boolean {
  return inWorker;
}
/** The construction number of the server this worker serves, `-1` outside workers. */
const targetKey = inWorker ? Number(process.env[FORK_KEY_ENV] ?? "0") : -1;
let warned = false;

/** The property under which a forking server keeps its construction number. */
export const FORK_KEY: unique symbol = Symbol("forkKey");

/** What a server tells the guard: whether it is the one the worker was started for. */
export interface GuardedServer {
  /** The construction number of a forking server, `undefined` for any other server. */
  readonly [FORK_KEY]?: number | undefined;
}

/** Whether `server` is the server this worker process was started to serve. */
function isTarget(server: GuardedServer): boolean {
  return server[FORK_KEY] === targetKey;
}

/** A server's construction number as a forking server, `undefined` for any other server. */
function forkKeyOf(server: object): number | undefined {
  return (server as GuardedServer)[FORK_KEY];
}

/**
 * Print, once per process, that this worker is running code of the
 * program that belongs to the main process: `what` says which step.
 */
export function warnWorkerReruns(what: string): void {
  if (warned) return;
  warned = true;
  process.emitWarning(
    `this process (pid ${process.pid}) is a ForkingMixIn worker: it runs the program's entry script again to ` +
      `serve forking server #${targetKey + 1} for the main process (pid ${process.ppid}), and that script ${what}. ` +
      "Code meant for the main process runs once per worker this way (duplicated output, extra servers, extra " +
      "clients). Start the script with the guard `if (isForkedWorker()) { await server.serveForever(); } else " +
      "{ ...main process... }` (see docs/socketserver.md, ForkingMixIn).",
    { code: FORKED_WORKER_WARNING },
  );
}

/** A server was constructed; in a worker, only forking servers belong there. */
export function noteServerConstructed(server: object): void {
  if (inWorker && forkKeyOf(server) === undefined) warnWorkerReruns("constructs a server that is not a forking server");
}

/** A server starts serving (`serveForever()` / `handleRequest()`); in a worker only the target may. */
export function noteServing(server: object): void {
  if (!inWorker) return;
  if (isTarget(server)) {
    if (!guarded) {
      warnWorkerReruns(
        "starts serving without having checked isForkedWorker(), so whatever else it does (printing, running " +
          "clients, starting other servers) runs again in this worker",
      );
    }
    return;
  }
  const key = forkKeyOf(server);
  warnWorkerReruns(
    key === undefined
      ? "serves requests with a server that is not a forking server"
      : `serves requests with forking server #${key + 1} too`,
  );
}

/**
 * The program shuts the worker's server down (`shutdown()`,
 * `serverClose()`) while the main process still hands it requests.
 */
export function noteShutdown(server: object): void {
  if (inWorker && isTarget(server) && process.connected) {
    warnWorkerReruns("shuts the worker's server down while the main process still sends it requests");
  }
}

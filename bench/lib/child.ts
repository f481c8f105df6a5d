/**
 * Server processes under test: each runs in its own child process, announces
 * its port on stdout, and reports stats on SIGUSR2. Every child is killed
 * when the driver exits, however it exits.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url)); // dist/bench/lib
/** Compiled server scripts (dist/bench/servers). */
export const SERVERS_DIR = resolve(here, "../servers");
/** The repository root. */
export const ROOT = resolve(here, "../../..");
/** Python server scripts live in the source tree (tsc does not copy them). */
export const PY_SERVERS_DIR = resolve(ROOT, "bench/servers");

export interface ServerStats {
  requests: number;
  rss: number;
  heapUsed?: number;
  rssAfterGc?: number | null;
  heapUsedAfterGc?: number | null;
}

const live = new Set<ChildProcess>();
/**
 * Process groups of servers started by a supervisor script
 * (servers/supervise.ts) in their own group: killed with the supervisors, in
 * case the driver ends before it could stop them the polite way.
 */
const groups = new Set<number>();

function killAll(): void {
  for (const child of live) {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
  live.clear();
  for (const pgid of groups) {
    try {
      process.kill(-pgid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  groups.clear();
}

/** Kill `child` too when the driver exits (load generators). */
export function track(child: ChildProcess): void {
  hookExit();
  live.add(child);
  child.on("exit", () => live.delete(child));
}

let hooked = false;
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on("exit", killAll);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(sig, () => {
      killAll();
      process.exit(128 + (sig === "SIGINT" ? 2 : sig === "SIGTERM" ? 15 : 1));
    });
  }
  process.on("uncaughtException", (err) => {
    killAll();
    console.error(err);
    process.exit(1);
  });
  process.on("unhandledRejection", (err) => {
    killAll();
    console.error(err);
    process.exit(1);
  });
}

/** A running server under test. */
export class ServerProcess {
  readonly child: ChildProcess;
  readonly name: string;
  port = 0;
  /**
   * The process that serves: the child itself, or for a supervised server
   * (`READY <port> <pid>`) the process the supervisor started, which is
   * where CPU time is read.
   */
  serverPid: number | undefined;
  #lines: string[] = [];
  #waiters: Array<(line: string) => void> = [];
  #buffer = "";
  #exited: Promise<number | null>;
  stderr = "";

  private constructor(name: string, command: string, args: string[], env: NodeJS.ProcessEnv) {
    hookExit();
    this.name = name;
    this.child = spawn(command, args, {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, ...env },
      cwd: ROOT,
    });
    live.add(this.child);
    this.#exited = new Promise((resolveExit) => {
      this.child.on("exit", (code) => {
        live.delete(this.child);
        resolveExit(code);
        for (const w of this.#waiters.splice(0)) w("");
      });
    });
    this.child.on("error", () => undefined);
    this.child.stdout!.setEncoding("utf8");
    this.child.stdout!.on("data", (text: string) => {
      this.#buffer += text;
      let nl: number;
      while ((nl = this.#buffer.indexOf("\n")) !== -1) {
        const line = this.#buffer.slice(0, nl);
        this.#buffer = this.#buffer.slice(nl + 1);
        const w = this.#waiters.shift();
        if (w) w(line);
        else this.#lines.push(line);
      }
    });
    this.child.stderr!.setEncoding("utf8");
    this.child.stderr!.on("data", (text: string) => {
      if (this.stderr.length < 20_000) this.stderr += text;
    });
  }

  #nextLine(timeoutMs: number): Promise<string> {
    const queued = this.#lines.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve("");
    return new Promise((res, rej) => {
      const timer = setTimeout(() => {
        const i = this.#waiters.indexOf(done);
        if (i !== -1) this.#waiters.splice(i, 1);
        rej(new Error(`${this.name}: no answer within ${timeoutMs} ms; stderr:\n${this.stderr}`));
      }, timeoutMs);
      const done = (line: string): void => {
        clearTimeout(timer);
        res(line);
      };
      this.#waiters.push(done);
    });
  }

  /** Start a Node server script from dist/bench/servers. */
  static node(name: string, script: string, opts: { env?: NodeJS.ProcessEnv; nodeArgs?: string[]; args?: string[] } = {}): Promise<ServerProcess> {
    const args = [...(opts.nodeArgs ?? []), resolve(SERVERS_DIR, script), ...(opts.args ?? [])];
    return new ServerProcess(name, process.execPath, args, opts.env ?? {}).#start();
  }

  /** Start a Python server script from bench/servers. */
  static python(name: string, python: string, script: string, opts: { env?: NodeJS.ProcessEnv; args?: string[] } = {}): Promise<ServerProcess> {
    return new ServerProcess(name, python, ["-u", resolve(PY_SERVERS_DIR, script), ...(opts.args ?? [])], opts.env ?? {}).#start();
  }

  /**
   * Start any server command under servers/supervise.js, which announces
   * `port` once it accepts connections, reports the command's RSS on
   * SIGUSR2, and kills the command's process group when the driver goes away.
   */
  static supervised(name: string, port: number, command: string, args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): Promise<ServerProcess> {
    const supervisor = [resolve(SERVERS_DIR, "supervise.js"), String(port), command, ...args];
    return new ServerProcess(name, process.execPath, supervisor, opts.env ?? {}).#start();
  }

  async #start(): Promise<this> {
    try {
      const line = await this.#nextLine(20_000);
      const m = /^READY (\d+)(?: (\d+))?$/.exec(line);
      if (!m) throw new Error(`${this.name}: expected READY, got ${JSON.stringify(line)}; stderr:\n${this.stderr}`);
      this.port = Number(m[1]);
      if (m[2] !== undefined) {
        this.serverPid = Number(m[2]);
        groups.add(this.serverPid);
      } else {
        this.serverPid = this.child.pid;
      }
      return this;
    } catch (err) {
      this.kill();
      throw err;
    }
  }

  /** Ask the server for its request count and memory (SIGUSR2 side channel). */
  async stats(): Promise<ServerStats> {
    this.child.kill("SIGUSR2");
    for (;;) {
      const line = await this.#nextLine(20_000);
      if (line === "") throw new Error(`${this.name}: exited; stderr:\n${this.stderr}`);
      if (line.startsWith("STATS ")) return JSON.parse(line.slice(6)) as ServerStats;
    }
  }

  /** Kill the process and wait for it to be gone. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.stdin?.end();
      this.child.kill("SIGTERM");
      const t = setTimeout(() => this.child.kill("SIGKILL"), 2000);
      await this.#exited;
      clearTimeout(t);
    }
    live.delete(this.child);
    this.#killGroup();
  }

  kill(): void {
    try {
      this.child.kill("SIGKILL");
    } catch {
      // gone
    }
    live.delete(this.child);
    this.#killGroup();
  }

  /** A supervised server's group, in case its supervisor could not stop it. */
  #killGroup(): void {
    if (this.serverPid === undefined || this.serverPid === this.child.pid || !groups.has(this.serverPid)) return;
    groups.delete(this.serverPid);
    try {
      process.kill(-this.serverPid, "SIGKILL");
    } catch {
      // gone, as it should be
    }
  }

  /** True while the process runs. */
  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }
}

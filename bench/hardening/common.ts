/**
 * Shared plumbing of the hardening scripts (`bench/hardening/*.ts`): flag
 * parsing, the server child process (started from `server.ts`, killed
 * whatever way the driver exits), `/proc` readings (descriptors, RSS,
 * limits), small statistics, a seeded random generator, and the report.
 *
 * Every script talks to 127.0.0.1 only and bounds every wait.
 *
 * @module
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import * as net from "node:net";
import { cpus, loadavg } from "node:os";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url)); // dist/bench/hardening
/** The compiled server child script. */
export const SERVER_SCRIPT = resolve(here, "server.js");
/** The loopback address every script uses. */
export const HOST = "127.0.0.1";

// ---------------------------------------------------------------------------
// Flags

/** Parsed command line: `--quick`, `--name value` and `--name=value` flags. */
export class Flags {
  readonly #values = new Map<string, string>();
  readonly #seen = new Set<string>();

  /** @param argv - the arguments after the script name. */
  constructor(argv: readonly string[]) {
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i]!;
      if (!arg.startsWith("--")) throw new Error(`unexpected argument ${JSON.stringify(arg)}`);
      const eq = arg.indexOf("=");
      if (eq !== -1) {
        this.#values.set(arg.slice(2, eq), arg.slice(eq + 1));
      } else if (i + 1 < argv.length && !argv[i + 1]!.startsWith("--")) {
        this.#values.set(arg.slice(2), argv[++i]!);
      } else {
        this.#seen.add(arg.slice(2));
      }
    }
  }

  /** Was the switch `--name` given (without a value)? */
  has(name: string): boolean {
    return this.#seen.has(name) || this.#values.has(name);
  }

  /** A numeric flag, or `fallback`. Underscores are allowed: `--requests 100_000`. */
  number(name: string, fallback: number): number {
    const raw = this.#values.get(name);
    if (raw === undefined) return fallback;
    const n = Number(raw.replace(/_/g, ""));
    if (!Number.isFinite(n)) throw new Error(`--${name} needs a number, got ${JSON.stringify(raw)}`);
    return n;
  }

  /** A text flag, or `fallback`. */
  string(name: string, fallback: string): string {
    return this.#values.get(name) ?? fallback;
  }
}

// ---------------------------------------------------------------------------
// The server child

/** What the child reports on a `stats` command. */
export interface ChildStats {
  /** Requests its handlers answered. */
  requests: number;
  /** Connections its server tracks now. */
  openConnections: number;
  /** Errors that reached the server's `handleError()`. */
  handlerErrors: number;
  /** Resident set size, bytes. */
  rss: number;
  /** RSS after a full garbage collection (null without `--expose-gc`). */
  rssAfterGc: number | null;
  /** Heap in use after a full garbage collection (null without `--expose-gc`). */
  heapAfterGc: number | null;
  /** Heap reserved by V8 after a full garbage collection (null without `--expose-gc`). */
  heapTotalAfterGc: number | null;
  /** Memory outside the JS heap (buffers) after a full garbage collection (null without `--expose-gc`). */
  externalAfterGc: number | null;
}

/** Options for {@link ServerChild.start}. */
export interface ChildOptions {
  /** Environment variables for the child (its settings, see `server.ts`). */
  env?: Record<string, string>;
  /** Extra `node` flags, e.g. `--expose-gc`. */
  nodeArgs?: string[];
  /** Raise the child's descriptor limit to this (through `sh -c 'ulimit -n'`). */
  fdLimit?: number;
  /** Keep the child's stderr lines in memory (up to this many characters). */
  keepStderr?: number;
}

const children = new Set<ChildProcess>();
let exitHooked = false;

/** Kill every child still running, at once. */
function killChildren(): void {
  for (const child of children) {
    try {
      child.kill("SIGKILL");
    } catch {
      // gone already
    }
  }
  children.clear();
}

/**
 * Make sure no child outlives the driver: killed on exit, on SIGINT/SIGTERM/
 * SIGHUP, and on an uncaught error (which also fails the run).
 */
export function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.on("exit", killChildren);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(sig, () => {
      killChildren();
      process.exit(sig === "SIGINT" ? 130 : sig === "SIGTERM" ? 143 : 129);
    });
  }
  const fatal = (err: unknown): void => {
    killChildren();
    console.error("driver error:", err);
    process.exit(2);
  };
  process.on("uncaughtException", fatal);
  process.on("unhandledRejection", fatal);
}

/**
 * The server under test, in a child process running `server.ts` in a given
 * mode. It announces `READY <port>` on stdout, answers `stats` lines on its
 * stdin with `STATS {json}`, and exits when its stdin closes.
 */
export class ServerChild {
  /** The child process. */
  readonly child: ChildProcess;
  /** The port the child's server listens on (127.0.0.1). */
  port = 0;
  /** The child's stderr (up to `keepStderr` characters). */
  stderr = "";
  /** Number of stderr lines matching each pattern given to {@link countStderr}. */
  readonly counts = new Map<string, number>();
  readonly #patterns: Array<[string, RegExp]> = [];
  #partial = "";
  #lines: string[] = [];
  #waiters: Array<(line: string | null) => void> = [];
  #exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #keep: number;

  private constructor(mode: string, options: ChildOptions) {
    hookExit();
    this.#keep = options.keepStderr ?? 20_000;
    const nodeArgs = [...(options.nodeArgs ?? []), SERVER_SCRIPT, mode];
    const env = { ...process.env, ...options.env };
    if (options.fdLimit !== undefined) {
      const quoted = [process.execPath, ...nodeArgs].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
      this.child = spawn("/bin/sh", ["-c", `ulimit -n ${options.fdLimit} && exec ${quoted}`], { stdio: "pipe", env });
    } else {
      this.child = spawn(process.execPath, nodeArgs, { stdio: "pipe", env });
    }
    children.add(this.child);
    this.#exit = new Promise((resolveExit) => {
      this.child.on("exit", (code, signal) => {
        children.delete(this.child);
        resolveExit({ code, signal });
        for (const w of this.#waiters.splice(0)) w(null);
      });
    });
    this.child.on("error", () => undefined);
    this.child.stdin!.on("error", () => undefined);
    this.child.stdout!.setEncoding("utf8");
    let buffered = "";
    this.child.stdout!.on("data", (text: string) => {
      buffered += text;
      let nl: number;
      while ((nl = buffered.indexOf("\n")) !== -1) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const w = this.#waiters.shift();
        if (w) w(line);
        else this.#lines.push(line);
      }
    });
    this.child.stderr!.setEncoding("utf8");
    this.child.stderr!.on("data", (text: string) => this.#onStderr(text));
  }

  #onStderr(text: string): void {
    if (this.stderr.length < this.#keep) this.stderr += text.slice(0, this.#keep - this.stderr.length);
    if (this.#patterns.length === 0) return;
    const all = this.#partial + text;
    const lines = all.split("\n");
    this.#partial = lines.pop()!;
    for (const line of lines) {
      for (const [name, re] of this.#patterns) if (re.test(line)) this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
    }
  }

  /** Count stderr lines matching `re` under `name` from now on. */
  countStderr(name: string, re: RegExp): void {
    this.#patterns.push([name, re]);
    this.counts.set(name, 0);
  }

  /** Start `server.ts <mode>` and wait for its READY line. */
  static async start(mode: string, options: ChildOptions = {}): Promise<ServerChild> {
    const server = new ServerChild(mode, options);
    const line = await server.#nextLine(20_000);
    const m = line === null ? null : /^READY (\d+)$/.exec(line);
    if (!m) {
      server.kill();
      throw new Error(`server child (${mode}) did not start: ${JSON.stringify(line)}\n${server.stderr}`);
    }
    server.port = Number(m[1]);
    return server;
  }

  #nextLine(ms: number): Promise<string | null> {
    const queued = this.#lines.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (!this.alive) return Promise.resolve(null);
    return new Promise((resolveLine, reject) => {
      const timer = setTimeout(() => {
        const i = this.#waiters.indexOf(done);
        if (i !== -1) this.#waiters.splice(i, 1);
        reject(new Error(`server child: no answer within ${ms} ms\n${this.stderr}`));
      }, ms);
      const done = (line: string | null): void => {
        clearTimeout(timer);
        resolveLine(line);
      };
      this.#waiters.push(done);
    });
  }

  /** The child's process id. */
  get pid(): number {
    return this.child.pid!;
  }

  /** True while the child runs. */
  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** How the child ended (waits for it). */
  get exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.#exit;
  }

  /** Ask the child for its counters and memory. */
  async stats(): Promise<ChildStats> {
    if (!this.alive) throw new Error(`server child exited (${this.child.exitCode ?? this.child.signalCode})\n${this.stderr}`);
    this.child.stdin!.write("stats\n");
    for (;;) {
      const line = await this.#nextLine(20_000);
      if (line === null) throw new Error(`server child exited\n${this.stderr}`);
      if (line.startsWith("STATS ")) return JSON.parse(line.slice(6)) as ChildStats;
    }
  }

  /** Open descriptors of the child (`/proc/<pid>/fd`), with where each points. */
  fds(): string[] {
    return openFiles(this.pid);
  }

  /** The child's resident set size from `/proc/<pid>/status`, bytes. */
  rss(): number {
    return rssOf(this.pid);
  }

  /** Close its stdin (it exits 0 on that) and wait; SIGKILL after 5 s. Returns its exit code. */
  async stop(): Promise<number | null> {
    if (this.alive) {
      this.child.stdin!.end();
      const timer = setTimeout(() => this.kill(), 5000);
      await this.#exit;
      clearTimeout(timer);
    }
    return (await this.#exit).code;
  }

  /** Kill it at once. */
  kill(): void {
    try {
      this.child.kill("SIGKILL");
    } catch {
      // gone
    }
  }
}

// ---------------------------------------------------------------------------
// /proc

/** Where each open descriptor of process `pid` points. */
export function openFiles(pid: number | "self"): string[] {
  const out: string[] = [];
  const dir = `/proc/${pid}/fd`;
  for (const fd of readdirSync(dir)) {
    try {
      out.push(readlinkSync(`${dir}/${fd}`));
    } catch {
      // closed while listing
    }
  }
  return out;
}

/** Resident set size of `pid` in bytes (`VmRSS`). */
export function rssOf(pid: number | "self"): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
  return m ? Number(m[1]) * 1024 : NaN;
}

/** The soft and hard "Max open files" limits of this process. */
export function fdLimits(): { soft: number; hard: number } {
  const text = readFileSync("/proc/self/limits", "utf8");
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
  const parse = (s: string | undefined): number => (s === undefined || s === "unlimited" ? Infinity : Number(s));
  return { soft: parse(m?.[1]), hard: parse(m?.[2]) };
}

/**
 * Make sure this process may open `needed` descriptors: if the soft limit
 * is lower and the hard limit allows it, run this script again under
 * `sh -c 'ulimit -n N'` and exit with its code. Node cannot raise its own
 * limit, so this is the only way from JavaScript.
 */
export async function ensureFdLimit(needed: number): Promise<void> {
  const { soft, hard } = fdLimits();
  if (soft >= needed) return;
  if (process.env.HARDENING_REEXEC === "1" || hard < needed) {
    throw new Error(`needs ${needed} open files; the limit is ${soft} (hard ${hard}). Run with a higher 'ulimit -n'.`);
  }
  const target = Math.min(hard, Math.max(needed, 20_000));
  const argv = [process.execPath, ...process.execArgv, ...process.argv.slice(1)];
  const quoted = argv.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  const child = spawn("/bin/sh", ["-c", `ulimit -n ${target} && exec ${quoted}`], {
    stdio: "inherit",
    env: { ...process.env, HARDENING_REEXEC: "1" },
  });
  const code = await new Promise<number>((resolveCode) => child.on("exit", (c, s) => resolveCode(c ?? (s ? 1 : 0))));
  process.exit(code);
}

// ---------------------------------------------------------------------------
// Small helpers

/** Resolve after `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolveDelay) => setTimeout(resolveDelay, ms));
}

/** Reject with a message naming `what` if `promise` takes longer than `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Open a TCP connection to the loopback `port`. */
export function connect(port: number, timeoutMs = 10_000): Promise<net.Socket> {
  return new Promise((resolveSock, reject) => {
    const sock = net.connect({ host: HOST, port });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`connect to ${HOST}:${port} took over ${timeoutMs} ms`));
    }, timeoutMs);
    sock.once("connect", () => {
      clearTimeout(timer);
      sock.off("error", onError);
      sock.on("error", () => undefined);
      resolveSock(sock);
    });
    const onError = (err: Error): void => {
      clearTimeout(timer);
      reject(err);
    };
    sock.once("error", onError);
  });
}

/** One response read back by {@link HttpConnection}. */
export interface SimpleResponse {
  /** The status code. */
  status: number;
  /** Header names lower-cased; the first value of each. */
  headers: Map<string, string>;
  /** The body bytes (as delimited by `Content-Length`). */
  body: Buffer;
}

const EMPTY = Buffer.alloc(0);

/**
 * A minimal HTTP/1.1 client connection for the scripts: requests are sent
 * as raw bytes (pipelining allowed) and answered in order. Responses must
 * carry a `Content-Length` (1xx, 204 and 304 excepted); `HEAD` is not
 * supported. Pending requests fail when the connection closes.
 */
export class HttpConnection {
  /** The underlying socket. */
  readonly socket: net.Socket;
  #buffer: Buffer = EMPTY;
  #pending: Array<{ resolve: (r: SimpleResponse) => void; reject: (e: Error) => void }> = [];
  #closed = false;
  /** Resolves when the connection has closed (either side). */
  readonly closed: Promise<void>;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.#onData(chunk));
    this.closed = new Promise((resolveClosed) => {
      socket.once("close", () => {
        this.#closed = true;
        const err = new Error("connection closed with a request pending");
        for (const p of this.#pending.splice(0)) p.reject(err);
        resolveClosed();
      });
    });
  }

  /** Connect to the loopback `port`. */
  static async open(port: number, timeoutMs = 10_000): Promise<HttpConnection> {
    return new HttpConnection(await connect(port, timeoutMs));
  }

  /** True once the connection has closed. */
  get isClosed(): boolean {
    return this.#closed;
  }

  /** Send one request (raw bytes) and resolve with its response. */
  request(data: string | Buffer): Promise<SimpleResponse> {
    if (this.#closed) return Promise.reject(new Error("connection closed"));
    const answer = new Promise<SimpleResponse>((resolveAnswer, reject) => this.#pending.push({ resolve: resolveAnswer, reject }));
    this.socket.write(data);
    return answer;
  }

  /** Send several requests in one write; resolve with their responses in order. */
  pipeline(requests: Array<string | Buffer>): Promise<SimpleResponse[]> {
    if (this.#closed) return Promise.reject(new Error("connection closed"));
    const answers = requests.map(
      () => new Promise<SimpleResponse>((resolveAnswer, reject) => this.#pending.push({ resolve: resolveAnswer, reject })),
    );
    this.socket.write(Buffer.concat(requests.map((r) => (typeof r === "string" ? Buffer.from(r, "latin1") : r))));
    return Promise.all(answers);
  }

  /** Close at once. */
  destroy(): void {
    this.socket.destroy();
  }

  #onData(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      const buf = this.#buffer;
      const headEnd = buf.indexOf("\r\n\r\n");
      if (headEnd === -1) return;
      const head = buf.toString("latin1", 0, headEnd);
      const lines = head.split("\r\n");
      const status = Number(lines[0]!.slice(9, 12));
      const headers = new Map<string, string>();
      for (let i = 1; i < lines.length; i++) {
        const line = lines[i]!;
        const colon = line.indexOf(":");
        const name = line.slice(0, colon).toLowerCase();
        if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
      }
      let length = 0;
      if (!(status < 200 || status === 204 || status === 304)) {
        const cl = headers.get("content-length");
        if (cl === undefined) {
          this.#fail(new Error(`response ${status} without Content-Length`));
          return;
        }
        length = Number(cl);
      }
      const end = headEnd + 4 + length;
      if (buf.length < end) return;
      const body = buf.subarray(headEnd + 4, end);
      this.#buffer = end === buf.length ? EMPTY : buf.subarray(end);
      if (status >= 100 && status < 200) continue; // interim (100 Continue)
      const waiter = this.#pending.shift();
      if (!waiter) {
        this.#fail(new Error(`unrequested response ${status}`));
        return;
      }
      waiter.resolve({ status, headers, body });
    }
  }

  #fail(err: Error): void {
    for (const p of this.#pending.splice(0)) p.reject(err);
    this.socket.destroy();
  }
}

/** The p-th percentile (0-100) of ascending `sorted` values; NaN when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/** Bytes as MiB with one decimal. */
export function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Milliseconds with two decimals. */
export function ms(value: number): string {
  return `${value.toFixed(2)} ms`;
}

/** An integer with thousands separators. */
export function int(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** A small, fast, seeded generator (mulberry32): the same seed gives the same run. */
export class Random {
  #state: number;

  /** @param seed - any 32-bit integer. */
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of `items`. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

/** One line of a report: a property, the figure, and whether it holds. */
export interface Check {
  /** The property, as a reader would state it. */
  name: string;
  /** The figures behind the verdict. */
  value: string;
  /** Whether the property holds. */
  ok: boolean;
}

/** The commit the library was built from, and whether `lib/` had uncommitted changes. */
function sourceState(): string {
  const root = resolve(here, "../../..");
  const git = (args: string[]): string | null => {
    try {
      return execFileSync("git", args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    } catch {
      return null;
    }
  };
  const commit = git(["rev-parse", "--short", "HEAD"]);
  if (commit === null) return "source: not a git checkout";
  const dirty = git(["status", "--porcelain", "--", "lib"]);
  return `source: commit ${commit}${dirty ? " (lib/ has uncommitted changes)" : ""} when the run started`;
}

/** {@link sourceState} when the script started (the tree may change while it runs). */
const SOURCE_AT_START = sourceState();

/**
 * Print the report (title, settings, figures, PASS/FAIL per check) and exit:
 * 0 when every check holds, 1 otherwise.
 */
export function finish(title: string, settings: string[], checks: Check[], notes: string[] = []): never {
  const width = Math.max(...checks.map((c) => c.name.length), 10);
  const load = loadavg().map((x) => x.toFixed(2)).join(" ");
  const machine = `machine: Node.js ${process.version}, ${cpus().length} CPUs, load average ${load} at the end`;
  const lines = [`# ${title}`, ...[...settings, machine, SOURCE_AT_START].map((s) => `  ${s}`), ""];
  for (const c of checks) lines.push(`  ${c.ok ? "PASS" : "FAIL"}  ${c.name.padEnd(width)}  ${c.value}`);
  if (notes.length) lines.push("", ...notes.map((n) => `  ${n}`));
  const failed = checks.filter((c) => !c.ok).length;
  lines.push("", failed === 0 ? "RESULT: PASS" : `RESULT: FAIL (${failed} of ${checks.length} checks)`);
  process.stdout.write(lines.join("\n") + "\n");
  killChildren();
  process.exit(failed === 0 ? 0 : 1);
}

/**
 * Helpers of the command-line specs: collecting text output, one GET on a
 * fresh connection, parsing a command line in a test, and spawning the \`http.server\` bin in its own process
 * group (every spawned process is listed in {@link children}, for the
 * specs' \`afterEach\` to kill).
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as http from "node:http";
import * as https from "node:https";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { ArgumentError, main, parseCommandLine, type CommandLineOptions } from "../../lib/cli/cli.js";
import { kLogLines } from "../../lib/http/server/base-handler.js";
import type { HTTPServer } from "../../lib/http/server/http-server.js";
import { delay, within } from "../helpers.js";

const here = path.dirname(fileURLToPath(import.meta.url));
/** The compiled bin, next to this compiled spec in dist/. */
export const BIN = path.resolve(here, "../../lib/cli/cli-main.js");

/** Collects what a TextSink receives. */
export class Collector {
  text = "";
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

export interface Reply {
  status: number;
  statusLine: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One GET on a fresh connection (no agent, so nothing lingers). */
export function get(url: string, options: https.RequestOptions = {}): Promise<Reply> {
  const mod = url.startsWith("https:") ? https : http;
  return within(
    new Promise<Reply>((resolve, reject) => {
      const req = mod.get(url, { agent: false, rejectUnauthorized: false, ...options }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            statusLine: `HTTP/${res.httpVersion} ${res.statusCode} ${res.statusMessage}`,
            headers: res.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", reject);
      });
      req.on("error", reject);
    }),
    10000,
    `GET ${url}`,
  );
}

// ---------------------------------------------------------------------------
// Spawning the bin

export interface CliRun {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Settles with the exit code and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Wait until stdout matches `re`. */
  waitStdout(re: RegExp, ms?: number): Promise<RegExpMatchArray>;
  /** Wait until stderr matches `re`. */
  waitStderr(re: RegExp, ms?: number): Promise<RegExpMatchArray>;
}

export const children = new Set<ChildProcess>();

/** Kill a spawned process and everything in its process group (workers included). */
export function killGroup(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
}

export function spawnProcess(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): CliRun {
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, COLUMNS: "80", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group: the cleanup can kill workers too
  });
  children.add(child);
  let out = "";
  let err = "";
  const waiters = new Set<() => void>();
  const notify = (): void => {
    for (const w of [...waiters]) w();
  };
  child.stdout!.setEncoding("utf8").on("data", (c: string) => {
    out += c;
    notify();
  });
  child.stderr!.setEncoding("utf8").on("data", (c: string) => {
    err += c;
    notify();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on("close", (code, signal) => {
      children.delete(child);
      notify();
      resolve({ code, signal });
    });
  });
  const waitText = (which: () => string, name: string) => (re: RegExp, ms = 10000): Promise<RegExpMatchArray> =>
    within(
      new Promise<RegExpMatchArray>((resolve, reject) => {
        const check = (): void => {
          const m = which().match(re);
          if (m) {
            waiters.delete(check);
            resolve(m);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            // Let the close event flush the last output first.
            setTimeout(() => {
              const late = which().match(re);
              waiters.delete(check);
              if (late) resolve(late);
              else reject(new Error(`process exited (${child.exitCode ?? child.signalCode}) before ${name} matched ${re}; stdout: ${out} stderr: ${err}`));
            }, 50);
          }
        };
        waiters.add(check);
        check();
      }),
      ms,
      `${name} to match ${re} (stdout: ${JSON.stringify(out)}, stderr: ${JSON.stringify(err)})`,
    );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitStdout: waitText(() => out, "stdout"),
    waitStderr: waitText(() => err, "stderr"),
  };
}

export function spawnCli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): CliRun {
  return spawnProcess(process.execPath, [BIN, ...args], cwd, env);
}

export const STARTUP = /^Serving (HTTPS?) on (\S+) port (\d+) \((https?):\/\/(\S+?):(\d+)\/\) \.\.\.\n/;

/** Start the bin and wait for its startup line; returns the port. */
export async function startCli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<CliRun & { port: number; host: string }> {
  const run = spawnCli(args, cwd, env);
  const m = await run.waitStdout(STARTUP);
  return Object.assign(run, { port: Number(m[3]), host: m[2]! });
}

/** Send a signal to the spawned process and wait for it to exit. */
export async function stop(run: CliRun, signal: NodeJS.Signals = "SIGINT"): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  run.child.kill(signal);
  return within(run.exited, 10000, `exit after ${signal}`);
}

/** Parse and return the options, failing the test on help or error. */
export function opts(argv: string[], cwd = "/srv"): CommandLineOptions {
  const r = parseCommandLine(argv, { cwd });
  if (r.help) throw new Error("unexpected help");
  return r.options;
}

/** The ArgumentError message for argv. */
export function parseError(argv: string[]): string {
  try {
    parseCommandLine(argv, { cwd: "/srv" });
  } catch (err) {
    expect(err).to.be.instanceOf(ArgumentError);
    expect((err as ArgumentError).exitCode).to.equal(2);
    return (err as Error).message;
  }
  throw new Error(`no error for ${JSON.stringify(argv)}`);
}

/** A command line serving in this process. */
export interface CommandLineRun {
  /** `http://127.0.0.1:PORT`. */
  base: string;
  /** Log lines, kept instead of written to stderr. */
  logs: string[];
  /** Stop as Ctrl+C would; resolves with the exit status. */
  stop(): Promise<number>;
}

/**
 * Run `http.server ARGS -b 127.0.0.1 0` through `main()` until
 * {@link CommandLineRun.stop}; its log lines go to `logs`.
 */
export async function serveCommandLine(args: string[]): Promise<CommandLineRun> {
  const ac = new AbortController();
  let server: HTTPServer | null = null;
  const logs: string[] = [];
  const stderr = new Collector();
  const done = main([...args, "-b", "127.0.0.1", "0"], {
    stdout: new Collector(),
    stderr,
    signal: ac.signal,
    handleSignals: false,
    onServing: (s) => {
      (s as unknown as Record<symbol, unknown>)[kLogLines] = logs;
      server = s;
    },
  });
  const started = (async (): Promise<void> => {
    while (server === null) {
      const early = await Promise.race([done, delay(5).then(() => null)]);
      if (early !== null) throw new Error(`the command line exited with ${early}: ${stderr.text}`);
    }
  })();
  await within(started, 5000, "the command line's server to start");
  const port = ((server as unknown as HTTPServer).serverAddress as [string, number])[1];
  return {
    base: `http://127.0.0.1:${port}`,
    logs,
    async stop() {
      ac.abort();
      return within(done, 10000, "the command line to stop");
    },
  };
}

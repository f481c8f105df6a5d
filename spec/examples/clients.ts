/**
 * Helpers for the example specs: a line-oriented TCP client and a runner for
 * the example scripts as child processes. Every wait is bounded, so a broken
 * example fails its test instead of hanging the run.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as net from "node:net";
import { fileURLToPath } from "node:url";
import { within } from "../helpers.js";

/**
 * A TCP client that splits what it receives into lines (without their
 * `\n`) and hands them out one at a time, in order.
 */
export class LineClient {
  /** Lines received and not yet taken by {@link nextLine}. */
  readonly lines: string[] = [];
  /** True once the server has closed its side (or the connection broke). */
  ended = false;
  #partial = "";
  #waiters: Array<() => void> = [];

  private constructor(readonly socket: net.Socket) {
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      this.#partial += chunk;
      let at: number;
      while ((at = this.#partial.indexOf("\n")) !== -1) {
        this.lines.push(this.#partial.slice(0, at));
        this.#partial = this.#partial.slice(at + 1);
      }
      this.#wake();
    });
    const end = (): void => {
      this.ended = true;
      this.#wake();
    };
    socket.on("end", end);
    socket.on("close", end);
    socket.on("error", end);
  }

  /** Connect to `[host, port]`. */
  static connect(address: readonly [string, number], ms = 5000): Promise<LineClient> {
    const [host, port] = address;
    const connected = new Promise<LineClient>((resolve, reject) => {
      const sock = net.connect({ host, port });
      sock.once("connect", () => {
        sock.off("error", reject);
        resolve(new LineClient(sock));
      });
      sock.once("error", reject);
    });
    return within(connected, ms, `connecting to ${host}:${port}`);
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  #changed(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Send `text` followed by a newline. */
  send(text: string): void {
    this.socket.write(`${text}\n`);
  }

  /** The next line; rejects if none arrives within `ms` or the connection ends first. */
  async nextLine(ms = 5000): Promise<string> {
    const take = async (): Promise<string> => {
      for (;;) {
        const line = this.lines.shift();
        if (line !== undefined) return line;
        if (this.ended) throw new Error("connection ended while waiting for a line");
        await this.#changed();
      }
    };
    return within(take(), ms, "waiting for a line from the server");
  }

  /** The next `n` lines. */
  async nextLines(n: number, ms = 5000): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(await this.nextLine(ms));
    return out;
  }

  /** Resolve once the server has closed the connection; rejects after `ms`. */
  async waitForEnd(ms = 5000): Promise<void> {
    const wait = async (): Promise<void> => {
      while (!this.ended) await this.#changed();
    };
    await within(wait(), ms, "waiting for the server to close the connection");
  }

  /** Close the connection from this side and release it. */
  close(): void {
    this.socket.destroy();
  }
}

/** The compiled example script `name` (e.g. `tcp-echo-server.js`). */
export function exampleScript(name: string): string {
  return fileURLToPath(new URL(`../../examples/${name}`, import.meta.url));
}

/** What a finished child process left behind. */
export interface ScriptResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Collect a child's output as it comes; `exited` resolves with all of it once the child has exited. */
export function collect(child: ChildProcess): { stdout: () => string; stderr: () => string; exited: Promise<ScriptResult> } {
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (c: string) => (stdout += c));
  child.stderr?.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  const exited = new Promise<ScriptResult>((resolve) => {
    child.once("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { stdout: () => stdout, stderr: () => stderr, exited };
}

/** Run an example script to completion (killed after `ms`). */
export async function runScript(name: string, args: readonly string[], ms = 10000): Promise<ScriptResult> {
  const child = spawn(process.execPath, [exampleScript(name), ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const out = collect(child);
  try {
    return await within(out.exited, ms, `${name} ${args.join(" ")} to exit`);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
}

/** An example server running in a child process. */
export interface RunningScript {
  /** The port the server reported in its `listening on host:port` line. */
  port: number;
  /** The child process. */
  child: ChildProcess;
  /** Output so far. */
  stdout(): string;
  /** Send SIGINT and wait for the process to exit (SIGKILL after `ms`). */
  stop(ms?: number): Promise<ScriptResult>;
}

/**
 * Start an example server script and resolve once it prints
 * `listening on <host>:<port>`; the child is killed if that does not happen
 * within `ms`.
 */
export async function startScript(name: string, args: readonly string[], ms = 10000): Promise<RunningScript> {
  const child = spawn(process.execPath, [exampleScript(name), ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const out = collect(child);
  const stop = async (stopMs = 5000): Promise<ScriptResult> => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
    try {
      return await within(out.exited, stopMs, `${name} to exit after SIGINT`);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
  };
  const listening = new Promise<number>((resolve, reject) => {
    const check = (): void => {
      const m = /listening on [^\s:]+:(\d+)/.exec(out.stdout());
      if (m) resolve(Number(m[1]));
    };
    child.stdout?.on("data", check);
    void out.exited.then((r) => reject(new Error(`${name} exited (code ${r.code}) before listening: ${r.stderr}`)));
  });
  try {
    const port = await within(listening, ms, `${name} to start listening`);
    return { port, child, stdout: out.stdout, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * The one set of small clients and utilities every spec shares: bounded
 * waits, raw stream and datagram clients, temporary folders, captured
 * stderr, child processes with a deadline. Every wait is bounded so that a
 * broken server fails a test instead of hanging the run. HTTP-only helpers
 * (servers on a free port, socketless handlers) are in
 * `http/server/helpers.ts`.
 */
import { execFileSync, spawn } from "node:child_process";
import * as dgram from "node:dgram";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import sinon from "sinon";

/** The loopback address every spec binds to. */
export const HOST = "127.0.0.1";
/** The line the echo scenarios send, as CPython's tests do. */
export const TEST_STR = "hello world\n";

/** Resolve after `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
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

/** Wait until `condition()` is (or resolves to) true, polling every 5 ms, for at most `ms`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await delay(5);
  }
}

/** A promise with its resolve function exposed. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * Where a stream client connects: a port on {@link HOST}, a
 * `[host, port, ...]` server address, or a Unix socket path.
 */
export type Target = unknown;

function connectOptions(target: Target): net.NetConnectOpts {
  if (typeof target === "number") return { host: HOST, port: target };
  if (typeof target === "string") return { path: target };
  const [host, port] = target as [string, number];
  return { host, port };
}

/**
 * Open a stream connection to `target`; rejects on a connection error.
 * Once connected, socket errors are ignored (a reset ends the reads below
 * like a close). `allowHalfOpen` keeps our side open after the server's FIN.
 */
export function connect(target: Target, options: { allowHalfOpen?: boolean } = {}): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ ...connectOptions(target), allowHalfOpen: options.allowHalfOpen ?? false });
    sock.once("connect", () => {
      sock.off("error", reject);
      sock.on("error", () => undefined);
      resolve(sock);
    });
    sock.once("error", reject);
  });
}

/** Everything `sock` receives until the peer closes (a reset counts as the end). */
export function readAll(sock: net.Socket, ms = 5000): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve) => {
    sock.on("data", (c: Buffer) => chunks.push(c));
    const finish = (): void => resolve(Buffer.concat(chunks));
    sock.once("end", finish);
    sock.once("close", finish);
    sock.once("error", finish);
  });
  return within(done, ms, "reading until the server closes the connection");
}

/** Read from `sock` until `predicate(received)` holds; rejects if the peer closes first. */
export function readUntil(sock: net.Socket, predicate: (b: Buffer) => boolean, ms = 5000): Promise<Buffer> {
  let received = Buffer.alloc(0);
  const done = new Promise<Buffer>((resolve, reject) => {
    const onData = (c: Buffer): void => {
      received = Buffer.concat([received, c]);
      if (predicate(received)) {
        cleanup();
        resolve(received);
      }
    };
    const onEnd = (): void => {
      cleanup();
      reject(new Error(`connection closed after ${JSON.stringify(received.toString("latin1"))}`));
    };
    const cleanup = (): void => {
      sock.off("data", onData);
      sock.off("end", onEnd);
      sock.off("close", onEnd);
    };
    sock.on("data", onData);
    sock.once("end", onEnd);
    sock.once("close", onEnd);
  });
  return within(done, ms, "a reply");
}

/** What a reading of {@link exchange} or {@link watch} holds, as Latin-1 text. */
export const latin1 = (b: Buffer): string => b.toString("latin1");

/**
 * Connect to `target`, send `data`, half-close when `end` is set, and return
 * every byte the server sends before it closes the connection (within `ms`).
 */
export async function exchange(target: Target, data: string | Buffer, options: { end?: boolean; ms?: number } = {}): Promise<Buffer> {
  const sock = await connect(target);
  try {
    const all = readAll(sock, options.ms ?? 5000);
    // Nothing to send is no write at all: an empty write still reaches the
    // socket and fails with EPIPE once the server has closed its end.
    if (data.length > 0) sock.write(data);
    if (options.end) sock.end();
    return await all;
  } finally {
    sock.destroy();
  }
}

/** Bytes received on a socket so far, and whether (and when) the peer closed it. */
export interface Watch {
  data: () => Buffer;
  closed: Promise<number>;
}

/** Record what `sock` receives; `closed` resolves with the time the connection ended. */
export function watch(sock: net.Socket): Watch {
  const chunks: Buffer[] = [];
  sock.on("data", (c: Buffer) => chunks.push(c));
  const closed = new Promise<number>((resolve) => {
    const done = (): void => resolve(Date.now());
    sock.once("end", done);
    sock.once("close", done);
  });
  return { data: () => Buffer.concat(chunks), closed };
}

/** Send one datagram to `target` and wait for the first reply. */
export function udpExchange(target: Target, data: string | Buffer, ms = 5000): Promise<{ data: Buffer; from: dgram.RemoteInfo }> {
  const [host, port] = target as [string, number];
  const sock = dgram.createSocket(net.isIPv6(host) ? "udp6" : "udp4");
  const reply = new Promise<{ data: Buffer; from: dgram.RemoteInfo }>((resolve, reject) => {
    sock.once("message", (msg, rinfo) => resolve({ data: msg, from: rinfo }));
    sock.once("error", reject);
  });
  sock.send(data, port, host);
  return within(reply, ms, `a datagram reply from ${host}:${port}`).finally(() => sock.close());
}

/** A fresh private directory named after `prefix`, removed by the returned cleanup function. */
export function tempDir(prefix = "spec-"): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Every path this process's open file descriptors point to (Linux). */
export function openPaths(): string[] {
  const out: string[] = [];
  for (const fd of fs.readdirSync("/proc/self/fd")) {
    try {
      out.push(fs.readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      // closed meanwhile (the descriptor readdir itself used)
    }
  }
  return out;
}

/** Capture `process.stderr.write` while `fn` runs; returns what was written. */
export async function captureStderr(fn: () => Promise<void> | void): Promise<string> {
  const chunks: string[] = [];
  const stub = sinon.stub(process.stderr, "write").callsFake(((chunk: unknown) => {
    chunks.push(typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8"));
    return true;
  }) as typeof process.stderr.write);
  try {
    await fn();
  } finally {
    stub.restore();
  }
  return chunks.join("");
}

/** What a child process printed and how it ended. */
export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run a program to completion (with `env` added to the environment), killing it (and failing) after `ms`. */
export function run(command: string, args: string[], ms = 15000, input?: string, env?: NodeJS.ProcessEnv): Promise<ProcessResult> {
  const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"], ...(env ? { env: { ...process.env, ...env } } : {}) });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const done = new Promise<ProcessResult>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
  child.stdin.end(input ?? "");
  return within(done, ms, `${command} ${args.join(" ")}`).catch((err: unknown) => {
    child.kill("SIGKILL");
    throw err;
  });
}

/** A self-signed certificate and key for `localhost` written into `dir` (cert.pem, key.pem), by openssl. */
export function certificateFiles(dir: string): { certfile: string; keyfile: string } {
  const certfile = path.join(dir, "cert.pem");
  const keyfile = path.join(dir, "key.pem");
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyfile, "-out", certfile, "-days", "1", "-subj", "/CN=localhost"], { stdio: "ignore" });
  return { certfile, keyfile };
}

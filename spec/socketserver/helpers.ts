/**
 * Small clients and utilities shared by the socketserver specs. Every wait is
 * bounded so that a broken server fails a test instead of hanging the run.
 */
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

/** Where a stream client connects: `[host, port, ...]` or a Unix socket path. */
export type Target = unknown;

function connectOptions(target: Target): net.NetConnectOpts {
  if (typeof target === "string") return { path: target };
  const [host, port] = target as [string, number];
  return { host, port };
}

/** Open a stream connection to `target`; rejects on a connection error. */
export function connect(target: Target): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(connectOptions(target));
    sock.once("connect", () => {
      sock.off("error", reject);
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

/** Read from `sock` until `predicate(received)` holds or the peer closes. */
export function readUntil(sock: net.Socket, predicate: (b: Buffer) => boolean, ms = 5000): Promise<Buffer> {
  let received = Buffer.alloc(0);
  const done = new Promise<Buffer>((resolve) => {
    const onData = (c: Buffer): void => {
      received = Buffer.concat([received, c]);
      if (predicate(received)) {
        cleanup();
        resolve(received);
      }
    };
    const onEnd = (): void => {
      cleanup();
      resolve(received);
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
  return within(done, ms, "reading a reply");
}

/**
 * Connect, send `data`, half-close when `end` is set, and return every byte
 * the server sends before it closes the connection.
 */
export async function exchange(target: Target, data: string | Buffer, options: { end?: boolean; ms?: number } = {}): Promise<string> {
  const sock = await connect(target);
  sock.on("error", () => undefined);
  const all = readAll(sock, options.ms ?? 5000);
  // Nothing to send is no write at all: an empty write still reaches the
  // socket and fails with EPIPE once the server has closed its end.
  if (data.length > 0) sock.write(data);
  if (options.end) sock.end();
  try {
    return (await all).toString("latin1");
  } finally {
    sock.destroy();
  }
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

/** A fresh private directory, removed by the returned cleanup function. */
export function tempDir(): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "socketserver-spec-"));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Capture what is written to stderr while a test runs. Call `restore()` (in
 * a `finally` or `afterEach`) to put the real stream back.
 */
export function captureStderr(): { text: () => string; restore: () => void } {
  const chunks: string[] = [];
  const stub = sinon.stub(process.stderr, "write").callsFake(((chunk: unknown) => {
    chunks.push(typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8"));
    return true;
  }) as typeof process.stderr.write);
  return { text: () => chunks.join(""), restore: () => stub.restore() };
}

/** A promise with its resolve function exposed. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Wait until `condition()` is (or resolves to) true, polling every 5 ms, for at most `ms`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await delay(5);
  }
}

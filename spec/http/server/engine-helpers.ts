/**
 * Shared tools of the HTTP engine specs: bounded waits, servers on a free
 * loopback port that always get closed, raw socket clients, child processes
 * with a deadline, and a socketless handler for unit tests of single methods.
 * Every wait is bounded, so a broken engine fails a test instead of hanging.
 */
import { spawn } from "node:child_process";
import * as net from "node:net";
import { Duplex } from "node:stream";
import sinon from "sinon";

import { BaseHTTPRequestHandler } from "../../../lib/http/server/base-handler.js";
import type { HTTPServer } from "../../../lib/http/server/http-server.js";
import { HTTPStatus } from "../../../lib/http/status.js";
import { runHandler } from "../../../lib/socketserver/request-handlers.js";
import type { RequestHandlerClass } from "../../../lib/socketserver/base-server.js";
import { BufferedReader, BytesWriter, type Bytes } from "../../../lib/socketserver/streams.js";
import { delay, readAll, waitFor, within } from "../../socketserver/helpers.js";

export { delay, readAll, waitFor, within };

/** The loopback address every real-socket spec binds to. */
export const HOST = "127.0.0.1";

/** A running server and how to reach and stop it. */
export interface Running<S extends HTTPServer> {
  server: S;
  port: number;
  /** Errors the server's `handleError()` received (the default banner is silenced). */
  handled: unknown[];
  /** Stop the loop and close the listening socket. */
  close(): Promise<void>;
}

type ServerCtor<S extends HTTPServer> = new (address: unknown, Handler: RequestHandlerClass, ...rest: never[]) => S;

/**
 * Start `ServerClass` on a free loopback port with `Handler` and run its
 * loop. Errors reaching `handleError()` are collected instead of printed.
 */
export async function serve<S extends HTTPServer>(
  ServerClass: ServerCtor<S>,
  Handler: RequestHandlerClass,
  ...rest: unknown[]
): Promise<Running<S>> {
  const Ctor = ServerClass as unknown as new (...args: unknown[]) => S;
  const server = new Ctor([HOST, 0], Handler, ...rest);
  const handled: unknown[] = [];
  (server as unknown as { handleError: (r: unknown, a: unknown, e: unknown) => void }).handleError = (_r, _a, e) => {
    handled.push(e);
  };
  await within(server.ready, 5000, "the server to bind");
  const loop = server.serveForever(0.05);
  const port = (server.serverAddress as [string, number])[1];
  let closed = false;
  return {
    server,
    port,
    handled,
    async close() {
      if (closed) return;
      closed = true;
      await within(server.shutdown(), 5000, "shutdown()");
      await within(loop, 5000, "serveForever() to settle");
      await within(Promise.resolve(server.serverClose()), 5000, "serverClose()");
    },
  };
}

/** Open a TCP connection to the loopback `port`; `allowHalfOpen` keeps our side open after the server's FIN. */
export function connect(port: number, options: { allowHalfOpen?: boolean } = {}): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: HOST, port, allowHalfOpen: options.allowHalfOpen ?? false });
    sock.once("connect", () => {
      sock.off("error", reject);
      sock.on("error", () => undefined);
      resolve(sock);
    });
    sock.once("error", reject);
  });
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

/** Connect, send `data`, and return everything received until the server closes. */
export async function exchange(port: number, data: Bytes, ms = 5000): Promise<Buffer> {
  const sock = await connect(port);
  try {
    const all = readAll(sock, ms);
    sock.write(data);
    return await all;
  } finally {
    sock.destroy();
  }
}

/** What a child process printed and how it ended. */
export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run a program to completion, killing it (and failing) after `ms`. */
export function run(command: string, args: string[], ms = 15000, input?: string): Promise<ProcessResult> {
  const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"] });
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

/** A Python `BaseHTTPRequestHandler` style error page split into lines. */
export function withoutStyleBlock(page: string): string {
  return page.replace(/ *<style type="text\/css">\n[\s\S]*?<\/style>\n/, "");
}

/** A fake server object for handlers built outside any server. */
export function fakeServer(): Record<string, unknown> {
  return { serverAddress: [HOST, 8000], serverName: "localhost", serverPort: 8000 };
}

/**
 * Python's `SocketlessRequestHandler` pattern: build a handler on an input
 * that ends at once, let it see end of input and finish, then give it fresh
 * in-memory `rfile` / `wfile` so single methods can be driven by hand.
 */
export async function socketless<H extends BaseHTTPRequestHandler>(
  Handler: new (request: never, clientAddress: never, server: never) => H,
  input: Bytes = "",
): Promise<{ handler: H; wfile: BytesWriter }> {
  const sock = new Duplex({ read() {}, write(_c, _e, cb) { cb(); } });
  sock.push(null);
  const Ctor = Handler as unknown as new (...args: unknown[]) => H;
  const handler = new Ctor(sock, [HOST, 1337], fakeServer());
  await within(runHandler(handler), 2000, "the socketless handler to finish");
  sock.destroy();
  const wfile = new BytesWriter();
  handler.rfile = BufferedReader.fromBytes(input);
  handler.wfile = wfile;
  return { handler, wfile };
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

/** The lines of an HTTP head as Python's `readlines()` would give them (line ends kept). */
export function lines(raw: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at < raw.length) {
    const nl = raw.indexOf(10, at);
    const end = nl === -1 ? raw.length : nl + 1;
    out.push(raw.subarray(at, end));
    at = end;
  }
  return out;
}

/** The bytes http.client sends for `method path` with its default headers. */
export function clientRequest(method: string, path: string, version = "HTTP/1.1", headers: string[] = []): Buffer {
  const head = [`${method} ${path} ${version}`, "Host: 127.0.0.1:8000", "Accept-Encoding: identity", ...headers, "", ""];
  return Buffer.from(head.join("\r\n"), "latin1");
}

/** The Python-spelled members the specs call (they exist at run time, not in the typings). */
export interface Py {
  send_response(code: number, message?: string | null): void;
  send_response_only(code: number, message?: string | null): void;
  send_header(keyword: string, value: unknown): void;
  end_headers(): void;
  send_error(code: number, message?: string | null, explain?: string | null): void;
  log_message(format: string, ...args: unknown[]): void;
  date_time_string(timestamp?: number): string;
  handle_one_request(): Promise<void>;
  request_version: string;
  close_connection: boolean;
  protocol_version: string;
  client_address: unknown;
  raw_requestline: Buffer;
}
export const py = (h: object): Py => h as unknown as Py;

/** CPython's `BaseHTTPServerTestCase` handler: HTTP/1.1 both ways, one method per scenario, no logging. */
export class CPythonServerTestHandler extends BaseHTTPRequestHandler {
  override protocol_version = "HTTP/1.1";
  override default_request_version = "HTTP/1.1";
  override log_message(): void {}
  do_TEST(): void {
    py(this).send_response(HTTPStatus.NO_CONTENT);
    py(this).send_header("Content-Type", "text/html");
    py(this).send_header("Connection", "close");
    py(this).end_headers();
  }
  do_KEEP(): void {
    py(this).send_response(HTTPStatus.NO_CONTENT);
    py(this).send_header("Content-Type", "text/html");
    py(this).send_header("Connection", "keep-alive");
    py(this).end_headers();
  }
  do_KEYERROR(): void {
    py(this).send_error(999);
  }
  do_NOTFOUND(): void {
    py(this).send_error(HTTPStatus.NOT_FOUND);
  }
  do_EXPLAINERROR(): void {
    py(this).send_error(999, "Short Message", "This is a long \n explanation");
  }
  do_CUSTOM(): void {
    py(this).send_response(999);
    py(this).send_header("Content-Type", "text/html");
    py(this).send_header("Connection", "close");
    py(this).end_headers();
  }
  do_LATINONEHEADER(): void {
    py(this).send_response(999);
    py(this).send_header("X-Special", "Dängerous Mind");
    py(this).send_header("Connection", "close");
    py(this).end_headers();
    this.wfile.write(Buffer.from(this.headers.get("x-special-incoming") ?? "", "utf8"));
  }
  do_SEND_ERROR(): void {
    py(this).send_error(Number(this.path.slice(1)));
  }
  do_HEAD(): void {
    py(this).send_error(Number(this.path.slice(1)));
  }
}

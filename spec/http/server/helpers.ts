/**
 * The HTTP-only tools of the specs: servers on a free loopback port that
 * always get closed (their log lines kept in memory if asked), a socketless
 * handler for unit tests of single methods, and CPython's test handler.
 * Raw clients, bounded waits and child processes are in `spec/helpers.ts`.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { Duplex } from "node:stream";

import { BaseHTTPRequestHandler, kLogLines } from "../../../lib/http/server/base-handler.js";
import type { HTTPServer } from "../../../lib/http/server/http-server.js";
import { HTTPStatus } from "../../../lib/http/status.js";
import { runHandler } from "../../../lib/socketserver/request-handlers.js";
import type { RequestHandlerClass } from "../../../lib/socketserver/base-server.js";
import { BufferedReader, BytesWriter, type Bytes } from "../../../lib/socketserver/streams.js";
import { HOST, connect, delay, within } from "../../helpers.js";

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

/** A running server whose log lines are collected instead of printed. */
export interface Logged<S extends HTTPServer> extends Running<S> {
  logs: string[];
}

/** {@link serve}, with the server's log lines kept in `logs` instead of written to stderr. */
export async function serveLogged<S extends HTTPServer>(
  ServerClass: ServerCtor<S>,
  Handler: RequestHandlerClass,
  ...rest: unknown[]
): Promise<Logged<S>> {
  const running = await serve(ServerClass, Handler, ...rest);
  const logs: string[] = [];
  (running.server as unknown as Record<symbol, unknown>)[kLogLines] = logs;
  return Object.assign(running, { logs });
}

/** The first line of the CGI specs' shell scripts. */
export const SH = "#!/bin/sh\n";

/** Write a CGI script (or any file) with `mode`, its parent folders made world-readable. */
export function writeScript(file: string, text: string, mode = 0o755): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
  fs.writeFileSync(file, text);
  fs.chmodSync(file, mode);
}

/** A canary script: it leaves the marker file `marks/name` when it runs, then answers like any script. */
export function canary(marks: string, name: string): string {
  return `${SH}: > '${marks}/${name}'\nprintf 'Content-Type: text/plain\\n\\nCANARY ${name} RAN\\n'\n`;
}

/** Whether `b` holds a whole response (or request) head. */
export const hasHead = (b: Buffer): boolean => b.includes("\r\n\r\n");

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

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** `python3 -m http.server` serving `dir` on a free loopback port, and how to stop it. */
export async function pythonHttpServer(dir: string | Buffer): Promise<{ port: number; stop: () => Promise<void> }> {
  const port = await freePort();
  const python = spawn("python3", ["-m", "http.server", String(port), "--bind", HOST, "--directory", dir as string], {
    stdio: ["ignore", "ignore", "ignore"],
  });
  const deadline = Date.now() + 15000;
  for (;;) {
    try {
      const sock = await connect(port);
      sock.destroy();
      break;
    } catch {
      if (Date.now() > deadline) {
        python.kill("SIGKILL");
        throw new Error("python3 -m http.server did not start");
      }
      await delay(50);
    }
  }
  return {
    port,
    async stop() {
      if (python.exitCode !== null || python.signalCode !== null) return;
      const exited = new Promise((resolve) => python.once("exit", resolve));
      python.kill("SIGTERM");
      await within(exited, 5000, "python3 to exit");
    },
  };
}

/**
 * The server under test of the hardening scripts, run as a child process:
 *
 *     node dist/bench/hardening/server.js <mode>
 *
 * Modes (all on a `ThreadingHTTPServer` bound to 127.0.0.1, port 0):
 *
 * - `echo`: answers any method with `<command> <path> len=<body bytes>`, the
 *   request's tokens in `X-Echo-Token` / `X-Header-Token`; reads a
 *   `Content-Length` body up to 64 KiB first. Every log line goes to stderr.
 *   Used by `fuzz.ts`.
 * - `hello`: `GET` answers `Hello, world!`; 2xx requests are not logged,
 *   errors are. Used by `slow-clients.ts` and `load.ts`.
 * - `files`: `SimpleHTTPRequestHandler` on `$HARDENING_DIR`, plus `PUT
 *   /uploads/<name>` streaming the body to `$HARDENING_DIR/uploads/<name>`
 *   and answering its length and SHA-256. Used by `transfer.ts`.
 *
 * Settings from the environment: `HARDENING_HEADER_TIMEOUT`,
 * `HARDENING_KEEPALIVE_TIMEOUT`, `HARDENING_READ_TIMEOUT` (Python's
 * per-read `timeout`), all in seconds, and `HARDENING_MAX_CONNECTIONS`.
 *
 * Protocol on stdout: `READY <port>` once listening, then `STATS {json}`
 * for every `stats` line read on stdin. The process exits 0 when stdin
 * closes (so it never outlives the driver), 70 on an unhandled rejection
 * and 71 on an uncaught exception.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { promises as fsp } from "node:fs";
import { basename, join } from "node:path";

import {
  BaseHTTPRequestHandler,
  SimpleHTTPRequestHandler,
  ThreadingHTTPServer,
  type RequestHandlerClass,
} from "../../lib/index.js";

process.on("unhandledRejection", (reason) => {
  process.stderr.write(`UNHANDLED REJECTION: ${reason instanceof Error ? reason.stack : String(reason)}\n`);
  process.exit(70);
});
process.on("uncaughtException", (err) => {
  process.stderr.write(`UNCAUGHT EXCEPTION: ${err.stack ?? String(err)}\n`);
  process.exit(71);
});

const mode = process.argv[2] ?? "hello";
const seconds = (name: string): number | null | undefined => {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return undefined;
  return raw === "null" ? null : Number(raw);
};
const headerTimeout = seconds("HARDENING_HEADER_TIMEOUT");
const keepAliveTimeout = seconds("HARDENING_KEEPALIVE_TIMEOUT");
const readTimeout = seconds("HARDENING_READ_TIMEOUT");
const counters = { requests: 0, handlerErrors: 0 };

/** A handler class of this script. */
type HandlerClass = RequestHandlerClass & { prototype: BaseHTTPRequestHandler };

/** Apply the time-outs from the environment to a handler class. */
function configure(Handler: HandlerClass): void {
  if (headerTimeout !== undefined) Handler.prototype.headerTimeout = headerTimeout;
  if (keepAliveTimeout !== undefined) Handler.prototype.keepAliveTimeout = keepAliveTimeout;
  if (readTimeout !== undefined) Handler.prototype.timeout = readTimeout;
}

const TOKEN = /zq[0-9a-z]{10}/;

/** Echoes what it parsed; see the module comment. */
class EchoHandler extends BaseHTTPRequestHandler {
  override protocolVersion = "HTTP/1.1";

  async echo(): Promise<void> {
    counters.requests++;
    const length = (this.headers.get("Content-Length") ?? "").trim();
    let read = 0;
    if (/^[0-9]+$/.test(length) && Number(length) <= 65536) read = (await this.rfile.read(Number(length))).length;
    const body = Buffer.from(`${this.command} ${this.path} len=${read}\n`, "latin1");
    this.sendResponse(200);
    this.sendHeader("X-Echo-Token", TOKEN.exec(this.path)?.[0] ?? "-");
    this.sendHeader("X-Header-Token", TOKEN.exec(this.headers.get("X-Token") ?? "")?.[0] ?? "-");
    this.sendHeader("Content-Length", body.length);
    this.endHeaders();
    this.wfile.write(body);
  }
}
// Every method the fuzzer may produce is answered (HEAD excepted: it has no body).
for (const method of ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "PRI", "get", "post"]) {
  Object.defineProperty(EchoHandler.prototype, `do_${method}`, {
    value(this: EchoHandler) {
      return this.echo();
    },
  });
}

const HELLO = Buffer.from("Hello, world!\n");

/** The smallest useful handler: a fixed 200 for GET. */
class HelloHandler extends BaseHTTPRequestHandler {
  override protocolVersion = "HTTP/1.1";

  do_GET(): void {
    counters.requests++;
    this.sendResponse(200);
    this.sendHeader("Content-Type", "text/plain");
    this.sendHeader("Content-Length", HELLO.length);
    this.endHeaders();
    this.wfile.write(HELLO);
  }

  /** 2xx requests are not logged (there are a million of them); errors are. */
  override logRequest(code: number | string = "-", size: number | string = "-"): void {
    if (typeof code === "number" && code < 300) return;
    super.logRequest(code, size);
  }
}

const DIR = process.env.HARDENING_DIR ?? process.cwd();

/** Files of `$HARDENING_DIR`, and uploads streamed into its `uploads/` folder. */
class FilesHandler extends SimpleHTTPRequestHandler {
  override protocolVersion = "HTTP/1.1";

  constructor(request: unknown, clientAddress: unknown, server: never) {
    super(request, clientAddress, server, { directory: DIR });
  }

  override async do_GET(): Promise<void> {
    counters.requests++;
    await super.do_GET();
  }

  /** Stream the body to a file, hashing it on the way; answer `{ bytes, sha256 }` as JSON. */
  async do_PUT(): Promise<void> {
    counters.requests++;
    const length = Number((this.headers.get("Content-Length") ?? "").trim());
    if (!this.path.startsWith("/uploads/") || !Number.isSafeInteger(length)) {
      this.sendError(400, "PUT /uploads/<name> with a Content-Length");
      return;
    }
    const target = join(DIR, "uploads", basename(this.path));
    const out = await fsp.open(target, "w");
    const hash = createHash("sha256");
    let got = 0;
    try {
      while (got < length) {
        const chunk = await this.rfile.read1(Math.min(1 << 20, length - got));
        if (chunk.length === 0) break; // the client went away
        hash.update(chunk);
        await out.write(chunk);
        got += chunk.length;
      }
    } finally {
      await out.close();
    }
    if (got < length) {
      await fsp.rm(target, { force: true });
      this.closeConnection = true;
      this.logMessage("upload of %s cut after %d of %d bytes", basename(this.path), got, length);
      return;
    }
    const body = Buffer.from(JSON.stringify({ bytes: got, sha256: hash.digest("hex") }));
    this.sendResponse(201);
    this.sendHeader("Content-Type", "application/json");
    this.sendHeader("Content-Length", body.length);
    this.endHeaders();
    this.wfile.write(body);
  }

  override logRequest(code: number | string = "-", size: number | string = "-"): void {
    if (typeof code === "number" && code < 300) return;
    super.logRequest(code, size);
  }
}

const handlers: Record<string, HandlerClass> = { echo: EchoHandler, hello: HelloHandler, files: FilesHandler };
const Handler = handlers[mode];
if (!Handler) {
  process.stderr.write(`unknown mode ${JSON.stringify(mode)}; one of ${Object.keys(handlers).join(", ")}\n`);
  process.exit(64);
}
configure(Handler);

/** The server, counting (and printing) errors that reach handleError(). */
class Server extends ThreadingHTTPServer {
  override handleError(request: unknown, clientAddress: unknown, error?: unknown): void {
    counters.handlerErrors++;
    if (counters.handlerErrors <= 5) super.handleError(request, clientAddress, error);
  }
}
const maxConnections = process.env.HARDENING_MAX_CONNECTIONS;
if (maxConnections) Server.prototype.maxConnections = maxConnections === "null" ? null : Number(maxConnections);

const server = new Server(["127.0.0.1", 0], Handler);
await server.ready;
void server.serveForever();

function stats(): string {
  const before = process.memoryUsage();
  const gc = (globalThis as { gc?: () => void }).gc;
  let after: NodeJS.MemoryUsage | null = null;
  if (gc) {
    gc();
    gc();
    after = process.memoryUsage();
  }
  return JSON.stringify({
    requests: counters.requests,
    openConnections: server.openConnections,
    handlerErrors: counters.handlerErrors,
    rss: before.rss,
    rssAfterGc: after?.rss ?? null,
    heapAfterGc: after?.heapUsed ?? null,
    heapTotalAfterGc: after?.heapTotal ?? null,
    externalAfterGc: after?.external ?? null,
  });
}

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (text: string) => {
  input += text;
  let nl: number;
  while ((nl = input.indexOf("\n")) !== -1) {
    const command = input.slice(0, nl).trim();
    input = input.slice(nl + 1);
    if (command === "stats") process.stdout.write(`STATS ${stats()}\n`);
  }
});
const leave = (): void => {
  void server.shutdown();
  void Promise.resolve(server.serverClose()).finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.stdin.on("end", leave);
process.stdin.on("error", leave);
process.on("SIGTERM", leave);
process.stdout.write(`READY ${(server.serverAddress as [string, number])[1]}\n`);

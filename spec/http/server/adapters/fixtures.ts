/**
 * The handlers and clients the adapter specs share: one set of handler
 * classes served by every host (this package's server, `node:http`,
 * Express, a fetch handler, `node:http2`), and one request shape each
 * client sends for real.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import * as http2 from "node:http2";
import * as path from "node:path";
import type { AddressInfo } from "node:net";

import { BaseHTTPRequestHandler } from "../../../../lib/http/server/base-handler.js";
import { SimpleHTTPRequestHandler } from "../../../../lib/http/server/files/simple-handler.js";
import { delay, HOST, tempDir, within } from "../../../helpers.js";
import { END_HEADERS, frame, h2Socket, headerBlock, PREFACE, rstStreamFrame, settingsFrame } from "../../../http2-frames.js";

/** Bytes in each large body. */
export const BIG = 8 * 1024 * 1024;
/** The piece the handlers stream the large body in. */
const PIECE = 64 * 1024;

/** Piece `i` of the large response body: its bytes depend on `i`, so a lost or repeated piece changes the hash. */
function bigPiece(i: number): Buffer {
  const b = Buffer.alloc(PIECE, i % 251);
  b.writeUInt32BE(i, 0);
  return b;
}

/** The SHA-256 (hex) of the large response body. */
export function bigDigest(): string {
  const hash = createHash("sha256");
  for (let i = 0; i < BIG / PIECE; i++) hash.update(bigPiece(i));
  return hash.digest("hex");
}

/** Read the request body as a socket carries it: `Content-Length` bytes, or `chunked`, decoded here. */
async function* bodyPieces(h: BaseHTTPRequestHandler): AsyncGenerator<Buffer> {
  const length = h.headers.get("Content-Length");
  if (length !== undefined) {
    let left = Number(length);
    while (left > 0) {
      const piece = await h.rfile.read(Math.min(left, PIECE));
      if (piece.length === 0) return;
      left -= piece.length;
      yield piece;
    }
    return;
  }
  if ((h.headers.get("Transfer-Encoding") ?? "").toLowerCase() !== "chunked") return;
  for (;;) {
    const size = parseInt((await h.rfile.readline()).toString("latin1"), 16);
    if (!(size > 0)) break;
    yield await h.rfile.read(size);
    await h.rfile.readline();
  }
  // Trailer lines up to the blank line.
  while ((await h.rfile.readline()).length > 2);
}

/**
 * `GET /hello`, `HEAD /hello`, `GET /big` (8 MiB, streamed), `GET /empty`
 * (reads rfile, answers `read <bytes>`), `GET /missing`
 * (404 via sendError), `POST /echo` (echoes method, path and body) and
 * `POST /sha` (length and SHA-256 of the body). HTTP/1.1, so it answers
 * `Expect: 100-continue` itself.
 */
export class Echo extends BaseHTTPRequestHandler {
  override protocolVersion = "HTTP/1.1";

  async do_GET(): Promise<void> {
    if (this.path.split("?")[0]!.endsWith("/hello")) return this.#hello(true);
    if (this.path.endsWith("/empty")) {
      // A request without a body: its rfile ends right after the head.
      const rest = await this.rfile.read(64);
      const text = Buffer.from(`read ${rest.length}`);
      this.sendResponse(200);
      this.sendHeader("Content-Length", text.length);
      this.endHeaders();
      this.wfile.write(text);
      return;
    }
    if (this.path.endsWith("/big")) {
      this.sendResponse(200);
      this.sendHeader("Content-Type", "application/octet-stream");
      this.sendHeader("Content-Length", BIG);
      this.endHeaders();
      for (let i = 0; i < BIG / PIECE; i++) {
        this.wfile.write(bigPiece(i));
        await this.wfile.flush();
      }
      return;
    }
    this.sendError(404);
  }

  do_HEAD(): void {
    this.#hello(false);
  }

  async do_POST(): Promise<void> {
    const framing = this.headers.get("Content-Length") !== undefined ? "length" : "chunked";
    let text: string;
    if (this.path.endsWith("/sha")) {
      const hash = createHash("sha256");
      let n = 0;
      for await (const piece of bodyPieces(this)) {
        hash.update(piece);
        n += piece.length;
      }
      text = `${n} ${hash.digest("hex")}`;
    } else {
      const parts: Buffer[] = [];
      for await (const piece of bodyPieces(this)) parts.push(piece);
      const body = Buffer.concat(parts);
      text = `${this.command} ${this.path} ${body.length} ${body.toString("latin1")}`;
    }
    const out = Buffer.from(text, "latin1");
    this.sendResponse(200);
    this.sendHeader("Content-Type", "text/plain");
    this.sendHeader("Content-Length", out.length);
    this.sendHeader("X-Framing", framing);
    this.sendHeader("Set-Cookie", "a=1");
    this.sendHeader("Set-Cookie", "b=2");
    this.endHeaders();
    this.wfile.write(out);
  }

  #hello(body: boolean): void {
    this.sendResponse(200);
    this.sendHeader("Content-Type", "text/plain");
    this.sendHeader("Content-Length", 6);
    this.sendHeader("X-Path", this.path);
    this.endHeaders();
    if (body) this.wfile.write("hello\n");
  }
}

/**
 * `GET`: a head naming `Set-Cookie` in two cases (`Set-Cookie: a=1`,
 * `set-cookie: b=2`), `constructor: c`, and `Content-Type` and `X-Both`, which
 * {@link presetHeaders} sets before it in other cases; the body `ok`.
 */
export class MixedHead extends BaseHTTPRequestHandler {
  do_GET(): void {
    this.sendResponse(200);
    this.sendHeader("Content-Type", "text/plain");
    this.sendHeader("X-Both", "handler");
    this.sendHeader("Set-Cookie", "a=1");
    this.sendHeader("set-cookie", "b=2");
    // A name that is also a member of every JavaScript object.
    this.sendHeader("constructor", "c");
    this.sendHeader("Content-Length", 2);
    this.endHeaders();
    this.wfile.write("ok");
  }
}

/** What middleware before a {@link MixedHead} sets: `X-Mw`, and `content-type` and `x-both`, which the handler sends too. */
export function presetHeaders(res: { setHeader(name: string, value: string): unknown }): void {
  res.setHeader("X-Mw", "1");
  res.setHeader("content-type", "text/html");
  res.setHeader("x-both", "middleware");
}

/** Writes its own status line and headers to `wfile`; the body runs to the end of output. */
export class Raw extends BaseHTTPRequestHandler {
  do_GET(): void {
    this.wfile.write("HTTP/1.0 202 Accepted\r\nX-Raw: yes\r\nContent-Type: text/plain\r\n\r\nraw body\n");
  }
}

/** The contents of `data.bin` in the folder {@link filesHandler} serves. */
export const DATA = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 256));

/**
 * A temporary folder holding `data.bin` ({@link DATA}) and `sub/note.txt`,
 * and a `SimpleHTTPRequestHandler` subclass that serves it.
 */
export function filesHandler(): { Files: typeof SimpleHTTPRequestHandler; dir: string; remove: () => void } {
  const { dir, remove } = tempDir("adapters-files-");
  fs.writeFileSync(path.join(dir, "data.bin"), DATA);
  fs.mkdirSync(path.join(dir, "sub"));
  fs.writeFileSync(path.join(dir, "sub", "note.txt"), "note\n");
  class Files extends SimpleHTTPRequestHandler {
    constructor(request: unknown, clientAddress: unknown, server: never) {
      super(request, clientAddress, server, { directory: dir });
    }
  }
  return { Files, dir, remove };
}

/** A request as the specs send it. */
export interface Req {
  method: string;
  path: string;
  headers?: Record<string, string>;
  /** One Buffer: sent with `Content-Length`; several: sent without a length (chunked, or HTTP/2 frames). */
  body?: Buffer | Buffer[];
  /** Send `Expect: 100-continue` and the body only after `100 Continue`. */
  expectContinue?: boolean;
}

/** A response as the specs read it. */
export interface Res {
  status: number;
  /** One header (repeated ones joined with `, `), by lower-case name. */
  header(name: string): string | undefined;
  /** Every `Set-Cookie` value. */
  cookies: string[];
  body: Buffer;
  /** A `100 Continue` came before the response. */
  sawContinue: boolean;
}

/** Send `req` with `node:http` on a fresh connection to `port`. */
export function httpSend(port: number, req: Req): Promise<Res> {
  return within(
    new Promise<Res>((resolve, reject) => {
      const headers: Record<string, string> = { ...req.headers };
      const body = req.body;
      if (Buffer.isBuffer(body)) headers["Content-Length"] = String(body.length);
      if (req.expectContinue) headers["Expect"] = "100-continue";
      let sawContinue = false;
      const cr = http.request({ host: HOST, port, method: req.method, path: req.path, headers, agent: false }, (res) => {
        const parts: Buffer[] = [];
        res.on("data", (c: Buffer) => parts.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const h = res.headers;
          const cookies = h["set-cookie"] ?? [];
          resolve({
            status: res.statusCode!,
            header: (name) => {
              const v = h[name.toLowerCase()];
              return Array.isArray(v) ? v.join(", ") : v;
            },
            cookies,
            body: Buffer.concat(parts),
            sawContinue,
          });
        });
      });
      cr.on("error", reject);
      const sendBody = (): void => {
        for (const part of Array.isArray(body) ? body : body ? [body] : []) cr.write(part);
        cr.end();
      };
      if (req.expectContinue) {
        cr.on("continue", () => {
          sawContinue = true;
          sendBody();
        });
        cr.flushHeaders();
      } else {
        sendBody();
      }
    }),
    20000,
    `${req.method} ${req.path}`,
  );
}

/** A `node:http` server listening on a free loopback port. */
export interface Listening {
  port: number;
  /** Close the server and every connection it still has. */
  close(): Promise<void>;
}

/** Listen with `server` (or a new server running `listener`) on a free loopback port. */
export async function listenOn(target: http.Server | http.RequestListener): Promise<Listening> {
  const server = typeof target === "function" ? http.createServer(target) : target;
  await within(new Promise<void>((resolve) => server.listen(0, HOST, resolve)), 5000, "listen");
  return {
    port: portOf(server),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The port a listening `node:http` server got. */
export function portOf(server: { address(): AddressInfo | string | null }): number {
  return (server.address() as AddressInfo).port;
}

/** Read a fetch `Response` into a {@link Res}. */
export async function fromResponse(r: Response): Promise<Res> {
  const body = Buffer.from(await r.arrayBuffer());
  return {
    status: r.status,
    header: (name) => r.headers.get(name) ?? undefined,
    cookies: r.headers.getSetCookie(),
    body,
    sawContinue: false,
  };
}

/** `req` as a `Request` to `origin`: one Buffer with its `Content-Length`, several as a stream without one. */
export function toRequest(origin: string, req: Req): Request {
  const headers = new Headers(req.headers);
  const body = req.body;
  if (req.expectContinue) headers.set("Expect", "100-continue");
  const init: RequestInit & { duplex?: "half" } = { method: req.method, headers };
  if (Buffer.isBuffer(body)) {
    headers.set("Content-Length", String(body.length));
    init.body = body;
  } else if (body) {
    const parts = [...body];
    init.body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = parts.shift();
        if (next === undefined) controller.close();
        else controller.enqueue(new Uint8Array(next));
      },
    });
    init.duplex = "half";
  }
  return new Request(origin + req.path, init);
}

/** What each {@link RawBody} handler read: its whole rfile, up to end of input. */
export const rawBodies: string[] = [];

/** Reads its rfile to the end of input and keeps it in {@link rawBodies}; answers 200. */
export class RawBody extends BaseHTTPRequestHandler {
  override protocolVersion = "HTTP/1.1";

  async do_POST(): Promise<void> {
    rawBodies.push((await this.rfile.read()).toString("latin1"));
    this.sendResponse(200);
    this.sendHeader("Content-Length", 0);
    this.endHeaders();
  }
}

/**
 * Send `part` of a POST body to `path`, then cut it: a RST_STREAM(CANCEL)
 * with no END_STREAM before it (`"reset"`, raw frames: Node's own client
 * ends a stream before it resets it), or the session dropped (`"drop"`).
 */
export async function cutUpload(port: number, path: string, part: Buffer, how: "reset" | "drop", headers: Array<[string, string]> = []): Promise<void> {
  if (how === "reset") {
    const socket = await h2Socket(HOST, port);
    socket.on("error", () => {});
    socket.resume();
    const fields: Array<[string, string]> = [
      [":method", "POST"],
      [":scheme", "https"],
      [":authority", `localhost:${port}`],
      [":path", path],
      ...headers,
    ];
    socket.write(Buffer.concat([PREFACE, settingsFrame(), frame(1, END_HEADERS, 1, headerBlock(fields)), frame(0, 0, 1, part)]));
    await delay(200);
    socket.write(rstStreamFrame(1, http2.constants.NGHTTP2_CANCEL));
    await delay(300);
    socket.destroy();
    return;
  }
  const session = http2.connect(`https://localhost:${port}`, { rejectUnauthorized: false, host: HOST });
  session.on("error", () => {});
  const stream = session.request({ ":method": "POST", ":path": path, ...Object.fromEntries(headers) });
  stream.on("error", () => {});
  await new Promise<void>((resolve) => stream.write(part, () => resolve()));
  await delay(200);
  session.destroy();
  await delay(300);
}

/**
 * A small HTTP/1.1 client for the static benchmark: one fetch to check what
 * a server returns, and a load loop for machines without wrk.
 *
 * autocannon is not used here: several contenders close the connection
 * after each response (HTTP/1.0 servers, and every 404 of Python's
 * `send_error`), and autocannon then writes its next request on the closing
 * connection and miscounts. This client keeps a connection while the server
 * keeps it (HTTP/1.1 without `Connection: close`, or HTTP/1.0 with
 * `Connection: keep-alive`) and reconnects otherwise.
 */
import * as net from "node:net";
import { Latencies } from "./latency.js";
import type { LoadResult } from "./load.js";

const HOST = "127.0.0.1";

export interface Response {
  status: number;
  /** Lower-case header names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
  /** The server keeps the connection open for another request. */
  keepAlive: boolean;
}

/**
 * Incremental parser of responses to GET requests (bodies framed by
 * Content-Length, chunked coding, or the end of the connection).
 */
class ResponseParser {
  #buf: Buffer = Buffer.alloc(0);
  #head: { status: number; headers: Record<string, string>; keepAlive: boolean } | null = null;
  #need = -1; // body bytes still expected (Content-Length); -1: chunked or to close
  #chunked = false;
  #bodyParts: Buffer[] = [];
  #bodyLength = 0;
  /** Keep the body bytes (for checks) or only count them (under load). */
  constructor(private readonly keepBody: boolean) {}

  /** Feed bytes; returns a response when one is complete (rest stays buffered). */
  push(data: Buffer | null): Response | null {
    if (data) this.#buf = this.#buf.length ? Buffer.concat([this.#buf, data]) : data;
    if (!this.#head) {
      const end = this.#buf.indexOf("\r\n\r\n");
      if (end === -1) return null;
      const lines = this.#buf.subarray(0, end).toString("latin1").split("\r\n");
      this.#buf = this.#buf.subarray(end + 4);
      const m = /^HTTP\/(1\.[01]) (\d{3})/.exec(lines[0]!);
      if (!m) throw new Error(`bad status line ${JSON.stringify(lines[0])}`);
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(":");
        if (colon <= 0) continue;
        const name = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
      }
      const connection = (headers["connection"] ?? "").toLowerCase();
      const keepAlive = m[1] === "1.1" ? !/\bclose\b/.test(connection) : /\bkeep-alive\b/.test(connection);
      this.#head = { status: Number(m[2]), headers, keepAlive };
      this.#chunked = /\bchunked\b/i.test(headers["transfer-encoding"] ?? "");
      const length = headers["content-length"];
      this.#need = this.#chunked ? -1 : length !== undefined ? Number(length) : [204, 304].includes(Number(m[2])) ? 0 : -1;
      this.#bodyParts = [];
      this.#bodyLength = 0;
      if (this.#need === -1 && !this.#chunked) this.#head.keepAlive = false; // body runs to the close
    }
    if (this.#chunked) return this.#pushChunked();
    if (this.#need >= 0) {
      const take = Math.min(this.#need, this.#buf.length);
      if (take > 0) this.#take(take);
      return this.#need === 0 ? this.#finish() : null;
    }
    // Body until the connection closes: done when push(null) is called.
    if (this.#buf.length) this.#take(this.#buf.length);
    return data === null ? this.#finish() : null;
  }

  #take(n: number): void {
    if (this.keepBody) this.#bodyParts.push(this.#buf.subarray(0, n));
    this.#bodyLength += n;
    this.#buf = this.#buf.subarray(n);
    if (this.#need > 0) this.#need -= n;
  }

  #pushChunked(): Response | null {
    for (;;) {
      if (this.#need > 0) {
        const take = Math.min(this.#need, this.#buf.length);
        this.#take(take);
        if (this.#need > 0) return null;
        this.#need = -2; // CRLF after the chunk
      }
      if (this.#need === -2) {
        if (this.#buf.length < 2) return null;
        this.#buf = this.#buf.subarray(2);
        this.#need = -1;
      }
      const eol = this.#buf.indexOf("\r\n");
      if (eol === -1) return null;
      const size = parseInt(this.#buf.subarray(0, eol).toString("latin1"), 16);
      if (size === 0) {
        const end = this.#buf.indexOf("\r\n\r\n", eol);
        if (end === -1 && !(this.#buf.length >= eol + 4 && this.#buf.subarray(eol, eol + 4).toString() === "\r\n\r\n")) return null;
        this.#buf = this.#buf.subarray((end === -1 ? eol : end) + 4);
        return this.#finish();
      }
      this.#buf = this.#buf.subarray(eol + 2);
      this.#need = size;
    }
  }

  #finish(): Response {
    const head = this.#head!;
    const body = this.keepBody ? Buffer.concat(this.#bodyParts) : Buffer.alloc(0);
    const r: Response = { ...head, body };
    (r as Response & { bodyLength: number }).bodyLength = this.#bodyLength;
    this.#head = null;
    this.#bodyParts = [];
    return r;
  }

  /** Bytes received past the end of the current response. */
  get leftover(): number {
    return this.#buf.length;
  }
}

function request(port: number, path: string): Buffer {
  return Buffer.from(`GET ${path} HTTP/1.1\r\nHost: ${HOST}:${port}\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n`, "latin1");
}

/** One GET on a new connection, body kept. */
export function fetchOnce(port: number, path: string, timeoutMs = 10_000): Promise<Response> {
  return new Promise((resolve, reject) => {
    const parser = new ResponseParser(true);
    const sock = net.connect({ port, host: HOST, noDelay: true });
    let done = false;
    const finish = (err: Error | null, res?: Response): void => {
      if (done) return;
      done = true;
      sock.destroy();
      if (err) reject(err);
      else resolve(res!);
    };
    sock.setTimeout(timeoutMs, () => finish(new Error(`GET ${path}: no response within ${timeoutMs} ms`)));
    sock.on("error", (err) => finish(err));
    sock.on("data", (chunk: Buffer) => {
      try {
        const res = parser.push(chunk);
        if (res) finish(null, res);
      } catch (err) {
        finish(err as Error);
      }
    });
    sock.on("end", () => {
      try {
        const res = parser.push(null);
        if (res) return finish(null, res);
      } catch (err) {
        return finish(err as Error);
      }
      finish(new Error(`GET ${path}: connection closed before a complete response`));
    });
    sock.write(request(port, path));
  });
}

export interface ClientLoadOptions {
  port: number;
  path: string;
  connections: number;
  /** Seconds of load. */
  duration: number;
  /** The status every response should have; others are counted in `non2xx`. */
  status: number;
}

/**
 * `connections` loops, each sending GET `path`, reading the whole response,
 * and sending the next on the same connection while the server keeps it
 * (reconnecting when it does not). Latency runs from the request's write
 * (after the connect, as wrk measures) to the response's last byte.
 * `non2xx` counts responses whose status is not `status`.
 */
export function runClientLoad(opts: ClientLoadOptions): Promise<LoadResult> {
  const req = request(opts.port, opts.path);
  const lat = new Latencies();
  let ok = 0;
  let errors = 0;
  let wrong = 0;
  let bytes = 0;
  const start = performance.now();
  const deadline = start + opts.duration * 1000;
  return new Promise((resolve) => {
    let running = opts.connections;
    const stopOne = (): void => {
      if (--running === 0) {
        const seconds = (performance.now() - start) / 1000;
        resolve({ requests: ok + wrong, seconds, rps: (ok + wrong) / seconds, p99: lat.percentile(99), errors, non2xx: wrong, bytes });
      }
    };
    const connect = (): void => {
      if (performance.now() >= deadline) return stopOne();
      const parser = new ResponseParser(false);
      const sock = net.connect({ port: opts.port, host: HOST, noDelay: true });
      let t0 = 0;
      let failed = false;
      let inFlight = false;
      const send = (): void => {
        inFlight = true;
        t0 = performance.now();
        sock.write(req);
      };
      const complete = (res: Response): boolean => {
        inFlight = false;
        lat.record(performance.now() - t0);
        bytes += (res as Response & { bodyLength: number }).bodyLength;
        if (res.status === opts.status) ok++;
        else wrong++;
        if (res.keepAlive && performance.now() < deadline && parser.leftover === 0) {
          send();
          return true;
        }
        sock.end();
        return false;
      };
      sock.setTimeout(10_000, () => {
        failed = true;
        sock.destroy();
      });
      sock.on("connect", send);
      sock.on("data", (chunk: Buffer) => {
        try {
          let res = parser.push(chunk);
          while (res && complete(res)) res = parser.push(Buffer.alloc(0));
        } catch {
          failed = true;
          sock.destroy();
        }
      });
      sock.on("end", () => {
        if (!inFlight) return;
        try {
          const res = parser.push(null);
          if (res) complete(res);
          else failed = true;
        } catch {
          failed = true;
        }
      });
      sock.on("error", () => {
        failed = true;
      });
      sock.on("close", () => {
        if (failed || inFlight) errors++;
        setImmediate(connect);
      });
    };
    for (let i = 0; i < opts.connections; i++) connect();
  });
}

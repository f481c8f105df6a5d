/**
 * Hardening (issue 6) on real loopback sockets: time-outs for slow and idle
 * clients, size limits, request smuggling shapes, graceful shutdown,
 * the connection cap, descriptor release, and the security regressions
 * (log escaping, response splitting, path traversal, open redirects,
 * markup injection through file names, symlinks, dotfiles).
 *
 * Every limit is set small on a handler or server subclass so the specs
 * run in a few seconds; every wait is bounded.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { BaseHTTPRequestHandler, HeaderInjectionError, kLogLines } from "../../../lib/http/server/base-handler.js";
import { listedHeadWatches } from "../../../lib/http/server/engine/clock.js";
import { ThreadingHTTPServer } from "../../../lib/http/server/http-server.js";
import { SimpleHTTPRequestHandler } from "../../../lib/http/server/files/simple-handler.js";
import { parseResponses, type ParsedResponse } from "../../../lib/http/server/testing.js";
import type { RequestHandlerClass } from "../../../lib/socketserver/base-server.js";
import { HOST, connect, delay, exchange, latin1, openPaths, readAll, readUntil, tempDir, waitFor, watch, within } from "../../helpers.js";
import { hasHead, serve, serveLogged, type Logged, type Running } from "./helpers.js";


/**
 * An HTTP/1.1 handler that answers GET, POST and OPTIONS with
 * `<command> <path> body=<bytes read>` and, for `/headers`, the parsed
 * headers as JSON. A `Content-Length` body up to 64 KiB is read first.
 */
class Echo extends BaseHTTPRequestHandler {
  override protocolVersion = "HTTP/1.1";
  override headerTimeout: number | null = 5;
  override keepAliveTimeout: number | null = 5;

  async do_GET(): Promise<void> {
    await this.reply();
  }
  async do_POST(): Promise<void> {
    await this.reply();
  }
  async do_OPTIONS(): Promise<void> {
    await this.reply();
  }

  async reply(): Promise<void> {
    const length = (this.headers.get("Content-Length") ?? "").trim();
    let read = 0;
    if (/^[0-9]+$/.test(length) && Number(length) <= 65536) read = (await this.rfile.read(Number(length))).length;
    let text = `${this.command} ${this.path} body=${read}\n`;
    if (this.path === "/headers") text += JSON.stringify(this.headers.items()) + "\n";
    const body = Buffer.from(text, "latin1");
    this.sendResponse(200);
    this.sendHeader("Content-Type", "text/plain");
    this.sendHeader("Content-Length", body.length);
    this.endHeaders();
    this.wfile.write(body);
  }
}

describe("Hardening (real sockets)", function () {
  this.timeout(20000);

  describe("headerTimeout: slow request heads get 408", () => {
    class Slow extends Echo {
      override headerTimeout: number | null = 1;
    }

    it("a client sending one byte every 200 ms is answered 408 after about 1 s, with a log line", async () => {
      const run = await serveLogged(ThreadingHTTPServer, Slow);
      const sock = await connect(run.port);
      const seen = watch(sock);
      const began = Date.now();
      const request = Buffer.from("GET /slowloris HTTP/1.1\r\nHost: x\r\nX-Padding: " + "a".repeat(200) + "\r\n\r\n");
      let sent = 0;
      const dribble = setInterval(() => {
        if (sock.destroyed || sent >= request.length) return;
        sock.write(request.subarray(sent, sent + 1));
        sent++;
      }, 200);
      try {
        const ended = await within(seen.closed, 5000, "the server to cut the slow client");
        const [res, ...more] = parseResponses(seen.data());
        expect(res!.status).to.equal(408);
        expect(res!.header("Connection")).to.equal("close");
        expect(more).to.deep.equal([]);
        expect(ended - began).to.be.within(900, 2500);
        expect(sent).to.be.within(3, 12); // it really was sending all along
        expect(run.logs.some((l) => l.includes("code 408, message Request Timeout"))).to.equal(true);
        expect(run.logs.some((l) => l.endsWith('"" 408 -\n'))).to.equal(true);
      } finally {
        clearInterval(dribble);
        sock.destroy();
        await run.close();
      }
    });

    it("a client that connects and sends nothing is answered 408 after about 1 s", async () => {
      const run = await serveLogged(ThreadingHTTPServer, Slow);
      const sock = await connect(run.port);
      const began = Date.now();
      try {
        const raw = await readAll(sock, 5000);
        const [res] = parseResponses(raw);
        expect(res!.status).to.equal(408);
        expect(Date.now() - began).to.be.within(900, 2500);
        expect(run.logs.some((l) => l.includes("code 408, message Request Timeout"))).to.equal(true);
        expect(run.server.openConnections).to.equal(0);
      } finally {
        sock.destroy();
        await run.close();
      }
    });

    it("a request that announces a body it never sends cannot hold the connection", async () => {
      // The handler answers without reading the body, as SimpleHTTPRequestHandler
      // does for GET; the engine then waits for the unread body to skip it.
      class Ignores extends Slow {
        override async reply(): Promise<void> {
          const body = Buffer.from("ignored\n");
          this.sendResponse(200);
          this.sendHeader("Content-Length", body.length);
          this.endHeaders();
          this.wfile.write(body);
        }
      }
      const run = await serveLogged(ThreadingHTTPServer, Ignores);
      const sock = await connect(run.port);
      const seen = watch(sock);
      try {
        sock.write("GET /promise HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly-part");
        const began = Date.now();
        await waitFor(() => latin1(seen.data()).endsWith("ignored\n"), 3000, "the answer");
        const ended = await within(seen.closed, 4000, "the server to give up on the body");
        expect(ended - began).to.be.below(3500);
        expect(parseResponses(seen.data())[0]!.status).to.equal(200);
      } finally {
        sock.destroy();
        await run.close();
      }
    });

    it("a handler reading a body that never comes gives up after bodyTimeout, with a log line", async () => {
      class Reader extends Echo {
        override bodyTimeout: number | null = 0.5;
      }
      const run = await serveLogged(ThreadingHTTPServer, Reader);
      const sock = await connect(run.port);
      const seen = watch(sock);
      try {
        sock.write("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly-part");
        const began = Date.now();
        const ended = await within(seen.closed, 4000, "the server to give up on the body");
        expect(ended - began).to.be.within(400, 2000);
        expect(run.logs.some((l) => l.includes("Request timed out: TimeoutError('timed out')"))).to.equal(true);
      } finally {
        sock.destroy();
        await run.close();
      }
    });

    it("a finished connection's head clock leaves the shared sweep at once, not at the next sweep", async () => {
      const run = await serveLogged(ThreadingHTTPServer, Slow);
      try {
        // Earlier connections' clocks are gone after a sweep or two.
        await waitFor(() => listedHeadWatches() === 0, 2000, "earlier head clocks to be dropped");
        const raw = await exchange(run.port, "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", { ms: 3000 });
        expect(parseResponses(raw).map((r) => r.status)).to.deep.equal([200, 200]);
        await waitFor(() => run.server.openConnections === 0, 2000, "the connection to be released");
        // Well before the next sweep (a quarter of a second) could have dropped it.
        expect(listedHeadWatches()).to.equal(0);
      } finally {
        await run.close();
      }
    });

    it("a head that arrives in time is served even when it arrives in pieces", async () => {
      const run = await serveLogged(ThreadingHTTPServer, Slow);
      const sock = await connect(run.port);
      try {
        const reply = readUntil(sock, (b) => latin1(b).endsWith("GET /pieces body=0\n"), 3000);
        for (const piece of ["GET /pie", "ces HTTP/1.1\r\n", "Host: x\r\n", "\r\n"]) {
          sock.write(piece);
          await delay(100);
        }
        const [res] = parseResponses(await reply);
        expect(res!.status).to.equal(200);
      } finally {
        sock.destroy();
        await run.close();
      }
    });
  });

  describe("keepAliveTimeout: idle kept-alive connections are closed", () => {
    class Idle extends Echo {
      override keepAliveTimeout: number | null = 0.5;
    }

    it("closes a connection idle after its request, with a log line, while a busy one stays open", async () => {
      const run = await serveLogged(ThreadingHTTPServer, Idle);
      const idle = await connect(run.port);
      const busy = await connect(run.port);
      const idleSeen = watch(idle);
      const busySeen = watch(busy);
      let busyClosedEarly = false;
      void busySeen.closed.then(() => (busyClosedEarly = true));
      try {
        idle.write("GET /idle HTTP/1.1\r\nHost: x\r\n\r\n");
        await waitFor(() => latin1(idleSeen.data()).endsWith("GET /idle body=0\n"), 3000, "the idle connection's answer");
        const answeredAt = Date.now();
        // Meanwhile the busy connection sends a request every 200 ms for 1.6 s.
        for (let i = 0; i < 8; i++) {
          busy.write(`GET /busy${i} HTTP/1.1\r\nHost: x\r\n\r\n`);
          await waitFor(() => latin1(busySeen.data()).endsWith(`GET /busy${i} body=0\n`), 3000, `busy answer ${i}`);
          await delay(200);
        }
        const idleEnded = await within(idleSeen.closed, 3000, "the idle connection to close");
        expect(idleEnded - answeredAt).to.be.within(400, 1500);
        expect(parseResponses(idleSeen.data())).to.have.length(1); // closed without another byte
        expect(busyClosedEarly, "the busy connection was closed").to.equal(false);
        expect(parseResponses(busySeen.data()).map((r) => r.status)).to.deep.equal(Array(8).fill(200));
        expect(run.logs.filter((l) => l.includes("Closing idle connection after 0.5 seconds"))).to.have.length(1);
        // Once it stops sending, the busy connection is idle too.
        await within(busySeen.closed, 3000, "the formerly busy connection to close when idle");
      } finally {
        idle.destroy();
        busy.destroy();
        await run.close();
      }
    });
  });

  describe("size limits", () => {
    it("maxHeaderBytes: a header block over the limit gets 431", async () => {
      class Small extends Echo {
        override maxHeaderBytes = 4096;
      }
      const run = await serveLogged(ThreadingHTTPServer, Small);
      try {
        const headers = Array.from({ length: 10 }, (_, i) => `X-Fill-${i}: ${"v".repeat(1000)}\r\n`).join("");
        const [res, ...more] = parseResponses(await exchange(run.port, `GET / HTTP/1.1\r\nHost: x\r\n${headers}\r\n`));
        expect(res!.status).to.equal(431);
        expect(res!.text).to.include("the header block is longer than 4096 bytes");
        expect(more).to.deep.equal([]);
        // Just under the limit is fine.
        const fits = Array.from({ length: 3 }, (_, i) => `X-Fill-${i}: ${"v".repeat(1000)}\r\n`).join("");
        const [ok] = parseResponses(await exchange(run.port, `GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${fits}\r\n`));
        expect(ok!.status).to.equal(200);
      } finally {
        await run.close();
      }
    });

    it("maxHeaderLine and maxHeaders: 431 with Python's messages", async () => {
      class Small extends Echo {
        override maxHeaderLine = 256;
        override maxHeaders = 10;
      }
      const run = await serveLogged(ThreadingHTTPServer, Small);
      try {
        const [long] = parseResponses(await exchange(run.port, `GET / HTTP/1.1\r\nX-Long: ${"l".repeat(300)}\r\n\r\n`));
        expect(long!.status).to.equal(431);
        expect(long!.reason).to.equal("Line too long");
        expect(long!.text).to.include("got more than 256 bytes when reading header line");
        const many = Array.from({ length: 10 }, (_, i) => `X-${i}: ${i}\r\n`).join("");
        const [count] = parseResponses(await exchange(run.port, `GET / HTTP/1.1\r\n${many}\r\n`));
        expect(count!.status).to.equal(431);
        expect(count!.reason).to.equal("Too many headers");
      } finally {
        await run.close();
      }
    });

    it("maxRequestBody: a declared body over the limit gets 413 before the handler runs", async () => {
      let handled = 0;
      class Capped extends Echo {
        override maxRequestBody: number | null = 1000;
        override async reply(): Promise<void> {
          handled++;
          await super.reply();
        }
      }
      const run = await serveLogged(ThreadingHTTPServer, Capped);
      try {
        const over = `POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n${"b".repeat(1001)}`;
        const [res, ...more] = parseResponses(await exchange(run.port, over + "GET /next HTTP/1.1\r\n\r\n"));
        expect(res!.status).to.equal(413);
        expect(res!.header("Connection")).to.equal("close");
        expect(more).to.deep.equal([]); // the body is never taken for a request
        expect(handled).to.equal(0);
        const huge = `POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n`;
        const [big] = parseResponses(await exchange(run.port, huge));
        expect(big!.status).to.equal(413);
        const at = `POST /up HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 1000\r\n\r\n${"b".repeat(1000)}`;
        const [fits] = parseResponses(await exchange(run.port, at));
        expect(fits!.status).to.equal(200);
        expect(fits!.text).to.equal("POST /up body=1000\n");
        expect(handled).to.equal(1);
      } finally {
        await run.close();
      }
    });

    it("maxRequestLine: a longer request line gets 414, delivered intact while the client still sends", async () => {
      class Short extends Echo {
        override maxRequestLine = 1024;
      }
      const run = await serveLogged(ThreadingHTTPServer, Short);
      try {
        const line = `GET /${"x".repeat(100_000)} HTTP/1.1\r\n\r\n`;
        const [res, ...more] = parseResponses(await exchange(run.port, line));
        expect(res!.status).to.equal(414);
        expect(res!.header("Connection")).to.equal("close");
        expect(res!.body.length).to.equal(Number(res!.header("Content-Length")));
        expect(more).to.deep.equal([]);
        expect(run.logs.some((l) => l.endsWith('"" 414 -\n'))).to.equal(true);
        const [ok] = parseResponses(await exchange(run.port, `GET /${"x".repeat(1000)} HTTP/1.1\r\nConnection: close\r\n\r\n`));
        expect(ok!.status).to.equal(200);
      } finally {
        await run.close();
      }
    });
  });

  describe("request smuggling shapes: nothing leaks into a pipelined request", () => {
    /** What must come back for the first (hostile) request of a pair. */
    interface Shape {
      name: string;
      /** The hostile request (complete, including any body). */
      request: string;
      /** Its status code. */
      status: number;
      /**
       * true: the pipelined second request gets its own correct 200; false:
       * the connection closes after the first response.
       */
      second: boolean;
      /** Optional check of the first response's body (how the handler saw the request). */
      body?: string | RegExp;
    }
    const H = "Host: x\r\n";
    const shapes: Shape[] = [
      { name: "Content-Length with Transfer-Encoding", request: `POST /a HTTP/1.1\r\n${H}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, status: 400, second: false },
      { name: "Transfer-Encoding before Content-Length", request: `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n`, status: 400, second: false },
      { name: "Transfer-Encoding: identity with Content-Length", request: `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: identity\r\nContent-Length: 5\r\n\r\nabcde`, status: 400, second: false },
      { name: "chunked body (not decoded, like Python): answered, then closed", request: `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n0\r\n\r\n`, status: 200, second: false, body: "POST /a body=0\n" },
      { name: "two different Content-Lengths", request: `POST /a HTTP/1.1\r\n${H}Content-Length: 4\r\nContent-Length: 5\r\n\r\nabcde`, status: 400, second: false },
      { name: "two equal Content-Lengths (RFC 9110 allows them)", request: `POST /a HTTP/1.1\r\n${H}Content-Length: 5\r\nContent-Length: 5\r\n\r\nabcde`, status: 200, second: true, body: "POST /a body=5\n" },
      { name: "a Content-Length list", request: `POST /a HTTP/1.1\r\n${H}Content-Length: 5, 5\r\n\r\nabcde`, status: 400, second: false },
      { name: "negative Content-Length", request: `POST /a HTTP/1.1\r\n${H}Content-Length: -5\r\n\r\nabcde`, status: 400, second: false },
      { name: "signed Content-Length", request: `POST /a HTTP/1.1\r\n${H}Content-Length: +5\r\n\r\nabcde`, status: 400, second: false },
      { name: "hexadecimal Content-Length", request: `POST /a HTTP/1.1\r\n${H}Content-Length: 0x5\r\n\r\nabcde`, status: 400, second: false },
      { name: "Content-Length with a NUL byte", request: `POST /a HTTP/1.1\r\n${H}Content-Length: 5\0\r\n\r\nabcde`, status: 400, second: false },
      { name: "huge Content-Length (handler does not read it): answered, then closed", request: `POST /a HTTP/1.1\r\n${H}Content-Length: 99999999999999999999999\r\n\r\nabcde`, status: 200, second: false, body: "POST /a body=0\n" },
      { name: "400-digit Content-Length", request: `POST /a HTTP/1.1\r\n${H}Content-Length: ${"9".repeat(400)}\r\n\r\nabcde`, status: 200, second: false, body: "POST /a body=0\n" },
      { name: "Content-Length with leading zeros and spaces", request: `POST /a HTTP/1.1\r\n${H}Content-Length:  005 \r\n\r\nabcde`, status: 200, second: true, body: "POST /a body=5\n" },
      { name: "obs-fold in an ordinary header: kept raw, as Python does", request: `GET /headers HTTP/1.1\r\n${H}X-Fold: a\r\n b\r\n\r\n`, status: 200, second: true, body: /\["X-Fold","a\\r\\n b"\]/ },
      { name: "Content-Length folded onto a continuation line", request: `POST /a HTTP/1.1\r\n${H}Content-Length:\r\n 5\r\n\r\nabcde`, status: 400, second: false },
      { name: "Content-Length followed by a blank continuation line", request: `POST /a HTTP/1.1\r\n${H}Content-Length: 5\r\n \r\n\r\nabcde`, status: 400, second: false },
      { name: "Content-Length with a trailing NBSP", request: `POST /a HTTP/1.1\r\n${H}Content-Length: 5\xa0\r\n\r\nabcde`, status: 400, second: false },
      { name: "Content-Length with a leading vertical tab", request: `POST /a HTTP/1.1\r\n${H}Content-Length: \x0b5\r\n\r\nabcde`, status: 400, second: false },
      { name: "Content-Length with a trailing form feed", request: `POST /a HTTP/1.1\r\n${H}Content-Length: 5\x0c\r\n\r\nabcde`, status: 400, second: false },
      { name: "Content-Length with tabs around it (OWS)", request: `POST /a HTTP/1.1\r\n${H}Content-Length:\t5\t\r\n\r\nabcde`, status: 200, second: true, body: "POST /a body=5\n" },
      { name: "obs-fold continuing Content-Length", request: `POST /a HTTP/1.1\r\n${H}Content-Length: 5\r\n 0\r\n\r\nabcde`, status: 400, second: false },
      { name: "bare LF line ends (accepted, as Python does)", request: `POST /a HTTP/1.1\n${H.replace("\r", "")}Content-Length: 5\n\nabcde`, status: 200, second: true, body: "POST /a body=5\n" },
      {
        name: "bare LF head, body holding a blank CRLF line and a request",
        request: `POST /a HTTP/1.1\nHost: x\nContent-Length: 34\n\nX: y\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n`,
        status: 200,
        second: true,
        body: "POST /a body=34\n",
      },
      { name: "CRLF head ending in a bare LF blank line", request: `POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\nabcde`, status: 200, second: true, body: "POST /a body=5\n" },
      { name: "mixed LF and CRLF line ends", request: `POST /a HTTP/1.1\r\nHost: x\nContent-Length: 5\r\n\r\nabcde`, status: 200, second: true, body: "POST /a body=5\n" },
      { name: "bare CR in the request line (Python's whitespace: bad version)", request: `GET /a HTTP/1.1\rHost: x\r\r\n`, status: 400, second: false },
      { name: "NUL byte in a header value (kept, as Python does)", request: `GET /headers HTTP/1.1\r\n${H}X-Nul: a\0b\r\n\r\n`, status: 200, second: true, body: /\["X-Nul","a\\u0000b"\]/ },
      { name: "absolute-form target (kept as the path, as Python does)", request: `GET http://evil.example/a HTTP/1.1\r\n${H}\r\n`, status: 200, second: true, body: "GET http://evil.example/a body=0\n" },
      { name: "asterisk-form target", request: `OPTIONS * HTTP/1.1\r\n${H}\r\n`, status: 200, second: true, body: "OPTIONS * body=0\n" },
      { name: "asterisk-form with a method the handler lacks", request: `TRACE * HTTP/1.1\r\n${H}\r\n`, status: 501, second: false },
      { name: "HTTP/1.0 keep-alive with a body", request: `POST /a HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 5\r\n\r\nabcde`, status: 200, second: true, body: "POST /a body=5\n" },
    ];

    /**
     * The shapes where a header line that is not a header (a space before
     * the colon, no colon at all) hides the `Content-Length` that follows
     * it. Python stops reading headers there, so the body would be parsed
     * as the next request while a front-end proxy sees one request with a
     * body: the server must refuse the request (RFC 9112 section 5.1 asks
     * for 400) or at least close the connection after answering it.
     */
    const hiding: Array<{ name: string; request: string }> = [
      { name: "space before the colon of an ordinary header", request: `GET /headers HTTP/1.1\r\n${H}X-A : 1\r\n\r\n` },
      { name: "space before the colon of Content-Length", request: `POST /a HTTP/1.1\r\n${H}Content-Length : 5\r\n\r\nabcde` },
      { name: "space before the colon of Transfer-Encoding", request: `POST /a HTTP/1.1\r\n${H}Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n` },
      { name: "a bad header line before Content-Length", request: `POST /a HTTP/1.1\r\n${H}X-A : 1\r\nContent-Length: 5\r\n\r\nabcde` },
      { name: "a header line without a colon before Content-Length", request: `POST /a HTTP/1.1\r\n${H}Junk\r\nContent-Length: 5\r\n\r\nabcde` },
      { name: "CR CR LF (a blank line to Python) before Content-Length", request: `POST /a HTTP/1.1\r\n${H}X: a\r\r\nContent-Length: 5\r\n\r\nabcde` },
      { name: "a line starting with CR before Content-Length", request: `POST /a HTTP/1.1\r\n${H}\rContent-Length: 5\r\n\r\nabcde` },
      { name: "Content-Length folded into the request line (first header line a continuation)", request: `POST /a HTTP/1.1\r\n Content-Length: 5\r\n${H}\r\nabcde` },
    ];

    let run: Logged<ThreadingHTTPServer>;
    before(async () => {
      run = await serveLogged(ThreadingHTTPServer, Echo);
    });
    after(async () => {
      await run.close();
    });

    /** Send `first` and a well-formed second request in one write; return the responses and the raw bytes. */
    /**
     * Send `first` and a well-formed second request in one write; return
     * the responses and the raw bytes. With `after`, a plain request goes
     * first in the same write, so `first` is parsed from bytes already
     * buffered (the engine's fast path) rather than as they arrive.
     */
    async function pipeline(first: string, after: boolean): Promise<{ responses: ParsedResponse[]; raw: Buffer; token: string }> {
      const token = `second-${Math.random().toString(36).slice(2, 10)}`;
      const second = `GET /${token} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`;
      const before = after ? "GET /before HTTP/1.1\r\nHost: x\r\n\r\n" : "";
      const raw = await exchange(run.port, Buffer.from(before + first + second, "latin1"), { ms: 5000 });
      const responses = parseResponses(raw);
      if (after) {
        const leading = responses.shift();
        expect(leading?.text, "the plain request before the shape").to.equal("GET /before body=0\n");
        const headEnd = raw.indexOf("\r\n\r\n");
        return { responses, raw: raw.subarray(headEnd + 4 + leading!.body.length), token };
      }
      return { responses, raw, token };
    }

    /** Each response is complete: its body has exactly its Content-Length, and nothing trails the last one. */
    function expectWellFramed(raw: Buffer, responses: ParsedResponse[]): void {
      let at = 0;
      for (const r of responses) {
        expect(r.statusLine, "a status line").to.match(/^HTTP\/1\.1 \d{3} /);
        const declared = Number(r.header("Content-Length"));
        expect(r.body.length, `body of ${r.statusLine}`).to.equal(declared);
        const headEnd = raw.indexOf("\r\n\r\n", at);
        expect(headEnd, "end of a response head").to.be.above(-1);
        at = headEnd + 4 + declared;
      }
      expect(at, "bytes after the last complete response").to.equal(raw.length);
    }

    for (const [shape, after] of shapes.flatMap((x) => [[x, false], [x, true]] as const)) {
      const where = after ? "after a request in the same packet" : "first on the connection";
      it(`${shape.name} (${where}): ${shape.status}, next request ${shape.second ? "answered separately" : "not read (closed)"}`, async () => {
        const { responses, raw, token } = await pipeline(shape.request, after);
        expectWellFramed(raw, responses);
        const [first, second, ...rest] = responses;
        expect(first!.status).to.equal(shape.status);
        expect(first!.text).not.to.include(token);
        if (shape.body instanceof RegExp) expect(first!.text).to.match(shape.body);
        else if (shape.body !== undefined) expect(first!.text).to.equal(shape.body);
        if (shape.status >= 400) expect(first!.header("Connection")).to.equal("close");
        if (shape.second) {
          expect(second, "the second response").not.to.equal(undefined);
          expect(second!.status).to.equal(200);
          expect(second!.text).to.equal(`GET /${token} body=0\n`);
        } else {
          expect(second, "a response after the connection should have closed").to.equal(undefined);
        }
        expect(rest).to.deep.equal([]);
      });
    }

    for (const [shape, after] of hiding.flatMap((x) => [[x, false], [x, true]] as const)) {
      const where = after ? "after a request in the same packet" : "first on the connection";
      it(`${shape.name} (${where}): the body is never answered as a request`, async () => {
        const { responses, raw, token } = await pipeline(shape.request, after);
        expectWellFramed(raw, responses);
        const [first, second, ...rest] = responses;
        expect(first!.text).not.to.include(token);
        // Python's reading (the bad line and what follows it dropped), then
        // the connection closes, and the response says so.
        expect(first!.status).to.equal(200);
        expect(first!.text).to.match(/^(GET \/headers body=0\n\[\["Host","x"\]\]|POST \/a body=0)\n$/);
        expect(first!.header("Connection")).to.equal("close");
        expect(second, "a response after the connection should have closed").to.equal(undefined);
        expect(rest.map((r) => r.statusLine)).to.deep.equal([]);
      });
    }

    it("a handler's own Connection header is not doubled when a malformed header line forces the close", async () => {
      class SaysKeepAlive extends Echo {
        override async reply(): Promise<void> {
          this.sendResponse(204);
          this.sendHeader("Connection", "keep-alive");
          this.endHeaders();
        }
      }
      const own = await serveLogged(ThreadingHTTPServer, SaysKeepAlive);
      try {
        const raw = await exchange(own.port, `GET /a HTTP/1.1\r\nHost: x\r\nJunk\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n`, { ms: 5000 });
        const responses = parseResponses(raw);
        expect(responses.map((r) => r.status)).to.deep.equal([204]);
        expect(responses[0]!.headerList.filter(([n]) => n.toLowerCase() === "connection")).to.deep.equal([["Connection", "keep-alive"]]);
      } finally {
        await own.close();
      }
    });

    it("a malformed header line in a request whose connection closes anyway: no Connection header added (as CPython)", async () => {
      const raw = await exchange(run.port, "GET /headers HTTP/1.0\r\nHost: x\r\nJunk\r\n\r\n", { ms: 5000 });
      const [res, ...more] = parseResponses(raw);
      expect(res!.status).to.equal(200);
      expect(res!.header("Connection")).to.equal(undefined);
      expect(more).to.deep.equal([]);
    });

    it("the server still answers normally after every shape", async () => {
      const [res] = parseResponses(await exchange(run.port, "GET /after HTTP/1.1\r\nConnection: close\r\n\r\n"));
      expect(res!.text).to.equal("GET /after body=0\n");
      expect(run.handled).to.deep.equal([]);
    });
  });

  describe("graceful shutdown", () => {
    /** `/slow` takes 300 ms; everything else is answered at once. */
    class Paced extends Echo {
      override async reply(): Promise<void> {
        if (this.path === "/slow") await delay(300);
        await super.reply();
      }
    }

    it("counts open connections through trackHandler()/untrackHandler(), with or without the token", async () => {
      const server = new ThreadingHTTPServer([HOST, 0], Echo, false);
      const handlers = [{}, {}, {}] as unknown as BaseHTTPRequestHandler[];
      const tokens = handlers.map((h) => server.trackHandler(h));
      expect(server.openConnections).to.equal(3);
      server.untrackHandler(handlers[0]!, tokens[0]);
      server.untrackHandler(handlers[2]!); // no token: found by a scan
      expect(server.openConnections).to.equal(1);
      server.untrackHandler(handlers[2]!, tokens[2]); // already gone: nothing happens
      server.untrackHandler(handlers[1]!, tokens[0]); // another handler's token: found by a scan
      expect(server.openConnections).to.equal(0);
      await server.serverClose();
    });

    it("closes an idle keep-alive connection at once, lets a busy one finish, and frees the port", async () => {
      const server = new ThreadingHTTPServer([HOST, 0], Paced);
      (server as unknown as Record<symbol, unknown>)[kLogLines] = [];
      await within(server.ready, 5000, "bind");
      const loop = server.serveForever(0.05);
      const port = (server.serverAddress as [string, number])[1];
      const idle = await connect(port);
      const busy = await connect(port);
      const idleSeen = watch(idle);
      const busySeen = watch(busy);
      let next: ThreadingHTTPServer | null = null;
      try {
        idle.write("GET /first HTTP/1.1\r\nHost: x\r\n\r\n");
        await waitFor(() => latin1(idleSeen.data()).endsWith("body=0\n"), 3000, "the idle connection's first answer");
        busy.write("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
        await delay(50); // the slow request is in progress
        expect(server.openConnections).to.equal(2);

        // serverClose() alone winds the connections down; shutdown() then stops the loop.
        const began = Date.now();
        const closed = Promise.resolve(server.serverClose());
        const idleEnded = await within(idleSeen.closed, 1000, "the idle connection to close");
        expect(idleEnded - began, "idle connection closed at once").to.be.below(150);
        const stopped = server.shutdown();

        // The port is free while the busy request still runs.
        await delay(20);
        next = new ThreadingHTTPServer([HOST, port], Echo);
        (next as unknown as Record<symbol, unknown>)[kLogLines] = [];
        await within(next.ready, 2000, "a new server to bind the same port");
        expect((next.serverAddress as [string, number])[1]).to.equal(port);

        await within(closed, 3000, "serverClose() to settle");
        const closeTook = Date.now() - began;
        expect(closeTook, "serverClose waited for the busy request").to.be.within(200, 2000);
        await within(busySeen.closed, 2000, "the busy connection to close after its response");
        const answers = parseResponses(busySeen.data());
        expect(answers.map((r) => r.status)).to.deep.equal([200]);
        expect(answers[0]!.text).to.equal("GET /slow body=0\n");
        await within(stopped, 2000, "shutdown()");
        await within(loop, 2000, "serveForever() to settle");
        expect(server.openConnections).to.equal(0);

        // The new server on the old port answers.
        const nextLoop = next.serveForever(0.05);
        const [res] = parseResponses(await exchange(port, "GET /new HTTP/1.1\r\nConnection: close\r\n\r\n"));
        expect(res!.text).to.equal("GET /new body=0\n");
        await next.shutdown();
        await nextLoop;
      } finally {
        idle.destroy();
        busy.destroy();
        await server.shutdown();
        await server.serverClose();
        await next?.serverClose();
      }
    });

    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      it(`the command line on ${signal}: the download in progress completes, the idle connection closes, exit 0`, async () => {
        const site = tempDir("hardening-cli-").dir;
        const size = 48 * 1024 * 1024;
        fs.writeFileSync(join(site, "big.bin"), Buffer.alloc(size, 0x62));
        const bin = fileURLToPath(new URL("../../../lib/cli/cli-main.js", import.meta.url));
        const child = spawn(process.execPath, [bin, "-b", HOST, "-p", "HTTP/1.1", "0"], { cwd: site, stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
        child.stderr.resume();
        const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
        let idle: net.Socket | null = null;
        let busy: net.Socket | null = null;
        try {
          await waitFor(() => /port (\d+) /.test(out), 10000, "the CLI to start");
          const port = Number(/port (\d+) /.exec(out)![1]);
          idle = await connect(port);
          const idleSeen = watch(idle);
          idle.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
          await waitFor(() => latin1(idleSeen.data()).includes("</html>\n"), 3000, "the listing");
          busy = await connect(port);
          const busySeen = watch(busy);
          busy.write("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n");
          await waitFor(() => hasHead(busySeen.data()), 3000, "the download to start");
          busy.pause(); // the server now waits on back-pressure, mid-response

          const began = Date.now();
          child.kill(signal);
          const idleEnded = await within(idleSeen.closed, 2000, "the idle connection to close");
          expect(idleEnded - began).to.be.below(1000);
          await delay(200);
          busy.resume();
          await within(busySeen.closed, 5000, "the download to finish");
          const [res] = parseResponses(busySeen.data());
          expect(res!.status).to.equal(200);
          expect(res!.body.length).to.equal(size);
          expect(await within(exited, 5000, "the CLI to exit")).to.equal(0);
        } finally {
          idle?.destroy();
          busy?.destroy();
          child.kill("SIGKILL");
          fs.rmSync(site, { recursive: true, force: true });
        }
      });
    }

    it("shutdownTimeout cuts a handler that never finishes", async () => {
      class Stuck extends Echo {
        override async reply(): Promise<void> {
          if (this.path === "/stuck") await new Promise<never>(() => undefined);
          await super.reply();
        }
      }
      class QuickClose extends ThreadingHTTPServer {
        override shutdownTimeout = 0.3;
      }
      const run = await serveLogged(QuickClose, Stuck);
      const sock = await connect(run.port);
      const seen = watch(sock);
      try {
        sock.write("GET /stuck HTTP/1.1\r\nHost: x\r\n\r\n");
        await waitFor(() => run.server.openConnections === 1, 2000, "the request to start");
        await delay(50);
        const began = Date.now();
        await within(run.close(), 3000, "close with a stuck handler");
        expect(Date.now() - began).to.be.within(250, 1500);
        await within(seen.closed, 1000, "the stuck connection to be cut");
        expect(seen.data().length).to.equal(0);
      } finally {
        sock.destroy();
        await run.close();
      }
    });
  });

  describe("maxConnections", () => {
    it("refuses connections over the cap without crashing, and serves again once they go", async () => {
      class Capped extends ThreadingHTTPServer {
        override maxConnections: number | null = 4;
      }
      const run = await serveLogged(Capped, Echo);
      const kept: net.Socket[] = [];
      const extra: net.Socket[] = [];
      try {
        for (let i = 0; i < 4; i++) {
          const sock = await connect(run.port);
          kept.push(sock);
          sock.write(`GET /kept${i} HTTP/1.1\r\nHost: x\r\n\r\n`);
          await readUntil(sock, (b) => latin1(b).endsWith(`GET /kept${i} body=0\n`), 3000);
        }
        expect(run.server.openConnections).to.equal(4);
        const refused = await Promise.all(
          Array.from({ length: 20 }, async () => {
            const sock = net.connect({ host: HOST, port: run.port });
            extra.push(sock);
            sock.on("error", () => undefined);
            const seen = watch(sock);
            sock.on("connect", () => sock.write("GET /extra HTTP/1.1\r\nHost: x\r\n\r\n"));
            await within(seen.closed, 3000, "an excess connection to be refused");
            return seen.data().length;
          }),
        );
        expect(refused).to.deep.equal(Array(20).fill(0));
        expect(run.server.openConnections).to.equal(4);
        // The kept connections still work.
        kept[0]!.write("GET /still HTTP/1.1\r\nHost: x\r\n\r\n");
        await readUntil(kept[0]!, (b) => latin1(b).endsWith("GET /still body=0\n"), 3000);
        for (const sock of kept) sock.end();
        await waitFor(() => run.server.openConnections === 0, 3000, "the kept connections to close");
        const counted = (): Promise<number> =>
          new Promise((resolve) => run.server.socket.getConnections((_err, n) => resolve(n)));
        const deadline = Date.now() + 3000;
        while ((await counted()) > 0) {
          if (Date.now() > deadline) throw new Error("the listening socket still counts connections");
          await delay(10);
        }
        const [res] = parseResponses(await exchange(run.port, "GET /after HTTP/1.1\r\nConnection: close\r\n\r\n"));
        expect(res!.text).to.equal("GET /after body=0\n");
        expect(run.handled).to.deep.equal([]);
      } finally {
        for (const sock of [...kept, ...extra]) sock.destroy();
        await run.close();
      }
    });
  });

  describe("resources", () => {
    let root: string;
    before(() => {
      root = tempDir("hardening-fd-").dir;
      fs.writeFileSync(join(root, "big.bin"), Buffer.alloc(32 * 1024 * 1024, 0x61));
    });
    after(() => fs.rmSync(root, { recursive: true, force: true }));

    it("a client that disconnects mid-download frees the file and the socket descriptors", async () => {
      class Files extends SimpleHTTPRequestHandler {
        constructor(request: unknown, address: unknown, server: never) {
          super(request, address, server, { directory: root });
        }
      }
      const run = await serveLogged(ThreadingHTTPServer, Files);
      const big = join(root, "big.bin");
      try {
        // Warm up (lazily opened descriptors), then take the baseline.
        await exchange(run.port, "HEAD /big.bin HTTP/1.0\r\n\r\n");
        await waitFor(() => run.server.openConnections === 0, 2000, "warm-up to finish");
        await delay(50);
        const before = openPaths();
        expect(before.filter((f) => f === big)).to.deep.equal([]);

        const sock = await connect(run.port);
        sock.pause();
        sock.write("GET /big.bin HTTP/1.0\r\n\r\n");
        await waitFor(() => openPaths().includes(big), 3000, "the server to open the file");
        const during = openPaths().length;
        expect(during).to.be.above(before.length);
        sock.resume();
        await readUntil(sock, (b) => b.length > 1024 * 1024, 5000);
        sock.destroy();

        await waitFor(() => run.server.openConnections === 0, 3000, "the handler to notice the hang-up");
        await waitFor(() => !openPaths().includes(big), 3000, "the file to be closed");
        await waitFor(() => openPaths().length <= before.length, 3000, `descriptors back to ${before.length}`);
        expect(run.handled).to.deep.equal([]);
      } finally {
        await run.close();
      }
    });
  });

  describe("logs", () => {
    it("control characters from the client are escaped in log lines", async () => {
      const run = await serveLogged(ThreadingHTTPServer, Echo);
      try {
        const line = "GET /\x1b[31mred\x07\x9b\x7f HTTP/1.1\r\nConnection: close\r\n\r\n";
        const [res] = parseResponses(await exchange(run.port, Buffer.from(line, "latin1")));
        expect(res!.status).to.equal(200);
        const bad = Buffer.from("GET / HTTP/1.\x01\x1b\r\n\r\n", "latin1");
        const [err] = parseResponses(await exchange(run.port, bad));
        expect(err!.status).to.equal(400);
        expect(run.logs.length).to.be.at.least(3);
        for (const entry of run.logs) {
          // Only the final newline is a control character.
          expect(entry.slice(0, -1)).not.to.match(/[\x00-\x1f\x7f-\x9f]/);
        }
        expect(run.logs.join("")).to.include('"GET /\\x1b[31mred\\x07\\x9b\\x7f HTTP/1.1" 200 -');
        expect(run.logs.join("")).to.include("Bad request version ('HTTP/1.\\\\x01\\\\x1b')");
      } finally {
        await run.close();
      }
    });
  });

  describe("response splitting", () => {
    class Splitter extends BaseHTTPRequestHandler {
      override protocolVersion = "HTTP/1.1";
      do_GET(): void {
        const value = decodeURIComponent(this.path.slice(this.path.indexOf("?") + 1));
        this.sendResponse(200);
        if (this.path.startsWith("/name")) this.sendHeader(value, "1");
        else this.sendHeader("X-Echo", value);
        this.sendHeader("Content-Length", "0");
        this.endHeaders();
      }
      do_POST(): void {
        // The reason phrase is a way into the status line too.
        const value = decodeURIComponent(this.path.slice(this.path.indexOf("?") + 1));
        if (this.path.startsWith("/error")) {
          this.sendError(404, value);
          return;
        }
        this.sendResponse(200, value);
        this.sendHeader("Content-Length", "0");
        this.endHeaders();
      }
    }

    for (const [what, target] of [
      ["CRLF in a header value", "/value?a%0d%0aSet-Cookie:%20evil=1"],
      ["bare LF in a header value", "/value?a%0aSet-Cookie:%20evil=1"],
      ["bare CR in a header value", "/value?a%0dSet-Cookie:%20evil=1"],
      ["NUL in a header value", "/value?a%00b"],
      ["CRLF in a header name", "/name?X-A:%201%0d%0aSet-Cookie:%20evil=1%0d%0aX-B"],
    ] as const) {
      it(`sendHeader refuses ${what}: 500, no injected header, error reported`, async () => {
        const run = await serveLogged(ThreadingHTTPServer, Splitter);
        try {
          const raw = await exchange(run.port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
          const responses = parseResponses(raw);
          expect(responses.map((r) => r.status)).to.deep.equal([500]);
          expect(latin1(raw)).not.to.include("Set-Cookie");
          expect(latin1(raw).split("\r\n\r\n")[0]).not.to.match(/\x00|evil/);
          expect(run.handled).to.have.length(1);
          expect(run.handled[0]).to.be.instanceOf(HeaderInjectionError);
        } finally {
          await run.close();
        }
      });
    }

    for (const [what, target] of [
      ["sendResponse", "/ok?OK%0d%0aSet-Cookie:%20evil=1"],
      ["sendError", "/error?Not%20here%0d%0aSet-Cookie:%20evil=1"],
    ] as const) {
      it(`a reason phrase with CRLF given to ${what} cannot split the response`, async () => {
        const run = await serveLogged(ThreadingHTTPServer, Splitter);
        try {
          const raw = await exchange(run.port, `POST ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
          const head = latin1(raw).split("\r\n\r\n")[0]!;
          expect(head.split("\r\n").filter((l) => /^Set-Cookie:/i.test(l))).to.deep.equal([]);
          expect(parseResponses(raw)).to.have.length(1);
        } finally {
          await run.close();
        }
      });
    }
  });

  describe("SimpleHTTPRequestHandler: the folder is the boundary", () => {
    let root: string;
    let www: string;
    const SECRET = "TOPSECRET-4f1c";
    before(() => {
      root = tempDir("hardening-www-").dir;
      www = join(root, "www");
      fs.mkdirSync(join(www, "sub"), { recursive: true });
      fs.mkdirSync(join(www, "existing_directory"));
      fs.mkdirSync(join(root, "www-private"));
      fs.writeFileSync(join(root, "secret.txt"), SECRET);
      fs.writeFileSync(join(root, "www-private", "secret.txt"), SECRET);
      fs.writeFileSync(join(www, "sub", "a.txt"), "inside\n");
      fs.writeFileSync(join(www, ".env"), "DOTFILE\n");
      fs.symlinkSync(join(root, "secret.txt"), join(www, "link-out"));
      fs.symlinkSync(join(root, "www-private"), join(www, "dir-out"));
      fs.symlinkSync(join(root, "www-private", "secret.txt"), join(www, "prefix-out"));
      fs.symlinkSync(join(www, "sub", "a.txt"), join(www, "link-in"));
    });
    after(() => fs.rmSync(root, { recursive: true, force: true }));

    function folderHandler(options: { followSymlinks?: boolean; hideDotfiles?: boolean } = {}): RequestHandlerClass {
      const dir = (): string => www;
      return class extends SimpleHTTPRequestHandler {
        override followSymlinks = options.followSymlinks ?? false;
        override hideDotfiles = options.hideDotfiles ?? false;
        constructor(request: unknown, address: unknown, server: never) {
          super(request, address, server, { directory: dir() });
        }
      };
    }

    describe("path traversal in every encoding", () => {
      let run: Logged<ThreadingHTTPServer>;
      before(async () => {
        run = await serveLogged(ThreadingHTTPServer, folderHandler());
      });
      after(async () => {
        await run.close();
      });

      const targets = [
        "/../secret.txt",
        "/../../../../../../../../secret.txt",
        "/sub/../../secret.txt",
        "/./.././secret.txt",
        "../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/.%2e/secret.txt",
        "/%2e%2e%2fsecret.txt",
        "/..%2fsecret.txt",
        "/sub/..%2f..%2fsecret.txt",
        "/..%5csecret.txt",
        "/..\\secret.txt",
        "/%2e%2e%5csecret.txt",
        "/%252e%252e/secret.txt",
        "/%252e%252e%252fsecret.txt",
        "/%c0%ae%c0%ae/secret.txt",
        "/%c0%ae%c0%ae%c0%afsecret.txt",
        "/%e0%80%ae%e0%80%ae/secret.txt",
        "/%u002e%u002e/secret.txt",
        "/..%00/secret.txt",
        "/%00/../secret.txt",
        "/sub/a.txt%00/../../../secret.txt",
        "/..;/secret.txt",
        "//../secret.txt",
        "/../www-private/secret.txt",
        "/%2e%2e/www-private/secret.txt",
        "http://127.0.0.1/../secret.txt",
        "/%2e%2e/",
        "/../",
        "/..%2f",
      ];
      for (const target of targets) {
        it(`GET ${target} stays inside the folder`, async () => {
          const raw = await exchange(run.port, `GET ${target} HTTP/1.0\r\n\r\n`);
          const [res] = parseResponses(raw);
          expect(latin1(raw)).not.to.include(SECRET);
          expect(res!.status).to.be.oneOf([200, 301, 400, 404]);
          if (res!.status === 200) {
            // Only a listing of the served folder itself may come back.
            expect(res!.text).to.include('href="sub/"');
            expect(res!.text).not.to.match(/secret\.txt|www-private/);
          }
        });
      }

      it("a file inside the folder is still served (control)", async () => {
        const [res] = parseResponses(await exchange(run.port, "GET /sub/%61.txt HTTP/1.0\r\n\r\n"));
        expect(res!.status).to.equal(200);
        expect(res!.text).to.equal("inside\n");
      });
    });

    describe("open redirects", () => {
      let run: Logged<ThreadingHTTPServer>;
      before(async () => {
        run = await serveLogged(ThreadingHTTPServer, folderHandler());
      });
      after(async () => {
        await run.close();
      });

      it("CPython gh-87389: //host/ prefixes collapse to one slash in Location", async () => {
        const url = "/evil.example/..%2f..%2f..%2f../existing_directory";
        for (const target of [url, `/${url}`, `//${url}`]) {
          const [res] = parseResponses(await exchange(run.port, `GET ${target} HTTP/1.0\r\n\r\n`));
          expect(res!.status, target).to.equal(301);
          expect(res!.header("Location"), target).to.equal(`${url}/`);
        }
        // Unlike CPython, an absolute-form target's scheme and host never reach Location (issue 13).
        const [full] = parseResponses(await exchange(run.port, `GET https://pypi.org/${url} HTTP/1.0\r\n\r\n`));
        if (full!.status === 301) expect(full!.header("Location")).to.equal(`${url}/`);
      });

      // A browser resolves `Location` with the WHATWG URL parser, which reads
      // a backslash as a slash in http(s) URLs: `/\host` means `//host`.
      const redirects = [
        "//evil.example/..%2f..%2fexisting_directory",
        "///evil.example/../existing_directory",
        "/\\evil.example/..%2fexisting_directory",
        "\\\\evil.example/..%2fexisting_directory",
        "/\\\\evil.example/..%2f..%2fexisting_directory",
        "/%5cevil.example/..%2fexisting_directory",
        "/%2f%2fevil.example/..%2f..%2fexisting_directory",
        "/./\\evil.example/../existing_directory",
      ];
      for (const target of redirects) {
        it(`GET ${target}: the redirect stays on this server`, async () => {
          const [res] = parseResponses(await exchange(run.port, `GET ${target} HTTP/1.0\r\n\r\n`));
          if (res!.status !== 301) return; // no redirect at all is safe too
          const base = `http://${HOST}:${run.port}/`;
          const location = res!.header("Location")!;
          expect(new URL(location, base).host, `Location: ${location}`).to.equal(`${HOST}:${run.port}`);
        });
      }
    });

    describe("listings", () => {
      let dir: string;
      let run: Logged<ThreadingHTTPServer>;
      const nasty = [
        "<script>alert(1)<\\script>.txt",
        '"><img src=x onerror=alert(2)>.txt',
        "a'b&c.txt",
        "<svg onload=alert(3)>",
      ];
      before(async () => {
        dir = tempDir("hardening-list-").dir;
        for (const name of nasty.slice(0, 3)) fs.writeFileSync(join(dir, name), "x");
        fs.mkdirSync(join(dir, nasty[3]!));
        const at = (): string => dir;
        run = await serveLogged(
          ThreadingHTTPServer,
          class extends SimpleHTTPRequestHandler {
            constructor(request: unknown, address: unknown, server: never) {
              super(request, address, server, { directory: at() });
            }
          },
        );
      });
      after(async () => {
        await run.close();
        fs.rmSync(dir, { recursive: true, force: true });
      });

      it("file names cannot inject markup: text is escaped, links are percent-encoded", async () => {
        const [res] = parseResponses(await exchange(run.port, "GET / HTTP/1.0\r\n\r\n"));
        expect(res!.status).to.equal(200);
        const page = res!.text;
        expect(page).not.to.match(/<script|<img|<svg/);
        expect(page).to.include("&lt;script&gt;alert(1)&lt;\\script&gt;.txt");
        expect(page).to.include("a'b&amp;c.txt");
        const hrefs = [...page.matchAll(/<a href="([^"]*)">/g)].map((m) => decodeURIComponent(m[1]!));
        expect(hrefs.sort()).to.deep.equal([...nasty.slice(0, 3), nasty[3] + "/"].sort());
        for (const m of page.matchAll(/<a href="([^"]*)">/g)) expect(m[1]).to.match(/^[A-Za-z0-9%._~/\-()!*]*$/);
      });

      it("the listing title escapes the request path", async () => {
        const [res] = parseResponses(await exchange(run.port, "GET /%3Csvg%20onload%3Dalert(3)%3E/ HTTP/1.0\r\n\r\n"));
        expect(res!.status).to.equal(200);
        expect(res!.text).not.to.include("<svg");
        expect(res!.text).to.include("<title>Directory listing for /&lt;svg onload=alert(3)&gt;/</title>");
      });

      it("error pages escape the request path", async () => {
        const [res] = parseResponses(await exchange(run.port, "GET /<script>x</script> HTTP/1.0\r\n\r\n"));
        expect(res!.status).to.equal(404);
        expect(res!.text).not.to.include("<script");
        const [bad] = parseResponses(await exchange(run.port, "<script>alert(1)</script>\r\n\r\n"));
        expect(bad!.status).to.equal(400);
        expect(bad!.text).not.to.include("<script");
        expect(bad!.text).to.include("&lt;script&gt;");
      });
    });

    describe("symlinks and dotfiles", () => {
      it("symlinks leading out of the folder are refused by default, links inside are served", async () => {
        const run = await serveLogged(ThreadingHTTPServer, folderHandler());
        try {
          for (const target of ["/link-out", "/dir-out/secret.txt", "/prefix-out", "/dir-out/"]) {
            const raw = await exchange(run.port, `GET ${target} HTTP/1.0\r\n\r\n`);
            expect(parseResponses(raw)[0]!.status, target).to.equal(404);
            expect(latin1(raw)).not.to.include(SECRET);
          }
          const [inside] = parseResponses(await exchange(run.port, "GET /link-in HTTP/1.0\r\n\r\n"));
          expect(inside!.text).to.equal("inside\n");
        } finally {
          await run.close();
        }
      });

      it("followSymlinks = true (--follow-symlinks) serves them, as Python does", async () => {
        const run = await serveLogged(ThreadingHTTPServer, folderHandler({ followSymlinks: true }));
        try {
          const [res] = parseResponses(await exchange(run.port, "GET /link-out HTTP/1.0\r\n\r\n"));
          expect(res!.status).to.equal(200);
          expect(res!.text).to.equal(SECRET);
        } finally {
          await run.close();
        }
      });

      it("dotfiles are listed and served as Python does; hideDotfiles = true hides them", async () => {
        const shown = await serveLogged(ThreadingHTTPServer, folderHandler());
        try {
          const [file] = parseResponses(await exchange(shown.port, "GET /.env HTTP/1.0\r\n\r\n"));
          expect(file!.text).to.equal("DOTFILE\n");
          const [list] = parseResponses(await exchange(shown.port, "GET / HTTP/1.0\r\n\r\n"));
          expect(list!.text).to.include('href=".env"');
        } finally {
          await shown.close();
        }
        const hidden = await serveLogged(ThreadingHTTPServer, folderHandler({ hideDotfiles: true }));
        try {
          for (const target of ["/.env", "/%2eenv", "/sub/../.env"]) {
            const [file] = parseResponses(await exchange(hidden.port, `GET ${target} HTTP/1.0\r\n\r\n`));
            expect(file!.status, target).to.equal(404);
          }
          const [list] = parseResponses(await exchange(hidden.port, "GET / HTTP/1.0\r\n\r\n"));
          expect(list!.text).not.to.include(".env");
        } finally {
          await hidden.close();
        }
      });
    });
  });
});

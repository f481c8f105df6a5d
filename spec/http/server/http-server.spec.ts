/**
 * HTTPServer and ThreadingHTTPServer on real loopback sockets: CPython's
 * `BaseHTTPServerTestCase`, `HTTP09ServerTestCase` and
 * `RequestHandlerLoggingTestCase` over the wire, plus connection handling
 * (keep-alive, pipelining, request bodies, errors, time-outs, concurrency).
 */
import { expect } from "chai";

import { BaseHTTPRequestHandler } from "../../../lib/http/server/base-handler.js";
import { HTTPServer, ThreadingHTTPServer } from "../../../lib/http/server/http-server.js";
import { parseResponses } from "../../../lib/http/server/testing.js";
import { HTTPStatus } from "../../../lib/http/status.js";
import { HOST, captureStderr, connect, delay, exchange, latin1, readAll, readUntil, waitFor } from "../../helpers.js";
import { CPythonServerTestHandler, clientRequest, hasHead, py, serve, type Running } from "./helpers.js";


describe("HTTPServer family (real sockets)", function () {
  this.timeout(15000);

  describe("server classes (reference 5)", () => {
    it("HTTPServer reuses addresses, records server_name and server_port after binding", async () => {
      const run = await serve(HTTPServer, BaseHTTPRequestHandler);
      try {
        const s = run.server as HTTPServer & Record<string, unknown>;
        expect(s.allowReuseAddress).to.equal(true);
        expect(s.allow_reuse_address).to.equal(true);
        expect(s.allowReusePort).to.equal(false);
        expect(s.serverPort).to.equal(run.port).and.to.be.above(0);
        expect(s.server_port).to.equal(run.port);
        expect(s.serverName).to.be.a("string").and.not.equal("");
        expect(s.server_name).to.equal(s.serverName);
      } finally {
        await run.close();
      }
    });

    it("ThreadingHTTPServer uses daemon threads", () => {
      const proto = ThreadingHTTPServer.prototype as unknown as Record<string, unknown>;
      expect(proto.daemonThreads).to.equal(true);
      expect(proto.daemon_threads).to.equal(true);
      expect(ThreadingHTTPServer.prototype).to.be.instanceOf(HTTPServer);
    });
  });

  describe("CPython BaseHTTPServerTestCase", () => {
    let run: Running<HTTPServer>;
    beforeEach(async () => {
      run = await serve(HTTPServer, CPythonServerTestHandler);
    });
    afterEach(async () => {
      await run.close();
    });

    async function ask(request: Buffer): Promise<ReturnType<typeof parseResponses>> {
      const raw = await exchange(run.port, request);
      return parseResponses(raw);
    }

    const cases: Array<[string, Buffer, number]> = [
      ["test_command", clientRequest("GET", "/"), 501],
      ["test_request_line_trimming", clientRequest("XYZBOGUS", "/", "HTTP/1.1\n"), 501],
      ["test_version_bogus", clientRequest("GET", "/", "FUBAR"), 400],
      ["test_version_digits", clientRequest("GET", "/", "HTTP/9.9.9"), 400],
      ["test_version_signs_and_underscores", clientRequest("GET", "/", "HTTP/-9_9_9.+9_9_9"), 400],
      ["test_major_version_number_too_long", clientRequest("GET", "/", "HTTP/909876543210.0"), 400],
      ["test_minor_version_number_too_long", clientRequest("GET", "/", "HTTP/1.909876543210"), 400],
      ["test_version_none_get", clientRequest("GET", "/", ""), 501],
      ["test_version_none", clientRequest("CUSTOM", "/", ""), 400],
      ["test_version_invalid", clientRequest("GET", "/", "HTTP/9.9"), 505],
      ["test_send_blank", clientRequest("", "/", ""), 400],
      ["test_header_close", clientRequest("GET", "/", "HTTP/1.1", ["Connection: close"]), 501],
      ["test_header_keep_alive", clientRequest("GET", "/", "HTTP/1.1", ["Connection: keep-alive"]), 501],
      ["test_handler", clientRequest("TEST", "/"), 204],
      ["test_internal_key_error", clientRequest("KEYERROR", "/"), 999],
      ["test_return_custom_status", clientRequest("CUSTOM", "/"), 999],
      ["test_return_explain_error", clientRequest("EXPLAINERROR", "/"), 999],
      ["test_error_content_length", clientRequest("NOTFOUND", "/"), 404],
    ];
    for (const [name, request, status] of cases) {
      it(`${name}: ${status}, then the server closes the connection`, async () => {
        const responses = await ask(request);
        expect(responses).to.have.length(1);
        expect(responses[0]!.status).to.equal(status);
        if (status >= 400 && status !== 999) expect(responses[0]!.header("Connection")).to.equal("close");
        if (name === "test_return_explain_error" || name === "test_error_content_length") {
          expect(Number(responses[0]!.header("Content-Length"))).to.equal(responses[0]!.body.length).and.above(0);
        }
      });
    }

    it("test_return_header_keep_alive: KEEP leaves the connection open for TEST", async () => {
      const sock = await connect(run.port);
      try {
        sock.write(clientRequest("KEEP", "/"));
        const first = await readUntil(sock, hasHead);
        const [res] = parseResponses(first);
        expect(res!.status).to.equal(204);
        expect(res!.header("Connection")).to.equal("keep-alive");
        const rest = readAll(sock);
        sock.write(clientRequest("TEST", "/"));
        const [second] = parseResponses(await rest);
        expect(second!.status).to.equal(204);
        expect(second!.header("Connection")).to.equal("close");
      } finally {
        sock.destroy();
      }
    });

    it("test_latin1_header", async () => {
      const [res] = await ask(clientRequest("LATINONEHEADER", "/", "HTTP/1.1", ["X-Special-Incoming: Ärger mit Unicode"]));
      expect(res!.header("X-Special")).to.equal("Dängerous Mind");
      expect(res!.body.toString("utf8")).to.equal("Ärger mit Unicode");
    });

    it("test_send_error: 204, 304, 102, 205, 101 carry no body and no entity headers", async () => {
      for (const code of [204, 304, 102, 205, 101]) {
        const raw = await exchange(run.port, clientRequest("SEND_ERROR", `/${code}`));
        const [res] = parseResponses(raw);
        expect(res!.status, String(code)).to.equal(code);
        expect(res!.header("Content-Length")).to.equal(undefined);
        expect(res!.header("Content-Type")).to.equal(undefined);
        expect(res!.header("Transfer-Encoding")).to.equal(undefined);
        expect(raw.indexOf("\r\n\r\n")).to.equal(raw.length - 4);
      }
    });

    it("test_head_via_send_error: 200, 204, 304, 205, 101 send headers only", async () => {
      for (const code of [200, 204, 304, 205, 101]) {
        const raw = await exchange(run.port, clientRequest("HEAD", `/${code}`));
        const [res] = parseResponses(raw);
        expect(res!.status, String(code)).to.equal(code);
        if (code === 200) {
          expect(Number(res!.header("Content-Length"))).to.be.above(0);
          expect(res!.header("Content-Type")).to.include("text/html");
        } else {
          expect(res!.header("Content-Length")).to.equal(undefined);
          expect(res!.header("Content-Type")).to.equal(undefined);
        }
        expect(raw.indexOf("\r\n\r\n")).to.equal(raw.length - 4);
      }
    });
  });

  describe("CPython HTTP09ServerTestCase (3.14: answered without waiting for headers)", () => {
    class Http09 extends BaseHTTPRequestHandler {
      override log_message(): void {}
      do_GET(): void {
        this.wfile.write(`OK: here is ${this.path}\r\n`);
      }
    }
    let run: Running<HTTPServer>;
    beforeEach(async () => {
      run = await serve(HTTPServer, Http09);
    });
    afterEach(async () => {
      await run.close();
    });

    it("test_simple_get: the reply comes while the client keeps its side open", async () => {
      const sock = await connect(run.port);
      try {
        sock.write("GET /index.html\r\n");
        const res = await readUntil(sock, (b) => b.includes("\r\n"), 2000);
        expect(latin1(res)).to.equal("OK: here is /index.html\r\n");
      } finally {
        sock.destroy();
      }
    });

    it("test_invalid_request", async () => {
      const sock = await connect(run.port);
      try {
        sock.write("POST /index.html\r\n");
        const res = await readAll(sock, 2000);
        expect(latin1(res)).to.include("Bad HTTP/0.9 request type ('POST')");
        expect(latin1(res)).to.match(/^HTTP\/1\.0 400 /);
      } finally {
        sock.destroy();
      }
    });

    it("test_single_request: the connection closes after one HTTP/0.9 reply", async () => {
      const sock = await connect(run.port);
      try {
        const all = readAll(sock, 2000);
        sock.write("GET /foo.html\r\n");
        await delay(50);
        if (!sock.destroyed) sock.write("GET /bar.html\r\n");
        expect(latin1(await all)).to.equal("OK: here is /foo.html\r\n");
      } finally {
        sock.destroy();
      }
    });
  });

  describe("CPython RequestHandlerLoggingTestCase", () => {
    class Logging extends BaseHTTPRequestHandler {
      override protocol_version = "HTTP/1.1";
      override default_request_version = "HTTP/1.1";
      do_GET(): void {
        py(this).send_response(HTTPStatus.OK);
        py(this).end_headers();
      }
      do_ERROR(): void {
        py(this).send_error(HTTPStatus.NOT_FOUND, "File not found");
      }
    }
    let run: Running<HTTPServer>;
    beforeEach(async () => {
      run = await serve(HTTPServer, Logging);
    });
    afterEach(async () => {
      await run.close();
    });

    it("test_get: stderr ends with the request line", async () => {
      const sock = await connect(run.port);
      let err = "";
      try {
        err = await captureStderr(async () => {
          sock.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
          await readUntil(sock, hasHead);
        });
      } finally {
        sock.destroy();
      }
      expect(err).to.match(/^127\.0\.0\.1 - - \[\d\d\/\w{3}\/\d{4} \d\d:\d\d:\d\d\] "GET \/ HTTP\/1\.1" 200 -\n$/);
    });

    it("test_err: the error line, then the request line", async () => {
      const sock = await connect(run.port);
      let err = "";
      try {
        err = await captureStderr(async () => {
          sock.write("ERROR / HTTP/1.1\r\nHost: x\r\n\r\n");
          await readAll(sock);
        });
      } finally {
        sock.destroy();
      }
      const out = err.split("\n");
      expect(out[0]).to.match(/code 404, message File not found$/);
      expect(out[1]).to.match(/"ERROR \/ HTTP\/1\.1" 404 -$/);
    });
  });

  describe("connections", () => {
    /** Echoes method, path and body, HTTP/1.1, framed with Content-Length. */
    class Echo11 extends BaseHTTPRequestHandler {
      override protocol_version = "HTTP/1.1";
      override log_message(): void {}
      async reply(readBody: boolean): Promise<void> {
        const n = Number(this.headers.get("Content-Length") ?? 0);
        const got = readBody && n > 0 ? await this.rfile.read(n) : Buffer.alloc(0);
        const body = Buffer.concat([Buffer.from(`${this.command} ${this.path} `), got]);
        this.sendResponse(200);
        this.sendHeader("Content-Length", body.length);
        this.endHeaders();
        this.wfile.write(body);
      }
      do_GET(): Promise<void> {
        return this.reply(true);
      }
      do_POST(): Promise<void> {
        return this.reply(true);
      }
      do_PUT(): Promise<void> {
        return this.reply(false); // leaves the body unread
      }
    }

    it("pipelining: three requests in one write are answered in order on one connection", async () => {
      const run = await serve(HTTPServer, Echo11);
      const sock = await connect(run.port);
      try {
        sock.write(
          "GET /1 HTTP/1.1\r\nHost: x\r\n\r\n" +
            "POST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc" +
            "GET /3 HTTP/1.1\r\nHost: x\r\n\r\n",
        );
        const got = await readUntil(sock, (b) => latin1(b).endsWith("GET /3 "));
        expect(parseResponses(got).map((r) => r.text)).to.deep.equal(["GET /1 ", "POST /2 abc", "GET /3 "]);
        expect(sock.destroyed).to.equal(false);
        const rest = readAll(sock);
        sock.write("GET /4 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        expect(parseResponses(await rest).map((r) => r.text)).to.deep.equal(["GET /4 "]);
      } finally {
        sock.destroy();
        await run.close();
      }
    });

    it("pipelining: 5,000 requests in one write are all answered, in order (no stack growth per request)", async () => {
      class Counted extends BaseHTTPRequestHandler {
        override protocolVersion = "HTTP/1.1";
        do_GET(): void {
          const body = Buffer.from(this.path);
          this.sendResponse(200);
          this.sendHeader("Content-Length", body.length);
          this.endHeaders();
          this.wfile.write(body);
        }
        override logMessage(): void {}
      }
      const run = await serve(HTTPServer, Counted);
      const sock = await connect(run.port);
      try {
        const n = 5000;
        let batch = "";
        for (let i = 0; i < n; i++) batch += `GET /${i} HTTP/1.1\r\nHost: x\r\n\r\n`;
        const all = readAll(sock);
        sock.write(batch + "GET /last HTTP/1.1\r\nConnection: close\r\n\r\n");
        const texts = parseResponses(await all).map((r) => r.text);
        expect(texts).to.have.length(n + 1);
        expect(texts[0]).to.equal("/0");
        expect(texts[n - 1]).to.equal(`/${n - 1}`);
        expect(texts[n]).to.equal("/last");
        expect(run.handled).to.deep.equal([]);
      } finally {
        sock.destroy();
        await run.close();
      }
    });

    it("pipelining mixes synchronous and async handlers without reordering responses", async () => {
      class Mixed extends BaseHTTPRequestHandler {
        override protocolVersion = "HTTP/1.1";
        #reply(text: string): void {
          const body = Buffer.from(text);
          this.sendResponse(200);
          this.sendHeader("Content-Length", body.length);
          this.endHeaders();
          this.wfile.write(body);
        }
        do_GET(): void {
          this.#reply("sync " + this.path);
        }
        async do_POST(): Promise<void> {
          const body = await this.rfile.read(Number(this.headers.get("Content-Length")));
          await delay(5);
          this.#reply("async " + this.path + " " + body.toString());
        }
        override logMessage(): void {}
      }
      const run = await serve(HTTPServer, Mixed);
      const sock = await connect(run.port);
      try {
        const all = readAll(sock);
        sock.write(
          "GET /1 HTTP/1.1\r\n\r\n" +
            "POST /2 HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi" +
            "GET /3 HTTP/1.1\r\n\r\n" +
            "POST /4 HTTP/1.1\r\nContent-Length: 3\r\n\r\nyo!" +
            "GET /5 HTTP/1.1\r\nConnection: close\r\n\r\n",
        );
        expect(parseResponses(await all).map((r) => r.text)).to.deep.equal([
          "sync /1",
          "async /2 hi",
          "sync /3",
          "async /4 yo!",
          "sync /5",
        ]);
      } finally {
        sock.destroy();
        await run.close();
      }
    });

    describe("closing after an error response", () => {
      /** Answers every GET and POST with 404 without reading a body. */
      class NotFound extends BaseHTTPRequestHandler {
        override log_message(): void {}
        do_GET(): void {
          this.sendError(404);
        }
        do_POST(): void {
          this.sendError(404);
        }
      }
      class NotFound11 extends NotFound {
        override protocol_version = "HTTP/1.1";
      }
      const connections = (server: HTTPServer): Promise<number> =>
        new Promise((resolve, reject) => server.socket.getConnections((err, n) => (err ? reject(err) : resolve(n))));

      it("a 404 on a connection that closes anyway (HTTP/1.0 server) releases it without waiting for the client", async () => {
        const run = await serve(HTTPServer, NotFound);
        // The client never closes its side (Node's default answers a FIN with its own).
        const sock = await connect(run.port, { allowHalfOpen: true });
        try {
          const got = readUntil(sock, (b) => latin1(b).includes("</html>"));
          sock.write("GET /missing HTTP/1.1\r\nHost: x\r\n\r\n");
          expect(latin1(await got)).to.match(/^HTTP\/1\.0 404 /);
          await waitFor(() => sock.readableEnded, 2000, "the server's FIN");
          // The client has not closed its side; the server has let go anyway.
          await waitFor(async () => (await connections(run.server)) === 0, 500, "the server to release the connection");
        } finally {
          sock.destroy();
          await run.close();
        }
      });

      it("a 404 on a kept-alive connection drains what the client still sends, so a pipelined request cannot reset the response", async () => {
        const run = await serve(HTTPServer, NotFound11);
        // A client that keeps its side open after the server's FIN (Node's
        // default answers a FIN with its own at once).
        const sock = await connect(run.port, { allowHalfOpen: true });
        try {
          const all = readAll(sock);
          sock.write("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
          await waitFor(() => sock.readableLength > 0 || sock.readableEnded, 2000, "the 404");
          await delay(20);
          // The client keeps sending after the server answered and closed its side.
          sock.write("GET /b HTTP/1.1\r\nHost: x\r\n\r\n");
          await delay(50);
          expect(await connections(run.server)).to.equal(1); // still draining, not reset
          sock.end();
          const responses = parseResponses(await all);
          expect(responses.map((r) => r.status)).to.deep.equal([404]);
        } finally {
          sock.destroy();
          await run.close();
        }
      });

      it("an error answered before a large body arrives reaches the client whole while the body is still being sent", async () => {
        const run = await serve(HTTPServer, NotFound);
        const sock = await connect(run.port);
        try {
          const all = readAll(sock);
          sock.write("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n");
          await delay(30);
          const chunk = Buffer.alloc(64 * 1024, 0x61);
          for (let sent = 0; sent < 2000000 && !sock.destroyed; sent += chunk.length) {
            if (!sock.write(chunk)) await new Promise((r) => sock.once("drain", r));
          }
          sock.end();
          const [res] = parseResponses(await all);
          expect(res?.status).to.equal(404);
          expect(latin1(res!.body)).to.include("</html>");
        } finally {
          sock.destroy();
          await run.close();
        }
      });
    });

    it("an unread request body is skipped on a kept-alive connection", async () => {
      const run = await serve(HTTPServer, Echo11);
      const sock = await connect(run.port);
      try {
        const all = readAll(sock);
        sock.write("PUT /a HTTP/1.1\r\nContent-Length: 10\r\n\r\nGET /x\r\n\r\nGET /b HTTP/1.1\r\nConnection: close\r\n\r\n");
        expect(parseResponses(await all).map((r) => r.text)).to.deep.equal(["PUT /a ", "GET /b "]);
      } finally {
        sock.destroy();
        await run.close();
      }
    });

    it("more than 1 MiB of unread body closes the connection after the response", async () => {
      const run = await serve(HTTPServer, Echo11);
      const sock = await connect(run.port);
      try {
        const all = readAll(sock);
        sock.write(`PUT /big HTTP/1.1\r\nContent-Length: ${2 * 1024 * 1024}\r\n\r\n`);
        sock.write(Buffer.alloc(64 * 1024, 0x61));
        const got = await all; // the server ends the connection although the client keeps sending side open
        expect(parseResponses(got).map((r) => r.text)).to.deep.equal(["PUT /big "]);
      } finally {
        sock.destroy();
        await run.close();
      }
    });

    it("a request with Transfer-Encoding is answered, then the connection closes", async () => {
      const run = await serve(HTTPServer, Echo11);
      const sock = await connect(run.port);
      try {
        const all = readAll(sock);
        sock.write("PUT /te HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nGET /next HTTP/1.1\r\n\r\n");
        expect(parseResponses(await all).map((r) => r.text)).to.deep.equal(["PUT /te "]);
      } finally {
        sock.destroy();
        await run.close();
      }
    });

    it("Expect: 100-continue: the client gets 100 Continue before it sends the body", async () => {
      const run = await serve(HTTPServer, Echo11);
      const sock = await connect(run.port);
      try {
        sock.write("POST /e HTTP/1.1\r\nContent-Length: 4\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n");
        const interim = await readUntil(sock, hasHead, 2000);
        expect(latin1(interim)).to.equal("HTTP/1.1 100 Continue\r\n\r\n");
        const all = readAll(sock);
        sock.write("body");
        const [res] = parseResponses(await all);
        expect(res!.text).to.equal("POST /e body");
      } finally {
        sock.destroy();
        await run.close();
      }
    });

    it("a handler that throws gets a 500, the error reaches handleError, and the server keeps serving", async () => {
      const boom = new Error("handler failure");
      class Fails extends BaseHTTPRequestHandler {
        override log_message(): void {}
        do_GET(): void {
          if (this.path === "/fail") throw boom;
          this.sendResponse(204);
          this.endHeaders();
        }
      }
      const run = await serve(HTTPServer, Fails);
      try {
        const [res] = parseResponses(await exchange(run.port, "GET /fail HTTP/1.0\r\n\r\n"));
        expect(res!.status).to.equal(500);
        expect(res!.header("Connection")).to.equal("close");
        await waitFor(() => run.handled.length === 1, 2000, "handleError");
        expect(run.handled[0]).to.equal(boom);
        const [next] = parseResponses(await exchange(run.port, "GET /ok HTTP/1.0\r\n\r\n"));
        expect(next!.status).to.equal(204);
      } finally {
        await run.close();
      }
    });

    it("a client that leaves mid-response does not disturb the server", async () => {
      let finished = 0;
      class Slow extends BaseHTTPRequestHandler {
        override log_message(): void {}
        async do_GET(): Promise<void> {
          if (this.path === "/slow") {
            this.sendResponse(200);
            this.sendHeader("Content-Length", 10 * 65536);
            this.endHeaders();
            for (let i = 0; i < 10; i++) {
              await delay(20);
              this.wfile.write(Buffer.alloc(65536, 0x62));
              await this.wfile.flush();
            }
          } else {
            this.sendResponse(204);
            this.endHeaders();
          }
          finished++;
        }
      }
      const run = await serve(HTTPServer, Slow);
      try {
        const sock = await connect(run.port);
        sock.write("GET /slow HTTP/1.0\r\n\r\n");
        await readUntil(sock, hasHead);
        sock.destroy();
        const [res] = parseResponses(await exchange(run.port, "GET /after HTTP/1.0\r\n\r\n"));
        expect(res!.status).to.equal(204);
        expect(run.handled).to.deep.equal([]);
      } finally {
        await run.close();
      }
      expect(finished).to.be.at.least(1);
    });

    it("a handler timeout closes an idle connection and logs 'Request timed out'", async () => {
      const logs: string[] = [];
      class Impatient extends BaseHTTPRequestHandler {
        override timeout = 0.1;
        override log_message(format: string, ...args: unknown[]): void {
          logs.push(`${format} | ${args.map(String).join(" | ")}`);
        }
      }
      const run = await serve(HTTPServer, Impatient);
      try {
        const sock = await connect(run.port);
        const started = Date.now();
        const got = await readAll(sock, 3000);
        expect(got.length).to.equal(0);
        expect(Date.now() - started).to.be.below(2500);
        expect(logs).to.deep.equal(["Request timed out: %s | TimeoutError('timed out')"]);
        sock.destroy();
      } finally {
        await run.close();
      }
    });

    it("HTTPServer serves one connection at a time; ThreadingHTTPServer does not wait", async () => {
      for (const [Server, concurrent] of [
        [HTTPServer, false],
        [ThreadingHTTPServer, true],
      ] as const) {
        const run = await serve(Server, Echo11);
        const first = await connect(run.port);
        const second = await connect(run.port);
        try {
          first.write("GET /first HTTP/1.1\r\n\r\n");
          await readUntil(first, (b) => latin1(b).endsWith("GET /first "));
          // `first` stays open (keep-alive), so a sequential server is busy with it.
          let answered = false;
          const secondReply = readUntil(second, (b) => latin1(b).endsWith("GET /second ")).then((b) => {
            answered = true;
            return b;
          });
          second.write("GET /second HTTP/1.1\r\n\r\n");
          await delay(150);
          expect(answered, Server.name).to.equal(concurrent);
          first.end();
          await secondReply;
          expect(answered).to.equal(true);
        } finally {
          first.destroy();
          second.destroy();
          await run.close();
        }
      }
    });

    it("closing a ThreadingHTTPServer does not wait for idle kept-alive connections", async () => {
      const run = await serve(ThreadingHTTPServer, Echo11);
      const sock = await connect(run.port);
      try {
        sock.write("GET / HTTP/1.1\r\n\r\n");
        await readUntil(sock, (b) => latin1(b).endsWith("GET / "));
        const started = Date.now();
        await run.close();
        expect(Date.now() - started).to.be.below(1500);
      } finally {
        sock.destroy();
        await run.close();
      }
    });

    it("the server address is the bound loopback address", async () => {
      const run = await serve(HTTPServer, Echo11);
      try {
        expect(run.server.serverAddress).to.deep.equal([HOST, run.port]);
      } finally {
        await run.close();
      }
    });
  });
});

/**
 * What the adapters do beyond the shared table: failing handlers (500 and
 * a report, or a cut-off response), clients that go away (the handler's
 * reads end, its writes fail, it finishes), Express mounts of a folder,
 * log lines and client addresses, and the fetch handler's edges.
 */
import { createHash } from "node:crypto";
import * as http from "node:http";
import { gunzipSync } from "node:zlib";
import { expect } from "chai";
import compression from "compression";
import express from "express";

import { BaseHTTPRequestHandler, kLogLines } from "../../../../lib/http/server/base-handler.js";
import { SimpleHTTPRequestHandler } from "../../../../lib/http/server/files/simple-handler.js";
import { toRequestListener } from "../../../../lib/http/server/adapters/request-listener.js";
import { toFetchHandler } from "../../../../lib/http/server/adapters/fetch-handler.js";
import { stripMount, type HandlerClass } from "../../../../lib/http/server/adapters/exchange.js";
import { HOST, connect, deferred, readAll, within } from "../../../helpers.js";
import { BIG, Echo, MixedHead, bigDigest, filesHandler, httpSend, listenOn, presetHeaders } from "./fixtures.js";

/** Options that collect the handler's log lines and the errors reported to `server.handleError()`. */
function recording(): { logs: string[]; errors: unknown[]; server: Record<string | symbol, unknown> } {
  const logs: string[] = [];
  const errors: unknown[] = [];
  return { logs, errors, server: { [kLogLines]: logs, handleError: (_r: unknown, _a: unknown, e: unknown) => errors.push(e) } };
}

class Throws extends BaseHTTPRequestHandler {
  do_GET(): void {
    throw new Error("boom");
  }
}

class Silent extends BaseHTTPRequestHandler {
  do_GET(): void {}
}

class ThrowsMidBody extends BaseHTTPRequestHandler {
  async do_GET(): Promise<void> {
    this.sendResponse(200);
    this.sendHeader("Content-Length", 100);
    this.endHeaders();
    this.wfile.write("only five");
    await this.wfile.flush();
    throw new Error("half way");
  }
}

/** A handler that writes without end until a write fails, then tells `stopped` the error's name. */
function endless(stopped: (name: string) => void): HandlerClass {
  return class Endless extends BaseHTTPRequestHandler {
    async do_GET(): Promise<void> {
      this.sendResponse(200);
      this.endHeaders();
      try {
        for (;;) {
          this.wfile.write(Buffer.alloc(64 * 1024));
          await this.wfile.flush();
        }
      } catch (err) {
        stopped((err as Error).name);
      }
    }
  };
}

describe("adapters: failures, departures, mounts and logs", function () {
  this.timeout(30000);

  describe("a failing handler", () => {
    it("throwing before it writes: 500 with the error page, the error reported (node:http and fetch)", async () => {
      const rec = recording();
      const srv = await listenOn(toRequestListener(Throws, { server: rec.server }));
      try {
        const r = await httpSend(srv.port, { method: "GET", path: "/" });
        expect(r.status).to.equal(500);
        expect(r.body.toString()).to.include("<p>Error code: 500</p>");
      } finally {
        await srv.close();
      }
      const fetched = await toFetchHandler(Throws, { server: rec.server })(new Request("http://127.0.0.1/"));
      expect(fetched.status).to.equal(500);
      expect(await fetched.text()).to.include("<p>Error code: 500</p>");
      expect(rec.errors.map(String)).to.deep.equal(["Error: boom", "Error: boom"]);
    });

    it("writing nothing: 500, and the report says so", async () => {
      const rec = recording();
      const srv = await listenOn(toRequestListener(Silent, { server: rec.server }));
      try {
        const r = await httpSend(srv.port, { method: "GET", path: "/" });
        expect(r.status).to.equal(500);
        expect(r.header("content-type")).to.equal("text/html;charset=utf-8");
      } finally {
        await srv.close();
      }
      expect(rec.errors.map(String)).to.deep.equal(["MalformedResponseError: the handler wrote no response"]);
    });

    it("throwing after its head: the response is cut off, not passed off as complete", async () => {
      const rec = recording();
      const srv = await listenOn(toRequestListener(ThrowsMidBody, { server: rec.server }));
      try {
        const err = await httpSend(srv.port, { method: "GET", path: "/" }).then(
          () => null,
          (e: unknown) => e,
        );
        expect(String(err)).to.match(/aborted|ECONNRESET|socket hang up/);
      } finally {
        await srv.close();
      }
      const fetched = await toFetchHandler(ThrowsMidBody, { server: rec.server })(new Request("http://127.0.0.1/"));
      expect(fetched.status).to.equal(200);
      const read = await fetched.text().then(
        () => "complete",
        (e: unknown) => String(e),
      );
      expect(read).to.include("half way");
      expect(rec.errors.map(String)).to.deep.equal(["Error: half way", "Error: half way"]);
    });

    it("an async handleError() that rejects is no unhandled rejection", async () => {
      const reported: unknown[] = [];
      const server = {
        [kLogLines]: [],
        handleError: async (_r: unknown, _a: unknown, e: unknown) => {
          reported.push(e);
          throw new Error("the report failed too");
        },
      };
      const r = await toFetchHandler(Throws, { server })(new Request("http://127.0.0.1/"));
      expect(r.status).to.equal(500);
      await new Promise((resolve) => setImmediate(resolve));
      expect(reported.map(String)).to.deep.equal(["Error: boom"]);
    });

    it("a status a Response cannot carry (999) becomes 500 in the fetch handler", async () => {
      class Odd extends BaseHTTPRequestHandler {
        do_GET(): void {
          this.sendResponse(999, "Odd");
          this.endHeaders();
        }
      }
      const rec = recording();
      const r = await toFetchHandler(Odd, { server: rec.server })(new Request("http://127.0.0.1/"));
      expect(r.status).to.equal(500);
      expect(rec.errors).to.have.length(1);
      expect(String(rec.errors[0])).to.match(/RangeError/);
    });
  });

  describe("a client that goes away", () => {
    it("mid-upload: the handler's read ends short and the handler finishes", async () => {
      const got = deferred<number>();
      class Reads extends BaseHTTPRequestHandler {
        async do_POST(): Promise<void> {
          const body = await this.rfile.read(1_000_000);
          got.resolve(body.length);
        }
      }
      const srv = await listenOn(toRequestListener(Reads, { server: recording().server }));
      try {
        const sock = await connect([HOST, srv.port]);
        sock.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n0123456789");
        await new Promise((resolve) => setTimeout(resolve, 100));
        sock.destroy();
        expect(await within(got.promise, 5000, "the handler's read to end")).to.equal(10);
      } finally {
        await srv.close();
      }
    });

    it("mid-download: the handler's writes fail and it finishes", async () => {
      const finished = deferred<string>();
      const Streams = endless(finished.resolve);
      const srv = await listenOn(toRequestListener(Streams, { server: recording().server }));
      try {
        const sock = await connect([HOST, srv.port]);
        sock.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        await new Promise<void>((resolve) => sock.once("data", () => resolve()));
        sock.destroy();
        expect(await within(finished.promise, 5000, "the handler to stop writing")).to.be.a("string");
      } finally {
        await srv.close();
      }
    });

    it("fetch: cancelling the Response body stops the handler", async () => {
      const finished = deferred<string>();
      const Streams = endless(finished.resolve);
      const r = await toFetchHandler(Streams, { server: recording().server })(new Request("http://127.0.0.1/"));
      const reader = r.body!.getReader();
      await reader.read();
      await reader.cancel();
      await within(finished.promise, 5000, "the handler to stop writing");
    });
  });

  it("a request without a body (HTTP/1 with no length, a Request with a null body): rfile reads end of input right after the head", async () => {
    const srv = await listenOn(toRequestListener(Echo as HandlerClass, { server: recording().server }));
    try {
      const r = await httpSend(srv.port, { method: "GET", path: "/empty" });
      expect(r.body.toString()).to.equal("read 0");
    } finally {
      await srv.close();
    }
    const fetched = await toFetchHandler(Echo as HandlerClass, { server: recording().server })(new Request("http://127.0.0.1/empty"));
    expect(await fetched.text()).to.equal("read 0");
  });

  describe("the handler's head and headers set before it", () => {
    it("node:http: once sent, the handler's headers read back with res.getHeader(), as a logger at 'finish' reads them", async () => {
      const listener = toRequestListener(MixedHead, { server: recording().server });
      const seen = deferred<unknown[]>();
      const srv = await listenOn((req, res) => {
        res.once("finish", () => seen.resolve([res.getHeader("content-length"), res.getHeader("set-cookie"), res.getHeader("content-type")]));
        listener(req, res);
      });
      try {
        const r = await httpSend(srv.port, { method: "GET", path: "/" });
        expect(r.cookies).to.deep.equal(["a=1", "b=2"]);
        expect(await within(seen.promise, 5000, "'finish'")).to.deep.equal(["2", ["a=1", "b=2"], "text/plain"]);
      } finally {
        await srv.close();
      }
    });

    it("Express: a middleware header stays; a name the handler sends too is the handler's, whatever the case; every Set-Cookie line of the handler arrives", async () => {
      const app = express();
      app.use((_req, res, next) => {
        presetHeaders(res);
        next();
      });
      app.use(toRequestListener(MixedHead, { server: recording().server }));
      const srv = await listenOn(app);
      try {
        const r = await httpSend(srv.port, { method: "GET", path: "/" });
        expect(r.status).to.equal(200);
        expect(r.header("x-powered-by")).to.equal("Express");
        expect(r.header("x-mw")).to.equal("1");
        expect(r.header("x-both")).to.equal("handler");
        expect(r.header("content-type")).to.equal("text/plain");
        expect(r.cookies).to.deep.equal(["a=1", "b=2"]);
        expect(r.header("constructor")).to.equal("c");
        expect(r.body.toString()).to.equal("ok");
      } finally {
        await srv.close();
      }
    });
  });

  describe("Express", () => {
    const files = filesHandler();
    after(() => files.remove());

    it("serves a folder under a mount path with the directory option: listing, redirect, file; other methods fall through, a missing file is the handler's 404", async () => {
      const app = express();
      app.use("/static", toRequestListener(SimpleHTTPRequestHandler, { directory: files.dir, server: recording().server }));
      app.use((_req, res) => {
        res.status(404).type("text/plain").send("express 404");
      });
      const srv = await listenOn(app);
      try {
        const listing = await httpSend(srv.port, { method: "GET", path: "/static/" });
        expect(listing.status).to.equal(200);
        expect(listing.body.toString()).to.include("<title>Directory listing for /static/</title>").and.include('<a href="sub/">sub/</a>');
        const redirect = await httpSend(srv.port, { method: "GET", path: "/static/sub" });
        expect(redirect.status).to.equal(301);
        expect(redirect.header("location")).to.equal("/static/sub/");
        const file = await httpSend(srv.port, { method: "GET", path: "/static/sub/note.txt?v=2" });
        expect(file.status).to.equal(200);
        expect(file.body.toString()).to.equal("note\n");
        const post = await httpSend(srv.port, { method: "POST", path: "/static/sub/note.txt", body: Buffer.from("x") });
        expect(post.status).to.equal(404);
        expect(post.body.toString()).to.equal("express 404");
        // A missing file is the handler's own 404, not a fall-through (unlike express.static).
        const missing = await httpSend(srv.port, { method: "GET", path: "/static/no-such.txt" });
        expect(missing.status).to.equal(404);
        expect(missing.body.toString()).to.include("File not found").and.not.include("express 404");
      } finally {
        await srv.close();
      }
    });

    it("under compression(): a big body arrives whole, and waiting for 'drain' leaves no listener behind", async () => {
      const warnings: string[] = [];
      const onWarning = (w: Error): void => void warnings.push(`${w.name}: ${w.message}`);
      process.on("warning", onWarning);
      const app = express();
      app.use(compression({ threshold: 0 }));
      app.use(toRequestListener(Echo as HandlerClass, { server: recording().server }));
      const srv = await listenOn(app);
      try {
        const r = await httpSend(srv.port, { method: "GET", path: "/big", headers: { "Accept-Encoding": "gzip" } });
        expect(r.header("content-encoding")).to.equal("gzip");
        const body = gunzipSync(r.body);
        expect(body.length).to.equal(BIG);
        expect(createHash("sha256").update(body).digest("hex")).to.equal(bigDigest());
        await new Promise((resolve) => setImmediate(resolve));
        expect(warnings.filter((w) => w.startsWith("MaxListenersExceededWarning"))).to.deep.equal([]);
      } finally {
        process.off("warning", onWarning);
        await srv.close();
      }
    });

    it("a mount prefix is dropped only at a segment boundary", () => {
      expect(stripMount("/static/a.txt", "/static")).to.equal("/a.txt");
      expect(stripMount("/static", "/static")).to.equal("/");
      expect(stripMount("/static?x=1", "/static")).to.equal("/?x=1");
      expect(stripMount("/staticky/a", "/static")).to.equal("/staticky/a");
    });
  });

  describe("log lines and client addresses", () => {
    it("node:http: the client address comes from the socket", async () => {
      const rec = recording();
      const srv = await listenOn(toRequestListener(Echo as HandlerClass, { server: rec.server }));
      try {
        await httpSend(srv.port, { method: "GET", path: "/hello" });
      } finally {
        await srv.close();
      }
      expect(rec.logs).to.have.length(1);
      expect(rec.logs[0]).to.match(/^127\.0\.0\.1 - - \[[^\]]+\] "GET \/hello HTTP\/1\.1" 200 -\n$/);
    });

    it("fetch: the clientAddress option, a function of the request and what the host passes", async () => {
      const rec = recording();
      const seen: unknown[] = [];
      const handler = toFetchHandler(Echo as HandlerClass, {
        server: rec.server,
        clientAddress: (request: Request, info: { remote: string }) => {
          seen.push(request.url);
          return { hostname: info.remote, port: 5 };
        },
      });
      const r = await handler(new Request("http://example.test:8080/hello"), { remote: "10.1.2.3" });
      expect(r.status).to.equal(200);
      expect(r.headers.get("x-path")).to.equal("/hello");
      expect(seen).to.deep.equal(["http://example.test:8080/hello"]);
      expect(rec.logs[0]).to.match(/^10\.1\.2\.3 - - \[/);
      const plain = await toFetchHandler(Echo as HandlerClass, { server: rec.server })(new Request("http://example.test/hello"));
      expect(plain.status).to.equal(200);
      expect(rec.logs[1]).to.match(/^- - - \[/);
    });

    it("fetch: HEAD has a null body; the Host header comes from the URL", async () => {
      class Hosts extends BaseHTTPRequestHandler {
        do_HEAD(): void {
          this.sendResponse(200);
          this.sendHeader("X-Host", this.headers.get("Host") ?? "");
          this.sendHeader("Content-Length", 42);
          this.endHeaders();
        }
      }
      const r = await toFetchHandler(Hosts, { server: recording().server })(new Request("http://example.test:81/", { method: "HEAD" }));
      expect(r.status).to.equal(200);
      expect(r.body).to.equal(null);
      expect(r.headers.get("x-host")).to.equal("example.test:81");
      expect(r.headers.get("content-length")).to.equal("42");
    });
  });

  describe("Expect: 100-continue with a 'checkContinue' listener", () => {
    it("the handler's 100 Continue reaches the client, then its answer", async () => {
      const listener = toRequestListener(Echo as HandlerClass, { server: recording().server });
      const srv = await listenOn(http.createServer(listener).on("checkContinue", listener));
      try {
        const r = await httpSend(srv.port, { method: "POST", path: "/echo", body: Buffer.from("go"), expectContinue: true });
        expect(r.sawContinue).to.equal(true);
        expect(r.body.toString()).to.equal("POST /echo 2 go");
      } finally {
        await srv.close();
      }
    });

    it("a handler that refuses (417) answers without the body being sent", async () => {
      class Refuses extends BaseHTTPRequestHandler {
        override protocolVersion = "HTTP/1.1";
        override handleExpect100(): boolean {
          this.sendError(417);
          return false;
        }
        do_POST(): void {
          throw new Error("not reached");
        }
      }
      const listener = toRequestListener(Refuses, { server: recording().server });
      const srv = await listenOn(http.createServer().on("checkContinue", listener));
      try {
        const sock = await connect([HOST, srv.port]);
        sock.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n");
        const raw = (await readAll(sock)).toString("latin1");
        expect(raw).to.match(/^HTTP\/1\.1 417 Expectation Failed\r\n/);
        expect(raw).not.to.include("100 Continue");
      } finally {
        await srv.close();
      }
    });
  });

  it("103 Early Hints from the handler reaches a node:http client before the answer", async () => {
    class Hints extends BaseHTTPRequestHandler {
      override protocolVersion = "HTTP/1.1";
      do_GET(): void {
        this.sendResponseOnly(103);
        this.sendHeader("Link", "</style.css>; rel=preload; as=style");
        this.endHeaders();
        this.sendResponse(204);
        this.endHeaders();
      }
    }
    const srv = await listenOn(toRequestListener(Hints, { server: recording().server }));
    try {
      const seen = await within(
        new Promise<{ hints: unknown[]; status: number }>((resolve, reject) => {
          const hints: unknown[] = [];
          const req = http.get({ host: HOST, port: srv.port, path: "/", agent: false }, (res) => {
            res.resume();
            res.on("end", () => resolve({ hints, status: res.statusCode! }));
          });
          req.on("information", (info) => hints.push([info.statusCode, info.headers.link]));
          req.on("error", reject);
        }),
        5000,
        "GET with early hints",
      );
      expect(seen).to.deep.equal({ hints: [[103, "</style.css>; rel=preload; as=style"]], status: 204 });
    } finally {
      await srv.close();
    }
  });

  it("a raw exchange: what the handler saw of the head is what the client sent (order and case)", async () => {
    class Heads extends BaseHTTPRequestHandler {
      do_GET(): void {
        const body = Buffer.from(JSON.stringify(this.headers.items()));
        this.sendResponse(200);
        this.sendHeader("Content-Length", body.length);
        this.endHeaders();
        this.wfile.write(body);
      }
    }
    const srv = await listenOn(toRequestListener(Heads, { server: recording().server }));
    try {
      const sock = await connect([HOST, srv.port]);
      sock.write("GET / HTTP/1.0\r\nX-B: 1\r\nHost: h\r\nx-a: 2\r\nX-B: 3\r\n\r\n");
      const raw = (await readAll(sock)).toString("latin1");
      expect(raw.startsWith("HTTP/1.1 200 OK\r\n")).to.equal(true);
      expect(raw.slice(raw.indexOf("\r\n\r\n") + 4)).to.equal(JSON.stringify([["X-B", "1"], ["Host", "h"], ["x-a", "2"], ["X-B", "3"]]));
    } finally {
      await srv.close();
    }
  });
});

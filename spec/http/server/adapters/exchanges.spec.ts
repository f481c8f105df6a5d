/**
 * One table of exchanges, answered the same way by every place a handler
 * class can run: this package's `ThreadingHTTPServer`, `node:http` with
 * `toRequestListener()`, Express 5 with the listener under a mount path,
 * and `toFetchHandler()` called with `new Request(...)`. Real sockets and
 * `node:http` clients for the first three.
 */
import { createHash } from "node:crypto";
import * as http from "node:http";
import { expect } from "chai";
import express from "express";

import { kLogLines } from "../../../../lib/http/server/base-handler.js";
import { ThreadingHTTPServer } from "../../../../lib/http/server/http-server.js";
import { toRequestListener } from "../../../../lib/http/server/adapters/request-listener.js";
import { toFetchHandler } from "../../../../lib/http/server/adapters/fetch-handler.js";
import type { HandlerClass } from "../../../../lib/http/server/adapters/exchange.js";
import type { RequestHandlerClass } from "../../../../lib/socketserver/base-server.js";
import { within } from "../../../helpers.js";
import { serveLogged } from "../helpers.js";
import { BIG, DATA, Echo, Raw, bigDigest, filesHandler, fromResponse, httpSend, listenOn, toRequest, type Req, type Res } from "./fixtures.js";

/** A handler class served by one host: send requests to it, then close it. */
interface Served {
  /** What the host puts before every path (an Express mount path). */
  prefix: string;
  send(req: Req): Promise<Res>;
  close(): Promise<void>;
}

/** One place a handler class can run. */
interface Host {
  name: string;
  serve(Handler: HandlerClass): Promise<Served>;
}

/** Listen on a free loopback port with `listener`; `prefix` goes before every path. */
async function listen(listener: http.RequestListener, prefix: string): Promise<Served> {
  const srv = await listenOn(listener);
  return { prefix, send: (req) => httpSend(srv.port, { ...req, path: prefix + req.path }), close: srv.close };
}

/** Adapter options that keep the handler's log lines out of the test output. */
const quiet = (): { server: Record<symbol, unknown> } => ({ server: { [kLogLines]: [] } });

const hosts: Host[] = [
  {
    name: "ThreadingHTTPServer",
    async serve(Handler) {
      const running = await serveLogged(ThreadingHTTPServer, Handler as unknown as RequestHandlerClass);
      return { prefix: "", send: (req) => httpSend(running.port, req), close: () => running.close() };
    },
  },
  {
    name: "node:http + toRequestListener",
    serve: (Handler) => listen(toRequestListener(Handler, quiet()), ""),
  },
  {
    name: "Express 5, app.use('/mnt', toRequestListener(...))",
    serve(Handler) {
      const app = express();
      app.use("/mnt", toRequestListener(Handler, quiet()));
      app.use((_req, res) => {
        res.status(299).type("text/plain").send("next");
      });
      return listen(app, "/mnt");
    },
  },
  {
    name: "toFetchHandler(...)(new Request(...))",
    async serve(Handler) {
      const fetchHandler = toFetchHandler(Handler, quiet());
      return {
        prefix: "",
        send: async (req) => fromResponse(await within(fetchHandler(toRequest("http://127.0.0.1:8000", req)), 20000, req.path)),
        close: async () => {},
      };
    },
  },
];

/** One row of the table: a scenario run against every host. */
interface Row {
  name: string;
  Handler: HandlerClass | "files";
  check(served: Served, host: Host): Promise<void>;
}

const sha256 = (b: Buffer): string => createHash("sha256").update(b).digest("hex");

const rows: Row[] = [
  {
    name: "GET: status, headers and body; this.path is the full path",
    Handler: Echo,
    async check(s) {
      const r = await s.send({ method: "GET", path: "/hello?x=1" });
      expect(r.status).to.equal(200);
      expect(r.header("content-type")).to.equal("text/plain");
      expect(r.header("content-length")).to.equal("6");
      expect(r.header("server")).to.match(/^BaseHTTP\/0\.6 Node\.js\//);
      expect(r.header("x-path")).to.equal(`${s.prefix}/hello?x=1`);
      expect(r.body.toString()).to.equal("hello\n");
    },
  },
  {
    name: "HEAD: the head of GET and no body",
    Handler: Echo,
    async check(s) {
      const r = await s.send({ method: "HEAD", path: "/hello" });
      expect(r.status).to.equal(200);
      expect(r.header("content-length")).to.equal("6");
      expect(r.body.length).to.equal(0);
    },
  },
  {
    name: "POST with Content-Length: the body reaches rfile; both Set-Cookie headers come back",
    Handler: Echo,
    async check(s) {
      const r = await s.send({ method: "POST", path: "/echo", body: Buffer.from("name=value") });
      expect(r.status).to.equal(200);
      expect(r.header("x-framing")).to.equal("length");
      expect(r.body.toString("latin1")).to.equal(`POST ${s.prefix}/echo 10 name=value`);
      expect(r.cookies).to.deep.equal(["a=1", "b=2"]);
    },
  },
  {
    name: "POST chunked: rfile carries the chunked body, as on a socket",
    Handler: Echo,
    async check(s) {
      const body = [Buffer.from("ab"), Buffer.from("cd\r\n"), Buffer.from("ef")];
      const r = await s.send({ method: "POST", path: "/echo", body });
      expect(r.status).to.equal(200);
      expect(r.header("x-framing")).to.equal("chunked");
      expect(r.body.toString("latin1")).to.equal(`POST ${s.prefix}/echo 8 abcd\r\nef`);
    },
  },
  {
    name: "404 through sendError(): the default error page",
    Handler: Echo,
    async check(s) {
      const r = await s.send({ method: "GET", path: "/missing" });
      expect(r.status).to.equal(404);
      expect(r.header("content-type")).to.equal("text/html;charset=utf-8");
      expect(r.header("content-length")).to.equal(String(r.body.length));
      expect(r.body.toString()).to.include("<p>Error code: 404</p>").and.include("<p>Message: Not Found.</p>");
    },
  },
  {
    name: "a method without do_<METHOD>: 501 (Express: the next middleware)",
    Handler: Echo,
    async check(s) {
      const r = await s.send({ method: "DELETE", path: "/hello" });
      if (s.prefix === "/mnt") {
        expect(r.status).to.equal(299);
        expect(r.body.toString()).to.equal("next");
      } else {
        expect(r.status).to.equal(501);
        expect(r.body.toString()).to.include("Unsupported method ('DELETE')");
      }
    },
  },
  {
    name: "a handler writing its own status line and headers to wfile",
    Handler: Raw,
    async check(s) {
      const r = await s.send({ method: "GET", path: "/raw" });
      expect(r.status).to.equal(202);
      expect(r.header("x-raw")).to.equal("yes");
      expect(r.header("content-type")).to.equal("text/plain");
      expect(r.body.toString()).to.equal("raw body\n");
    },
  },
  {
    name: "Expect: 100-continue: the client gets 100 Continue, then the answer",
    Handler: Echo,
    async check(s, host) {
      const r = await s.send({ method: "POST", path: "/echo", body: Buffer.from("late"), expectContinue: true });
      expect(r.status).to.equal(200);
      expect(r.body.toString()).to.equal(`POST ${s.prefix}/echo 4 late`);
      if (!host.name.startsWith("toFetchHandler")) expect(r.sawContinue).to.equal(true);
    },
  },
  {
    name: "8 MiB each way, streamed: every byte arrives",
    Handler: Echo,
    async check(s) {
      const up = Buffer.alloc(BIG);
      for (let i = 0; i < up.length; i += 4096) up.writeUInt32BE(i, i);
      const sent = await s.send({ method: "POST", path: "/sha", body: up });
      expect(sent.body.toString()).to.equal(`${BIG} ${sha256(up)}`);
      const chunked = await s.send({ method: "POST", path: "/sha", body: [up.subarray(0, 3_000_000), up.subarray(3_000_000)] });
      expect(chunked.body.toString()).to.equal(`${BIG} ${sha256(up)}`);
      const down = await s.send({ method: "GET", path: "/big" });
      expect(down.status).to.equal(200);
      expect(down.body.length).to.equal(BIG);
      expect(sha256(down.body)).to.equal(bigDigest());
    },
  },
  {
    name: "SimpleHTTPRequestHandler: a Range request gets 206 and the bytes asked for",
    Handler: "files",
    async check(s) {
      const r = await s.send({ method: "GET", path: "/data.bin", headers: { Range: "bytes=10-19" } });
      expect(r.status).to.equal(206);
      expect(r.header("content-range")).to.equal(`bytes 10-19/${DATA.length}`);
      expect(r.header("content-length")).to.equal("10");
      expect(r.body).to.deep.equal(DATA.subarray(10, 20));
    },
  },
  {
    name: "SimpleHTTPRequestHandler: If-None-Match and If-Modified-Since get 304",
    Handler: "files",
    async check(s) {
      const full = await s.send({ method: "GET", path: "/data.bin" });
      expect(full.status).to.equal(200);
      expect(full.body).to.deep.equal(DATA);
      const etag = full.header("etag");
      const modified = full.header("last-modified");
      expect(etag).to.be.a("string");
      expect(modified).to.be.a("string");
      const byTag = await s.send({ method: "GET", path: "/data.bin", headers: { "If-None-Match": etag! } });
      expect(byTag.status).to.equal(304);
      expect(byTag.body.length).to.equal(0);
      expect(byTag.header("etag")).to.equal(etag);
      const byDate = await s.send({ method: "GET", path: "/data.bin", headers: { "If-Modified-Since": modified! } });
      expect(byDate.status).to.equal(304);
      expect(byDate.body.length).to.equal(0);
    },
  },
];

describe("adapters: one table of exchanges, every host", function () {
  this.timeout(60000);
  const files = filesHandler();
  after(() => files.remove());

  for (const host of hosts) {
    describe(host.name, () => {
      for (const row of rows) {
        it(row.name, async () => {
          const Handler = row.Handler === "files" ? (files.Files as unknown as HandlerClass) : row.Handler;
          const served = await host.serve(Handler);
          try {
            await row.check(served, host);
          } finally {
            await served.close();
          }
        });
      }
    });
  }
});

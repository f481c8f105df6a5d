/**
 * `toRequestListener()` under `node:http2`'s compatibility API: a secure
 * server with `allowHTTP1`, reached by an HTTP/2 client (`http2.connect`)
 * and by an HTTPS/1.1 client on the same port.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http2 from "node:http2";
import * as https from "node:https";
import * as path from "node:path";
import { expect } from "chai";

import { kLogLines } from "../../../../lib/http/server/base-handler.js";
import { toRequestListener } from "../../../../lib/http/server/adapters/request-listener.js";
import type { HandlerClass } from "../../../../lib/http/server/adapters/exchange.js";
import { HOST, tempDir, waitFor, within } from "../../../helpers.js";
import { cutUpload, Echo, MixedHead, portOf, presetHeaders, RawBody, rawBodies } from "./fixtures.js";

/** A response read from an HTTP/2 stream. */
interface H2Res {
  headers: http2.IncomingHttpHeaders;
  body: Buffer;
}

/** One request on `session`; `body` parts are written without a `content-length`. */
function h2(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, body: Buffer[] = []): Promise<H2Res> {
  return within(
    new Promise<H2Res>((resolve, reject) => {
      const stream = session.request(headers, { endStream: body.length === 0 });
      const parts: Buffer[] = [];
      let head: http2.IncomingHttpHeaders = {};
      stream.on("response", (h) => (head = h));
      stream.on("data", (c: Buffer) => parts.push(c));
      stream.on("end", () => resolve({ headers: head, body: Buffer.concat(parts) }));
      stream.on("error", reject);
      for (const part of body) stream.write(part);
      if (body.length > 0) stream.end();
    }),
    10000,
    String(headers[":path"]),
  );
}

describe("adapters: node:http2 compatibility API", function () {
  this.timeout(30000);
  const tmp = tempDir("adapters-h2-");
  let server: http2.Http2SecureServer;
  let port: number;
  let session: http2.ClientHttp2Session;
  const logs: string[] = [];

  before(async () => {
    const r = spawnSync(
      "openssl",
      ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "1", "-keyout", "k.pem", "-out", "c.pem"],
      { cwd: tmp.dir, encoding: "utf8", timeout: 30000 },
    );
    if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
    const key = fs.readFileSync(path.join(tmp.dir, "k.pem"));
    const cert = fs.readFileSync(path.join(tmp.dir, "c.pem"));
    const echo = toRequestListener(Echo as HandlerClass, { server: { [kLogLines]: logs } });
    const mixed = toRequestListener(MixedHead, { server: { [kLogLines]: logs } });
    const rawBody = toRequestListener(RawBody, { server: { [kLogLines]: logs } });
    // `/mixed`: headers set before the handler's, as middleware would.
    server = http2.createSecureServer({ key, cert, allowHTTP1: true }, (req, res) => {
      if (req.url === "/rawbody") return rawBody(req, res);
      if (req.url !== "/mixed") return echo(req, res);
      presetHeaders(res);
      mixed(req, res);
    });
    await within(new Promise<void>((resolve) => server.listen(0, HOST, resolve)), 5000, "listen");
    port = portOf(server);
    session = http2.connect(`https://localhost:${port}`, { rejectUnauthorized: false, host: HOST });
  });

  after(async () => {
    session?.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    tmp.remove();
  });

  it("GET over HTTP/2: status, headers, body; the handler sees an HTTP/1.1 request", async () => {
    const r = await h2(session, { ":method": "GET", ":path": "/hello?a=b" });
    expect(r.headers[":status"]).to.equal(200);
    expect(r.headers["content-type"]).to.equal("text/plain");
    expect(r.headers["content-length"]).to.equal("6");
    expect(r.headers["x-path"]).to.equal("/hello?a=b");
    expect(r.body.toString()).to.equal("hello\n");
    expect(logs.at(-1)).to.match(/"GET \/hello\?a=b HTTP\/1\.1" 200 -\n$/);
  });

  it("HEAD over HTTP/2: the head, no body", async () => {
    const r = await h2(session, { ":method": "HEAD", ":path": "/hello" });
    expect(r.headers[":status"]).to.equal(200);
    expect(r.headers["content-length"]).to.equal("6");
    expect(r.body.length).to.equal(0);
  });

  it("POST over HTTP/2 without content-length: the handler reads it chunked; Set-Cookie kept twice", async () => {
    const r = await h2(session, { ":method": "POST", ":path": "/echo" }, [Buffer.from("abc"), Buffer.from("def")]);
    expect(r.headers[":status"]).to.equal(200);
    expect(r.headers["x-framing"]).to.equal("chunked");
    expect(r.headers["set-cookie"]).to.deep.equal(["a=1", "b=2"]);
    expect(r.body.toString()).to.equal("POST /echo 6 abcdef");
  });

  it("POST over HTTP/2 with content-length: read by length", async () => {
    const r = await h2(session, { ":method": "POST", ":path": "/echo", "content-length": "3" }, [Buffer.from("xyz")]);
    expect(r.headers["x-framing"]).to.equal("length");
    expect(r.body.toString()).to.equal("POST /echo 3 xyz");
  });

  it("a 404 from sendError(), without the connection-specific headers HTTP/2 forbids", async () => {
    const r = await h2(session, { ":method": "GET", ":path": "/missing" });
    expect(r.headers[":status"]).to.equal(404);
    expect(r.headers["connection"]).to.equal(undefined);
    expect(r.body.toString()).to.include("<p>Error code: 404</p>");
  });

  it("GET with END_STREAM on its headers: rfile reads end of input right after the head", async () => {
    const r = await h2(session, { ":method": "GET", ":path": "/empty" });
    expect(r.body.toString()).to.equal("read 0");
  });

  it("headers set before the handler's, over HTTP/2 and HTTPS/1.1: kept unless the handler sends the name (any case); every Set-Cookie of the handler arrives", async () => {
    const r = await h2(session, { ":method": "GET", ":path": "/mixed" });
    const one = await within(
      new Promise<{ headers: http2.IncomingHttpHeaders; text: string }>((resolve, reject) => {
        const req = https.request({ host: HOST, port, path: "/mixed", rejectUnauthorized: false, agent: false }, (res) => {
          let text = "";
          res.setEncoding("utf8").on("data", (d: string) => (text += d));
          res.on("end", () => resolve({ headers: res.headers, text }));
        });
        req.on("error", reject);
        req.end();
      }),
      10000,
      "HTTPS/1.1 GET /mixed",
    );
    for (const [headers, body] of [
      [r.headers, r.body.toString()],
      [one.headers, one.text],
    ] as const) {
      expect(headers["x-mw"]).to.equal("1");
      expect(headers["x-both"]).to.equal("handler");
      expect(headers["content-type"]).to.equal("text/plain");
      expect(headers["set-cookie"]).to.deep.equal(["a=1", "b=2"]);
      expect(headers["constructor"]).to.equal("c");
      expect(body).to.equal("ok");
    }
  });

  it("a body cut off by a reset stream or a dropped session reads as cut off, never as complete", async () => {
    for (const how of ["reset", "drop"] as const) {
      rawBodies.length = 0;
      await cutUpload(port, "/rawbody", Buffer.from("first part"), how);
      await waitFor(() => rawBodies.length === 1, 5000, "the handler's read");
      expect(rawBodies[0], how).to.equal("a\r\nfirst part\r\n");
    }
  });

  it("HTTPS/1.1 on the same port (allowHTTP1)", async () => {
    const body = await within(
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = https.request({ host: HOST, port, path: "/hello", rejectUnauthorized: false, agent: false }, (res) => {
          let text = "";
          res.setEncoding("utf8").on("data", (d: string) => (text += d));
          res.on("end", () => resolve({ status: res.statusCode!, text }));
        });
        req.on("error", reject);
        req.end();
      }),
      10000,
      "HTTPS/1.1 GET",
    );
    expect(body).to.deep.equal({ status: 200, text: "hello\n" });
  });
});

/**
 * `toStreamListener()`: a handler class on `node:http2`'s stream API
 * (`server.on("stream", ...)`), reached by Node's HTTP/2 client and by curl.
 */
import { createHash } from "node:crypto";
import * as http2 from "node:http2";
import { expect } from "chai";

import { kLogLines } from "../../../../lib/http/server/base-handler.js";
import { BaseHTTPRequestHandler } from "../../../../lib/http/server/base-handler.js";
import { makeSelfSignedCertificate } from "../../../../lib/cli/self-signed.js";
import { toStreamListener } from "../../../../lib/http/server/adapters/stream-listener.js";
import type { HandlerClass } from "../../../../lib/http/server/adapters/exchange.js";
import { HOST, run, waitFor, within } from "../../../helpers.js";
import { BIG, bigDigest, cutUpload, DATA, Echo, filesHandler, portOf, Raw, RawBody, rawBodies } from "./fixtures.js";

/** A response read from an HTTP/2 stream: its informational heads too. */
interface H2Res {
  informational: number[];
  headers: http2.IncomingHttpHeaders;
  body: Buffer;
}

/** One request on `session`; `body` parts are written without a `content-length` unless the headers give one. */
function h2(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, body: Buffer[] = []): Promise<H2Res> {
  return within(
    new Promise<H2Res>((resolve, reject) => {
      const stream = session.request(headers, { endStream: body.length === 0 });
      const parts: Buffer[] = [];
      const informational: number[] = [];
      let head: http2.IncomingHttpHeaders = {};
      stream.on("headers", (h) => informational.push(Number(h[":status"])));
      stream.on("response", (h) => (head = h));
      stream.on("data", (c: Buffer) => parts.push(c));
      stream.on("end", () => resolve({ informational, headers: head, body: Buffer.concat(parts) }));
      stream.on("error", reject);
      for (const part of body) stream.write(part);
      if (body.length > 0) stream.end();
    }),
    15000,
    String(headers[":path"]),
  );
}

/** `GET /throw` throws before writing; `GET /half` writes half of a 100-byte body, then throws; `GET /hints` sends 103 first. */
class Failing extends BaseHTTPRequestHandler {
  override protocolVersion = "HTTP/1.1";

  async do_GET(): Promise<void> {
    if (this.path === "/hints") {
      this.sendResponseOnly(103);
      this.sendHeader("Link", "</style.css>; rel=preload; as=style");
      this.endHeaders();
      await this.wfile.flush();
      this.sendResponse(200);
      this.sendHeader("Content-Length", 2);
      this.endHeaders();
      this.wfile.write("ok");
      return;
    }
    if (this.path === "/half") {
      this.sendResponse(200);
      this.sendHeader("Content-Length", 100);
      this.endHeaders();
      this.wfile.write(Buffer.alloc(50, 97));
      await this.wfile.flush();
    }
    throw new Error("handler failed on purpose");
  }
}

/** Reads its body (chunked) and answers with its trailer fields. */
class Trailers extends BaseHTTPRequestHandler {
  override protocolVersion = "HTTP/1.1";

  async do_POST(): Promise<void> {
    const lines: string[] = [];
    for (;;) {
      const size = parseInt((await this.rfile.readline()).toString("latin1"), 16);
      if (!(size > 0)) break;
      await this.rfile.read(size);
      await this.rfile.readline();
    }
    for (;;) {
      const line = (await this.rfile.readline()).toString("latin1");
      if (line.length <= 2) break;
      lines.push(line.trim());
    }
    const out = Buffer.from(lines.join("|"));
    this.sendResponse(200);
    this.sendHeader("Content-Length", out.length);
    this.endHeaders();
    this.wfile.write(out);
  }
}

describe("adapters: node:http2 stream API (toStreamListener)", function () {
  this.timeout(60000);
  const files = filesHandler();
  let server: http2.Http2SecureServer;
  let port: number;
  let session: http2.ClientHttp2Session;
  const logs: string[] = [];
  const errors: unknown[] = [];

  before(async () => {
    const { cert, key } = await makeSelfSignedCertificate();
    const serverObject = { [kLogLines]: logs, handleError: (_r: unknown, _a: unknown, e: unknown) => void errors.push(e) };
    const echo = toStreamListener(Echo as HandlerClass, { server: serverObject });
    // `/files/...`, `/fail/...`, `/raw/...`, `/trailers`: that listener, below its prefix; else Echo.
    const listeners: Record<string, ReturnType<typeof toStreamListener>> = {
      files: toStreamListener(files.Files as unknown as HandlerClass, { directory: files.dir, server: serverObject }),
      fail: toStreamListener(Failing, { server: serverObject }),
      raw: toStreamListener(Raw, { server: serverObject }),
      trailers: toStreamListener(Trailers, { server: serverObject }),
      rawbody: toStreamListener(RawBody, { server: serverObject }),
    };
    server = http2.createSecureServer({ key, cert });
    server.on("stream", (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, flags: number, raw: string[]) => {
      const route = /^\/(\w+)/.exec(headers[":path"] ?? "")?.[1] ?? "";
      const listener = listeners[route];
      if (listener === undefined) return echo(stream, headers, flags, raw);
      const tail = (headers[":path"] ?? "/").slice(route.length + 1) || "/";
      headers[":path"] = tail;
      raw = raw.map((v: string, i: number) => (i % 2 === 1 && raw[i - 1] === ":path" ? tail : v));
      listener(stream, headers, flags, raw);
    });
    await within(new Promise<void>((resolve) => server.listen(0, HOST, resolve)), 5000, "listen");
    port = portOf(server);
    session = http2.connect(`https://localhost:${port}`, { rejectUnauthorized: false, host: HOST });
    session.on("error", () => {});
  });

  after(async () => {
    session?.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    files.remove();
  });

  it("GET: status, headers, body; the handler sees an HTTP/1.1 request with Host from :authority", async () => {
    const r = await h2(session, { ":method": "GET", ":path": "/hello?a=b" });
    expect(r.headers[":status"]).to.equal(200);
    expect(r.headers["content-type"]).to.equal("text/plain");
    expect(r.headers["content-length"]).to.equal("6");
    expect(r.headers["x-path"]).to.equal("/hello?a=b");
    expect(r.body.toString()).to.equal("hello\n");
    expect(logs.at(-1)).to.match(/"GET \/hello\?a=b HTTP\/1\.1" 200 -\n$/);
  });

  it("HEAD: the head with its Content-Length, no body", async () => {
    const r = await h2(session, { ":method": "HEAD", ":path": "/hello" });
    expect(r.headers[":status"]).to.equal(200);
    expect(r.headers["content-length"]).to.equal("6");
    expect(r.body.length).to.equal(0);
  });

  it("POST without content-length is read chunked; with one, by length; Set-Cookie kept twice", async () => {
    const a = await h2(session, { ":method": "POST", ":path": "/echo" }, [Buffer.from("abc"), Buffer.from("def")]);
    expect(a.headers["x-framing"]).to.equal("chunked");
    expect(a.headers["set-cookie"]).to.deep.equal(["a=1", "b=2"]);
    expect(a.body.toString()).to.equal("POST /echo 6 abcdef");
    const b = await h2(session, { ":method": "POST", ":path": "/echo", "content-length": "3" }, [Buffer.from("xyz")]);
    expect(b.headers["x-framing"]).to.equal("length");
    expect(b.body.toString()).to.equal("POST /echo 3 xyz");
  });

  it("an 8 MiB upload and an 8 MiB download arrive whole (back-pressure both ways)", async () => {
    const piece = Buffer.alloc(64 * 1024, 7);
    const parts = Array.from({ length: BIG / piece.length }, () => piece);
    const hash = createHash("sha256");
    for (const p of parts) hash.update(p);
    const up = await h2(session, { ":method": "POST", ":path": "/sha" }, parts);
    expect(up.body.toString()).to.equal(`${BIG} ${hash.digest("hex")}`);
    const down = await h2(session, { ":method": "GET", ":path": "/big" });
    expect(down.body.length).to.equal(BIG);
    expect(createHash("sha256").update(down.body).digest("hex")).to.equal(bigDigest());
  });

  it("trailers of the request reach the handler after the chunked body", async () => {
    const r = await within(
      new Promise<string>((resolve, reject) => {
        const stream = session.request({ ":method": "POST", ":path": "/trailers" }, { waitForTrailers: true });
        stream.on("wantTrailers", () => stream.sendTrailers({ "x-sum": "42" }));
        let text = "";
        stream.setEncoding("utf8").on("data", (d: string) => (text += d));
        stream.on("end", () => resolve(text));
        stream.on("error", reject);
        stream.end("body");
      }),
      10000,
      "trailers",
    );
    expect(r).to.equal("x-sum: 42");
  });

  it("files: a range, a 304, a listing, a 404 without the connection-specific headers HTTP/2 forbids", async () => {
    const range = await h2(session, { ":path": "/files/data.bin", range: "bytes=10-19" });
    expect(range.headers[":status"]).to.equal(206);
    expect(range.body).to.deep.equal(DATA.subarray(10, 20));
    const full = await h2(session, { ":path": "/files/data.bin" });
    const again = await h2(session, { ":path": "/files/data.bin", "if-modified-since": String(full.headers["last-modified"]) });
    expect(again.headers[":status"]).to.equal(304);
    const listing = await h2(session, { ":path": "/files/sub/" });
    expect(listing.body.toString()).to.include('<a href="note.txt">note.txt</a>');
    const missing = await h2(session, { ":path": "/files/nope" });
    expect(missing.headers[":status"]).to.equal(404);
    expect(missing.headers["connection"]).to.equal(undefined);
  });

  it("Expect: 100-continue gets one 100, then the answer", async () => {
    const r = await h2(session, { ":method": "POST", ":path": "/echo", "content-length": "2", expect: "100-continue" }, [Buffer.from("hi")]);
    expect(r.informational).to.deep.equal([100]);
    expect(r.body.toString()).to.equal("POST /echo 2 hi");
  });

  it("a 103 the handler sends goes out as an informational head with its Link", async () => {
    const links: unknown[] = [];
    const r = await within(
      new Promise<H2Res>((resolve, reject) => {
        const stream = session.request({ ":path": "/fail/hints" });
        const parts: Buffer[] = [];
        let head: http2.IncomingHttpHeaders = {};
        stream.on("headers", (h) => links.push(h[":status"], h["link"]));
        stream.on("response", (h) => (head = h));
        stream.on("data", (c: Buffer) => parts.push(c));
        stream.on("end", () => resolve({ informational: [], headers: head, body: Buffer.concat(parts) }));
        stream.on("error", reject);
      }),
      10000,
      "hints",
    );
    expect(links).to.deep.equal([103, "</style.css>; rel=preload; as=style"]);
    expect(r.body.toString()).to.equal("ok");
  });

  it("a handler that writes its own status line: its status and body", async () => {
    const r = await h2(session, { ":path": "/raw/" });
    expect(r.headers[":status"]).to.equal(202);
    expect(r.headers["x-raw"]).to.equal("yes");
    expect(r.body.toString()).to.equal("raw body\n");
  });

  it("a handler that throws: 500 before the head; a reset stream after part of the body; both reported", async () => {
    const before = errors.length;
    const r = await h2(session, { ":path": "/fail/throw" });
    expect(r.headers[":status"]).to.equal(500);
    expect(r.body.toString()).to.include("Error code: 500");
    const cut = await h2(session, { ":path": "/fail/half" }).then(
      () => "complete",
      (err: Error & { code?: string }) => err.code,
    );
    expect(cut).to.equal("ERR_HTTP2_STREAM_ERROR");
    expect(errors.length - before).to.equal(2);
    // The session survives.
    expect((await h2(session, { ":path": "/hello" })).body.toString()).to.equal("hello\n");
  });

  it("a client that resets the stream mid-download: the handler stops, the server carries on", async () => {
    await within(
      new Promise<void>((resolve, reject) => {
        const stream = session.request({ ":path": "/big" });
        let got = 0;
        stream.on("data", (c: Buffer) => {
          got += c.length;
          if (got > 256 * 1024) stream.close(http2.constants.NGHTTP2_CANCEL);
        });
        stream.on("close", () => resolve());
        stream.on("error", reject);
      }),
      10000,
      "reset",
    );
    expect((await h2(session, { ":path": "/hello" })).body.toString()).to.equal("hello\n");
  });

  it("a body cut off by a reset stream or a dropped session reads as cut off, never as complete", async () => {
    for (const how of ["reset", "drop"] as const) {
      rawBodies.length = 0;
      await cutUpload(port, "/rawbody/", Buffer.from("first part"), how);
      await waitFor(() => rawBodies.length === 1, 5000, "the handler's read");
      // Framed chunked (no content-length), and no last chunk: not a complete body.
      expect(rawBodies[0], how).to.equal("a\r\nfirst part\r\n");
      rawBodies.length = 0;
      await cutUpload(port, "/rawbody/", Buffer.from("first part"), how, [["content-length", "100"]]);
      await waitFor(() => rawBodies.length === 1, 5000, "the handler's read");
      expect(rawBodies[0], how).to.equal("first part");
    }
  });

  it("curl negotiates HTTP/2 and gets the file", async () => {
    const r = await run("curl", ["-sk", "--http2", "-o", "-", "-w", "\n%{http_version}", `https://${HOST}:${port}/hello`]);
    expect(r.stdout).to.equal("hello\n\n2");
  });
});

/**
 * The HTTP examples (examples/http), run for real on 127.0.0.1: each script
 * in a child process, as a reader of the docs would start it (port 0, then
 * the port it prints), and its exported classes in this process for the
 * details. handler-test.ts is run both ways too. Every wait is bounded and
 * every server and child process is stopped, also when a test fails.
 */
import { expect } from "chai";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as tls from "node:tls";
import { fileURLToPath } from "node:url";
import {
  BaseHTTPRequestHandler,
  ThreadingHTTPServer,
  parseResponses,
  type HTTPServer,
  type ParsedResponse,
  type RequestHandlerClass,
} from "http.server";
import { FormHandler } from "../../examples/http/form.js";
import { checks, runChecks } from "../../examples/http/handler-test.js";
import { HelloHandler, nameFromPath } from "../../examples/http/hello.js";
import { JSONAPIHandler, JSONAPIServer } from "../../examples/http/json-api.js";
import { SiteHandler, SITE_DIR as SIMPLE_SITE_DIR } from "../../examples/http/simple-server.js";
import { CONTENT_TYPES, SITE_DIR, StaticSiteHandler } from "../../examples/http/static-site.js";
import { formatHelp } from "../../lib/cli/cli.js";
import { HOST, within } from "../helpers.js";
import { collect, type ScriptResult } from "./clients.js";

const here = path.dirname(fileURLToPath(import.meta.url));
/** Compiled examples: dist/examples/http. */
const SCRIPTS = path.resolve(here, "../../examples/http");
/** The repository (this file runs from dist/spec/examples). */
const REPO = path.resolve(here, "../../..");
/** The example site's sources (examples/http/www in the repository). */
const SITE_SOURCE = path.join(REPO, "examples/http/www");

// ---------------------------------------------------------------------------
// Example scripts in child processes

type Finished = ScriptResult;

interface RunningScript {
  port: number;
  child: ChildProcess;
  /** What the script wrote to stderr so far (its log lines). */
  stderr(): string;
  /** Send `signal` and wait for the exit (SIGKILL after 5 s). */
  stop(signal?: NodeJS.Signals): Promise<Finished>;
}

/**
 * Start `dist/examples/http/<script>` with `args` and wait for its start-up
 * line (`Serving HTTP on 127.0.0.1 port N ...`).
 */
async function startScript(script: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunningScript> {
  const child = spawn(process.execPath, [path.join(SCRIPTS, script), ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const out = collect(child);
  const exited = out.exited;
  const stop = async (signal: NodeJS.Signals = "SIGINT"): Promise<Finished> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const killer = setTimeout(() => child.kill("SIGKILL"), 5000);
    try {
      return await exited;
    } finally {
      clearTimeout(killer);
    }
  };
  const banner = new Promise<number>((resolve, reject) => {
    const look = (): void => {
      const m = /^Serving HTTPS? on 127\.0\.0\.1 port (\d+) \(https?:\/\/127\.0\.0\.1:\1\/\) \.\.\.$/m.exec(out.stdout());
      if (m) resolve(Number(m[1]));
    };
    child.stdout!.on("data", look);
    void exited.then((f) => reject(new Error(`${script} exited (${f.code ?? f.signal}) before serving:\n${f.stderr}`)));
  });
  try {
    const port = await within(banner, 10000, `${script} to print its start-up line`);
    return { port, child, stderr: out.stderr, stop };
  } catch (err) {
    await stop("SIGKILL");
    throw err;
  }
}

/** Run `dist/examples/http/<script>` to its end. */
async function runScript(script: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Finished> {
  const child = spawn(process.execPath, [path.join(SCRIPTS, script), ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const { exited } = collect(child);
  const killer = setTimeout(() => child.kill("SIGKILL"), 15000);
  try {
    return await exited;
  } finally {
    clearTimeout(killer);
  }
}

// ---------------------------------------------------------------------------
// Clients

interface Reply {
  status: number;
  reason: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
  /** The server's protocol version, e.g. `1.0`. */
  version: string;
}

interface RequestOptions {
  method?: string;
  headers?: Record<string, string | number>;
  body?: string | Buffer;
  /** Use TLS (implied by `ca`). */
  tls?: boolean;
  /** TLS: the certificate to trust. */
  ca?: Buffer;
}

/** One request on a fresh connection (no agent, so nothing stays open). */
function request(port: number, target: string, options: RequestOptions = {}): Promise<Reply> {
  const done = new Promise<Reply>((resolve, reject) => {
    const secure = options.tls === true || options.ca !== undefined;
    const lib = secure ? https : http;
    const req = lib.request(
      {
        host: HOST,
        port,
        path: target,
        method: options.method ?? "GET",
        headers: options.headers,
        agent: false,
        ...(secure ? { ca: options.ca, servername: "localhost" } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const body = Buffer.concat(chunks);
          resolve({
            status: res.statusCode!,
            reason: res.statusMessage!,
            headers: res.headers,
            body,
            text: body.toString("utf8"),
            version: res.httpVersion,
          });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
  return within(done, 5000, `${options.method ?? "GET"} ${target}`);
}

/** Send raw bytes, read until the server closes, and split what came back into responses. */
function exchange(port: number, data: string, head = false): Promise<ParsedResponse[]> {
  const done = new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const sock = net.connect({ host: HOST, port }, () => sock.write(data, "latin1"));
    sock.on("data", (c: Buffer) => chunks.push(c));
    sock.on("end", () => resolve(Buffer.concat(chunks)));
    sock.on("error", reject);
    setTimeout(() => sock.destroy(), 5000).unref();
  });
  return within(done, 5000, "a raw exchange").then((raw) => parseResponses(raw, { head }));
}

// ---------------------------------------------------------------------------
// Example classes in this process

/** Start `server` looping; returns its port and a function that stops and closes it. */
async function serve(server: HTTPServer): Promise<{ port: number; close: () => Promise<void> }> {
  await within(server.ready, 5000, "the server to bind");
  const loop = server.serveForever(0.05);
  return {
    port: (server.serverAddress as [string, number])[1],
    close: async () => {
      await within(server.shutdown(), 5000, "shutdown()");
      await within(loop, 5000, "serveForever() to settle");
      await within(server.serverClose(), 10000, "serverClose()");
    },
  };
}

/** Run `test` against a ThreadingHTTPServer of `Handler` on a free port; always closes it. */
async function withServer(Handler: RequestHandlerClass, test: (port: number) => Promise<void>): Promise<void> {
  const { port, close } = await serve(new ThreadingHTTPServer([HOST, 0], Handler));
  try {
    await test(port);
  } finally {
    await close();
  }
}

/** What the handlers made by {@link quiet} logged, instead of writing it to stderr. */
const logged: string[] = [];

/** A subclass of `Base` whose log lines go to {@link logged}. */
function quiet(Base: typeof BaseHTTPRequestHandler): RequestHandlerClass {
  return class Quiet extends Base {
    override logMessage(format: string, ...args: unknown[]): void {
      logged.push(`${format} | ${args.map(String).join(" | ")}`);
    }
  };
}

// ---------------------------------------------------------------------------

describe("examples/http", function () {
  this.timeout(30000);

  describe("hello.ts", function () {
    it("the script greets the name in the path, logs each request and stops on SIGINT", async () => {
      const script = await startScript("hello.js", ["0"]);
      let finished: Finished | undefined;
      try {
        const named = await request(script.port, "/yourname");
        expect(named.status).to.equal(200);
        expect(named.version).to.equal("1.0");
        expect(named.headers["content-type"]).to.equal("text/plain; charset=utf-8");
        expect(named.headers["content-length"]).to.equal(String(named.body.length));
        expect(named.text).to.equal("Hello, yourname!\n");
        expect((await request(script.port, "/")).text).to.equal("Hello, world!\n");
      } finally {
        finished = await script.stop("SIGINT");
      }
      expect(finished.code, finished.stderr).to.equal(0);
      expect(finished.stderr).to.match(/^127\.0\.0\.1 - - \[[^\]]+\] "GET \/yourname HTTP\/1\.1" 200 -$/m);
      expect(finished.stderr).to.match(/"GET \/ HTTP\/1\.1" 200 -$/m);
    });

    it("also stops cleanly on SIGTERM, closing a kept-open connection", async () => {
      const script = await startScript("hello.js", ["0"]);
      const sock = net.connect({ host: HOST, port: script.port });
      await within(new Promise((resolve) => sock.once("connect", resolve)), 5000, "connect");
      const closed = new Promise((resolve) => sock.once("close", resolve));
      sock.on("error", () => undefined);
      const finished = await script.stop("SIGTERM");
      expect(finished.code, finished.stderr).to.equal(0);
      await within(closed, 5000, "the idle connection to be closed");
    });

    it("HelloHandler decodes the path and ignores the query", async () => {
      await withServer(quiet(HelloHandler), async (port) => {
        expect((await request(port, "/Ada%20Lovelace?lang=en")).text).to.equal("Hello, Ada Lovelace!\n");
        expect((await request(port, "/%C3%89mile")).text).to.equal("Hello, Émile!\n");
        expect((await request(port, "/100%zz")).text).to.equal("Hello, 100%zz!\n");
      });
      expect(nameFromPath("/a/b#frag")).to.equal("a/b");
      expect(logged).to.include('"%s" %s %s | GET /Ada%20Lovelace?lang=en HTTP/1.1 | 200 | -');
    });
  });

  describe("form.ts", function () {
    it("the script shows the form and greets the posted name, escaped", async () => {
      const script = await startScript("form.js", ["0"]);
      let finished: Finished | undefined;
      try {
        const page = await request(script.port, "/");
        expect(page.status).to.equal(200);
        expect(page.text).to.match(/<form method="post" action="\/">/);
        expect(page.text).to.include('<input name="name"');
        const posted = await request(script.port, "/", {
          method: "POST",
          headers: { "Content-Type": "application/x-www-form-urlencoded" },
          body: "name=Ada+Lovelace%21+%3Cscript%3E&other=1",
        });
        expect(posted.status).to.equal(200);
        expect(posted.headers["content-type"]).to.equal("text/html; charset=utf-8");
        expect(posted.text).to.include("<p>Hello, Ada Lovelace! &#60;script&#62;!</p>");
        const empty = await request(script.port, "/", {
          method: "POST",
          headers: { "Content-Type": "application/x-www-form-urlencoded" },
          body: "",
        });
        expect(empty.text).to.include("<p>Hello, stranger!</p>");
      } finally {
        finished = await script.stop();
      }
      expect(finished.code, finished.stderr).to.equal(0);
      expect(finished.stderr).to.match(/"POST \/ HTTP\/1\.1" 200 -$/m);
    });

    it("FormHandler refuses what it cannot read: 404, 411, 413, 415", async () => {
      await withServer(quiet(FormHandler), async (port) => {
        expect((await request(port, "/elsewhere")).status).to.equal(404);
        const json = await request(port, "/", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
        expect(json.status).to.equal(415);
        expect(json.reason).to.equal("Send the form as application/x-www-form-urlencoded");
        const [noLength] = await exchange(port, "POST / HTTP/1.0\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n");
        expect(noLength!.status).to.equal(411);
        const [tooBig] = await exchange(
          port,
          "POST / HTTP/1.0\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 65537\r\n\r\nname=x",
        );
        expect(tooBig!.status).to.equal(413);
        // Exactly at the limit is fine.
        const body = "name=" + "x".repeat(64 * 1024 - 5);
        const atLimit = await request(port, "/", {
          method: "POST",
          headers: { "Content-Type": "application/x-www-form-urlencoded" },
          body,
        });
        expect(atLimit.status).to.equal(200);
        expect(atLimit.text).to.include("x".repeat(1000));
      });
    });
  });

  describe("json-api.ts", function () {
    it("the script creates, lists and returns items, with JSON errors", async () => {
      const script = await startScript("json-api.js", ["0"]);
      let finished: Finished | undefined;
      try {
        const empty = await request(script.port, "/items");
        expect(empty.version).to.equal("1.1");
        expect(empty.headers["content-type"]).to.equal("application/json");
        expect(JSON.parse(empty.text)).to.deep.equal([]);
        const post = (body: string, type = "application/json"): Promise<Reply> =>
          request(script.port, "/items", { method: "POST", headers: { "Content-Type": type }, body });
        const created = await post(JSON.stringify({ name: " tea " }));
        expect(created.status).to.equal(201);
        expect(created.headers.location).to.equal("/items/1");
        expect(JSON.parse(created.text)).to.deep.equal({ id: 1, name: "tea" });
        expect((await post(JSON.stringify({ name: "coffee" }))).headers.location).to.equal("/items/2");
        expect(JSON.parse((await request(script.port, "/items")).text)).to.deep.equal([
          { id: 1, name: "tea" },
          { id: 2, name: "coffee" },
        ]);
        expect(JSON.parse((await request(script.port, "/items/2")).text)).to.deep.equal({ id: 2, name: "coffee" });

        const missing = await request(script.port, "/items/99");
        expect(missing.status).to.equal(404);
        expect(JSON.parse(missing.text)).to.deep.equal({ error: { code: 404, message: "nothing at /items/99" } });
        const badJson = await post("{not json");
        expect(badJson.status).to.equal(400);
        expect(JSON.parse(badJson.text).error.message).to.equal("the body is not valid JSON");
        const noName = await post(JSON.stringify({ name: 3 }));
        expect(noName.status).to.equal(400);
        expect(JSON.parse(noName.text).error.message).to.equal('the body needs a non-empty "name" string');
        expect((await post("null")).status).to.equal(400);
        expect((await post("name=tea", "application/x-www-form-urlencoded")).status).to.equal(415);
        expect((await request(script.port, "/other", { method: "POST", body: "{}" })).status).to.equal(404);
      } finally {
        finished = await script.stop();
      }
      expect(finished.code, finished.stderr).to.equal(0);
      expect(finished.stderr).to.match(/"POST \/items HTTP\/1\.1" 201 -$/m);
    });

    it("keeps the connection open across pipelined requests, even when a body is left unread", async () => {
      const server = new JSONAPIServer([HOST, 0], quiet(JSONAPIHandler));
      const { port, close } = await serve(server);
      try {
        const body = JSON.stringify({ name: "milk" });
        const responses = await exchange(
          port,
          // 415: the handler leaves this body unread; the engine drops it, so it is not taken for a request.
          `POST /items HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\nGET /oops` +
            `POST /items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}` +
            "GET /items/1 HTTP/1.1\r\nHost: x\r\n\r\n" +
            "GET /items HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        );
        expect(responses.map((r) => r.status)).to.deep.equal([415, 201, 200, 200]);
        expect(responses.every((r) => r.version === "HTTP/1.1")).to.equal(true);
        expect(JSON.parse(responses[3]!.text)).to.deep.equal([{ id: 1, name: "milk" }]);
        expect(server.store.list()).to.deep.equal([{ id: 1, name: "milk" }]);
        // No Content-Length on a POST: 411, and the connection stays usable.
        const [noLength, after] = await exchange(
          port,
          "POST /items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\r\nGET /items/1 HTTP/1.1\r\nConnection: close\r\n\r\n",
        );
        expect(noLength!.status).to.equal(411);
        expect(JSON.parse(after!.text)).to.deep.equal({ id: 1, name: "milk" });
      } finally {
        await close();
      }
    });
  });

  describe("static-site.ts", function () {
    it("the script serves the site with its own content types", async () => {
      const script = await startScript("static-site.js", ["0"]);
      let finished: Finished | undefined;
      try {
        const index = await request(script.port, "/");
        expect(index.status).to.equal(200);
        expect(index.headers.server).to.match(/^StaticSite\/1\.0 Node\.js\//);
        expect(index.headers["content-type"]).to.equal("text/html; charset=utf-8");
        expect(index.body.equals(fs.readFileSync(path.join(SITE_SOURCE, "index.html")))).to.equal(true);
        for (const [file, type] of [
          ["/style.css", "text/css; charset=utf-8"],
          ["/logo.svg", "image/svg+xml"],
          ["/notes.txt", "text/plain; charset=utf-8"],
          ["/about/index.html", "text/html; charset=utf-8"],
        ] as const) {
          const r = await request(script.port, file);
          expect(r.status, file).to.equal(200);
          expect(r.headers["content-type"], file).to.equal(type);
          expect(r.body.equals(fs.readFileSync(path.join(SITE_SOURCE, file))), file).to.equal(true);
        }
        const folder = await request(script.port, "/about?x=1");
        expect(folder.status).to.equal(301);
        expect(folder.headers.location).to.equal("/about/");
        expect((await request(script.port, "/about/")).text).to.include("<h1>About</h1>");
        expect((await request(script.port, "/missing.html")).status).to.equal(404);
      } finally {
        finished = await script.stop();
      }
      expect(finished.code, finished.stderr).to.equal(0);
    });

    it("serves another folder given on the command line, and refuses to climb out of it", async () => {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), "static-site-"));
      const inner = path.join(root, "public");
      fs.mkdirSync(inner);
      fs.writeFileSync(path.join(inner, "index.html"), "<p>inner</p>\n");
      fs.writeFileSync(path.join(inner, "data.bin"), Buffer.from([0, 1, 2]));
      fs.writeFileSync(path.join(root, "secret.txt"), "secret\n");
      const script = await startScript("static-site.js", ["0", inner]);
      try {
        expect((await request(script.port, "/")).text).to.equal("<p>inner</p>\n");
        expect((await request(script.port, "/data.bin")).headers["content-type"]).to.equal("application/octet-stream");
        for (const target of ["/../secret.txt", "/%2e%2e/secret.txt", "/a/..%2f..%2fsecret.txt", "/..%5csecret.txt"]) {
          const [r] = await exchange(script.port, `GET ${target} HTTP/1.0\r\n\r\n`);
          expect(r!.status, target).to.equal(403);
          expect(r!.text, target).not.to.include("secret");
        }
        const [nul] = await exchange(script.port, "GET /index.html%00.txt HTTP/1.0\r\n\r\n");
        expect(nul!.status).to.equal(403);
        const [bad] = await exchange(script.port, "GET /%E0%A4%A HTTP/1.0\r\n\r\n");
        expect(bad!.status).to.equal(400);
      } finally {
        const finished = await script.stop();
        fs.rmSync(root, { recursive: true, force: true });
        expect(finished.code, finished.stderr).to.equal(0);
      }
    });

    it("StaticSiteHandler answers HEAD with GET's headers and no body", async () => {
      await withServer(quiet(StaticSiteHandler), async (port) => {
        const [head] = await exchange(port, "HEAD /style.css HTTP/1.0\r\n\r\n", true);
        expect(head!.status).to.equal(200);
        expect(head!.header("Content-Length")).to.equal(String(fs.statSync(path.join(SITE_DIR, "style.css")).size));
        expect(head!.body.length).to.equal(0);
      });
      expect(CONTENT_TYPES[".html"]).to.equal("text/html; charset=utf-8");
    });
  });

  describe("simple-server.ts", function () {
    it("the script serves the same site through SimpleHTTPRequestHandler", async () => {
      expect(fs.realpathSync(SIMPLE_SITE_DIR)).to.equal(fs.realpathSync(SITE_DIR));
      const script = await startScript("simple-server.js", ["0"]);
      let finished: Finished | undefined;
      try {
        const index = await request(script.port, "/");
        expect(index.status).to.equal(200);
        expect(index.headers.server).to.match(/^SimpleHTTP\/0\.6 Node\.js\//);
        expect(index.headers["content-type"]).to.equal("text/html");
        expect(index.body.equals(fs.readFileSync(path.join(SITE_SOURCE, "index.html")))).to.equal(true);
        expect((await request(script.port, "/style.css")).headers["content-type"]).to.equal("text/css");
        expect((await request(script.port, "/logo.svg")).headers["content-type"]).to.equal("image/svg+xml");
        const folder = await request(script.port, "/about?x=1");
        expect(folder.status).to.equal(301);
        expect(folder.headers.location).to.equal("/about/?x=1");
        const missing = await request(script.port, "/missing.html");
        expect(missing.status).to.equal(404);
        expect(missing.text).to.include("<p>Message: File not found.</p>");
        const range = await request(script.port, "/notes.txt", { headers: { Range: "bytes=0-4" } });
        expect(range.status).to.equal(206);
        expect(range.text).to.equal("Plain");
        const [escape] = await exchange(script.port, "GET /../../package.json HTTP/1.0\r\n\r\n");
        expect(escape!.status).to.equal(404);
      } finally {
        finished = await script.stop();
      }
      expect(finished.code, finished.stderr).to.equal(0);
      expect(finished.stderr).to.match(/code 404, message File not found$/m);
    });

    it("a subclass of SiteHandler can serve another folder, with a listing where there is no index page", async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "simple-site-"));
      fs.writeFileSync(path.join(dir, "a.txt"), "a");
      class Listing extends SiteHandler {
        override directory = dir;
      }
      try {
        await withServer(quiet(Listing), async (port) => {
          const r = await request(port, "/");
          expect(r.headers["content-type"]).to.equal("text/html; charset=utf-8");
          expect(r.text).to.include('<li><a href="a.txt">a.txt</a></li>');
        });
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe("https-server.ts", function () {
    let dir = "";
    let cert = "";
    let key = "";

    before(function () {
      this.timeout(60000);
      const which = spawnSync("openssl", ["version"], { encoding: "utf8" });
      if (which.error || which.status !== 0) throw new Error("openssl is needed to make the example's certificate");
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "https-example-"));
      cert = path.join(dir, "cert.pem");
      key = path.join(dir, "key.pem");
      const r = spawnSync(
        "openssl",
        [
          "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
          "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", key, "-out", cert,
        ],
        { encoding: "utf8", timeout: 30000 },
      );
      if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
    });

    after(() => {
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("the script serves HTTPS with the certificate from its arguments", async () => {
      const script = await startScript("https-server.js", ["0", cert, key]);
      let finished: Finished | undefined;
      try {
        const r = await request(script.port, "/", { ca: fs.readFileSync(cert) });
        expect(r.status).to.equal(200);
        expect(r.version).to.equal("1.1");
        expect(r.text).to.match(/^Hello over TLSv1\.[23] \(ALPN: (?:http\/1\.1|none)\)!\n$/);
        expect(r.headers["strict-transport-security"]).to.equal("max-age=300");
        // A client that does not trust the certificate is refused by TLS, not by HTTP.
        let refused: NodeJS.ErrnoException | null = null;
        await request(script.port, "/", { tls: true }).catch((err: NodeJS.ErrnoException) => (refused = err));
        expect(refused).to.be.instanceOf(Error);
        expect(refused!.code).to.match(/SELF_SIGNED/);
      } finally {
        finished = await script.stop();
      }
      expect(finished.code, finished.stderr).to.equal(0);
      expect(finished.stderr).to.match(/"GET \/ HTTP\/1\.1" 200 -$/m);
    });

    it("the script takes the certificate from TLS_CERT / TLS_KEY, and picks http/1.1 by ALPN over h2", async () => {
      const script = await startScript("https-server.js", ["0"], { TLS_CERT: cert, TLS_KEY: key });
      try {
        const alpn = await within(
          new Promise<string | false | null>((resolve, reject) => {
            const sock = tls.connect(
              { host: HOST, port: script.port, ca: fs.readFileSync(cert), servername: "localhost", ALPNProtocols: ["h2", "http/1.1"] },
              () => {
                resolve(sock.alpnProtocol);
                sock.end();
              },
            );
            sock.on("error", reject);
          }),
          5000,
          "the TLS handshake",
        );
        expect(alpn).to.equal("http/1.1");
      } finally {
        const finished = await script.stop("SIGTERM");
        expect(finished.code, finished.stderr).to.equal(0);
      }
    });

    it("the script explains its usage without a certificate", async () => {
      const env = { TLS_CERT: "", TLS_KEY: "" };
      const r = await runScript("https-server.js", ["0"], env);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.match(/^usage: https-server\.js/);
    });
  });

  describe("handler-test.ts", function () {
    for (const [name, check] of Object.entries(checks)) {
      it(name, check);
    }

    it("runChecks reports every check, and a failing one", async () => {
      const lines: string[] = [];
      expect(await runChecks((l) => lines.push(l))).to.equal(0);
      expect(lines).to.have.length(Object.keys(checks).length);
      expect(lines.every((l) => l.startsWith("ok - "))).to.equal(true);
      checks["a deliberately failing check"] = async () => {
        throw new Error("boom\nsecond line");
      };
      try {
        lines.length = 0;
        expect(await runChecks((l) => lines.push(l))).to.equal(1);
        expect(lines.at(-1)).to.equal("not ok - a deliberately failing check\n  boom\n  second line");
      } finally {
        delete checks["a deliberately failing check"];
      }
    });

    it("the script runs the checks and exits 0", async () => {
      const r = await runScript("handler-test.js");
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      expect(r.stdout.trim().split("\n")).to.have.length(Object.keys(checks).length);
      expect(r.stdout).not.to.include("not ok");
    });
  });

  describe("docs/http.server.md", function () {
    const doc = fs.readFileSync(path.join(REPO, "docs/http.server.md"), "utf8");

    it("shows the examples exactly as they are in examples/", () => {
      const blocks = [...doc.matchAll(/<!-- example: (\S+) -->\n```ts\n([\s\S]*?)\n```/g)];
      expect(blocks.length).to.be.greaterThan(8);
      const shown = new Set<string>();
      for (const [, file, code] of blocks) {
        const source = fs.readFileSync(path.join(REPO, file!), "utf8");
        expect(source.includes(code! + "\n"), `a block from ${file} no longer matches the file`).to.equal(true);
        shown.add(file!);
      }
      for (const name of ["hello", "form", "json-api", "static-site", "simple-server", "https-server", "handler-test"]) {
        expect(shown.has(`examples/http/${name}.ts`), name).to.equal(true);
      }
    });

    it("prints the command line's real --help text", () => {
      const help = /```text\n(usage: http\.server [\s\S]*?)\n```/.exec(doc);
      expect(help, "the --help block").not.to.equal(null);
      expect(help![1] + "\n").to.equal(formatHelp(80));
    });
  });
});

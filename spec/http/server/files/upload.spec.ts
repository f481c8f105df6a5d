/**
 * Uploads (`--upload`) on a real server on 127.0.0.1, with curl, Python's
 * urllib and Node's fetch: PUT and multipart POST land on disk whole, under
 * the serving path rules; refusals (400, 403, 404, 409, 411, 413) and
 * interrupted uploads leave nothing behind; the listing page gains its form
 * only while uploads are on.
 */
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { expect } from "chai";

import { ThreadingHTTPServer } from "../../../../lib/http/server/http-server.js";
import { SimpleHTTPRequestHandler } from "../../../../lib/http/server/files/simple-handler.js";
import { CGIHTTPRequestHandler } from "../../../../lib/http/server/cgi/cgi-handler.js";
import { UPLOAD_FORM, withUploads, type UploadSettings } from "../../../../lib/http/server/files/upload.js";
import type { RequestHandlerClass } from "../../../../lib/socketserver/base-server.js";
import { HOST, exchange, latin1, run, tempDir, waitFor, within } from "../../../helpers.js";
import { SH, serveLogged, writeScript, type Logged } from "../helpers.js";

type Options = Partial<UploadSettings> & { hideDotfiles?: boolean; Base?: typeof SimpleHTTPRequestHandler; plain?: boolean };

/** Status code and body of a curl run (`-w` appends the code on its own line). */
async function curl(args: string[]): Promise<{ code: number; body: string; stderr: string }> {
  const r = await run("curl", ["-s", "-m", "10", "-w", "\n%{http_code}", ...args]);
  const nl = r.stdout.lastIndexOf("\n");
  return { code: Number(r.stdout.slice(nl + 1)), body: r.stdout.slice(0, nl), stderr: r.stderr };
}

describe("uploads (--upload)", function () {
  this.timeout(30000);
  let root: { dir: string; remove: () => void };
  let outside: { dir: string; remove: () => void };
  let scratch: { dir: string; remove: () => void };
  let site: string;
  let srv: Logged<ThreadingHTTPServer> | null = null;

  async function start(options: Options = {}): Promise<string> {
    const dir = site;
    const Base = options.Base ?? SimpleHTTPRequestHandler;
    class Site extends Base {
      constructor(request: unknown, clientAddress: unknown, server: never) {
        super(request, clientAddress, server, { directory: dir });
      }
    }
    if (options.hideDotfiles) Site.prototype.hideDotfiles = true;
    const Handler = options.plain
      ? Site
      : withUploads(Site, { maxUpload: options.maxUpload ?? 1 << 20, overwrite: options.overwrite ?? false, credentialed: options.credentialed });
    srv = await serveLogged(ThreadingHTTPServer, Handler as unknown as RequestHandlerClass);
    return `http://${HOST}:${srv.port}`;
  }

  /** A file outside the site holding `data`, for curl -T (which sends a Content-Length for a file). */
  function bodyFile(data: string): string {
    const file = path.join(scratch.dir, `body-${++bodies}`);
    fs.writeFileSync(file, data);
    return file;
  }
  let bodies = 0;

  /** Every name in the site, recursively (temporary files included). */
  function names(): string[] {
    return (fs.readdirSync(site, { recursive: true }) as string[]).sort();
  }

  beforeEach(() => {
    root = tempDir("upload-");
    outside = tempDir("upload-outside-");
    scratch = tempDir("upload-bodies-");
    site = fs.realpathSync(root.dir);
    fs.writeFileSync(path.join(site, "old.txt"), "old\n");
    fs.mkdirSync(path.join(site, "sub"));
    fs.symlinkSync(outside.dir, path.join(site, "out"));
  });
  afterEach(async () => {
    await srv?.close();
    srv = null;
    root.remove();
    outside.remove();
    scratch.remove();
  });

  describe("PUT", () => {
    it("stores the body (curl -T): 201 with Location; a second PUT is 409; the file is whole", async () => {
      const base = await start();
      const data = "x".repeat(300_000) + "end\n";
      const r = await run("curl", ["-s", "-i", "-m", "10", "-T", bodyFile(data), `${base}/sub/new%20file.txt`]);
      expect(r.stdout).to.match(/^HTTP\/1\.[01] 201 Created\r\n/);
      expect(r.stdout).to.include("\r\nLocation: /sub/new%20file.txt\r\n");
      expect(fs.readFileSync(path.join(site, "sub", "new file.txt"), "utf8")).to.equal(data);
      const again = await curl(["-T", bodyFile("other"), `${base}/sub/new%20file.txt`]);
      expect(again.code).to.equal(409);
      expect(again.body).to.include("--overwrite");
      expect(fs.readFileSync(path.join(site, "sub", "new file.txt"), "utf8")).to.equal(data);
      expect(names().filter((n) => n.endsWith(".part"))).to.deep.equal([]);
    });

    it("replaces a file with overwrite (204); Python's urllib PUT works too", async () => {
      const base = await start({ overwrite: true });
      const script = [
        "import sys, urllib.request",
        "req = urllib.request.Request(sys.argv[1], data=b'new contents\\n', method='PUT')",
        "print(urllib.request.urlopen(req).status)",
      ].join("\n");
      const r = await run("python3", ["-c", script, `${base}/old.txt`]);
      expect(r.stdout.trim(), r.stderr).to.equal("204");
      expect(fs.readFileSync(path.join(site, "old.txt"), "utf8")).to.equal("new contents\n");
    });

    it("refuses, leaving nothing: .. (400), a folder name (400, 409), a missing folder (409), a link out (403), a dot name when hidden (403), no length (411), another coding (400)", async () => {
      const base = await start({ hideDotfiles: true });
      const before = names();
      expect((await curl(["--path-as-is", "-T", bodyFile("a"), `${base}/sub/../../x.txt`])).code).to.equal(400);
      expect((await curl(["-T", bodyFile("a"), `${base}/sub/%2e%2e/x.txt`])).code).to.equal(400);
      expect((await curl(["-X", "PUT", "--data-binary", `@${bodyFile("a")}`, `${base}/sub/`])).code).to.equal(400);
      expect((await curl(["-T", bodyFile("a"), `${base}/sub`])).code).to.equal(409);
      expect((await curl(["-T", bodyFile("a"), `${base}/nowhere/x.txt`])).code).to.equal(409);
      expect((await curl(["-T", bodyFile("a"), `${base}/out/x.txt`])).code).to.equal(403);
      expect((await curl(["-T", bodyFile("a"), `${base}/.env`])).code).to.equal(403);
      // Neither Content-Length nor chunked.
      const port = Number(new URL(base).port);
      expect(latin1(await exchange(port, "PUT /c.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"))).to.match(/^HTTP\/1\.0 411 /);
      expect(latin1(await exchange(port, "PUT /c.txt HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: gzip\r\n\r\n"))).to.match(/^HTTP\/1\.0 400 /);
      expect(names()).to.deep.equal(before);
      expect(fs.readdirSync(outside.dir)).to.deep.equal([]);
    });

    it("takes chunked bodies (curl -T - from standard input, fetch with a stream), refusing bad or oversized ones", async () => {
      const base = await start({ maxUpload: 100_000 });
      const piped = await run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-T", "-", `${base}/piped.txt`], 15000, "from a pipe\n");
      expect(piped.stdout).to.equal("201");
      expect(fs.readFileSync(path.join(site, "piped.txt"), "utf8")).to.equal("from a pipe\n");
      const parts = [Buffer.alloc(40_000, 1), Buffer.alloc(30_000, 2)];
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (const p of parts) controller.enqueue(p);
          controller.close();
        },
      });
      const streamed = await fetch(`${base}/streamed.bin`, { method: "PUT", body: stream, duplex: "half" } as RequestInit & { duplex: "half" });
      expect(streamed.status).to.equal(201);
      expect(fs.readFileSync(path.join(site, "streamed.bin")).equals(Buffer.concat(parts))).to.equal(true);

      const port = Number(new URL(base).port);
      const head = "PUT /bad.bin HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n";
      for (const [body, status] of [
        ["zz\r\nabc\r\n0\r\n\r\n", 400],
        ["3\r\nabcXY0\r\n\r\n", 400],
        ["ffffffffffff\r\n", 413],
        ["186a0\r\n" + "q".repeat(100_000) + "\r\n1\r\nq\r\n0\r\n\r\n", 413],
      ] as const) {
        expect(latin1(await exchange(port, head + body)), body.slice(0, 20)).to.match(new RegExp(`^HTTP/1\\.0 ${status} `));
      }
      expect(names()).to.deep.equal(["old.txt", "out", "piped.txt", "streamed.bin", "sub"]);
    });

    it("answers 413 for a body over the limit before reading it", async () => {
      const base = await start({ maxUpload: 1000 });
      const r = await curl(["-T", bodyFile("y".repeat(1001)), `${base}/big.bin`]);
      expect(r.code).to.equal(413);
      expect((await curl(["-T", bodyFile("y".repeat(1000)), `${base}/fits.bin`])).code).to.equal(201);
      expect(names()).to.deep.equal(["fits.bin", "old.txt", "out", "sub"]);
    });

    it("leaves nothing behind when the client goes away mid-body", async () => {
      const base = await start();
      const sock = net.connect(Number(new URL(base).port), HOST);
      await new Promise((resolve) => sock.once("connect", resolve));
      sock.write("PUT /partial.bin HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000\r\n\r\n" + "z".repeat(20000));
      await waitFor(() => names().some((n) => n.endsWith(".part")), 5000, "the temporary file");
      // Readers never see half a file, and nobody can write over it.
      const part = names().find((n) => n.endsWith(".part"))!;
      expect((await fetch(`${base}/${part}`)).status).to.equal(404);
      expect((await fetch(`${base}/${part}`, { method: "HEAD" })).status).to.equal(404);
      expect((await fetch(`${base}/${part}`, { method: "PUT", body: "x" })).status).to.equal(403);
      sock.destroy();
      await waitFor(() => !names().some((n) => n.endsWith(".part")), 5000, "the temporary file to go");
      expect(names()).to.deep.equal(["old.txt", "out", "sub"]);
    });
  });

  describe("names and clients an attack tried", () => {
    it("refuses a NUL, a backslash or a name over 255 bytes with 400 (no 500, no traceback), and a part without a file name", async () => {
      const base = await start();
      for (const target of ["/x7%00y", "/..%5cx3", "/a%5cb", `/${"n".repeat(256)}`]) {
        const r = await curl(["-T", bodyFile("x"), `${base}${target}`]);
        expect(r.code, target).to.equal(400);
      }
      const long = new FormData();
      long.append("file", new Blob(["x"]), "L".repeat(300));
      expect((await fetch(`${base}/sub/`, { method: "POST", body: long })).status).to.equal(400);
      const body = '--XB\r\nContent-Disposition: form-data; name="file"\r\nContent-Type: application/octet-stream\r\n\r\nX\r\n--XB--\r\n';
      const noName = await fetch(`${base}/sub/`, { method: "POST", body, headers: { "Content-Type": "multipart/form-data; boundary=XB" } });
      expect(noName.status).to.equal(400);
      expect(names()).to.deep.equal(["old.txt", "out", "sub"]);
      expect(srv!.logs.join("")).not.to.contain("Traceback");
      expect(srv!.logs.join("")).not.to.contain("Exception occurred");
    });

    it("a PUT to the listing's link of a name that is not UTF-8 replaces that very file", async () => {
      const raw = Buffer.concat([Buffer.from(path.join(site, "f")), Buffer.from([0xff]), Buffer.from(".txt")]);
      fs.writeFileSync(raw, "old\n");
      const base = await start({ overwrite: true });
      const r = await curl(["-T", bodyFile("new\n"), `${base}/f%ED%B3%BF.txt`]);
      expect(r.code).to.equal(204);
      expect(fs.readFileSync(raw, "utf8")).to.equal("new\n");
      expect(names()).to.deep.equal(["f\ufffd.txt", "old.txt", "out", "sub"].sort());
      expect(fs.readdirSync(site, { encoding: "buffer" }).filter((n) => n.includes(0xff))).to.have.length(1);
    });

    it("without credentials, refuses a Host that is not a loopback name or address (DNS rebinding)", async () => {
      const base = await start();
      const port = new URL(base).port;
      const rebound = { Host: `rebind.attacker.example:${port}`, Origin: `http://rebind.attacker.example:${port}` };
      const r = await curl(["-X", "PUT", "--data-binary", "x", "-H", `Host: ${rebound.Host}`, "-H", `Origin: ${rebound.Origin}`, `${base}/rebind.html`]);
      expect(r.code).to.equal(403);
      for (const host of [`localhost:${port}`, `127.0.0.1:${port}`]) {
        const ok = await curl(["-X", "PUT", "--data-binary", "x", "-H", `Host: ${host}`, `${base}/ok-${host.split(":")[0]}.txt`]);
        expect(ok.code, host).to.equal(201);
      }
      expect(fs.existsSync(path.join(site, "rebind.html"))).to.equal(false);
      // With a password or token in front, the Host is the client's business.
      await srv!.close();
      const credentialed = await start({ credentialed: true });
      const behindAuth = await curl(["-X", "PUT", "--data-binary", "x", "-H", `Host: mybox.lan:${new URL(credentialed).port}`, `${credentialed}/lan.txt`]);
      expect(behindAuth.code).to.equal(201);
    });

    it("a client leaving mid-body is one log line, not a 500 with a traceback", async () => {
      const base = await start();
      const sock = net.connect(Number(new URL(base).port), HOST);
      await new Promise((resolve) => sock.once("connect", resolve));
      sock.end("PUT /cut.bin HTTP/1.1\r\nHost: localhost\r\nContent-Length: 30\r\n\r\n0123456789");
      await waitFor(() => srv!.logs.some((l) => l.includes("cut.bin") || l.includes("closed the connection")), 5000, "a log line");
      await new Promise((r) => setTimeout(r, 200));
      const text = srv!.logs.join("");
      expect(text).not.to.contain("Exception occurred");
      expect(text).not.to.match(/" 500 /);
      expect(names()).to.deep.equal(["old.txt", "out", "sub"]);
    });
  });

  describe("multipart POST to a folder", () => {
    it("stores every file of the form (curl -F), answering 201 with the first Location", async () => {
      const base = await start();
      const src = scratch.dir;
      fs.writeFileSync(path.join(src, "one.txt"), "one\n");
      fs.writeFileSync(path.join(src, "two.bin"), Buffer.alloc(200_000, 7));
      const r = await curl(["-F", `file=@${path.join(src, "one.txt")}`, "-F", `file=@${path.join(src, "two.bin")}`, `${base}/sub/`]);
      expect(r.code).to.equal(201);
      expect(r.body).to.equal("/sub/one.txt\n/sub/two.bin\n");
      expect(fs.readFileSync(path.join(site, "sub", "one.txt"), "utf8")).to.equal("one\n");
      expect(fs.readFileSync(path.join(site, "sub", "two.bin")).equals(Buffer.alloc(200_000, 7))).to.equal(true);
    });

    it("takes a FormData from fetch; the listing form's own field gets 303 back to the folder", async () => {
      const base = await start();
      const form = new FormData();
      form.append("then", "listing");
      form.append("file", new Blob(["from fetch\n"]), "fetched.txt");
      const res = await fetch(`${base}/`, { method: "POST", body: form, redirect: "manual" });
      expect(res.status).to.equal(303);
      expect(res.headers.get("location")).to.equal("/");
      expect(fs.readFileSync(path.join(site, "fetched.txt"), "utf8")).to.equal("from fetch\n");
    });

    it("refuses a whole form when one name is bad or taken, and a form over the limit, leaving nothing", async () => {
      const base = await start({ hideDotfiles: true, maxUpload: 100_000 });
      const before = names();
      const post = async (...files: Array<[string, string | Buffer]>): Promise<number> => {
        const form = new FormData();
        for (const [name, body] of files) form.append("file", new Blob([body]), name);
        return (await fetch(`${base}/`, { method: "POST", body: form })).status;
      };
      expect(await post(["fine.txt", "a"], [".hidden", "b"])).to.equal(403);
      expect(await post(["fine.txt", "a"], ["old.txt", "b"])).to.equal(409);
      // One name twice: neither file is stored (the first is not kept before the second is refused).
      expect(await post(["dup.txt", "one"], ["dup.txt", "two"])).to.equal(409);
      expect(await post(["fine.txt", "a"], ["big.bin", Buffer.alloc(100_001)])).to.equal(413);
      expect(await post()).to.equal(400);
      expect((await fetch(`${base}/nowhere/`, { method: "POST", body: new FormData() })).status).to.equal(404);
      expect((await fetch(`${base}/`, { method: "POST", body: "plain text" })).status).to.equal(400);
      expect(names()).to.deep.equal(before);
    });

    it("answers 400 for a form cut off inside a file part, leaving nothing", async () => {
      const base = await start();
      const before = names();
      const body = '--XyZ\r\nContent-Disposition: form-data; name="file"; filename="cut.txt"\r\n\r\n' + "c".repeat(70_000);
      const res = await within(
        fetch(`${base}/`, { method: "POST", body, headers: { "Content-Type": "multipart/form-data; boundary=XyZ" } }),
        10000,
        "the answer to a cut-off form",
      );
      expect(res.status).to.equal(400);
      expect(await res.text()).to.include("Bad multipart form");
      expect(names()).to.deep.equal(before);
    });

    it("refuses writes that a page of another site makes a browser send (Origin, Sec-Fetch-Site)", async () => {
      const base = await start();
      const form = (): FormData => {
        const f = new FormData();
        f.append("file", new Blob(["x"]), "csrf.txt");
        return f;
      };
      const host = new URL(base).host;
      const crossSite: Array<Record<string, string>> = [{ Origin: "http://evil.example" }, { Origin: "null" }, { "Sec-Fetch-Site": "cross-site" }];
      for (const headers of crossSite) {
        expect((await fetch(`${base}/`, { method: "POST", body: form(), headers })).status, JSON.stringify(headers)).to.equal(403);
        expect((await fetch(`${base}/csrf.txt`, { method: "PUT", body: "x", headers })).status).to.equal(403);
      }
      expect(fs.existsSync(path.join(site, "csrf.txt"))).to.equal(false);
      const same = await fetch(`${base}/`, { method: "POST", body: form(), headers: { Origin: `http://${host}`, "Sec-Fetch-Site": "same-origin" } });
      expect(same.status).to.equal(201);
    });

    it("leaves POSTs to CGI scripts to the scripts", async () => {
      // CGI scripts run as nobody when the specs run as root.
      fs.chmodSync(site, 0o755);
      fs.mkdirSync(path.join(site, "cgi-bin"), { mode: 0o755 });
      writeScript(path.join(site, "cgi-bin", "echo.sh"), `${SH}printf 'Content-Type: text/plain\\r\\n\\r\\n'\ncat\n`);
      const base = await start({ Base: CGIHTTPRequestHandler });
      const r = await curl(["--data-binary", "posted", `${base}/cgi-bin/echo.sh`]);
      expect(r.code, srv!.logs.join("")).to.equal(200);
      expect(r.body).to.equal("posted");
    });
  });

  describe("the listing page", () => {
    it("shows the upload form only while uploads are on; otherwise the page is byte for byte the plain one", async () => {
      let base = await start({ plain: true });
      const plain = await (await fetch(`${base}/`)).text();
      await srv!.close();
      base = await start();
      const withForm = await (await fetch(`${base}/`)).text();
      expect(plain).not.to.include("<form");
      expect(withForm).to.include(`</h1>\n${UPLOAD_FORM}\n<hr>\n<ul>\n`);
      expect(withForm.replace(UPLOAD_FORM + "\n", "")).to.equal(plain);
    });

    it("a listing's ETag tells the page with the form from the one without, for the same entries (rows not cached: the folder holds a symlink)", async () => {
      let base = await start({ plain: true, Base: EtagListing });
      const tag = (await fetch(`${base}/`)).headers.get("etag");
      expect(tag).to.be.a("string");
      expect((await fetch(`${base}/`, { headers: { "If-None-Match": tag! } })).status).to.equal(304);
      await srv!.close();
      base = await start({ Base: EtagListing });
      const again = await fetch(`${base}/`, { headers: { "If-None-Match": tag! } });
      expect(again.status).to.equal(200);
      expect(await again.text()).to.include(UPLOAD_FORM);
    });

    it("does not list an upload still in progress (HTML or JSON); without uploads such a name is listed as Python lists it", async () => {
      const part = ".upload-0123456789abcdef.part";
      fs.writeFileSync(path.join(site, part), "half");
      fs.writeFileSync(path.join(site, ".upload-notes.part"), "not an upload's name");
      let base = await start({ plain: true });
      expect(await (await fetch(`${base}/`)).text()).to.include(`<a href="${part}">`);
      await srv!.close();
      base = await start({ Base: JsonListing });
      const html = await (await fetch(`${base}/`)).text();
      expect(html).not.to.include(part);
      expect(html).to.include(`<a href=".upload-notes.part">`);
      const json = (await (await fetch(`${base}/`, { headers: { Accept: "application/json" } })).json()) as Array<{ name: string }>;
      expect(json.map((e) => e.name)).to.deep.equal([".upload-notes.part", "old.txt", "sub"]);
    });
  });
});

/** A handler with listing ETags on, as the command line has them. */
class EtagListing extends SimpleHTTPRequestHandler {}
EtagListing.prototype.listingEtags = true;

/** A handler with the command line's JSON listings on. */
class JsonListing extends SimpleHTTPRequestHandler {}
JsonListing.prototype.jsonListings = true;

/**
 * SimpleHTTPRequestHandler end to end, on a real ThreadingHTTPServer: curl,
 * Python's urllib, Node's fetch; listings compared with what
 * `python3 -m http.server` (CPython 3.11 on this machine) sends for the same
 * folder; and file descriptors released when a client hangs up mid-download.
 */
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

import { expect } from "chai";

import { ThreadingHTTPServer } from "../../../../lib/http/server/http-server.js";
import { SimpleHTTPRequestHandler } from "../../../../lib/http/server/files/simple-handler.js";
import { parseResponses, type ParsedResponse } from "../../../../lib/http/server/testing.js";
import { HOST, connect, delay, exchange, openPaths, run, waitFor, within } from "../../../helpers.js";
import { pythonHttpServer, serve, withoutStyleBlock, type Running } from "../helpers.js";

const sha256 = (data: Buffer): string => createHash("sha256").update(data).digest("hex");

/** A folder served by the specs below; removed afterwards. */
function makeSite(): { dir: string; big: Buffer; small: Buffer } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "simple-e2e-"));
  const big = randomBytes(5 * 1024 * 1024);
  const small = randomBytes(300 * 1024);
  fs.writeFileSync(path.join(dir, "big.bin"), big);
  fs.writeFileSync(path.join(dir, "small.bin"), small);
  fs.writeFileSync(path.join(dir, "hello.txt"), "hello, world\n");
  fs.writeFileSync(path.join(dir, "page.html"), "<p>page</p>\n");
  fs.writeFileSync(path.join(dir, "noext"), "no extension");
  for (const name of ["<t&>.txt", "%A4.txt", "ünï.txt", "q\"u'o.txt", "sp ace.txt", "B.txt", "a.txt", "😀.txt", "！.txt", "[x].txt", ".hidden"]) {
    fs.writeFileSync(path.join(dir, name), name);
  }
  fs.mkdirSync(path.join(dir, "sub dir"));
  fs.writeFileSync(path.join(dir, "sub dir", "inner.txt"), "inner");
  fs.mkdirSync(path.join(dir, "empty"));
  // Names equal once lower-cased: Python lists them in the folder's own order.
  fs.mkdirSync(path.join(dir, "ties"));
  for (const name of ["aa.txt", "aA.txt", "AA.txt", "Aa.txt", "k.txt", "K.txt", "readme.md", "README.md", "Readme.md"]) {
    fs.writeFileSync(path.join(dir, "ties", name), name);
  }
  fs.symlinkSync("sub dir", path.join(dir, "linkdir"));
  fs.symlinkSync("hello.txt", path.join(dir, "linkfile"));
  fs.symlinkSync("nowhere", path.join(dir, "broken"));
  for (const name of ["hello.txt", "page.html", "noext", "big.bin", "small.bin"]) {
    fs.utimesSync(path.join(dir, name), 1700000000, 1700000000);
  }
  return { dir, big, small };
}

describe("SimpleHTTPRequestHandler end to end", function () {
  this.timeout(60000);

  let site: ReturnType<typeof makeSite>;
  let server: Running<ThreadingHTTPServer>;
  let base: string;

  before(async () => {
    site = makeSite();
    const served = site.dir;
    class Handler extends SimpleHTTPRequestHandler {
      override directory = served;
      override log_message(): void {}
    }
    server = await serve(ThreadingHTTPServer, Handler);
    base = `http://${HOST}:${server.port}`;
  });
  after(async () => {
    await server?.close();
    if (site) fs.rmSync(site.dir, { recursive: true, force: true });
  });
  afterEach(() => {
    expect(server.handled, "errors reached handleError()").to.deep.equal([]);
  });

  describe("curl", () => {
    let work: string;
    before(() => {
      work = fs.mkdtempSync(path.join(os.tmpdir(), "simple-curl-"));
    });
    after(() => {
      fs.rmSync(work, { recursive: true, force: true });
    });

    it("curl -s -o downloads a 5 MiB file byte-identical", async () => {
      const out = path.join(work, "big.out");
      const res = await run("curl", ["-s", "-o", out, "-w", "%{http_code}", `${base}/big.bin`]);
      expect(res.code, res.stderr).to.equal(0);
      expect(res.stdout).to.equal("200");
      expect(sha256(fs.readFileSync(out))).to.equal(sha256(site.big));
    });

    it("curl --range 0-99 gets the first 100 bytes with 206", async () => {
      const out = path.join(work, "range.out");
      const res = await run("curl", ["-s", "--range", "0-99", "-o", out, "-w", "%{http_code}", `${base}/big.bin`]);
      expect(res.stdout).to.equal("206");
      expect(fs.readFileSync(out).equals(site.big.subarray(0, 100))).to.equal(true);
      const tail = await run("curl", ["-s", "--range", "5000000-", "-o", out, `${base}/big.bin`]);
      expect(tail.code).to.equal(0);
      expect(fs.readFileSync(out).equals(site.big.subarray(5000000))).to.equal(true);
    });

    it("curl -z <file> (If-Modified-Since from the file's time): 304 when newer, 200 when older", async () => {
      const stamp = path.join(work, "stamp");
      fs.writeFileSync(stamp, "");
      const out = path.join(work, "z.out");
      fs.rmSync(out, { force: true });
      const newer = await run("curl", ["-s", "-z", stamp, "-o", out, "-w", "%{http_code}", `${base}/hello.txt`]);
      expect(newer.stdout).to.equal("304");
      expect(fs.existsSync(out) ? fs.readFileSync(out, "utf8") : "").to.equal("");
      fs.utimesSync(stamp, 1600000000, 1600000000);
      const older = await run("curl", ["-s", "-z", stamp, "-o", out, "-w", "%{http_code}", `${base}/hello.txt`]);
      expect(older.stdout).to.equal("200");
      expect(fs.readFileSync(out, "utf8")).to.equal("hello, world\n");
    });

    it("curl -I shows Python's headers and no body", async () => {
      const res = await run("curl", ["-s", "-I", `${base}/hello.txt`]);
      expect(res.code).to.equal(0);
      const lines = res.stdout.split("\r\n");
      expect(lines[0]).to.equal("HTTP/1.0 200 OK");
      expect(lines).to.include("Content-type: text/plain");
      expect(lines).to.include("Content-Length: 13");
      expect(lines).to.include("Last-Modified: Tue, 14 Nov 2023 22:13:20 GMT");
      expect(res.stdout.endsWith("\r\n\r\n")).to.equal(true);
    });

    it("curl -L follows the folder redirect to the listing", async () => {
      const res = await run("curl", ["-s", "-L", "-w", "\n%{url_effective} %{num_redirects}", `${base}/sub%20dir`]);
      const [body, info] = [res.stdout.slice(0, res.stdout.lastIndexOf("\n")), res.stdout.slice(res.stdout.lastIndexOf("\n") + 1)];
      expect(info).to.equal(`${base}/sub%20dir/ 1`);
      expect(body).to.include('<a href="inner.txt">inner.txt</a>');
    });
  });

  describe("Python's urllib.request", () => {
    const fetchScript = [
      "import hashlib, sys, urllib.request",
      "with urllib.request.urlopen(sys.argv[1], timeout=20) as r:",
      "    data = r.read()",
      "    print(r.status, r.headers.get('Content-Length'), hashlib.sha256(data).hexdigest(), r.geturl())",
    ].join("\n");

    it("downloads the 5 MiB file with the same sha256", async () => {
      const res = await run("python3", ["-c", fetchScript, `${base}/big.bin`], 30000);
      expect(res.code, res.stderr).to.equal(0);
      expect(res.stdout.trim()).to.equal(`200 ${site.big.length} ${sha256(site.big)} ${base}/big.bin`);
    });

    it("follows the 301 of a folder and reads the listing", async () => {
      const res = await run("python3", ["-c", fetchScript, `${base}/empty`], 30000);
      expect(res.code, res.stderr).to.equal(0);
      const [status, , , url] = res.stdout.trim().split(" ");
      expect(status).to.equal("200");
      expect(url).to.equal(`${base}/empty/`);
    });
  });

  describe("Node's fetch", () => {
    it("a file, byte-identical, with Python's headers", async () => {
      const res = await fetch(`${base}/small.bin`);
      expect(res.status).to.equal(200);
      expect(res.headers.get("content-type")).to.equal("application/octet-stream");
      expect(res.headers.get("content-length")).to.equal(String(site.small.length));
      expect(res.headers.get("last-modified")).to.equal("Tue, 14 Nov 2023 22:13:20 GMT");
      expect(Buffer.from(await res.arrayBuffer()).equals(site.small)).to.equal(true);
      const big = await fetch(`${base}/big.bin`);
      expect(sha256(Buffer.from(await big.arrayBuffer()))).to.equal(sha256(site.big));
    });

    it("a listing", async () => {
      const res = await fetch(`${base}/`);
      expect(res.status).to.equal(200);
      expect(res.headers.get("content-type")).to.equal("text/html; charset=utf-8");
      const text = await res.text();
      expect(text).to.include("<title>Directory listing for /</title>");
      expect(text).to.include('<a href="sub%20dir/">sub dir/</a>');
      expect(text).to.include('<a href="linkdir/">linkdir@</a>');
      expect(text).to.include('<a href="%3Ct%26%3E.txt">&lt;t&amp;&gt;.txt</a>');
    });

    it("a folder redirect, followed and not", async () => {
      const followed = await fetch(`${base}/sub%20dir?x=1`);
      expect(followed.redirected).to.equal(true);
      expect(followed.url).to.equal(`${base}/sub%20dir/?x=1`);
      expect(await followed.text()).to.include("Directory listing for /sub dir/</title>");
      const manual = await fetch(`${base}/sub%20dir?x=1`, { redirect: "manual" });
      expect(manual.status).to.equal(301);
      expect(manual.headers.get("location")).to.equal("/sub%20dir/?x=1");
      expect(manual.headers.get("content-length")).to.equal("0");
    });

    it("ranges and validators through fetch", async () => {
      const part = await fetch(`${base}/small.bin`, { headers: { Range: "bytes=100-199" } });
      expect(part.status).to.equal(206);
      expect(part.headers.get("content-range")).to.equal(`bytes 100-199/${site.small.length}`);
      expect(Buffer.from(await part.arrayBuffer()).equals(site.small.subarray(100, 200))).to.equal(true);
      const first = await fetch(`${base}/hello.txt`);
      await first.arrayBuffer();
      const etag = first.headers.get("etag")!;
      const again = await fetch(`${base}/hello.txt`, { headers: { "If-None-Match": etag } });
      expect(again.status).to.equal(304);
      expect(again.headers.get("etag")).to.equal(etag);
    });

    it("HEAD: headers only", async () => {
      const res = await fetch(`${base}/big.bin`, { method: "HEAD" });
      expect(res.status).to.equal(200);
      expect(res.headers.get("content-length")).to.equal(String(site.big.length));
      expect((await res.arrayBuffer()).byteLength).to.equal(0);
    });
  });

  describe("compared with python3 -m http.server on the same folder", () => {
    let python: Awaited<ReturnType<typeof pythonHttpServer>> | null = null;
    let pyPort = 0;

    before(async () => {
      python = await pythonHttpServer(site.dir);
      pyPort = python.port;
    });
    after(async () => {
      await python?.stop();
    });

    /** One raw HTTP/1.0 request to both servers; both answers parsed. */
    async function both(target: string, method = "GET"): Promise<[ParsedResponse, ParsedResponse]> {
      const req = `${method} ${target} HTTP/1.0\r\nHost: localhost\r\n\r\n`;
      const [ours, theirs] = await Promise.all([exchange(server.port, req), exchange(pyPort, req)]);
      return [parseResponses(ours)[0]!, parseResponses(theirs)[0]!];
    }

    const stripStyle = (page: string): string =>
      page.replace('<style type="text/css">\n:root {\ncolor-scheme: light dark;\n}\n</style>\n', "");

    for (const target of ["/", "/sub%20dir/", "/empty/", "/linkdir/", "/ties/"]) {
      it(`listing ${target}: the same bytes once our <style> block (5 lines) is removed`, async () => {
        const [ours, theirs] = await both(target);
        expect(theirs.status).to.equal(200);
        expect(ours.status).to.equal(200);
        const ourPage = ours.text;
        expect(ourPage.split("\n").length - stripStyle(ourPage).split("\n").length).to.equal(5);
        expect(stripStyle(ourPage)).to.equal(theirs.text);
        expect(ours.header("Content-type")).to.equal(theirs.header("Content-type"));
        expect(Number(ours.header("Content-Length")) - Number(theirs.header("Content-Length"))).to.equal(
          Buffer.byteLength(ourPage) - Buffer.byteLength(stripStyle(ourPage)),
        );
      });
    }

    it("files: the same status line, Content-type, Content-Length, Last-Modified and body", async () => {
      for (const target of ["/hello.txt", "/page.html", "/noext", "/linkfile", "/%C3%BCn%C3%AF.txt", "/sp%20ace.txt"]) {
        const [ours, theirs] = await both(target);
        expect(ours.statusLine, target).to.equal(theirs.statusLine);
        for (const name of ["Content-type", "Content-Length", "Last-Modified"]) {
          expect(ours.header(name), `${target} ${name}`).to.equal(theirs.header(name));
        }
        expect(ours.headerList.slice(2, 5).map(([n]) => n)).to.deep.equal(theirs.headerList.slice(2, 5).map(([n]) => n));
        expect(ours.body.equals(theirs.body), target).to.equal(true);
      }
    });

    it("redirects and 404s: the same status lines, Location and (style aside) error pages", async () => {
      for (const target of ["/sub%20dir?x=1", "/empty", "/..", "//empty", "/missing", "/hello.txt/", "/missing/"]) {
        const [ours, theirs] = await both(target);
        expect(ours.statusLine, target).to.equal(theirs.statusLine);
        expect(ours.header("Location"), target).to.equal(theirs.header("Location"));
        if (ours.status === 404) expect(withoutStyleBlock(ours.text), target).to.equal(theirs.text);
      }
    });

    it("HEAD: the same headers (but Server and Date), no body from either", async () => {
      const [ours, theirs] = await both("/hello.txt", "HEAD");
      expect(ours.body.length).to.equal(0);
      expect(theirs.body.length).to.equal(0);
      const strip = (r: ParsedResponse): Array<[string, string]> => r.headerList.filter(([n]) => n !== "Server" && n !== "Date");
      expect(strip(ours).filter(([n]) => n !== "ETag" && n !== "Accept-Ranges")).to.deep.equal(strip(theirs));
    });
  });

  describe("a client that hangs up mid-download", () => {
    let hugeDir: string;
    let huge: string;
    let hugeServer: Running<ThreadingHTTPServer>;

    before(async () => {
      hugeDir = fs.mkdtempSync(path.join(os.tmpdir(), "simple-huge-"));
      huge = path.join(hugeDir, "huge.bin");
      // A sparse 512 MiB file: far more than socket buffers can hold.
      fs.writeFileSync(huge, "start");
      fs.truncateSync(huge, 512 * 1024 * 1024);
      const served = hugeDir;
      class Handler extends SimpleHTTPRequestHandler {
        override directory = served;
        override log_message(): void {}
      }
      hugeServer = await serve(ThreadingHTTPServer, Handler);
    });
    after(async () => {
      await hugeServer?.close();
      fs.rmSync(hugeDir, { recursive: true, force: true });
    });

    for (const [label, extra] of [
      ["a plain download", ""],
      ["a multipart/byteranges download", "Range: bytes=0-99,1000-268435455,-1000\r\n"],
    ] as const) {
      it(`${label}: the file descriptor is closed soon after`, async () => {
        expect(openPaths().filter((p) => p === huge)).to.deep.equal([]);
        const sock = await connect(hugeServer.port);
        let received = 0;
        const gotSome = new Promise<void>((resolve) => {
          sock.on("data", (chunk: Buffer) => {
            received += chunk.length;
            if (received > 64 * 1024) {
              sock.pause();
              resolve();
            }
          });
        });
        sock.write(`GET /huge.bin HTTP/1.0\r\n${extra}\r\n`);
        await within(gotSome, 5000, "the first bytes");
        // Mid-download: the server holds the file open.
        await waitFor(() => openPaths().includes(huge), 5000, "the file to be open");
        sock.destroy();
        await waitFor(() => !openPaths().includes(huge), 5000, "the file descriptor to be closed");
        expect(received).to.be.below(512 * 1024 * 1024);
        // The server carries on.
        const after = parseResponses(await exchange(hugeServer.port, "HEAD /huge.bin HTTP/1.0\r\n\r\n"))[0]!;
        expect(after.status).to.equal(200);
        expect(hugeServer.handled).to.deep.equal([]);
      });
    }

    it("the number of open descriptors returns to where it was", async () => {
      const before = fs.readdirSync("/proc/self/fd").length;
      for (let i = 0; i < 5; i++) {
        const sock = await connect(hugeServer.port);
        const first = new Promise<void>((resolve) => sock.once("data", () => resolve()));
        sock.write("GET /huge.bin HTTP/1.0\r\n\r\n");
        await within(first, 5000, "the first bytes");
        sock.destroy();
      }
      await waitFor(() => fs.readdirSync("/proc/self/fd").length <= before, 5000, "descriptors to be released");
      expect(openPaths().includes(huge)).to.equal(false);
    });
  });
});

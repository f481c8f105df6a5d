/**
 * File names that are not valid UTF-8, served by SimpleHTTPRequestHandler
 * and by `python3 -m http.server` from the same folder: the listing's
 * links and text, the files, folders, redirects and 404s must match
 * CPython's byte for byte (CPython keeps such bytes as surrogate escapes
 * and links to them with `surrogatepass`: 0xFF becomes `%ED%B3%BF`).
 * Clients: raw sockets, curl and Python's urllib.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import { expect } from "chai";

import { ThreadingHTTPServer } from "../../../../lib/http/server/http-server.js";
import { SimpleHTTPRequestHandler } from "../../../../lib/http/server/files/simple-handler.js";
import { parseResponses, type ParsedResponse } from "../../../../lib/http/server/testing.js";
import { HOST, exchange, run, tempDir } from "../../../helpers.js";
import { pythonHttpServer, serve, type Running } from "../helpers.js";

/** `name` (bytes) inside the folder `dir`, as a Buffer path. */
const at = (dir: string, ...names: Buffer[]): Buffer => Buffer.concat([Buffer.from(dir), ...names.flatMap((n) => [Buffer.from("/"), n])]);

const F_FF_TXT = Buffer.from([0x66, 0xff, 0x2e, 0x74, 0x78, 0x74]); // f\xff.txt
const D_FE = Buffer.from([0x64, 0xfe]); // d\xfe
const LATIN1_NAME = Buffer.from("caf\xe9.html", "latin1"); // café.html written in Latin-1

/** The Python 3.14 <style> block our listings carry and CPython 3.11's do not. */
const STYLE = Buffer.from('<style type="text/css">\n:root {\ncolor-scheme: light dark;\n}\n</style>\n');

function withoutStyle(body: Buffer): Buffer {
  const i = body.indexOf(STYLE);
  return i === -1 ? body : Buffer.concat([body.subarray(0, i), body.subarray(i + STYLE.length)]);
}

describe("SimpleHTTPRequestHandler: file names that are not UTF-8", function () {
  this.timeout(60000);

  let site: ReturnType<typeof tempDir>;
  let ours: Running<ThreadingHTTPServer>;
  let python: Awaited<ReturnType<typeof pythonHttpServer>>;

  before(async () => {
    site = tempDir("non-utf8-");
    fs.writeFileSync(at(site.dir, F_FF_TXT), "hello ff\n");
    fs.mkdirSync(at(site.dir, D_FE));
    fs.writeFileSync(at(site.dir, D_FE, Buffer.from("in.txt")), "inner\n");
    fs.writeFileSync(at(site.dir, D_FE, F_FF_TXT), "deep ff\n");
    fs.writeFileSync(at(site.dir, LATIN1_NAME), "<p>latin-1 name</p>\n");
    fs.writeFileSync(path.join(site.dir, "ok.txt"), "ok\n");
    fs.writeFileSync(path.join(site.dir, "Grüße.txt"), "utf-8 name\n");
    class Handler extends SimpleHTTPRequestHandler {
      constructor(r: unknown, a: unknown, s: never) {
        super(r, a, s, { directory: site.dir });
      }
      override logMessage(): void {}
    }
    ours = await serve(ThreadingHTTPServer, Handler);
    python = await pythonHttpServer(site.dir);
  });
  after(async () => {
    await ours?.close();
    await python?.stop();
    site?.remove();
  });

  /** One raw HTTP/1.0 request to both servers; both answers parsed. */
  async function both(target: string): Promise<[ParsedResponse, ParsedResponse]> {
    const req = `GET ${target} HTTP/1.0\r\nHost: localhost\r\n\r\n`;
    const [a, b] = await Promise.all([exchange(ours.port, req), exchange(python.port, req)]);
    return [parseResponses(a)[0]!, parseResponses(b)[0]!];
  }

  it("lists them as CPython does: surrogatepass links (%ED%B3%BF) and the raw bytes as text", async () => {
    for (const target of ["/", "/d%ED%B3%BE/"]) {
      const [mine, theirs] = await both(target);
      expect(mine.status, target).to.equal(200);
      expect(theirs.status, target).to.equal(200);
      expect(withoutStyle(mine.body).equals(theirs.body), `${target}:\n${mine.body.toString("latin1")}\n---\n${theirs.body.toString("latin1")}`).to.equal(true);
    }
    const [root] = await both("/");
    expect(root.body.includes(Buffer.from('<a href="f%ED%B3%BF.txt">f\xff.txt</a>', "latin1"))).to.equal(true);
    expect(root.body.includes(Buffer.from('<a href="d%ED%B3%BE/">d\xfe/</a>', "latin1"))).to.equal(true);
    expect(root.body.includes(Buffer.from('<a href="caf%ED%B3%A9.html">caf\xe9.html</a>', "latin1"))).to.equal(true);
  });

  it("serves the files, redirects the folder and answers 404 exactly as CPython", async () => {
    for (const target of [
      "/f%ED%B3%BF.txt",
      "/caf%ED%B3%A9.html",
      "/d%ED%B3%BE",
      "/d%ED%B3%BE?q=1",
      "/d%ED%B3%BE/in.txt",
      "/d%ED%B3%BE/f%ED%B3%BF.txt",
      "/f%FF.txt",
      "/d%FE/",
      "/nope%ED%B3%BF",
      "/Gr%C3%BC%C3%9Fe.txt",
    ]) {
      const [mine, theirs] = await both(target);
      expect(mine.statusLine, target).to.equal(theirs.statusLine);
      expect(mine.header("Location"), target).to.equal(theirs.header("Location"));
      expect(mine.header("Content-type"), target).to.equal(theirs.header("Content-type"));
      if (mine.status === 200) expect(mine.body.equals(theirs.body), target).to.equal(true);
    }
    const [file] = await both("/f%ED%B3%BF.txt");
    expect(file.text).to.equal("hello ff\n");
  });

  it("a surrogate no file name can hold (%ED%A0%80) is a 404 (CPython drops the connection with a traceback)", async () => {
    const raw = await exchange(ours.port, "GET /nope%ED%A0%80 HTTP/1.0\r\n\r\n");
    expect(parseResponses(raw)[0]!.status).to.equal(404);
  });

  it("curl follows the listing's link and the folder redirect to the files", async () => {
    const base = `http://${HOST}:${ours.port}`;
    const file = await run("curl", ["-s", "-f", `${base}/f%ED%B3%BF.txt`]);
    expect(file.stdout).to.equal("hello ff\n");
    const deep = await run("curl", ["-s", "-f", "-L", "-w", "%{url_effective}", `${base}/d%ED%B3%BE`]);
    expect(deep.stdout).to.contain('<a href="f%ED%B3%BF.txt">');
    expect(deep.stdout).to.match(/\/d%ED%B3%BE\/$/);
  });

  it("Python's urllib downloads every file the listing links to", async () => {
    const script = [
      "import re, sys, urllib.request",
      "base = sys.argv[1]",
      "page = urllib.request.urlopen(base + '/').read()",
      "for href in re.findall(rb'href=\"([^\"]+)\"', page):",
      "    if href.endswith(b'/'): continue",
      "    body = urllib.request.urlopen(base + '/' + href.decode('ascii')).read()",
      "    print(href.decode('ascii'), len(body))",
    ].join("\n");
    const res = await run("python3", ["-c", script, `http://${HOST}:${ours.port}`]);
    expect(res.stderr).to.equal("");
    expect(res.stdout.split("\n").filter(Boolean).sort()).to.deep.equal(
      ["Gr%C3%BC%C3%9Fe.txt 11", "caf%ED%B3%A9.html 20", "f%ED%B3%BF.txt 9", "ok.txt 3"].sort(),
    );
  });
});

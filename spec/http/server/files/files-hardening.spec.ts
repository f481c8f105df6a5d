/**
 * Hardening of the folder server (issue 13), on real loopback sockets
 * against a temporary folder: the folder redirect never leaves the site
 * (absolute-form and relative targets included; a property test over
 * generated targets), `--precompressed` negotiates `Accept-Encoding` by
 * RFC 9110 12.5.3 (table-driven), symlinks leading out of the folder are
 * neither listed nor redirected, and concurrent listings of one folder
 * share their bytes (with `listDirectory()` still overridable).
 */
import { expect } from "chai";
import fc from "fast-check";
import * as fs from "node:fs";
import * as net from "node:net";
import { join } from "node:path";

import { BytesSource, type BodySource } from "../../../../lib/http/server/files/body-sources.js";
import { ThreadingHTTPServer } from "../../../../lib/http/server/http-server.js";
import { SharedBuffers } from "../../../../lib/http/server/files/shared-bytes.js";
import { SimpleHTTPRequestHandler } from "../../../../lib/http/server/files/simple-handler.js";
import { parseResponses, type ParsedResponse } from "../../../../lib/http/server/testing.js";
import { HOST, connect, exchange, readUntil, tempDir } from "../../../helpers.js";
import { serveLogged, type Running } from "../helpers.js";

/** Options a handler class of these specs may set. */
interface FolderOptions {
  followSymlinks?: boolean;
  hideDotfiles?: boolean;
  precompressed?: boolean;
}

/** A SimpleHTTPRequestHandler subclass serving `dir()` with `options`. */
function folderHandler(dir: () => string, options: FolderOptions = {}): typeof SimpleHTTPRequestHandler {
  return class extends SimpleHTTPRequestHandler {
    override followSymlinks = options.followSymlinks ?? false;
    override hideDotfiles = options.hideDotfiles ?? false;
    override precompressed = options.precompressed ?? false;
    constructor(request: unknown, address: unknown, server: never) {
      super(request, address, server, { directory: dir() });
    }
  };
}

/** Send one HTTP/1.0 request with extra header lines; the one response. */
async function get(port: number, target: string, headers: string[] = [], method = "GET"): Promise<ParsedResponse> {
  const head = [`${method} ${target} HTTP/1.0`, ...headers, "", ""].join("\r\n");
  const [res] = parseResponses(await exchange(port, Buffer.from(head, "latin1")), { head: method === "HEAD" });
  return res!;
}

/** `location` starts with exactly one slash, then neither a slash nor a backslash (or ends). */
const ONE_SLASH = /^\/(?![/\\])/;
/** A relative path: no scheme before its first slash, no slash or backslash first. */
const RELATIVE_PATH = /^(?![/\\])(?![A-Za-z][A-Za-z0-9+.-]*:)/;

describe("folder server hardening (issue 13)", function () {
  this.timeout(30_000);

  describe("the folder redirect stays on this site (RFC 9112 3.2.2: path and query only)", () => {
    let dir: string;
    let remove: () => void;
    let run: Running<ThreadingHTTPServer>;
    before(async () => {
      ({ dir, remove } = tempDir());
      for (const d of ["sub", "sub dir", "evil.example", "http:", "http:/evil.example", "http:/sub", "d"]) {
        fs.mkdirSync(join(dir, d), { recursive: true });
      }
      run = await serveLogged(ThreadingHTTPServer, folderHandler(() => dir));
    });
    after(async () => {
      await run.close();
      remove();
    });

    // The findings, and their neighbours: a scheme or authority the
    // client sent never reaches Location.
    const offSite: Array<[target: string, location: string]> = [
      ["http://evil.example/../..", "/../../"],
      ["http:\\\\evil.example/..", "/evil.example/../"],
      ["http:evil.example/..", "/evil.example/../"],
      ["ftp://evil.example/../../sub", "/../../sub/"],
      ["https://evil.example:8443/../../sub?x=1#f", "/../../sub/?x=1#f"],
      ["http://user:pw@evil.example/../../d", "/../../d/"],
      ["HTTP://EVIL.EXAMPLE/../../d", "/../../d/"],
      ["javascript://evil.example/../..", "/../../"],
      ["http:/\\evil.example/..", "/evil.example/../"],
      ["http:///evil.example", "/evil.example/"],
      ["http://evil.example/../..?next=//evil.example", "/../../?next=//evil.example"],
      // A plain relative target keeps CPython's relative Location, which
      // stays on this site; backslashes still never lead off it.
      ["d?hi=1", "d/?hi=1"],
      ["evil.example", "evil.example/"],
      ["\\\\evil.example/..", "/evil.example/../"],
      ["/\\evil.example/..", "/evil.example/../"],
    ];
    for (const [target, location] of offSite) {
      it(`GET ${target} -> Location: ${location}`, async () => {
        const res = await get(run.port, target);
        expect(res.status, target).to.equal(301);
        expect(res.header("Location"), target).to.equal(location);
        expect(new URL(res.header("Location")!, `http://${HOST}:${run.port}/x/y`).host).to.equal(`${HOST}:${run.port}`);
      });
    }

    // Origin-form targets keep CPython's exact Location (checked side by side
    // with `python3 -m http.server`, 3.11.7).
    const cpython: Array<[target: string, location: string]> = [
      ["/sub?x=1", "/sub/?x=1"],
      ["/sub#frag", "/sub/#frag"],
      ["/sub?x=1#f", "/sub/?x=1#f"],
      ["/sub?", "/sub/"],
      ["/sub#", "/sub/"],
      ["/sub%20dir", "/sub%20dir/"],
      ["/sub?a=%2F&b", "/sub/?a=%2F&b"],
      ["/./sub", "/./sub/"],
      ["/sub/../sub", "/sub/../sub/"],
      ["/..", "/../"],
      ["//sub", "/sub/"],
    ];
    for (const [target, location] of cpython) {
      it(`GET ${target} -> Location: ${location}, as CPython`, async () => {
        const res = await get(run.port, target);
        expect(res.status).to.equal(301);
        expect(res.header("Location")).to.equal(location);
        expect(res.headerList.map(([n]) => n)).to.deep.equal(["Server", "Date", "Location", "Content-Length"]);
      });
    }

    it("property: every 301's Location starts with exactly one '/' (or is a plain relative path) and resolves to this host", async () => {
      const scheme = fc.constantFrom("", "", "http:", "https:", "HTTP:", "ftp:", "x-y+z.1:", "javascript:", "file:");
      const sep = fc.constantFrom("", "/", "//", "///", "\\", "\\\\", "/\\", "\\/", "%2f", "%2F%2f", "%5c", "/%5C", "/./", "/../");
      const host = fc.constantFrom("", "evil.example", "evil.example:80", "user@evil.example", "127.0.0.1", "[::1]", "%65vil.example");
      const piece = fc.constantFrom("..", ".", "sub", "d", "evil.example", "http:", "%2e%2e", "%2E.", "", "\\", "%00", "%0d%0a", "\u00e9", "%c3%a9", "a\u0001b");
      const tail = fc.constantFrom("", "", "?", "?x=1", "?next=//evil.example", "#", "#//evil.example", "?a#b", "/");
      // Most targets end in a way that names a folder, so that many are redirected.
      const last = fc.constantFrom("/..", "/../..", "/../../sub", "/../../../d", "/..%2f..", "\\..", "/sub", "");
      const target = fc
        .tuple(scheme, sep, host, fc.array(fc.tuple(fc.constantFrom("/", "\\", "/./", "//"), piece), { maxLength: 6 }), last, tail)
        .map(([s, p, h, parts, l, t]) => s + p + h + parts.map(([a, b]) => a + b).join("") + l + t)
        .filter((t) => t.length > 0 && !/[\s\u001c-\u001f\u0085\u00a0]/.test(t));
      let redirects = 0;
      await fc.assert(
        fc.asyncProperty(target, async (t) => {
          const res = await get(run.port, t);
          expect(res.status, t).to.not.equal(500);
          if (res.status !== 301) return;
          redirects++;
          const location = res.header("Location")!;
          // One leading slash, or a plain relative path (no scheme, no slash or backslash first).
          if (!ONE_SLASH.test(location)) expect(location, `GET ${t}`).to.match(RELATIVE_PATH);
          for (const base of [`http://${HOST}:${run.port}/a/b`, `https://${HOST}:${run.port}/a/b`]) {
            expect(new URL(location, base).host, `GET ${t} -> ${location}`).to.equal(`${HOST}:${run.port}`);
          }
        }),
        { numRuns: 400, seed: 1313 },
      );
      expect(redirects, "redirects seen").to.be.greaterThan(100);
    });
  });

  describe("--precompressed: Accept-Encoding by RFC 9110 12.5.3", () => {
    let dir: string;
    let remove: () => void;
    let run: Running<ThreadingHTTPServer>;
    before(async () => {
      ({ dir, remove } = tempDir());
      fs.writeFileSync(join(dir, "all.txt"), "identity");
      fs.writeFileSync(join(dir, "all.txt.gz"), "gzip-bytes");
      fs.writeFileSync(join(dir, "all.txt.br"), "br-bytes");
      fs.writeFileSync(join(dir, "gz.txt"), "identity");
      fs.writeFileSync(join(dir, "gz.txt.gz"), "gzip-bytes");
      fs.writeFileSync(join(dir, "plain.txt"), "identity");
      run = await serveLogged(ThreadingHTTPServer, folderHandler(() => dir, { precompressed: true }));
    });
    after(async () => {
      await run.close();
      remove();
    });

    // [Accept-Encoding (null: no header), file, the coding served (null: identity)]
    const table: Array<[accept: string | null, file: string, coding: string | null]> = [
      // An explicit q=0 excludes that coding whatever `*` says.
      ["gzip;q=0, *", "gz.txt", null],
      ["gzip;q=0, *", "all.txt", "br"],
      ["*, gzip;q=0", "gz.txt", null],
      ["br;q=0, gzip;q=0, *", "all.txt", null],
      ["gzip;q=0, x-gzip, *", "gz.txt", null],
      ["gzip; q=0, *", "gz.txt", null],
      ["gzip;Q=0, *", "gz.txt", null],
      ["gzip;q=0.000, *", "gz.txt", null],
      ["gzip;q=0;q=1", "gz.txt", null],
      ["gzip;q=1;q=0", "gz.txt", null],
      ["GZIP;q=0, *", "gz.txt", null],
      // `*` stands for every coding not listed.
      ["*", "all.txt", "br"],
      ["*", "gz.txt", "gzip"],
      ["br;q=0, *", "all.txt", "gzip"],
      ["*;q=0, gzip", "all.txt", "gzip"],
      ["*;q=0", "all.txt", null],
      // Higher weight first; the server's order (br, gzip) breaks ties.
      ["gzip, br;q=0.5", "all.txt", "gzip"],
      ["gzip;q=0.5, br;q=0.5", "all.txt", "br"],
      ["gzip;q=0.001", "gz.txt", "gzip"],
      ["gzip, br", "all.txt", "br"],
      ["x-gzip", "gz.txt", "gzip"],
      ["GZip", "gz.txt", "gzip"],
      // identity: preferred when weighted above the codings, last when only
      // implied; when refused, an acceptable coding is served, and if none
      // is, the file as it is (the server may disregard the header; never a
      // refused coding).
      ["gzip;q=0.5", "gz.txt", "gzip"],
      ["*;q=0.5", "all.txt", "br"],
      ["identity, gzip;q=0.5", "gz.txt", null],
      ["identity;q=0.5, gzip", "gz.txt", "gzip"],
      ["identity;q=0, gzip", "gz.txt", "gzip"],
      ["identity;q=0, *", "all.txt", "br"],
      ["identity;q=0, *", "plain.txt", null],
      ["identity;q=0", "all.txt", null],
      ["identity;q=0, gzip;q=0", "gz.txt", null],
      ["*;q=0, identity;q=0", "all.txt", null],
      // Weights that are not RFC 9110 qvalues count as a refusal.
      ["br;q=2, gzip", "all.txt", "gzip"],
      ["br;q=abc, gzip", "all.txt", "gzip"],
      ["br;q=-1, gzip", "all.txt", "gzip"],
      // Nothing acceptable but identity.
      ["", "all.txt", null],
      [null, "all.txt", null],
      ["deflate", "all.txt", null],
      ["compress, identity", "all.txt", null],
    ];
    for (const [accept, file, coding] of table) {
      it(`Accept-Encoding: ${accept ?? "(none)"} on /${file} -> ${coding ?? "identity"}`, async () => {
        const res = await get(run.port, `/${file}`, accept === null ? [] : [`Accept-Encoding: ${accept}`]);
        expect(res.status).to.equal(200);
        expect(res.header("Content-Encoding") ?? null).to.equal(coding);
        expect(res.text).to.equal(coding === "br" ? "br-bytes" : coding === "gzip" ? "gzip-bytes" : "identity");
        expect(res.header("Vary")).to.equal("Accept-Encoding");
      });
    }
  });

  describe("symlinks leading out of the folder: neither listed nor redirected", () => {
    let dir: string;
    let outside: string;
    const removers: Array<() => void> = [];
    let strict: Running<ThreadingHTTPServer>;
    let follow: Running<ThreadingHTTPServer>;
    before(async () => {
      let remove: () => void;
      ({ dir: outside, remove } = tempDir());
      removers.push(remove);
      ({ dir, remove } = tempDir());
      removers.push(remove);
      fs.mkdirSync(join(outside, "elsewhere", "deeper"), { recursive: true });
      fs.writeFileSync(join(outside, "elsewhere", "secret.txt"), "SECRET");
      fs.writeFileSync(join(outside, "secret.txt"), "SECRET");
      fs.mkdirSync(join(dir, "sub"));
      fs.writeFileSync(join(dir, "sub", "a.txt"), "inside");
      fs.symlinkSync(join(outside, "elsewhere"), join(dir, "outlink")); // a folder outside
      fs.symlinkSync(join(outside, "secret.txt"), join(dir, "outfile")); // a file outside
      fs.symlinkSync("outlink", join(dir, "hop")); // in-root link to an out-of-root link
      fs.symlinkSync(join(outside, "elsewhere"), join(dir, "sub", "deep-out")); // one level down
      fs.symlinkSync("sub", join(dir, "inlink")); // stays inside
      fs.symlinkSync("sub/a.txt", join(dir, "infile")); // stays inside
      strict = await serveLogged(ThreadingHTTPServer, folderHandler(() => dir));
      follow = await serveLogged(ThreadingHTTPServer, folderHandler(() => dir, { followSymlinks: true }));
    });
    after(async () => {
      await strict.close();
      await follow.close();
      for (const r of removers) r();
    });

    const refused = ["/outlink", "/outlink/", "/outlink/deeper", "/outlink/deeper/", "/outlink/secret.txt", "/outfile", "/hop", "/hop/deeper", "/sub/deep-out", "/sub/deep-out/deeper", "/inlink/deep-out"];
    for (const target of refused) {
      for (const method of ["GET", "HEAD"]) {
        it(`${method} ${target}: 404 at once (no 301 that tells it is a folder)`, async () => {
          const res = await get(strict.port, target, [], method);
          expect(res.status, target).to.equal(404);
          expect(res.header("Location")).to.equal(undefined);
          expect(res.text).to.not.include("SECRET");
        });
      }
    }

    it("the listings leave them out; links that stay inside keep Python's @ and /", async () => {
      const root = await get(strict.port, "/");
      expect(root.status).to.equal(200);
      for (const name of ["outlink", "outfile", "hop"]) expect(root.text).to.not.include(`>${name}`);
      expect(root.text).to.include('<a href="inlink/">inlink@</a>');
      expect(root.text).to.include('<a href="infile">infile@</a>');
      expect(root.text).to.include('<a href="sub/">sub/</a>');
      const sub = await get(strict.port, "/sub/");
      expect(sub.text).to.not.include("deep-out");
      expect(sub.text).to.include('<a href="a.txt">a.txt</a>');
      const viaLink = await get(strict.port, "/inlink/");
      expect(viaLink.text).to.not.include("deep-out");
    });

    it("links that stay inside: redirected and served as Python does", async () => {
      const redirect = await get(strict.port, "/inlink");
      expect([redirect.status, redirect.header("Location")]).to.deep.equal([301, "/inlink/"]);
      expect((await get(strict.port, "/infile")).text).to.equal("inside");
      expect((await get(strict.port, "/inlink/a.txt")).text).to.equal("inside");
    });

    it("followSymlinks = true keeps Python's behaviour: listed with @, redirected, served", async () => {
      const root = await get(follow.port, "/");
      expect(root.text).to.include('<a href="outlink/">outlink@</a>');
      expect(root.text).to.include('<a href="outfile">outfile@</a>');
      expect(root.text).to.include('<a href="hop/">hop@</a>');
      const redirect = await get(follow.port, "/outlink");
      expect([redirect.status, redirect.header("Location")]).to.deep.equal([301, "/outlink/"]);
      expect((await get(follow.port, "/outlink/deeper")).header("Location")).to.equal("/outlink/deeper/");
      expect((await get(follow.port, "/outfile")).text).to.equal("SECRET");
      expect((await get(follow.port, "/sub/")).text).to.include('<a href="deep-out/">deep-out@</a>');
    });
  });

  describe("listings for readers that do not read", () => {
    let dir: string;
    let remove: () => void;
    before(() => {
      ({ dir, remove } = tempDir());
      fs.mkdirSync(join(dir, "big"));
      for (let i = 0; i < 4000; i++) fs.writeFileSync(join(dir, "big", `${String(i).padStart(5, "0")}-${"n".repeat(60)}.txt`), "");
      fs.writeFileSync(join(dir, "big", ".hidden"), "");
    });
    after(() => remove());

    /** Open `n` connections asking for `target` that do not read; resolves when each has its status line. */
    async function stalled(port: number, target: string, n: number): Promise<net.Socket[]> {
      const socks: net.Socket[] = [];
      for (let i = 0; i < n; i++) {
        const sock = await connect(port);
        const head = readUntil(sock, (b) => b.includes("\r\n\r\n"), 10_000);
        sock.write(`GET ${target} HTTP/1.0\r\n\r\n`);
        await head;
        sock.pause();
        socks.push(sock);
      }
      return socks;
    }

    it("concurrent readers of one folder get byte-identical listings; dotfile and display-path variants stay apart", async () => {
      const plain = await serveLogged(ThreadingHTTPServer, folderHandler(() => dir));
      const hiding = await serveLogged(ThreadingHTTPServer, folderHandler(() => dir, { hideDotfiles: true }));
      try {
        const held = [...(await stalled(plain.port, "/big/", 3)), ...(await stalled(hiding.port, "/big/", 3))];
        const [a, b, c, d] = await Promise.all([
          get(plain.port, "/big/"),
          get(plain.port, "/big/"),
          get(hiding.port, "/big/"),
          get(plain.port, "/big/?q"),
        ]);
        expect(a!.body.equals(b!.body)).to.equal(true);
        expect(a!.text).to.include('<a href=".hidden">.hidden</a>');
        expect(c!.text).to.not.include(".hidden");
        expect(c!.body.length).to.be.lessThan(a!.body.length);
        expect(d!.body.equals(a!.body)).to.equal(true); // 3.14: the title has no query
        const e = await get(plain.port, "/%62ig/");
        expect(e.text).to.include("<title>Directory listing for /big/</title>");
        for (const s of held) s.destroy();
      } finally {
        await plain.close();
        await hiding.close();
      }
    });

    it("BytesSource in parts reads as one body; SharedBuffers hands back the live buffer with the same bytes", async () => {
      const source = new BytesSource([Buffer.from("ab"), Buffer.alloc(0), Buffer.from("cde")]);
      expect(source.remainingParts.map(String)).to.deep.equal(["ab", "cde"]);
      expect(String(await source.read(1))).to.equal("a");
      expect(String(source.remaining)).to.equal("bcde");
      expect(String(await source.read())).to.equal("bcde");
      expect((await source.read()).length).to.equal(0);
      const shared = new SharedBuffers(4);
      const first = shared.intern(Buffer.from("same bytes"));
      expect(shared.intern(Buffer.from("same bytes"))).to.equal(first);
      expect(shared.intern(Buffer.from("other bytes"))).to.not.equal(first);
      const small = Buffer.from("abc");
      expect(shared.intern(small)).to.equal(small);
      expect(shared.intern(Buffer.from("abc"))).to.not.equal(small); // below minSize: never shared
    });

    it("listDirectory() and list_directory overrides are still called and used", async () => {
      let camel = 0;
      class Camel extends folderHandler(() => dir) {
        override listDirectory(path: string): BodySource | null {
          camel++;
          return super.listDirectory(path);
        }
      }
      class Snake extends folderHandler(() => dir) {
        override list_directory(): BodySource | null {
          this.sendError(403, "listing refused by a subclass");
          return null;
        }
      }
      const a = await serveLogged(ThreadingHTTPServer, Camel);
      const b = await serveLogged(ThreadingHTTPServer, Snake);
      try {
        const first = await get(a.port, "/big/");
        const second = await get(a.port, "/big/");
        expect(camel).to.equal(2);
        expect(first.body.equals(second.body)).to.equal(true);
        const refused = await get(b.port, "/big/");
        expect(refused.status).to.equal(403);
      } finally {
        await a.close();
        await b.close();
      }
    });
  });
});

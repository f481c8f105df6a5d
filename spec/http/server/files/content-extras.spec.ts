/**
 * SimpleHTTPRequestHandler's opt-in content extras, on a real server with
 * real clients (Node's fetch, curl, Python's urllib): `textCharset`,
 * `jsonListings` with `listingEtags`, and `spaFallback`. Each is off by
 * default, and then the responses are Python's.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import { expect } from "chai";

import { ThreadingHTTPServer } from "../../../../lib/http/server/http-server.js";
import { SimpleHTTPRequestHandler } from "../../../../lib/http/server/files/simple-handler.js";
import { htmlListingEtag, prefersJson } from "../../../../lib/http/server/files/listing-formats.js";
import { HIDE_DOTFILES, HIDE_UPLOADS } from "../../../../lib/http/server/files/listing-rows.js";
import { acceptsHtml, hasExtension } from "../../../../lib/http/server/files/spa-fallback.js";
import { withCharset } from "../../../../lib/http/server/files/text-charset.js";
import { HOST, run, tempDir } from "../../../helpers.js";
import { serve, type Running } from "../helpers.js";

type Settings = Partial<Pick<SimpleHTTPRequestHandler, "textCharset" | "jsonListings" | "listingEtags" | "spaFallback" | "hideDotfiles">>;

/** A handler class serving `dir` with `settings`, silent. */
function handlerFor(dir: string, settings: Settings): typeof SimpleHTTPRequestHandler {
  class Handler extends SimpleHTTPRequestHandler {
    constructor(r: unknown, a: unknown, s: never) {
      super(r, a, s, { directory: dir });
    }
    override logMessage(): void {}
  }
  Object.assign(Handler.prototype, settings);
  return Handler;
}

describe("SimpleHTTPRequestHandler content extras", function () {
  this.timeout(30000);

  let site: ReturnType<typeof tempDir>;
  const running: Array<Running<ThreadingHTTPServer>> = [];

  /** A server with `settings`; its base URL. */
  async function start(settings: Settings): Promise<string> {
    const r = await serve(ThreadingHTTPServer, handlerFor(site.dir, settings));
    running.push(r);
    return `http://${HOST}:${r.port}`;
  }

  before(() => {
    site = tempDir("content-extras-");
    const put = (rel: string, data: string): void => {
      fs.mkdirSync(path.dirname(path.join(site.dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(site.dir, rel), data);
    };
    put("gruss.txt", "Grüße\n");
    put("data.json", '{"a": "ü"}\n');
    put("feed.xml", "<a/>\n");
    put("mark.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>\n");
    put("app.js", "console.log(1)\n");
    put("pixel.png", "not really a png");
    put("list/b.txt", "bb");
    put("list/a file.txt", "a");
    put("list/.dot", "hidden");
    fs.mkdirSync(path.join(site.dir, "list", "sub"));
    fs.symlinkSync("b.txt", path.join(site.dir, "list", "link"));
    fs.utimesSync(path.join(site.dir, "list", "b.txt"), 1700000000, 1700000000);
    put("app/index.html", "<!doctype html><title>app</title>\n");
    put("app/main.css", "body{}\n");
  });
  after(async () => {
    for (const r of running) await r.close();
    site.remove();
  });

  describe("textCharset", () => {
    it("is off by default: the types are Python's", async () => {
      const base = await start({});
      for (const [file, type] of [
        ["gruss.txt", "text/plain"],
        ["data.json", "application/json"],
        ["mark.svg", "image/svg+xml"],
        ["app.js", "text/javascript"],
      ]) {
        const res = await fetch(`${base}/${file}`);
        expect(res.headers.get("content-type"), file).to.equal(type);
      }
    });

    it("names the charset for text, JavaScript, JSON, XML and SVG, and leaves other types alone", async () => {
      const base = await start({ textCharset: "utf-8" });
      for (const [file, type] of [
        ["gruss.txt", "text/plain; charset=utf-8"],
        ["data.json", "application/json; charset=utf-8"],
        ["feed.xml", "text/xml; charset=utf-8"],
        ["mark.svg", "image/svg+xml; charset=utf-8"],
        ["app.js", "text/javascript; charset=utf-8"],
        ["pixel.png", "image/png"],
      ]) {
        const res = await fetch(`${base}/${file}`);
        expect(res.headers.get("content-type"), file).to.equal(type);
      }
      // Python's urllib decodes by the charset the server names.
      const script = "import sys, urllib.request\nr = urllib.request.urlopen(sys.argv[1])\nprint(r.read().decode(r.headers.get_content_charset()), end='')";
      const res = await run("python3", ["-c", script, `${base}/gruss.txt`]);
      expect(res.stdout).to.equal("Grüße\n");
    });

    it("withCharset() keeps a charset already named and handles +json / +xml types", () => {
      expect(withCharset("text/html; charset=iso-8859-1", "utf-8")).to.equal("text/html; charset=iso-8859-1");
      expect(withCharset("application/ld+json", "utf-8")).to.equal("application/ld+json; charset=utf-8");
      expect(withCharset("application/atom+xml", "utf-8")).to.equal("application/atom+xml; charset=utf-8");
      expect(withCharset("application/octet-stream", "utf-8")).to.equal("application/octet-stream");
      expect(withCharset("text/plain", "iso-8859-1")).to.equal("text/plain; charset=iso-8859-1");
    });
  });

  describe("jsonListings and listingEtags", () => {
    it("are off by default: the listing's headers are Python's, JSON is not offered", async () => {
      const base = await start({});
      const res = await fetch(`${base}/list/`, { headers: { Accept: "application/json" } });
      expect(res.headers.get("content-type")).to.equal("text/html; charset=utf-8");
      expect(res.headers.get("etag")).to.equal(null);
      expect(res.headers.get("vary")).to.equal(null);
      expect([...res.headers.keys()].sort()).to.deep.equal(["content-length", "content-type", "date", "server"]);
    });

    it("answer a client that prefers JSON with the entries, their types, sizes, times and links", async () => {
      const base = await start({ jsonListings: true, listingEtags: true, hideDotfiles: true });
      const res = await fetch(`${base}/list/`, { headers: { Accept: "application/json" } });
      expect(res.status).to.equal(200);
      expect(res.headers.get("content-type")).to.equal("application/json");
      expect(res.headers.get("vary")).to.equal("Accept");
      expect(res.headers.get("etag")).to.match(/^W\/"j-[A-Za-z0-9_-]+"$/);
      const entries = (await res.json()) as Array<Record<string, unknown>>;
      expect(entries.map((e) => e.name)).to.deep.equal(["a file.txt", "b.txt", "link", "sub"]);
      const byName = Object.fromEntries(entries.map((e) => [e.name, e]));
      expect(byName["a file.txt"]).to.include({ type: "file", size: 1, href: "a%20file.txt" });
      expect(byName["b.txt"]).to.deep.equal({ name: "b.txt", type: "file", size: 2, mtime: "2023-11-14T22:13:20.000Z", href: "b.txt" });
      expect(byName["link"]).to.include({ type: "symlink", size: 2, href: "link" });
      expect(byName["sub"]).to.include({ type: "directory", size: null, href: "sub/" });
    });

    it("send HTML to browsers and to clients without a preference, with the same bytes as without the extras", async () => {
      const plain = await start({});
      const extra = await start({ jsonListings: true, listingEtags: true });
      const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
      for (const accept of [browserAccept, "*/*", "application/json, text/html", "text/html;q=0.9, application/json;q=0.9"]) {
        const [a, b] = await Promise.all([
          fetch(`${plain}/list/`, { headers: { Accept: accept } }),
          fetch(`${extra}/list/`, { headers: { Accept: accept } }),
        ]);
        expect(b.headers.get("content-type"), accept).to.equal("text/html; charset=utf-8");
        expect(await b.text(), accept).to.equal(await a.text());
        expect(b.headers.get("vary")).to.equal("Accept");
        expect(b.headers.get("etag")).to.match(/^W\/"h-/);
      }
    });

    it("answer If-None-Match with 304 (curl), and a changed folder with a new ETag", async () => {
      const base = await start({ jsonListings: true, listingEtags: true });
      for (const accept of ["text/html", "application/json"]) {
        const first = await fetch(`${base}/list/`, { headers: { Accept: accept } });
        const etag = first.headers.get("etag")!;
        const res = await run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", `Accept: ${accept}`, "-H", `If-None-Match: ${etag}`, `${base}/list/`]);
        expect(res.stdout, accept).to.equal("304");
        const other = await fetch(`${base}/list/`, { headers: { Accept: accept, "If-None-Match": 'W/"other"' } });
        expect(other.status).to.equal(200);
      }
      const before = (await fetch(`${base}/list/`)).headers.get("etag");
      fs.writeFileSync(path.join(site.dir, "list", "new.txt"), "new");
      try {
        const after = (await fetch(`${base}/list/`)).headers.get("etag");
        expect(after).to.not.equal(before);
      } finally {
        fs.rmSync(path.join(site.dir, "list", "new.txt"));
      }
    });

    it("htmlListingEtag(): one tag per folder state and choice of hidden names; without a state, per entries and choice of hidden names", () => {
      const items = Buffer.from("<li>x</li>\n");
      const a = htmlListingEtag(items, "rows:1:2:3:4:/srv", 0);
      expect(htmlListingEtag(Buffer.from("other"), "rows:1:2:3:4:/srv", 0)).to.equal(a);
      const tags = [0, HIDE_DOTFILES, HIDE_UPLOADS, HIDE_DOTFILES | HIDE_UPLOADS].map((hides) => htmlListingEtag(items, "rows:1:2:3:4:/srv", hides));
      expect(new Set(tags).size).to.equal(4);
      expect(htmlListingEtag(items, "rows:1:2:9:4:/srv", 0)).to.not.equal(a);
      expect(htmlListingEtag(items, null, HIDE_UPLOADS)).to.equal(htmlListingEtag(Buffer.from("<li>x</li>\n"), null, HIDE_UPLOADS));
      expect(htmlListingEtag(items, null, 0)).to.not.equal(htmlListingEtag(items, null, HIDE_UPLOADS));
      expect(htmlListingEtag(items, null, 0)).to.not.equal(htmlListingEtag(Buffer.from("<li>y</li>\n"), null, 0));
    });

    it("prefersJson(): JSON only when application/json outranks text/html", () => {
      expect(prefersJson(undefined)).to.equal(false);
      expect(prefersJson("application/json")).to.equal(true);
      expect(prefersJson("application/json, */*;q=0.5")).to.equal(true);
      expect(prefersJson("application/json;q=0.5, text/html")).to.equal(false);
      expect(prefersJson("application/json, text/*;q=0.9")).to.equal(true);
      expect(prefersJson("application/json;q=0")).to.equal(false);
      expect(prefersJson("*/*")).to.equal(false);
    });
  });

  describe("spaFallback", () => {
    it("sends the app's page for a browser's request to a missing, extension-less path", async () => {
      const base = await start({ spaFallback: "app/index.html" });
      for (const route of ["/deep/route", "/deep/route/", "/x?y=1", "/app/settings"]) {
        const res = await fetch(`${base}${route}`, { headers: { Accept: "text/html,*/*;q=0.8" } });
        expect(res.status, route).to.equal(200);
        expect(await res.text(), route).to.equal("<!doctype html><title>app</title>\n");
      }
      const head = await run("curl", ["-s", "-I", "-H", "Accept: text/html", `${base}/deep/route`]);
      expect(head.stdout).to.match(/^HTTP\/1\.0 200 OK/);
    });

    it("keeps real 404s: assets, other clients, other methods, existing files untouched", async () => {
      const base = await start({ spaFallback: "app/index.html" });
      const html = { Accept: "text/html" };
      expect((await fetch(`${base}/app.missing.js`, { headers: html })).status).to.equal(404);
      expect((await fetch(`${base}/img/x.png`, { headers: html })).status).to.equal(404);
      expect((await fetch(`${base}/deep/route`)).status).to.equal(404); // fetch's Accept is */*
      expect((await fetch(`${base}/deep/route`, { headers: { Accept: "application/json" } })).status).to.equal(404);
      expect((await fetch(`${base}/deep/route`, { headers: { Accept: "text/html;q=0" } })).status).to.equal(404);
      expect((await fetch(`${base}/deep/route`, { method: "POST", headers: html })).status).to.equal(501);
      expect(await (await fetch(`${base}/app/main.css`, { headers: html })).text()).to.equal("body{}\n");
    });

    it("a page outside the folder or missing gives the plain 404", async () => {
      fs.symlinkSync("/etc/hostname", path.join(site.dir, "outside.html"));
      try {
        for (const page of ["outside.html", "../../etc/hostname", "nope.html"]) {
          const base = await start({ spaFallback: page });
          const res = await fetch(`${base}/deep/route`, { headers: { Accept: "text/html" } });
          expect(res.status, page).to.equal(404);
        }
      } finally {
        fs.rmSync(path.join(site.dir, "outside.html"));
      }
    });

    it("acceptsHtml() and hasExtension()", () => {
      expect(acceptsHtml("text/html")).to.equal(true);
      expect(acceptsHtml("TEXT/HTML;q=0.5")).to.equal(true);
      expect(acceptsHtml("text/html;q=0")).to.equal(false);
      expect(acceptsHtml("*/*")).to.equal(false);
      expect(hasExtension("/a/b.js?x")).to.equal(true);
      expect(hasExtension("/a.b/c")).to.equal(false);
      expect(hasExtension("/a/c%2Ejs")).to.equal(true);
    });
  });
});

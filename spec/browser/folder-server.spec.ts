/**
 * The folder server in a real browser: Debian's Chromium, driven by
 * playwright-core, against a SimpleHTTPRequestHandler serving a temp folder
 * on 127.0.0.1. Listings, clicking through links (tricky names included),
 * a page whose image, script and stylesheet must all arrive, and a <video>
 * that seeks with Range requests.
 *
 * Chromium comes from Debian's `chromium` package (`.ci/run` installs it).
 * Without it this file fails: a browser test that skips proves nothing.
 */
import { existsSync, promises as fsp } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { deflateSync } from "node:zlib";
import { expect } from "chai";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

import { CHROMIUM, CHROMIUM_ARGS } from "./chromium.js";

import { ThreadingHTTPServer } from "../../lib/http/server/http-server.js";
import { SimpleHTTPRequestHandler } from "../../lib/http/server/files/simple-handler.js";

/** The repository root, from dist/spec/browser/ (compiled) or spec/browser/. */
const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const ARTIFACTS = join(REPO, "artifacts");
const VIDEO_FIXTURE = join(REPO, "spec", "fixtures", "media", "testsrc-320x240-4s.webm");

/**
 * The few browser globals the page functions below use. The project compiles
 * without the DOM library (it is a Node.js package), so the functions handed
 * to page.evaluate() take these types from here; they are erased at compile
 * time and the functions run in the page with the real objects.
 */
interface BrowserImage {
  id: string;
  complete: boolean;
  naturalWidth: number;
  naturalHeight: number;
}
interface BrowserVideo {
  readyState: number;
  duration: number;
  currentTime: number;
  videoWidth: number;
  videoHeight: number;
  seekable: { length: number; end(i: number): number };
  error: { code: number; message: string } | null;
  addEventListener(type: string, listener: () => void, options?: { once?: boolean }): void;
}
interface BrowserGlobals {
  __marker?: string;
  document: {
    images: ArrayLike<BrowserImage>;
    documentElement: { dataset: Record<string, string | undefined> };
    getElementById(id: string): unknown;
  };
  getComputedStyle(element: unknown): {
    width: string;
    color: string;
    borderTopColor: string;
    borderTopWidth: string;
  };
}

/** One request as the server saw it. */
interface Seen {
  path: string;
  range: string | undefined;
  code: string;
}

// ---------------------------------------------------------------------------
// A tiny PNG, built from bytes: signature, IHDR, IDAT (zlib), IEND.

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A `width` x `height` truecolour PNG filled with one RGB colour. */
function solidPng(width: number, height: number, [r, g, b]: [number, number, number]): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  // compression, filter, interlace: 0
  const row = Buffer.alloc(1 + width * 3); // filter byte 0, then pixels
  for (let x = 0; x < width; x++) row.set([r, g, b], 1 + x * 3);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", ihdr),
    pngChunk("IDAT", deflateSync(raw)),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}

// ---------------------------------------------------------------------------
// The served folder.

const TRICKY = {
  "<t&>.txt": "tricky file one: angle brackets and ampersand",
  "with space.txt": "tricky file two: a space in the name",
  "été.txt": "tricky file three: non-ASCII name",
  "100% #1?.txt": "tricky file four: percent, hash and question mark",
} as const;

const ASSETS_PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>Assets page</title>
<link rel="stylesheet" href="style.css">
<script src="app.js"></script>
</head>
<body>
<div id="box">styled box</div>
<img id="png" src="pixel.png" alt="png">
<img id="svg" src="images/mark.svg" alt="svg">
</body>
</html>
`;

const VIDEO_PAGE = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Video</title></head>
<body>
<video id="v" src="clip.webm" preload="auto" muted playsinline width="320" height="240"></video>
</body>
</html>
`;

async function makeTree(root: string): Promise<void> {
  const put = async (rel: string, data: string | Buffer): Promise<void> => {
    const file = join(root, rel);
    await fsp.mkdir(join(file, ".."), { recursive: true });
    await fsp.writeFile(file, data);
  };
  await put("hello.txt", "Hello from the root folder.\n");
  await put("sub/notes.txt", "These are the notes in sub/.\nSecond line.\n");
  await fsp.mkdir(join(root, "sub", "deeper"), { recursive: true });
  await put("assets/page.html", ASSETS_PAGE);
  await put("assets/pixel.png", solidPng(4, 3, [220, 30, 40]));
  await put(
    "assets/images/mark.svg",
    '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="7"><rect width="10" height="7" fill="#0a0"/></svg>\n',
  );
  await put("assets/app.js", 'window.__marker = "script ran";\ndocument.documentElement.dataset.marker = "ok";\n');
  await put("assets/style.css", "#box { width: 123px; color: rgb(1, 2, 3); border: 2px solid rgb(4, 5, 6); }\n");
  await put("media/video.html", VIDEO_PAGE);
  await put("media/clip.webm", await fsp.readFile(VIDEO_FIXTURE));
  for (const [name, text] of Object.entries(TRICKY)) await put(join("tricky", name), text + "\n");
}

// ---------------------------------------------------------------------------

describe("folder server in a real browser (Chromium)", function () {
  this.timeout(60000);

  let root: string;
  let server: ThreadingHTTPServer;
  let serving: Promise<void>;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const seen: Seen[] = [];
  const logLines: string[] = [];

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium not found at ${CHROMIUM}: the browser tests need Debian's chromium package ` +
          "(apt-get install -y chromium; .ci/run installs it) or CHROMIUM_PATH pointing at a Chromium binary",
      );
    }
    root = await fsp.mkdtemp(join(tmpdir(), "http-server-browser-"));
    await makeTree(root);

    const dir = root;
    class FolderHandler extends SimpleHTTPRequestHandler {
      override directory = dir;
      override logRequest(code: number | string = "-", size: number | string = "-"): void {
        seen.push({ path: this.path, range: this.headers?.get("Range") ?? undefined, code: String(code) });
        super.logRequest(code, size);
      }
      override logMessage(format: string, ...args: unknown[]): void {
        logLines.push(`${format} ${args.map(String).join(" ")}`);
      }
    }
    server = new ThreadingHTTPServer(["127.0.0.1", 0], FolderHandler);
    await server.ready;
    serving = server.serveForever();
    base = `http://127.0.0.1:${(server.serverAddress as [string, number])[1]}`;

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: 30000,
    });
  });

  after(async function () {
    await browser?.close().catch(() => undefined);
    if (server) {
      await server.shutdown();
      await serving;
      await server.serverClose();
    }
    if (root) await fsp.rm(root, { recursive: true, force: true });
  });

  beforeEach(async function () {
    seen.length = 0;
    context = await browser.newContext({ viewport: { width: 800, height: 600 } });
    context.setDefaultTimeout(15000);
    context.setDefaultNavigationTimeout(15000);
    page = await context.newPage();
  });

  afterEach(async function () {
    if (this.currentTest?.state === "failed") {
      console.error("server saw:", JSON.stringify(seen, null, 1));
      console.error("server log:", logLines.slice(-30).join("\n"));
    }
    await context?.close().catch(() => undefined);
  });

  /** The link texts of a listing page, in order. */
  const entries = (): Promise<string[]> => page.locator("ul > li > a").allTextContents();

  it("shows the listing of the served folder (screenshot in artifacts/listing.png)", async () => {
    const response = await page.goto(base + "/");
    expect(response?.status()).to.equal(200);
    expect(response?.headers()["content-type"]).to.equal("text/html; charset=utf-8");
    expect(await page.title()).to.equal("Directory listing for /");
    expect(await page.locator("h1").textContent()).to.equal("Directory listing for /");
    expect(await entries()).to.deep.equal(["assets/", "hello.txt", "media/", "sub/", "tricky/"]);

    await fsp.mkdir(ARTIFACTS, { recursive: true });
    const shot = join(ARTIFACTS, "listing.png");
    await fsp.rm(shot, { force: true });
    await page.screenshot({ path: shot, fullPage: true });
    const png = await fsp.readFile(shot);
    expect(png.subarray(0, 8).toString("hex")).to.equal("89504e470d0a1a0a");
    expect(png.readUInt32BE(16), "screenshot width").to.equal(800);
    expect(png.length).to.be.greaterThan(1000);
  });

  it("clicks into a subfolder, then opens a text file", async () => {
    await page.goto(base + "/");
    await Promise.all([page.waitForURL(base + "/sub/"), page.getByRole("link", { name: "sub/", exact: true }).click()]);
    expect(await page.title()).to.equal("Directory listing for /sub/");
    expect(await entries()).to.deep.equal(["deeper/", "notes.txt"]);

    const [response] = await Promise.all([
      page.waitForResponse(base + "/sub/notes.txt"),
      page.getByRole("link", { name: "notes.txt", exact: true }).click(),
    ]);
    await page.waitForURL(base + "/sub/notes.txt");
    expect(response.status()).to.equal(200);
    expect(response.headers()["content-type"]).to.equal("text/plain");
    expect(page.url()).to.equal(base + "/sub/notes.txt");
    expect(await page.locator("body").innerText()).to.equal("These are the notes in sub/.\nSecond line.\n");

    // A folder without its slash is redirected (301) to the slashed URL.
    await page.goto(base + "/sub");
    expect(page.url()).to.equal(base + "/sub/");
    expect(seen.map((s) => `${s.path} ${s.code}`)).to.include("/sub 301");
  });

  it("loads a page whose image, script and stylesheet all arrive", async () => {
    const failed: string[] = [];
    const statuses: Array<[string, number, string]> = [];
    page.on("requestfailed", (req) => failed.push(`${req.url()} ${req.failure()?.errorText ?? ""}`));
    page.on("response", (res) => statuses.push([res.url(), res.status(), res.headers()["content-type"] ?? ""]));

    await page.goto(base + "/assets/page.html", { waitUntil: "load" });

    expect(await page.evaluate(() => (globalThis as unknown as BrowserGlobals).__marker)).to.equal("script ran");
    expect(
      await page.evaluate(() => (globalThis as unknown as BrowserGlobals).document.documentElement.dataset.marker),
    ).to.equal("ok");

    const images = await page.evaluate(() =>
      Array.from((globalThis as unknown as BrowserGlobals).document.images, (img) => ({
        id: img.id,
        complete: img.complete,
        width: img.naturalWidth,
        height: img.naturalHeight,
      })),
    );
    expect(images).to.deep.equal([
      { id: "png", complete: true, width: 4, height: 3 },
      { id: "svg", complete: true, width: 10, height: 7 },
    ]);
    expect(images.every((i) => i.complete && i.width > 0)).to.equal(true);

    const style = await page.evaluate(() => {
      const { document, getComputedStyle } = globalThis as unknown as BrowserGlobals;
      const s = getComputedStyle(document.getElementById("box"));
      return { width: s.width, color: s.color, borderTop: s.borderTopColor, borderWidth: s.borderTopWidth };
    });
    expect(style).to.deep.equal({ width: "123px", color: "rgb(1, 2, 3)", borderTop: "rgb(4, 5, 6)", borderWidth: "2px" });

    expect(failed, "failed requests").to.deep.equal([]);
    const byPath = new Map(statuses.map(([url, status, type]) => [new URL(url).pathname, { status, type }]));
    expect(Object.fromEntries(byPath)).to.deep.equal({
      "/assets/page.html": { status: 200, type: "text/html" },
      "/assets/style.css": { status: 200, type: "text/css" },
      "/assets/app.js": { status: 200, type: "text/javascript" },
      "/assets/pixel.png": { status: 200, type: "image/png" },
      "/assets/images/mark.svg": { status: 200, type: "image/svg+xml" },
    });
  });

  it("plays a <video> that seeks, with Range requests answered 206", async () => {
    const clipSize = (await fsp.stat(VIDEO_FIXTURE)).size;
    const ranged: Array<{ status: number; contentRange: string | undefined }> = [];
    page.on("response", (res) => {
      if (res.url().endsWith("/media/clip.webm")) {
        ranged.push({ status: res.status(), contentRange: res.headers()["content-range"] });
      }
    });
    await page.goto(base + "/media/video.html");

    const result = await page.evaluate(async () => {
      const { document } = globalThis as unknown as BrowserGlobals;
      const v = document.getElementById("v") as BrowserVideo;
      const once = (type: string, ms: number): Promise<void> =>
        new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no '${type}' event within ${ms} ms`)), ms);
          v.addEventListener(
            type,
            () => {
              clearTimeout(timer);
              resolve();
            },
            { once: true },
          );
          v.addEventListener("error", () => reject(new Error(`media error ${v.error?.code}: ${v.error?.message}`)), {
            once: true,
          });
        });
      if (v.readyState < 1) await once("loadedmetadata", 15000);
      const duration = v.duration;
      const seeked = once("seeked", 15000);
      v.currentTime = 2.5;
      await seeked;
      return {
        duration,
        currentTime: v.currentTime,
        width: v.videoWidth,
        height: v.videoHeight,
        seekable: v.seekable.length > 0 ? v.seekable.end(0) : 0,
      };
    });

    expect(result.duration).to.be.closeTo(4, 0.1);
    expect(result.currentTime).to.be.closeTo(2.5, 0.1);
    expect([result.width, result.height]).to.deep.equal([320, 240]);
    expect(result.seekable).to.be.closeTo(4, 0.1);

    const clip = seen.filter((s) => s.path === "/media/clip.webm");
    const partial = clip.filter((s) => s.range !== undefined && s.code === "206");
    expect(partial.length, `Range requests answered 206; server saw ${JSON.stringify(clip)}`).to.be.at.least(1);
    expect(partial.every((s) => /^bytes=\d+-\d*$/.test(s.range!))).to.equal(true);
    // The browser saw the 206 too, with a Content-Range that names the real size.
    const browser206 = ranged.filter((r) => r.status === 206);
    expect(browser206.length, JSON.stringify(ranged)).to.be.at.least(1);
    for (const r of browser206) expect(r.contentRange).to.match(new RegExp(`^bytes \\d+-\\d+/${clipSize}$`));
  });

  it("clicks through a listing with tricky names to the right files", async () => {
    await page.goto(base + "/tricky/");
    expect(await entries()).to.have.members(Object.keys(TRICKY));
    expect(await page.locator("h1").textContent()).to.equal("Directory listing for /tricky/");

    for (const [name, text] of Object.entries(TRICKY)) {
      await page.goto(base + "/tricky/");
      const link = page.getByRole("link", { name, exact: true });
      expect(await link.count(), `one link for ${name}`).to.equal(1);
      const expectedUrl = base + "/tricky/" + encodeURIComponent(name);
      const [response] = await Promise.all([
        page.waitForEvent("response", (r) => r.request().isNavigationRequest()),
        link.click(),
      ]);
      await page.waitForLoadState("load");
      expect(response.status(), name).to.equal(200);
      expect(decodeURIComponent(new URL(page.url()).pathname), name).to.equal("/tricky/" + name);
      expect(page.url(), name).to.equal(expectedUrl);
      expect(await page.locator("body").innerText(), name).to.equal(text + "\n");
    }
  });
});

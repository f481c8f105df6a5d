/**
 * The command line's content options in a real browser (Debian's Chromium
 * through playwright-core): UTF-8 text shown right thanks to the charset the
 * command line names (and shown as mojibake without it, so the check can
 * fail), a single-page app loaded directly at a client-side route, and a
 * file whose name is not UTF-8 reached by clicking its link.
 */
import { existsSync, promises as fsp } from "node:fs";
import { join } from "node:path";

import { expect } from "chai";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

import { CHROMIUM, CHROMIUM_ARGS } from "./chromium.js";

import { tempDir } from "../helpers.js";
import { serveCommandLine, type CommandLineRun } from "../cli/cli-helpers.js";

/** The browser globals the page functions use (the project compiles without the DOM library). */
interface PageGlobals {
  document: { getElementById(id: string): { textContent: string | null } | null };
  history: { pushState(state: unknown, title: string, url: string): void };
}

const APP_PAGE = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><link rel="icon" href="data:,"><title>App</title>
<script src="/app.js" defer></script></head>
<body><nav><a id="to-about" href="/about">About</a></nav><main id="view">loading</main></body>
</html>
`;

const APP_SCRIPT = `const view = document.getElementById("view");
function render() { view.textContent = "route " + location.pathname; }
document.getElementById("to-about").addEventListener("click", (e) => { e.preventDefault(); history.pushState(null, "", "/about"); render(); });
render();
`;

describe("command-line content options in a real browser (Chromium)", function () {
  this.timeout(60000);

  let site: ReturnType<typeof tempDir>;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const clis: CommandLineRun[] = [];

  async function serveWith(args: string[]): Promise<string> {
    const cli = await serveCommandLine(["-d", site.dir, ...args]);
    clis.push(cli);
    return cli.base;
  }

  before(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium package or set CHROMIUM_PATH`);
    }
    site = tempDir("browser-content-");
    await fsp.writeFile(join(site.dir, "gruss.txt"), "Grüße aus Köln\n");
    await fsp.writeFile(join(site.dir, "index.html"), APP_PAGE);
    await fsp.writeFile(join(site.dir, "app.js"), APP_SCRIPT);
    await fsp.mkdir(join(site.dir, "odd"));
    await fsp.writeFile(Buffer.from([...Buffer.from(join(site.dir, "odd") + "/"), 0x66, 0xff, 0x2e, 0x74, 0x78, 0x74]), "bytes name\n");
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30000 });
  });
  after(async () => {
    await browser?.close().catch(() => undefined);
    for (const cli of clis) await cli.stop();
    site?.remove();
  });
  beforeEach(async () => {
    context = await browser.newContext();
    context.setDefaultTimeout(15000);
    page = await context.newPage();
  });
  afterEach(async () => {
    await context?.close().catch(() => undefined);
  });

  it("shows a UTF-8 .txt file right with the command line's default charset", async () => {
    const base = await serveWith([]);
    const res = await page.goto(`${base}/gruss.txt`);
    expect(res?.headers()["content-type"]).to.equal("text/plain; charset=utf-8");
    expect(await page.locator("body").innerText()).to.equal("Grüße aus Köln\n");
  });

  it("shows the same file as mojibake with --charset none (Python's header)", async () => {
    const base = await serveWith(["--charset", "none"]);
    const res = await page.goto(`${base}/gruss.txt`);
    expect(res?.headers()["content-type"]).to.equal("text/plain");
    const text = await page.locator("body").innerText();
    expect(text).to.not.equal("Grüße aus Köln\n");
    expect(text).to.contain("GrÃ¼ÃŸe");
  });

  it("--spa: the app loads directly at a client-side route and routes on", async () => {
    const base = await serveWith(["--spa"]);
    const res = await page.goto(`${base}/deep/route`);
    expect(res?.status()).to.equal(200);
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.getElementById("view")?.textContent === "route /deep/route");
    await page.click("#to-about");
    expect(await page.locator("#view").textContent()).to.equal("route /about");
    // A reload at the new route is served the app again.
    await page.reload();
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.getElementById("view")?.textContent === "route /about");
    // A missing asset is still a 404, even for the browser.
    const missing = await page.goto(`${base}/missing.js`);
    expect(missing?.status()).to.equal(404);
  });

  it("a file named with a byte that is not UTF-8 opens from its listing link", async () => {
    const base = await serveWith([]);
    await page.goto(`${base}/odd/`);
    const link = page.locator("ul > li > a");
    expect(await link.count()).to.equal(1);
    expect(await link.getAttribute("href")).to.equal("f%ED%B3%BF.txt");
    const [response] = await Promise.all([page.waitForResponse(() => true), link.click()]);
    expect(response.status()).to.equal(200);
    expect(await page.locator("body").innerText()).to.equal("bytes name\n");
  });
});

/**
 * Uploads and the access gate in a real browser (Debian's Chromium through
 * playwright-core), against the command line's own handler class run by
 * main() on 127.0.0.1: the printed `?token=` link opens the listing and its
 * cookie carries the next requests; a file chosen in the listing's form is
 * uploaded and then listed; Basic authentication goes through the
 * browser's credentials.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import type { Browser, BrowserContext } from "playwright-core";

import { main } from "../../lib/cli/cli.js";
import type { HTTPServer } from "../../lib/http/server/http-server.js";
import { captureStderr, delay, tempDir, within } from "../helpers.js";
import { Collector } from "../cli/cli-helpers.js";
import { launchChromium } from "./chromium.js";

const TOKEN = "browser-token-0123456789abcdef";

describe("uploads and access in Chromium", function () {
  this.timeout(60000);
  let browser: Browser;
  let context: BrowserContext | null = null;
  let site: { dir: string; remove: () => void };
  let scratch: { dir: string; remove: () => void };

  /** Run the command line in this process; returns its base URL and a stop function. */
  async function serve(argv: string[]): Promise<{ base: string; stop: () => Promise<void> }> {
    const ac = new AbortController();
    let server: HTTPServer | null = null;
    const err = new Collector();
    const done = main(["0", "-b", "127.0.0.1", "-d", site.dir, ...argv], {
      stdout: new Collector(),
      stderr: err,
      signal: ac.signal,
      handleSignals: false,
      onServing: (s) => (server = s),
    });
    await within(
      (async () => {
        while (server === null) await delay(5);
      })(),
      10000,
      `the server to start (${err.text})`,
    );
    const port = ((server as unknown as HTTPServer).serverAddress as [string, number])[1];
    return {
      base: `http://127.0.0.1:${port}`,
      stop: async () => {
        ac.abort();
        await within(done, 10000, "main() to return");
      },
    };
  }

  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close().catch(() => undefined);
  });
  beforeEach(() => {
    site = tempDir("browser-upload-");
    scratch = tempDir("browser-upload-src-");
    fs.writeFileSync(path.join(site.dir, "existing.txt"), "already here\n");
  });
  afterEach(async () => {
    await context?.close().catch(() => undefined);
    context = null;
    site.remove();
    scratch.remove();
  });

  it("opens the ?token= link, uploads a file chosen in the listing's form, and lists it afterwards", async () => {
    const local = path.join(scratch.dir, "photo notes.txt");
    fs.writeFileSync(local, "uploaded from Chromium\n");
    await captureStderr(async () => {
      const srv = await serve(["--upload", "--token", TOKEN]);
      try {
        context = await browser.newContext();
        const page = await context.newPage();
        const denied = await page.goto(`${srv.base}/`);
        expect(denied!.status()).to.equal(401);

        const opened = await page.goto(`${srv.base}/?token=${TOKEN}`);
        expect(opened!.status()).to.equal(200);
        expect(await page.locator("li a").allTextContents()).to.deep.equal(["existing.txt"]);

        await page.setInputFiles('input[type="file"]', local);
        await Promise.all([page.waitForURL(`${srv.base}/`), page.click('button[type="submit"]')]);
        // After the upload the browser is back on the listing (the cookie stands in for the token).
        expect(await page.locator("li a").allTextContents()).to.deep.equal(["existing.txt", "photo notes.txt"]);
        expect(fs.readFileSync(path.join(site.dir, "photo notes.txt"), "utf8")).to.equal("uploaded from Chromium\n");

        const file = await page.goto(`${srv.base}/photo%20notes.txt`);
        expect(await file!.text()).to.equal("uploaded from Chromium\n");
        expect(page.url()).not.to.include(TOKEN);
      } finally {
        await srv.stop();
      }
    });
  });

  it("logs in with HTTP Basic through the browser's credentials; wrong ones get the 401 page", async () => {
    await captureStderr(async () => {
      const srv = await serve(["--auth", "ada:lovelace"]);
      try {
        context = await browser.newContext({ httpCredentials: { username: "ada", password: "wrong" } });
        let page = await context.newPage();
        const refused = await page.goto(`${srv.base}/existing.txt`);
        expect(refused!.status()).to.equal(401);
        expect(await page.textContent("h1")).to.equal("Error response");
        await context.close();

        context = await browser.newContext({ httpCredentials: { username: "ada", password: "lovelace" } });
        page = await context.newPage();
        const listing = await page.goto(`${srv.base}/`);
        expect(listing!.status()).to.equal(200);
        expect(await page.locator("form").count()).to.equal(0);
        await Promise.all([page.waitForURL(`${srv.base}/existing.txt`), page.click("text=existing.txt")]);
        expect(await page.textContent("body")).to.equal("already here\n");
      } finally {
        await srv.stop();
      }
    });
  });
});

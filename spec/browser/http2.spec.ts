/**
 * `--http2` in a real browser: Chromium loads a page and its module script
 * from the bin serving with `--http2 --tls-self-signed`, over HTTP/2 (the
 * Navigation and Resource Timing entries say `h2`). The certificate is made
 * at start-up, so Chromium runs with `--ignore-certificate-errors`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import type { Browser } from "playwright-core";

import { HOST, tempDir } from "../helpers.js";
import { children, killGroup, startCli, stop } from "../cli/cli-helpers.js";
import { launchChromium } from "./chromium.js";

/** What the page reports (the project compiles without the DOM library). */
interface PageReport {
  navigation: string;
  script: string;
  text: string;
}

describe("--http2 in Chromium", function () {
  this.timeout(60000);
  let browser: Browser;
  before(async () => {
    browser = await launchChromium(["--ignore-certificate-errors"]);
  });
  after(async () => {
    await browser?.close();
  });
  afterEach(() => {
    for (const child of children) killGroup(child);
  });

  it("loads a page and its module script over h2", async () => {
    const site = tempDir("http2-browser-");
    try {
      fs.writeFileSync(
        path.join(site.dir, "index.html"),
        '<!doctype html><meta charset="utf-8"><title>h2</title><p id="out">waiting</p><script type="module" src="app.js"></script>\n',
      );
      fs.writeFileSync(path.join(site.dir, "app.js"), 'document.getElementById("out").textContent = "module ran";\n');
      const cli = await startCli(["0", "-b", HOST, "--http2", "--tls-self-signed"], site.dir);
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        const response = await page.goto(`https://localhost:${cli.port}/`, { waitUntil: "load" });
        expect(response?.status()).to.equal(200);
        const report = (await page.evaluate(`({
          navigation: performance.getEntriesByType("navigation")[0].nextHopProtocol,
          script: performance.getEntriesByType("resource").find((e) => e.name.endsWith("/app.js")).nextHopProtocol,
          text: document.getElementById("out").textContent,
        })`)) as PageReport;
        expect(report).to.deep.equal({ navigation: "h2", script: "h2", text: "module ran" });
      } finally {
        await context.close();
      }
      expect(await stop(cli)).to.deep.equal({ code: 0, signal: null });
      expect(cli.stderr()).to.match(/"GET \/app\.js HTTP\/1\.1" 200 -\n/);
    } finally {
      site.remove();
    }
  });
});

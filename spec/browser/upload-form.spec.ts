/**
 * examples/http/upload.ts in a real browser (Debian's Chromium through
 * playwright-core): a person fills in the upload form, picks two files and
 * submits; the page that comes back lists them, and the folder holds exactly
 * their bytes (no temporary file left). Then the example as a script, with
 * curl, as its comment shows.
 */
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawn } from "node:child_process";
import { expect } from "chai";
import type { Browser } from "playwright-core";

import { ThreadingHTTPServer } from "http.server";
import { UploadHandler, safeName } from "../../examples/http/upload.js";
import { collect, exampleScript } from "../examples/clients.js";
import { launchChromium } from "./chromium.js";
import { run, tempDir, waitFor, within } from "../helpers.js";

const sha256 = (data: Buffer): string => createHash("sha256").update(data).digest("hex");

/** The stored files of `folder` (name without its random prefix -> sha256). */
function stored(folder: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
    expect(entry.isFile(), `${entry.name} is a kept file, not a leftover folder`).to.equal(true);
    out[entry.name.replace(/^[0-9a-f-]{36}-/, "")] = sha256(fs.readFileSync(path.join(folder, entry.name)));
  }
  return out;
}

describe("examples/http/upload.ts", function () {
  this.timeout(60000);
  let folder: string;
  let remove: () => void;

  beforeEach(() => {
    ({ dir: folder, remove } = tempDir("upload-example-"));
  });
  afterEach(() => remove());

  it("safeName keeps letters, digits, dots, dashes and underscores only", () => {
    expect(safeName("../../etc/passwd")).to.equal("__.._etc_passwd");
    expect(safeName("résumé 2026.pdf")).to.equal("r_sum__2026.pdf");
    expect(safeName(".hidden")).to.equal("_hidden");
    expect(safeName("")).to.equal("upload");
  });

  it("a person uploads two files through the form in Chromium", async () => {
    UploadHandler.folder = folder;
    class Quiet extends UploadHandler {
      override logMessage(): void {}
    }
    const server = new ThreadingHTTPServer(["127.0.0.1", 0], Quiet);
    await server.ready;
    const serving = server.serveForever(0.05);
    let browser: Browser | undefined;
    try {
      const base = `http://127.0.0.1:${(server.serverAddress as [string, number])[1]}/`;
      browser = await launchChromium();
      const page = await browser.newPage();
      page.setDefaultTimeout(15000);
      await page.goto(base);
      const photo = randomBytes(2 * 1024 * 1024 + 7);
      const notes = Buffer.from("first line\nsecond line\n");
      await page.fill('input[name="title"]', "Holiday <2026>");
      await page.setInputFiles('input[name="file"]', [
        { name: "photo.jpg", mimeType: "image/jpeg", buffer: photo },
        { name: "notes.txt", mimeType: "text/plain", buffer: notes },
      ]);
      await Promise.all([page.waitForURL(base), page.click('button[type="submit"]')]);
      expect(await page.locator("h1").textContent()).to.equal("Uploaded: Holiday <2026>");
      const items = await page.locator("li").allTextContents();
      expect(items).to.have.length(2);
      expect(items[0]).to.match(/^[0-9a-f-]{36}-photo\.jpg \(2097159 bytes, image\/jpeg\)$/);
      expect(items[1]).to.match(/^[0-9a-f-]{36}-notes\.txt \(23 bytes, text\/plain\)$/);
      expect(stored(folder)).to.deep.equal({ "photo.jpg": sha256(photo), "notes.txt": sha256(notes) });
    } finally {
      await browser?.close().catch(() => undefined);
      await server.shutdown();
      await serving;
      server.serverClose();
    }
  });

  it("runs as a script; curl -F stores the file, and a file over 50 MiB gets 413 with nothing kept", async () => {
    const child = spawn(process.execPath, [exampleScript("http/upload.js"), "0", folder], { stdio: ["ignore", "pipe", "pipe"] });
    const out = collect(child);
    try {
      await waitFor(() => /port \d+/.test(out.stdout()), 10000, "the start-up line");
      const url = `http://127.0.0.1:${/port (\d+)/.exec(out.stdout())![1]}/`;
      const data = randomBytes(1024 * 1024);
      const file = path.join(folder, "..", `${path.basename(folder)}-notes.bin`);
      fs.writeFileSync(file, data);
      try {
        const ok = await run("curl", ["-s", "-F", "title=Notes", "-F", `file=@${file}`, url]);
        expect(ok.stdout).to.include("<h1>Uploaded: Notes</h1>");
        expect(Object.values(stored(folder))).to.deep.equal([sha256(data)]);
        fs.truncateSync(file, 50 * 1024 * 1024 + 1);
        const big = await run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-F", `file=@${file}`, url], 30000);
        expect(big.stdout).to.equal("413");
        expect(Object.values(stored(folder))).to.deep.equal([sha256(data)]);
      } finally {
        fs.rmSync(file, { force: true });
      }
    } finally {
      child.kill("SIGINT");
      await within(out.exited, 5000, "the script to exit");
    }
    expect(out.stderr()).to.match(/"POST \/ HTTP\/1\.1" 200 -/);
    expect(out.stderr()).to.match(/code 413, message the file "[^"]+" is larger than 52428800 bytes/);
  });
});

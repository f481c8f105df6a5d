/**
 * The README's "serve a folder" command from a clone: `npm start -- PORT
 * -d FOLDER` runs the built command line directly (no rebuild, no npx
 * prompt: inside the package's own folder `npx http.server` would install
 * the folder itself and run its `prepare` build first).
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { tempDir, within } from "../helpers.js";

/** The repository root (this file runs from dist/spec/package/). */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

describe("package: the README's serve-a-folder command", function () {
  this.timeout(30000);

  it("is `npm install && npm start -- 8000 -d ~/Sites`, and `npm start` serves the folder from the built CLI at once", async () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    expect(readme).to.include("npm install && npm start -- 8000 -d ~/Sites");
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts["start"]).to.equal("node dist/lib/cli/cli-main.js");

    const tmp = tempDir("start-");
    fs.writeFileSync(path.join(tmp.dir, "index.html"), "<p>served</p>\n");
    // Its own process group, so that Ctrl-C can reach npm and the server together.
    const child = spawn("npm", ["start", "--silent", "--", "0", "-b", "127.0.0.1", "-d", tmp.dir], {
      cwd: ROOT,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (out += c));
    const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
    try {
      const started = Date.now();
      const port = await within(
        (async () => {
          for (;;) {
            const m = /Serving HTTP on 127\.0\.0\.1 port (\d+)/.exec(out);
            if (m) return Number(m[1]);
            await new Promise((r) => setTimeout(r, 20));
          }
        })(),
        10000,
        "the Serving line",
      );
      // No build ran before serving (a tsc build takes far longer).
      expect(Date.now() - started).to.be.below(8000);
      const response = await fetch(`http://127.0.0.1:${port}/`);
      expect(response.status).to.equal(200);
      expect(await response.text()).to.equal("<p>served</p>\n");
    } finally {
      process.kill(-child.pid!, "SIGINT");
      await within(exited, 10000, "npm start to exit on Ctrl-C");
      tmp.remove();
    }
    expect(out).to.include("Keyboard interrupt received, exiting.");
  });
});

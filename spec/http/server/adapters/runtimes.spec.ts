/**
 * `toFetchHandler()` under the two other server runtimes, installed from
 * npm as devDependencies: a tiny script runs `Bun.serve` / `Deno.serve`
 * with a handler class from the built `dist/`, and Node's fetch talks to it.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { expect } from "chai";

import { HOST, tempDir, within } from "../../../helpers.js";
import { collect } from "../../../examples/clients.js";

/** The worktree root (the compiled spec lives in `dist/spec/http/server/adapters/`). */
const ROOT = fileURLToPath(new URL("../../../../../", import.meta.url));
const LIB = pathToFileURL(path.join(ROOT, "dist", "lib", "index.js")).href;

/** The handler class every runtime serves, and how each reports the client address. */
const HANDLER = `
import { BaseHTTPRequestHandler, toFetchHandler } from ${JSON.stringify(LIB)};
class Hello extends BaseHTTPRequestHandler {
  do_GET() {
    if (this.path === "/big") {
      this.sendResponse(200);
      this.sendHeader("Content-Length", 4 * 1024 * 1024);
      this.endHeaders();
      const piece = Buffer.alloc(64 * 1024);
      const send = async () => {
        for (let i = 0; i < 64; i++) {
          piece.fill(i);
          this.wfile.write(Buffer.from(piece));
          await this.wfile.flush();
        }
      };
      return send();
    }
    const body = Buffer.from("hello " + this.path + " from " + this.clientAddress[0] + "\\n");
    this.sendResponse(200);
    this.sendHeader("Content-Type", "text/plain");
    this.sendHeader("Content-Length", body.length);
    this.endHeaders();
    this.wfile.write(body);
  }
  async do_POST() {
    const body = await this.rfile.read(Number(this.headers.get("Content-Length")));
    this.sendResponse(201);
    this.sendHeader("Set-Cookie", "a=1");
    this.sendHeader("Set-Cookie", "b=2");
    this.sendHeader("Content-Length", body.length);
    this.endHeaders();
    this.wfile.write(body);
  }
  do_HEAD() {
    this.sendResponse(200);
    this.sendHeader("Content-Length", 99);
    this.endHeaders();
  }
  logMessage() {}
}
`;

interface Runtime {
  name: string;
  bin: string;
  args(script: string): string[];
  serve: string;
}

const runtimes: Runtime[] = [
  {
    name: "Bun",
    bin: path.join(ROOT, "node_modules", ".bin", "bun"),
    args: (script) => [script],
    serve: `const server = Bun.serve({ port: 0, hostname: ${JSON.stringify(HOST)},
      fetch: toFetchHandler(Hello, { clientAddress: (req, srv) => srv.requestIP(req) }) });
      console.log("listening on ${HOST}:" + server.port);`,
  },
  {
    name: "Deno",
    bin: path.join(ROOT, "node_modules", ".bin", "deno"),
    args: (script) => ["run", "-A", "--no-lock", "--node-modules-dir=manual", script],
    serve: `Deno.serve({ port: 0, hostname: ${JSON.stringify(HOST)},
      onListen: ({ port }) => console.log("listening on ${HOST}:" + port) },
      toFetchHandler(Hello, { clientAddress: (req, info) => info.remoteAddr }));`,
  },
];

const expectedBig = (): string => {
  const hash = createHash("sha256");
  for (let i = 0; i < 64; i++) hash.update(Buffer.alloc(64 * 1024, i));
  return hash.digest("hex");
};

for (const rt of runtimes) {
  describe(`adapters: toFetchHandler under ${rt.name}`, function () {
    this.timeout(60000);
    const tmp = tempDir("adapters-runtime-");
    let port = 0;
    let stop: () => Promise<void> = async () => {};

    before(async () => {
      const script = path.join(tmp.dir, "serve.mjs");
      fs.writeFileSync(script, HANDLER + rt.serve + "\n");
      // Run from the worktree, so Deno finds package.json and node_modules.
      const child = spawn(rt.bin, rt.args(script), { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
      const out = collect(child);
      stop = async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
        await within(out.exited, 10000, `${rt.name} to exit`);
      };
      const listening = new Promise<number>((resolve, reject) => {
        child.stdout?.on("data", () => {
          const m = /listening on [^\s:]+:(\d+)/.exec(out.stdout());
          if (m) resolve(Number(m[1]));
        });
        void out.exited.then((r) => reject(new Error(`${rt.name} exited (code ${r.code}): ${r.stderr}`)));
      });
      port = await within(listening, 30000, `${rt.name} to listen`);
    });

    after(async () => {
      await stop();
      tmp.remove();
    });

    it("GET: the handler's answer, with the client address from the runtime", async () => {
      const r = await fetch(`http://${HOST}:${port}/x?y=1`);
      expect(r.status).to.equal(200);
      expect(r.headers.get("content-type")).to.equal("text/plain");
      expect(r.headers.get("server")).to.match(/^BaseHTTP\/0\.6 /);
      expect(await r.text()).to.equal(`hello /x?y=1 from ${HOST}\n`);
    });

    it("POST: the body reaches rfile; both Set-Cookie headers come back", async () => {
      const r = await fetch(`http://${HOST}:${port}/p`, { method: "POST", body: "payload" });
      expect(r.status).to.equal(201);
      expect(r.headers.getSetCookie()).to.deep.equal(["a=1", "b=2"]);
      expect(await r.text()).to.equal("payload");
    });

    it("HEAD: the head only", async () => {
      const r = await fetch(`http://${HOST}:${port}/x`, { method: "HEAD" });
      expect(r.status).to.equal(200);
      expect(r.headers.get("content-length")).to.equal("99");
      expect(Buffer.from(await r.arrayBuffer()).length).to.equal(0);
    });

    it("a 4 MiB streamed body arrives whole", async () => {
      const r = await fetch(`http://${HOST}:${port}/big`);
      const body = Buffer.from(await r.arrayBuffer());
      expect(body.length).to.equal(4 * 1024 * 1024);
      expect(createHash("sha256").update(body).digest("hex")).to.equal(expectedBig());
    });
  });
}

/**
 * The package as a CommonJS project installs it: `npm pack` (the files the
 * registry would get), unpacked into a fresh project's node_modules, then a
 * real `.cjs` program run with `node` that does `require("http.server")`
 * (Node.js >= 20.19 loads ES modules through `require`) and serves a
 * request.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { run, tempDir } from "../helpers.js";

/** The repository root (this file runs from dist/spec/package/). */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** The CommonJS program: the docs' use-in-your-project example. */
const PROGRAM = `
const { HTTPServer, SimpleHTTPRequestHandler, __version__ } = require("http.server");
const { TCPServer } = require("http.server/socketserver");

class Quiet extends SimpleHTTPRequestHandler {
  log_message() {}
}

async function main() {
  const server = new HTTPServer(["127.0.0.1", 0], Quiet);
  await server.ready;
  const loop = server.serveForever();
  const [host, port] = server.serverAddress;
  const response = await fetch(\`http://\${host}:\${port}/hello.txt\`);
  console.log(response.status, (await response.text()).trim());
  await server.shutdown();
  await loop;
  await server.serverClose();
  console.log(typeof TCPServer, __version__);
}
main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
`;

describe("package: a CommonJS project requires the packed package", function () {
  this.timeout(60000);
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir("cjs-")));
  afterEach(() => tmp.remove());

  it("require('http.server') and require('http.server/socketserver') work in a .cjs file run with node", async () => {
    const packed = await run("npm", ["pack", "--ignore-scripts", "--silent", "--pack-destination", tmp.dir, ROOT], 30000);
    expect(packed.code, packed.stderr).to.equal(0);
    const tarball = path.join(tmp.dir, packed.stdout.trim().split("\n").pop()!);
    const modules = path.join(tmp.dir, "project", "node_modules");
    const installed = path.join(modules, "http.server");
    fs.mkdirSync(installed, { recursive: true });
    const untar = await run("tar", ["-xzf", tarball, "-C", installed, "--strip-components=1"]);
    expect(untar.code, untar.stderr).to.equal(0);
    // The runtime dependencies, as npm would install them beside the package
    // (each finds its own dependencies from where it really lies).
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
    for (const name of Object.keys(manifest.dependencies ?? {})) {
      fs.mkdirSync(path.dirname(path.join(modules, name)), { recursive: true });
      fs.symlinkSync(path.join(ROOT, "node_modules", name), path.join(modules, name));
    }
    const project = path.join(tmp.dir, "project");
    fs.writeFileSync(path.join(project, "hello.txt"), "hello from a CommonJS project\n");
    fs.writeFileSync(path.join(project, "main.cjs"), PROGRAM);
    const result = await run("sh", ["-c", `cd "${project}" && exec "${process.execPath}" main.cjs`]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.equal("200 hello from a CommonJS project\nfunction 0.6\n");
    // Node 20.19+ loads the package without a warning about require(esm).
    expect(result.stderr).to.equal("");
  });
});

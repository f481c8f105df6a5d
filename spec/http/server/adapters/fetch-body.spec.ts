/**
 * The fetch handler and request bodies that do not behave like a web
 * stream from a socket: an async iterable that ends a moment after the
 * handler has read what it wanted (a home-made `node:http` bridge passing
 * `body: req`). Run in a child process, so that an uncaught error fails
 * the spec instead of ending mocha.
 */
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import { expect } from "chai";

import { run } from "../../../helpers.js";

const INDEX = pathToFileURL(resolve("dist/lib/index.js")).href;

/** A program that answers one request whose body is `body` (JS source of an async generator) and prints the status. */
function program(body: string, read: string): string {
  return `
import { BaseHTTPRequestHandler, toFetchHandler } from ${JSON.stringify(INDEX)};
class H extends BaseHTTPRequestHandler {
  logMessage() {}
  async do_POST() {
    const got = ${read};
    this.sendResponse(200);
    this.sendHeader("Content-Length", got.length);
    this.endHeaders();
    this.wfile.write(got);
  }
}
const fetchHandler = toFetchHandler(H);
const request = new Request("http://x/", { method: "POST", headers: { "content-length": "3" }, body: (${body})(), duplex: "half" });
const response = await fetchHandler(request);
console.log(response.status, await response.text());
await new Promise((r) => setTimeout(r, 300));
console.log("alive");
`;
}

describe("toFetchHandler: request bodies from async iterables", function () {
  this.timeout(20000);

  it("a body that ends 50 ms after the handler read its Content-Length bytes: a 200 and no crash", async () => {
    const code = program(
      `async function* () { yield Buffer.from("k=v"); await new Promise((r) => setTimeout(r, 50)); }`,
      `await this.rfile.read(3)`,
    );
    const result = await run(process.execPath, ["--input-type=module", "-e", code]);
    expect(result.stderr).to.equal("");
    expect(result.stdout).to.equal("200 k=v\nalive\n");
    expect(result.code).to.equal(0);
  });

  it("a body that never ends after the handler's bytes: a 200 and no crash", async () => {
    const code = program(
      `async function* () { yield Buffer.from("k=v"); await new Promise((r) => setTimeout(r, 100000)); }`,
      `await this.rfile.read(3)`,
    );
    const result = await run(process.execPath, ["--input-type=module", "-e", code + "\nprocess.exit(0);\n"]);
    expect(result.stderr).to.equal("");
    expect(result.stdout).to.equal("200 k=v\nalive\n");
    expect(result.code).to.equal(0);
  });

  it("a body that throws after the handler's bytes: a 200 and no crash", async () => {
    const code = program(
      `async function* () { yield Buffer.from("k=v"); await new Promise((r) => setTimeout(r, 50)); throw new Error("source broke"); }`,
      `await this.rfile.read(3)`,
    );
    const result = await run(process.execPath, ["--input-type=module", "-e", code]);
    expect(result.stderr).to.equal("");
    expect(result.stdout).to.equal("200 k=v\nalive\n");
    expect(result.code).to.equal(0);
  });
});

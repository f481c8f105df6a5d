/**
 * The declarations of Python spellings are generated from the running
 * library; these specs keep the committed file in step with it and show
 * that a subclass written with Python names type-checks and works.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { BaseHTTPRequestHandler, TCPServer, handleRawRequest } from "../lib/index.js";
import { generatePythonSpelling } from "../tools/python-spelling.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

describe("lib/python-spelling.ts", () => {
  it("is up to date with the library (run `npm run gen:names` after changing a class)", async () => {
    const committed = readFileSync(join(root, "lib", "python-spelling.ts"), "utf8");
    expect(committed).to.equal(await generatePythonSpelling());
  });

  it("lets a handler written with Python names type-check and run", async () => {
    class Hello extends BaseHTTPRequestHandler {
      override protocol_version = "HTTP/1.1";
      do_GET(): void {
        const body = Buffer.from(`hello ${this.path}`);
        this.send_response(200);
        this.send_header("Content-Length", body.length);
        this.end_headers();
        this.wfile.write(body);
      }
      override log_message(): void {}
    }
    const res = await handleRawRequest(Hello, "GET /x HTTP/1.1\r\n\r\n");
    expect(res.statusLine).to.equal("HTTP/1.1 200 OK");
    expect(res.text).to.equal("hello /x");
    expect(res.logs).to.deep.equal([]);
  });

  it("types server attributes under Python names", async () => {
    class Quiet extends TCPServer {
      override request_queue_size = 17;
    }
    const server = new Quiet(["127.0.0.1", 0], BaseHTTPRequestHandler);
    await server.ready;
    try {
      expect(server.requestQueueSize).to.equal(17);
      const port: number = (server.server_address as [string, number])[1];
      expect(port).to.be.above(0);
    } finally {
      await server.server_close();
    }
  });
});

/**
 * The command line's handler, in process through `main()`: it serves the
 * `-d` folder, and each connection's handler starts exactly once (the
 * handler class carries `directory`, so the server constructs and starts
 * it the ordinary way, with no override of `finishRequest()`).
 */
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { main } from "../../lib/cli/cli.js";
import type { HTTPServer } from "../../lib/http/server/http-server.js";
import { delay, within } from "../helpers.js";
import { Collector } from "./cli-helpers.js";

/** GET `url` on a new connection (`Connection: close`): status and body. */
function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, headers: { Connection: "close" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on("error", reject);
    });
    req.on("error", reject);
  });
}

describe("http.server command line: its handler", function () {
  it("serves the -d folder, and each connection's handler runs setup(), handle() and one log line once", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cli-handler-spec-"));
    fs.writeFileSync(path.join(dir, "hello.txt"), "hello, world\n");
    const counts = { setup: 0, handle: 0, logged: 0 };
    let server: HTTPServer | null = null;
    const ac = new AbortController();
    const done = main(["0", "-b", "127.0.0.1", "-d", dir], {
      stdout: new Collector(),
      stderr: new Collector(),
      signal: ac.signal,
      handleSignals: false,
      onServing: (s) => {
        server = s;
        // Count on the command line's own handler class, before any request.
        const proto = s.RequestHandlerClass.prototype as unknown as {
          setup: () => void;
          handle: () => unknown;
          logMessage: (format: string, ...args: unknown[]) => void;
        };
        const { setup, handle } = proto;
        proto.setup = function (this: unknown) {
          counts.setup++;
          return setup.call(this);
        };
        proto.handle = function (this: unknown) {
          counts.handle++;
          return handle.call(this);
        };
        proto.logMessage = () => {
          counts.logged++;
        };
      },
    });
    try {
      await within(
        (async () => {
          while (server === null) await delay(5);
        })(),
        5000,
        "the command line's server to start",
      );
      const port = ((server as unknown as HTTPServer).serverAddress as [string, number])[1];
      for (let i = 0; i < 3; i++) {
        const reply = await get(`http://127.0.0.1:${port}/hello.txt`);
        expect(reply).to.deep.equal({ status: 200, body: "hello, world\n" });
      }
      await delay(20);
      expect(counts).to.deep.equal({ setup: 3, handle: 3, logged: 3 });
    } finally {
      ac.abort();
      expect(await within(done, 5000, "main() to return")).to.equal(0);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

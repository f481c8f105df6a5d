/**
 * `--http2`'s session idle limit (the handlers' headerTimeout) is for a
 * session with nothing to do, as an HTTP/1.1 connection waiting for its
 * next request head is: a request in progress (a handler still working on
 * its answer) must not be cut off by it, as it is not on HTTP/1.1.
 */
import * as fs from "node:fs";
import * as http2 from "node:http2";
import * as path from "node:path";
import { expect } from "chai";

import { delay, HOST, within } from "../helpers.js";
import type { SimpleHTTPRequestHandler } from "../../lib/index.js";
import { withHttp2Server } from "./http2-helpers.js";

/** One GET on a new session: status and body, or the error that ended the stream. */
function get(port: number, target: string): Promise<{ status: number; body: Buffer } | { error: string }> {
  return new Promise((resolve) => {
    const session = http2.connect(`https://${HOST}:${port}`, { rejectUnauthorized: false });
    session.on("error", () => {});
    const stream = session.request({ ":path": target });
    let status = 0;
    const parts: Buffer[] = [];
    stream.on("response", (h) => (status = Number(h[":status"])));
    stream.on("data", (c: Buffer) => parts.push(c));
    stream.on("end", () => {
      session.close();
      resolve({ status, body: Buffer.concat(parts) });
    });
    stream.on("close", () => {
      session.destroy();
      resolve({ error: `stream closed (rstCode ${stream.rstCode}) after ${Buffer.concat(parts).length} bytes` });
    });
  });
}

describe("HTTP2Server: the session idle limit and requests in progress", function () {
  this.timeout(30000);

  it("answers a request whose handler takes longer than headerTimeout to reply, as HTTP/1.1 does", async () => {
    const slow = (Files: typeof SimpleHTTPRequestHandler): unknown => {
      class Slow extends Files {
        override async do_GET(): Promise<void> {
          // Work that takes a while (a slow disk, a script): 3 s, over the 1 s headerTimeout.
          if (this.path === "/slow") await delay(3000);
          this.sendResponse(200);
          this.sendHeader("Content-Length", 2);
          this.endHeaders();
          this.wfile.write("ok");
        }
      }
      Slow.prototype.headerTimeout = 1;
      return Slow;
    };
    await withHttp2Server("h2-idle-slow-", slow, async (running) => {
      const res = await within(get(running.port, "/slow"), 10000, "the slow answer");
      expect(res).to.deep.equal({ status: 200, body: Buffer.from("ok") });
    });
  });

  it("lets a download the client reads slowly but steadily run past headerTimeout", async () => {
    const files = (Files: typeof SimpleHTTPRequestHandler): unknown => {
      Files.prototype.headerTimeout = 1;
      return Files;
    };
    await withHttp2Server("h2-idle-dl-", files, async (running, dir) => {
      fs.writeFileSync(path.join(dir, "big.bin"), Buffer.alloc(4 * 1024 * 1024, 7));
      const session = http2.connect(`https://${HOST}:${running.port}`, { rejectUnauthorized: false });
      session.on("error", () => {});
      const stream = session.request({ ":path": "/big.bin" });
      stream.pause();
      let got = 0;
      const done = new Promise<string>((resolve) => {
        stream.on("end", () => resolve("end"));
        stream.on("close", () => resolve(`closed, rstCode ${stream.rstCode}`));
      });
      // 16 KiB every 250 ms for 4 s: never idle for long, far from done.
      const started = Date.now();
      while (Date.now() - started < 4000) {
        const chunk = stream.read(16384) as Buffer | null;
        if (chunk !== null) got += chunk.length;
        await delay(250);
      }
      expect(stream.destroyed, `stream ended early after ${got} bytes`).to.equal(false);
      stream.resume();
      stream.on("data", (c: Buffer) => (got += c.length));
      expect(await within(done, 10000, "the download")).to.equal("end");
      expect(got).to.equal(4 * 1024 * 1024);
      session.close();
    });
  });
});

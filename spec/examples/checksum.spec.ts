/**
 * examples/http/checksum.ts run as a script: curl -F uploads two files and
 * gets their SHA-256, computed from the stream without touching the disk.
 */
import { expect } from "chai";
import { createHash, randomBytes } from "node:crypto";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

import { run, tempDir, waitFor, within } from "../helpers.js";
import { collect, exampleScript } from "./clients.js";

describe("examples/http/checksum.ts", function () {
  this.timeout(30000);

  it("answers the sha256 of each uploaded file", async () => {
    const { dir, remove } = tempDir("checksum-");
    const child = spawn(process.execPath, [exampleScript("http/checksum.js"), "0"], { stdio: ["ignore", "pipe", "pipe"] });
    const out = collect(child);
    try {
      const big = randomBytes(5 * 1024 * 1024);
      fs.writeFileSync(path.join(dir, "big.bin"), big);
      fs.writeFileSync(path.join(dir, "small.txt"), "hello\n");
      await waitFor(() => /port \d+/.test(out.stdout()), 10000, "the start-up line");
      const url = `http://127.0.0.1:${/port (\d+)/.exec(out.stdout())![1]}/`;
      const r = await run("curl", ["-s", "-F", `a=@${path.join(dir, "big.bin")}`, "-F", `b=@${path.join(dir, "small.txt")}`, url]);
      const hex = (data: Buffer | string): string => createHash("sha256").update(data).digest("hex");
      expect(r.stdout).to.equal(`${hex(big)}  big.bin\n${hex("hello\n")}  small.txt\n`);
    } finally {
      child.kill("SIGINT");
      await within(out.exited, 5000, "the script to exit");
      remove();
    }
  });
});

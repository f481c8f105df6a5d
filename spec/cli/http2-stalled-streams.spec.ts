/**
 * `--http2` with downloads the client cannot take yet (its flow-control
 * window full, as on a slow link): how much each such stream holds in the
 * server decides how many a session can have before node:http2's
 * per-session memory limit (maxSessionMemory, 10 MB) makes it refuse new
 * streams with ENHANCE_YOUR_CALM. A bare node:http2 server piping a file
 * into each stream keeps 100 of them (the stream limit) and still answers
 * a new request on the session.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";

import { delay, HOST, tempDir } from "../helpers.js";
import { children, killGroup, startCli } from "./cli-helpers.js";
import { END_HEADERS, END_STREAM, frame, h2Socket, headerBlock, onFrames, PREFACE, settingsFrame } from "../http2-frames.js";

describe("http.server command line: --http2 with stalled downloads", function () {
  this.timeout(60000);
  afterEach(() => {
    for (const child of children) killGroup(child);
  });

  it("still opens a new stream on a session with 60 downloads stalled by flow control (no ENHANCE_YOUR_CALM)", async () => {
    const site = tempDir("h2-stalled-");
    try {
      fs.writeFileSync(path.join(site.dir, "big.bin"), Buffer.alloc(8 * 1024 * 1024, 1));
      fs.writeFileSync(path.join(site.dir, "small.txt"), "small\n");
      const cli = await startCli(["0", "-b", HOST, "--http2", "--tls-self-signed"], site.dir);
      const socket = await h2Socket(HOST, cli.port);
      socket.on("error", () => {});
      // Frames from the server as "type/stream/code": HEADERS (1) and RST_STREAM (3, with its error code).
      const seen: string[] = [];
      onFrames(socket, (type, flags, stream, payload) => {
        // A SETTINGS from the server (not an ACK) is acknowledged, as every client does.
        if (type === 4 && (flags & 1) === 0) socket.write(frame(4, 1, 0));
        if (type === 1) seen.push(`1/${stream}`);
        if (type === 3) seen.push(`3/${stream}/${payload.readUInt32BE(0)}`);
      });
      const fields = (target: string): Array<[string, string]> => [
        [":method", "GET"],
        [":scheme", "https"],
        [":authority", `${HOST}:${cli.port}`],
        [":path", target],
      ];
      // SETTINGS_INITIAL_WINDOW_SIZE 0: no response body can be sent yet, as when the link is slower than the disk.
      socket.write(Buffer.concat([PREFACE, settingsFrame([[4, 0]])]));
      await delay(300);
      const STALLED = 60;
      const parts: Buffer[] = [];
      for (let i = 0; i < STALLED; i++) parts.push(frame(1, END_HEADERS | END_STREAM, 1 + 2 * i, headerBlock(fields("/big.bin"))));
      socket.write(Buffer.concat(parts));
      await delay(1500);
      const next = 1 + 2 * STALLED;
      socket.write(frame(1, END_HEADERS | END_STREAM, next, headerBlock(fields("/small.txt"))));
      await delay(1000);
      socket.destroy();
      expect(seen.filter((s) => s.startsWith("3/")), "streams reset by the server").to.deep.equal([]);
      expect(seen, "the new stream's response head").to.include(`1/${next}`);
    } finally {
      site.remove();
    }
  });
});

/**
 * `--http2` under abuse: clients that reset, stall or break their HTTP/2
 * session in the middle of a request. An upload cut short is never stored
 * and leaves no temporary file; a session torn down by a protocol error
 * leaves no handler, file or socket behind; one connection cannot hold an
 * unbounded number of handlers (and their open files); a stream whose
 * request body never comes, or whose response the client never reads, is
 * ended quietly when the handler's time-out gives up.
 */
import * as fs from "node:fs";
import * as http2 from "node:http2";
import * as path from "node:path";
import { expect } from "chai";

import { delay, HOST, tempDir, waitFor, within } from "../helpers.js";
import { children, killGroup, startCli } from "./cli-helpers.js";
import type { SimpleHTTPRequestHandler } from "../../lib/index.js";
import { withUploads } from "../../lib/http/server/files/upload.js";
import { END_HEADERS, END_STREAM, frame, h2Socket, headerBlock, onFrames, PREFACE, rstStreamFrame, settingsFrame } from "../http2-frames.js";
import { withHttp2Server } from "./http2-helpers.js";

/** The process's open file descriptors that lead to a path under `dir`. */
function openFilesUnder(pid: number, dir: string): string[] {
  const out: string[] = [];
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      const target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (target.startsWith(dir)) out.push(target);
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

/** The process's open sockets. */
function openSockets(pid: number): number {
  let n = 0;
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (fs.readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith("socket:")) n++;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

const AUTH = "Basic " + Buffer.from("u:pw").toString("base64");

describe("http.server command line: --http2 under abuse", function () {
  this.timeout(60000);
  afterEach(() => {
    for (const child of children) killGroup(child);
  });

  it("does not store a body-without-length PUT whose stream the client resets or whose session it drops mid-body", async () => {
    const site = tempDir("h2-abuse-up-");
    try {
      const cli = await startCli(["0", "-b", HOST, "--http2", "--tls-self-signed", "--upload", "--auth", "u:pw"], site.dir);
      // No content-length: the server cannot know the length, only END_STREAM says the body is complete.
      const fields = (target: string): Array<[string, string]> => [
        [":method", "PUT"],
        [":scheme", "https"],
        [":authority", `${HOST}:${cli.port}`],
        [":path", target],
        ["authorization", AUTH],
      ];
      // RST_STREAM(CANCEL) with no END_STREAM before it, as browsers and curl reset a stream.
      // (Node's own client ends the stream with END_STREAM before its RST_STREAM.)
      const reset = await h2Socket(HOST, cli.port);
      reset.on("error", () => {});
      reset.resume();
      reset.write(Buffer.concat([PREFACE, settingsFrame(), frame(1, END_HEADERS, 1, headerBlock(fields("/reset.bin"))), frame(0, 0, 1, Buffer.alloc(10000, 97))]));
      await delay(500);
      reset.write(rstStreamFrame(1, http2.constants.NGHTTP2_CANCEL));
      // The whole session dropped mid-body (curl --max-time, a closed tab).
      const session = http2.connect(`https://${HOST}:${cli.port}`, { rejectUnauthorized: false });
      session.on("error", () => {});
      const stream = session.request({ ":method": "PUT", ":path": "/dropped.bin", authorization: AUTH });
      stream.on("error", () => {});
      stream.write(Buffer.alloc(10000, 97));
      await delay(500);
      session.destroy();
      await cli.waitStderr(/Upload to \/reset\.bin not stored/);
      await cli.waitStderr(/Upload to \/dropped\.bin not stored/);
      reset.destroy();
      expect(fs.readdirSync(site.dir), "a cut upload must not be stored").to.deep.equal([]);
    } finally {
      site.remove();
    }
  });

  it("stops taking a refused upload's body (401 without credentials): the stream is reset, not drained without end", async () => {
    const site = tempDir("h2-abuse-drain-");
    try {
      const cli = await startCli(["0", "-b", HOST, "--http2", "--tls-self-signed", "--upload", "--auth", "u:pw"], site.dir);
      const session = http2.connect(`https://${HOST}:${cli.port}`, { rejectUnauthorized: false });
      session.on("error", () => {});
      try {
        const stream = session.request({ ":method": "PUT", ":path": "/flood.bin" }, { endStream: false });
        stream.on("error", () => {});
        let status = 0;
        stream.on("response", (h) => (status = Number(h[":status"])));
        stream.resume();
        let closed = false;
        const closing = new Promise<void>((resolve) => stream.once("close", () => ((closed = true), resolve())));
        const chunk = Buffer.alloc(64 * 1024);
        const LIMIT = 256 * 1024 * 1024;
        let sent = 0;
        const began = Date.now();
        while (!closed && sent < LIMIT && Date.now() - began < 20000) {
          if (!stream.write(chunk)) await Promise.race([new Promise((resolve) => stream.once("drain", resolve)), closing]);
          sent += chunk.length;
        }
        expect(status).to.equal(401);
        expect(closed, `stream still open after ${sent / 1024 / 1024} MiB sent to a refused upload`).to.equal(true);
      } finally {
        session.destroy();
      }
    } finally {
      site.remove();
    }
  });

  it("bounds the streams one connection may hold open (SETTINGS_MAX_CONCURRENT_STREAMS): not one open file per stream without limit", async () => {
    const site = tempDir("h2-abuse-streams-");
    try {
      fs.writeFileSync(path.join(site.dir, "big.bin"), "");
      fs.truncateSync(path.join(site.dir, "big.bin"), 32 * 1024 * 1024);
      const cli = await startCli(["0", "-b", HOST, "--http2", "--tls-self-signed"], site.dir);
      const pid = cli.child.pid!;
      const socket = await h2Socket(HOST, cli.port);
      socket.on("error", () => {});
      socket.resume();
      // The client's window is 0: no response can make progress, each handler waits with its file open.
      const parts = [PREFACE, settingsFrame([[4, 0]])];
      const fields: Array<[string, string]> = [
        [":method", "GET"],
        [":scheme", "https"],
        [":authority", `${HOST}:${cli.port}`],
        [":path", "/big.bin"],
      ];
      const STREAMS = 1000;
      for (let i = 0; i < STREAMS; i++) parts.push(frame(1, END_HEADERS | END_STREAM, 1 + 2 * i, headerBlock(fields)));
      socket.write(Buffer.concat(parts));
      await delay(3000);
      const held = openFilesUnder(pid, fs.realpathSync(site.dir)).length;
      socket.destroy();
      expect(held, "files held open for one connection").to.be.at.most(256);
    } finally {
      site.remove();
    }
  });
});

describe("HTTP2Server: clients that stall", function () {
  this.timeout(30000);

  it("frees an upload's handler, .part file and socket within the time-outs when a protocol error stops the session mid-upload", async () => {
    // node:http2 answers the protocol error with a GOAWAY, then neither reads
    // nor notices the client leave: the handler's bodyTimeout ends the
    // upload, the session's idle limit (headerTimeout) the connection.
    const uploading = (Files: typeof SimpleHTTPRequestHandler): unknown => {
      Files.prototype.bodyTimeout = 1;
      Files.prototype.headerTimeout = 2;
      return withUploads(Files, { maxUpload: 1 << 20, overwrite: false, credentialed: false });
    };
    await withHttp2Server("h2-abuse-goaway-", uploading, async (running, dir) => {
      const socketsBefore = openSockets(process.pid);
      const socket = await h2Socket(HOST, running.port);
      socket.on("error", () => {});
      const goaway = new Promise<void>((resolve) => onFrames(socket, (type) => type === 7 && resolve()));
      const fields: Array<[string, string]> = [
        [":method", "PUT"],
        [":scheme", "https"],
        [":authority", `${HOST}:${running.port}`],
        [":path", "/broken.bin"],
        ["content-length", "100000"],
      ];
      socket.write(Buffer.concat([PREFACE, settingsFrame(), frame(1, END_HEADERS, 1, headerBlock(fields)), frame(0, 0, 1, Buffer.alloc(10000, 97))]));
      await delay(300);
      expect(fs.readdirSync(dir).length, "the upload's temporary file").to.equal(1);
      // A DATA frame over the 16 KiB SETTINGS_MAX_FRAME_SIZE: a connection error (FRAME_SIZE_ERROR), GOAWAY.
      socket.write(frame(0, 0, 1, Buffer.alloc(20000, 97)));
      await within(goaway, 5000, "the server's GOAWAY");
      socket.destroy();
      await waitFor(() => fs.readdirSync(dir).length === 0, 5000, "the temporary file removed");
      expect(running.logs.join("")).to.match(/Request timed out/);
      await waitFor(() => openSockets(process.pid) <= socketsBefore, 6000, "the session's socket closed");
      expect(fs.readdirSync(dir), "files left in the upload folder").to.deep.equal([]);
      expect(openFilesUnder(process.pid, fs.realpathSync(dir)), "files still open").to.deep.equal([]);
    });
  });

  it("ends a stream whose request body never comes after bodyTimeout quietly: no handler error reported, no 500", async () => {
    const uploading = (Files: typeof SimpleHTTPRequestHandler): unknown => {
      Files.prototype.bodyTimeout = 1;
      return withUploads(Files, { maxUpload: 1 << 20, overwrite: false, credentialed: false });
    };
    await withHttp2Server("h2-abuse-body-", uploading, async (running, dir) => {
      const session = http2.connect(`https://${HOST}:${running.port}`, { rejectUnauthorized: false });
      session.on("error", () => {});
      try {
        // A length announced, not a byte sent.
        const stream = session.request({ ":method": "PUT", ":path": "/stalled.bin", "content-length": "100" }, { endStream: false });
        stream.on("error", () => {});
        let status = 0;
        stream.on("response", (h) => (status = Number(h[":status"])));
        stream.resume();
        // Either an answer that ends, or a reset.
        await within(new Promise((resolve) => (stream.once("end", resolve), stream.once("close", resolve))), 8000, "the stream to end after bodyTimeout (1 s)");
        expect(running.logs.join(""), "logged").to.match(/Request timed out/);
        expect(running.handled.map(String), "errors reported to handleError()").to.deep.equal([]);
        expect(status, "a stalled client is not told the server failed").to.not.equal(500);
        expect(fs.readdirSync(dir)).to.deep.equal([]);
      } finally {
        session.destroy();
      }
    });
  });

  it("is ended (RST_STREAM) once the handler's sendTimeout gives up, not left open for the session's life", async () => {
    const sending = (Files: typeof SimpleHTTPRequestHandler): unknown => {
      Files.prototype.sendTimeout = 1;
      return Files;
    };
    await withHttp2Server("h2-abuse-send-", sending, async (running, dir) => {
      fs.writeFileSync(path.join(dir, "big.bin"), Buffer.alloc(4 * 1024 * 1024, 1));
      // A client that never opens its flow-control window.
      const session = http2.connect(`https://${HOST}:${running.port}`, { rejectUnauthorized: false, settings: { initialWindowSize: 0 } });
      session.on("error", () => {});
      try {
        const stream = session.request({ ":path": "/big.bin" });
        stream.on("error", () => {});
        stream.pause();
        const closed = new Promise<number>((resolve) => stream.once("close", () => resolve(stream.rstCode ?? -1)));
        const code = await within(closed, 8000, "the server to end the stalled stream after sendTimeout (1 s)");
        expect(code).to.not.equal(http2.constants.NGHTTP2_NO_ERROR);
      } finally {
        session.destroy();
      }
    });
  });
});

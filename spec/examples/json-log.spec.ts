/**
 * examples/http/json-log.ts: a `log_message(format, ...args)` override that
 * formats the line with the package's `pyFormat()` (Python's
 * `format % args`), run over a real socket with Node's fetch, and the
 * example script itself as a child process.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";

import { KeyError, OverflowError, ThreadingHTTPServer, ValueError, pyFormat } from "http.server";
import { JSONLogHandler } from "../../examples/http/json-log.js";
import { HOST, waitFor, within } from "../helpers.js";
import { collect, exampleScript } from "./clients.js";

describe("examples/http/json-log.ts (pyFormat in a log_message override)", () => {
  it("pyFormat and its errors are exported by the package", () => {
    expect(pyFormat('"%s" %s %s', ["GET / HTTP/1.1", "200", "-"])).to.equal('"GET / HTTP/1.1" 200 -');
    expect(pyFormat("code %d, message %s", [404, "File not found"])).to.equal("code 404, message File not found");
    expect(() => pyFormat("%d", ["x"])).to.throw(TypeError, "%d format: a real number is required, not str");
    expect(() => pyFormat("%y", [1])).to.throw(ValueError);
    expect(() => pyFormat("%(x)s", [{}])).to.throw(KeyError);
    expect(() => pyFormat("%c", [0x110000])).to.throw(OverflowError);
  });

  it("writes one JSON line per request, its message formatted as Python would", async () => {
    const lines: string[] = [];
    class Captured extends JSONLogHandler {
      override writeLine(line: string): void {
        lines.push(line);
      }
    }
    const server = new ThreadingHTTPServer([HOST, 0], Captured);
    await within(server.ready, 5000, "the server to bind");
    const loop = server.serveForever(0.05);
    const port = (server.serverAddress as [string, number])[1];
    try {
      await (await fetch(`http://${HOST}:${port}/package.json`)).arrayBuffer();
      await (await fetch(`http://${HOST}:${port}/no-such-file`)).arrayBuffer();
    } finally {
      await within(server.shutdown(), 5000, "shutdown()");
      await within(loop, 5000, "the loop to stop");
      server.serverClose();
    }
    const parsed = lines.map((l) => JSON.parse(l) as { client: string; message: string; time: string });
    expect(parsed.map((p) => p.message)).to.deep.equal([
      '"GET /package.json HTTP/1.1" 200 -',
      "code 404, message File not found",
      '"GET /no-such-file HTTP/1.1" 404 -',
    ]);
    expect(parsed[0]!.client).to.equal("127.0.0.1");
    expect(Date.parse(parsed[0]!.time)).to.be.a("number").and.not.NaN;
  });

  it("runs as a script: the log lines go to stdout as JSON", async () => {
    const child = spawn(process.execPath, [exampleScript("http/json-log.js"), "0"], { stdio: ["ignore", "pipe", "pipe"] });
    const out = collect(child);
    try {
      await waitFor(() => /port \d+/.test(out.stdout()), 10000, "the start-up line");
      const port = Number(/port (\d+)/.exec(out.stdout())![1]);
      await (await fetch(`http://127.0.0.1:${port}/`)).arrayBuffer();
      await waitFor(() => out.stdout().includes('"message":"\\"GET / HTTP/1.1\\" 200 -"'), 5000, "the JSON log line");
    } finally {
      child.kill("SIGINT");
      await within(out.exited, 5000, "the script to exit");
    }
    expect(out.stderr()).to.equal("");
  });
});

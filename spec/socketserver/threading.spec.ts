/**
 * ThreadingMixIn: concurrent handling on the event loop, worker tracking,
 * daemonThreads and blockOnClose.
 */
import { expect } from "chai";
import type * as net from "node:net";
import sinon from "sinon";
import {
  DatagramRequestHandler,
  StreamRequestHandler,
  TCPServer,
  ThreadingMixIn,
  ThreadingTCPServer,
  ThreadingUDPServer,
} from "../../lib/socketserver/index.js";
import { HOST, captureStderr, connect, deferred, delay, exchange, latin1, readAll, udpExchange, waitFor, within } from "../helpers.js";

/**
 * A handler that waits (at most `patience` ms) until `target` handlers are
 * active at the same time, and reports the highest overlap it saw.
 */
function overlapProbe(target: number, patience: number) {
  const state = { active: 0, max: 0 };
  class Probe extends StreamRequestHandler {
    override async handle(): Promise<void> {
      state.active++;
      state.max = Math.max(state.max, state.active);
      const deadline = Date.now() + patience;
      while (state.max < target && Date.now() < deadline) await delay(5);
      state.active--;
      this.wfile.write(`max ${state.max}\n`);
    }
  }
  return { Probe, state };
}

describe("ThreadingMixIn", function () {
  it("has Python's defaults under both spellings", () => {
    const proto = ThreadingTCPServer.prototype as unknown as Record<string, unknown>;
    expect(proto.daemonThreads).to.equal(false);
    expect(proto.daemon_threads).to.equal(false);
    expect(proto.blockOnClose).to.equal(true);
    expect(proto.block_on_close).to.equal(true);
    expect(typeof proto.process_request_thread).to.equal("function");
  });

  it("handles two slow clients at the same time", async () => {
    const { Probe, state } = overlapProbe(2, 3000);
    const server = new ThreadingTCPServer([HOST, 0], Probe);
    try {
      await server.ready;
      const loop = server.serveForever(0.01);
      const started = Date.now();
      const replies = await Promise.all([exchange(server.serverAddress, ""), exchange(server.serverAddress, "")]);
      expect(Date.now() - started).to.be.below(2500);
      expect(state.max).to.equal(2);
      expect(replies.map(latin1).sort()).to.deep.equal(["max 2\n", "max 2\n"]);
      await server.shutdown();
      await loop;
    } finally {
      await server.serverClose();
    }
  });

  it("where a plain TCPServer handles the same two clients one after the other", async () => {
    const { Probe, state } = overlapProbe(2, 200);
    const server = new TCPServer([HOST, 0], Probe);
    try {
      await server.ready;
      const loop = server.serveForever(0.01);
      const replies = await Promise.all([exchange(server.serverAddress, ""), exchange(server.serverAddress, "")]);
      expect(state.max).to.equal(1);
      expect(replies.map(latin1)).to.deep.equal(["max 1\n", "max 1\n"]);
      await server.shutdown();
      await loop;
    } finally {
      await server.serverClose();
    }
  });

  it("ThreadingUDPServer handles two datagrams at the same time", async () => {
    const state = { active: 0, max: 0 };
    class Probe extends DatagramRequestHandler {
      override async handle(): Promise<void> {
        state.active++;
        state.max = Math.max(state.max, state.active);
        const deadline = Date.now() + 3000;
        while (state.max < 2 && Date.now() < deadline) await delay(5);
        state.active--;
        this.wfile.write(this.packet);
      }
    }
    const server = new ThreadingUDPServer([HOST, 0], Probe);
    try {
      await server.ready;
      const loop = server.serveForever(0.01);
      const replies = await Promise.all([udpExchange(server.serverAddress, "a"), udpExchange(server.serverAddress, "b")]);
      expect(replies.map((r) => r.data.toString()).sort()).to.deep.equal(["a", "b"]);
      expect(state.max).to.equal(2);
      await server.shutdown();
      await loop;
    } finally {
      await server.serverClose();
    }
  });

  it("does not keep finished requests: ten sequential requests leave none tracked (bpo-37193)", async () => {
    const server = new ThreadingTCPServer([HOST, 0], StreamRequestHandler);
    try {
      await server.ready;
      for (let i = 0; i < 10; i++) {
        const reply = exchange(server.serverAddress, "");
        await server.handleRequest();
        await reply;
      }
      await delay(10);
      expect(server.threads).to.be.below(10);
      expect(server.threads).to.equal(0);
    } finally {
      await server.serverClose();
    }
  });

  it("a handler error goes to handleError, the connection is shut down, and serving goes on", async () => {
    const events: string[] = [];
    class Handler extends StreamRequestHandler {
      override async handle(): Promise<void> {
        const line = (await this.rfile.readline()).toString();
        if (line === "fail\n") throw new Error("thread failed");
        this.wfile.write(line);
      }
    }
    class Server extends ThreadingTCPServer {
      override handleError(_r: unknown, _a: unknown, error?: unknown): void {
        events.push(`error: ${(error as Error).message}`);
      }
      override shutdownRequest(request: unknown): void | Promise<void> {
        events.push("shutdown");
        return super.shutdownRequest(request);
      }
    }
    const server = new Server([HOST, 0], Handler);
    try {
      await server.ready;
      const loop = server.serveForever(0.01);
      expect(latin1(await exchange(server.serverAddress, "fail\n"))).to.equal("");
      expect(latin1(await exchange(server.serverAddress, "fine\n"))).to.equal("fine\n");
      await server.shutdown();
      await loop;
    } finally {
      await server.serverClose();
    }
    expect(events).to.deep.equal(["error: thread failed", "shutdown", "shutdown"]);
  });

  it("an error report that fails itself (or a failing shutdownRequest) does not stop the server", async () => {
    class Handler extends StreamRequestHandler {
      override handle(): void {
        throw new Error("first");
      }
    }
    let closes = 0;
    class Server extends ThreadingTCPServer {
      override handleError(): void {
        throw new Error("report failed");
      }
      override shutdownRequest(request: unknown): void {
        closes++;
        (request as net.Socket).destroy();
        throw new Error("close failed");
      }
    }
    const server = new Server([HOST, 0], Handler);
    try {
      await server.ready;
      const loop = server.serveForever(0.01);
      expect(latin1(await exchange(server.serverAddress, ""))).to.equal("");
      expect(latin1(await exchange(server.serverAddress, ""))).to.equal("");
      await waitFor(() => closes === 2, 2000, "both requests shut down");
      await server.shutdown();
      await loop;
    } finally {
      await server.serverClose();
    }
  });

  describe("serverClose()", () => {
    function slowHandler(gate: Promise<void>, log: string[]) {
      return class extends StreamRequestHandler {
        override async handle(): Promise<void> {
          log.push("started");
          await gate;
          this.wfile.write("done\n");
          log.push("finished");
        }
      };
    }

    it("waits for requests in progress by default (blockOnClose, non-daemon)", async () => {
      const gate = deferred();
      const log: string[] = [];
      const server = new ThreadingTCPServer([HOST, 0], slowHandler(gate.promise, log));
      await server.ready;
      const reply = exchange(server.serverAddress, "");
      await server.handleRequest();
      await waitFor(() => log.length === 1, 2000, "the handler to start");
      expect(server.threads).to.equal(1);
      let closed = false;
      const closing = server.serverClose().then(() => (closed = true));
      await delay(100);
      expect(closed).to.equal(false);
      gate.resolve();
      await within(closing, 3000, "serverClose after the handler finished");
      expect(log).to.deep.equal(["started", "finished"]);
      expect(latin1(await reply)).to.equal("done\n");
    });

    it("does not wait when blockOnClose is false (block_on_close in a subclass body)", async () => {
      const gate = deferred();
      const log: string[] = [];
      class Server extends ThreadingTCPServer {
        override block_on_close = false;
      }
      const server = new Server([HOST, 0], slowHandler(gate.promise, log));
      await server.ready;
      const reply = exchange(server.serverAddress, "");
      await server.handleRequest();
      await waitFor(() => log.length === 1, 2000, "the handler to start");
      await within(server.serverClose(), 1000, "serverClose not waiting");
      expect(log).to.deep.equal(["started"]);
      expect(server.blockOnClose).to.equal(false);
      gate.resolve();
      expect(latin1(await reply)).to.equal("done\n");
    });

    it("does not track or wait for daemon requests, whose sockets stop holding the process open", async () => {
      const gate = deferred();
      const log: string[] = [];
      class Server extends ThreadingTCPServer {
        override daemon_threads = true;
      }
      const server = new Server([HOST, 0], slowHandler(gate.promise, log));
      await server.ready;
      const unref = sinon.spy();
      const realAccept = server.acceptConnection.bind(server);
      server.acceptConnection = (sock: net.Socket) => {
        const original = sock.unref.bind(sock);
        sock.unref = () => {
          unref();
          return original();
        };
        realAccept(sock);
      };
      const sock = await connect(server.serverAddress);
      const all = readAll(sock);
      await server.handleRequest();
      await waitFor(() => log.length === 1, 2000, "the handler to start");
      expect(server.threads).to.equal(0);
      expect(unref.calledOnce).to.equal(true);
      await within(server.serverClose(), 1000, "serverClose not waiting");
      expect(log).to.deep.equal(["started"]);
      gate.resolve();
      expect((await all).toString()).to.equal("done\n");
    });
  });

  it("works as a mixin over a user's own TCPServer subclass", async () => {
    class Base extends TCPServer {
      handledBy = "base";
    }
    class Mixed extends ThreadingMixIn(Base) {}
    const server = new Mixed([HOST, 0], StreamRequestHandler);
    let stderr: string;
    try {
      stderr = await captureStderr(async () => {
        await server.ready;
        expect(server.handledBy).to.equal("base");
        expect(server.daemonThreads).to.equal(false);
        const reply = exchange(server.serverAddress, "");
        await server.handleRequest();
        expect(latin1(await reply)).to.equal("");
      });
    } finally {
      await server.serverClose();
    }
    expect(stderr).to.equal("");
  });
});

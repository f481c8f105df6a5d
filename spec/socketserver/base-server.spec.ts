/**
 * The BaseServer loop: serveForever/shutdown, handleRequest with a timeout,
 * serviceActions, verifyRequest, handleError and the request life cycle.
 */
import { expect } from "chai";
import {
  BaseRequestHandler,
  BaseServer,
  StreamRequestHandler,
  TCPServer,
  ThreadingTCPServer,
} from "../../lib/socketserver/index.js";
import { HOST, captureStderr, connect, delay, exchange, latin1, readAll, within } from "../helpers.js";

class Echo extends StreamRequestHandler {
  override async handle(): Promise<void> {
    this.wfile.write(await this.rfile.readline());
  }
}

describe("BaseServer loop", function () {
  describe("shutdown()", () => {
    it("stops twenty serveForever loops that were started and shut down at once", async () => {
      const servers = Array.from({ length: 20 }, () => new TCPServer([HOST, 0], StreamRequestHandler));
      try {
        const loops = servers.map((s) => s.serveForever(0.01));
        await within(Promise.all(servers.map((s) => s.shutdown())), 5000, "shutdown of 20 servers");
        await within(Promise.all(loops), 5000, "20 loops ending");
      } finally {
        await Promise.all(servers.map((s) => s.serverClose()));
      }
      for (const s of servers) expect(s.fileno()).to.equal(-1);
    });

    it("called before serveForever makes the next serveForever return at once, then the flag is reset", async () => {
      const server = new TCPServer([HOST, 0], Echo);
      try {
        await server.ready;
        await server.shutdown();
        const started = Date.now();
        await within(server.serveForever(10), 2000, "serveForever after an early shutdown");
        expect(Date.now() - started).to.be.below(1000);
        // The flag was consumed: a new loop runs until the next shutdown.
        const loop = server.serveForever(0.01);
        expect(latin1(await exchange(server.serverAddress, "again\n"))).to.equal("again\n");
        await server.shutdown();
        await loop;
      } finally {
        await server.serverClose();
      }
    });

    it("can be requested from inside a handler; the loop ends after that request", async () => {
      class Stopper extends StreamRequestHandler {
        override handle(): void {
          this.wfile.write("bye\n");
          // A plain TCPServer's loop is waiting for this handler, so the
          // handler must not wait for shutdown() itself (Python deadlocks).
          void this.server.shutdown();
        }
      }
      const server = new TCPServer([HOST, 0], Stopper);
      try {
        await server.ready;
        const loop = server.serveForever(5);
        expect(latin1(await exchange(server.serverAddress, ""))).to.equal("bye\n");
        await within(loop, 3000, "serveForever ending after shutdown from a handler");
      } finally {
        await server.serverClose();
      }
    });

    it("can be awaited from inside a ThreadingMixIn handler", async () => {
      let awaited = false;
      class Stopper extends StreamRequestHandler {
        override async handle(): Promise<void> {
          await this.server.shutdown();
          awaited = true;
          this.wfile.write("stopped\n");
        }
      }
      const server = new ThreadingTCPServer([HOST, 0], Stopper);
      try {
        await server.ready;
        const loop = server.serveForever(5);
        expect(latin1(await exchange(server.serverAddress, ""))).to.equal("stopped\n");
        await within(loop, 3000, "loop ending");
        expect(awaited).to.equal(true);
      } finally {
        await server.serverClose();
      }
    });

    it("refuses a second concurrent serveForever", async () => {
      const server = new TCPServer([HOST, 0], Echo);
      try {
        const loop = server.serveForever(0.01);
        let message = "";
        await server.serveForever().catch((e: Error) => (message = e.message));
        expect(message).to.match(/already running/);
        await server.shutdown();
        await loop;
      } finally {
        await server.serverClose();
      }
    });

    it("is also reachable as shutdown/serve_forever under the Python spelling", async () => {
      const server = new TCPServer([HOST, 0], Echo) as TCPServer & {
        serve_forever(poll?: number): Promise<void>;
        server_close(): Promise<void>;
        server_address: unknown;
      };
      try {
        await server.ready;
        const loop = server.serve_forever(0.01);
        expect(latin1(await exchange(server.server_address, "py\n"))).to.equal("py\n");
        await server.shutdown();
        await loop;
      } finally {
        await server.server_close();
      }
      expect(server.fileno()).to.equal(-1);
    });
  });

  describe("handleRequest()", () => {
    it("calls handleTimeout() once when no request arrives within timeout", async () => {
      let timeouts = 0;
      class Server extends TCPServer {
        override timeout = 0.1;
        override handleTimeout(): void {
          timeouts++;
        }
      }
      const server = new Server([HOST, 0], Echo);
      try {
        await server.ready;
        const started = Date.now();
        await within(server.handleRequest(), 3000, "handleRequest with a timeout");
        const waited = Date.now() - started;
        expect(timeouts).to.equal(1);
        expect(waited).to.be.at.least(90);
      } finally {
        await server.serverClose();
      }
    });

    it("handles one request that arrives before the timeout, without calling handleTimeout()", async () => {
      let timeouts = 0;
      class Server extends TCPServer {
        override timeout = 5;
        override handle_timeout(): void {
          timeouts++;
        }
      }
      const server = new Server([HOST, 0], Echo);
      try {
        await server.ready;
        const reply = exchange(server.serverAddress, "one\n");
        await within(server.handleRequest(), 3000, "handleRequest");
        expect(latin1(await reply)).to.equal("one\n");
        expect(timeouts).to.equal(0);
      } finally {
        await server.serverClose();
      }
    });

    it("waits without limit when timeout is null (a request that comes late is still handled)", async () => {
      const server = new TCPServer([HOST, 0], Echo);
      try {
        await server.ready;
        expect(server.timeout).to.equal(null);
        const handled = server.handleRequest();
        let settled = false;
        void handled.then(() => (settled = true));
        await delay(150);
        expect(settled).to.equal(false);
        expect(latin1(await exchange(server.serverAddress, "late\n"))).to.equal("late\n");
        await within(handled, 3000, "handleRequest");
      } finally {
        await server.serverClose();
      }
    });
  });

  describe("serviceActions()", () => {
    it("runs on every turn of the loop, idle or not", async () => {
      let calls = 0;
      class Server extends TCPServer {
        override serviceActions(): void {
          calls++;
        }
      }
      const server = new Server([HOST, 0], Echo);
      try {
        await server.ready;
        const loop = server.serveForever(0.02);
        await delay(250);
        const idle = calls;
        expect(idle).to.be.at.least(3);
        await exchange(server.serverAddress, "x\n");
        await delay(5);
        expect(calls).to.be.above(idle);
        await server.shutdown();
        await loop;
      } finally {
        await server.serverClose();
      }
    });

    it("runs after each request even with a long poll interval", async () => {
      const events: string[] = [];
      class Handler extends StreamRequestHandler {
        override handle(): void {
          events.push("handle");
        }
      }
      class Server extends TCPServer {
        override service_actions(): void {
          events.push("service");
        }
      }
      const server = new Server([HOST, 0], Handler);
      try {
        await server.ready;
        const loop = server.serveForever(60);
        await exchange(server.serverAddress, "");
        await exchange(server.serverAddress, "");
        await delay(20);
        expect(events).to.deep.equal(["handle", "service", "handle", "service"]);
        await within(server.shutdown(), 2000, "shutdown interrupting a 60 s poll");
        await loop;
      } finally {
        await server.serverClose();
      }
    });
  });

  describe("verifyRequest()", () => {
    it("false closes the connection without a word, calls shutdownRequest once and never builds a handler", async () => {
      let built = 0;
      let shutdowns = 0;
      class Handler extends StreamRequestHandler {
        override handle(): void {
          built++;
        }
      }
      class Server extends TCPServer {
        override verifyRequest(): boolean {
          return false;
        }
        override shutdownRequest(request: unknown): void | Promise<void> {
          shutdowns++;
          return super.shutdownRequest(request);
        }
      }
      const server = new Server([HOST, 0], Handler);
      try {
        await server.ready;
        const reply = exchange(server.serverAddress, "hello\n");
        await within(server.handleRequest(), 3000, "handleRequest");
        expect(latin1(await reply)).to.equal("");
        expect(shutdowns).to.equal(1);
        expect(built).to.equal(0);
      } finally {
        await server.serverClose();
      }
    });

    it("may be async and sees the client's address", async () => {
      const seen: unknown[] = [];
      class Server extends TCPServer {
        override async verify_request(_request: unknown, address: unknown): Promise<boolean> {
          seen.push(address);
          await delay(5);
          return seen.length > 1;
        }
      }
      const server = new Server([HOST, 0], Echo);
      try {
        await server.ready;
        const loop = server.serveForever(0.01);
        expect(latin1(await exchange(server.serverAddress, "first\n"))).to.equal("");
        expect(latin1(await exchange(server.serverAddress, "second\n"))).to.equal("second\n");
        expect(seen).to.have.length(2);
        expect((seen[0] as unknown[])[0]).to.equal(HOST);
        await server.shutdown();
        await loop;
      } finally {
        await server.serverClose();
      }
    });

    it("a throw from verifyRequest goes to handleError and the connection is closed", async () => {
      const errors: unknown[] = [];
      class Server extends TCPServer {
        override verifyRequest(): boolean {
          throw new Error("verify failed");
        }
        override handleError(_r: unknown, _a: unknown, error?: unknown): void {
          errors.push(error);
        }
      }
      const server = new Server([HOST, 0], Echo);
      try {
        await server.ready;
        const reply = exchange(server.serverAddress, "x\n");
        await server.handleRequest();
        expect(latin1(await reply)).to.equal("");
        expect(errors.map(String)).to.deep.equal(["Error: verify failed"]);
      } finally {
        await server.serverClose();
      }
    });
  });

  describe("handleError()", () => {
    it("prints Python's banner with the client address and the stack, and the server keeps serving", async () => {
      class Boom extends StreamRequestHandler {
        override async handle(): Promise<void> {
          const line = (await this.rfile.readline()).toString();
          if (line === "sync\n") throw new Error("sync boom");
          if (line === "async\n") {
            await delay(5);
            throw new TypeError("async boom");
          }
          this.wfile.write(line);
        }
      }
      const server = new TCPServer([HOST, 0], Boom);
      let text: string;
      const ports: number[] = [];
      try {
        text = await captureStderr(async () => {
          await server.ready;
          const loop = server.serveForever(0.01);
          for (const what of ["sync\n", "async\n"]) {
            const sock = await connect(server.serverAddress);
            ports.push(sock.localPort!);
            const all = readAll(sock);
            sock.write(what);
            expect((await all).toString()).to.equal("");
            sock.destroy();
          }
          expect(latin1(await exchange(server.serverAddress, "still here\n"))).to.equal("still here\n");
          await server.shutdown();
          await loop;
        });
      } finally {
        await server.serverClose();
      }
      const rule = "-".repeat(40);
      const banners = text.split(`${rule}\n`).filter((part) => part !== "");
      expect(banners).to.have.length(2);
      expect(banners[0]).to.match(
        new RegExp(`^Exception occurred during processing of request from \\('127\\.0\\.0\\.1', ${ports[0]}\\)\nError: sync boom\n    at `),
      );
      expect(banners[1]).to.match(
        new RegExp(`^Exception occurred during processing of request from \\('127\\.0\\.0\\.1', ${ports[1]}\\)\nTypeError: async boom\n`),
      );
      expect(text.startsWith(`${rule}\n`)).to.equal(true);
      expect(text.endsWith(`${rule}\n`)).to.equal(true);
    });

    it("describes a thrown non-Error value with String()", async () => {
      class Throws extends BaseRequestHandler {
        override handle(): void {
          throw "plain string"; // eslint-disable-line no-throw-literal
        }
      }
      const server = new TCPServer([HOST, 0], Throws);
      let text: string;
      try {
        text = await captureStderr(async () => {
          await server.ready;
          const reply = exchange(server.serverAddress, "");
          await server.handleRequest();
          await reply;
        });
      } finally {
        await server.serverClose();
      }
      expect(text).to.contain("from ('127.0.0.1', ");
      expect(text).to.contain("\nplain string\n");
    });

    it("receives the request, the client address and the error when overridden", async () => {
      const calls: unknown[][] = [];
      class Throws extends BaseRequestHandler {
        override handle(): void {
          throw new RangeError("bad");
        }
      }
      class Server extends TCPServer {
        override handleError(request: unknown, address: unknown, error?: unknown): void {
          calls.push([request, address, error]);
        }
      }
      const server = new Server([HOST, 0], Throws);
      try {
        await server.ready;
        const sock = await connect(server.serverAddress);
        const all = readAll(sock);
        await server.handleRequest();
        await all;
        expect(calls).to.have.length(1);
        const [request, address, error] = calls[0]!;
        expect((request as { remotePort: number }).remotePort).to.equal(sock.localPort);
        expect(address).to.deep.equal([HOST, sock.localPort]);
        expect(error).to.be.instanceOf(RangeError);
      } finally {
        await server.serverClose();
      }
    });
  });

  describe("request life cycle", () => {
    it("runs setup, handle and finish in order, each awaited", async () => {
      const events: string[] = [];
      class Handler extends BaseRequestHandler {
        override async setup(): Promise<void> {
          events.push("setup start");
          await delay(10);
          events.push("setup end");
        }
        override async handle(): Promise<void> {
          events.push("handle start");
          await delay(10);
          events.push("handle end");
        }
        override finish(): void {
          events.push("finish");
        }
      }
      class Server extends TCPServer {
        override shutdownRequest(request: unknown): void | Promise<void> {
          events.push("shutdownRequest");
          return super.shutdownRequest(request);
        }
      }
      const server = new Server([HOST, 0], Handler);
      try {
        await server.ready;
        const reply = exchange(server.serverAddress, "");
        await server.handleRequest();
        await reply;
      } finally {
        await server.serverClose();
      }
      expect(events).to.deep.equal(["setup start", "setup end", "handle start", "handle end", "finish", "shutdownRequest"]);
    });

    it("runs finish() when handle() throws, and the error still reaches handleError", async () => {
      const events: string[] = [];
      class Handler extends StreamRequestHandler {
        override async handle(): Promise<void> {
          events.push("handle");
          await delay(1);
          throw new Error("handler failed");
        }
        override async finish(): Promise<void> {
          events.push("finish");
          await super.finish();
        }
      }
      class Server extends TCPServer {
        override handleError(_r: unknown, _a: unknown, error?: unknown): void {
          events.push(`handleError: ${(error as Error).message}`);
        }
      }
      const server = new Server([HOST, 0], Handler);
      try {
        await server.ready;
        const reply = exchange(server.serverAddress, "");
        await server.handleRequest();
        await reply;
      } finally {
        await server.serverClose();
      }
      expect(events).to.deep.equal(["handle", "finish", "handleError: handler failed"]);
    });

    it("the handler sees request, clientAddress and server", async () => {
      let seen: BaseRequestHandler | undefined;
      class Handler extends BaseRequestHandler {
        override handle(): void {
          seen = this;
        }
      }
      const server = new TCPServer([HOST, 0], Handler);
      try {
        await server.ready;
        const sock = await connect(server.serverAddress);
        const all = readAll(sock);
        await server.handleRequest();
        await all;
        expect(seen!.server).to.equal(server);
        expect(seen!.clientAddress).to.deep.equal([HOST, sock.localPort]);
        expect((seen!.request as { remotePort: number }).remotePort).to.equal(sock.localPort);
      } finally {
        await server.serverClose();
      }
    });

    it("a handler class that is a plain BaseRequestHandler accepts and closes", async () => {
      const server = new TCPServer([HOST, 0], BaseRequestHandler);
      try {
        await server.ready;
        const reply = exchange(server.serverAddress, "ignored\n");
        await server.handleRequest();
        expect(latin1(await reply)).to.equal("");
      } finally {
        await server.serverClose();
      }
    });
  });

  describe("BaseServer on its own", () => {
    it("queues requests given to enqueueRequest and hands them to the handler", async () => {
      const got: unknown[] = [];
      class Handler extends BaseRequestHandler {
        override handle(): void {
          got.push([this.request, this.clientAddress]);
        }
      }
      const server = new BaseServer("anywhere", Handler);
      await server.ready;
      expect(server.serverAddress).to.equal("anywhere");
      expect(server.queuedRequests).to.equal(0);
      server.enqueueRequest("req-1", "addr-1");
      expect(server.queuedRequests).to.equal(1);
      await server.handleRequest();
      expect(got).to.deep.equal([["req-1", "addr-1"]]);
      // The base hooks are all harmless no-ops.
      await server.serverActivate();
      await server.serverClose();
      await server.handleTimeout();
      await server.closeRequest("x");
    });

    it("getRequest() with nothing queued throws, and the loop swallows that like Python's OSError", async () => {
      const server = new BaseServer(null, BaseRequestHandler);
      expect(() => server.getRequest()).to.throw(/no request/);
      await server.handleRequestNoblock();
    });
  });
});

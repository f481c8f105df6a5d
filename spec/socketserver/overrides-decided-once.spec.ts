/**
 * Where a server takes a faster path when a method is its own, it decides
 * that once (BaseServer: when serveForever() starts its loop; TCPServer:
 * at the first shutdownRequest()), and an override made before then under
 * either spelling, on the prototype or on the instance, is honoured.
 */
import { expect } from "chai";
import type * as net from "node:net";
import { BaseRequestHandler, BaseServer, StreamRequestHandler, TCPServer } from "../../lib/socketserver/index.js";
import { HOST, connect, readAll, waitFor, within } from "../helpers.js";

/** A server fed by hand: each enqueued request is handled by a handler that does nothing. */
class Fed extends BaseServer {}

/** Run `server`'s loop until `n` noblock calls were counted, then stop it. */
async function serveUntil(server: BaseServer, count: () => number, n: number): Promise<void> {
  const serving = server.serveForever(0.01);
  await waitFor(() => count() >= n, 2000, `${n} requests taken`);
  await server.shutdown();
  await within(serving, 2000, "the loop to stop");
}

describe("overrides decided once per server", function () {
  describe("BaseServer: handleRequestNoblock, when serveForever() starts", () => {
    it("an override assigned on the instance before serveForever() is called on every turn", async () => {
      const server = new Fed(null, BaseRequestHandler);
      let calls = 0;
      const own = server.handleRequestNoblock;
      server.handleRequestNoblock = function (this: BaseServer) {
        calls++;
        return own.call(this);
      };
      for (const r of ["a", "b", "c"]) server.enqueueRequest(r, null);
      await serveUntil(server, () => calls, 3);
      expect(calls).to.equal(3);
      expect(server.queuedRequests).to.equal(0);
    });

    it("the Python spelling (_handle_request_noblock) assigned on the instance counts too", async () => {
      const server = new Fed(null, BaseRequestHandler);
      let calls = 0;
      const own = server.handleRequestNoblock;
      (server as unknown as { _handle_request_noblock: () => Promise<void> })._handle_request_noblock = function (this: BaseServer) {
        calls++;
        return own.call(this);
      };
      server.enqueueRequest("a", null);
      server.enqueueRequest("b", null);
      await serveUntil(server, () => calls, 2);
      expect(calls).to.equal(2);
    });

    it("an override assigned on the prototype after construction, before serveForever(), is honoured", async () => {
      class Late extends BaseServer {}
      const server = new Late(null, BaseRequestHandler);
      await server.ready;
      let calls = 0;
      Late.prototype.handleRequestNoblock = function (this: BaseServer) {
        calls++;
        return BaseServer.prototype.handleRequestNoblock.call(this);
      };
      server.enqueueRequest("a", null);
      await serveUntil(server, () => calls, 1);
      expect(calls).to.equal(1);
    });

    it("an override assigned while the loop runs takes effect at the next serveForever()", async () => {
      const server = new Fed(null, BaseRequestHandler);
      let calls = 0;
      const own = server.handleRequestNoblock;
      const serving = server.serveForever(0.01);
      await server.ready;
      await new Promise((resolve) => setImmediate(resolve)); // the loop has started
      server.handleRequestNoblock = function (this: BaseServer) {
        calls++;
        return own.call(this);
      };
      server.enqueueRequest("a", null);
      await waitFor(() => server.queuedRequests === 0, 2000, "the request taken");
      expect(calls).to.equal(0);
      await server.shutdown();
      await serving;
      server.enqueueRequest("b", null);
      await serveUntil(server, () => calls, 1);
      expect(calls).to.equal(1);
    });
  });

  describe("TCPServer: closeRequest, at the first shutdownRequest()", () => {
    /** Writes one line and returns. */
    class WritesLine extends StreamRequestHandler {
      override handle(): void {
        this.wfile.write("ok\n");
      }
    }

    async function oneRequest(server: TCPServer): Promise<string> {
      const sock = await connect(server.serverAddress);
      sock.on("error", () => undefined);
      const reply = readAll(sock);
      await within(server.handleRequest(), 5000, "the request being handled");
      return (await reply).toString();
    }

    for (const spelling of ["closeRequest", "close_request"] as const) {
      it(`an override assigned on the instance as ${spelling} before the first request is called, after the write side is shut down`, async () => {
        const server = new TCPServer([HOST, 0], WritesLine);
        const seen: boolean[] = [];
        (server as unknown as Record<string, (request: unknown) => void>)[spelling] = (request: unknown) => {
          const sock = request as net.Socket;
          seen.push(sock.writableEnded);
          sock.destroy();
        };
        try {
          await server.ready;
          expect(await oneRequest(server)).to.equal("ok\n");
          expect(await oneRequest(server)).to.equal("ok\n");
          expect(seen).to.deep.equal([true, true]);
        } finally {
          await server.serverClose();
        }
      });
    }

    it("an override assigned on a subclass prototype after construction, before the first request, is called", async () => {
      class Late extends TCPServer {}
      const server = new Late([HOST, 0], WritesLine);
      let calls = 0;
      try {
        await server.ready;
        Late.prototype.closeRequest = function (this: TCPServer, request: unknown) {
          calls++;
          return TCPServer.prototype.closeRequest.call(this, request);
        };
        expect(await oneRequest(server)).to.equal("ok\n");
        expect(calls).to.equal(1);
      } finally {
        await server.serverClose();
      }
    });
  });
});

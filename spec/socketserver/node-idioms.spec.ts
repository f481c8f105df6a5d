/**
 * What a Node.js user reaches for on a server: cancelling with an
 * AbortSignal, `await using`, and the `listening` / `error` / `close`
 * events (also through `events.once`).
 */
import { expect } from "chai";
import { getEventListeners, once } from "node:events";
import * as net from "node:net";
import {
  StreamRequestHandler,
  TCPServer,
  ThreadingTCPServer,
  UDPServer,
  DatagramRequestHandler,
} from "../../lib/socketserver/index.js";
import { HTTPServer } from "../../lib/index.js";
import { HOST, connect, delay, exchange, latin1, within } from "../helpers.js";

class Echo extends StreamRequestHandler {
  override async handle(): Promise<void> {
    this.wfile.write(await this.rfile.readline());
  }
}

describe("Node idioms on servers", function () {
  describe("serveForever({ signal, pollInterval })", () => {
    it("serves until the signal is aborted, which is shutdown()", async () => {
      const server = new TCPServer([HOST, 0], Echo);
      try {
        const controller = new AbortController();
        const loop = server.serveForever({ signal: controller.signal, pollInterval: 0.01 });
        await server.ready;
        expect(latin1(await exchange(server.serverAddress, "one\n"))).to.equal("one\n");
        controller.abort();
        await within(loop, 2000, "the loop ending after abort()");
      } finally {
        await server.serverClose();
      }
    });

    it("returns promptly without serving when the signal is already aborted", async () => {
      let handled = 0;
      class Counting extends StreamRequestHandler {
        override handle(): void {
          handled++;
        }
      }
      const server = new TCPServer([HOST, 0], Counting);
      try {
        await server.ready;
        const client = await connect(server.serverAddress);
        const started = Date.now();
        await within(server.serveForever({ signal: AbortSignal.abort() }), 1000, "serveForever with an aborted signal");
        expect(Date.now() - started).to.be.below(500);
        await delay(50);
        expect(handled).to.equal(0);
        expect(server.queuedRequests).to.equal(1);
        client.destroy();
        // The server is still usable: a later loop serves the queued connection.
        const loop = server.serveForever(0.01);
        await within(
          (async () => {
            while (handled === 0) await delay(5);
          })(),
          2000,
          "the queued connection handled by a later loop",
        );
        await server.shutdown();
        await loop;
      } finally {
        await server.serverClose();
      }
    });

    it("still takes the Python positional poll interval, and the Python spelling takes the options too", async () => {
      const server = new TCPServer([HOST, 0], Echo);
      try {
        const controller = new AbortController();
        const snake = server as unknown as { serve_forever: TCPServer["serveForever"] };
        const loop = snake.serve_forever({ signal: controller.signal });
        await server.ready;
        setTimeout(() => controller.abort(), 20);
        await within(loop, 2000, "serve_forever ending on abort");
        const positional = server.serveForever(0.01);
        await server.shutdown();
        await within(positional, 2000, "serveForever(0.01) ending on shutdown()");
      } finally {
        await server.serverClose();
      }
    });

    it("does not keep a listener on the signal after the loop ends", async () => {
      const server = new TCPServer([HOST, 0], Echo);
      try {
        const controller = new AbortController();
        const loop = server.serveForever({ signal: controller.signal });
        expect(getEventListeners(controller.signal, "abort")).to.have.length(1);
        await server.shutdown();
        await loop;
        expect(getEventListeners(controller.signal, "abort")).to.have.length(0);
      } finally {
        await server.serverClose();
      }
    });

    it("rejects options of the wrong type with a TypeError", async () => {
      const server = new TCPServer([HOST, 0], Echo);
      try {
        const wrong = { signal: "stop" } as unknown as { signal: AbortSignal };
        let error: unknown;
        await server.serveForever(wrong).catch((e: unknown) => (error = e));
        expect(error).to.be.instanceOf(TypeError);
        expect(String(error)).to.match(/signal/);
      } finally {
        await server.serverClose();
      }
    });
  });

  describe("await using", () => {
    it("stops a running loop and closes the server when the block is left", async () => {
      let loop: Promise<void> | undefined;
      let port = 0;
      {
        await using server = new TCPServer([HOST, 0], Echo);
        await server.ready;
        port = (server.serverAddress as [string, number])[1];
        loop = server.serveForever(0.01);
        expect(latin1(await exchange(server.serverAddress, "x\n"))).to.equal("x\n");
      }
      await within(loop, 2000, "the loop ending when the block is left");
      // The port is free again.
      await within(
        new Promise<void>((resolve, reject) => {
          const probe = net.createServer();
          probe.once("error", reject);
          probe.listen({ host: HOST, port, exclusive: true }, () => probe.close(() => resolve()));
        }),
        2000,
        "binding the released port",
      );
    });

    it("closes the server even when the block throws", async () => {
      let kept: TCPServer | undefined;
      let closed = false;
      try {
        await using server = new TCPServer([HOST, 0], Echo);
        kept = server;
        server.once("close", () => (closed = true));
        await server.ready;
        throw new Error("leaving the block");
      } catch (err) {
        expect(String(err)).to.match(/leaving the block/);
      }
      expect(closed).to.equal(true);
      expect(kept!.fileno()).to.equal(-1);
    });
  });

  describe("events", () => {
    it("emits listening once bound (serverAddress holds the real port), and events.once() resolves with it", async () => {
      const server = new TCPServer([HOST, 0], Echo);
      try {
        let seen: unknown = null;
        server.on("listening", () => (seen = server.serverAddress));
        await within(once(server, "listening"), 2000, "the listening event");
        const [host, port] = seen as [string, number];
        expect(host).to.equal(HOST);
        expect(port).to.be.above(0);
      } finally {
        await server.serverClose();
      }
    });

    it("emits listening for UDP and HTTP servers too (after HTTPServer has its serverName)", async () => {
      const udp = new UDPServer([HOST, 0], DatagramRequestHandler);
      const http = new HTTPServer([HOST, 0], StreamRequestHandler);
      try {
        await within(once(udp, "listening"), 2000, "UDP listening");
        let name = "";
        http.on("listening", () => (name = http.serverName));
        await within(once(http, "listening"), 2000, "HTTP listening");
        expect(name).to.not.equal("");
      } finally {
        await udp.serverClose();
        await http.serverClose();
      }
    });

    it("emits error for a bind error when listened to; events.once(server, 'listening') rejects with it", async () => {
      const first = new TCPServer([HOST, 0], Echo);
      await first.ready;
      try {
        const second = new TCPServer(first.serverAddress, Echo);
        const errors: unknown[] = [];
        second.on("error", (e) => errors.push(e));
        let rejected: unknown;
        await once(second, "listening").catch((e: unknown) => (rejected = e));
        expect(String(rejected)).to.match(/address already in use/);
        expect(errors).to.have.length(1);
        expect((errors[0] as NodeJS.ErrnoException).code).to.equal("EADDRINUSE");
        // The error is not emitted twice, and ready still rejects with it.
        let ready: unknown;
        await second.ready.catch((e: unknown) => (ready = e));
        expect(ready).to.equal(errors[0]);
        expect(errors).to.have.length(1);
      } finally {
        await first.serverClose();
      }
    });

    it("does not throw for a bind error nobody listens to (ready rejects as before)", async () => {
      const first = new TCPServer([HOST, 0], Echo);
      await first.ready;
      try {
        const second = new TCPServer(first.serverAddress, Echo);
        let error: unknown;
        await second.ready.catch((e: unknown) => (error = e));
        expect(String(error)).to.match(/address already in use/);
      } finally {
        await first.serverClose();
      }
    });

    it("emits close once, after serverClose() has closed the socket, however often it is called", async () => {
      const server = new ThreadingTCPServer([HOST, 0], Echo);
      await server.ready;
      let closes = 0;
      server.on("close", () => closes++);
      const closed = once(server, "close");
      await server.serverClose();
      await server.serverClose();
      await within(closed, 1000, "the close event");
      expect(closes).to.equal(1);
      expect(server.fileno()).to.equal(-1);
    });
  });
});

describe("rfile reads with { signal }", function () {
  /** A server whose handler runs `body` with a controller it may abort; resolves with what the read gave. */
  async function readWithSignal(
    body: (h: StreamRequestHandler, signal: AbortSignal) => Promise<unknown>,
    client: (sock: net.Socket, abort: () => void) => Promise<void>,
  ): Promise<{ result: unknown; error: unknown; closed: boolean }> {
    const controller = new AbortController();
    let outcome: { result: unknown; error: unknown; closed: boolean } | undefined;
    class Reader extends StreamRequestHandler {
      override async handle(): Promise<void> {
        let result: unknown;
        let error: unknown;
        try {
          result = await body(this, controller.signal);
        } catch (err) {
          error = err;
        }
        outcome = { result, error, closed: this.connection.destroyed };
      }
    }
    const server = new TCPServer([HOST, 0], Reader);
    try {
      await server.ready;
      const handled = server.handleRequest();
      const sock = await connect(server.serverAddress);
      await client(sock, () => controller.abort());
      await within(handled, 2000, "the handler finishing");
      sock.destroy();
    } finally {
      await server.serverClose();
    }
    return outcome!;
  }

  it("read(n, { signal }) rejects with an AbortError when aborted while waiting, and the connection is closed", async () => {
    const out = await readWithSignal(
      (h, signal) => h.rfile.read(10, { signal }),
      async (sock, abort) => {
        sock.write("abc");
        await delay(30);
        abort();
        const ended = await within(
          new Promise<boolean>((resolve) => sock.once("close", () => resolve(true))),
          2000,
          "the client seeing the connection close",
        );
        expect(ended).to.equal(true);
      },
    );
    expect(out.error).to.be.instanceOf(Error);
    expect((out.error as Error).name).to.equal("AbortError");
    expect((out.error as NodeJS.ErrnoException).code).to.equal("ABORT_ERR");
    expect(out.closed).to.equal(true);
  });

  it("readline({ signal }) and readline(limit, { signal }) resolve as usual when not aborted", async () => {
    const out = await readWithSignal(
      async (h, signal) => [await h.rfile.readline({ signal }), await h.rfile.readline(2, { signal })],
      async (sock) => {
        sock.write("one\ntwo\n");
      },
    );
    expect(out.error).to.equal(undefined);
    expect((out.result as Buffer[]).map(latin1)).to.deep.equal(["one\n", "tw"]);
  });

  it("an already aborted signal rejects at once, even with bytes buffered, with the signal's reason as cause", async () => {
    const reason = new Error("gave up");
    const out = await readWithSignal(
      async (h) => {
        await h.rfile.fill(); // bytes are buffered now
        return h.rfile.read1(100, { signal: AbortSignal.abort(reason) });
      },
      async (sock) => {
        sock.write("buffered");
      },
    );
    expect((out.error as Error).name).to.equal("AbortError");
    expect((out.error as Error).cause).to.equal(reason);
    expect(out.closed).to.equal(true);
  });

  it("read() to the end and readlines() take a signal too", async () => {
    const out = await readWithSignal(
      async (h, signal) => [await h.rfile.readlines({ signal }), await h.rfile.read({ signal })],
      async (sock) => {
        sock.end("a\nb\n");
      },
    );
    expect(out.error).to.equal(undefined);
    const [lines, rest] = out.result as [Buffer[], Buffer];
    expect(lines.map(latin1)).to.deep.equal(["a\n", "b\n"]);
    expect(rest.length).to.equal(0);
  });
});

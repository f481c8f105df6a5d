/**
 * TCPServer specifics: addresses, binding, the listening socket's life, and
 * connections that misbehave.
 */
import { expect } from "chai";
import * as net from "node:net";
import * as os from "node:os";
import sinon from "sinon";
import {
  AF_INET,
  AF_INET6,
  BrokenPipeError,
  SOCK_STREAM,
  StreamRequestHandler,
  TCPServer,
  ThreadingTCPServer,
  UDPServer,
} from "../../lib/socketserver/index.js";
import { markSharedDescriptor } from "../../lib/socketserver/tcp-server.js";
import { HOST, captureStderr, connect, delay, exchange, latin1, readAll, within } from "../helpers.js";
import { recordingServer } from "./recording-server.js";

class Echo extends StreamRequestHandler {
  override async handle(): Promise<void> {
    this.wfile.write(await this.rfile.readline());
  }
}

/** Settle `promise` and return what it rejected with (or null). */
async function rejection(promise: Promise<unknown>): Promise<NodeJS.ErrnoException | null> {
  try {
    await promise;
    return null;
  } catch (err) {
    return err as NodeJS.ErrnoException;
  }
}

function hasLoopbackIPv6(): boolean {
  return Object.values(os.networkInterfaces()).some((list) => (list ?? []).some((a) => a.family === "IPv6" && a.address === "::1"));
}

describe("TCPServer", function () {
  it("has Python's class defaults under both spellings", () => {
    const proto = TCPServer.prototype as unknown as Record<string, unknown>;
    expect(proto.addressFamily).to.equal(AF_INET);
    expect(proto.address_family).to.equal(AF_INET);
    expect(proto.socketType).to.equal(SOCK_STREAM);
    expect(proto.socket_type).to.equal(SOCK_STREAM);
    expect(proto.requestQueueSize).to.equal(5);
    expect(proto.request_queue_size).to.equal(5);
    expect(proto.allowReuseAddress).to.equal(false);
    expect(proto.allow_reuse_address).to.equal(false);
    expect(proto.allowReusePort).to.equal(false);
    expect(TCPServer.prototype.timeout).to.equal(null);
  });

  describe("addresses checked at construction", () => {
    const bad: Array<[string, unknown, RegExp]> = [
      ["port -1", [HOST, -1], /port must be an integer 0-65535, got -1/],
      ["port 70000", [HOST, 70000], /port must be an integer 0-65535, got 70000/],
      ["port 1.5", [HOST, 1.5], /got 1\.5/],
      ["a string port", [HOST, "80"], /got "80"/],
      ["a non-array", `${HOST}:80`, /must be a \[host, port\] pair/],
      ["an object", { host: HOST, port: 0 }, /must be a \[host, port\] pair/],
      ["a one-element array", [HOST], /must be a \[host, port\] pair/],
      ["a numeric host", [80, 80], /host must be a string/],
      ["a host with NUL", ["127.0.0.1\0x", 0], /NUL/],
    ];
    for (const [what, address, message] of bad) {
      it(`throws for ${what}`, () => {
        expect(() => new TCPServer(address, Echo)).to.throw(message);
        expect(() => new UDPServer(address, Echo)).to.throw(message);
      });
    }

    it("throws the right error classes, every time, without leaking a socket (bpo-22435)", () => {
      for (let i = 0; i < 200; i++) {
        expect(() => new TCPServer([HOST, -1], Echo)).to.throw(RangeError);
      }
      expect(() => new TCPServer("nope", Echo)).to.throw(TypeError);
    });
  });

  describe("binding", () => {
    it("rejects serveForever and ready when the address is in use, naming the address", async () => {
      const first = new TCPServer([HOST, 0], Echo);
      await first.ready;
      const port = (first.serverAddress as [string, number])[1];
      const second = new TCPServer([HOST, port], Echo);
      try {
        const err = await rejection(second.serveForever());
        expect(err).to.be.instanceOf(Error);
        expect(err!.message).to.equal(`cannot bind ('127.0.0.1', ${port}): address already in use`);
        expect(err!.code).to.equal("EADDRINUSE");
        expect((err!.cause as NodeJS.ErrnoException).code).to.equal("EADDRINUSE");
        const again = await rejection(second.ready);
        expect(again).to.equal(err);
        expect(second.fileno()).to.equal(-1);
        // The first server is unharmed.
        const reply = exchange(first.serverAddress, "first\n");
        await first.handleRequest();
        expect(latin1(await reply)).to.equal("first\n");
      } finally {
        await second.serverClose();
        await first.serverClose();
      }
    });

    it("handleRequest also rejects with the bind error", async () => {
      const first = new TCPServer([HOST, 0], Echo);
      await first.ready;
      const second = new TCPServer(first.serverAddress, Echo);
      try {
        const err = await rejection(second.handleRequest());
        expect(err?.code).to.equal("EADDRINUSE");
      } finally {
        await first.serverClose();
        await second.serverClose();
      }
    });

    it("names an address that is not local", async () => {
      const server = new TCPServer(["192.0.2.254", 0], Echo);
      try {
        const err = await rejection(server.ready);
        expect(err?.message).to.equal("cannot bind ('192.0.2.254', 0): cannot assign requested address");
        expect(err?.code).to.equal("EADDRNOTAVAIL");
      } finally {
        await server.serverClose();
      }
    });

    it("binds every interface for the empty host", async () => {
      const server = new TCPServer(["", 0], Echo);
      try {
        await server.ready;
        const [host, port] = server.serverAddress as [string, number];
        expect(host).to.equal("0.0.0.0");
        const reply = exchange([HOST, port], "any\n");
        await server.handleRequest();
        expect(latin1(await reply)).to.equal("any\n");
      } finally {
        await server.serverClose();
      }
    });

    it("serves IPv6 on ::1 with Python's 4-tuple addresses (or names ::1 in the bind error without IPv6)", async () => {
      class Server6 extends TCPServer {
        override address_family = AF_INET6;
      }
      let client: unknown;
      class Handler extends Echo {
        override async handle(): Promise<void> {
          client = this.clientAddress;
          await super.handle();
        }
      }
      const server = new Server6(["::1", 0], Handler);
      try {
        if (hasLoopbackIPv6()) {
          await server.ready;
          // A Python-spelled class field is moved to its camelCase name
          // before binding (not synchronously in the constructor).
          expect(server.addressFamily).to.equal(AF_INET6);
          const address = server.serverAddress as [string, number, number, number];
          expect(address).to.have.length(4);
          expect(address[0]).to.equal("::1");
          expect(address[1]).to.be.above(0);
          expect(address.slice(2)).to.deep.equal([0, 0]);
          const sock = await connect(address);
          const all = readAll(sock);
          sock.write("six\n");
          await server.handleRequest();
          expect((await all).toString()).to.equal("six\n");
          expect(client).to.deep.equal(["::1", sock.localPort, 0, 0]);
        } else {
          const err = await rejection(server.ready);
          expect(err?.message).to.match(/^cannot bind \('::1', 0\): /);
        }
      } finally {
        await server.serverClose();
      }
    });

    it("with bindAndActivate=false binds only on explicit serverBind()/serverActivate()", async () => {
      const server = new TCPServer([HOST, 0], Echo, false);
      try {
        await server.ready;
        expect(server.fileno()).to.equal(-1);
        expect(server.serverAddress).to.deep.equal([HOST, 0]);
        await server.serverBind();
        await server.serverActivate();
        const [host, port] = server.serverAddress as [string, number];
        expect(host).to.equal(HOST);
        expect(port).to.be.above(0);
        expect(server.fileno()).to.be.at.least(0);
        const reply = exchange(server.serverAddress, "manual\n");
        await server.handleRequest();
        expect(latin1(await reply)).to.equal("manual\n");
      } finally {
        await server.serverClose();
      }
    });

    it("lets a subclass change the address before an explicit bind (Python's bind_and_activate=False idiom)", async () => {
      const taken = new TCPServer([HOST, 0], Echo);
      await taken.ready;
      const server = new TCPServer(taken.serverAddress, Echo, false);
      try {
        expect(await rejection(server.serverBind())).to.have.property("code", "EADDRINUSE");
      } finally {
        await server.serverClose();
        await taken.serverClose();
      }
      const fresh = new TCPServer([HOST, 0], Echo, false);
      try {
        fresh.serverAddress = [HOST, 0];
        await fresh.serverBind();
        expect(fresh.fileno()).to.be.at.least(0);
      } finally {
        await fresh.serverClose();
      }
    });

    it("uses requestQueueSize as the listen backlog, also when set as request_queue_size in a subclass body", async () => {
      class Small extends TCPServer {
        override request_queue_size = 1;
      }
      class Large extends TCPServer {
        override requestQueueSize = 64;
      }
      for (const [Cls, backlog] of [[Small, 1], [Large, 64], [TCPServer, 5]] as const) {
        const server = new Cls([HOST, 0], Echo);
        const listen = sinon.spy(server.socket, "listen");
        try {
          await server.ready;
          expect(listen.calledOnce).to.equal(true);
          expect((listen.firstCall.args[0] as net.ListenOptions).backlog).to.equal(backlog);
          expect(server.requestQueueSize).to.equal(backlog);
          expect((server as unknown as Record<string, unknown>).request_queue_size).to.equal(backlog);
        } finally {
          listen.restore();
          await server.serverClose();
        }
      }
    });

    it("allowReuseAddress lets a new server bind a port whose connections are in TIME_WAIT", async () => {
      class Reusing extends TCPServer {
        override allow_reuse_address = true;
      }
      const first = new Reusing([HOST, 0], Echo);
      await first.ready;
      expect(first.allowReuseAddress).to.equal(true);
      const address = first.serverAddress;
      // The server closes first, leaving its side of the connection in TIME_WAIT.
      const reply = exchange(address, "tw\n");
      await first.handleRequest();
      expect(latin1(await reply)).to.equal("tw\n");
      await first.serverClose();
      const second = new Reusing(address, Echo);
      try {
        await within(second.ready, 3000, "rebinding the same port");
        expect(second.serverAddress).to.deep.equal(address);
      } finally {
        await second.serverClose();
      }
    });

    it("allowReusePort asks for SO_REUSEPORT, which needs Node.js >= 22.12", async () => {
      class Server extends TCPServer {
        override allowReusePort = true;
      }
      const [major, minor] = process.versions.node.split(".").map(Number) as [number, number];
      const supported = major > 22 || (major === 22 && minor >= 12);
      const a = new Server([HOST, 0], Echo);
      try {
        if (supported) {
          await a.ready;
          const b = new Server(a.serverAddress, Echo);
          await b.ready;
          await b.serverClose();
        } else {
          const err = await rejection(a.ready);
          expect(err?.message).to.match(/allowReusePort needs Node\.js >= 22\.12/);
          expect(a.fileno()).to.equal(-1);
        }
      } finally {
        await a.serverClose();
      }
    });
  });

  describe("the listening socket", () => {
    it("fileno() is -1 before binding, a descriptor while listening, -1 after serverClose()", async () => {
      const server = new TCPServer([HOST, 0], Echo);
      expect(server.fileno()).to.equal(-1);
      await server.ready;
      const fd = server.fileno();
      expect(fd).to.be.a("number").at.least(0);
      await server.serverClose();
      expect(server.fileno()).to.equal(-1);
      // Closing twice is harmless.
      await server.serverClose();
      expect(server.fileno()).to.equal(-1);
    });

    it("is closed by `await using`, as Python's with-block does", async () => {
      let outer: TCPServer | undefined;
      let fd = -1;
      {
        await using server = new TCPServer([HOST, 0], Echo);
        outer = server;
        await server.ready;
        fd = server.fileno();
        const reply = exchange(server.serverAddress, "with\n");
        await server.handleRequest();
        expect(latin1(await reply)).to.equal("with\n");
      }
      expect(fd).to.be.at.least(0);
      expect(outer.fileno()).to.equal(-1);
      // The port is free again.
      const err = await rejection(connect(outer.serverAddress));
      expect(err?.code).to.equal("ECONNREFUSED");
    });

    it("[Symbol.asyncDispose]() closes it when called directly", async () => {
      const server = new ThreadingTCPServer([HOST, 0], Echo);
      await server.ready;
      expect(server.fileno()).to.be.at.least(0);
      await server[Symbol.asyncDispose]();
      expect(server.fileno()).to.equal(-1);
    });

    it("a ThreadingMixIn server closed right after construction does not fail", async () => {
      const server = new ThreadingTCPServer([HOST, 0], Echo);
      await server.serverClose();
      await server.ready;
      expect(server.fileno()).to.equal(-1);
      await server.serverClose();
    });

    it("serveForever() and handleRequest() after serverClose() reject instead of waiting forever", async () => {
      for (const Cls of [TCPServer, UDPServer]) {
        const server = new Cls([HOST, 0], Echo);
        await server.ready;
        const address = server.serverAddress as [string, number];
        await server.serverClose();
        const expected = `the server on ('127.0.0.1', ${address[1]}) is closed: serverClose() was called`;
        expect((await rejection(server.serveForever()))?.message).to.equal(expected);
        expect((await rejection(server.handleRequest()))?.message).to.equal(expected);
      }
    });

    it("serverClose() drops connections still waiting in the queue", async () => {
      const server = new TCPServer([HOST, 0], Echo);
      await server.ready;
      const sock = await connect(server.serverAddress);
      const all = readAll(sock);
      await delay(50);
      expect(server.queuedRequests).to.equal(1);
      await server.serverClose();
      expect(server.queuedRequests).to.equal(0);
      expect((await all).length).to.equal(0);
    });
  });

  describe("misbehaving clients", () => {
    it("a client that resets mid-request crashes nothing; the server keeps serving", async () => {
      const errors: unknown[] = [];
      let line: Buffer | undefined;
      class Server extends TCPServer {
        override handleError(_r: unknown, _a: unknown, error?: unknown): void {
          errors.push(error);
        }
      }
      class Handler extends StreamRequestHandler {
        override async handle(): Promise<void> {
          line = await this.rfile.readline();
          this.wfile.write("too late\n");
        }
      }
      const server = new Server([HOST, 0], Handler);
      try {
        await server.ready;
        const loop = server.serveForever(0.01);
        const sock = await connect(server.serverAddress);
        sock.on("error", () => undefined);
        sock.write("partial line without newline");
        await delay(50);
        sock.resetAndDestroy();
        await within(
          (async () => {
            while (line === undefined) await delay(5);
          })(),
          3000,
          "the handler seeing the reset",
        );
        expect(line!.toString()).to.equal("partial line without newline");
        await delay(20);
        expect(errors).to.have.length(1);
        expect(errors[0]).to.be.instanceOf(BrokenPipeError);
        expect((errors[0] as BrokenPipeError).code).to.equal("EPIPE");
        expect(latin1(await exchange(server.serverAddress, "next\n"))).to.equal("too late\n");
        await server.shutdown();
        await loop;
      } finally {
        await server.serverClose();
      }
    });

    it("a client that resets while waiting in the queue does not disturb the next one", async () => {
      const server = new TCPServer([HOST, 0], Echo);
      // Its handler reads end of input and its write fails; like Python,
      // that is reported on stderr.
      let stderr: string;
      try {
        stderr = await captureStderr(async () => {
          await server.ready;
          const sock = await connect(server.serverAddress);
          sock.on("error", () => undefined);
          await delay(30);
          sock.resetAndDestroy();
          await delay(30);
          const loop = server.serveForever(0.01);
          expect(latin1(await exchange(server.serverAddress, "ok\n"))).to.equal("ok\n");
          await server.shutdown();
          await loop;
        });
      } finally {
        await server.serverClose();
      }
      expect(stderr).to.match(/^(-{40}\nException occurred during processing of request from \('127\.0\.0\.1', \d+\)\nBrokenPipeError[^]*-{40}\n)?$/);
    });

    it("a client that disconnects at once gets its handler run with an empty read", async () => {
      const reads: string[] = [];
      class Handler extends StreamRequestHandler {
        override async handle(): Promise<void> {
          reads.push((await this.rfile.read()).toString());
        }
      }
      const server = new TCPServer([HOST, 0], Handler);
      let stderr: string;
      try {
        stderr = await captureStderr(async () => {
          await server.ready;
          const sock = await connect(server.serverAddress);
          sock.end();
          await server.handleRequest();
          expect(reads).to.deep.equal([""]);
        });
      } finally {
        await server.serverClose();
      }
      expect(stderr).to.equal("");
    });
  });
  describe("closing a connection", () => {

    /** Serve one connection, then close the server: what the client read until the end, and its error if any. */
    async function serveOne(server: TCPServer, ms = 5000): Promise<{ reply: Buffer; error: Error | null }> {
      try {
        await server.ready;
        const sock = await connect(server.serverAddress);
        let error: Error | null = null;
        sock.on("error", (err) => (error = err));
        const reply = readAll(sock, ms);
        await server.handleRequest();
        return { reply: await reply, error };
      } finally {
        await server.serverClose();
      }
    }

    /** Writes one line and returns. */
    class WritesLine extends StreamRequestHandler {
      override handle(): void {
        this.wfile.write("ok\n");
      }
    }

    it("closes at once when every byte is with the kernel and nothing is unread; the client gets the bytes, then the end", async () => {
      const { server, seen } = recordingServer(WritesLine);
      const { reply, error } = await serveOne(server);
      expect(reply.toString()).to.equal("ok\n");
      expect(error).to.equal(null);
      expect(seen).to.deep.equal([{ destroyed: true, ended: false }]);
    });

    it("ends the write side first while bytes still wait in Node, and the client gets them all", async () => {
      const big = Buffer.alloc(16 * 1024 * 1024, 0x61);
      class Handler extends StreamRequestHandler {
        override handle(): void {
          // Written straight to the socket, and finish() does not wait for
          // the drain: most of it is still queued in Node at the shutdown.
          (this.connection as net.Socket).write(big);
        }
        override finish(): void {}
      }
      const { server, seen } = recordingServer(Handler);
      const { reply } = await serveOne(server, 20000);
      expect(seen).to.deep.equal([{ destroyed: false, ended: true }]);
      expect(reply.length).to.equal(big.length);
      expect(reply.equals(big)).to.equal(true);
    });

    it("shuts the write side down first when another process may hold the descriptor (a forked worker's connection)", async () => {
      class Handler extends WritesLine {
        override handle(): void {
          markSharedDescriptor(this.request);
          super.handle();
        }
      }
      const { server, seen } = recordingServer(Handler);
      const { reply } = await serveOne(server);
      expect(reply.toString()).to.equal("ok\n");
      expect(seen).to.deep.equal([{ destroyed: false, ended: true }]);
    });

    it("still shuts the write side down before an overridden closeRequest(), as Python's shutdown_request() does", async () => {
      const closed: boolean[] = [];
      class KeepsSocket extends TCPServer {
        override closeRequest(request: unknown): void {
          const sock = request as net.Socket;
          closed.push(sock.writableEnded);
          sock.destroy();
        }
      }
      const { reply } = await serveOne(new KeepsSocket([HOST, 0], WritesLine));
      expect(reply.toString()).to.equal("ok\n");
      expect(closed).to.deep.equal([true]);
    });
  });
});

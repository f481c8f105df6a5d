/**
 * UDPServer and DatagramRequestHandler, plus the Unix datagram classes Node
 * cannot provide.
 */
import { expect } from "chai";
import * as dgram from "node:dgram";
import * as os from "node:os";
import sinon from "sinon";
import {
  AF_INET6,
  DatagramRequestHandler,
  ForkingUnixDatagramServer,
  SOCK_DGRAM,
  ThreadingUnixDatagramServer,
  UDPServer,
  UnixDatagramServer,
  UnsupportedSocketError,
} from "../../lib/socketserver/index.js";
import { BytesWriter } from "../../lib/socketserver/streams.js";
import { HOST, captureStderr, udpExchange, within } from "../helpers.js";

async function rejection(promise: Promise<unknown>): Promise<NodeJS.ErrnoException | null> {
  try {
    await promise;
    return null;
  } catch (err) {
    return err as NodeJS.ErrnoException;
  }
}

class Echo extends DatagramRequestHandler {
  override async handle(): Promise<void> {
    this.wfile.write(await this.rfile.read());
  }
}

describe("UDPServer", function () {
  it("has Python's class defaults under both spellings", () => {
    const proto = UDPServer.prototype as unknown as Record<string, unknown>;
    expect(proto.socketType).to.equal(SOCK_DGRAM);
    expect(proto.maxPacketSize).to.equal(8192);
    expect(proto.max_packet_size).to.equal(8192);
    expect(proto.allowReuseAddress).to.equal(false);
    expect(proto.allow_reuse_address).to.equal(false);
    expect(proto.allowReusePort).to.equal(false);
  });

  it("gives the handler the packet, the server's socket and the sender's address; wfile is the reply", async () => {
    const seen: Record<string, unknown> = {};
    class Handler extends DatagramRequestHandler {
      override async handle(): Promise<void> {
        seen.packet = this.packet.toString();
        seen.sameSocket = this.socket === server.socket;
        seen.request = this.request;
        seen.address = this.clientAddress;
        seen.line = (await this.rfile.readline()).toString();
        seen.wfile = this.wfile instanceof BytesWriter;
        this.wfile.write("re: ");
        this.wfile.write(this.packet);
      }
    }
    const server = new UDPServer([HOST, 0], Handler);
    try {
      await server.ready;
      const reply = udpExchange(server.serverAddress, "ping\nmore");
      await server.handleRequest();
      const { data } = await reply;
      expect(data.toString()).to.equal("re: ping\nmore");
      expect(seen.packet).to.equal("ping\nmore");
      expect(seen.sameSocket).to.equal(true);
      expect((seen.request as unknown[])[1]).to.equal(server.socket);
      expect(seen.line).to.equal("ping\n");
      expect(seen.wfile).to.equal(true);
      const [host, port] = seen.address as [string, number];
      expect(host).to.equal(HOST);
      expect(port).to.be.above(0);
    } finally {
      await server.serverClose();
    }
  });

  it("sends an empty reply datagram when the handler writes nothing (as Python does)", async () => {
    const server = new UDPServer([HOST, 0], DatagramRequestHandler);
    try {
      await server.ready;
      const reply = udpExchange(server.serverAddress, "anything");
      await server.handleRequest();
      expect((await reply).data.length).to.equal(0);
    } finally {
      await server.serverClose();
    }
  });

  it("lets a handler reply directly through this.socket", async () => {
    class Direct extends DatagramRequestHandler {
      override handle(): Promise<void> {
        const [host, port] = this.clientAddress as [string, number];
        return new Promise((resolve) => this.socket.send("direct", port, host, () => resolve()));
      }
    }
    const server = new UDPServer([HOST, 0], Direct);
    try {
      await server.ready;
      const reply = udpExchange(server.serverAddress, "x");
      await server.handleRequest();
      expect((await reply).data.toString()).to.equal("direct");
    } finally {
      await server.serverClose();
    }
  });

  it("cuts datagrams to maxPacketSize, also when set as max_packet_size in a subclass body", async () => {
    const sizes: number[] = [];
    class Handler extends DatagramRequestHandler {
      override handle(): void {
        sizes.push(this.packet.length);
        this.wfile.write(this.packet);
      }
    }
    class Small extends UDPServer {
      override max_packet_size = 10;
    }
    const server = new Small([HOST, 0], Handler);
    try {
      await server.ready;
      expect(server.maxPacketSize).to.equal(10);
      const reply = udpExchange(server.serverAddress, "0123456789abcdefghij");
      await server.handleRequest();
      expect((await reply).data.toString()).to.equal("0123456789");
      const short = udpExchange(server.serverAddress, "abc");
      await server.handleRequest();
      expect((await short).data.toString()).to.equal("abc");
      expect(sizes).to.deep.equal([10, 3]);
    } finally {
      await server.serverClose();
    }
  });

  it("keeps serving after a handler throws, printing the banner with the sender's address", async () => {
    class Handler extends DatagramRequestHandler {
      override handle(): void {
        if (this.packet.toString() === "boom") throw new Error("datagram boom");
        this.wfile.write("fine");
      }
    }
    const server = new UDPServer([HOST, 0], Handler);
    let stderr: string;
    try {
      stderr = await captureStderr(async () => {
        await server.ready;
        const loop = server.serveForever(0.01);
        // The failing request still runs finish(), which sends the (empty) reply.
        const failed = await udpExchange(server.serverAddress, "boom");
        expect(failed.data.length).to.equal(0);
        expect((await udpExchange(server.serverAddress, "ok")).data.toString()).to.equal("fine");
        await server.shutdown();
        await loop;
      });
    } finally {
      await server.serverClose();
    }
    expect(stderr).to.match(/^-{40}\nException occurred during processing of request from \('127\.0\.0\.1', \d+\)\nError: datagram boom\n[^]*-{40}\n$/);
  });

  it("rejects with the address when it is in use, and allowReuseAddress lets two servers share it", async () => {
    const first = new UDPServer([HOST, 0], Echo);
    await first.ready;
    const [, port] = first.serverAddress as [string, number];
    const second = new UDPServer([HOST, port], Echo);
    try {
      const err = await rejection(second.serveForever());
      expect(err?.message).to.equal(`cannot bind ('127.0.0.1', ${port}): address already in use`);
      expect(err?.code).to.equal("EADDRINUSE");
      expect(second.fileno()).to.equal(-1);
    } finally {
      await second.serverClose();
      await first.serverClose();
    }
    class Sharing extends UDPServer {
      override allow_reuse_address = true;
    }
    const a = new Sharing([HOST, 0], Echo);
    await a.ready;
    const b = new Sharing(a.serverAddress, Echo);
    try {
      await within(b.ready, 2000, "binding a shared port");
      expect(b.serverAddress).to.deep.equal(a.serverAddress);
    } finally {
      await a.serverClose();
      await b.serverClose();
    }
  });

  it("rejects allowReusePort, which node:dgram does not offer", async () => {
    class Server extends UDPServer {
      override allowReusePort = true;
    }
    const server = new Server([HOST, 0], Echo);
    try {
      expect((await rejection(server.ready))?.message).to.match(/allowReusePort is not supported for UDP/);
      expect(server.fileno()).to.equal(-1);
    } finally {
      await server.serverClose();
    }
  });

  it("fileno() is -1 before binding and after close, a descriptor in between, without a deprecation warning", async () => {
    const warn = sinon.spy(process, "emitWarning");
    const server = new UDPServer([HOST, 0], Echo, false);
    try {
      expect(server.fileno()).to.equal(-1);
      await server.serverBind();
      await server.serverActivate();
      expect(server.fileno()).to.be.a("number").at.least(0);
      const reply = udpExchange(server.serverAddress, "bound");
      await server.handleRequest();
      expect((await reply).data.toString()).to.equal("bound");
    } finally {
      await server.serverClose();
      warn.restore();
    }
    expect(server.fileno()).to.equal(-1);
    expect(warn.args.filter((a) => JSON.stringify(a).includes("DEP0112"))).to.deep.equal([]);
  });

  it("closed right after construction never binds", async () => {
    const server = new UDPServer([HOST, 0], Echo);
    await server.serverClose();
    await server.ready;
    expect(server.fileno()).to.equal(-1);
    expect(server.serverAddress).to.deep.equal([HOST, 0]);
  });

  it("ignores datagrams that arrive after serverClose()", async () => {
    const server = new UDPServer([HOST, 0], Echo);
    await server.ready;
    const address = server.serverAddress as [string, number];
    const s = server.socket;
    await server.serverClose();
    // Emitting by hand: the kernel socket is gone, the listener must drop it.
    s.emit("message", Buffer.from("late"), { address: HOST, port: 9, family: "IPv4", size: 4 });
    expect(server.queuedRequests).to.equal(0);
    expect(address[1]).to.be.above(0);
  });

  it("serves IPv6 on ::1 with 4-tuple addresses when the host has it", async function () {
    class Server6 extends UDPServer {
      override addressFamily = AF_INET6;
    }
    let client: unknown;
    class Handler extends Echo {
      override async handle(): Promise<void> {
        client = this.clientAddress;
        await super.handle();
      }
    }
    const has6 = Object.values(os.networkInterfaces()).some((l) => (l ?? []).some((a) => a.address === "::1"));
    const server = new Server6(["::1", 0], Handler);
    try {
      if (!has6) {
        expect((await rejection(server.ready))?.message).to.match(/^cannot bind \('::1', 0\)/);
        return;
      }
      await server.ready;
      const address = server.serverAddress as unknown[];
      expect(address).to.have.length(4);
      expect(address[0]).to.equal("::1");
      const reply = udpExchange(address, "v6");
      await server.handleRequest();
      const { data, from } = await reply;
      expect(data.toString()).to.equal("v6");
      expect(from.port).to.equal(address[1]);
      expect((client as unknown[]).length).to.equal(4);
      expect((client as unknown[])[0]).to.equal("::1");
      // Binding every IPv6 interface with the empty host.
      const any6 = new Server6(["", 0], Handler);
      await any6.ready;
      expect((any6.serverAddress as unknown[])[0]).to.equal("::");
      await any6.serverClose();
    } finally {
      await server.serverClose();
    }
  });

  it("shutdownRequest and closeRequest leave the shared socket open", async () => {
    const server = new UDPServer([HOST, 0], Echo);
    try {
      await server.ready;
      const fake = [Buffer.from("x"), server.socket] as const;
      await server.shutdownRequest(fake);
      await server.closeRequest(fake);
      expect(server.fileno()).to.be.at.least(0);
      const reply = udpExchange(server.serverAddress, "still open");
      await server.handleRequest();
      expect((await reply).data.toString()).to.equal("still open");
    } finally {
      await server.serverClose();
    }
  });

  it("a reply that cannot be sent is reported through handleError", async () => {
    const errors: unknown[] = [];
    class Server extends UDPServer {
      override handleError(_r: unknown, _a: unknown, error?: unknown): void {
        errors.push(error);
      }
    }
    const server = new Server([HOST, 0], Echo);
    try {
      await server.ready;
      // A datagram larger than UDP allows cannot be sent back.
      class Huge extends DatagramRequestHandler {
        override handle(): void {
          this.wfile.write(Buffer.alloc(70_000));
        }
      }
      server.RequestHandlerClass = Huge;
      const sender = dgram.createSocket("udp4");
      await new Promise<void>((resolve) => sender.send("x", (server.serverAddress as [string, number])[1], HOST, () => resolve()));
      await within(server.handleRequest(), 3000, "handleRequest");
      sender.close();
      expect(errors).to.have.length(1);
      expect((errors[0] as NodeJS.ErrnoException).code).to.equal("EMSGSIZE");
    } finally {
      await server.serverClose();
    }
  });
});

describe("UnixDatagramServer", () => {
  for (const Cls of [UnixDatagramServer, ThreadingUnixDatagramServer, ForkingUnixDatagramServer]) {
    it(`${Cls.name} throws a clear UnsupportedSocketError at construction`, () => {
      let error: unknown;
      try {
        new Cls("/tmp/never-created.sock", DatagramRequestHandler);
      } catch (err) {
        error = err;
      }
      expect(error).to.be.instanceOf(UnsupportedSocketError);
      expect((error as Error).name).to.equal("UnsupportedSocketError");
      expect((error as Error).message).to.match(/^UnixDatagramServer is not available: Node\.js has no Unix datagram/);
      expect((error as Error).message).to.contain("use UnixStreamServer or UDPServer instead");
    });
  }
});

/**
 * The echo scenario of CPython's SocketServerTest, on every server class that
 * can run inside the test process: a handler reads one line and writes it
 * back; three clients in a row; shutdown; close; the socket reports -1.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  BaseServer,
  DatagramRequestHandler,
  StreamRequestHandler,
  TCPServer,
  ThreadingTCPServer,
  ThreadingUDPServer,
  ThreadingUnixStreamServer,
  UDPServer,
  UnixStreamServer,
} from "../../lib/socketserver/index.js";
import { HOST, TEST_STR, exchange, latin1, tempDir, udpExchange, within } from "../helpers.js";

type AnyServer = BaseServer & {
  fileno(): number;
  serverAddress: unknown;
  socket: { address(): unknown };
};
type ServerClass = new (address: unknown, handler: never) => AnyServer;

class StreamEcho extends StreamRequestHandler {
  override async handle(): Promise<void> {
    const line = await this.rfile.readline();
    this.wfile.write(line);
  }
}

class DatagramEcho extends DatagramRequestHandler {
  override async handle(): Promise<void> {
    const line = await this.rfile.readline();
    this.wfile.write(line);
  }
}

/** A subclass that records handler errors instead of printing them. */
function recording(Base: ServerClass): ServerClass & { errors: unknown[] } {
  const errors: unknown[] = [];
  class Recording extends Base {
    override handleError(_request: unknown, _address: unknown, error?: unknown): void {
      errors.push(error);
    }
  }
  return Object.assign(Recording, { errors });
}

async function runServer(
  Base: ServerClass,
  Handler: typeof StreamEcho | typeof DatagramEcho,
  address: unknown,
  examine: (address: unknown) => Promise<void>,
): Promise<void> {
  const Server = recording(Base);
  const server = new Server(address, Handler as never);
  try {
    await within(server.ready, 5000, "binding");
    if (typeof address === "string") {
      expect(server.serverAddress).to.equal(address);
      expect(fs.statSync(address).isSocket()).to.equal(true);
    } else {
      const bound = server.serverAddress as [string, number];
      expect(bound[0]).to.equal(HOST);
      expect(bound[1]).to.be.a("number").above(0);
      const real = server.socket.address() as { address: string; port: number };
      expect([real.address, real.port]).to.deep.equal(bound);
    }
    expect(server.fileno()).to.be.a("number").at.least(0);
    const loop = server.serveForever(0.01);
    for (let i = 0; i < 3; i++) await examine(server.serverAddress);
    await within(server.shutdown(), 5000, "shutdown");
    await loop;
    expect(Server.errors).to.deep.equal([]);
  } finally {
    await server.serverClose();
  }
  expect(server.fileno()).to.equal(-1);
}

async function streamExamine(address: unknown): Promise<void> {
  expect(latin1(await exchange(address, TEST_STR))).to.equal(TEST_STR);
}

async function dgramExamine(address: unknown): Promise<void> {
  const { data } = await udpExchange(address, TEST_STR);
  expect(data.toString()).to.equal(TEST_STR);
}

describe("socketserver servers (CPython SocketServerTest)", function () {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.remove());

  it("TCPServer echoes a line to three clients in a row", async () => {
    await runServer(TCPServer as unknown as ServerClass, StreamEcho, [HOST, 0], streamExamine);
  });

  it("ThreadingTCPServer echoes a line to three clients in a row", async () => {
    await runServer(ThreadingTCPServer as unknown as ServerClass, StreamEcho, [HOST, 0], streamExamine);
  });

  it("UnixStreamServer echoes over a socket file", async () => {
    const file = path.join(tmp.dir, "unix_socket.stream");
    await runServer(UnixStreamServer as unknown as ServerClass, StreamEcho, file, streamExamine);
    // Deviation: Node.js (libuv) unlinks the socket file when the server
    // closes; Python leaves it behind.
    expect(fs.existsSync(file)).to.equal(false);
  });

  it("ThreadingUnixStreamServer echoes over a socket file", async () => {
    const file = path.join(tmp.dir, "unix_socket.threading");
    await runServer(ThreadingUnixStreamServer as unknown as ServerClass, StreamEcho, file, streamExamine);
  });

  it("UDPServer echoes a datagram to three clients in a row", async () => {
    await runServer(UDPServer as unknown as ServerClass, DatagramEcho, [HOST, 0], dgramExamine);
  });

  it("ThreadingUDPServer echoes a datagram to three clients in a row", async () => {
    await runServer(ThreadingUDPServer as unknown as ServerClass, DatagramEcho, [HOST, 0], dgramExamine);
  });

  it("UnixStreamServer gives clients the empty address, as Python's AF_UNIX accept does", async () => {
    const seen: unknown[] = [];
    class Handler extends StreamRequestHandler {
      override handle(): void {
        seen.push(this.clientAddress, (this as unknown as Record<string, unknown>).client_address);
        this.wfile.write("ok");
      }
    }
    const file = path.join(tmp.dir, "addr.sock");
    const server = new UnixStreamServer(file, Handler);
    try {
      await server.ready;
      const reply = exchange(file, "");
      await within(server.handleRequest(), 5000, "handleRequest");
      expect(latin1(await reply)).to.equal("ok");
      expect(seen).to.deep.equal(["", ""]);
    } finally {
      await server.serverClose();
    }
  });

  it("UnixStreamServer rejects an address that is not a path at construction", () => {
    expect(() => new UnixStreamServer(["127.0.0.1", 0], StreamRequestHandler)).to.throw(TypeError, /path/);
    expect(() => new UnixStreamServer("", StreamRequestHandler)).to.throw(TypeError, /path/);
    expect(() => new UnixStreamServer("/tmp/a\0b", StreamRequestHandler)).to.throw(TypeError, /NUL/);
  });

  it("UnixStreamServer rejects serveForever when the path cannot be bound, naming the path", async () => {
    const file = path.join(tmp.dir, "missing-dir", "x.sock");
    const server = new UnixStreamServer(file, StreamRequestHandler);
    try {
      const err = await server.serveForever().then(
        () => null,
        (e: unknown) => e as NodeJS.ErrnoException,
      );
      expect(err).to.be.instanceOf(Error);
      expect(err!.message).to.contain(file);
      expect(err!.code).to.equal("ENOENT");
    } finally {
      await server.serverClose();
    }
  });
});

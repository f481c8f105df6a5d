/**
 * The close policy as per-connection fields (lib/socketserver/close-policy.ts):
 * who records which fact, that a fact stays with its own connection, and
 * that `TCPServer.shutdownRequest()` reads it from the socket it is given
 * (closing at once when nothing was recorded, shutting the write side down
 * first otherwise). The closed state of a server is its own, too.
 */
import { expect } from "chai";
import * as net from "node:net";
import { PassThrough } from "node:stream";
import { BufferedReader, SocketWriter, StreamRequestHandler, TCPServer, UDPServer } from "../../lib/socketserver/index.js";
import { ClosePolicy } from "../../lib/socketserver/close-policy.js";
import { closeConnection, markSharedDescriptor } from "../../lib/socketserver/tcp-server.js";
import { HOST, connect, readAll, waitFor, within } from "../helpers.js";
import { recordingServer } from "./recording-server.js";


/** Connect, send `data`, and return what the server sends until it closes. */
async function oneExchange(server: TCPServer, data: string): Promise<string> {
  const sock = await connect(server.serverAddress);
  sock.on("error", () => undefined);
  const reply = readAll(sock);
  sock.write(data);
  await within(server.handleRequest(), 5000, "the request being handled");
  return (await reply).toString("latin1");
}

describe("ClosePolicy: the close policy as fields of the connection", function () {
  it("has no policy until a fact is recorded; of() makes one with every fact false and returns the same one after", () => {
    const conn = new PassThrough();
    expect(ClosePolicy.find(conn)).to.equal(undefined);
    const policy = ClosePolicy.of(conn);
    expect([policy.unreadInput, policy.sharedDescriptor]).to.deep.equal([false, false]);
    expect(ClosePolicy.of(conn)).to.equal(policy);
    expect(ClosePolicy.find(conn)).to.equal(policy);
    expect(ClosePolicy.find(new PassThrough())).to.equal(undefined);
  });

  it("BufferedReader.close() records unreadInput on its source only when it drops buffered bytes", async () => {
    const drained = new PassThrough();
    const r1 = new BufferedReader(drained);
    drained.write("abc\n");
    expect((await r1.readline()).toString()).to.equal("abc\n");
    r1.close();
    expect(ClosePolicy.find(drained)).to.equal(undefined);

    const left = new PassThrough();
    const r2 = new BufferedReader(left);
    left.write("abc\ndef\n");
    await r2.readline();
    r2.close();
    expect(ClosePolicy.find(left)?.unreadInput).to.equal(true);
    expect(ClosePolicy.find(left)?.sharedDescriptor).to.equal(false);
  });

  it("markSharedDescriptor() records sharedDescriptor in the connection's policy", () => {
    const conn = new PassThrough();
    markSharedDescriptor(conn);
    expect(ClosePolicy.find(conn)?.sharedDescriptor).to.equal(true);
    expect(ClosePolicy.find(conn)?.unreadInput).to.equal(false);
  });

  it("shutdownRequest() reads the fact from the socket: unreadInput recorded by the handler makes it end the write side first", async () => {
    class LeavesInput extends StreamRequestHandler {
      override handle(): void {
        ClosePolicy.of(this.request).unreadInput = true;
        this.wfile.write("ok\n");
      }
    }
    const { server, seen } = recordingServer(LeavesInput);
    try {
      await server.ready;
      expect(await oneExchange(server, "x\n")).to.equal("ok\n");
      expect(seen).to.deep.equal([{ destroyed: false, ended: true }]);
    } finally {
      await server.serverClose();
    }
  });

  it("a fact stays with its own connection: the next connection on the same server closes at once", async () => {
    let first = true;
    class FirstLeavesInput extends StreamRequestHandler {
      override async handle(): Promise<void> {
        await this.rfile.readline();
        if (first) ClosePolicy.of(this.request).unreadInput = true;
        first = false;
        this.wfile.write("ok\n");
      }
    }
    const { server, seen } = recordingServer(FirstLeavesInput);
    try {
      await server.ready;
      expect(await oneExchange(server, "x\n")).to.equal("ok\n");
      expect(await oneExchange(server, "x\n")).to.equal("ok\n");
      expect(seen).to.deep.equal([
        { destroyed: false, ended: true },
        { destroyed: true, ended: false },
      ]);
    } finally {
      await server.serverClose();
    }
  });

  it("a reader closed with bytes left makes the server linger: the client's later bytes do not reset the connection", async () => {
    class ReadsOneLine extends StreamRequestHandler {
      override async handle(): Promise<void> {
        await this.rfile.readline();
        this.wfile.write("ok\n");
      }
    }
    const { server, seen } = recordingServer(ReadsOneLine);
    try {
      await server.ready;
      const sock = await connect(server.serverAddress);
      let error: Error | null = null;
      sock.on("error", (err) => (error = err));
      const reply = readAll(sock);
      sock.write("first\nsecond, never read\n");
      await within(server.handleRequest(), 5000, "the request being handled");
      sock.write("more the server never reads\n");
      expect((await reply).toString()).to.equal("ok\n");
      expect(error).to.equal(null);
      expect(seen).to.deep.equal([{ destroyed: false, ended: true }]);
    } finally {
      await server.serverClose();
    }
  });

  it("shutdownRequest() called by user code with a socket the server never saw closes it the plain way", async () => {
    const peer = net.createServer((s) => s.on("error", () => undefined));
    await new Promise<void>((resolve) => peer.listen(0, HOST, resolve));
    const server = new TCPServer([HOST, 0], StreamRequestHandler, false);
    try {
      const sock = net.connect((peer.address() as net.AddressInfo).port, HOST);
      await new Promise((resolve) => sock.once("connect", resolve));
      await server.shutdownRequest(sock);
      expect(sock.destroyed).to.equal(true);
      expect(ClosePolicy.find(sock)).to.equal(undefined);
    } finally {
      await server.serverClose();
      peer.close();
    }
  });
});

describe("a server's closed state is its own", function () {
  it("serverClose() on one server makes its serveForever() and handleRequest() reject, and leaves another server serving", async () => {
    const closed = new TCPServer([HOST, 0], StreamRequestHandler);
    const open = new TCPServer([HOST, 0], StreamRequestHandler);
    try {
      await closed.ready;
      await open.ready;
      await closed.serverClose();
      let error: unknown = null;
      await closed.serveForever().catch((e: unknown) => (error = e));
      expect(String(error)).to.match(/is closed: serverClose\(\) was called/);
      error = null;
      await closed.handleRequest().catch((e: unknown) => (error = e));
      expect(String(error)).to.match(/is closed: serverClose\(\) was called/);
      const serving = open.serveForever(0.05);
      await open.shutdown();
      await within(serving, 2000, "the open server's loop to stop");
    } finally {
      await closed.serverClose();
      await open.serverClose();
    }
  });

  it("the same holds for a datagram server", async () => {
    const server = new UDPServer([HOST, 0], StreamRequestHandler as never);
    await server.ready;
    await server.serverClose();
    let error: unknown = null;
    await server.serveForever().catch((e: unknown) => (error = e));
    expect(String(error)).to.match(/is closed: serverClose\(\) was called/);
  });
});

describe("closing a connection whose peer stopped reading", function () {
  this.timeout(15000);

  /** A connected pair on 127.0.0.1: the accepted socket, and a client that never reads. */
  async function stalledPair(): Promise<{ server: net.Server; accepted: net.Socket; client: net.Socket }> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
    const acceptedP = new Promise<net.Socket>((resolve) => server.once("connection", resolve));
    const client = net.connect((server.address() as net.AddressInfo).port, HOST);
    client.on("error", () => undefined);
    client.pause();
    const accepted = await acceptedP;
    accepted.on("error", () => undefined);
    return { server, accepted, client };
  }

  it("with the writer's send time-out set, closeConnection() resets the socket once the peer takes nothing for that long", async () => {
    const { server, accepted, client } = await stalledPair();
    try {
      const writer = new SocketWriter(accepted);
      writer.timeout = 0.3;
      writer.write(Buffer.alloc(8 * 1024 * 1024, 0x61));
      writer.close();
      // The kernel's buffers fill; Node keeps the rest.
      await waitFor(() => accepted.writableLength > 0 && accepted.bytesWritten > 0, 3000, "the socket to stall");
      closeConnection(accepted);
      await waitFor(() => accepted.destroyed, 3000, "the stalled connection to be dropped");
    } finally {
      client.destroy();
      accepted.destroy();
      server.close();
    }
  });

  it("without a send time-out, closeConnection() waits for the last byte (as Python's blocking sendall())", async () => {
    const { server, accepted, client } = await stalledPair();
    try {
      accepted.write(Buffer.alloc(8 * 1024 * 1024, 0x62));
      await waitFor(() => accepted.writableLength > 0, 3000, "the socket to stall");
      closeConnection(accepted);
      await new Promise((r) => setTimeout(r, 800));
      expect(accepted.destroyed).to.equal(false);
      // The peer reads everything: the connection then closes by itself.
      let got = 0;
      client.on("data", (c: Buffer) => (got += c.length));
      client.resume();
      await waitFor(() => accepted.destroyed, 5000, "the close after the last byte");
      await waitFor(() => got === 8 * 1024 * 1024, 5000, "every byte");
    } finally {
      client.destroy();
      accepted.destroy();
      server.close();
    }
  });
});

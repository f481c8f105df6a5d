/**
 * `recv(n)` and `sendall(data)` on stream handlers: the calls of Python's
 * first socketserver example (`self.request.recv(1024)`,
 * `self.request.sendall(...)`), ported without helpers of one's own, and
 * talked to by the Python client of the same docs page.
 */
import { expect } from "chai";
import type * as net from "node:net";
import {
  BaseRequestHandler,
  BrokenPipeError,
  DatagramRequestHandler,
  StreamRequestHandler,
  TCPServer,
  UDPServer,
  type InetAddress,
} from "../../lib/socketserver/index.js";
import { HOST, connect, delay, exchange, latin1, readAll, run, udpExchange, within } from "../helpers.js";

/** Python's socketserver docs client: send one line, print what one recv(1024) gives. */
const PYTHON_CLIENT = `
import socket, sys
HOST, PORT = "127.0.0.1", int(sys.argv[1])
data = " ".join(sys.argv[2:])
with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
    sock.connect((HOST, PORT))
    sock.sendall(bytes(data + "\\n", "utf-8"))
    received = str(sock.recv(1024), "utf-8")
print("Sent:     {}".format(data))
print("Received: {}".format(received))
`;

/** The docs' MyTCPHandler, line by line. */
class MyTCPHandler extends BaseRequestHandler {
  data: Buffer = Buffer.alloc(0);
  static seen: string[] = [];

  override async handle(): Promise<void> {
    // self.request is the TCP socket connected to the client
    this.data = Buffer.from((await this.recv(1024)).toString().trim());
    MyTCPHandler.seen.push(`Received from ${this.clientAddress[0]}:`, this.data.toString());
    // just send back the same data, but upper-cased
    await this.sendall(Buffer.from(this.data.toString().toUpperCase()));
  }
}

describe("recv() and sendall() on stream handlers", function () {
  it("port Python's first socketserver example line by line; Python's own client gets the answer", async () => {
    MyTCPHandler.seen = [];
    await using server = new TCPServer([HOST, 0], MyTCPHandler);
    await server.ready;
    const loop = server.serveForever(0.05);
    const result = await run("python3", ["-c", PYTHON_CLIENT, String((server.serverAddress as [string, number])[1]), "hello", "world"]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.equal("Sent:     hello world\nReceived: HELLO WORLD\n");
    expect(MyTCPHandler.seen).to.deep.equal([`Received from ${HOST}:`, "hello world"]);
    await server.shutdown();
    await loop;
  });

  it("recv(n) gives at most n bytes, keeps the rest for the next recv, and an empty Buffer at end of input", async () => {
    const got: string[] = [];
    class Reader extends BaseRequestHandler {
      override async handle(): Promise<void> {
        for (;;) {
          const chunk = await this.recv(4);
          got.push(latin1(chunk));
          if (chunk.length === 0) break;
        }
      }
    }
    await using server = new TCPServer([HOST, 0], Reader);
    await server.ready;
    const handled = server.handleRequest();
    const sock = await connect(server.serverAddress);
    sock.end("abcdefghij");
    await within(handled, 2000, "the handler reading to the end");
    sock.destroy();
    expect(got.join("|")).to.equal("abcd|efgh|ij|");
  });

  it("recv() rejects a byte count that is not a whole number >= 0 with a TypeError", async () => {
    let error: unknown;
    class Bad extends BaseRequestHandler {
      override async handle(): Promise<void> {
        await this.recv(-1).catch((e: unknown) => (error = e));
      }
    }
    await using server = new TCPServer([HOST, 0], Bad);
    await server.ready;
    const handled = server.handleRequest();
    const sock = await connect(server.serverAddress);
    await within(handled, 2000, "the handler");
    sock.destroy();
    expect(error).to.be.instanceOf(TypeError);
  });

  it("in a StreamRequestHandler they go through rfile and wfile, so they mix with readline() and write()", async () => {
    class Mixed extends StreamRequestHandler {
      override async handle(): Promise<void> {
        const line = await this.rfile.readline();
        const rest = await this.recv(1024);
        this.wfile.write(line);
        await this.sendall(Buffer.concat([Buffer.from("rest="), rest]));
      }
    }
    await using server = new TCPServer([HOST, 0], Mixed);
    await server.ready;
    const loop = server.serveForever(0.05);
    const reply = await exchange(server.serverAddress, "first\nsecond", { end: true });
    expect(latin1(reply)).to.equal("first\nrest=second");
    await server.shutdown();
    await loop;
  });

  it("sendall() resolves once a large payload is handed on, and rejects with BrokenPipeError when the client is gone", async () => {
    const big = Buffer.alloc(4 * 1024 * 1024, 0x61);
    let sent = false;
    let broken: unknown;
    class Sender extends BaseRequestHandler {
      override async handle(): Promise<void> {
        await this.sendall(big);
        sent = true;
        await this.recv(1); // the client closes: end of input
        (this.request as { destroy(): void }).destroy();
        await this.sendall("more").catch((e: unknown) => (broken = e));
      }
    }
    await using server = new TCPServer([HOST, 0], Sender);
    await server.ready;
    const handled = server.handleRequest();
    const sock = await connect(server.serverAddress, { allowHalfOpen: true });
    let received = 0;
    sock.on("data", (c: Buffer) => {
      received += c.length;
      if (received === big.length) sock.end();
    });
    await within(handled, 5000, "the handler");
    await delay(10);
    sock.destroy();
    expect(sent).to.equal(true);
    expect(received).to.equal(big.length);
    expect(broken).to.be.instanceOf(BrokenPipeError);
  });

  it("on a datagram request they throw a TypeError that says what to use instead", async () => {
    let error: unknown;
    class Datagram extends DatagramRequestHandler {
      override async handle(): Promise<void> {
        await (this as unknown as BaseRequestHandler).recv(10).catch((e: unknown) => (error = e));
        this.wfile.write("ok");
      }
    }
    await using server = new UDPServer([HOST, 0], Datagram);
    await server.ready;
    const handled = server.handleRequest();
    const reply = await udpExchange(server.serverAddress, "x");
    await within(handled, 2000, "the handler");
    expect(latin1(reply.data)).to.equal("ok");
    expect(String(error)).to.match(/TypeError: recv\(\) needs a stream .*this\.request\[0\]/);
  });

  it("the bytes past recv(n) stay on the socket for its own events (resume() and \"data\")", async () => {
    class Then extends BaseRequestHandler<InetAddress, net.Socket> {
      override async handle(): Promise<void> {
        const head = await this.recv(3);
        const sock = this.request;
        const rest = await new Promise<Buffer>((resolve) => {
          const chunks: Buffer[] = [];
          sock.on("data", (c: Buffer) => chunks.push(c));
          sock.once("end", () => resolve(Buffer.concat(chunks)));
          sock.resume();
        });
        await this.sendall(Buffer.concat([head, Buffer.from("|"), rest]));
      }
    }
    await using server = new TCPServer([HOST, 0], Then);
    await server.ready;
    const handled = server.handleRequest();
    const sock = await connect(server.serverAddress, { allowHalfOpen: true });
    sock.end("abcdef");
    const all = await readAll(sock);
    await within(handled, 2000, "the handler");
    expect(latin1(all)).to.equal("abc|def");
  });
});

describe("for await over a socket (what docs/socketserver.md warns about)", function () {
  it("leaving the loop early destroys the socket, while a recv() loop leaves it open for sendall()", async () => {
    const seen: Record<string, boolean> = {};
    class Iterating extends BaseRequestHandler<InetAddress, net.Socket> {
      override async handle(): Promise<void> {
        const kind = (await this.recv(1)).toString();
        if (kind === "i") {
          for await (const chunk of this.request) if ((chunk as Buffer).length > 0) break;
          seen["iterate"] = this.request.destroyed;
        } else {
          for (;;) {
            const chunk = await this.recv(4096);
            if (chunk.length === 0 || chunk.includes("\n")) break;
          }
          seen["recv"] = this.request.destroyed;
          await this.sendall("done\n");
        }
      }
    }
    await using server = new TCPServer([HOST, 0], Iterating);
    await server.ready;
    for (const kind of ["i", "r"]) {
      const handled = server.handleRequest();
      const reply = await exchange(server.serverAddress, `${kind}line\n`);
      await within(handled, 2000, "the handler");
      if (kind === "r") expect(latin1(reply)).to.equal("done\n");
      else expect(latin1(reply)).to.equal("");
    }
    expect(seen).to.deep.equal({ iterate: true, recv: false });
  });
});

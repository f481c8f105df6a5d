/**
 * The socketserver examples, run for real on 127.0.0.1: as scripts in child
 * processes (what a reader of the docs would type) and imported, to check
 * their behaviour in detail.
 */
import { expect } from "chai";
import * as net from "node:net";
import type { BaseServer } from "http.server/socketserver";
import { ChatHandler, ChatServer } from "../../examples/chat-server.js";
import { echoLines } from "../../examples/tcp-echo-client.js";
import { EchoHandler, EchoServer, main as echoServerMain } from "../../examples/tcp-echo-server.js";
import { UDPEchoHandler, UDPEchoServer, udpRequest } from "../../examples/udp-echo.js";
import { HOST, delay, run, within } from "../helpers.js";
import { LineClient, runScript, startScript } from "./clients.js";

type Address = [string, number];

/** Start `server` looping; returns a function that stops and closes it. */
async function serve(server: BaseServer): Promise<() => Promise<void>> {
  await within(server.ready, 5000, "the server to bind");
  const loop = server.serveForever(0.05);
  return async () => {
    await within(server.shutdown(), 5000, "shutdown()");
    await within(loop, 5000, "serveForever() to settle");
    await within(Promise.resolve(server.serverClose()), 5000, "serverClose()");
  };
}

describe("examples: TCP echo server and client", function () {
  it("the scripts echo each message end to end and the server stops on SIGINT", async () => {
    const server = await startScript("tcp-echo-server.js", ["0"]);
    try {
      const client = await runScript("tcp-echo-client.js", [String(server.port), "hello world", "zweite Zeile ü"]);
      expect(client.code, client.stderr).to.equal(0);
      expect(client.stdout).to.equal(
        "Sent:     hello world\nReceived: hello world\nSent:     zweite Zeile ü\nReceived: zweite Zeile ü\n",
      );
    } finally {
      const result = await server.stop();
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout).to.match(/^Echo server listening on 127\.0\.0\.1:\d+\nEcho server stopped\n$/);
    }
  });

  it("the client script fails with a clear message when nothing listens", async () => {
    // Find a port nobody listens on: bind one, note it, release it.
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, HOST, resolve));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const result = await runScript("tcp-echo-client.js", [String(port), "x"]);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.match(/ECONNREFUSED/);
  });

  it("EchoHandler returns the exact bytes, line by line, including a last line without newline", async () => {
    const server = new EchoServer([HOST, 0], EchoHandler);
    const stop = await serve(server);
    try {
      const lines = ["one", "", "three \t spaces", "ünïcödé ✓", "x".repeat(100_000)];
      expect(await echoLines(server.serverAddress as Address, lines)).to.deep.equal(lines);

      // Raw bytes, split oddly, with no newline at the end.
      const sock = net.connect({ host: HOST, port: (server.serverAddress as Address)[1] });
      const chunks: Buffer[] = [];
      sock.on("data", (c: Buffer) => chunks.push(c));
      const ended = new Promise<void>((resolve) => sock.once("end", resolve));
      sock.write("ab");
      sock.write("c\r\nde");
      sock.end(Buffer.from([0xff, 0x00, 0x0a, 0x01]));
      await within(ended, 5000, "the echo of raw bytes");
      sock.destroy();
      expect(Buffer.concat(chunks)).to.deep.equal(Buffer.concat([Buffer.from("abc\r\nde"), Buffer.from([0xff, 0x00, 0x0a, 0x01])]));
    } finally {
      await stop();
    }
  });

  it("serves a second client after the first hangs up (one connection at a time)", async () => {
    const server = new EchoServer([HOST, 0], EchoHandler);
    const stop = await serve(server);
    try {
      const address = server.serverAddress as Address;
      const first = await LineClient.connect(address);
      const second = await LineClient.connect(address);
      try {
        second.send("second");
        first.send("first");
        expect(await first.nextLine()).to.equal("first");
        // TCPServer is busy with the first connection: the second waits.
        await delay(100);
        expect(second.lines).to.deep.equal([]);
        first.socket.end();
        expect(await second.nextLine()).to.equal("second");
      } finally {
        first.close();
        second.close();
      }
    } finally {
      await stop();
    }
  });

  it("main() rejects with the bind error when the port is taken", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, HOST, resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const error = await echoServerMain([String(port)]).then(
        () => null,
        (err: unknown) => err,
      );
      expect(error).to.be.instanceOf(Error);
      expect((error as NodeJS.ErrnoException).code).to.equal("EADDRINUSE");
      expect((error as Error).message).to.contain(String(port));
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});

describe("examples: UDP echo", function () {
  it("the script's client gets its message back from the script's server", async () => {
    const server = await startScript("udp-echo.js", ["server", "0"]);
    try {
      const client = await runScript("udp-echo.js", ["client", String(server.port), "ping", "over", "UDP"]);
      expect(client.code, client.stderr).to.equal(0);
      expect(client.stdout).to.equal("Sent:     ping over UDP\nReceived: ping over UDP\n");
    } finally {
      const result = await server.stop();
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout).to.contain("UDP echo server stopped");
    }
  });

  it("UDPEchoHandler replies to each sender with its own bytes", async () => {
    const server = new UDPEchoServer([HOST, 0], UDPEchoHandler);
    const stop = await serve(server);
    try {
      const address = server.serverAddress as Address;
      const binary = Buffer.from([0, 1, 2, 0xfe, 0xff, 0x0a]);
      const [a, b, c] = await Promise.all([
        udpRequest(address, "first"),
        udpRequest(address, binary),
        udpRequest(address, "x".repeat(8000)),
      ]);
      expect(a.toString()).to.equal("first");
      expect(b).to.deep.equal(binary);
      expect(c.toString()).to.equal("x".repeat(8000));
    } finally {
      await stop();
    }
  });

  it("udpRequest() gives up after its timeout when nobody answers", async () => {
    // A bound socket that never replies.
    const { createSocket } = await import("node:dgram");
    const silent = createSocket("udp4");
    await new Promise<void>((resolve) => silent.bind(0, HOST, resolve));
    try {
      const port = silent.address().port;
      const started = Date.now();
      const error = await udpRequest([HOST, port], "anyone?", 200).then(
        () => null,
        (err: unknown) => err,
      );
      expect((error as Error).message).to.match(/no reply .* within 200 ms/);
      expect(Date.now() - started).to.be.below(2000);
    } finally {
      silent.close();
    }
  });
});

describe("examples: chat server", function () {
  let server: ChatServer;
  let stop: () => Promise<void>;
  let address: Address;
  const clients: LineClient[] = [];

  /** Connect a client and read its welcome; returns the client and the name it was given. */
  async function join(): Promise<[LineClient, string]> {
    const client = await LineClient.connect(address);
    clients.push(client);
    const welcome = await client.nextLine();
    const m = /^\* Welcome, (\S+)!/.exec(welcome);
    expect(m, welcome).to.not.equal(null);
    return [client, m![1]!];
  }

  beforeEach(async () => {
    server = new ChatServer([HOST, 0], ChatHandler);
    stop = await serve(server);
    address = server.serverAddress as Address;
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await stop();
  });

  it("broadcasts every line to all clients, reflects /NAME, and announces /EXIT", async () => {
    const [a, nameA] = await join();
    const [b, nameB] = await join();
    expect(await a.nextLine()).to.equal(`* ${nameB} joined the chat`);
    const [c, nameC] = await join();
    expect(await a.nextLine()).to.equal(`* ${nameC} joined the chat`);
    expect(await b.nextLine()).to.equal(`* ${nameC} joined the chat`);
    expect(new Set([nameA, nameB, nameC]).size).to.equal(3);

    // A line from one client reaches every client, the sender included.
    a.send("hello, room");
    for (const client of [a, b, c]) expect(await client.nextLine()).to.equal(`${nameA}: hello, room`);

    // Renaming is announced, and later messages carry the new name.
    b.send("/NAME bob");
    for (const client of [a, b, c]) expect(await client.nextLine()).to.equal(`* ${nameB} is now known as bob`);
    b.send("hi from bob");
    for (const client of [a, b, c]) expect(await client.nextLine()).to.equal("bob: hi from bob");

    // /EXIT: the leaver is told goodbye and disconnected; the others are told.
    c.send("/EXIT");
    expect(await c.nextLine()).to.equal(`* Goodbye, ${nameC}!`);
    await c.waitForEnd();
    expect(c.lines).to.deep.equal([]);
    expect(await a.nextLine()).to.equal(`* ${nameC} left the chat`);
    expect(await b.nextLine()).to.equal(`* ${nameC} left the chat`);

    // The room carries on without the one who left.
    a.send("still here?");
    expect(await a.nextLine()).to.equal(`${nameA}: still here?`);
    expect(await b.nextLine()).to.equal(`${nameA}: still here?`);
    expect(server.members.size).to.equal(2);
  });

  it("announces a client that hangs up without /EXIT", async () => {
    const [a] = await join();
    const [b, nameB] = await join();
    await a.nextLine(); // b joined
    b.close();
    expect(await a.nextLine()).to.equal(`* ${nameB} left the chat`);
    a.send("alone");
    expect(await a.nextLine()).to.match(/: alone$/);
  });

  it("refuses a taken name, a missing name and unknown commands, telling only the asker", async () => {
    const [a, nameA] = await join();
    const [b, nameB] = await join();
    await a.nextLine(); // b joined
    b.send(`/name ${nameA.toUpperCase()}`);
    expect(await b.nextLine()).to.equal(`* The name ${nameA.toUpperCase()} is taken`);
    b.send("/NAME");
    expect(await b.nextLine()).to.match(/^\* Usage: \/NAME newname/);
    b.send("/dance");
    expect(await b.nextLine()).to.equal("* Unknown command /dance; try /NAME newname or /EXIT");
    // Nothing of that reached a; the next thing a sees is b's message.
    b.send("ok");
    expect(await a.nextLine()).to.equal(`${nameB}: ok`);
  });

  it("closing the server tells connected clients and disconnects them", async () => {
    const [a] = await join();
    const [b] = await join();
    await a.nextLine(); // b joined
    await within(server.serverClose(), 5000, "serverClose() with clients connected");
    for (const client of [a, b]) {
      await client.waitForEnd();
      expect(client.lines).to.include("* The server is shutting down.");
    }
    expect(server.members.size).to.equal(0);
  });

  it("the script serves clients and, on SIGINT, disconnects them and exits 0", async () => {
    const script = await startScript("chat-server.js", ["0"]);
    const scriptAddress: Address = [HOST, script.port];
    let one: LineClient | null = null;
    let two: LineClient | null = null;
    try {
      one = await LineClient.connect(scriptAddress);
      expect(await one.nextLine()).to.match(/^\* Welcome, guest1!/);
      two = await LineClient.connect(scriptAddress);
      expect(await two.nextLine()).to.match(/^\* Welcome, guest2!/);
      expect(await one.nextLine()).to.equal("* guest2 joined the chat");
      two.send("hello from a child process");
      expect(await one.nextLine()).to.equal("guest2: hello from a child process");
      const result = await script.stop();
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout).to.contain("Chat server stopped");
      for (const client of [one, two]) {
        await client.waitForEnd();
        expect(client.lines).to.include("* The server is shutting down.");
      }
    } finally {
      one?.close();
      two?.close();
      await script.stop();
    }
  });
});

describe("examples: Python's first socketserver example (recv / sendall)", function () {
  it("answers Python's own client upper-cased, prints what it got, and stops on SIGINT", async () => {
    const server = await startScript("tcp-upper-server.js", ["0"]);
    let stopped: Awaited<ReturnType<typeof server.stop>> | undefined;
    try {
      const script = [
        "import socket, sys",
        "with socket.create_connection(('127.0.0.1', int(sys.argv[1]))) as sock:",
        "    sock.sendall(b'hello world\\n')",
        "    print(str(sock.recv(1024), 'utf-8'))",
      ].join("\n");
      const result = await run("python3", ["-c", script, String(server.port)]);
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout).to.equal("HELLO WORLD\n");
    } finally {
      stopped = await server.stop();
    }
    expect(stopped.code, stopped.stderr).to.equal(0);
    expect(stopped.stdout).to.match(/^listening on 127\.0\.0\.1:\d+\nReceived from 127\.0\.0\.1:\nhello world\n$/);
  });
});

describe("examples: ForkingMixIn (Python's asynchronous mixins example)", function () {
  this.timeout(30000);
  it("answers each client from a worker process, prints the loop line once, and exits 0 without warnings", async () => {
    const result = await runScript("forking-server.js", [], 25000);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stderr).to.equal("");
    const lines = result.stdout.trim().split("\n");
    const primary = /^Server loop running in process: (\d+)$/.exec(lines[0] ?? "")?.[1];
    expect(primary, result.stdout).to.be.a("string");
    expect(lines.slice(1).map((l) => l.replace(/^Received: \d+: /, ""))).to.deep.equal([
      "HELLO WORLD 1",
      "HELLO WORLD 2",
      "HELLO WORLD 3",
    ]);
    for (const line of lines.slice(1)) expect(line).to.not.include(`Received: ${primary}:`);
  });
});

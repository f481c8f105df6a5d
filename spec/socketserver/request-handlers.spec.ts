/**
 * StreamRequestHandler on real connections: rfile reads, wfile writes,
 * time-outs, TCP_NODELAY and back-pressure.
 */
import { expect } from "chai";
import type * as net from "node:net";
import sinon from "sinon";
import {
  BrokenPipeError,
  SocketTimeoutError,
  SocketWriter,
  BaseRequestHandler,
  BaseServer,
  StreamRequestHandler,
  TCPServer,
  type InetAddress,
} from "../../lib/socketserver/index.js";
import { runHandler } from "../../lib/socketserver/request-handlers.js";
import { HOST, connect, deferred, delay, exchange, readAll, readUntil, within } from "../helpers.js";

type HandlerClass = new (request: never, address: never, server: never) => StreamRequestHandler;

/**
 * Start a server for one request, run `client` against its address while
 * the server handles that request, and return what the client returned.
 * Handler errors are collected and rethrown so a test sees them.
 */
async function oneRequest<T>(Handler: HandlerClass, client: (address: unknown) => Promise<T>): Promise<T> {
  const errors: unknown[] = [];
  class Server extends TCPServer {
    override handleError(_r: unknown, _a: unknown, error?: unknown): void {
      errors.push(error);
    }
  }
  const server = new Server([HOST, 0], Handler);
  try {
    await server.ready;
    const handled = server.handleRequest();
    const result = await client(server.serverAddress);
    await within(handled, 10000, "the request being handled");
    if (errors.length > 0) throw errors[0];
    return result;
  } finally {
    await server.serverClose();
  }
}

describe("BaseRequestHandler start", function () {
  it("a server's handler runs setup() and a synchronous handle()/finish() before finishRequest() returns, with class fields in effect", async () => {
    const seen: string[] = [];
    class Handler extends BaseRequestHandler {
      label = "field";
      override setup(): void {
        seen.push(`setup ${this.label}`);
      }
      override handle(): void {
        seen.push("handle");
      }
      override finish(): void {
        seen.push("finish");
      }
    }
    const server = new BaseServer(null, Handler);
    const done = server.finishRequest("req", ["127.0.0.1", 1]);
    expect(seen).to.deep.equal(["setup field", "handle", "finish"]);
    await done;
  });

  it("a handler constructed by user code starts on the next microtask, fields in effect, and runHandler() waits for it", async () => {
    const seen: string[] = [];
    class Handler extends BaseRequestHandler {
      label = "field";
      override async handle(): Promise<void> {
        await delay(5);
        seen.push(`handle ${this.label}`);
      }
    }
    const handler = new Handler("req", ["127.0.0.1", 1], new BaseServer(null, Handler));
    expect(seen).to.deep.equal([]);
    await runHandler(handler);
    expect(seen).to.deep.equal(["handle field"]);
  });

  it("finish() runs after handle() throws and the handle() error wins; a finish() error wins over it (try/finally)", async () => {
    const order: string[] = [];
    class Throws extends BaseRequestHandler {
      override handle(): void {
        throw new Error("from handle");
      }
      override finish(): void | Promise<void> {
        order.push("finish");
        return delay(1);
      }
    }
    const server = new BaseServer(null, Throws);
    let error: unknown;
    await server.finishRequest("r", null).catch((e: unknown) => (error = e));
    expect((error as Error).message).to.equal("from handle");
    expect(order).to.deep.equal(["finish"]);
    class BothThrow extends Throws {
      override finish(): void {
        throw new Error("from finish");
      }
    }
    await new BaseServer(null, BothThrow).finishRequest("r", null).catch((e: unknown) => (error = e));
    expect((error as Error).message).to.equal("from finish");
  });
});

describe("StreamRequestHandler", function () {
  it("has Python's defaults under both spellings", () => {
    const proto = StreamRequestHandler.prototype as unknown as Record<string, unknown>;
    expect([proto.rbufsize, proto.wbufsize, proto.timeout, proto.disableNagleAlgorithm]).to.deep.equal([-1, 0, null, false]);
    expect(proto.disable_nagle_algorithm).to.equal(false);
  });

  it("sets connection to the request socket and wfile to an unbuffered SocketWriter", async () => {
    let handler: StreamRequestHandler | undefined;
    class Handler extends StreamRequestHandler {
      override handle(): void {
        handler = this;
      }
    }
    await oneRequest(Handler, (a) => exchange(a, ""));
    expect(handler!.connection).to.equal(handler!.request);
    expect(handler!.wfile).to.be.instanceOf(SocketWriter);
    expect((handler!.wfile as SocketWriter).stream).to.equal(handler!.request);
    // finish() closed both files.
    expect(handler!.wfile.closed).to.equal(true);
    expect(handler!.rfile.closed).to.equal(true);
    expect(() => handler!.wfile.write("late")).to.throw("I/O operation on closed file.");
  });

  describe("wfile", () => {
    it("write() returns the byte count and sends at once, without flush (CPython SocketWriterTest.test_write)", async () => {
      const seen: Record<string, unknown> = {};
      class Handler extends StreamRequestHandler {
        override async handle(): Promise<void> {
          seen.sent1 = this.wfile.write("write data\n");
          // The client answers only after it has received the line above.
          seen.received = (await this.rfile.readline()).toString();
          seen.sent2 = this.wfile.write(Buffer.alloc(300_000));
          seen.sent3 = this.wfile.write("é");
        }
      }
      const [first, rest] = await oneRequest(Handler, async (address) => {
        const sock = await connect(address);
        const line = await readUntil(sock, (b) => b.includes(0x0a));
        const remaining = readAll(sock);
        sock.write("client response\n");
        return [line, await remaining];
      });
      expect(first.toString()).to.equal("write data\n");
      expect(seen).to.deep.equal({ sent1: 11, received: "client response\n", sent2: 300_000, sent3: 2 });
      expect(rest.length).to.equal(300_002);
    });

    it("with wbufsize > 0 holds writes back until flush()", async () => {
      const release = deferred();
      const flushed: number[] = [];
      class Handler extends StreamRequestHandler {
        override wbufsize = 1024;
        override async handle(): Promise<void> {
          this.wfile.write("held ");
          this.wfile.write("back\n");
          await release.promise;
          await this.wfile.flush();
          flushed.push(Date.now());
        }
      }
      const received = await oneRequest(Handler, async (address) => {
        const sock = await connect(address);
        const chunks: Buffer[] = [];
        sock.on("data", (c: Buffer) => chunks.push(c));
        await delay(100);
        const before = Buffer.concat(chunks).toString();
        release.resolve();
        await readUntil(sock, () => Buffer.concat(chunks).length >= 10);
        sock.destroy();
        return [before, Buffer.concat(chunks).toString()];
      });
      expect(received).to.deep.equal(["", "held back\n"]);
      expect(flushed).to.have.length(1);
    });

    it("with wbufsize > 0 sends once the buffer fills", async () => {
      class Handler extends StreamRequestHandler {
        override wbufsize = 8;
        override async handle(): Promise<void> {
          this.wfile.write("0123456789");
          await delay(600);
        }
      }
      const early = await oneRequest(Handler, async (address) => {
        const sock = await connect(address);
        const got = await readUntil(sock, (b) => b.length >= 10, 500);
        sock.destroy();
        return got.toString();
      });
      expect(early).to.equal("0123456789");
    });

    it("flush() waits for a slow reader (back-pressure) and every byte arrives", async () => {
      const size = 32 * 1024 * 1024;
      const timeline: Record<string, number> = {};
      class Handler extends StreamRequestHandler {
        override async handle(): Promise<void> {
          timeline.written = this.wfile.write(Buffer.alloc(size, 0x61));
          await this.wfile.flush();
          timeline.flushed = Date.now();
        }
      }
      const total = await oneRequest(Handler, async (address) => {
        const sock = await connect(address);
        sock.pause();
        await delay(300);
        timeline.resumed = Date.now();
        let n = 0;
        const done = new Promise<number>((resolve) => {
          sock.on("data", (c: Buffer) => (n += c.length));
          sock.on("end", () => resolve(n));
        });
        sock.resume();
        return within(done, 15000, "reading 32 MiB");
      });
      expect(timeline.written).to.equal(size);
      expect(total).to.equal(size);
      expect(timeline.flushed).to.be.at.least(timeline.resumed!);
    });

    it("flush() rejects with BrokenPipeError when the reader goes away, and later writes throw it", async () => {
      const outcome: unknown[] = [];
      class Handler extends StreamRequestHandler {
        override async handle(): Promise<void> {
          this.wfile.write(Buffer.alloc(16 * 1024 * 1024));
          try {
            await this.wfile.flush();
            outcome.push("flushed");
          } catch (err) {
            outcome.push(err);
          }
          try {
            this.wfile.write("more");
            outcome.push("wrote");
          } catch (err) {
            outcome.push(err);
          }
        }
      }
      await oneRequest(Handler, async (address) => {
        const sock = await connect(address);
        sock.on("error", () => undefined);
        sock.pause();
        await delay(100);
        sock.resetAndDestroy();
      });
      expect(outcome).to.have.length(2);
      expect(outcome[0]).to.be.instanceOf(BrokenPipeError);
      expect(outcome[1]).to.be.instanceOf(BrokenPipeError);
      expect((outcome[1] as Error).name).to.equal("BrokenPipeError");
    });
  });

  describe("rfile", () => {
    it("readline(limit) stops at the limit, then continues with the rest of the line", async () => {
      const lines: string[] = [];
      class Handler extends StreamRequestHandler {
        override async handle(): Promise<void> {
          lines.push((await this.rfile.readline(4)).toString());
          lines.push((await this.rfile.readline()).toString());
          lines.push((await this.rfile.readline(100)).toString());
          lines.push((await this.rfile.readline(0)).toString());
          lines.push((await this.rfile.readline()).toString());
        }
      }
      await oneRequest(Handler, async (address) => {
        const sock = await connect(address);
        const all = readAll(sock);
        sock.write("abcdefghij\n");
        await delay(20);
        sock.write("sec");
        await delay(20);
        sock.end("ond\n");
        await all;
      });
      expect(lines).to.deep.equal(["abcd", "efghij\n", "second\n", "", ""]);
    });

    it("readlines() returns every line up to end of input, the last without newline", async () => {
      let lines: string[] = [];
      class Handler extends StreamRequestHandler {
        override async handle(): Promise<void> {
          lines = (await this.rfile.readlines()).map(String);
        }
      }
      await oneRequest(Handler, (a) => exchange(a, "a\nbb\n\nccc", { end: true }));
      expect(lines).to.deep.equal(["a\n", "bb\n", "\n", "ccc"]);
    });

    it("readlines(hint) stops once hint bytes were read", async () => {
      let lines: string[] = [];
      let rest = "";
      class Handler extends StreamRequestHandler {
        override async handle(): Promise<void> {
          lines = (await this.rfile.readlines(4)).map(String);
          rest = (await this.rfile.read()).toString();
        }
      }
      await oneRequest(Handler, (a) => exchange(a, "ab\ncd\nef\n", { end: true }));
      expect(lines).to.deep.equal(["ab\n", "cd\n"]);
      expect(rest).to.equal("ef\n");
    });

    it("supports for-await iteration over lines and read(n)/read()", async () => {
      const got: string[] = [];
      class Handler extends StreamRequestHandler {
        override async handle(): Promise<void> {
          got.push((await this.rfile.read(3)).toString());
          for await (const line of this.rfile) {
            got.push(line.toString());
            if (line.toString() === "stop\n") break;
          }
          got.push((await this.rfile.read()).toString());
        }
      }
      await oneRequest(Handler, (a) => exchange(a, "123one\ntwo\nstop\ntail", { end: true }));
      expect(got).to.deep.equal(["123", "one\n", "two\n", "stop\n", "tail"]);
    });

    it("a read fails with TimeoutError after the handler's timeout (class field)", async () => {
      let error: unknown;
      let waited = 0;
      class Handler extends StreamRequestHandler {
        override timeout = 0.1;
        override async handle(): Promise<void> {
          const started = Date.now();
          try {
            await this.rfile.readline();
          } catch (err) {
            error = err;
          }
          waited = Date.now() - started;
          this.wfile.write("timed out\n");
        }
      }
      const reply = await oneRequest(Handler, async (address) => {
        const sock = await connect(address);
        return (await readAll(sock)).toString();
      });
      expect(error).to.be.instanceOf(SocketTimeoutError);
      expect((error as Error).name).to.equal("TimeoutError");
      expect((error as Error).message).to.equal("timed out");
      expect(waited).to.be.at.least(90).and.below(3000);
      expect(reply).to.equal("timed out\n");
    });

    it("a time-out does not fire while data keeps arriving in time", async () => {
      let line = "";
      class Handler extends StreamRequestHandler {
        override timeout = 0.3;
        override async handle(): Promise<void> {
          line = (await this.rfile.readline()).toString();
        }
      }
      await oneRequest(Handler, async (address) => {
        const sock = await connect(address);
        const all = readAll(sock);
        sock.write("slow ");
        await delay(100);
        sock.write("but ");
        await delay(100);
        sock.write("steady\n");
        await all;
      });
      expect(line).to.equal("slow but steady\n");
    });
  });

  describe("disableNagleAlgorithm", () => {
    function nagleHandler(base: typeof StreamRequestHandler<InetAddress>, calls: unknown[][]): HandlerClass {
      return class extends base {
        override setup(): void {
          const sock = this.request as net.Socket;
          const spy = sinon.spy(sock, "setNoDelay");
          try {
            super.setup();
          } finally {
            calls.push(...spy.args);
            spy.restore();
          }
        }
      };
    }

    it("sets TCP_NODELAY when true (camelCase or Python spelling), not by default", async () => {
      const byDefault: unknown[][] = [];
      const camel: unknown[][] = [];
      const python: unknown[][] = [];
      class Camel extends StreamRequestHandler {
        override disableNagleAlgorithm = true;
      }
      class Python extends StreamRequestHandler {
        override disable_nagle_algorithm = true;
      }
      await oneRequest(nagleHandler(StreamRequestHandler, byDefault), (a) => exchange(a, ""));
      await oneRequest(nagleHandler(Camel, camel), (a) => exchange(a, ""));
      await oneRequest(nagleHandler(Python, python), (a) => exchange(a, ""));
      expect(byDefault).to.deep.equal([]);
      expect(camel).to.deep.equal([[true]]);
      expect(python).to.deep.equal([[true]]);
    });
  });
});

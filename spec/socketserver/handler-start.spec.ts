/**
 * When a request handler starts, and that it starts exactly once: a handler
 * a server constructs is started by that server at once (its constructor
 * does not also schedule a start); one constructed anywhere else starts by
 * itself on the next microtask. The server tells its own handlers apart
 * through per-server state (`_constructHandler()` / `_startsHandlerFor()`),
 * so these specs also check that nothing leaks from one construction to
 * the next: a constructor that throws, a handler made inside another's
 * constructor, a settings probe.
 */
import { expect } from "chai";
import type * as net from "node:net";
import { BaseRequestHandler, BaseServer, StreamRequestHandler, TCPServer, ThreadingTCPServer } from "../../lib/socketserver/index.js";
import { runHandler, settingsProbe } from "../../lib/socketserver/request-handlers.js";
import { HOST, delay, exchange, latin1, within } from "../helpers.js";

/** Let every pending microtask and the next turn of the event loop run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

/** A handler class that counts its steps, per request, in `log`. */
function countingHandler(log: string[]) {
  return class Counting extends BaseRequestHandler {
    override setup(): void {
      log.push(`setup ${String(this.request)}`);
    }
    override handle(): void {
      log.push(`handle ${String(this.request)}`);
    }
    override finish(): void {
      log.push(`finish ${String(this.request)}`);
    }
  };
}

/** Both handlers ran once each, the server's own first. */
const OUTER_THEN_INNER = ["setup outer", "handle outer", "finish outer", "setup inner", "handle inner", "finish inner"];

describe("handler start: exactly once, by whoever constructed it", function () {
  it("a handler constructed by user code starts once, on the next microtask", async () => {
    const log: string[] = [];
    const Handler = countingHandler(log);
    const server = new BaseServer(null, Handler);
    const handler = new Handler("r1", null, server);
    expect(log).to.deep.equal([]);
    await runHandler(handler);
    await settle();
    expect(log).to.deep.equal(["setup r1", "handle r1", "finish r1"]);
  });

  it("a handler a server constructs starts once, before finishRequest() returns, and never again", async () => {
    const log: string[] = [];
    const server = new BaseServer(null, countingHandler(log));
    const done = server.finishRequest("r1", null);
    expect(log).to.deep.equal(["setup r1", "handle r1", "finish r1"]);
    await done;
    await settle();
    expect(log).to.deep.equal(["setup r1", "handle r1", "finish r1"]);
  });

  it("each server-made handler starts once, request after request", async () => {
    const log: string[] = [];
    const server = new BaseServer(null, countingHandler(log));
    await server.finishRequest("a", null);
    await server.finishRequest("b", null);
    await settle();
    expect(log).to.deep.equal(["setup a", "handle a", "finish a", "setup b", "handle b", "finish b"]);
  });

  it("a handler constructed for the same server by user code, while another is handled, starts by itself", async () => {
    const log: string[] = [];
    const Counting = countingHandler(log);
    let inner: BaseRequestHandler | null = null;
    class MakesAnother extends Counting {
      override handle(): void {
        super.handle();
        inner = new Counting("inner", null, this.server);
      }
    }
    const server = new BaseServer(null, MakesAnother);
    await server.finishRequest("outer", null);
    expect(inner).to.not.equal(null);
    await runHandler(inner!);
    await settle();
    expect(log).to.deep.equal(OUTER_THEN_INNER);
  });

  it("a handler made inside another's constructor (same server, other request) starts by itself; both run once", async () => {
    const log: string[] = [];
    const Counting = countingHandler(log);
    let inner: BaseRequestHandler | null = null;
    class Outer extends Counting {
      madeInside = (inner = new Counting("inner", null, this.server));
    }
    const server = new BaseServer(null, Outer);
    const done = server.finishRequest("outer", null);
    expect(log).to.deep.equal(["setup outer", "handle outer", "finish outer"]);
    await done;
    await runHandler(inner!);
    await settle();
    expect(log).to.deep.equal(OUTER_THEN_INNER);
  });

  it("a handler made for another request before super() starts by itself, and the server's own starts once", async () => {
    const log: string[] = [];
    const Counting = countingHandler(log);
    let early: BaseRequestHandler | null = null;
    class MakesOneFirst extends Counting {
      constructor(request: unknown, clientAddress: unknown, server: BaseServer) {
        early = new Counting("early", null, server);
        super(request, clientAddress, server);
      }
    }
    const server = new BaseServer(null, MakesOneFirst);
    const done = server.finishRequest("own", null);
    expect(log).to.deep.equal(["setup own", "handle own", "finish own"]);
    await done;
    await runHandler(early!);
    await settle();
    expect(log).to.deep.equal(["setup own", "handle own", "finish own", "setup early", "handle early", "finish early"]);
  });

  it("a constructor that throws leaves nothing behind: the next handler user code makes for that request still starts", async () => {
    const log: string[] = [];
    const Counting = countingHandler(log);
    class Picky extends Counting {
      constructor(request: unknown, clientAddress: unknown, server: BaseServer) {
        if (request === "bad") throw new Error("refused before super()");
        super(request, clientAddress, server);
      }
    }
    const server = new BaseServer(null, Picky);
    expect(() => server.finishRequest("bad", null)).to.throw("refused before super()");
    const handler = new Counting("bad", null, server);
    await runHandler(handler);
    await settle();
    expect(log).to.deep.equal(["setup bad", "handle bad", "finish bad"]);
  });

  it("an overridden finishRequest() that constructs the handler itself (Python's DualStackServer) gets one start", async () => {
    const log: string[] = [];
    const Counting = countingHandler(log);
    class WithOptions extends BaseServer {
      override finishRequest(request: unknown, clientAddress: unknown): Promise<void> {
        return runHandler(new Counting(request, clientAddress, this));
      }
    }
    const server = new WithOptions(null, Counting);
    await server.finishRequest("r1", null);
    await settle();
    expect(log).to.deep.equal(["setup r1", "handle r1", "finish r1"]);
  });

  it("a settings probe is never started, and the server's next handler starts once", async () => {
    const log: string[] = [];
    const Counting = countingHandler(log);
    class Probed extends Counting {
      limit = 7;
    }
    const server = new BaseServer(null, Probed);
    const probe = settingsProbe(Probed, server);
    expect(probe?.limit).to.equal(7);
    await settle();
    expect(log).to.deep.equal([]);
    await server.finishRequest("r1", null);
    await settle();
    expect(log).to.deep.equal(["setup r1", "handle r1", "finish r1"]);
  });

  it("a handler given something other than a BaseServer starts by itself", async () => {
    const log: string[] = [];
    const Counting = countingHandler(log);
    const handler = new Counting("r1", null, {} as BaseServer);
    await runHandler(handler);
    await settle();
    expect(log).to.deep.equal(["setup r1", "handle r1", "finish r1"]);
  });

  it("on real connections, concurrent handlers of a ThreadingTCPServer each run once", async () => {
    let setups = 0;
    let handles = 0;
    class Echo extends StreamRequestHandler {
      override setup(): void {
        setups++;
        super.setup();
      }
      override async handle(): Promise<void> {
        handles++;
        const line = await this.rfile.readline();
        await delay(5);
        this.wfile.write(line);
      }
    }
    const server = new ThreadingTCPServer([HOST, 0], Echo);
    try {
      await server.ready;
      const serving = server.serveForever(0.05);
      const replies = await within(
        Promise.all([1, 2, 3, 4].map((n) => exchange(server.serverAddress, `line ${n}\n`))),
        5000,
        "four echoes",
      );
      expect(replies.map(latin1)).to.deep.equal(["line 1\n", "line 2\n", "line 3\n", "line 4\n"]);
      await settle();
      expect([setups, handles]).to.deep.equal([4, 4]);
      await server.shutdown();
      await serving;
    } finally {
      await server.serverClose();
    }
  });

  it("on real connections, a plain TCPServer's handler runs once per handleRequest()", async () => {
    const seen: string[] = [];
    class Once extends StreamRequestHandler {
      override handle(): void {
        seen.push((this.connection as net.Socket).remotePort !== undefined ? "handle" : "no socket");
        this.wfile.write("ok\n");
      }
    }
    const server = new TCPServer([HOST, 0], Once);
    try {
      await server.ready;
      for (let i = 0; i < 2; i++) {
        const reply = exchange(server.serverAddress, "x\n");
        await server.handleRequest();
        expect(latin1(await reply)).to.equal("ok\n");
      }
      await settle();
      expect(seen).to.deep.equal(["handle", "handle"]);
    } finally {
      await server.serverClose();
    }
  });
});

/**
 * Python spellings on the socketserver classes: every documented name exists,
 * overriding or setting either spelling in a subclass takes effect, and
 * `super` calls under either spelling reach the base implementation.
 */
import { expect } from "chai";
import sinon from "sinon";
import {
  BaseRequestHandler,
  BaseServer,
  ForkingTCPServer,
  StreamRequestHandler,
  TCPServer,
  ThreadingTCPServer,
  UDPServer,
  UnixStreamServer,
} from "../../lib/socketserver/index.js";
import { HOST, captureStderr, exchange } from "../helpers.js";

type Py = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const documented: Array<[string, object, string[]]> = [
  [
    "BaseServer",
    BaseServer.prototype,
    [
      "serve_forever",
      "shutdown",
      "handle_request",
      "_handle_request_noblock",
      "service_actions",
      "get_request",
      "handle_timeout",
      "verify_request",
      "process_request",
      "finish_request",
      "shutdown_request",
      "close_request",
      "handle_error",
      "server_activate",
      "server_close",
      "timeout",
    ],
  ],
  [
    "TCPServer",
    TCPServer.prototype,
    ["server_bind", "fileno", "address_family", "socket_type", "request_queue_size", "allow_reuse_address", "allow_reuse_port", "server_address"],
  ],
  ["UDPServer", UDPServer.prototype, ["max_packet_size", "server_bind", "fileno", "allow_reuse_address"]],
  ["UnixStreamServer", UnixStreamServer.prototype, ["address_family", "server_bind"]],
  ["ThreadingTCPServer", ThreadingTCPServer.prototype, ["daemon_threads", "block_on_close", "process_request_thread"]],
  ["ForkingTCPServer", ForkingTCPServer.prototype, ["active_children", "max_children", "block_on_close", "collect_children", "timeout"]],
  ["BaseRequestHandler", BaseRequestHandler.prototype, ["setup", "handle", "finish", "client_address"]],
  ["StreamRequestHandler", StreamRequestHandler.prototype, ["rbufsize", "wbufsize", "timeout", "disable_nagle_algorithm"]],
];

describe("Python spellings on socketserver classes", function () {
  for (const [name, proto, names] of documented) {
    it(`${name} offers ${names.length} documented Python names`, () => {
      const missing = names.filter((n) => !(n in proto));
      expect(missing).to.deep.equal([]);
    });
  }

  it("a Python-spelled method is the very same function as its camelCase twin", () => {
    const p = TCPServer.prototype as unknown as Py;
    expect(p.serve_forever).to.equal(p.serveForever);
    expect(p.handle_error).to.equal(p.handleError);
    expect(p._handle_request_noblock).to.equal(p.handleRequestNoblock);
    expect(p.server_close).to.equal(p.serverClose);
  });

  it("overriding handle_error takes effect where the library calls handleError", async () => {
    const calls: unknown[] = [];
    class Server extends TCPServer {
      override handle_error(_request: unknown, address: unknown, error?: unknown): void {
        calls.push([address, (error as Error).message]);
      }
    }
    class Throws extends BaseRequestHandler {
      override handle(): void {
        throw new Error("py override");
      }
    }
    const server = new Server([HOST, 0], Throws);
    let stderr: string;
    try {
      stderr = await captureStderr(async () => {
        await server.ready;
        const reply = exchange(server.serverAddress, "");
        await server.handleRequest();
        await reply;
      });
    } finally {
      await server.serverClose();
    }
    expect(stderr).to.equal("");
    expect(calls).to.have.length(1);
    expect((calls[0] as unknown[])[1]).to.equal("py override");
    expect((server as unknown as Py).handleError).to.equal((server as unknown as Py).handle_error);
  });

  it("overriding handleError is also what handle_error calls", async () => {
    const calls: string[] = [];
    class Server extends TCPServer {
      override handleError(): void {
        calls.push("camel");
      }
    }
    const server = new Server([HOST, 0], BaseRequestHandler, false);
    await (server as unknown as Py).handle_error(null, [HOST, 1], new Error("x"));
    expect(calls).to.deep.equal(["camel"]);
    await server.serverClose();
  });

  it("a deeper subclass's camelCase override wins over its parent's Python-spelled one", async () => {
    const calls: string[] = [];
    class Parent extends TCPServer {
      override verify_request(): boolean {
        calls.push("parent");
        return true;
      }
    }
    class Child extends Parent {
      override verifyRequest(): boolean {
        calls.push("child");
        return false;
      }
    }
    const server = new Child([HOST, 0], BaseRequestHandler);
    try {
      await server.ready;
      const reply = exchange(server.serverAddress, "");
      await server.handleRequest();
      await reply;
      expect(calls).to.deep.equal(["child"]);
      expect((server as unknown as Py).verify_request()).to.equal(false);
    } finally {
      await server.serverClose();
    }
  });

  it("super.handle_error() and super.handleError() inside overrides reach the base banner once, without recursion", async () => {
    let pyCalls = 0;
    let camelCalls = 0;
    class PyServer extends TCPServer {
      override handle_error(request: unknown, address: unknown, error?: unknown): void | Promise<void> {
        pyCalls++;
        return super.handle_error(request, address, error) as void | Promise<void>;
      }
    }
    class CamelServer extends TCPServer {
      override handleError(request: unknown, address: unknown, error?: unknown): void | Promise<void> {
        camelCalls++;
        return super.handleError(request, address, error);
      }
    }
    const stderr = await captureStderr(async () => {
    for (const Cls of [PyServer, CamelServer]) {
      const server = new Cls([HOST, 0], BaseRequestHandler, false);
      await (server as unknown as Py).handle_error(null, [HOST, 4242], new Error("once"));
      await server.handleError(null, [HOST, 4242], new Error("twice"));
    }
    });
    expect(pyCalls).to.equal(2);
    expect(camelCalls).to.equal(2);
    expect(stderr.match(/Exception occurred during processing of request from \('127\.0\.0\.1', 4242\)/g)).to.have.length(4);
  });

  it("super.server_close() in a Python-spelled override closes the socket", async () => {
    let closes = 0;
    class Server extends TCPServer {
      override server_close(): Promise<void> {
        closes++;
        return super.server_close() as Promise<void>;
      }
    }
    const server = new Server([HOST, 0], BaseRequestHandler);
    await server.ready;
    expect(server.fileno()).to.be.at.least(0);
    await server.serverClose();
    expect(closes).to.equal(1);
    expect(server.fileno()).to.equal(-1);
  });

  it("class fields under either spelling set request_queue_size and allow_reuse_address", async () => {
    class PyFields extends TCPServer {
      override request_queue_size = 2;
      override allow_reuse_address = true;
    }
    class CamelFields extends TCPServer {
      override requestQueueSize = 3;
      override allowReuseAddress = true;
    }
    for (const [Cls, backlog] of [[PyFields, 2], [CamelFields, 3]] as const) {
      const server = new Cls([HOST, 0], BaseRequestHandler);
      const listen = sinon.spy(server.socket, "listen");
      try {
        await server.ready;
        const s = server as unknown as Py;
        expect([s.requestQueueSize, s.request_queue_size]).to.deep.equal([backlog, backlog]);
        expect([s.allowReuseAddress, s.allow_reuse_address]).to.deep.equal([true, true]);
        expect(listen.firstCall.args[0]).to.include({ backlog });
        // Assigning either name later changes both.
        s.request_queue_size = 9;
        expect(s.requestQueueSize).to.equal(9);
        s.allowReuseAddress = false;
        expect(s.allow_reuse_address).to.equal(false);
      } finally {
        listen.restore();
        await server.serverClose();
      }
    }
  });

  it("server_address and client_address name the same values as their camelCase twins", async () => {
    let handlerView: unknown[] = [];
    class Handler extends StreamRequestHandler {
      override handle(): void {
        const h = this as unknown as Py;
        handlerView = [h.client_address, this.clientAddress];
      }
    }
    const server = new TCPServer([HOST, 0], Handler);
    try {
      await server.ready;
      const s = server as unknown as Py;
      expect(s.server_address).to.deep.equal(server.serverAddress);
      const reply = exchange(server.serverAddress, "");
      await s.handle_request();
      await reply;
      expect(handlerView[0]).to.deep.equal(handlerView[1]);
      expect((handlerView[0] as unknown[])[0]).to.equal(HOST);
    } finally {
      await server.serverClose();
    }
  });

  it("Python-spelled handler settings as class fields (timeout, wbufsize) are in effect during setup", async () => {
    let seen: unknown[] = [];
    class Handler extends StreamRequestHandler {
      override timeout = 7;
      override wbufsize = 16;
      override handle(): void {
        seen = [this.rfile.timeout, this.wbufsize];
      }
    }
    const server = new TCPServer([HOST, 0], Handler);
    try {
      await server.ready;
      const reply = exchange(server.serverAddress, "");
      await server.handleRequest();
      await reply;
      expect(seen).to.deep.equal([7, 16]);
    } finally {
      await server.serverClose();
    }
  });

  it("a Python-spelled process_request override on a threading server is used", async () => {
    const seen: unknown[] = [];
    class Server extends ThreadingTCPServer {
      override process_request(request: unknown, address: unknown): void | Promise<void> {
        seen.push(address);
        return super.processRequest(request, address);
      }
    }
    const server = new Server([HOST, 0], StreamRequestHandler);
    try {
      await server.ready;
      const reply = exchange(server.serverAddress, "");
      await server.handleRequest();
      await reply;
      expect(seen).to.have.length(1);
    } finally {
      await server.serverClose();
    }
  });
});

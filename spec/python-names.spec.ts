/**
 * lib/python-names.ts: a Python spelling is a second name for the camelCase
 * member, not a copy of it. Assigning either spelling at any time (on a
 * library prototype, a user subclass prototype or an instance, before or
 * after first use) takes effect where the library calls the member; a class
 * that spells one member both ways is an error at first use; static members
 * that match an instance member of the library are class defaults, as
 * Python class attributes are.
 */
import { expect } from "chai";
import {
  BaseHTTPRequestHandler,
  BaseRequestHandler,
  BaseServer,
  CGIHTTPRequestHandler,
  ForkingTCPServer,
  HTTPMessage,
  HTTPSServer,
  HTTPServer,
  SimpleHTTPRequestHandler,
  StreamRequestHandler,
  TCPServer,
  ThreadingHTTPSServer,
  ThreadingHTTPServer,
  ThreadingTCPServer,
  UDPServer,
  UnixStreamServer,
  handleRawRequest,
} from "../lib/index.js";
import { ownPythonAliases } from "../lib/python-names.js";
import { captureStderr, exchange, within } from "./helpers.js";
import { serve } from "./http/server/helpers.js";

/** Untyped view, to assign and read names the declarations do not list. */
type Py = Record<string, unknown>;
const py = (o: object): Py => o as unknown as Py;

/**
 * Run `fn`, then put back the listed own properties of `target` exactly as
 * they were (present or absent): specs that assign on a library prototype
 * must not leak into other specs.
 */
async function restoring(target: object, names: string[], fn: () => Promise<void> | void): Promise<void> {
  const saved = names.map((n) => [n, Object.getOwnPropertyDescriptor(target, n)] as const);
  try {
    await fn();
  } finally {
    for (const [n, desc] of saved) {
      if (desc) Object.defineProperty(target, n, desc);
      else delete (target as Py)[n];
    }
  }
}

/** One `GET path` over a fresh connection; the whole reply as text. */
async function get(port: number, path: string): Promise<string> {
  return (await exchange(port, `GET ${path} HTTP/1.0\r\n\r\n`)).toString("latin1");
}

describe("lib/python-names.ts: forwarding, not copying", function () {
  describe("late assignment on a real ThreadingHTTPServer", () => {
    it("SimpleHTTPRequestHandler.prototype.log_message assigned after the first request silences logging", async () => {
      const proto = SimpleHTTPRequestHandler.prototype;
      await restoring(proto, ["log_message", "logMessage"], async () => {
        const running = await serve(ThreadingHTTPServer, SimpleHTTPRequestHandler);
        try {
          const first = await captureStderr(async () => {
            expect(await get(running.port, "/no-such-file-i14")).to.match(/^HTTP\/1\.0 404 /);
          });
          expect(first).to.include('"GET /no-such-file-i14 HTTP/1.0" 404');
          const seen: string[] = [];
          py(proto).log_message = function (this: BaseHTTPRequestHandler, format: string): void {
            seen.push(format);
          };
          const second = await captureStderr(async () => {
            expect(await get(running.port, "/no-such-file-i14")).to.match(/^HTTP\/1\.0 404 /);
          });
          expect(second).to.equal("");
          expect(seen.length).to.be.at.least(1);
          // The camelCase name the library calls is the assigned function.
          expect(proto.logMessage).to.equal(py(proto).log_message);
        } finally {
          await running.close();
        }
      });
    });

    it("a user subclass's prototype: log_message assigned after first use, then logMessage, each takes effect", async () => {
      class Hello extends BaseHTTPRequestHandler {
        do_GET(): void {
          this.send_response(204);
          this.end_headers();
        }
      }
      const running = await serve(ThreadingHTTPServer, Hello);
      try {
        const first = await captureStderr(async () => {
          expect(await get(running.port, "/a")).to.match(/^HTTP\/1\.0 204 /);
        });
        expect(first).to.include('"GET /a HTTP/1.0" 204');
        const seen: string[] = [];
        py(Hello.prototype).log_message = (_f: string, ...args: unknown[]): void => {
          seen.push(`py ${String(args[0])}`);
        };
        expect(await captureStderr(async () => void (await get(running.port, "/b")))).to.equal("");
        Hello.prototype.logMessage = (_f: string, ...args: unknown[]): void => {
          seen.push(`camel ${String(args[0])}`);
        };
        // Reading the Python name sees the camelCase assignment.
        expect(py(Hello.prototype).log_message).to.equal(Hello.prototype.logMessage);
        expect(await captureStderr(async () => void (await get(running.port, "/c")))).to.equal("");
        expect(seen).to.deep.equal(["py GET /b HTTP/1.0", "camel GET /c HTTP/1.0"]);
      } finally {
        await running.close();
      }
    });

    it("server.handle_timeout assigned after a first timed-out handleRequest() is the one called next", async () => {
      const server = new TCPServer(["127.0.0.1", 0], StreamRequestHandler);
      try {
        await server.ready;
        server.timeout = 0.05;
        await within(server.handleRequest(), 3000, "first handleRequest");
        const calls: string[] = [];
        py(server).handle_timeout = (): void => void calls.push("py");
        await within(server.handleRequest(), 3000, "second handleRequest");
        expect(calls).to.deep.equal(["py"]);
        server.handleTimeout = (): void => void calls.push("camel");
        expect(py(server).handle_timeout).to.equal(server.handleTimeout);
        await within(server.handle_request(), 3000, "third handleRequest");
        expect(calls).to.deep.equal(["py", "camel"]);
        expect(Object.keys(server)).to.not.include("handle_timeout");
      } finally {
        await server.serverClose();
      }
    });
  });

  describe("both directions, methods and defaults", () => {
    class Server extends TCPServer {}

    it("on a user prototype after first construction", async () => {
      const a = new Server(["127.0.0.1", 0], BaseRequestHandler, false);
      py(Server.prototype).verify_request = (): boolean => false;
      expect(a.verifyRequest(null, null)).to.equal(false);
      Server.prototype.verifyRequest = (): boolean => true;
      expect((py(a).verify_request as () => boolean)()).to.equal(true);
      py(Server.prototype).request_queue_size = 11;
      expect(a.requestQueueSize).to.equal(11);
      Server.prototype.requestQueueSize = 12;
      expect(py(a).request_queue_size).to.equal(12);
      await a.serverClose();
    });

    it("on an instance, without showing up in Object.keys", async () => {
      const a = new Server(["127.0.0.1", 0], BaseRequestHandler, false);
      const before = Object.keys(a);
      const fn = (): boolean => false;
      py(a).verify_request = fn;
      expect(a.verifyRequest).to.equal(fn);
      py(a).allow_reuse_port = true;
      expect(a.allowReusePort).to.equal(true);
      a.requestQueueSize = 3;
      expect(py(a).request_queue_size).to.equal(3);
      // No Python spelling became an own property (EventEmitter's own
      // `_events`, `_eventsCount` and `_maxListeners` are not Python names).
      expect(Object.keys(a).filter((k) => k.includes("_") && !k.startsWith("_"))).to.deep.equal([]);
      expect(Object.keys(a).filter((k) => !before.includes(k)).sort()).to.deep.equal(
        ["allowReusePort", "requestQueueSize", "verifyRequest"],
      );
      await a.serverClose();
    });

    it("on a library prototype, read back through a subclass under the other spelling", async () => {
      await restoring(BaseServer.prototype, ["serviceActions", "service_actions"], async () => {
        const mark = (): void => {};
        py(BaseServer.prototype).service_actions = mark;
        const a = new Server(["127.0.0.1", 0], BaseRequestHandler, false);
        expect(a.serviceActions).to.equal(mark);
        const other = (): void => {};
        BaseServer.prototype.serviceActions = other;
        expect(py(a).service_actions).to.equal(other);
        await a.serverClose();
      });
    });

    it("super.log_message() inside an override reaches the base, also after the base was reassigned", async () => {
      const calls: string[] = [];
      class Parent extends BaseHTTPRequestHandler {
        override log_message(format: string, ...args: unknown[]): void {
          calls.push("parent");
          void format;
          void args;
        }
      }
      class Child extends Parent {
        override log_message(format: string, ...args: unknown[]): void {
          calls.push("child");
          super.log_message(format, ...args);
        }
      }
      class CamelChild extends Parent {
        override logMessage(format: string, ...args: unknown[]): void {
          calls.push("camel child");
          (super.log_message as (f: string, ...a: unknown[]) => void)(format, ...args);
        }
      }
      const res = await handleRawRequest(Child, "GET / HTTP/1.0\r\n\r\n");
      expect(res.status).to.equal(501);
      expect(calls.slice(0, 2)).to.deep.equal(["child", "parent"]);
      calls.length = 0;
      Parent.prototype.logMessage = (): void => void calls.push("parent, reassigned");
      await handleRawRequest(CamelChild, "GET / HTTP/1.0\r\n\r\n");
      await handleRawRequest(Child, "GET / HTTP/1.0\r\n\r\n");
      expect(calls.slice(0, 2)).to.deep.equal(["camel child", "parent, reassigned"]);
      expect(calls).to.include("child");
      expect(calls.filter((c) => c === "child").length).to.equal(calls.filter((c) => c === "camel child").length);
    });
  });

  describe("both spellings in one class", () => {
    it("prototype methods end_headers and endHeaders: a TypeError at first construction naming both", () => {
      class Both extends BaseHTTPRequestHandler {
        override end_headers(): void {}
        override endHeaders(): void {}
      }
      expect(() => new Both(null, null, {} as never)).to.throw(TypeError, /end_headers.*endHeaders|endHeaders.*end_headers/);
    });

    it("a server class with verify_request and verifyRequest: a TypeError at construction", () => {
      class Both extends TCPServer {
        override verify_request(): boolean {
          return true;
        }
        override verifyRequest(): boolean {
          return false;
        }
      }
      expect(() => new Both(["127.0.0.1", 0], BaseRequestHandler, false)).to.throw(TypeError, /verify_request.*verifyRequest|verifyRequest.*verify_request/);
    });

    it("class fields request_queue_size and requestQueueSize: ready rejects with a TypeError naming both", async () => {
      class Both extends TCPServer {
        override request_queue_size = 1;
        override requestQueueSize = 2;
      }
      const server = new Both(["127.0.0.1", 0], BaseRequestHandler);
      let error: unknown = null;
      try {
        await server.ready;
      } catch (err) {
        error = err;
      } finally {
        await server.serverClose();
      }
      expect(error).to.be.instanceOf(TypeError);
      expect(String((error as Error).message)).to.match(/request_queue_size.*requestQueueSize|requestQueueSize.*request_queue_size/);
    });

    it("a subclass overriding the other spelling of its parent's member is fine (the deeper one wins)", async () => {
      const calls: string[] = [];
      class Parent extends BaseHTTPRequestHandler {
        override log_message(): void {
          calls.push("parent");
        }
      }
      class Child extends Parent {
        override logMessage(): void {
          calls.push("child");
        }
      }
      await handleRawRequest(Child, "GET / HTTP/1.0\r\n\r\n");
      await handleRawRequest(Parent, "GET / HTTP/1.0\r\n\r\n");
      expect(calls.length).to.be.at.least(2);
      expect(calls.slice(0, calls.length / 2).every((c) => c === "child")).to.equal(true);
      expect(calls.slice(calls.length / 2).every((c) => c === "parent")).to.equal(true);
    });
  });

  describe("static members matching a library instance member are class defaults", () => {
    it("static server_version and static protocol_version take effect", async () => {
      class Hello extends BaseHTTPRequestHandler {
        static server_version = "X/1";
        static protocol_version = "HTTP/1.1";
        do_GET(): void {
          this.send_response(200);
          this.send_header("Content-Length", 0);
          this.end_headers();
        }
        override log_message(): void {}
      }
      const res = await handleRawRequest(Hello, "GET / HTTP/1.1\r\n\r\n");
      expect(res.statusLine).to.equal("HTTP/1.1 200 OK");
      expect(res.header("Server")).to.match(/^X\/1 /);
      expect(py(Hello.prototype).server_version).to.equal("X/1");
    });

    it("static protocolVersion (camelCase) takes effect, and assigning the static later does too", async () => {
      class Hello extends BaseHTTPRequestHandler {
        static protocolVersion = "HTTP/1.1";
        do_GET(): void {
          this.send_response(200);
          this.send_header("Content-Length", 0);
          this.end_headers();
        }
        override log_message(): void {}
      }
      const first = await handleRawRequest(Hello, "GET / HTTP/1.1\r\n\r\n");
      expect(first.statusLine).to.equal("HTTP/1.1 200 OK");
      py(Hello).protocol_version = "HTTP/1.0";
      const second = await handleRawRequest(Hello, "GET / HTTP/1.1\r\n\r\n");
      expect(second.statusLine).to.equal("HTTP/1.0 200 OK");
      expect(Hello.protocolVersion).to.equal("HTTP/1.0");
    });

    it("a class attribute the library answers per class (extensions_map): a static keeps the library's accessors", async () => {
      const own = Object.getOwnPropertyDescriptor(SimpleHTTPRequestHandler, "extensions_map");
      expect(own?.get, "a static forwarder on the library class").to.be.a("function");
      class Declared extends SimpleHTTPRequestHandler {
        static override extensions_map: Record<string, string> = { ".a": "text/x-a" };
        override log_message(): void {}
      }
      const declared = Declared.extensions_map;
      // Before the first construction, both spellings give the declared object...
      expect(Declared.extensionsMap).to.equal(declared);
      await handleRawRequest(Declared, "GET /none HTTP/1.0\r\n\r\n", { handlerArgs: [{ directory: "/nonexistent" }] });
      // ...and after it, the value is the class's default and the statics are the library's.
      expect(Object.hasOwn(Declared, "extensions_map")).to.equal(false);
      expect(Object.getOwnPropertyDescriptor(Declared.prototype, "extensionsMap")?.value).to.equal(declared);
      expect(Declared.extensions_map).to.equal(declared);
      expect(Declared.extensionsMap).to.equal(declared);
      class Below extends Declared {}
      Below.extensions_map[".b"] = "text/x-b";
      expect(Below.extensionsMap).to.deep.equal({ ".a": "text/x-a", ".b": "text/x-b" });
      expect(declared).to.deep.equal({ ".a": "text/x-a" });
    });

    it("assigning a class attribute on a class that declared no static (Python's HandlerClass.protocol_version = ...) takes effect, after first use too", async () => {
      class Plain extends BaseHTTPRequestHandler {
        do_GET(): void {
          this.send_response(200);
          this.send_header("Content-Length", 0);
          this.end_headers();
        }
        override log_message(): void {}
      }
      const first = await handleRawRequest(Plain, "GET / HTTP/1.1\r\n\r\n");
      expect(first.statusLine).to.equal("HTTP/1.0 200 OK");
      py(Plain).protocol_version = "HTTP/1.1";
      py(Plain).server_version = "Mine/2";
      const second = await handleRawRequest(Plain, "GET / HTTP/1.1\r\n\r\n");
      expect(second.statusLine).to.equal("HTTP/1.1 200 OK");
      expect(second.header("Server")).to.match(/^Mine\/2 /);
      expect(py(Plain).protocolVersion).to.equal("HTTP/1.1");
      expect(Plain.prototype.protocolVersion).to.equal("HTTP/1.1");
      // The parent is untouched.
      expect(py(BaseHTTPRequestHandler).protocol_version).to.equal("HTTP/1.0");
      expect(Object.keys(Plain)).to.deep.equal([]);
    });

    it("on a library class too (TCPServer.allow_reuse_address = true), under both spellings, read back from a subclass", async () => {
      await restoring(SimpleHTTPRequestHandler.prototype, ["protocolVersion"], async () => {
        py(SimpleHTTPRequestHandler).protocol_version = "HTTP/1.1";
        expect(SimpleHTTPRequestHandler.prototype.protocolVersion).to.equal("HTTP/1.1");
        class Sub extends SimpleHTTPRequestHandler {}
        expect(py(Sub).protocolVersion).to.equal("HTTP/1.1");
        const res = await handleRawRequest(Sub, "GET /none HTTP/1.1\r\n\r\n", { handlerArgs: [{ directory: "/nonexistent" }] });
        expect(res.statusLine).to.equal("HTTP/1.1 404 File not found");
      });
      await restoring(TCPServer.prototype, ["allowReuseAddress"], () => {
        py(TCPServer).allow_reuse_address = false;
        expect(TCPServer.prototype.allowReuseAddress).to.equal(false);
        expect(py(ThreadingTCPServer).allowReuseAddress).to.equal(false);
        py(TCPServer).allowReuseAddress = true;
        expect(py(TCPServer).allow_reuse_address).to.equal(true);
      });
    });

    it("a static method under a library method's name is a TypeError at first construction", () => {
      class Odd extends BaseHTTPRequestHandler {
        static log_message(): void {}
      }
      expect(() => new Odd(null, null, {} as never)).to.throw(TypeError, /static.*log_message/);
    });

    it("both spellings as statics in one class: a TypeError naming both", () => {
      class Both extends BaseHTTPRequestHandler {
        static server_version = "A/1";
        static serverVersion = "B/1";
      }
      expect(() => new Both(null, null, {} as never)).to.throw(TypeError, /server_version.*serverVersion|serverVersion.*server_version/);
    });
  });

  describe("the request path pays nothing for Python names", () => {
    const classes: Array<[string, { prototype: object }]> = Object.entries({
      BaseServer,
      TCPServer,
      UDPServer,
      UnixStreamServer,
      ThreadingTCPServer,
      ForkingTCPServer,
      HTTPServer,
      ThreadingHTTPServer,
      HTTPSServer,
      ThreadingHTTPSServer,
      BaseRequestHandler,
      StreamRequestHandler,
      BaseHTTPRequestHandler,
      SimpleHTTPRequestHandler,
      CGIHTTPRequestHandler,
      HTTPMessage,
    });

    it("every Python name on a library prototype is an accessor, never a data property that shadows", () => {
      const offenders: string[] = [];
      let checked = 0;
      for (const [name, cls] of classes) {
        for (let p: object | null = cls.prototype; p && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
          for (const [python] of ownPythonAliases(p)) {
            checked++;
            const desc = Object.getOwnPropertyDescriptor(p, python);
            if (!desc || "value" in desc || !desc.get || !desc.set) offenders.push(`${name}: ${python}`);
          }
        }
      }
      expect(checked).to.be.above(100);
      expect([...new Set(offenders)]).to.deep.equal([]);
    });
  });
});

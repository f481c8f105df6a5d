/**
 * What a handler writes cannot break the response (issue 13's minor
 * findings): header names must be RFC 9110 tokens, status codes integers in
 * 100-999; and a response to a request that asked to close says
 * `Connection: close`, so that a client reading only the response does not
 * take a closing connection for kept-alive.
 */
import { expect } from "chai";

import { BaseHTTPRequestHandler, HeaderInjectionError } from "../../../../lib/http/server/base-handler.js";
import { ThreadingHTTPServer } from "../../../../lib/http/server/http-server.js";
import { HTTPStatus } from "../../../../lib/http/status.js";
import { parseResponses } from "../../../../lib/http/server/testing.js";
import { connect, exchange, readUntil, waitFor } from "../../../helpers.js";
import { serve, socketless } from "../helpers.js";

/** A handler for single-method checks: its request line is set, its log is silent. */
class Quiet extends BaseHTTPRequestHandler {
  override requestVersion = "HTTP/1.1";
  override logMessage(): void {}
}

describe("Response checks (real sockets and socketless)", () => {
  describe("sendHeader(): a header name must be a token", () => {
    for (const name of ["Set-Cookie: a", "Bad Name", "", "X(y)", "X\u00e9", "X\ty", "a/b", "{x}"]) {
      it(`refuses ${JSON.stringify(name)} with HeaderInjectionError`, async () => {
        const { handler: h } = await socketless(Quiet);
        expect(() => h.sendHeader(name, "1")).to.throw(HeaderInjectionError);
      });
    }
    for (const name of ["X-Ok", "x_y.z", "!#$%&'*+-.^_`|~09azAZ", "Content-Type"]) {
      it(`accepts ${JSON.stringify(name)}`, async () => {
        const { handler: h } = await socketless(Quiet);
        expect(() => h.sendHeader(name, "1")).not.to.throw();
      });
    }

    it("a handler that tries it gets a 500 and nothing of the injected header leaves", async () => {
      class Injects extends BaseHTTPRequestHandler {
        do_GET(): void {
          this.sendResponse(200);
          this.sendHeader("Set-Cookie: admin", "1");
          this.endHeaders();
        }
        override logMessage(): void {}
      }
      const run = await serve(ThreadingHTTPServer, Injects);
      try {
        const raw = (await exchange(run.port, "GET / HTTP/1.0\r\n\r\n")).toString("latin1");
        expect(raw).to.match(/^HTTP\/1\.0 500 /);
        expect(raw).not.to.include("Set-Cookie");
        expect(run.handled[0]).to.be.instanceOf(HeaderInjectionError);
      } finally {
        await run.close();
      }
    });
  });

  describe("sendError(): a message that cannot go into a status line", () => {
    it("a message Latin-1 cannot encode keeps the standard reason phrase; the page still shows the message", async () => {
      class Missing extends BaseHTTPRequestHandler {
        do_GET(): void {
          this.sendError(404, "No such thing ('/\u0100')");
        }
        override logMessage(): void {}
      }
      const run = await serve(ThreadingHTTPServer, Missing);
      try {
        const [res] = parseResponses(await exchange(run.port, "GET / HTTP/1.0\r\n\r\n"));
        expect(res!.statusLine).to.equal("HTTP/1.0 404 Not Found");
        expect(res!.text).to.include("No such thing ('/\u0100')");
        expect(run.handled).to.deep.equal([]);
      } finally {
        await run.close();
      }
    });
  });

  describe("sendResponse(): a status code must be an integer in 100-999", () => {
    it("refuses a string with a TypeError (Python: %d format needs a number)", async () => {
      const { handler: h } = await socketless(Quiet);
      expect(() => h.sendResponse("200 OK" as unknown as number)).to.throw(TypeError, /status code/);
      expect(() => h.sendResponseOnly("200" as unknown as number)).to.throw(TypeError, /status code/);
    });
    for (const code of [99, 1000, 200.5, NaN, Infinity, -200]) {
      it(`refuses ${code} with a RangeError`, async () => {
        const { handler: h } = await socketless(Quiet);
        expect(() => h.sendResponse(code)).to.throw(RangeError, /status code/);
      });
    }
    it("accepts 100, 999, HTTPStatus members and their info objects", async () => {
      const { handler: h } = await socketless(Quiet);
      expect(() => h.sendResponseOnly(100)).not.to.throw();
      expect(() => h.sendResponseOnly(999)).not.to.throw();
      expect(() => h.sendResponseOnly(HTTPStatus.OK)).not.to.throw();
      expect(() => h.sendResponseOnly(HTTPStatus.from(404) as unknown as number)).not.to.throw();
    });
    it("a handler that passes a bad code gets a 500, not `HTTP/1.1 NaN`", async () => {
      class Bad extends BaseHTTPRequestHandler {
        do_GET(): void {
          this.sendResponse("200 OK" as unknown as number);
          this.endHeaders();
        }
        override logMessage(): void {}
      }
      const run = await serve(ThreadingHTTPServer, Bad);
      try {
        const raw = (await exchange(run.port, "GET / HTTP/1.0\r\n\r\n")).toString("latin1");
        expect(raw).to.match(/^HTTP\/1\.0 500 /);
        expect(raw).not.to.include("NaN");
      } finally {
        await run.close();
      }
    });
  });

  describe("Connection: close is echoed when the client asked to close (RFC 9112 9.6)", () => {
    class Hello extends BaseHTTPRequestHandler {
      override protocolVersion = "HTTP/1.1";
      do_GET(): void {
        const body = Buffer.from("hi\n");
        this.sendResponse(200);
        if (this.path === "/keep") this.sendHeader("Connection", "keep-alive");
        this.sendHeader("Content-Length", body.length);
        this.endHeaders();
        this.wfile.write(body);
      }
      override logMessage(): void {}
    }

    it("an HTTP/1.1 response to `Connection: close` says `Connection: close`", async () => {
      const run = await serve(ThreadingHTTPServer, Hello);
      try {
        const [res, ...more] = parseResponses(await exchange(run.port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
        expect(res!.status).to.equal(200);
        expect(res!.header("Connection")).to.equal("close");
        expect(res!.headerList.filter(([k]) => k.toLowerCase() === "connection")).to.have.length(1);
        expect(more).to.deep.equal([]);
      } finally {
        await run.close();
      }
    });

    it("a kept-alive request gets no Connection header (as CPython)", async () => {
      const run = await serve(ThreadingHTTPServer, Hello);
      try {
        const raw = await exchange(run.port, "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        const [first, second] = parseResponses(raw);
        expect(first!.header("Connection")).to.equal(undefined);
        expect(second!.header("Connection")).to.equal("close");
      } finally {
        await run.close();
      }
    });

    it("a handler's own Connection header is left alone", async () => {
      const run = await serve(ThreadingHTTPServer, Hello);
      const sock = await connect(run.port);
      try {
        sock.write("GET /keep HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        const [res] = parseResponses(await readUntil(sock, (b) => b.toString("latin1").endsWith("hi\n")));
        expect(res!.headerList.filter(([k]) => k.toLowerCase() === "connection").map(([, v]) => v)).to.deep.equal(["keep-alive"]);
      } finally {
        sock.destroy();
        await run.close();
      }
    });

    it("a close option in a list is Python's: the connection stays open and nothing is said (reference 6.2)", async () => {
      const run = await serve(ThreadingHTTPServer, Hello);
      const sock = await connect(run.port);
      try {
        sock.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, close\r\n\r\n");
        const [res] = parseResponses(await readUntil(sock, (b) => b.toString("latin1").endsWith("hi\n")));
        expect(res!.header("Connection")).to.equal(undefined);
      } finally {
        sock.destroy();
        await run.close();
      }
    });

    it("an HTTP/1.0 response is left as CPython writes it", async () => {
      class Old extends Hello {
        override protocolVersion = "HTTP/1.0";
      }
      const run = await serve(ThreadingHTTPServer, Old);
      try {
        const [res] = parseResponses(await exchange(run.port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
        expect(res!.header("Connection")).to.equal(undefined);
      } finally {
        await run.close();
      }
    });
  });

  describe("a handler that throws or rejects with undefined", () => {
    const shapes: Array<[string, () => void | Promise<void>]> = [
      ["throw undefined", () => {
        throw undefined;
      }],
      ["Promise.reject(undefined)", () => Promise.reject(undefined)],
    ];
    for (const [title, body] of shapes) {
      it(`${title}: a 500, and handleError() gets an Error that says so`, async () => {
        class ThrowsNothing extends BaseHTTPRequestHandler {
          do_GET(): void | Promise<void> {
            return body();
          }
          override logMessage(): void {}
        }
        const run = await serve(ThreadingHTTPServer, ThrowsNothing);
        try {
          const raw = (await exchange(run.port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")).toString("latin1");
          expect(raw).to.match(/^HTTP\/1\.0 500 /);
          await waitFor(() => run.handled.length > 0, 1000, "handleError() to be called");
          expect(run.handled).to.have.length(1);
          expect(run.handled[0]).to.be.instanceOf(Error);
          expect((run.handled[0] as Error).message).to.equal("the request handler threw undefined");
        } finally {
          await run.close();
        }
      });
    }
  });
});

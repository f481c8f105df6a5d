/**
 * BaseHTTPRequestHandler, driven in memory with `handleRawRequest` and with
 * socketless handlers. Ports every scenario of CPython's
 * `BaseHTTPRequestHandlerTestCase`, `BaseHTTPServerTestCase`,
 * `HTTP09ServerTestCase` and `RequestHandlerLoggingTestCase` (3.14
 * behaviour), then the rest of sections 6 and 10 of the reference and the
 * project's deliberate deviations.
 */
import { expect } from "chai";

import {
  BaseHTTPRequestHandler,
  DEFAULT_ERROR_CONTENT_TYPE,
  DEFAULT_ERROR_MESSAGE,
  HeaderInjectionError,
} from "../../../lib/http/server/base-handler.js";
import { handleRawRequest, type RawExchange } from "../../../lib/http/server/testing.js";
import { HTTPStatus } from "../../../lib/http/status.js";
import type { Bytes } from "../../../lib/socketserver/streams.js";
import { captureStderr, delay, latin1, within } from "../../helpers.js";
import { CPythonServerTestHandler, clientRequest, lines, py, socketless, type Py } from "./helpers.js";


type HandlerClass<H extends BaseHTTPRequestHandler> = new (request: never, clientAddress: never, server: never) => H;

/** Run `Handler` on `input` and also hand back the handler instance(s) it made. */
async function runWith<H extends BaseHTTPRequestHandler>(
  Handler: HandlerClass<H>,
  input: Bytes | Bytes[],
): Promise<{ res: RawExchange; handler: H }> {
  const seen: H[] = [];
  const Base = Handler as unknown as new (...args: unknown[]) => H;
  class Tracked extends (Base as new (...args: unknown[]) => BaseHTTPRequestHandler) {
    constructor(...args: unknown[]) {
      super(...(args as [never, never, never]));
      seen.push(this as unknown as H);
    }
  }
  const res = await within(handleRawRequest(Tracked, input), 5000, "handleRawRequest");
  expect(seen).to.have.length(1);
  return { res, handler: seen[0]! };
}

async function rawOf(Handler: HandlerClass<BaseHTTPRequestHandler>, input: Bytes | Bytes[]): Promise<RawExchange> {
  return within(handleRawRequest(Handler, input), 5000, "handleRawRequest");
}


/** The body of Python's `SocketlessRequestHandler.do_GET`. */
const DATA = "<html><body>Data</body></html>\r\n";

/** CPython's SocketlessRequestHandler: protocol HTTP/1.1, records do_GET, logs nothing. */
class SocketlessHandler extends BaseHTTPRequestHandler {
  getCalled = false;
  override protocol_version = "HTTP/1.1";
  do_GET(): void {
    this.getCalled = true;
    py(this).send_response(HTTPStatus.OK);
    py(this).send_header("Content-Type", "text/html");
    py(this).end_headers();
    this.wfile.write(DATA);
  }
  override log_message(): void {}
}

/** CPython's RejectingSocketlessRequestHandler: refuses `Expect: 100-continue`. */
class RejectingHandler extends SocketlessHandler {
  override handle_expect_100(): boolean {
    py(this).send_error(HTTPStatus.EXPECTATION_FAILED);
    return false;
  }
}

function countStarting(result: Buffer[], prefix: string): number {
  return result.filter((l) => latin1(l).startsWith(prefix)).length;
}

function verifyExpectedHeaders(headerLines: Buffer[]): void {
  for (const name of ["Server: ", "Date: ", "Content-Type: "]) {
    expect(countStarting(headerLines, name), name).to.equal(1);
  }
}

describe("BaseHTTPRequestHandler (in memory)", () => {
  describe("CPython BaseHTTPRequestHandlerTestCase", () => {
    async function sendTypicalRequest(input: Bytes, Handler: HandlerClass<SocketlessHandler> = SocketlessHandler) {
      const { res, handler } = await runWith(Handler, input);
      expect(res.error).to.equal(null);
      return { result: lines(res.raw), handler, res };
    }

    it("test_unprintable_not_logged: control characters are escaped in log lines", async () => {
      const { handler } = await socketless(SocketlessHandler);
      py(handler).client_address = ["127.0.0.1", 1337];
      const base = BaseHTTPRequestHandler.prototype as unknown as Py;
      const err = await captureStderr(() => {
        base.log_message.call(handler, "/foo");
        base.log_message.call(handler, "/\x1bbar\x00\x1b");
        base.log_message.call(handler, "/spam %s.", "a");
        base.log_message.call(handler, "/spam %s.", "\x1b\x7f\x9f\xa0beans");
        base.log_message.call(handler, '"GET /foo\\b"ar\x07 HTTP/1.0"');
      });
      expect(err).not.to.include("\x1b");
      expect(err).not.to.include("\x00");
      const out = err.split("\n");
      expect(out[0]).to.include("/foo");
      expect(out[1]).to.include("/\\x1bbar\\x00\\x1b");
      expect(out[2]).to.include("/spam a.");
      expect(out[3]).to.include("/spam \\x1b\\x7f\\x9f\xa0beans.");
      expect(out[4]).to.include('"GET /foo\\\\b"ar\\x07 HTTP/1.0"');
      for (const line of out.slice(0, 5)) expect(line).to.match(/^127\.0\.0\.1 - - \[\d\d\/\w{3}\/\d{4} \d\d:\d\d:\d\d\] /);
    });

    it("test_http_1_1", async () => {
      const { result, handler } = await sendTypicalRequest("GET / HTTP/1.1\r\n\r\n");
      expect(latin1(result[0]!)).to.match(/HTTP\/1\.[0-9]+ 200 OK/);
      verifyExpectedHeaders(result.slice(1, -1));
      expect(handler.getCalled).to.equal(true);
      expect(latin1(result.at(-1)!)).to.equal(DATA);
      expect(handler.requestline).to.equal("GET / HTTP/1.1");
      expect(handler.command).to.equal("GET");
      expect(handler.path).to.equal("/");
      expect(py(handler).request_version).to.equal("HTTP/1.1");
      expect(handler.headers.items()).to.deep.equal([]);
    });

    it("test_http_1_0", async () => {
      const { result, handler } = await sendTypicalRequest("GET / HTTP/1.0\r\n\r\n");
      expect(latin1(result[0]!)).to.match(/HTTP\/1\.[0-9]+ 200 OK/);
      verifyExpectedHeaders(result.slice(1, -1));
      expect(handler.getCalled).to.equal(true);
      expect(latin1(result.at(-1)!)).to.equal(DATA);
      expect(handler.requestline).to.equal("GET / HTTP/1.0");
      expect(handler.command).to.equal("GET");
      expect(handler.path).to.equal("/");
      expect(py(handler).request_version).to.equal("HTTP/1.0");
      expect(handler.headers.items()).to.deep.equal([]);
    });

    it("test_http_0_9: an explicit HTTP/0.9 request gets the body only", async () => {
      const { result, handler } = await sendTypicalRequest("GET / HTTP/0.9\r\n\r\n");
      expect(result).to.have.length(1);
      expect(latin1(result[0]!)).to.equal(DATA);
      expect(handler.getCalled).to.equal(true);
    });

    it("test_extra_space: a four-word request line is a 400 with a status line and headers", async () => {
      const { result, handler } = await sendTypicalRequest("GET /spaced out HTTP/1.1\r\nHost: dummy\r\n\r\n");
      expect(latin1(result[0]!)).to.match(/^HTTP\/1\.1 400 /);
      const blank = result.findIndex((l) => latin1(l) === "\r\n");
      expect(blank).to.be.greaterThan(0);
      verifyExpectedHeaders(result.slice(1, blank));
      expect(handler.getCalled).to.equal(false);
      expect(py(handler).request_version).to.equal(""); // 3.14
    });

    it("test_with_continue_1_0: Expect is ignored for HTTP/1.0 requests", async () => {
      const { result, handler } = await sendTypicalRequest("GET / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n");
      expect(latin1(result[0]!)).to.match(/HTTP\/1\.[0-9]+ 200 OK/);
      verifyExpectedHeaders(result.slice(1, -1));
      expect(handler.getCalled).to.equal(true);
      expect(latin1(result.at(-1)!)).to.equal(DATA);
      expect(handler.requestline).to.equal("GET / HTTP/1.0");
      expect(handler.command).to.equal("GET");
      expect(handler.path).to.equal("/");
      expect(py(handler).request_version).to.equal("HTTP/1.0");
      expect(handler.headers.items()).to.deep.equal([["Expect", "100-continue"]]);
    });

    it("test_with_continue_1_1: 100 Continue precedes the response", async () => {
      const { result, handler } = await sendTypicalRequest("GET / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n");
      expect(latin1(result[0]!)).to.equal("HTTP/1.1 100 Continue\r\n");
      expect(latin1(result[1]!)).to.equal("\r\n");
      expect(latin1(result[2]!)).to.equal("HTTP/1.1 200 OK\r\n");
      verifyExpectedHeaders(result.slice(2, -1));
      expect(handler.getCalled).to.equal(true);
      expect(latin1(result.at(-1)!)).to.equal(DATA);
      expect(handler.requestline).to.equal("GET / HTTP/1.1");
      expect(handler.command).to.equal("GET");
      expect(handler.path).to.equal("/");
      expect(py(handler).request_version).to.equal("HTTP/1.1");
      expect(handler.headers.items()).to.deep.equal([["Expect", "100-continue"]]);
    });

    it("test_header_buffering_of_send_error: headers in one write, the page in another", async () => {
      const { handler, wfile } = await socketless(SocketlessHandler, "GET / HTTP/1.1\r\n\r\n");
      py(handler).request_version = "HTTP/1.1";
      handler.requestline = "";
      handler.command = null;
      py(handler).send_error(418);
      expect(wfile.chunks).to.have.length(2);
      expect(latin1(wfile.chunks[0]!)).to.match(/^HTTP\/1\.1 418 I'm a Teapot\r\n[\s\S]*\r\n\r\n$/);
      expect(latin1(wfile.chunks[1]!)).to.match(/^<!DOCTYPE HTML>/);
    });

    it("test_header_buffering_of_send_response_only", async () => {
      const { handler, wfile } = await socketless(SocketlessHandler, "GET / HTTP/1.1\r\n\r\n");
      py(handler).request_version = "HTTP/1.1";
      py(handler).send_response_only(418);
      expect(wfile.chunks).to.have.length(0);
      py(handler).end_headers();
      expect(wfile.chunks).to.have.length(1);
      expect(latin1(wfile.getvalue())).to.equal("HTTP/1.1 418 I'm a Teapot\r\n\r\n");
    });

    it("test_header_buffering_of_send_header", async () => {
      const { handler, wfile } = await socketless(SocketlessHandler, "GET / HTTP/1.1\r\n\r\n");
      py(handler).request_version = "HTTP/1.1";
      py(handler).send_header("Foo", "foo");
      py(handler).send_header("bar", "bar");
      expect(wfile.chunks).to.have.length(0);
      py(handler).end_headers();
      expect(latin1(wfile.getvalue())).to.equal("Foo: foo\r\nbar: bar\r\n\r\n");
      expect(wfile.chunks).to.have.length(1);
    });

    it("test_header_unbuffered_when_continue: 100 Continue is written before do_GET runs", async () => {
      const { handler, wfile } = await socketless(SocketlessHandler, "GET / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n");
      py(handler).request_version = "HTTP/1.1";
      await within(py(handler).handle_one_request(), 2000, "handle_one_request");
      expect(wfile.getvalue().length).to.be.greaterThan(0);
      const result = latin1(wfile.getvalue()).split("\r\n");
      expect(result[0]).to.equal("HTTP/1.1 100 Continue");
      expect(result[1]).to.equal("");
      expect(result[2]).to.equal("HTTP/1.1 200 OK");
      expect(latin1(wfile.chunks[0]!)).to.equal("HTTP/1.1 100 Continue\r\n\r\n");
    });

    it("test_with_continue_rejected: an overridden handle_expect_100 answers 417 and skips do_GET", async () => {
      const { result, handler } = await sendTypicalRequest(
        "GET / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n",
        RejectingHandler,
      );
      expect(latin1(result[0]!)).to.equal("HTTP/1.1 417 Expectation Failed\r\n");
      verifyExpectedHeaders(result.slice(1, -1));
      expect(handler.getCalled).to.equal(false);
      expect(result.slice(1, -1).filter((r) => latin1(r) === "Connection: close\r\n")).to.have.length(1);
    });

    it("test_request_length: a request line over 65536 bytes is a 414 (3.14 phrase)", async () => {
      const { result, handler } = await sendTypicalRequest("GET " + "x".repeat(65537));
      expect(latin1(result[0]!)).to.equal("HTTP/1.1 414 URI Too Long\r\n");
      expect(handler.getCalled).to.equal(false);
      expect(handler.requestline).to.be.a("string").and.equal("");
    });

    it("test_header_length: a header line over 65536 bytes is a 431", async () => {
      const { result, handler } = await sendTypicalRequest(
        "GET / HTTP/1.1\r\nX-Foo: bar" + "r".repeat(65537) + "\r\n\r\n",
      );
      expect(latin1(result[0]!)).to.equal("HTTP/1.1 431 Line too long\r\n");
      expect(handler.getCalled).to.equal(false);
      expect(handler.requestline).to.equal("GET / HTTP/1.1");
    });

    it("test_too_many_headers: 101 header lines are a 431", async () => {
      const { result, handler } = await sendTypicalRequest("GET / HTTP/1.1\r\n" + "X-Foo: bar\r\n".repeat(101) + "\r\n");
      expect(latin1(result[0]!)).to.equal("HTTP/1.1 431 Too many headers\r\n");
      expect(handler.getCalled).to.equal(false);
      expect(handler.requestline).to.equal("GET / HTTP/1.1");
    });

    it("test_html_escape_on_error: the method echoed in the error page is HTML-escaped", async () => {
      const { res } = await sendTypicalRequest('<script>alert("hello")</script> / HTTP/1.1');
      const text = latin1(res.raw);
      expect(text).to.include('&lt;script&gt;alert("hello")&lt;/script&gt;');
      expect(res.body.toString("latin1")).not.to.include("<script>");
    });

    it("test_close_connection: handle() repeats handle_one_request until close_connection", async () => {
      const { handler } = await socketless(SocketlessHandler);
      let values: boolean[] = [];
      let calls = 0;
      handler.handleOneRequest = async () => {
        calls++;
        if (values.length === 0) throw new Error("handle_one_request called once too often");
        handler.closeConnection = values.shift()!;
      };
      values = [true];
      await handler.handle();
      expect(values).to.deep.equal([]);
      expect(calls).to.equal(1);
      values = [false, false, true];
      await handler.handle();
      expect(values).to.deep.equal([]);
      expect(calls).to.equal(4);
    });

    it("test_date_time_string: IMF-fixdate with the handler's day and month names", async () => {
      const { handler } = await socketless(SocketlessHandler);
      const now = Date.now() / 1000;
      const d = new Date(Math.floor(now) * 1000);
      const two = (n: number): string => String(n).padStart(2, "0");
      const expected =
        `${handler.weekdayname[(d.getUTCDay() + 6) % 7]}, ${two(d.getUTCDate())} ` +
        `${handler.monthname[d.getUTCMonth() + 1]} ${d.getUTCFullYear()} ` +
        `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} GMT`;
      expect(py(handler).date_time_string(now)).to.equal(expected);
      expect(handler.dateTimeString(784111777)).to.equal("Sun, 06 Nov 1994 08:49:37 GMT");
      expect(handler.dateTimeString()).to.match(/^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT$/);
    });
  });

  describe("CPython BaseHTTPServerTestCase, in memory", () => {
    async function request(input: Bytes | Bytes[]): Promise<RawExchange> {
      const res = await rawOf(CPythonServerTestHandler, input);
      expect(res.error).to.equal(null);
      return res;
    }

    it("test_command: GET without do_GET is 501", async () => {
      const res = await request(clientRequest("GET", "/"));
      expect(res.status).to.equal(HTTPStatus.NOT_IMPLEMENTED);
      expect(res.reason).to.equal("Unsupported method ('GET')");
    });

    it("test_request_line_trimming: a version with a stray LF is trimmed", async () => {
      const res = await request(clientRequest("XYZBOGUS", "/", "HTTP/1.1\n"));
      expect(res.status).to.equal(HTTPStatus.NOT_IMPLEMENTED);
      expect(res.responses).to.have.length(1);
    });

    for (const [name, version] of [
      ["test_version_bogus", "FUBAR"],
      ["test_version_digits", "HTTP/9.9.9"],
      ["test_version_signs_and_underscores", "HTTP/-9_9_9.+9_9_9"],
      ["test_major_version_number_too_long", "HTTP/909876543210.0"],
      ["test_minor_version_number_too_long", "HTTP/1.909876543210"],
    ] as const) {
      it(`${name}: ${version} is a 400`, async () => {
        const res = await request(clientRequest("GET", "/", version));
        expect(res.status).to.equal(HTTPStatus.BAD_REQUEST);
        expect(res.reason).to.equal(`Bad request version ('${version}')`);
        expect(res.version).to.equal("HTTP/1.1");
      });
    }

    it("test_version_none_get: a version-less GET is answered at once (no do_GET: 501)", async () => {
      const res = await request(clientRequest("GET", "/", ""));
      expect(res.status).to.equal(HTTPStatus.NOT_IMPLEMENTED);
      expect(res.responses).to.have.length(1);
    });

    it("test_version_none: a version-less non-GET is a 400", async () => {
      const res = await request(clientRequest("CUSTOM", "/", ""));
      expect(res.status).to.equal(HTTPStatus.BAD_REQUEST);
      expect(res.reason).to.equal("Bad HTTP/0.9 request type ('CUSTOM')");
    });

    it("test_version_invalid: HTTP/9.9 is a 505", async () => {
      const res = await request(clientRequest("GET", "/", "HTTP/9.9"));
      expect(res.status).to.equal(HTTPStatus.HTTP_VERSION_NOT_SUPPORTED);
      expect(res.reason).to.equal("Invalid HTTP version (9.9)");
    });

    it("test_send_blank: an empty method and version give a one-word line: 400", async () => {
      // http.client turns the empty URL into "/": the line is " / ".
      const res = await request(clientRequest("", "/", ""));
      expect(res.status).to.equal(HTTPStatus.BAD_REQUEST);
      expect(res.reason).to.equal("Bad request syntax (' / ')");
    });

    it("test_header_close", async () => {
      const res = await request(clientRequest("GET", "/", "HTTP/1.1", ["Connection: close"]));
      expect(res.status).to.equal(HTTPStatus.NOT_IMPLEMENTED);
    });

    it("test_header_keep_alive", async () => {
      const res = await request(clientRequest("GET", "/", "HTTP/1.1", ["Connection: keep-alive"]));
      expect(res.status).to.equal(HTTPStatus.NOT_IMPLEMENTED);
    });

    it("test_handler: do_TEST answers 204", async () => {
      const res = await request(clientRequest("TEST", "/"));
      expect(res.status).to.equal(HTTPStatus.NO_CONTENT);
      expect(res.header("Content-Type")).to.equal("text/html");
    });

    it("test_return_header_keep_alive: Connection: keep-alive keeps the connection for the next request", async () => {
      const res = await request([clientRequest("KEEP", "/"), clientRequest("TEST", "/")]);
      expect(res.responses).to.have.length(2);
      expect(res.responses[0]!.header("Connection")).to.equal("keep-alive");
      expect(res.responses[1]!.status).to.equal(HTTPStatus.NO_CONTENT);
      expect(res.responses[1]!.header("Connection")).to.equal("close");
    });

    it("test_internal_key_error: send_error(999) uses ??? for the unknown code", async () => {
      const res = await request(clientRequest("KEYERROR", "/"));
      expect(res.status).to.equal(999);
      expect(res.reason).to.equal("???");
      expect(res.text).to.include("<p>Error code explanation: 999 - ???.</p>");
    });

    it("test_return_custom_status: send_response(999) has an empty reason", async () => {
      const res = await request(clientRequest("CUSTOM", "/"));
      expect(res.status).to.equal(999);
      expect(res.statusLine).to.equal("HTTP/1.1 999 ");
    });

    it("test_return_explain_error: message and explanation make the page", async () => {
      const res = await request(clientRequest("EXPLAINERROR", "/"));
      expect(res.status).to.equal(999);
      expect(Number(res.header("Content-Length"))).to.be.greaterThan(0);
      expect(Number(res.header("Content-Length"))).to.equal(res.body.length);
      expect(res.text).to.include("<p>Message: Short Message.</p>");
      expect(res.text).to.include("<p>Error code explanation: 999 - This is a long \n explanation.</p>");
    });

    it("test_latin1_header: headers travel as Latin-1 both ways", async () => {
      const req = Buffer.concat([
        clientRequest("LATINONEHEADER", "/", "HTTP/1.1", ["X-Special-Incoming: Ärger mit Unicode"]),
      ]);
      expect(req.includes(Buffer.from([0xc4]))).to.equal(true); // Ä as one Latin-1 byte
      const res = await request(req);
      expect(res.header("X-Special")).to.equal("Dängerous Mind");
      expect(res.raw.includes(Buffer.from("X-Special: D\xe4ngerous Mind\r\n", "latin1"))).to.equal(true);
      expect(res.body.equals(Buffer.from("Ärger mit Unicode", "utf8"))).to.equal(true);
    });

    it("test_error_content_length: error pages carry their exact length", async () => {
      const res = await request(clientRequest("NOTFOUND", "/"));
      expect(res.status).to.equal(HTTPStatus.NOT_FOUND);
      expect(Number(res.header("Content-Length"))).to.equal(res.body.length);
      expect(res.raw.length).to.equal(res.raw.indexOf("\r\n\r\n") + 4 + res.body.length);
    });

    for (const code of [204, 304, 102, 205, 101]) {
      it(`test_send_error: send_error(${code}) has no body, no Content-Length, no Content-Type`, async () => {
        const res = await request(clientRequest("SEND_ERROR", `/${code}`));
        expect(res.status).to.equal(code);
        expect(res.header("Content-Length")).to.equal(undefined);
        expect(res.header("Content-Type")).to.equal(undefined);
        expect(res.header("Transfer-Encoding")).to.equal(undefined);
        expect(res.body.length).to.equal(0);
        expect(latin1(res.raw).endsWith("\r\n\r\n")).to.equal(true);
        expect(res.raw.indexOf("\r\n\r\n")).to.equal(res.raw.length - 4);
      });
    }

    for (const code of [200, 204, 304, 205, 101]) {
      it(`test_head_via_send_error: HEAD with send_error(${code}) sends headers only`, async () => {
        const res = await request(clientRequest("HEAD", `/${code}`));
        expect(res.status).to.equal(code);
        if (code === 200) {
          expect(Number(res.header("Content-Length"))).to.be.greaterThan(0);
          expect(res.header("Content-Type")).to.include("text/html");
        } else {
          expect(res.header("Content-Length")).to.equal(undefined);
          expect(res.header("Content-Type")).to.equal(undefined);
        }
        expect(res.header("Transfer-Encoding")).to.equal(undefined);
        expect(res.raw.indexOf("\r\n\r\n")).to.equal(res.raw.length - 4);
      });
    }
  });

  describe("CPython HTTP09ServerTestCase, in memory", () => {
    class Http09Handler extends BaseHTTPRequestHandler {
      override log_message(): void {}
      do_GET(): void {
        this.wfile.write(`OK: here is ${this.path}\r\n`);
      }
    }

    it("test_simple_get: a bare GET line is answered with the body only", async () => {
      const res = await rawOf(Http09Handler, "GET /index.html\r\n");
      expect(latin1(res.raw)).to.equal("OK: here is /index.html\r\n");
      expect(res.statusLine).to.equal(null);
    });

    it("test_invalid_request: a bare POST line is a 400 with a status line (3.14)", async () => {
      const res = await rawOf(Http09Handler, "POST /index.html\r\n");
      expect(latin1(res.raw)).to.include("Bad HTTP/0.9 request type ('POST')");
      expect(res.statusLine).to.equal("HTTP/1.0 400 Bad HTTP/0.9 request type ('POST')");
    });

    it("test_single_request: nothing after an HTTP/0.9 request is processed", async () => {
      const res = await rawOf(Http09Handler, "GET /foo.html\r\nGET /bar.html\r\n");
      expect(latin1(res.raw)).to.equal("OK: here is /foo.html\r\n");
    });

    it("does not read headers after an HTTP/0.9 line (headers stay empty)", async () => {
      const { handler, res } = await runWith(Http09Handler, "GET /a\r\nHost: x\r\n\r\n");
      expect(latin1(res.raw)).to.equal("OK: here is /a\r\n");
      expect(handler.headers.items()).to.deep.equal([]);
      expect(py(handler).request_version).to.equal("HTTP/0.9");
    });
  });

  describe("CPython RequestHandlerLoggingTestCase, in memory", () => {
    class LoggingHandler extends BaseHTTPRequestHandler {
      override protocol_version = "HTTP/1.1";
      override default_request_version = "HTTP/1.1";
      do_GET(): void {
        py(this).send_response(HTTPStatus.OK);
        py(this).end_headers();
      }
      do_ERROR(): void {
        py(this).send_error(HTTPStatus.NOT_FOUND, "File not found");
      }
    }

    it("test_get: the request is logged as '\"GET / HTTP/1.1\" 200 -'", async () => {
      const res = await rawOf(LoggingHandler, "GET / HTTP/1.1\r\n\r\n");
      expect(res.logs.join("")).to.match(/"GET \/ HTTP\/1\.1" 200 -\n$/);
      expect(res.logs[0]).to.match(/^127\.0\.0\.1 - - \[\d\d\/\w{3}\/\d{4} \d\d:\d\d:\d\d\] "GET \/ HTTP\/1\.1" 200 -\n$/);
    });

    it("test_err: an error logs two lines", async () => {
      const res = await rawOf(LoggingHandler, "ERROR / HTTP/1.1\r\n\r\n");
      const out = res.logs.join("").split("\n");
      expect(out[0]).to.match(/code 404, message File not found$/);
      expect(out[1]).to.match(/"ERROR \/ HTTP\/1\.1" 404 -$/);
    });
  });

  describe("request parsing (reference 6.2, 6.3)", () => {
    /** Answers every method with a framed body naming what it saw. */
    class Echo extends BaseHTTPRequestHandler {
      reply(): void {
        const body = Buffer.from(`${this.command} ${this.path} ${py(this).request_version}`, "latin1");
        this.sendResponse(200);
        this.sendHeader("Content-Length", body.length);
        this.endHeaders();
        this.wfile.write(body);
      }
      do_GET(): void {
        this.reply();
      }
      do_POST(): void {
        this.reply();
      }
    }
    class Echo11 extends Echo {
      override protocol_version = "HTTP/1.1";
    }

    const keepAlive: Array<[string, typeof Echo, string, number]> = [
      ["HTTP/1.1 request, HTTP/1.1 server: kept open", Echo11, "GET / HTTP/1.1\r\n\r\n", 2],
      ["HTTP/1.1 + Connection: close: closed", Echo11, "GET / HTTP/1.1\r\nConnection: close\r\n\r\n", 1],
      ["HTTP/1.1 + Connection: CLOSE (any case): closed", Echo11, "GET / HTTP/1.1\r\nConnection: CLOSE\r\n\r\n", 1],
      ["HTTP/1.1 + 'close, TE' (not exactly close): kept open", Echo11, "GET / HTTP/1.1\r\nConnection: close, TE\r\n\r\n", 2],
      ["HTTP/1.0 request: closed", Echo11, "GET / HTTP/1.0\r\n\r\n", 1],
      ["HTTP/1.0 + Connection: keep-alive: kept open", Echo11, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 2],
      ["HTTP/0.9 request: closed", Echo11, "GET /\r\n", 1],
      ["HTTP/1.2 counts as 1.1 or later", Echo11, "GET / HTTP/1.2\r\n\r\n", 2],
      ["HTTP/01.01 (leading zeros) counts as 1.1", Echo11, "GET / HTTP/01.01\r\n\r\n", 2],
      ["HTTP/1.0 server: always closed", Echo, "GET / HTTP/1.1\r\n\r\n", 1],
      ["HTTP/1.0 server ignores Connection: keep-alive", Echo, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 1],
    ];
    for (const [title, Handler, req, count] of keepAlive) {
      it(`keep-alive: ${title}`, async () => {
        const res = await rawOf(Handler, [req, req]);
        expect(res.error).to.equal(null);
        expect(res.responses).to.have.length(count);
      });
    }

    it("the status line carries the server's protocol version, not the request's", async () => {
      const res = await rawOf(Echo, "GET / HTTP/1.1\r\n\r\n");
      expect(res.statusLine).to.equal("HTTP/1.0 200 OK");
      expect(res.text).to.equal("GET / HTTP/1.1");
    });

    it("a stray blank line between keep-alive requests ends the connection silently", async () => {
      const res = await rawOf(Echo11, "GET /a HTTP/1.1\r\n\r\n\r\nGET /b HTTP/1.1\r\n\r\n");
      expect(res.responses).to.have.length(1);
      expect(res.text).to.equal("GET /a HTTP/1.1");
    });

    it("an empty or blank request sends nothing and logs nothing", async () => {
      for (const input of ["", "\r\n", "   \r\n", "\t\x0b\x0c\r\n"]) {
        const res = await rawOf(Echo, input);
        expect(res.raw.length, JSON.stringify(input)).to.equal(0);
        expect(res.logs).to.deep.equal([]);
        expect(res.error).to.equal(null);
      }
    });

    it("words are split on Python's whitespace (0x1c-0x1f, 0x85, 0xa0 included)", async () => {
      for (const sep of ["\x1c", "\x1f", "\x85", "\xa0", "\t", "  \x0b "]) {
        const res = await rawOf(Echo, Buffer.from(`GET${sep}/p${sep}HTTP/1.0\r\n\r\n`, "latin1"));
        expect(res.text, JSON.stringify(sep)).to.equal("GET /p HTTP/1.0");
      }
    });

    it("trailing CR and LF characters are all stripped from the request line", async () => {
      const { handler } = await runWith(Echo, "GET /x HTTP/1.0\r\r\r\n\r\n");
      expect(handler.requestline).to.equal("GET /x HTTP/1.0");
      expect(latin1(py(handler).raw_requestline)).to.equal("GET /x HTTP/1.0\r\r\r\n");
    });

    it("a LF-only request is accepted", async () => {
      const res = await rawOf(Echo, "GET /lf HTTP/1.0\nHost: x\n\n");
      expect(res.text).to.equal("GET /lf HTTP/1.0");
    });

    it("leading slashes are collapsed (open-redirect guard); absolute targets are kept", async () => {
      expect((await rawOf(Echo, "GET //evil.example/x HTTP/1.0\r\n\r\n")).text).to.equal("GET /evil.example/x HTTP/1.0");
      expect((await rawOf(Echo, "GET ////a//b HTTP/1.0\r\n\r\n")).text).to.equal("GET /a//b HTTP/1.0");
      expect((await rawOf(Echo, "GET http://h/x HTTP/1.0\r\n\r\n")).text).to.equal("GET http://h/x HTTP/1.0");
    });

    it("methods dispatch case-sensitively to do_<METHOD>", async () => {
      const res = await rawOf(Echo, "get / HTTP/1.0\r\n\r\n");
      expect(res.status).to.equal(501);
      expect(res.reason).to.equal("Unsupported method ('get')");
    });

    it("an async do_GET is awaited before the next request is read", async () => {
      const order: string[] = [];
      class Slow extends BaseHTTPRequestHandler {
        override protocol_version = "HTTP/1.1";
        override log_message(): void {}
        async do_GET(): Promise<void> {
          order.push(`start ${this.path}`);
          await delay(20);
          this.sendResponse(200);
          this.sendHeader("Content-Length", 1);
          this.endHeaders();
          this.wfile.write(this.path.slice(1));
          order.push(`end ${this.path}`);
        }
      }
      const res = await rawOf(Slow, "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n");
      expect(order).to.deep.equal(["start /a", "end /a", "start /b", "end /b"]);
      expect(res.responses.map((r) => r.text)).to.deep.equal(["a", "b"]);
    });

    const errors: Array<[string, string, number, string]> = [
      ["bogus version", "GET / HTTP/x\r\n\r\n", 400, "Bad request version ('HTTP/x')"],
      ["four words", "GET / x HTTP/1.0\r\n\r\n", 400, "Bad request syntax ('GET / x HTTP/1.0')"],
      ["one word", "GET\r\n", 400, "Bad request syntax ('GET')"],
      ["bare POST", "POST /\r\n", 400, "Bad HTTP/0.9 request type ('POST')"],
      ["HTTP/2.0", "GET / HTTP/2.0\r\n\r\n", 505, "Invalid HTTP version (2.0)"],
      ["11-digit minor", "GET / HTTP/1.00000000001\r\n\r\n", 400, "Bad request version ('HTTP/1.00000000001')"],
      ["three-part version", "GET / HTTP/1.1.1\r\n\r\n", 400, "Bad request version ('HTTP/1.1.1')"],
      ["lower-case http", "GET / http/1.1\r\n\r\n", 400, "Bad request version ('http/1.1')"],
      ["repr uses double quotes around a '", "GET / HTTP/1'0\r\n\r\n", 400, `Bad request version ("HTTP/1'0")`],
    ];
    for (const [title, input, code, reason] of errors) {
      it(`malformed request line (${title}) gets a status line and headers (3.14)`, async () => {
        const { res, handler } = await runWith(Echo, input);
        expect(res.statusLine).to.equal(`HTTP/1.0 ${code} ${reason}`);
        expect(res.header("Connection")).to.equal("close");
        expect(res.header("Content-Type")).to.equal(DEFAULT_ERROR_CONTENT_TYPE);
        expect(res.responses).to.have.length(1);
        if (code === 400) expect(py(handler).request_version).to.equal("");
        expect(res.logs[0]).to.match(new RegExp(`code ${code}, message `));
      });
    }

    it("up to 10 digits per version part are fine, with leading zeros", async () => {
      const res = await rawOf(Echo11, "GET / HTTP/0000000001.0000000001\r\n\r\n");
      expect(res.status).to.equal(200);
      expect(res.responses).to.have.length(1);
    });

    it("a request line of exactly 65536 bytes is accepted; 65537 is a 414", async () => {
      const fill = (n: number): string => "GET /" + "a".repeat(n - "GET / HTTP/1.0\r\n".length) + " HTTP/1.0\r\n";
      const ok = fill(65536);
      expect(ok.length).to.equal(65536);
      expect((await rawOf(Echo, ok + "\r\n")).status).to.equal(200);
      const { res, handler } = await runWith(Echo, fill(65537) + "\r\n");
      expect(res.statusLine).to.equal("HTTP/1.0 414 URI Too Long");
      expect(handler.command).to.equal("");
      expect(py(handler).request_version).to.equal("");
      expect(res.logs[1]).to.match(/\] "" 414 -\n$/);
    });

    it("99 headers pass, 100 are too many", async () => {
      const head = (n: number): string => "GET / HTTP/1.0\r\n" + "X-A: 1\r\n".repeat(n) + "\r\n";
      expect((await rawOf(Echo, head(99))).status).to.equal(200);
      const res = await rawOf(Echo, head(100));
      expect(res.statusLine).to.equal("HTTP/1.0 431 Too many headers");
      expect(res.text).to.include("got more than 100 headers");
    });

    it("a header line of exactly 65536 bytes passes, 65537 is too long", async () => {
      const line = (n: number): string => "X-A: " + "b".repeat(n - 7) + "\r\n";
      expect(line(65536).length).to.equal(65536);
      expect((await rawOf(Echo, "GET / HTTP/1.0\r\n" + line(65536) + "\r\n")).status).to.equal(200);
      const res = await rawOf(Echo, "GET / HTTP/1.0\r\n" + line(65537) + "\r\n");
      expect(res.statusLine).to.equal("HTTP/1.0 431 Line too long");
      expect(res.text).to.include("got more than 65536 bytes when reading header line");
    });

    it("headers end at a bare LF line or at end of input", async () => {
      const { handler } = await runWith(Echo, "GET / HTTP/1.0\r\nA: 1\r\nB: 2");
      expect(handler.headers.items()).to.deep.equal([["A", "1"], ["B", "2"]]);
    });

    it("headers are parsed into a case-insensitive message (first value wins)", async () => {
      const { handler } = await runWith(Echo, "GET / HTTP/1.0\r\nX-Dup: 1\r\nx-dup: 2\r\nHost: h\r\n\r\n");
      expect(handler.headers.get("X-DUP")).to.equal("1");
      expect(handler.headers.getAll("x-dup")).to.deep.equal(["1", "2"]);
      expect(handler.headers.get("Missing")).to.equal(undefined);
    });

    describe("Expect: 100-continue", () => {
      const cases: Array<[string, typeof Echo, string, boolean]> = [
        ["HTTP/1.1 both sides", Echo11, "GET / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n", true],
        ["any case", Echo11, "GET / HTTP/1.1\r\nExpect: 100-Continue\r\n\r\n", true],
        ["HTTP/1.0 server", Echo, "GET / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n", false],
        ["HTTP/01.01 request (string comparison)", Echo11, "GET / HTTP/01.01\r\nExpect: 100-continue\r\n\r\n", false],
        ["other expectation", Echo11, "GET / HTTP/1.1\r\nExpect: 100-continue, x\r\n\r\n", false],
      ];
      for (const [title, Handler, input, sent] of cases) {
        it(`${sent ? "sends" : "does not send"} 100 Continue: ${title}`, async () => {
          const res = await rawOf(Handler, input);
          expect(latin1(res.raw).startsWith("HTTP/1.1 100 Continue\r\n\r\n")).to.equal(sent);
          expect(res.responses.at(-1)!.status).to.equal(200);
          // 100 Continue is not logged: only the final response is.
          expect(res.logs).to.have.length(1);
          expect(res.logs[0]).to.match(/" 200 -\n$/);
        });
      }
    });
  });

  describe("building responses (reference 6.4, 6.5)", () => {
    class Plain extends BaseHTTPRequestHandler {
      override log_message(): void {}
    }

    it("send_error: wire order is status, Server, Date, Connection, Content-Type, Content-Length", async () => {
      const { handler, wfile } = await socketless(Plain);
      py(handler).request_version = "HTTP/1.0";
      handler.sendError(404, "File not found");
      const head = latin1(wfile.chunks[0]!).split("\r\n");
      expect(head[0]).to.equal("HTTP/1.0 404 File not found");
      expect(head.slice(1, -2).map((l) => l.split(":")[0])).to.deep.equal([
        "Server",
        "Date",
        "Connection",
        "Content-Type",
        "Content-Length",
      ]);
      expect(head[1]).to.equal(`Server: BaseHTTP/0.6 Node.js/${process.versions.node}`);
      expect(head[3]).to.equal("Connection: close");
      expect(head[4]).to.equal("Content-Type: text/html;charset=utf-8");
      expect(head[5]).to.equal("Content-Length: 460"); // the 3.14 page
    });

    it("send_error: the page is the 3.14 template, byte for byte", async () => {
      const { handler, wfile } = await socketless(Plain);
      py(handler).request_version = "HTTP/1.0";
      handler.sendError(404, "File not found");
      const expected =
        "<!DOCTYPE HTML>\n" +
        '<html lang="en">\n' +
        "    <head>\n" +
        '        <meta charset="utf-8">\n' +
        '        <style type="text/css">\n' +
        "            :root {\n" +
        "                color-scheme: light dark;\n" +
        "            }\n" +
        "        </style>\n" +
        "        <title>Error response</title>\n" +
        "    </head>\n" +
        "    <body>\n" +
        "        <h1>Error response</h1>\n" +
        "        <p>Error code: 404</p>\n" +
        "        <p>Message: File not found.</p>\n" +
        "        <p>Error code explanation: 404 - Nothing matches the given URI.</p>\n" +
        "    </body>\n" +
        "</html>\n";
      expect(latin1(wfile.chunks[1]!)).to.equal(expected);
      expect(wfile.chunks[1]!.length).to.equal(460);
      expect(DEFAULT_ERROR_MESSAGE).to.include("%(code)d");
    });

    it("send_error: message and explanation are HTML-escaped (&, <, > only) in the page, not in the reason", async () => {
      const { handler, wfile } = await socketless(Plain);
      py(handler).request_version = "HTTP/1.0";
      handler.sendError(400, `a<b>&"c"'`, "<x> & y");
      const text = latin1(wfile.getvalue());
      expect(text).to.include(`HTTP/1.0 400 a<b>&"c"'\r\n`);
      expect(text).to.include(`<p>Message: a&lt;b&gt;&amp;"c"'.</p>`);
      expect(text).to.include("<p>Error code explanation: 400 - &lt;x&gt; &amp; y.</p>");
    });

    it("send_error: non-ASCII text is UTF-8 in the page and Content-Length counts bytes", async () => {
      const { handler, wfile } = await socketless(Plain);
      py(handler).request_version = "HTTP/1.0";
      handler.sendError(404, "Fichier non trouvé", "€ explanation");
      const [head, body] = wfile.chunks as [Buffer, Buffer];
      expect(body.toString("utf8")).to.include("€ explanation");
      expect(latin1(head)).to.include(`Content-Length: ${body.length}\r\n`);
      expect(head.includes(Buffer.from("trouv\xe9", "latin1"))).to.equal(true);
    });

    it("send_error on HEAD keeps Content-Length but sends no body", async () => {
      const { handler, wfile } = await socketless(Plain);
      py(handler).request_version = "HTTP/1.0";
      handler.command = "HEAD";
      handler.sendError(404);
      expect(wfile.chunks).to.have.length(1);
      expect(latin1(wfile.chunks[0]!)).to.match(/Content-Length: \d+\r\n\r\n$/);
    });

    it("error_message_format and error_content_type can be replaced by class fields", async () => {
      class Custom extends Plain {
        override error_message_format = "E%(code)d:%(message)s:%(explain)s";
        override error_content_type = "text/plain";
      }
      const res = await rawOf(Custom, "FOO / HTTP/1.0\r\n\r\n");
      expect(res.header("Content-Type")).to.equal("text/plain");
      expect(res.text).to.equal("E501:Unsupported method ('FOO'):Server does not support this operation");
    });

    it("send_error writes the same bytes, log lines and state whether or not the head methods are overridden", async () => {
      const logged: unknown[][] = [];
      class Logs extends Plain {
        override log_message(...args: unknown[]): void {
          logged.push(args);
        }
        // One fixed date, so that a second ticking over between the two runs changes nothing.
        override date_time_string(): string {
          return "Thu, 26 Nov 2026 07:00:00 GMT";
        }
      }
      // Overriding send_header (even with a pass-through) makes send_error go line by line.
      class LineByLine extends Logs {
        override send_header(keyword: string, value: unknown): void {
          super.sendHeader(keyword, value);
        }
      }
      const cases: [string, string, number, string | null, string | null][] = [
        ["HTTP/1.0", "GET", 404, null, null],
        ["HTTP/1.1", "GET", 400, "Bad <thing>", "x & y"],
        ["HTTP/1.1", "HEAD", 404, null, null],
        ["HTTP/1.0", "GET", 304, null, null],
        ["HTTP/1.1", "GET", 204, "No body", null],
        ["HTTP/1.1", "GET", 599, null, null],
        ["HTTP/0.9", "GET", 404, null, null],
      ];
      for (const [version, command, code, message, explain] of cases) {
        const outputs: { bytes: string; close: boolean; logs: unknown[][] }[] = [];
        for (const cls of [Logs, LineByLine]) {
          logged.length = 0;
          const { handler, wfile } = await socketless(cls);
          py(handler).request_version = version;
          handler.requestline = `${command} / ${version}`;
          handler.command = command;
          handler.closeConnection = false;
          handler.sendError(code, message, explain);
          outputs.push({ bytes: latin1(wfile.getvalue()), close: handler.closeConnection, logs: logged.map((l) => [...l]) });
        }
        expect(outputs[0], `${version} ${command} ${code}`).to.deep.equal(outputs[1]);
        expect(outputs[0]!.close).to.equal(true);
        expect(outputs[0]!.logs).to.have.length(2);
      }
    });

    it("send_error keeps a header buffered before it, and an end_headers override still adds its own", async () => {
      class Cors extends Plain {
        override end_headers(): void {
          this.sendHeader("Access-Control-Allow-Origin", "*");
          super.endHeaders();
        }
      }
      const { handler, wfile } = await socketless(Cors);
      py(handler).request_version = "HTTP/1.0";
      handler.sendError(404);
      expect(latin1(wfile.getvalue())).to.match(/\r\nContent-Length: \d+\r\nAccess-Control-Allow-Origin: \*\r\n\r\n/);

      const plain = await socketless(Plain);
      py(plain.handler).request_version = "HTTP/1.0";
      plain.handler.sendHeader("X-Early", "1");
      plain.handler.sendError(404);
      expect(latin1(plain.wfile.getvalue())).to.match(/^X-Early: 1\r\nHTTP\/1\.0 404 Not Found\r\n/);
    });

    it("send_error refuses a message that would split the status line, before anything is sent", async () => {
      const { handler, wfile } = await socketless(Plain);
      py(handler).request_version = "HTTP/1.0";
      expect(() => handler.sendError(400, "bad\r\nSet-Cookie: x=1")).to.throw(HeaderInjectionError);
      expect(wfile.getvalue().length).to.equal(0);
    });

    it("send_error pages are reused only for the same format, code, message and explanation", async () => {
      class Custom extends Plain {
        override error_message_format = "E%(code)d:%(message)s:%(explain)s";
      }
      const bodies: string[] = [];
      for (const [cls, code, message, explain] of [
        [Plain, 404, null, null],
        [Custom, 404, null, null],
        [Plain, 404, null, null],
        [Custom, 404, "Gone <now>", null],
        [Custom, 404, "Gone <now>", "x & y"],
        [Custom, 410, "Gone <now>", "x & y"],
        [Custom, 404, null, null],
      ] as const) {
        const { handler, wfile } = await socketless(cls);
        py(handler).request_version = "HTTP/1.0";
        handler.sendError(code, message, explain);
        const [head, body] = wfile.chunks as [Buffer, Buffer];
        expect(latin1(head)).to.include(`Content-Length: ${body.length}\r\n`);
        bodies.push(body.toString("utf8"));
      }
      expect(bodies[0]).to.include("<p>Error code: 404</p>");
      expect(bodies[2]).to.equal(bodies[0]);
      expect(bodies.slice(1)).to.deep.equal([
        "E404:Not Found:Nothing matches the given URI",
        bodies[0],
        "E404:Gone &lt;now&gt;:Nothing matches the given URI",
        "E404:Gone &lt;now&gt;:x &amp; y",
        "E410:Gone &lt;now&gt;:x &amp; y",
        "E404:Not Found:Nothing matches the given URI",
      ]);
    });

    it("send_response_only: an unknown code has an empty reason; a given message is the reason", async () => {
      const { handler, wfile } = await socketless(Plain);
      py(handler).request_version = "HTTP/1.1";
      handler.sendResponseOnly(999);
      handler.sendResponseOnly(200, "Fine");
      handler.endHeaders();
      expect(latin1(wfile.getvalue())).to.equal("HTTP/1.0 999 \r\nHTTP/1.0 200 Fine\r\n\r\n");
    });

    it("send_response logs the request and adds Server and Date", async () => {
      const logged: unknown[][] = [];
      class Logs extends BaseHTTPRequestHandler {
        override log_message(...args: unknown[]): void {
          logged.push(args);
        }
      }
      const { handler, wfile } = await socketless(Logs);
      py(handler).request_version = "HTTP/1.0";
      handler.requestline = "GET / HTTP/1.0";
      handler.sendResponse(201);
      handler.endHeaders();
      expect(logged).to.deep.equal([['"%s" %s %s', "GET / HTTP/1.0", "201", "-"]]);
      expect(latin1(wfile.getvalue())).to.match(/^HTTP\/1\.0 201 Created\r\nServer: [^\r]+\r\nDate: [^\r]+ GMT\r\n\r\n$/);
    });

    it("status line and headers are Latin-1; text beyond U+00FF is refused", async () => {
      const { handler, wfile } = await socketless(Plain);
      py(handler).request_version = "HTTP/1.0";
      handler.sendHeader("X-Ok", "caf\xe9");
      expect(() => handler.sendHeader("X-Bad", "snow ☃")).to.throw(/latin-1/);
      expect(() => handler.sendResponseOnly(200, "€")).to.throw(/latin-1/);
      handler.endHeaders();
      expect(wfile.getvalue().equals(Buffer.from("X-Ok: caf\xe9\r\n\r\n", "latin1"))).to.equal(true);
    });

    it("in HTTP/0.9 mode only bodies are written (a redirect sends nothing)", async () => {
      class Redirect extends Plain {
        do_GET(): void {
          this.sendResponse(301);
          this.sendHeader("Location", "/elsewhere");
          this.endHeaders();
        }
      }
      const res = await rawOf(Redirect, "GET /\r\n");
      expect(res.raw.length).to.equal(0);
      expect(res.error).to.equal(null);
    });

    it("send_header('Connection', ...) decides keep-alive, any case", async () => {
      const { handler } = await socketless(Plain);
      py(handler).request_version = "HTTP/1.1";
      handler.closeConnection = true;
      handler.sendHeader("connection", "Keep-Alive");
      expect(handler.closeConnection).to.equal(false);
      handler.sendHeader("CONNECTION", "close");
      expect(handler.closeConnection).to.equal(true);
      handler.sendHeader("Connection", "upgrade");
      expect(handler.closeConnection).to.equal(true);
    });

    it("version_string is server_version + sys_version, both overridable", async () => {
      class Named extends Plain {
        override server_version = "Spam/1.0";
        override sys_version = "Eggs/2.0";
        do_GET(): void {
          this.sendResponse(204);
          this.endHeaders();
        }
      }
      const res = await rawOf(Named, "GET / HTTP/1.0\r\n\r\n");
      expect(res.header("Server")).to.equal("Spam/1.0 Eggs/2.0");
      const { handler } = await socketless(Plain);
      expect(handler.versionString()).to.equal(`BaseHTTP/0.6 Node.js/${process.versions.node}`);
    });

    it("log lines escape control characters from the request line and double backslashes", async () => {
      class Logged extends BaseHTTPRequestHandler {
        do_GET(): void {
          this.sendResponse(204);
          this.endHeaders();
        }
      }
      const res = await rawOf(Logged, Buffer.from("GET /\x1b[31m\\x\x7f\x9b HTTP/1.0\r\n\r\n", "latin1"));
      expect(res.logs).to.have.length(1);
      expect(res.logs[0]).to.match(/\] "GET \/\\x1b\[31m\\\\x\\x7f\\x9b HTTP\/1\.0" 204 -\n$/);
      expect(res.logs[0]).not.to.match(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
    });

    it("address_string is the client's host", async () => {
      const res = await handleRawRequest(
        class extends BaseHTTPRequestHandler {
          do_GET(): void {
            this.sendResponse(204);
            this.endHeaders();
          }
        },
        "GET / HTTP/1.0\r\n\r\n",
        { clientAddress: ["10.1.2.3", 4444] },
      );
      expect(res.logs[0]).to.match(/^10\.1\.2\.3 - - \[/);
    });
  });

  describe("handleRawRequest itself", () => {
    class Head11 extends BaseHTTPRequestHandler {
      override protocol_version = "HTTP/1.1";
      override log_message(): void {}
      do_GET(): void {
        const body = Buffer.from(`body of ${this.path}`);
        this.sendResponse(200);
        this.sendHeader("Content-Length", body.length);
        this.endHeaders();
        if (this.command !== "HEAD") this.wfile.write(body);
      }
      do_HEAD(): void {
        this.do_GET();
      }
    }

    it("a HEAD response on a kept-alive connection does not swallow the next response", async () => {
      const res = await rawOf(Head11, [
        "HEAD /a HTTP/1.1\r\n\r\n",
        "GET /b HTTP/1.1\r\n\r\n",
        "HEAD /c HTTP/1.1\r\nExpect: 100-continue\r\n\r\n",
        "GET /d HTTP/1.1\r\n\r\n",
      ]);
      expect(res.responses.map((r) => [r.status, r.header("Content-Length"), r.text])).to.deep.equal([
        [200, "10", ""],
        [200, "10", "body of /b"],
        [100, undefined, ""],
        [200, "10", ""],
        [200, "10", "body of /d"],
      ]);
    });

    it("parseResponses({ head: true }) reads no body after a final response", async () => {
      const { parseResponses } = await import("../../../lib/http/server/testing.js");
      const raw = Buffer.from("HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nHTTP/1.0 204 No Content\r\n\r\n");
      expect(parseResponses(raw, { head: true }).map((r) => r.status)).to.deep.equal([200, 204]);
      expect(parseResponses(raw).map((r) => r.status)).to.deep.equal([200, null]);
    });

    it("never rejects: a handler whose constructor throws is reported in error", async () => {
      class Broken extends BaseHTTPRequestHandler {
        constructor(...args: unknown[]) {
          if (args.length > 0) throw new RangeError("bad construction");
          super(...(args as [never, never, never]));
        }
      }
      const res = await rawOf(Broken, "GET / HTTP/1.0\r\n\r\n");
      expect(res.error).to.be.instanceOf(RangeError);
      expect(res.raw.length).to.equal(0);
    });
  });

  describe("deviations from CPython (docs/deviations.md)", () => {
    it("a handler that throws before writing gets a 500 with Connection: close, and the error is reported", async () => {
      const boom = new Error("boom");
      class Throws extends BaseHTTPRequestHandler {
        override protocol_version = "HTTP/1.1";
        do_GET(): void {
          throw boom;
        }
      }
      const res = await rawOf(Throws, "GET / HTTP/1.1\r\n\r\nGET /again HTTP/1.1\r\n\r\n");
      expect(res.error).to.equal(boom);
      expect(res.statusLine).to.equal("HTTP/1.1 500 Internal Server Error");
      expect(res.header("Connection")).to.equal("close");
      expect(Number(res.header("Content-Length"))).to.equal(res.body.length);
      expect(res.responses).to.have.length(1); // the pipelined request is not served
      expect(res.logs[0]).to.match(/code 500, message Internal Server Error\n$/);
    });

    it("buffered but unsent headers are dropped in favour of the 500", async () => {
      class HalfWay extends BaseHTTPRequestHandler {
        override log_message(): void {}
        do_GET(): void {
          this.sendResponse(200);
          this.sendHeader("X-Partial", "yes");
          throw new Error("late");
        }
      }
      const res = await rawOf(HalfWay, "GET / HTTP/1.0\r\n\r\n");
      expect(res.status).to.equal(500);
      expect(res.responses).to.have.length(1);
      expect(latin1(res.raw)).not.to.include("X-Partial");
      expect(latin1(res.raw)).not.to.include("200 OK");
    });

    it("an async handler that rejects before writing also gets a 500", async () => {
      class Rejects extends BaseHTTPRequestHandler {
        override log_message(): void {}
        async do_POST(): Promise<void> {
          await delay(5);
          throw new TypeError("async boom");
        }
      }
      const res = await rawOf(Rejects, "POST / HTTP/1.0\r\nContent-Length: 0\r\n\r\n");
      expect(res.error).to.be.instanceOf(TypeError);
      expect(res.status).to.equal(500);
    });

    it("once output has started no 500 is appended; the partial response stays partial", async () => {
      class Partial extends BaseHTTPRequestHandler {
        override log_message(): void {}
        do_GET(): void {
          this.sendResponse(200);
          this.sendHeader("Content-Length", 100);
          this.endHeaders();
          this.wfile.write("part");
          throw new Error("midway");
        }
      }
      const res = await rawOf(Partial, "GET / HTTP/1.0\r\n\r\n");
      expect((res.error as Error).message).to.equal("midway");
      expect(res.status).to.equal(200);
      expect(latin1(res.raw)).not.to.include("500 Internal");
      expect(latin1(res.raw).endsWith("\r\n\r\npart")).to.equal(true);
    });

    it("send_header refuses CR, LF and NUL in names and values (HeaderInjectionError)", async () => {
      const { handler, wfile } = await socketless(BaseHTTPRequestHandler);
      py(handler).request_version = "HTTP/1.1";
      const bad: Array<[string, string]> = [
        ["X-A", "1\r\nSet-Cookie: evil=1"],
        ["X-A", "1\nX: y"],
        ["X-A", "1\rX: y"],
        ["X-A", "a\0b"],
        ["X-A\r\nX-B", "1"],
        ["X\nB", "1"],
        ["X\0B", "1"],
      ];
      for (const [name, value] of bad) {
        expect(() => handler.sendHeader(name, value), JSON.stringify([name, value]))
          .to.throw(HeaderInjectionError)
          .with.property("name", "HeaderInjectionError");
        expect(() => py(handler).send_header(name, value)).to.throw(TypeError);
      }
      handler.sendHeader("X-Fine", "tab\tand spaces are fine");
      handler.endHeaders();
      expect(latin1(wfile.getvalue())).to.equal("X-Fine: tab\tand spaces are fine\r\n\r\n");
    });

    it("a header injection attempt inside do_GET ends in a 500, not a split response", async () => {
      class Injects extends BaseHTTPRequestHandler {
        override log_message(): void {}
        do_GET(): void {
          this.sendResponse(302);
          this.sendHeader("Location", this.path + "\r\nSet-Cookie: a=b");
          this.endHeaders();
        }
      }
      const res = await rawOf(Injects, "GET /x HTTP/1.0\r\n\r\n");
      expect(res.error).to.be.instanceOf(HeaderInjectionError);
      expect(res.status).to.equal(500);
      expect(latin1(res.raw)).not.to.include("Set-Cookie");
    });

    describe("request bodies on kept-alive connections", () => {
      /** Reads `readFirst` bytes of the body (if any), answers with what it read. */
      function BodyHandler(readFirst: number) {
        return class extends BaseHTTPRequestHandler {
          override protocol_version = "HTTP/1.1";
          override log_message(): void {}
          async do_POST(): Promise<void> {
            const n = Math.min(readFirst, Number(this.headers.get("Content-Length") ?? 0));
            const got = n > 0 ? await this.rfile.read(n) : Buffer.alloc(0);
            const body = Buffer.concat([Buffer.from(`${this.path}:`), got]);
            this.sendResponse(200);
            this.sendHeader("Content-Length", body.length);
            this.endHeaders();
            this.wfile.write(body);
          }
          do_GET(): Promise<void> {
            return this.do_POST();
          }
        };
      }

      it("an unread small body is skipped so the next pipelined request parses", async () => {
        const res = await rawOf(
          BodyHandler(0),
          "POST /a HTTP/1.1\r\nContent-Length: 11\r\n\r\nGET /evil\r\nGET /b HTTP/1.1\r\n\r\n",
        );
        expect(res.responses.map((r) => [r.status, r.text])).to.deep.equal([
          [200, "/a:"],
          [200, "/b:"],
        ]);
      });

      it("a partly read body has its rest skipped", async () => {
        const res = await rawOf(
          BodyHandler(4),
          "POST /a HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789POST /b HTTP/1.1\r\nContent-Length: 4\r\n\r\nwxyz",
        );
        expect(res.responses.map((r) => r.text)).to.deep.equal(["/a:0123", "/b:wxyz"]);
      });

      it("exactly 1 MiB left unread is still skipped", async () => {
        const mib = 1024 * 1024;
        const res = await rawOf(BodyHandler(0), [
          `POST /a HTTP/1.1\r\nContent-Length: ${mib}\r\n\r\n`,
          Buffer.alloc(mib, 0x41),
          "GET /b HTTP/1.1\r\n\r\n",
        ]);
        expect(res.responses.map((r) => r.text)).to.deep.equal(["/a:", "/b:"]);
      });

      it("more than 1 MiB left unread closes the connection instead", async () => {
        const res = await rawOf(BodyHandler(0), [
          `POST /a HTTP/1.1\r\nContent-Length: ${1024 * 1024 + 1}\r\n\r\n`,
          "GET /b HTTP/1.1\r\n\r\n",
        ]);
        expect(res.responses.map((r) => r.text)).to.deep.equal(["/a:"]);
      });

      it("a body cut short by the client closes the connection", async () => {
        const res = await rawOf(BodyHandler(0), "POST /a HTTP/1.1\r\nContent-Length: 50\r\n\r\nshort");
        expect(res.responses.map((r) => r.text)).to.deep.equal(["/a:"]);
        expect(res.error).to.equal(null);
      });

      it("a request with Transfer-Encoding closes the connection after the response", async () => {
        const res = await rawOf(
          BodyHandler(0),
          "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\nGET /b HTTP/1.1\r\n\r\n",
        );
        expect(res.responses.map((r) => r.text)).to.deep.equal(["/a:"]);
      });

      for (const value of ["abc", "-3", "1e1", "0x10", " ", "3, 3", "+3"]) {
        it(`an unusable Content-Length (${JSON.stringify(value)}) gets 400 and closes instead of guessing`, async () => {
          const res = await rawOf(
            BodyHandler(0),
            `POST /a HTTP/1.1\r\nContent-Length: ${value}\r\n\r\nabcGET /smuggled HTTP/1.1\r\n\r\n`,
          );
          expect(res.responses.map((r) => r.statusLine)).to.deep.equal(["HTTP/1.1 400 Bad Content-Length"]);
          expect(res.responses[0]!.header("Connection")).to.equal("close");
        });
      }

      it("two different Content-Length values get 400 and close the connection", async () => {
        const res = await rawOf(
          BodyHandler(0),
          "POST /a HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 20\r\n\r\nabcGET /b HTTP/1.1\r\n\r\n",
        );
        expect(res.responses.map((r) => r.statusLine)).to.deep.equal(["HTTP/1.1 400 Bad Content-Length"]);
      });

      it("Content-Length together with Transfer-Encoding gets 400 (request smuggling shape)", async () => {
        const res = await rawOf(
          BodyHandler(0),
          "POST /a HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabcGET /b HTTP/1.1\r\n\r\n",
        );
        expect(res.responses.map((r) => r.statusLine)).to.deep.equal([
          "HTTP/1.1 400 Content-Length with Transfer-Encoding",
        ]);
      });

      it("keep-alive and pipelining: three requests in one input, three responses in order", async () => {
        const res = await rawOf(
          BodyHandler(3),
          "POST /1 HTTP/1.1\r\nContent-Length: 3\r\n\r\nonePOST /2 HTTP/1.1\r\nContent-Length: 3\r\n\r\ntwoGET /3 HTTP/1.1\r\n\r\n",
        );
        expect(res.responses.map((r) => [r.statusLine, r.text])).to.deep.equal([
          ["HTTP/1.1 200 OK", "/1:one"],
          ["HTTP/1.1 200 OK", "/2:two"],
          ["HTTP/1.1 200 OK", "/3:"],
        ]);
      });
    });
  });

  describe("Python spelling (reference 6.1; design: names)", () => {
    const req = "GET / HTTP/1.1\r\n\r\n";

    it("by default every request is logged", async () => {
      class Loud extends BaseHTTPRequestHandler {
        do_GET(): void {
          this.sendResponse(204);
          this.endHeaders();
        }
      }
      expect((await rawOf(Loud, req)).logs).to.have.length(1);
    });

    it("overriding log_message (snake case) silences request and error logging", async () => {
      class Quiet extends BaseHTTPRequestHandler {
        override log_message(): void {}
        do_GET(): void {
          py(this).send_response(204);
          py(this).end_headers();
        }
      }
      expect((await rawOf(Quiet, req)).logs).to.deep.equal([]);
      expect((await rawOf(Quiet, "NOPE / HTTP/1.0\r\n\r\n")).logs).to.deep.equal([]);
      const stderr = await captureStderr(async () => {
        const { handler } = await socketless(Quiet);
        handler.logRequest(200);
        handler.logError("x %s", "y");
      });
      expect(stderr).to.equal("");
    });

    it("overriding logMessage (camel case) silences logging too", async () => {
      class Quiet extends BaseHTTPRequestHandler {
        override logMessage(): void {}
      }
      expect((await rawOf(Quiet, "NOPE / HTTP/1.0\r\n\r\n")).logs).to.deep.equal([]);
    });

    it("overriding log_message receives Python's arguments and may call super", async () => {
      const seen: string[] = [];
      class Capture extends BaseHTTPRequestHandler {
        override log_message(format: string, ...args: unknown[]): void {
          seen.push(format);
          (BaseHTTPRequestHandler.prototype as unknown as Py).log_message.call(this, format, ...args);
        }
      }
      const res = await rawOf(Capture, "NOPE / HTTP/1.0\r\n\r\n");
      expect(seen).to.deep.equal(["code %d, message %s", '"%s" %s %s']);
      expect(res.logs).to.have.length(2);
    });

    it("protocol_version = 'HTTP/1.1' as a class field keeps the connection alive", async () => {
      class Alive extends BaseHTTPRequestHandler {
        override protocol_version = "HTTP/1.1";
        override log_message(): void {}
        do_GET(): void {
          py(this).send_response(200);
          py(this).send_header("Content-Length", 2);
          py(this).end_headers();
          this.wfile.write("ok");
        }
      }
      const { res, handler } = await runWith(Alive, [req, req, req]);
      expect(res.responses.map((r) => r.statusLine)).to.deep.equal(["HTTP/1.1 200 OK", "HTTP/1.1 200 OK", "HTTP/1.1 200 OK"]);
      expect(handler.protocolVersion).to.equal("HTTP/1.1");
      expect(py(handler).protocol_version).to.equal("HTTP/1.1");
    });

    it("protocolVersion (camel case) as a class field works the same", async () => {
      class Alive extends BaseHTTPRequestHandler {
        override protocolVersion = "HTTP/1.1";
        override logMessage(): void {}
        do_GET(): void {
          this.sendResponse(200);
          this.sendHeader("Content-Length", 0);
          this.endHeaders();
        }
      }
      expect((await rawOf(Alive, [req, req])).responses).to.have.length(2);
    });

    it("send_response / send_header / end_headers build the same bytes as the camel-case names", async () => {
      class Snake extends BaseHTTPRequestHandler {
        override sys_version = "";
        override log_message(): void {}
        do_GET(): void {
          py(this).send_response(200, "Yes");
          py(this).send_header("X-A", "1");
          py(this).end_headers();
          this.wfile.write("body");
        }
      }
      class Camel extends BaseHTTPRequestHandler {
        override sysVersion = "";
        override logMessage(): void {}
        do_GET(): void {
          this.sendResponse(200, "Yes");
          this.sendHeader("X-A", "1");
          this.endHeaders();
          this.wfile.write("body");
        }
      }
      const a = await rawOf(Snake, req);
      const b = await rawOf(Camel, req);
      const strip = (r: RawExchange): string => latin1(r.raw).replace(/Date: [^\r]+/, "Date: -");
      expect(strip(a)).to.equal(strip(b));
      expect(a.headerList.map(([n]) => n)).to.deep.equal(["Server", "Date", "X-A"]);
      expect(a.header("Server")).to.equal("BaseHTTP/0.6 ");
    });

    it("default_request_version decides how a version-less request is treated", async () => {
      class Default11 extends BaseHTTPRequestHandler {
        override default_request_version = "HTTP/1.0";
        override log_message(): void {}
        do_GET(): void {
          py(this).send_response(200);
          py(this).end_headers();
        }
      }
      const { res, handler } = await runWith(Default11, "GET /\r\n");
      expect(py(handler).request_version).to.equal("HTTP/1.0");
      expect(res.statusLine).to.equal("HTTP/1.0 200 OK"); // not HTTP/0.9 mode: headers are sent
    });

    it("close_connection, request_version and raw_requestline read the camel-case state", async () => {
      const { handler } = await runWith(
        class extends BaseHTTPRequestHandler {
          override log_message(): void {}
          do_GET(): void {
            py(this).close_connection = true;
          }
        },
        "GET /z HTTP/1.0\r\n\r\n",
      );
      expect(py(handler).close_connection).to.equal(handler.closeConnection);
      expect(py(handler).request_version).to.equal(handler.requestVersion);
      expect(latin1(py(handler).raw_requestline)).to.equal("GET /z HTTP/1.0\r\n");
    });
  });
});

/**
 * End to end against real clients: curl, Python's http.client, Node's fetch,
 * a raw pipelining socket, and CPython's own BaseHTTPRequestHandler as the
 * reference for byte-exact comparisons where CPython 3.11 (the machine's
 * python3) and 3.14 agree (reference section 0).
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { expect } from "chai";

import { BaseHTTPRequestHandler } from "../../../lib/http/server/base-handler.js";
import { HTTPServer, ThreadingHTTPServer } from "../../../lib/http/server/http-server.js";
import { parseResponses, type ParsedResponse } from "../../../lib/http/server/testing.js";
import { HOST, captureStderr, connect, delay, exchange, latin1, readAll, readUntil, run, waitFor, within } from "../../helpers.js";
import { CPythonServerTestHandler, serve, withoutStyleBlock, type Running } from "./helpers.js";


/** An HTTP/1.1 echo handler that counts the connections it was given. */
function makeEcho() {
  const state = { connections: 0 };
  class Echo extends BaseHTTPRequestHandler {
    override protocol_version = "HTTP/1.1";
    override log_message(): void {}
    override setup(): void {
      super.setup();
      state.connections++;
    }
    async reply(): Promise<void> {
      const n = Number(this.headers.get("Content-Length") ?? 0);
      const got = n > 0 ? await this.rfile.read(n) : Buffer.alloc(0);
      const body = Buffer.from(
        JSON.stringify({
          command: this.command,
          path: this.path,
          version: this.requestVersion,
          body: got.toString("utf8"),
          contentType: this.headers.get("Content-Type") ?? null,
        }),
      );
      this.sendResponse(200);
      this.sendHeader("Content-Type", "application/json");
      this.sendHeader("Content-Length", body.length);
      this.endHeaders();
      this.wfile.write(body);
    }
    do_GET(): Promise<void> {
      return this.reply();
    }
    do_POST(): Promise<void> {
      return this.reply();
    }
    do_HEAD(): void {
      this.sendError(404, "File not found");
    }
  }
  return { Echo, state };
}

describe("end to end with real clients", function () {
  this.timeout(30000);

  describe("curl", () => {
    let echo: ReturnType<typeof makeEcho>;
    let srv: Running<ThreadingHTTPServer>;
    beforeEach(async () => {
      echo = makeEcho();
      srv = await serve(ThreadingHTTPServer, echo.Echo);
    });
    afterEach(async () => {
      await srv.close();
    });
    const url = (path: string): string => `http://${HOST}:${srv.port}${path}`;

    it("curl -s -i: status line, headers and body", async () => {
      const r = await run("curl", ["-s", "-i", url("/hello?x=1")]);
      expect(r.code).to.equal(0);
      const [head, body] = r.stdout.split("\r\n\r\n") as [string, string];
      const headLines = head.split("\r\n");
      expect(headLines[0]).to.equal("HTTP/1.1 200 OK");
      expect(headLines.slice(1).map((l) => l.split(":")[0])).to.deep.equal(["Server", "Date", "Content-Type", "Content-Length"]);
      expect(JSON.parse(body)).to.deep.include({ command: "GET", path: "/hello?x=1", version: "HTTP/1.1" });
    });

    it("curl --http1.0: the request is HTTP/1.0 and the connection closes", async () => {
      const r = await run("curl", ["-s", "-i", "--http1.0", url("/old")]);
      expect(r.code).to.equal(0);
      expect(JSON.parse(r.stdout.split("\r\n\r\n")[1]!)).to.deep.include({ version: "HTTP/1.0" });
      expect(echo.state.connections).to.equal(1);
    });

    it("curl with two URLs reuses one kept-alive connection", async () => {
      const r = await run("curl", ["-s", "-w", "\n[%{num_connects}]\n", url("/one"), url("/two")]);
      expect(r.code).to.equal(0);
      expect([...r.stdout.matchAll(/\[(\d+)\]/g)].map((m) => m[1])).to.deep.equal(["1", "0"]);
      expect(r.stdout).to.include('"path":"/one"').and.include('"path":"/two"');
      expect(echo.state.connections).to.equal(1);
    });

    it("curl POST with Expect: 100-continue gets 100 Continue at once", async () => {
      const r = await run(
        "curl",
        ["-s", "-i", "--expect100-timeout", "5", "-H", "Expect: 100-continue", "-H", "Content-Type: text/plain",
          "--data-binary", "@-", "-w", "\n[%{time_total}]", url("/post")],
        15000,
        "payload ü",
      );
      expect(r.code).to.equal(0);
      expect(r.stdout.startsWith("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n")).to.equal(true);
      expect(r.stdout).to.include('"body":"payload ü"').and.include('"contentType":"text/plain"');
      expect(Number(/\[([\d.]+)\]/.exec(r.stdout)![1])).to.be.below(3); // did not sit out the 5 s wait
    });

    it("curl -I (HEAD) on an error: headers with Content-Length, no body, no hang", async () => {
      const r = await run("curl", ["-s", "-I", "-m", "5", url("/missing")]);
      expect(r.code).to.equal(0);
      expect(r.stdout).to.match(/^HTTP\/1\.1 404 File not found\r\n/);
      expect(r.stdout).to.include("Content-Length: 460\r\n").and.include("Connection: close\r\n");
      expect(r.stdout.endsWith("\r\n\r\n")).to.equal(true);
    });
  });

  describe("Python's http.client", () => {
    it("runs CPython's BaseHTTPServerTestCase client steps against the port", async () => {
      const srv = await serve(HTTPServer, CPythonServerTestHandler);
      try {
        const script = String.raw`
import http.client, json, sys
port = int(sys.argv[1])
out = {}

def fresh():
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    c.connect()
    return c

def raw_line(name, method, vsn, numeric=None, headers=()):
    c = fresh()
    c._http_vsn_str = vsn
    if numeric is not None:
        c._http_vsn = numeric
    c.putrequest(method, "/")
    for k, v in headers:
        c.putheader(k, v)
    c.endheaders()
    r = c.getresponse()
    out[name] = r.status
    r.read()
    c.close()

def simple(name, method, **kw):
    c = fresh()
    c.request(method, "/", **kw)
    r = c.getresponse()
    out[name] = [r.status, r.getheader("Content-Length"), r.read().decode("utf-8")]
    c.close()

simple("test_command", "GET")
raw_line("test_request_line_trimming", "XYZBOGUS", "HTTP/1.1\n")
raw_line("test_version_bogus", "GET", "FUBAR")
raw_line("test_version_digits", "GET", "HTTP/9.9.9")
raw_line("test_version_signs_and_underscores", "GET", "HTTP/-9_9_9.+9_9_9")
raw_line("test_major_version_number_too_long", "GET", "HTTP/909876543210.0")
raw_line("test_minor_version_number_too_long", "GET", "HTTP/1.909876543210")
raw_line("test_version_none_get", "GET", "")
raw_line("test_version_none", "CUSTOM", "")
raw_line("test_version_invalid", "GET", "HTTP/9.9", numeric=99)
raw_line("test_send_blank", "", "")
raw_line("test_header_close", "GET", "HTTP/1.1", headers=[("Connection", "close")])
raw_line("test_header_keep_alive", "GET", "HTTP/1.1", headers=[("Connection", "keep-alive")])
simple("test_handler", "TEST")
simple("test_internal_key_error", "KEYERROR")
simple("test_return_custom_status", "CUSTOM")
simple("test_return_explain_error", "EXPLAINERROR")
simple("test_latin1_header", "LATINONEHEADER", headers={"X-Special-Incoming": "Ärger mit Unicode"})
simple("test_error_content_length", "NOTFOUND")

c = fresh()
first_sock = c.sock
c.request("KEEP", "/")
r = c.getresponse()
conn_header = r.getheader("Connection")
r.read()
still_open = c.sock is first_sock
c.request("TEST", "/")
r = c.getresponse()
out["test_return_header_keep_alive"] = [conn_header, still_open, r.status]
r.read()
c.close()

c = fresh()
for key, method, codes in (("test_send_error", "SEND_ERROR", (204, 304, 102, 205, 101)),
                           ("test_head_via_send_error", "HEAD", (200, 204, 304, 205, 101))):
    rows = []
    for code in codes:
        c.request(method, "/%d" % code)
        r = c.getresponse()
        rows.append([r.status, r.getheader("Content-Length"), r.getheader("Content-Type"),
                     r.getheader("Transfer-Encoding"), len(r.read())])
    out[key] = rows
c.close()
latin = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
latin.request("LATINONEHEADER", "/", headers={"X-Special-Incoming": "Ärger mit Unicode"})
r = latin.getresponse()
out["latin1_x_special"] = r.getheader("X-Special")
latin.close()
print(json.dumps(out))
`;
        const r = await run("python3", ["-c", script, String(srv.port)], 20000);
        expect(r.stderr).to.equal("");
        const out = JSON.parse(r.stdout) as Record<string, unknown>;
        expect(out).to.deep.include({
          test_request_line_trimming: 501,
          test_version_bogus: 400,
          test_version_digits: 400,
          test_version_signs_and_underscores: 400,
          test_major_version_number_too_long: 400,
          test_minor_version_number_too_long: 400,
          test_version_none_get: 501,
          test_version_none: 400,
          test_version_invalid: 505,
          test_send_blank: 400,
          test_header_close: 501,
          test_header_keep_alive: 501,
        });
        expect((out.test_command as unknown[])[0]).to.equal(501);
        expect((out.test_handler as unknown[])[0]).to.equal(204);
        expect((out.test_internal_key_error as unknown[])[0]).to.equal(999);
        expect((out.test_return_custom_status as unknown[])[0]).to.equal(999);
        const explain = out.test_return_explain_error as [number, string, string];
        expect(explain[0]).to.equal(999);
        expect(Number(explain[1])).to.be.above(0);
        expect(out.test_latin1_header).to.deep.equal([999, null, "Ärger mit Unicode"]);
        expect(out.latin1_x_special).to.equal("Dängerous Mind");
        const notFound = out.test_error_content_length as [number, string, string];
        expect(notFound[0]).to.equal(404);
        expect(Number(notFound[1])).to.equal(Buffer.byteLength(notFound[2]));
        expect(out.test_return_header_keep_alive).to.deep.equal(["keep-alive", true, 204]);
        expect(out.test_send_error).to.deep.equal([204, 304, 102, 205, 101].map((c) => [c, null, null, null, 0]));
        const head = out.test_head_via_send_error as Array<[number, string | null, string | null, null, number]>;
        expect(head.map((row) => row[0])).to.deep.equal([200, 204, 304, 205, 101]);
        expect(Number(head[0]![1])).to.be.above(0);
        expect(head[0]![2]).to.include("text/html");
        for (const row of head.slice(1)) expect(row.slice(1)).to.deep.equal([null, null, null, 0]);
        expect(head[0]![4]).to.equal(0);
      } finally {
        await srv.close();
      }
    });

    it("keeps one connection for several requests (HTTP/1.1 keep-alive)", async () => {
      const echo = makeEcho();
      const srv = await serve(ThreadingHTTPServer, echo.Echo);
      try {
        const script = String.raw`
import http.client, json, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=5)
res = []
for i in range(3):
    c.request("POST", "/n%d" % i, body=("body%d" % i).encode(), headers={"Content-Type": "text/plain"})
    r = c.getresponse()
    res.append([r.status, r.version, r.getheader("Connection"), json.loads(r.read())])
c.close()
print(json.dumps(res))
`;
        const r = await run("python3", ["-c", script, String(srv.port)]);
        expect(r.stderr).to.equal("");
        const res = JSON.parse(r.stdout) as Array<[number, number, null, { path: string; body: string }]>;
        expect(res.map(([s, v, c, b]) => [s, v, c, b.path, b.body])).to.deep.equal([
          [200, 11, null, "/n0", "body0"],
          [200, 11, null, "/n1", "body1"],
          [200, 11, null, "/n2", "body2"],
        ]);
        expect(echo.state.connections).to.equal(1);
      } finally {
        await srv.close();
      }
    });
  });

  describe("Node's fetch", () => {
    it("GET and POST, with the connection reused", async () => {
      const echo = makeEcho();
      const srv = await serve(ThreadingHTTPServer, echo.Echo);
      try {
        const base = `http://${HOST}:${srv.port}`;
        const a = await within(fetch(`${base}/a?q=1`), 5000, "fetch GET");
        expect(a.status).to.equal(200);
        expect(a.headers.get("content-type")).to.equal("application/json");
        expect(a.headers.get("server")).to.match(/^BaseHTTP\/0\.6 Node\.js\//);
        expect(await a.json()).to.deep.include({ command: "GET", path: "/a?q=1", version: "HTTP/1.1" });
        // fetch returns the socket to its pool a moment after the body ends;
        // a request sent in the same tick would open a second connection.
        await delay(20);
        const b = await within(
          fetch(`${base}/b`, { method: "POST", body: JSON.stringify({ x: "ü" }), headers: { "content-type": "application/json" } }),
          5000,
          "fetch POST",
        );
        expect(await b.json()).to.deep.include({ command: "POST", path: "/b", body: '{"x":"ü"}', contentType: "application/json" });
        expect(echo.state.connections).to.equal(1);
      } finally {
        await srv.close();
      }
    });

    it("an error page arrives with its reason phrase and length", async () => {
      const echo = makeEcho();
      const srv = await serve(ThreadingHTTPServer, echo.Echo);
      try {
        const res = await within(fetch(`http://${HOST}:${srv.port}/x`, { method: "DELETE" }), 5000, "fetch DELETE");
        expect(res.status).to.equal(501);
        expect(res.statusText).to.equal("Unsupported method ('DELETE')");
        const text = await res.text();
        expect(Number(res.headers.get("content-length"))).to.equal(Buffer.byteLength(text));
        expect(text).to.include("<p>Error code: 501</p>");
      } finally {
        await srv.close();
      }
    });
  });

  describe("raw socket pipelining", () => {
    it("three requests in one write come back as three responses in order", async () => {
      const echo = makeEcho();
      const srv = await serve(ThreadingHTTPServer, echo.Echo);
      const sock = await connect(srv.port);
      try {
        const all = readAll(sock);
        sock.write(
          "GET /p1 HTTP/1.1\r\nHost: h\r\n\r\n" +
            "POST /p2 HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello" +
            "GET /p3 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
        );
        const responses = parseResponses(await all);
        expect(responses.map((r) => r.status)).to.deep.equal([200, 200, 200]);
        expect(responses.map((r) => (JSON.parse(r.text) as { path: string }).path)).to.deep.equal(["/p1", "/p2", "/p3"]);
        expect((JSON.parse(responses[1]!.text) as { body: string }).body).to.equal("hello");
        expect(echo.state.connections).to.equal(1);
      } finally {
        sock.destroy();
        await srv.close();
      }
    });
  });

  describe("byte-exact comparison with CPython (where 3.11 and 3.14 agree)", () => {
    /** The same handler in Python and here. */
    const PY_SERVER = String.raw`
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        if self.path == "/ok":
            body = b"hello\n"
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif self.path.startswith("/echo"):
            body = self.path.encode("latin-1")
            self.send_response(200, "Echo")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif self.path == "/999":
            self.send_response(999)
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self.send_error(404, "File not found")
    do_HEAD = do_GET
    def do_POST(self):
        data = self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(201)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

srv = HTTPServer(("127.0.0.1", 0), H)
print(srv.server_address[1], flush=True)
srv.serve_forever()
`;
    class Twin extends BaseHTTPRequestHandler {
      override protocol_version = "HTTP/1.1";
      do_GET(): void {
        if (this.path === "/ok") {
          const body = Buffer.from("hello\n");
          this.sendResponse(200);
          this.sendHeader("Content-Type", "text/plain");
          this.sendHeader("Content-Length", String(body.length));
          this.endHeaders();
          this.wfile.write(body);
        } else if (this.path.startsWith("/echo")) {
          const body = Buffer.from(this.path, "latin1");
          this.sendResponse(200, "Echo");
          this.sendHeader("Content-Length", String(body.length));
          this.endHeaders();
          this.wfile.write(body);
        } else if (this.path === "/999") {
          this.sendResponse(999);
          this.sendHeader("Content-Length", "0");
          this.endHeaders();
        } else {
          this.sendError(404, "File not found");
        }
      }
      do_HEAD(): void {
        this.do_GET();
      }
      async do_POST(): Promise<void> {
        const data = await this.rfile.read(Number(this.headers.get("Content-Length")));
        this.sendResponse(201);
        this.sendHeader("Content-Length", String(data.length));
        this.endHeaders();
        this.wfile.write(data);
      }
    }

    const REQUESTS: Array<[string, Buffer]> = [
      ["404 error page", Buffer.from("GET /nonexist HTTP/1.0\r\n\r\n")],
      ["404 on HEAD", Buffer.from("HEAD /nonexist HTTP/1.0\r\n\r\n")],
      ["501 unsupported method", Buffer.from("SPAM / HTTP/1.0\r\n\r\n")],
      ["200 with a body", Buffer.from("GET /ok HTTP/1.0\r\n\r\n")],
      ["unknown status 999", Buffer.from("GET /999 HTTP/1.0\r\n\r\n")],
      // Both servers stop reading where the limit is hit; nothing is left unread (no reset).
      ["431 too many headers", Buffer.from("GET / HTTP/1.0\r\n" + "X-A: b\r\n".repeat(101))],
      ["431 header line too long", Buffer.from("GET / HTTP/1.0\r\nX-A: " + "b".repeat(65537 - 5))],
      ["leading // collapsed", Buffer.from("GET //echo//x HTTP/1.0\r\n\r\n")],
      ["control characters in the path", Buffer.from("GET /echo\x1b[1m\\x\x7f HTTP/1.0\r\n\r\n", "latin1")],
      ["Latin-1 in the path", Buffer.from("GET /echo\xe9 HTTP/1.0\r\n\r\n", "latin1")],
      ["keep-alive, two requests", Buffer.from("GET /ok HTTP/1.1\r\n\r\nGET /echo2 HTTP/1.1\r\nConnection: close\r\n\r\n")],
      ["Expect: 100-continue", Buffer.from("POST /p HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\nConnection: close\r\n\r\ndata")],
      ["HTTP/1.0 keep-alive request", Buffer.from("GET /ok HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /echo3 HTTP/1.0\r\n\r\n")],
    ];

    let python: ChildProcessWithoutNullStreams | null = null;
    let pyPort = 0;
    let pyStderr = "";

    before(async function () {
      this.timeout(15000);
      const child = spawn("python3", ["-c", PY_SERVER], { stdio: ["pipe", "pipe", "pipe"] });
      python = child;
      child.stderr.setEncoding("utf8").on("data", (d: string) => (pyStderr += d));
      let out = "";
      pyPort = await within(
        new Promise<number>((resolve, reject) => {
          child.stdout.setEncoding("utf8").on("data", (d: string) => {
            out += d;
            if (out.includes("\n")) resolve(Number(out.trim()));
          });
          child.once("error", reject);
          child.once("exit", (code) => reject(new Error(`python3 exited (${code}): ${pyStderr}`)));
        }),
        10000,
        "the CPython server to start",
      );
      expect(pyPort).to.be.above(0);
    });

    after(() => {
      if (python && python.exitCode === null) python.kill("SIGKILL");
    });

    const isErrorPage = (r: ParsedResponse): boolean => r.header("Content-Type") === "text/html;charset=utf-8";

    /** Response heads with Server and Date values (and error page lengths) blanked. */
    function normalise(r: ParsedResponse): { statusLine: string | null; headers: string[]; body: string } {
      return {
        statusLine: r.statusLine,
        headers: r.headerList.map(([n, v]) =>
          n === "Server" || n === "Date" ? `${n}: *` : n === "Content-Length" && isErrorPage(r) ? `${n}: <page>` : `${n}: ${v}`,
        ),
        body: withoutStyleBlock(latin1(r.body)),
      };
    }

    it("answers like CPython, byte for byte apart from Server/Date values and the 3.14 <style> block", async () => {
      const ours = await serve(HTTPServer, Twin);
      let ourLog = "";
      try {
        const pairs: Array<[string, Buffer, Buffer]> = [];
        ourLog = await captureStderr(async () => {
          for (const [title, request] of REQUESTS) {
            const theirs = await exchange(pyPort, request);
            const mine = await exchange(ours.port, request);
            pairs.push([title, theirs, mine]);
          }
        });
        for (const [title, theirs, mine] of pairs) {
          const request = REQUESTS.find(([name]) => name === title)![1];
          const t = parseResponses(theirs);
          const m = parseResponses(mine);
          expect(m.length, title).to.equal(t.length).and.above(0);
          for (let i = 0; i < t.length; i++) {
            const mineNormal = normalise(m[i]!);
            const theirsNormal = normalise(t[i]!);
            // The one documented deviation here (docs/deviations.md): an HTTP/1.1
            // response to a request that said `Connection: close` says so too.
            const asked = i === t.length - 1 && request.toString("latin1").includes("\r\nConnection: close\r\n");
            if (asked && mineNormal.statusLine?.startsWith("HTTP/1.1") && !theirsNormal.headers.some((h) => h.startsWith("Connection:"))) {
              expect(mineNormal.headers.at(-1), `${title} #${i}`).to.equal("Connection: close");
              mineNormal.headers.pop();
            }
            expect(mineNormal, `${title} #${i}`).to.deep.equal(theirsNormal);
            const cl = m[i]!.header("Content-Length");
            if (cl !== undefined && isErrorPage(m[i]!)) {
              // The error page: 3.14 adds exactly the 125-byte <style> block to 3.11's.
              expect(Number(cl), title).to.equal(Number(t[i]!.header("Content-Length")) + 125);
            }
          }
          if (title === "404 error page") expect(m[0]!.header("Content-Length")).to.equal("460");
        }
      } finally {
        await ours.close();
      }
      // Log lines: the same text after the timestamp, for every request.
      await waitFor(() => pyStderr.split("\n").length > ourLog.split("\n").length - 1, 3000, "CPython's log lines");
      const strip = (text: string): string[] =>
        text
          .split("\n")
          .filter(Boolean)
          .map((l) => l.replace(/^(\S+) - - \[[^\]]+\] /, "$1 - - [*] "));
      expect(strip(ourLog)).to.deep.equal(strip(pyStderr));
      expect(strip(ourLog)).to.include('127.0.0.1 - - [*] "GET /echo\\x1b[1m\\\\x\\x7f HTTP/1.0" 200 -');
    });
  });
});

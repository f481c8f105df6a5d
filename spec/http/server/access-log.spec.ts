/**
 * `withLogFormat()`: the combined and JSON access logs, on a real server
 * with curl, Python's urllib and raw sockets. Each line is written once the
 * request is over, with the body bytes really sent and the time taken;
 * control characters are escaped in every format.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import { expect } from "chai";

import { withLogFormat, combinedDate } from "../../../lib/http/server/access-log.js";
import { withAccessGate } from "../../../lib/http/server/access/access-gate.js";
import { BasicCredentials } from "../../../lib/http/server/access/basic-auth.js";
import { CapabilityToken } from "../../../lib/http/server/access/token.js";
import { ThreadingHTTPServer } from "../../../lib/http/server/http-server.js";
import { SimpleHTTPRequestHandler } from "../../../lib/http/server/files/simple-handler.js";
import { HOST, delay, exchange, run, tempDir } from "../../helpers.js";
import { serveLogged, type Logged } from "./helpers.js";

/** The combined line: host, user, date, request, status, bytes, referer, user agent, seconds. */
const COMBINED = /^(\S+) - (?:-|\S+) \[(\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d [+-]\d{4})\] "(.*)" (\d{3}) (\d+) "(.*)" "(.*)" (\d+\.\d{3})\n$/;

describe("access-log formats (withLogFormat)", function () {
  this.timeout(30000);

  let site: ReturnType<typeof tempDir>;
  const running: Array<Logged<ThreadingHTTPServer>> = [];

  /** A file server for `site` whose do_GET also offers /short (claims 100 bytes, sends 10) and /slow (200 ms). */
  function handlerClass(): typeof SimpleHTTPRequestHandler {
    const dir = site.dir;
    return class Handler extends SimpleHTTPRequestHandler {
      constructor(r: unknown, a: unknown, s: never) {
        super(r, a, s, { directory: dir });
      }
      override async do_GET(): Promise<void> {
        if (this.path === "/short") {
          this.sendResponse(200);
          this.sendHeader("Content-Length", "100");
          this.endHeaders();
          this.wfile.write(Buffer.alloc(10, 0x61));
          this.closeConnection = true;
          return;
        }
        if (this.path === "/slow") await delay(200);
        return super.do_GET();
      }
    };
  }

  async function start(format: "combined" | "json", protocol = "HTTP/1.0"): Promise<Logged<ThreadingHTTPServer>> {
    const Logged = withLogFormat(handlerClass(), format);
    Logged.prototype.protocolVersion = protocol;
    const r = await serveLogged(ThreadingHTTPServer, Logged);
    running.push(r);
    return r;
  }

  before(() => {
    site = tempDir("access-log-");
    fs.writeFileSync(path.join(site.dir, "k.bin"), Buffer.alloc(1024, 7));
    fs.writeFileSync(path.join(site.dir, "slow"), "slow\n");
  });
  after(async () => {
    for (const r of running) await r.close();
    site.remove();
  });

  it("combined: one nginx-style line per request, with the body bytes really sent", async () => {
    const r = await start("combined");
    const base = `http://${HOST}:${r.port}`;
    await run("curl", ["-s", "-o", "/dev/null", "-A", "spec-agent/1", "-e", "http://ref.example/", `${base}/k.bin`]);
    await run("curl", ["-s", "-o", "/dev/null", "-I", `${base}/k.bin`]);
    await run("curl", ["-s", "-o", "/dev/null", "-r", "0-99", `${base}/k.bin`]);
    await run("curl", ["-s", "-o", "/dev/null", `${base}/short`]);
    await run("curl", ["-s", "-o", "/dev/null", `${base}/missing`]);
    const access = r.logs.filter((l) => COMBINED.test(l));
    expect(access, r.logs.join("")).to.have.length(5);
    const fields = access.map((l) => COMBINED.exec(l)!);
    const [get, head, range, short, missing] = fields as RegExpExecArray[];
    expect(get[1]).to.equal("127.0.0.1");
    expect(get[3]).to.equal("GET /k.bin HTTP/1.1");
    expect([get[4], get[5], get[6], get[7]]).to.deep.equal(["200", "1024", "http://ref.example/", "spec-agent/1"]);
    expect([head[3], head[4], head[5]]).to.deep.equal(["HEAD /k.bin HTTP/1.1", "200", "0"]);
    expect([range[4], range[5]]).to.deep.equal(["206", "100"]);
    // The handler claimed 100 bytes and sent 10: the log says 10.
    expect([short[4], short[5]]).to.deep.equal(["200", "10"]);
    const page = await fetch(`${base}/missing`).then((res) => res.arrayBuffer());
    expect([missing[4], missing[5]]).to.deep.equal(["404", String(page.byteLength)]);
    // The error's own message keeps Python's line.
    expect(r.logs.some((l) => / - - \[[^\]]+\] code 404, message File not found\n$/.test(l))).to.equal(true);
  });

  it("combined and json: the user who passed Basic authentication is logged (escaped); others are '-'", async () => {
    for (const format of ["combined", "json"] as const) {
      const Gated = withAccessGate(withLogFormat(handlerClass(), format), {
        basic: new BasicCredentials([["al ice", "pw"]]),
        token: null,
        secure: false,
      });
      const r = await serveLogged(ThreadingHTTPServer, Gated);
      running.push(r);
      await run("curl", ["-s", "-o", "/dev/null", "-u", "al ice:pw", `http://${HOST}:${r.port}/k.bin`]);
      await run("curl", ["-s", "-o", "/dev/null", "-u", "al ice:wrong", `http://${HOST}:${r.port}/k.bin`]);
      const lines = r.logs.filter((l) => l.includes("k.bin"));
      if (format === "combined") {
        expect(lines[0], lines.join("")).to.match(/^127\.0\.0\.1 - al\\x20ice \[/);
        expect(lines[1], lines.join("")).to.match(/^127\.0\.0\.1 - - \[.*" 401 /);
      } else {
        const [ok, refused] = lines.map((l) => JSON.parse(l) as { user: string | null; status: number });
        expect([ok!.user, ok!.status]).to.deep.equal(["al ice", 200]);
        expect([refused!.user, refused!.status]).to.deep.equal([null, 401]);
      }
    }
  });

  it("combined and json: a capability token never reaches the log (request line, Referer)", async () => {
    const secret = "abcdefghijklmnopqrst";
    for (const format of ["combined", "json"] as const) {
      const Gated = withAccessGate(withLogFormat(handlerClass(), format), { basic: null, token: new CapabilityToken(secret), secure: false });
      const r = await serveLogged(ThreadingHTTPServer, Gated);
      running.push(r);
      await run("curl", ["-s", "-o", "/dev/null", "-e", `http://h/?token=${secret}`, `http://${HOST}:${r.port}/k.bin?token=${secret}`]);
      await run("curl", ["-s", "-o", "/dev/null", `http://${HOST}:${r.port}/nope?token=${secret}`]);
      // Percent-encoded, the token is accepted: it must not be logged either.
      await run("curl", ["-s", "-o", "/dev/null", `http://${HOST}:${r.port}/k.bin?a=1&token=%61${secret.slice(1)}`]);
      const text = r.logs.join("");
      expect(text, text).to.contain("k.bin");
      expect(text, text).to.contain("<token>");
      expect(text, text).not.to.contain(secret);
      expect(text, text).not.to.contain(secret.slice(1));
    }
  });

  it("combined: the time taken is the last field, in seconds", async () => {
    const r = await start("combined");
    await run("curl", ["-s", "-o", "/dev/null", `http://${HOST}:${r.port}/slow`]);
    const m = COMBINED.exec(r.logs.find((l) => COMBINED.test(l))!)!;
    expect(Number(m[8])).to.be.at.least(0.19).and.below(5);
  });

  it("combined: control characters and quotes from the client are escaped", async () => {
    const r = await start("combined");
    const request = 'GET /k.bin?\x1b[31m HTTP/1.0\r\nUser-Agent: a"b\x07c\\d\r\nReferer: \x9bx\r\n\r\n';
    const raw = await exchange(r.port, Buffer.from(request, "latin1"));
    expect(raw.toString("latin1")).to.match(/^HTTP\/1\.0 200/);
    const line = r.logs.find((l) => COMBINED.test(l))!;
    expect(line).to.contain('"GET /k.bin?\\x1b[31m HTTP/1.0"');
    expect(line, line).to.contain('"\\x9bx" "a\\x22b\\x07c\\\\d"');
    expect(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/.test(line)).to.equal(false);
  });

  it("combined: each request of a kept-alive connection is logged with its own headers", async () => {
    const r = await start("combined", "HTTP/1.1");
    const base = `http://${HOST}:${r.port}`;
    const res = await run("curl", ["-s", "-o", "/dev/null", "-o", "/dev/null", "-w", "%{num_connects}\n", `${base}/k.bin`, `${base}/slow`]);
    expect(res.stdout.split("\n").filter(Boolean)).to.deep.equal(["1", "0"]);
    const lines = r.logs.filter((l) => COMBINED.test(l)).map((l) => COMBINED.exec(l)!);
    expect(lines.map((m) => [m[3], m[5]])).to.deep.equal([
      ["GET /k.bin HTTP/1.1", "1024"],
      ["GET /slow HTTP/1.1", "5"],
    ]);
  });

  it("json: one object per line, every control character escaped, messages as objects", async () => {
    const r = await start("json");
    const script = [
      "import sys, urllib.request, urllib.error",
      "req = urllib.request.Request(sys.argv[1] + '/k.bin', headers={'User-Agent': 'py\\x1bua\\x85'})",
      "print(len(urllib.request.urlopen(req).read()))",
      "try: urllib.request.urlopen(sys.argv[1] + '/nope')",
      "except urllib.error.HTTPError as e: print(e.code)",
    ].join("\n");
    const res = await run("python3", ["-c", script, `http://${HOST}:${r.port}`]);
    expect(res.stdout).to.equal("1024\n404\n");
    for (const line of r.logs) {
      expect(line.endsWith("\n")).to.equal(true);
      expect(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/.test(line), line).to.equal(false);
    }
    const objects = r.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    const [ok, message, missing] = objects;
    expect(ok).to.include({ remote: "127.0.0.1", request: "GET /k.bin HTTP/1.1", method: "GET", path: "/k.bin", protocol: "HTTP/1.1", status: 200, bytes: 1024, referer: null, user_agent: "py\x1bua\x85" });
    expect(ok!.time).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(ok!.duration_ms).to.be.a("number").and.at.least(0);
    expect(message).to.include({ remote: "127.0.0.1", message: "code 404, message File not found" });
    expect(missing).to.include({ status: 404, path: "/nope" });
  });

  it("a request that never reaches a handler (400) is logged too", async () => {
    const r = await start("json");
    await exchange(r.port, "BAD\r\n\r\n");
    const objects = r.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objects.some((o) => o.status === 400 && o.request === "BAD")).to.equal(true);
  });

  it("combinedDate(): day/Mon/year:hh:mm:ss and the local offset", () => {
    const text = combinedDate(new Date(2026, 0, 5, 7, 8, 9));
    expect(text).to.match(/^05\/Jan\/2026:07:08:09 [+-]\d{4}$/);
  });
});

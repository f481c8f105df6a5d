/**
 * Property tests of the HTTP engine (fast-check): whatever bytes a client
 * sends (random bytes, or valid requests mangled: line ends, NULs, huge
 * lines, bogus versions, many headers, pipelines, arbitrary packet
 * boundaries), the engine either calls a do_X method or answers one
 * 4xx/5xx and stops; `handleRawRequest` never rejects, never hangs, reports
 * no error, and everything written is a well-formed sequence of responses
 * with safe log lines.
 */
import { expect } from "chai";
import fc from "fast-check";

import { BaseHTTPRequestHandler, DEFAULT_ERROR_CONTENT_TYPE } from "../../../../lib/http/server/base-handler.js";
import { handleRawRequest, type RawExchange } from "../../../../lib/http/server/testing.js";
import { within } from "../../../helpers.js";

/** do_X calls made during the current run (runs are sequential). */
let calls = 0;
/** Of those, calls that legitimately wrote nothing: HEAD in HTTP/0.9 mode (no headers, no body). */
let silent = 0;

class Engine extends BaseHTTPRequestHandler {
  async reply(readBody: boolean): Promise<void> {
    const n = ++calls;
    const length = this.headers.get("Content-Length")?.trim() ?? "";
    if (readBody && /^[0-9]{1,6}$/.test(length)) await this.rfile.read(Number(length));
    if (this.command === "HEAD" && this.requestVersion === "HTTP/0.9") silent++;
    const body = Buffer.from(`ok:${n}`);
    this.sendResponse(200);
    this.sendHeader("X-Dispatch", n);
    this.sendHeader("Content-Length", body.length);
    this.endHeaders();
    if (this.command !== "HEAD") this.wfile.write(body);
  }
  do_GET(): Promise<void> {
    return this.reply(false);
  }
  do_HEAD(): Promise<void> {
    return this.reply(false);
  }
  do_POST(): Promise<void> {
    return this.reply(true);
  }
  do_PUT(): Promise<void> {
    return this.reply(false); // leaves any body for the engine to skip
  }
}

class Engine11 extends Engine {
  override protocol_version = "HTTP/1.1";
}

const STATUS_LINE = /^HTTP\/1\.[01] \d{3} [^\r\n]*$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const UNSAFE_IN_LOG = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/;

/** Check one exchange against the engine's contract; returns a description of the first violation. */
function violations(res: RawExchange, protocol: string): string | null {
  if (res.error !== null) return `handler error: ${String(res.error)}`;
  let dispatched = 0;
  const rs = res.responses;
  for (let i = 0; i < rs.length; i++) {
    const r = rs[i]!;
    const last = i === rs.length - 1;
    if (r.statusLine === null) {
      // HTTP/0.9 mode: a bare body, from do_X or from an error. An error
      // closes the connection. A request line ending in `HTTP/0.9` with
      // `Connection: keep-alive` keeps it open after the bare body, as in
      // CPython (3.11 and 3.14), so a dispatched body may be followed by
      // more responses.
      const text = r.body.toString("latin1");
      if (text.startsWith("ok:")) dispatched++;
      else if (!text.startsWith("<!DOCTYPE HTML>")) return `unexpected bare output ${JSON.stringify(text.slice(0, 60))}`;
      else if (!last) return "bare error page before another response";
      continue;
    }
    if (!STATUS_LINE.test(r.statusLine)) return `bad status line ${JSON.stringify(r.statusLine)}`;
    if (r.version !== protocol) return `status line version ${r.version} for protocol ${protocol}`;
    for (const [name, value] of r.headerList) {
      if (!TOKEN.test(name)) return `bad header name ${JSON.stringify(name)}`;
      if (/[\r\n\0]/.test(value)) return `bad header value ${JSON.stringify(value)}`;
    }
    if (r.status === 100) {
      if (protocol !== "HTTP/1.1" || r.headerList.length !== 0 || last) return "misplaced 100 Continue";
      continue;
    }
    const cl = r.header("Content-Length");
    if (r.header("X-Dispatch") !== undefined) {
      dispatched++;
      if (r.status !== 200) return `dispatched response with status ${r.status}`;
      if (r.header("X-Dispatch") !== String(dispatched)) return "dispatched responses out of order";
      const expected = `ok:${dispatched}`;
      if (Number(cl) !== expected.length || !(r.text === expected || r.text === "")) return "dispatched response badly framed";
      continue;
    }
    // Otherwise: an error from the engine, which closes the connection.
    if (!last) return `response after an error (${r.statusLine})`;
    if (r.status === null || r.status < 400 || r.status > 599) return `non-error engine response ${r.statusLine}`;
    if (r.header("Connection") !== "close") return "error without Connection: close";
    if (r.header("Content-Type") !== DEFAULT_ERROR_CONTENT_TYPE) return "error without its content type";
    if (!(Number(cl) === r.body.length || r.body.length === 0)) return "error page length mismatch";
  }
  if (dispatched + silent !== calls) return `dispatched ${calls} times but ${dispatched} responses came back`;
  for (const line of res.logs) {
    if (!/^127\.0\.0\.1 - - \[\d\d\/\w{3}\/\d{4} \d\d:\d\d:\d\d\] [^\n]*\n$/.test(line)) return `bad log line ${JSON.stringify(line)}`;
    if (UNSAFE_IN_LOG.test(line)) return `unescaped control character in log ${JSON.stringify(line)}`;
  }
  return null;
}

async function exchange(input: Buffer[], protocol11: boolean): Promise<RawExchange> {
  calls = 0;
  silent = 0;
  return within(handleRawRequest(protocol11 ? Engine11 : Engine, input), 5000, "handleRawRequest (must never hang)");
}

/** Split `data` at the given cut points (arbitrary packet boundaries). */
function chunked(data: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => (data.length ? c % (data.length + 1) : 0)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let at = 0;
  for (const p of points) {
    out.push(data.subarray(at, p));
    at = p;
  }
  out.push(data.subarray(at));
  return out.filter((b) => b.length > 0);
}

const latin1Char = fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c));
const latin1Text = (maxLength: number) => fc.string({ unit: latin1Char, maxLength });
const tokenChar = fc.constantFrom(..."abcxyzABC019-_.~/%?=&".split(""));

/** Mostly the common case, sometimes something odd: most runs reach do_X, the rest hit each error path. */
function mostly<T>(usual: T[], odd: T[]): fc.Arbitrary<T> {
  return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...usual) }, { weight: 1, arbitrary: fc.constantFrom(...odd) });
}
const eol = mostly(["\r\n", "\n"], ["\r", "\r\r\n", "\n\r", ""]);
const method = mostly(["GET", "POST", "PUT", "HEAD"], ["DELETE", "get", "", "G\0T", "<b>", "SPAM"]);
const version = mostly(
  ["HTTP/1.1", "HTTP/1.0"],
  ["", "HTTP/0.9", "HTTP/2.0", "HTTP/1.1.1", "HTTP/01.01", "FUBAR", "HTTP/1.909876543210", "http/1.1", "HTTP/1.1 extra", "HTTP/-1.+1"],
);
const path = fc.oneof(
  { weight: 16, arbitrary: fc.string({ unit: tokenChar, maxLength: 20 }).map((s) => "/" + s) },
  { weight: 2, arbitrary: latin1Text(30) },
  { weight: 1, arbitrary: fc.integer({ min: 65520, max: 65545 }).map((n) => "/" + "a".repeat(n)) },
  { weight: 1, arbitrary: fc.constantFrom("//evil.example/x", "*", "http://h/x", "") },
);
const headerName: fc.Arbitrary<string> = mostly(
  ["Host", "Content-Length", "Connection", "Expect", "Transfer-Encoding", "X-A", "x-a"],
  ["", "Bad Name", "X\0B", " X"],
);
const headerValue = fc.oneof(
  { weight: 20, arbitrary: fc.constantFrom("0", "3", "10", "-1", "abc", "1e3", "99999999", "close", "keep-alive", "100-continue", "chunked", "") },
  { weight: 10, arbitrary: latin1Text(20) },
  { weight: 1, arbitrary: fc.integer({ min: 65520, max: 65545 }).map((n) => "v".repeat(n)) },
);
const headers: fc.Arbitrary<Array<[string, string]>> = fc.oneof(
  { weight: 12, arbitrary: fc.array(fc.tuple(headerName, headerValue), { maxLength: 6 }) },
  { weight: 1, arbitrary: fc.integer({ min: 96, max: 104 }).map((n) => Array.from({ length: n }, () => ["X-A", "b"] as [string, string])) },
);
const request = fc.record({ method, path, version, eol, headers, body: fc.oneof({ weight: 3, arbitrary: fc.constant("") }, { weight: 1, arbitrary: latin1Text(24) }), blank: mostly([true], [false]) }).map((r) => {
  const line = [r.method, r.path, r.version].filter((w) => w !== "").join(" ");
  const head = [line, ...r.headers.map(([n, v]) => `${n}: ${v}`)].join(r.eol) + r.eol + (r.blank ? r.eol : "");
  return Buffer.from(head + r.body, "latin1");
});
const edit = fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom("insert", "delete", "replace", "nul"));

function mutate(data: Buffer, edits: Array<[number, number, string]>): Buffer {
  let out = data;
  for (const [where, byte, kind] of edits) {
    const at = out.length ? where % out.length : 0;
    if (kind === "insert") out = Buffer.concat([out.subarray(0, at), Buffer.from([byte]), out.subarray(at)]);
    else if (kind === "delete") out = Buffer.concat([out.subarray(0, at), out.subarray(at + 1)]);
    else if (kind === "nul") out = Buffer.concat([out.subarray(0, at), Buffer.from([0]), out.subarray(at)]);
    else if (out.length) (out = Buffer.from(out))[at] = byte;
  }
  return out;
}

describe("HTTP engine properties (fast-check)", function () {
  this.timeout(120000);

  it("the contract checker itself rejects bad exchanges", async () => {
    // A handler that breaks the rules must be caught, or the properties prove nothing.
    const good = await exchange([Buffer.from("GET / HTTP/1.0\r\n\r\n")], false);
    expect(violations(good, "HTTP/1.0")).to.equal(null);
    expect(violations({ ...good, error: new Error("x") }, "HTTP/1.0")).to.match(/handler error/);
    expect(violations(good, "HTTP/1.1")).to.match(/version/);
    calls = 2;
    expect(violations(good, "HTTP/1.0")).to.match(/dispatched 2 times/);
    const bad = await exchange([Buffer.from("FOO / HTTP/1.0\r\n\r\n")], false);
    expect(violations(bad, "HTTP/1.0")).to.equal(null);
    expect(violations({ ...bad, responses: [...bad.responses, ...bad.responses] }, "HTTP/1.0")).to.match(/after an error/);
  });

  it("`HTTP/0.9` with `Connection: keep-alive` on an HTTP/1.1 server: a bare body, then the next request (CPython 3.14)", async () => {
    const res = await exchange([Buffer.from("GET / HTTP/0.9\r\nConnection: keep-alive\r\n\r\nDELETE /\r\n\r\n")], true);
    expect(violations(res, "HTTP/1.1")).to.equal(null);
    const [bare, error, ...more] = res.responses;
    expect(bare!.statusLine).to.equal(null);
    expect(bare!.text).to.equal("ok:1");
    // 3.14 gives this 400 a status line (3.11 sent it bare too).
    expect(error!.statusLine).to.equal("HTTP/1.1 400 Bad HTTP/0.9 request type ('DELETE')");
    expect(more).to.deep.equal([]);
  });

  it("random bytes: dispatch or one clean error, never a hang or a thrown error", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(), { maxLength: 4 }), fc.boolean(), async (bytes, cuts, p11) => {
        const res = await exchange(chunked(Buffer.from(bytes), cuts), p11);
        const problem = violations(res, p11 ? "HTTP/1.1" : "HTTP/1.0");
        if (problem) throw new Error(problem);
      }),
      { numRuns: 1000 },
    );
  });

  it("random bytes after a valid request line still end cleanly", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), fc.boolean(), async (bytes, p11) => {
        const input = Buffer.concat([Buffer.from("POST /x HTTP/1.1\r\n"), Buffer.from(bytes)]);
        const res = await exchange([input], p11);
        const problem = violations(res, p11 ? "HTTP/1.1" : "HTTP/1.0");
        if (problem) throw new Error(problem);
      }),
      { numRuns: 200 },
    );
  });

  it("mutated requests (line ends, NULs, huge lines, bogus versions, many headers, pipelines)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(request, { minLength: 1, maxLength: 3 }),
        fc.oneof(fc.constant([] as Array<[number, number, string]>), fc.array(edit, { minLength: 1, maxLength: 3 })),
        fc.array(fc.nat(), { maxLength: 5 }),
        fc.boolean(),
        async (requests, edits, cuts, p11) => {
          const input = mutate(Buffer.concat(requests), edits);
          const res = await exchange(chunked(input, cuts), p11);
          const problem = violations(res, p11 ? "HTTP/1.1" : "HTTP/1.0");
          if (problem) throw new Error(problem);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("valid pipelined requests are all dispatched, in order, whatever the packet boundaries", async () => {
    const valid = fc.record({
      method: fc.constantFrom("GET", "POST", "PUT", "HEAD"),
      path: fc.string({ unit: tokenChar, maxLength: 12 }).map((s) => "/" + s),
      eol: fc.constantFrom("\r\n", "\n"),
      headers: fc.array(fc.tuple(fc.constantFrom("Host", "X-A", "Accept"), fc.string({ unit: tokenChar, maxLength: 10 })), { maxLength: 5 }),
      body: fc.string({ unit: tokenChar, maxLength: 30 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(valid, { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { maxLength: 8 }), async (reqs, cuts) => {
        const data = Buffer.concat(
          reqs.map((r) => {
            const hasBody = r.method === "POST" || r.method === "PUT";
            const lines = [`${r.method} ${r.path} HTTP/1.1`, ...r.headers.map(([n, v]) => `${n}: ${v}`)];
            if (hasBody) lines.push(`Content-Length: ${Buffer.byteLength(r.body)}`);
            return Buffer.from(lines.join(r.eol) + r.eol + r.eol + (hasBody ? r.body : ""), "latin1");
          }),
        );
        const res = await exchange(chunked(data, cuts), true);
        const problem = violations(res, "HTTP/1.1");
        if (problem) throw new Error(problem);
        expect(res.responses.map((r) => r.text)).to.deep.equal(reqs.map((r, i) => (r.method === "HEAD" ? "" : `ok:${i + 1}`)));
      }),
      { numRuns: 200 },
    );
  });

  it("one request split at every byte boundary gives the same bytes back", async () => {
    const whole = Buffer.from("POST /split HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nhelloGET /2 HTTP/1.1\r\n\r\n");
    const strip = (r: RawExchange): string => r.raw.toString("latin1").replace(/Date: [^\r]+/g, "Date: -");
    const reference = strip(await exchange([whole], true));
    expect(reference).to.include("HTTP/1.1 100 Continue\r\n\r\n");
    for (let cut = 1; cut < whole.length; cut++) {
      const res = await exchange([whole.subarray(0, cut), whole.subarray(cut)], true);
      expect(strip(res), `cut at ${cut}`).to.equal(reference);
    }
  });
});

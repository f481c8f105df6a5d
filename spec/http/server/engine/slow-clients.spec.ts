/**
 * Slow and stalled clients, phase by phase: one table, one row per phase of
 * an exchange where a client can stall (send nothing more) or drip (send one
 * byte at a time, each resetting any silence-based clock). For every row the
 * attacker must be cut within its documented limit, with the documented
 * answer and log line, while a normal client served beside it is answered
 * at once. A new phase or limit is one more row.
 *
 * Limits are set to fractions of a second so that the whole table runs in
 * seconds; the head and idle clocks are checked four times a second and may
 * fire up to half a second late, never early.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import { join } from "node:path";
import * as tls from "node:tls";

import { BaseHTTPRequestHandler } from "../../../../lib/http/server/base-handler.js";
import { CGIHTTPRequestHandler } from "../../../../lib/http/server/cgi/cgi-handler.js";
import { HTTPServer, ThreadingHTTPSServer, ThreadingHTTPServer } from "../../../../lib/http/server/http-server.js";
import { parseResponses } from "../../../../lib/http/server/testing.js";
import type { RequestHandlerClass } from "../../../../lib/socketserver/base-server.js";
import { HOST, delay, tempDir, waitFor, within } from "../../../helpers.js";
import { serveLogged, type Logged } from "../helpers.js";

/** The limits every row's handler runs with, in seconds. */
const LIMIT = 0.5;
const TOTAL = 1.2;
/** Slack after a limit for the coarse clock and a loaded machine, in milliseconds. */
const LATE = 1600;

/** An HTTP/1.1 handler with small limits: `/ok` answers, `/big` sends 64 MiB, POST reads its body. */
class Target extends BaseHTTPRequestHandler {
  override protocolVersion = "HTTP/1.1";
  override headerTimeout: number | null = LIMIT;
  override keepAliveTimeout: number | null = LIMIT;
  override bodyTimeout: number | null = LIMIT;
  override requestTimeout: number | null = TOTAL;
  override sendTimeout: number | null = LIMIT;

  async do_GET(): Promise<void> {
    if (this.path === "/bigsync") {
      // 1 MiB written at once and never flushed by the handler.
      const body = Buffer.alloc(1024 * 1024, 0x62);
      this.sendResponse(200);
      this.sendHeader("Content-Length", body.length);
      this.endHeaders();
      this.wfile.write(body);
      return;
    }
    if (this.path === "/big") {
      const chunk = Buffer.alloc(1024 * 1024, 0x61);
      this.sendResponse(200);
      this.sendHeader("Content-Length", 64 * chunk.length);
      this.endHeaders();
      for (let i = 0; i < 64; i++) {
        this.wfile.write(chunk);
        await this.wfile.flush();
      }
      return;
    }
    this.answer("ok\n");
  }

  async do_POST(): Promise<void> {
    const length = Number(this.headers.get("Content-Length") ?? "0");
    let got = 0;
    while (got < length) {
      const part = await this.rfile.read1(length - got);
      if (part.length === 0) break;
      got += part.length;
    }
    this.answer(`read ${got}\n`);
  }

  answer(text: string): void {
    const body = Buffer.from(text);
    this.sendResponse(200);
    this.sendHeader("Content-Length", body.length);
    this.endHeaders();
    this.wfile.write(body);
  }
}

/**
 * A folder for the CGI rows: `ok` (a file, for the normal client),
 * `cgi-bin/reader.sh` (reads its whole input, then answers) and
 * `cgi-bin/flood.sh` (writes 64 MiB, more than a stalled client's socket
 * buffers hold).
 */
function cgiFolder(): string {
  const dir = tempDir("slow-cgi-").dir;
  fs.chmodSync(dir, 0o755);
  fs.writeFileSync(join(dir, "ok"), "ok\n");
  fs.mkdirSync(join(dir, "cgi-bin"), { mode: 0o755 });
  const script = (name: string, text: string): void => {
    fs.writeFileSync(join(dir, "cgi-bin", name), "#!/bin/sh\n" + text);
    fs.chmodSync(join(dir, "cgi-bin", name), 0o755);
  };
  script("reader.sh", "cat > /dev/null\nprintf 'Content-Type: text/plain\\n\\nread\\n'\n");
  script("flood.sh", "printf 'Content-Type: application/octet-stream\\n\\n'\nhead -c 67108864 /dev/zero\n");
  return dir;
}

/**
 * A CGI handler over {@link cgiFolder} with the small limits of
 * {@link Target}; the script's own silence limit and the request's total
 * are set higher, so that each CGI row sees the limit it names.
 */
function cgiHandler(directory: string): RequestHandlerClass {
  class SlowCGI extends CGIHTTPRequestHandler {
    override protocolVersion = "HTTP/1.1";
    override headerTimeout: number | null = LIMIT;
    override keepAliveTimeout: number | null = LIMIT;
    override bodyTimeout: number | null = LIMIT;
    override requestTimeout: number | null = 5;
    override sendTimeout: number | null = LIMIT;
    override cgiTimeout: number | null = 5;
    override cgiTotalTimeout: number | null = TOTAL;
    constructor(request: unknown, clientAddress: unknown, server: never) {
      super(request, clientAddress, server, { directory });
    }
  }
  return SlowCGI as unknown as RequestHandlerClass;
}

/** One phase of an exchange in which a client stalls or drips. */
interface Phase {
  /** The phase, as the docs name it. */
  phase: string;
  /** The limit that must cut the client. */
  limit: string;
  /** Over TLS (the attacker speaks TLS unless `rawTcp`). */
  tls?: boolean;
  /** Handler attributes set for this row only (over {@link Target}'s). */
  settings?: Record<string, number | null>;
  /** Served by a CGIHTTPRequestHandler over {@link cgiFolder}. */
  cgi?: boolean;
  /** Talk plain TCP to a TLS server: the handshake itself is what stalls. */
  rawTcp?: boolean;
  /** Sent at once. */
  send: string | Buffer;
  /** Wait for this much of an answer before stalling (a kept-alive exchange first). */
  awaitFirst?: string;
  /** Sent once, after the first answer is in ({@link awaitFirst}); the clock of {@link after} starts here. */
  then?: string;
  /** Then sent one byte every 100 ms, over and over: each byte is progress. */
  drip?: string;
  /** The client never reads what it is sent. */
  neverReads?: boolean;
  /** The answer the attacker must get, if any: its status code. */
  status?: number;
  /** A log line the server must write. */
  log: RegExp;
  /** Seconds after which the client must be cut (it must not be cut before it). */
  after: number;
}

const phases: Phase[] = [
  { phase: "request line, nothing sent", limit: "headerTimeout", send: "", status: 408, log: /code 408, message Request Timeout/, after: LIMIT },
  { phase: "request line, dripped", limit: "headerTimeout", send: "GET /", drip: "a", status: 408, log: /code 408/, after: LIMIT },
  { phase: "header lines, none sent", limit: "headerTimeout", send: "GET /ok HTTP/1.1\r\n", status: 408, log: /"GET \/ok HTTP\/1.1" 408 -/, after: LIMIT },
  { phase: "header lines, some sent then silence", limit: "headerTimeout", send: "GET /ok HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n", status: 408, log: /code 408/, after: LIMIT },
  { phase: "header lines, dripped", limit: "headerTimeout", send: "GET /ok HTTP/1.1\r\nHost: x\r\n", drip: "X-Drip: 1\r\n", status: 408, log: /code 408/, after: LIMIT },
  { phase: "header lines of a kept-alive connection's next request, dripped", limit: "headerTimeout", send: "GET /ok HTTP/1.1\r\nHost: x\r\n\r\n", awaitFirst: "ok\n", drip: "GET /next HTTP/1.1\r\nX: ", status: 408, log: /code 408/, after: LIMIT },
  { phase: "body, part sent then silence", limit: "bodyTimeout", send: "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789", log: /Request timed out: TimeoutError\('timed out'\)/, after: LIMIT },
  { phase: "body, dripped", limit: "requestTimeout", send: "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n", drip: "b", log: /Request timed out: TimeoutError\('timed out'\)/, after: TOTAL },
  { phase: "a kept-alive connection's next request line, part sent then silence (no idle limit)", limit: "headerTimeout", settings: { keepAliveTimeout: null }, send: "GET /ok HTTP/1.1\r\nHost: x\r\n\r\n", awaitFirst: "ok\n", then: "GET /", status: 408, log: /code 408/, after: LIMIT },
  { phase: "unread body being dropped, silence", limit: "headerTimeout", send: "GET /ok HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789", log: /Unread request body did not arrive within 0.5 seconds/, after: LIMIT },
  { phase: "waiting for the next request (kept alive)", limit: "keepAliveTimeout", send: "GET /ok HTTP/1.1\r\nHost: x\r\n\r\n", awaitFirst: "ok\n", log: /Closing idle connection after 0.5 seconds/, after: LIMIT },
  { phase: "response not read", limit: "sendTimeout", send: "GET /big HTTP/1.1\r\nHost: x\r\n\r\n", neverReads: true, log: /Request timed out: TimeoutError\('timed out'\)/, after: LIMIT },
  { phase: "pipelined responses not read (no idle limit)", limit: "sendTimeout", settings: { keepAliveTimeout: null }, send: "GET /bigsync HTTP/1.1\r\nHost: x\r\n\r\n".repeat(64), neverReads: true, log: /Request timed out: TimeoutError\('timed out'\)/, after: LIMIT },
  { phase: "TLS handshake, nothing sent", limit: "headerTimeout (handshake)", tls: true, rawTcp: true, send: "", log: /./, after: LIMIT },
  { phase: "TLS handshake, dripped", limit: "headerTimeout (handshake)", tls: true, rawTcp: true, send: Buffer.from([0x16, 0x03, 0x01, 0x10, 0x00]), drip: "\x01", log: /./, after: LIMIT },
  { phase: "header lines over TLS, silence", limit: "headerTimeout", tls: true, send: "GET /ok HTTP/1.1\r\nHost: x\r\n", status: 408, log: /code 408/, after: LIMIT },
  { phase: "body over TLS, dripped", limit: "requestTimeout", tls: true, send: "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n", drip: "b", log: /Request timed out/, after: TOTAL },
  { phase: "a CGI script's input, part sent then silence", limit: "bodyTimeout", cgi: true, send: "POST /cgi-bin/reader.sh HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789", status: 408, log: /Request timed out: TimeoutError\('timed out'\)/, after: LIMIT },
  { phase: "a CGI script's input, dripped", limit: "cgiTotalTimeout", cgi: true, send: "POST /cgi-bin/reader.sh HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n", drip: "b", status: 504, log: /CGI script killed: still running after 1.2 seconds/, after: TOTAL },
  { phase: "a CGI script's output, not read", limit: "sendTimeout", cgi: true, send: "GET /cgi-bin/flood.sh HTTP/1.1\r\nHost: x\r\n\r\n", neverReads: true, log: /CGI script killed|Request timed out/, after: LIMIT },
];

/** A self-signed certificate and key for 127.0.0.1, made once with openssl. */
function makeCert(): { certfile: string; keyfile: string } {
  const dir = tempDir("slow-clients-").dir;
  const r = spawnSync(
    "openssl",
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=127.0.0.1", "-days", "1", "-keyout", "k.pem", "-out", "c.pem"],
    { cwd: dir, encoding: "utf8", timeout: 30000 },
  );
  if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr || r.error?.message}`);
  return { certfile: join(dir, "c.pem"), keyfile: join(dir, "k.pem") };
}

/** Open the attacker's or a normal client's connection. */
function open(port: number, useTls: boolean): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock: net.Socket = useTls
      ? tls.connect({ host: HOST, port, rejectUnauthorized: false }, () => resolve(sock))
      : net.connect({ host: HOST, port }, () => resolve(sock));
    sock.once("error", reject);
  });
}

/** A normal request on its own connection; resolves with the raw answer. */
async function normalRequest(port: number, useTls: boolean): Promise<string> {
  const sock = await open(port, useTls);
  const chunks: Buffer[] = [];
  sock.on("data", (c: Buffer) => chunks.push(c));
  sock.on("error", () => undefined);
  sock.write("GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  await within(new Promise((r) => sock.once("close", r)), 3000, "the normal client's answer");
  return Buffer.concat(chunks).toString("latin1");
}

describe("Slow clients, phase by phase (table)", function () {
  this.timeout(20000);
  let cert: { certfile: string; keyfile: string };
  before(() => {
    cert = makeCert();
  });

  for (const row of phases) {
    it(`${row.phase}: cut by ${row.limit} after ${row.after} s, a normal client unaffected`, async () => {
      // Prototype values: the TLS handshake limit is read off the handler class.
      const settings = row.settings ?? {};
      class Handler extends Target {
        constructor(request: never, clientAddress: never, server: never) {
          super(request, clientAddress, server);
          Object.assign(this, settings);
        }
      }
      let run: Logged<HTTPServer>;
      if (row.tls) run = await serveLogged(ThreadingHTTPSServer, Handler as RequestHandlerClass, cert);
      else if (row.cgi) run = await serveLogged(ThreadingHTTPServer, cgiHandler(cgiFolder()));
      else run = await serveLogged(ThreadingHTTPServer, Handler as RequestHandlerClass);
      const attacker = await open(run.port, !!row.tls && !row.rawTcp);
      const chunks: Buffer[] = [];
      let dripper: NodeJS.Timeout | undefined;
      try {
        let endedAt = 0;
        const ended = new Promise<void>((resolve) => {
          const done = (): void => {
            endedAt ||= Date.now();
            resolve();
          };
          attacker.on("end", done);
          attacker.on("close", done);
          attacker.on("error", done);
        });
        if (row.neverReads) attacker.pause();
        else attacker.on("data", (c: Buffer) => chunks.push(c));
        if (row.send.length) attacker.write(row.send);
        if (row.awaitFirst) {
          const want = row.awaitFirst;
          await waitFor(() => Buffer.concat(chunks).toString("latin1").endsWith(want), 3000, "the first answer");
        }
        const began = Date.now();
        if (row.then) attacker.write(row.then);
        if (row.drip) {
          const drip = Buffer.from(row.drip, "latin1");
          let i = 0;
          dripper = setInterval(() => {
            if (!attacker.destroyed && attacker.writable) attacker.write(drip.subarray(i % drip.length, (i % drip.length) + 1));
            i++;
          }, 100);
        }
        // A normal client is served at once while the attacker holds its connection.
        await delay(150);
        const normalStarted = Date.now();
        const normal = await normalRequest(run.port, !!row.tls);
        expect(normal).to.match(/^HTTP\/1\.1 200 OK\r\n/);
        expect(normal.endsWith("ok\n")).to.equal(true);
        expect(Date.now() - normalStarted).to.be.below(1000);

        if (row.neverReads) {
          // The server must let go of the connection without the client ever reading.
          await waitFor(() => run.server.openConnections === 0, row.after * 1000 + LATE, "the server to drop the stalled reader");
          endedAt = Date.now();
        } else {
          await within(ended, row.after * 1000 + LATE, `the server to cut the client (${row.limit})`);
        }
        const took = endedAt - began;
        expect(took, "cut no earlier than its limit").to.be.at.least(row.after * 1000 - 150);
        expect(took, "cut within its limit and the clock's slack").to.be.below(row.after * 1000 + LATE);
        if (row.status !== undefined) {
          const answers = parseResponses(Buffer.concat(chunks));
          expect(answers[answers.length - 1]!.status).to.equal(row.status);
          expect(answers[answers.length - 1]!.header("Connection")).to.equal("close");
        }
        if (!row.rawTcp) {
          await waitFor(() => run.logs.some((l) => row.log.test(l)), 2000, `the log line ${row.log}`);
        }
        await waitFor(() => run.server.openConnections === 0, 2000, "the connection to be released");
      } finally {
        clearInterval(dripper);
        attacker.destroy();
        await run.close();
      }
    });
  }
});

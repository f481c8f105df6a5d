/**
 * Slow and idle clients cannot tie up the server: opens many connections
 * that send one byte of a request head every few seconds (from its first
 * byte, or after sending the request line and a header line at once), or
 * nothing at all, to a `ThreadingHTTPServer` in a child process (`server.ts hello`),
 * and while they are open measures the latency of normal clients.
 *
 * Checks: the slow connections really are open together; normal requests
 * keep p99 latency under the target (50 ms); every slow connection is cut
 * by `headerTimeout` (a 408, then close) within a short margin of the
 * limit, and each cut leaves a log line.
 *
 *     node dist/bench/hardening/slow-clients.js [--quick] [--slow N]
 *          [--header-timeout S] [--p99-target MS]
 *
 * Full run: 500 slow connections, headerTimeout 10 s, one byte every 2 to
 * 4 s. `--quick`: 50 connections, headerTimeout 2 s, one byte every 0.3 to
 * 0.6 s.
 *
 * @module
 */
import type * as net from "node:net";
import { Flags, HttpConnection, ServerChild, connect, delay, finish, int, ms, percentile, type Check } from "./common.js";

const flags = new Flags(process.argv.slice(2));
const quick = flags.has("quick");
const SLOW = flags.number("slow", quick ? 50 : 500);
const HEADER_TIMEOUT = flags.number("header-timeout", quick ? 2 : 10);
const DRIBBLE_MIN_MS = flags.number("dribble-min", quick ? 300 : 2000);
const DRIBBLE_MAX_MS = flags.number("dribble-max", quick ? 600 : 4000);
const P99_TARGET = flags.number("p99-target", 50);
const KEEPALIVE_CLIENTS = 4;
/** Cut margin: the server checks head deadlines four times a second; allow for a loaded machine. */
const MARGIN_MS = 2500;

const child = await ServerChild.start("hello", {
  env: { HARDENING_HEADER_TIMEOUT: String(HEADER_TIMEOUT) },
  fdLimit: SLOW + 1000,
});
child.countStderr("408 log lines", /code 408, message Request Timeout/);

/** One slow connection and what became of it. */
interface Slow {
  sock: net.Socket;
  dribbles: boolean;
  opened: number;
  closedAt: number | null;
  data: Buffer[];
  sent: number;
}

const head = Buffer.from(`GET /slow HTTP/1.1\r\nHost: x\r\nX-Slow: ${"s".repeat(10_000)}`);
const slow: Slow[] = [];

async function openSlow(i: number): Promise<void> {
  const sock = await connect(child.port);
  // A third send nothing, a third drip the head from its first byte, and a
  // third send the request line and a header line at once before dripping
  // the rest (the head clock must run until the header block is complete).
  const kind = i % 3;
  const entry: Slow = { sock, dribbles: kind !== 0, opened: Date.now(), closedAt: null, data: [], sent: 0 };
  slow.push(entry);
  sock.on("data", (c: Buffer) => entry.data.push(c));
  let timer: NodeJS.Timeout | undefined;
  const stop = (): void => {
    if (entry.closedAt === null) entry.closedAt = Date.now();
    clearTimeout(timer);
  };
  sock.once("end", stop);
  sock.once("close", stop);
  if (!entry.dribbles) return;
  if (kind === 2) {
    entry.sent = head.indexOf("Host: x\r\n") + "Host: x\r\n".length;
    sock.write(head.subarray(0, entry.sent));
  }
  const drip = (): void => {
    if (sock.destroyed || entry.closedAt !== null) return;
    sock.write(head.subarray(entry.sent, entry.sent + 1));
    entry.sent++;
    timer = setTimeout(drip, DRIBBLE_MIN_MS + Math.random() * (DRIBBLE_MAX_MS - DRIBBLE_MIN_MS));
  };
  drip();
}

// Open the slow connections, 100 at a time.
const rampStart = Date.now();
for (let i = 0; i < SLOW; i += 100) {
  await Promise.all(Array.from({ length: Math.min(100, SLOW - i) }, (_, k) => openSlow(i + k)));
}
const rampMs = Date.now() - rampStart;
await delay(100);
const peak = await child.stats();

// Normal clients, while the slow ones are open and until well after they are cut.
const latencies: number[] = [];
let normalErrors = 0;
let running = true;
const GET = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

async function keepAliveClient(): Promise<void> {
  let conn = await HttpConnection.open(child.port);
  while (running) {
    const t0 = performance.now();
    try {
      const res = await conn.request(GET);
      if (res.status !== 200 || res.body.toString() !== "Hello, world!\n") normalErrors++;
      latencies.push(performance.now() - t0);
    } catch {
      normalErrors++;
      conn.destroy();
      conn = await HttpConnection.open(child.port);
    }
    await delay(5);
  }
  conn.destroy();
}

async function freshConnectionClient(): Promise<void> {
  while (running) {
    const t0 = performance.now();
    try {
      const conn = await HttpConnection.open(child.port);
      const res = await conn.request("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      if (res.status !== 200) normalErrors++;
      latencies.push(performance.now() - t0);
      conn.destroy();
    } catch {
      normalErrors++;
    }
    await delay(5);
  }
}

const normalStart = Date.now();
const clients = [...Array.from({ length: KEEPALIVE_CLIENTS }, keepAliveClient), freshConnectionClient()];
const allCutBy = rampStart + HEADER_TIMEOUT * 1000 + rampMs + MARGIN_MS + 1000;
while (Date.now() < allCutBy && slow.some((s) => s.closedAt === null)) await delay(50);
await delay(500); // normal traffic just after the cut too
running = false;
await Promise.all(clients);
const normalSeconds = (Date.now() - normalStart) / 1000;
await delay(200);
const after = await child.stats();

// What became of the slow connections.
const cut = slow.filter((s) => s.closedAt !== null);
const got408 = slow.filter((s) => Buffer.concat(s.data).toString("latin1").startsWith("HTTP/1.1 408 "));
const cutTimes = cut.map((s) => s.closedAt! - s.opened).sort((a, b) => a - b);
const limitMs = HEADER_TIMEOUT * 1000;
const inWindow = cutTimes.filter((t) => t >= limitMs - 300 && t <= limitMs + MARGIN_MS);
for (const s of slow) s.sock.destroy();

latencies.sort((a, b) => a - b);
const p50 = percentile(latencies, 50);
const p99 = percentile(latencies, 99);
const dribblers = slow.filter((s) => s.dribbles);
const bytesDribbled = dribblers.reduce((n, s) => n + s.sent, 0);
const exitCode = await child.stop();

const checks: Check[] = [
  { name: "slow connections open together", value: `${int(peak.openConnections)} open at the server (of ${int(SLOW)}: ${int(dribblers.length)} sending a byte every ${DRIBBLE_MIN_MS / 1000}-${DRIBBLE_MAX_MS / 1000} s, ${int(SLOW - dribblers.length)} silent)`, ok: peak.openConnections >= SLOW },
  { name: "normal requests answered", value: `${int(latencies.length)} in ${normalSeconds.toFixed(1)} s, ${normalErrors} errors`, ok: latencies.length > 0 && normalErrors === 0 },
  { name: `normal latency p99 < ${P99_TARGET} ms`, value: `p50 ${ms(p50)}, p90 ${ms(percentile(latencies, 90))}, p99 ${ms(p99)}, max ${ms(latencies.at(-1) ?? NaN)}`, ok: p99 < P99_TARGET },
  { name: "every slow connection got 408 and was closed", value: `${int(got408.length)} answered 408, ${int(cut.length)} closed, of ${int(SLOW)}`, ok: got408.length === SLOW && cut.length === SLOW },
  { name: `cut at headerTimeout (${HEADER_TIMEOUT} s) + margin`, value: `${int(inWindow.length)} within [${(limitMs - 300) / 1000}, ${(limitMs + MARGIN_MS) / 1000}] s; first ${((cutTimes[0] ?? NaN) / 1000).toFixed(2)} s, median ${(percentile(cutTimes, 50) / 1000).toFixed(2)} s, last ${((cutTimes.at(-1) ?? NaN) / 1000).toFixed(2)} s after connecting`, ok: inWindow.length === SLOW },
  { name: "a log line for each cut", value: `${int(child.counts.get("408 log lines") ?? 0)} "code 408, message Request Timeout" lines`, ok: (child.counts.get("408 log lines") ?? 0) === SLOW },
  { name: "no crash, no handler error", value: `exit code ${exitCode}, ${after.handlerErrors} handler errors, ${after.openConnections} connections left`, ok: exitCode === 0 && after.handlerErrors === 0 && after.openConnections === 0 },
];
finish(
  "Slow clients: slowloris and idle connections against headerTimeout",
  [
    `command: node dist/bench/hardening/slow-clients.js ${process.argv.slice(2).join(" ")}`.trim(),
    `${int(SLOW)} slow connections opened in ${rampMs} ms; ${KEEPALIVE_CLIENTS} keep-alive clients and 1 new-connection-per-request client measuring latency (5 ms pause between requests)`,
    `server: ThreadingHTTPServer in a child process, headerTimeout ${HEADER_TIMEOUT} s; ${int(bytesDribbled)} bytes dribbled in all`,
  ],
  checks,
);

/**
 * The server's side of the page-load benchmark (bench/h2-page.ts), without
 * a browser: what a page of 100 small modules costs the `--http2` server in
 * CPU time, and how long its 100 responses take, measured with Node's own
 * HTTP/2 client. A batch is what Chromium does for the page: a new TLS
 * session, `GET /`, then the 100 modules at once on that session.
 *
 * Each server starts fresh and is measured twice: over its first 10 batches
 * (about 1,000 requests: its code still runs unoptimised, as in a page-load
 * run) and again after 10,000 more requests (optimised); the servers take
 * turns, three fresh starts each, and the medians are shown. Beside it runs the
 * ceiling, `bench/servers/tls-static.ts` answering the same files from
 * memory with bare `node:http2`, and the bin's HTTPS/1.1 server (`-p
 * HTTP/1.1`) asked over six kept-alive connections, as Chromium does
 * without HTTP/2; `--other DIR` adds the `--http2` bin of another build (a
 * checkout with `dist/`), for a before/after comparison.
 *
 * ```sh
 * npx tsc -p tsconfig.json && node dist/bench/h2-cpu.js [--other ../old-checkout]
 * ```
 *
 * Linux only: CPU time is read from /proc.
 *
 * @module
 */
import type { ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as http2 from "node:http2";
import * as https from "node:https";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { makeSelfSignedCertificate } from "../lib/cli/self-signed.js";
import { processTicks } from "./lib/cpu.js";
import { describeEnvironment } from "./lib/env.js";
import { makeSite, MODULES, startServer } from "./lib/module-page.js";
import { fmtMs, median, table } from "./lib/stats.js";

const BIN = fileURLToPath(new URL("../lib/cli/cli-main.js", import.meta.url));
const CEILING = fileURLToPath(new URL("servers/tls-static.js", import.meta.url));
const COLD_BATCHES = 10;
const WARM_UP_REQUESTS = 10_000;
const WARM_BATCHES = 30;
/** Each server is started afresh and measured this many times (medians shown). */
const ROUNDS = 3;
/** Milliseconds of CPU time per /proc tick (USER_HZ 100). */
const TICK_MS = 10;

/** One server under test. */
interface Contender {
  name: string;
  argv: string[];
  /** Asked over HTTPS/1.1 (six kept-alive connections, as Chromium opens) instead of HTTP/2. */
  http1?: boolean;
  child?: ChildProcess;
  port?: number;
}

/** Start a contender; returns its port. */
async function start(c: Contender): Promise<number> {
  const { child, port } = await startServer(c.name, c.argv);
  c.child = child;
  return port;
}

/** One stream's response, read to its end. */
function get(session: http2.ClientHttp2Session, path: string): Promise<void> {
  return new Promise((done, fail) => {
    const stream = session.request({ ":path": path });
    stream.on("error", fail);
    stream.on("response", (headers) => {
      if (headers[":status"] !== 200) fail(new Error(`${path}: ${headers[":status"]}`));
    });
    stream.resume();
    stream.on("end", done);
  });
}

/** One HTTPS/1.1 response, read to its end. */
function get1(agent: https.Agent, port: number, path: string): Promise<void> {
  return new Promise((done, fail) => {
    const req = https.get({ host: "127.0.0.1", port, path, agent, rejectUnauthorized: false }, (res) => {
      if (res.statusCode !== 200) fail(new Error(`${path}: ${res.statusCode}`));
      res.resume();
      res.on("end", done);
    });
    req.on("error", fail);
  });
}

/** {@link batch} over HTTPS/1.1: new connections (at most six), `/`, then the modules, queued by the agent. */
async function batch1(port: number): Promise<number> {
  const agent = new https.Agent({ keepAlive: true, maxSockets: 6 });
  try {
    await get1(agent, port, "/");
    const t0 = performance.now();
    await Promise.all(Array.from({ length: MODULES }, (_, i) => get1(agent, port, `/m/${i}.js`)));
    return performance.now() - t0;
  } finally {
    agent.destroy();
  }
}

/** One page: a new session, `/`, then the modules at once. Milliseconds from the first module request to the last response. */
async function batch(port: number): Promise<number> {
  const session = http2.connect(`https://127.0.0.1:${port}`, { rejectUnauthorized: false });
  session.on("error", () => {});
  try {
    await get(session, "/");
    const t0 = performance.now();
    await Promise.all(Array.from({ length: MODULES }, (_, i) => get(session, `/m/${i}.js`)));
    return performance.now() - t0;
  } finally {
    session.close();
  }
}

/** `count` batches: their median time and the server's CPU microseconds a request. */
async function measure(c: Contender, count: number): Promise<{ ms: number; cpuUs: number }> {
  const pid = c.child!.pid!;
  const before = processTicks(pid, false);
  const times: number[] = [];
  for (let i = 0; i < count; i++) times.push(await (c.http1 ? batch1 : batch)(c.port!));
  const after = processTicks(pid, false);
  if (before === null || after === null) throw new Error("no CPU time in /proc: this benchmark runs on Linux");
  return { ms: median(times), cpuUs: ((after - before) * TICK_MS * 1000) / (count * (MODULES + 1)) };
}

/** Requests that only warm a server up, a page at a time. */
async function warmUp(port: number, requests: number, http1 = false): Promise<void> {
  for (let done = 0; done < requests; done += MODULES + 1) await (http1 ? batch1 : batch)(port);
}

async function mainBench(): Promise<void> {
  const otherArg = process.argv.indexOf("--other");
  const other = otherArg !== -1 ? resolve(process.argv[otherArg + 1] ?? "") : null;
  const work = mkdtempSync(join(tmpdir(), "h2-cpu-"));
  const site = join(work, "site");
  mkdirSync(site);
  makeSite(site);
  const cert = await makeSelfSignedCertificate();
  const pem = [join(work, "cert.pem"), join(work, "key.pem")] as const;
  writeFileSync(pem[0], cert.cert);
  writeFileSync(pem[1], cert.key, { mode: 0o600 });
  const binArgs = ["--tls-cert", pem[0], "--tls-key", pem[1], "--http2", "-b", "127.0.0.1", "-d", site, "0"];
  const contenders: Contender[] = [{ name: "`--http2` (this build)", argv: [BIN, ...binArgs] }];
  if (other) contenders.push({ name: `\`--http2\` (${other})`, argv: [join(other, "dist/lib/cli/cli-main.js"), ...binArgs] });
  contenders.push({ name: "ceiling: bare `node:http2`, files in memory", argv: [CEILING, "h2", pem[0], pem[1], site] });
  const http1Args = binArgs.filter((a) => a !== "--http2");
  contenders.push({ name: "HTTPS/1.1 keep-alive (`-p HTTP/1.1`), six connections", argv: [BIN, "-p", "HTTP/1.1", ...http1Args], http1: true });
  const results = new Map<Contender, Array<{ cold: { ms: number; cpuUs: number }; warm: { ms: number; cpuUs: number } }>>();
  try {
    // The client's own code warms up first, against a server not measured:
    // else whichever server comes first pays for a slower client.
    const client: Contender = { name: "client warm-up", argv: [CEILING, "h2", pem[0], pem[1], site] };
    await warmUp(await start(client), WARM_UP_REQUESTS);
    client.child!.kill("SIGTERM");
    for (let round = 1; round <= ROUNDS; round++) {
      for (const c of contenders) {
        process.stderr.write(`round ${round}/${ROUNDS}: ${c.name}\n`);
        c.port = await start(c);
        const cold = await measure(c, COLD_BATCHES);
        await warmUp(c.port, WARM_UP_REQUESTS, c.http1);
        const warm = await measure(c, WARM_BATCHES);
        c.child!.kill("SIGTERM");
        results.set(c, [...(results.get(c) ?? []), { cold, warm }]);
      }
    }
  } finally {
    for (const c of contenders) c.child?.kill("SIGTERM");
    rmSync(work, { recursive: true, force: true });
  }
  const rows = contenders.map((c) => {
    const r = results.get(c) ?? [];
    const pick = (f: (x: (typeof r)[number]) => number): number => median(r.map(f));
    return [
      c.name,
      pick((x) => x.cold.cpuUs).toFixed(0),
      fmtMs(pick((x) => x.cold.ms)),
      pick((x) => x.warm.cpuUs).toFixed(0),
      fmtMs(pick((x) => x.warm.ms)),
    ];
  });
  process.stdout.write(
    `## The server's side of a 100-module page over HTTP/2 (Node's client)\n\n` +
      describeEnvironment([
        `${MODULES} module requests a batch on a new TLS session; first ${COLD_BATCHES} batches, then ${WARM_BATCHES} after ${WARM_UP_REQUESTS.toLocaleString("en")} more requests; medians of ${ROUNDS} fresh starts`,
      ]) +
      "\n\n" +
      table(
        ["server", "CPU µs/request, first 1,010", "100 responses, first 1,010", "CPU µs/request, warm", "100 responses, warm"],
        rows,
        ["l", "r", "r", "r", "r"],
      ) +
      "\n",
  );
}

await mainBench();

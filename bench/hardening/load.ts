/**
 * Load: many concurrent keep-alive connections, and a long soak with flat
 * memory, against a `ThreadingHTTPServer` in a child process
 * (`server.ts hello`).
 *
 * Default mode: opens 10,000 keep-alive connections (all open at once),
 * sends a request on each, then three more rounds on every connection at
 * the same time (the second one pipelined, two requests per write, the
 * last with `Connection: close`). Checks every request is answered, the
 * server held every connection open at once, and it serves normally
 * afterwards. The descriptor limit is raised for both processes when the
 * hard limit allows it.
 *
 * `--soak`: 1,000,000 requests on 64 keep-alive connections that reconnect
 * every 1,000 requests; the server's RSS after a full garbage collection
 * is sampled after a 100,000-request warm-up and at the end, and must grow
 * less than 10%. The server's young generation starts at its full size
 * (16 MiB semi-spaces, what V8 grows it to under this load anyway), so
 * V8's one-time growth steps do not pass for a leak; `--v8-defaults`
 * measures without that.
 *
 *     node dist/bench/hardening/load.js [--quick] [--connections N]
 *     node dist/bench/hardening/load.js --soak [--quick] [--requests N] [--warmup N]
 *
 * `--quick`: 500 connections; soak of 20,000 requests (5,000 warm-up).
 *
 * @module
 */
import { Flags, HttpConnection, ServerChild, delay, ensureFdLimit, finish, int, mib, type Check, type ChildStats } from "./common.js";

const flags = new Flags(process.argv.slice(2));
const quick = flags.has("quick");
const soak = flags.has("soak");
const GET = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
const GET_CLOSE = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
const HELLO = "Hello, world!\n";

if (soak) await runSoak();
else await runConcurrent();

async function runConcurrent(): Promise<void> {
  const N = flags.number("connections", quick ? 500 : 10_000);
  const WAVE = flags.number("wave", 250);
  await ensureFdLimit(N + 500);
  const child = await ServerChild.start("hello", { fdLimit: N + 1000 });
  const conns: HttpConnection[] = [];
  let answered = 0;
  let failures = 0;
  const errors: string[] = [];
  const noteError = (err: unknown): void => {
    failures++;
    if (errors.length < 5) errors.push(String(err));
  };
  const check = (r: { status: number; body: Buffer }): void => {
    if (r.status === 200 && r.body.toString() === HELLO) answered++;
    else noteError(new Error(`unexpected response ${r.status}`));
  };

  // Round 1: connect in waves, one request each; keep every connection open.
  const t0 = Date.now();
  for (let i = 0; i < N; i += WAVE) {
    await Promise.all(
      Array.from({ length: Math.min(WAVE, N - i) }, async () => {
        try {
          const conn = await HttpConnection.open(child.port, 30_000);
          conns.push(conn);
          check(await conn.request(GET));
        } catch (err) {
          noteError(err);
        }
      }),
    );
  }
  const connectMs = Date.now() - t0;
  await delay(200);
  const open = await child.stats();
  const stillOpen = conns.filter((c) => !c.isClosed).length;

  /** One request on every connection at once. */
  const round = async (send: (c: HttpConnection) => Promise<void>): Promise<number> => {
    const start = Date.now();
    await Promise.all(conns.map((c) => send(c).catch(noteError)));
    return Date.now() - start;
  };
  const round2Ms = await round(async (c) => check(await c.request(GET)));
  const round3Ms = await round(async (c) => (await c.pipeline([GET, GET])).forEach(check));
  const round4Ms = await round(async (c) => {
    check(await c.request(GET_CLOSE));
    await c.closed; // the server closes after Connection: close
  });
  let drained = await child.stats();
  for (let i = 0; i < 50 && drained.openConnections > 0; i++) {
    await delay(100);
    drained = await child.stats();
  }
  const after = await HttpConnection.open(child.port);
  const normal = await after.request(GET_CLOSE);
  after.destroy();
  const exitCode = await child.stop();
  const expected = N * 5;

  const checks: Check[] = [
    { name: "every request answered", value: `${int(answered)} of ${int(expected)} (${int(N)} connections x 5 requests), ${failures} failures`, ok: answered === expected && failures === 0 },
    { name: "all connections open at once", value: `${int(open.openConnections)} open at the server, ${int(stillOpen)} open at the client`, ok: open.openConnections === N && stillOpen === N },
    { name: "all closed afterwards", value: `${int(drained.openConnections)} left`, ok: drained.openConnections === 0 },
    { name: "normal request afterwards", value: `${normal.status}`, ok: normal.status === 200 },
    { name: "no crash, no handler error", value: `exit code ${exitCode}, ${drained.handlerErrors} handler errors`, ok: exitCode === 0 && drained.handlerErrors === 0 },
  ];
  finish(
    `Load: ${int(N)} concurrent keep-alive connections`,
    [
      `command: node dist/bench/hardening/load.js ${process.argv.slice(2).join(" ")}`.trim(),
      `server: ThreadingHTTPServer (maxConnections ${int(10_000)}, the default) in a child process, RSS ${mib(open.rss)} with ${int(N)} connections open`,
      `connect + first request: ${connectMs} ms (waves of ${WAVE}); round 2: ${round2Ms} ms; round 3 (pipelined x2): ${round3Ms} ms; round 4 (Connection: close): ${round4Ms} ms`,
    ],
    checks,
    errors,
  );
}

async function runSoak(): Promise<void> {
  const TOTAL = flags.number("requests", quick ? 20_000 : 1_000_000);
  const WARMUP = flags.number("warmup", quick ? 5_000 : 100_000);
  const CONNS = flags.number("connections", quick ? 16 : 64);
  const RECONNECT = flags.number("reconnect-every", quick ? 200 : 1000);
  const SAMPLES = 10;
  // V8 grows its young generation in steps as allocation goes on (8 MiB,
  // then 16 MiB semi-spaces: +8 and +16 MiB of RSS at moments that vary
  // from run to run) while the heap in use stays flat. Starting it at the
  // size V8 grows it to anyway keeps those steps out of the measurement;
  // --v8-defaults runs without that.
  const v8Defaults = flags.has("v8-defaults");
  const nodeArgs = ["--expose-gc", ...(v8Defaults ? [] : ["--min-semi-space-size=16", "--max-semi-space-size=16"])];
  const child = await ServerChild.start("hello", { nodeArgs });

  let issued = 0;
  let answered = 0;
  let failures = 0;
  let reconnects = 0;
  const errors: string[] = [];
  const samples: Array<{ at: number; stats: ChildStats }> = [];
  let nextSample = WARMUP;
  let sampling: Promise<void> | null = null;
  let warm: ChildStats | null = null;

  const maybeSample = (): void => {
    if (answered < nextSample || sampling) return;
    const at = answered;
    nextSample = at >= WARMUP ? at + Math.ceil((TOTAL - WARMUP) / SAMPLES) : WARMUP;
    sampling = child
      .stats()
      .then((stats) => {
        samples.push({ at, stats });
        warm ??= stats;
      })
      .finally(() => (sampling = null));
  };

  const worker = async (): Promise<void> => {
    while (issued < TOTAL) {
      // Claim this connection's requests before connecting, so no connection sits idle.
      const share = Math.min(RECONNECT, TOTAL - issued);
      issued += share;
      const conn = await HttpConnection.open(child.port);
      reconnects++;
      try {
        for (let i = 0; i < share; i++) {
          const last = i === share - 1;
          const res = await conn.request(last ? GET_CLOSE : GET);
          if (res.status === 200 && res.body.length === HELLO.length) answered++;
          else {
            failures++;
            if (errors.length < 5) errors.push(`status ${res.status}`);
          }
          maybeSample();
        }
        await conn.closed;
      } catch (err) {
        failures++;
        if (errors.length < 5) errors.push(String(err));
        conn.destroy();
      }
    }
  };
  const t0 = Date.now();
  await Promise.all(Array.from({ length: CONNS }, worker));
  const seconds = (Date.now() - t0) / 1000;
  while (sampling) await sampling;
  await delay(200);
  const end = await child.stats();
  samples.push({ at: answered, stats: end });
  const exitCode = await child.stop();

  const base = warm as ChildStats | null;
  const growth = base?.rssAfterGc && end.rssAfterGc ? (end.rssAfterGc - base.rssAfterGc) / base.rssAfterGc : NaN;
  const heapGrowth = base?.heapAfterGc && end.heapAfterGc ? (end.heapAfterGc - base.heapAfterGc) / base.heapAfterGc : NaN;
  const curve = samples
    .map((s) => `${int(s.at)}: ${mib(s.stats.rssAfterGc ?? s.stats.rss)} (heap ${mib(s.stats.heapAfterGc ?? NaN)} of ${mib(s.stats.heapTotalAfterGc ?? NaN)}, external ${mib(s.stats.externalAfterGc ?? NaN)})`)
    .join("; ");
  const checks: Check[] = [
    { name: "every request answered", value: `${int(answered)} of ${int(TOTAL)} on ${CONNS} connections (${int(reconnects)} connections in all), ${failures} failures`, ok: answered === TOTAL && failures === 0 },
    {
      name: "RSS growth after warm-up < 10%",
      value: base ? `${mib(base.rssAfterGc ?? NaN)} at ${int(WARMUP)} -> ${mib(end.rssAfterGc ?? NaN)} at ${int(answered)}: ${(growth * 100).toFixed(1)}% (heap ${(heapGrowth * 100).toFixed(1)}%)` : "no warm-up sample",
      ok: Number.isFinite(growth) && growth < 0.1,
    },
    { name: "no crash, no handler error", value: `exit code ${exitCode}, ${end.handlerErrors} handler errors, ${end.openConnections} connections left`, ok: exitCode === 0 && end.handlerErrors === 0 },
  ];
  finish(
    `Soak: ${int(TOTAL)} requests, memory after warm-up`,
    [
      `command: node dist/bench/hardening/load.js ${process.argv.slice(2).join(" ")}`.trim(),
      `server: ThreadingHTTPServer in a child process (node ${nodeArgs.join(" ")}; RSS read after a full gc); ${seconds.toFixed(1)} s, ${int(TOTAL / seconds)} requests/s`,
      `${CONNS} keep-alive connections, each closed (Connection: close) and replaced every ${int(RECONNECT)} requests`,
    ],
    checks,
    [`RSS after gc by requests answered: ${curve}`, ...errors],
  );
}

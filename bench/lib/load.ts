/**
 * HTTP load generators: autocannon's programmatic API (always available, a
 * devDependency) or wrk (used when installed and chosen). Load only ever
 * targets 127.0.0.1.
 */
import { execFile, execFileSync } from "node:child_process";
import * as net from "node:net";
import autocannon from "autocannon";
import { track } from "./child.js";
import { Latencies } from "./latency.js";

export type Tool = "autocannon" | "wrk";

export interface LoadOptions {
  port: number;
  connections: number;
  /** Seconds of load. */
  duration: number;
  /** Send `Connection: close`, so every request is a new connection. */
  close: boolean;
  /** Stop after this many responses instead of after `duration` (autocannon only). */
  amount?: number;
  /** The request path (default `/`; wrk only). */
  path?: string;
}

export interface LoadResult {
  /** Responses received. */
  requests: number;
  /** Seconds the run took. */
  seconds: number;
  /** Responses per second. */
  rps: number;
  /** 99th percentile latency, milliseconds. */
  p99: number;
  /** Connection errors + timeouts. */
  errors: number;
  /** Responses that were not 2xx. */
  non2xx: number;
  /** Bytes received (wrk: headers included, from its rounded "read" figure; the bench's client: bodies only). */
  bytes?: number;
}

export function hasWrk(): boolean {
  try {
    execFileSync("which", ["wrk"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const HOST = "127.0.0.1";

export async function load(tool: Tool, opts: LoadOptions): Promise<LoadResult> {
  if (tool === "wrk" && opts.amount === undefined) return runWrk(opts);
  // autocannon writes the next request on a connection the server is closing
  // (and counts responses to it wrongly), so Connection: close uses our client.
  return opts.close ? runCloseClient(opts) : runAutocannon(opts);
}

async function runAutocannon(opts: LoadOptions): Promise<LoadResult> {
  // autocannon's own histogram has 1 ms resolution; record the exact
  // durations it reports per response instead.
  const lat = new Latencies();
  const options: autocannon.Options = {
    url: `http://${HOST}:${opts.port}/`,
    connections: opts.connections,
    pipelining: 1,
    timeout: 10,
    headers: opts.close ? { connection: "close" } : {},
    setupClient: (client) => {
      client.on("response", (status: number, _bytes: number, ms: number) => {
        if (status >= 200 && status < 300) lat.record(ms);
      });
    },
    ...(opts.amount !== undefined ? { amount: opts.amount } : { duration: opts.duration }),
  };
  const r = await autocannon(options);
  const requests = r.requests.total;
  return {
    requests,
    seconds: r.duration,
    rps: requests / r.duration,
    p99: lat.count ? lat.percentile(99) : r.latency.p99,
    errors: r.errors,
    non2xx: r.non2xx,
  };
}

/** wrk's `1.23ms` / `456.00us` / `1.20s` into milliseconds. */
function wrkTime(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  if (!m) return NaN;
  const v = Number(m[1]);
  return m[2] === "us" ? v / 1000 : m[2] === "ms" ? v : m[2] === "s" ? v * 1000 : v * 60_000;
}

function runWrk(opts: LoadOptions): Promise<LoadResult> {
  // wrk takes whole seconds only.
  const args = ["-t1", `-c${opts.connections}`, `-d${Math.max(1, Math.round(opts.duration))}s`, "--latency", "--timeout", "10s"];
  if (opts.close) args.push("-H", "Connection: close");
  args.push(`http://${HOST}:${opts.port}${opts.path ?? "/"}`);
  return new Promise((resolve, reject) => {
    const child = execFile("wrk", args, { timeout: (opts.duration + 30) * 1000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`wrk failed: ${err.message}\n${stderr}`));
      const total = /(\d+) requests in ([\d.]+)(us|ms|s|m)/.exec(stdout);
      const p99 = /^\s*99%\s+(\S+)/m.exec(stdout);
      if (!total || !p99) return reject(new Error(`cannot parse wrk output:\n${stdout}`));
      const requests = Number(total[1]);
      const seconds = wrkTime(total[2]! + total[3]!) / 1000;
      const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
      // wrk counts a server-side close after a `Connection: close` response as
      // a read error; only connect errors and timeouts are real failures.
      const errors = sock ? Number(sock[1]) + Number(sock[4]) : 0;
      const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0);
      const read = /requests in [\d.]+\w+, ([\d.]+)([KMGT]?B) read/.exec(stdout);
      const bytes = read ? Number(read[1]) * 1024 ** "BKMGT".indexOf(read[2]![0]!) : undefined;
      resolve({ requests, seconds, rps: requests / seconds, p99: wrkTime(p99[1]!), errors, non2xx, bytes });
    });
    track(child);
  });
}


/**
 * Connection-per-request load: each of `connections` loops connects, sends
 * one `Connection: close` request, reads the response to the server's close,
 * checks it is a 200 with the hello-world body, and starts over. Latency runs
 * from connect() to the end of the response (TCP handshake included).
 */
function runCloseClient(opts: LoadOptions): Promise<LoadResult> {
  const request = Buffer.from(`GET / HTTP/1.1\r\nHost: ${HOST}:${opts.port}\r\nUser-Agent: bench\r\nConnection: close\r\n\r\n`, "latin1");
  const lat = new Latencies();
  let ok = 0;
  let errors = 0;
  let non2xx = 0;
  const start = performance.now();
  const deadline = start + opts.duration * 1000;
  return new Promise((resolve) => {
    let running = opts.connections;
    const loop = (): void => {
      if (performance.now() >= deadline) {
        if (--running === 0) {
          const seconds = (performance.now() - start) / 1000;
          resolve({ requests: ok, seconds, rps: ok / seconds, p99: lat.percentile(99), errors, non2xx });
        }
        return;
      }
      const t0 = performance.now();
      const chunks: Buffer[] = [];
      let failed = false;
      const sock = net.connect({ port: opts.port, host: HOST, noDelay: true });
      sock.setTimeout(10_000, () => {
        failed = true; // as autocannon's and wrk's 10 s time-out: an error, then carry on
        sock.destroy();
      });
      sock.write(request);
      sock.on("data", (c: Buffer) => chunks.push(c));
      sock.on("error", () => {
        failed = true;
      });
      sock.on("end", () => {
        const res = Buffer.concat(chunks).toString("latin1");
        if (/^HTTP\/1\.[01] 2\d\d /.test(res) && res.endsWith("Hello, world!\n")) {
          ok++;
          lat.record(performance.now() - t0);
        } else if (/^HTTP\/1\.[01] \d\d\d /.test(res)) {
          non2xx++;
        } else {
          failed = true;
        }
      });
      sock.on("close", () => {
        if (failed) errors++;
        setImmediate(loop);
      });
    };
    for (let i = 0; i < opts.connections; i++) loop();
  });
}

/**
 * Issue "Foundation": TCP echo round trips per second of this package's
 * ThreadingTCPServer (a StreamRequestHandler echoing lines) against a bare
 * node:net echo server. N clients in the driver process each send a line and
 * wait for its echo before sending the next.
 *
 * Run through `npm run bench -- --only echo`, or `node dist/bench/tcp-echo.js`.
 */
import * as net from "node:net";
import { fileURLToPath } from "node:url";
import { ServerProcess } from "./lib/child.js";
import { fmtCores, fmtCpuPerRequest, OtherLoad } from "./lib/cpu.js";
import { Latencies } from "./lib/latency.js";
import { fmtInt, fmtMs, fmtRatio, median, table } from "./lib/stats.js";

export interface EchoOptions {
  duration: number;
  passes: number;
  warmup: number;
  clients: number;
  oursNodeArgs: string[];
  log: (line: string) => void;
}

interface EchoResult {
  roundTrips: number;
  seconds: number;
  rate: number;
  p99: number;
  errors: number;
}

const LINE = Buffer.from("ping 0123456789abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTU\n"); // 64 bytes

/** `clients` connections doing strict ping-pong for `seconds`. */
export async function echoLoad(port: number, clients: number, seconds: number): Promise<EchoResult> {
  const socks = await Promise.all(
    Array.from({ length: clients }, () => new Promise<net.Socket>((res, rej) => {
      const s = net.connect({ port, host: "127.0.0.1", noDelay: true }, () => res(s));
      s.once("error", rej);
    })),
  );
  const lat = new Latencies();
  let roundTrips = 0;
  let errors = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  await Promise.all(
    socks.map(
      (sock) =>
        new Promise<void>((resolve) => {
          let got = 0;
          let t0 = 0;
          const chunks: Buffer[] = [];
          const send = (): void => {
            if (performance.now() >= deadline) {
              sock.destroy();
              resolve();
              return;
            }
            got = 0;
            chunks.length = 0;
            t0 = performance.now();
            sock.write(LINE);
          };
          sock.on("data", (c: Buffer) => {
            got += c.length;
            chunks.push(c);
            if (got < LINE.length) return;
            const echoed = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
            if (got === LINE.length && echoed.equals(LINE)) {
              roundTrips++;
              lat.record(performance.now() - t0);
              send();
            } else {
              errors++;
              sock.destroy();
              resolve();
            }
          });
          sock.on("error", () => {
            errors++;
            resolve();
          });
          sock.on("close", () => resolve());
          send();
        }),
    ),
  );
  const secs = (performance.now() - start) / 1000;
  return { roundTrips, seconds: secs, rate: roundTrips / secs, p99: lat.percentile(99), errors };
}

export async function runEchoBench(opts: EchoOptions): Promise<string> {
  const list = [
    { key: "ours", label: "ours (ThreadingTCPServer + StreamRequestHandler)", start: () => ServerProcess.node("ours-echo", "ours-echo.js", { nodeArgs: opts.oursNodeArgs }) },
    { key: "net", label: "node:net echo", start: () => ServerProcess.node("net-echo", "net-echo.js") },
  ] as const;
  const servers = new Map<string, ServerProcess>();
  const passes = new Map<string, Array<{ r: EchoResult; server: number; other: number; cpu: number }>>(list.map((c) => [c.key, []]));
  try {
    for (const c of list) servers.set(c.key, await c.start());
    if (opts.warmup > 0) for (const c of list) await echoLoad(servers.get(c.key)!.port, opts.clients, opts.warmup);
    for (let p = 0; p < opts.passes; p++) {
      const order = p % 2 ? [...list].reverse() : list;
      for (const c of order) {
        const s = servers.get(c.key)!;
        const before = await s.stats();
        const load = new OtherLoad(s.child.pid);
        const r = await echoLoad(s.port, opts.clients, opts.duration);
        const { other, server: cpu } = load.stop();
        const after = await s.stats();
        const server = after.requests - before.requests;
        passes.get(c.key)!.push({ r, server, other, cpu });
        opts.log(
          `echo c=${opts.clients} pass ${p + 1}/${opts.passes} ${c.key}: ${fmtInt(r.rate)} round trips/s, p99 ${fmtMs(r.p99)}, ` +
            `server counted ${fmtInt(server)} lines, server CPU ${fmtCpuPerRequest(cpu, server)}/round trip, errors ${r.errors}, other load ${fmtCores(other)} cores`,
        );
      }
    }
  } finally {
    await Promise.all([...servers.values()].map((s) => s.stop()));
  }
  const rate = (k: string): number => median(passes.get(k)!.map((p) => p.r.rate));
  const rows = list.map((c) => {
    const ps = passes.get(c.key)!;
    const client = ps.reduce((s, p) => s + p.r.roundTrips, 0);
    const server = ps.reduce((s, p) => s + p.server, 0);
    const errors = ps.reduce((s, p) => s + p.r.errors, 0);
    // Each client may have one line in flight when the run stops.
    const ok = Math.abs(server - client) <= opts.clients * ps.length + errors ? "yes" : "**NO**";
    const cpu = fmtCpuPerRequest(median(ps.map((p) => p.cpu / Math.max(1, p.server))), 1);
    return [c.label, fmtInt(rate(c.key)), fmtMs(median(ps.map((p) => p.r.p99))), cpu, fmtRatio(rate(c.key), rate("net")), `${fmtInt(server)} / ${fmtInt(client)} ${ok}`, String(errors), fmtCores(median(ps.map((p) => p.other)))];
  });
  const ratio = rate("ours") / rate("net");
  const cpuPer = (k: string): number => median(passes.get(k)!.map((p) => p.cpu / Math.max(1, p.server)));
  return [
    "## Foundation: TCP echo",
    "",
    `${opts.clients} clients, each sending a 64-byte line and waiting for its echo before the next, ` +
      `${opts.passes} passes of ${opts.duration} s after a ${opts.warmup} s warm-up; medians over the passes. ` +
      `Ours: \`for await (const line of this.rfile) this.wfile.write(line)\`; node:net: \`socket.on("data", (d) => socket.write(d))\`. ` +
      `Both count the lines they echo. "CPU/round trip": server process CPU time per echoed line; "other load": cores used by other processes (noise).`,
    "",
    table(["server", "round trips/s", "p99", "CPU/round trip", "vs node:net", "counted (server / client)", "errors", "other load"], rows, ["l", "r", "r", "r", "r", "r", "r", "r"]),
    "",
    `Target: ours >= 0.8x node:net -> ${fmtRatio(rate("ours"), rate("net"))}: ${ratio >= 0.8 ? "met" : "**not met**"} ` +
      `(by CPU per round trip: ${fmtRatio(cpuPer("net"), cpuPer("ours"))}; the clients share one process, so round trips/s ` +
      `measures the latency each server adds more than its full capacity).`,
  ].join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { main } = await import("./run.js");
  await main(["--only", "echo", ...process.argv.slice(2)]);
}

/**
 * Issue "HTTP engine": hello-world throughput of this package's
 * ThreadingHTTPServer against node:http, a bare node:net responder (the JS
 * ceiling) and Python's http.server, keep-alive and Connection: close.
 * Also the `--memory` check: RSS of our server after 100k and 1M requests.
 *
 * Run through `npm run bench` (see bench/README.md), or alone:
 * `node dist/bench/http.js [--duration 5] [--passes 3] [--memory]`.
 */
import { fileURLToPath } from "node:url";
import type { Panel } from "./lib/chart.js";
import { ServerProcess } from "./lib/child.js";
import { fmtCores, fmtCpuPerRequest, OtherLoad } from "./lib/cpu.js";
import { load, type LoadResult, type Tool } from "./lib/load.js";
import { fmtInt, fmtMiB, fmtMs, fmtRatio, median, table } from "./lib/stats.js";

export interface HttpOptions {
  duration: number;
  passes: number;
  warmup: number;
  connections: number[];
  modes: Array<"keep-alive" | "close">;
  tool: Tool;
  /** The python3 executable, or null to leave Python out. */
  python: string | null;
  /** Listen backlog given to our server and Python's (node:http's default is 511). */
  backlog: number;
  /** Extra node flags for our server (e.g. --cpu-prof). */
  oursNodeArgs: string[];
  log: (line: string) => void;
}

interface Contender {
  key: "ours" | "node" | "net" | "python" | "pythonNodelay";
  label: string;
  /** Name in the chart. */
  short: string;
  start: () => Promise<ServerProcess>;
}

interface Pass {
  result: LoadResult;
  server: number;
  /** Cores used by other processes meanwhile. */
  other: number;
  /** CPU seconds the server used. */
  cpu: number;
}

interface Cell {
  mode: "keep-alive" | "close";
  connections: number;
  passes: Map<Contender["key"], Pass[]>;
}

function contenders(opts: HttpOptions): Contender[] {
  const env = { BENCH_BACKLOG: String(opts.backlog) };
  const list: Contender[] = [
    { key: "ours", label: "ours (ThreadingHTTPServer)", short: "ours", start: () => ServerProcess.node("ours", "ours-http.js", { env, nodeArgs: opts.oursNodeArgs }) },
    { key: "node", label: "node:http", short: "node:http", start: () => ServerProcess.node("node:http", "node-http.js") },
    { key: "net", label: "node:net fixed response (ceiling)", short: "node:net fixed (ceiling)", start: () => ServerProcess.node("node:net", "net-http.js") },
  ];
  if (opts.python) {
    const py = opts.python;
    list.push({ key: "python", label: "Python ThreadingHTTPServer", short: "Python", start: () => ServerProcess.python("python", py, "python_http.py", { env }) });
    list.push({
      key: "pythonNodelay",
      label: "Python ThreadingHTTPServer + TCP_NODELAY",
      short: "Python + TCP_NODELAY",
      start: () => ServerProcess.python("python+nodelay", py, "python_http.py", { env: { ...env, BENCH_PY_NODELAY: "1" } }),
    });
  }
  return list;
}

async function measure(server: ServerProcess, opts: HttpOptions, cell: Cell, seconds: number): Promise<Pass> {
  const before = await server.stats();
  const other = new OtherLoad(server.child.pid);
  const result = await load(opts.tool, { port: server.port, connections: cell.connections, duration: seconds, close: cell.mode === "close" });
  const cpu = other.stop();
  const after = await server.stats();
  return { result, server: after.requests - before.requests, other: cpu.other, cpu: cpu.server };
}

/** The markdown section and the chart's panels. */
export interface HttpSection {
  markdown: string;
  panels: Panel[];
}

/** Run every cell; returns the markdown section and the chart panels. */
export async function runHttpBench(opts: HttpOptions): Promise<HttpSection> {
  const list = contenders(opts);
  const servers = new Map<Contender["key"], ServerProcess>();
  const cells: Cell[] = [];
  try {
    for (const c of list) servers.set(c.key, await c.start());
    for (const mode of opts.modes) {
      for (const connections of opts.connections) {
        const cell: Cell = { mode, connections, passes: new Map(list.map((c) => [c.key, []])) };
        cells.push(cell);
        if (opts.warmup > 0) {
          for (const c of list) await measure(servers.get(c.key)!, opts, cell, opts.warmup);
        }
        for (let p = 0; p < opts.passes; p++) {
          // Rotate the order each pass so slow drift of a noisy machine hits everyone alike.
          const order = list.map((_, i) => list[(i + p) % list.length]!);
          for (const c of order) {
            const pass = await measure(servers.get(c.key)!, opts, cell, opts.duration);
            cell.passes.get(c.key)!.push(pass);
            const r = pass.result;
            opts.log(
              `http ${mode} c=${connections} pass ${p + 1}/${opts.passes} ${c.key}: ${fmtInt(r.rps)} req/s, p99 ${fmtMs(r.p99)}, ` +
                `${fmtInt(r.requests)} responses, server counted ${fmtInt(pass.server)}, errors ${r.errors}, non-2xx ${r.non2xx}, ` +
                `server CPU ${fmtCpuPerRequest(pass.cpu, pass.server)}/req, other load ${fmtCores(pass.other)} cores`,
            );
          }
        }
      }
    }
  } finally {
    await Promise.all([...servers.values()].map((s) => s.stop()));
  }
  return { markdown: report(opts, list, cells), panels: panels(list, cells) };
}

function panels(list: Contender[], cells: Cell[]): Panel[] {
  return cells.map((cell) => ({
    title: `hello world, ${cell.mode}, ${cell.connections} connections (req/s)`,
    bars: list.map((c) => {
      const r = median(cell.passes.get(c.key)?.map((p) => p.result.rps) ?? []);
      return { label: c.short, value: r, text: fmtInt(r), kind: c.key === "ours" ? "ours" : c.key === "net" ? "ceiling" : "other" };
    }),
  }));
}

function report(opts: HttpOptions, list: Contender[], cells: Cell[]): string {
  const rows: string[][] = [];
  type Key = Contender["key"];
  const summary: Array<{ mode: string; connections: number; rps: (k: Key) => number; cpu: (k: Key) => number }> = [];
  for (const cell of cells) {
    const rps = (k: Key): number => median(cell.passes.get(k)?.map((p) => p.result.rps) ?? []);
    const cpu = (k: Key): number => median(cell.passes.get(k)?.map((p) => p.cpu / Math.max(1, p.server)) ?? []);
    const base = { node: rps("node"), python: rps("python") };
    summary.push({ mode: cell.mode, connections: cell.connections, rps, cpu });
    for (const c of list) {
      const passes = cell.passes.get(c.key)!;
      const r = rps(c.key);
      const client = passes.reduce((s, p) => s + p.result.requests, 0);
      const server = passes.reduce((s, p) => s + p.server, 0);
      const errors = passes.reduce((s, p) => s + p.result.errors + p.result.non2xx, 0);
      // Up to one request per connection is in flight when the load stops.
      const slack = cell.connections * passes.length + errors;
      const verified = Math.abs(server - client) <= slack ? "yes" : "**NO**";
      rows.push([
        cell.mode,
        String(cell.connections),
        c.label,
        fmtInt(r),
        fmtMs(median(passes.map((p) => p.result.p99))),
        fmtCpuPerRequest(cpu(c.key), 1),
        c.key === "node" ? "1.00x" : fmtRatio(r, base.node),
        opts.python ? fmtRatio(r, base.python) : "n/a",
        `${fmtInt(server)} / ${fmtInt(client)} ${verified}`,
        String(errors),
        fmtCores(median(passes.map((p) => p.other))),
      ]);
    }
  }
  const out: string[] = [];
  out.push("## HTTP engine: hello world");
  out.push("");
  out.push(
    `Each server answers \`GET /\` with \`200\`, 4-5 headers and \`Hello, world!\\n\`, in its own process. ` +
      `Request logging is silenced in every contender (ours overrides \`logMessage\`, Python's \`log_message\`; ` +
      `node:http and node:net log nothing). Ours and Python speak HTTP/1.1; their listen backlog is set to ${opts.backlog} ` +
      `(node:http's default; Python's and our default of 5 drops connects under Connection: close at 64 connections). ` +
      `"Python" is the stock handler (Nagle's algorithm on, as http.server ships: headers and body leave in two writes, ` +
      `so keep-alive responses wait for the client's delayed ACK); "Python + TCP_NODELAY" sets \`disable_nagle_algorithm = True\`, ` +
      `Python at its best. "vs Python" is against the stock one. ` +
      `Load: ${toolLabel(opts.tool)}; ${opts.passes} passes of ${opts.duration} s per cell after a ${opts.warmup} s warm-up; ` +
      `req/s and p99 are medians over the passes. "counted" is requests counted by the server / responses counted by the client, ` +
      `summed over the passes ("yes": they agree up to the requests in flight when the load stopped). ` +
      `"CPU/req": the server process's user + system CPU time per request served (median over the passes; ` +
      `less sensitive to a noisy machine than req/s, and on loopback it includes kernel work done for the client). ` +
      `"other load": median CPU, in cores, used by processes other than this benchmark during the passes (noise).`,
  );
  out.push("");
  out.push(
    table(
      ["mode", "conns", "server", "req/s", "p99", "CPU/req", "vs node:http", "vs Python", "counted (server / client)", "errors", "other load"],
      rows,
      ["l", "r", "l", "r", "r", "r", "r", "r", "r", "r", "r"],
    ),
  );
  out.push("");
  out.push("Targets for ours:");
  out.push("");
  const trows: string[][] = [];
  for (const s of summary) {
    const cell = `${s.mode}, ${s.connections} conns`;
    const goal = s.mode === "keep-alive" ? 1.5 : 1.0;
    const row = (against: Key, name: string, target: number | null): string[] => {
      const r = s.rps("ours") / s.rps(against);
      return [
        cell,
        name,
        target === null ? "-" : `>= ${target.toFixed(1)}x`,
        fmtRatio(s.rps("ours"), s.rps(against)),
        // CPU per request inverted: how many of ours fit in the other's CPU budget.
        fmtRatio(s.cpu(against), s.cpu("ours")),
        target === null ? "" : r >= target ? "met" : "**not met**",
      ];
    };
    trows.push(row("node", "vs node:http", goal));
    if (opts.python) {
      trows.push(row("python", "vs Python", 10));
      trows.push(row("pythonNodelay", "vs Python + TCP_NODELAY", null));
    }
    trows.push(row("net", "vs node:net ceiling", null));
  }
  out.push(table(["cell", "ours", "target", "by req/s", "by CPU/req", "req/s verdict"], trows, ["l", "l", "r", "r", "r", "l"]));
  out.push("");
  out.push(
    `"by CPU/req" is the other server's CPU time per request divided by ours: the speed ratio if each had a core to itself, ` +
      `steadier than req/s when the machine is shared.`,
  );
  return out.join("\n");
}

function toolLabel(tool: Tool): string {
  return tool === "wrk"
    ? "wrk (1 thread) for both modes"
    : "autocannon (programmatic API) for keep-alive; for Connection: close the bench's own client (a new connection per request, latency includes the TCP handshake), because autocannon writes its next request on the connection the server is closing";
}

export interface MemoryOptions {
  total: number;
  step: number;
  connections: number;
  backlog: number;
  oursNodeArgs: string[];
  log: (line: string) => void;
}

interface MemorySample {
  at: number;
  rss: number;
  rssGc: number;
  heapGc: number;
}

/** Young-generation cap of the second memory run: the V8 flag and how the report names it. */
const YOUNG_CAP_FLAG = "--max-semi-space-size=2";

/** A hello-world server the memory check measures. */
interface MemorySubject {
  name: string;
  script: string;
  nodeArgs: string[];
  label: string;
}

/** Serve `opts.total` keep-alive requests to a hello-world server, sampling its memory after each batch. */
async function memorySamples(opts: MemoryOptions, subject: MemorySubject): Promise<MemorySample[]> {
  const label = subject.label;
  const server = await ServerProcess.node(subject.name, subject.script, {
    env: { BENCH_BACKLOG: String(opts.backlog) },
    nodeArgs: ["--expose-gc", ...subject.nodeArgs],
  });
  const samples: MemorySample[] = [];
  try {
    const start = await server.stats();
    let done = 0;
    while (done < opts.total) {
      const amount = Math.min(opts.step, opts.total - done);
      const r = await load("autocannon", { port: server.port, connections: opts.connections, duration: 0, close: false, amount });
      done += amount;
      const s = await server.stats();
      const served = s.requests - start.requests;
      samples.push({ at: served, rss: s.rss, rssGc: s.rssAfterGc ?? s.rss, heapGc: s.heapUsedAfterGc ?? s.heapUsed ?? 0 });
      opts.log(`memory${label}: ${fmtInt(served)} requests served (${fmtInt(r.rps)} req/s, errors ${r.errors}), rss ${fmtMiB(s.rss)}, after gc ${fmtMiB(s.rssAfterGc ?? NaN)}, heap ${fmtMiB(s.heapUsedAfterGc ?? NaN)}`);
    }
  } finally {
    await server.stop();
  }
  return samples;
}

/** RSS growth (after gc) from the sample at 100,000 requests (or the first) to the last. */
function rssGrowth(opts: MemoryOptions, samples: MemorySample[]): { first: MemorySample; last: MemorySample; growth: number } {
  const first = samples.find((s) => s.at >= Math.min(100_000, opts.total)) ?? samples[0]!;
  const last = samples[samples.length - 1]!;
  return { first, last, growth: last.rssGc / first.rssGc - 1 };
}

const percent = (x: number): string => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)}%`;

/**
 * RSS of our server over `total` keep-alive requests, run twice: as
 * shipped (the target's verdict), and with V8's young generation capped,
 * which shows how much of any growth is the young generation sizing itself
 * up rather than memory kept. node:http's hello world runs the same check
 * as a reference: what Node's own server does under the same load.
 */
export async function runMemoryCheck(opts: MemoryOptions): Promise<string> {
  const plain = await memorySamples(opts, { name: "ours", script: "ours-http.js", nodeArgs: opts.oursNodeArgs, label: "" });
  const capped = await memorySamples(opts, {
    name: "ours",
    script: "ours-http.js",
    nodeArgs: [YOUNG_CAP_FLAG, ...opts.oursNodeArgs],
    label: ` (${YOUNG_CAP_FLAG})`,
  });
  const node = await memorySamples(opts, { name: "node:http", script: "node-http.js", nodeArgs: [], label: " (node:http)" });
  const rows = plain.map((s, i) => {
    const c = capped[i];
    const n = node[i];
    return [
      fmtInt(s.at),
      fmtMiB(s.rss),
      fmtMiB(s.rssGc),
      fmtMiB(s.heapGc),
      c ? fmtMiB(c.rssGc) : "-",
      c ? fmtMiB(c.heapGc) : "-",
      n ? fmtMiB(n.rssGc) : "-",
      n ? fmtMiB(n.heapGc) : "-",
    ];
  });
  const p = rssGrowth(opts, plain);
  const c = rssGrowth(opts, capped);
  const n = rssGrowth(opts, node);
  const heaps = plain.map((s) => s.heapGc);
  return [
    "## HTTP engine: memory",
    "",
    `Our hello-world server (logging silenced) under ${fmtInt(opts.total)} keep-alive requests from autocannon, ` +
      `${opts.connections} connections, in batches of ${fmtInt(opts.step)} (each batch opens fresh connections). ` +
      `The server reports its RSS on SIGUSR2, then again after a full \`gc()\` (run with \`--expose-gc\`). ` +
      `The same check then runs on a fresh server started with \`${YOUNG_CAP_FLAG}\` (V8's young generation capped at ` +
      `2 MiB semi-spaces instead of growing towards its default maximum), to tell memory that is kept from the young ` +
      `generation growing with the allocation rate. Last, node:http's hello world (bench/servers/node-http.ts) runs ` +
      `the same check as it is, for reference.`,
    "",
    table(
      [
        "requests served",
        "RSS",
        "RSS after gc",
        "heap used after gc",
        `RSS after gc, ${YOUNG_CAP_FLAG}`,
        `heap used after gc, ${YOUNG_CAP_FLAG}`,
        "node:http: RSS after gc",
        "node:http: heap used after gc",
      ],
      rows,
      ["r", "r", "r", "r", "r", "r", "r", "r"],
    ),
    "",
    `RSS after gc at ${fmtInt(p.last.at)} vs at ${fmtInt(p.first.at)}: ${percent(p.growth)} ` +
      `(target: within 10%) -> ${Math.abs(p.growth) <= 0.1 ? "met" : "**not met**"}; raw RSS: ${fmtMiB(p.first.rss)} -> ${fmtMiB(p.last.rss)}. ` +
      `Heap used after gc stays between ${fmtMiB(Math.min(...heaps))} and ${fmtMiB(Math.max(...heaps))}. ` +
      `With \`${YOUNG_CAP_FLAG}\`: ${fmtMiB(c.first.rssGc)} -> ${fmtMiB(c.last.rssGc)} (${percent(c.growth)}). ` +
      `node:http under the same check: ${fmtMiB(n.first.rssGc)} -> ${fmtMiB(n.last.rssGc)} (${percent(n.growth)}).`,
  ].join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { main } = await import("./run.js");
  await main(["--only", "http", ...process.argv.slice(2)]);
}

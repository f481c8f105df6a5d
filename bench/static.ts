/**
 * Issue "SimpleHTTPRequestHandler and the command line", section "Speed, in
 * the benchmark": our folder server against http-server, serve, sirv-cli,
 * Python's `http.server` and nginx (when installed) on the same fixture
 * folder: a 1 KiB file (req/s), a 1 MiB file (MB/s), a listing of a folder
 * of 200 entries (req/s) and a 404 (req/s).
 *
 * Run through `npm run bench -- --only static` (see bench/README.md), or
 * alone: `node dist/bench/static.js [--duration 5] [--passes 3]`.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { BarKind, Panel } from "./lib/chart.js";
import { ROOT, ServerProcess } from "./lib/child.js";
import { fmtCores, fmtCpuPerRequest, OtherLoad } from "./lib/cpu.js";
import { fetchOnce, runClientLoad, type Response } from "./lib/http-client.js";
import { load, type LoadResult, type Tool } from "./lib/load.js";
import { fmtInt, fmtMs, fmtRatio, median, table } from "./lib/stats.js";

export interface StaticOptions {
  duration: number;
  passes: number;
  warmup: number;
  connections: number[];
  /** wrk, or (without it) the bench's own HTTP client; see lib/http-client.ts. */
  tool: Tool;
  /** The python3 executable, or null to leave Python out. */
  python: string | null;
  /** The nginx executable, or null to leave nginx out. */
  nginx: string | null;
  /** Listen backlog of Python's server (its default is 5; ours, Node's and nginx's are 511 or more). */
  backlog: number;
  /** Extra node flags for our server (e.g. --cpu-prof). */
  oursNodeArgs: string[];
  log: (line: string) => void;
}

export interface StaticSection {
  markdown: string;
  panels: Panel[];
}

type Key = "ours11" | "ours10" | "sirv" | "httpServer" | "serve" | "python" | "nginx" | "net";
type WorkloadKey = "1k" | "1m" | "listing" | "404";

interface Contender {
  key: Key;
  /** Name in the tables. */
  label: string;
  /** Name in the chart. */
  short: string;
  /** What runs, for the contenders table. */
  command: string;
  kind: BarKind;
  /** The server counts the responses it sends (ours and Python, through their log hook). */
  counts: boolean;
  start: () => Promise<ServerProcess>;
}

interface Workload {
  key: WorkloadKey;
  label: string;
  path: string;
  status: number;
  /** Body size when every server sends the same bytes. */
  size: number | null;
  check: (res: Response) => string | null;
}

interface Pass {
  result: LoadResult;
  /** Responses the server counted (NaN when it does not count). */
  server: number;
  other: number;
  cpu: number;
  /** Responses with another status than expected. */
  unexpected: number;
  connections: number;
}

interface Cell {
  workload: Workload;
  connections: number;
  passes: Map<Key, Pass[]>;
}

const KiB = 1024;
const MiB = 1024 * 1024;
const LISTING_FILES = 190;
const LISTING_FOLDERS = 10;

interface Fixture {
  dir: string;
  small: Buffer;
  big: Buffer;
  names: string[];
}

/** The folder every contender serves: 1k.txt, 1m.bin, listing/ (200 entries); no index.html anywhere. */
function makeFixture(): Fixture {
  const dir = mkdtempSync(join(tmpdir(), "bench-static-"));
  chmodSync(dir, 0o755); // nginx may read it as another user
  const line = "The quick brown fox jumps over the lazy dog. 0123456789 abcdefghijklmnopqrstuvwxyz!\n";
  const small = Buffer.from(line.repeat(Math.ceil(KiB / line.length)).slice(0, KiB), "latin1");
  const big = randomBytes(MiB);
  writeFileSync(join(dir, "1k.txt"), small);
  writeFileSync(join(dir, "1m.bin"), big);
  const listing = join(dir, "listing");
  mkdirSync(listing, { mode: 0o755 });
  const names: string[] = [];
  for (let i = 0; i < LISTING_FILES; i++) {
    const name = `file-${String(i).padStart(3, "0")}.txt`;
    writeFileSync(join(listing, name), `entry ${i}\n`);
    names.push(name);
  }
  for (let i = 0; i < LISTING_FOLDERS; i++) {
    const name = `folder-${String(i).padStart(2, "0")}`;
    mkdirSync(join(listing, name), { mode: 0o755 });
    names.push(name);
  }
  return { dir, small, big, names };
}

function workloads(f: Fixture): Workload[] {
  const same = (expected: Buffer) => (res: Response) =>
    res.status !== 200 ? `status ${res.status}` : res.body.equals(expected) ? null : `body of ${res.body.length} bytes is not the file`;
  return [
    { key: "1k", label: "1 KiB file", path: "/1k.txt", status: 200, size: KiB, check: same(f.small) },
    { key: "1m", label: "1 MiB file", path: "/1m.bin", status: 200, size: MiB, check: same(f.big) },
    {
      key: "listing",
      label: `listing of ${f.names.length} entries`,
      path: "/listing/",
      status: 200,
      size: null,
      check: (res) => {
        if (res.status !== 200) return `status ${res.status}`;
        if (!/text\/html/i.test(res.headers["content-type"] ?? "")) return `Content-Type ${res.headers["content-type"] ?? "missing"}`;
        const html = res.body.toString("utf8");
        const missing = f.names.filter((n) => !html.includes(n));
        return missing.length ? `${missing.length} of ${f.names.length} entries missing` : null;
      },
    },
    { key: "404", label: "404 (missing file)", path: "/missing.txt", status: 404, size: null, check: (res) => (res.status === 404 ? null : `status ${res.status}`) },
  ];
}

/** A port free right now on 127.0.0.1 (for servers that must be told one). */
function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolvePort(port));
    });
  });
}

/** The JS file behind node_modules/.bin/NAME, run with this node (not whatever `env node` finds). */
function npmBin(name: string): string | null {
  const link = resolve(ROOT, "node_modules/.bin", name);
  return existsSync(link) ? realpathSync(link) : null;
}

/** `which nginx`, or the Debian location outside a non-root PATH. */
export function findNginx(): string | null {
  try {
    return execFileSync("which", ["nginx"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim() || null;
  } catch {
    return existsSync("/usr/sbin/nginx") ? "/usr/sbin/nginx" : null;
  }
}

/** A throw-away nginx configuration: one process, no logs, autoindex, sendfile, everything in `tmp`. */
function nginxConfig(tmp: string, root: string, port: number): string {
  const t = (name: string): string => join(tmp, name);
  return `# Written by bench/static.ts for one benchmark run.
daemon off;
master_process off;
worker_processes 1;
pid ${t("nginx.pid")};
error_log ${t("error.log")} warn;
events {
    worker_connections 1024;
}
http {
    types {
        text/html html;
        text/plain txt;
    }
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    client_body_temp_path ${t("client_body")};
    proxy_temp_path ${t("proxy")};
    fastcgi_temp_path ${t("fastcgi")};
    uwsgi_temp_path ${t("uwsgi")};
    scgi_temp_path ${t("scgi")};
    server {
        listen 127.0.0.1:${port};
        root ${root};
        autoindex on;
    }
}
`;
}

function contenders(opts: StaticOptions, fixture: Fixture, tmp: string): { list: Contender[]; missing: string[] } {
  const dir = fixture.dir;
  const list: Contender[] = [];
  const missing: string[] = [];
  const node = process.execPath;
  list.push({
    key: "ours11",
    label: "ours, HTTP/1.1 (keep-alive)",
    short: "ours, -p HTTP/1.1",
    command: "`http.server 0 -b 127.0.0.1 -d DIR -p HTTP/1.1` (cli.ts `main()`; logging silenced)",
    kind: "ours",
    counts: true,
    start: () => ServerProcess.node("ours HTTP/1.1", "ours-static.js", { args: [dir, "HTTP/1.1"], nodeArgs: opts.oursNodeArgs }),
  });
  list.push({
    key: "ours10",
    label: "ours, HTTP/1.0 (default: a connection per request)",
    short: "ours, default HTTP/1.0",
    command: "`http.server 0 -b 127.0.0.1 -d DIR` (cli.ts `main()`; logging silenced)",
    kind: "oursAlt",
    counts: true,
    start: () => ServerProcess.node("ours HTTP/1.0", "ours-static.js", { args: [dir, "HTTP/1.0"], nodeArgs: opts.oursNodeArgs }),
  });
  const sirv = npmBin("sirv");
  if (sirv) {
    list.push({
      key: "sirv",
      label: "sirv-cli",
      short: "sirv-cli",
      command: "`sirv DIR --host 127.0.0.1 --port PORT --quiet` (production mode: no ETag, no Cache-Control; precompressed lookups find no .gz/.br)",
      kind: "other",
      counts: false,
      start: async () => {
        const port = await freePort();
        return ServerProcess.supervised("sirv", port, node, [sirv, dir, "--host", "127.0.0.1", "--port", String(port), "--quiet"], {
          env: { HOST: "127.0.0.1", PORT: String(port) },
        });
      },
    });
  } else missing.push("sirv-cli (not in node_modules)");
  const httpServer = npmBin("http-server");
  if (httpServer) {
    list.push({
      key: "httpServer",
      label: "http-server",
      short: "http-server",
      command: "`http-server DIR -a 127.0.0.1 -p PORT -s -c-1` (silent; `-c-1`: no max-age caching; gzip/brotli off by default)",
      kind: "other",
      counts: false,
      start: async () => {
        const port = await freePort();
        return ServerProcess.supervised("http-server", port, node, [httpServer, dir, "-a", "127.0.0.1", "-p", String(port), "-s", "-c-1"]);
      },
    });
  } else missing.push("http-server (not in node_modules)");
  const serve = npmBin("serve");
  if (serve) {
    list.push({
      key: "serve",
      label: "serve",
      short: "serve",
      command: "`serve DIR -l tcp://127.0.0.1:PORT -L -n -u --no-port-switching` (no request logging, no compression; its default ETag, cached per mtime)",
      kind: "other",
      counts: false,
      start: async () => {
        const port = await freePort();
        return ServerProcess.supervised(
          "serve",
          port,
          node,
          [serve, dir, "-l", `tcp://127.0.0.1:${port}`, "-L", "-n", "-u", "--no-port-switching"],
          { env: { NO_UPDATE_CHECK: "1" } },
        );
      },
    });
  } else missing.push("serve (not in node_modules)");
  if (opts.python) {
    const py = opts.python;
    list.push({
      key: "python",
      label: "Python http.server (HTTP/1.0)",
      short: "Python http.server",
      command: `\`python3 -m http.server -b 127.0.0.1 -d DIR\`'s server and handler (bench/servers/python_static.py; logging silenced, listen backlog ${opts.backlog})`,
      kind: "other",
      counts: true,
      start: () => ServerProcess.python("python", py, "python_static.py", { args: [dir], env: { BENCH_BACKLOG: String(opts.backlog) } }),
    });
  } else missing.push("Python (not found or --no-python)");
  if (opts.nginx) {
    const nginx = opts.nginx;
    list.push({
      key: "nginx",
      label: "nginx",
      short: "nginx",
      command: "`nginx` with a generated config: 1 process (`master_process off`), `access_log off`, `sendfile on`, `autoindex on`",
      kind: "other",
      counts: false,
      start: async () => {
        const port = await freePort();
        const conf = join(tmp, "nginx.conf");
        writeFileSync(conf, nginxConfig(tmp, dir, port));
        return ServerProcess.supervised("nginx", port, nginx, ["-p", tmp, "-c", conf, "-e", join(tmp, "error.log")]);
      },
    });
  } else missing.push("nginx (not installed)");
  list.push({
    key: "net",
    label: "node:net, canned responses (JS ceiling)",
    short: "node:net canned (ceiling)",
    command:
      "bench/servers/net-static.ts: the fixture read into memory at startup and answered from memory, no parsing; keep-alive, " +
      "except that a 404 closes the connection, as Python's `send_error` (and so a faithful port) does",
    kind: "ceiling",
    counts: true,
    start: () => ServerProcess.node("node:net static", "net-static.js", { args: [dir] }),
  });
  return { list, missing };
}

async function measure(server: ServerProcess, c: Contender, opts: StaticOptions, w: Workload, connections: number, seconds: number): Promise<Pass> {
  const before = await server.stats();
  const other = new OtherLoad(server.serverPid);
  const result =
    opts.tool === "wrk"
      ? await load("wrk", { port: server.port, connections, duration: seconds, close: false, path: w.path })
      : await runClientLoad({ port: server.port, path: w.path, connections, duration: seconds, status: w.status });
  const cpu = other.stop();
  const after = await server.stats();
  // wrk counts statuses >= 400 as "non-2xx or 3xx"; the bench's client counts statuses other than expected.
  const unexpected = opts.tool === "wrk" ? (w.status === 200 ? result.non2xx : result.requests - result.non2xx) : result.non2xx;
  return { result, server: c.counts ? after.requests - before.requests : NaN, other: cpu.other, cpu: cpu.server, unexpected, connections };
}

/** Run every cell; returns the markdown section and the chart panels. */
export async function runStaticBench(opts: StaticOptions): Promise<StaticSection> {
  const fixture = makeFixture();
  const tmp = mkdtempSync(join(tmpdir(), "bench-static-run-"));
  chmodSync(tmp, 0o755);
  // Also when the driver is stopped by a signal (child.ts exits the process then).
  const cleanup = (): void => {
    rmSync(fixture.dir, { recursive: true, force: true });
    rmSync(tmp, { recursive: true, force: true });
  };
  process.on("exit", cleanup);
  const { list, missing } = contenders(opts, fixture, tmp);
  const loads = workloads(fixture);
  const servers = new Map<Key, ServerProcess>();
  /** Why a contender is not timed on a workload (it did not return the right response). */
  const refused = new Map<string, string>();
  const cells: Cell[] = [];
  const started = Date.now();
  try {
    for (const c of list) {
      servers.set(c.key, await c.start());
      opts.log(`static: ${c.key} listening on 127.0.0.1:${servers.get(c.key)!.port}`);
    }
    // One fetch per server and workload before any timing: the right status and bytes.
    for (const c of list) {
      for (const w of loads) {
        let why: string | null;
        try {
          why = w.check(await fetchOnce(servers.get(c.key)!.port, w.path));
        } catch (err) {
          why = (err as Error).message;
        }
        opts.log(`static: check ${c.key} GET ${w.path}: ${why ?? "ok"}`);
        if (why) refused.set(`${c.key} ${w.key}`, why);
      }
    }
    const timed = (c: Contender, w: Workload): boolean => !refused.has(`${c.key} ${w.key}`);
    const runs = list.length * loads.length * opts.connections.length;
    opts.log(`static: about ${Math.ceil((runs * (opts.warmup + opts.passes * (opts.duration + 0.3))) / 60)} min of load`);
    for (const connections of opts.connections) {
      for (const w of loads) {
        const cell: Cell = { workload: w, connections, passes: new Map(list.map((c) => [c.key, []])) };
        cells.push(cell);
        const active = list.filter((c) => timed(c, w));
        if (opts.warmup > 0) for (const c of active) await measure(servers.get(c.key)!, c, opts, w, connections, opts.warmup);
        for (let p = 0; p < opts.passes; p++) {
          const order = active.map((_, i) => active[(i + p) % active.length]!);
          for (const c of order) {
            const pass = await measure(servers.get(c.key)!, c, opts, w, connections, opts.duration);
            cell.passes.get(c.key)!.push(pass);
            const r = pass.result;
            opts.log(
              `static ${w.key} c=${connections} pass ${p + 1}/${opts.passes} ${c.key}: ${fmtInt(r.rps)} req/s` +
                (w.key === "1m" ? ` (${fmtInt((r.rps * MiB) / 1e6)} MB/s)` : "") +
                `, p99 ${fmtMs(r.p99)}, ${fmtInt(r.requests)} responses` +
                (c.counts ? `, server counted ${fmtInt(pass.server)}` : "") +
                `, errors ${r.errors}, unexpected status ${pass.unexpected}, server CPU ${fmtCpuPerRequest(pass.cpu, r.requests)}/req, other load ${fmtCores(pass.other)}`,
            );
          }
        }
      }
    }
  } finally {
    await Promise.all([...servers.values()].map((s) => s.stop()));
    cleanup();
    process.off("exit", cleanup);
  }
  const minutes = (Date.now() - started) / 60_000;
  return report(opts, list, missing, loads, cells, refused, minutes);
}

function mbps(rps: number): number {
  return (rps * MiB) / 1e6;
}

function fmtMBps(rps: number): string {
  return Number.isFinite(rps) ? `${fmtInt(mbps(rps))} MB/s` : "n/a";
}

/** Bytes per response from the client's count, checked against the file size. */
function bytesCheck(w: Workload, passes: Pass[], tool: Tool): string {
  if (w.size === null) return "-";
  const bytes = passes.reduce((s, p) => s + (p.result.bytes ?? NaN), 0);
  const responses = passes.reduce((s, p) => s + p.result.requests, 0);
  if (!Number.isFinite(bytes) || responses === 0) return "n/a";
  const per = bytes / responses;
  // wrk: headers included, its "read" figure rounded to 2 decimals of its unit, and
  // the partial responses in flight when the load stopped (one per connection) counted.
  const inFlight = passes.reduce((s, p) => s + p.connections, 0);
  const ok =
    tool === "wrk"
      ? bytes >= responses * w.size * 0.995 && bytes <= (responses + inFlight) * (w.size + 1024) * 1.005
      : Math.round(per) === w.size;
  return `${fmtInt(per)} ${ok ? "yes" : "**NO**"}`;
}

function report(
  opts: StaticOptions,
  list: Contender[],
  missing: string[],
  loads: Workload[],
  cells: Cell[],
  refused: Map<string, string>,
  minutes: number,
): StaticSection {
  const rpsOf = (cell: Cell, k: Key): number => median(cell.passes.get(k)?.map((p) => p.result.rps) ?? []);
  const has = (k: Key): boolean => list.some((c) => c.key === k);
  const out: string[] = [];
  out.push("## Static files: SimpleHTTPRequestHandler and the command line");
  out.push("");
  out.push(
    `Every server serves the same generated folder: \`/1k.txt\` (1,024 bytes), \`/1m.bin\` (1 MiB of random bytes), ` +
      `\`/listing/\` (a folder of ${LISTING_FILES} files and ${LISTING_FOLDERS} folders, no index page) and \`/missing.txt\` (a 404). ` +
      `Each server runs in its own process on 127.0.0.1 with request logging off and no compression. Before any timing, one fetch per ` +
      `server and workload checks the status and the bytes (the whole file; every entry name in the listing). ` +
      `Load: ${opts.tool === "wrk" ? "wrk (1 thread), keep-alive wherever the server keeps the connection (it reconnects when a response closes it)" : "the bench's own HTTP client (lib/http-client.ts), keep-alive wherever the server keeps the connection"}; ` +
      `${opts.passes} passes of ${opts.duration} s per cell after a ${opts.warmup} s warm-up, the order of the servers rotated each pass; ` +
      `req/s, MB/s (10^6 bytes of body per second) and p99 are medians over the passes. ` +
      `"responses": counted by the client, summed over the passes, and where the server counts too (ours, Python, the ceiling) ` +
      `its own count, "yes" when they agree up to the requests in flight when the load stopped. "bytes/resp": bytes the client read per response ` +
      `(wrk: headers included), "yes" when it matches the file. "errors": connection errors, time-outs and responses with another status ` +
      `than expected. "CPU/req": the server process's CPU time per response. "other load": cores used by other processes meanwhile (noise).`,
  );
  out.push("");
  out.push(table(["server", "what runs"], list.map((c) => [c.label, c.command])));
  if (missing.length) {
    out.push("");
    out.push(`Not run: ${missing.join("; ")}.`);
  }
  const notServed = [...refused].map(([k, why]) => {
    const [key, wk] = k.split(" ") as [Key, WorkloadKey];
    return `${list.find((c) => c.key === key)!.label} on ${loads.find((w) => w.key === wk)!.label}: ${why}`;
  });
  if (notServed.length) {
    out.push("");
    out.push(`Not timed, because the check fetch did not get the right response: ${notServed.join("; ")}.`);
  }

  for (const connections of opts.connections) {
    const mine = cells.filter((c) => c.connections === connections);
    // Overview: one row per server, one column per workload.
    out.push("");
    out.push(`### ${connections} connections: overview (req/s; MB/s for the 1 MiB file)`);
    out.push("");
    const head = ["server", ...mine.map((c) => c.workload.label)];
    const rows = list.map((c) => [
      c.label,
      ...mine.map((cell) => {
        if (refused.has(`${c.key} ${cell.workload.key}`)) return "not served";
        const r = rpsOf(cell, c.key);
        return cell.workload.key === "1m" ? `${fmtInt(r)} (${fmtMBps(r)})` : fmtInt(r);
      }),
    ]);
    out.push(table(head, rows, ["l", ...mine.map(() => "r" as const)]));
    for (const cell of mine) {
      const w = cell.workload;
      out.push("");
      out.push(`### ${w.label}, ${connections} connections (\`GET ${w.path}\`, ${w.status})`);
      out.push("");
      const base = { sirv: rpsOf(cell, "sirv"), nginx: rpsOf(cell, "nginx"), python: rpsOf(cell, "python"), httpServer: rpsOf(cell, "httpServer") };
      const trows: string[][] = [];
      for (const c of list) {
        const passes = cell.passes.get(c.key)!;
        if (passes.length === 0) {
          trows.push([c.label, "not served", ...(w.key === "1m" ? [""] : []), "", "", "", "", "", "", "", "", "", ""]);
          continue;
        }
        const r = rpsOf(cell, c.key);
        const client = passes.reduce((s, p) => s + p.result.requests, 0);
        const server = passes.reduce((s, p) => s + p.server, 0);
        const errors = passes.reduce((s, p) => s + p.result.errors + p.unexpected, 0);
        const slack = connections * passes.length + errors;
        const counted = c.counts ? `${fmtInt(client)} / ${fmtInt(server)} ${Math.abs(server - client) <= slack ? "yes" : "**NO**"}` : `${fmtInt(client)} / -`;
        const ratio = (k: keyof typeof base, key: Key): string => (!has(key) ? "n/a" : c.key === key ? "1.00x" : fmtRatio(r, base[k]));
        trows.push([
          c.label,
          fmtInt(r),
          ...(w.key === "1m" ? [fmtMBps(r)] : []),
          fmtMs(median(passes.map((p) => p.result.p99))),
          fmtCpuPerRequest(median(passes.map((p) => p.cpu / Math.max(1, p.result.requests))), 1),
          ratio("sirv", "sirv"),
          ratio("nginx", "nginx"),
          ratio("python", "python"),
          ratio("httpServer", "httpServer"),
          counted,
          bytesCheck(w, passes, opts.tool),
          String(errors),
          fmtCores(median(passes.map((p) => p.other))),
        ]);
      }
      out.push(
        table(
          ["server", "req/s", ...(w.key === "1m" ? ["MB/s"] : []), "p99", "CPU/req", "vs sirv", "vs nginx", "vs Python", "vs http-server", "responses (client / server)", "bytes/resp", "errors", "other load"],
          trows,
          ["l", "r", ...(w.key === "1m" ? ["r" as const] : []), "r", "r", "r", "r", "r", "r", "r", "r", "r", "r"],
        ),
      );
    }
    out.push("");
    out.push(`### Targets, ${connections} connections`);
    out.push("");
    out.push(verdicts(list, cells.filter((c) => c.connections === connections), rpsOf));
  }
  out.push("");
  out.push(`(${minutes.toFixed(1)} min.)`);
  return { markdown: out.join("\n"), panels: panels(list, cells, refused, rpsOf) };
}

function verdicts(list: Contender[], cells: Cell[], rpsOf: (cell: Cell, k: Key) => number): string {
  const cell = (w: WorkloadKey): Cell | undefined => cells.find((c) => c.workload.key === w);
  const targets: Array<{ w: WorkloadKey; against: Key; name: string; goal: number; what: string }> = [
    { w: "1k", against: "sirv", name: "sirv", goal: 3, what: "1 KiB file, req/s" },
    { w: "1k", against: "nginx", name: "nginx", goal: 0.5, what: "1 KiB file, req/s" },
    { w: "1m", against: "python", name: "Python", goal: 1, what: "1 MiB file, MB/s" },
    { w: "listing", against: "nginx", name: "nginx", goal: 1, what: "listing, req/s" },
    { w: "404", against: "httpServer", name: "http-server", goal: 1.5, what: "404, req/s" },
  ];
  const rows: string[][] = [];
  for (const t of targets) {
    const c = cell(t.w);
    const base = c ? rpsOf(c, t.against) : NaN;
    const ours11 = c ? rpsOf(c, "ours11") / base : NaN;
    const ours10 = c ? rpsOf(c, "ours10") / base : NaN;
    const ceiling = c ? rpsOf(c, "net") / base : NaN;
    const verdict = (r: number): string => {
      if (!list.some((x) => x.key === t.against)) return `n/a (${t.name} not run)`;
      if (!Number.isFinite(r)) return "n/a";
      if (r >= t.goal) return "met";
      return Number.isFinite(ceiling) && ceiling < t.goal
        ? `**not met**; beyond the node:net ceiling (${ceiling.toFixed(2)}x)`
        : "**not met**";
    };
    const f = (r: number): string => (Number.isFinite(r) ? (r >= 10 ? `${r.toFixed(1)}x` : `${r.toFixed(2)}x`) : "n/a");
    rows.push([`${t.what} >= ${t.goal.toFixed(1)}x ${t.name}`, f(ours11), verdict(ours11), f(ours10), verdict(ours10), f(ceiling)]);
  }
  return [
    table(
      ["target", "ours HTTP/1.1", "verdict", "ours HTTP/1.0 (default)", "verdict", "node:net canned (ceiling)"],
      rows,
      ["l", "r", "l", "r", "l", "r"],
    ),
    "",
    `The ceiling column is what a bare node:net server answering from memory reaches against the same contender in the same run: ` +
      `when it is below the target, no JavaScript server in one process can meet the target on this machine.`,
  ].join("\n");
}

function panels(list: Contender[], cells: Cell[], refused: Map<string, string>, rpsOf: (cell: Cell, k: Key) => number): Panel[] {
  return cells.map((cell) => ({
    title: `${cell.workload.label}, ${cell.connections} connections${cell.workload.key === "1m" ? " (req/s, MB/s)" : " (req/s)"}`,
    bars: list.map((c) => {
      const r = rpsOf(cell, c.key);
      const text = refused.has(`${c.key} ${cell.workload.key}`)
        ? `not served (${refused.get(`${c.key} ${cell.workload.key}`)})`
        : cell.workload.key === "1m"
          ? `${fmtInt(r)} (${fmtMBps(r)})`
          : fmtInt(r);
      return { label: c.short, value: refused.has(`${c.key} ${cell.workload.key}`) ? NaN : r, text, kind: c.kind };
    }),
  }));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { main } = await import("./run.js");
  await main(["--only", "static", ...process.argv.slice(2)]);
}

/**
 * The benchmark driver: `npm run bench [-- flags]`. See bench/README.md.
 *
 *   --only PARTS              run these parts, comma-separated: http, echo, static, memory
 *                             (default: http and echo)
 *   --memory                  add the memory check to the default parts
 *   --static                  add the static-file benchmark to the default parts (about +9 min)
 *   --static-connections 16   connection counts of the static benchmark (default 16)
 *   --nginx PATH | --no-nginx nginx contender of the static benchmark (default: nginx if installed)
 *   --duration S              seconds per measured run (default 5)
 *   --passes N                passes per cell; the median is reported (default 3)
 *   --warmup S                warm-up seconds per server and cell (default 1)
 *   --connections 16,64       HTTP connection counts (default 16,64)
 *   --modes keep-alive,close  HTTP modes (default both)
 *   --tool auto|autocannon|wrk  HTTP load generator (default auto: wrk if installed)
 *   --python PATH | --no-python  Python contender (default python3 if present)
 *   --backlog N               listen backlog of ours and Python (default 511)
 *   --echo-clients N          echo clients (default 16)
 *   --memory-requests N       requests of the memory check (default 1000000)
 *   --profile                 run our servers with --cpu-prof (profiles in bench/profiles/)
 *   --out PATH                results file (default bench/results/latest.md; "-" for none);
 *                             the chart goes beside it (latest.svg), and to docs/benchmarks.svg
 *                             when the run has both the http and the static part
 */
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { execFileSync, spawnSync } from "node:child_process";
import { cpus } from "node:os";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ROOT } from "./lib/child.js";
import { describeEnvironment, pythonVersion } from "./lib/env.js";
import { hasWrk, type Tool } from "./lib/load.js";
import { barChart, type Column } from "./lib/chart.js";
import { runHttpBench, runMemoryCheck } from "./http.js";
import { findNginx, runStaticBench } from "./static.js";
import { runEchoBench } from "./tcp-echo.js";

function wrkVersion(): string {
  try {
    // `wrk -v` prints its version and exits 1.
    execFileSync("wrk", ["-v"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return "";
  } catch (err) {
    const text = String((err as { stdout?: string }).stdout ?? "");
    return /wrk (\S+)/.exec(text)?.[1] ?? "";
  }
}

function nginxVersion(nginx: string): string {
  try {
    const r = spawnSync(nginx, ["-v"], { encoding: "utf8" });
    return (r.stderr || r.stdout).trim().replace(/^nginx version: /, "") || nginx;
  } catch {
    return nginx;
  }
}

function chartSubtitle(command: string, tool: Tool, python: string | null, nginx: string | null): string[] {
  const commit = (() => {
    try {
      return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    } catch {
      return "unknown";
    }
  })();
  const cpu = cpus();
  return [
    `${new Date().toISOString().slice(0, 10)}, commit ${commit}, Node.js ${process.version}, ${cpu.length} x ${cpu[0]?.model ?? "CPU"}; ` +
      `${python ?? "no Python"}${nginx ? `, nginx ${nginx}` : ""}; load: ${tool === "wrk" ? "wrk, 1 thread" : "autocannon / the bench's client"}, 127.0.0.1`,
    `Medians of the passes of "${command}"; tables with p99, CPU per request and checks: bench/results/latest.md`,
  ];
}

function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} needs a non-negative number, got ${JSON.stringify(text)}`);
  return n;
}

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: "string" },
      memory: { type: "boolean", default: false },
      static: { type: "boolean", default: false },
      "static-connections": { type: "string" },
      nginx: { type: "string" },
      "no-nginx": { type: "boolean", default: false },
      duration: { type: "string" },
      passes: { type: "string" },
      warmup: { type: "string" },
      connections: { type: "string" },
      modes: { type: "string" },
      tool: { type: "string", default: "auto" },
      python: { type: "string" },
      "no-python": { type: "boolean", default: false },
      backlog: { type: "string" },
      "echo-clients": { type: "string" },
      "memory-requests": { type: "string" },
      profile: { type: "boolean", default: false },
      out: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    const src = await import("node:fs").then((fs) => fs.readFileSync(fileURLToPath(import.meta.url), "utf8"));
    console.log(/\/\*\*([\s\S]*?)\*\//.exec(src)?.[1]?.replace(/^ \* ?/gm, "") ?? "see bench/README.md");
    return;
  }
  const only = values.only?.split(",").map((p) => p.trim());
  for (const p of only ?? []) {
    if (!["http", "echo", "static", "memory"].includes(p)) throw new Error(`--only takes http, echo, static or memory (comma-separated), got ${p}`);
  }
  const parts = only ?? ["http", "echo", ...(values.static ? ["static"] : []), ...(values.memory ? ["memory"] : [])];

  const duration = positive("duration", values.duration, 5);
  const passes = Math.max(1, Math.round(positive("passes", values.passes, 3)));
  const warmup = positive("warmup", values.warmup, 1);
  const backlog = Math.round(positive("backlog", values.backlog, 511));
  const connections = (values.connections ?? "16,64").split(",").map((c) => Math.round(positive("connections", c, 16)));
  const modes = (values.modes ?? "keep-alive,close").split(",").map((m) => {
    if (m !== "keep-alive" && m !== "close") throw new Error(`--modes: keep-alive or close, got ${m}`);
    return m;
  });
  let tool: Tool;
  if (values.tool === "auto") tool = hasWrk() ? "wrk" : "autocannon";
  else if (values.tool === "wrk" || values.tool === "autocannon") tool = values.tool;
  else throw new Error("--tool takes auto, autocannon or wrk");
  if (tool === "wrk" && !hasWrk()) throw new Error("--tool wrk: wrk is not installed");

  let python: string | null = null;
  let pyVersion: string | null = null;
  if (!values["no-python"]) {
    const candidate = values.python ?? "python3";
    pyVersion = pythonVersion(candidate);
    if (pyVersion) python = candidate;
    else if (values.python) throw new Error(`--python ${candidate}: cannot run it`);
  }
  let nginx: string | null = null;
  if (parts.includes("static") && !values["no-nginx"]) {
    nginx = values.nginx ?? findNginx();
    if (values.nginx && !nginx) throw new Error(`--nginx ${values.nginx}: not found`);
  }
  const staticConnections = (values["static-connections"] ?? "16").split(",").map((c) => Math.round(positive("static-connections", c, 16)));
  const profileDir = resolve(ROOT, "bench/profiles");
  const oursNodeArgs = values.profile ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];
  const log = (line: string): void => console.error(line);

  const sections: string[] = [];
  const columns: Column[] = [];
  const started = Date.now();
  if (parts.includes("http")) {
    const http = await runHttpBench({ duration, passes, warmup, connections, modes, tool, python, backlog, oursNodeArgs, log });
    sections.push(http.markdown);
    columns.push({ heading: "HTTP engine: hello world", panels: http.panels });
  }
  if (parts.includes("static")) {
    const st = await runStaticBench({ duration, passes, warmup, connections: staticConnections, tool, python, nginx, backlog, oursNodeArgs, log });
    sections.push(st.markdown);
    columns.push({ heading: "Static files (SimpleHTTPRequestHandler, the CLI)", panels: st.panels });
  }
  if (parts.includes("echo")) {
    const clients = Math.round(positive("echo-clients", values["echo-clients"], 16));
    sections.push(await runEchoBench({ duration, passes, warmup, clients, oursNodeArgs, log }));
  }
  if (parts.includes("memory")) {
    const total = Math.round(positive("memory-requests", values["memory-requests"], 1_000_000));
    sections.push(await runMemoryCheck({ total, step: Math.max(1, Math.round(total / 10)), connections: 64, backlog, oursNodeArgs, log }));
  }
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  const toolText = parts.includes("http") || parts.includes("static") ? (tool === "wrk" ? `wrk ${wrkVersion()}` : tool) : "-";
  const nginxText = parts.includes("static") ? (nginx ? nginxVersion(nginx) : "not run") : null;
  const command = `npm run bench${argv.length ? " -- " + argv.join(" ") : ""}`;
  const md = [
    "# Benchmark results",
    "",
    describeEnvironment([
      `Python: ${pyVersion ?? "not run"}`,
      ...(nginxText !== null ? [`nginx: ${nginxText}`] : []),
      `HTTP load generator: ${toolText}${parts.includes("static") && tool !== "wrk" ? " (static part: the bench's own HTTP client)" : ""}`,
      `command: \`${command}\` (${minutes} min)`,
      "every server runs in its own child process; load from the driver process, to 127.0.0.1 only",
    ]),
    "",
    ...sections.flatMap((s) => [s, ""]),
  ].join("\n");
  process.stdout.write(md);
  const out = values.out ?? resolve(ROOT, "bench/results/latest.md");
  if (out !== "-") {
    mkdirSync(dirname(resolve(out)), { recursive: true });
    writeFileSync(resolve(out), md);
    log(`results written to ${out}`);
    if (columns.length) {
      const svg = barChart({
        title: "http.server benchmarks: requests per second (longer is faster; each panel has its own scale; a broken bar is off it)",
        subtitle: chartSubtitle(command, tool, pyVersion, nginxText),
        columns,
        legend: [
          { kind: "ours", label: "ours" },
          { kind: "oursAlt", label: "ours, default HTTP/1.0 (a connection per request)" },
          { kind: "other", label: "other servers" },
          { kind: "ceiling", label: "bare node:net responder (JS ceiling)" },
        ],
      });
      const svgPath = resolve(out).replace(/\.md$/, "") + ".svg";
      writeFileSync(svgPath, svg);
      log(`chart written to ${svgPath}`);
      if (parts.includes("http") && parts.includes("static") && values.out === undefined) {
        const docs = resolve(ROOT, "docs/benchmarks.svg");
        copyFileSync(svgPath, docs);
        log(`chart copied to ${docs}`);
      }
    }
  }
  if (values.profile) log(`CPU profiles of our servers in ${profileDir} (summarise: node dist/bench/profile-top.js FILE)`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main(process.argv.slice(2));
}

/**
 * The benchmark driver: `npm run bench [-- flags]`. See bench/README.md.
 *
 *   --only http|echo|memory   run one part (default: http and echo)
 *   --memory                  add the memory check to the default parts
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
 *   --out PATH                results file (default bench/results/latest.md; "-" for none)
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ROOT } from "./lib/child.js";
import { describeEnvironment, pythonVersion } from "./lib/env.js";
import { hasWrk, type Tool } from "./lib/load.js";
import { runHttpBench, runMemoryCheck } from "./http.js";
import { runEchoBench } from "./tcp-echo.js";

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
  const only = values.only;
  if (only !== undefined && !["http", "echo", "memory"].includes(only)) throw new Error("--only takes http, echo or memory");
  const parts = only ? [only] : ["http", "echo", ...(values.memory ? ["memory"] : [])];

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
  const profileDir = resolve(ROOT, "bench/profiles");
  const oursNodeArgs = values.profile ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];
  const log = (line: string): void => console.error(line);

  const sections: string[] = [];
  const started = Date.now();
  if (parts.includes("http")) {
    sections.push(await runHttpBench({ duration, passes, warmup, connections, modes, tool, python, backlog, oursNodeArgs, log }));
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
  const md = [
    "# Benchmark results",
    "",
    describeEnvironment([
      `Python: ${pyVersion ?? "not run"}`,
      `HTTP load generator: ${parts.includes("http") ? tool : "-"}`,
      `command: \`npm run bench${argv.length ? " -- " + argv.join(" ") : ""}\` (${minutes} min)`,
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
  }
  if (values.profile) log(`CPU profiles of our servers in ${profileDir} (summarise: node dist/bench/profile-top.js FILE)`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main(process.argv.slice(2));
}

/**
 * The hardening scripts (`bench/hardening/`) at CI size: each runs with
 * `--quick` in its own process and must pass every check of its report.
 * The full counts are run by hand; see docs/security.md for the commands.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url)); // dist/spec/bench
const SCRIPTS = resolve(here, "../../bench/hardening");

/** What a script printed and how it ended. */
interface ScriptRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Run `script` with `args`; SIGKILL it (and fail) after `ms`. */
function runScript(script: string, args: string[], ms: number): Promise<ScriptRun> {
  const child = spawn(process.execPath, [resolve(SCRIPTS, script), ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    if (stderr.length < 20_000) stderr += d;
  });
  return new Promise((resolveRun, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${script} ${args.join(" ")} took over ${ms} ms\n${stdout}\n${stderr}`));
    }, ms);
    child.once("error", reject);
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolveRun({ code, signal, stdout, stderr });
    });
  });
}

/** The PASS/FAIL lines of a report, by check name. */
function checks(report: string): Map<string, "PASS" | "FAIL"> {
  const out = new Map<string, "PASS" | "FAIL">();
  for (const m of report.matchAll(/^ {2}(PASS|FAIL) {2}(.+?) {2,}/gm)) out.set(m[2]!.trim(), m[1] as "PASS" | "FAIL");
  return out;
}

/** Expect a clean pass with at least `minChecks` checks, showing the report when not. */
function expectPass(run: ScriptRun, minChecks: number): void {
  const shown = `\n${run.stdout}\n${run.stderr.slice(-3000)}`;
  expect(run.code, `exit code${shown}`).to.equal(0);
  expect(run.stdout, shown).to.include("RESULT: PASS");
  const found = checks(run.stdout);
  expect(found.size, `checks in the report${shown}`).to.be.at.least(minChecks);
  expect([...found.values()].filter((v) => v === "FAIL"), shown).to.deep.equal([]);
}

describe("bench/hardening scripts (--quick)", function () {
  this.timeout(90_000);

  it("fuzz.js: 3,000 generated and mutated requests, no crash, hang or leak", async () => {
    const run = await runScript("fuzz.js", ["--quick", "--seed", "20261126"], 60_000);
    expectPass(run, 9);
    expect(run.stdout).to.match(/PASS {2}requests sent \(generated \+ mutated\) +3,000 /);
  });

  it("slow-clients.js: 50 slow connections cut by headerTimeout while p99 stays under 50 ms", async () => {
    const run = await runScript("slow-clients.js", ["--quick"], 60_000);
    expectPass(run, 7);
    expect(run.stdout).to.include("50 answered 408, 50 closed, of 50");
  });

  it("load.js: 500 concurrent keep-alive connections, every request answered", async () => {
    const run = await runScript("load.js", ["--quick"], 60_000);
    expectPass(run, 5);
    expect(run.stdout).to.include("2,500 of 2,500 (500 connections x 5 requests)");
  });

  it("load.js --soak: 20,000 requests with flat memory", async () => {
    const run = await runScript("load.js", ["--quick", "--soak"], 60_000);
    expectPass(run, 3);
    expect(run.stdout).to.include("20,000 of 20,000");
  });

  it("stalled-readers.js: 20 + 20 clients that never read hold one shared listing and one file chunk each", async () => {
    const run = await runScript("stalled-readers.js", ["--quick"], 60_000);
    expectPass(run, 9);
    expect(run.stdout).to.include("20 clients stall on /big/ (30,000 names");
  });

  it("transfer.js: 64 MiB each way byte-identical, descriptors freed after a hang-up", async () => {
    const run = await runScript("transfer.js", ["--quick"], 60_000);
    expectPass(run, 7);
    expect(run.stdout).to.include("64.0 MiB of 64.0 MiB");
  });
});

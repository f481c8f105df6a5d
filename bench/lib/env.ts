/** What the run ran on, for the results header. */
import { execFileSync } from "node:child_process";
import { cpus } from "node:os";
import { ROOT } from "./child.js";

function git(args: string[]): string {
  try {
    return execFileSync("git", args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "";
  }
}

export function pythonVersion(python: string): string | null {
  try {
    return execFileSync(python, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  } catch {
    return null;
  }
}

export function describeEnvironment(extra: string[] = []): string {
  const commit = git(["rev-parse", "--short", "HEAD"]);
  const dirty = git(["status", "--porcelain", "--", "lib"]) !== "";
  const cpu = cpus();
  return [
    `- date: ${new Date().toISOString()}`,
    `- commit: ${commit || "unknown"}${dirty ? " (lib/ has uncommitted changes)" : ""}`,
    `- Node.js ${process.version}, ${cpu.length} x ${cpu[0]?.model ?? "unknown CPU"}`,
    ...extra.map((e) => `- ${e}`),
  ].join("\n");
}

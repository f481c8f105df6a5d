/**
 * Summarise a V8 `.cpuprofile` (from `npm run bench -- --profile`, or
 * `node --cpu-prof`): the functions with the most self time.
 *
 *   node dist/bench/profile-top.js FILE.cpuprofile [N]
 */
import { readFileSync } from "node:fs";
import { relative } from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export function topSelf(profile: Profile, n = 25): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const byFunction = new Map<string, number>();
  const byKind = new Map<string, number>();
  let total = 0;
  for (const [id, us] of self) {
    const f = byId.get(id)!.callFrame;
    const url = f.url.startsWith("file://") ? relative(process.cwd(), new URL(f.url).pathname) : f.url;
    const key = `${f.functionName || "(anonymous)"}  ${url}${url ? ":" + (f.lineNumber + 1) : ""}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    const kind = f.functionName.startsWith("(")
      ? f.functionName
      : url.includes("dist/lib/")
        ? "this package (dist/lib)"
        : url.includes("dist/bench/")
          ? "benchmark script"
          : url.startsWith("node:")
            ? "Node.js internals (JS)"
            : url === ""
              ? "native (C++, syscalls)"
              : "other JS";
    byKind.set(kind, (byKind.get(kind) ?? 0) + us);
    total += us;
  }
  const busy = total - (byKind.get("(idle)") ?? 0);
  const kinds = [...byKind].sort((a, b) => b[1] - a[1]);
  const rows = [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, n);
  return [
    `total ${(total / 1000).toFixed(0)} ms sampled, ${(busy / 1000).toFixed(0)} ms busy`,
    ...kinds.map(([k, us]) => `${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  [${k}]`),
    "",
    ...rows.map(([k, us]) => `${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`),
  ].join("\n");
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop()!)) {
  const file = process.argv[2];
  if (!file) {
    console.error("usage: node dist/bench/profile-top.js FILE.cpuprofile [N]");
    process.exit(2);
  }
  console.log(topSelf(JSON.parse(readFileSync(file, "utf8")) as Profile, Number(process.argv[3] ?? 25)));
}

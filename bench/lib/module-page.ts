/**
 * The page of the HTTP/2 benchmarks (bench/h2-page.ts, bench/h2-cpu.ts): an
 * `index.html` that loads 100 small ES modules, each counting itself in,
 * and a way to start a server for it and learn its port.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** How many module scripts the page loads. */
export const MODULES = 100;

/** Write the page into `dir`: index.html and m/0.js ... m/99.js; the last module to run sets `globalThis.__done`. */
export function makeSite(dir: string): void {
  mkdirSync(join(dir, "m"));
  let html = `<!doctype html><meta charset="utf-8"><title>${MODULES} modules</title>\n`;
  for (let i = 0; i < MODULES; i++) {
    html += `<script type="module" src="m/${i}.js"></script>\n`;
    writeFileSync(
      join(dir, "m", `${i}.js`),
      `// module ${i}\nexport const n${i} = ${i};\n` +
        `globalThis.__ran = (globalThis.__ran ?? 0) + 1;\n` +
        `if (globalThis.__ran === ${MODULES}) globalThis.__done = performance.now();\n`,
    );
  }
  writeFileSync(join(dir, "index.html"), html);
}

/** Run `node argv...` and wait for its start-up line (`... port N ...`): the child and the port. */
export function startServer(name: string, argv: readonly string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [...argv], { stdio: ["ignore", "pipe", "ignore"] });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      const m = /port (\d+) /.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.once("exit", (code) => reject(new Error(`${name} exited with ${code}`)));
  });
}

/**
 * Page load over `--http2` against HTTPS/1.1, in Chromium.
 *
 * A folder with an `index.html` that loads 100 small ES module scripts is
 * served by the bin three ways, with the same certificate: `--http2`
 * (Chromium negotiates `h2`), the HTTPS server with `-p HTTP/1.1`
 * (keep-alive; Chromium opens up to 6 connections to the origin) and the
 * HTTPS server as started by default (`HTTP/1.0`: one connection per
 * request); and the `--http2 -p HTTP/1.1` server, loaded by a Chromium
 * started with `--disable-http2`: what a client without HTTP/2 gets from
 * it (the package's HTTP/1.1 engine, so it should match the `-p HTTP/1.1`
 * row); and two ceilings, Node's
 * own `node:http2` and `node:https` answering from memory
 * (bench/servers/tls-static.ts), which tell what the platform allows.
 * Each load runs in a fresh browser context (no cache, no open
 * connection, a new TLS handshake) and is timed from the navigation's
 * start until the 100th module ran, and until the `load` event ended.
 * Loads alternate between the servers, after `--warm-ups` uncounted loads
 * each (1 by default: the servers' code is still unoptimised, as after a
 * fresh start); the medians, and the range of the
 * middle half of the loads (a page load in Chromium varies by tens of
 * milliseconds), are printed as a markdown table.
 *
 * ```sh
 * npx tsc -p tsconfig.json && node dist/bench/h2-page.js [--loads 21] [--warm-ups 1]
 * ```
 *
 * @module
 */
import type { ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";
import { makeSelfSignedCertificate } from "../lib/cli/self-signed.js";
import { launchChromium } from "../spec/browser/chromium.js";
import { describeEnvironment } from "./lib/env.js";
import { makeSite, MODULES, startServer } from "./lib/module-page.js";
import { fmtMs, median, percentile, table } from "./lib/stats.js";

const BIN = fileURLToPath(new URL("../lib/cli/cli-main.js", import.meta.url));
const HERE = fileURLToPath(new URL(".", import.meta.url));

/** One way of serving the folder. */
interface Contender {
  name: string;
  args: string[];
  /** A script of bench/servers/ to run instead of the bin, with `args` (the ceilings). */
  script?: string;
  /** Load it in the Chromium started with `--disable-http2`. */
  http1Browser?: boolean;
  child?: ChildProcess;
  port?: number;
  protocols: Set<string>;
  modulesRan: number[];
  loadEnd: number[];
}

/** Start a contender on `dir`; returns its port. */
async function startContender(c: Contender, dir: string): Promise<number> {
  const argv = c.script ? [join(HERE, "servers", c.script), ...c.args, dir] : [BIN, ...c.args, "-b", "127.0.0.1", "-d", dir, "0"];
  const { child, port } = await startServer(c.name, argv);
  c.child = child;
  return port;
}

/** One load in a fresh context: milliseconds until the last module ran and until `load` ended. */
async function loadOnce(browser: Browser, c: Contender): Promise<void> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`https://localhost:${c.port}/`, { waitUntil: "load" });
    await page.waitForFunction(`globalThis.__ran === ${MODULES}`);
    const r = (await page.evaluate(`({
      done: globalThis.__done,
      load: performance.getEntriesByType("navigation")[0].loadEventEnd,
      protocol: performance.getEntriesByType("navigation")[0].nextHopProtocol,
    })`)) as { done: number; load: number; protocol: string };
    c.modulesRan.push(r.done);
    c.loadEnd.push(r.load);
    c.protocols.add(r.protocol);
  } finally {
    await context.close();
  }
}

async function mainBench(): Promise<void> {
  const loadsArg = process.argv.indexOf("--loads");
  const loads = loadsArg !== -1 ? Number(process.argv[loadsArg + 1]) : 21;
  if (!Number.isInteger(loads) || loads < 1) throw new Error("--loads needs a positive whole number");
  const warmArg = process.argv.indexOf("--warm-ups");
  const warmUps = warmArg !== -1 ? Number(process.argv[warmArg + 1]) : 1;
  if (!Number.isInteger(warmUps) || warmUps < 0) throw new Error("--warm-ups needs a whole number");
  const work = mkdtempSync(join(tmpdir(), "h2-page-"));
  const site = join(work, "site");
  mkdirSync(site);
  makeSite(site);
  const cert = await makeSelfSignedCertificate();
  writeFileSync(join(work, "cert.pem"), cert.cert);
  writeFileSync(join(work, "key.pem"), cert.key, { mode: 0o600 });
  const pem = [join(work, "cert.pem"), join(work, "key.pem")];
  const tls = ["--tls-cert", pem[0]!, "--tls-key", pem[1]!];
  const contenders: Contender[] = [
    { name: "`--http2` (h2)", args: [...tls, "--http2"], protocols: new Set(), modulesRan: [], loadEnd: [] },
    { name: "`--http2 -p HTTP/1.1`, Chromium with `--disable-http2`", args: [...tls, "--http2", "-p", "HTTP/1.1"], http1Browser: true, protocols: new Set(), modulesRan: [], loadEnd: [] },
    { name: "HTTPS/1.1 keep-alive (`-p HTTP/1.1`)", args: [...tls, "-p", "HTTP/1.1"], protocols: new Set(), modulesRan: [], loadEnd: [] },
    { name: "HTTPS, default `HTTP/1.0` (connection per request)", args: tls, protocols: new Set(), modulesRan: [], loadEnd: [] },
    { name: "ceiling: bare `node:http2`, files in memory", script: "tls-static.js", args: ["h2", ...pem], protocols: new Set(), modulesRan: [], loadEnd: [] },
    { name: "ceiling: bare `node:https` (HTTP/1.1), files in memory", script: "tls-static.js", args: ["https", ...pem], protocols: new Set(), modulesRan: [], loadEnd: [] },
  ];
  let browser: Browser | null = null;
  let http1Browser: Browser | null = null;
  try {
    for (const c of contenders) c.port = await startContender(c, site);
    browser = await launchChromium(["--ignore-certificate-errors"]);
    http1Browser = await launchChromium(["--ignore-certificate-errors", "--disable-http2"]);
    const browserFor = (c: Contender): Browser => (c.http1Browser ? http1Browser! : browser!);
    // Warm-up loads (Chromium and the servers' first requests), not counted.
    for (let i = 0; i < warmUps; i++) {
      for (const c of contenders) await loadOnce(browserFor(c), c);
    }
    for (const c of contenders) {
      c.modulesRan.length = 0;
      c.loadEnd.length = 0;
    }
    for (let i = 0; i < loads; i++) {
      for (const c of contenders) {
        process.stderr.write(`load ${i + 1}/${loads}: ${c.name}\n`);
        await loadOnce(browserFor(c), c);
      }
    }
  } finally {
    await browser?.close();
    await http1Browser?.close();
    for (const c of contenders) c.child?.kill("SIGTERM");
    rmSync(work, { recursive: true, force: true });
  }
  const base = median(contenders[0]!.modulesRan);
  const quartiles = (values: number[]): string => {
    const sorted = [...values].sort((a, b) => a - b);
    return `${fmtMs(percentile(sorted, 25))} - ${fmtMs(percentile(sorted, 75))}`;
  };
  const rows = contenders.map((c) => [
    c.name,
    [...c.protocols].join(", "),
    fmtMs(median(c.modulesRan)),
    quartiles(c.modulesRan),
    fmtMs(median(c.loadEnd)),
    `${(median(c.modulesRan) / base).toFixed(2)}x`,
  ]);
  process.stdout.write(
    `## Page with ${MODULES} ES modules, Chromium, medians of ${loads} loads (fresh context each) after ${warmUps} warm-up load${warmUps === 1 ? "" : "s"}\n\n` +
      describeEnvironment([`Chromium (headless), ${MODULES} module scripts of about 130 bytes, one TLS certificate (ECDSA P-256)`]) +
      "\n\n" +
      table(["server", "protocol", "100 modules ran", "middle half of the loads", "load event end", "vs h2"], rows, ["l", "l", "r", "r", "r", "r"]) +
      "\n",
  );
}

await mainBench();

/**
 * Shared plumbing of the benchmark's server scripts: the READY line, the
 * SIGUSR2 stats side channel, and exiting with the driver.
 *
 * Protocol (stdout, one line each):
 *   READY <port>                       once listening
 *   STATS {"requests":N,"rss":B,...}   after each SIGUSR2
 */

/** Requests (or echoed lines) answered so far. */
export const counter = { n: 0 };

function statsLine(): string {
  const before = process.memoryUsage();
  const gc = (globalThis as { gc?: () => void }).gc;
  let afterGc: NodeJS.MemoryUsage | null = null;
  if (gc) {
    gc();
    afterGc = process.memoryUsage();
  }
  return `STATS ${JSON.stringify({
    requests: counter.n,
    rss: before.rss,
    heapUsed: before.heapUsed,
    rssAfterGc: afterGc?.rss ?? null,
    heapUsedAfterGc: afterGc?.heapUsed ?? null,
  })}\n`;
}

/** Print READY, answer SIGUSR2 with STATS, and exit when the driver goes away. */
export function announce(port: number): void {
  process.on("SIGUSR2", () => process.stdout.write(statsLine()));
  // The driver holds our stdin open; when it dies (even by SIGKILL) the pipe
  // closes and we exit, so no server outlives a benchmark run.
  process.stdin.on("end", () => process.exit(0));
  process.stdin.on("close", () => process.exit(0));
  process.stdin.on("error", () => process.exit(0));
  process.stdin.resume();
  process.on("SIGTERM", () => process.exit(0));
  process.stdout.write(`READY ${port}\n`);
}

/** The body every HTTP contender sends. */
export const BODY = Buffer.from("Hello, world!\n");

/**
 * How busy the rest of the machine was during a measurement: CPU time used
 * by processes other than the driver (with the load generators it started)
 * and the server under test, in cores. Linux only (/proc); elsewhere NaN.
 * A noisy neighbour shows up here, so a slow pass can be told from a slow server.
 */
import { readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function systemTicks(): number | null {
  try {
    const line = readFileSync("/proc/stat", "latin1").split("\n", 1)[0]!;
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: busy outside interrupt
    // handling (loopback traffic is softirq work that no process is charged for).
    return f[0]! + f[1]! + f[2]!;
  } catch {
    return null;
  }
}

/** CPU time of process `pid` (with its waited-for children if asked) in ticks of 1/100 s, or `null` without /proc. */
export function processTicks(pid: number | "self", withChildren: boolean): number | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "latin1");
    const f = text.slice(text.lastIndexOf(")") + 2).split(" ").map(Number);
    // fields after the name start at state (field 3): utime = 14, stime = 15, cutime = 16, cstime = 17
    const t = f[11]! + f[12]!;
    return withChildren ? t + f[13]! + f[14]! : t;
  } catch {
    return null;
  }
}

export class OtherLoad {
  #sys: number | null;
  #mine: number | null;
  #server: number | null;
  #t0 = performance.now();

  constructor(private readonly serverPid: number | undefined) {
    this.#sys = systemTicks();
    this.#mine = processTicks("self", true);
    this.#server = serverPid ? processTicks(serverPid, true) : 0;
  }

  /**
   * `other`: cores' worth of CPU used by everything else since construction;
   * `server`: CPU seconds (user + system) the server process used meanwhile.
   */
  stop(): { other: number; server: number } {
    const sys = systemTicks();
    const mine = processTicks("self", true);
    const server = this.serverPid ? processTicks(this.serverPid, true) : 0;
    const seconds = (performance.now() - this.#t0) / 1000;
    if (sys === null || mine === null || server === null || this.#sys === null || this.#mine === null || this.#server === null) {
      return { other: NaN, server: NaN };
    }
    const other = sys - this.#sys - (mine - this.#mine) - (server - this.#server);
    return { other: Math.max(0, other / TICKS_PER_SECOND / seconds), server: (server - this.#server) / TICKS_PER_SECOND };
  }
}

/** Microseconds of server CPU per request. */
export function fmtCpuPerRequest(seconds: number, requests: number): string {
  return Number.isFinite(seconds) && requests > 0 ? `${((seconds * 1e6) / requests).toFixed(1)} µs` : "n/a";
}

export function fmtCores(c: number): string {
  return Number.isFinite(c) ? c.toFixed(2) : "n/a";
}

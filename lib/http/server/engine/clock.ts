/**
 * Time-outs for request heads, kept cheap enough for every request: instead
 * of a timer per request, each connection's deadline sits in one shared set
 * that a single coarse sweep (four times a second) checks. A time-out
 * fires up to two sweeps late, never early.
 *
 * A connection between requests is *idle* and gets `keepAliveTimeout`; from
 * the first byte of a request (or from the start of a new connection) it
 * gets `headerTimeout` until the request's headers are complete.
 *
 * @module
 */
import type { BufferedReader } from "../../../socketserver/streams.js";
import { Registry, type RegistryEntry } from "../../../socketserver/registry.js";

/** A request head did not arrive in time, or a kept-alive connection sat idle too long. */
export class HeadTimeoutError extends Error {
  /**
   * @param phase - `"idle"` between requests, `"head"` while a request head arrives.
   * @param seconds - the limit that ran out.
   */
  constructor(
    readonly phase: "idle" | "head",
    readonly seconds: number,
  ) {
    super(`request ${phase} timeout after ${seconds} s`);
  }
}

/** How often the shared sweep looks at the deadlines, in milliseconds. */
const SWEEP_MS = 250;
/**
 * The one sweep that checks the head deadlines of every connection: a
 * timer, the set of watches it looks at and its count of sweeps. One
 * interval timer serves every connection of every server, as Node's own
 * timer lists do, so the process holds exactly one ({@link HEAD_SWEEP}).
 */
class HeadSweep {
  /**
   * The watches of open connections that were armed since the last sweep or
   * are still running. Arming and disarming per request only flip a flag: a
   * disarmed watch stays in the set until the next sweep drops it, or until
   * its connection ends ({@link HeadWatch.release}).
   */
  readonly watched = new Registry<HeadWatch>();
  /**
   * Sweeps made so far: the clock of the deadlines. Sweeps are at least
   * {@link SWEEP_MS} apart, so counting them never ends a limit early, and
   * arming needs no clock read of its own.
   */
  sweeps = 0;
  #timer: NodeJS.Timeout | null = null;
  #emptySweeps = 0;

  /** Make sure the timer runs (a watch was armed). */
  start(): void {
    if (!this.#timer) {
      this.#timer = setInterval(() => this.#sweep(), SWEEP_MS);
      this.#timer.unref();
    }
    this.#emptySweeps = 0;
  }

  /** The sweep (counted as in {@link sweeps}) at which `seconds` from now have surely passed. */
  deadlineAfter(seconds: number): number {
    // The next sweep may come at once; every later one is a full interval on.
    return this.sweeps + 1 + Math.ceil((seconds * 1000) / SWEEP_MS);
  }

  #sweep(): void {
    const sweeps = ++this.sweeps;
    if (this.watched.size === 0) {
      // Stop after a quiet second; a new watch starts the sweep again.
      if (++this.#emptySweeps >= 4 && this.#timer) {
        clearInterval(this.#timer);
        this.#timer = null;
      }
      return;
    }
    this.#emptySweeps = 0;
    for (const w of this.watched.values()) w.check(sweeps);
  }
}

/** The sweep of the process (see {@link HeadSweep}). */
const HEAD_SWEEP = new HeadSweep();

/** How many watches the shared set holds (for tests: a finished connection's watch must not stay). */
export function listedHeadWatches(): number {
  return HEAD_SWEEP.watched.size;
}

/** The head deadline of one connection, re-armed for each request. */
export class HeadWatch {
  /** The sweep at which the current limit has run out (see {@link HeadSweep.sweeps}). */
  deadline = 0;
  #phase: "idle" | "head" = "head";
  #mark = 0;
  #rfile: BufferedReader;
  #idleLimit: number | null = null;
  #headLimit: number | null = null;
  #armed = false;
  /** Its place in the shared set, while listed there. */
  #listed: RegistryEntry<HeadWatch> | null = null;

  /** @param rfile - the connection's reader, interrupted when time runs out. */
  constructor(rfile: BufferedReader) {
    this.#rfile = rfile;
  }

  /**
   * Start the clock for the next request head.
   *
   * @param betweenRequests - true when an earlier request was answered on this connection.
   * @param idleLimit - seconds allowed idle between requests (`null`: no limit).
   * @param headLimit - seconds allowed for a head from its first byte (`null`: no limit).
   */
  arm(betweenRequests: boolean, idleLimit: number | null, headLimit: number | null): void {
    this.#idleLimit = idleLimit;
    this.#headLimit = headLimit;
    this.#mark = this.#rfile.consumed;
    this.#phase = betweenRequests && this.#rfile.buffered === 0 ? "idle" : "head";
    const limit = this.#phase === "idle" ? idleLimit : headLimit;
    let deadline: number;
    if (isLimit(limit)) deadline = HEAD_SWEEP.deadlineAfter(limit);
    // No idle limit: wait without end for the next request, but watch for
    // its first byte, from which the head limit applies.
    else if (this.#phase === "idle" && isLimit(headLimit)) deadline = Infinity;
    else {
      this.#armed = false;
      return;
    }
    HEAD_SWEEP.start();
    this.deadline = deadline;
    this.#armed = true;
    this.#listed ??= HEAD_SWEEP.watched.add(this);
  }

  /** True while the clock runs. */
  get armed(): boolean {
    return this.#armed;
  }

  /** Stop the clock: the head has arrived (or the request is over). */
  disarm(): void {
    this.#armed = false;
  }

  /**
   * Stop the clock for good: the connection is done. Leaves the shared set
   * at once, so that nothing of a closed connection stays reachable until
   * the next sweep.
   */
  release(): void {
    this.#armed = false;
    this.#unlist();
  }

  /**
   * Called by the sweep: drop a disarmed watch; once the next request has
   * begun on an idle connection, give it the head limit from now; expire a
   * watch whose deadline has passed.
   */
  check(sweep: number): void {
    if (!this.#armed) {
      this.#unlist();
    } else if (this.#phase === "idle" && this.#begun()) {
      this.#startHead();
    } else if (sweep >= this.deadline) {
      this.expire();
    }
  }

  /** Whether bytes of a next request have arrived since the clock was armed. */
  #begun(): boolean {
    const rfile = this.#rfile;
    return rfile.buffered > 0 || rfile.consumed !== this.#mark;
  }

  /** The next request has begun: from now on the head limit applies. */
  #startHead(): void {
    this.#phase = "head";
    const limit = this.#headLimit;
    if (!isLimit(limit)) {
      this.#armed = false;
      return;
    }
    this.deadline = HEAD_SWEEP.deadlineAfter(limit);
  }

  #unlist(): void {
    if (this.#listed) HEAD_SWEEP.watched.delete(this.#listed);
    this.#listed = null;
  }

  /** Called once {@link deadline} has passed. */
  expire(): void {
    const rfile = this.#rfile;
    if (this.#phase === "idle" && this.#begun()) return this.#startHead();
    this.#armed = false;
    const seconds = (this.#phase === "idle" ? this.#idleLimit : this.#headLimit) ?? 0;
    rfile.interrupt(new HeadTimeoutError(this.#phase, seconds));
  }
}

/** Whether `limit` is a time limit in seconds (`null` and anything not a number from 0 up mean none). */
function isLimit(limit: number | null | undefined): limit is number {
  return limit !== null && limit !== undefined && limit >= 0;
}

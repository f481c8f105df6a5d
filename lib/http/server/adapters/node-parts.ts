/**
 * What the two Node adapters share, `toRequestListener()` (node:http and
 * node:http2's compatibility API) and `toStreamListener()` (node:http2's
 * stream API): the request's header fields as an HTTP/1 head lists them,
 * the body read from a Node `Readable`, and waiting for a Node `Writable`
 * to take more.
 *
 * @module
 */
import type { EventEmitter } from "node:events";
import type { Readable } from "node:stream";
import type { MemoryConnection } from "./memory-connection.js";
import type { BodySource } from "./exchange.js";

/**
 * Raw header names and values (`[name, value, name, value, ...]`) as
 * pairs. HTTP/2 pseudo-headers are dropped, except `:authority`, which
 * becomes `Host` (unless the request has a `host` too).
 */
export function headerPairs(raw: readonly string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let authority: string | undefined;
  let host = false;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.charCodeAt(0) === 58 /* ":" */) {
      if (name === ":authority") authority = raw[i + 1]!;
      continue;
    }
    if (!host && name.length === 4 && name.toLowerCase() === "host") host = true;
    out.push([name, raw[i + 1]!]);
  }
  if (authority !== undefined && !host) out.unshift(["Host", authority]);
  return out;
}

/**
 * The request body, read from `input` as fast as the handler takes it.
 * `trailers()` gives the trailer fields (`[name, value, ...]`) once the
 * body has ended.
 */
export function readableBody(input: Readable, trailers: () => readonly string[]): BodySource {
  let conn: MemoryConnection | null = null;
  let stopped = false;
  let abortExchange: () => void = () => {};
  const onData = (chunk: Buffer): void => {
    if (!conn!.feed(chunk)) input.pause();
  };
  const onEnd = (): void => conn!.endInput(trailers());
  const onError = (): void => abortExchange();
  return {
    start(c, abort) {
      conn = c;
      abortExchange = abort;
      if (input.readableEnded) {
        c.endInput();
        return;
      }
      c.onDemand = () => {
        if (!stopped && input.isPaused()) input.resume();
      };
      input.on("data", onData);
      input.once("end", onEnd);
      input.once("error", onError);
    },
    stop() {
      if (stopped || conn === null) return;
      stopped = true;
      conn.onDemand = null;
      input.off("data", onData);
      input.off("end", onEnd);
      input.off("error", onError);
      // What the handler left unread is Node's to drop.
      if (!input.readableEnded && !input.destroyed) input.resume();
    },
  };
}

/**
 * Waits for a Node response (a `ServerResponse`, an `Http2ServerResponse`
 * or an HTTP/2 stream) to take more after a `write()` returned false: until
 * `'drain'`, or `'close'` when the client has gone. One `'drain'` and one
 * `'close'` listener serve the response's whole life, not a pair per wait:
 * middleware that hands `'drain'` listeners on to a stream of its own
 * (Express's `compression()`) never removes them.
 */
export class DrainWait {
  readonly #output: EventEmitter;
  #waiting: (() => void) | null = null;
  #listening = false;

  /** @param output - the response that emits `'drain'` and `'close'`. */
  constructor(output: EventEmitter) {
    this.#output = output;
  }

  /** Settles at the next `'drain'` or `'close'` of the response. */
  wait(): Promise<void> {
    if (!this.#listening) {
      this.#listening = true;
      const wake = (): void => {
        const waiting = this.#waiting;
        this.#waiting = null;
        waiting?.();
      };
      this.#output.on("drain", wake);
      this.#output.on("close", wake);
    }
    return new Promise<void>((resolve) => (this.#waiting = resolve));
  }
}

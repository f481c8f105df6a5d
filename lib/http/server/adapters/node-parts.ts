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
import { constants, type ServerHttp2Stream } from "node:http2";
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

/** How {@link readableBody} reads one host's request stream. */
export interface ReadableBodyOptions {
  /** The trailer fields (`[name, value, ...]`), asked once the body has ended. */
  trailers(): readonly string[];
  /**
   * Asked when the input ends, on the next turn of the event loop: true
   * when that end is not the body's. node:http2 ends a stream's input when
   * the stream is reset or its session dropped, and says so only after.
   * The exchange is then aborted, so the handler reads a cut-off body,
   * never a complete one.
   */
  cut?: () => boolean;
  /**
   * Stop the rest of a body nobody reads from arriving (HTTP/2: reset the
   * stream). Called once more than the handler's `maxBodyDiscard` bytes
   * arrived after it was done; without it, Node drops what comes.
   */
  refuse?: () => void;
}

/** The request body, read from `input` as fast as the handler takes it (see {@link ReadableBodyOptions}). */
export function readableBody(input: Readable, options: ReadableBodyOptions): BodySource {
  const { trailers, cut, refuse } = options;
  let conn: MemoryConnection | null = null;
  let stopped = false;
  let abortExchange: () => void = () => {};
  const onData = (chunk: Buffer): void => {
    if (!conn!.feed(chunk)) input.pause();
  };
  const finish = (): void => {
    if (stopped) return;
    if (cut?.() === true) abortExchange();
    else conn!.endInput(trailers());
  };
  const onEnd = (): void => {
    if (cut === undefined) finish();
    else setImmediate(finish);
  };
  const onError = (): void => abortExchange();
  return {
    start(c, abort) {
      conn = c;
      abortExchange = abort;
      if (input.readableEnded) {
        onEnd();
        return;
      }
      c.onDemand = () => {
        if (!stopped && input.isPaused()) input.resume();
      };
      input.on("data", onData);
      input.once("end", onEnd);
      input.once("error", onError);
    },
    stop(discardLimit) {
      if (stopped || conn === null) return;
      stopped = true;
      conn.onDemand = null;
      input.off("data", onData);
      input.off("end", onEnd);
      input.off("error", onError);
      if (input.readableEnded || input.destroyed) return;
      // What the handler left unread is dropped: by Node, or here, up to a limit.
      if (refuse !== undefined) {
        let left = discardLimit;
        const drop = (chunk: Buffer): void => {
          left -= chunk.length;
          if (left >= 0) return;
          input.off("data", drop);
          refuse();
        };
        input.on("data", drop);
      }
      input.resume();
    },
  };
}

/** How the body of an HTTP/2 stream is read, for either node:http2 API. */
export function http2StreamBody(stream: ServerHttp2Stream, trailers: () => readonly string[]): ReadableBodyOptions {
  return {
    trailers,
    // A reset stream (or a dropped session) ends its input too; only an
    // END_STREAM from the client (the stream half-closed on its side) ends the body.
    cut: () => stream.aborted || stream.destroyed || stream.state.remoteClose !== 1,
    // RFC 9113, section 8.1: after a complete response, RST_STREAM(NO_ERROR) ends the request.
    refuse: () => stream.close(constants.NGHTTP2_NO_ERROR),
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

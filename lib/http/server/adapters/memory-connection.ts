/**
 * The connection a handler is given by an adapter: a Duplex in memory whose
 * readable side carries the request (its head, then the body as the host
 * receives it, framed again as `chunked` where the client sent it without a
 * length, so the handler reads the bytes a socket would carry) and whose writable side hands every byte the handler writes
 * to a {@link ResponseReader}. Both sides keep back-pressure: the body is
 * fed only as fast as the handler reads it, and a write completes only once
 * the host response has taken it.
 *
 * @module
 */
import { Duplex } from "node:stream";
import type { ResponseReader } from "./response-reader.js";

const CRLF = Buffer.from("\r\n", "latin1");

/** The error a handler's reads and writes meet once the client has gone. */
export function clientGone(): Error {
  return Object.assign(new Error("the client closed the connection"), { code: "ECONNRESET" });
}

/** A Duplex in memory between an adapter and one handler (see the module comment). */
export class MemoryConnection extends Duplex {
  /** Called when the handler wants more input (the body source may resume). */
  onDemand: (() => void) | null = null;
  readonly #reader: ResponseReader;
  readonly #onOutputError: (error: unknown) => void;
  readonly #chunked: boolean;
  #inputEnded = false;

  /**
   * @param head - the request head, written first.
   * @param chunked - frame the body with the `chunked` coding (the head says so).
   * @param reader - where the handler's output goes.
   * @param onOutputError - told when the output is not a well-formed response.
   */
  constructor(head: Buffer, chunked: boolean, reader: ResponseReader, onOutputError: (error: unknown) => void) {
    super({ allowHalfOpen: true });
    this.#chunked = chunked;
    this.#reader = reader;
    this.#onOutputError = onOutputError;
    this.push(head);
  }

  /** Hand the handler more request body; false means: wait for {@link onDemand}. */
  feed(chunk: Buffer): boolean {
    if (this.destroyed || this.#inputEnded) return false;
    if (chunk.length === 0) return true;
    if (!this.#chunked) return this.push(chunk);
    this.push(Buffer.from(chunk.length.toString(16) + "\r\n", "latin1"));
    this.push(chunk);
    return this.push(CRLF);
  }

  /** The request body is complete; `trailers` (name, value pairs) end a chunked one. */
  endInput(trailers: readonly string[] = []): void {
    if (this.destroyed || this.#inputEnded) return;
    this.#inputEnded = true;
    if (this.#chunked) {
      let last = "0\r\n";
      for (let i = 0; i + 1 < trailers.length; i += 2) last += `${trailers[i]}: ${trailers[i + 1]}\r\n`;
      this.push(Buffer.from(last + "\r\n", "latin1"));
    }
    this.push(null);
  }

  override _read(): void {
    this.onDemand?.();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    let wait: void | Promise<void>;
    try {
      wait = this.#reader.write(chunk);
    } catch (err) {
      this.#onOutputError(err);
      return callback(clientGone());
    }
    if (wait === undefined) return callback();
    wait.then(
      () => callback(),
      (err: unknown) => {
        this.#onOutputError(err);
        callback(clientGone());
      },
    );
  }

  override _final(callback: (error?: Error | null) => void): void {
    try {
      this.#reader.finish();
    } catch (err) {
      this.#onOutputError(err);
    }
    callback();
  }
}

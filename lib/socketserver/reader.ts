/**
 * The `rfile` of a request handler: a buffered byte reader over a socket
 * (or over fixed bytes), Python's `BufferedReader` from `socket.makefile()`
 * with its reads made awaitable.
 *
 * @module
 */
import type { Readable } from "node:stream";
import { ClosePolicy } from "./close-policy.js";
import { toBuffer, type Bytes } from "./writer.js";
import { AbortError, SocketTimeoutError } from "./stream-errors.js";

/** Options of the awaited reads of {@link BufferedReader}. */
export interface ReadOptions {
  /**
   * Aborting it makes a read that waits (or would wait) reject with an
   * {@link AbortError} and closes the connection, since the bytes the
   * read would have taken can no longer be told from the next ones.
   */
  signal?: AbortSignal | undefined;
}

/** The size of `(n, options)` or `(options)`: `n`, or -1 (no limit). */
function sizeOf(n: number | ReadOptions | undefined): number {
  return typeof n === "object" && n !== null ? -1 : (n ?? -1);
}

/** The signal of `(n, options)` or `(options)`, if any. */
function signalOf(n: number | ReadOptions | undefined, options: ReadOptions | undefined): AbortSignal | undefined {
  return typeof n === "object" && n !== null ? n.signal : options?.signal;
}

const EMPTY = Buffer.alloc(0);
/** Stop pulling from the socket while this many bytes wait unread. */
const HIGH_WATER = 256 * 1024;
const NEWLINE = 0x0a;

/**
 * A buffered reader: Python's `rfile`. Reads never return more than asked and
 * return fewer bytes only at end of input. Reading is awaitable; the
 * `try*` methods never wait and are what a hot parser uses.
 */
export class BufferedReader implements AsyncIterable<Buffer> {
  #chunks: Buffer[] = [];
  #head = 0; // offset into #chunks[0]
  #length = 0;
  #consumedTotal = 0;
  #eof = false;
  #closed = false;
  #source: Readable | null;
  /** The stream given to the constructor, closed by an aborted read. */
  #stream: Readable | null;
  #paused = false;
  /** The callback of the wait in progress ({@link whenFilled}), and the buffered length when it began. */
  #waitDone: ((error: Error | null, more: boolean) => void) | null = null;
  #waitFrom = 0;
  /** The read time-out of the wait in progress. */
  #waiterTimer: NodeJS.Timeout | null = null;
  #interrupted: Error | null = null;
  #timeoutMs: number | null = null;
  #deadline: number | null = null;
  #onData = (chunk: Buffer): void => this.#push(chunk);
  #onEnd = (): void => this.#end();

  /**
   * @param source - the stream to read from, or `null` for a reader that only
   *   holds `initial` and then reports end of input.
   * @param initial - bytes already available.
   */
  constructor(source: Readable | null, initial?: Buffer) {
    this.#source = source;
    this.#stream = source;
    if (initial && initial.length) this.#push(initial);
    if (source === null) {
      this.#eof = true;
      return;
    }
    // What the stream already holds is taken now, not on the next tick: a
    // request head that is here can be parsed at once.
    if (source.readableLength > 0 && source.readableFlowing !== true && source.readableEncoding === null && !source.readableObjectMode) {
      for (let chunk = source.read() as Buffer | null; chunk !== null; chunk = source.read() as Buffer | null) this.#push(chunk);
    }
    source.on("data", this.#onData);
    source.on("end", this.#onEnd);
    source.on("close", this.#onEnd);
    // A reset connection reads as end of input: no crash, no stack trace.
    source.on("error", this.#onEnd);
    if (source.isPaused()) source.resume();
  }

  /** A reader over fixed bytes, for handler unit tests (Python's `BytesIO`). */
  static fromBytes(data: Bytes): BufferedReader {
    return new BufferedReader(null, toBuffer(data));
  }

  /** Seconds a read may wait for data before failing with {@link SocketTimeoutError}; `null` waits forever. */
  get timeout(): number | null {
    return this.#timeoutMs === null ? null : this.#timeoutMs / 1000;
  }
  /** Set the read time-out in seconds; `null` (or `undefined`) waits forever. */
  set timeout(seconds: number | null) {
    this.#timeoutMs = seconds === null || seconds === undefined ? null : Math.max(0, seconds * 1000);
  }

  /**
   * A moment (`performance.now()` milliseconds) after which no read waits
   * for data: a wait still going then fails with {@link SocketTimeoutError},
   * however recently bytes arrived. Bounds a whole exchange where
   * {@link timeout} bounds each wait. `null` (default): no deadline.
   */
  get readDeadline(): number | null {
    return this.#deadline;
  }
  /** Set the read deadline (`performance.now()` milliseconds); `null` removes it. */
  set readDeadline(at: number | null) {
    this.#deadline = at ?? null;
  }

  /** Bytes waiting in the buffer. */
  get buffered(): number {
    return this.#length;
  }

  /** Bytes handed out by reads since the reader was made (a position, as Python's `tell()`). */
  get consumed(): number {
    return this.#consumedTotal;
  }

  /** True once the source has ended (buffered bytes may remain). */
  get atEOF(): boolean {
    return this.#eof;
  }

  /** True after {@link close}. */
  get closed(): boolean {
    return this.#closed;
  }

  #push(chunk: Buffer): void {
    if (this.#closed || chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#length += chunk.length;
    if (this.#length >= HIGH_WATER && this.#source && !this.#paused) {
      this.#paused = true;
      this.#source.pause();
    }
    this.#wake();
  }

  #end(): void {
    this.#eof = true;
    this.#wake();
  }

  /** End the wait in progress, if any: bytes arrived, the input ended, or it was interrupted. */
  #wake(): void {
    const done = this.#waitDone;
    if (done === null) return;
    this.#waitDone = null;
    if (this.#waiterTimer) {
      clearTimeout(this.#waiterTimer);
      this.#waiterTimer = null;
    }
    if (this.#interrupted) done(this.#interrupted, false);
    else done(null, this.#length > this.#waitFrom || !(this.#eof || this.#closed));
  }

  /** The read time-out of the wait in progress ran out. */
  #waitTimedOut = (): void => {
    this.#waiterTimer = null;
    const done = this.#waitDone;
    if (done === null) return;
    this.#waitDone = null;
    done(new SocketTimeoutError(), false);
  };

  /**
   * Wait until more bytes arrive or the input ends. Resolves `false` at end of
   * input, rejects with {@link SocketTimeoutError} after `timeout`.
   */
  fill(): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.whenFilled((error, more) => (error ? reject(error) : resolve(more)));
    });
  }

  /**
   * {@link fill} that gives up when `signal` is aborted (before or while
   * it waits): rejects with an {@link AbortError} and closes the
   * connection. Without a signal it is {@link fill}.
   */
  fillOrAbort(signal: AbortSignal | undefined): Promise<boolean> {
    if (signal === undefined) return this.fill();
    if (signal.aborted) return Promise.reject(this.#abort(signal));
    return new Promise<boolean>((resolve, reject) => {
      const onAbort = (): void => {
        // Ends the wait with the error (interrupt), then closes.
        this.#abort(signal);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.whenFilled((error, more) => {
        signal.removeEventListener("abort", onAbort);
        if (error) reject(error);
        else resolve(more);
      });
    });
  }

  /** An aborted read: every later wait fails too, buffered bytes are dropped and the connection closed. */
  #abort(signal: AbortSignal): AbortError {
    const error = new AbortError(undefined, { cause: signal.reason });
    this.interrupt(error);
    this.close();
    this.#stream?.destroy();
    return error;
  }

  /**
   * The callback form of {@link fill}, for hot paths that would rather not
   * make a Promise per wait: `done(null, more)` once bytes arrive or the
   * input ends (`more` is false at end of input), `done(error, false)` after
   * {@link interrupt} or the read time-out. With nothing to wait for (end of
   * input, an interrupt already made) it is called at once; otherwise it is
   * called from the source's `data`/`end` event or the timer. One wait at a
   * time: a new one replaces the last, which is then never called.
   */
  whenFilled(done: (error: Error | null, more: boolean) => void): void {
    if (this.#waiterTimer) {
      clearTimeout(this.#waiterTimer);
      this.#waiterTimer = null;
    }
    if (this.#interrupted) return done(this.#interrupted, false);
    if (this.#eof || this.#closed) return done(null, false);
    if (this.#paused && this.#source) {
      this.#paused = false;
      this.#source.resume();
    }
    let ms = this.#timeoutMs;
    if (this.#deadline !== null) {
      const left = this.#deadline - performance.now();
      if (left <= 0) return done(new SocketTimeoutError(), false);
      if (ms === null || left < ms) ms = left;
    }
    this.#waitFrom = this.#length;
    this.#waitDone = done;
    if (ms !== null) this.#waiterTimer = setTimeout(this.#waitTimedOut, ms);
  }

  /**
   * Make the read that is waiting (and every later wait) fail with `error`:
   * how a server abandons a connection whose client is too slow or idle.
   * Bytes already buffered can still be read.
   */
  interrupt(error: Error): void {
    this.#interrupted = error;
    this.#wake();
  }


  /** Take `n` bytes (n <= buffered) off the front of the buffer. */
  #take(n: number): Buffer {
    if (n === 0) return EMPTY;
    const first = this.#chunks[0]!;
    let out: Buffer;
    if (first.length - this.#head >= n) {
      out = first.subarray(this.#head, this.#head + n);
      this.#head += n;
      if (this.#head === first.length) {
        this.#chunks.shift();
        this.#head = 0;
      }
    } else {
      out = Buffer.allocUnsafe(n);
      let copied = 0;
      while (copied < n) {
        const c = this.#chunks[0]!;
        const avail = c.length - this.#head;
        const want = Math.min(avail, n - copied);
        c.copy(out, copied, this.#head, this.#head + want);
        copied += want;
        this.#head += want;
        if (this.#head === c.length) {
          this.#chunks.shift();
          this.#head = 0;
        }
      }
    }
    this.#account(n);
    return out;
  }

  /** Account for `n` bytes taken off the buffer; pull from the source again once it has room. */
  #account(n: number): void {
    this.#length -= n;
    this.#consumedTotal += n;
    if (this.#paused && this.#length < HIGH_WATER / 2 && this.#source) {
      this.#paused = false;
      this.#source.resume();
    }
  }

  /** Offset of the first `\n` within the first `limit` buffered bytes, or -1. */
  #indexOfNewline(limit: number): number {
    let base = 0;
    for (let i = 0; i < this.#chunks.length && base < limit; i++) {
      const c = this.#chunks[i]!;
      const start = i === 0 ? this.#head : 0;
      const end = Math.min(c.length, start + (limit - base));
      const at = c.indexOf(NEWLINE, start);
      if (at !== -1 && at < end) return base + (at - start);
      base += c.length - start;
    }
    return -1;
  }

  /**
   * The bytes buffered at the read position, without consuming them and
   * without waiting (Python's `BufferedReader.peek()`): a view, not a copy,
   * of as much as arrived in one piece; empty when nothing is buffered.
   * A parser can look for the end of what it wants here and then take it
   * with {@link tryRead}.
   */
  peek(): Buffer {
    const c = this.#chunks[0];
    return c === undefined ? EMPTY : c.subarray(this.#head);
  }

  /**
   * Return a line (through `\n`) of at most `limit` bytes if one can be had
   * without waiting; `null` when more input is needed. At end of input the
   * remaining bytes (possibly none) are returned.
   */
  tryReadline(limit = -1): Buffer | null {
    const max = limit < 0 ? Infinity : limit;
    const at = this.#indexOfNewline(max);
    if (at !== -1) return this.#take(at + 1);
    if (this.#length >= max) return this.#take(max);
    if (this.#eof || this.#closed) return this.#take(this.#length);
    return null;
  }

  /** Return exactly `n` buffered bytes if available now (or what is left at end of input); `null` otherwise. */
  tryRead(n: number): Buffer | null {
    if (this.#length >= n) return this.#take(n);
    if (this.#eof || this.#closed) return this.#take(this.#length);
    return null;
  }

  /** Whatever is buffered now, without waiting (possibly empty). */
  readBuffered(max = Infinity): Buffer {
    return this.#take(Math.min(max, this.#length));
  }

  /**
   * Read `n` bytes, fewer only at end of input. With no argument (or a
   * negative one) read everything until the input ends. Takes
   * `{ signal }` last (or alone): see {@link ReadOptions}.
   */
  async read(n?: number | ReadOptions, options?: ReadOptions): Promise<Buffer> {
    const size = sizeOf(n);
    const signal = signalOf(n, options);
    if (!Number.isInteger(size)) {
      // read(NaN) would wait for the end of input: Number(undefined header) is NaN.
      throw new TypeError(`read() needs an integer byte count, got ${size}`);
    }
    if (signal?.aborted) throw this.#abort(signal);
    if (size < 0) {
      while (await this.fillOrAbort(signal));
      return this.#take(this.#length);
    }
    for (;;) {
      const got = this.tryRead(size);
      if (got !== null) return got;
      await this.fillOrAbort(signal);
    }
  }

  /**
   * Read at most `n` bytes with at most one wait: what is buffered, or what
   * arrives next (Python's `read1`). Takes `{ signal }` as {@link read} does.
   */
  async read1(n?: number | ReadOptions, options?: ReadOptions): Promise<Buffer> {
    const size = sizeOf(n);
    const signal = signalOf(n, options);
    const max = size < 0 ? Infinity : size;
    if (signal?.aborted) throw this.#abort(signal);
    if (this.#length === 0) await this.fillOrAbort(signal);
    return this.#take(Math.min(max, this.#length));
  }

  /**
   * Read one line including its `\n`; at most `limit` bytes when
   * `limit >= 0`. Empty at end of input. Takes `{ signal }` as {@link read} does.
   */
  async readline(limit?: number | ReadOptions, options?: ReadOptions): Promise<Buffer> {
    const max = sizeOf(limit);
    const signal = signalOf(limit, options);
    if (signal?.aborted) throw this.#abort(signal);
    for (;;) {
      const line = this.tryReadline(max);
      if (line !== null) return line;
      await this.fillOrAbort(signal);
    }
  }

  /**
   * Read all remaining lines. Stops once `hint` bytes were read, when
   * given. Takes `{ signal }` as {@link read} does.
   */
  async readlines(hint?: number | ReadOptions, options?: ReadOptions): Promise<Buffer[]> {
    const most = sizeOf(hint);
    const signal = signalOf(hint, options);
    const readOptions = signal === undefined ? undefined : { signal };
    const lines: Buffer[] = [];
    let total = 0;
    for (;;) {
      const line = await this.readline(-1, readOptions);
      if (line.length === 0) break;
      lines.push(line);
      total += line.length;
      if (most > 0 && total >= most) break;
    }
    return lines;
  }

  /** Iterate over lines until end of input: `for await (const line of rfile)`. */
  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    for (;;) {
      const line = await this.readline();
      if (line.length === 0) return;
      yield line;
    }
  }

  /**
   * Stop reading from the source and drop buffered bytes. Bytes dropped
   * mean the peer may be sending more that nobody reads: the source's
   * `ClosePolicy` then records `unreadInput`, so that closing the
   * connection drains instead of resetting it.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#source && this.#length > 0) ClosePolicy.of(this.#source).unreadInput = true;
    this.detach();
    this.#chunks = [];
    this.#length = 0;
    this.#head = 0;
    this.#wake();
  }

  /** Stop listening to the source but keep buffered bytes. */
  detach(): void {
    const s = this.#source;
    if (!s) return;
    this.#source = null;
    s.off("data", this.#onData);
    s.off("end", this.#onEnd);
    s.off("close", this.#onEnd);
    s.off("error", this.#onEnd);
    if (this.#paused) s.resume();
  }
}

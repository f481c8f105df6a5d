/**
 * The `rfile` and `wfile` of a request handler: a buffered byte reader over a
 * socket (or over fixed bytes) and a writer that sends to a socket (or
 * collects in memory). They mirror the file objects Python hands to
 * `StreamRequestHandler`, with reads made awaitable.
 *
 * @module
 */
import type { Readable, Writable } from "node:stream";
import { ClosePolicy } from "./close-policy.js";

/** Raised by a read that waited longer than the handler's `timeout`. */
export class SocketTimeoutError extends Error {
  /** Always `"TimeoutError"`, Python's name for a socket time-out. */
  override readonly name = "TimeoutError";
  constructor(message = "timed out") {
    super(message);
  }
}

/** Raised by a write to a connection the peer has closed. */
export class BrokenPipeError extends Error {
  /** Always `"BrokenPipeError"`, as in Python. */
  override readonly name = "BrokenPipeError";
  /** `EPIPE`, for code that checks `error.code` the Node way. */
  readonly code = "EPIPE";
  constructor(message = "Broken pipe") {
    super(message);
  }
}

/**
 * A read given up because its `signal` was aborted: Node's own shape for
 * this (name `AbortError`, code `ABORT_ERR`, the signal's reason as
 * `cause`), as `fs` and `timers/promises` reject with.
 */
export class AbortError extends Error {
  /** Always `"AbortError"`. */
  override readonly name = "AbortError";
  /** `ABORT_ERR`, as Node's own aborted operations. */
  readonly code = "ABORT_ERR";
  constructor(message = "The operation was aborted", options?: ErrorOptions) {
    super(message, options);
  }
}

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

/** Coalesced writes up to this size are copied into one buffer; larger ones go out as a gathered write. */
const COALESCE_COPY_LIMIT = 64 * 1024;
/**
 * Bytes handed to the stream at a time once it asks to wait: a larger
 * write, or any write while the stream's own buffer is full, is queued in
 * the writer and passed on piece by piece, one drain at a time, so that
 * the bytes queued in Node stay bounded and a reader's progress (or its
 * lack) shows to a send time-out. As large as the kernel's own batches
 * (it takes more only after about a third of a send buffer of a few MiB
 * has gone), so that a fast reader costs no extra turns of the event loop.
 */
const PIECE = 1024 * 1024;
/** Writes gathered for the tick's send beyond this make {@link SocketWriter.needsFlush} true. */
const TICK_FLUSH = 64 * 1024;

/** Bytes or text accepted by the writers; text is encoded as UTF-8. */
export type Bytes = Buffer | Uint8Array | string;

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

/** Turn accepted bytes or text into a Buffer without copying bytes. */
export function toBuffer(data: Bytes): Buffer {
  if (typeof data === "string") return Buffer.from(data, "utf8");
  if (Buffer.isBuffer(data)) return data;
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** What every `wfile` offers: Python's writable file, with awaitable flushing. */
export interface Writer {
  /** Queue bytes for sending; returns the number of bytes accepted. */
  write(data: Bytes): number;
  /** Resolve once written bytes have been handed to the operating system. */
  flush(): Promise<void>;
  /** Stop accepting writes. The connection itself stays open. */
  close(): void;
  /** True after {@link close}. */
  readonly closed: boolean;
  /** Bytes accepted by {@link write} so far. */
  readonly bytesWritten: number;
}

/**
 * A `wfile` over a socket or any writable stream. With `bufferSize` 0 (the
 * default, Python's `wbufsize = 0`) every write goes to the socket at once;
 * otherwise writes collect until `flush()` or until `bufferSize` bytes wait.
 */
export class SocketWriter implements Writer {
  #stream: Writable;
  #closed = false;
  #bufferSize: number;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #written = 0;
  #coalesce: boolean;
  /** Writes of the current tick waiting to leave together (coalescing mode); strings are Latin-1 text. */
  #tick: Array<Buffer | string> = [];
  #tickBytes = 0;
  #scheduled = false;
  /** While true, queued writes wait for {@link uncork} instead of a scheduled send. */
  #held = false;
  /** Bytes accepted but not yet handed to the stream, oldest first (see {@link PIECE}). */
  #backlog: Buffer[] = [];
  /** How much of `#backlog[0]` was handed on already. */
  #backlogOffset = 0;
  #backlogBytes = 0;
  #pumpOnDrain = false;
  /** Pieces handed on and drains seen: what a send time-out watches for. */
  #progress = 0;
  #timeoutMs: number | null = null;
  #pump = (): void => {
    const s = this.#stream;
    this.#progress++;
    while (this.#backlogBytes > 0 && !s.writableNeedDrain) {
      if (s.destroyed || s.writableEnded) {
        this.#dropBacklog();
        break;
      }
      const first = this.#backlog[0]!;
      const piece = first.subarray(this.#backlogOffset, this.#backlogOffset + PIECE);
      this.#backlogOffset += piece.length;
      if (this.#backlogOffset === first.length) {
        this.#backlog.shift();
        this.#backlogOffset = 0;
      }
      this.#backlogBytes -= piece.length;
      s.write(piece);
    }
    const waiting = this.#backlogBytes > 0;
    if (waiting !== this.#pumpOnDrain) {
      this.#pumpOnDrain = waiting;
      if (waiting) s.on("drain", this.#pump);
      else s.off("drain", this.#pump);
    }
  };
  #sendTick = (): void => {
    this.#scheduled = false;
    const parts = this.#tick;
    if (parts.length === 0) return;
    this.#tick = [];
    const total = this.#tickBytes;
    this.#tickBytes = 0;
    const s = this.#stream;
    if (s.destroyed || s.writableEnded) return;
    if (parts.length === 1) {
      const p = parts[0]!;
      this.#out(typeof p === "string" ? Buffer.from(p, "latin1") : p);
    } else if (total <= COALESCE_COPY_LIMIT) {
      // One buffer, one send: a header block and a small body in one packet.
      const out = Buffer.allocUnsafe(total);
      let at = 0;
      for (const p of parts) {
        if (typeof p === "string") at += out.write(p, at, "latin1");
        else at += p.copy(out, at);
      }
      this.#out(out);
    } else if (this.#backlogBytes > 0 || total > PIECE || s.writableNeedDrain) {
      for (const p of parts) this.#out(typeof p === "string" ? Buffer.from(p, "latin1") : p);
    } else {
      s.cork();
      for (const p of parts) s.write(typeof p === "string" ? Buffer.from(p, "latin1") : p);
      s.uncork();
    }
  };

  /**
   * @param stream - where bytes go.
   * @param bufferSize - 0 for unbuffered writes; otherwise bytes to hold back.
   * @param coalesce - gather the writes made in one tick of the event loop
   *   into one send (what Node's own HTTP server does), so a response's
   *   header block and a small body leave in one packet. Bytes still leave
   *   in the order written; {@link flush} sends them at once.
   */
  constructor(stream: Writable, bufferSize = 0, coalesce = false) {
    this.#stream = stream;
    this.#bufferSize = bufferSize < 0 ? 8192 : bufferSize;
    this.#coalesce = coalesce;
  }

  get bytesWritten(): number {
    return this.#written;
  }

  /** The stream written to. */
  get stream(): Writable {
    return this.#stream;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** True when the peer is gone and writes cannot arrive. */
  get broken(): boolean {
    const s = this.#stream;
    return s.destroyed || s.writableEnded;
  }

  /**
   * True when {@link flush} has work to do: bytes held back, 64 KiB or
   * more gathered for the tick's send (so that a burst of writes, such as
   * pipelined responses, waits for the peer instead of piling up), or the
   * socket asks to wait for a drain.
   */
  get needsFlush(): boolean {
    return this.#pendingBytes > 0 || this.#backlogBytes > 0 || this.#tickBytes >= TICK_FLUSH || this.#stream.writableNeedDrain;
  }

  /**
   * Seconds {@link flush} may wait while the peer takes none of the bytes
   * sent (Python's socket time-out, which bounds sends as well as
   * receives); `null` (default) waits as long as it takes. When it runs
   * out, the connection is reset, which frees what it held, and the flush
   * fails with {@link SocketTimeoutError}.
   */
  get timeout(): number | null {
    return this.#timeoutMs === null ? null : this.#timeoutMs / 1000;
  }
  /** Set the send time-out in seconds; `null` (or `undefined`) waits as long as it takes. */
  set timeout(seconds: number | null) {
    this.#timeoutMs = seconds === null || seconds === undefined ? null : Math.max(0, seconds * 1000);
    // Closing the connection waits for the last bytes under the same limit.
    if (this.#timeoutMs !== null || ClosePolicy.find(this.#stream) !== undefined) ClosePolicy.of(this.#stream).sendTimeoutMs = this.#timeoutMs;
  }

  /** Pass `buf` on to the stream, behind whatever still waits in the backlog. */
  #out(buf: Buffer): void {
    if (this.#backlogBytes === 0 && buf.length <= PIECE && !this.#stream.writableNeedDrain) {
      this.#stream.write(buf);
      return;
    }
    this.#backlog.push(buf);
    this.#backlogBytes += buf.length;
    this.#pump();
  }

  #dropBacklog(): void {
    this.#backlog = [];
    this.#backlogOffset = 0;
    this.#backlogBytes = 0;
  }

  /**
   * Queue bytes for sending; returns their count. Text is encoded as UTF-8,
   * or as Latin-1 (one byte per character, as HTTP heads are) when
   * `encoding` says so, in which case a coalescing writer keeps the text
   * until the tick's send and encodes it there, without a copy of its own.
   */
  write(data: Bytes, encoding: "utf8" | "latin1" = "utf8"): number {
    if (this.#closed) throw new Error("I/O operation on closed file.");
    if (encoding === "latin1" && typeof data === "string" && this.#coalesce && this.#bufferSize === 0) {
      if (this.broken) throw new BrokenPipeError();
      if (data.length === 0) return 0;
      this.#written += data.length;
      this.#queue(data, data.length);
      return data.length;
    }
    const buf = typeof data === "string" ? Buffer.from(data, encoding) : toBuffer(data);
    if (this.broken) throw new BrokenPipeError();
    if (buf.length === 0) return 0;
    this.#written += buf.length;
    if (this.#bufferSize > 0) {
      this.#pending.push(buf);
      this.#pendingBytes += buf.length;
      if (this.#pendingBytes >= this.#bufferSize) this.#sendPending();
      return buf.length;
    }
    if (this.#coalesce) {
      this.#queue(buf, buf.length);
      return buf.length;
    }
    this.#out(buf);
    return buf.length;
  }

  /**
   * Hold the writes of the current tick back from the scheduled send until
   * {@link uncork}: for a caller that knows when a burst of writes ends (a
   * protocol engine around a handler that returns at once), so that they
   * can leave without waiting for the next tick.
   */
  cork(): void {
    if (this.#coalesce) this.#held = true;
  }

  /**
   * End a {@link cork}: send what was written meanwhile now (`now`
   * true), or on the next tick as usual (`now` false, for example when more
   * responses are about to be written and could share the send).
   */
  uncork(now: boolean): void {
    if (!this.#held) return;
    this.#held = false;
    if (this.#tick.length === 0) return;
    if (now) this.#sendTick();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      process.nextTick(this.#sendTick);
    }
  }

  #queue(part: Buffer | string, length: number): void {
    this.#tick.push(part);
    this.#tickBytes += length;
    if (!this.#scheduled && !this.#held) {
      this.#scheduled = true;
      process.nextTick(this.#sendTick);
    }
  }

  #sendPending(): void {
    if (this.#pending.length === 0) return;
    const data = this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending, this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
    if (!this.broken) this.#out(data);
  }

  /**
   * Resolve once every byte written has been handed to the operating
   * system. Rejects with {@link BrokenPipeError} if the peer goes away, and
   * with {@link SocketTimeoutError} after {@link timeout} seconds in which
   * the peer took nothing (the connection is then reset).
   */
  flush(): Promise<void> {
    this.#sendPending();
    this.#sendTick();
    const s = this.#stream;
    while (s.writableCorked) s.uncork();
    if (this.#backlogBytes === 0 && !s.writableNeedDrain) return Promise.resolve();
    if (this.broken) return Promise.reject(new BrokenPipeError());
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let seen = this.#progress;
      const settle = (error: Error | null): void => {
        s.off("drain", drained);
        s.off("close", closed);
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
      const drained = (): void => {
        this.#progress++;
        if (this.#backlogBytes === 0 && !s.writableNeedDrain) settle(null);
      };
      const closed = (): void => settle(new BrokenPipeError());
      const ms = this.#timeoutMs;
      const check = (): void => {
        if (this.#progress !== seen) {
          seen = this.#progress;
          timer = setTimeout(check, ms!);
          return;
        }
        this.#dropBacklog();
        settle(new SocketTimeoutError());
        resetConnection(s);
      };
      s.on("drain", drained);
      s.on("close", closed);
      if (ms !== null) timer = setTimeout(check, ms);
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#sendPending();
    this.#sendTick();
    this.#closed = true;
  }
}

/**
 * Drop a connection whose peer stopped reading: a TCP reset where the
 * socket can send one (it frees the bytes the kernel still holds for the
 * peer at once), a plain destroy otherwise.
 */
function resetConnection(stream: Writable): void {
  const socket = stream as Writable & { resetAndDestroy?: () => unknown };
  try {
    if (typeof socket.resetAndDestroy === "function") {
      socket.resetAndDestroy();
      return;
    }
  } catch {
    // Not a TCP socket after all (TLS over another stream): destroy below.
  }
  stream.destroy();
}

/**
 * An in-memory `wfile` (Python's `BytesIO`): collects every write, keeps the
 * count of writes, and hands the bytes back with {@link getvalue}.
 */
export class BytesWriter implements Writer {
  /** Every chunk written, in order, one entry per `write()` call. */
  readonly chunks: Buffer[] = [];
  #closed = false;
  #written = 0;

  get closed(): boolean {
    return this.#closed;
  }

  get bytesWritten(): number {
    return this.#written;
  }

  write(data: Bytes): number {
    if (this.#closed) throw new Error("I/O operation on closed file.");
    const buf = toBuffer(data);
    this.chunks.push(Buffer.from(buf));
    this.#written += buf.length;
    return buf.length;
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  /** All bytes written so far. */
  getvalue(): Buffer {
    return Buffer.concat(this.chunks);
  }

  close(): void {
    this.#closed = true;
  }
}

/** Resolve once `stream` can take more, or is closed or broken. */
export function drained(stream: Writable): Promise<void> {
  if (stream.destroyed || !stream.writableNeedDrain) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off("drain", done);
      stream.off("close", done);
      stream.off("error", done);
      resolve();
    };
    stream.on("drain", done);
    stream.on("close", done);
    stream.on("error", done);
  });
}

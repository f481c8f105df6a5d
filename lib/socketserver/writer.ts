/**
 * The `wfile` of a request handler: a writer that sends to a socket (with
 * back-pressure and a send time-out) or collects in memory, Python's
 * writable file from `socket.makefile()` with awaitable flushing.
 *
 * @module
 */
import type { Writable } from "node:stream";
import { ClosePolicy } from "./close-policy.js";
import { BrokenPipeError, SocketTimeoutError } from "./stream-errors.js";

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

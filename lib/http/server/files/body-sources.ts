/**
 * What `SimpleHTTPRequestHandler.sendHead()` returns and `copyfile()` copies:
 * a readable body. Python hands back an open file or a `BytesIO`; these are
 * their counterparts, with awaitable reads.
 *
 * @module
 */
import { promises as fsp } from "node:fs";

/** A body to copy to the client. Python's file-like object with `read()` and `close()`. */
export interface BodySource {
  /** Read up to `size` bytes; an empty Buffer at the end. */
  read(size?: number): Promise<Buffer>;
  /** Release the source (close the file). */
  close(): void | Promise<void>;
}

/**
 * Bytes held in memory: a directory listing, or a small file from the cache
 * (Python's `BytesIO`). The bytes may be given as several buffers, read in
 * order as one body, so that a part shared between responses (the entries
 * of a big listing) is never copied per response.
 */
export class BytesSource implements BodySource {
  #parts: readonly Buffer[];
  /** The part being read, and the offset in it. */
  #index = 0;
  #at = 0;

  /** @param data - the whole body, as one buffer or as its parts in order. */
  constructor(data: Buffer | readonly Buffer[]) {
    this.#parts = Buffer.isBuffer(data) ? [data] : data.filter((b) => b.length > 0);
  }

  /** Bytes not read yet, as one buffer (a copy when they span several parts). */
  get remaining(): Buffer {
    const rest = this.remainingParts;
    if (rest.length === 0) return Buffer.alloc(0);
    return rest.length === 1 ? rest[0]! : Buffer.concat(rest);
  }

  /** Bytes not read yet, as views of the buffers that hold them (no copy). */
  get remainingParts(): Buffer[] {
    const rest: Buffer[] = [];
    for (let i = this.#index; i < this.#parts.length; i++) {
      const part = i === this.#index ? this.#parts[i]!.subarray(this.#at) : this.#parts[i]!;
      if (part.length > 0) rest.push(part);
    }
    return rest;
  }

  /** Read up to `size` bytes (all that is left when `size` is negative or absent); an empty Buffer at the end. */
  read(size = -1): Promise<Buffer> {
    if (size < 0) {
      const all = this.remaining;
      this.close();
      return Promise.resolve(all);
    }
    while (this.#index < this.#parts.length && this.#at >= this.#parts[this.#index]!.length) {
      this.#index++;
      this.#at = 0;
    }
    const part = this.#parts[this.#index];
    if (part === undefined) return Promise.resolve(Buffer.alloc(0));
    const end = Math.min(part.length, this.#at + size);
    const out = part.subarray(this.#at, end);
    this.#at = end;
    return Promise.resolve(out);
  }

  close(): void {
    this.#index = this.#parts.length;
    this.#at = 0;
  }
}

/** The default size of one read from a file: large reads keep big downloads fast. */
export const FILE_CHUNK = 256 * 1024;

/** An open file, read from `start` up to (not including) `end`. */
export class FileSource implements BodySource {
  #handle: fsp.FileHandle;
  #pos: number;
  #end: number;
  #closed = false;
  #owns: boolean;

  /**
   * @param handle - the open file.
   * @param start - first byte to read.
   * @param end - one past the last byte to read.
   * @param owns - close the file in {@link close} (false when several sources share it).
   */
  constructor(handle: fsp.FileHandle, start: number, end: number, owns = true) {
    this.#handle = handle;
    this.#pos = start;
    this.#end = end;
    this.#owns = owns;
  }

  /** Bytes left to read. */
  get remaining(): number {
    return this.#end - this.#pos;
  }

  async read(size = FILE_CHUNK): Promise<Buffer> {
    const want = Math.min(size < 0 ? FILE_CHUNK : size, this.#end - this.#pos);
    if (want <= 0 || this.#closed) return Buffer.alloc(0);
    const buf = Buffer.allocUnsafe(want);
    const { bytesRead } = await this.#handle.read(buf, 0, want, this.#pos);
    this.#pos += bytesRead;
    if (bytesRead === 0) this.#end = this.#pos; // the file shrank
    return bytesRead === want ? buf : buf.subarray(0, bytesRead);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#owns) await this.#handle.close();
  }
}

/** Several sources one after the other: the parts of a `multipart/byteranges` body. */
export class ChainSource implements BodySource {
  #parts: BodySource[];
  #index = 0;

  #onClose: (() => void | Promise<void>) | undefined;

  /**
   * @param parts - read in order; each is closed by {@link close}.
   * @param onClose - runs after the parts are closed (to close a file they share).
   */
  constructor(parts: BodySource[], onClose?: () => void | Promise<void>) {
    this.#parts = parts;
    this.#onClose = onClose;
  }

  async read(size?: number): Promise<Buffer> {
    while (this.#index < this.#parts.length) {
      const chunk = await this.#parts[this.#index]!.read(size);
      if (chunk.length > 0) return chunk;
      this.#index++;
    }
    return Buffer.alloc(0);
  }

  async close(): Promise<void> {
    for (const p of this.#parts) await p.close();
    const done = this.#onClose;
    this.#onClose = undefined;
    await done?.();
  }
}

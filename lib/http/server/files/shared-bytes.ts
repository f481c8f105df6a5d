/**
 * One copy of a big response body for all the connections sending it: the
 * entries of a folder listing, built once per folder state and referenced
 * (never copied) by every response in flight, so that clients that stop
 * reading cannot make the server hold one copy each.
 *
 * @module
 */
import { createHash } from "node:crypto";

/**
 * Buffers by key, held weakly: an entry lives as long as some response
 * still holds its buffer, and disappears after the garbage collector frees
 * it. Nothing is kept for its own sake, so the table needs no size limit:
 * its entries are bounded by the buffers alive.
 */
export class SharedBuffers {
  readonly #live = new Map<string, WeakRef<Buffer>>();
  readonly #registry = new FinalizationRegistry<string>((key) => {
    if (this.#live.get(key)?.deref() === undefined) this.#live.delete(key);
  });
  /** Bodies smaller than this are not worth sharing (the kernel takes them whole): {@link intern} returns them as they are. */
  readonly minSize: number;

  /** @param minSize - see {@link minSize}. */
  constructor(minSize = 64 * 1024) {
    this.minSize = minSize;
  }

  /** The live buffer stored under `key`, if any. */
  get(key: string): Buffer | undefined {
    return this.#live.get(key)?.deref();
  }

  /** Store `bytes` under `key` (when big enough to share) and return them. */
  set(key: string, bytes: Buffer): Buffer {
    if (bytes.length < this.minSize) return bytes;
    this.#live.set(key, new WeakRef(bytes));
    this.#registry.register(bytes, key);
    return bytes;
  }

  /**
   * A buffer with the same content as `bytes`: one already alive with that
   * content (found by its SHA-256 and compared byte for byte), or `bytes`,
   * which is stored for the next caller.
   */
  intern(bytes: Buffer): Buffer {
    if (bytes.length < this.minSize) return bytes;
    const key = "sha256:" + createHash("sha256").update(bytes).digest("base64");
    const live = this.get(key);
    if (live !== undefined && live.equals(bytes)) return live;
    return this.set(key, bytes);
  }

  /** Number of entries (live or not yet collected); for tests. */
  get size(): number {
    return this.#live.size;
  }
}

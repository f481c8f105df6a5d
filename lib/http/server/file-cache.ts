/**
 * A small in-memory cache of file contents for `SimpleHTTPRequestHandler`,
 * so popular small files are not read from disk for every request.
 *
 * Correctness first: an entry is only used while the file's identity and
 * change stamps (inode, size, modification and change times) are exactly
 * those seen when it was read; the handler checks them with a fresh `stat()`
 * on every request, so an edited, replaced or chmod-ed file is read again.
 *
 * @module
 */
import type { Stats } from "node:fs";

/** The largest file kept in the cache. */
export const MAX_CACHED_FILE = 2 * 1024 * 1024;
/** The most bytes the cache holds; least recently used entries go first. */
export const MAX_CACHE_BYTES = 64 * 1024 * 1024;

interface Entry {
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  data: Buffer;
}

/** A least-recently-used map from file path to contents, validated by `stat()`. */
export class FileCache {
  #entries = new Map<string, Entry>();
  #bytes = 0;
  readonly #maxBytes: number;
  readonly #maxFile: number;

  /**
   * @param maxBytes - total size limit.
   * @param maxFile - size limit of one file.
   */
  constructor(maxBytes = MAX_CACHE_BYTES, maxFile = MAX_CACHED_FILE) {
    this.#maxBytes = maxBytes;
    this.#maxFile = maxFile;
  }

  /** Bytes held now. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Whether a file of this size may be cached. */
  accepts(size: number): boolean {
    return size <= this.#maxFile && size <= this.#maxBytes;
  }

  /** The contents of `path` if cached for exactly the file `st` describes. */
  get(path: string, st: Stats): Buffer | undefined {
    const e = this.#entries.get(path);
    if (!e) return undefined;
    if (e.ino !== st.ino || e.size !== st.size || e.mtimeMs !== st.mtimeMs || e.ctimeMs !== st.ctimeMs) {
      this.#drop(path, e);
      return undefined;
    }
    // Refresh its place in the LRU order.
    this.#entries.delete(path);
    this.#entries.set(path, e);
    return e.data;
  }

  /** Remember `data` as the contents of the file `st` describes. */
  set(path: string, st: Stats, data: Buffer): void {
    if (!this.accepts(data.length) || data.length !== st.size) return;
    const old = this.#entries.get(path);
    if (old) this.#drop(path, old);
    this.#entries.set(path, { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, data });
    this.#bytes += data.length;
    for (const [key, e] of this.#entries) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#drop(key, e);
    }
  }

  /** Forget everything. */
  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }

  #drop(path: string, e: Entry): void {
    this.#entries.delete(path);
    this.#bytes -= e.data.length;
  }
}

/** The cache shared by every `SimpleHTTPRequestHandler` in this process. */
export const sharedFileCache = new FileCache();

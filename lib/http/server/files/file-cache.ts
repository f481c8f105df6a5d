/**
 * A small in-memory cache of file contents for `SimpleHTTPRequestHandler`,
 * so popular small files are not read from disk for every request.
 *
 * Correctness first: an entry is only used while the file's identity and
 * change stamps (inode, size, modification and change times) are exactly
 * those seen when it was read; the handler checks them with a fresh `stat()`
 * on every request, so an edited, replaced or chmod-ed file is read again.
 *
 * Those stamps only tell changes apart when they fall in different ticks of
 * the file system's clock: a jiffy (a few milliseconds) on most Linux
 * kernels, up to two seconds on FAT. A file rewritten with the same size in
 * the same tick as the read keeps every stamp (the "racy git" problem), so a
 * file is only cached once its last change is `SETTLE_TIME_MS` old;
 * until then it is read from disk on every request.
 *
 * @module
 */
import type { Stats } from "node:fs";

/** The largest file kept in the cache. */
export const MAX_CACHED_FILE = 2 * 1024 * 1024;
/** The most bytes the cache holds; least recently used entries go first. */
export const MAX_CACHE_BYTES = 64 * 1024 * 1024;
/**
 * How old (in milliseconds) a file's last change, by `ctime` and `mtime`,
 * must be when it is read for its contents to be cached: longer than the
 * coarsest file system timestamp granularity in common use (FAT's two
 * seconds).
 */
export const SETTLE_TIME_MS = 2500;

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
  /** The key used most recently, so the newest in the LRU order. */
  #last: string | null = null;
  readonly #maxBytes: number;
  readonly #maxFile: number;
  readonly #settleMs: number;

  /**
   * @param maxBytes - total size limit.
   * @param maxFile - size limit of one file.
   * @param settleMs - how long a file must have been unchanged before it is
   *   cached (see `SETTLE_TIME_MS`); 0 caches at once, which is only
   *   safe where timestamps have a fine resolution.
   */
  constructor(maxBytes = MAX_CACHE_BYTES, maxFile = MAX_CACHED_FILE, settleMs = SETTLE_TIME_MS) {
    this.#maxBytes = maxBytes;
    this.#maxFile = maxFile;
    this.#settleMs = settleMs;
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
    // Refresh its place in the LRU order (it already has it when it was the last one used).
    if (this.#last !== path) {
      this.#entries.delete(path);
      this.#entries.set(path, e);
      this.#last = path;
    }
    return e.data;
  }

  /**
   * Remember `data` as the contents of the file `st` describes. Nothing is
   * stored when the sizes disagree, or when the file changed less than the
   * settle time before `readStartedMs` (the time, by `Date.now()`, just
   * before the file was opened; default: now).
   */
  set(path: string, st: Stats, data: Buffer, readStartedMs: number = Date.now()): void {
    if (!this.accepts(data.length) || data.length !== st.size) return;
    if (this.#settleMs > 0 && readStartedMs - Math.max(st.ctimeMs, st.mtimeMs) < this.#settleMs) return;
    const old = this.#entries.get(path);
    if (old) this.#drop(path, old);
    this.#entries.set(path, { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, data });
    this.#last = path;
    this.#bytes += data.length;
    for (const [key, e] of this.#entries) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#drop(key, e);
    }
  }

  /** Forget everything. */
  clear(): void {
    this.#last = null;
    this.#entries.clear();
    this.#bytes = 0;
  }

  #drop(path: string, e: Entry): void {
    if (this.#last === path) this.#last = null;
    this.#entries.delete(path);
    this.#bytes -= e.data.length;
  }
}

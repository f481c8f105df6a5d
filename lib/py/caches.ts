/**
 * The cache type of the package, and the caches of the `lib/py` layer.
 *
 * Every cache of `lib/http` is declared in `lib/http/caches.ts`, whose
 * module comment holds the table of all of them (this layer's included);
 * the type lives here, in the lowest layer that caches anything, because
 * the socketserver layer loads `lib/py` and must not load `lib/http`.
 *
 * @module
 */
import type { Segment } from "./format.js";

/**
 * A map of derived values with a fixed number of entries: anything in it
 * can be recomputed from its key, so dropping an entry at any time is
 * safe, and a full cache makes room by dropping its oldest entry.
 *
 * One eviction policy for every cache, first in, first out, because the
 * caches sit on the request path and are read far more often than they
 * are written: a hit costs one `Map` lookup and no bookkeeping (a
 * least-recently-used order would need a delete and an insert on every
 * hit), a miss in a full cache drops one entry (no cliff where a cache
 * emptied all at once is rebuilt by the next requests), and memory is
 * bounded by the entry count whatever the keys are. A hot key pushed out
 * by a run of new ones is recomputed once and comes back.
 *
 * The last key found (or stored) is remembered beside the map, so a run
 * of lookups with the same key (the same `Server` string, the same
 * second, the same path) is answered by one comparison.
 *
 * @typeParam K - the key, compared with `===` (SameValueZero in the map).
 * @typeParam V - the cached value; `undefined` cannot be stored.
 */
export class BoundedCache<K, V> {
  readonly #map = new Map<K, V>();
  #lastKey: K | undefined = undefined;
  #lastValue: V | undefined = undefined;
  /** The most entries held; storing one more drops the oldest. */
  readonly maxEntries: number;

  /** @param maxEntries - the most entries held (at least 1). */
  constructor(maxEntries: number) {
    if (!(maxEntries >= 1)) throw new RangeError(`a cache must hold at least one entry, not ${maxEntries}`);
    this.maxEntries = maxEntries;
  }

  /** The value stored under `key`, if any. */
  get(key: K): V | undefined {
    if (key === this.#lastKey && this.#lastValue !== undefined) return this.#lastValue;
    const value = this.#map.get(key);
    if (value !== undefined) {
      this.#lastKey = key;
      this.#lastValue = value;
    }
    return value;
  }

  /** Store `value` under `key`, dropping the oldest entry when the cache is full; returns `value`. */
  set(key: K, value: V): V {
    const map = this.#map;
    if (!map.delete(key) && map.size >= this.maxEntries) {
      const oldest = map.keys().next().value as K;
      map.delete(oldest);
    }
    map.set(key, value);
    this.#lastKey = key;
    this.#lastValue = value;
    return value;
  }

  /** Forget `key`. */
  delete(key: K): void {
    this.#map.delete(key);
    if (key === this.#lastKey) this.#lastValue = this.#lastKey = undefined;
  }

  /** Forget everything. */
  clear(): void {
    this.#map.clear();
    this.#lastValue = this.#lastKey = undefined;
  }

  /** The number of entries held. */
  get size(): number {
    return this.#map.size;
  }
}

/**
 * Compiled `%`-formats by their text (`pyFormat`): logging and error
 * pages repeat a handful of formats.
 */
export const compiledFormats = new BoundedCache<string, readonly Segment[]>(512);

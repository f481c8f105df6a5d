/**
 * `Registry`: the set of live objects (handlers, requests in flight, head
 * clocks) that a server adds and removes once per connection.
 *
 * A plain `Set` is wrong for this job at high connection rates: V8's hash
 * tables are rebuilt as they grow and shrink, and the tables they leave
 * behind can keep removed entries reachable until the next full garbage
 * collection. Every connection's handler, reader and buffers then survive
 * the young generation's collections and are copied into the old
 * generation, which costs more than the rest of the bookkeeping together.
 * Here the entries sit in an array, each knowing its slot: removal moves
 * the last entry into the hole, so no slot keeps a removed entry.
 *
 * @module
 */

/** A value's place in a {@link Registry}; hand it back to remove the value. */
export interface RegistryEntry<T> {
  /** The registered value. */
  readonly value: T;
  /** Its slot, or -1 once removed. */
  index: number;
}

/** An unordered collection with O(1) add and remove that never holds on to a removed value. */
export class Registry<T> {
  #entries: RegistryEntry<T>[] = [];

  /** How many values are registered. */
  get size(): number {
    return this.#entries.length;
  }

  /** Register `value`; keep the entry to remove it later. */
  add(value: T): RegistryEntry<T> {
    const entry = { value, index: this.#entries.length };
    this.#entries.push(entry);
    return entry;
  }

  /** Remove what `entry` registered; false when it was already removed. */
  delete(entry: RegistryEntry<T>): boolean {
    const i = entry.index;
    const entries = this.#entries;
    if (i < 0 || entries[i] !== entry) return false;
    const last = entries.pop()!;
    if (last !== entry) {
      entries[i] = last;
      last.index = i;
    }
    entry.index = -1;
    return true;
  }

  /** The entry that registered `value`, found by a scan (for callers that did not keep it), or null. */
  find(value: T): RegistryEntry<T> | null {
    for (const entry of this.#entries) if (entry.value === value) return entry;
    return null;
  }

  /** The registered values now, as a new array: safe to use while values come and go. */
  values(): T[] {
    return this.#entries.map((entry) => entry.value);
  }
}

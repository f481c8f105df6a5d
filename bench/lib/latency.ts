/** A growable store of latency samples (milliseconds) with percentiles. */
import { percentile } from "./stats.js";

export class Latencies {
  #data = new Float64Array(1 << 16);
  #n = 0;

  record(ms: number): void {
    if (this.#n === this.#data.length) {
      const bigger = new Float64Array(this.#data.length * 2);
      bigger.set(this.#data);
      this.#data = bigger;
    }
    this.#data[this.#n++] = ms;
  }

  get count(): number {
    return this.#n;
  }

  /** The p-th percentile (0-100), NaN without samples. */
  percentile(p: number): number {
    const sorted = this.#data.slice(0, this.#n).sort();
    return percentile(sorted, p);
  }
}

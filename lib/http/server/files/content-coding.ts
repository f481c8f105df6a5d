/**
 * `Accept-Encoding` (RFC 9110 12.5.3): the weight a client gives each
 * content coding, for `SimpleHTTPRequestHandler`'s precompressed siblings.
 *
 * @module
 */

/** An RFC 9110 qvalue: 0 to 1 with at most three decimals. */
const QVALUE = /^(?:0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)$/;
/** A `q` parameter (the name is case-insensitive; spaces around `=` tolerated). */
const Q_PARAM = /^q\s*=\s*(.*)$/i;
/** Names RFC 9110 8.4.1 asks a recipient to treat as another coding's. */
const ALIASES: Readonly<Record<string, string>> = { "x-gzip": "gzip", "x-compress": "compress" };

/**
 * The weights of an `Accept-Encoding` field value, by RFC 9110 12.5.3:
 *
 * - a coding listed by name has the weight given there (1 without `q`);
 *   `q=0` means "not acceptable", whatever `*` says;
 * - `*` gives its weight to every coding not listed by name;
 * - `identity` not listed (and no `*`) is acceptable (weight 1); any other
 *   coding not listed is not (0), so an empty field asks for identity only;
 * - a weight that is not a valid qvalue (`q=2`, `q=abc`) counts as 0, and a
 *   coding listed twice (or a `q` given twice) keeps its lowest weight: a
 *   refusal always wins.
 */
export class AcceptEncoding {
  readonly #listed = new Map<string, number>();
  #star: number | undefined;

  /** @param field - the field value (several header lines joined with `,`). */
  constructor(field: string) {
    for (const item of field.split(",")) {
      const [rawName, ...params] = item.split(";");
      const name = rawName!.trim().toLowerCase();
      if (name === "") continue;
      // A `q` given twice keeps its lowest value, as a coding listed twice does.
      let q = 1;
      for (const param of params) {
        const m = Q_PARAM.exec(param.trim());
        if (m) q = Math.min(q, QVALUE.test(m[1]!.trim()) ? Number(m[1]!.trim()) : 0);
      }
      if (name === "*") {
        this.#star = Math.min(q, this.#star ?? 1);
        continue;
      }
      const coding = ALIASES[name] ?? name;
      this.#listed.set(coding, Math.min(q, this.#listed.get(coding) ?? 1));
    }
  }

  /** The weight (0 to 1) of `coding` (lower-case; `identity` for none); 0 means not acceptable. */
  weight(coding: string): number {
    const listed = this.#listed.get(coding);
    if (listed !== undefined) return listed;
    if (this.#star !== undefined) return this.#star;
    return coding === "identity" ? 1 : 0;
  }

  /** `coding` is identity, acceptable only because nothing in the field mentions it. */
  #implicitIdentity(coding: string): boolean {
    return coding === "identity" && this.#star === undefined && !this.#listed.has("identity");
  }

  /**
   * The codings of `offered` (in the server's order of preference) the
   * client accepts, best first: by weight, ties kept in the server's order.
   * Codings of weight 0 are left out. `identity` accepted only by default
   * (neither listed nor covered by `*`) ranks after every accepted coding,
   * as servers commonly read it: `gzip;q=0.5` still asks for gzip.
   */
  rank<T extends string>(offered: readonly T[]): T[] {
    return offered
      .map((coding, i) => ({ coding, i, q: this.#implicitIdentity(coding) ? Number.MIN_VALUE : this.weight(coding) }))
      .filter((c) => c.q > 0)
      .sort((a, b) => b.q - a.q || a.i - b.i)
      .map((c) => c.coding);
  }
}

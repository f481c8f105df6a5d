/**
 * Folder listings beyond Python's HTML page, for
 * {@link SimpleHTTPRequestHandler}'s `jsonListings` and `listingEtags`:
 * which clients get JSON, the JSON itself, and the listing's `ETag`.
 *
 * @module
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import type { ListingRow } from "../../caches.js";
import { listingEtagsByState } from "../../caches.js";
import { parseEtagList, weakEtagMatch } from "./conditional.js";
import { rowHidden, type ListingHides } from "./listing-rows.js";
import { fsPath } from "./surrogate-escape.js";
import { joinPath } from "./url-paths.js";

/** One entry of a JSON listing. */
export interface ListingEntry {
  /** The name (a byte that is not UTF-8 as a lone surrogate, written by JSON as `\udcXX`). */
  name: string;
  /** What the entry is itself: a symlink is `"symlink"` whatever it leads to. */
  type: "file" | "directory" | "symlink" | "other";
  /** Size in bytes of the file (a symlink's: of what it leads to); `null` for folders and broken links. */
  size: number | null;
  /** Last modification (a symlink's: of what it leads to), ISO 8601 in UTC. */
  mtime: string;
  /** The link to it, relative to the listing, as in the HTML page. */
  href: string;
}

/** A quick first test: an `Accept` value that does not mention JSON prefers HTML. */
const MENTIONS_JSON = /json/i;

/** The quality given to `type` (`a/b`) by the most specific matching range of a parsed `Accept`. */
function quality(ranges: ReadonlyArray<{ type: string; q: number }>, type: string): number {
  const slash = type.indexOf("/");
  let best = -1;
  let q = 0;
  for (const r of ranges) {
    const rank = r.type === type ? 2 : r.type === type.slice(0, slash) + "/*" ? 1 : r.type === "*/*" ? 0 : -1;
    if (rank > best) {
      best = rank;
      q = r.q;
    }
  }
  return q;
}

/**
 * Does the client prefer JSON to HTML? Yes when its `Accept` gives
 * `application/json` a higher quality than `text/html` (each by its most
 * specific matching range: the type itself, then `application/*` or
 * `text/*`, then `*\/*`; unlisted is 0). A tie, no `Accept`, or `*\/*`
 * alone gets HTML, as a browser does.
 */
export function prefersJson(accept: string | undefined): boolean {
  if (accept === undefined || !MENTIONS_JSON.test(accept)) return false;
  const ranges = accept.split(",").map((part) => {
    const [type, ...params] = part.split(";");
    const qParam = params.map((p) => p.trim().toLowerCase()).find((p) => p.startsWith("q="));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    return { type: type!.trim().toLowerCase(), q: Number.isFinite(q) ? q : 0 };
  });
  return quality(ranges, "application/json") > quality(ranges, "text/html");
}

/** What an entry is, from its own `lstat()`. */
function entryType(st: fs.Stats): ListingEntry["type"] {
  if (st.isSymbolicLink()) return "symlink";
  if (st.isDirectory()) return "directory";
  return st.isFile() ? "file" : "other";
}

/**
 * The JSON listing of `folder` (UTF-8 bytes): the rows the HTML page would
 * show, in its order, each with its type, size and modification time.
 * An entry that vanished since the folder was read is left out.
 */
export function jsonListing(folder: string, rows: readonly ListingRow[], hides: ListingHides): Buffer {
  const out: ListingEntry[] = [];
  for (const row of rows) {
    if (rowHidden(row, hides)) continue;
    const p = fsPath(joinPath(folder, row.name));
    let own: fs.Stats;
    try {
      own = fs.lstatSync(p);
    } catch {
      continue;
    }
    let st: fs.Stats | null = own;
    if (own.isSymbolicLink()) st = fs.statSync(p, { throwIfNoEntry: false }) ?? null;
    const isDir = st?.isDirectory() ?? false;
    out.push({
      name: row.name,
      type: entryType(own),
      size: st === null || isDir ? null : st.size,
      mtime: (st ?? own).mtime.toISOString(),
      href: row.href,
    });
  }
  return Buffer.from(JSON.stringify(out), "utf8");
}

/** A weak `ETag` that is a digest of `bytes` (after `prefix`, when given), tagged `h` (HTML) or `j` (JSON). */
export function digestEtag(bytes: Buffer | string, kind: "h" | "j", prefix = ""): string {
  return `W/"${kind}-${createHash("sha1").update(prefix).update(bytes).digest("base64url").slice(0, 22)}"`;
}

/**
 * The weak `ETag` of an HTML listing whose entries are `items`: made from
 * the folder state `stateKey` of cached rows (the entries are a function
 * of it), once per state, so a listing served again costs a lookup; a
 * digest of `items` when the rows are not cached (`stateKey` null). Either
 * way `hides` is part of it: the same entries make another page when the
 * names hidden differ (with uploads on, the page carries the upload form).
 */
export function htmlListingEtag(items: Buffer, stateKey: string | null, hides: ListingHides): string {
  if (stateKey === null) return digestEtag(items, "h", `${hides}:`);
  const slot = hides;
  const known = listingEtagsByState.get(stateKey);
  const etag = known?.[slot];
  if (etag !== undefined) return etag;
  const fresh = digestEtag(`${slot}:${stateKey}`, "h");
  const entry = known ?? listingEtagsByState.set(stateKey, []);
  entry[slot] = fresh;
  return fresh;
}

/** Does `If-None-Match` (when sent) match `etag`, by weak comparison (RFC 9110 13.1.2)? */
export function noneMatchHits(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  const list = parseEtagList(ifNoneMatch);
  if (list === null) return false;
  return list === "*" || list.some((tag) => weakEtagMatch(tag, etag));
}

/**
 * The entries of a folder listing as Python's `list_directory()` makes
 * them: the folder read in disk order (names that are not UTF-8 as Python
 * decodes them), sorted by lower-cased name, each rendered as its `<li>`
 * line, and the rendered lines as bytes, cached per folder state (see
 * `lib/http/caches.ts`).
 *
 * @module
 */
import * as fs from "node:fs";
import { htmlEscape } from "../../../py/index.js";
import { type ListingRow, folderListings, sharedListingBytes, smallListingBytes } from "../../caches.js";
import { insideRoot, statOrNull } from "./file-checks.js";
import { PART_NAME } from "./upload-target.js";
import type { SharedBuffers } from "./shared-bytes.js";
import { decodeSurrogateEscape, encodeSurrogateEscape, fsPath } from "./surrogate-escape.js";
import { joinPath, quote } from "./url-paths.js";

/**
 * How old (in milliseconds) a folder's last change must be for its listing
 * to be kept in {@link folderListings}, so that a coarse file-system clock
 * cannot hide a change.
 */
const LISTING_SETTLE_MS = 2500;

/**
 * The rows of a folder listing in Python's order (by lower-cased name),
 * with the key naming this state of the folder when the rows are cached
 * (`null` when they are not); throws when the folder cannot be read. With
 * a `root`, each symlink's row tells whether it leads outside that folder.
 */
export function listingRows(path: string, root: string | null): { rows: readonly ListingRow[]; key: string | null } {
  const fp = fsPath(path);
  const st = fs.statSync(fp);
  const cached = folderListings.get(path);
  if (cached && cached.dev === st.dev && cached.ino === st.ino && cached.mtimeMs === st.mtimeMs && cached.ctimeMs === st.ctimeMs) {
    return cached;
  }
  const entries = readdirInDiskOrder(fp);
  // Sort by the lower-cased name, computed once per entry. The sort is
  // stable, so names that lower-case alike keep the folder's own order, as
  // with Python's os.listdir(). Names that are not UTF-8 (Node shows them
  // with U+FFFD) are read again as bytes, as Python decodes them.
  const keyed = entries.some((e) => e.name.includes("\uFFFD"))
    ? entriesAsBytes(fp)
    : entries.map((e) => ({ e, name: e.name, key: e.name.toLowerCase(), escaped: false }));
  keyed.sort((a, b) => (a.key === b.key ? 0 : compareCodePoints(a.key, b.key)));
  let links = false;
  const rows = keyed.map(({ e, name, escaped }): ListingRow => {
    // The entry's type comes with the listing; only a symlink needs a stat()
    // to learn whether it leads to a folder (a vanished or broken one is
    // listed as a plain name, as Python does).
    const isLink = e.isSymbolicLink();
    if (isLink) links = true;
    const target = isLink ? statOrNull(joinPath(path, name)) : null;
    const isDir = isLink ? (target?.isDirectory() ?? false) : e.isDirectory();
    const linkname = isDir ? name + "/" : name;
    const displayname = isLink ? name + "@" : linkname;
    // A broken link leads nowhere: listed, as Python does.
    const outside = root !== null && target !== null && !insideRoot(root, joinPath(path, name), target);
    const href = quote(linkname);
    const html = `<li><a href="${href}">${htmlEscape(displayname, false)}</a></li>`;
    const dot = name.startsWith(".");
    return { name, href, html, escaped, dot, upload: dot && PART_NAME.test(name), outside };
  });
  // A symlink's target can change without the folder changing: such
  // listings are built afresh every time (so `outside` is never cached).
  if (!links && Date.now() - Math.max(st.mtimeMs, st.ctimeMs) > LISTING_SETTLE_MS) {
    // Such rows stand for one state of one folder: the bytes made from them can be shared by that state.
    const key = `rows:${st.dev}:${st.ino}:${st.mtimeMs}:${st.ctimeMs}:${path}`;
    return folderListings.set(path, { dev: st.dev, ino: st.ino, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, rows, key });
  }
  return { rows, key: null };
}

/** Which names a listing leaves out, besides links leading outside the folder: a mask of {@link HIDE_DOTFILES} and {@link HIDE_UPLOADS}. */
export type ListingHides = number;
/** {@link ListingHides}: names that start with a dot (`hideDotfiles`). */
export const HIDE_DOTFILES = 1;
/** {@link ListingHides}: the temporary files of uploads in progress (when uploads are on). */
export const HIDE_UPLOADS = 2;

/**
 * Set to true on a handler class whose listings leave out the temporary
 * files of uploads in progress (`withUploads()` does).
 */
export const kHidesUploads = Symbol("hidesUploads");

/** The names the listings of `handler` leave out. */
export function listingHides(handler: { hideDotfiles: boolean; [kHidesUploads]?: boolean }): ListingHides {
  return (handler.hideDotfiles ? HIDE_DOTFILES : 0) | (handler[kHidesUploads] === true ? HIDE_UPLOADS : 0);
}

/** Whether a listing with `hides` leaves `row` out. */
export function rowHidden(row: ListingRow, hides: ListingHides): boolean {
  return row.outside || ((hides & HIDE_DOTFILES) !== 0 && row.dot) || ((hides & HIDE_UPLOADS) !== 0 && row.upload);
}

/**
 * The `<li>` lines of a listing as bytes, each followed by a newline,
 * without the names `hides` leaves out or leading outside the folder.
 * A big result is shared by every response that sends the same entries
 * (see {@link SharedBuffers}): by `rowsKey` (the folder state of cached
 * rows), else by content. A small one made from cached rows is kept in
 * {@link smallListingBytes}, so a folder listed again is not rendered again.
 */
export function listingItems(rows: readonly ListingRow[], rowsKey: string | null, hides: ListingHides): Buffer {
  const key = rowsKey === null ? null : `${hides}:${rowsKey}`;
  const known = key === null ? undefined : (smallListingBytes.get(key) ?? sharedListingBytes.get(key));
  if (known !== undefined) return known;
  let html = "";
  let escaped = false;
  for (const row of rows) {
    if (!rowHidden(row, hides)) {
      html += row.html + "\n";
      if (row.escaped) escaped = true;
    }
  }
  const bytes = escaped ? encodeText(html) : Buffer.from(html, "utf8");
  if (key === null) return sharedListingBytes.intern(bytes);
  return bytes.length < sharedListingBytes.minSize ? smallListingBytes.set(key, bytes) : sharedListingBytes.set(key, bytes);
}
/** The end of every listing page. */
export const LISTING_TAIL = Buffer.from("</ul>\n<hr>\n</body>\n</html>\n", "utf8");

/**
 * Text to bytes as Python writes a page that shows file names: UTF-8, a
 * name byte that is not UTF-8 (a lone surrogate) as that raw byte.
 */
export function encodeText(text: string): Buffer {
  return encodeSurrogateEscape(text) ?? Buffer.from(text, "utf8");
}

/** A folder entry, its name as Python's `os.listdir()` gives it, and its sort key. */
interface NamedEntry {
  e: { isSymbolicLink(): boolean; isDirectory(): boolean };
  name: string;
  key: string;
  /** The name holds bytes that are not UTF-8. */
  escaped: boolean;
}

/** The entries of a folder with names read as bytes and decoded as Python does (see `surrogate-escape.ts`). */
function entriesAsBytes(path: string | Buffer): NamedEntry[] {
  return readdirInDiskOrder(path, "buffer").map((e) => {
    const name = decodeSurrogateEscape(e.name);
    return { e, name, key: name.toLowerCase(), escaped: name !== e.name.toString("utf8") };
  });
}

/**
 * The entries of a folder in the order the file system gives them, like
 * Python's `os.listdir()` (`fs.readdirSync()` sorts them by bytes first).
 */
function readdirInDiskOrder(path: string | Buffer): fs.Dirent[];
function readdirInDiskOrder(path: string | Buffer, encoding: "buffer"): fs.Dirent<Buffer>[];
function readdirInDiskOrder(path: string | Buffer, encoding?: "buffer"): Array<fs.Dirent | fs.Dirent<Buffer>> {
  // Node reads the entry names as bytes with `encoding: "buffer"`, which its typings do not list.
  const options = encoding === undefined ? { bufferSize: 256 } : ({ bufferSize: 256, encoding } as unknown as fs.OpenDirOptions);
  const dir = fs.opendirSync(path, options);
  const entries: Array<fs.Dirent | fs.Dirent<Buffer>> = [];
  try {
    for (let entry = dir.readSync(); entry !== null; entry = dir.readSync()) entries.push(entry as fs.Dirent | fs.Dirent<Buffer>);
  } finally {
    dir.closeSync();
  }
  return entries;
}

/** Order strings by code point (not UTF-16 unit), as Python compares str. */
function compareCodePoints(x: string, y: string): number {
  if (x === y) return 0;
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; ) {
    const cx = x.codePointAt(i)!;
    const cy = y.codePointAt(i)!;
    if (cx !== cy) return cx < cy ? -1 : 1;
    i += cx > 0xffff ? 2 : 1;
  }
  return x.length < y.length ? -1 : 1;
}

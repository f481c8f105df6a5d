/**
 * Every cache of the HTTP layer, in one place. A cache holds derived data
 * only: each entry can be recomputed from its key, so dropping any of
 * them at any time changes no behaviour, only speed. They are shared by
 * every server and handler of the process; nothing else in `lib/http` or
 * `lib/py` is module-level mutable state.
 *
 * All but three are a {@link BoundedCache} (first in, first out, a fixed
 * number of entries; see its comment for why that one policy). The three
 * others keep their own mechanism because their validity is not a matter
 * of the key alone:
 *
 * | Cache | What it holds, by what key | Bound | Invalidation |
 * | --- | --- | --- | --- |
 * | {@link methodNames} | `"do_" + command`, by command | 64 | none needed |
 * | {@link cleanHeaderTexts} | status lines and header values of 16+ characters found free of CR, LF, NUL and non-Latin-1 | 16 | none needed |
 * | {@link serverVersions} | `versionString()`'s text, by `serverVersion` (checked against `sysVersion`) | 16 | none needed |
 * | {@link errorPages} | `sendError()` page bytes, by code, message and explanation (checked against the format) | 16 | none needed |
 * | {@link httpDates} | IMF-fixdate strings, by whole second | 64 | none needed |
 * | {@link logDates} | the log-line time stamp of the current second | 1 | the next second replaces it |
 * | `compiledFormats` (`lib/py/caches.ts`) | compiled `%`-formats, by format text | 512 | none needed |
 * | {@link charsetTypes} | a content type with a `charset` added (or not), by type, with the charset it was made for | 256 | another charset: made again |
 * | {@link translatedPaths} | `translatePath()` results, by folder, then by request path (up to {@link MAX_TRANSLATED_LENGTH} characters) | 64 folders x {@link MAX_TRANSLATED_PER_FOLDER} paths | none needed |
 * | {@link fileMetas} | a file's `ETag` and `Last-Modified` values, by path | 10,000 | size, mtime or coding differ: rebuilt |
 * | {@link folderListings} | rendered listing rows of a folder without symlinks, by path | 256 | device, inode, mtime or ctime differ: rebuilt; folders changed in the last 2.5 s are not cached |
 * | {@link rootRealpaths} | a served folder's real path | 100 | older than a second: resolved again |
 * | {@link insideVerdicts} | whether a path leads (through symlinks) inside the served folder, by path | 10,000 | device, inode or root differ: checked again |
 * | {@link userDatabaseIds} | `nobody`'s user and group ids, by user database file | 1 | never (as Python's `nobody_uid()`) |
 * | {@link sharedFileCache} | contents of small files, by path | 64 MiB, 2 MiB per file; least recently used out | a fresh `stat()` on every request; files changed in the last 2.5 s are not cached |
 * | {@link listingEtagsByState} | the `ETag`s of a folder's HTML listing (one for each choice of names hidden), by the folder state of its cached rows | 256 | none needed: a changed folder has another state |
 * | {@link sharedListingBytes} | big listing bodies, by folder state or content | none: held weakly | freed with the last response sending them |
 * | {@link smallListingBytes} | listing bodies under 64 KiB of cached rows, by folder state | 256 | never stale: a changed folder has a new key |
 *
 * Why three are different: the file cache is bounded by bytes, not by
 * entries, and must keep its hot files while large ones pass through, so
 * it evicts the least recently used (a hit is rare next to the `stat()`
 * and the send that come with it); the shared listing bytes are not a
 * cache of their own (nothing is kept for its own sake) but a weak index
 * of buffers that responses in flight hold anyway; the validated caches
 * above (`fileMetas`, `folderListings`, `rootRealpaths`, `insideVerdicts`)
 * are plain {@link BoundedCache}s whose users check each entry against a
 * fresh `stat()` or clock reading before using it.
 *
 * @module
 */
import { BoundedCache } from "../py/caches.js";
import { FileCache } from "./server/files/file-cache.js";
import { SharedBuffers } from "./server/files/shared-bytes.js";

export { BoundedCache };

/** `"do_" + command` by request method, so that dispatch builds no string per request. */
export const methodNames = new BoundedCache<string, string>(64);

/**
 * Longer texts (16 characters or more) that went into a status line or
 * header and were found free of CR, LF, NUL and characters beyond Latin-1.
 * Responses repeat the same `Server`, `Date` and `Content-Type` strings,
 * so a lookup usually replaces the scan.
 */
export const cleanHeaderTexts = new BoundedCache<string, true>(16);

/**
 * `versionString()`'s text by `serverVersion`, with the `sysVersion` it
 * was made with: each response reuses the same string object (which
 * {@link cleanHeaderTexts} then recognises at once).
 */
export const serverVersions = new BoundedCache<string, { readonly sys: string; readonly text: string }>(16);

/**
 * Recent `sendError()` pages, so a run of the same error (a crawler's
 * 404s) reuses the bytes instead of formatting and encoding them again.
 * Keyed by {@link errorPageKey}; the format the page was made with is
 * checked on use. The bytes are never written to.
 */
export const errorPages = new BoundedCache<string, { readonly format: string; readonly body: Buffer }>(16);

/** The key of an error page in {@link errorPages}: one key per (code, message, explanation). */
export function errorPageKey(code: number, message: string, explain: string): string {
  return `${code}:${message.length}:${message}${explain}`;
}

/** IMF-fixdate strings by whole POSIX second: the `Date` header of every response, and `Last-Modified` values. */
export const httpDates = new BoundedCache<number, string>(64);

/**
 * The log-line time stamp (local time) of the current whole second. Only
 * the current time is cached, so a change of time zone shows within a
 * second, as before.
 */
export const logDates = new BoundedCache<number, string>(1);

/**
 * `withCharset()` answers (`text-charset.ts`) by content type, with the
 * charset each was made for (checked on use): a server sends few types,
 * and names one charset.
 */
export const charsetTypes = new BoundedCache<string, { readonly charset: string; readonly text: string }>(256);

/** `translatePath()` results by folder (this bound), each a cache by request path. */
export const translatedPaths = new BoundedCache<string, BoundedCache<string, string>>(64);
/** The bound of each per-folder cache in {@link translatedPaths}. */
export const MAX_TRANSLATED_PER_FOLDER = 4096;
/** Longer request paths are translated afresh each time, so the cache stays small. */
export const MAX_TRANSLATED_LENGTH = 512;

/** Header values derived from a file's size, modification time and content coding. */
export interface FileMeta {
  /** The size the values were made for. */
  readonly size: number;
  /** The modification time the values were made for. */
  readonly mtimeMs: number;
  /** The content coding the values were made for. */
  readonly encoding: string | null;
  /** The weak `ETag`, once made. */
  etag?: string;
  /** The `Last-Modified` value, once made. */
  lastModified?: string;
}

/** {@link FileMeta} by path: valid while size, modification time and coding are those recorded. */
export const fileMetas = new BoundedCache<string, FileMeta>(10000);

/** One row of a folder listing, ready to render. */
export interface ListingRow {
  /** The entry's name (a byte that is not UTF-8 as a lone surrogate, as Python's `os.listdir()` gives it). */
  readonly name: string;
  /** The link to the entry, as the `<li>` line has it. */
  readonly href: string;
  /** The `<li>` line, as Python writes it. */
  readonly html: string;
  /** The name holds bytes that are not UTF-8: the line is encoded with Python's `surrogateescape`. */
  readonly escaped: boolean;
  /** The name starts with a dot. */
  readonly dot: boolean;
  /** The name is that of an upload's temporary file (`.upload-<16 hex digits>.part`). */
  readonly upload: boolean;
  /** A symlink whose target lies outside the folder served (only computed when asked for). */
  readonly outside: boolean;
}

/** A folder's listing rows and the folder state they were made from. */
export interface CachedListing {
  /** The folder's device, when listed. */
  readonly dev: number;
  /** The folder's inode, when listed. */
  readonly ino: number;
  /** The folder's modification time, when listed. */
  readonly mtimeMs: number;
  /** The folder's change time, when listed. */
  readonly ctimeMs: number;
  /** The rows, in Python's order. */
  readonly rows: readonly ListingRow[];
  /** Names this state of this folder: the key of its bytes in {@link sharedListingBytes}. */
  readonly key: string;
}

/**
 * Listings of folders that hold no symlinks, by path, valid while the
 * folder's device, inode, modification and change times are those
 * recorded (adding, removing or renaming an entry changes them).
 */
export const folderListings = new BoundedCache<string, CachedListing>(256);

/**
 * Big listing bodies, held weakly (see {@link SharedBuffers}): every
 * response sending the same entries sends one copy of them.
 */
export const sharedListingBytes = new SharedBuffers();

/**
 * Listing bodies too small to share (under {@link SharedBuffers.minSize}),
 * by the folder state of their cached rows (with the `hideDotfiles`
 * choice): kept strongly, so that a folder listed again and again is not
 * rendered and encoded every time. At most 256 x 64 KiB.
 */
export const smallListingBytes = new BoundedCache<string, Buffer>(256);

/**
 * The `ETag`s of HTML listings made from cached rows, by the rows' folder
 * state key ({@link CachedListing.key}), indexed by the names hidden (a
 * `ListingHides` mask of files/listing-rows.ts).
 */
export const listingEtagsByState = new BoundedCache<string, Array<string | undefined>>(256);

/** A served folder's real path and when (`Date.now()`) it was resolved; resolved again after a second. */
export const rootRealpaths = new BoundedCache<string, { readonly real: string | null; readonly at: number }>(100);

/**
 * Whether a path leads, through any symlinks, inside a served folder, by
 * path; valid for the same root and the same file (device and inode): a
 * symlink retargeted elsewhere leads to another file.
 */
export const insideVerdicts = new BoundedCache<string, { readonly root: string; readonly dev: number; readonly ino: number; readonly inside: boolean }>(
  10000,
);

/** User and group ids of `nobody` (or Python's fallback), by the user database file read; `null` when there is none. */
export const userDatabaseIds = new BoundedCache<string, { readonly uid: number; readonly gid: number } | null>(1);

/** The cache of small files shared by every `SimpleHTTPRequestHandler` in this process (see {@link FileCache}). */
export const sharedFileCache = new FileCache();

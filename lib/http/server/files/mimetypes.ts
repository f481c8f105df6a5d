/**
 * Content-type guessing for `SimpleHTTPRequestHandler`: the part of
 * Python's `mimetypes` module that `http.server` relies on, plus the
 * handler's own `guess_type()` algorithm.
 *
 * Where the answers come from, in order of priority:
 *
 * 1. The strict built-in table of CPython 3.14 (`mimetypes.types_map` as it is
 *    before any system file is read). It is typed out below as data.
 * 2. `mime-db`, standing in for the operating system's `/etc/mime.types` that
 *    Python also reads. It only fills extensions the built-in table lacks.
 *    Several `mime-db` types may claim the same extension; the one used is
 *    chosen by this fixed rule, picked to agree with Debian's `mime.types`
 *    (the `media-types` package) as often as possible:
 *    - `application/octet-stream` is used only when no other type claims the
 *      extension (`.dmg`, `.iso` get their specific types);
 *    - otherwise the entry with the best `source` wins, ranked
 *      `iana` > `apache` > `nginx` > none;
 *    - among equally ranked entries, a type whose top-level name is not
 *      `application` wins (`.mpg4` is `video/mp4`, not `application/mp4`);
 *    - a remaining tie goes to the type listed first in `mime-db`, which is
 *      sorted by type name.
 * 3. Otherwise `application/octet-stream` (in {@link guessType}).
 *
 * The table is built once, when the module is loaded (about 3 ms on top of
 * loading `mime-db` itself); every guess afterwards is a few string scans and
 * `Map` lookups, with nothing cached per path.
 *
 * Differences from Python:
 *
 * - Python lets the system file override the built-in table (on Debian with
 *   3.11, `.xml` becomes `application/xml`); here the built-in table always
 *   wins, so results do not depend on the machine.
 * - `mime-db` is not Debian's file: some extensions are known to one and not
 *   the other, and a few map to different types.
 * - Python 3.11's handler passed the path to `mimetypes.guess_type()`, which
 *   treats a leading `scheme:` as a URL scheme and answers `data:` URLs from
 *   their media type. Since 3.13 the handler calls
 *   `mimetypes.guess_file_type()`, which does no URL parsing, and so does this
 *   module. (With the default, absolute serving directory a translated path
 *   starts with `/` and could never look like a URL anyway.)
 * - The database is searched for the extension exactly as written before its
 *   lower-cased form. CPython only searches the lower-cased form; the two
 *   differ only for a mixed-case extension registered with {@link addType}.
 * - Extensions are split with POSIX rules on every platform, as the handler's
 *   own first step does in Python. On Windows, Python's database step splits
 *   with Windows rules instead; the two can only disagree when a directory
 *   name contains a dot and the file name has none, and then both find no
 *   type unless the empty extension has been registered with {@link addType}.
 *
 * @module
 */

import mimeDb from "mime-db";

/** The answer when nothing more specific is known. */
const OCTET_STREAM = "application/octet-stream";

/**
 * CPython 3.14's strict built-in table, one media type per line followed by
 * its extensions (without dots), in the layout of a `mime.types` file.
 */
const BUILTIN_TABLE = `
text/javascript js mjs
application/epub+zip epub
application/gzip gz
application/json json
application/manifest+json webmanifest
application/msword doc dot wiz
application/n-quads nq
application/n-triples nt
application/octet-stream bin a dll exe o obj so
application/oda oda
application/ogg ogx
application/pdf pdf
application/pkcs7-mime p7c
application/postscript ps ai eps
application/trig trig
application/vnd.apple.mpegurl m3u m3u8
application/vnd.ms-excel xls xlb
application/vnd.ms-fontobject eot
application/vnd.ms-powerpoint ppt pot ppa pps pwz
application/vnd.oasis.opendocument.graphics odg
application/vnd.oasis.opendocument.presentation odp
application/vnd.oasis.opendocument.spreadsheet ods
application/vnd.oasis.opendocument.text odt
application/vnd.openxmlformats-officedocument.presentationml.presentation pptx
application/vnd.openxmlformats-officedocument.spreadsheetml.sheet xlsx
application/vnd.openxmlformats-officedocument.wordprocessingml.document docx
application/vnd.rar rar
application/wasm wasm
application/x-7z-compressed 7z
application/x-bcpio bcpio
application/x-cpio cpio
application/x-csh csh
application/x-debian-package deb
application/x-dvi dvi
application/x-gtar gtar
application/x-hdf hdf
application/x-hdf5 h5
application/x-latex latex
application/x-mif mif
application/x-netcdf cdf nc
application/x-pkcs12 p12 pfx
application/x-httpd-php php
application/x-pn-realaudio ram
application/x-python-code pyc pyo
application/x-rpm rpm
application/x-sh sh
application/x-shar shar
application/x-shockwave-flash swf
application/x-sv4cpio sv4cpio
application/x-sv4crc sv4crc
application/x-tar tar
application/x-tcl tcl
application/x-tex tex
application/x-texinfo texi texinfo
application/x-troff roff t tr
application/x-troff-man man
application/x-troff-me me
application/x-troff-ms ms
application/x-ustar ustar
application/x-wais-source src
application/xml xsl rdf wsdl xpdl
application/yaml yaml yml
application/zip zip
audio/3gpp 3gp 3gpp
audio/3gpp2 3g2 3gpp2
audio/aac aac adts loas ass
audio/basic au snd
audio/flac flac
audio/matroska mka
audio/mp4 m4a
audio/mpeg mp3 mp2
audio/ogg ogg
audio/opus opus
audio/x-aiff aif aifc aiff
audio/x-pn-realaudio ra
audio/vnd.wave wav
audio/webm weba
font/otf otf
font/ttf ttf
font/woff woff
font/woff2 woff2
image/avif avif
image/bmp bmp
image/emf emf
image/fits fits
image/g3fax g3
image/gif gif
image/ief ief
image/jp2 jp2
image/jpeg jpg jpe jpeg
image/jpm jpm
image/jpx jpx
image/heic heic
image/heif heif
image/png png
image/svg+xml svg
image/t38 t38
image/tiff tiff tif
image/tiff-fx tfx
image/vnd.microsoft.icon ico
image/webp webp
image/wmf wmf
image/x-cmu-raster ras
image/x-portable-anymap pnm
image/x-portable-bitmap pbm
image/x-portable-graymap pgm
image/x-portable-pixmap ppm
image/x-rgb rgb
image/x-xbitmap xbm
image/x-xpixmap xpm
image/x-xwindowdump xwd
message/rfc822 eml mht mhtml nws
model/gltf+json gltf
model/gltf-binary glb
model/stl stl
text/css css
text/csv csv
text/html html htm
text/markdown md markdown
text/n3 n3
text/plain txt bat c h ksh pl srt
text/richtext rtx
text/rtf rtf
text/tab-separated-values tsv
text/vtt vtt
text/x-python py
text/x-rst rst
text/x-setext etx
text/x-sgml sgm sgml
text/x-vcard vcf
text/xml xml
video/matroska mkv
video/matroska-3d mk3d
video/mp4 mp4
video/mpeg mpeg m1v mpa mpe mpg
video/ogg ogv
video/quicktime mov qt
video/webm webm
video/vnd.avi avi
video/x-m4v m4v
video/x-ms-wmv wmv
video/x-sgi-movie movie
`;

/**
 * Suffixes that stand for a longer chain of suffixes (Python's
 * `mimetypes.suffix_map`). Keys are matched case-insensitively.
 */
export const SUFFIX_MAP: Readonly<Record<string, string>> = Object.freeze({
  ".svgz": ".svg.gz",
  ".tgz": ".tar.gz",
  ".taz": ".tar.gz",
  ".tz": ".tar.gz",
  ".tbz2": ".tar.bz2",
  ".txz": ".tar.xz",
});

/**
 * Suffixes that name a compression applied on top of the real type, mapped to
 * the encoding's name (Python's `mimetypes.encodings_map`). Keys are matched
 * case-sensitively: `.Z` is an encoding, `.z` is not.
 */
export const ENCODINGS_MAP: Readonly<Record<string, string>> = Object.freeze({
  ".gz": "gzip",
  ".Z": "compress",
  ".bz2": "bzip2",
  ".xz": "xz",
  ".br": "br",
});

/**
 * The default value of `SimpleHTTPRequestHandler.extensionsMap`: the handler
 * consults it before the MIME database, so compressed files are served as the
 * archive they are (`a.tar.gz` is `application/gzip`) rather than as their
 * uncompressed content. Frozen; to change it, give a handler subclass a new
 * object, for example `{ ...DEFAULT_EXTENSIONS_MAP, ".log": "text/plain" }`.
 */
export const DEFAULT_EXTENSIONS_MAP: Readonly<Record<string, string>> = Object.freeze({
  ".gz": "application/gzip",
  ".Z": "application/octet-stream",
  ".bz2": "application/x-bzip2",
  ".xz": "application/x-xz",
});

/** The database: extension (with its dot) -> media type. */
const table = new Map<string, string>();

function loadBuiltin(): void {
  for (const line of BUILTIN_TABLE.split("\n")) {
    const words = line.split(" ");
    const type = words[0];
    if (!type) continue;
    for (let i = 1; i < words.length; i++) table.set("." + words[i], type);
  }
}

/** Rank of a `mime-db` source: lower is preferred. */
function sourceRank(source: string | undefined): number {
  switch (source) {
    case "iana":
      return 0;
    case "apache":
      return 1;
    case "nginx":
      return 2;
    default:
      return 3;
  }
}

/**
 * Ordering key of a `mime-db` candidate for one extension (lower wins); see
 * the module comment for the rule. Ties keep the first candidate seen.
 */
function candidateRank(type: string, source: string | undefined): number {
  if (type === OCTET_STREAM) return 100;
  return sourceRank(source) * 2 + (type.startsWith("application/") ? 1 : 0);
}

function loadMimeDb(): void {
  const best = new Map<string, { type: string; rank: number }>();
  for (const type of Object.keys(mimeDb)) {
    const entry = mimeDb[type];
    const extensions = entry?.extensions;
    if (!extensions) continue;
    const rank = candidateRank(type, entry.source);
    for (const bare of extensions) {
      const ext = "." + bare;
      if (table.has(ext)) continue;
      const seen = best.get(ext);
      if (seen === undefined || rank < seen.rank) best.set(ext, { type, rank });
    }
  }
  for (const [ext, { type }] of best) table.set(ext, type);
}

loadBuiltin();
loadMimeDb();

/**
 * The live MIME database: extension (including its leading dot, as produced
 * by splitting a file name) mapped to a media type. It holds the built-in
 * table, then the `mime-db` entries, then anything registered with
 * {@link addType}. Read-only here; use {@link addType} to change it.
 */
export const typesMap: ReadonlyMap<string, string> = table;

let warnedUndotted = false;

/**
 * Register `type` for the extension `ext`, replacing whatever the extension
 * mapped to before (Python's `mimetypes.add_type()`). `ext` should include its
 * leading dot (`".log"`); the empty string registers a type for files without
 * an extension. As in Python 3.14, an extension without a dot is still stored
 * but triggers a one-time `DeprecationWarning`, since it can never match a
 * file name, and an empty `type` is ignored.
 */
export function addType(type: string, ext: string): void {
  if (ext !== "" && !ext.startsWith(".") && !warnedUndotted) {
    warnedUndotted = true;
    process.emitWarning(
      `addType(): the extension ${JSON.stringify(ext)} has no leading dot and will never match a file name`,
      { type: "DeprecationWarning", code: "HTTP_SERVER_UNDOTTED_EXTENSION" },
    );
  }
  if (!type) return;
  table.set(ext, type);
}

/**
 * Look an extension (with its dot, e.g. `".html"`) up in the MIME database
 * alone: first exactly as given, then lower-cased. Returns `undefined` when
 * the database has no entry; suffix and encoding rules are not applied.
 */
export function lookupType(ext: string): string | undefined {
  const exact = table.get(ext);
  if (exact !== undefined) return exact;
  const lower = ext.toLowerCase();
  return lower === ext ? undefined : table.get(lower);
}

/**
 * Where the extension of `path` starts, by the rules of Python's
 * `posixpath.splitext`, or `path.length` when it has none. The extension is
 * the last dot of the last `/`-separated component and everything after it,
 * unless that component has only dots before its last dot: `.bashrc`, `..x`
 * and `...` have no extension, while `a.` has the extension `.`.
 */
function extStart(path: string): number {
  // One backwards pass over the last component finds its last dot and start.
  let i = path.length - 1;
  let dot = -1;
  for (; i >= 0; i--) {
    const c = path.charCodeAt(i);
    if (c === 0x2f /* / */) break;
    if (c === 0x2e /* . */ && dot < 0) dot = i;
  }
  if (dot < 0) return path.length;
  for (let j = i + 1; j < dot; j++) {
    if (path.charCodeAt(j) !== 0x2e) return dot;
  }
  return path.length;
}

/**
 * The database step for `path`, whose extension `ext` (lower-cased: `lower`)
 * starts at index `at`: expand suffix abbreviations, strip one encoding, look
 * the rest up. Stores the encoding in `encodingOut[0]` when an array is given.
 */
function databaseType(
  path: string,
  at: number,
  ext: string,
  lower: string,
  encodingOut?: [string | undefined],
): string | undefined {
  while (Object.hasOwn(SUFFIX_MAP, lower)) {
    path = path.slice(0, at) + SUFFIX_MAP[lower];
    at = extStart(path);
    ext = path.slice(at);
    lower = ext.toLowerCase();
  }
  if (Object.hasOwn(ENCODINGS_MAP, ext)) {
    if (encodingOut) encodingOut[0] = ENCODINGS_MAP[ext];
    path = path.slice(0, at);
    at = extStart(path);
    ext = path.slice(at);
    lower = ext.toLowerCase();
  }
  return table.get(ext) ?? (lower === ext ? undefined : table.get(lower));
}

/**
 * Guess a file's media type and compression from its path alone (Python's
 * `mimetypes.guess_file_type()`): expand abbreviations such as `.tgz`
 * (see {@link SUFFIX_MAP}), take off one compression suffix
 * (see {@link ENCODINGS_MAP}), and look the extension that remains up with
 * {@link lookupType}. Returns `[type, encoding]`, either of which may be
 * `undefined` (`"a.tar.gz"` gives `["application/x-tar", "gzip"]`).
 */
export function guessFileType(path: string): [type: string | undefined, encoding: string | undefined] {
  const at = extStart(path);
  const ext = path.slice(at);
  const encoding: [string | undefined] = [undefined];
  const type = databaseType(path, at, ext, ext.toLowerCase(), encoding);
  return [type, encoding[0]];
}

/**
 * The content type `SimpleHTTPRequestHandler` sends for the file at `path`
 * (Python's `SimpleHTTPRequestHandler.guess_type()`):
 *
 * 1. split off the extension with POSIX rules (`.bashrc` has none);
 * 2. if `extensionsMap` has that extension, exactly or lower-cased, use it;
 * 3. otherwise ask the MIME database as `guessFileType` does;
 * 4. otherwise `application/octet-stream`.
 *
 * Never throws; always returns a non-empty string when `extensionsMap` holds
 * non-empty strings. Nothing is cached per path.
 *
 * @param path - a file-system path (the handler passes the translated path).
 * @param extensionsMap - overrides consulted first; defaults to
 *   {@link DEFAULT_EXTENSIONS_MAP}.
 */
export function guessType(
  path: string,
  extensionsMap: Readonly<Record<string, string>> = DEFAULT_EXTENSIONS_MAP,
): string {
  const at = extStart(path);
  const ext = path.slice(at);
  if (ext in extensionsMap) return extensionsMap[ext];
  const lower = ext.toLowerCase();
  if (lower !== ext && lower in extensionsMap) return extensionsMap[lower];
  return databaseType(path, at, ext, lower) || OCTET_STREAM;
}

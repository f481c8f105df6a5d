/**
 * The pieces of Python's `urllib.parse` and `posixpath` that the file and
 * CGI handlers depend on, with Python's exact results: `unquote`, `quote`,
 * `urlsplit`/`urlunsplit` and `normpath`.
 *
 * @module
 */

import { isUtf8 } from "node:buffer";
import { decodeSurrogatePass, encodeSurrogatePass, hasLoneSurrogate } from "./surrogate-escape.js";

const HEX = /^[0-9A-Fa-f]{2}$/;

/**
 * Python's `urllib.parse.unquote()`: decode `%XX` escapes as UTF-8, invalid
 * sequences becoming U+FFFD; malformed escapes stay as written and `+` stays
 * `+`.
 */
export function unquote(text: string): string {
  if (!text.includes("%")) return text;
  return unquoteWith(text, decodeReplacing)!;
}

/**
 * Python's `unquote(text, errors="surrogatepass")` as its file handler uses
 * it: like {@link unquote}, but an escaped surrogate (`%ED%B3%BF`, how
 * listings link to a name byte that is not UTF-8) decodes to that lone
 * surrogate; when any escape run is not UTF-8 otherwise, the whole text is
 * decoded by {@link unquote} instead, as Python falls back.
 */
export function unquotePath(text: string): string {
  if (!text.includes("%")) return text;
  return unquoteWith(text, decodePassing) ?? unquoteWith(text, decodeReplacing)!;
}

function decodeReplacing(bytes: Buffer): string {
  return bytes.toString("utf8");
}

function decodePassing(bytes: Buffer): string | null {
  return isUtf8(bytes) ? bytes.toString("utf8") : decodeSurrogatePass(bytes);
}

/** Decode the `%XX` runs of `text` with `decode`; `null` when `decode` gives up on one. */
function unquoteWith(text: string, decode: (bytes: Buffer) => string | null): string | null {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const at = text.indexOf("%", i);
    if (at === -1) {
      out += text.slice(i);
      break;
    }
    out += text.slice(i, at);
    // Gather a run of valid escapes and decode it as one byte string.
    const bytes: number[] = [];
    let j = at;
    while (j < text.length && text[j] === "%" && HEX.test(text.slice(j + 1, j + 3))) {
      bytes.push(parseInt(text.slice(j + 1, j + 3), 16));
      j += 3;
    }
    if (bytes.length === 0) {
      out += "%";
      i = at + 1;
    } else {
      const decoded = decode(Buffer.from(bytes));
      if (decoded === null) return null;
      out += decoded;
      i = j;
    }
  }
  return out;
}

const ALWAYS_SAFE = /[A-Za-z0-9_.\-~]/;
/** Text that `quote(text, "/")` leaves as it is. */
const QUOTE_NOTHING = /^[A-Za-z0-9_.\-~/]*$/;

/**
 * Python's `urllib.parse.quote(text, safe="/")`: percent-encode the UTF-8
 * bytes of everything but letters, digits, `_.-~` and the `safe` characters,
 * with upper-case hex. A lone surrogate (a file name byte that is not
 * UTF-8, see `surrogate-escape.ts`) is encoded as Python's
 * `errors="surrogatepass"` encodes it.
 */
export function quote(text: string, safe = "/"): string {
  if (safe === "/" && QUOTE_NOTHING.test(text)) return text;
  let out = "";
  for (const ch of text) {
    if (ch.length === 1 && (ALWAYS_SAFE.test(ch) || safe.includes(ch))) {
      out += ch;
      continue;
    }
    const bytes = ch.length === 1 && hasLoneSurrogate(ch) ? encodeSurrogatePass(ch) : Buffer.from(ch, "utf8");
    for (const b of bytes) out += "%" + b.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/** Python's `urlsplit()` result. */
export interface SplitURL {
  scheme: string;
  netloc: string;
  path: string;
  query: string;
  fragment: string;
}

const SCHEME_CHARS = /^[A-Za-z][A-Za-z0-9+\-.]*$/;
// eslint-disable-next-line no-control-regex
const LEADING_C0_OR_SPACE = /^[\x00-\x20]+/;
const UNSAFE_BYTES = /[\t\r\n]/g;

/** Python's `urllib.parse.urlsplit()` (3.11+ rules: leading C0/space stripped, tab/CR/LF removed). */
export function urlsplit(url: string): SplitURL {
  url = url.replace(LEADING_C0_OR_SPACE, "").replace(UNSAFE_BYTES, "");
  let scheme = "";
  let netloc = "";
  let query = "";
  let fragment = "";
  const colon = url.indexOf(":");
  if (colon > 0 && SCHEME_CHARS.test(url.slice(0, colon))) {
    scheme = url.slice(0, colon).toLowerCase();
    url = url.slice(colon + 1);
  }
  if (url.startsWith("//")) {
    let end = url.length;
    for (const c of "/?#") {
      const at = url.indexOf(c, 2);
      if (at !== -1 && at < end) end = at;
    }
    netloc = url.slice(2, end);
    url = url.slice(end);
  }
  const hash = url.indexOf("#");
  if (hash !== -1) {
    fragment = url.slice(hash + 1);
    url = url.slice(0, hash);
  }
  const q = url.indexOf("?");
  if (q !== -1) {
    query = url.slice(q + 1);
    url = url.slice(0, q);
  }
  return { scheme, netloc, path: url, query, fragment };
}

/** Schemes whose URLs carry a `//netloc` (Python's `uses_netloc`). */
const USES_NETLOC = new Set([
  "", "ftp", "http", "gopher", "nntp", "telnet", "imap", "wais", "file", "mms", "https", "shttp", "snews",
  "prospero", "rtsp", "rtsps", "rtspu", "rsync", "svn", "svn+ssh", "sftp", "nfs", "git", "git+ssh", "ws", "wss",
  "itms-services",
]);

/**
 * Python's `urllib.parse.urlunsplit()` as of 3.12.4/3.13+ (gh-67693): empty
 * query and fragment vanish; an empty authority is written as `//` when the
 * path begins with `//` (so `("", "", "//x", ...)` gives `////x`, never a URL
 * whose host is `x`) or when a scheme that uses one has an empty or absolute
 * path (`http:///x`); a relative path after such a scheme stays relative
 * (`http:x`). Python 3.11 wrote `//x` and `http:///x` for those two.
 */
export function urlunsplit(parts: SplitURL): string {
  let url = parts.path;
  const { scheme, netloc, query, fragment } = parts;
  if (netloc || (scheme && USES_NETLOC.has(scheme) && (url === "" || url.startsWith("/")))) {
    if (url && !url.startsWith("/")) url = "/" + url;
    url = "//" + netloc + url;
  } else if (url.startsWith("//")) {
    url = "//" + url;
  }
  if (scheme) url = scheme + ":" + url;
  if (query) url += "?" + query;
  if (fragment) url += "#" + fragment;
  return url;
}

/** Python's `posixpath.normpath()`. */
export function normpath(path: string): string {
  if (path === "") return ".";
  const initial = path.startsWith("/") ? (path.startsWith("//") && !path.startsWith("///") ? 2 : 1) : 0;
  const out: string[] = [];
  for (const comp of path.split("/")) {
    if (comp === "" || comp === ".") continue;
    if (comp !== ".." || (initial === 0 && out.length === 0) || (out.length > 0 && out[out.length - 1] === "..")) {
      out.push(comp);
    } else if (out.length > 0) {
      out.pop();
    }
  }
  const joined = "/".repeat(initial) + out.join("/");
  return joined || ".";
}

/** Python's `os.path.join(a, b)` on POSIX for a simple name `b`. */
export function joinPath(dir: string, name: string): string {
  if (dir === "" || dir.endsWith("/")) return dir + name;
  return dir + "/" + name;
}

/** Cut a request path at its fragment, then its query (Python 3.14's order). */
export function stripQuery(path: string): string {
  const hash = path.indexOf("#");
  if (hash !== -1) path = path.slice(0, hash);
  const q = path.indexOf("?");
  return q === -1 ? path : path.slice(0, q);
}

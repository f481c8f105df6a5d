/**
 * How the CGI handler reads a request path: Python's `_url_collapse_path`
 * and the dotted-name check of `hideDotfiles`.
 *
 * @module
 */
import { unquote } from "../files/url-paths.js";

/**
 * Python's `IndexError`, a `RangeError`: thrown by {@link urlCollapsePath}
 * when a path climbs above its root with `..` (message `pop from empty list`,
 * as Python's).
 */
export class IndexError extends RangeError {}
IndexError.prototype.name = "IndexError";

/**
 * Normalise the path of a request target the way Python's CGI handler does
 * before deciding whether it names a script (Python's `_url_collapse_path`).
 *
 * The query (from the first `?`) is set aside, the rest is percent-decoded and
 * split on `/`; empty and `.` segments vanish and each `..` removes the
 * segment kept before it. The result always starts with `/`, and its last
 * segment stays separate so that `/a/b/` and `/a/b` keep their difference:
 * `/a/b/c/../d` gives `/a/b/d`, `/` gives `//`, `./C:/` gives `/C:/`. The
 * query is put back on the last segment.
 *
 * @throws {@link IndexError} when a `..` has nothing left to remove
 *   (`..`, `/a/../..`): the path leaves the root, and Python raises there too.
 */
export function urlCollapsePath(path: string): string {
  const q = path.indexOf("?");
  const query = q === -1 ? "" : path.slice(q + 1);
  const parts = unquote(q === -1 ? path : path.slice(0, q)).split("/");
  const head: string[] = [];
  const popHead = (): void => {
    if (head.length === 0) throw new IndexError("pop from empty list");
    head.pop();
  };
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i]!;
    if (part === "..") popHead();
    else if (part !== "" && part !== ".") head.push(part);
  }
  let tail = parts[parts.length - 1]!;
  if (tail === "..") {
    popHead();
    tail = "";
  } else if (tail === ".") {
    tail = "";
  }
  if (query) tail = tail + "?" + query;
  return "/" + head.join("/") + "/" + tail;
}

/** Is `word` a dotfile's name (`.env`; not `.` or `..`)? */
function isDotName(word: string): boolean {
  return word.startsWith(".") && word !== "." && word !== "..";
}

/**
 * Does a path that was percent-decoded once (as {@link urlCollapsePath}
 * leaves it) name a dotfile in any segment, as it reads now or after the
 * second decoding that {@link SimpleHTTPRequestHandler.translatePath} and
 * `PATH_INFO` give it (`%252e` is a dot by then)?
 */
export function hasDotName(path: string): boolean {
  return path.split("/").some(isDotName) || unquote(path).split("/").some(isDotName);
}


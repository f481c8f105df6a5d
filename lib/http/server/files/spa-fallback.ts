/**
 * The single-page-app fallback of {@link SimpleHTTPRequestHandler}: which
 * requests for a missing path get the app's page (`index.html`) instead
 * of a 404, so that a client-side route loaded directly (`/deep/route`,
 * a bookmark, a reload) starts the app.
 *
 * @module
 */
import { stripQuery, unquote } from "./url-paths.js";

/**
 * Does an `Accept` header value list `text/html` (with a non-zero
 * quality)? Browsers send it when they navigate to a page; scripts'
 * `fetch()` and image or style requests do not.
 */
export function acceptsHtml(accept: string | undefined): boolean {
  if (accept === undefined || !accept.toLowerCase().includes("text/html")) return false;
  for (const range of accept.split(",")) {
    const [type, ...params] = range.split(";");
    if (type!.trim().toLowerCase() !== "text/html") continue;
    const q = params.map((p) => p.trim().toLowerCase()).find((p) => p.startsWith("q="));
    if (q === undefined || Number(q.slice(2)) > 0) return true;
  }
  return false;
}

/** Does the last segment of a request path name a file extension (`/app.js`, `/img/x.png`)? */
export function hasExtension(requestPath: string): boolean {
  const path = unquote(stripQuery(requestPath));
  return path.slice(path.lastIndexOf("/") + 1).includes(".");
}

/**
 * Is a request for a path that does not exist a client-side route, to be
 * answered with the app's page? Only a GET or HEAD, whose last path
 * segment has no extension (`/app.js` stays a 404), from a client that
 * accepts HTML.
 */
export function isAppRoute(command: string | null, requestPath: string, accept: string | undefined): boolean {
  return (command === "GET" || command === "HEAD") && !hasExtension(requestPath) && acceptsHtml(accept);
}

/**
 * Naming the character set of text responses: `text/plain` becomes
 * `text/plain; charset=utf-8`, so that a browser does not guess (and show
 * UTF-8 text as mojibake). Used by {@link SimpleHTTPRequestHandler} when
 * its `textCharset` is set; the command line sets it to `utf-8`.
 *
 * @module
 */
import { charsetTypes } from "../../caches.js";

/** Content types outside `text/*` that hold text: scripts, JSON and XML. */
const TEXTUAL = new Set([
  "application/javascript",
  "application/x-javascript",
  "application/ecmascript",
  "application/json",
  "application/xml",
  "image/svg+xml",
]);

/** An RFC 9110 token: what a charset name must be. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Is `name` usable as a `charset` parameter value (an RFC 9110 token)? */
export function isCharsetName(name: string): boolean {
  return TOKEN.test(name);
}

/**
 * Does a content type (its media type, lower case, without parameters)
 * hold text whose character set a `charset` parameter names? `text/*`,
 * JavaScript, JSON (`application/json`, `+json`), XML (`application/xml`,
 * `+xml`) and SVG.
 */
export function isTextual(mediaType: string): boolean {
  return mediaType.startsWith("text/") || TEXTUAL.has(mediaType) || mediaType.endsWith("+json") || mediaType.endsWith("+xml");
}

/**
 * `ctype` with `; charset=<charset>` added when it is textual (see
 * {@link isTextual}) and names no charset yet; otherwise `ctype` as it is.
 */
export function withCharset(ctype: string, charset: string): string {
  const known = charsetTypes.get(ctype);
  if (known !== undefined && known.charset === charset) return known.text;
  const semi = ctype.indexOf(";");
  const mediaType = (semi === -1 ? ctype : ctype.slice(0, semi)).trim().toLowerCase();
  const named = semi !== -1 && /(?:^|;)\s*charset\s*=/i.test(ctype.slice(semi));
  const out = isTextual(mediaType) && !named ? `${ctype}; charset=${charset}` : ctype;
  return charsetTypes.set(ctype, { charset, text: out }).text;
}

/**
 * The command line's options for what the folder server sends and logs
 * (`--charset`, `--spa`, `--log-format`, and the listing extras the
 * command line turns on): checking their values, and applying them to the
 * command line's handler class.
 *
 * @module
 */
import { pyRepr } from "../py/index.js";
import { LOG_FORMATS, type LogFormat, withLogFormat } from "../http/server/access-log.js";
import type { SimpleHTTPRequestHandler } from "../http/server/files/simple-handler.js";
import { isCharsetName } from "../http/server/files/text-charset.js";

/** The charset the command line names for text files unless told otherwise. */
export const DEFAULT_CHARSET = "utf-8";

/** The page `--spa` falls back to when no file is named. */
export const DEFAULT_SPA_PAGE = "index.html";

/** What {@link applyContentOptions} reads from the parsed command line. */
export interface ContentOptions {
  /** `--charset`: the charset added to text types, or `null` (`--charset none`) for none. */
  charset: string | null;
  /** `--spa`: the app's page, by its path in the folder, or `null` for no fallback. */
  spa: string | null;
  /** `--log-format`: how each request is logged. */
  logFormat: LogFormat;
}

/**
 * Check a `--charset` value: `none` (any case) turns the charset off, any
 * other value must be a token (`utf-8`, `iso-8859-1`), and is kept as written.
 * Throws a message for argparse's `argument --charset: ...`.
 */
export function parseCharset(value: string): string | null {
  if (value.toLowerCase() === "none") return null;
  if (!isCharsetName(value)) throw new Error(`invalid charset name ${pyRepr(value)} (a name such as utf-8, or none)`);
  return value;
}

/** Check a `--log-format` value (one of {@link LOG_FORMATS}). */
export function parseLogFormat(value: string): LogFormat {
  const found = LOG_FORMATS.find((f) => f === value);
  if (found === undefined) {
    throw new Error(`invalid choice: ${pyRepr(value)} (choose from ${LOG_FORMATS.map((f) => pyRepr(f)).join(", ")})`);
  }
  return found;
}

/**
 * Check a `--spa=FILE` value: a path inside the folder, relative, without
 * `..` (it is then served like any request for it, symlink checks included).
 */
export function parseSpaPage(value: string): string {
  const words = value.split("/");
  if (value === "" || value.startsWith("/") || words.includes("..") || value.includes("\0")) {
    throw new Error(`invalid page ${pyRepr(value)}: expected a file's path inside the directory, such as index.html`);
  }
  return value;
}

/**
 * Set the command line's choices on its handler class's prototype (the
 * JSON listings and listing validators are always on there), and return
 * the class to serve with: the same class, or for a `--log-format` other
 * than `python`, a subclass that logs that way.
 */
export function applyContentOptions<C extends typeof SimpleHTTPRequestHandler>(Handler: C, options: ContentOptions): C {
  const proto = Handler.prototype;
  proto.textCharset = options.charset;
  proto.jsonListings = true;
  proto.listingEtags = true;
  if (options.spa !== null) proto.spaFallback = options.spa;
  return options.logFormat === "python" ? Handler : withLogFormat(Handler, options.logFormat);
}

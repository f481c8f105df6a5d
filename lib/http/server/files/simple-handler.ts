/**
 * `SimpleHTTPRequestHandler`: serves the files and folder listings of a
 * directory, ported from Python's `http.server`, with byte ranges,
 * validators and a few opt-in extras.
 *
 * @module
 */
import * as fs from "node:fs";
import { promises as fsp } from "node:fs";
import { fileURLToPath } from "node:url";
import { pythonNames } from "../../../python-names.js";
import { htmlEscape } from "../../../py/index.js";
import { SocketWriter, type Writer } from "../../../socketserver/streams.js";
import { insideRoot, statOrNull } from "./file-checks.js";
import { isThenable } from "../../../thenable.js";
import { BaseHTTPRequestHandler } from "../base-handler.js";
import { BytesSource, ChainSource, FILE_CHUNK, FileSource, type BodySource } from "./body-sources.js";
import { AcceptEncoding } from "./content-coding.js";
import { evaluatePreconditions, pythonNotModified, rangeApplies, weakEtag } from "./conditional.js";
import type { FileCache } from "./file-cache.js";
import {
  BoundedCache,
  type FileMeta,
  type ListingRow,
  MAX_TRANSLATED_LENGTH,
  MAX_TRANSLATED_PER_FOLDER,
  fileMetas,
  sharedFileCache,
  translatedPaths,
} from "../../caches.js";
import { DEFAULT_EXTENSIONS_MAP, guessType } from "./mimetypes.js";
import { classExtensionsMap, setClassExtensionsMap } from "./extensions-map.js";
import { withCharset } from "./text-charset.js";
import { contentRange, makeBoundary, multipartByteranges, parseRange, unsatisfiedRange } from "./ranges.js";
import { joinPath, normpath, quote, stripQuery, type SplitURL, unquote, unquotePath, urlsplit, urlunsplit } from "./url-paths.js";
import { fsPath, hasLoneSurrogate } from "./surrogate-escape.js";
import { LISTING_TAIL, encodeText, listingHides, listingItems, listingRows } from "./listing-rows.js";
import { digestEtag, htmlListingEtag, jsonListing, noneMatchHits, prefersJson } from "./listing-formats.js";
import { isAppRoute } from "./spa-fallback.js";

/** Options of the {@link SimpleHTTPRequestHandler} constructor (Python's keyword arguments). */
export interface SimpleHandlerOptions {
  /** The folder to serve; default: the current directory when the handler is made. */
  directory?: string | URL | null | undefined;
}

/** A precompressed sibling chosen for a request. */
interface Variant {
  path: string;
  stat: fs.Stats;
  encoding: string | null;
}

const TRAILING_SLASH = /(?:\/|%2[fF])$/;

/** Does any component of the URL path start with a dot? */
function hasDotSegment(urlPath: string): boolean {
  for (const word of unquote(stripQuery(urlPath)).split("/")) {
    if (word.startsWith(".") && word !== "." && word !== "..") return true;
  }
  return false;
}

/**
 * Serve files from {@link directory} and its subfolders for GET and HEAD, as
 * Python's `SimpleHTTPRequestHandler` does: a folder without an index page
 * gets a listing; a folder URL without a trailing slash gets a 301; anything
 * that cannot be opened is a 404.
 *
 * Beyond Python (see docs/deviations.md): byte ranges, ETags and the other
 * RFC 9110 preconditions, refusing symlinks that lead outside the folder,
 * and opt-in extras ({@link extraResponseHeaders}, {@link cors},
 * {@link cacheControl}, {@link precompressed}, {@link hideDotfiles}).
 *
 * @example
 * ```ts
 * await new ThreadingHTTPServer(["", 8000], SimpleHTTPRequestHandler).serveForever();
 * ```
 */
export class SimpleHTTPRequestHandler extends BaseHTTPRequestHandler {
  /** The folder served. */
  directory: string;
  /** File names tried, in order, when a folder is requested. */
  declare indexPages: readonly string[];
  /**
   * Extension -> content type, consulted before the MIME database: the
   * class's map (see the static {@link SimpleHTTPRequestHandler.extensionsMap}),
   * unless a class field gives each instance its own.
   */
  declare extensionsMap: Record<string, string>;
  /**
   * The class's own extension -> content type map, Python's class attribute
   * `extensions_map`: edit it in place
   * (`SimpleHTTPRequestHandler.extensions_map[".wasm"] = "application/wasm"`)
   * or assign a new object. A subclass gets its own copy of its parent's map
   * the first time it is used through the subclass, so edits made through a
   * subclass never change its parent's map.
   */
  declare static extensionsMap: Record<string, string>;
  /** Honour `Range` requests (206, 416, `multipart/byteranges`) and send `Accept-Ranges: bytes`. */
  declare rangeRequests: boolean;
  /** Send a weak `ETag` and honour `If-None-Match`, `If-Match` and `If-Range` by entity tag. */
  declare etags: boolean;
  /**
   * Serve, list and redirect to files and folders through symlinks that lead
   * outside {@link directory}, as Python does. By default (false) such a
   * path is a 404 at once (no folder redirect first) and such links are left
   * out of listings.
   */
  declare followSymlinks: boolean;
  /** Neither list nor serve names starting with a dot. */
  declare hideDotfiles: boolean;
  /** Serve `name.br` / `name.gz` in place of `name` to clients that accept that encoding. */
  declare precompressed: boolean;
  /** Send `Access-Control-Allow-Origin: *`. */
  declare cors: boolean;
  /** A `Cache-Control` value for files and listings, or `null` for none. */
  declare cacheControl: string | null;
  /** More headers for every file, listing and 304 response (Python 3.15's `extra_response_headers`). */
  declare extraResponseHeaders: ReadonlyArray<readonly [string, string]>;
  /** Cache of small files' contents, or `null` to read every time. */
  declare fileCache: FileCache | null;
  /**
   * HTML put on a line of its own between a listing page's heading and its
   * list (an upload form, for example), or `null` for Python's page as it is.
   */
  declare listingExtraHtml: string | null;
  /**
   * A character set named in the `Content-Type` of text files (`text/*`,
   * JavaScript, JSON, XML, SVG) whose type names none, for example
   * `"utf-8"` (`text/plain` becomes `text/plain; charset=utf-8`); `null`
   * (the default, as Python) sends the types as they are. The command line
   * sets `"utf-8"`.
   */
  declare textCharset: string | null;
  /**
   * Answer folder listings in JSON to clients that prefer it to HTML (see
   * `listing-formats.ts` for the rule), with `Vary: Accept` on every
   * listing. Off by default (Python sends HTML to everyone); the command
   * line turns it on.
   */
  declare jsonListings: boolean;
  /**
   * Send a weak `ETag` with folder listings (a digest of the listing) and
   * answer a matching `If-None-Match` with 304. Off by default, so the
   * listing's headers are Python's; the command line turns it on.
   */
  declare listingEtags: boolean;
  /**
   * For a single-page app: a file, by its path under {@link directory}
   * (`"index.html"`), sent with 200 for a GET or HEAD of a path that does
   * not exist, whose last segment has no extension, from a client whose
   * `Accept` lists `text/html` (a browser loading a client-side route).
   * Missing assets (`/app.js`) and other clients still get 404. `null`
   * (the default): no fallback.
   */
  declare spaFallback: string | null;

  /**
   * @param request - the connection.
   * @param clientAddress - the client's address.
   * @param server - the server.
   * @param options - `directory`: the folder to serve (default: the current directory).
   */
  constructor(request: unknown, clientAddress: unknown, server: never, options: SimpleHandlerOptions = {}) {
    super(request, clientAddress, server);
    const dir = options.directory ?? process.cwd();
    this.directory = dir instanceof URL ? fileURLToPath(dir) : String(dir);
  }

  // do_GET(), do_HEAD(), sendHead() and copyfile() return a Promise only
  // when they have to wait (a file not in the cache, a body bigger than
  // the socket takes at once): a cached file is answered without one.

  /** Serve a GET request: headers, then the file, listing or nothing. */
  do_GET(): void | Promise<void> {
    const f = this.sendHead();
    if (isThenable(f)) return Promise.resolve(f).then((source) => this.#sendBody(source));
    return this.#sendBody(f);
  }

  /** Copy `source` to `wfile`, then close it (also when copying fails). */
  #sendBody(source: BodySource | null): void | Promise<void> {
    if (!source) return;
    let copied: void | Promise<void>;
    try {
      copied = this.copyfile(source, this.wfile);
    } catch (err) {
      return afterClosing(source, () => Promise.reject(err));
    }
    if (isThenable(copied)) {
      return Promise.resolve(copied).then(
        () => source.close(),
        (err: unknown) => afterClosing(source, () => Promise.reject(err)),
      );
    }
    return source.close();
  }

  /** Serve a HEAD request: the same headers as GET, no body. */
  do_HEAD(): void | Promise<void> {
    const f = this.sendHead();
    if (isThenable(f)) return Promise.resolve(f).then((source) => source?.close());
    return f?.close();
  }

  /**
   * Send the status line and headers for a GET or HEAD, and return the
   * body to send (or `null` when there is none, for example after an error
   * or a redirect).
   */
  sendHead(): BodySource | null | Promise<BodySource | null> {
    // Hidden names do not exist, not even for a folder redirect.
    if (this.hideDotfiles && hasDotSegment(this.path)) {
      this.sendError(404, "File not found");
      return null;
    }
    let path = this.translatePath(this.path);
    let st = statOrNull(path);
    if (st?.isDirectory()) {
      // A folder outside (through a symlink) does not exist, not even for a redirect.
      if (!this.followSymlinks && !insideRoot(this.directory, path, st)) {
        this.sendError(404, "File not found");
        return null;
      }
      const parts = urlsplit(this.path);
      if (!TRAILING_SLASH.test(parts.path)) {
        this.sendResponse(301);
        this.sendHeader("Location", folderLocation(parts));
        this.sendHeader("Content-Length", "0");
        this.endHeaders();
        return null;
      }
      let found = false;
      for (const name of this.indexPages) {
        const candidate = joinPath(path, name);
        const cst = statOrNull(candidate);
        if (cst?.isFile()) {
          path = candidate;
          st = cst;
          found = true;
          break;
        }
      }
      if (!found) {
        if (!this.#mayServe(path, st)) {
          this.sendError(404, "File not found");
          return null;
        }
        return this.listDirectory(path);
      }
    }
    if (st === null && this.spaFallback !== null) {
      const page = this.#appPage();
      if (page !== null) [path, st] = page;
    }
    let ctype = this.guessType(path);
    if (path.endsWith("/") || !st || !st.isFile() || !this.#mayServe(path, st)) {
      this.sendError(404, "File not found");
      return null;
    }
    const charset = this.textCharset;
    if (charset !== null) ctype = withCharset(ctype, charset);
    const variant = this.precompressed ? this.#chooseVariant(path, st) : { path, stat: st, encoding: null };
    return this.#sendFile(variant, ctype);
  }

  /**
   * The page of {@link spaFallback} and its `stat()`, when this request for
   * a missing path is a client-side route of the app (see `spa-fallback.ts`)
   * and the page is a file that may be served; else `null`.
   */
  #appPage(): [string, fs.Stats] | null {
    if (!isAppRoute(this.command, this.path, this.headers.get("Accept"))) return null;
    const path = this.translatePath("/" + quote(this.spaFallback!));
    const st = statOrNull(path);
    return st?.isFile() && !path.endsWith("/") && this.#mayServe(path, st) ? [path, st] : null;
  }

  /** Refuse dotfiles (when hidden) and symlinks leading out of the folder (unless allowed). */
  #mayServe(path: string, st: fs.Stats): boolean {
    if (this.hideDotfiles && hasDotSegment(this.path)) return false;
    if (this.followSymlinks) return true;
    return insideRoot(this.directory, path, st);
  }

  /**
   * The file to send for `path`: its `.br` or `.gz` sibling when the client
   * accepts that coding (RFC 9110 12.5.3 weights, see {@link AcceptEncoding})
   * and the sibling exists, else the file itself. No `Accept-Encoding` at all
   * gets the file itself too. When the client refuses identity and accepts
   * no coding on offer, the file is sent as it is (the server may disregard
   * the field); a refused coding is never sent.
   */
  #chooseVariant(path: string, st: fs.Stats): Variant {
    const fields = this.headers.getAll("Accept-Encoding");
    if (fields === undefined) return { path, stat: st, encoding: null };
    for (const encoding of new AcceptEncoding(fields.join(",")).rank(CODINGS_OFFERED)) {
      if (encoding === "identity") break;
      const suffix = encoding === "br" ? ".br" : ".gz";
      const sibling = statOrNull(path + suffix);
      if (sibling?.isFile() && this.#mayServe(path + suffix, sibling)) return { path: path + suffix, stat: sibling, encoding };
    }
    return { path, stat: st, encoding: null };
  }

  #sendFile(variant: Variant, ctype: string): BodySource | null | Promise<BodySource | null> {
    const data = this.fileCache?.get(variant.path, variant.stat);
    if (data !== undefined) return this.#respondWithFile(variant, ctype, variant.stat, data, null);
    return this.#openAndSend(variant, ctype);
  }

  /** {@link #sendFile} for a file not in the cache: open it (and cache it when it is small). */
  async #openAndSend(variant: Variant, ctype: string): Promise<BodySource | null> {
    let st = variant.stat;
    const cache = this.fileCache;
    let data: Buffer | undefined;
    let handle: fsp.FileHandle | null = null;
    try {
      const openedAt = Date.now();
      handle = await fsp.open(fsPath(variant.path), "r");
      st = await handle.stat();
      if (cache && cache.accepts(st.size)) {
        data = await handle.readFile();
        await handle.close();
        handle = null;
        if (data.length === st.size) cache.set(variant.path, st, data, openedAt);
      }
    } catch {
      await handle?.close().catch(() => undefined);
      this.sendError(404, "File not found");
      return null;
    }
    try {
      // Awaited here, so that a failure while sending the headers closes the file.
      return await this.#respondWithFile(variant, ctype, st, data, handle);
    } catch (err) {
      await handle?.close().catch(() => undefined);
      throw err;
    }
  }

  #respondWithFile(
    variant: Variant,
    ctype: string,
    st: fs.Stats,
    data: Buffer | undefined,
    handle: fsp.FileHandle | null,
  ): BodySource | null | Promise<BodySource | null> {
    const size = data ? data.length : st.size;
    const mtime = Math.floor(st.mtimeMs / 1000);
    const meta = fileMeta(variant.path, size, st.mtimeMs, variant.encoding);
    const etag = this.etags ? (meta.etag ??= weakEtag(size, st.mtimeMs, variant.encoding ?? undefined)) : null;
    const resource = { etag: etag ?? "", lastModified: mtime };
    const closeHandle = (): null | Promise<null> => (handle ? handle.close().then(() => null) : null);

    // Without ETags, Python's own If-Modified-Since rule alone; with them,
    // the RFC 9110 order, which applies Python's rule at its step 4.
    if (!this.etags && pythonNotModified(this.headers, mtime)) {
      this.sendResponse(304);
      this.#sendPolicyHeaders(variant, etag, false);
      this.endHeaders();
      return closeHandle();
    }
    if (this.etags) {
      const verdict = evaluatePreconditions({ method: this.command ?? "GET", get: (n) => this.headers.get(n) }, resource);
      if (verdict === 304) {
        this.sendResponse(304);
        this.#sendPolicyHeaders(variant, etag, false);
        this.endHeaders();
        return closeHandle();
      }
      if (verdict === 412) {
        const closed = closeHandle();
        const refuse = (): null => {
          this.sendError(412);
          return null;
        };
        return closed ? closed.then(refuse) : refuse();
      }
    }

    const range = this.rangeRequests ? this.headers.get("Range") : undefined;
    if (range !== undefined && rangeApplies(this.headers.get("If-Range"), resource)) {
      const parsed = parseRange(range, size);
      if (parsed.type === "unsatisfiable") {
        this.sendResponse(416);
        this.sendHeader("Content-Range", unsatisfiedRange(size));
        this.sendHeader("Content-Length", "0");
        this.#sendPolicyHeaders(variant, etag, true);
        this.endHeaders();
        return closeHandle();
      }
      if (parsed.type === "ranges") {
        return this.#sendRanges(parsed.ranges, ctype, size, st, variant, etag, data, handle);
      }
    }

    this.sendResponse(200);
    this.sendHeader("Content-type", ctype);
    this.sendHeader("Content-Length", String(size));
    const lastModified =
      this.dateTimeString === BaseHTTPRequestHandler.prototype.dateTimeString
        ? (meta.lastModified ??= this.dateTimeString(st.mtimeMs / 1000))
        : this.dateTimeString(st.mtimeMs / 1000);
    this.sendHeader("Last-Modified", lastModified);
    this.#sendPolicyHeaders(variant, etag, true);
    this.endHeaders();
    if (data) return new BytesSource(data);
    return new FileSource(handle!, 0, size);
  }

  #sendRanges(
    ranges: ReadonlyArray<{ start: number; end: number }>,
    ctype: string,
    size: number,
    st: fs.Stats,
    variant: Variant,
    etag: string | null,
    data: Buffer | undefined,
    handle: fsp.FileHandle | null,
  ): BodySource {
    const slice = (start: number, end: number, owns: boolean): BodySource =>
      data ? new BytesSource(data.subarray(start, end + 1)) : new FileSource(handle!, start, end + 1, owns);
    this.sendResponse(206);
    if (ranges.length === 1) {
      const { start, end } = ranges[0]!;
      this.sendHeader("Content-type", ctype);
      this.sendHeader("Content-Length", String(end - start + 1));
      this.sendHeader("Content-Range", contentRange(start, end, size));
      this.sendHeader("Last-Modified", this.dateTimeString(st.mtimeMs / 1000));
      this.#sendPolicyHeaders(variant, etag, true);
      this.endHeaders();
      return slice(start, end, true);
    }
    const boundary = makeBoundary();
    const layout = multipartByteranges(ranges, ctype, size, boundary);
    this.sendHeader("Content-type", layout.contentType);
    this.sendHeader("Content-Length", String(layout.contentLength));
    this.sendHeader("Last-Modified", this.dateTimeString(st.mtimeMs / 1000));
    this.#sendPolicyHeaders(variant, etag, true);
    this.endHeaders();
    const parts: BodySource[] = [];
    layout.parts.forEach((part, i) => {
      parts.push(new BytesSource(part.header));
      parts.push(slice(ranges[i]!.start, ranges[i]!.end, false));
    });
    parts.push(new BytesSource(layout.trailer));
    return new ChainSource(parts, () => handle?.close());
  }

  /** Headers every file response of this handler may carry, by policy. */
  #sendPolicyHeaders(variant: Variant, etag: string | null, full: boolean): void {
    if (etag) this.sendHeader("ETag", etag);
    if (full && this.rangeRequests) this.sendHeader("Accept-Ranges", "bytes");
    if (variant.encoding) this.sendHeader("Content-Encoding", variant.encoding);
    if (this.precompressed) this.sendHeader("Vary", "Accept-Encoding");
    this.sendExtraHeaders();
  }

  /** Send the opt-in headers: {@link cacheControl}, {@link cors} and {@link extraResponseHeaders}. */
  sendExtraHeaders(): void {
    if (this.cacheControl) this.sendHeader("Cache-Control", this.cacheControl);
    if (this.cors) this.sendHeader("Access-Control-Allow-Origin", "*");
    for (const [name, value] of this.extraResponseHeaders) this.sendHeader(name, value);
  }

  /**
   * Send a listing of the folder `path` as an HTML page (Python's exact
   * markup) and return it as the body, or send a 404 and return `null` when
   * the folder cannot be read.
   */
  listDirectory(path: string): BodySource | null {
    let listing: { rows: readonly ListingRow[]; key: string | null };
    try {
      listing = listingRows(path, this.followSymlinks ? null : this.directory);
    } catch {
      this.sendError(404, "No permission to list directory");
      return null;
    }
    if (this.jsonListings && prefersJson(this.headers.get("Accept"))) {
      const body = jsonListing(path, listing.rows, listingHides(this));
      return this.#sendListing(body, "application/json", digestEtag(body, "j"));
    }
    const displaypath = htmlEscape(unquotePath(stripQuery(this.path)), false);
    const title = `Directory listing for ${displaypath}`;
    const lines = [
      "<!DOCTYPE HTML>",
      '<html lang="en">',
      "<head>",
      '<meta charset="utf-8">',
      '<style type="text/css">\n:root {\ncolor-scheme: light dark;\n}\n</style>',
      `<title>${title}</title>\n</head>`,
      `<body>\n<h1>${title}</h1>`,
      "<hr>\n<ul>\n",
    ];
    if (this.listingExtraHtml !== null) lines.splice(7, 0, this.listingExtraHtml);
    // Python's page in three parts: this request's head, the entries
    // (shared with every response sending the same ones) and the tail.
    // A name byte that is not UTF-8 goes out raw, as Python writes it.
    const text = lines.join("\n");
    const head = this.path.includes("%") && hasLoneSurrogate(displaypath) ? encodeText(text) : Buffer.from(text, "utf8");
    const hides = listingHides(this);
    const items = listingItems(listing.rows, listing.key, hides);
    const etag = this.listingEtags ? htmlListingEtag(items, listing.key, hides) : null;
    return this.#sendListing([head, items, LISTING_TAIL], "text/html; charset=utf-8", etag);
  }

  /**
   * Send a listing: Python's headers, plus the extras of
   * {@link listingEtags} and {@link jsonListings} when they are on (its
   * `ETag` and a 304 for a matching `If-None-Match`, and `Vary: Accept`
   * when its form depends on the client's `Accept`).
   */
  #sendListing(body: Buffer | Buffer[], ctype: string, etag: string | null): BytesSource | null {
    const validated = etag !== null && this.listingEtags;
    if (validated && noneMatchHits(this.headers.get("If-None-Match"), etag)) {
      this.sendResponse(304);
      this.sendHeader("ETag", etag);
      if (this.jsonListings) this.sendHeader("Vary", "Accept");
      this.sendExtraHeaders();
      this.endHeaders();
      return null;
    }
    const parts = Array.isArray(body) ? body : [body];
    let length = 0;
    for (const part of parts) length += part.length;
    this.sendResponse(200);
    this.sendHeader("Content-type", ctype);
    this.sendHeader("Content-Length", String(length));
    if (validated) this.sendHeader("ETag", etag);
    if (this.jsonListings) this.sendHeader("Vary", "Accept");
    this.sendExtraHeaders();
    this.endHeaders();
    return new BytesSource(parts);
  }

  /**
   * Map a URL path to a file path under {@link directory}: query and
   * fragment dropped, `%XX` decoded, `.` and `..` resolved without ever
   * leaving the folder, a trailing slash kept.
   */
  translatePath(path: string): string {
    // The answer depends only on the folder and the path: remember it.
    const directory = this.directory;
    const known = translatedPaths.get(directory) ?? translatedPaths.set(directory, new BoundedCache(MAX_TRANSLATED_PER_FOLDER));
    const out = known.get(path);
    if (out !== undefined) return out;
    const fresh = translate(directory, path);
    return path.length <= MAX_TRANSLATED_LENGTH ? known.set(path, fresh) : fresh;
  }

  /**
   * Copy a body to the client with back-pressure: the next chunk is read
   * while the previous one drains.
   */
  copyfile(source: BodySource, outputfile: Writer): void | Promise<void> {
    if (source instanceof BytesSource) {
      const parts = source.remainingParts;
      source.close();
      // Each part as it is (a shared one is never copied): the writer
      // passes big ones on piece by piece and keeps what waits bounded.
      for (const part of parts) outputfile.write(part);
      // Wait only when the socket asks for it (or for another kind of writer).
      if (!(outputfile instanceof SocketWriter) || outputfile.needsFlush) return outputfile.flush();
      return;
    }
    return this.#copyChunks(source, outputfile);
  }

  /**
   * Copy a file (or other source) chunk by chunk, reading the next chunk
   * only once the writer has taken the last one: a connection whose client
   * has stopped reading holds one chunk, never more.
   */
  async #copyChunks(source: BodySource, outputfile: Writer): Promise<void> {
    for (;;) {
      const chunk = await source.read(FILE_CHUNK);
      if (chunk.length === 0) break;
      outputfile.write(chunk);
      await outputfile.flush();
    }
  }

  /** The content type for a file: {@link extensionsMap}, then the MIME database, then `application/octet-stream`. */
  guessType(path: string): string {
    return guessType(path, this.extensionsMap);
  }
}

/**
 * The `Location` of a folder redirect: the request's path with a slash
 * appended, then its query and fragment, as Python writes them. Unlike
 * Python, a scheme or authority the client sent (absolute-form,
 * `http://evil.example/..`) is dropped, as RFC 9112 3.2.2 asks of a server
 * for such targets, and the path then starts with exactly one `/`:
 * browsers read `\` as `/`, so `//host`, `/\host` or `\\host` would send
 * them to another site. A plain relative target (`d?x`, no scheme, no
 * leading slash) keeps Python's relative `d/?x`, which stays on this site.
 */
function folderLocation(parts: SplitURL): string {
  const { path, query, fragment } = parts;
  if (parts.scheme === "" && parts.netloc === "" && path !== "" && !LEADING_SEPARATORS.test(path)) {
    return urlunsplit({ scheme: "", netloc: "", path: path + "/", query, fragment });
  }
  const rest = path.replace(LEADING_SEPARATORS, "");
  return urlunsplit({ scheme: "", netloc: "", path: rest ? `/${rest}/` : "/", query, fragment });
}
const LEADING_SEPARATORS = /^[/\\]+/;

/** The codings {@link SimpleHTTPRequestHandler.precompressed} offers, in the server's order of preference. */
const CODINGS_OFFERED = ["br", "gzip", "identity"] as const;

SimpleHTTPRequestHandler.prototype.serverVersion = "SimpleHTTP/0.6";
SimpleHTTPRequestHandler.prototype.indexPages = Object.freeze(["index.html", "index.htm"]);
SimpleHTTPRequestHandler.prototype.extensionsMap = { ...DEFAULT_EXTENSIONS_MAP };
SimpleHTTPRequestHandler.prototype.rangeRequests = true;
SimpleHTTPRequestHandler.prototype.etags = true;
SimpleHTTPRequestHandler.prototype.followSymlinks = false;
SimpleHTTPRequestHandler.prototype.hideDotfiles = false;
SimpleHTTPRequestHandler.prototype.precompressed = false;
SimpleHTTPRequestHandler.prototype.cors = false;
SimpleHTTPRequestHandler.prototype.cacheControl = null;
SimpleHTTPRequestHandler.prototype.extraResponseHeaders = Object.freeze([]);
SimpleHTTPRequestHandler.prototype.fileCache = sharedFileCache;
SimpleHTTPRequestHandler.prototype.textCharset = null;
SimpleHTTPRequestHandler.prototype.jsonListings = false;
SimpleHTTPRequestHandler.prototype.listingEtags = false;
SimpleHTTPRequestHandler.prototype.spaFallback = null;
SimpleHTTPRequestHandler.prototype.listingExtraHtml = null;
Object.defineProperty(SimpleHTTPRequestHandler, "extensionsMap", {
  configurable: true,
  enumerable: false,
  get(this: typeof SimpleHTTPRequestHandler) {
    return classExtensionsMap(this);
  },
  set(this: typeof SimpleHTTPRequestHandler, map: Record<string, string>) {
    setClassExtensionsMap(this, map);
  },
});
pythonNames(SimpleHTTPRequestHandler, { statics: ["extensionsMap"] });

/** Close `source` (ignoring a failure to), then run `next`. */
function afterClosing<T>(source: BodySource, next: () => T | Promise<T>): Promise<T> {
  let closed: void | Promise<void>;
  try {
    closed = source.close();
  } catch {
    closed = undefined;
  }
  return Promise.resolve(closed).then(next, next);
}

/** Python's `translate_path()`: the request path, unquoted and normalised, under `directory`. */
function translate(directory: string, path: string): string {
  let p = unquotePath(stripQuery(path));
  const trailingSlash = p.endsWith("/");
  p = normpath(p);
  // Collected and joined once (joining one by one rescans the growing
  // string: quadratic in the number of components).
  const words = p.split("/").filter((word) => word !== "" && word !== "." && word !== "..");
  let out = words.length === 0 ? directory : joinPath(directory, words.join("/"));
  if (trailingSlash) out += "/";
  return out;
}

/** The {@link FileMeta} of the file at `path` (an existing file), fresh if it changed. */
function fileMeta(path: string, size: number, mtimeMs: number, encoding: string | null): FileMeta {
  const meta = fileMetas.get(path);
  if (meta !== undefined && meta.size === size && meta.mtimeMs === mtimeMs && meta.encoding === encoding) return meta;
  return fileMetas.set(path, { size, mtimeMs, encoding });
}

/**
 * Uploads for the folder server (`--upload`): `PUT` of one file to its
 * path, and `POST` of a `multipart/form-data` form to a folder (the form
 * that the listing page then shows). Bodies are streamed to a temporary
 * file in the target folder and renamed into place only when complete.
 *
 * @module
 */
import { Busboy } from "@fastify/busboy";
import type { BusboyFileStream, BusboyInstance } from "@fastify/busboy";
import { isIP } from "node:net";
import { dirname } from "node:path";
import { drained } from "../../../socketserver/streams.js";
import { isCrossSite } from "../access/same-site.js";
import { SimpleHTTPRequestHandler } from "./simple-handler.js";
import { joinPath, quote, stripQuery, unquote } from "./url-paths.js";
import { requestBody } from "./upload-body.js";
import { kHidesUploads } from "./listing-rows.js";
import { ClientLeft, MAX_NAME_BYTES, PART_NAME, PendingFile, UploadRefused, checkFileName, checkFolder, checkFreeName, type TargetRules } from "./upload-target.js";

/** Settings of {@link withUploads}. */
export interface UploadSettings {
  /** The largest request body accepted, in bytes (larger ones get 413 before a byte is read). */
  maxUpload: number;
  /** Replace existing files (otherwise 409). */
  overwrite: boolean;
  /**
   * Requests must pass a password or token check before they get here
   * (`--auth`, `--token`). Without that, a request's `Host` must be a
   * loopback name or an IP address: a page whose DNS name was rebound to
   * this machine cannot write files. Default false.
   */
  credentialed?: boolean | undefined;
}

/** The form shown above the listing's entries while uploads are on. */
export const UPLOAD_FORM =
  '<form method="post" enctype="multipart/form-data">\n' +
  '<input type="hidden" name="then" value="listing">\n' +
  '<input type="file" name="file" multiple required>\n' +
  '<button type="submit">Upload</button>\n' +
  "</form>";

/** The one `multipart/form-data` field that is not a file: `then=listing` asks for a redirect back to the folder. */
const THEN_FIELD = "then";

/** The `CGIHTTPRequestHandler` member an upload `POST` checks first (a CGI script gets its own POSTs). */
interface MaybeCGI {
  isCGI?: () => boolean;
}

/** A `Host` that no DNS rebinding can produce: an IP address, or `localhost`. */
function hostIsLiteral(host: string): boolean {
  const name = host.trim().toLowerCase().replace(/:\d*$/, "");
  if (name === "localhost" || name.endsWith(".localhost") || name.startsWith("[")) return true;
  return isIP(name) !== 0;
}

/**
 * Refuse a write that a page of another site makes a browser send (CSRF,
 * see {@link isCrossSite}), and, when no password or token stands in
 * front (`credentialed` false), one whose `Host` is a DNS name other than
 * `localhost` (DNS rebinding). Clients that are not browsers send no
 * `Origin` and pass the first check.
 */
function checkSameSite(h: SimpleHTTPRequestHandler, credentialed: boolean): void {
  if (!credentialed && !hostIsLiteral(h.headers.get("Host") ?? "")) {
    throw new UploadRefused(403, "Uploads without --auth or --token are taken only for a loopback name or an IP address in Host");
  }
  if (isCrossSite(h)) throw new UploadRefused(403, "Uploads from pages of other sites are refused");
}

/** The decoded URL path (no query), refused when it has a `..` segment or, under `hideDotfiles`, a dot segment. */
function checkedUrlPath(h: SimpleHTTPRequestHandler): string {
  const urlPath = unquote(stripQuery(h.path));
  if (/[\\\0]/.test(urlPath)) throw new UploadRefused(400, "Paths with a backslash or NUL are not accepted for uploads");
  for (const word of urlPath.split("/")) {
    if (Buffer.byteLength(word) > MAX_NAME_BYTES) throw new UploadRefused(400, "A name in the path is too long");
    if (PART_NAME.test(word)) throw new UploadRefused(403, "That name belongs to an upload in progress");
    if (word === "..") throw new UploadRefused(400, "Paths with '..' are not accepted for uploads");
    if (h.hideDotfiles && word.startsWith(".") && word !== ".") throw new UploadRefused(403, "Names starting with a dot may not be written");
  }
  return urlPath;
}

/**
 * A subclass of `Base` (a {@link SimpleHTTPRequestHandler}, or the CGI
 * handler) that accepts uploads:
 *
 * - `PUT /path/name`: the body becomes the file; `201 Created` with
 *   `Location`, or `204 No Content` when an existing file was replaced
 *   (with `overwrite` only).
 * - `POST /folder/` with `multipart/form-data`: each file part becomes a
 *   file of the folder, named after its file name (its last path
 *   component); `201 Created` with the first file's `Location`, or, for the
 *   listing page's own form, `303 See Other` back to the listing.
 *
 * Refusals: `400` (bad name, `..`, no file), `403` (a dot name under
 * `hideDotfiles`, a folder leading outside the root, a browser request
 * sent by a page of another site), `404` (POST to a
 * missing folder), `409` (existing file without `overwrite`, a folder of
 * that name, PUT into a missing folder), `411` (neither `Content-Length`
 * nor chunked),
 * `413` (body over `maxUpload`). Nothing is left on disk by a refused,
 * failed or interrupted upload. The listing page shows {@link UPLOAD_FORM}.
 */
export function withUploads<T extends typeof SimpleHTTPRequestHandler>(Base: T, settings: UploadSettings): T {
  class Uploading extends (Base as typeof SimpleHTTPRequestHandler) {
    /** Files and listings as the base class sends them, but never an upload still in progress (404). */
    override sendHead(): ReturnType<SimpleHTTPRequestHandler["sendHead"]> {
      const path = stripQuery(this.path);
      if (PART_NAME.test(unquote(path.slice(path.lastIndexOf("/") + 1)))) {
        this.sendError(404, "File not found");
        return null;
      }
      return super.sendHead();
    }

    /** Store the body as the file the path names. */
    async do_PUT(): Promise<void> {
      await this.#answer(() => this.#put());
    }

    /** Run a CGI script (CGI handler, CGI path), else take a multipart form of files. */
    async do_POST(): Promise<void> {
      const cgi = this as unknown as MaybeCGI;
      const inherited = (Base.prototype as unknown as { do_POST?: () => unknown }).do_POST;
      if (inherited && typeof cgi.isCGI === "function" && cgi.isCGI()) {
        await inherited.call(this);
        return;
      }
      await this.#answer(() => this.#postForm());
    }

    #rules(): TargetRules {
      return { root: this.directory, hideDotfiles: this.hideDotfiles, overwrite: settings.overwrite };
    }

    /** Run an upload; a refusal becomes its error answer (with the body left unread, the connection closes). */
    async #answer(run: () => Promise<void>): Promise<void> {
      try {
        await run();
      } catch (err) {
        this.closeConnection = true;
        if (err instanceof ClientLeft) {
          this.logMessage("Upload to %s not stored: %s", this.path, err.message);
          return;
        }
        if (!(err instanceof UploadRefused)) throw err;
        this.sendError(err.status, null, err.message);
      }
    }

    async #put(): Promise<void> {
      checkSameSite(this, settings.credentialed === true);
      const urlPath = checkedUrlPath(this);
      if (urlPath.endsWith("/")) throw new UploadRefused(400, "PUT needs a file name, not a folder");
      const target = this.translatePath(this.path);
      const rules = this.#rules();
      checkFolder(dirname(target), rules);
      checkFreeName(target, rules);
      const body = requestBody(this.headers, this.rfile, settings.maxUpload);
      const file = new PendingFile(target);
      let replaced: boolean;
      try {
        await file.open();
        for await (const chunk of body) await file.write(chunk);
        replaced = await file.commit(settings.overwrite);
      } catch (err) {
        await file.discard();
        throw err;
      }
      if (replaced) {
        this.sendResponse(204);
        this.endHeaders();
        return;
      }
      this.#created([quote(urlPath)], null);
    }

    async #postForm(): Promise<void> {
      checkSameSite(this, settings.credentialed === true);
      const urlPath = checkedUrlPath(this);
      const folder = this.translatePath(this.path);
      const rules = this.#rules();
      checkFolder(folder, rules, 404);
      const contentType = this.headers.get("Content-Type");
      if (contentType === undefined || !/^\s*multipart\/form-data\s*;/i.test(contentType)) {
        throw new UploadRefused(400, "Send files as multipart/form-data");
      }
      const body = requestBody(this.headers, this.rfile, settings.maxUpload);
      // A name given twice would store the first file and refuse the second.
      const named = new Set<string>();
      const received = await receiveForm(body, contentType, (name) => {
        checkFileName(name, rules);
        if (named.has(name)) throw new UploadRefused(409, `The form names ${JSON.stringify(name)} twice`);
        named.add(name);
        const target = joinPath(folder, name);
        checkFreeName(target, rules);
        return new PendingFile(target);
      });
      const { files, backToListing } = received;
      try {
        if (files.length === 0) throw new UploadRefused(400, "The form holds no file");
        for (const file of files) await file.commit(settings.overwrite);
      } catch (err) {
        for (const file of files) await file.discard();
        throw err;
      }
      const base = urlPath.endsWith("/") ? urlPath : urlPath + "/";
      const urls = files.map((f) => quote(base + f.target.slice(f.target.lastIndexOf("/") + 1)));
      this.#created(urls, backToListing ? quote(base) : null);
    }

    /** `201 Created` naming the new files (or `303 See Other` to `listing`). */
    #created(urls: string[], listing: string | null): void {
      const body = Buffer.from(urls.join("\n") + "\n", "utf8");
      this.sendResponse(listing !== null ? 303 : 201);
      this.sendHeader("Location", listing ?? urls[0]!);
      this.sendHeader("Content-Type", "text/plain; charset=utf-8");
      this.sendHeader("Content-Length", String(body.length));
      this.endHeaders();
      if (this.command !== "HEAD") this.wfile.write(body);
    }
  }
  const proto = Uploading.prototype;
  proto.maxRequestBody = settings.maxUpload;
  proto.listingExtraHtml = UPLOAD_FORM;
  // An upload in progress is not listed: it is not a file yet (and answers 404).
  (proto as { [kHidesUploads]?: boolean })[kHidesUploads] = true;
  return Uploading as unknown as T;
}

/** What {@link receiveForm} took from a form. */
interface ReceivedForm {
  files: PendingFile[];
  backToListing: boolean;
}

/**
 * Feed the request body (read a chunk at a time, with back-pressure) to a
 * multipart parser, writing each file part to the
 * {@link PendingFile} that `place` makes for its name. Every file is
 * complete on disk under its temporary name when this resolves; on any
 * failure they are all removed and the error is thrown.
 */
async function receiveForm(body: AsyncIterable<Buffer>, contentType: string, place: (name: string) => PendingFile): Promise<ReceivedForm> {
  const files: PendingFile[] = [];
  const writes: Promise<void>[] = [];
  const streams: BusboyFileStream[] = [];
  let backToListing = false;
  let failure: unknown = null;
  const fail = (err: unknown): void => {
    failure ??= err;
  };
  let parser: BusboyInstance;
  try {
    parser = Busboy({ headers: { "content-type": contentType }, limits: { fields: 10, files: 1000 } });
  } catch (err) {
    throw new UploadRefused(400, `Bad multipart form: ${(err as Error).message}`);
  }
  parser.on("field", (name: string, value: string) => {
    if (name === THEN_FIELD && value === "listing") backToListing = true;
  });
  parser.on("file", (_field: string, stream: BusboyFileStream, filename: string) => {
    if (failure !== null) {
      stream.resume();
      return;
    }
    let file: PendingFile;
    try {
      file = place(filename);
    } catch (err) {
      fail(err);
      stream.resume();
      return;
    }
    files.push(file);
    streams.push(stream);
    writes.push(copyPart(stream, file).catch(fail));
  });
  const parsed = new Promise<void>((resolve) => {
    parser.on("finish", resolve);
    parser.on("error", (err: unknown) => {
      fail(new UploadRefused(400, `Bad multipart form: ${(err as Error).message}`));
      resolve();
    });
  });
  try {
    for await (const chunk of body) {
      if (!parser.write(chunk)) await drained(parser);
      if (failure !== null) break;
    }
    if (failure === null) {
      parser.end();
      await parsed;
    }
    if (failure !== null) throw failure;
    await Promise.all(writes);
    if (failure !== null) throw failure;
  } catch (err) {
    // A part cut short ends its copy (with an error) rather than leave it waiting.
    parser.destroy();
    for (const stream of streams) stream.destroy();
    await Promise.allSettled(writes);
    for (const file of files) await file.discard();
    throw err;
  }
  return { files, backToListing };
}

/** Write one file part to its temporary file, chunk by chunk. */
async function copyPart(stream: BusboyFileStream, file: PendingFile): Promise<void> {
  try {
    await file.open();
    for await (const chunk of stream as AsyncIterable<Buffer>) await file.write(chunk);
  } catch (err) {
    // The parser must not wait for this part to be read: drop the rest of it.
    stream.resume();
    throw err;
  }
}

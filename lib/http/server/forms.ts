/**
 * Reading an HTML form submission in a handler: the job Python programs
 * gave to `cgi.FieldStorage` (removed in Python 3.13). {@link parseForm}
 * reads the request body from `rfile`, exactly `Content-Length` bytes or a
 * `chunked` body to its last chunk, and parses it with `@fastify/busboy` as it arrives: fields are collected in a
 * `URLSearchParams`, file parts are streamed to disk (or to a callback),
 * never held in memory, and every size and count is limited.
 *
 * @module
 */
import * as fs from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Transform, type Readable, type TransformCallback } from "node:stream";
import { finished, pipeline } from "node:stream/promises";
import { Busboy, type BusboyFileStream, type BusboyInstance } from "@fastify/busboy";
import type { HTTPMessage } from "../message.js";
import type { BufferedReader } from "../../socketserver/streams.js";
import { requestBody } from "./files/upload-body.js";
import { ClientLeft, UploadRefused } from "./files/upload-target.js";

const KiB = 1024;
const MiB = 1024 * KiB;

/** The header blocks of the requests whose body {@link parseForm} has read (or is reading). */
const bodiesRead = new WeakSet<HTTPMessage>();

/** The media types {@link parseForm} reads. */
const FORM_TYPES = new Set(["application/x-www-form-urlencoded", "multipart/form-data"]);

/**
 * Why a form could not be read, with the status code to answer: 400 for a
 * malformed or truncated body (or malformed `chunked` framing), 411 for a
 * body with neither `Content-Length` nor `chunked` (not raised today: such
 * a request has no body), 413 for a limit exceeded, 415 for a body that is not a form. Pass both to
 * `sendError()`:
 *
 * ```ts
 * catch (err) {
 *   if (err instanceof FormError) return this.sendError(err.status, err.message);
 *   throw err;
 * }
 * ```
 */
export class FormError extends Error {
  /** The HTTP status code that fits the problem: 400, 411, 413 or 415. */
  readonly status: 400 | 411 | 413 | 415;

  /**
   * @param status - the status code to answer with.
   * @param message - what was wrong, fit for a log line and an error page.
   */
  constructor(status: 400 | 411 | 413 | 415, message: string) {
    super(message);
    this.name = "FormError";
    this.status = status;
  }
}

/** One uploaded file, as the client described it and as it was stored. */
export interface UploadedFile {
  /** The form field's name (`<input type="file" name="...">`). */
  fieldName: string;
  /**
   * The file name the client sent, without any folder part, or `null` when
   * the part had none. Never used to name anything on disk: treat it as
   * untrusted text.
   */
  filename: string | null;
  /** The part's `Content-Type` (`application/octet-stream` when it had none). */
  contentType: string;
  /**
   * Where the content was written (a file inside a fresh private folder
   * under {@link FormOptions.uploadDir}), or `null` when
   * {@link FormOptions.onFile} consumed it.
   */
  path: string | null;
  /** Its size in bytes. */
  size: number;
}

/**
 * Options of {@link parseForm}. Every limit counts bytes as they arrive;
 * going over one stops reading and rejects with a 413 {@link FormError}.
 */
export interface FormOptions {
  /** Folder in which each form's files get a private folder (default: `os.tmpdir()`). */
  uploadDir?: string | undefined;
  /** Most fields that are not files (default 1000). */
  maxFields?: number | undefined;
  /** Longest value of one field, in bytes (default 1 MiB). */
  maxFieldSize?: number | undefined;
  /** Longest field name, in bytes (default 256). */
  maxFieldNameSize?: number | undefined;
  /** Most bytes in all field values together (default 16 MiB). */
  maxTotalFieldSize?: number | undefined;
  /** Most files (default 100). */
  maxFiles?: number | undefined;
  /** Largest file, in bytes (default 100 MiB). */
  maxFileSize?: number | undefined;
  /** Most bytes in all files together (default 1 GiB). */
  maxTotalFileSize?: number | undefined;
  /**
   * Take each file's content as a stream instead of a file on disk
   * (to hash it, or send it elsewhere). The stream must be read to its end
   * (or the returned Promise rejected): the rest of the body waits for it.
   * When reading the form fails, the stream is destroyed with the error.
   * The {@link UploadedFile} it gets is filled in (`size`) as data flows;
   * its `path` stays `null`. The next file's callback may start before this
   * one's Promise settles (once this file's bytes have all been handed
   * over); {@link parseForm} settles after all of them.
   */
  onFile?: ((file: UploadedFile, content: Readable) => void | Promise<void>) | undefined;
}

/** What a handler needs to have for {@link parseForm}: its headers and `rfile`. */
export interface FormSource {
  /** The request's headers (`Content-Type`, `Content-Length`). */
  headers: HTTPMessage;
  /** The request body's reader. */
  rfile: BufferedReader;
}

/**
 * A parsed form: its fields and its files. Uploaded files live in a
 * private temporary folder until {@link remove} (or the end of an
 * `await using` block) deletes it; move a file elsewhere (`fs.rename`) to
 * keep it.
 */
export class ParsedForm implements AsyncDisposable {
  /** The fields that are not files, in order; a name may occur several times. */
  readonly fields = new URLSearchParams();
  /** The uploaded files, in order. */
  readonly files: UploadedFile[] = [];
  /** @internal The folder holding this form's files, once one was made. */
  folder: Promise<string> | null = null;

  /** The first file uploaded under the field `name`, if any. */
  file(name: string): UploadedFile | undefined {
    return this.files.find((f) => f.fieldName === name);
  }

  /** Delete the files that are still in the form's temporary folder, and the folder. */
  async remove(): Promise<void> {
    const folder = this.folder;
    this.folder = null;
    if (folder === null) return;
    const path = await folder.catch(() => null);
    if (path !== null) await rm(path, { recursive: true, force: true, maxRetries: 3 });
  }

  /** {@link remove}, for `await using form = await parseForm(this)`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.remove();
  }
}

/** The limits in effect, options merged with the defaults. */
type Limits = { [K in Exclude<keyof FormOptions, "onFile">]-?: NonNullable<FormOptions[K]> };

function limitsOf(options: FormOptions): Limits {
  return {
    uploadDir: options.uploadDir ?? tmpdir(),
    maxFields: options.maxFields ?? 1000,
    maxFieldSize: options.maxFieldSize ?? MiB,
    maxFieldNameSize: options.maxFieldNameSize ?? 256,
    maxTotalFieldSize: options.maxTotalFieldSize ?? 16 * MiB,
    maxFiles: options.maxFiles ?? 100,
    maxFileSize: options.maxFileSize ?? 100 * MiB,
    maxTotalFileSize: options.maxTotalFileSize ?? 1024 * MiB,
  };
}

/** Passes bytes through and reports how many went by. */
class ByteCounter extends Transform {
  constructor(private readonly counted: (n: number) => void) {
    super();
  }

  /** Count `chunk` and hand it on. */
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.counted(chunk.length);
    callback(null, chunk);
  }
}

/**
 * The request body as chunks: exactly `Content-Length` bytes, or a
 * `chunked` body decoded (trailers dropped); a request with neither has no
 * body. Its refusals become {@link FormError}s.
 */
async function* formBody(headers: HTTPMessage, rfile: BufferedReader): AsyncGenerator<Buffer> {
  try {
    // The form's own limits bound what is kept; the framing adds no other.
    yield* requestBody(headers, rfile, Number.MAX_SAFE_INTEGER, false);
  } catch (err) {
    if (err instanceof UploadRefused) throw new FormError(err.status === 413 ? 413 : 400, err.message);
    if (err instanceof ClientLeft) throw new FormError(400, err.message);
    throw err;
  }
}

/**
 * Read the form in the request body of `handler`: an
 * `application/x-www-form-urlencoded` body (what a plain `<form
 * method="post">` sends) or a `multipart/form-data` one (a form with
 * `enctype="multipart/form-data"`, `curl -F`, `fetch` with a `FormData`).
 *
 * Reads exactly `Content-Length` bytes from `handler.rfile` as they arrive
 * (never more), or a `Transfer-Encoding: chunked` body up to its last
 * chunk (trailers are dropped; `toFetchHandler()` and `toRequestListener()`
 * present a body without a length this way), with the handler's read
 * time-outs. Text is decoded as UTF-8
 * unless the body or a part names another charset. File parts go to a new
 * private folder under {@link FormOptions.uploadDir}, or to
 * {@link FormOptions.onFile}; a file's content is never held in memory.
 *
 * When anything goes wrong, every file written so far is deleted before the
 * Promise rejects.
 *
 * @param handler - the handler whose request to read (`this` in `do_POST()`).
 * @param options - limits, where files go.
 * @returns the fields and files; dispose of it (`await using`, or
 *   {@link ParsedForm.remove}) to delete the files.
 * @throws {@link FormError} 415 when the body is not a form, 400 when the
 *   body (or its chunked framing) is malformed or ends early, 413 when a
 *   limit is exceeded. A read that times out rejects with the reader's
 *   error, as any read by the handler would.
 *
 * @example
 * ```ts
 * async do_POST(): Promise<void> {
 *   try {
 *     await using form = await parseForm(this, { maxFileSize: 10 * 1024 * 1024 });
 *     const upload = form.file("photo");
 *     // ... form.fields.get("title"), upload?.path, upload?.size
 *   } catch (err) {
 *     if (err instanceof FormError) return this.sendError(err.status, err.message);
 *     throw err;
 *   }
 * }
 * ```
 */
export async function parseForm(handler: FormSource, options: FormOptions = {}): Promise<ParsedForm> {
  const { headers, rfile } = handler;
  const type = headers.getContentType();
  if (!FORM_TYPES.has(type)) {
    throw new FormError(415, `expected application/x-www-form-urlencoded or multipart/form-data, got ${type}`);
  }
  const body = formBody(headers, rfile);
  // A second call would wait for bytes that belong to the next request.
  if (bodiesRead.has(headers)) throw new Error("parseForm(): this request's body has been read already");
  bodiesRead.add(headers);
  const reading = new FormReading(limitsOf(options), options.onFile, headers.get("Content-Type")!);
  return reading.read(body);
}

/** The state of one {@link parseForm} call. */
class FormReading {
  readonly form = new ParsedForm();
  readonly #limits: Limits;
  readonly #onFile: FormOptions["onFile"];
  readonly #parser: BusboyInstance;
  /** The first thing that went wrong; reading stops once it is set. */
  #failure: unknown = null;
  /** Streams to destroy on failure. */
  readonly #streams = new Set<Readable | NodeJS.WritableStream>();
  /** One Promise per file part, settled once the part is stored. */
  readonly #stored: Promise<void>[] = [];
  #fieldCount = 0;
  #fieldBytes = 0;
  #fileBytes = 0;
  #finished = false;
  #needDrain = false;
  /** Wakes {@link read} when the parser drains or finishes, or reading fails. */
  #wake: (() => void) | null = null;

  constructor(limits: Limits, onFile: FormOptions["onFile"], contentType: string) {
    this.#limits = limits;
    this.#onFile = onFile;
    try {
      this.#parser = Busboy({
        headers: { "content-type": contentType },
        defCharset: "utf8",
        limits: {
          fieldNameSize: limits.maxFieldNameSize,
          fieldSize: limits.maxFieldSize,
          // One more than allowed, so that the field over the limit reaches
          // #field(): busboy drops the rest of a url-encoded chunk silently.
          fields: limits.maxFields + 1,
          fileSize: limits.maxFileSize,
          files: limits.maxFiles,
        },
      });
    } catch (err) {
      throw new FormError(400, `malformed form: ${(err as Error).message}`);
    }
    const parser = this.#parser;
    parser.on("field", (name, value, nameTruncated, valueTruncated) => this.#field(name, value, nameTruncated, valueTruncated));
    parser.on("file", (name, stream, filename, _encoding, mimeType) => this.#file(name, stream, filename, mimeType));
    parser.on("fieldsLimit", () => this.#fail(new FormError(413, `more than ${limits.maxFields} fields`)));
    parser.on("filesLimit", () => this.#fail(new FormError(413, `more than ${limits.maxFiles} files`)));
    parser.on("error", (err: unknown) => this.#fail(new FormError(400, `malformed form: ${(err as Error).message}`)));
    parser.on("drain", () => {
      this.#needDrain = false;
      this.#poke();
    });
    parser.on("finish", () => {
      this.#finished = true;
      this.#poke();
    });
  }

  /** Feed the body to the parser, then wait for every file to be stored. */
  async read(body: AsyncIterable<Buffer>): Promise<ParsedForm> {
    try {
      for await (const chunk of body) {
        if (!this.#parser.write(chunk)) this.#needDrain = true;
        while (this.#needDrain && this.#failure === null) await this.#changed();
        if (this.#failure !== null) break;
      }
      if (this.#failure === null) this.#parser.end();
      while (!this.#finished && this.#failure === null) await this.#changed();
      await Promise.all(this.#stored);
    } catch (err) {
      this.#fail(err);
    }
    if (this.#failure === null) return this.form;
    await Promise.allSettled(this.#stored);
    await this.form.remove();
    throw this.#failure;
  }

  #changed(): Promise<void> {
    return new Promise((resolve) => (this.#wake = resolve));
  }

  #poke(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  /** Stop reading: destroy every stream in flight and wake {@link read}. */
  #fail(err: unknown): void {
    if (this.#failure !== null) return;
    this.#failure = err;
    const error = err instanceof Error ? err : new Error(String(err));
    for (const stream of this.#streams) (stream as Readable).destroy(error);
    this.#streams.clear();
    this.#poke();
  }

  #nameTooLong(name: string): boolean {
    if (Buffer.byteLength(name) <= this.#limits.maxFieldNameSize) return false;
    this.#fail(new FormError(413, `a field name is longer than ${this.#limits.maxFieldNameSize} bytes`));
    return true;
  }

  #field(name: string, value: string, nameTruncated: boolean, valueTruncated: boolean): void {
    if (this.#failure !== null) return;
    const limits = this.#limits;
    if (nameTruncated) {
      this.#fail(new FormError(413, `a field name is longer than ${limits.maxFieldNameSize} bytes`));
      return;
    }
    if (this.#nameTooLong(name)) return;
    if (++this.#fieldCount > limits.maxFields) {
      this.#fail(new FormError(413, `more than ${limits.maxFields} fields`));
      return;
    }
    const size = Buffer.byteLength(value);
    if (valueTruncated || size > limits.maxFieldSize) {
      this.#fail(new FormError(413, `the field ${JSON.stringify(name)} is longer than ${limits.maxFieldSize} bytes`));
      return;
    }
    this.#fieldBytes += size;
    if (this.#fieldBytes > limits.maxTotalFieldSize) {
      this.#fail(new FormError(413, `the fields hold more than ${limits.maxTotalFieldSize} bytes`));
      return;
    }
    this.form.fields.append(name, value);
  }

  #file(name: string, stream: BusboyFileStream, filename: string | undefined, mimeType: string): void {
    if (this.#failure !== null || this.#nameTooLong(name)) {
      stream.resume();
      return;
    }
    const limits = this.#limits;
    const file: UploadedFile = {
      fieldName: name,
      filename: filename ?? null,
      contentType: mimeType || "application/octet-stream",
      path: null,
      size: 0,
    };
    this.form.files.push(file);
    stream.on("limit", () =>
      this.#fail(new FormError(413, `the file ${JSON.stringify(file.filename ?? name)} is larger than ${limits.maxFileSize} bytes`)),
    );
    const counter = new ByteCounter((n) => {
      file.size += n;
      this.#fileBytes += n;
      if (this.#fileBytes > limits.maxTotalFileSize) {
        this.#fail(new FormError(413, `the files hold more than ${limits.maxTotalFileSize} bytes`));
      }
    });
    // Errors reach #stored through the pipeline; a stream destroyed by
    // #fail() before it was piped must not raise an unhandled 'error'.
    stream.on("error", ignore);
    counter.on("error", ignore);
    this.#streams.add(stream).add(counter);
    const stored = this.#onFile ? this.#handOver(file, stream, counter) : this.#store(file, stream, counter);
    this.#stored.push(
      stored.then(
        () => {
          this.#streams.delete(stream);
          this.#streams.delete(counter);
        },
        (err: unknown) => {
          // The part's own stream fails when the body breaks off inside it.
          this.#fail(this.#failure ?? (isPartError(err) ? new FormError(400, `malformed form: ${(err as Error).message}`) : err));
        },
      ),
    );
  }

  /** Write one file part to the form's folder. */
  async #store(file: UploadedFile, stream: BusboyFileStream, counter: ByteCounter): Promise<void> {
    const form = this.form;
    form.folder ??= mkdtemp(join(this.#limits.uploadDir, "upload-"));
    const folder = await form.folder;
    if (this.#failure !== null) {
      stream.resume();
      return;
    }
    const path = join(folder, String(form.files.indexOf(file)));
    file.path = path;
    const out = fs.createWriteStream(path, { flags: "wx", mode: 0o600 });
    this.#streams.add(out);
    try {
      await pipeline(stream, counter, out);
    } finally {
      this.#streams.delete(out);
    }
  }

  /**
   * Give one file part to the `onFile` callback. What the callback leaves
   * unread is discarded once its Promise settles, so the rest of the body
   * can be read.
   */
  async #handOver(file: UploadedFile, stream: BusboyFileStream, counter: ByteCounter): Promise<void> {
    stream.on("error", (err) => counter.destroy(err));
    stream.pipe(counter);
    const copied = finished(counter);
    // Awaited below; a failure meanwhile must not count as unhandled.
    copied.catch(ignore);
    try {
      await this.#onFile!(file, counter);
    } finally {
      counter.resume();
    }
    await copied;
  }
}

/** An 'error' listener that leaves the error to whoever else handles it. */
function ignore(): void {}

/** Is `err` the error busboy gives a part that the body cut short? */
function isPartError(err: unknown): boolean {
  return err instanceof Error && /unexpected end of multipart data/i.test(err.message);
}

/**
 * The body of an upload, a chunk at a time: `Content-Length` bytes, or a
 * `Transfer-Encoding: chunked` body (RFC 9112 section 7.1) decoded on the
 * way, as `curl -T -` and streaming `fetch()` send it. Nothing is buffered
 * beyond one chunk; a body over the limit stops with 413 as soon as its
 * size says so.
 *
 * @module
 */
import type { BufferedReader } from "../../../socketserver/streams.js";
import type { HTTPMessage } from "../../message.js";
import { bodyLength } from "../engine/request-parse.js";
import { ClientLeft, UploadRefused } from "./upload-target.js";

/** How much of the body is read at a time. */
const READ_CHUNK = 64 * 1024;
/** The longest chunk-size line (size, extensions, CRLF) accepted. */
const MAX_SIZE_LINE = 4096;
/** The most trailer lines accepted after the last chunk. */
const MAX_TRAILERS = 100;
const CHUNK_SIZE = /^([0-9A-Fa-f]{1,12})[ \t]*(?:;.*)?$/;

/** The client went away before the end of the body. */
function gone(): Error {
  return new ClientLeft("the client closed the connection before the end of the body");
}

/** One line (without its CRLF or LF), or a 400 when it is longer than `limit` or the input ends first. */
async function line(rfile: BufferedReader, limit: number, what: string): Promise<string> {
  const raw = await rfile.readline(limit + 2);
  if (raw.length === 0) throw gone();
  if (raw[raw.length - 1] !== 0x0a) throw new UploadRefused(400, `Bad chunked body: ${what} too long or cut off`);
  return raw.toString("latin1").replace(/\r?\n$/, "");
}

/** Up to `n` bytes as they arrive (never more than {@link READ_CHUNK} at once). */
async function* exactly(rfile: BufferedReader, n: number): AsyncGenerator<Buffer> {
  for (let left = n; left > 0; ) {
    const chunk = await rfile.read1(Math.min(left, READ_CHUNK));
    if (chunk.length === 0) throw new ClientLeft(`the request body ended after ${n - left} of ${n} bytes`);
    left -= chunk.length;
    yield chunk;
  }
}

/**
 * A chunked body, decoded (chunk extensions and trailers dropped); throws
 * 413 once the sizes add up to more than `max`, 400 for malformed framing,
 * {@link ClientLeft} when the input ends first.
 */
async function* dechunk(rfile: BufferedReader, max: number): AsyncGenerator<Buffer> {
  let total = 0;
  for (;;) {
    const m = CHUNK_SIZE.exec(await line(rfile, MAX_SIZE_LINE, "chunk size line"));
    if (!m) throw new UploadRefused(400, "Bad chunked body: bad chunk size");
    const size = Number.parseInt(m[1]!, 16);
    if (size === 0) break;
    total += size;
    if (total > max) throw new UploadRefused(413, `the upload is longer than ${max} bytes`);
    yield* exactly(rfile, size);
    if ((await line(rfile, 0, "chunk end")) !== "") throw new UploadRefused(400, "Bad chunked body: no CRLF after a chunk");
  }
  for (let n = 0; (await line(rfile, MAX_SIZE_LINE, "trailer line")) !== ""; n++) {
    if (n >= MAX_TRAILERS) throw new UploadRefused(400, "Bad chunked body: too many trailer lines");
  }
}

/**
 * The request's body as chunks: `Content-Length` bytes, or the decoded
 * chunked body. Refusals: without either, 411 when `lengthRequired` (else
 * the body is empty); 400 for a malformed length, another transfer coding
 * or a malformed chunked body; 413 over `max` (a `Content-Length` over it
 * is refused by the server before this runs); {@link ClientLeft} when the
 * input ends first.
 */
export function requestBody(headers: HTTPMessage, rfile: BufferedReader, max: number, lengthRequired = true): AsyncGenerator<Buffer> {
  const coding = headers.get("Transfer-Encoding");
  if (coding !== undefined) {
    if (coding.trim().toLowerCase() !== "chunked") throw new UploadRefused(400, `Unsupported transfer coding ${JSON.stringify(coding)}`);
    return dechunk(rfile, max);
  }
  const n = bodyLength(headers.getAll("Content-Length"));
  if (n === null && lengthRequired) throw new UploadRefused(411, "Send the body with a Content-Length or chunked");
  if (n === undefined || (n !== null && !Number.isSafeInteger(n))) throw new UploadRefused(400, "Bad Content-Length");
  if (n !== null && n > max) throw new UploadRefused(413, `the upload is longer than ${max} bytes`);
  return exactly(rfile, n ?? 0);
}

/**
 * The `rfile` and `wfile` of a request handler, and the errors their reads
 * and writes raise, in one import: the reader lives in `reader.ts`, the
 * writers in `writer.ts`, the errors in `stream-errors.ts`. They mirror
 * the file objects Python hands to `StreamRequestHandler`, with reads made
 * awaitable.
 *
 * @module
 */
export { AbortError, BrokenPipeError, SocketTimeoutError, isPeerGone } from "./stream-errors.js";
export { BufferedReader, type ReadOptions } from "./reader.js";
export { BytesWriter, SocketWriter, drained, toBuffer, type Bytes, type Writer } from "./writer.js";

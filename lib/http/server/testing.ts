/**
 * Unit-test a request handler without sockets: give it the raw bytes of one
 * or more requests and get back what it wrote, parsed into responses, with
 * the log lines it produced.
 *
 * @example
 * ```ts
 * import { handleRawRequest } from "http.server/testing";
 * const res = await handleRawRequest(MyHandler, "GET /hello HTTP/1.0\r\n\r\n");
 * assert.equal(res.status, 200);
 * assert.equal(res.text, "Hello, world!\n");
 * ```
 *
 * @module
 */
import { Duplex } from "node:stream";
import { runHandler } from "../../socketserver/request-handlers.js";
import { toBuffer, type Bytes } from "../../socketserver/streams.js";
import { kLogLines } from "./base-handler.js";

/** One response as read back from the handler's output. */
export interface ParsedResponse {
  /** The status line, e.g. `HTTP/1.0 200 OK`; `null` when the output had none (HTTP/0.9). */
  statusLine: string | null;
  /** The protocol version of the status line. */
  version: string | null;
  /** The status code, or `null` without a status line. */
  status: number | null;
  /** The reason phrase. */
  reason: string | null;
  /** Header lines in order, names as written. */
  headerList: Array<[name: string, value: string]>;
  /** The body bytes. */
  body: Buffer;
  /** The body decoded as UTF-8. */
  text: string;
  /** First value of a header, case-insensitively; `undefined` if absent. */
  header(name: string): string | undefined;
}

/** Everything a handler did with one connection's worth of input. */
export interface RawExchange extends ParsedResponse {
  /** Every byte the handler wrote. */
  raw: Buffer;
  /** Each `write()` the handler made, in order (Python's tests count them). */
  writes: Buffer[];
  /**
   * The responses found in {@link raw}, in order (several with keep-alive or
   * pipelining). Each request's output is parsed on its own, so a `HEAD`
   * response, which announces a body it does not send, cannot swallow the
   * next response.
   */
  responses: ParsedResponse[];
  /** The log lines, each as it would have been written to stderr. */
  logs: string[];
  /** What the handler threw, if anything (a server would pass it to `handleError()`). */
  error: unknown;
}

/** Options of {@link handleRawRequest}. */
export interface RawRequestOptions {
  /** The client address the handler sees; default `["127.0.0.1", 54321]`. */
  clientAddress?: unknown;
  /** Properties of the server the handler sees (default: a stand-in with `serverName` `localhost`, `serverPort` 8000). */
  server?: Record<string, unknown> | undefined;
  /** More constructor arguments, e.g. `[{ directory: "/srv" }]` for `SimpleHTTPRequestHandler`. */
  handlerArgs?: unknown[] | undefined;
}

/** A handler class as this helper constructs it. */
export type TestableHandler = new (request: never, clientAddress: never, server: never, ...rest: never[]) => object;

/**
 * Run `Handler` on `input` (bytes or text, one request or several) as if a
 * client had sent it and then closed its side, and return what came back.
 */
export async function handleRawRequest(
  Handler: TestableHandler,
  input: Bytes | Bytes[],
  options: RawRequestOptions = {},
): Promise<RawExchange> {
  const writes: Buffer[] = [];
  const logs: string[] = [];
  const socket = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      writes.push(Buffer.from(chunk));
      cb();
    },
    writev(chunks, cb) {
      for (const { chunk } of chunks) writes.push(Buffer.from(chunk as Buffer));
      cb();
    },
  });
  for (const part of Array.isArray(input) ? input : [input]) socket.push(toBuffer(part));
  socket.push(null);
  const server = {
    serverAddress: ["127.0.0.1", 8000],
    serverName: "localhost",
    serverPort: 8000,
    ...options.server,
    [kLogLines]: logs,
  };
  const Ctor = Handler as unknown as new (...args: unknown[]) => object;
  let error: unknown = null;
  const marks: RequestMark[] = [];
  let handler: Instrumented | null = null;
  try {
    handler = new Ctor(socket, options.clientAddress ?? ["127.0.0.1", 54321], server, ...(options.handlerArgs ?? [])) as Instrumented;
    instrument(handler, marks);
    await runHandler(handler as unknown as Parameters<typeof runHandler>[0]);
  } catch (err) {
    error = err;
  }
  // Writes coalesced per tick are released on the next tick.
  await new Promise((resolve) => setImmediate(resolve));
  socket.destroy();
  const raw = Buffer.concat(writes);
  const responses =
    marks.length > 0 && handler?.wfile?.bytesWritten === raw.length ? splitByRequest(raw, marks) : parseResponses(raw);
  const first = responses[0] ?? parseResponse(raw, 0).response;
  return { ...first, raw, writes, responses, logs, error };
}

/** Where one request's output starts in the handler's output, and its method. */
interface RequestMark {
  start: number;
  command: unknown;
}

/** The members of a BaseHTTPRequestHandler that the helper watches. */
interface Instrumented {
  handleOneRequest?: () => unknown;
  wfile?: { bytesWritten?: number };
  command?: unknown;
}

/**
 * Note, for each request the handler serves, where its output starts and
 * which method it was, so responses can be told apart without guessing
 * (a `HEAD` response announces a body it does not send).
 */
function instrument(handler: Instrumented, marks: RequestMark[]): void {
  const original = handler.handleOneRequest;
  if (typeof original !== "function") return;
  handler.handleOneRequest = async function (this: Instrumented): Promise<void> {
    const start = this.wfile?.bytesWritten;
    try {
      await original.call(this);
    } finally {
      if (typeof start === "number") marks.push({ start, command: this.command });
    }
  };
}

/** Parse each request's share of `raw` on its own. */
function splitByRequest(raw: Buffer, marks: RequestMark[]): ParsedResponse[] {
  const out: ParsedResponse[] = [];
  if (marks[0]!.start > 0) out.push(...parseResponses(raw.subarray(0, marks[0]!.start)));
  for (let i = 0; i < marks.length; i++) {
    const end = i + 1 < marks.length ? marks[i + 1]!.start : raw.length;
    out.push(...parseResponses(raw.subarray(marks[i]!.start, end), { head: marks[i]!.command === "HEAD" }));
  }
  return out;
}

/** Options of {@link parseResponses}. */
export interface ParseResponsesOptions {
  /** The responses answer a `HEAD` request: final responses have no body whatever their `Content-Length`. */
  head?: boolean | undefined;
}

/**
 * Split a handler's output into responses: bodies are delimited by
 * `Content-Length`, or run to the end of the output; 1xx, 204 and 304
 * responses (and, with `head`, every response) have none.
 */
export function parseResponses(raw: Buffer, options: ParseResponsesOptions = {}): ParsedResponse[] {
  const out: ParsedResponse[] = [];
  let at = 0;
  while (at < raw.length) {
    const { response, next } = parseResponse(raw, at, options.head ?? false);
    out.push(response);
    if (next <= at) break;
    at = next;
  }
  return out;
}

function makeResponse(
  statusLine: string | null,
  headerList: Array<[string, string]>,
  body: Buffer,
): ParsedResponse {
  const m = statusLine === null ? null : /^(\S+) (\d{3}) ?(.*)$/.exec(statusLine);
  return {
    statusLine,
    version: m ? m[1]! : null,
    status: m ? Number(m[2]) : null,
    reason: m ? m[3]! : null,
    headerList,
    body,
    text: body.toString("utf8"),
    header(name: string) {
      const lower = name.toLowerCase();
      return headerList.find(([n]) => n.toLowerCase() === lower)?.[1];
    },
  };
}

function parseResponse(raw: Buffer, start: number, head = false): { response: ParsedResponse; next: number } {
  if (raw.toString("latin1", start, start + 5) !== "HTTP/") {
    return { response: makeResponse(null, [], raw.subarray(start)), next: raw.length };
  }
  const headEnd = raw.indexOf("\r\n\r\n", start);
  if (headEnd === -1) {
    const lines = raw.toString("latin1", start).split("\r\n");
    return { response: makeResponse(lines[0] ?? null, splitHeaders(lines.slice(1)), Buffer.alloc(0)), next: raw.length };
  }
  const lines = raw.toString("latin1", start, headEnd).split("\r\n");
  const statusLine = lines[0]!;
  const headerList = splitHeaders(lines.slice(1));
  const bodyStart = headEnd + 4;
  const code = Number(statusLine.split(" ")[1]);
  const lengthHeader = headerList.find(([n]) => n.toLowerCase() === "content-length");
  let bodyEnd: number;
  if ((code >= 100 && code < 200) || code === 204 || code === 304 || head) bodyEnd = bodyStart;
  else if (lengthHeader) bodyEnd = Math.min(raw.length, bodyStart + Number(lengthHeader[1]));
  else bodyEnd = raw.length;
  return { response: makeResponse(statusLine, headerList, raw.subarray(bodyStart, bodyEnd)), next: bodyEnd };
}

function splitHeaders(lines: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const line of lines) {
    if (line === "") continue;
    const colon = line.indexOf(":");
    if (colon === -1) out.push([line, ""]);
    else out.push([line.slice(0, colon), line.slice(colon + 1).replace(/^[ \t]+/, "")]);
  }
  return out;
}

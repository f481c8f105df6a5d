/**
 * Python's `parse_request()` past the reading: the request line's words and
 * version, the 431 answers for a header block over a limit, and the checks
 * on the parsed header fields (framing, `Connection`, `Expect`), each
 * setting the handler's attributes as CPython's does. The connection
 * driver (connection.ts) reads the head and calls these.
 *
 * @module
 */
import { pyRepr, pySplit } from "../../../py/index.js";
import type { BaseHTTPRequestHandler } from "../base-handler.js";
import { type HeaderLimit, parseVersion, stripLineEnd } from "./request-head.js";

/**
 * A valid `Content-Length` value: decimal digits only (RFC 9110, section
 * 8.6), with optional whitespace (SP and HTAB, nothing else) around them.
 */
const CONTENT_LENGTH = /^[ \t]*([0-9]+)[ \t]*$/;

/** What the parse tells the connection beyond the handler's attributes. */
export interface RequestFlags {
  /** The request said `Connection: close`. */
  clientAskedClose: boolean;
  /** The connection closes after this response whatever the handler decides (a malformed header line). */
  closeAfterResponse: boolean;
}

/** Answer a header block over a limit with 431 (Python's messages for its two limits). */
export function refuseHeaderLimit(h: BaseHTTPRequestHandler, limit: HeaderLimit): false {
  if (limit === "line") {
    h.sendError(431, "Line too long", `got more than ${h.maxHeaderLine} bytes when reading header line`);
  } else if (limit === "count") {
    h.sendError(431, "Too many headers", `got more than ${h.maxHeaders} headers`);
  } else {
    h.sendError(431, null, `the header block is longer than ${h.maxHeaderBytes} bytes`);
  }
  return false;
}

/**
 * The request-line part of `parseRequest()`: sets `requestline`,
 * `command`, `path` and `requestVersion`. Returns the number of words (2
 * for HTTP/0.9, 3 otherwise), or 0 after sending an error (or nothing,
 * for a blank line).
 */
export function parseRequestLine(h: BaseHTTPRequestHandler, conn: RequestFlags, line: string): 0 | 2 | 3 {
  h.command = null;
  h.requestVersion = h.defaultRequestVersion;
  h.closeConnection = true;
  conn.clientAskedClose = false;
  const requestline = stripLineEnd(line);
  h.requestline = requestline;
  const words = pySplit(requestline);
  if (words.length === 0) return 0;

  if (words.length >= 3) {
    const version = words[words.length - 1]!;
    const parsed = parseVersion(version);
    if (parsed === null) {
      h.requestVersion = "";
      h.sendError(400, `Bad request version (${pyRepr(version)})`);
      return 0;
    }
    h.requestVersion = version;
    const [major, minor] = parsed;
    if ((major > 1 || (major === 1 && minor >= 1)) && h.protocolVersion >= "HTTP/1.1") h.closeConnection = false;
    if (major >= 2) {
      h.sendError(505, `Invalid HTTP version (${version.slice(5)})`);
      return 0;
    }
  }
  if (words.length < 2 || words.length > 3) {
    h.requestVersion = "";
    h.sendError(400, `Bad request syntax (${pyRepr(requestline)})`);
    return 0;
  }
  const command = words[0]!;
  let path = words[1]!;
  if (words.length === 2) {
    h.closeConnection = true;
    if (command !== "GET") {
      h.requestVersion = "";
      h.sendError(400, `Bad HTTP/0.9 request type (${pyRepr(command)})`);
      return 0;
    }
  }
  if (path.startsWith("//")) path = "/" + path.replace(/^\/+/, "");
  h.command = command;
  h.path = path;
  return words.length === 2 ? 2 : 3;
}

/** The end of `parseRequest()`: framing checks, `Connection`, `Expect`. */
export function afterHeaderFields(h: BaseHTTPRequestHandler, conn: RequestFlags): boolean | Promise<boolean> {
  if (!checkFraming(h, conn)) return false;
  const conntype = (h.headers.get("Connection") ?? "").toLowerCase();
  if (conntype === "close") {
    h.closeConnection = true;
    conn.clientAskedClose = true;
  } else if (conntype === "keep-alive" && h.protocolVersion >= "HTTP/1.1") {
    h.closeConnection = false;
  }
  const expect = h.headers.get("Expect") ?? "";
  if (expect.toLowerCase() === "100-continue" && h.protocolVersion >= "HTTP/1.1" && h.requestVersion >= "HTTP/1.1") {
    return h.handleExpect100();
  }
  return true;
}

/**
 * Refuse requests whose body length is ambiguous (a deliberate difference
 * from Python, which passes them on): `Content-Length` together with
 * `Transfer-Encoding`, or a `Content-Length` that is not one decimal
 * number. Such requests are the raw material of request smuggling. A
 * body longer than `maxRequestBody` gets 413.
 */
function checkFraming(h: BaseHTTPRequestHandler, conn: RequestFlags): boolean {
  // A malformed header line ended the block early (Python drops it and
  // what follows): a Content-Length or Transfer-Encoding may have been
  // among the dropped lines, so the body's end is unknown. Answer this
  // request as Python does, then close rather than read a body as a request.
  conn.closeAfterResponse = (h.headers.defects?.length ?? 0) > 0;
  const length = bodyLength(h.headers.getAll("Content-Length"));
  if (length === null) return true;
  if (h.headers.get("Transfer-Encoding") !== undefined) {
    h.sendError(400, "Content-Length with Transfer-Encoding");
    return false;
  }
  if (length === undefined) {
    h.sendError(400, "Bad Content-Length");
    return false;
  }
  const limit = h.maxRequestBody;
  if (limit !== null && limit !== undefined && length > limit) {
    h.sendError(413, null, `the request body is longer than ${limit} bytes`);
    return false;
  }
  return true;
}

/**
 * The body length the `Content-Length` headers give: `null` without one,
 * `undefined` when they are not one plain decimal number (negative,
 * hexadecimal, folded, surrounded by anything but spaces and tabs, or
 * repeated with different values). Every reader of `Content-Length` goes
 * through this one function.
 */
export function bodyLength(values: readonly string[] | undefined): number | null | undefined {
  if (values === undefined || values.length === 0) return null;
  const first = CONTENT_LENGTH.exec(values[0]!)?.[1];
  if (first === undefined) return undefined;
  for (let i = 1; i < values.length; i++) {
    if (CONTENT_LENGTH.exec(values[i]!)?.[1] !== first) return undefined;
  }
  return Number(first);
}

/** Whether the request says a body follows its head. */
export function announcesBody(h: BaseHTTPRequestHandler): boolean {
  const headers = h.headers;
  if (headers.length === 0) return false;
  const length = headers.getAll("Content-Length");
  return (length !== undefined && bodyLength(length) !== 0) || headers.get("Transfer-Encoding") !== undefined;
}

/**
 * The header block a CGI script writes before its body, as read when
 * `cgiStatusHeaders` is on: its lines, `Status:` and `Location:`.
 *
 * @module
 */
const HEADER_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*(.*?)[ \t]*$/;
const STATUS_VALUE = /^([1-9][0-9]{2})(?:[ \t]+(.*))?$/;
/** Most bytes of a script's header block held back when `cgiStatusHeaders` is on. */
const CGI_HEADER_LIMIT = 64 * 1024;

/** A script's CGI header block, as parsed by the status-header mode. */
export interface ScriptHead {
  /** Header lines other than `Status`, in order. */
  headers: Array<[string, string]>;
  /** From `Status:`, or 302 for a `Location:` alone, or 200. */
  code: number;
  /** The reason phrase from `Status:`, if it had one. */
  reason: string | null;
  /** Where the body starts in the buffered output. */
  bodyStart: number;
}

/**
 * Find and parse the CGI header block at the start of `buf`. `"more"` when
 * the block is not complete yet; `null` when the output does not start with
 * a well-formed block (then it is passed through untouched, as Python does).
 */
export function parseScriptHead(buf: Buffer, ended: boolean): ScriptHead | "more" | null {
  let end = -1;
  let bodyStart = -1;
  if (buf[0] === 0x0a) {
    end = 0;
    bodyStart = 1;
  } else if (buf[0] === 0x0d && buf[1] === 0x0a) {
    end = 0;
    bodyStart = 2;
  } else {
    const a = buf.indexOf("\n\n");
    const b = buf.indexOf("\n\r\n");
    if (a !== -1 && (b === -1 || a < b)) {
      end = a + 1;
      bodyStart = a + 2;
    } else if (b !== -1) {
      end = b + 1;
      bodyStart = b + 3;
    }
  }
  if (end === -1) return ended || buf.length > CGI_HEADER_LIMIT ? null : "more";
  if (end > CGI_HEADER_LIMIT) return null;
  const headers: Array<[string, string]> = [];
  let status: string | null = null;
  let location = false;
  const text = buf.toString("latin1", 0, end);
  for (const raw of text === "" ? [] : text.slice(0, -1).split("\n")) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.includes("\r") || line.includes("\0")) return null;
    const m = HEADER_LINE.exec(line);
    if (!m) return null;
    const name = m[1]!;
    const value = m[2]!;
    const lower = name.toLowerCase();
    if (lower === "status") {
      if (status === null) status = value;
      continue;
    }
    if (lower === "location") location = true;
    headers.push([name, value]);
  }
  let code = 200;
  let reason: string | null = null;
  if (status !== null) {
    const m = STATUS_VALUE.exec(status);
    if (!m) return null;
    code = Number(m[1]);
    reason = m[2] ? m[2] : null;
  } else if (location) {
    code = 302;
  }
  return { headers, code, reason, bodyStart };
}


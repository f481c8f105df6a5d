/**
 * Access-log formats beyond Python's log line, for the command line's
 * `--log-format`: `combined` (the line nginx and Apache write) and `json`
 * (one object per line). Both are written when a request is over, so they
 * carry the number of body bytes really sent and the time taken.
 *
 * {@link withLogFormat} makes a subclass of a handler class; Python's own
 * format needs none, so a server logging the Python way pays nothing for
 * this file.
 *
 * @module
 */
import { escapeControlChars, pyFormat } from "../../py/index.js";
import { MONTH_NAMES } from "../dates.js";
import { forLog, remoteUser } from "./access/log-view.js";
import { BaseHTTPRequestHandler, kLogLines } from "./base-handler.js";

/** The log formats of the command line's `--log-format`. */
export const LOG_FORMATS = ["python", "combined", "json"] as const;

/** One of {@link LOG_FORMATS}. */
export type LogFormat = (typeof LOG_FORMATS)[number];

/** What is known of a request once it is over, for one access-log line. */
export interface AccessRecord {
  /** The client's host. */
  host: string;
  /** The authenticated user (see `remoteUser()`), or `null`. */
  user: string | null;
  /** When the request head had arrived. */
  time: Date;
  /** The request line as received (not yet escaped). */
  requestline: string;
  /** The final status code, as logged. */
  status: string;
  /** Body bytes handed to the connection after the header block. */
  bytes: number;
  /** Milliseconds from the request head to the response's end. */
  durationMs: number;
  /** The `Referer` header, if sent. */
  referer: string | undefined;
  /** The `User-Agent` header, if sent. */
  userAgent: string | undefined;
}

function two(n: number): string {
  return n < 10 ? "0" + n : String(n);
}

/** A local time as the combined format writes it: `07/Dec/2026:05:46:35 +0100`. */
export function combinedDate(d: Date): string {
  const offset = -d.getTimezoneOffset();
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  const zone = `${sign}${two(Math.floor(abs / 60))}${two(abs % 60)}`;
  return `${two(d.getDate())}/${MONTH_NAMES[d.getMonth() + 1]}/${d.getFullYear()}:${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${zone}`;
}

/**
 * A quoted field of the combined format: control characters escaped as
 * in Python's log lines (`\xNN`, backslash doubled), and `"` as `\x22`
 * (nginx's escape), so a field can never end early.
 */
function quoted(value: string | undefined): string {
  return value === undefined ? '"-"' : `"${escapeControlChars(value).replace(/"/g, "\\x22")}"`;
}

/**
 * The combined log line (no line end): `host - user [date] "request" status
 * bytes "referer" "user-agent" seconds`. The last field, the time taken in
 * seconds with millisecond resolution (nginx's `$request_time`), follows
 * the standard fields, where log readers that know only those ignore it.
 */
export function combinedLine(r: AccessRecord): string {
  const seconds = (r.durationMs / 1000).toFixed(3);
  const user = r.user === null ? "-" : escapeControlChars(r.user).replace(/[ "]/g, (c) => (c === " " ? "\\x20" : "\\x22"));
  return `${escapeControlChars(r.host)} - ${user} [${combinedDate(r.time)}] ${quoted(r.requestline)} ${r.status} ${r.bytes} ${quoted(r.referer)} ${quoted(r.userAgent)} ${seconds}`;
}

/** C1 controls, which `JSON.stringify` leaves as they are. */
const C1 = /[\u007f-\u009f]/g;

/** `JSON.stringify(value)` with no control character left raw (C0 and C1 as `\u00XX`). */
export function safeJson(value: unknown): string {
  return JSON.stringify(value).replace(C1, (ch) => "\\u" + ch.charCodeAt(0).toString(16).padStart(4, "0"));
}

/** The JSON log line (no line end) of a request. */
export function jsonLine(r: AccessRecord): string {
  const words = r.requestline.split(" ");
  return safeJson({
    time: r.time.toISOString(),
    remote: r.host,
    user: r.user,
    request: r.requestline,
    method: words.length >= 2 ? words[0] : null,
    path: words.length >= 2 ? words[1] : null,
    protocol: words.length >= 3 ? words[2] : null,
    status: Number.isInteger(Number(r.status)) ? Number(r.status) : r.status,
    bytes: r.bytes,
    duration_ms: Math.round(r.durationMs * 1000) / 1000,
    referer: r.referer ?? null,
    user_agent: r.userAgent ?? null,
  });
}

/** Write a finished log line where {@link BaseHTTPRequestHandler.logMessage} writes its lines. */
function emit(handler: BaseHTTPRequestHandler, line: string): void {
  const capture = (handler.server as unknown as { [kLogLines]?: string[] } | undefined)?.[kLogLines];
  if (capture) capture.push(line + "\n");
  else process.stderr.write(line + "\n");
}

/** A handler class, as {@link withLogFormat} takes and returns it. */
type HandlerClass = abstract new (...args: never[]) => BaseHTTPRequestHandler;

/**
 * A subclass of `Base` that logs each request in `format` once it is over
 * (instead of Python's line when the status is sent). Other messages (an
 * error's `code 404, message ...`, time-outs) keep Python's line in the
 * `combined` format and become `{"time", "remote", "message"}` objects in
 * the `json` format.
 *
 * Counting: the bytes are those of the body handed to the connection after
 * the header block (a file cut short shows short); the time runs from the
 * arrival of the request head to the end of the response. The subclass
 * reads requests through its own `parseRequest()` to note that arrival,
 * so it costs a little speed: it is used only when asked for.
 */
export function withLogFormat<C extends HandlerClass>(Base: C, format: "combined" | "json"): C {
  const write = format === "json" ? jsonLine : combinedLine;
  abstract class AccessLogged extends (Base as unknown as typeof BaseHTTPRequestHandler) {
    /** The status logged for the current request, or `null` before one. */
    #status: string | null = null;
    /** `performance.now()` when the current request head arrived. */
    #started = 0;
    /** `wfile.bytesWritten` where the current response's body begins. */
    #bodyFrom = 0;

    override parseRequest(): boolean | Promise<boolean> {
      this.#started = performance.now();
      return super.parseRequest();
    }

    override async handleOneRequest(): Promise<void> {
      this.#status = null;
      this.#started = 0;
      const waitFrom = performance.now();
      const previous = this.headers as BaseHTTPRequestHandler["headers"] | undefined;
      try {
        await super.handleOneRequest();
      } finally {
        // Headers still those of the previous request were not read for this one.
        const headers = this.headers === previous ? undefined : this.headers;
        if (this.#status !== null) this.#writeAccess(this.#started || waitFrom, headers);
      }
    }

    override logRequest(code: number | string = "-"): void {
      this.#status = String(code);
      this.#bodyFrom = this.wfile.bytesWritten;
    }

    override flushHeaders(): void {
      super.flushHeaders();
      this.#bodyFrom = this.wfile.bytesWritten;
    }

    override logMessage(fmt: string, ...args: unknown[]): void {
      if (format !== "json") return super.logMessage(fmt, ...args);
      const message = pyFormat(fmt, args);
      emit(this, safeJson({ time: new Date().toISOString(), remote: this.addressString(), message }));
    }

    #writeAccess(started: number, headers: BaseHTTPRequestHandler["headers"] | undefined): void {
      const now = performance.now();
      emit(
        this,
        write({
          host: this.addressString(),
          user: remoteUser(this),
          time: new Date(Date.now() - (now - started)),
          requestline: forLog(this, this.requestline),
          status: this.#status!,
          bytes: Math.max(0, this.wfile.bytesWritten - this.#bodyFrom),
          durationMs: now - started,
          referer: forLog(this, headers?.get("Referer")),
          userAgent: headers?.get("User-Agent"),
        }),
      );
    }
  }
  return AccessLogged as unknown as C;
}

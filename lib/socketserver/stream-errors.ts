/**
 * The errors the reads and writes of a handler's `rfile` and `wfile` raise,
 * named as Python's: a time-out, a broken pipe, an aborted read.
 *
 * @module
 */
/** Raised by a read that waited longer than the handler's `timeout`. */
export class SocketTimeoutError extends Error {
  /** Always `"TimeoutError"`, Python's name for a socket time-out. */
  override readonly name = "TimeoutError";
  constructor(message = "timed out") {
    super(message);
  }
}

/** Raised by a write to a connection the peer has closed. */
export class BrokenPipeError extends Error {
  /** Always `"BrokenPipeError"`, as in Python. */
  override readonly name = "BrokenPipeError";
  /** `EPIPE`, for code that checks `error.code` the Node way. */
  readonly code = "EPIPE";
  constructor(message = "Broken pipe") {
    super(message);
  }
}

/**
 * A read given up because its `signal` was aborted: Node's own shape for
 * this (name `AbortError`, code `ABORT_ERR`, the signal's reason as
 * `cause`), as `fs` and `timers/promises` reject with.
 */
export class AbortError extends Error {
  /** Always `"AbortError"`. */
  override readonly name = "AbortError";
  /** `ABORT_ERR`, as Node's own aborted operations. */
  readonly code = "ABORT_ERR";
  constructor(message = "The operation was aborted", options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * Whether `err` says the peer has gone away (a broken pipe, a reset, a
 * stream already destroyed or ended): the request ends quietly.
 */
export function isPeerGone(err: unknown): boolean {
  if (err instanceof BrokenPipeError) return true;
  const code = (err as { code?: unknown })?.code;
  return code === "EPIPE" || code === "ECONNRESET" || code === "ERR_STREAM_DESTROYED" || code === "ERR_STREAM_WRITE_AFTER_END";
}

/**
 * The test the sync-first code paths use to tell a step that finished from
 * one that returned a Promise (or any thenable) to wait for.
 *
 * @module
 */

/** True for a Promise or any object with a `then` method. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === "object" && typeof (value as { then?: unknown }).then === "function";
}

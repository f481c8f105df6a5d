/**
 * What the access gate tells the access logs about a request: the user it
 * admitted (the log's user field) and how to keep the token out of a log
 * line. The gate writes, the log formats read; neither loads the other.
 *
 * @module
 */

/** The user name each request admitted through HTTP Basic authentication gave. */
const remoteUsers = new WeakMap<object, string>();

/** The key of a handler method that hides secrets in a text bound for the log. */
export const kRedactLog = Symbol("redactLog");

/** A handler that may carry a {@link kRedactLog} method. */
type Redacting = { [kRedactLog]?: (text: string) => string };

/** Record the user `handler`'s current request was admitted with (`null`: none). */
export function noteRemoteUser(handler: object, user: string | null): void {
  if (user === null) remoteUsers.delete(handler);
  else remoteUsers.set(handler, user);
}

/**
 * The user name the current request of `handler` was admitted with (HTTP
 * Basic), or `null` when it passed no password check: what access logs
 * write in their user field.
 */
export function remoteUser(handler: object): string | null {
  return remoteUsers.get(handler) ?? null;
}

/** `text` as it may appear in a log line of `handler` (a capability token replaced by `<token>`). */
export function forLog(handler: object, text: string): string;
export function forLog(handler: object, text: string | undefined): string | undefined;
export function forLog(handler: object, text: string | undefined): string | undefined {
  const redact = (handler as Redacting)[kRedactLog];
  return redact === undefined || text === undefined ? text : redact.call(handler, text);
}

/**
 * The user CGI scripts run as when the server runs as root: `nobody`, as
 * Python's `nobody_uid()` finds it.
 *
 * @module
 */
import * as fs from "node:fs";
import { userDatabaseIds } from "../../caches.js";

/** User and group ids. */
export interface Ids {
  readonly uid: number;
  readonly gid: number;
}
/** The user database {@link nobodyIds} reads. */
const USER_DATABASE = "/etc/passwd";

/** `nobody`'s ids from the user database, or 1 + the highest uid (Python's fallback); `null` without one. Looked up once. */
export function nobodyIds(): Ids | null {
  const known = userDatabaseIds.get(USER_DATABASE);
  if (known !== undefined) return known;
  return userDatabaseIds.set(USER_DATABASE, readNobodyIds());
}

function readNobodyIds(): Ids | null {
  try {
    let highest = -1;
    for (const line of fs.readFileSync(USER_DATABASE, "utf8").split("\n")) {
      const fields = line.split(":");
      if (fields.length < 4) continue;
      const uid = Number(fields[2]);
      const gid = Number(fields[3]);
      if (!Number.isInteger(uid) || !Number.isInteger(gid)) continue;
      if (fields[0] === "nobody") return { uid, gid };
      highest = Math.max(highest, uid);
    }
    if (highest >= 0) return { uid: highest + 1, gid: highest + 1 };
  } catch {
    // No user database here: scripts run as the server's user.
  }
  return null;
}

/**
 * The user id CGI scripts run as when the server runs as root (Python's
 * `nobody_uid()`): the uid of `nobody`, else one more than the highest uid in
 * the user database, else -1. Looked up once and cached.
 */
export function nobodyUid(): number {
  return nobodyIds()?.uid ?? -1;
}


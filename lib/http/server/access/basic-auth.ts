/**
 * HTTP Basic authentication (RFC 7617) for the folder server: a list of
 * user names and passwords, checked in constant time.
 *
 * @module
 */
import { createHash, timingSafeEqual } from "node:crypto";

/** A user name and password pair, as given on the command line or in a file. */
export type Credential = readonly [user: string, password: string];

/** SHA-256 of `text` (UTF-8): every compared value has the same length, whatever was sent. */
function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/**
 * Split one `user:password` entry at its first colon (RFC 7617: a user name
 * has no colon; a password may). Throws with a message naming `where` for
 * an entry without a colon or with an empty user name.
 */
export function parseCredential(entry: string, where: string): Credential {
  const colon = entry.indexOf(":");
  if (colon <= 0) throw new Error(`${where}: expected USER:PASSWORD`);
  if (colon === entry.length - 1) throw new Error(`${where}: the password is empty`);
  return [entry.slice(0, colon), entry.slice(colon + 1)];
}

/**
 * The entries of an auth file: one `user:password` per line; blank lines and
 * lines starting with `#` are skipped; a trailing CR is dropped. Passwords
 * are stored as they are (the file is a secret, like a key file).
 */
export function parseCredentialFile(text: string, fileName: string): Credential[] {
  const out: Credential[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.trim() === "" || line.startsWith("#")) return;
    out.push(parseCredential(line, `${fileName}, line ${i + 1}`));
  });
  return out;
}

/**
 * The accepted users of HTTP Basic authentication. Each entry is kept as
 * the SHA-256 digest of `user:password`; a request's credentials are hashed
 * the same way and compared with every entry by `crypto.timingSafeEqual`,
 * without stopping at a match, so neither the time taken nor its length
 * tells a client which part was wrong or how long the password is.
 */
export class BasicCredentials {
  /** The realm named in the `WWW-Authenticate` challenge. */
  readonly realm: string;
  readonly #entries: ReadonlyArray<{ user: string; digest: Buffer }>;

  /**
   * @param entries - the accepted user names and passwords (at least one).
   * @param realm - the realm shown by browsers in their login dialog.
   */
  constructor(entries: Iterable<Credential>, realm = "http.server") {
    this.#entries = [...entries].map(([user, password]) => ({ user, digest: digest(`${user}:${password}`) }));
    if (this.#entries.length === 0) throw new Error("no credentials given");
    this.realm = realm;
  }

  /** The `WWW-Authenticate` value of a 401 answer (UTF-8 credentials, RFC 7617 section 2.1). */
  challenge(): string {
    return `Basic realm="${this.realm.replace(/["\\]/g, "\\$&")}", charset="UTF-8"`;
  }

  /**
   * The user name when `authorization` (the request's `Authorization`
   * header) carries accepted Basic credentials, else `null`.
   */
  check(authorization: string | undefined): string | null {
    if (authorization === undefined) return null;
    const match = /^\s*basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization);
    if (!match) return null;
    const decoded = Buffer.from(match[1]!, "base64").toString("utf8");
    const sent = digest(decoded);
    let user: string | null = null;
    for (const entry of this.#entries) {
      if (timingSafeEqual(sent, entry.digest) && user === null) user = entry.user;
    }
    return user;
  }
}

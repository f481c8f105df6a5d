/**
 * Capability tokens for the folder server: one random secret that grants
 * access, given in the URL (`?token=...`), in a cookie the server sets
 * when it sees the URL form, or as `Authorization: Bearer ...`.
 *
 * @module
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** Name of the cookie that carries the token after a browser used a link with `?token=`. */
export const TOKEN_COOKIE = "http_server_token";

/** Name of the query parameter that carries the token in links. */
export const TOKEN_PARAMETER = "token";

/** Characters a token may use: URL- and cookie-safe (base64url). */
const TOKEN_CHARS = /^[A-Za-z0-9_-]+$/;

/** A fresh token: 24 random bytes (192 bits) in base64url, 32 characters. */
export function newToken(): string {
  return randomBytes(24).toString("base64url");
}

/** Is `token` usable (non-empty, at least 16 characters, base64url characters only)? Returns why not, or `null`. */
export function tokenProblem(token: string): string | null {
  if (!TOKEN_CHARS.test(token)) return "a token may only use the characters A-Z a-z 0-9 _ -";
  if (token.length < 16) return "a token must be at least 16 characters long";
  return null;
}

/** Where a request's accepted token came from. */
export type TokenSource = "query" | "cookie" | "bearer";

/** A `token=` query parameter and its value. */
const TOKEN_IN_QUERY = /([?&]token=)(?!<token>)[^&\s"#]*/g;

/**
 * One capability token and the three places a request may carry it.
 * Comparisons are of SHA-256 digests with `crypto.timingSafeEqual`.
 */
export class CapabilityToken {
  readonly #value: string;
  readonly #digest: Buffer;

  /** @param value - the token (see {@link tokenProblem}). */
  constructor(value: string) {
    const problem = tokenProblem(value);
    if (problem) throw new Error(problem);
    this.#value = value;
    this.#digest = createHash("sha256").update(value).digest();
  }

  /** The token itself, for the URLs printed at start-up. */
  get value(): string {
    return this.#value;
  }

  #matches(candidate: string): boolean {
    return timingSafeEqual(createHash("sha256").update(candidate).digest(), this.#digest);
  }

  /**
   * Where the request carries the token: the `Authorization: Bearer`
   * header, the cookie, or the `token` query parameter of `path`; `null`
   * when none of them holds it.
   */
  find(path: string, authorization: string | undefined, cookie: string | undefined): TokenSource | null {
    if (authorization !== undefined) {
      const bearer = /^\s*bearer\s+(\S+)\s*$/i.exec(authorization);
      if (bearer && this.#matches(bearer[1]!)) return "bearer";
    }
    if (cookie !== undefined) {
      for (const part of cookie.split(";")) {
        const eq = part.indexOf("=");
        if (eq !== -1 && part.slice(0, eq).trim() === TOKEN_COOKIE && this.#matches(part.slice(eq + 1).trim())) return "cookie";
      }
    }
    const q = path.indexOf("?");
    if (q !== -1) {
      const hash = path.indexOf("#", q);
      const query = new URLSearchParams(path.slice(q + 1, hash === -1 ? undefined : hash));
      for (const value of query.getAll(TOKEN_PARAMETER)) if (this.#matches(value)) return "query";
    }
    return null;
  }

  /** The `Set-Cookie` value that lets a browser follow links without the token in them. */
  cookie(secure: boolean): string {
    return `${TOKEN_COOKIE}=${this.#value}; Path=/; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`;
  }

  /**
   * `text` with every copy of the token replaced by `<token>`, for log
   * lines, and the value of every `token=` query parameter too (a client
   * may send the token percent-encoded).
   */
  redact(text: string): string {
    const plain = text.includes(this.#value) ? text.split(this.#value).join("<token>") : text;
    return plain.includes("token=") ? plain.replace(TOKEN_IN_QUERY, "$1<token>") : plain;
  }
}

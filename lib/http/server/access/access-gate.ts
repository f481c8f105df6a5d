/**
 * The access gate of the folder server: a subclass of a handler class in
 * which every `do_<METHOD>()` first checks the request's credentials (HTTP
 * Basic, a capability token, or both) and answers `401` without touching
 * the file system when they are missing or wrong.
 *
 * The gate is built once per class, so a server without `--auth` or
 * `--token` runs the handler class as it is, with no check at all.
 *
 * @module
 */
import type { BaseHTTPRequestHandler } from "../base-handler.js";
import { announcesBody } from "../engine/request-parse.js";
import type { BasicCredentials } from "./basic-auth.js";
import { kRedactLog, noteRemoteUser } from "./log-view.js";
import { isCrossSite } from "./same-site.js";
import type { CapabilityToken } from "./token.js";

/** What the gate accepts. At least one of {@link basic} and {@link token} is set. */
export interface AccessRule {
  /** Users and passwords for HTTP Basic, or `null`. */
  basic: BasicCredentials | null;
  /** The capability token, or `null`. */
  token: CapabilityToken | null;
  /** The server speaks TLS: the token cookie is marked `Secure`. */
  secure: boolean;
}

/** Methods that change nothing on the server (RFC 9110, section 9.2.1). */
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** A handler class the gate can wrap. */
type HandlerClass = abstract new (...args: never[]) => BaseHTTPRequestHandler;

/** Every `do_<METHOD>` function name on `proto` and its prototypes. */
function methodNames(proto: object): string[] {
  const names = new Set<string>();
  for (let p: object | null = proto; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
    for (const name of Object.getOwnPropertyNames(p)) {
      if (name.startsWith("do_") && typeof (p as Record<string, unknown>)[name] === "function") names.add(name);
    }
  }
  return [...names];
}

/**
 * A subclass of `Base` guarded by `rule`: each of its `do_<METHOD>()`
 * methods (those defined when the gate is built), and the `100 Continue`
 * answer, first check the request's credentials:
 *
 * - `Authorization: Basic ...` matching one of `rule.basic`'s entries;
 * - the token as `Authorization: Bearer ...`, as the `http_server_token`
 *   cookie, or as the `token` query parameter (which also sets the cookie,
 *   so that a browser can follow the relative links of a listing).
 *
 * Either kind is enough when both are configured. A request without them
 * gets `401 Unauthorized` with a `WWW-Authenticate` challenge (`Basic` when
 * passwords are configured, else `Bearer`), its body unread and the
 * connection closed. Log lines never show the token.
 */
export function withAccessGate<T extends HandlerClass>(Base: T, rule: AccessRule): T {
  const challenge = rule.basic ? rule.basic.challenge() : `Bearer realm="http.server"`;
  const pendingCookie = new WeakSet<BaseHTTPRequestHandler>();
  const challenged = new WeakSet<BaseHTTPRequestHandler>();

  /** Check the request; on refusal, answer 401 and return false. */
  const admit = (h: BaseHTTPRequestHandler): boolean => {
    const authorization = h.headers.get("Authorization");
    const user = rule.basic ? rule.basic.check(authorization) : null;
    noteRemoteUser(h, user);
    if (user !== null) {
      // A browser sends Basic credentials along with requests a page of
      // another site makes: those may read, never change (CSRF).
      if (SAFE_METHODS.has(h.command ?? "") || !isCrossSite(h)) return true;
      if (announcesBody(h)) h.closeConnection = true;
      h.sendError(403, "Requests from pages of other sites may not change anything");
      return false;
    }
    if (rule.token) {
      const source = rule.token.find(h.path, authorization, h.headers.get("Cookie"));
      if (source === "query") pendingCookie.add(h);
      if (source !== null) return true;
    }
    if (announcesBody(h)) h.closeConnection = true;
    challenged.add(h);
    h.sendError(401);
    return false;
  };

  abstract class Gated extends (Base as unknown as abstract new (...args: unknown[]) => BaseHTTPRequestHandler) {
    /** `100 Continue` only for a client that may send its body. */
    override handleExpect100(): boolean | Promise<boolean> {
      return admit(this) && super.handleExpect100();
    }

    /** Adds the challenge to a 401 of the gate, and the token cookie to the first answer of a `?token=` request. */
    override endHeaders(): void {
      if (challenged.has(this)) {
        challenged.delete(this);
        this.sendHeader("WWW-Authenticate", challenge);
      } else if (pendingCookie.has(this) && rule.token) {
        pendingCookie.delete(this);
        this.sendHeader("Set-Cookie", rule.token.cookie(rule.secure));
      }
      super.endHeaders();
    }

    /** Log lines with the token replaced by `<token>`. */
    override logMessage(format: string, ...args: unknown[]): void {
      super.logMessage(format, ...(rule.token ? args.map((a) => (typeof a === "string" ? this[kRedactLog](a) : a)) : args));
    }

    /** The token replaced by `<token>` in a text bound for the log (the access-log formats ask too). */
    [kRedactLog](text: string): string {
      return rule.token ? rule.token.redact(text) : text;
    }
  }
  const proto = Gated.prototype as unknown as Record<string, unknown>;
  for (const name of methodNames(Base.prototype)) {
    const inner = (Base.prototype as unknown as Record<string, (this: BaseHTTPRequestHandler) => unknown>)[name]!;
    Object.defineProperty(proto, name, {
      configurable: true,
      writable: true,
      value: function gated(this: BaseHTTPRequestHandler): unknown {
        // handleExpect100 may already have let the request in.
        if (!admit(this)) return undefined;
        return inner.call(this);
      },
    });
  }
  return Gated as unknown as T;
}

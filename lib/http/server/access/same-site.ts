/**
 * Whether a request comes from a page of another site: what a browser says
 * in `Sec-Fetch-Site`, or an `Origin` naming another host than the request's
 * `Host`. Clients that are not browsers send neither header and pass.
 *
 * @module
 */
import type { BaseHTTPRequestHandler } from "../base-handler.js";

/** The request was made by a page of another site (or an opaque origin, `Origin: null`). */
export function isCrossSite(h: BaseHTTPRequestHandler): boolean {
  if (h.headers.get("Sec-Fetch-Site")?.trim().toLowerCase() === "cross-site") return true;
  const origin = h.headers.get("Origin");
  if (origin === undefined) return false;
  let host: string | null;
  try {
    host = origin.trim() === "null" ? null : new URL(origin).host;
  } catch {
    host = null;
  }
  return host === null || host.toLowerCase() !== (h.headers.get("Host") ?? "").trim().toLowerCase();
}

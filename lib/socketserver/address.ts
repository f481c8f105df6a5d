/**
 * Socket addresses in Python's shapes: `[host, port]` for IPv4,
 * `[host, port, flowinfo, scopeId]` for IPv6, a path string for Unix
 * sockets. Also the address family constants and Python's `repr` of an
 * address, used in error banners.
 *
 * @module
 */
import { isIP } from "node:net";

/** Python's `socket.AF_UNIX`. */
export const AF_UNIX = 1;
/** Python's `socket.AF_INET`. */
export const AF_INET = 2;
/** Python's `socket.AF_INET6` (Linux value). */
export const AF_INET6 = 10;
/** Python's `socket.SOCK_STREAM`. */
export const SOCK_STREAM = 1;
/** Python's `socket.SOCK_DGRAM`. */
export const SOCK_DGRAM = 2;

/** An IPv4 address: `[host, port]`. */
export type IPv4Address = [host: string, port: number];
/** An IPv6 address: `[host, port, flowinfo, scopeId]`. */
export type IPv6Address = [host: string, port: number, flowinfo: number, scopeId: number];
/**
 * The address of an Internet (TCP or UDP) peer: `[host, port]`, or
 * `[host, port, flowinfo, scopeId]` for IPv6. Destructuring
 * `const [host, port] = address` works for both.
 */
export type InetAddress = IPv4Address | IPv6Address;
/** Any address a server binds to or a client connects from. */
export type SocketAddress = IPv4Address | IPv6Address | readonly [string, number] | string;

/** The parts of an Internet address that Node's `listen()` and `bind()` want. */
export interface HostPort {
  host: string;
  port: number;
}

/**
 * Check an Internet address given to a server constructor and return its
 * host and port. Throws a `TypeError` or `RangeError` that names the problem.
 */
export function parseInetAddress(address: unknown): HostPort {
  if (!Array.isArray(address) || address.length < 2) {
    throw new TypeError(`server address must be a [host, port] pair, got ${describe(address)}`);
  }
  const [host, port] = address as unknown[];
  if (typeof host !== "string") {
    throw new TypeError(`server address host must be a string, got ${describe(host)}`);
  }
  if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`server address port must be an integer 0-65535, got ${describe(port)}`);
  }
  if (host.includes("\0")) throw new TypeError("server address host contains a NUL byte");
  return { host, port };
}

/**
 * The host Node should bind: Python's `""` means every interface of the
 * server's family. An IPv6 literal is bound as IPv6 whatever the family.
 */
export function bindHost(host: string, family: number): string {
  if (host !== "") return host;
  return family === AF_INET6 ? "::" : "0.0.0.0";
}

/** The Node address family for a host and Python family (`udp4`/`udp6` style). */
export function ipVersion(host: string, family: number): 4 | 6 {
  if (isIP(host) === 6 || (host === "" && family === AF_INET6)) return 6;
  return 4;
}

/** Build Python's address tuple from what Node reports. */
export function toSocketAddress(host: string, port: number, family: string | number, scopeId = 0): IPv4Address | IPv6Address {
  if (family === "IPv6" || family === 6 || family === AF_INET6) {
    const at = host.indexOf("%");
    return [at === -1 ? host : host.slice(0, at), port, 0, scopeId];
  }
  return [host, port];
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

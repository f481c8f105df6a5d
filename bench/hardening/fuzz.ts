/**
 * Hostile-input fuzzer: sends generated and mutated HTTP requests over real
 * sockets to a `ThreadingHTTPServer` in a child process (`server.ts echo`)
 * and checks, for every connection:
 *
 * - no hang: the server closes each connection before a deadline (most
 *   clients half-close after sending; some keep their side open, so the
 *   server's own time-outs must end them). A connection's requests go in
 *   one write, or (three times in ten) cut into pieces sent a millisecond
 *   apart;
 * - no leak between connections: every request carries a unique token, the
 *   handler echoes the tokens it saw, and a response may only carry tokens
 *   sent on its own connection;
 * - no leak between requests: the responses are complete and well framed
 *   (nothing partial, nothing trailing), each handler response echoes one
 *   request (its path token and its `X-Token` header agree), the echoes
 *   come in request order, and the well-formed probe request that ends
 *   every connection is answered exactly, last, or not at all;
 * - exact outcomes for requests that were generated but not mutated
 *   (including the request smuggling shapes): the status, the echo, and
 *   whether the connection carries on;
 * - no crash and no unhandled rejection: the child exits non-zero on
 *   either, and errors reaching its `handleError()` are counted;
 * - a normal request on a fresh connection is answered after every batch.
 *
 *     node dist/bench/hardening/fuzz.js [--quick] [--requests N] [--seed S]
 *          [--concurrency C] [--batch B] [--deadline MS] [--read-timeout S|null]
 *
 * `--quick` runs 3,000 requests (CI); the default is 100,000. The seed is
 * printed, and the same seed replays the same requests.
 *
 * @module
 */
import * as net from "node:net";
import { Flags, Random, ServerChild, connect, finish, int, type Check } from "./common.js";

const flags = new Flags(process.argv.slice(2));
const quick = flags.has("quick");
const TOTAL = flags.number("requests", quick ? 3_000 : 100_000);
const CONCURRENCY = flags.number("concurrency", 48);
const BATCH = flags.number("batch", quick ? 1_000 : 5_000);
const DEADLINE_MS = flags.number("deadline", 10_000);
const SEED = flags.number("seed", Math.floor(Math.random() * 2 ** 31));
const HEADER_TIMEOUT = 2;
/**
 * Python's per-read `timeout` on the handler. The engine bounds request
 * heads by itself, but a body that is announced and never sent is waited
 * for without end unless `timeout` is set (see docs/security.md); the
 * fuzzer sets it (4 s; `--read-timeout null` leaves Python's default) so
 * that "no hang" is about everything else.
 */
const READ_TIMEOUT = flags.string("read-timeout", "4");

const rnd = new Random(SEED);
const TOKEN_RE = /zq[0-9a-z]{10}/g;

// ---------------------------------------------------------------------------
// Requests

/** What must happen to a request that was generated and not mutated. */
type Outcome =
  /** 200 with the exact echo; the connection carries on. */
  | { kind: "ok"; echo: string }
  /** 200 with the exact echo; then the connection closes. */
  | { kind: "close"; echo: string }
  /** An HTTP/0.9 answer (the echo without a status line); then the connection closes. */
  | { kind: "http09"; echo: string }
  /** No answer at all; the connection closes (an empty request line, as in Python). */
  | { kind: "silent" }
  /** This error status; then the connection closes. */
  | { kind: "reject"; status: number }
  /**
   * A header line that is not a header hides the framing headers after it:
   * 200 (Python's reading) or 400, and the body must never be answered as
   * a request: after it, only the probe's exact answer, or nothing.
   */
  | { kind: "hide" };

/** One generated request. */
interface Generated {
  token: string;
  data: string; // Latin-1: one character per byte
  label: string;
  outcome: Outcome | null; // null once mutated
}

let tokenCounter = 0;
/** A unique token: `zq` and 10 base-36 characters. */
function newToken(): string {
  const n = (tokenCounter++).toString(36).padStart(6, "0");
  let r = "";
  for (let i = 0; i < 4; i++) r += rnd.int(36).toString(36);
  return `zq${n}${r}`;
}

const printable = (n: number): string => {
  let s = "";
  for (let i = 0; i < n; i++) s += String.fromCharCode(0x61 + rnd.int(26));
  return s;
};
const binary = (n: number): string => {
  let s = "";
  for (let i = 0; i < n; i++) s += String.fromCharCode(rnd.int(256));
  return s;
};

type Template = (t: string) => { data: string; label: string; outcome: Outcome };

const ok = (echo: string): Outcome => ({ kind: "ok", echo: echo + "\n" });
const closes = (echo: string): Outcome => ({ kind: "close", echo: echo + "\n" });
const reject = (status: number): Outcome => ({ kind: "reject", status });

/** Request shapes, each with what the server must do with it. */
const TEMPLATES: Template[] = [
  (t) => {
    const q = printable(rnd.int(20));
    return { label: "GET", data: `GET /${t}?q=${q} HTTP/1.1\r\nHost: fuzz\r\nX-Token: ${t}\r\n\r\n`, outcome: ok(`GET /${t}?q=${q} len=0`) };
  },
  (t) => ({
    label: "GET with headers",
    data: `GET /${t} HTTP/1.1\r\nHost: fuzz\r\nUser-Agent: fuzz/1.0\r\nAccept: */*\r\nAccept-Encoding: gzip\r\nX-Token: ${t}\r\n\r\n`,
    outcome: ok(`GET /${t} len=0`),
  }),
  (t) => {
    const n = rnd.int(2000);
    return { label: "POST body", data: `POST /${t} HTTP/1.1\r\nHost: fuzz\r\nX-Token: ${t}\r\nContent-Length: ${n}\r\n\r\n${printable(n)}`, outcome: ok(`POST /${t} len=${n}`) };
  },
  (t) => {
    const n = rnd.int(3000);
    return {
      label: "PUT binary body",
      data: `PUT /${t} HTTP/1.1\r\nHost: fuzz\r\nContent-Type: application/octet-stream\r\nContent-Length: ${n}\r\nX-Token: ${t}\r\n\r\n${binary(n)}`,
      outcome: ok(`PUT /${t} len=${n}`),
    };
  },
  (t) => ({ label: "HTTP/1.0 keep-alive", data: `POST /${t} HTTP/1.0\r\nConnection: keep-alive\r\nX-Token: ${t}\r\nContent-Length: 3\r\n\r\nabc`, outcome: ok(`POST /${t} len=3`) }),
  (t) => ({ label: "Expect 100-continue", data: `POST /${t} HTTP/1.1\r\nHost: fuzz\r\nX-Token: ${t}\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\nbody`, outcome: ok(`POST /${t} len=4`) }),
  (t) => ({ label: "DELETE", data: `DELETE /${t} HTTP/1.1\r\nHost: fuzz\r\nX-Token: ${t}\r\nContent-Length: 0\r\n\r\n`, outcome: ok(`DELETE /${t} len=0`) }),
  (t) => ({ label: "asterisk-form", data: `OPTIONS * HTTP/1.1\r\nHost: fuzz\r\nX-Token: ${t}\r\n\r\n`, outcome: ok(`OPTIONS * len=0`) }),
  (t) => ({ label: "absolute-form", data: `GET http://fuzz.example/${t} HTTP/1.1\r\nHost: fuzz\r\nX-Token: ${t}\r\n\r\n`, outcome: ok(`GET http://fuzz.example/${t} len=0`) }),
  (t) => ({ label: "leading //", data: `GET ///${t} HTTP/1.1\r\nHost: fuzz\r\nX-Token: ${t}\r\n\r\n`, outcome: ok(`GET /${t} len=0`) }),
  (t) => ({ label: "obs-fold", data: `GET /${t} HTTP/1.1\r\nHost: fuzz\r\nX-Fold: a\r\n b\r\nX-Token: ${t}\r\n\r\n`, outcome: ok(`GET /${t} len=0`) }),
  (t) => ({ label: "bare LF", data: `POST /${t} HTTP/1.1\nHost: fuzz\nX-Token: ${t}\nContent-Length: 2\n\nhi`, outcome: ok(`POST /${t} len=2`) }),
  (t) => ({ label: "NUL in a value", data: `GET /${t} HTTP/1.1\r\nHost: fuzz\r\nX-Nul: a\0b\r\nX-Token: ${t}\r\n\r\n`, outcome: ok(`GET /${t} len=0`) }),
  (t) => ({ label: "two equal CLs", data: `POST /${t} HTTP/1.1\r\nX-Token: ${t}\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc`, outcome: ok(`POST /${t} len=3`) }),
  (t) => ({ label: "CL leading zeros", data: `POST /${t} HTTP/1.1\r\nX-Token: ${t}\r\nContent-Length: 003\r\n\r\nabc`, outcome: ok(`POST /${t} len=3`) }),
  (t) => {
    const many = Array.from({ length: 95 }, (_, i) => `X-H${i}: ${i}\r\n`).join("");
    return { label: "95 headers", data: `GET /${t} HTTP/1.1\r\nX-Token: ${t}\r\n${many}\r\n`, outcome: ok(`GET /${t} len=0`) };
  },
  (t) => ({ label: "stray CRLF before (Python closes)", data: `\r\nGET /${t} HTTP/1.1\r\nX-Token: ${t}\r\n\r\n`, outcome: { kind: "silent" } }),
  // Closing shapes
  (t) => ({ label: "Connection: close", data: `GET /${t} HTTP/1.1\r\nConnection: close\r\nX-Token: ${t}\r\n\r\n`, outcome: closes(`GET /${t} len=0`) }),
  (t) => ({ label: "HTTP/1.0", data: `GET /${t} HTTP/1.0\r\nX-Token: ${t}\r\n\r\n`, outcome: closes(`GET /${t} len=0`) }),
  (t) => ({ label: "chunked", data: `POST /${t} HTTP/1.1\r\nX-Token: ${t}\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n`, outcome: closes(`POST /${t} len=0`) }),
  (t) => ({ label: "huge CL", data: `POST /${t} HTTP/1.1\r\nX-Token: ${t}\r\nContent-Length: 99999999999999999999\r\n\r\nabc`, outcome: closes(`POST /${t} len=0`) }),
  (t) => ({ label: "HTTP/0.9", data: `GET /${t}\r\n`, outcome: { kind: "http09", echo: `GET /${t} len=0\n` } }),
  // Smuggling shapes refused
  (t) => ({ label: "CL+TE", data: `POST /${t} HTTP/1.1\r\nX-Token: ${t}\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc`, outcome: reject(400) }),
  (t) => ({ label: "TE+CL", data: `POST /${t} HTTP/1.1\r\nX-Token: ${t}\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\nabc`, outcome: reject(400) }),
  (t) => ({ label: "two CLs", data: `POST /${t} HTTP/1.1\r\nX-Token: ${t}\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd`, outcome: reject(400) }),
  (t) => ({ label: "CL list", data: `POST /${t} HTTP/1.1\r\nX-Token: ${t}\r\nContent-Length: 3, 3\r\n\r\nabc`, outcome: reject(400) }),
  (t) => ({ label: "negative CL", data: `POST /${t} HTTP/1.1\r\nX-Token: ${t}\r\nContent-Length: -3\r\n\r\nabc`, outcome: reject(400) }),
  (t) => ({ label: "hex CL", data: `POST /${t} HTTP/1.1\r\nX-Token: ${t}\r\nContent-Length: 0x3\r\n\r\nabc`, outcome: reject(400) }),
  (t) => ({ label: "signed CL", data: `POST /${t} HTTP/1.1\r\nX-Token: ${t}\r\nContent-Length: +3\r\n\r\nabc`, outcome: reject(400) }),
  (t) => ({ label: "NUL in CL", data: `POST /${t} HTTP/1.1\r\nX-Token: ${t}\r\nContent-Length: 3\0\r\n\r\nabc`, outcome: reject(400) }),
  (t) => ({ label: "folded CL", data: `POST /${t} HTTP/1.1\r\nX-Token: ${t}\r\nContent-Length: 3\r\n 0\r\n\r\nabc`, outcome: reject(400) }),
  (t) => ({ label: "HTTP/2.0", data: `GET /${t} HTTP/2.0\r\nX-Token: ${t}\r\n\r\n`, outcome: reject(505) }),
  (t) => ({ label: "bad version", data: `GET /${t} HTTP/1.1.1\r\nX-Token: ${t}\r\n\r\n`, outcome: reject(400) }),
  (t) => ({ label: "four words", data: `GET /${t} x HTTP/1.1\r\nX-Token: ${t}\r\n\r\n`, outcome: reject(400) }),
  (t) => ({ label: "unknown method", data: `BREW /${t} HTTP/1.1\r\nX-Token: ${t}\r\n\r\n`, outcome: reject(501) }),
  (t) => ({ label: "414", data: `GET /${t}${"u".repeat(66_000)} HTTP/1.1\r\nX-Token: ${t}\r\n\r\n`, outcome: reject(414) }),
  (t) => ({ label: "431 line", data: `GET /${t} HTTP/1.1\r\nX-Token: ${t}\r\nX-Big: ${"h".repeat(66_000)}\r\n\r\n`, outcome: reject(431) }),
  (t) => {
    const many = Array.from({ length: 100 }, (_, i) => `X-H${i}: ${i}\r\n`).join("");
    return { label: "431 count", data: `GET /${t} HTTP/1.1\r\nX-Token: ${t}\r\n${many}\r\n`, outcome: reject(431) };
  },
  // A non-header line hiding the framing headers after it
  (t) => ({ label: "space before colon of CL", data: `POST /${t} HTTP/1.1\r\nX-Token: ${t}\r\nContent-Length : 3\r\n\r\nabc`, outcome: { kind: "hide" } }),
  (t) => ({ label: "bad line before CL", data: `POST /${t} HTTP/1.1\r\nX-Token: ${t}\r\nX-A : 1\r\nContent-Length: 3\r\n\r\nabc`, outcome: { kind: "hide" } }),
  (t) => ({ label: "no colon before CL", data: `POST /${t} HTTP/1.1\r\nX-Token: ${t}\r\nJunk\r\nContent-Length: 3\r\n\r\nabc`, outcome: { kind: "hide" } }),
];

const INTERESTING = ["\r", "\n", "\0", " ", "\t", ":", "\x0b", "\x0c", "\x85", "\xa0", "\xff", "%", "/", ".", "\\", "?", "#", "\x7f", "\x1b", ",", ";", "=", "0", "9"];
const NASTY_HEADERS = [
  "Transfer-Encoding: chunked",
  "Content-Length: 0",
  "Content-Length: 5",
  "Content-Length: 70000",
  "Content-Length: -1",
  "Content-Length: 99999999999999999999",
  "Content-Length : 5",
  "Transfer-Encoding : chunked",
  " Transfer-Encoding: chunked",
  "\tContent-Length: 7",
  "Content-Length: 5, 5",
  "Content-Length: 0x10",
  "Transfer-Encoding: chunked, identity",
  "Transfer-Encoding: xchunked",
  "Expect: 100-continue",
  "Connection: close",
  "Connection: keep-alive",
  "Connection: Upgrade, close",
  "Upgrade: h2c",
  "Host: a\0b",
  "X-Long: " + "a".repeat(3000),
  ": empty-name",
  "From nobody",
  "Content-Length:\x0b5",
  "X:\r\n y",
  "Content-Length: 1\r\nContent-Length: 2",
];
const METHODS = ["GET", "POST", "PUT", "DELETE", "OPTIONS", "TRACE", "CONNECT", "PRI", "FOO", "get", "G ET", "", "GET\0", "P\xc3\xb6ST", "X".repeat(300)];
const VERSIONS = ["HTTP/1.1", "HTTP/1.0", "HTTP/0.9", "HTTP/2.0", "HTTP/1.10", "HTTP/01.01", "http/1.1", "HTTP/1.1.1", "HTTP/1", `HTTP/${"9".repeat(11)}.1`, "", "HTTP/3"];

/** Apply one random mutation to `s`. */
function mutateOnce(s: string, token: string): string {
  const at = (): number => rnd.int(s.length + 1);
  const firstLineEnd = (): number => {
    const nl = s.indexOf("\n");
    return nl === -1 ? s.length : nl;
  };
  switch (rnd.int(15)) {
    case 0: {
      if (s.length === 0) return s;
      const i = rnd.int(s.length);
      return s.slice(0, i) + String.fromCharCode(s.charCodeAt(i) ^ (1 << rnd.int(8))) + s.slice(i + 1);
    }
    case 1: {
      if (s.length === 0) return s;
      const i = rnd.int(s.length);
      return s.slice(0, i) + rnd.pick(INTERESTING) + s.slice(i + 1);
    }
    case 2: {
      const i = at();
      return s.slice(0, i) + rnd.pick(INTERESTING) + s.slice(i);
    }
    case 3: {
      const i = at();
      return s.slice(0, i) + s.slice(i + 1 + rnd.int(16));
    }
    case 4: {
      const i = at();
      const len = 1 + rnd.int(64);
      const j = at();
      return s.slice(0, j) + s.slice(i, i + len) + s.slice(j);
    }
    case 5: {
      const style = rnd.int(5);
      if (style === 0) return s.replace(/\r\n/g, "\n");
      if (style === 1) return s.replace(/\r\n/g, "\r");
      if (style === 2) return s.replace("\r\n", "\n");
      if (style === 3) return s.replace(/\r\n/g, "\n\r");
      return s.replace("\r\n", "\r\r\n");
    }
    case 6: {
      const header = rnd.pick(NASTY_HEADERS) + "\r\n";
      const blank = s.indexOf("\r\n\r\n");
      const i = rnd.chance(0.5) || blank === -1 ? firstLineEnd() + 1 : blank + 2;
      return s.slice(0, i) + header + s.slice(i);
    }
    case 7:
      return s.slice(0, at());
    case 8: {
      const i = at();
      return s.slice(0, i) + "A".repeat(rnd.pick([100, 1000, 8000, 66_000])) + s.slice(i);
    }
    case 9: {
      const sp = s.indexOf(" ");
      return rnd.pick(METHODS) + (sp === -1 ? " " : s.slice(sp));
    }
    case 10: {
      const end = firstLineEnd();
      const line = s.slice(0, end).replace(/\r$/, "");
      const sp = line.lastIndexOf(" ");
      if (sp === -1) return s;
      return line.slice(0, sp + 1) + rnd.pick(VERSIONS) + s.slice(line.length);
    }
    case 11: {
      const end = firstLineEnd();
      const words = s.slice(0, end).split(" ");
      if (words.length < 2) return s;
      const targets = [`/${token}`, "*", `http://h/${token}`, `//${token}`, `/${token}%00`, `/${token}/../..`, `/${token}?a=b#c`, `/${token}${"x".repeat(5000)}`, token, `/${token}\x7f`, ""];
      words[1] = rnd.pick(targets);
      return words.join(" ") + s.slice(end);
    }
    case 12:
      return s.replace("\r\n\r\n", "\r\n");
    case 13: {
      const lines = s.split("\r\n");
      if (lines.length < 3) return s;
      const a = rnd.int(lines.length);
      const b = rnd.int(lines.length);
      [lines[a], lines[b]] = [lines[b]!, lines[a]!];
      return lines.join("\r\n");
    }
    default: {
      // A body that looks like a request of its own.
      const i = at();
      return s.slice(0, i) + `GET /${token} HTTP/1.1\r\nX-Token: ${token}\r\n\r\n` + s.slice(i);
    }
  }
}

/** A generated request, mutated with probability 0.7 (one to four mutations). */
function generate(): Generated {
  const token = newToken();
  const tpl = rnd.pick(TEMPLATES)(token);
  if (!rnd.chance(0.7)) return { token, data: tpl.data, label: tpl.label, outcome: tpl.outcome };
  let data = tpl.data;
  const n = 1 + rnd.int(4);
  for (let i = 0; i < n; i++) data = mutateOnce(data, token);
  // HEAD responses carry no body, which a client cannot delimit without
  // knowing the method; keep the fuzzer's own parsing unambiguous.
  data = data.replace(/(^|[\r\n\t\x0b\x0c\x1c-\x1f \x85\xa0])HEAD(?=[\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0]|$)/g, "$1HEAX");
  return { token, data, label: `${tpl.label} (mutated)`, outcome: null };
}

// ---------------------------------------------------------------------------
// Responses

/** One response read back. */
interface Response {
  status: number;
  headers: Map<string, string>;
  body: Buffer;
  /** An HTTP/0.9 answer: the raw body without a status line. */
  http09: boolean;
}

/** Split a connection's bytes into responses; `error` says what is malformed. */
function parseStream(buf: Buffer): { responses: Response[]; error: string | null } {
  const responses: Response[] = [];
  let at = 0;
  while (at < buf.length) {
    if (buf.toString("latin1", at, at + 5) !== "HTTP/") {
      responses.push({ status: 0, headers: new Map(), body: buf.subarray(at), http09: true });
      return { responses, error: null };
    }
    const headEnd = buf.indexOf("\r\n\r\n", at);
    if (headEnd === -1) return { responses, error: `incomplete response head at byte ${at}` };
    const lines = buf.toString("latin1", at, headEnd).split("\r\n");
    const m = /^HTTP\/1\.1 (\d{3}) /.exec(lines[0]!);
    if (!m) return { responses, error: `bad status line ${JSON.stringify(lines[0])}` };
    const status = Number(m[1]);
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":");
      if (colon <= 0) return { responses, error: `bad response header line ${JSON.stringify(line)}` };
      const name = line.slice(0, colon).toLowerCase();
      if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
    }
    let end = headEnd + 4;
    if (!(status < 200 || status === 204 || status === 304)) {
      const cl = headers.get("content-length");
      if (cl === undefined || !/^\d+$/.test(cl)) return { responses, error: `response ${status} without Content-Length` };
      end += Number(cl);
      if (end > buf.length) return { responses, error: `response ${status} truncated: ${buf.length - headEnd - 4} of ${cl} body bytes` };
    }
    responses.push({ status, headers, body: buf.subarray(headEnd + 4, end), http09: false });
    at = end;
  }
  return { responses, error: null };
}

// ---------------------------------------------------------------------------
// Connections

/** Which connection sent each token. */
const owner = new Map<string, number>();

interface Failure {
  kind: string;
  detail: string;
  requests: string[];
  received: string;
}
const failures: Failure[] = [];
const failureCounts = new Map<string, number>();
function fail(kind: string, detail: string, gens: Generated[], received: Buffer): void {
  failureCounts.set(kind, (failureCounts.get(kind) ?? 0) + 1);
  if (failures.length < 8) {
    failures.push({
      kind,
      detail,
      requests: gens.map((g) => `${g.label}: ${JSON.stringify(g.data.length > 400 ? g.data.slice(0, 400) + "..." : g.data)}`),
      received: JSON.stringify(received.toString("latin1").slice(0, 1200)),
    });
  }
}

const statusCounts = new Map<number, number>();
let connectionsRun = 0;
let requestsSent = 0;
let mutatedSent = 0;
let strictChecked = 0;
let resets = 0;

/**
 * Run one connection: send the generated requests and the probe in one
 * write, read until the server closes, and check the responses.
 */
/** Everything about one connection, decided before the batch runs (so a seed replays it exactly). */
interface Plan {
  gens: Generated[];
  probeToken: string;
  /** The client ends its side after sending (most do). */
  halfClose: boolean;
  /** Byte offsets where the payload is cut into separate writes (none: one write). */
  cuts: number[];
}

/** Plan a connection carrying `gens` and the probe. */
function plan(gens: Generated[]): Plan {
  const probeToken = newToken();
  const halfClose = !rnd.chance(0.03);
  const length = gens.reduce((n, g) => n + g.data.length, 0) + 80;
  // Three connections in ten send their bytes in pieces a millisecond apart.
  const cuts = rnd.chance(0.3) ? [...new Set(Array.from({ length: 1 + rnd.int(3) }, () => 1 + rnd.int(length - 1)))].sort((a, b) => a - b) : [];
  return { gens, probeToken, halfClose, cuts };
}

async function runConnection(port: number, id: number, { gens, probeToken, halfClose, cuts: planned }: Plan): Promise<void> {
  const probe = `GET /${probeToken} HTTP/1.1\r\nHost: fuzz\r\nX-Token: ${probeToken}\r\nConnection: close\r\n\r\n`;
  const probeEcho = `GET /${probeToken} len=0\n`;
  const tokens = [...gens.map((g) => g.token), probeToken];
  for (const t of tokens) owner.set(t, id);
  const payload = Buffer.from(gens.map((g) => g.data).join("") + probe, "latin1");
  const cuts = planned.filter((c) => c < payload.length);
  requestsSent += gens.length;
  mutatedSent += gens.filter((g) => g.outcome === null).length;

  const received = await new Promise<{ data: Buffer; hung: boolean; reset: boolean }>((resolve) => {
    const chunks: Buffer[] = [];
    let reset = false;
    const sock = net.connect({ host: "127.0.0.1", port });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ data: Buffer.concat(chunks), hung: true, reset });
    }, DEADLINE_MS);
    sock.on("connect", () => {
      sock.setNoDelay(true);
      // Most payloads go in one write; some are cut into pieces sent a
      // millisecond apart, so heads also arrive split across reads.
      const pieces = [0, ...cuts, payload.length].slice(1).map((end, i, ends) => payload.subarray(i === 0 ? 0 : ends[i - 1], end));
      const next = (i: number): void => {
        if (sock.destroyed) return;
        const last = i === pieces.length - 1;
        if (last && halfClose) sock.end(pieces[i]);
        else sock.write(pieces[i]!);
        if (!last) setTimeout(() => next(i + 1), 1);
      };
      next(0);
    });
    sock.on("data", (c: Buffer) => chunks.push(c));
    sock.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "ECONNRESET" || err.code === "EPIPE") reset = true;
    });
    sock.on("close", () => {
      clearTimeout(timer);
      resolve({ data: Buffer.concat(chunks), hung: false, reset });
    });
  });
  connectionsRun++;
  const { data } = received;
  if (received.hung) {
    fail("hang", `the server did not close the connection within ${DEADLINE_MS} ms (half-close: ${halfClose})`, gens, data);
    return;
  }
  if (received.reset) resets++;

  // (a) Tokens of other connections.
  for (const m of data.toString("latin1").matchAll(TOKEN_RE)) {
    const from = owner.get(m[0]);
    if (from !== undefined && from !== id) {
      fail("cross-connection leak", `token ${m[0]} of connection ${from} in a response on connection ${id}`, gens, data);
      return;
    }
  }

  // (b) Framing.
  const { responses, error } = parseStream(data);
  if (error !== null) {
    // A reset may cut the last response short; anything else is a framing error.
    if (!received.reset) fail("framing", error, gens, data);
    else fail("reset lost a response", error, gens, data);
    return;
  }
  const finals = responses.filter((r) => r.http09 || r.status >= 200);
  for (const r of finals) statusCounts.set(r.status, (statusCounts.get(r.status) ?? 0) + 1);

  // (c) Each handler response echoes one request; (d) echoes in request order.
  let lastIndex = -1;
  for (const r of finals) {
    const echoToken = r.headers.get("x-echo-token");
    if (echoToken === undefined) continue; // an engine error page or HTTP/0.9
    const bodyToken = r.body.toString("latin1").match(TOKEN_RE)?.[0] ?? "-";
    if (bodyToken !== echoToken) {
      fail("mixed response", `X-Echo-Token ${echoToken} but the body echoes ${bodyToken}`, gens, data);
      return;
    }
    const index = tokens.indexOf(echoToken);
    if (index !== -1) {
      if (index < lastIndex) {
        fail("out of order", `echo of request ${index} after request ${lastIndex}`, gens, data);
        return;
      }
      lastIndex = index;
    }
  }

  // (e) The probe: exact, last, or absent.
  const probeAt = finals.findIndex((r) => r.headers.get("x-echo-token") === probeToken);
  if (probeAt !== -1) {
    const r = finals[probeAt]!;
    if (r.status !== 200 || r.body.toString("latin1") !== probeEcho || probeAt !== finals.length - 1) {
      fail("probe", `the probe's answer is not exact and last (status ${r.status}, position ${probeAt + 1} of ${finals.length})`, gens, data);
      return;
    }
  }

  // (f) Exact outcomes while the requests are unmutated.
  let i = 0;
  let strict = true;
  for (const g of gens) {
    if (g.outcome === null) {
      strict = false;
      break;
    }
    strictChecked++;
    const r = finals[i];
    const o = g.outcome;
    const where = `request ${i + 1} (${g.label})`;
    if (o.kind === "silent") {
      if (finals.length !== i) {
        fail("outcome", `${where}: expected no answer and a closed connection, got ${finals.length - i} response(s)`, gens, data);
        return;
      }
      strict = false;
      break;
    }
    if (r === undefined) {
      fail("outcome", `${where}: no response`, gens, data);
      return;
    }
    if (o.kind === "ok" || o.kind === "close") {
      if (r.status !== 200 || r.body.toString("latin1") !== o.echo || r.headers.get("x-header-token") !== g.token) {
        const got = `${r.status} ${JSON.stringify(r.body.toString("latin1").slice(0, 100))} X-Header-Token ${r.headers.get("x-header-token")}`;
        fail("outcome", `${where}: expected 200 ${JSON.stringify(o.echo)} X-Header-Token ${g.token}, got ${got}`, gens, data);
        return;
      }
    } else if (o.kind === "http09") {
      if (!r.http09 || r.body.toString("latin1") !== o.echo) {
        fail("outcome", `${where}: expected the HTTP/0.9 echo`, gens, data);
        return;
      }
    } else if (o.kind === "reject") {
      if (r.status !== o.status) {
        fail("outcome", `${where}: expected ${o.status}, got ${r.status}`, gens, data);
        return;
      }
    } else if (r.status !== 200 && r.status !== 400) {
      fail("outcome", `${where}: expected 200 or 400, got ${r.status}`, gens, data);
      return;
    }
    i++;
    if (o.kind === "hide") {
      const rest = finals.slice(i);
      if (rest.length > 1 || (rest.length === 1 && !(rest[0]!.status === 200 && rest[0]!.body.toString("latin1") === probeEcho))) {
        fail("smuggled", `${where}: after it the server answered ${rest.map((x) => x.status).join(", ")} (the body was taken for a request)`, gens, data);
        return;
      }
      strict = false;
      break;
    }
    if (o.kind !== "ok") {
      if (finals.length !== i) {
        fail("outcome", `${where}: the connection should have closed after it, but ${finals.length - i} more response(s) came`, gens, data);
        return;
      }
      strict = false;
      break;
    }
  }
  if (strict) {
    // Every request was plain and kept the connection: the probe's answer must come, last.
    if (finals.length !== i + 1 || probeAt !== i) {
      fail("outcome", `the probe was not answered after ${i} plain request(s) (${finals.length} responses)`, gens, data);
    }
  }
}

/** A normal request on a fresh connection must be answered at once. */
async function probeServer(port: number): Promise<string | null> {
  const t = newToken();
  try {
    const sock = await connect(port, 2000);
    const data = await new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = [];
      const timer = setTimeout(() => sock.destroy(), 2000);
      sock.on("data", (c: Buffer) => chunks.push(c));
      sock.on("close", () => {
        clearTimeout(timer);
        resolve(Buffer.concat(chunks));
      });
      sock.end(`GET /${t} HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\n\r\n`);
    });
    const { responses } = parseStream(data);
    const r = responses[0];
    if (!r || r.status !== 200 || r.body.toString("latin1") !== `GET /${t} len=0\n`) {
      return `unexpected answer ${JSON.stringify(data.toString("latin1").slice(0, 200))}`;
    }
    return null;
  } catch (err) {
    return String(err);
  }
}

// ---------------------------------------------------------------------------
// Main

const child = await ServerChild.start("echo", {
  env: {
    HARDENING_HEADER_TIMEOUT: String(HEADER_TIMEOUT),
    HARDENING_KEEPALIVE_TIMEOUT: String(HEADER_TIMEOUT),
    HARDENING_READ_TIMEOUT: READ_TIMEOUT,
  },
  keepStderr: 200_000,
});
child.countStderr("log lines", /\] /);
child.countStderr("unhandled", /UNHANDLED|UNCAUGHT/);
const began = Date.now();
let probesOk = 0;
let probesFailed = 0;
const probeErrors: string[] = [];
let nextId = 0;

for (let done = 0; done < TOTAL && child.alive; ) {
  const target = Math.min(TOTAL, done + BATCH);
  // Plan this batch's connections: one to three generated requests each.
  const plans: Plan[] = [];
  while (done < target) {
    const n = Math.min(target - done, 1 + rnd.int(3));
    const gens = Array.from({ length: n }, generate);
    // A "hide" shape is only checked as the last generated request of its connection.
    const hideAt = gens.findIndex((g) => g.outcome?.kind === "hide");
    if (hideAt !== -1 && hideAt !== gens.length - 1) gens.splice(hideAt + 1);
    plans.push(plan(gens));
    done += gens.length;
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, plans.length) }, async () => {
      while (next < plans.length && child.alive) {
        await runConnection(child.port, nextId++, plans[next++]!);
      }
    }),
  );
  const problem = child.alive ? await probeServer(child.port) : "the server child exited";
  if (problem === null) probesOk++;
  else {
    probesFailed++;
    if (probeErrors.length < 3) probeErrors.push(`after ${int(done)} requests: ${problem}`);
  }
  process.stderr.write(`fuzz: ${int(done)} / ${int(TOTAL)} requests, ${int(connectionsRun)} connections, ${failures.length ? failureCounts.size + " kinds of failure" : "no failure"}\n`);
}
const seconds = (Date.now() - began) / 1000;

const crashed = !child.alive;
let stats = null;
try {
  stats = crashed ? null : await child.stats();
} catch {
  stats = null;
}
const exitCode = await child.stop();

const topStatuses = [...statusCounts.entries()]
  .sort((a, b) => b[1] - a[1])
  .map(([code, n]) => `${code === 0 ? "0.9" : code}: ${int(n)}`)
  .join(", ");
const checks: Check[] = [
  { name: "requests sent (generated + mutated)", value: `${int(requestsSent)} (${int(mutatedSent)} mutated) + ${int(connectionsRun)} probes on ${int(connectionsRun)} connections`, ok: requestsSent >= TOTAL },
  { name: "no crash, no unhandled rejection", value: crashed ? `child exited: ${child.child.exitCode ?? child.child.signalCode}` : `child alive to the end, exit code ${exitCode}`, ok: !crashed && exitCode === 0 && (child.counts.get("unhandled") ?? 0) === 0 },
  { name: "no error reached handleError()", value: stats ? int(stats.handlerErrors) : "unknown", ok: stats !== null && stats.handlerErrors === 0 },
  { name: "no hang (every connection closed by the server)", value: `${int(failureCounts.get("hang") ?? 0)} hung (deadline ${DEADLINE_MS} ms)`, ok: !failureCounts.has("hang") },
  { name: "no token of another connection in a response", value: `${int(failureCounts.get("cross-connection leak") ?? 0)}`, ok: !failureCounts.has("cross-connection leak") },
  {
    name: "responses well framed, one request each, in order",
    value: ["framing", "mixed response", "out of order", "probe", "reset lost a response"].map((k) => `${k} ${failureCounts.get(k) ?? 0}`).join(", "),
    ok: ["framing", "mixed response", "out of order", "probe", "reset lost a response"].every((k) => !failureCounts.has(k)),
  },
  { name: "unmutated requests: exact outcomes", value: `${int(strictChecked)} checked, ${failureCounts.get("outcome") ?? 0} wrong`, ok: !failureCounts.has("outcome") },
  { name: "smuggling: a hidden body never answered as a request", value: `${failureCounts.get("smuggled") ?? 0} smuggled`, ok: !failureCounts.has("smuggled") },
  { name: "normal request answered after every batch", value: `${probesOk} of ${probesOk + probesFailed}`, ok: probesFailed === 0 && probesOk > 0 },
];
const notes = [
  `statuses: ${topStatuses}`,
  `connection resets seen by the client: ${int(resets)}; server log lines: ${int(child.counts.get("log lines") ?? 0)}`,
  ...probeErrors,
  ...failures.flatMap((f) => [`${f.kind}: ${f.detail}`, ...f.requests.map((r) => `    sent ${r}`), `    received ${f.received}`]),
];
if (crashed || (child.counts.get("unhandled") ?? 0) > 0) notes.push("child stderr (tail):", child.stderr.slice(-3000));
finish(
  "Fuzz: generated and mutated requests over real sockets",
  [
    `command: node dist/bench/hardening/fuzz.js ${process.argv.slice(2).join(" ")}`.trim(),
    `seed ${SEED} (replay with --seed ${SEED}), ${int(TOTAL)} requests, batches of ${int(BATCH)}, ${CONCURRENCY} connections at a time, headerTimeout ${HEADER_TIMEOUT} s, timeout ${READ_TIMEOUT} s`,
    `server: ThreadingHTTPServer in a child process; ${seconds.toFixed(1)} s, ${int(requestsSent / seconds)} requests/s`,
  ],
  checks,
  notes,
);

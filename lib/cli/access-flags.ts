/**
 * The command line's access, TLS and upload additions: `--tls-self-signed`,
 * `--tls-save`, `--auth`, `--auth-file`, `--token`, `--upload`,
 * `--max-upload`, `--overwrite`, `--open` and `--qr`. Their values are
 * checked here once parsing is done, the handler class is wrapped here, and
 * what they print after the start-up line is written here; `cli.ts` only
 * declares the options and calls these functions.
 *
 * @module
 */
import { readFileSync, realpathSync, statSync } from "node:fs";
import * as net from "node:net";
import { basename, dirname, isAbsolute, join, relative, resolve as resolvePath } from "node:path";
import { isForkedWorker, type RequestHandlerClass } from "../socketserver/index.js";
import type { HTTPServer } from "../http/server/http-server.js";
import type { SimpleHTTPRequestHandler } from "../http/server/files/simple-handler.js";
import { BasicCredentials, parseCredential, parseCredentialFile, type Credential } from "../http/server/access/basic-auth.js";
import { CapabilityToken, newToken, tokenProblem } from "../http/server/access/token.js";
import type { SelfSignedCertificate } from "./self-signed.js";
import { openBrowser, type Opener } from "./open-browser.js";

// The modules behind the options (and their packages: selfsigned, busboy,
// qrcode) are loaded only when an option asks for them, so that a plain
// `http.server` starts as fast, and keeps as small a heap, as before.

/** Environment variable holding `user:password` (kept out of `ps`, unlike `--auth`). */
export const AUTH_ENV = "HTTP_SERVER_AUTH";
/** Environment variable holding the token for `--token` without a value (and handing it to `--workers` processes). */
export const TOKEN_ENV = "HTTP_SERVER_TOKEN";

/** The default of `--max-upload`: 1 GiB. */
export const DEFAULT_MAX_UPLOAD = 1024 ** 3;

/** The command-line options of this module, part of `CommandLineOptions`. */
export interface AccessOptions {
  /** `--tls-self-signed`: serve HTTPS with a certificate made at start-up, kept in memory. */
  tlsSelfSigned: boolean;
  /** `--tls-save`: folder to write the made certificate (`cert.pem`) and key (`key.pem`, mode 0600) into. */
  tlsSave: string | null;
  /** `--auth`: one `USER:PASSWORD`, as given. */
  auth: string | null;
  /** `--auth-file`: file of `user:password` lines, made absolute. */
  authFile: string | null;
  /** Every accepted user and password, from `--auth`, `--auth-file` and `HTTP_SERVER_AUTH`, once parsing is done. */
  credentials: Credential[];
  /** `--token`: the capability token (made at random when none is given), or `null`. */
  token: string | null;
  /** `--upload`: accept PUT and multipart POST uploads. */
  upload: boolean;
  /** `--max-upload`: the largest upload body, in bytes. */
  maxUpload: number;
  /** `--overwrite`: uploads may replace existing files. */
  overwrite: boolean;
  /** `--open`: open the default browser at the server's address once it listens. */
  open: boolean;
  /** `--qr`: print a QR code of the address other machines on the network can use. */
  qr: boolean;
}

/** The options of this module, all off. */
export function defaultAccessOptions(): AccessOptions {
  return {
    tlsSelfSigned: false,
    tlsSave: null,
    auth: null,
    authFile: null,
    credentials: [],
    token: null,
    upload: false,
    maxUpload: DEFAULT_MAX_UPLOAD,
    overwrite: false,
    open: false,
    qr: false,
  };
}

const SIZE = /^(\d+(?:\.\d+)?)\s*(?:([KMGT])(?:i?B)?|B)?$/i;
const UNITS: Readonly<Record<string, number>> = { K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/**
 * A byte count with an optional suffix, each a power of 1024: `500`,
 * `64K`, `10M`, `1.5G`, `2GiB`, `1T`. Returns `null` for anything else.
 */
export function parseSize(text: string): number | null {
  const m = SIZE.exec(text.trim());
  if (!m) return null;
  const n = Math.floor(Number(m[1]) * (m[2] ? UNITS[m[2].toUpperCase()]! : 1));
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

/** Is `bind` a loopback address (`127.x.x.x`, `::1`) or `localhost`? `null` (every interface) is not. */
export function isLoopbackBind(bind: string | null): boolean {
  if (bind === null || bind === "") return false;
  if (bind.toLowerCase() === "localhost") return true;
  if (net.isIPv4(bind)) return bind.startsWith("127.");
  if (net.isIPv6(bind)) return bind === "::1" || /^::ffff:127\./i.test(bind);
  return false;
}

/** Raised for a bad combination or value of these options (the command exits with status 2). */
export type UsageError = (message: string) => Error;

/**
 * The checks made after parsing, once every option is known: reads the
 * auth file and `HTTP_SERVER_AUTH`, makes the token, and refuses
 * combinations that cannot work or are unsafe (`--upload` on a non-loopback
 * address without `--auth` or `--token`). `usage(message)` makes the error
 * thrown.
 */
export function finishAccessOptions(
  opts: AccessOptions & { tlsCert: string | null; workers: number; bind: string | null; directory: string },
  cwd: string,
  usage: UsageError,
  env: NodeJS.ProcessEnv = process.env,
): void {
  if (opts.tlsSelfSigned && opts.tlsCert) throw usage("argument --tls-self-signed: cannot be combined with --tls-cert");
  if (opts.tlsSave !== null && !opts.tlsSelfSigned) throw usage("--tls-save requires --tls-self-signed");
  if (opts.tlsSelfSigned && opts.workers > 1) {
    throw usage("argument --workers: cannot be combined with --tls-self-signed (TLS connections stay in one process)");
  }
  if (opts.tlsSave !== null) {
    opts.tlsSave = resolvePath(cwd, opts.tlsSave);
    if (isWithin(realOrSelf(resolvePath(cwd, opts.directory)), realOrSelf(opts.tlsSave))) {
      throw usage("argument --tls-save: the folder is inside the served directory, where the private key would be served; pick one outside it");
    }
  }

  const credentials: Credential[] = [];
  if (opts.auth !== null) {
    try {
      credentials.push(parseCredential(opts.auth, "argument --auth"));
    } catch (err) {
      throw usage((err as Error).message);
    }
  }
  if (opts.authFile !== null) {
    opts.authFile = resolvePath(cwd, opts.authFile);
    let text: string;
    try {
      text = readFileSync(opts.authFile, "utf8");
    } catch (err) {
      throw usage(`argument --auth-file: cannot read ${opts.authFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    let entries: Credential[];
    try {
      entries = parseCredentialFile(text, opts.authFile);
    } catch (err) {
      throw usage(`argument --auth-file: ${(err as Error).message}`);
    }
    if (entries.length === 0) throw usage(`argument --auth-file: ${opts.authFile} holds no user:password line`);
    credentials.push(...entries);
  }
  const fromEnv = env[AUTH_ENV];
  if (fromEnv !== undefined && fromEnv !== "") {
    try {
      credentials.push(parseCredential(fromEnv, AUTH_ENV));
    } catch (err) {
      throw usage((err as Error).message);
    }
  }
  opts.credentials = credentials;

  if (opts.token === "") {
    // `--token` alone: the environment's token (the one the primary process made, in a worker), else a new one.
    opts.token = env[TOKEN_ENV] || newToken();
  }
  if (opts.token !== null) {
    const problem = tokenProblem(opts.token);
    if (problem) throw usage(`argument --token: ${problem}`);
  }

  if (!opts.upload && opts.overwrite) throw usage("--overwrite requires --upload");
  if (opts.upload && !isLoopbackBind(opts.bind) && credentials.length === 0 && opts.token === null) {
    throw usage(
      "argument --upload: refused: anyone who can reach the server could write files. " +
        "Bind to a loopback address (-b 127.0.0.1) or require credentials (--auth, --auth-file or --token)",
    );
  }
}

/**
 * Keep secrets out of child processes: `HTTP_SERVER_AUTH` is removed from
 * this process's environment once read (CGI scripts inherit the
 * environment), except in the primary process of `--workers`, whose
 * workers read it themselves. A token made here is put in
 * `HTTP_SERVER_TOKEN` for those workers.
 */
export function settleEnvironment(opts: AccessOptions & { workers: number }, env: NodeJS.ProcessEnv = process.env): void {
  const primaryOfWorkers = opts.workers > 1 && !isForkedWorker();
  if (primaryOfWorkers) {
    if (opts.token !== null) env[TOKEN_ENV] = opts.token;
    return;
  }
  delete env[AUTH_ENV];
  delete env[TOKEN_ENV];
}

/**
 * The handler class with the options applied: uploads (`--upload`), then
 * the access gate (`--auth`, `--token`) around everything, CGI included.
 * Without these options, `Handler` itself.
 */
export async function withAccessOptions(
  Handler: typeof SimpleHTTPRequestHandler,
  opts: AccessOptions & { tlsCert: string | null },
): Promise<RequestHandlerClass> {
  let out = Handler;
  if (opts.upload) {
    const { withUploads } = await import("../http/server/files/upload.js");
    out = withUploads(out, { maxUpload: opts.maxUpload, overwrite: opts.overwrite, credentialed: opts.credentials.length > 0 || opts.token !== null });
  }
  if (opts.credentials.length > 0 || opts.token !== null) {
    const { withAccessGate } = await import("../http/server/access/access-gate.js");
    out = withAccessGate(out, {
      basic: opts.credentials.length > 0 ? new BasicCredentials(opts.credentials) : null,
      token: opts.token !== null ? new CapabilityToken(opts.token) : null,
      secure: Boolean(opts.tlsCert) || opts.tlsSelfSigned,
    });
  }
  return out as unknown as RequestHandlerClass;
}

/** The certificate for `--tls-self-signed` (saved when `--tls-save` asks), or `null` without that option. */
export async function prepareSelfSigned(opts: AccessOptions): Promise<{ made: SelfSignedCertificate; saved: { cert: string; key: string } | null } | null> {
  if (!opts.tlsSelfSigned) return null;
  const { makeSelfSignedCertificate, saveCertificate } = await import("./self-signed.js");
  const made = await makeSelfSignedCertificate();
  const saved = opts.tlsSave !== null && !isForkedWorker() ? await saveCertificate(opts.tlsSave, made) : null;
  return { made, saved };
}

/** `url` with the token added, when there is one. */
export function urlWithToken(opts: AccessOptions, url: string): string {
  return opts.token === null ? url : `${url}${url.includes("?") ? "&" : "?"}token=${opts.token}`;
}

/** Where {@link announce} writes. */
interface Sink {
  write(text: string): unknown;
}

/** The address a browser on this machine can open for a server bound to `host`. */
export function localUrl(host: string, port: number, scheme: string): string {
  if (host === "::" || host === "0.0.0.0" || host === "") return `${scheme}://localhost:${port}/`;
  return `${scheme}://${host.includes(":") ? `[${host}]` : host}:${port}/`;
}

/**
 * What these options print after the start-up line: the certificate's
 * fingerprint (and where it was saved), the token and how to send it, the
 * authentication and upload settings (with a warning for passwords over
 * plain HTTP), the QR code; then the browser is opened (`--open`).
 */
export async function announce(
  server: Pick<HTTPServer, "serverAddress">,
  opts: AccessOptions & { tlsCert: string | null },
  tls: { made: SelfSignedCertificate; saved: { cert: string; key: string } | null } | null,
  lanUrls: readonly string[],
  io: { stdout: Sink; stderr: Sink; opener: Opener },
): Promise<void> {
  const [host, port] = server.serverAddress as [string, number];
  const secure = Boolean(opts.tlsCert) || opts.tlsSelfSigned;
  const scheme = secure ? "https" : "http";
  const local = urlWithToken(opts, localUrl(host, port, scheme));
  let text = "";
  if (tls) {
    text += `TLS certificate (self-signed, in memory) SHA-256 fingerprint: ${tls.made.fingerprint256}\n`;
    text += `  valid for: ${tls.made.altNames.join(", ")}\n`;
    if (tls.saved) text += `  saved to ${tls.saved.cert} and ${tls.saved.key}\n`;
  }
  if (opts.token !== null) {
    text += `Access token required: open ${local}\n`;
    text += `  (or send the header 'Authorization: Bearer ${opts.token}')\n`;
  }
  if (opts.credentials.length > 0) {
    const users = opts.credentials.length === 1 ? "1 user" : `${opts.credentials.length} users`;
    text += `HTTP Basic authentication required (${users})\n`;
    if (!secure) {
      io.stderr.write("warning: --auth over plain HTTP sends passwords in clear text; add --tls-self-signed (or --tls-cert) to encrypt them\n");
    }
  }
  if (opts.upload) {
    text += `Uploads accepted (PUT, or the form in listings), up to ${opts.maxUpload} bytes each${opts.overwrite ? ", replacing files" : ""}\n`;
  }
  if (opts.qr) text += await (await import("./qr.js")).qrBlock(lanUrls.length > 0 ? urlWithToken(opts, lanUrls[0]!) : local);
  if (text) io.stdout.write(text);
  if (opts.open) await openBrowser(local, io.opener, io.stderr);
}

/** `path` with its symlinks resolved, as far as it exists. */
function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    const parent = dirname(path);
    return parent === path ? path : join(realOrSelf(parent), basename(path));
  }
}

/** Is `inner` the folder `outer` or below it? */
function isWithin(outer: string, inner: string): boolean {
  const rel = relative(outer, inner);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/**
 * `process.title` without the password of `--auth USER:PASSWORD` and the
 * value of `--token TOKEN`, so that `ps` and `/proc/PID/cmdline` show
 * `USER:***` and `***`. Linux keeps the title within
 * the length of the original command line (a longer one is cut: `argv`
 * starts with `process.argv0`, the program name as typed), and a
 * process listing taken before this runs still sees them, and so do the
 * `npm exec` and shell processes `npx` starts: pass them with
 * `--auth-file`, `HTTP_SERVER_AUTH` or `HTTP_SERVER_TOKEN` where that
 * matters.
 */
export function hidePasswordInTitle(argv: readonly string[] = [process.argv0, ...process.argv.slice(1)]): void {
  const shown: string[] = [];
  let changed = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith("--auth=") ? "--auth=".length : -1;
    const previous = i > 0 ? argv[i - 1] : undefined;
    if (eq !== -1 || previous === "--auth") {
      const value = eq !== -1 ? arg.slice(eq) : arg;
      const colon = value.indexOf(":");
      shown.push((eq !== -1 ? "--auth=" : "") + (colon === -1 ? "***" : `${value.slice(0, colon)}:***`));
      changed = true;
    } else if (arg.startsWith("--token=") || (previous === "--token" && !arg.startsWith("-") && !/^\d{1,5}$/.test(arg))) {
      shown.push(arg.startsWith("--token=") ? "--token=***" : "***");
      changed = true;
    } else {
      shown.push(arg);
    }
  }
  if (changed) process.title = shown.join(" ");
}

/** Warn (on `stderr`) when the auth file can be read by other users: it holds passwords. */
export function warnAboutAuthFile(opts: AccessOptions, stderr: Sink): void {
  if (opts.authFile === null || isForkedWorker()) return;
  try {
    if ((statSync(opts.authFile).mode & 0o077) !== 0) {
      stderr.write(`warning: ${opts.authFile} can be read by other users; it holds passwords (chmod 600 it)\n`);
    }
  } catch {
    // Read a moment ago; a vanished file changes nothing now.
  }
}

/**
 * The command line of the package, the counterpart of `python -m http.server`
 * (Python 3.14's options, plus a few additions listed in `--help`).
 *
 * Everything here can be driven without spawning a process:
 * {@link parseCommandLine} turns arguments into {@link CommandLineOptions},
 * {@link test} runs a server the way Python's `http.server.test()` does, and
 * {@link main} ties both together and returns the exit code. The `http.server`
 * bin (`cli-main.ts`) only calls {@link main} with `process.argv`. The
 * arguments themselves (the option table, argparse's parsing, usage and
 * help) live in `arguments.ts`, and are re-exported here.
 *
 * @module
 */
import * as net from "node:net";
import { promises as dns } from "node:dns";
import { networkInterfaces } from "node:os";
import { pyRepr } from "../py/index.js";
import { AF_INET, AF_INET6, ForkingMixIn, isForkedWorker, type RequestHandlerClass, type ServerConstructor } from "../socketserver/index.js";
import { BaseHTTPRequestHandler } from "../http/server/base-handler.js";
import { HTTPServer, ThreadingHTTPServer, ThreadingHTTPSServer, type HTTPSOptions } from "../http/server/http-server.js";
import { SimpleHTTPRequestHandler } from "../http/server/files/simple-handler.js";
import { announce, prepareSelfSigned, settleEnvironment, urlWithToken, warnAboutAuthFile, withAccessOptions } from "./access-flags.js";
import { defaultOpener, type Opener } from "./open-browser.js";
import { applyContentOptions } from "./content-options.js";
import {
  ArgumentError,
  PROG,
  defaultOptions,
  formatHelp,
  formatUsage,
  parseCommandLine,
  terminalColumns,
  type CommandLineOptions,
  type ParseResult,
  type ParseSettings,
} from "./arguments.js";

export { ArgumentError, PROG, defaultOptions, formatHelp, formatUsage, parseCommandLine, terminalColumns };
export type { CommandLineOptions, ParseResult, ParseSettings };

/** Where text output goes (`process.stdout`, or a collector in tests). */
export interface TextSink {
  /** Write a chunk of text. */
  write(text: string): unknown;
}

/** A server class {@link test} can build: `new ServerClass(address, Handler[, tlsOptions])`. */
export type ServerClassLike = (new (
  serverAddress: unknown,
  RequestHandlerClass: RequestHandlerClass,
  options?: HTTPSOptions,
) => HTTPServer) & { prototype: HTTPServer };

/** Arguments of {@link test}: Python's keyword arguments plus what a Node program needs to control it. */
export interface TestOptions {
  /** Handler class; its `protocolVersion` is set to {@link protocol} (default `BaseHTTPRequestHandler`). */
  HandlerClass?: RequestHandlerClass;
  /** Server class; its `addressFamily` is set from the bind address (default `ThreadingHTTPServer`). */
  ServerClass?: ServerClassLike;
  /** HTTP version the handler speaks (default `HTTP/1.0`). */
  protocol?: string;
  /** Port (default 8000; 0 picks a free one). */
  port?: number;
  /** Address or host name; `null` binds every interface (`::`, IPv4 too; `0.0.0.0` without IPv6). */
  bind?: string | null;
  /** Certificate chain: serve HTTPS (the server class must accept TLS options). */
  tlsCert?: string | null;
  /** Private key file. */
  tlsKey?: string | null;
  /** Private key password. */
  tlsPassword?: string | null;
  /** Certificate chain and key in memory (PEM): serve HTTPS without reading files. */
  tlsPem?: { cert: string; key: string } | null;
  /** Rewrites each URL of the start-up lines (to add a token, for example). */
  decorateUrl?: (url: string) => string;
  /** Standard output (default `process.stdout`). */
  stdout?: TextSink;
  /** Standard error, for the one-line error report (default `process.stderr`). */
  stderr?: TextSink;
  /** Aborting it stops the server as Ctrl+C would (message included). */
  signal?: AbortSignal;
  /** Stop on SIGINT (printing Python's message) and SIGTERM (default true). */
  handleSignals?: boolean;
  /** After the startup line, list the LAN addresses the server can be reached at (default false, as Python). */
  showAddresses?: boolean;
  /** Called once the server listens (after the startup line). */
  onServing?: (server: HTTPServer) => void;
}

/** The message Python prints when Ctrl+C stops `test()`. */
export const KEYBOARD_INTERRUPT_MESSAGE = "\nKeyboard interrupt received, exiting.\n";

/** Can this machine listen on `::`? (Python would get an IPv4 address first from getaddrinfo otherwise.) */
async function ipv6Works(): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const probe = net.createServer();
    probe.once("error", () => resolve(false));
    probe.listen({ host: "::", port: 0 }, () => probe.close(() => resolve(true)));
  });
}

/**
 * Python's `_get_best_family()`: the address family and address to bind.
 * IP literals are used as they are; host names are resolved, first answer
 * wins; no address means every interface, dual-stack when IPv6 works.
 */
export async function resolveBindAddress(bind: string | null | undefined, port: number): Promise<[family: number, address: [string, number]]> {
  if (bind === null || bind === undefined || bind === "") {
    return (await ipv6Works()) ? [AF_INET6, ["::", port]] : [AF_INET, ["0.0.0.0", port]];
  }
  const literal = net.isIP(bind);
  if (literal === 6) return [AF_INET6, [bind, port]];
  if (literal === 4) return [AF_INET, [bind, port]];
  let found: { address: string; family: number };
  try {
    found = await dns.lookup(bind, { verbatim: true });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const reason = e.code === "ENOTFOUND" ? "Name or service not known" : (e.code ?? e.message);
    const out = new Error(`cannot resolve bind address ${pyRepr(bind)}: ${reason}`) as NodeJS.ErrnoException;
    out.code = e.code;
    throw out;
  }
  return found.family === 6 ? [AF_INET6, [found.address, port]] : [AF_INET, [found.address, port]];
}

/** The URLs at which a server bound to every interface can be reached from other machines. */
export function lanUrls(host: string, port: number, scheme: string): string[] {
  if (host !== "::" && host !== "0.0.0.0") return [];
  const urls: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.internal) continue;
      if (a.family === "IPv4") urls.push(`${scheme}://${a.address}:${port}/`);
      else if (host === "::" && !/^fe[89ab]/i.test(a.address)) urls.push(`${scheme}://[${a.address}]:${port}/`);
    }
  }
  return urls;
}

/**
 * Wait for a reason to stop: SIGINT or SIGTERM (when `handleSignals`), or
 * the abort signal (which counts as SIGINT). In a `--workers` process,
 * SIGINT is ignored: Ctrl+C reaches the whole process group, and the
 * primary process stops its workers itself (by disconnecting them).
 */
function waitForStop(
  handleSignals: boolean,
  inWorker: boolean,
  signal: AbortSignal | undefined,
): { stopped: Promise<"SIGINT" | "SIGTERM">; dispose: () => void } {
  let dispose = (): void => undefined;
  const stopped = new Promise<"SIGINT" | "SIGTERM">((resolve) => {
    const onInt = (): void => {
      if (!inWorker) resolve("SIGINT");
    };
    const onTerm = (): void => resolve("SIGTERM");
    const onAbort = (): void => resolve("SIGINT");
    if (handleSignals) {
      process.on("SIGINT", onInt);
      process.on("SIGTERM", onTerm);
    }
    if (signal) {
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    }
    dispose = () => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      signal?.removeEventListener("abort", onAbort);
    };
  });
  return { stopped, dispose };
}

/**
 * Run a server until Ctrl+C, as Python's `http.server.test()` does, and
 * return the exit status.
 *
 * 1. Resolve {@link TestOptions.bind} and set the server class's
 *    `addressFamily` to match (a class attribute, as in Python).
 * 2. Set the handler class's `protocolVersion` to {@link TestOptions.protocol}.
 * 3. Build the server (with the TLS settings when there is a certificate).
 * 4. Print `Serving HTTP on <host> port <port> (http://<host>:<port>/) ...`.
 * 5. Serve until SIGINT, which prints `Keyboard interrupt received, exiting.`,
 *    or SIGTERM; close the server; return 0. A second signal while closing
 *    ends the process at once (status 130 or 143).
 *
 * Unlike Python, a bind failure (port in use, bad address, unreadable
 * certificate) is reported as one `http.server: error: ...` line on stderr
 * and returns 1 instead of printing a traceback. In a worker process of
 * `--workers` nothing is printed: the primary process speaks for all.
 */
export async function test(options: TestOptions = {}): Promise<number> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const HandlerClass = options.HandlerClass ?? (BaseHTTPRequestHandler as unknown as RequestHandlerClass);
  const ServerClass = options.ServerClass ?? (ThreadingHTTPServer as unknown as ServerClassLike);
  const worker = isForkedWorker();
  const handleSignals = options.handleSignals ?? true;

  // Listen for Ctrl+C from the start, so that one pressed during startup is not lost.
  const stop = waitForStop(handleSignals, worker, options.signal);

  let server: HTTPServer | null = null;
  try {
    try {
      const [family, address] = await resolveBindAddress(options.bind ?? null, options.port ?? 8000);
      ServerClass.prototype.addressFamily = family;
      (HandlerClass as unknown as { prototype: { protocolVersion: string } }).prototype.protocolVersion = options.protocol ?? "HTTP/1.0";
      server = options.tlsPem
        ? new ServerClass(address, HandlerClass, { pem: options.tlsPem })
        : options.tlsCert
          ? new ServerClass(address, HandlerClass, {
              certfile: options.tlsCert,
              keyfile: options.tlsKey ?? null,
              password: options.tlsPassword ?? null,
            })
          : new ServerClass(address, HandlerClass);
      await server.ready;
    } catch (err) {
      let message = describeStartupError(err);
      if (/bad decrypt/.test(message) && !options.tlsPassword) {
        // Python's OpenSSL would prompt on the terminal for the password instead.
        message += " (is the key encrypted? give its password with --tls-password-file)";
      }
      stderr.write(`${PROG}: ${worker ? `worker ${process.pid}: ` : ""}error: ${message}\n`);
      if (server) await server.serverClose().catch(() => undefined);
      return 1;
    }

    const [host, port] = server.serverAddress as [string, number];
    if (!worker) {
      const tls = Boolean(options.tlsCert || options.tlsPem);
      const urlHost = host.includes(":") ? `[${host}]` : host;
      const scheme = tls ? "https" : "http";
      const decorate = options.decorateUrl ?? ((url: string) => url);
      let banner = `Serving ${tls ? "HTTPS" : "HTTP"} on ${host} port ${port} (${decorate(`${scheme}://${urlHost}:${port}/`)}) ...\n`;
      if (options.showAddresses) for (const url of lanUrls(host, port, scheme)) banner += `  ${decorate(url)}\n`;
      stdout.write(banner);
    }
    options.onServing?.(server);

    const serving = server.serveForever();
    const outcome = await Promise.race([
      serving.then(
        () => ({ kind: "stopped" as const }),
        (err: unknown) => ({ kind: "failed" as const, err }),
      ),
      stop.stopped.then((sig) => ({ kind: "signal" as const, sig })),
    ]);
    if (outcome.kind === "failed") {
      stderr.write(`${PROG}: ${worker ? `worker ${process.pid}: ` : ""}error: ${describeStartupError(outcome.err)}\n`);
      await server.serverClose().catch(() => undefined);
      return 1;
    }
    if (outcome.kind === "signal" && outcome.sig === "SIGINT" && !worker) stdout.write(KEYBOARD_INTERRUPT_MESSAGE);
    stop.dispose();
    const running = server;
    await closeForcibly(handleSignals && !worker, async () => {
      await running.shutdown();
      await running.serverClose();
    });
    return 0;
  } finally {
    stop.dispose();
  }
}

/**
 * Run `close` (a server's graceful close); with `handleSignals`, a second
 * Ctrl+C (or SIGTERM) meanwhile exits at once (status 130 or 143) instead
 * of waiting any longer.
 */
async function closeForcibly(handleSignals: boolean, close: () => Promise<void>): Promise<void> {
  const force = (signal: NodeJS.Signals): void => process.exit(signal === "SIGINT" ? 130 : 143);
  if (handleSignals) {
    process.once("SIGINT", force);
    process.once("SIGTERM", force);
  }
  try {
    await close();
  } finally {
    process.off("SIGINT", force);
    process.off("SIGTERM", force);
  }
}

/** One line for an error that stopped the server from starting. */
function describeStartupError(err: unknown): string {
  if (err instanceof Error) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === "ENOENT" && e.path) return `cannot read ${pyRepr(e.path)}: No such file or directory`;
    if (e.code === "EACCES" && e.path) return `cannot read ${pyRepr(e.path)}: Permission denied`;
    if (e.code === "EISDIR" && e.path) return `cannot read ${pyRepr(e.path)}: Is a directory`;
    if (e.code?.startsWith("ERR_OSSL") || / routines:/.test(e.message)) {
      return `cannot load the TLS certificate or key: ${e.message}`;
    }
    return e.message.split("\n")[0]!;
  }
  return String(err);
}

// ---------------------------------------------------------------------------
// main()

/** Settings for {@link main} beyond the arguments; all default to the real process. */
export interface MainEnvironment {
  /** Standard output (default `process.stdout`). */
  stdout?: TextSink;
  /** Standard error (default `process.stderr`). */
  stderr?: TextSink;
  /** Folder that `-d` and the default directory are relative to (default `process.cwd()`). */
  cwd?: string;
  /** Width used to lay out `--help` (default: like Python, `COLUMNS` or the terminal's width, else 80). */
  columns?: number;
  /** Aborting it stops the server as Ctrl+C would. */
  signal?: AbortSignal;
  /** Stop on SIGINT / SIGTERM (default true). */
  handleSignals?: boolean;
  /** Called once the server listens. */
  onServing?: (server: HTTPServer) => void;
  /** Opens the browser for `--open` (default: the `open` package). */
  opener?: Opener;
}

/**
 * The handler class a command line asks for: SimpleHTTPRequestHandler (or
 * CGI) with the options applied, serving `options.directory`. The folder
 * goes to the constructor, as Python's `DualStackServer.finish_request()`
 * passes `directory=` (and as its `functools.partial` did before 3.12); the
 * server then constructs and starts each handler the ordinary way.
 */
async function handlerClassFor(options: CommandLineOptions): Promise<RequestHandlerClass> {
  let Base: typeof SimpleHTTPRequestHandler = SimpleHTTPRequestHandler;
  if (options.cgi) {
    // Loaded only when asked for, so the rest works without the CGI module.
    const specifier = "../http/server/cgi/cgi-handler.js";
    let mod: { CGIHTTPRequestHandler?: unknown };
    try {
      mod = (await import(specifier)) as { CGIHTTPRequestHandler?: unknown };
    } catch (err) {
      throw new Error(`--cgi is not available: cannot load CGIHTTPRequestHandler (${(err as Error).message.split("\n")[0]})`);
    }
    if (typeof mod.CGIHTTPRequestHandler !== "function") {
      throw new Error("--cgi is not available: the CGI module has no CGIHTTPRequestHandler");
    }
    Base = mod.CGIHTTPRequestHandler as typeof SimpleHTTPRequestHandler;
  }
  const directory = options.directory;
  // A subclass, so settings stay with this command line (Python sets them on the class itself).
  class CommandLineHandler extends Base {
    /**
     * @param request - the connection.
     * @param clientAddress - the client's address.
     * @param server - the server.
     */
    constructor(request: unknown, clientAddress: unknown, server: never) {
      super(request, clientAddress, server, { directory });
    }
  }
  const proto = CommandLineHandler.prototype;
  if (options.headers.length > 0) proto.extraResponseHeaders = Object.freeze(options.headers.map((h) => Object.freeze([...h] as [string, string])));
  if (options.cors) proto.cors = true;
  if (options.cacheControl !== null) proto.cacheControl = options.cacheControl;
  if (options.precompressed) proto.precompressed = true;
  if (options.hideDotfiles) proto.hideDotfiles = true;
  if (options.followSymlinks) proto.followSymlinks = true;
  return await withAccessOptions(applyContentOptions(CommandLineHandler, options), options);
}

/**
 * The server class a command line asks for: Python's `DualStackServer`, a
 * subclass of `ThreadingHTTPServer` (`ThreadingHTTPSServer` with TLS), or
 * with `--workers N` of a forking HTTP server with N worker processes; a
 * subclass, because {@link test} sets `addressFamily` on it. The handler
 * class carries `directory` (see {@link handlerClassFor}). Node listens
 * dual-stack on `::` by default, which is what Python's class arranges by
 * clearing `IPV6_V6ONLY`.
 */
function serverClassFor(options: CommandLineOptions): ServerClassLike {
  if (options.workers > 1) {
    class DualStackServer extends ForkingMixIn(HTTPServer) {}
    DualStackServer.prototype.maxChildren = options.workers;
    return DualStackServer as unknown as ServerClassLike;
  }
  const Base = (options.tlsCert || options.tlsSelfSigned ? ThreadingHTTPSServer : ThreadingHTTPServer) as ServerConstructor<HTTPServer>;
  return class DualStackServer extends Base {} as unknown as ServerClassLike;
}

/**
 * `--http2`'s server class (see {@link serverClassFor}), from a module
 * loaded only then: a subclass of `HTTP2Server`, HTTP/2 and HTTP/1.1 over TLS.
 */
async function http2ServerClass(): Promise<ServerClassLike> {
  const { HTTP2Server } = await import("./http2-server.js");
  return class DualStackServer extends HTTP2Server {} as unknown as ServerClassLike;
}

/**
 * Run the command line `argv` (without the node and script paths) and
 * return the exit status: 0 after `--help` or a clean stop, 2 for a bad
 * command line (usage and `http.server: error: ...` on stderr), 1 when the
 * server cannot start.
 */
export async function main(argv: readonly string[], env: MainEnvironment = {}): Promise<number> {
  const stdout = env.stdout ?? process.stdout;
  const stderr = env.stderr ?? process.stderr;
  const columns = env.columns ?? terminalColumns();
  let parsed: ParseResult;
  try {
    parsed = parseCommandLine(argv, { cwd: env.cwd });
  } catch (err) {
    if (!(err instanceof ArgumentError)) throw err;
    if (!isForkedWorker()) stderr.write(`${formatUsage(columns)}${PROG}: error: ${err.message}\n`);
    return err.exitCode;
  }
  if (parsed.help) {
    if (!isForkedWorker()) stdout.write(formatHelp(columns));
    return 0;
  }
  const options = parsed.options;
  settleEnvironment(options);
  warnAboutAuthFile(options, stderr);
  let HandlerClass: RequestHandlerClass;
  let selfSigned: Awaited<ReturnType<typeof prepareSelfSigned>>;
  try {
    HandlerClass = await handlerClassFor(options);
    selfSigned = await prepareSelfSigned(options);
  } catch (err) {
    if (!isForkedWorker()) stderr.write(`${PROG}: error: ${(err as Error).message}\n`);
    return 1;
  }
  return test({
    HandlerClass,
    ServerClass: options.http2 ? await http2ServerClass() : serverClassFor(options),
    port: options.port,
    bind: options.bind,
    protocol: options.protocol,
    tlsCert: options.tlsCert,
    tlsKey: options.tlsKey,
    tlsPassword: options.tlsPassword,
    tlsPem: selfSigned ? { cert: selfSigned.made.cert, key: selfSigned.made.key } : null,
    decorateUrl: (url: string) => urlWithToken(options, url),
    stdout,
    stderr,
    signal: env.signal,
    handleSignals: env.handleSignals,
    showAddresses: true,
    onServing: (server) => {
      if (!isForkedWorker()) {
        const serverAddress = server.serverAddress as [string, number];
        const lan = lanUrls(serverAddress[0], serverAddress[1], options.tlsCert || selfSigned ? "https" : "http");
        announce({ serverAddress }, options, selfSigned, lan, { stdout, stderr, opener: env.opener ?? defaultOpener }).catch((err: unknown) => {
          stderr.write(`${PROG}: error: ${(err as Error).message}\n`);
        });
      }
      env.onServing?.(server);
    },
  });
}

/**
 * The command line's arguments, parsed and explained the way Python's
 * argparse does for `python -m http.server`: the option table (Python's
 * options, then this package's additions), `parseCommandLine()`, and the
 * usage and help texts wrapped as argparse wraps them.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { resolve as resolvePath } from "node:path";
import { pyInt, pyOSErrorText, pyRepr, textwrap } from "../py/index.js";
import type { LogFormat } from "../http/server/access-log.js";
import { defaultAccessOptions, finishAccessOptions, parseSize, type AccessOptions } from "./access-flags.js";
import { DEFAULT_CHARSET, DEFAULT_SPA_PAGE, parseCharset, parseLogFormat, parseSpaPage } from "./content-options.js";

/** The program name shown in usage lines and error messages. */
export const PROG = "http.server";

// ---------------------------------------------------------------------------
// Options

/** What the command line asks for, after parsing and checking. */
export interface CommandLineOptions extends AccessOptions {
  /** Port to listen on (`0` picks a free one). Python's default: 8000. */
  port: number;
  /** `-b`: address or host name to bind; `null` means every interface (dual-stack `::` when IPv6 works). */
  bind: string | null;
  /** `-d`: the folder served, made absolute (default: the current directory at start). */
  directory: string;
  /** `-p`: the handler's `protocolVersion`, not validated (default `HTTP/1.0`). */
  protocol: string;
  /** `--cgi`: use `CGIHTTPRequestHandler`. */
  cgi: boolean;
  /** `--tls-cert`: certificate chain file; serving HTTPS when set. */
  tlsCert: string | null;
  /** `--tls-key`: private key file. */
  tlsKey: string | null;
  /** `--tls-password-file`: the file the key password was read from. */
  tlsPasswordFile: string | null;
  /** The key password: the password file's text without surrounding whitespace. */
  tlsPassword: string | null;
  /** `-H`: extra response headers, in order. */
  headers: Array<[string, string]>;
  /** `--cors`: send `Access-Control-Allow-Origin: *`. */
  cors: boolean;
  /** `--cache-control`: a `Cache-Control` value for files and listings. */
  cacheControl: string | null;
  /** `--precompressed`: serve `.br` / `.gz` siblings to clients that accept them. */
  precompressed: boolean;
  /** `--hide-dotfiles`: neither list nor serve names starting with a dot, nor run such CGI scripts. */
  hideDotfiles: boolean;
  /** `--follow-symlinks`: serve through symlinks leading out of the folder. */
  followSymlinks: boolean;
  /** `--workers`: number of worker processes; 1 serves from this process. */
  workers: number;
  /** `--charset`: charset named for text files that name none (default `utf-8`); `null` for `--charset none`. */
  charset: string | null;
  /** `--spa [FILE]`: the page client-side routes fall back to, or `null`. */
  spa: string | null;
  /** `--log-format`: `python` (default), `combined` or `json`. */
  logFormat: LogFormat;
  /** `--http2`: serve HTTP/2, with HTTP/1.1 for clients that do not offer it (needs TLS). */
  http2: boolean;
}

/**
 * A bad command line: the message argparse would print after
 * `http.server: error: `. The command exits with status 2.
 */
export class ArgumentError extends Error {
  /** The exit status argparse uses for usage errors. */
  readonly exitCode = 2;
  /** Names the error class in stack traces. */
  override readonly name = "ArgumentError";
}

/** The outcome of {@link parseCommandLine}: options to run with, or a request for help. */
export type ParseResult = { help: true } | { help: false; options: CommandLineOptions };

/** What an option does with its arguments (`optional`: a value if one follows, as argparse's `nargs="?"`, but never a port number). */
type Kind = "help" | "flag" | "value" | "header" | "optional";

/** One option of the command line, as argparse would declare it. */
interface OptionSpec {
  flags: readonly string[];
  kind: Kind;
  dest: keyof CommandLineOptions | "help";
  metavar?: string;
  help: string;
  /** Python's own options go in "options:", ours in a section of their own. */
  ours?: boolean;
}

const OPTION_SPECS: readonly OptionSpec[] = [
  { flags: ["-h", "--help"], kind: "help", dest: "help", help: "show this help message and exit" },
  { flags: ["--cgi"], kind: "flag", dest: "cgi", help: "run as CGI server" },
  {
    flags: ["-b", "--bind"],
    kind: "value",
    dest: "bind",
    metavar: "ADDRESS",
    help: "bind to this address (default: all interfaces)",
  },
  {
    flags: ["-d", "--directory"],
    kind: "value",
    dest: "directory",
    metavar: "DIRECTORY",
    help: "serve this directory (default: current directory)",
  },
  {
    flags: ["-p", "--protocol"],
    kind: "value",
    dest: "protocol",
    metavar: "VERSION",
    help: "conform to this HTTP version (default: HTTP/1.0)",
  },
  { flags: ["--tls-cert"], kind: "value", dest: "tlsCert", metavar: "PATH", help: "path to the TLS certificate chain file" },
  { flags: ["--tls-key"], kind: "value", dest: "tlsKey", metavar: "PATH", help: "path to the TLS key file" },
  {
    flags: ["--tls-password-file"],
    kind: "value",
    dest: "tlsPasswordFile",
    metavar: "PATH",
    help: "path to the password file for the TLS key",
  },
  {
    flags: ["-H", "--header"],
    kind: "header",
    dest: "headers",
    metavar: "HEADER",
    help:
      "add this header to every file, listing and 304 response; HEADER is 'Name: value' " +
      "(or two arguments, NAME VALUE, as in Python 3.15); repeatable",
    ours: true,
  },
  {
    flags: ["--cors"],
    kind: "flag",
    dest: "cors",
    help: "send 'Access-Control-Allow-Origin: *' so that pages from any origin may fetch the files",
    ours: true,
  },
  {
    flags: ["--cache-control"],
    kind: "value",
    dest: "cacheControl",
    metavar: "VALUE",
    help: "send 'Cache-Control: VALUE' with files and listings (for example no-cache or max-age=60)",
    ours: true,
  },
  {
    flags: ["--precompressed"],
    kind: "flag",
    dest: "precompressed",
    help: "serve NAME.br or NAME.gz in place of NAME to clients that accept that encoding",
    ours: true,
  },
  {
    flags: ["--hide-dotfiles"],
    kind: "flag",
    dest: "hideDotfiles",
    help: "neither list nor serve files and folders whose names start with a dot (nor run such CGI scripts)",
    ours: true,
  },
  {
    flags: ["--follow-symlinks"],
    kind: "flag",
    dest: "followSymlinks",
    help: "serve files through symlinks that lead outside the directory (Python does; refused by default)",
    ours: true,
  },
  {
    flags: ["--workers"],
    kind: "value",
    dest: "workers",
    metavar: "N",
    help: "handle connections in N worker processes (default: 1, this process alone)",
    ours: true,
  },
  {
    flags: ["--tls-self-signed"],
    kind: "flag",
    dest: "tlsSelfSigned",
    help: "serve HTTPS with a certificate made at start-up for localhost and this machine's addresses, kept in memory; its SHA-256 fingerprint is printed",
    ours: true,
  },
  {
    flags: ["--tls-save"],
    kind: "value",
    dest: "tlsSave",
    metavar: "DIR",
    help: "with --tls-self-signed: write the certificate to DIR/cert.pem and its key to DIR/key.pem (mode 0600); existing files are never replaced",
    ours: true,
  },
  {
    flags: ["--http2"],
    kind: "flag",
    dest: "http2",
    help: "serve HTTP/2 (with HTTP/1.1 for clients that do not speak it); needs --tls-cert or --tls-self-signed, as browsers speak HTTP/2 only over TLS",
    ours: true,
  },
  {
    flags: ["--auth"],
    kind: "value",
    dest: "auth",
    metavar: "USER:PASSWORD",
    help: "require HTTP Basic authentication with this user name and password (shown as USER:*** in ps; HTTP_SERVER_AUTH=USER:PASSWORD or --auth-file keep it out of the command line)",
    ours: true,
  },
  {
    flags: ["--auth-file"],
    kind: "value",
    dest: "authFile",
    metavar: "FILE",
    help: "require HTTP Basic authentication with the users of FILE, one user:password line each (plain text: keep the file private)",
    ours: true,
  },
  {
    flags: ["--token"],
    kind: "optional",
    dest: "token",
    metavar: "TOKEN",
    help: "require a secret token (a random one unless given), carried by the printed URL (?token=...), a cookie it sets, or 'Authorization: Bearer TOKEN'",
    ours: true,
  },
  {
    flags: ["--upload"],
    kind: "flag",
    dest: "upload",
    help: "accept uploads: PUT of a file, or the form shown in listings; only on a loopback address or with --auth/--token",
    ours: true,
  },
  {
    flags: ["--max-upload"],
    kind: "value",
    dest: "maxUpload",
    metavar: "SIZE",
    help: "largest upload body, in bytes or with a K, M, G or T suffix (powers of 1024) (default: 1G)",
    ours: true,
  },
  {
    flags: ["--overwrite"],
    kind: "flag",
    dest: "overwrite",
    help: "let uploads replace existing files (otherwise 409 Conflict)",
    ours: true,
  },
  {
    flags: ["--open"],
    kind: "flag",
    dest: "open",
    help: "open the default browser at the server's address once it listens",
    ours: true,
  },
  {
    flags: ["--qr"],
    kind: "flag",
    dest: "qr",
    help: "print a QR code of the address other machines on the network can use",
    ours: true,
  },
  {
    flags: ["--charset"],
    kind: "value",
    dest: "charset",
    metavar: "NAME",
    help: "name this charset in the Content-Type of text, JavaScript, JSON, XML and SVG files that name none (default: utf-8; none: send the types as Python does)",
    ours: true,
  },
  {
    flags: ["--spa"],
    kind: "optional",
    dest: "spa",
    metavar: "FILE",
    help: "single-page app: answer browser requests for missing paths without a file extension with FILE (default: index.html)",
    ours: true,
  },
  {
    flags: ["--log-format"],
    kind: "value",
    dest: "logFormat",
    metavar: "FORMAT",
    help: "log each request as python (default), combined (as nginx and Apache, with the real body bytes and the seconds taken) or json (one object per line)",
    ours: true,
  },
];

/** The positional argument. */
const PORT_SPEC = { metavar: "port", help: "bind to this port (default: 8000)" } as const;

/** Title of the help section listing what Python's `http.server` does not have. */
const OURS_TITLE = "additions (not in Python's http.server)";

const NEGATIVE_NUMBER = /^-\d+$|^-\d*\.\d+$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE_CHARS = /[\r\n\0]/;

/** Check an option's value with `check`, whose error message becomes argparse's `argument --opt: ...`. */
function ourValue<T>(spec: OptionSpec, value: string, check: (value: string) => T): T {
  try {
    return check(value);
  } catch (err) {
    throw new ArgumentError(`argument ${actionName(spec)}: ${(err as Error).message}`);
  }
}

/** argparse's name for an option in messages: `-b/--bind`. */
function actionName(spec: OptionSpec): string {
  return spec.flags.join("/");
}

function parseIntArgument(name: string, raw: string): number {
  const n = pyInt(raw);
  if (n === null) throw new ArgumentError(`argument ${name}: invalid int value: ${pyRepr(raw)}`);
  return n;
}

/** Split `Name: value` (or check a separate NAME and VALUE) into a header pair. */
function checkHeader(name: string, value: string, raw: string): [string, string] {
  const where = "argument -H/--header";
  if (!TOKEN.test(name)) {
    throw new ArgumentError(`${where}: invalid header ${pyRepr(raw)}: expected 'Name: value' with a valid name`);
  }
  if (BAD_VALUE_CHARS.test(value)) {
    throw new ArgumentError(`${where}: invalid header ${pyRepr(raw)}: the value contains CR, LF or NUL`);
  }
  return [name, value];
}

/**
 * Is this argument an option string (argparse's 'O') rather than a value
 * ('A')? As argparse decides: anything naming an option (exactly, before
 * `=`, as a long-option prefix, or a short option with its value attached)
 * is one; otherwise negative numbers and strings with a space are values.
 */
function looksLikeOption(arg: string): boolean {
  if (!arg.startsWith("-") || arg === "-") return false;
  if (arg === "--") return true;
  if (findOption(arg).length > 0) return true;
  const eq = arg.indexOf("=");
  if (eq !== -1 && findOption(arg.slice(0, eq)).length > 0) return true;
  if (!arg.startsWith("--") && arg.length > 2 && findOption(arg.slice(0, 2)).length > 0) return true;
  if (NEGATIVE_NUMBER.test(arg)) return false; // no option of ours looks like a negative number
  if (arg.includes(" ")) return false;
  return true;
}

/** Options an option string could mean: exact match, or long-option prefixes (argparse's allow_abbrev). */
function findOption(optionString: string): OptionSpec[] {
  const exact = OPTION_SPECS.find((s) => s.flags.includes(optionString));
  if (exact) return [exact];
  if (!optionString.startsWith("--")) return [];
  const matches: OptionSpec[] = [];
  for (const spec of OPTION_SPECS) {
    if (spec.flags.some((f) => f.startsWith("--") && f.startsWith(optionString))) matches.push(spec);
  }
  return matches;
}

/** The long flag an abbreviation matched, for ambiguity messages (argparse lists flags, not options). */
function matchingFlags(prefix: string): string[] {
  const out: string[] = [];
  for (const spec of OPTION_SPECS) for (const f of spec.flags) if (f.startsWith("--") && f.startsWith(prefix)) out.push(f);
  return out;
}

/** Options with every default filled in, as if no argument were given. */
export function defaultOptions(cwd: string = process.cwd()): CommandLineOptions {
  return {
    port: 8000,
    bind: null,
    directory: resolvePath(cwd),
    protocol: "HTTP/1.0",
    cgi: false,
    tlsCert: null,
    tlsKey: null,
    tlsPasswordFile: null,
    tlsPassword: null,
    headers: [],
    cors: false,
    cacheControl: null,
    precompressed: false,
    hideDotfiles: false,
    followSymlinks: false,
    workers: 1,
    ...defaultAccessOptions(),
    charset: DEFAULT_CHARSET,
    spa: null,
    logFormat: "python",
    http2: false,
  };
}

/** Settings for {@link parseCommandLine}. */
export interface ParseSettings {
  /** Folder relative paths are resolved against; default `process.cwd()`. */
  cwd?: string;
}

/**
 * Parse the command line the way Python's argparse parses
 * `python -m http.server`'s: options and the optional port in any order,
 * `--opt=value` and `-oVALUE` forms, unambiguous abbreviations of long
 * options, `--` ending the options. Then run the same checks Python runs
 * after parsing (`--tls-key` and `--tls-password-file` need `--tls-cert`)
 * and read the TLS password file.
 *
 * Returns `{ help: true }` as soon as `-h`/`--help` is met (argparse prints
 * help at that point, ignoring what follows). Throws {@link ArgumentError}
 * with argparse's message for anything wrong.
 */
export function parseCommandLine(argv: readonly string[], settings: ParseSettings = {}): ParseResult {
  const cwd = settings.cwd ?? process.cwd();
  const opts = defaultOptions(cwd);
  let directory: string | null = null;
  let portSeen = false;
  const extras: string[] = [];
  let onlyPositionals = false;

  const takePositional = (arg: string): void => {
    if (portSeen) {
      extras.push(arg);
      return;
    }
    portSeen = true;
    const port = parseIntArgument("port", arg);
    if (port < 0 || port > 65535) throw new ArgumentError(`argument port: port must be 0-65535, got ${port}`);
    opts.port = port;
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (onlyPositionals) {
      takePositional(arg);
      continue;
    }
    if (arg === "--") {
      onlyPositionals = true;
      continue;
    }
    if (!looksLikeOption(arg)) {
      takePositional(arg);
      continue;
    }

    // Work out which option this is, and any argument attached to it.
    let spec: OptionSpec | undefined;
    let optionString = arg;
    let explicit: string | null = null;
    const eq = arg.indexOf("=");
    if (arg.startsWith("--")) {
      if (eq !== -1) {
        optionString = arg.slice(0, eq);
        explicit = arg.slice(eq + 1);
      }
      const found = findOption(optionString);
      if (found.length > 1) {
        throw new ArgumentError(`ambiguous option: ${arg} could match ${matchingFlags(optionString).join(", ")}`);
      }
      spec = found[0];
      if (spec) optionString = spec.flags.find((f) => f === optionString) ?? spec.flags.find((f) => f.startsWith(optionString))!;
    } else {
      spec = findOption(arg)[0];
      if (!spec && eq !== -1 && findOption(arg.slice(0, eq)).length === 1) {
        optionString = arg.slice(0, eq);
        explicit = arg.slice(eq + 1);
        spec = findOption(optionString)[0];
      } else if (!spec && arg.length > 2 && findOption(arg.slice(0, 2)).length === 1) {
        optionString = arg.slice(0, 2);
        explicit = arg.slice(2);
        spec = findOption(optionString)[0];
      }
    }
    if (!spec) {
      extras.push(arg);
      continue;
    }

    // Options that take no argument.
    if (spec.kind === "help" || spec.kind === "flag") {
      if (explicit !== null) {
        if (spec.kind === "help" && !optionString.startsWith("--")) {
          // `-hX...` (argparse 3.13+): help, unless `-X` is an option left without its argument.
          const cluster = explicit === "" ? undefined : findOption("-" + explicit[0])[0];
          const next = argv[i + 1];
          if (cluster && cluster.kind !== "flag" && cluster.kind !== "help" && explicit.length === 1 && (next === undefined || looksLikeOption(next))) {
            throw new ArgumentError(`argument ${actionName(cluster)}: expected one argument`);
          }
          return { help: true };
        }
        throw new ArgumentError(`argument ${actionName(spec)}: ignored explicit argument ${pyRepr(explicit)}`);
      }
      if (spec.kind === "help") return { help: true };
      (opts as unknown as Record<string, unknown>)[spec.dest] = true;
      continue;
    }

    // Options that take an argument.
    let value: string;
    if (spec.kind === "optional") {
      // An optional argument: the next word unless it is an option or looks like a port number.
      const next = argv[i + 1];
      value = explicit ?? (next !== undefined && !looksLikeOption(next) && !/^\d{1,5}$/.test(next) ? (i++, next) : "");
    } else if (explicit !== null) {
      value = explicit;
    } else {
      const next = argv[i + 1];
      if (next === undefined || looksLikeOption(next)) {
        if (spec.kind === "header") {
          throw new ArgumentError("argument -H/--header: expected 'Name: value' or two arguments NAME VALUE");
        }
        throw new ArgumentError(`argument ${actionName(spec)}: expected one argument`);
      }
      value = next;
      i++;
    }

    switch (spec.dest) {
      case "headers": {
        const colon = value.indexOf(":");
        if (colon !== -1) {
          opts.headers.push(checkHeader(value.slice(0, colon), value.slice(colon + 1).trim(), value));
        } else {
          // Python 3.15's form: -H NAME VALUE.
          const second = explicit === null ? argv[i + 1] : undefined;
          if (second === undefined || looksLikeOption(second)) {
            throw new ArgumentError(
              `argument -H/--header: invalid header ${pyRepr(value)}: expected 'Name: value' or two arguments NAME VALUE`,
            );
          }
          i++;
          opts.headers.push(checkHeader(value, second.trim(), `${value} ${second}`));
        }
        break;
      }
      case "workers": {
        const n = parseIntArgument(actionName(spec), value);
        if (n < 1) throw new ArgumentError(`argument --workers: must be at least 1, got ${n}`);
        opts.workers = n;
        break;
      }
      case "cacheControl":
        if (BAD_VALUE_CHARS.test(value)) {
          throw new ArgumentError(`argument --cache-control: invalid header value ${pyRepr(value)}: it contains CR, LF or NUL`);
        }
        opts.cacheControl = value;
        break;
      case "charset":
        opts.charset = ourValue(spec, value, parseCharset);
        break;
      case "logFormat":
        opts.logFormat = ourValue(spec, value, parseLogFormat);
        break;
      case "spa":
        opts.spa = ourValue(spec, value === "" && explicit === null ? DEFAULT_SPA_PAGE : value, parseSpaPage);
        break;
      case "directory":
        directory = value;
        break;
      case "bind":
        opts.bind = value;
        break;
      case "protocol":
        opts.protocol = value;
        break;
      case "tlsCert":
        opts.tlsCert = value;
        break;
      case "tlsKey":
        opts.tlsKey = value;
        break;
      case "tlsPasswordFile":
        opts.tlsPasswordFile = value;
        break;
      case "maxUpload": {
        const size = parseSize(value);
        if (size === null) throw new ArgumentError(`argument --max-upload: invalid size ${pyRepr(value)}: expected a number of bytes, or one with a K, M, G or T suffix`);
        opts.maxUpload = size;
        break;
      }
      case "tlsSave":
      case "auth":
      case "authFile":
      case "token":
        opts[spec.dest] = value;
        break;
      default:
        throw new Error(`unhandled option ${spec.dest}`);
    }
  }

  if (extras.length > 0) throw new ArgumentError(`unrecognized arguments: ${extras.join(" ")}`);

  // The checks Python's http.server makes after parse_args(), in its order.
  if (!opts.tlsCert && opts.tlsKey) throw new ArgumentError("--tls-key requires --tls-cert to be set");
  if (opts.tlsPasswordFile) {
    if (!opts.tlsCert) throw new ArgumentError("--tls-password-file requires --tls-cert to be set");
    try {
      opts.tlsPassword = readFileSync(resolvePath(cwd, opts.tlsPasswordFile), "utf8").trim();
    } catch (err) {
      throw new ArgumentError(`Failed to read TLS password file: ${pyOSErrorText(err, opts.tlsPasswordFile)}`);
    }
  }
  // Ours: HTTP/2 needs TLS (browsers speak it over nothing else), in one process.
  if (opts.http2 && !opts.tlsCert && !opts.tlsSelfSigned) {
    throw new ArgumentError("argument --http2: needs --tls-cert or --tls-self-signed: browsers speak HTTP/2 only over TLS");
  }
  if (opts.http2 && opts.workers > 1) {
    throw new ArgumentError("argument --workers: cannot be combined with --http2 (TLS connections stay in one process)");
  }
  // Ours: a TLS connection cannot be handed to another process.
  if (opts.workers > 1 && opts.tlsCert) {
    throw new ArgumentError("argument --workers: cannot be combined with --tls-cert (TLS connections stay in one process)");
  }
  if (directory !== null) opts.directory = resolvePath(cwd, directory);
  finishAccessOptions(opts, cwd, (message) => new ArgumentError(message));
  if (opts.tlsCert) opts.tlsCert = resolvePath(cwd, opts.tlsCert);
  if (opts.tlsKey) opts.tlsKey = resolvePath(cwd, opts.tlsKey);
  return { help: false, options: opts };
}

// ---------------------------------------------------------------------------
// Help, in argparse's layout

/** Python's `shutil.get_terminal_size().columns`: `COLUMNS`, else the terminal's width, else 80. */
export function terminalColumns(env: NodeJS.ProcessEnv = process.env, stream: { isTTY?: boolean; columns?: number } = process.stdout): number {
  const fromEnv = Number.parseInt(env.COLUMNS ?? "", 10);
  if (fromEnv > 0) return fromEnv;
  if (stream.isTTY && stream.columns && stream.columns > 0) return stream.columns;
  return 80;
}

function usagePart(spec: OptionSpec): string {
  const flag = spec.flags[0]!;
  if (spec.kind === "optional") return `[${flag} [${spec.metavar}]]`;
  return spec.metavar ? `[${flag} ${spec.metavar}]` : `[${flag}]`;
}

/** The usage text (`usage: http.server [-h] ...`), wrapped as argparse wraps it for `columns`. */
export function formatUsage(columns = 80): string {
  const width = columns - 2;
  const prefix = "usage: ";
  const optParts = OPTION_SPECS.map(usagePart);
  const posParts = [`[${PORT_SPEC.metavar}]`];
  const oneLine = [PROG, ...optParts, ...posParts].join(" ");
  if (prefix.length + oneLine.length <= width) return `${prefix}${oneLine}\n`;

  const getLines = (parts: string[], indent: string, withPrefix: boolean): string[] => {
    const lines: string[] = [];
    let line: string[] = [];
    let lineLen = withPrefix ? prefix.length - 1 : indent.length - 1;
    for (const part of parts) {
      if (lineLen + 1 + part.length > width && line.length > 0) {
        lines.push(indent + line.join(" "));
        line = [];
        lineLen = indent.length - 1;
      }
      line.push(part);
      lineLen += part.length + 1;
    }
    if (line.length > 0) lines.push(indent + line.join(" "));
    if (withPrefix) lines[0] = lines[0]!.slice(indent.length);
    return lines;
  };

  let lines: string[];
  if (prefix.length + PROG.length <= 0.75 * width) {
    const indent = " ".repeat(prefix.length + PROG.length + 1);
    lines = getLines([PROG, ...optParts], indent, true);
    lines.push(...getLines(posParts, indent, false));
  } else {
    const indent = " ".repeat(prefix.length);
    lines = [PROG, ...getLines(optParts, indent, false), ...getLines(posParts, indent, false)];
  }
  return `${prefix}${lines.join("\n")}\n`;
}

function invocation(spec: OptionSpec): string {
  const flags = spec.flags.join(", ");
  if (spec.kind === "optional") return `${flags} [${spec.metavar}]`;
  return spec.metavar ? `${flags} ${spec.metavar}` : flags;
}

/**
 * The `--help` text, laid out as Python 3.14's argparse lays out
 * `python -m http.server --help` for a terminal `columns` wide: usage,
 * positional arguments, Python's options, then this package's additions.
 */
export function formatHelp(columns = 80): string {
  const width = columns - 2;
  const indent = 2;
  const maxHelpPosition = Math.min(24, Math.max(width - 20, indent * 2));
  const entries = [PORT_SPEC.metavar, ...OPTION_SPECS.map(invocation)];
  const actionMaxLength = Math.max(...entries.map((e) => e.length + indent));
  const helpPosition = Math.min(actionMaxLength + 2, maxHelpPosition);
  const helpWidth = Math.max(width - helpPosition, 11);
  const actionWidth = helpPosition - indent - 2;

  const item = (header: string, help: string): string => {
    const lines = textwrap(help, helpWidth);
    let out: string;
    let first: string;
    if (header.length <= actionWidth) {
      out = " ".repeat(indent) + header.padEnd(actionWidth) + "  ";
      first = lines[0] ?? "";
    } else {
      out = " ".repeat(indent) + header + "\n";
      first = " ".repeat(helpPosition) + (lines[0] ?? "");
    }
    out += first + "\n";
    for (const line of lines.slice(1)) out += " ".repeat(helpPosition) + line + "\n";
    return out;
  };

  let text = formatUsage(columns) + "\n";
  text += "positional arguments:\n" + item(PORT_SPEC.metavar, PORT_SPEC.help) + "\n";
  text += "options:\n";
  for (const spec of OPTION_SPECS) if (!spec.ours) text += item(invocation(spec), spec.help);
  text += "\n" + OURS_TITLE + ":\n";
  for (const spec of OPTION_SPECS) if (spec.ours) text += item(invocation(spec), spec.help);
  return text;
}

// ---------------------------------------------------------------------------
// Running a server: Python's test()

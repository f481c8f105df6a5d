/**
 * `CGIHTTPRequestHandler`: a {@link SimpleHTTPRequestHandler} that also runs
 * CGI/1.1 scripts found in the CGI directories, ported from Python's
 * `http.server`.
 *
 * Each script runs as a child process with the request body on its standard
 * input and its standard output streamed to the client, both with
 * back-pressure; its standard error goes to the log. Python's wire behaviour
 * is kept when {@link CGIHTTPRequestHandler.cgiStatusHeaders} is false;
 * docs/deviations.md lists what differs by default and why.
 *
 * @module
 */
import { type ChildProcess, spawn, type SpawnOptions } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import type { Duplex, Readable, Writable } from "node:stream";
import { pythonNames } from "../../../python-names.js";
import { decodeBase64Lenient, pyRepr, pySplit } from "../../../py/index.js";
import { SocketTimeoutError, drained, isPeerGone } from "../../../socketserver/streams.js";
import { bodyLength } from "../engine/request-parse.js";
import type { BodySource } from "../files/body-sources.js";
import { insideRoot, isInside, statOrNull } from "../files/file-checks.js";
import { SimpleHTTPRequestHandler } from "../files/simple-handler.js";
import { unquote } from "../files/url-paths.js";
import { exitCodeOf, killTree, track, untrack } from "./children.js";
import { nobodyIds } from "./nobody.js";
import { parseScriptHead, type ScriptHead } from "./script-head.js";
import { hasDotName, urlCollapsePath } from "./url-collapse.js";

const POSIX = process.platform !== "win32";
/** Standard-error text logged as one line at most. */
const STDERR_LINE_LIMIT = 8 * 1024;

/** How a script run ended. */
interface RunOutcome {
  /** Python's exit code: the code, or minus the signal number; 127 when it could not start. */
  exitCode: number;
  /** The request ended on the client's side (it left, stopped reading, or its body timed out): the exit code is not worth a log line. */
  clientEnded: boolean;
}

/**
 * Why the server stopped a script before it finished: silence
 * (`cgiTimeout`), the total limit (`cgiTotalTimeout`), a request body read
 * that timed out, a client that left or stopped reading, or a failure
 * while copying its output.
 */
type StopReason = "idle" | "total" | "body" | "client" | "failed";

/**
 * Serve files like {@link SimpleHTTPRequestHandler}, and run CGI scripts for
 * GET, HEAD and POST requests whose path lies in one of
 * {@link cgiDirectories} (POST is refused with 501 anywhere else).
 *
 * A script is any executable regular file in a CGI directory (or a folder
 * below one); Python scripts (`.py`, `.pyw`) run with
 * {@link pythonInterpreter}. The script gets the CGI/1.1 environment,
 * `CONTENT_LENGTH` bytes of the request body on its standard input, and the
 * query string as its one argument when the query holds no `=`. Its standard
 * output is the response: its own header lines, a blank line, and the body.
 * The connection closes when the script ends.
 *
 * When the server runs as root, scripts run as user `nobody`.
 *
 * Beyond Python (see docs/deviations.md): a script may choose the status
 * with `Status:` or redirect with `Location:` ({@link cgiStatusHeaders});
 * a silent script is killed after {@link cgiTimeout} seconds, one still
 * running after {@link cgiTotalTimeout} seconds too, and so is a script
 * whose client has gone away (closed or half-closed its connection, or
 * stopped reading) or whose request body stopped arriving; scripts reached
 * through a symlink leading out of {@link directory} are refused unless
 * {@link followSymlinks}, and with {@link hideDotfiles} no script or path
 * info with a dotted name is run; a path decoded twice cannot name a script
 * outside the CGI directory; a path climbing above the root gets a 500.
 *
 * @example
 * ```ts
 * // Serves ./ and runs ./cgi-bin/*:
 * await new ThreadingHTTPServer(["", 8000], CGIHTTPRequestHandler).serveForever();
 * ```
 */
export class CGIHTTPRequestHandler extends SimpleHTTPRequestHandler {
  /**
   * URL paths whose files are CGI scripts, each starting with `/` and without
   * a trailing slash. One array shared by every handler of the class (as in
   * Python): `CGIHTTPRequestHandler.prototype.cgiDirectories.push("/app")`
   * changes it for all, assigning a new array in a subclass for that subclass.
   */
  declare cgiDirectories: string[];
  /** The platform can run scripts the POSIX way (Python's `have_fork`): true everywhere but Windows. */
  declare haveFork: boolean;
  /**
   * The interpreter that runs Python scripts (`.py`, `.pyw`), looked up in
   * `PATH`, with `-u` (unbuffered output). `null` runs them like any other
   * script, through their `#!` line.
   */
  declare pythonInterpreter: string | null;
  /**
   * Let the script choose the response status (default true): its output's
   * header block is held back (up to 64 KiB) and a `Status: 404 Not Found`
   * line becomes the status line; a `Location:` without `Status:` makes a
   * 302. When the output does not start with a well-formed header block it
   * is passed through as it is. `false` behaves exactly like Python: the
   * status line `200 Script output follows` is sent before the script starts
   * and its output follows unchanged.
   */
  declare cgiStatusHeaders: boolean;
  /**
   * Seconds a script may go without any input or output before it (and its
   * process group) is killed with SIGKILL and the connection closed; `null`
   * waits forever. Default 30.
   */
  declare cgiTimeout: number | null;
  /**
   * Seconds from a script's start until it must have finished; `null` sets
   * no limit. Default 300. {@link cgiTimeout} measures silence, so a client
   * that drips its request body a byte at a time, or a script that never
   * stops printing, would otherwise hold a process for ever. When the time
   * is up the script and its process group are killed with SIGKILL, the log
   * says `CGI script killed: still running after N seconds`, and the client
   * gets a 504 if nothing of the response was sent yet; otherwise the
   * connection closes after what was sent.
   */
  declare cgiTotalTimeout: number | null;
  /**
   * The request's `[directory, rest]` split, set by {@link isCGI}: the CGI
   * directory matched (`/cgi-bin`) and the remainder (`sub/x.sh/extra?q=1`).
   */
  cgiInfo: [string, string] | null = null;

  /** Run the CGI script the path names; POST to anything else is a 501. */
  async do_POST(): Promise<void> {
    if (this.isCGI()) await this.runCGI();
    else this.sendError(501, "Can only POST to CGI scripts");
  }

  /** For GET and HEAD: run the script when the path is a CGI one (HEAD gets its body too, as in Python), else serve the file. */
  override async sendHead(): Promise<BodySource | null> {
    if (this.isCGI()) {
      await this.runCGI();
      return null;
    }
    return super.sendHead();
  }

  /**
   * Does {@link path} name something in a CGI directory? Compares the
   * collapsed path ({@link urlCollapsePath}) with {@link cgiDirectories} and,
   * when one matches, stores `[directory, rest]` in {@link cgiInfo}.
   *
   * @throws {@link IndexError} for a path that climbs above the root; the
   *   request then fails (this port answers 500; Python drops the connection).
   */
  isCGI(): boolean {
    const collapsed = urlCollapsePath(this.path);
    let sep = collapsed.indexOf("/", 1);
    while (sep > 0 && !this.cgiDirectories.includes(collapsed.slice(0, sep))) {
      sep = collapsed.indexOf("/", sep + 1);
    }
    if (sep > 0) {
      this.cgiInfo = [collapsed.slice(0, sep), collapsed.slice(sep + 1)];
      return true;
    }
    return false;
  }

  /** May the server user execute `path`? */
  isExecutable(path: string): boolean {
    try {
      fs.accessSync(path, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  }

  /** Is `path` a Python script (`.py` or `.pyw`, any case)? */
  isPython(path: string): boolean {
    const base = path.slice(path.lastIndexOf("/") + 1);
    const dot = base.lastIndexOf(".");
    // Python's splitext(): leading dots do not start an extension.
    if (dot === -1 || /^\.*$/.test(base.slice(0, dot))) return false;
    const ext = base.slice(dot).toLowerCase();
    return ext === ".py" || ext === ".pyw";
  }

  /**
   * Run the script {@link cgiInfo} names and send its output: find the
   * script (descending into folders below the CGI directory), answer 404 or
   * 403 when it is missing, not a plain file or not executable, build the
   * environment, then stream the body in and the output out.
   */
  async runCGI(): Promise<void> {
    if (!this.cgiInfo) throw new TypeError("runCGI() needs cgiInfo: call isCGI() first");
    let [dir, rest] = this.cgiInfo;
    const cgiDir = dir;
    const path = dir + "/" + rest;
    let i = path.indexOf("/", dir.length + 1);
    while (i >= 0) {
      const nextdir = path.slice(0, i);
      // A hidden folder is not there: the 404 below names it, as a missing one.
      if (this.hideDotfiles && hasDotName(nextdir.slice(dir.length + 1))) break;
      if (!statOrNull(this.translatePath(nextdir))?.isDirectory()) break;
      dir = nextdir;
      rest = path.slice(i + 1);
      i = path.indexOf("/", dir.length + 1);
    }

    let query = "";
    const q = rest.indexOf("?");
    if (q !== -1) {
      query = rest.slice(q + 1);
      rest = rest.slice(0, q);
    }
    let script = rest;
    rest = "";
    const slash = script.indexOf("/");
    if (slash !== -1) {
      rest = script.slice(slash);
      script = script.slice(0, slash);
    }

    const scriptname = dir + "/" + script;
    if (this.hideDotfiles) {
      // Decided before anything is looked up or run: a dotted name anywhere
      // (the CGI folder, the folders below it, the script, the path info)
      // gets the 404 of a script that does not exist.
      const hidden = hasDotName(scriptname) ? scriptname : hasDotName(rest) ? scriptname + rest : null;
      if (hidden !== null) {
        this.sendError(404, `No such CGI script (${pyRepr(hidden)})`);
        return;
      }
    }
    const scriptfile = this.translatePath(scriptname);
    const st = statOrNull(scriptfile);
    if (!st || !this.#mayRun(scriptfile, st, cgiDir)) {
      this.sendError(404, `No such CGI script (${pyRepr(scriptname)})`);
      return;
    }
    if (!st.isFile()) {
      this.sendError(403, `CGI script is not a plain file (${pyRepr(scriptname)})`);
      return;
    }
    const ispy = this.isPython(scriptname);
    if ((this.haveFork || !ispy) && !this.isExecutable(scriptfile)) {
      this.sendError(403, `CGI script is not executable (${pyRepr(scriptname)})`);
      return;
    }

    const env = this.#environment(scriptname, rest, query);
    const decodedQuery = query.replaceAll("+", " ");
    const scriptArgs = decodedQuery.includes("=") ? [] : [decodedQuery];
    let file = scriptfile;
    let args = scriptArgs;
    // Like Python's exec: argv[0] is the bare script name.
    let argv0: string | undefined = script;
    if (ispy && this.pythonInterpreter) {
      file = this.pythonInterpreter;
      args = ["-u", scriptfile, ...scriptArgs];
      argv0 = undefined;
    }
    if (Object.values(env).some((v) => v.includes("\0")) || args.some((a) => a.includes("\0"))) {
      // Python's child fails at exec() here, after the 200 went out.
      this.sendError(400, "NUL byte in CGI variables");
      return;
    }

    if (!this.cgiStatusHeaders) {
      this.sendResponse(200, "Script output follows");
      this.flushHeaders();
      await this.wfile.flush();
    }
    this.closeConnection = true;
    const outcome = await this.#execute(file, args, argv0, env);
    if (outcome.exitCode && !outcome.clientEnded) this.logError("CGI script exit code %d", outcome.exitCode);
    this.closeConnection = true;
  }

  /**
   * A script may run only from inside the CGI directory that matched the
   * request (`cgiDir`, as {@link isCGI} found it): the folder names below it
   * and the script name are percent-decoded a second time by
   * {@link translatePath}, so `%252e%252e%252f` would otherwise climb out of
   * it, as it does in Python. And only through symlinks that stay inside
   * {@link directory}, unless {@link followSymlinks}.
   */
  #mayRun(scriptfile: string, st: fs.Stats, cgiDir: string): boolean {
    if (!isInside(scriptfile, this.translatePath(cgiDir))) return false;
    return this.followSymlinks || insideRoot(this.directory, scriptfile, st);
  }

  /** The script's environment: the server's own, plus the CGI variables of this request. */
  #environment(scriptname: string, pathInfo: string, query: string): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
    const server = this.server as unknown as { serverName?: unknown; serverPort?: unknown };
    env.SERVER_SOFTWARE = this.versionString();
    env.SERVER_NAME = String(server.serverName ?? "");
    env.GATEWAY_INTERFACE = "CGI/1.1";
    env.SERVER_PROTOCOL = this.protocolVersion;
    env.SERVER_PORT = String(server.serverPort ?? "");
    env.REQUEST_METHOD = this.command ?? "";
    const uqrest = unquote(pathInfo);
    env.PATH_INFO = uqrest;
    env.PATH_TRANSLATED = this.translatePath(uqrest);
    env.SCRIPT_NAME = scriptname;
    env.QUERY_STRING = query;
    const client = this.clientAddress;
    env.REMOTE_ADDR = String(Array.isArray(client) ? client[0] : (client ?? ""));

    const headers = this.headers;
    const authorization = headers.get("Authorization");
    if (authorization) {
      const words = pySplit(authorization);
      if (words.length === 2) {
        env.AUTH_TYPE = words[0]!;
        if (words[0]!.toLowerCase() === "basic" && /^[\x00-\x7f]*$/.test(words[1]!)) {
          const decoded = decodeBase64Lenient(words[1]!);
          if (decoded && !decoded.some((b) => b > 0x7f)) {
            const userPass = decoded.toString("latin1").split(":");
            if (userPass.length === 2) env.REMOTE_USER = userPass[0]!;
          }
        }
      }
    }
    env.CONTENT_TYPE = headers.get("Content-Type") ?? headers.getContentType();
    const length = headers.get("Content-Length");
    if (length) env.CONTENT_LENGTH = length;
    const referer = headers.get("Referer");
    if (referer) env.HTTP_REFERER = referer;
    env.HTTP_ACCEPT = (headers.getAll("Accept") ?? []).join(",");
    const ua = headers.get("User-Agent");
    if (ua) env.HTTP_USER_AGENT = ua;
    const cookie = (headers.getAll("Cookie") ?? []).filter((c) => c !== "").join(", ");
    if (cookie) env.HTTP_COOKIE = cookie;
    for (const k of ["QUERY_STRING", "REMOTE_HOST", "CONTENT_LENGTH", "HTTP_USER_AGENT", "HTTP_COOKIE", "HTTP_REFERER"]) {
      if (!(k in env)) env[k] = "";
    }
    return env;
  }

  /** Start the child: as `nobody` when the server is root, in its own process group. */
  #spawn(file: string, args: string[], argv0: string | undefined, env: Record<string, string>): ChildProcess | Error {
    const options: SpawnOptions = { ...(argv0 === undefined ? {} : { argv0 }), env, stdio: ["pipe", "pipe", "pipe"], detached: POSIX, windowsHide: true };
    const ids = POSIX && process.geteuid?.() === 0 ? nobodyIds() : null;
    if (ids) {
      try {
        return spawn(file, args, { ...options, uid: ids.uid, gid: ids.gid });
      } catch (err) {
        // Python ignores a failed setuid() and runs the script as it is.
        if ((err as NodeJS.ErrnoException).code !== "EPERM") return err as Error;
      }
    }
    try {
      return spawn(file, args, options);
    } catch (err) {
      return err as Error;
    }
  }

  /**
   * Run the script to its end, streaming both ways; resolves after the
   * child's `close`. The script is killed (with its process group) when it
   * is silent for {@link cgiTimeout}, still running after
   * {@link cgiTotalTimeout}, when a read of the request body times out, and
   * when the client leaves or stops reading.
   */
  async #execute(file: string, args: string[], argv0: string | undefined, env: Record<string, string>): Promise<RunOutcome> {
    const conn = this.connection;
    if (clientLeft(conn)) {
      // The client left before its script started: start none.
      this.logMessage("CGI script not run: the client closed the connection");
      return { exitCode: 0, clientEnded: true };
    }
    const spawned = this.#spawn(file, args, argv0, env);
    if (spawned instanceof Error) return this.#notStarted(spawned);
    const child = spawned;
    const closed = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
      child.once("close", (code: number | null, signal: NodeJS.Signals | null) => resolve([code, signal]));
    });
    let startError: Error | null = null;
    child.on("error", (err) => {
      startError ??= err;
    });
    const started = await new Promise<boolean>((resolve) => {
      child.once("spawn", () => resolve(true));
      child.once("error", () => resolve(false));
    });
    if (!started) {
      await closed;
      return this.#notStarted(startError ?? new Error("spawn failed"));
    }

    track(child);
    const stdin = child.stdin!;
    const stdout = child.stdout!;
    const stderr = child.stderr!;
    stdin.on("error", () => undefined);
    stdout.on("error", () => undefined);
    stderr.on("error", () => undefined);

    let finished = false;
    let stopped: StopReason | null = null;
    let clientGone = false;
    /** Kill the script for `reason` (the first reason wins), logging why. */
    const stop = (reason: StopReason, log: () => void): void => {
      if (finished || stopped !== null) return;
      stopped = reason;
      log();
      killTree(child);
      stdin.destroy();
      stdout.destroy();
      stderr.destroy();
    };

    let idleTimer: NodeJS.Timeout | undefined;
    const idle = this.cgiTimeout;
    const touch = (): void => {
      if (idle === null || idle === undefined || finished) return;
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        stop("idle", () => this.logError("CGI script killed: no activity for %s seconds", String(idle)));
      }, idle * 1000);
    };
    const total = this.cgiTotalTimeout;
    const totalTimer =
      total === null || total === undefined
        ? undefined
        : setTimeout(() => {
            stop("total", () => this.logError("CGI script killed: still running after %s seconds", String(total)));
          }, total * 1000);

    // The client is gone once its connection closes, fails, or (on a
    // network socket) delivers its FIN: with allowHalfOpen a FIN alone never
    // becomes a `close`, and a client that shuts down its sending side
    // mid-request is as gone as one that closed (nginx and Go agree).
    const onClientGone = (why: string): void => {
      if (finished || clientGone) return;
      clientGone = true;
      stop("client", () => this.logMessage("CGI script killed: %s", why));
    };
    const onLeft = (): void => onClientGone("the client closed the connection");
    const watchFin = conn instanceof net.Socket;
    conn.once("close", onLeft);
    conn.on("error", onLeft);
    if (watchFin) conn.once("end", onLeft);
    touch();
    if (clientLeft(conn)) onLeft();

    this.#logStderr(stderr, touch);
    // The pump settles by itself (it never rejects): at the end of the body,
    // when the script stops reading, when rfile is closed after the request,
    // or when a read times out (then the script is stopped). A stalled
    // client must not hold the response back.
    void this.#pumpBody(stdin, touch, (err) => {
      stop("body", () => this.logError("Request timed out: %s", `TimeoutError(${pyRepr(err.message)})`));
    });
    let headSent = !this.cgiStatusHeaders;
    let failure: unknown = null;
    try {
      headSent = await this.#copyOutput(stdout, touch, onClientGone, () => stopped !== null);
    } catch (err) {
      failure = err;
      stop("failed", () => undefined);
    }
    const [code, signal] = await closed;
    finished = true;
    clearTimeout(idleTimer);
    clearTimeout(totalTimer);
    untrack(child);
    conn.off("close", onLeft);
    conn.off("error", onLeft);
    if (watchFin) conn.off("end", onLeft);
    stdin.destroy();
    if (failure !== null) throw failure;
    // Set from callbacks, which the compiler cannot see: read it afresh.
    const why = stopped as StopReason | null;
    if (!headSent && !clientGone) {
      if (why === "idle" || why === "total") this.sendError(504, null, "The CGI script did not answer in time.");
      else if (why === "body") this.sendError(408);
    }
    try {
      await this.wfile.flush();
    } catch {
      // The client is gone, or stopped reading.
    }
    return { exitCode: exitCodeOf(code, signal), clientEnded: why === "client" || why === "body" };
  }

  /** A script that could not be started: logged like Python's failed exec() (exit code 127). */
  #notStarted(err: Error): RunOutcome {
    this.logError("CGI script could not be run: %s", err.message);
    if (this.cgiStatusHeaders) this.sendError(500, null, "The CGI script could not be run.");
    return { exitCode: 127, clientEnded: false };
  }

  /**
   * Copy the request body (`Content-Length` bytes) to the script's standard
   * input with back-pressure, then close it. Stops early when the client
   * stops sending or the script stops reading; a read that times out
   * (`bodyTimeout`, or a deadline for the whole body) calls `onTimeout`.
   */
  async #pumpBody(stdin: Writable, touch: () => void, onTimeout: (err: SocketTimeoutError) => void): Promise<void> {
    let left = bodyLength(this.headers.getAll("Content-Length")) ?? 0;
    try {
      while (left > 0 && !stdin.destroyed) {
        const chunk = this.rfile.readBuffered(left);
        if (chunk.length === 0) {
          if (!(await this.rfile.fill())) break;
          continue;
        }
        left -= chunk.length;
        touch();
        if (!stdin.write(chunk)) await drained(stdin);
      }
    } catch (err) {
      // A time-out stops the script; a reset or a closing server leaves it
      // to see the end of its input.
      if (err instanceof SocketTimeoutError) onTimeout(err);
    }
    if (!stdin.destroyed) stdin.end();
  }

  /** Log each line the script writes to standard error (never sent to the client). */
  #logStderr(stderr: Readable, touch: () => void): void {
    let partial = "";
    const log = (line: string): void => this.logError("%s", line.endsWith("\r") ? line.slice(0, -1) : line);
    stderr.setEncoding("utf8");
    stderr.on("data", (text: string) => {
      touch();
      partial += text;
      let nl: number;
      while ((nl = partial.indexOf("\n")) !== -1) {
        log(partial.slice(0, nl));
        partial = partial.slice(nl + 1);
      }
      while (partial.length > STDERR_LINE_LIMIT) {
        log(partial.slice(0, STDERR_LINE_LIMIT));
        partial = partial.slice(STDERR_LINE_LIMIT);
      }
    });
    stderr.once("end", () => {
      if (partial) log(partial);
      partial = "";
    });
  }

  /**
   * Stream the script's standard output to the client, pausing the script
   * while the client catches up. In status-header mode the header block is
   * held back and turned into our status line first. Returns whether a
   * status line (or output) has been sent. A client that left or stopped
   * reading ends the copy through `onClientGone`.
   */
  async #copyOutput(
    stdout: Readable,
    touch: () => void,
    onClientGone: (why: string) => void,
    aborted: () => boolean,
  ): Promise<boolean> {
    let pending: Buffer | null = this.cgiStatusHeaders ? Buffer.alloc(0) : null;
    let sent = pending === null;
    const send = async (data: Buffer): Promise<boolean> => {
      try {
        if (data.length) this.wfile.write(data);
        await this.wfile.flush();
        return true;
      } catch (err) {
        // A send that timed out is a client that stopped reading: as gone
        // as one that closed, and no reason for a 500.
        if (err instanceof SocketTimeoutError) onClientGone("the client stopped reading");
        else if (isPeerGone(err)) onClientGone("the client closed the connection");
        else throw err;
        return false;
      }
    };
    try {
      for await (const data of stdout as AsyncIterable<Buffer>) {
        touch();
        let chunk = data;
        if (pending !== null) {
          pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
          const head = parseScriptHead(pending, false);
          if (head === "more") continue;
          chunk = this.#sendScriptHead(head, pending);
          pending = null;
          sent = true;
        }
        if (!(await send(chunk))) return sent;
      }
    } catch (err) {
      if (!aborted()) throw err;
    }
    if (aborted()) return sent;
    if (pending !== null) {
      // The output ended inside (or without) its header block.
      const head = pending.length ? parseScriptHead(pending, true) : null;
      await send(this.#sendScriptHead(head === "more" ? null : head, pending));
      sent = true;
    }
    return sent;
  }

  /**
   * Send our status line and headers for a script's output; returns the
   * bytes still to send. Without a usable header block, Python's response:
   * `200 Script output follows` and the output as it is.
   */
  #sendScriptHead(head: ScriptHead | null, output: Buffer): Buffer {
    if (head === null) {
      this.sendResponse(200, "Script output follows");
      this.flushHeaders();
      return output;
    }
    if (head.code === 200 && head.reason === null) this.sendResponse(200, "Script output follows");
    else this.sendResponse(head.code, head.reason);
    let connection = false;
    for (const [name, value] of head.headers) {
      if (name.toLowerCase() === "connection") connection = true;
      this.sendHeader(name, value);
    }
    if (!connection && this.protocolVersion >= "HTTP/1.1") this.sendHeader("Connection", "close");
    this.endHeaders();
    this.closeConnection = true;
    return output.subarray(head.bodyStart);
  }
}

/** Has the client closed its connection, failed, or (on a network socket) sent its FIN? */
function clientLeft(conn: Duplex): boolean {
  return conn.destroyed === true || (conn instanceof net.Socket && conn.readableEnded);
}

CGIHTTPRequestHandler.prototype.cgiDirectories = ["/cgi-bin", "/htbin"];
CGIHTTPRequestHandler.prototype.haveFork = POSIX;
CGIHTTPRequestHandler.prototype.rbufsize = 0;
CGIHTTPRequestHandler.prototype.pythonInterpreter = "python3";
CGIHTTPRequestHandler.prototype.cgiStatusHeaders = true;
CGIHTTPRequestHandler.prototype.cgiTimeout = 30;
CGIHTTPRequestHandler.prototype.cgiTotalTimeout = 300;
pythonNames(CGIHTTPRequestHandler, { attributes: ["cgiInfo"] });

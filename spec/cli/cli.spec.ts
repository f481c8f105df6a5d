/**
 * The `http.server` command line (lib/cli/cli.ts and the bin
 * cli-main.ts): argument parsing against argparse's behaviour, the help
 * layout, `test()` in process, and the bin end to end, spawned with
 * `process.execPath` in a temporary folder. Every spawned process runs in
 * its own process group and is killed in `afterEach`, whatever happened.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";

import {
  KEYBOARD_INTERRUPT_MESSAGE,
  defaultOptions,
  formatHelp,
  formatUsage,
  lanUrls,
  main,
  parseCommandLine,
  resolveBindAddress,
  test as runTest,
  type ServerClassLike,
} from "../../lib/cli/cli.js";
import { ThreadingHTTPServer } from "../../lib/http/server/http-server.js";
import { SimpleHTTPRequestHandler } from "../../lib/http/server/files/simple-handler.js";
import { AF_INET, AF_INET6 } from "../../lib/socketserver/address.js";
import type { RequestHandlerClass } from "../../lib/socketserver/base-server.js";
import { delay, within } from "../helpers.js";
import { BIN, Collector, STARTUP, opts, parseError, children, get, killGroup, spawnCli, spawnProcess, startCli, stop } from "./cli-helpers.js";


// ---------------------------------------------------------------------------
// Small bounded helpers


const here = path.dirname(fileURLToPath(import.meta.url));

function hasCommand(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 10000 });
  return !r.error && r.status === 0;
}

let ipv6Cache: boolean | undefined;
async function ipv6Works(): Promise<boolean> {
  if (ipv6Cache !== undefined) return ipv6Cache;
  ipv6Cache = await new Promise<boolean>((resolve) => {
    const s = net.createServer();
    s.once("error", () => resolve(false));
    s.listen({ host: "::1", port: 0 }, () => s.close(() => resolve(true)));
  });
  return ipv6Cache;
}

/** A listening socket on a free loopback port, to make the port "in use". */
async function occupyPort(): Promise<{ port: number; close: () => Promise<void> }> {
  const s = net.createServer();
  await new Promise<void>((resolve, reject) => {
    s.once("error", reject);
    s.listen({ host: "127.0.0.1", port: 0 }, () => resolve());
  });
  return {
    port: (s.address() as net.AddressInfo).port,
    close: () => new Promise<void>((resolve) => s.close(() => resolve())),
  };
}



/** Send raw bytes on one connection; resolve with everything read until `done(text)` or the peer closes. */
function rawExchange(port: number, data: string, done: (text: string) => boolean, host = "127.0.0.1"): Promise<{ text: string; closed: boolean }> {
  return within(
    new Promise((resolve, reject) => {
      const sock = net.connect({ host, port });
      let text = "";
      let finished = false;
      const finish = (closed: boolean): void => {
        if (finished) return;
        finished = true;
        sock.destroy();
        resolve({ text, closed });
      };
      sock.on("connect", () => sock.write(data));
      sock.on("data", (c: Buffer) => {
        text += c.toString("latin1");
        if (done(text)) finish(false);
      });
      sock.on("end", () => finish(true));
      sock.on("close", () => finish(true));
      sock.on("error", (err) => (finished ? undefined : reject(err)));
    }),
    10000,
    "a raw exchange",
  );
}

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

/** A temporary folder with a file, a sub folder and a dotfile. */
function makeSite(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cli-spec-"));
  fs.writeFileSync(path.join(dir, "hello.txt"), "hello, world\n");
  fs.mkdirSync(path.join(dir, "sub"));
  fs.writeFileSync(path.join(dir, "sub", "inner.txt"), "inner file\n");
  fs.writeFileSync(path.join(dir, ".secret"), "hidden\n");
  return dir;
}

// ---------------------------------------------------------------------------

describe("http.server command line", function () {
  this.timeout(30000);

  afterEach(() => {
    for (const child of [...children]) killGroup(child);
  });

  describe("parseCommandLine()", () => {
    it("gives Python's defaults with no arguments", () => {
      const o = opts([], "/srv/www");
      expect(o).to.deep.equal({ ...defaultOptions("/srv/www") });
      expect(o.port).to.equal(8000);
      expect(o.bind).to.equal(null);
      expect(o.directory).to.equal("/srv/www");
      expect(o.protocol).to.equal("HTTP/1.0");
      expect(o.cgi).to.equal(false);
      expect(o.workers).to.equal(1);
      expect(o.headers).to.deep.equal([]);
    });

    it("reads the port as Python's int() does", () => {
      expect(opts(["9000"]).port).to.equal(9000);
      expect(opts([" 12 "]).port).to.equal(12);
      expect(opts(["+12"]).port).to.equal(12);
      expect(opts(["1_000"]).port).to.equal(1000);
      expect(opts(["0080"]).port).to.equal(80);
      expect(opts(["0"]).port).to.equal(0);
      expect(opts(["--", "65535"]).port).to.equal(65535);
    });

    it("rejects ports that are not ints, with argparse's message", () => {
      expect(parseError(["abc"])).to.equal("argument port: invalid int value: 'abc'");
      expect(parseError(["1.5"])).to.equal("argument port: invalid int value: '1.5'");
      expect(parseError(["0x10"])).to.equal("argument port: invalid int value: '0x10'");
      expect(parseError(["1__0"])).to.equal("argument port: invalid int value: '1__0'");
      expect(parseError(["it's"])).to.equal(`argument port: invalid int value: "it's"`);
    });

    it("rejects ports outside 0-65535 (Python fails later, at bind)", () => {
      expect(parseError(["65536"])).to.equal("argument port: port must be 0-65535, got 65536");
      expect(parseError(["-5"])).to.equal("argument port: port must be 0-65535, got -5");
    });

    it("takes -b/--bind in every argparse spelling", () => {
      expect(opts(["-b", "127.0.0.1"]).bind).to.equal("127.0.0.1");
      expect(opts(["--bind", "::1"]).bind).to.equal("::1");
      expect(opts(["-b127.0.0.1"]).bind).to.equal("127.0.0.1");
      expect(opts(["-b=h"]).bind).to.equal("h");
      expect(opts(["--bind=h", "7"])).to.include({ bind: "h", port: 7 });
      expect(opts(["--bi", "h"]).bind).to.equal("h");
      expect(opts(["--bind="]).bind).to.equal("");
      expect(opts(["-b", "-5"]).bind).to.equal("-5");
    });

    it("takes -d/--directory, made absolute against the working folder", () => {
      expect(opts(["-d", "public"], "/srv").directory).to.equal("/srv/public");
      expect(opts(["--directory", "/var/www"]).directory).to.equal("/var/www");
      expect(opts(["--dir", "x", "-d", "y"], "/a").directory).to.equal("/a/y");
    });

    it("takes -p/--protocol without validating it", () => {
      expect(opts(["-p", "HTTP/1.1"]).protocol).to.equal("HTTP/1.1");
      expect(opts(["-pHTTP/1.1"]).protocol).to.equal("HTTP/1.1");
      expect(opts(["--protocol", "nonsense"]).protocol).to.equal("nonsense");
      expect(opts(["--pro", "X"]).protocol).to.equal("X");
    });

    it("takes --cgi as a flag", () => {
      expect(opts(["--cgi"]).cgi).to.equal(true);
      expect(opts(["--cg"]).cgi).to.equal(true);
      expect(parseError(["--cgi=1"])).to.equal("argument --cgi: ignored explicit argument '1'");
    });

    it("takes the TLS options, resolved against the working folder", () => {
      const o = opts(["--tls-cert", "c.pem", "--tls-key", "/k.pem"], "/etc/tls");
      expect(o.tlsCert).to.equal("/etc/tls/c.pem");
      expect(o.tlsKey).to.equal("/k.pem");
      expect(o.tlsPassword).to.equal(null);
    });

    it("reads --tls-password-file, stripped of surrounding whitespace", () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cli-pw-"));
      fs.writeFileSync(path.join(dir, "pw"), "  s3cret pass \n\n");
      const o = opts(["--tls-cert", "c.pem", "--tls-password-file", "pw"], dir);
      expect(o.tlsPassword).to.equal("s3cret pass");
      expect(o.tlsPasswordFile).to.equal("pw");
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it("reports Python's TLS errors", () => {
      expect(parseError(["--tls-key", "k"])).to.equal("--tls-key requires --tls-cert to be set");
      expect(parseError(["--tls-password-file", "p"])).to.equal("--tls-password-file requires --tls-cert to be set");
      expect(parseError(["--tls-cert", "c", "--tls-password-file", "/no/such/file"])).to.equal(
        "Failed to read TLS password file: [Errno 2] No such file or directory: '/no/such/file'",
      );
      expect(parseError(["--tls-cert", "c", "--tls-password-file", os.tmpdir()])).to.equal(
        `Failed to read TLS password file: [Errno 21] Is a directory: '${os.tmpdir()}'`,
      );
    });

    it("takes -H/--header as 'Name: value', repeatable, in order", () => {
      const o = opts(["-H", "X-One: 1", "--header", "X-Two:two words ", "-HX-Three: 3", "--header=X-Four: a:b"]);
      expect(o.headers).to.deep.equal([
        ["X-One", "1"],
        ["X-Two", "two words"],
        ["X-Three", "3"],
        ["X-Four", "a:b"],
      ]);
    });

    it("also takes Python 3.15's two-argument form, -H NAME VALUE", () => {
      const o = opts(["-H", "X-Frame-Options", "DENY", "8080", "--header", "X-Empty", ""]);
      expect(o.headers).to.deep.equal([
        ["X-Frame-Options", "DENY"],
        ["X-Empty", ""],
      ]);
      expect(o.port).to.equal(8080);
    });

    it("rejects malformed headers", () => {
      expect(parseError(["-H"])).to.equal("argument -H/--header: expected 'Name: value' or two arguments NAME VALUE");
      expect(parseError(["-H", "X-Alone"])).to.equal(
        "argument -H/--header: invalid header 'X-Alone': expected 'Name: value' or two arguments NAME VALUE",
      );
      expect(parseError(["-H", "Bad Name: v"])).to.match(/^argument -H\/--header: invalid header 'Bad Name: v'/);
      expect(parseError(["-H", ": v"])).to.match(/^argument -H\/--header: invalid header/);
      expect(parseError(["-H", "X-A: a\r\nX-B: b"])).to.match(/contains CR, LF or NUL$/);
    });

    it("takes --cors, --cache-control, --precompressed, --hide-dotfiles, --follow-symlinks", () => {
      const o = opts(["--cors", "--cache-control", "no-cache", "--precompressed", "--hide-dotfiles", "--follow-symlinks"]);
      expect(o).to.include({ cors: true, cacheControl: "no-cache", precompressed: true, hideDotfiles: true, followSymlinks: true });
      expect(opts(["--cache-control=max-age=60"]).cacheControl).to.equal("max-age=60");
      expect(parseError(["--cache-control", "a\nb"])).to.match(/^argument --cache-control: invalid header value/);
    });

    it("takes --workers N >= 1", () => {
      expect(opts(["--workers", "4"]).workers).to.equal(4);
      expect(opts(["--workers=1"]).workers).to.equal(1);
      expect(parseError(["--workers", "x"])).to.equal("argument --workers: invalid int value: 'x'");
      expect(parseError(["--workers", "0"])).to.equal("argument --workers: must be at least 1, got 0");
      expect(parseError(["--workers", "2", "--tls-cert", "c"])).to.match(/^argument --workers: cannot be combined with --tls-cert/);
    });

    it("asks for help on -h/--help, at the point argparse would", () => {
      expect(parseCommandLine(["-h"]).help).to.equal(true);
      expect(parseCommandLine(["--help"]).help).to.equal(true);
      expect(parseCommandLine(["--hel"]).help).to.equal(true);
      expect(parseError(["--he"])).to.equal("ambiguous option: --he could match --help, --header");
      expect(parseCommandLine(["-h", "abc"]).help).to.equal(true);
      expect(parseCommandLine(["-hx"]).help).to.equal(true);
      expect(parseError(["abc", "-h"])).to.equal("argument port: invalid int value: 'abc'");
      expect(parseError(["--help=1"])).to.equal("argument -h/--help: ignored explicit argument '1'");
      expect(parseError(["-hb"])).to.equal("argument -b/--bind: expected one argument");
    });

    it("reports missing option arguments", () => {
      for (const [flag, name] of [
        ["-b", "-b/--bind"],
        ["-d", "-d/--directory"],
        ["--protocol", "-p/--protocol"],
        ["--tls-cert", "--tls-cert"],
        ["--workers", "--workers"],
        ["--cache-control", "--cache-control"],
      ] as const) {
        expect(parseError([flag])).to.equal(`argument ${name}: expected one argument`);
      }
      expect(parseError(["-b", "--cors"])).to.equal("argument -b/--bind: expected one argument");
      expect(parseError(["-b", "--"])).to.equal("argument -b/--bind: expected one argument");
    });

    it("reports unrecognized arguments together, after the other errors", () => {
      expect(parseError(["1", "2"])).to.equal("unrecognized arguments: 2");
      expect(parseError(["--foo"])).to.equal("unrecognized arguments: --foo");
      expect(parseError(["-q", "-r", "--x=1"])).to.equal("unrecognized arguments: -q -r --x=1");
      expect(parseError(["8000", "-b", "h", "9000"])).to.equal("unrecognized arguments: 9000");
      expect(parseError(["--foo", "abc"])).to.equal("argument port: invalid int value: 'abc'");
      expect(parseError(["--foo", "--tls-key", "k"])).to.equal("unrecognized arguments: --foo");
    });

    it("treats everything after -- as positional", () => {
      expect(parseError(["--", "--cors"])).to.equal("argument port: invalid int value: '--cors'");
      expect(parseError(["--", "1", "--", "2"])).to.equal("unrecognized arguments: -- 2");
      expect(opts(["-b", "x", "--", "9"])).to.include({ bind: "x", port: 9 });
    });

    it("reports ambiguous abbreviations like argparse", () => {
      expect(parseError(["--c"])).to.equal("ambiguous option: --c could match --cgi, --cors, --cache-control, --charset");
      expect(parseError(["--h"])).to.equal("ambiguous option: --h could match --help, --header, --hide-dotfiles, --http2");
      expect(opts(["--co"]).cors).to.equal(true);
      expect(opts(["--w", "2"]).workers).to.equal(2);
    });
  });

  describe("help and usage", () => {
    it("lays out the usage as argparse does, wrapped at the terminal width", () => {
      expect(formatUsage(80)).to.equal(
        "usage: http.server [-h] [--cgi] [-b ADDRESS] [-d DIRECTORY] [-p VERSION]\n" +
          "                   [--tls-cert PATH] [--tls-key PATH]\n" +
          "                   [--tls-password-file PATH] [-H HEADER] [--cors]\n" +
          "                   [--cache-control VALUE] [--precompressed] [--hide-dotfiles]\n" +
          "                   [--follow-symlinks] [--workers N] [--tls-self-signed]\n" +
          "                   [--tls-save DIR] [--http2] [--auth USER:PASSWORD]\n" +
          "                   [--auth-file FILE] [--token [TOKEN]] [--upload]\n" +
          "                   [--max-upload SIZE] [--overwrite] [--open] [--qr]\n" +
          "                   [--charset NAME] [--spa [FILE]] [--log-format FORMAT]\n" +
          "                   [port]\n",
      );
      expect(formatUsage(1000).split("\n")).to.have.length(2);
    });

    it("lists Python's arguments first, exactly as Python 3.14 prints them", () => {
      const help = formatHelp(80);
      // The options block of `python3.13 -m http.server --help` (3.13 and 3.14 format), TLS lines from 3.14.
      const python = [
        "positional arguments:",
        "  port                  bind to this port (default: 8000)",
        "",
        "options:",
        "  -h, --help            show this help message and exit",
        "  --cgi                 run as CGI server",
        "  -b, --bind ADDRESS    bind to this address (default: all interfaces)",
        "  -d, --directory DIRECTORY",
        "                        serve this directory (default: current directory)",
        "  -p, --protocol VERSION",
        "                        conform to this HTTP version (default: HTTP/1.0)",
        "  --tls-cert PATH       path to the TLS certificate chain file",
        "  --tls-key PATH        path to the TLS key file",
        "  --tls-password-file PATH",
        "                        path to the password file for the TLS key",
        "",
      ].join("\n");
      expect(help).to.include("\n\n" + python + "\n");
      expect(help.startsWith(formatUsage(80) + "\n")).to.equal(true);
    });

    it("documents every addition in its own section", () => {
      const help = formatHelp(80);
      const section = help.slice(help.indexOf("additions (not in Python's http.server):"));
      for (const flag of ["-H, --header HEADER", "--cors", "--cache-control VALUE", "--precompressed", "--hide-dotfiles", "--follow-symlinks", "--workers N"]) {
        expect(section).to.include(`  ${flag}`);
      }
      expect(section).to.include("Python 3.15");
      expect(help.endsWith("\n")).to.equal(true);
      expect(help.endsWith("\n\n")).to.equal(false);
    });

    it("wraps help text within the width", () => {
      for (const columns of [60, 80, 120]) {
        for (const line of formatHelp(columns).split("\n")) expect(line.length).to.be.at.most(columns - 2);
      }
    });

    it("names the same options as `python3 -m http.server --help`, with the same help strings", function () {
      const r = spawnSync("python3", ["-m", "http.server", "--help"], { encoding: "utf8", timeout: 15000, env: { ...process.env, COLUMNS: "80" } });
      if (r.error || r.status !== 0) this.skip();
      const flags = (text: string): Set<string> => new Set(text.match(/(?<=^|[\s,[])--?[a-z][a-z-]*/gim) ?? []);
      const ours = flags(formatHelp(80));
      for (const flag of flags(r.stdout)) expect(ours.has(flag), `${flag} in our --help`).to.equal(true);
      // Each help string Python prints (after the invocation column) appears in ours.
      const pyHelp = r.stdout.replace(/\n {20,}/g, "  ");
      const ourHelp = formatHelp(80).replace(/\n {20,}/g, " ");
      const strings = [...pyHelp.matchAll(/^ {2}\S.*? {2,}(\S.*)$/gm)].map((m) => m[1]!);
      expect(strings).to.include("run as CGI server");
      expect(strings).to.include("bind to this address (default: all interfaces)");
      expect(strings.length).to.be.at.least(6);
      for (const text of strings) expect(ourHelp).to.include(text);
    });
  });

  describe("main() and test() in process", () => {
    it("prints help to stdout and returns 0", async () => {
      const out = new Collector();
      const err = new Collector();
      expect(await main(["--help"], { stdout: out, stderr: err, columns: 80 })).to.equal(0);
      expect(out.text).to.equal(formatHelp(80));
      expect(err.text).to.equal("");
    });

    it("prints usage and the error to stderr and returns 2", async () => {
      const out = new Collector();
      const err = new Collector();
      expect(await main(["abc"], { stdout: out, stderr: err, columns: 80 })).to.equal(2);
      expect(out.text).to.equal("");
      expect(err.text).to.equal(formatUsage(80) + "http.server: error: argument port: invalid int value: 'abc'\n");
    });

    it("returns 1 with one line when the port is in use", async () => {
      const busy = await occupyPort();
      try {
        const out = new Collector();
        const err = new Collector();
        const code = await main(["-b", "127.0.0.1", String(busy.port)], { stdout: out, stderr: err, handleSignals: false });
        expect(code).to.equal(1);
        expect(out.text).to.equal("");
        expect(err.text).to.equal(`http.server: error: cannot bind ('127.0.0.1', ${busy.port}): address already in use\n`);
      } finally {
        await busy.close();
      }
    });

    it("test() serves until stopped, then prints Python's message and returns 0", async () => {
      const dir = makeSite();
      class Quiet extends SimpleHTTPRequestHandler {
        constructor(request: unknown, clientAddress: unknown, server: never) {
          super(request, clientAddress, server, { directory: dir });
        }
        override logMessage(): void {}
      }
      class Server extends ThreadingHTTPServer {}
      const out = new Collector();
      const ac = new AbortController();
      let port = 0;
      const done = runTest({
        HandlerClass: Quiet as unknown as RequestHandlerClass,
        ServerClass: Server as unknown as ServerClassLike,
        port: 0,
        bind: "127.0.0.1",
        protocol: "HTTP/1.1",
        stdout: out,
        signal: ac.signal,
        handleSignals: false,
        onServing: (s) => (port = (s.serverAddress as [string, number])[1]),
      });
      try {
        await within(
          (async () => {
            while (port === 0) await delay(5);
          })(),
          5000,
          "the server to start",
        );
        expect(out.text).to.equal(`Serving HTTP on 127.0.0.1 port ${port} (http://127.0.0.1:${port}/) ...\n`);
        expect(Quiet.prototype.protocolVersion).to.equal("HTTP/1.1"); // set on the class, as Python does
        expect(Server.prototype.addressFamily).to.equal(AF_INET);
        const reply = await get(`http://127.0.0.1:${port}/hello.txt`);
        expect(reply.statusLine).to.equal("HTTP/1.1 200 OK");
        expect(reply.body).to.equal("hello, world\n");
      } finally {
        ac.abort();
        expect(await within(done, 5000, "test() to return")).to.equal(0);
        fs.rmSync(dir, { recursive: true, force: true });
      }
      expect(out.text.endsWith(KEYBOARD_INTERRUPT_MESSAGE)).to.equal(true);
    });

    it("resolves bind addresses as Python's _get_best_family() does", async () => {
      expect(await resolveBindAddress("127.0.0.1", 80)).to.deep.equal([AF_INET, ["127.0.0.1", 80]]);
      expect(await resolveBindAddress("::1", 80)).to.deep.equal([AF_INET6, ["::1", 80]]);
      const [family, [host]] = await resolveBindAddress(null, 80);
      expect(family === AF_INET6 ? host : "::").to.equal("::");
      if (family === AF_INET) expect(host).to.equal("0.0.0.0");
      const [, [local]] = await resolveBindAddress("localhost", 80);
      expect(net.isIP(local)).to.not.equal(0);
      try {
        await resolveBindAddress("no-such-host.invalid", 80);
        expect.fail("resolved an invalid name");
      } catch (err) {
        expect((err as Error).message).to.match(/^cannot resolve bind address 'no-such-host\.invalid': /);
      }
    });

    it("lists LAN URLs only for wildcard binds", () => {
      expect(lanUrls("127.0.0.1", 8000, "http")).to.deep.equal([]);
      for (const url of lanUrls("::", 8000, "https")) expect(url).to.match(/^https:\/\/(\d+\.\d+\.\d+\.\d+|\[[0-9a-f:]+\]):8000\/$/);
      for (const url of lanUrls("0.0.0.0", 8000, "http")) expect(url).to.match(/^http:\/\/\d+\.\d+\.\d+\.\d+:8000\/$/);
    });
  });

  describe("the http.server bin", () => {
    let site: string;
    beforeEach(() => {
      site = makeSite();
    });
    afterEach(() => {
      fs.rmSync(site, { recursive: true, force: true });
    });

    it("starts with a shebang line, and `npm run build` leaves it executable", function () {
      expect(fs.readFileSync(BIN, "utf8").startsWith("#!/usr/bin/env node\n")).to.equal(true);
      if (process.platform === "win32") return;
      // Run the postbuild step that `npm run build` runs after tsc.
      const root = path.resolve(here, "../../..");
      const r = spawnSync("npm", ["run", "--silent", "postbuild"], { cwd: root, encoding: "utf8", timeout: 60000 });
      if (r.error) this.skip();
      expect(r.status, r.stderr).to.equal(0);
      expect(fs.statSync(BIN).mode & 0o111).to.equal(0o111);
    });

    it("prints Python's startup line, then serves files and listings with Python's log lines", async () => {
      const run = await startCli(["-b", "127.0.0.1", "0"], site);
      const p = run.port;
      expect(run.stdout()).to.equal(`Serving HTTP on 127.0.0.1 port ${p} (http://127.0.0.1:${p}/) ...\n`);

      const file = await get(`http://127.0.0.1:${p}/hello.txt`);
      expect(file.statusLine).to.equal("HTTP/1.0 200 OK");
      expect(file.body).to.equal("hello, world\n");
      // The command line names the charset of text files (see docs/deviations.md).
      expect(file.headers["content-type"]).to.equal("text/plain; charset=utf-8");
      expect(file.headers.server).to.match(/^SimpleHTTP\/0\.6 /);

      const listing = await get(`http://127.0.0.1:${p}/`);
      expect(listing.status).to.equal(200);
      expect(listing.body).to.include("Directory listing for /");
      expect(listing.body).to.include('<a href="hello.txt">hello.txt</a>');
      expect(listing.body).to.include('<a href="sub/">sub/</a>');

      await run.waitStderr(/"GET \/ HTTP\/1\.1" 200 -\n/);
      const lines = run.stderr().trimEnd().split("\n");
      expect(lines).to.have.length(2);
      expect(lines[0]).to.match(/^127\.0\.0\.1 - - \[\d\d\/\w{3}\/\d{4} \d\d:\d\d:\d\d\] "GET \/hello\.txt HTTP\/1\.1" 200 -$/);
      expect((await stop(run)).code).to.equal(0);
    });

    it("prints the same startup line as `python3 -m http.server`", async function () {
      if (!hasCommand("python3", ["--version"])) this.skip();
      const binds = ["127.0.0.1"];
      if (await ipv6Works()) binds.push("::1");
      for (const bind of binds) {
        const py = spawnProcess("python3", ["-u", "-m", "http.server", "0", "-b", bind], site);
        const pyLine = (await py.waitStdout(/^.*\n/))[0];
        killGroup(py.child);
        const ours = await startCli(["0", "-b", bind], site);
        const ourLine = ours.stdout().split("\n")[0] + "\n";
        killGroup(ours.child);
        const normalise = (line: string): string => line.replace(/\d{2,5}/g, "PORT");
        expect(normalise(ourLine)).to.equal(normalise(pyLine));
        expect(pyLine).to.match(STARTUP);
      }
    });

    it("binds every interface, dual-stack, without -b, and lists the LAN addresses", async () => {
      const run = await startCli(["0"], site);
      const p = run.port;
      const [first, ...rest] = run.stdout().trimEnd().split("\n");
      if (await ipv6Works()) {
        expect(first).to.equal(`Serving HTTP on :: port ${p} (http://[::]:${p}/) ...`);
        expect((await get(`http://[::1]:${p}/hello.txt`)).body).to.equal("hello, world\n");
      } else {
        expect(first).to.equal(`Serving HTTP on 0.0.0.0 port ${p} (http://0.0.0.0:${p}/) ...`);
      }
      expect((await get(`http://127.0.0.1:${p}/hello.txt`)).body).to.equal("hello, world\n");
      for (const line of rest) expect(line).to.match(new RegExp(`^  http://(\\d+\\.\\d+\\.\\d+\\.\\d+|\\[[0-9a-f:]+\\]):${p}/$`));
      expect(rest).to.deep.equal(lanUrls(run.host, p, "http").map((u) => `  ${u}`));
      expect((await stop(run)).code).to.equal(0);
    });

    it("serves the folder given with -d", async () => {
      const run = await startCli(["-d", "sub", "-b", "127.0.0.1", "0"], site);
      expect((await get(`http://127.0.0.1:${run.port}/inner.txt`)).body).to.equal("inner file\n");
      expect((await get(`http://127.0.0.1:${run.port}/hello.txt`)).status).to.equal(404);
      expect((await stop(run)).code).to.equal(0);
    });

    it("keeps connections alive with -p HTTP/1.1, and closes them with the default HTTP/1.0", async () => {
      const request = "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n";
      const v11 = await startCli(["-p", "HTTP/1.1", "-b", "127.0.0.1", "0"], site);
      const two = await rawExchange(v11.port, request + request, (t) => count(t, "hello, world\n") === 2);
      expect(count(two.text, "HTTP/1.1 200 OK\r\n")).to.equal(2);
      expect(two.closed).to.equal(false);
      await stop(v11);

      const v10 = await startCli(["-b", "127.0.0.1", "0"], site);
      const one = await rawExchange(v10.port, request + request, () => false);
      expect(one.closed).to.equal(true);
      expect(count(one.text, "HTTP/1.0 200 OK\r\n")).to.equal(1);
      await stop(v10);
    });

    it("prints --help to stdout and exits 0", async () => {
      const run = spawnCli(["--help"], site);
      const { code } = await within(run.exited, 10000, "--help to exit");
      expect(code).to.equal(0);
      expect(run.stdout()).to.equal(formatHelp(80));
      expect(run.stderr()).to.equal("");
    });

    it("exits 2 with usage and argparse's message for a bad port", async () => {
      const run = spawnCli(["abc"], site);
      const { code } = await within(run.exited, 10000, "exit");
      expect(code).to.equal(2);
      expect(run.stdout()).to.equal("");
      expect(run.stderr()).to.equal(formatUsage(80) + "http.server: error: argument port: invalid int value: 'abc'\n");
    });

    it("exits 2 for unrecognized arguments and TLS option errors", async () => {
      for (const [args, message] of [
        [["--nope"], "unrecognized arguments: --nope"],
        [["--tls-key", "k.pem"], "--tls-key requires --tls-cert to be set"],
        [["--tls-cert", "c.pem", "--tls-password-file", "missing.txt"], "Failed to read TLS password file: [Errno 2] No such file or directory: 'missing.txt'"],
      ] as const) {
        const run = spawnCli([...args], site);
        const { code } = await within(run.exited, 10000, "exit");
        expect(code).to.equal(2);
        expect(run.stderr().split("\n").slice(-2)[0]).to.equal(`http.server: error: ${message}`);
      }
    });

    it("exits 1 with one line on stderr when the port is in use", async () => {
      const busy = await occupyPort();
      try {
        const run = spawnCli(["-b", "127.0.0.1", String(busy.port)], site);
        const { code } = await within(run.exited, 10000, "exit");
        expect(code).to.equal(1);
        expect(run.stdout()).to.equal("");
        expect(run.stderr()).to.equal(`http.server: error: cannot bind ('127.0.0.1', ${busy.port}): address already in use\n`);
      } finally {
        await busy.close();
      }
    });

    it("exits 1 with one line when the bind address does not resolve", async () => {
      const run = spawnCli(["-b", "no-such-host.invalid", "0"], site);
      const { code } = await within(run.exited, 15000, "exit");
      expect(code).to.equal(1);
      expect(run.stderr()).to.match(/^http\.server: error: cannot resolve bind address 'no-such-host\.invalid': [^\n]+\n$/);
    });

    it("prints Python's message on SIGINT and exits 0", async () => {
      const run = await startCli(["-b", "127.0.0.1", "0"], site);
      const { code, signal } = await stop(run, "SIGINT");
      expect(signal).to.equal(null);
      expect(code).to.equal(0);
      expect(run.stdout().endsWith("\n" + KEYBOARD_INTERRUPT_MESSAGE)).to.equal(true);
      expect(run.stdout()).to.equal(`Serving HTTP on 127.0.0.1 port ${run.port} (http://127.0.0.1:${run.port}/) ...\n${KEYBOARD_INTERRUPT_MESSAGE}`);
    });

    it("shuts down on SIGTERM and exits 0", async () => {
      const run = await startCli(["-b", "127.0.0.1", "0"], site);
      expect((await get(`http://127.0.0.1:${run.port}/hello.txt`)).status).to.equal(200);
      const { code, signal } = await stop(run, "SIGTERM");
      expect(signal).to.equal(null);
      expect(code).to.equal(0);
      expect(run.stdout()).to.not.include("Keyboard interrupt");
    });

    it("adds -H headers, --cors and --cache-control to responses", async () => {
      const run = await startCli(
        ["-H", "X-Frame-Options: DENY", "--header", "X-Two", "second", "--cors", "--cache-control", "no-cache", "-b", "127.0.0.1", "0"],
        site,
      );
      for (const url of [`http://127.0.0.1:${run.port}/hello.txt`, `http://127.0.0.1:${run.port}/`]) {
        const reply = await get(url);
        expect(reply.status).to.equal(200);
        expect(reply.headers["x-frame-options"]).to.equal("DENY");
        expect(reply.headers["x-two"]).to.equal("second");
        expect(reply.headers["access-control-allow-origin"]).to.equal("*");
        expect(reply.headers["cache-control"]).to.equal("no-cache");
      }
      await stop(run);
    });

    it("hides dotfiles with --hide-dotfiles", async () => {
      const plain = await startCli(["-b", "127.0.0.1", "0"], site);
      expect((await get(`http://127.0.0.1:${plain.port}/.secret`)).status).to.equal(200);
      await stop(plain);
      const run = await startCli(["--hide-dotfiles", "-b", "127.0.0.1", "0"], site);
      expect((await get(`http://127.0.0.1:${run.port}/.secret`)).status).to.equal(404);
      expect((await get(`http://127.0.0.1:${run.port}/`)).body).to.not.include(".secret");
      await stop(run);
    });

    it("serves HTTPS with --tls-cert and --tls-key, and an encrypted key with --tls-password-file", async function () {
      if (!hasCommand("openssl", ["version"])) this.skip();
      const subj = ["-subj", "/CN=localhost", "-days", "1"];
      const ssl = (args: string[]): void => {
        const r = spawnSync("openssl", args, { cwd: site, encoding: "utf8", timeout: 30000 });
        if (r.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr}`);
      };
      ssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", ...subj, "-keyout", "key.pem", "-out", "cert.pem"]);
      ssl(["pkey", "-in", "key.pem", "-aes256", "-passout", "pass:s3cret", "-out", "enc.pem"]);
      fs.writeFileSync(path.join(site, "pw.txt"), "s3cret\n");

      const run = await startCli(["--tls-cert", "cert.pem", "--tls-key", "key.pem", "-b", "127.0.0.1", "0"], site);
      expect(run.stdout()).to.equal(`Serving HTTPS on 127.0.0.1 port ${run.port} (https://127.0.0.1:${run.port}/) ...\n`);
      const reply = await get(`https://127.0.0.1:${run.port}/hello.txt`, { ca: fs.readFileSync(path.join(site, "cert.pem")), servername: "localhost" });
      expect(reply.body).to.equal("hello, world\n");
      await stop(run);

      const enc = await startCli(["--tls-cert", "cert.pem", "--tls-key", "enc.pem", "--tls-password-file", "pw.txt", "-b", "127.0.0.1", "0"], site);
      expect((await get(`https://127.0.0.1:${enc.port}/hello.txt`)).body).to.equal("hello, world\n");
      await stop(enc);

      const noPassword = spawnCli(["--tls-cert", "cert.pem", "--tls-key", "enc.pem", "-b", "127.0.0.1", "0"], site);
      expect((await within(noPassword.exited, 10000, "exit")).code).to.equal(1);
      expect(noPassword.stderr()).to.match(/^http\.server: error: [^\n]*--tls-password-file\)\n$/);

      const badCert = spawnCli(["--tls-cert", "hello.txt", "-b", "127.0.0.1", "0"], site);
      expect((await within(badCert.exited, 10000, "exit")).code).to.equal(1);
      expect(badCert.stderr()).to.match(/^http\.server: error: cannot load the TLS certificate or key: [^\n]+\n$/);
    });

    it("runs --cgi with CGIHTTPRequestHandler, still serving plain files", async () => {
      const run = await startCli(["--cgi", "-b", "127.0.0.1", "0"], site);
      expect((await get(`http://127.0.0.1:${run.port}/hello.txt`)).body).to.equal("hello, world\n");
      expect((await stop(run)).code).to.equal(0);
    });

    it("serves from N worker processes with --workers N, printing the startup line once", async function () {
      if (!fs.existsSync("/proc/self/stat")) this.skip();
      const run = await startCli(["--workers", "2", "-p", "HTTP/1.1", "-b", "127.0.0.1", "0"], site);
      const primary = run.child.pid!;
      // Two connections held open at once need two workers; a third is still answered.
      const request = "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n";
      const sockets: net.Socket[] = [];
      try {
        for (let i = 0; i < 3; i++) {
          const sock = net.connect({ host: "127.0.0.1", port: run.port });
          sockets.push(sock);
          let text = "";
          await within(
            new Promise<void>((resolve, reject) => {
              sock.on("data", (c: Buffer) => {
                text += c.toString("latin1");
                if (text.includes("hello, world\n")) resolve();
              });
              sock.on("error", reject);
              sock.write(request);
            }),
            15000,
            `response on connection ${i + 1}`,
          );
          expect(text.startsWith("HTTP/1.1 200 OK\r\n")).to.equal(true);
        }
        const workerPids = (): number[] =>
          fs
            .readdirSync("/proc")
            .filter((d) => /^\d+$/.test(d))
            .filter((d) => {
              try {
                const stat = fs.readFileSync(`/proc/${d}/stat`, "utf8");
                return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === primary;
              } catch {
                return false;
              }
            })
            .map(Number);
        const workers = workerPids();
        expect(workers).to.have.length(2);
        expect(run.stdout().match(/Serving HTTP/g)).to.have.length(1);

        for (const s of sockets) s.destroy();
        const { code } = await stop(run, "SIGINT");
        expect(code).to.equal(0);
        expect(run.stdout().match(/Keyboard interrupt received/g)).to.have.length(1);
        await delay(200);
        for (const pid of workers) expect(() => process.kill(pid, 0), `worker ${pid} is gone`).to.throw();
      } finally {
        for (const s of sockets) s.destroy();
      }
    });

    it("stops every process when Ctrl+C reaches the whole process group with --workers", async () => {
      const run = await startCli(["--workers", "2", "-b", "127.0.0.1", "0"], site);
      expect((await get(`http://127.0.0.1:${run.port}/hello.txt`)).body).to.equal("hello, world\n");
      process.kill(-run.child.pid!, "SIGINT");
      const { code } = await within(run.exited, 10000, "exit after a group SIGINT");
      expect(code).to.equal(0);
      expect(run.stdout().match(/Keyboard interrupt received/g)).to.have.length(1);
      expect(run.stdout().match(/Serving HTTP/g)).to.have.length(1);
    });
  });
});

/**
 * CGIHTTPRequestHandler on real ThreadingHTTPServers over loopback, with real
 * scripts (sh, Python, Node) written to a temporary folder: the scenarios of
 * CPython's CGIHTTPServerTestCase, the environment, streaming, logging,
 * time-outs, the status-header deviation and the security properties (each
 * attack aimed at a canary script that leaves a marker file if it ever runs).
 */
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

import { kLogLines } from "../../../../lib/http/server/base-handler.js";
import { CGIHTTPRequestHandler } from "../../../../lib/http/server/cgi/cgi-handler.js";
import { nobodyUid } from "../../../../lib/http/server/cgi/nobody.js";
import { IndexError, urlCollapsePath } from "../../../../lib/http/server/cgi/url-collapse.js";
import { ThreadingHTTPServer } from "../../../../lib/http/server/http-server.js";
import { handleRawRequest } from "../../../../lib/http/server/testing.js";
import { delay, waitFor, within } from "../../../helpers.js";
import { SH, canary, writeScript } from "../helpers.js";

const HOST = "127.0.0.1";
const RUNNING_AS_ROOT = process.geteuid?.() === 0;

// ---------------------------------------------------------------------------
// Small tools

/** A response as the client saw it. Header lines may end in LF only (script output in Python mode). */
interface Reply {
  raw: Buffer;
  statusLine: string;
  status: number;
  reason: string;
  headers: Array<[string, string]>;
  header(name: string): string | undefined;
  body: Buffer;
  text: string;
}

function parseReply(raw: Buffer): Reply {
  const text = raw.toString("latin1");
  let at = 0;
  const readLine = (): string | null => {
    if (at >= text.length) return null;
    const nl = text.indexOf("\n", at);
    const end = nl === -1 ? text.length : nl;
    const line = text.slice(at, end).replace(/\r$/, "");
    at = nl === -1 ? text.length : nl + 1;
    return line;
  };
  const statusLine = readLine() ?? "";
  const headers: Array<[string, string]> = [];
  for (let line = readLine(); line !== null && line !== ""; line = readLine()) {
    const colon = line.indexOf(":");
    headers.push(colon === -1 ? [line, ""] : [line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  const m = /^HTTP\/\d\.\d (\d{3}) ?(.*)$/.exec(statusLine);
  const body = raw.subarray(Buffer.byteLength(text.slice(0, at), "latin1"));
  return {
    raw,
    statusLine,
    status: m ? Number(m[1]) : 0,
    reason: m ? m[2]! : "",
    headers,
    header: (name) => headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1],
    body,
    text: body.toString("utf8"),
  };
}

interface RequestOptions {
  headers?: string[];
  body?: Buffer | string;
  version?: string;
  ms?: number;
}

/** Send one request on a new connection and read until the server closes it. */
async function request(port: number, method: string, target: string, options: RequestOptions = {}): Promise<Reply> {
  const { headers = [], body, version = "HTTP/1.0", ms = 15000 } = options;
  const lines = [`${method} ${target} ${version}`, `Host: ${HOST}:${port}`, ...headers];
  const payload = body === undefined ? null : Buffer.from(body);
  if (payload && !headers.some((h) => /^content-length:/i.test(h))) lines.push(`Content-Length: ${payload.length}`);
  const sock = net.connect({ host: HOST, port });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    sock.on("data", (c: Buffer) => chunks.push(c));
    sock.once("close", () => resolve(Buffer.concat(chunks)));
    sock.once("error", (err) => (chunks.length ? resolve(Buffer.concat(chunks)) : reject(err)));
  });
  sock.write(Buffer.from(lines.join("\r\n") + "\r\n\r\n", "latin1"));
  if (payload) sock.write(payload);
  try {
    return parseReply(await within(done, ms, `${method} ${target}`));
  } finally {
    sock.destroy();
  }
}

/** `name=value` lines of an `env` dump. */
function envOf(reply: Reply): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of reply.text.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) out.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return out;
}

// ---------------------------------------------------------------------------
// The scripts

const PY = "#!/usr/bin/env python3\n";

const HELLO_PY = `${PY}print("Content-type: text/html")\nprint()\nprint("Hello World")\n`;

const FORM_PY = `${PY}import os, sys, urllib.parse
print("Content-type: text/html")
print()
data = sys.stdin.buffer.read(int(os.environ["CONTENT_LENGTH"]))
fields = dict(urllib.parse.parse_qsl(data.decode("utf-8")))
print(", ".join(fields[k] for k in ("spam", "eggs", "bacon")))
`;

const QUERY_PY = `${PY}import os\nprint("Content-type: text/html")\nprint()\nprint(os.environ["QUERY_STRING"])\n`;

const ENV_PY = `${PY}import os
print("X-Extra: from the script")
print("Content-type: text/html")
print()
for k, v in os.environ.items():
    print(f"{k}={v}")
`;

interface Tree {
  root: string;
  /** Where canaries leave their marker files (writable by `nobody`). */
  marks: string;
  outside: string;
  ran(marker: string): boolean;
  clearMarks(): void;
}

function makeTree(): Tree {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), "cgi-spec-"));
  fs.chmodSync(base, 0o755);
  const root = path.join(base, "www");
  const marks = path.join(base, "marks");
  const outside = path.join(base, "outside");
  for (const d of [root, marks, outside]) fs.mkdirSync(d, { mode: 0o755 });
  fs.chmodSync(marks, 0o777);
  const cgi = path.join(root, "cgi-bin");

  writeScript(path.join(cgi, "file1.py"), HELLO_PY);
  writeScript(path.join(cgi, "file2.py"), FORM_PY);
  writeScript(path.join(cgi, "child-dir", "file3.py"), HELLO_PY);
  writeScript(path.join(cgi, "file4.py"), QUERY_PY);
  writeScript(path.join(root, "sub", "dir", "cgi-bin", "file5.py"), HELLO_PY);
  writeScript(path.join(cgi, "file6.py"), ENV_PY);
  writeScript(path.join(root, "nocgi.py"), HELLO_PY);
  writeScript(path.join(root, "plain.txt"), "just a file\n", 0o644);

  writeScript(path.join(cgi, "env.sh"), `${SH}printf 'Content-Type: text/plain\\n\\n'\nenv\n`);
  writeScript(path.join(cgi, "args.sh"), `${SH}printf 'Content-Type: text/plain\\n\\nargc=%s\\n' "$#"\nfor a in "$@"; do printf '[%s]\\n' "$a"; done\n`);
  writeScript(path.join(cgi, "echo.sh"), `${SH}printf 'Content-Type: application/octet-stream\\n\\n'\nexec cat\n`);
  writeScript(path.join(cgi, "ok.sh"), `${SH}printf 'Content-Type: text/plain\\n\\nok\\n'\n`);
  writeScript(
    path.join(cgi, "stderr.sh"),
    `${SH}echo 'secret for the log' >&2\nprintf 'Content-Type: text/plain\\n\\nvisible\\n'\nprintf 'second line\\r\\nno newline at end' >&2\nexit 7\n`,
  );
  writeScript(path.join(cgi, "status.sh"), `${SH}printf 'Status: 404 Not Found\\nContent-Type: text/plain\\nX-Extra: yes\\n\\nmissing\\n'\n`);
  writeScript(path.join(cgi, "teapot.sh"), `${SH}printf 'Status: 418\\r\\nContent-Type: text/plain\\r\\n\\r\\nshort and stout\\n'\n`);
  writeScript(path.join(cgi, "redirect.sh"), `${SH}printf 'Location: http://example.com/new\\n\\n'\n`);
  writeScript(path.join(cgi, "badhead.sh"), `${SH}printf 'this is no header\\n\\nbody\\n'\n`);
  writeScript(path.join(cgi, "bighead.sh"), `${SH}head -c 70000 /dev/zero | tr '\\0' x\nprintf '\\n\\nbody\\n'\n`);
  writeScript(path.join(cgi, "silent.sh"), `${SH}exit 0\n`);
  writeScript(path.join(cgi, "slow.sh"), `${SH}sleep 0.5\nprintf 'Content-Type: text/plain\\n\\n%s\\n' "$QUERY_STRING"\n`);
  writeScript(path.join(cgi, "hang.sh"), `${SH}sleep 30 &\necho $! > '${marks}/hang.pid'\nwait\n`);
  writeScript(
    path.join(cgi, "hang-late.sh"),
    `${SH}printf 'Content-Type: text/plain\\n\\npartial\\n'\nsleep 30 &\necho $! > '${marks}/hang-late.pid'\nwait\n`,
  );
  writeScript(
    path.join(cgi, "ticker.sh"),
    `${SH}echo $$ > '${marks}/ticker.pid'\nprintf 'Content-Type: text/plain\\n\\n'\nwhile :; do echo tick; sleep 0.05; done\n`,
  );
  writeScript(
    path.join(cgi, "node.cgi"),
    `#!/usr/bin/env node\nprocess.stdout.write("Content-Type: text/plain\\n\\nnode says " + process.env.REQUEST_METHOD + " " + process.argv.slice(2).join("|") + "\\n");\n`,
  );
  writeScript(path.join(cgi, "notexec.sh"), `${SH}printf 'Content-Type: text/plain\\n\\nno\\n'\n`, 0o644);
  writeScript(path.join(cgi, "false.py"), `#!/bin/false\nprint("Content-Type: text/plain")\nprint()\nprint("ran by the interpreter")\n`);

  // Canaries: inside the CGI folder, in the served folder outside it, and
  // outside the served folder (reached through a symlink in cgi-bin).
  writeScript(path.join(cgi, "canary.sh"), canary(marks, "canary"));
  writeScript(path.join(root, "evil.sh"), canary(marks, "evil"));
  writeScript(path.join(root, "sub", "evil2.sh"), canary(marks, "evil2"));
  writeScript(path.join(outside, "evil-outside.sh"), canary(marks, "outside"));
  fs.symlinkSync(path.join(outside, "evil-outside.sh"), path.join(cgi, "link.sh"));

  return {
    root,
    marks,
    outside,
    ran: (marker) => fs.existsSync(path.join(marks, marker)),
    clearMarks() {
      for (const f of fs.readdirSync(marks)) fs.rmSync(path.join(marks, f), { force: true });
    },
  };
}

// ---------------------------------------------------------------------------
// Servers

type Attrs = Record<string, unknown>;

interface Running {
  port: number;
  logs: string[];
  errors: unknown[];
  server: ThreadingHTTPServer;
  close(): Promise<void>;
}

function handlerFor(directory: string, attrs: Attrs = {}): typeof CGIHTTPRequestHandler {
  return class extends CGIHTTPRequestHandler {
    constructor(request: unknown, clientAddress: unknown, server: never) {
      super(request, clientAddress, server, { directory });
      Object.assign(this, attrs);
    }
  };
}

/**
 * Python's listen backlog of 5 makes the kernel drop the SYNs of a burst of
 * connections (the client retries a second later): tests of concurrency use
 * a deeper queue.
 */
class DeepQueueServer extends ThreadingHTTPServer {}
DeepQueueServer.prototype.requestQueueSize = 128;

async function startServer(directory: string, attrs: Attrs = {}): Promise<Running> {
  return startWith(directory, handlerFor(directory, attrs));
}

async function startWith(_directory: string, Handler: typeof CGIHTTPRequestHandler): Promise<Running> {
  const server = new DeepQueueServer([HOST, 0], Handler as never);
  const logs: string[] = [];
  const errors: unknown[] = [];
  (server as unknown as Record<symbol, unknown>)[kLogLines] = logs;
  (server as unknown as { handleError: (r: unknown, a: unknown, e: unknown) => void }).handleError = (_r, _a, e) => {
    errors.push(e);
  };
  await within(server.ready, 5000, "the server to bind");
  const loop = server.serveForever(0.05);
  const port = (server.serverAddress as [string, number])[1];
  return {
    port,
    logs,
    errors,
    server,
    async close() {
      await within(server.shutdown(), 5000, "shutdown()");
      await within(loop, 5000, "serveForever()");
      await within(Promise.resolve(server.serverClose()), 5000, "serverClose()");
    },
  };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A killed process nobody has reaped yet is a zombie: dead for our purpose.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------

describe("CGIHTTPRequestHandler", function () {
  this.timeout(30000);
  let tree: Tree;

  before(function () {
    tree = makeTree();
    // The canaries work: run directly, each leaves its marker.
    for (const [file, marker] of [
      [path.join(tree.root, "cgi-bin", "canary.sh"), "canary"],
      [path.join(tree.root, "evil.sh"), "evil"],
      [path.join(tree.root, "sub", "evil2.sh"), "evil2"],
      [path.join(tree.outside, "evil-outside.sh"), "outside"],
    ] as const) {
      execFileSync(file);
      expect(tree.ran(marker), `canary ${marker} works`).to.equal(true);
    }
    tree.clearMarks();
  });

  after(function () {
    fs.rmSync(path.dirname(tree.root), { recursive: true, force: true });
  });

  afterEach(function () {
    tree.clearMarks();
  });

  describe("urlCollapsePath() (Python's _url_collapse_path vectors)", function () {
    const vectors: Array<[string, string | null]> = [
      ["", "//"],
      ["..", null],
      ["/.//..", null],
      ["/", "//"],
      ["//", "//"],
      ["/\\", "//\\"],
      ["/.//", "//"],
      ["cgi-bin/file1.py", "/cgi-bin/file1.py"],
      ["/cgi-bin/file1.py", "/cgi-bin/file1.py"],
      ["a", "//a"],
      ["/a", "//a"],
      ["//a", "//a"],
      ["./a", "//a"],
      ["./C:/", "/C:/"],
      ["/a/b", "/a/b"],
      ["/a/b/", "/a/b/"],
      ["/a/b/.", "/a/b/"],
      ["/a/b/c/..", "/a/b/"],
      ["/a/b/c/../d", "/a/b/d"],
      ["/a/b/c/../d/e/../f", "/a/b/d/f"],
      ["/a/b/c/../d/e/../../f", "/a/b/f"],
      ["/a/b/c/../d/e/.././././..//f", "/a/b/f"],
      ["../a/b/c/../d/e/.././././..//f", null],
      ["/a/b/c/../d/e/../../../f", "/a/f"],
      ["/a/b/c/../d/e/../../../../f", "//f"],
      ["/a/b/c/../d/e/../../../../../f", null],
      ["/a/b/c/../d/e/../../../../f/..", "//"],
      ["/a/b/c/../d/e/../../../../f/../.", "//"],
      ["../a/...", null],
    ];
    for (const [input, expected] of vectors) {
      it(`${JSON.stringify(input)} -> ${expected === null ? "IndexError" : JSON.stringify(expected)}`, function () {
        if (expected === null) {
          expect(() => urlCollapsePath(input)).to.throw(IndexError, "pop from empty list");
        } else {
          expect(urlCollapsePath(input)).to.equal(expected);
        }
      });
    }

    it("keeps the query on the last segment and decodes only the path", function () {
      expect(urlCollapsePath("/cgi-bin/x.sh?a=%2F&b=/../")).to.equal("/cgi-bin/x.sh?a=%2F&b=/../");
      expect(urlCollapsePath("/cgi-bin%2fx.sh")).to.equal("/cgi-bin/x.sh");
      expect(urlCollapsePath("/a/..?q")).to.equal("//?q");
    });

    it("throws a RangeError named IndexError", function () {
      try {
        urlCollapsePath("/..");
        expect.fail("no error");
      } catch (err) {
        expect(err).to.be.instanceOf(RangeError);
        expect((err as Error).name).to.equal("IndexError");
      }
    });
  });

  describe("class attributes and Python names", function () {
    it("has Python's defaults", function () {
      const p = CGIHTTPRequestHandler.prototype;
      expect(p.cgiDirectories).to.deep.equal(["/cgi-bin", "/htbin"]);
      expect(p.haveFork).to.equal(process.platform !== "win32");
      expect(p.rbufsize).to.equal(0);
      expect(p.pythonInterpreter).to.equal("python3");
      expect(p.cgiStatusHeaders).to.equal(true);
      expect(p.cgiTimeout).to.equal(30);
      expect(p.serverVersion).to.equal("SimpleHTTP/0.6");
    });

    it("answers to the Python spellings", function () {
      const p = CGIHTTPRequestHandler.prototype as unknown as Record<string, unknown>;
      expect(p.is_cgi).to.equal(p.isCGI);
      expect(p.run_cgi).to.equal(p.runCGI);
      expect(p.is_executable).to.equal(p.isExecutable);
      expect(p.is_python).to.equal(p.isPython);
      expect(p.send_head).to.equal(p.sendHead);
      expect(p.cgi_directories).to.equal(p.cgiDirectories);
      expect(p.have_fork).to.equal(p.haveFork);
      expect(p.python_interpreter).to.equal("python3");
      expect(p.cgi_status_headers).to.equal(true);
      expect(p.cgi_timeout).to.equal(30);
      expect(typeof p.do_POST).to.equal("function");
      expect(Object.getOwnPropertyDescriptor(p, "cgi_info")?.get).to.be.a("function");
    });

    it("takes settings written in a subclass body under Python's names", async function () {
      const dir = tree.root;
      const seen: unknown[] = [];
      const base = CGIHTTPRequestHandler.prototype as unknown as { is_cgi(): boolean };
      class Custom extends CGIHTTPRequestHandler {
        override cgi_directories = ["/sub/dir/cgi-bin"];
        override cgi_status_headers = false;
        constructor(r: unknown, a: unknown, s: never) {
          super(r, a, s, { directory: dir });
        }
        override is_cgi(): boolean {
          const yes = base.is_cgi.call(this);
          if (yes) seen.push((this as unknown as { cgi_info: unknown }).cgi_info);
          return yes;
        }
      }
      const srv = await startWith(dir, Custom as unknown as typeof CGIHTTPRequestHandler);
      try {
        const r = await request(srv.port, "GET", "/sub/dir/cgi-bin/file5.py");
        expect(r.raw.toString("latin1")).to.match(/^HTTP\/1\.0 200 Script output follows\r\n[\s\S]*\r\nContent-type: text\/html\n\nHello World\n$/);
        const f = await request(srv.port, "GET", "/cgi-bin/file1.py");
        expect(f.text).to.include('print("Hello World")');
        expect(seen).to.deep.equal([["/sub/dir/cgi-bin", "file5.py"]]);
        expect(CGIHTTPRequestHandler.prototype.cgiDirectories).to.deep.equal(["/cgi-bin", "/htbin"]);
      } finally {
        await srv.close();
      }
    });

    it("isPython() follows splitext: .py and .pyw in any case, not dotfiles", function () {
      const p = CGIHTTPRequestHandler.prototype;
      expect(p.isPython("/cgi-bin/a.py")).to.equal(true);
      expect(p.isPython("/cgi-bin/a.PYW")).to.equal(true);
      expect(p.isPython("/cgi-bin/a.sh")).to.equal(false);
      expect(p.isPython("/cgi-bin/.py")).to.equal(false);
      expect(p.isPython("/cgi-bin/..py")).to.equal(false);
      expect(p.isPython("/cgi-bin/a.py/b")).to.equal(false);
    });

    it("isExecutable() tests the execute permission", function () {
      const p = CGIHTTPRequestHandler.prototype;
      expect(p.isExecutable(path.join(tree.root, "cgi-bin", "ok.sh"))).to.equal(true);
      expect(p.isExecutable(path.join(tree.root, "cgi-bin", "notexec.sh"))).to.equal(false);
      expect(p.isExecutable(path.join(tree.root, "cgi-bin", "missing"))).to.equal(false);
    });

    it("nobodyUid() finds nobody's uid", function () {
      const uid = nobodyUid();
      expect(uid).to.equal(Number(execFileSync("id", ["-u", "nobody"]).toString().trim()));
    });

    it("runs scripts as nobody when the server is root, else as the server's user", async function () {
      writeScript(path.join(tree.root, "cgi-bin", "uid.sh"), `${SH}printf 'Content-Type: text/plain\\n\\n%s\\n' "$(id -u)"\n`);
      const srv = await startServer(tree.root);
      try {
        const who = await request(srv.port, "GET", "/cgi-bin/uid.sh");
        expect(who.text.trim()).to.equal(String(RUNNING_AS_ROOT ? nobodyUid() : process.getuid!()));
      } finally {
        fs.rmSync(path.join(tree.root, "cgi-bin", "uid.sh"), { force: true });
        await srv.close();
      }
    });
  });

  for (const statusHeaders of [true, false]) {
    describe(`CPython's CGIHTTPServerTestCase scenarios (cgiStatusHeaders = ${statusHeaders})`, function () {
      let srv: Running;
      before(async function () {
        srv = await startServer(tree.root, { cgiStatusHeaders: statusHeaders });
      });
      after(async function () {
        await srv.close();
      });

      const hello = (r: Reply): void => {
        expect([r.status, r.header("Content-type"), r.text]).to.deep.equal([200, "text/html", "Hello World\n"]);
      };

      it("test_headers_and_content", async function () {
        hello(await request(srv.port, "GET", "/cgi-bin/file1.py"));
      });

      it("test_issue19435: a collapsed path leading to a missing script is a 404", async function () {
        const r = await request(srv.port, "GET", "///////////nocgi.py/../cgi-bin/nothere.sh");
        expect(r.status).to.equal(404);
        expect(r.reason).to.equal("No such CGI script ('/cgi-bin/nothere.sh')");
      });

      it("test_post", async function () {
        const r = await request(srv.port, "POST", "/cgi-bin/file2.py", {
          headers: ["Content-type: application/x-www-form-urlencoded"],
          body: "spam=1&eggs=python&bacon=123456",
        });
        expect(r.text).to.equal("1, python, 123456\n");
      });

      it("test_invaliduri", async function () {
        expect((await request(srv.port, "GET", "/cgi-bin/invalid")).status).to.equal(404);
      });

      it("test_authorization", async function () {
        const auth = Buffer.from("username:pass").toString("base64");
        hello(await request(srv.port, "GET", "/cgi-bin/file1.py", { headers: [`Authorization: Basic ${auth}`] }));
      });

      it("test_no_leading_slash", async function () {
        hello(await request(srv.port, "GET", "cgi-bin/file1.py"));
      });

      it("test_os_environ_is_not_altered", async function () {
        const before = process.env.SERVER_SOFTWARE;
        process.env.SERVER_SOFTWARE = "Test CGI Server";
        try {
          hello(await request(srv.port, "GET", "/cgi-bin/file1.py"));
          expect(process.env.SERVER_SOFTWARE).to.equal("Test CGI Server");
          const env = envOf(await request(srv.port, "GET", "/cgi-bin/env.sh"));
          expect(env.get("SERVER_SOFTWARE")).to.match(/^SimpleHTTP\/0\.6 Node\.js\//);
        } finally {
          if (before === undefined) delete process.env.SERVER_SOFTWARE;
          else process.env.SERVER_SOFTWARE = before;
        }
      });

      it("test_urlquote_decoding_in_cgi_check", async function () {
        hello(await request(srv.port, "GET", "/cgi-bin%2ffile1.py"));
      });

      it("test_nested_cgi_path_issue21323", async function () {
        hello(await request(srv.port, "GET", "/cgi-bin/child-dir/file3.py"));
      });

      it("test_query_with_multiple_question_mark", async function () {
        const r = await request(srv.port, "GET", "/cgi-bin/file4.py?a=b?c=d");
        expect([r.status, r.header("Content-type"), r.text]).to.deep.equal([200, "text/html", "a=b?c=d\n"]);
      });

      it("test_query_with_continuous_slashes", async function () {
        const r = await request(srv.port, "GET", "/cgi-bin/file4.py?k=aa%2F%2Fbb&//q//p//=//a//b//");
        expect(r.text).to.equal("k=aa%2F%2Fbb&//q//p//=//a//b//\n");
      });

      it("test_cgi_path_in_sub_directories (the shared cgiDirectories array)", async function () {
        const dirs = (CGIHTTPRequestHandler.prototype as unknown as { cgi_directories: string[] }).cgi_directories;
        expect((await request(srv.port, "GET", "/sub/dir/cgi-bin/file5.py")).text).to.include("print(");
        dirs.push("/sub/dir/cgi-bin");
        try {
          hello(await request(srv.port, "GET", "/sub/dir/cgi-bin/file5.py"));
        } finally {
          dirs.splice(dirs.indexOf("/sub/dir/cgi-bin"), 1);
        }
        expect(CGIHTTPRequestHandler.prototype.cgiDirectories).to.deep.equal(["/cgi-bin", "/htbin"]);
      });

      it("test_accept", async function () {
        const browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        const cases: Array<[string[], string]> = [
          [[`Accept: ${browser}`], browser],
          [[], ""],
          [["Accept: text/html", "ACCEPT: text/plain"], "text/html,text/plain"],
        ];
        for (const [headers, expected] of cases) {
          const r = await request(srv.port, "GET", "/cgi-bin/file6.py", { headers });
          expect(r.status).to.equal(200);
          expect(r.text.split("\n")).to.include(`HTTP_ACCEPT=${expected}`);
        }
      });

      it("sends the script's own headers through (X-Extra of file6.py)", async function () {
        const r = await request(srv.port, "GET", "/cgi-bin/file6.py");
        expect(r.header("X-Extra")).to.equal("from the script");
      });
    });
  }

  describe("routing and errors", function () {
    let srv: Running;
    before(async function () {
      srv = await startServer(tree.root);
    });
    after(async function () {
      await srv.close();
    });

    it("HEAD runs the script and, like Python, sends its body too", async function () {
      const r = await request(srv.port, "HEAD", "/cgi-bin/file1.py");
      expect(r.status).to.equal(200);
      expect(r.text).to.equal("Hello World\n");
    });

    it("GET and HEAD outside the CGI folders serve files", async function () {
      const r = await request(srv.port, "GET", "/plain.txt");
      expect(r.status).to.equal(200);
      expect(r.text).to.equal("just a file\n");
      const h = await request(srv.port, "HEAD", "/plain.txt");
      expect([h.status, h.header("Content-Length"), h.body.length]).to.deep.equal([200, "12", 0]);
    });

    it("POST outside the CGI folders is a 501", async function () {
      const r = await request(srv.port, "POST", "/plain.txt", { body: "x=1" });
      expect(r.status).to.equal(501);
      expect(r.reason).to.equal("Can only POST to CGI scripts");
      expect(srv.logs.some((l) => l.includes("code 501, message Can only POST to CGI scripts"))).to.equal(true);
    });

    it("/cgi-bin without a slash is the folder (301), /cgi-bin/ is not a plain file (403)", async function () {
      const a = await request(srv.port, "GET", "/cgi-bin");
      expect([a.status, a.header("Location")]).to.deep.equal([301, "/cgi-bin/"]);
      const b = await request(srv.port, "GET", "/cgi-bin/");
      expect([b.status, b.reason]).to.deep.equal([403, "CGI script is not a plain file ('/cgi-bin/')"]);
    });

    it("a folder named as a script is a 403", async function () {
      const r = await request(srv.port, "GET", "/cgi-bin/child-dir");
      expect([r.status, r.reason]).to.deep.equal([403, "CGI script is not a plain file ('/cgi-bin/child-dir')"]);
    });

    it("a script without the execute permission is a 403", async function () {
      const r = await request(srv.port, "GET", "/cgi-bin/notexec.sh");
      expect([r.status, r.reason]).to.deep.equal([403, "CGI script is not executable ('/cgi-bin/notexec.sh')"]);
    });

    it("a missing script is a 404 naming it with Python's repr", async function () {
      const r = await request(srv.port, "GET", "/cgi-bin/it's-missing");
      expect([r.status, r.reason]).to.deep.equal([404, `No such CGI script ("/cgi-bin/it's-missing")`]);
    });

    it("/htbin is a CGI folder too", async function () {
      fs.mkdirSync(path.join(tree.root, "htbin"), { mode: 0o755 });
      try {
        writeScript(path.join(tree.root, "htbin", "h.sh"), `${SH}printf 'Content-Type: text/plain\\n\\nhtbin\\n'\n`);
        expect((await request(srv.port, "GET", "/htbin/h.sh")).text).to.equal("htbin\n");
      } finally {
        fs.rmSync(path.join(tree.root, "htbin"), { recursive: true, force: true });
      }
    });

    it("an overridden is_cgi (Python spelling) takes effect", async function () {
      class NoCGI extends CGIHTTPRequestHandler {
        override is_cgi(): boolean {
          return false;
        }
      }
      const dir = tree.root;
      const other = new ThreadingHTTPServer(
        [HOST, 0],
        class extends NoCGI {
          constructor(r: unknown, a: unknown, s: never) {
            super(r, a, s, { directory: dir });
          }
        } as never,
      );
      (other as unknown as Record<symbol, unknown>)[kLogLines] = [];
      await other.ready;
      const loop = other.serveForever(0.05);
      try {
        const port = (other.serverAddress as [string, number])[1];
        expect((await request(port, "POST", "/cgi-bin/ok.sh", { body: "" })).status).to.equal(501);
        const r = await request(port, "GET", "/cgi-bin/ok.sh");
        expect(r.text).to.include("#!/bin/sh");
      } finally {
        await other.shutdown();
        await loop;
        await other.serverClose();
      }
    });

    it("the connection closes after the script even with HTTP/1.1 keep-alive", async function () {
      const s11 = await startServer(tree.root, { protocolVersion: "HTTP/1.1" });
      try {
        const r = await request(s11.port, "GET", "/cgi-bin/ok.sh", { version: "HTTP/1.1" });
        expect(r.statusLine).to.equal("HTTP/1.1 200 Script output follows");
        expect(r.header("Connection")).to.equal("close");
        expect(r.text).to.equal("ok\n");
      } finally {
        await s11.close();
      }
    });

    it("works in memory through handleRawRequest()", async function () {
      const res = await handleRawRequest(CGIHTTPRequestHandler as never, "GET /cgi-bin/env.sh/x?y HTTP/1.0\r\n\r\n", {
        handlerArgs: [{ directory: tree.root }],
      });
      expect(res.statusLine).to.equal("HTTP/1.0 200 Script output follows");
      const env = envOf({ text: res.text } as Reply);
      expect(env.get("SERVER_NAME")).to.equal("localhost");
      expect(env.get("SERVER_PORT")).to.equal("8000");
      expect(env.get("PATH_INFO")).to.equal("/x");
      expect(env.get("QUERY_STRING")).to.equal("y");
    });
  });

  describe("the environment", function () {
    let srv: Running;
    before(async function () {
      srv = await startServer(tree.root);
    });
    after(async function () {
      await srv.close();
    });

    it("sets the CGI/1.1 variables", async function () {
      const r = await request(srv.port, "POST", "/cgi-bin/env.sh/extra/p%20q?x=1&y=2", {
        headers: ["User-Agent: spec/1.0", "Referer: http://127.0.0.1/form"],
        body: "",
      });
      const env = envOf(r);
      expect(env.get("SERVER_SOFTWARE")).to.match(/^SimpleHTTP\/0\.6 Node\.js\/\d/);
      expect(env.get("SERVER_NAME")).to.equal(srv.server.serverName);
      expect(env.get("GATEWAY_INTERFACE")).to.equal("CGI/1.1");
      expect(env.get("SERVER_PROTOCOL")).to.equal("HTTP/1.0");
      expect(env.get("SERVER_PORT")).to.equal(String(srv.port));
      expect(env.get("REQUEST_METHOD")).to.equal("POST");
      expect(env.get("PATH_INFO")).to.equal("/extra/p q");
      expect(env.get("PATH_TRANSLATED")).to.equal(path.join(tree.root, "extra", "p q"));
      expect(env.get("SCRIPT_NAME")).to.equal("/cgi-bin/env.sh");
      expect(env.get("QUERY_STRING")).to.equal("x=1&y=2");
      expect(env.get("REMOTE_ADDR")).to.equal(HOST);
      expect(env.get("REMOTE_HOST")).to.equal("");
      expect(env.get("CONTENT_TYPE")).to.equal("text/plain");
      expect(env.get("CONTENT_LENGTH")).to.equal("0");
      expect(env.get("HTTP_USER_AGENT")).to.equal("spec/1.0");
      expect(env.get("HTTP_REFERER")).to.equal("http://127.0.0.1/form");
      expect(env.get("HTTP_ACCEPT")).to.equal("");
      expect(env.get("HTTP_COOKIE")).to.equal("");
      expect(env.has("AUTH_TYPE")).to.equal(false);
      expect(env.has("REMOTE_USER")).to.equal(false);
    });

    it("defaults QUERY_STRING, CONTENT_LENGTH, HTTP_USER_AGENT, HTTP_COOKIE and HTTP_REFERER to ''", async function () {
      const env = envOf(await request(srv.port, "GET", "/cgi-bin/env.sh"));
      for (const k of ["QUERY_STRING", "REMOTE_HOST", "CONTENT_LENGTH", "HTTP_USER_AGENT", "HTTP_COOKIE", "HTTP_REFERER"]) {
        expect(env.get(k), k).to.equal("");
      }
      expect(env.get("PATH_INFO")).to.equal("");
      expect(env.get("REQUEST_METHOD")).to.equal("GET");
    });

    it("inherits the server's environment, and inherited values beat the '' defaults", async function () {
      process.env.CGI_SPEC_INHERITED = "yes";
      process.env.REMOTE_HOST = "from-the-server";
      try {
        const env = envOf(await request(srv.port, "GET", "/cgi-bin/env.sh"));
        expect(env.get("CGI_SPEC_INHERITED")).to.equal("yes");
        expect(env.get("REMOTE_HOST")).to.equal("from-the-server");
        expect(env.get("PATH")).to.equal(process.env.PATH);
      } finally {
        delete process.env.CGI_SPEC_INHERITED;
        delete process.env.REMOTE_HOST;
      }
    });

    it("passes Content-Type and Content-Length as sent", async function () {
      const env = envOf(
        await request(srv.port, "POST", "/cgi-bin/env.sh", {
          headers: ["Content-Type: application/json; charset=utf-8"],
          body: "{}",
        }),
      );
      expect(env.get("CONTENT_TYPE")).to.equal("application/json; charset=utf-8");
      expect(env.get("CONTENT_LENGTH")).to.equal("2");
    });

    it("joins Cookie headers with ', ' and skips empty ones", async function () {
      const env = envOf(
        await request(srv.port, "GET", "/cgi-bin/env.sh", { headers: ["Cookie: a=1", "Cookie: ", "Cookie: b=2; c=3"] }),
      );
      expect(env.get("HTTP_COOKIE")).to.equal("a=1, b=2; c=3");
    });

    it("sets AUTH_TYPE and REMOTE_USER from Basic credentials", async function () {
      const get = async (value: string): Promise<Map<string, string>> =>
        envOf(await request(srv.port, "GET", "/cgi-bin/env.sh", { headers: [`Authorization: ${value}`] }));
      const basic = (s: string): string => Buffer.from(s, "latin1").toString("base64");

      let env = await get(`Basic ${basic("username:pass")}`);
      expect([env.get("AUTH_TYPE"), env.get("REMOTE_USER")]).to.deep.equal(["Basic", "username"]);
      env = await get(`basic ${basic("alice:")}`);
      expect([env.get("AUTH_TYPE"), env.get("REMOTE_USER")]).to.deep.equal(["basic", "alice"]);
      // Not exactly one colon, bad padding, non-ASCII: AUTH_TYPE only.
      for (const value of [`Basic ${basic("a:b:c")}`, `Basic ${basic("nocolon")}`, "Basic dXNlcjpwYQ", "Basic dXNlcjpwYQ=x", `Basic ${basic("é:x")}`]) {
        env = await get(value);
        expect([env.get("AUTH_TYPE"), env.has("REMOTE_USER")], value).to.deep.equal(["Basic", false]);
      }
      // Python's lenient base64: characters outside the alphabet are skipped.
      env = await get(`Basic dXNl*cjpw`);
      expect(env.get("REMOTE_USER")).to.equal("user");
      env = await get(`Basic dXNlcjpw=`);
      expect(env.get("REMOTE_USER")).to.equal("user");
      env = await get("Bearer abc.def");
      expect([env.get("AUTH_TYPE"), env.has("REMOTE_USER")]).to.deep.equal(["Bearer", false]);
      env = await get("Basic a b");
      expect(env.has("AUTH_TYPE")).to.equal(false);
    });

    it("never turns other request headers into variables", async function () {
      const env = envOf(
        await request(srv.port, "GET", "/cgi-bin/env.sh", {
          headers: ["X-Custom: 1", "Host-Override: x", "Accept-Language: en", "Content-Encoding: gzip"],
        }),
      );
      for (const k of ["HTTP_X_CUSTOM", "HTTP_HOST", "HTTP_HOST_OVERRIDE", "HTTP_ACCEPT_LANGUAGE", "HTTP_CONTENT_ENCODING"]) {
        expect(env.has(k), k).to.equal(false);
      }
    });
  });

  describe("arguments and interpreters", function () {
    let srv: Running;
    before(async function () {
      srv = await startServer(tree.root);
    });
    after(async function () {
      await srv.close();
    });

    it("passes a query without '=' as the one argument, '+' as space", async function () {
      expect((await request(srv.port, "GET", "/cgi-bin/args.sh?hello+world%21")).text).to.equal("argc=1\n[hello world%21]\n");
    });

    it("passes no argument for a query with '='", async function () {
      expect((await request(srv.port, "GET", "/cgi-bin/args.sh?a=b+c")).text).to.equal("argc=0\n");
    });

    it("passes an empty argument for an empty or missing query (as Python)", async function () {
      expect((await request(srv.port, "GET", "/cgi-bin/args.sh")).text).to.equal("argc=1\n[]\n");
      expect((await request(srv.port, "GET", "/cgi-bin/args.sh?")).text).to.equal("argc=1\n[]\n");
    });

    it("runs a Node script through its #! line", async function () {
      const r = await request(srv.port, "POST", "/cgi-bin/node.cgi?a+b", { body: "" });
      expect([r.status, r.header("Content-Type"), r.text]).to.deep.equal([200, "text/plain", "node says POST a b\n"]);
    });

    it("runs Python scripts with pythonInterpreter, ignoring their #! line", async function () {
      const r = await request(srv.port, "GET", "/cgi-bin/false.py");
      expect(r.text).to.equal("ran by the interpreter\n");
    });

    it("with pythonInterpreter = null runs Python scripts through their #! line", async function () {
      const s2 = await startServer(tree.root, { pythonInterpreter: null });
      try {
        const r = await request(s2.port, "GET", "/cgi-bin/false.py");
        expect(r.status).to.equal(200);
        expect(r.text).to.equal("");
        await waitFor(() => s2.logs.some((l) => l.includes("CGI script exit code 1")), 3000, "the exit code log");
        hello(await request(s2.port, "GET", "/cgi-bin/file1.py"));
      } finally {
        await s2.close();
      }

      function hello(r: Reply): void {
        expect(r.text).to.equal("Hello World\n");
      }
    });
  });

  describe("streaming, logging and concurrency", function () {
    let srv: Running;
    before(async function () {
      srv = await startServer(tree.root);
    });
    after(async function () {
      await srv.close();
    });

    it("streams several MiB of random binary through a script and back, byte for byte", async function () {
      const data = randomBytes(8 * 1024 * 1024 + 17);
      const r = await request(srv.port, "POST", "/cgi-bin/echo.sh", {
        headers: ["Content-Type: application/octet-stream"],
        body: data,
        ms: 25000,
      });
      expect(r.status).to.equal(200);
      expect(r.header("Content-Type")).to.equal("application/octet-stream");
      expect(r.body.length).to.equal(data.length);
      expect(r.body.equals(data)).to.equal(true);
    });

    it("gives the script only Content-Length bytes, then end of input", async function () {
      const sock = net.connect({ host: HOST, port: srv.port });
      const chunks: Buffer[] = [];
      const done = new Promise<void>((resolve) => {
        sock.on("data", (c: Buffer) => chunks.push(c));
        sock.once("close", () => resolve());
      });
      // 5 bytes announced, more sent: the script must see exactly 5 and end.
      sock.write("POST /cgi-bin/echo.sh HTTP/1.0\r\nContent-Length: 5\r\n\r\nhelloEXTRA-BYTES");
      await within(done, 5000, "the echo");
      const r = parseReply(Buffer.concat(chunks));
      expect(r.text).to.equal("hello");
    });

    // Its FIN means it left (see cgi-hardening.spec.ts): the script is
    // stopped and the connection closed, with nothing sent.
    it("takes a client that sends less than Content-Length and then half-closes for gone", async function () {
      const sock = net.connect({ host: HOST, port: srv.port, allowHalfOpen: true });
      const chunks: Buffer[] = [];
      const done = new Promise<void>((resolve) => {
        sock.on("data", (c: Buffer) => chunks.push(c));
        sock.once("end", () => resolve());
      });
      sock.end("POST /cgi-bin/echo.sh HTTP/1.0\r\nContent-Length: 100\r\n\r\nshort");
      await within(done, 5000, "the server to close");
      sock.destroy();
      expect(Buffer.concat(chunks).toString("latin1")).to.equal("");
    });

    it("runs CGI requests concurrently on a ThreadingHTTPServer", async function () {
      const started = Date.now();
      const replies = await Promise.all(
        Array.from({ length: 8 }, (_, i) => request(srv.port, "GET", `/cgi-bin/slow.sh?n=${i}`)),
      );
      const elapsed = Date.now() - started;
      replies.forEach((r, i) => expect(r.text).to.equal(`n=${i}\n`));
      // Eight scripts sleeping 0.5 s each: together, not one after another (4 s).
      expect(elapsed).to.be.below(3000);
    });

    it("logs the script's standard error, line by line, and never sends it to the client", async function () {
      srv.logs.length = 0;
      const r = await request(srv.port, "GET", "/cgi-bin/stderr.sh");
      expect(r.text).to.equal("visible\n");
      expect(r.raw.toString("latin1")).to.not.include("secret");
      await waitFor(() => srv.logs.some((l) => l.includes("CGI script exit code 7")), 3000, "the exit log");
      const messages = srv.logs.map((l) => l.replace(/^\S+ - - \[[^\]]+\] /, "").replace(/\n$/, ""));
      expect(messages).to.include("secret for the log");
      expect(messages).to.include("second line");
      expect(messages).to.include("no newline at end");
      expect(messages).to.include("CGI script exit code 7");
      expect(srv.logs.every((l) => /^127\.0\.0\.1 - - \[\d\d\/\w{3}\/\d{4} \d\d:\d\d:\d\d\] /.test(l))).to.equal(true);
    });

    it("logs nothing about the exit of a script that exits with 0", async function () {
      srv.logs.length = 0;
      await request(srv.port, "GET", "/cgi-bin/ok.sh");
      await delay(50);
      expect(srv.logs.filter((l) => l.includes("exit"))).to.deep.equal([]);
      expect(srv.logs.some((l) => l.includes('"GET /cgi-bin/ok.sh HTTP/1.0" 200 -'))).to.equal(true);
    });

    it("kills the script when the client goes away", async function () {
      const sock = net.connect({ host: HOST, port: srv.port });
      sock.on("error", () => undefined);
      let got = "";
      sock.on("data", (c: Buffer) => (got += c.toString("latin1")));
      sock.write("GET /cgi-bin/ticker.sh HTTP/1.0\r\n\r\n");
      await waitFor(() => got.includes("tick"), 5000, "the first tick");
      const pid = Number(fs.readFileSync(path.join(tree.marks, "ticker.pid"), "utf8"));
      expect(pidAlive(pid)).to.equal(true);
      sock.destroy();
      await waitFor(() => !pidAlive(pid), 5000, "the script to be killed");
    });
  });

  describe("cgiTimeout", function () {
    it("kills a silent script and its children, answers 504, logs it", async function () {
      const srv = await startServer(tree.root, { cgiTimeout: 0.5 });
      try {
        const started = Date.now();
        const r = await request(srv.port, "GET", "/cgi-bin/hang.sh");
        expect(Date.now() - started).to.be.below(5000);
        expect(r.status).to.equal(504);
        const pid = Number(fs.readFileSync(path.join(tree.marks, "hang.pid"), "utf8"));
        await waitFor(() => !pidAlive(pid), 3000, "the script's child to be killed");
        await waitFor(() => srv.logs.some((l) => l.includes("CGI script exit code -9")), 3000, "the exit log");
        expect(srv.logs.some((l) => l.includes("CGI script killed: no activity for 0.5 seconds"))).to.equal(true);
      } finally {
        await srv.close();
      }
    });

    it("in Python mode keeps what was sent and closes the connection", async function () {
      const srv = await startServer(tree.root, { cgiTimeout: 0.5, cgiStatusHeaders: false });
      try {
        const r = await request(srv.port, "GET", "/cgi-bin/hang-late.sh");
        expect(r.statusLine).to.equal("HTTP/1.0 200 Script output follows");
        expect(r.text).to.equal("partial\n");
        const pid = Number(fs.readFileSync(path.join(tree.marks, "hang-late.pid"), "utf8"));
        await waitFor(() => !pidAlive(pid), 3000, "the script's child to be killed");
      } finally {
        await srv.close();
      }
    });

    it("null never kills", async function () {
      const srv = await startServer(tree.root, { cgiTimeout: null });
      try {
        const r = await request(srv.port, "GET", "/cgi-bin/slow.sh?waited");
        expect(r.text).to.equal("waited\n");
        expect(srv.logs.some((l) => l.includes("killed"))).to.equal(false);
      } finally {
        await srv.close();
      }
    });

    it("counts activity, not total time: a slowly streaming script lives on", async function () {
      writeScript(
        path.join(tree.root, "cgi-bin", "drip.sh"),
        `${SH}printf 'Content-Type: text/plain\\n\\n'\nfor i in 1 2 3 4 5 6; do echo $i; sleep 0.2; done\n`,
      );
      const srv = await startServer(tree.root, { cgiTimeout: 0.5 });
      try {
        const r = await request(srv.port, "GET", "/cgi-bin/drip.sh");
        expect(r.text).to.equal("1\n2\n3\n4\n5\n6\n");
      } finally {
        await srv.close();
        fs.rmSync(path.join(tree.root, "cgi-bin", "drip.sh"));
      }
    });
  });

  describe("cgiStatusHeaders (deviation) and Python-compatible mode", function () {
    let srv: Running;
    let py: Running;
    before(async function () {
      srv = await startServer(tree.root);
      py = await startServer(tree.root, { cgiStatusHeaders: false });
    });
    after(async function () {
      await srv.close();
      await py.close();
    });

    it("Status: sets the status line; the Status header itself is not sent", async function () {
      const r = await request(srv.port, "GET", "/cgi-bin/status.sh");
      expect(r.statusLine).to.equal("HTTP/1.0 404 Not Found");
      expect(r.header("Status")).to.equal(undefined);
      expect(r.header("X-Extra")).to.equal("yes");
      expect(r.header("Server")).to.match(/^SimpleHTTP/);
      expect(r.text).to.equal("missing\n");
      expect(srv.logs.some((l) => l.includes('"GET /cgi-bin/status.sh HTTP/1.0" 404 -'))).to.equal(true);
    });

    it("a Status without a phrase gets the standard one; CRLF lines work", async function () {
      const r = await request(srv.port, "GET", "/cgi-bin/teapot.sh");
      expect(r.statusLine).to.equal("HTTP/1.0 418 I'm a Teapot");
      expect(r.text).to.equal("short and stout\n");
    });

    it("Location: without Status: is a 302", async function () {
      const r = await request(srv.port, "GET", "/cgi-bin/redirect.sh");
      expect(r.statusLine).to.equal("HTTP/1.0 302 Found");
      expect(r.header("Location")).to.equal("http://example.com/new");
    });

    it("the header block is re-sent with CRLF line ends", async function () {
      const r = await request(srv.port, "GET", "/cgi-bin/file1.py");
      expect(r.raw.toString("latin1")).to.match(
        /^HTTP\/1\.0 200 Script output follows\r\nServer: [^\r\n]+\r\nDate: [^\r\n]+\r\nContent-type: text\/html\r\n\r\nHello World\n$/,
      );
    });

    it("output without a well-formed header block passes through as Python sends it", async function () {
      const r = await request(srv.port, "GET", "/cgi-bin/badhead.sh");
      expect(r.raw.toString("latin1")).to.match(
        /^HTTP\/1\.0 200 Script output follows\r\nServer: [^\r\n]+\r\nDate: [^\r\n]+\r\nthis is no header\n\nbody\n$/,
      );
    });

    it("a header block over 64 KiB is not held back: it passes through", async function () {
      const r = await request(srv.port, "GET", "/cgi-bin/bighead.sh");
      expect(r.statusLine).to.equal("HTTP/1.0 200 Script output follows");
      const raw = r.raw.toString("latin1");
      expect(raw).to.include("x".repeat(70000) + "\n\nbody\n");
    });

    it("a script that prints nothing gets Python's empty 200", async function () {
      const r = await request(srv.port, "GET", "/cgi-bin/silent.sh");
      expect(r.raw.toString("latin1")).to.match(/^HTTP\/1\.0 200 Script output follows\r\nServer: [^\r\n]+\r\nDate: [^\r\n]+\r\n$/);
    });

    it("Python mode: 200 before the script runs, the output unchanged (Status: included)", async function () {
      const r = await request(py.port, "GET", "/cgi-bin/status.sh");
      expect(r.raw.toString("latin1")).to.match(
        /^HTTP\/1\.0 200 Script output follows\r\nServer: SimpleHTTP\/0\.6 Node\.js\/[^\r\n]+\r\nDate: [^\r\n]+ GMT\r\nStatus: 404 Not Found\nContent-Type: text\/plain\nX-Extra: yes\n\nmissing\n$/,
      );
      const h = await request(py.port, "GET", "/cgi-bin/file1.py");
      expect(h.raw.toString("latin1")).to.match(/\r\nContent-type: text\/html\n\nHello World\n$/);
      const loc = await request(py.port, "GET", "/cgi-bin/redirect.sh");
      expect(loc.status).to.equal(200);
    });

    it("a script that cannot be started: 500 here, Python's log lines in both modes", async function () {
      writeScript(path.join(tree.root, "cgi-bin", "noexec-interp.sh"), "#!/nonexistent/interpreter\n");
      try {
        srv.logs.length = 0;
        const r = await request(srv.port, "GET", "/cgi-bin/noexec-interp.sh");
        expect(r.status).to.equal(500);
        await waitFor(() => srv.logs.some((l) => l.includes("CGI script exit code 127")), 3000, "the log");
        expect(srv.logs.some((l) => l.includes("CGI script could not be run"))).to.equal(true);
        py.logs.length = 0;
        const p = await request(py.port, "GET", "/cgi-bin/noexec-interp.sh");
        expect(p.statusLine).to.equal("HTTP/1.0 200 Script output follows");
        expect(p.text).to.equal("");
        await waitFor(() => py.logs.some((l) => l.includes("CGI script exit code 127")), 3000, "the log");
      } finally {
        fs.rmSync(path.join(tree.root, "cgi-bin", "noexec-interp.sh"));
      }
    });
  });

  describe("security: no script outside the CGI folders ever runs", function () {
    let srv: Running;
    before(async function () {
      srv = await startServer(tree.root);
    });
    after(async function () {
      await srv.close();
    });
    afterEach(function () {
      for (const m of ["evil", "evil2", "outside"]) expect(tree.ran(m), `canary ${m}`).to.equal(false);
    });

    it("positive control: the canary in cgi-bin runs when asked for", async function () {
      const r = await request(srv.port, "GET", "/cgi-bin/canary.sh");
      expect(r.text).to.equal("CANARY canary RAN\n");
      expect(tree.ran("canary")).to.equal(true);
      tree.clearMarks();
    });

    it("/cgi-bin/../x is the plain file x, never run", async function () {
      const r = await request(srv.port, "GET", "/cgi-bin/../evil.sh");
      expect(r.status).to.equal(200);
      expect(r.text).to.include("#!/bin/sh");
    });

    it("/cgi-bin/%2e%2e/x is the plain file x, never run", async function () {
      const r = await request(srv.port, "GET", "/cgi-bin/%2e%2e/evil.sh");
      expect(r.text).to.include("#!/bin/sh");
      expect((await request(srv.port, "POST", "/cgi-bin/%2E%2E/evil.sh", { body: "" })).status).to.equal(501);
    });

    it("//cgi-bin/x runs the script in cgi-bin; //cgi-bin/../x runs nothing", async function () {
      expect((await request(srv.port, "GET", "//cgi-bin/ok.sh")).text).to.equal("ok\n");
      expect((await request(srv.port, "GET", "//cgi-bin/../evil.sh")).text).to.include("#!/bin/sh");
      expect((await request(srv.port, "POST", "//cgi-bin/../evil.sh", { body: "" })).status).to.equal(501);
    });

    it("/cgi-bin/./x runs the script in cgi-bin; /cgi-bin/./../x runs nothing", async function () {
      expect((await request(srv.port, "GET", "/cgi-bin/./ok.sh")).text).to.equal("ok\n");
      expect((await request(srv.port, "GET", "/cgi-bin/./../evil.sh")).text).to.include("#!/bin/sh");
      expect((await request(srv.port, "GET", "/./cgi-bin/./../evil.sh")).text).to.include("#!/bin/sh");
    });

    it("backslashes are ordinary characters, not separators", async function () {
      for (const target of ["/cgi-bin/..\\evil.sh", "/cgi-bin\\..\\evil.sh", "/cgi-bin/..%5cevil.sh", "/cgi-bin/%5c..%5c..%5cevil.sh"]) {
        const r = await request(srv.port, "GET", target);
        expect(r.status, target).to.equal(404);
      }
    });

    it("encoded slashes (%2f), also encoded twice, cannot climb out of cgi-bin", async function () {
      for (const target of ["/cgi-bin%2f..%2fevil.sh", "/cgi-bin/..%2fevil.sh", "/cgi-bin/..%2Fevil.sh"]) {
        const r = await request(srv.port, "GET", target);
        expect(r.text, target).to.include("#!/bin/sh");
      }
      // Python 3.11 runs evil.sh for this one: the name is decoded twice.
      for (const target of [
        "/cgi-bin/%252e%252e%252fevil.sh",
        "/cgi-bin/%252E%252E%252Fevil.sh",
        "/cgi-bin/%252e%252e%252fsub/evil2.sh",
        "/cgi-bin/child-dir/%252e%252e%252f%252e%252e%252fevil.sh",
      ]) {
        const r = await request(srv.port, "POST", target, { body: "" });
        expect([r.status, r.text.includes("CANARY")], target).to.deep.equal([404, false]);
      }
    });

    it("NUL bytes: a 404 in the script name, a 400 in PATH_INFO, nothing runs", async function () {
      const a = await request(srv.port, "GET", "/cgi-bin/canary.sh%00.txt");
      expect(a.status).to.equal(404);
      expect(a.reason).to.equal("No such CGI script ('/cgi-bin/canary.sh\\x00.txt')");
      const b = await request(srv.port, "GET", "/cgi-bin/canary.sh/%00");
      expect(b.status).to.equal(400);
      const c = await request(srv.port, "GET", "/cgi-bin/canary.sh%00");
      expect(c.status).to.equal(404);
      expect(tree.ran("canary")).to.equal(false);
    });

    it("a symlink in cgi-bin leading out of the served folder is refused unless followSymlinks", async function () {
      const r = await request(srv.port, "GET", "/cgi-bin/link.sh");
      expect([r.status, r.reason]).to.deep.equal([404, "No such CGI script ('/cgi-bin/link.sh')"]);
      expect(tree.ran("outside")).to.equal(false);
      const open = await startServer(tree.root, { followSymlinks: true });
      try {
        const ok = await request(open.port, "GET", "/cgi-bin/link.sh");
        expect(ok.text).to.equal("CANARY outside RAN\n");
        expect(tree.ran("outside")).to.equal(true);
      } finally {
        tree.clearMarks();
        await open.close();
      }
    });

    it("a Proxy: header never becomes HTTP_PROXY (httpoxy)", async function () {
      const saved = process.env.HTTP_PROXY;
      delete process.env.HTTP_PROXY;
      try {
        const env = envOf(
          await request(srv.port, "GET", "/cgi-bin/env.sh", { headers: ["Proxy: http://attacker.example:8080"] }),
        );
        expect(env.has("HTTP_PROXY")).to.equal(false);
        expect([...env.values()].some((v) => v.includes("attacker"))).to.equal(false);
      } finally {
        if (saved !== undefined) process.env.HTTP_PROXY = saved;
      }
    });

    it("a path climbing above the root (Python's IndexError) is a 500, reported to handleError, runs nothing", async function () {
      srv.errors.length = 0;
      const r = await request(srv.port, "POST", "/cgi-bin/../../cgi-bin/canary.sh", { body: "" });
      expect(r.status).to.equal(500);
      await waitFor(() => srv.errors.length > 0, 3000, "handleError");
      expect((srv.errors[0] as Error).name).to.equal("IndexError");
      const g = await request(srv.port, "GET", "/cgi-bin/%2e%2e/%2e%2e/cgi-bin/canary.sh");
      expect(g.status).to.equal(500);
      expect(tree.ran("canary")).to.equal(false);
    });
  });

  describe("examples/cgi", function () {
    const here = path.dirname(fileURLToPath(import.meta.url));
    const example = path.resolve(here, "../../../../../examples/cgi");

    /** Serve the example in place when `nobody` can reach it, else a copy in the temp folder. */
    function servedFolder(): string {
      if (!RUNNING_AS_ROOT) return example;
      let reachable = true;
      for (let d = example; d !== path.dirname(d); d = path.dirname(d)) {
        if ((fs.statSync(d).mode & 0o005) !== 0o005) reachable = false;
      }
      if (reachable) return example;
      const copy = path.join(path.dirname(tree.root), "example-copy");
      fs.cpSync(example, copy, { recursive: true });
      fs.chmodSync(copy, 0o755);
      return copy;
    }

    it("greet.sh is executable and index.html posts to it", async function () {
      expect(fs.statSync(path.join(example, "cgi-bin", "greet.sh")).mode & 0o111).to.equal(0o111);
      const srv = await startServer(servedFolder());
      try {
        const page = await request(srv.port, "GET", "/");
        expect(page.status).to.equal(200);
        expect(page.text).to.match(/<form method="post" action="cgi-bin\/greet\.sh">/);
        const r = await request(srv.port, "POST", "/cgi-bin/greet.sh", {
          headers: ["Content-Type: application/x-www-form-urlencoded"],
          body: "name=Ada+Lovelace%21+%3Cb%3E+%C3%A9",
        });
        expect(r.status).to.equal(200);
        expect(r.header("Content-Type")).to.equal("text/html; charset=utf-8");
        expect(r.text).to.include("<p>Hello, Ada Lovelace! &lt;b&gt; é!</p>");
        const empty = await request(srv.port, "POST", "/cgi-bin/greet.sh", { body: "" });
        expect(empty.text).to.include("<p>Hello, stranger!</p>");
      } finally {
        await srv.close();
      }
    });
  });
});

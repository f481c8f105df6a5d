/**
 * The access gate (`--auth`, `--token`) on a real server on 127.0.0.1,
 * with curl, Python's urllib and Node's fetch: every path (files, missing
 * files, folders, CGI, uploads) gets the same 401 before the file system is
 * looked at; the right credentials get through; log lines never show the
 * token or a password.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";

import { ThreadingHTTPServer } from "../../../../lib/http/server/http-server.js";
import { SimpleHTTPRequestHandler } from "../../../../lib/http/server/files/simple-handler.js";
import { CGIHTTPRequestHandler } from "../../../../lib/http/server/cgi/cgi-handler.js";
import { withAccessGate, type AccessRule } from "../../../../lib/http/server/access/access-gate.js";
import { BasicCredentials, parseCredentialFile } from "../../../../lib/http/server/access/basic-auth.js";
import { CapabilityToken, TOKEN_COOKIE, newToken, tokenProblem } from "../../../../lib/http/server/access/token.js";
import { withUploads } from "../../../../lib/http/server/files/upload.js";
import type { RequestHandlerClass } from "../../../../lib/socketserver/base-server.js";
import { HOST, exchange, latin1, run, tempDir } from "../../../helpers.js";
import { SH, serveLogged, writeScript, type Logged } from "../helpers.js";

const TOKEN = "T0ken-for-the-specs_0123456789ab";
const PASSWORD = "s3cret:with colon";

/** A handler class serving `dir`, counting its translatePath() calls in `looked`. */
function siteHandler(dir: string, Base: typeof SimpleHTTPRequestHandler, looked: { n: number }): typeof SimpleHTTPRequestHandler {
  return class Site extends Base {
    constructor(request: unknown, clientAddress: unknown, server: never) {
      super(request, clientAddress, server, { directory: dir });
    }
    override translatePath(p: string): string {
      looked.n++;
      return super.translatePath(p);
    }
  };
}

/** A site: a file, a folder, a CGI script that leaves a mark when it runs. */
function makeSite(dir: string): void {
  // CGI scripts run as nobody when the specs run as root: the mark must be writable by anyone.
  fs.chmodSync(dir, 0o777);
  fs.writeFileSync(path.join(dir, "a.txt"), "file a\n");
  fs.mkdirSync(path.join(dir, "sub"));
  fs.mkdirSync(path.join(dir, "cgi-bin"), { mode: 0o755 });
  writeScript(path.join(dir, "cgi-bin", "mark.sh"), `${SH}touch "${path.join(dir, "ran")}"\nprintf 'Content-Type: text/plain\\r\\n\\r\\nran\\n'\n`);
}

describe("access gate (--auth, --token)", function () {
  this.timeout(30000);
  let site: { dir: string; remove: () => void };
  let srv: Logged<ThreadingHTTPServer> | null = null;
  const looked = { n: 0 };

  async function start(rule: Partial<AccessRule>, Base: typeof SimpleHTTPRequestHandler = SimpleHTTPRequestHandler, upload = false): Promise<string> {
    let Handler = siteHandler(site.dir, Base, looked);
    if (upload) Handler = withUploads(Handler, { maxUpload: 1 << 20, overwrite: false });
    const Gated = withAccessGate(Handler, { basic: null, token: null, secure: false, ...rule });
    srv = await serveLogged(ThreadingHTTPServer, Gated as unknown as RequestHandlerClass);
    looked.n = 0;
    return `http://${HOST}:${srv.port}`;
  }

  beforeEach(() => {
    site = tempDir("access-gate-");
    makeSite(site.dir);
  });
  afterEach(async () => {
    await srv?.close();
    srv = null;
    site.remove();
  });

  describe("HTTP Basic", () => {
    const basic = (): BasicCredentials => new BasicCredentials([["alice", PASSWORD], ["bob", "b"]]);

    it("answers every path with the same 401 and challenge, without looking at the file system (curl)", async () => {
      const base = await start({ basic: basic() }, CGIHTTPRequestHandler, true);
      const bodies = new Set<string>();
      for (const p of ["/a.txt", "/missing", "/sub", "/sub/", "/", "/cgi-bin/mark.sh", "/../etc/passwd"]) {
        const r = await run("curl", ["-s", "-i", "-m", "5", "--path-as-is", base + p]);
        const [head, body] = r.stdout.split("\r\n\r\n");
        expect(head).to.match(/^HTTP\/1\.0 401 Unauthorized\r\n/);
        expect(head).to.include('\r\nWWW-Authenticate: Basic realm="http.server", charset="UTF-8"');
        expect(head).not.to.include("Location");
        bodies.add(body!);
      }
      // POST to the CGI script and PUT of a file, without credentials.
      const post = await run("curl", ["-s", "-i", "-m", "5", "-d", "x=1", base + "/cgi-bin/mark.sh"]);
      expect(post.stdout).to.match(/^HTTP\/1\.0 401/);
      const put = await run("curl", ["-s", "-i", "-m", "5", "-T", "-", base + "/new.txt"], 15000, "data\n");
      expect(put.stdout).to.match(/^HTTP\/1\.[01] 401/);
      expect(bodies.size).to.equal(1);
      expect(looked.n).to.equal(0);
      expect(fs.existsSync(path.join(site.dir, "ran"))).to.equal(false);
      expect(fs.existsSync(path.join(site.dir, "new.txt"))).to.equal(false);
      // A page of another site cannot make a browser holding the password run the script (CSRF).
      for (const header of ["Origin: http://evil.example", "Sec-Fetch-Site: cross-site"]) {
        const csrf = await run("curl", ["-s", "-i", "-m", "5", "-u", `alice:${PASSWORD}`, "-H", header, "-d", "x=1", base + "/cgi-bin/mark.sh"]);
        expect(csrf.stdout, header).to.match(/^HTTP\/1\.0 403/);
      }
      expect(fs.existsSync(path.join(site.dir, "ran"))).to.equal(false);
      // The same requests with credentials do reach the script and the folder.
      const allowed = await run("curl", ["-s", "-m", "5", "-u", `alice:${PASSWORD}`, "-d", "x=1", base + "/cgi-bin/mark.sh"]);
      expect(allowed.stdout).to.equal("ran\n");
      expect(fs.existsSync(path.join(site.dir, "ran"))).to.equal(true);
    });

    it("lets curl -u, Python's HTTPBasicAuthHandler and fetch with a UTF-8 password in; a wrong password gets 401", async () => {
      const base = await start({ basic: new BasicCredentials([["alice", PASSWORD], ["jürgen", "pässwörd"]]) });
      const ok = await run("curl", ["-s", "-m", "5", "-u", `alice:${PASSWORD}`, base + "/a.txt"]);
      expect(ok.stdout).to.equal("file a\n");
      const wrong = await run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-m", "5", "-u", "alice:nope", base + "/a.txt"]);
      expect(wrong.stdout).to.equal("401");
      const unknownUser = await run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-m", "5", "-u", `mallory:${PASSWORD}`, base + "/a.txt"]);
      expect(unknownUser.stdout).to.equal("401");

      const script = [
        "import sys, urllib.request",
        "pm = urllib.request.HTTPPasswordMgrWithDefaultRealm()",
        "pm.add_password(None, sys.argv[1], 'alice', sys.argv[2])",
        "opener = urllib.request.build_opener(urllib.request.HTTPBasicAuthHandler(pm))",
        "print(opener.open(sys.argv[1] + '/a.txt').read().decode(), end='')",
      ].join("\n");
      const py = await run("python3", ["-c", script, base, PASSWORD]);
      expect(py.stdout, py.stderr).to.equal("file a\n");

      const utf8 = Buffer.from("jürgen:pässwörd", "utf8").toString("base64");
      const res = await fetch(base + "/a.txt", { headers: { Authorization: `Basic ${utf8}` } });
      expect(res.status).to.equal(200);
      expect(await res.text()).to.equal("file a\n");
      const latin1Form = Buffer.from("jürgen:pässwörd", "latin1").toString("base64");
      expect((await fetch(base + "/a.txt", { headers: { Authorization: `Basic ${latin1Form}` } })).status).to.equal(401);
    });

    it("refuses Expect: 100-continue without credentials: no 100, a 401, the connection closed", async () => {
      const base = await start({ basic: basic() }, SimpleHTTPRequestHandler, true);
      const port = Number(new URL(base).port);
      const reply = latin1(
        await exchange(port, "PUT /up.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n", { end: false }),
      );
      expect(reply).to.match(/^HTTP\/1\.0 401 Unauthorized\r\n/);
      expect(reply).not.to.include("100 Continue");
      expect(fs.existsSync(path.join(site.dir, "up.txt"))).to.equal(false);
    });

    it("keeps passwords out of the log", async () => {
      const base = await start({ basic: basic() });
      await run("curl", ["-s", "-m", "5", "-u", `alice:${PASSWORD}`, base + "/a.txt"]);
      await run("curl", ["-s", "-m", "5", "-u", "alice:wrong-one", base + "/a.txt"]);
      const log = srv!.logs.join("");
      expect(log).to.include('"GET /a.txt HTTP/1.1" 200');
      expect(log).to.include('"GET /a.txt HTTP/1.1" 401');
      expect(log).not.to.include(PASSWORD);
      expect(log).not.to.include("wrong-one");
    });
  });

  describe("capability token", () => {
    it("accepts ?token= (setting an HttpOnly cookie), the cookie, and Authorization: Bearer; refuses the rest with a Bearer challenge", async () => {
      const base = await start({ token: new CapabilityToken(TOKEN) });
      const viaQuery = await fetch(`${base}/?token=${TOKEN}`);
      expect(viaQuery.status).to.equal(200);
      const cookie = viaQuery.headers.get("set-cookie")!;
      expect(cookie).to.equal(`${TOKEN_COOKIE}=${TOKEN}; Path=/; HttpOnly; SameSite=Lax`);
      // The listing's relative links work with the cookie alone.
      const viaCookie = await fetch(`${base}/a.txt`, { headers: { Cookie: `other=1; ${cookie.split(";")[0]}` } });
      expect(await viaCookie.text()).to.equal("file a\n");
      expect(viaCookie.headers.get("set-cookie")).to.equal(null);
      const bearer = await run("curl", ["-s", "-m", "5", "-H", `Authorization: Bearer ${TOKEN}`, base + "/a.txt"]);
      expect(bearer.stdout).to.equal("file a\n");
      const py = await run("python3", ["-c", "import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1]).read().decode(), end='')", `${base}/a.txt?token=${TOKEN}`]);
      expect(py.stdout, py.stderr).to.equal("file a\n");

      for (const bad of [`${base}/a.txt`, `${base}/a.txt?token=${TOKEN.slice(1)}`, `${base}/sub?token=x${TOKEN}`]) {
        const r = await fetch(bad, { redirect: "manual" });
        expect(r.status, bad).to.equal(401);
        expect(r.headers.get("www-authenticate")).to.equal('Bearer realm="http.server"');
      }
      expect(looked.n).to.equal(4); // the four accepted requests only
    });

    it("never writes the token into a log line", async () => {
      const base = await start({ token: new CapabilityToken(TOKEN) });
      await fetch(`${base}/a.txt?token=${TOKEN}`);
      await fetch(`${base}/missing?x=1&token=${TOKEN}`);
      const log = srv!.logs.join("");
      expect(log).to.include('"GET /a.txt?token=<token> HTTP/1.1" 200');
      expect(log).to.include('"GET /missing?x=1&token=<token> HTTP/1.1" 404');
      expect(log).not.to.include(TOKEN);
    });

    it("marks the cookie Secure on a TLS server, and either credential is enough when both are set", async () => {
      const base = await start({ token: new CapabilityToken(TOKEN), basic: new BasicCredentials([["u", "p"]]), secure: true });
      const r = await fetch(`${base}/a.txt?token=${TOKEN}`);
      expect(r.headers.get("set-cookie")).to.match(/; Secure$/);
      const basicOnly = await run("curl", ["-s", "-m", "5", "-u", "u:p", base + "/a.txt"]);
      expect(basicOnly.stdout).to.equal("file a\n");
      const none = await fetch(`${base}/a.txt`);
      expect(none.status).to.equal(401);
      expect(none.headers.get("www-authenticate")).to.match(/^Basic /);
    });
  });

  describe("parts", () => {
    it("makes url-safe 32-character tokens and refuses short or odd ones", () => {
      const a = newToken();
      expect(a).to.match(/^[A-Za-z0-9_-]{32}$/);
      expect(newToken()).not.to.equal(a);
      expect(tokenProblem("short")).to.match(/at least 16/);
      expect(tokenProblem("has spaces in it and is long")).to.match(/characters/);
      expect(tokenProblem(TOKEN)).to.equal(null);
    });

    it("reads auth files: comments, blank lines, CRLF, colons in passwords; a line without a colon or with an empty password is an error naming it", () => {
      expect(parseCredentialFile("# users\nalice:a:b\r\n\nbob:c\n", "f")).to.deep.equal([
        ["alice", "a:b"],
        ["bob", "c"],
      ]);
      expect(() => parseCredentialFile("alice:a\nbob:\n", "f")).to.throw("f, line 2: the password is empty");
      expect(() => parseCredentialFile("ok:1\nbroken\n", "users.txt")).to.throw("users.txt, line 2: expected USER:PASSWORD");
    });
  });
});

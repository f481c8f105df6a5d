/**
 * The command line's access, TLS and upload additions: parsing and refusals,
 * `--help`, and the bin end to end. `--tls-self-signed` is checked with curl
 * (`--cacert` and `--pinnedpubkey`), Node (`https.Agent` with `ca`, and
 * fetch under `NODE_EXTRA_CA_CERTS`) and Python's urllib with an SSL context
 * trusting the saved certificate; `--auth` is looked for in
 * `/proc/PID/cmdline`; `--open` runs the real opener with a fake browser.
 */
import { X509Certificate, createHash } from "node:crypto";
import * as fs from "node:fs";
import * as https from "node:https";
import * as path from "node:path";
import * as tls from "node:tls";
import { expect } from "chai";

import { formatHelp, main } from "../../lib/cli/cli.js";
import { AUTH_ENV, DEFAULT_MAX_UPLOAD, hidePasswordInTitle, isLoopbackBind, parseSize } from "../../lib/cli/access-flags.js";
import type { HTTPServer } from "../../lib/http/server/http-server.js";
import { SimpleHTTPRequestHandler } from "../../lib/http/server/files/simple-handler.js";
import { HOST, captureStderr, delay, run, tempDir, waitFor, within } from "../helpers.js";
import { Collector, children, get, killGroup, opts, parseError, spawnCli, startCli, stop } from "./cli-helpers.js";

/** Run main() in this process until `stop()`; resolves once the server listens. */
async function startMain(
  argv: string[],
  opener?: (url: string) => Promise<unknown>,
): Promise<{ server: HTTPServer; port: number; out: Collector; err: Collector; stop: () => Promise<number> }> {
  const out = new Collector();
  const err = new Collector();
  const ac = new AbortController();
  let server: HTTPServer | null = null;
  const done = main(argv, { stdout: out, stderr: err, signal: ac.signal, handleSignals: false, onServing: (s) => (server = s), ...(opener ? { opener } : {}) });
  await within(
    Promise.race([
      (async () => {
        while (server === null) await delay(5);
      })(),
      done.then((code) => {
        throw new Error(`main() returned ${code}: ${err.text}`);
      }),
    ]),
    10000,
    "the server to start",
  );
  const port = ((server as unknown as HTTPServer).serverAddress as [string, number])[1];
  return {
    server: server as unknown as HTTPServer,
    port,
    out,
    err,
    stop: () => {
      ac.abort();
      return within(done, 10000, "main() to return");
    },
  };
}

describe("http.server command line: access, TLS and uploads", function () {
  this.timeout(60000);
  afterEach(() => {
    for (const child of [...children]) killGroup(child);
  });

  describe("parsing", () => {
    it("leaves everything off by default", () => {
      const o = opts([]);
      expect([o.tlsSelfSigned, o.upload, o.overwrite, o.open, o.qr]).to.deep.equal([false, false, false, false, false]);
      expect([o.tlsSave, o.auth, o.authFile, o.token]).to.deep.equal([null, null, null, null]);
      expect(o.credentials).to.deep.equal([]);
      expect(o.maxUpload).to.equal(DEFAULT_MAX_UPLOAD);
    });

    it("--token makes a token, takes one, and leaves a port number that follows it alone", () => {
      expect(opts(["--token"]).token).to.match(/^[A-Za-z0-9_-]{32}$/);
      expect(opts(["--token", "abcdefghijklmnop1234"]).token).to.equal("abcdefghijklmnop1234");
      expect(opts(["--token=abcdefghijklmnop1234"]).token).to.equal("abcdefghijklmnop1234");
      const o = opts(["--token", "8080"]);
      expect(o.port).to.equal(8080);
      expect(o.token).to.match(/^[A-Za-z0-9_-]{32}$/);
      expect(parseError(["--token", "short"])).to.equal("argument --token: a token must be at least 16 characters long");
    });

    it("reads sizes with K, M, G and T suffixes (powers of 1024)", () => {
      expect(parseSize("500")).to.equal(500);
      expect(parseSize("10M")).to.equal(10 * 1024 * 1024);
      expect(parseSize("1G")).to.equal(1024 ** 3);
      expect(parseSize("1.5k")).to.equal(1536);
      expect(parseSize("2GiB")).to.equal(2 * 1024 ** 3);
      for (const bad of ["", "0", "-1", "10X", "M", "1e3"]) expect(parseSize(bad), bad).to.equal(null);
      expect(opts(["--upload", "-b", "127.0.0.1", "--max-upload", "10M"]).maxUpload).to.equal(10 * 1024 * 1024);
      expect(parseError(["--max-upload", "lots"])).to.match(/^argument --max-upload: invalid size 'lots'/);
    });

    it("refuses --upload on a non-loopback address without --auth or --token, and unusable combinations", () => {
      const why = parseError(["--upload"]);
      expect(why).to.match(/^argument --upload: refused: anyone who can reach the server could write files/);
      expect(parseError(["--upload", "-b", "0.0.0.0"])).to.equal(why);
      expect(parseError(["--upload", "-b", "192.0.2.2"])).to.equal(why);
      expect(opts(["--upload", "-b", "127.0.0.1"]).upload).to.equal(true);
      expect(opts(["--upload", "-b", "::1"]).upload).to.equal(true);
      expect(opts(["--upload", "-b", "localhost"]).upload).to.equal(true);
      expect(opts(["--upload", "--token"]).upload).to.equal(true);
      expect(opts(["--upload", "--auth", "u:p"]).upload).to.equal(true);
      expect(isLoopbackBind("127.8.9.1")).to.equal(true);
      expect(isLoopbackBind(null)).to.equal(false);
      expect(parseError(["--overwrite"])).to.equal("--overwrite requires --upload");
      expect(parseError(["--tls-save", "x"])).to.equal("--tls-save requires --tls-self-signed");
      expect(parseError(["--tls-self-signed", "--tls-cert", "c.pem"])).to.equal("argument --tls-self-signed: cannot be combined with --tls-cert");
      expect(parseError(["--tls-self-signed", "--workers", "2"])).to.match(/^argument --workers: cannot be combined with --tls-self-signed/);
      expect(parseError(["--auth", "nocolon"])).to.equal("argument --auth: expected USER:PASSWORD");
      // An empty password would let anyone who knows the name in (and open uploads to the network).
      expect(parseError(["--auth", "bob:"])).to.equal("argument --auth: the password is empty");
      // The key must not land where the server serves it (-d defaults to the working folder, /srv here).
      expect(parseError(["--tls-self-signed", "--tls-save", "/srv/keys"])).to.match(/^argument --tls-save: the folder is inside the served directory/);
      expect(parseError(["--tls-self-signed", "--tls-save", "keys"])).to.match(/^argument --tls-save: the folder is inside the served directory/);
      expect(parseError(["-d", "/srv/site", "--tls-self-signed", "--tls-save", "/srv/site"])).to.match(/^argument --tls-save: the folder is inside/);
      expect(opts(["-d", "/srv/site", "--tls-self-signed", "--tls-save", "/srv/keys"]).tlsSave).to.equal("/srv/keys");
    });

    it("collects users from --auth, --auth-file and HTTP_SERVER_AUTH", () => {
      const dir = tempDir("auth-file-");
      try {
        fs.writeFileSync(path.join(dir.dir, "users"), "# team\nann:one\nbea:two:three\n", { mode: 0o600 });
        process.env[AUTH_ENV] = "env:pw";
        const o = opts(["--auth", "cli:x", "--auth-file", "users"], dir.dir);
        expect(o.credentials).to.deep.equal([
          ["cli", "x"],
          ["ann", "one"],
          ["bea", "two:three"],
          ["env", "pw"],
        ]);
        fs.writeFileSync(path.join(dir.dir, "empty"), "# nobody\n");
        expect(() => opts(["--auth-file", "empty"], dir.dir)).to.throw(/holds no user:password line/);
        expect(() => opts(["--auth-file", "missing"], dir.dir)).to.throw(/cannot read .*missing: ENOENT/);
      } finally {
        delete process.env[AUTH_ENV];
        dir.remove();
      }
    });

    it("lists every flag in --help, under the additions heading", () => {
      const help = formatHelp(80);
      const section = help.slice(help.indexOf("additions (not in Python's http.server):"));
      for (const flag of ["--tls-self-signed", "--tls-save DIR", "--auth USER:PASSWORD", "--auth-file FILE", "--token [TOKEN]", "--upload", "--max-upload SIZE", "--overwrite", "--open", "--qr"]) {
        expect(section).to.include(`  ${flag}`);
      }
    });
  });

  describe("--tls-self-signed", () => {
    it("serves HTTPS with an in-memory certificate whose fingerprint is printed; curl, Node and Python trust the saved copy", async () => {
      const site = tempDir("self-signed-");
      const keep = tempDir("self-signed-save-");
      try {
        fs.writeFileSync(path.join(site.dir, "hello.txt"), "hello over TLS\n");
        const cli = await startCli(["0", "-b", HOST, "--tls-self-signed", "--tls-save", keep.dir], site.dir);
        const printed = (await cli.waitStdout(/SHA-256 fingerprint: ([0-9A-F:]{95})\n/))[1]!;
        await cli.waitStdout(/saved to .*key\.pem\n/);
        expect(cli.stdout()).to.match(/^Serving HTTPS on 127\.0\.0\.1 port \d+ \(https:\/\/127\.0\.0\.1:\d+\/\) \.\.\.\n/);
        expect(cli.stdout()).to.match(/valid for: DNS:localhost, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1/);
        // Nothing written into the served folder.
        expect(fs.readdirSync(site.dir)).to.deep.equal(["hello.txt"]);
        const certFile = path.join(keep.dir, "cert.pem");
        const keyFile = path.join(keep.dir, "key.pem");
        expect(fs.statSync(keyFile).mode & 0o777).to.equal(0o600);
        const cert = new X509Certificate(fs.readFileSync(certFile));
        expect(cert.fingerprint256).to.equal(printed);
        expect(cert.checkPrivateKey((await import("node:crypto")).createPrivateKey(fs.readFileSync(keyFile)))).to.equal(true);

        // The certificate on the wire is the printed one.
        const onWire = await new Promise<string>((resolve, reject) => {
          const s = tls.connect({ host: HOST, port: cli.port, rejectUnauthorized: false }, () => {
            resolve(s.getPeerCertificate().fingerprint256);
            s.destroy();
          });
          s.on("error", reject);
        });
        expect(onWire).to.equal(printed);

        const url = `https://localhost:${cli.port}/hello.txt`;
        const pin = "sha256//" + createHash("sha256").update(cert.publicKey.export({ type: "spki", format: "der" })).digest("base64");
        const viaCurl = await run("curl", ["-s", "-m", "10", "--cacert", certFile, "--pinnedpubkey", pin, url]);
        expect(viaCurl.stdout, viaCurl.stderr).to.equal("hello over TLS\n");
        const wrongPin = await run("curl", ["-s", "-m", "10", "--cacert", certFile, "--pinnedpubkey", "sha256//" + "A".repeat(43) + "=", url]);
        expect(wrongPin.code).to.equal(90); // CURLE_SSL_PINNEDPUBKEYNOTMATCH
        const untrusted = await run("curl", ["-s", "-m", "10", url]);
        expect(untrusted.code).to.equal(60); // the certificate is not trusted without --cacert
        for (const host of ["127.0.0.1", "[::1]"]) {
          const r = await run("curl", ["-s", "-m", "10", "-g", "--cacert", certFile, `https://${host}:${cli.port}/hello.txt`]);
          if (host === "[::1]" && r.code === 7) continue; // no IPv6 loopback on this machine
          expect(r.stdout, `${host}: ${r.stderr}`).to.equal("hello over TLS\n");
        }

        const viaAgent = await get(url, { agent: new https.Agent({ ca: fs.readFileSync(certFile), keepAlive: false }), rejectUnauthorized: true });
        expect(viaAgent.body).to.equal("hello over TLS\n");
        const fetchScript = `fetch(${JSON.stringify(url)}).then(r => r.text()).then(t => process.stdout.write(t), e => { console.error(e.cause ?? e); process.exit(3); })`;
        const viaFetch = await run(process.execPath, ["-e", fetchScript], 15000, undefined, { NODE_EXTRA_CA_CERTS: certFile });
        expect(viaFetch.stdout, viaFetch.stderr).to.equal("hello over TLS\n");
        const pyScript = [
          "import ssl, sys, urllib.request",
          "ctx = ssl.create_default_context(cafile=sys.argv[2])",
          "print(urllib.request.urlopen(sys.argv[1], context=ctx).read().decode(), end='')",
        ].join("\n");
        const viaPython = await run("python3", ["-c", pyScript, url, certFile]);
        expect(viaPython.stdout, viaPython.stderr).to.equal("hello over TLS\n");
        await stop(cli);

        // A second run does not replace the saved files, and says so.
        const again = spawnCli(["0", "-b", HOST, "--tls-self-signed", "--tls-save", keep.dir], site.dir);
        const ended = await within(again.exited, 15000, "the second run to exit");
        expect(ended.code).to.equal(1);
        expect(again.stderr()).to.include(`--tls-save: ${certFile} exists already; it is not replaced`);
        expect(new X509Certificate(fs.readFileSync(certFile)).fingerprint256).to.equal(printed);
      } finally {
        site.remove();
        keep.remove();
      }
    });
  });

  describe("--auth in the process list", () => {
    it("shows USER:*** in /proc/PID/cmdline, never the password", async function () {
      if (!fs.existsSync("/proc/self/cmdline")) this.skip();
      const site = tempDir("auth-title-");
      try {
        const cli = await startCli(["0", "-b", HOST, "--auth", "alice:very-secret-password"], site.dir);
        const cmdline = fs.readFileSync(`/proc/${cli.child.pid}/cmdline`, "latin1").replace(/\0+/g, " ");
        expect(cmdline).to.include("--auth alice:***");
        expect(cmdline).not.to.include("very-secret");
        await cli.waitStderr(/warning: --auth over plain HTTP sends passwords in clear text/);
        const denied = await get(`http://${HOST}:${cli.port}/`);
        expect(denied.status).to.equal(401);
        const allowed = await get(`http://${HOST}:${cli.port}/`, { auth: "alice:very-secret-password" });
        expect(allowed.status).to.equal(200);
        await stop(cli);
        expect(cli.stderr()).not.to.include("very-secret");
      } finally {
        site.remove();
      }
    });

    it("rewrites the title of this process only when --auth or a --token value is given", () => {
      const before = process.title;
      try {
        hidePasswordInTitle(["node", "cli.js", "-b", "127.0.0.1"]);
        expect(process.title).to.equal(before);
        hidePasswordInTitle(["node", "cli.js", "--auth=bob:pw"]);
        expect(process.title.startsWith("node cli.js --auth=bob:")).to.equal(true);
        expect(process.title).not.to.include("pw");
        hidePasswordInTitle(["node", "cli.js", "--token", "abcdefghijklmnopqrst", "8080"]);
        expect(process.title.startsWith("node cli.js --token *** 8080")).to.equal(true);
        hidePasswordInTitle(["node", "cli.js", "--token=abcdefghijklmnopqrst"]);
        expect(process.title.startsWith("node cli.js --token=***")).to.equal(true);
      } finally {
        process.title = before;
      }
    });
  });

  describe("--token, --upload, --open and --qr through main()", () => {
    it("prints the token in the URLs, opens the browser at the local one, and takes HTTP_SERVER_AUTH out of the environment (CGI scripts inherit it)", async () => {
      const site = tempDir("open-");
      const opened: string[] = [];
      process.env[AUTH_ENV] = "envuser:envpass";
      try {
        // The server's log lines go to stderr: kept out of the report.
        const log = await captureStderr(async () => {
          const run1 = await startMain(["0", "-b", HOST, "-d", site.dir, "--token", "abcdefghijklmnop1234", "--open"], async (url) => {
            opened.push(url);
          });
          expect(process.env[AUTH_ENV]).to.equal(undefined);
          await waitFor(() => opened.length === 1, 5000, "the opener to be called");
          expect(opened).to.deep.equal([`http://${HOST}:${run1.port}/?token=abcdefghijklmnop1234`]);
          expect(run1.out.text).to.include(`(http://${HOST}:${run1.port}/?token=abcdefghijklmnop1234) ...\n`);
          expect(run1.out.text).to.include("Authorization: Bearer abcdefghijklmnop1234");
          expect((await fetch(`http://${HOST}:${run1.port}/`)).status).to.equal(401);
          const envUser = await fetch(`http://${HOST}:${run1.port}/`, { headers: { Authorization: `Basic ${Buffer.from("envuser:envpass").toString("base64")}` } });
          expect(envUser.status).to.equal(200);
          expect(await run1.stop()).to.equal(0);
        });
        expect(log).to.include('"GET / HTTP/1.1" 401');
      } finally {
        delete process.env[AUTH_ENV];
        site.remove();
      }
    });

    it("--open runs the real opener (the open package's xdg-open), here with a fake browser in BROWSER", async () => {
      const site = tempDir("open-real-");
      try {
        const record = path.join(site.dir, "opened.txt");
        const browser = path.join(site.dir, "fake-browser");
        fs.writeFileSync(browser, `#!/bin/sh\necho "$@" >> '${record}'\n`, { mode: 0o755 });
        const cli = await startCli(["0", "-b", HOST, "--open"], site.dir, { BROWSER: browser, DISPLAY: "", WAYLAND_DISPLAY: "" });
        // The shell creates the file before `echo` writes to it: wait for the whole line.
        await waitFor(() => fs.existsSync(record) && fs.readFileSync(record, "utf8").endsWith("\n"), 10000, "the fake browser to run");
        expect(fs.readFileSync(record, "utf8")).to.equal(`http://${HOST}:${cli.port}/\n`);
        await stop(cli);
      } finally {
        site.remove();
      }
    });

    it("--qr prints a block-character QR code with the URL under it", async () => {
      const site = tempDir("qr-");
      try {
        const r = await startMain(["0", "-b", HOST, "-d", site.dir, "--qr"]);
        await waitFor(() => r.out.text.includes(`  http://${HOST}:${r.port}/\n`), 5000, "the QR code");
        const lines = r.out.text.split("\n");
        const blocks = lines.filter((l) => /^ *[█▀▄ ]+ *$/.test(l) && /[█▀▄]/.test(l));
        expect(blocks.length).to.be.at.least(10);
        // Square: as many lines as half the modules across (two rows per line), give or take the margin.
        const width = blocks[0]!.trimEnd().length;
        expect(width).to.be.at.least(21);
        expect(await r.stop()).to.equal(0);
      } finally {
        site.remove();
      }
    });

    it("adds nothing to the handler class when the options are off (no per-request check), and wraps it when they are on", async () => {
      const site = tempDir("plain-");
      try {
        const protoOf = async (argv: string[]): Promise<Record<string, unknown>> => {
          const r = await startMain(["0", "-b", HOST, "-d", site.dir, ...argv]);
          const proto = r.server.RequestHandlerClass.prototype as unknown as Record<string, unknown>;
          await r.stop();
          return proto;
        };
        const plain = await protoOf([]);
        const parent = Object.getPrototypeOf(plain) as object;
        expect(parent).to.equal(SimpleHTTPRequestHandler.prototype);
        expect(Object.getOwnPropertyNames(plain).filter((n) => n.startsWith("do_") || n === "endHeaders" || n === "logMessage")).to.deep.equal([]);
        expect(plain.listingExtraHtml).to.equal(null);
        expect(plain.maxRequestBody).to.equal(null);

        const gated = await protoOf(["--upload", "--token"]);
        expect(Object.getOwnPropertyNames(gated)).to.include.members(["do_GET", "do_HEAD", "do_PUT", "do_POST", "endHeaders", "logMessage"]);
      } finally {
        site.remove();
      }
    });

    it("gives every --workers process the one token made by the primary", async () => {
      const site = tempDir("workers-token-");
      try {
        fs.writeFileSync(path.join(site.dir, "w.txt"), "from a worker\n");
        const cli = spawnCli(["0", "-b", HOST, "--workers", "2", "--token"], site.dir);
        // The start-up line's URL carries the token.
        const [, port, token] = await cli.waitStdout(/^Serving HTTP on 127\.0\.0\.1 port (\d+) \(http:\/\/127\.0\.0\.1:\d+\/\?token=([A-Za-z0-9_-]{32})\) \.\.\.\n/, 30000);
        for (let i = 0; i < 8; i++) {
          const r = await get(`http://${HOST}:${port}/w.txt`, { headers: { Authorization: `Bearer ${token}`, Connection: "close" } });
          expect(r.status, `request ${i}`).to.equal(200);
        }
        expect((await get(`http://${HOST}:${port}/w.txt`)).status).to.equal(401);
        await stop(cli);
      } finally {
        site.remove();
      }
    });

    it("refuses --upload on every interface without credentials: status 2 and the reason", async () => {
      const out = new Collector();
      const err = new Collector();
      expect(await main(["--upload", "0"], { stdout: out, stderr: err, handleSignals: false })).to.equal(2);
      expect(err.text).to.match(/http\.server: error: argument --upload: refused: anyone who can reach the server could write files\. Bind to a loopback address/);
    });
  });
});

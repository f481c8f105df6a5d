/**
 * `--http2`: the bin serves HTTP/2 over TLS with ALPN fallback to
 * HTTP/1.1. Node's `http2` client and an HTTPS/1.1 request (`https.get`
 * offering only `http/1.1`) to the same server get the same status, headers
 * and body for a file, a range, a 304, a listing and a 404 (the HTTP/1.1
 * client from the package's own engine, as on the plain HTTPS server); curl `--http2`
 * sees `HTTP/2 200`; log lines and shutdown with open connections are
 * those of the HTTP/1.1 server.
 */
import * as fs from "node:fs";
import * as http2 from "node:http2";
import * as https from "node:https";
import * as path from "node:path";
import { expect } from "chai";

import { HOST, run, tempDir, within } from "../helpers.js";
import { children, get, killGroup, parseError, spawnCli, startCli, stop, type Reply } from "./cli-helpers.js";

/** An HTTPS request offering only HTTP/1.1 in ALPN. */
const ONLY_HTTP1 = { ALPNProtocols: ["http/1.1"] };

/** Headers that belong to one connection (HTTP/1.1) or one moment, left out of comparisons. */
const NOT_COMPARED = new Set(["date", "connection", "keep-alive", "transfer-encoding"]);

/** The headers both protocols must agree on. */
function comparable(headers: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers)) if (!name.startsWith(":") && !NOT_COMPARED.has(name)) out[name] = value;
  return out;
}

/** One request on an HTTP/2 session. */
function h2Get(session: http2.ClientHttp2Session, target: string, headers: http2.OutgoingHttpHeaders = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return within(
    new Promise((resolve, reject) => {
      const stream = session.request({ ":path": target, ...headers });
      let head: http2.IncomingHttpHeaders = {};
      const chunks: Buffer[] = [];
      stream.on("response", (h) => (head = h));
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => resolve({ status: Number(head[":status"]), headers: head, body: Buffer.concat(chunks).toString("utf8") }));
      stream.on("error", reject);
    }),
    10000,
    `h2 GET ${target}`,
  );
}

describe("http.server command line: --http2", function () {
  this.timeout(60000);
  afterEach(() => {
    for (const child of children) killGroup(child);
  });

  it("is refused without TLS (exit 2, saying why) and with --workers", async () => {
    expect(parseError(["--http2"])).to.equal("argument --http2: needs --tls-cert or --tls-self-signed: browsers speak HTTP/2 only over TLS");
    expect(parseError(["--http2", "--tls-self-signed", "--workers", "2"])).to.match(/^argument --workers: cannot be combined with --http2/);
    const cli = spawnCli(["--http2", "0"], "/");
    const { code } = await within(cli.exited, 10000, "exit");
    expect(code).to.equal(2);
    expect(cli.stderr()).to.match(/^usage: http\.server /);
    expect(cli.stderr()).to.include("http.server: error: argument --http2: needs --tls-cert or --tls-self-signed: browsers speak HTTP/2 only over TLS\n");
  });

  it("answers h2 and HTTPS/1.1 clients alike: file, range, 304, listing, 404; curl sees HTTP/2; same log lines", async () => {
    const site = tempDir("http2-site-");
    const keep = tempDir("http2-cert-");
    try {
      fs.writeFileSync(path.join(site.dir, "hello.txt"), "hello over h2\n");
      fs.mkdirSync(path.join(site.dir, "sub"));
      const cli = await startCli(["0", "-b", HOST, "--http2", "--tls-self-signed", "--tls-save", keep.dir], site.dir);
      expect(cli.stdout()).to.match(/^Serving HTTPS on 127\.0\.0\.1 port \d+ \(https:\/\/127\.0\.0\.1:\d+\/\) \.\.\.\n/);
      await cli.waitStdout(/saved to .*key\.pem\n/);
      const ca = fs.readFileSync(path.join(keep.dir, "cert.pem"));
      const origin = `https://${HOST}:${cli.port}`;
      const session = http2.connect(origin, { ca });
      try {
        const h1 = (target: string, headers: Record<string, string> = {}): Promise<Reply> =>
          get(origin + target, { ca, rejectUnauthorized: true, ...ONLY_HTTP1, headers });
        const file = await h2Get(session, "/hello.txt");
        const etag = String(file.headers["etag"]);
        const cases: Array<[string, Record<string, string>, number]> = [
          ["/hello.txt", {}, 200],
          ["/hello.txt", { range: "bytes=6-7" }, 206],
          ["/hello.txt", { "if-none-match": etag }, 304],
          ["/", {}, 200],
          ["/missing.txt", {}, 404],
        ];
        for (const [target, headers, status] of cases) {
          const viaH2 = await h2Get(session, target, headers);
          const viaH1 = await h1(target, headers);
          const what = `${target} ${JSON.stringify(headers)}`;
          // The package's own HTTP/1 engine, as on the HTTPS server: the CLI's protocol (HTTP/1.0).
          expect(viaH1.statusLine, what).to.match(/^HTTP\/1\.0 \d{3} /);
          expect(viaH2.status, what).to.equal(status);
          expect(viaH1.status, what).to.equal(status);
          expect(comparable(viaH2.headers), what).to.deep.equal(comparable(viaH1.headers));
          expect(viaH2.body, what).to.equal(viaH1.body);
        }
        expect((await h2Get(session, "/hello.txt", { range: "bytes=6-7" })).body).to.equal("ov");
        expect((await h2Get(session, "/")).body).to.include('<a href="sub/">sub/</a>');

        const curl = await run("curl", ["-s", "-m", "10", "-i", "--http2", "--cacert", path.join(keep.dir, "cert.pem"), `https://localhost:${cli.port}/hello.txt`]);
        expect(curl.stdout, curl.stderr).to.match(/^HTTP\/2 200 \r\n/);
        expect(curl.stdout).to.match(/\r\n\r\nhello over h2\n$/);

        // One log line per request, as the HTTP/1.1 server writes them.
        await cli.waitStderr(/"GET \/hello\.txt HTTP\/1\.1" 200 -\n$/);
        expect(cli.stderr()).to.match(/^127\.0\.0\.1 - - \[[^\]]+\] "GET \/hello\.txt HTTP\/1\.1" 200 -\n/);
        expect(cli.stderr()).to.match(/"GET \/missing\.txt HTTP\/1\.1" 404 -\n/);
        expect(cli.stderr()).to.match(/code 404, message File not found\n/);

        // Ctrl+C with an open HTTP/2 session and an idle HTTP/1.1 keep-alive connection.
        const agent = new https.Agent({ keepAlive: true, ca });
        await get(origin + "/hello.txt", { agent, rejectUnauthorized: true, ...ONLY_HTTP1 });
        const exit = await stop(cli, "SIGINT");
        expect(exit).to.deep.equal({ code: 0, signal: null });
        expect(cli.stdout()).to.match(/\nKeyboard interrupt received, exiting\.\n$/);
        agent.destroy();
      } finally {
        session.destroy();
      }
    } finally {
      site.remove();
      keep.remove();
    }
  });

  it("lets a session open at most 100 streams at once, as it serves HTTP/1.1 one request at a time per connection", async () => {
    const site = tempDir("http2-streams-");
    try {
      const cli = await startCli(["0", "-b", HOST, "--http2", "--tls-self-signed"], site.dir);
      const session = http2.connect(`https://${HOST}:${cli.port}`, { rejectUnauthorized: false });
      try {
        const settings = await within(new Promise<http2.Settings>((resolve) => session.once("remoteSettings", resolve)), 10000, "SETTINGS");
        expect(settings.maxConcurrentStreams).to.equal(100);
      } finally {
        session.destroy();
      }
      expect(await stop(cli, "SIGTERM")).to.deep.equal({ code: 0, signal: null });
    } finally {
      site.remove();
    }
  });

  it("keeps the access gate and stops on SIGTERM with a session open", async () => {
    const site = tempDir("http2-gate-");
    try {
      fs.writeFileSync(path.join(site.dir, "secret.txt"), "only with the token\n");
      const cli = spawnCli(["0", "-b", HOST, "--http2", "--tls-self-signed", "--token", "s3cret-token-for-h2-tests"], site.dir);
      const port = (await cli.waitStdout(/^Serving HTTPS on \S+ port (\d+) \(https:\/\/\S+\/\?token=s3cret-token-for-h2-tests\) \.\.\.\n/))[1]!;
      const session = http2.connect(`https://${HOST}:${port}`, { rejectUnauthorized: false });
      try {
        const refused = await h2Get(session, "/secret.txt");
        expect(refused.status).to.equal(401);
        expect(refused.body).to.not.include("only with the token");
        const allowed = await h2Get(session, "/secret.txt", { authorization: "Bearer s3cret-token-for-h2-tests" });
        expect(allowed.status).to.equal(200);
        expect(allowed.body).to.equal("only with the token\n");
        expect(await stop(cli, "SIGTERM")).to.deep.equal({ code: 0, signal: null });
      } finally {
        session.destroy();
      }
    } finally {
      site.remove();
    }
  });
});

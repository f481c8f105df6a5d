/**
 * HTTPSServer and ThreadingHTTPSServer (Python 3.14's HTTPS support), with
 * certificates made by `openssl` at test time. Ports CPython's
 * `BaseHTTPSServerTestCase` (test_get, test_valid_certdata,
 * test_invalid_certdata) and checks ALPN, password-protected keys and
 * failed handshakes. openssl is required: without it these specs fail.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as https from "node:https";
import * as os from "node:os";
import * as path from "node:path";
import * as tls from "node:tls";
import { expect } from "chai";

import { BaseHTTPRequestHandler } from "../../../lib/http/server/base-handler.js";
import { HTTPSServer, ThreadingHTTPSServer, type HTTPSOptions } from "../../../lib/http/server/http-server.js";
import { parseResponses } from "../../../lib/http/server/testing.js";
import { HOST, delay, exchange, run, within } from "../../helpers.js";
import { serve } from "./helpers.js";

/** The certificate files CPython's tests keep in `certdata/`, made fresh here. */
interface CertData {
  dir: string;
  ONLYCERT: string;
  ONLYKEY: string;
  CERTFILE: string;
  ONLYKEY_PROTECTED: string;
  CERTFILE_PROTECTED: string;
  REQ_PROTECTED_CERT: string;
  REQ_PROTECTED_KEY: string;
  EMPTYCERT: string;
  BADCERT: string;
  OTHERKEY: string;
}
const KEY_PASSWORD = "xyz";
const BADPASSWORD = "badpass";

function openssl(args: string[], cwd: string): void {
  const r = spawnSync("openssl", args, { cwd, encoding: "utf8", timeout: 30000 });
  if (r.error) throw new Error(`openssl ${args.join(" ")} failed to start: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`openssl ${args.join(" ")} exited with ${r.status}: ${r.stderr}`);
}

function makeCertData(): CertData {
  const which = spawnSync("which", ["openssl"], { encoding: "utf8" });
  if (which.status !== 0 || !which.stdout.trim()) {
    throw new Error("openssl is not on PATH: the HTTPS specs need it to make their certificates (install the openssl package)");
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "https-spec-"));
  const at = (name: string): string => path.join(dir, name);
  const subj = ["-subj", "/CN=localhost", "-days", "1"];
  openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", ...subj, "-keyout", "k.pem", "-out", "c.pem"], dir);
  // `req` cannot take -aes256 (it conflicts with -nodes and is not a req
  // option in OpenSSL 3), so the same key is encrypted with `pkey`.
  openssl(["pkey", "-in", "k.pem", "-aes256", "-passout", `pass:${KEY_PASSWORD}`, "-out", "kp.pem"], dir);
  // A key that req itself encrypts (no -nodes), with its own certificate.
  openssl(["req", "-x509", "-newkey", "rsa:2048", "-passout", `pass:${KEY_PASSWORD}`, ...subj, "-keyout", "rkp.pem", "-out", "rc.pem"], dir);
  openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "other.pem"], dir);
  fs.writeFileSync(at("keycert.pem"), Buffer.concat([fs.readFileSync(at("c.pem")), fs.readFileSync(at("k.pem"))]));
  fs.writeFileSync(at("keycert.passwd.pem"), Buffer.concat([fs.readFileSync(at("c.pem")), fs.readFileSync(at("kp.pem"))]));
  fs.writeFileSync(at("nullcert.pem"), "");
  fs.writeFileSync(at("badcert.pem"), "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n");
  expect(fs.readFileSync(at("kp.pem"), "latin1")).to.include("BEGIN ENCRYPTED PRIVATE KEY");
  expect(fs.readFileSync(at("rkp.pem"), "latin1")).to.include("BEGIN ENCRYPTED PRIVATE KEY");
  return {
    dir,
    ONLYCERT: at("c.pem"),
    ONLYKEY: at("k.pem"),
    CERTFILE: at("keycert.pem"),
    ONLYKEY_PROTECTED: at("kp.pem"),
    CERTFILE_PROTECTED: at("keycert.passwd.pem"),
    REQ_PROTECTED_CERT: at("rc.pem"),
    REQ_PROTECTED_KEY: at("rkp.pem"),
    EMPTYCERT: at("nullcert.pem"),
    BADCERT: at("badcert.pem"),
    OTHERKEY: at("other.pem"),
  };
}

/** Answers GET with a small framed body naming the path. */
class Hello extends BaseHTTPRequestHandler {
  static connections = 0;
  override protocol_version = "HTTP/1.1";
  override log_message(): void {}
  override setup(): void {
    super.setup();
    Hello.connections++;
  }
  do_GET(): void {
    const body = Buffer.from(`hello ${this.path}`);
    this.sendResponse(200);
    this.sendHeader("Content-Type", "text/plain");
    this.sendHeader("Content-Length", body.length);
    this.endHeaders();
    this.wfile.write(body);
  }
}

interface Got {
  status: number;
  body: string;
  alpn: string | false | null;
  cn: unknown;
}

/** `https.get` options; Node hands ALPNProtocols on to `tls.connect()`, the typings do not list it. */
type GetOptions = https.RequestOptions & { ALPNProtocols?: string[] };

function httpsGet(port: number, p: string, extra: GetOptions = {}): Promise<Got> {
  const options: GetOptions = {
    host: HOST,
    port,
    path: p,
    rejectUnauthorized: false,
    agent: false,
    ALPNProtocols: ["http/1.1"],
    ...extra,
  };
  const request = new Promise<Got>((resolve, reject) => {
    const req = https.get(
      options,
      (res) => {
        const sock = res.socket as tls.TLSSocket;
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString("utf8"),
            alpn: sock.alpnProtocol ?? null,
            cn: sock.getPeerCertificate().subject?.CN,
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
  });
  return within(request, 5000, `https GET ${p}`);
}

function make(Server: typeof HTTPSServer, opts: HTTPSOptions): HTTPSServer {
  return new Server([HOST, 0], Hello, opts);
}

describe("HTTPSServer (TLS)", function () {
  this.timeout(30000);
  let certs: CertData;

  before(function () {
    this.timeout(60000);
    certs = makeCertData();
  });

  after(() => {
    if (certs) fs.rmSync(certs.dir, { recursive: true, force: true });
  });

  it("a TLS connection ends its write side when it closes (close_notify), never closed outright", async () => {
    const ended: boolean[] = [];
    class Recording extends ThreadingHTTPSServer {
      override shutdownRequest(request: unknown): void | Promise<void> {
        const sock = request as tls.TLSSocket;
        const end = sock.end.bind(sock);
        let called = false;
        sock.end = ((...args: Parameters<typeof sock.end>) => {
          called = true;
          return end(...args);
        }) as typeof sock.end;
        const result = super.shutdownRequest(request);
        ended.push(called);
        return result;
      }
    }
    // Writes nothing, so no bytes are left in flight when the connection closes.
    class Silent extends BaseHTTPRequestHandler {
      override log_message(): void {}
      do_GET(): void {}
    }
    const srv = await serve(Recording as typeof ThreadingHTTPSServer, Silent, { certfile: certs.ONLYCERT, keyfile: certs.ONLYKEY });
    try {
      const sock = tls.connect({ host: HOST, port: srv.port, rejectUnauthorized: false });
      const done = new Promise<string>((resolve, reject) => {
        let got = "";
        sock.on("data", (c: Buffer) => (got += c.toString("latin1")));
        sock.on("end", () => resolve(got));
        sock.on("error", reject);
      });
      sock.on("secureConnect", () => sock.write("GET /silent HTTP/1.0\r\n\r\n"));
      expect(await within(done, 3000, "the server to end the TLS connection")).to.equal("");
      sock.destroy();
      expect(ended).to.deep.equal([true]);
    } finally {
      await srv.close();
    }
  });

  it("test_get: ThreadingHTTPSServer answers https.get, ALPN http/1.1 negotiated", async () => {
    const srv = await serve(ThreadingHTTPSServer, Hello, { certfile: certs.ONLYCERT, keyfile: certs.ONLYKEY });
    try {
      const got = await httpsGet(srv.port, "/");
      expect(got).to.deep.equal({ status: 200, body: "hello /", alpn: "http/1.1", cn: "localhost" });
      const offered = await httpsGet(srv.port, "/x", { ALPNProtocols: ["h2", "http/1.1"] });
      expect(offered.alpn).to.equal("http/1.1");
    } finally {
      await srv.close();
    }
  });

  it("ALPN settings: default ['http/1.1'], readable under both spellings", () => {
    const server = make(HTTPSServer, { certfile: certs.CERTFILE });
    try {
      expect(server.alpnProtocols).to.deep.equal(["http/1.1"]);
      expect((server as unknown as Record<string, unknown>).alpn_protocols).to.deep.equal(["http/1.1"]);
      expect(server.certfile).to.equal(certs.CERTFILE);
      expect(server.keyfile).to.equal(null);
      expect(server.password).to.equal(null);
    } finally {
      void server.serverClose();
    }
  });

  it("a client offering only h2 gets no ALPN protocol, and the server keeps going", async () => {
    const srv = await serve(HTTPSServer, Hello, { certfile: certs.CERTFILE });
    try {
      const result = await new Promise<string>((resolve) => {
        const sock = tls.connect({ host: HOST, port: srv.port, rejectUnauthorized: false, ALPNProtocols: ["h2"] });
        sock.once("secureConnect", () => {
          resolve(`connected:${String(sock.alpnProtocol)}`);
          sock.destroy();
        });
        sock.once("error", (e: NodeJS.ErrnoException) => {
          resolve(`error:${e.code ?? e.message}`);
          sock.destroy();
        });
      });
      // OpenSSL refuses the handshake when no protocol overlaps (or proceeds without one).
      expect(result).to.match(/^(error:|connected:false)/);
      expect((await httpsGet(srv.port, "/after")).status).to.equal(200);
    } finally {
      await srv.close();
    }
  });

  it("keeps a TLS connection alive across requests (HTTP/1.1)", async () => {
    const srv = await serve(ThreadingHTTPSServer, Hello, { certfile: certs.CERTFILE });
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      Hello.connections = 0;
      expect((await httpsGet(srv.port, "/1", { agent })).body).to.equal("hello /1");
      expect((await httpsGet(srv.port, "/2", { agent })).body).to.equal("hello /2");
      expect(Hello.connections).to.equal(1);
    } finally {
      agent.destroy();
      await srv.close();
    }
  });

  it("Python's http.client speaks to HTTPSServer over TLS", async () => {
    const srv = await serve(HTTPSServer, Hello, { certfile: certs.CERTFILE_PROTECTED, password: KEY_PASSWORD });
    try {
      const script = String.raw`
import http.client, json, ssl, sys
ctx = ssl._create_unverified_context()
ctx.set_alpn_protocols(["http/1.1"])
c = http.client.HTTPSConnection("127.0.0.1", int(sys.argv[1]), context=ctx, timeout=5)
c.request("GET", "/py")
r = c.getresponse()
print(json.dumps([r.status, r.read().decode(), c.sock.selected_alpn_protocol(), c.sock.version()]))
c.close()
`;
      const r = await run("python3", ["-c", script, String(srv.port)]);
      expect(r.stderr).to.equal("");
      const [status, body, alpn, version] = JSON.parse(r.stdout) as [number, string, string, string];
      expect([status, body, alpn]).to.deep.equal([200, "hello /py", "http/1.1"]);
      expect(version).to.match(/^TLSv1\.[23]$/);
    } finally {
      await srv.close();
    }
  });

  it("curl -k fetches over HTTPS", async () => {
    const srv = await serve(ThreadingHTTPSServer, Hello, { certfile: certs.ONLYCERT, keyfile: certs.ONLYKEY });
    try {
      const r = await run("curl", ["-sk", "-i", "-m", "5", `https://${HOST}:${srv.port}/curl`]);
      expect(r.code).to.equal(0);
      expect(r.stdout).to.match(/^HTTP\/1\.1 200 OK\r\n/);
      expect(r.stdout.endsWith("\r\n\r\nhello /curl")).to.equal(true);
    } finally {
      await srv.close();
    }
  });

  describe("test_valid_certdata", () => {
    const cases: Array<[string, (c: CertData) => HTTPSOptions]> = [
      ["cert and key in one file", (c) => ({ certfile: c.CERTFILE })],
      ["the same file given as keyfile", (c) => ({ certfile: c.CERTFILE, keyfile: c.CERTFILE })],
      ["protected combined file with its password", (c) => ({ certfile: c.CERTFILE_PROTECTED, password: KEY_PASSWORD })],
      ["separate cert and protected key (openssl pkey -aes256)", (c) => ({ certfile: c.ONLYCERT, keyfile: c.ONLYKEY_PROTECTED, password: KEY_PASSWORD })],
      ["key encrypted by openssl req -passout", (c) => ({ certfile: c.REQ_PROTECTED_CERT, keyfile: c.REQ_PROTECTED_KEY, password: KEY_PASSWORD })],
      ["password as bytes", (c) => ({ certfile: c.ONLYCERT, keyfile: c.ONLYKEY_PROTECTED, password: Buffer.from(KEY_PASSWORD) })],
    ];
    for (const [title, opts] of cases) {
      it(`accepts ${title}, and serves with it`, async () => {
        const server = make(HTTPSServer, opts(certs));
        expect(server).to.be.instanceOf(HTTPSServer);
        await server.serverClose();
      });
    }

    it("a password-protected key serves real requests", async () => {
      const srv = await serve(ThreadingHTTPSServer, Hello, {
        certfile: certs.REQ_PROTECTED_CERT,
        keyfile: certs.REQ_PROTECTED_KEY,
        password: KEY_PASSWORD,
      });
      try {
        expect((await httpsGet(srv.port, "/locked")).body).to.equal("hello /locked");
      } finally {
        await srv.close();
      }
    });
  });

  describe("test_invalid_certdata: the constructor throws", () => {
    const cases: Array<[string, (c: CertData) => HTTPSOptions, RegExp]> = [
      ["a corrupt certificate", (c) => ({ certfile: c.BADCERT }), /ERR_OSSL|bad base64|PEM/i],
      ["an empty certificate file", (c) => ({ certfile: c.EMPTYCERT }), /no start line|ERR_OSSL/i],
      ["a certificate without its key", (c) => ({ certfile: c.ONLYCERT }), /ERR_OSSL|unsupported|key/i],
      ["a key without a certificate", (c) => ({ certfile: c.ONLYKEY }), /no start line|ERR_OSSL/i],
      ["certificate and key swapped", (c) => ({ certfile: c.ONLYKEY, keyfile: c.ONLYCERT }), /no start line|ERR_OSSL/i],
      // A wrong password usually fails the padding check ("bad decrypt"); about one time in 256
      // the padding looks right and the garbage fails to decode instead.
      ["the wrong password", (c) => ({ certfile: c.CERTFILE_PROTECTED, password: BADPASSWORD }), /bad decrypt|DECODER routines/i],
      ["a protected key and no password", (c) => ({ certfile: c.CERTFILE_PROTECTED }), /bad decrypt|password|passphrase/i],
      ["a key that does not match the certificate", (c) => ({ certfile: c.ONLYCERT, keyfile: c.OTHERKEY }), /mismatch/i],
      ["a missing file", (c) => ({ certfile: path.join(c.dir, "absent.pem") }), /ENOENT/],
      ["no certfile", () => ({}) as HTTPSOptions, /certfile/],
    ];
    for (const [title, opts, pattern] of cases) {
      it(`${title}`, async () => {
        let created = 0;
        class Probe extends HTTPSServer {
          override createSocket() {
            created++;
            return super.createSocket();
          }
        }
        expect(() => new Probe([HOST, 0], Hello, opts(certs))).to.throw(pattern);
        // Nothing may bind after the failed construction (no leaked listening socket).
        await delay(20);
        expect(created).to.equal(0);
      });
    }
  });

  describe("handshake failures", () => {
    it("plain HTTP sent to the TLS port is dropped; the server keeps serving", async () => {
      const srv = await serve(HTTPSServer, Hello, { certfile: certs.CERTFILE });
      try {
        const raw = await exchange(srv.port, "GET / HTTP/1.0\r\n\r\n", { ms: 5000 });
        expect(raw.toString("latin1")).not.to.include("HTTP/1.");
        expect(parseResponses(raw).every((r) => r.status === null)).to.equal(true);
        expect((await httpsGet(srv.port, "/still")).body).to.equal("hello /still");
        expect(srv.handled).to.deep.equal([]);
      } finally {
        await srv.close();
      }
    });

    it("a client that hangs up mid-handshake does not stop the sequential server", async () => {
      const srv = await serve(HTTPSServer, Hello, { certfile: certs.CERTFILE });
      try {
        for (let i = 0; i < 3; i++) {
          const sock = tls.connect({ host: HOST, port: srv.port, rejectUnauthorized: false });
          sock.on("error", () => undefined);
          await delay(5);
          sock.destroy();
        }
        expect((await httpsGet(srv.port, "/ok")).status).to.equal(200);
      } finally {
        await srv.close();
      }
    });

    it("a client that rejects the self-signed certificate fails; the server is unaffected", async () => {
      const srv = await serve(ThreadingHTTPSServer, Hello, { certfile: certs.CERTFILE });
      try {
        let error: NodeJS.ErrnoException | null = null;
        await httpsGet(srv.port, "/strict", { rejectUnauthorized: true }).catch((e: NodeJS.ErrnoException) => {
          error = e;
        });
        expect(error).to.not.equal(null);
        expect(error!.code).to.match(/SELF_SIGNED|UNABLE_TO_VERIFY|CERT/);
        expect((await httpsGet(srv.port, "/lenient")).status).to.equal(200);
      } finally {
        await srv.close();
      }
    });
  });
});

/**
 * parseForm() over real sockets with real clients: Python's urllib
 * (url-encoded), curl -F (multipart with a multi-MiB file, checked by
 * sha256 on disk), Node's fetch with FormData; malformed and truncated
 * bodies, a client that disconnects mid-upload, limits (413), a body that
 * is not a form (415); chunked bodies, well and badly framed. After every request the upload
 * folder must be empty again: temporary files never outlive the form.
 */
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import type { Readable } from "node:stream";

import { expect } from "chai";

import { BaseHTTPRequestHandler, kLogLines } from "../../../lib/http/server/base-handler.js";
import { FormError, parseForm, type FormOptions, type UploadedFile } from "../../../lib/http/server/forms.js";
import { ThreadingHTTPServer } from "../../../lib/http/server/http-server.js";
import { toFetchHandler } from "../../../lib/http/server/adapters/fetch-handler.js";
import { HOST, exchange, latin1, run, tempDir, waitFor } from "../../helpers.js";
import { serveLogged, type Logged } from "./helpers.js";

/** A file as the handler saw it: its description plus the sha256 of the bytes it stored. */
interface Seen extends Omit<UploadedFile, "path"> {
  stored: boolean;
  sha256: string;
}

/** What the echo handler answers: the fields and files it read. */
interface Echo {
  fields: Array<[string, string]>;
  files: Seen[];
}

function sha256(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}

async function sha256OfStream(stream: Readable): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** A handler that reads the form with `options` and answers it as JSON (or sends the FormError). */
function echoHandler(options: FormOptions): typeof BaseHTTPRequestHandler {
  return class FormEcho extends BaseHTTPRequestHandler {
    override protocolVersion = "HTTP/1.1";

    async do_POST(): Promise<void> {
      let echo: Echo;
      try {
        await using form = await parseForm(this, options);
        const files: Seen[] = [];
        for (const f of form.files) {
          const { path: where, ...rest } = f;
          const digest = where === null ? "" : await sha256OfStream(fs.createReadStream(where));
          files.push({ ...rest, stored: where !== null, sha256: digest });
        }
        echo = { fields: [...form.fields], files };
      } catch (err) {
        if (err instanceof FormError) {
          this.sendError(err.status, err.message);
          return;
        }
        throw err;
      }
      const body = Buffer.from(JSON.stringify(echo));
      this.sendResponse(200);
      this.sendHeader("Content-Type", "application/json");
      this.sendHeader("Content-Length", body.length);
      this.endHeaders();
      this.wfile.write(body);
    }

    do_GET(): void {
      this.sendResponse(204);
      this.endHeaders();
    }
  };
}

describe("parseForm", function () {
  this.timeout(30000);
  let uploads: string;
  let files: string;
  let removeUploads: () => void;
  let removeFiles: () => void;
  let srv: Logged<ThreadingHTTPServer> | null = null;

  before(() => {
    ({ dir: uploads, remove: removeUploads } = tempDir("forms-uploads-"));
    ({ dir: files, remove: removeFiles } = tempDir("forms-files-"));
  });
  after(() => {
    removeUploads();
    removeFiles();
  });
  afterEach(async () => {
    await srv?.close();
    srv = null;
    // Whatever happened, no upload may be left behind.
    expect(fs.readdirSync(uploads)).to.deep.equal([]);
  });

  async function start(options: Omit<FormOptions, "uploadDir"> = {}): Promise<Logged<ThreadingHTTPServer>> {
    srv = await serveLogged(ThreadingHTTPServer, echoHandler({ uploadDir: uploads, ...options }));
    return srv;
  }
  const url = (s: Logged<ThreadingHTTPServer>): string => `http://${HOST}:${s.port}/`;

  /** A file of `size` random bytes in the suite's folder. */
  function randomFile(name: string, size: number): { file: string; digest: string } {
    const data = randomBytes(size);
    const file = path.join(files, name);
    fs.writeFileSync(file, data);
    return { file, digest: sha256(data) };
  }

  /** Run curl, returning the HTTP status it reports and the body it got. */
  async function curl(args: string[]): Promise<{ status: number; body: string; stderr: string }> {
    const r = await run("curl", ["-s", "-S", "-o", "-", "-w", "\n%{http_code}", ...args], 30000);
    const at = r.stdout.lastIndexOf("\n");
    return { status: Number(r.stdout.slice(at + 1)), body: r.stdout.slice(0, at), stderr: r.stderr };
  }

  describe("real clients", () => {
    it("Python's urllib posting url-encoded data: repeated names, UTF-8, + and %-escapes", async () => {
      const s = await start();
      const script = [
        "import sys, urllib.parse, urllib.request",
        "data = urllib.parse.urlencode([('name', 'Ada Lovelace'), ('tag', 'a'), ('tag', 'b'), ('note', 'é&=+ ok'), ('empty', '')]).encode()",
        "print(urllib.request.urlopen(sys.argv[1], data).read().decode())",
      ].join("\n");
      const r = await run("python3", ["-c", script, url(s)], 20000);
      expect(r.code, r.stderr).to.equal(0);
      const echo = JSON.parse(r.stdout) as Echo;
      expect(echo.fields).to.deep.equal([
        ["name", "Ada Lovelace"],
        ["tag", "a"],
        ["tag", "b"],
        ["note", "é&=+ ok"],
        ["empty", ""],
      ]);
      expect(echo.files).to.deep.equal([]);
    });

    it("curl -F with a text field and a 6 MiB file: the bytes on disk are the bytes sent", async () => {
      const s = await start();
      const { file, digest } = randomFile("big.bin", 6 * 1024 * 1024 + 123);
      const r = await curl(["-F", "title=Hello, world", "-F", `upload=@${file};type=application/x-test`, url(s)]);
      expect(r.status, r.body + r.stderr).to.equal(200);
      const echo = JSON.parse(r.body) as Echo;
      expect(echo.fields).to.deep.equal([["title", "Hello, world"]]);
      expect(echo.files).to.deep.equal([
        {
          fieldName: "upload",
          filename: "big.bin",
          contentType: "application/x-test",
          size: 6 * 1024 * 1024 + 123,
          stored: true,
          sha256: digest,
        },
      ]);
      expect(s.logs.some((l) => l.includes('"POST / HTTP/1.1" 200 -'))).to.equal(true);
    });

    it("Node's fetch with FormData: fields, two files under one name, an empty file", async () => {
      const s = await start();
      const form = new FormData();
      form.append("city", "Zürich");
      form.append("docs", new Blob(["first file\n"], { type: "text/plain" }), "a.txt");
      form.append("docs", new Blob([Buffer.from([0, 1, 2, 255])]), "../../etc/b.bin");
      form.append("empty", new Blob([]), "empty.dat");
      const res = await fetch(url(s), { method: "POST", body: form });
      expect(res.status).to.equal(200);
      const echo = (await res.json()) as Echo;
      expect(echo.fields).to.deep.equal([["city", "Zürich"]]);
      expect(echo.files.map((f) => [f.fieldName, f.filename, f.contentType, f.size, f.sha256])).to.deep.equal([
        ["docs", "a.txt", "text/plain", 11, sha256("first file\n")],
        // The folder part of a client's file name is dropped.
        ["docs", "b.bin", "application/octet-stream", 4, sha256(Buffer.from([0, 1, 2, 255]))],
        ["empty", "empty.dat", "application/octet-stream", 0, sha256("")],
      ]);
    });

    it("onFile takes the content as a stream: nothing is written to disk", async () => {
      const digests: string[] = [];
      const s = await start({
        async onFile(_file, content) {
          digests.push(await sha256OfStream(content));
        },
      });
      const { file, digest } = randomFile("streamed.bin", 3 * 1024 * 1024);
      const r = await curl(["-F", "a=1", "-F", `f=@${file}`, url(s)]);
      expect(r.status, r.body).to.equal(200);
      const echo = JSON.parse(r.body) as Echo;
      expect(echo.files).to.have.length(1);
      expect(echo.files[0]).to.include({ stored: false, size: 3 * 1024 * 1024, filename: "streamed.bin" });
      expect(digests).to.deep.equal([digest]);
    });

    it("onFile that reads nothing: the rest is discarded and the form still completes", async () => {
      const s = await start({ onFile() {} });
      const { file } = randomFile("ignored.bin", 1024 * 1024);
      const r = await curl(["-F", `f=@${file}`, "-F", "after=yes", url(s)]);
      expect(r.status, r.body).to.equal(200);
      const echo = JSON.parse(r.body) as Echo;
      expect(echo.fields).to.deep.equal([["after", "yes"]]);
      expect(echo.files[0]).to.include({ size: 1024 * 1024, stored: false });
    });

    it("onFile that throws: the error reaches the handler (500), the form's files are removed", async () => {
      const s = await start({
        onFile(file) {
          if (file.fieldName === "bad") throw new Error("refused by onFile");
        },
      });
      const form = new FormData();
      form.append("good", new Blob(["x".repeat(100000)]), "good.bin");
      form.append("bad", new Blob(["y"]), "bad.bin");
      const res = await fetch(url(s), { method: "POST", body: form });
      expect(res.status).to.equal(500);
      await res.arrayBuffer();
      expect(s.handled.map((e) => (e as Error).message)).to.deep.equal(["refused by onFile"]);
    });

    it("reads no more than the body: a request pipelined behind the form is answered", async () => {
      const s = await start();
      const body = "a=1&b=2";
      const raw =
        `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body}` +
        "GET /next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
      const reply = latin1(await exchange([HOST, s.port], raw));
      expect(reply).to.match(/^HTTP\/1\.1 200 OK\r\n/);
      expect(reply).to.include('{"fields":[["a","1"],["b","2"]],"files":[]}');
      expect(reply).to.include("HTTP/1.1 204 No Content\r\n");
    });
  });

  describe("bad input: a status code and a log line, never a crash or a leftover file", () => {
    /** POST `body` with `contentType` over a raw socket; the reply as text. */
    async function post(s: Logged<ThreadingHTTPServer>, contentType: string, body: string | Buffer, extra = ""): Promise<string> {
      const head = `POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n`;
      return latin1(await exchange([HOST, s.port], Buffer.concat([Buffer.from(head, "latin1"), Buffer.from(body)])));
    }
    const part = (boundary: string, name: string, value: string, filename?: string): string =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${filename ? `; filename="${filename}"` : ""}\r\n` +
      `${filename ? "Content-Type: application/octet-stream\r\n" : ""}\r\n${value}\r\n`;

    it("multipart/form-data without a boundary: 400", async () => {
      const s = await start();
      const reply = await post(s, "multipart/form-data", "--x\r\n\r\n");
      expect(reply).to.match(/^HTTP\/1\.1 400 /);
      expect(reply).to.include("malformed form: Multipart: Boundary not found");
      expect(s.logs.some((l) => l.includes("code 400, message malformed form: Multipart: Boundary not found"))).to.equal(true);
    });

    it("an empty or an overlong boundary: 400", async () => {
      const s = await start();
      const empty = await post(s, 'multipart/form-data; boundary=""', "--\r\n\r\n");
      expect(empty).to.match(/^HTTP\/1\.1 400 /);
      const long = await post(s, `multipart/form-data; boundary=${"b".repeat(300)}`, "--x\r\n\r\n");
      expect(long).to.match(/^HTTP\/1\.1 400 /);
      expect(s.logs.filter((l) => l.includes("code 400, message malformed form: "))).to.have.length(2);
    });

    it("calling parseForm twice for one request is an error, not a wait for the next request's bytes", async () => {
      class Twice extends BaseHTTPRequestHandler {
        async do_POST(): Promise<void> {
          await using _form = await parseForm(this, { uploadDir: uploads });
          await parseForm(this, { uploadDir: uploads });
        }
      }
      srv = await serveLogged(ThreadingHTTPServer, Twice);
      const reply = await post(srv, "application/x-www-form-urlencoded", "a=1");
      expect(reply).to.match(/^HTTP\/1\.0 500 /);
      expect(srv.handled.map((e) => (e as Error).message)).to.deep.equal(["parseForm(): this request's body has been read already"]);
    });

    it("a body whose boundary does not match the header's: 400", async () => {
      const s = await start();
      const body = part("other", "a", "1", "x.bin") + "--other--\r\n";
      const reply = await post(s, "multipart/form-data; boundary=expected", body);
      expect(reply).to.match(/^HTTP\/1\.1 400 /);
      expect(reply).to.include("Unexpected end of multipart data");
    });

    it("a multipart body without its closing delimiter (truncated inside a file): 400, the partial file removed", async () => {
      const s = await start();
      const body = part("b0undary", "a", "1") + `--b0undary\r\nContent-Disposition: form-data; name="f"; filename="x.bin"\r\n\r\n` + "x".repeat(200000);
      const reply = await post(s, "multipart/form-data; boundary=b0undary", body);
      expect(reply).to.match(/^HTTP\/1\.1 400 /);
      expect(reply).to.include("malformed form");
    });

    it("a client that disconnects mid-upload: 400 logged, no file left, the server keeps serving", async () => {
      const s = await start();
      const sock = net.connect(s.port, HOST);
      await new Promise<void>((resolve) => sock.once("connect", resolve));
      const head =
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=zz\r\nContent-Length: 5000000\r\n\r\n" +
        `--zz\r\nContent-Disposition: form-data; name="f"; filename="big.bin"\r\n\r\n`;
      sock.write(head);
      sock.write(randomBytes(300000));
      // The file is being written: the form's folder exists.
      await waitFor(() => fs.readdirSync(uploads).length > 0, 5000, "the upload to start");
      sock.destroy();
      await waitFor(() => s.logs.some((l) => l.includes("code 400, message the request body ended after")), 5000, "the log line");
      await waitFor(() => fs.readdirSync(uploads).length === 0, 5000, "the partial upload to be removed");
      const res = await fetch(url(s), { method: "POST", body: new URLSearchParams({ still: "alive" }) });
      expect(await res.json()).to.deep.equal({ fields: [["still", "alive"]], files: [] });
    });

    it("a body that is not a form: 415", async () => {
      const s = await start();
      const reply = await post(s, "application/json", "{}");
      expect(reply).to.match(/^HTTP\/1\.1 415 /);
      expect(reply).to.include("expected application/x-www-form-urlencoded or multipart/form-data, got application/json");
    });

    it("a chunked body with malformed framing: 400, nothing left behind", async () => {
      const s = await start();
      const head = "POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n";
      const reply = latin1(await exchange([HOST, s.port], head + "3\r\na=1\r\nzz\r\n\r\n"));
      expect(reply).to.match(/^HTTP\/1\.1 400 /);
      expect(reply).to.include("Bad chunked body: bad chunk size");
      const noEnd = latin1(await exchange([HOST, s.port], head + "3\r\na=1XX0\r\n\r\n"));
      expect(noEnd).to.match(/^HTTP\/1\.1 400 /);
      expect(noEnd).to.include("Bad chunked body: chunk end");
    });

    it("a chunked body cut off by the client: 400", async () => {
      const s = await start();
      const head = "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n";
      const reply = latin1(await exchange([HOST, s.port], head + "10\r\na=1", { end: true }));
      expect(reply).to.match(/^HTTP\/1\.1 400 /);
      expect(reply).to.include("the request body ended");
    });
  });

  describe("chunked bodies", () => {
    it("curl -F with Transfer-Encoding: chunked: fields and a 3 MiB file", async () => {
      const s = await start();
      const { file, digest } = randomFile("chunked.bin", 3 * 1024 * 1024);
      const r = await curl(["-H", "Transfer-Encoding: chunked", "-F", "a=1", "-F", `f=@${file};type=application/x-test`, url(s)]);
      expect(r.status).to.equal(200);
      expect(JSON.parse(r.body)).to.deep.equal({
        fields: [["a", "1"]],
        files: [{ fieldName: "f", filename: "chunked.bin", contentType: "application/x-test", size: 3 * 1024 * 1024, stored: true, sha256: digest }],
      });
    });

    it("a url-encoded chunked body with chunk extensions and a trailer", async () => {
      const s = await start();
      const req =
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n" +
        "2;ext=1\r\na=\r\n3\r\n1&b\r\n2\r\n=2\r\n0\r\nX-Trailer: t\r\n\r\n";
      const reply = latin1(await exchange([HOST, s.port], req));
      expect(reply).to.match(/^HTTP\/1\.1 200 /);
      expect(reply).to.include(JSON.stringify({ fields: [["a", "1"], ["b", "2"]], files: [] }));
    });

    it("under toFetchHandler, a Request with a URLSearchParams body (no Content-Length)", async () => {
      const handle = toFetchHandler(echoHandler({ uploadDir: uploads }), { server: { [kLogLines]: [] } });
      const res = await handle(new Request("http://x/", { method: "POST", body: new URLSearchParams({ a: "1", b: "é" }) }));
      expect(res.status).to.equal(200);
      expect(await res.json()).to.deep.equal({ fields: [["a", "1"], ["b", "é"]], files: [] });
    });

    it("under toFetchHandler, a Request with a FormData body holding a file", async () => {
      const handle = toFetchHandler(echoHandler({ uploadDir: uploads }), { server: { [kLogLines]: [] } });
      const data = randomBytes(200000);
      const form = new FormData();
      form.append("title", "hi");
      form.append("f", new Blob([data], { type: "application/x-test" }), "a.bin");
      const res = await handle(new Request("http://x/", { method: "POST", body: form }));
      expect(res.status).to.equal(200);
      expect(await res.json()).to.deep.equal({
        fields: [["title", "hi"]],
        files: [{ fieldName: "f", filename: "a.bin", contentType: "application/x-test", size: data.length, stored: true, sha256: sha256(data) }],
      });
    });

    it("a chunked body over the limits: 413", async () => {
      const s = await start({ maxFieldSize: 10 });
      const r = await curl(["-H", "Transfer-Encoding: chunked", "-F", `a=${"x".repeat(50)}`, url(s)]);
      expect(r.status).to.equal(413);
    });
  });

  describe("limits: 413, partial files removed", () => {
    it("a file larger than maxFileSize (one of exactly maxFileSize passes)", async () => {
      const s = await start({ maxFileSize: 1024 * 1024 });
      const exact = randomFile("exact.bin", 1024 * 1024);
      const ok = await curl(["-F", `f=@${exact.file}`, url(s)]);
      expect(ok.status, ok.body).to.equal(200);
      expect((JSON.parse(ok.body) as Echo).files[0]!.sha256).to.equal(exact.digest);
      const big = randomFile("too-big.bin", 3 * 1024 * 1024);
      const r = await curl(["-F", `f=@${big.file}`, url(s)]);
      expect(r.status).to.equal(413);
      expect(r.body).to.include('the file "too-big.bin" is larger than 1048576 bytes');
      expect(s.logs.some((l) => l.includes("code 413, message the file"))).to.equal(true);
    });

    it("more files than maxFiles", async () => {
      const s = await start({ maxFiles: 2 });
      const { file } = randomFile("small.bin", 1000);
      const r = await curl(["-F", `a=@${file}`, "-F", `b=@${file}`, "-F", `c=@${file}`, url(s)]);
      expect(r.status).to.equal(413);
      expect(r.body).to.include("more than 2 files");
    });

    it("more bytes of files than maxTotalFileSize", async () => {
      const s = await start({ maxTotalFileSize: 1500 * 1024 });
      const { file } = randomFile("part.bin", 1024 * 1024);
      const r = await curl(["-F", `a=@${file}`, "-F", `b=@${file}`, url(s)]);
      expect(r.status).to.equal(413);
      expect(r.body).to.include("the files hold more than 1536000 bytes");
    });

    it("more fields than maxFields, a field longer than maxFieldSize, a name longer than maxFieldNameSize (url-encoded and multipart)", async () => {
      const s = await start({ maxFields: 3, maxFieldSize: 10, maxFieldNameSize: 8 });
      const tooMany = await fetch(url(s), { method: "POST", body: new URLSearchParams("a=1&b=2&c=3&d=4") });
      expect(tooMany.status).to.equal(413);
      expect(await tooMany.text()).to.include("more than 3 fields");
      const tooLong = await fetch(url(s), { method: "POST", body: new URLSearchParams({ a: "x".repeat(11) }) });
      expect(tooLong.status).to.equal(413);
      expect(await tooLong.text()).to.include('the field "a" is longer than 10 bytes');
      const longName = await fetch(url(s), { method: "POST", body: new URLSearchParams({ abcdefghi: "1" }) });
      expect(longName.status).to.equal(413);
      expect(await longName.text()).to.include("a field name is longer than 8 bytes");
      const multipartName = new FormData();
      multipartName.append("abcdefghi", "1");
      const longMultipartName = await fetch(url(s), { method: "POST", body: multipartName });
      expect(longMultipartName.status).to.equal(413);
      const ok = await fetch(url(s), { method: "POST", body: new URLSearchParams("a=1&b=2&c=" + "x".repeat(10)) });
      expect(ok.status).to.equal(200);
    });

    it("more bytes of fields than maxTotalFieldSize", async () => {
      const s = await start({ maxTotalFieldSize: 20 });
      const r = await fetch(url(s), { method: "POST", body: new URLSearchParams({ a: "x".repeat(15), b: "y".repeat(15) }) });
      expect(r.status).to.equal(413);
      expect(await r.text()).to.include("the fields hold more than 20 bytes");
    });
  });
});

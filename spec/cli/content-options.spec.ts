/**
 * The command line's content options: `--charset`, `--spa`, `--log-format`
 * and the listing extras it turns on, parsed as argparse would and served
 * to real clients (fetch, curl).
 */
import * as fs from "node:fs";
import * as path from "node:path";

import { expect } from "chai";

import { formatHelp } from "../../lib/cli/cli.js";
import { run, tempDir } from "../helpers.js";
import { opts, parseError, serveCommandLine } from "./cli-helpers.js";

describe("http.server command line: content options", function () {
  this.timeout(30000);

  describe("parsing", () => {
    it("--charset: utf-8 by default, none turns it off, any token is kept, anything else is refused", () => {
      expect(opts([]).charset).to.equal("utf-8");
      expect(opts(["--charset", "none"]).charset).to.equal(null);
      expect(opts(["--charset=NONE"]).charset).to.equal(null);
      expect(opts(["--charset", "iso-8859-1"]).charset).to.equal("iso-8859-1");
      expect(parseError(["--charset", "utf 8"])).to.equal("argument --charset: invalid charset name 'utf 8' (a name such as utf-8, or none)");
      expect(parseError(["--charset", "a;b=c"])).to.match(/^argument --charset: invalid charset name/);
      expect(parseError(["--charset"])).to.equal("argument --charset: expected one argument");
    });

    it("--spa: index.html alone, --spa=FILE names the page, and never takes the port", () => {
      expect(opts([]).spa).to.equal(null);
      expect(opts(["--spa"]).spa).to.equal("index.html");
      expect(opts(["--spa=app/shell.html"]).spa).to.equal("app/shell.html");
      const o = opts(["--spa", "8080"]);
      expect([o.spa, o.port]).to.deep.equal(["index.html", 8080]);
      expect(parseError(["--spa=../x.html"])).to.match(/^argument --spa: invalid page '\.\.\/x\.html'/);
      expect(parseError(["--spa=/etc/passwd"])).to.match(/^argument --spa: invalid page/);
      expect(parseError(["--spa="])).to.match(/^argument --spa: invalid page ''/);
    });

    it("--log-format: python, combined or json", () => {
      expect(opts([]).logFormat).to.equal("python");
      expect(opts(["--log-format", "combined"]).logFormat).to.equal("combined");
      expect(opts(["--log-format=json"]).logFormat).to.equal("json");
      expect(parseError(["--log-format", "apache"])).to.equal(
        "argument --log-format: invalid choice: 'apache' (choose from 'python', 'combined', 'json')",
      );
    });

    it("--help lists them under the additions", () => {
      const help = formatHelp(100);
      const additions = help.slice(help.indexOf("additions (not in Python's http.server):"));
      for (const flag of ["--charset NAME", "--spa [FILE]", "--log-format FORMAT"]) expect(additions).to.contain(flag);
    });
  });

  describe("serving", () => {
    let site: ReturnType<typeof tempDir>;
    before(() => {
      site = tempDir("cli-content-");
      fs.writeFileSync(path.join(site.dir, "gruss.txt"), "Grüße\n");
      fs.writeFileSync(path.join(site.dir, "index.html"), "<!doctype html><title>app</title>\n");
      fs.mkdirSync(path.join(site.dir, "files"));
      fs.writeFileSync(path.join(site.dir, "files", "a.txt"), "a");
    });
    after(() => site.remove());

    it("names utf-8 for text by default, another charset or none when told", async () => {
      for (const [args, type] of [
        [[], "text/plain; charset=utf-8"],
        [["--charset", "iso-8859-1"], "text/plain; charset=iso-8859-1"],
        [["--charset", "none"], "text/plain"],
      ] as const) {
        const cli = await serveCommandLine(["-d", site.dir, ...args]);
        try {
          const res = await fetch(`${cli.base}/gruss.txt`);
          expect(res.headers.get("content-type"), args.join(" ")).to.equal(type);
        } finally {
          expect(await cli.stop()).to.equal(0);
        }
      }
    });

    it("answers listings in JSON to clients that ask, with an ETag that curl revalidates", async () => {
      const cli = await serveCommandLine(["-d", site.dir]);
      try {
        const res = await fetch(`${cli.base}/files/`, { headers: { Accept: "application/json" } });
        expect(res.headers.get("vary")).to.equal("Accept");
        const body = (await res.json()) as Array<{ name: string }>;
        expect(body.map((e) => e.name)).to.deep.equal(["a.txt"]);
        const html = await fetch(`${cli.base}/files/`);
        const etag = html.headers.get("etag")!;
        expect(etag).to.match(/^W\//);
        const again = await run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", `If-None-Match: ${etag}`, `${cli.base}/files/`]);
        expect(again.stdout).to.equal("304");
      } finally {
        await cli.stop();
      }
    });

    it("--spa serves the page for browser routes only", async () => {
      const cli = await serveCommandLine(["-d", site.dir, "--spa"]);
      try {
        const page = await fetch(`${cli.base}/deep/route`, { headers: { Accept: "text/html" } });
        expect(page.status).to.equal(200);
        expect(await page.text()).to.contain("<title>app</title>");
        expect((await fetch(`${cli.base}/app.js`, { headers: { Accept: "text/html" } })).status).to.equal(404);
        expect((await fetch(`${cli.base}/deep/route`)).status).to.equal(404);
      } finally {
        await cli.stop();
      }
    });

    it("--log-format combined and json change the log lines; python keeps Python's", async () => {
      const seen: Record<string, string> = {};
      for (const format of ["python", "combined", "json"]) {
        const cli = await serveCommandLine(["-d", site.dir, "--log-format", format]);
        try {
          await run("curl", ["-s", "-o", "/dev/null", "-A", "ua", `${cli.base}/gruss.txt`]);
        } finally {
          await cli.stop();
        }
        seen[format] = cli.logs.join("");
      }
      expect(seen.python).to.match(/^127\.0\.0\.1 - - \[[^\]]+\] "GET \/gruss\.txt HTTP\/1\.1" 200 -\n$/);
      expect(seen.combined).to.match(/^127\.0\.0\.1 - - \[[^\]]+ [+-]\d{4}\] "GET \/gruss\.txt HTTP\/1\.1" 200 8 "-" "ua" \d+\.\d{3}\n$/);
      expect(JSON.parse(seen.json!)).to.include({ request: "GET /gruss.txt HTTP/1.1", status: 200, bytes: 8, user_agent: "ua" });
    });
  });
});

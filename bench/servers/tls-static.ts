/**
 * The ceiling of the page-load benchmark (bench/h2-page.ts): a folder's
 * files read into memory at start-up and answered from memory over TLS by
 * Node alone, with no parsing of our own, no file system and no handler:
 * `node:http2` (h2, ALPN fallback to HTTP/1.1) or `node:https`
 * (HTTP/1.1, kept alive).
 *
 *   node tls-static.js h2|https CERT KEY DIR
 *
 * Prints `Serving on port N ...` once listening; exits on SIGTERM.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import * as http2 from "node:http2";
import * as https from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join, relative } from "node:path";

const [mode, certFile, keyFile, dir] = process.argv.slice(2);
if ((mode !== "h2" && mode !== "https") || !certFile || !keyFile || !dir) {
  process.stderr.write("usage: node tls-static.js h2|https CERT KEY DIR\n");
  process.exit(2);
}

/** Every file under `root`, by URL path. */
function readTree(root: string, at = root, out = new Map<string, Buffer>()): Map<string, Buffer> {
  for (const name of readdirSync(at)) {
    const path = join(at, name);
    if (statSync(path).isDirectory()) readTree(root, path, out);
    else out.set("/" + relative(root, path).split("\\").join("/"), readFileSync(path));
  }
  return out;
}

const files = readTree(dir);
const TYPES: Record<string, string> = { ".html": "text/html; charset=utf-8", ".js": "text/javascript" };

function answer(req: IncomingMessage | http2.Http2ServerRequest, res: ServerResponse | http2.Http2ServerResponse): void {
  const path = (req.url ?? "/").split("?")[0]!;
  const body = files.get(path === "/" ? "/index.html" : path);
  if (body === undefined) {
    res.writeHead(404, { "content-length": "0" });
    res.end();
    return;
  }
  const ext = path === "/" ? ".html" : path.slice(path.lastIndexOf("."));
  res.writeHead(200, { "content-type": TYPES[ext] ?? "application/octet-stream", "content-length": String(body.length) });
  res.end(body);
}

const options = { cert: readFileSync(certFile), key: readFileSync(keyFile) };
const server =
  mode === "h2"
    ? http2.createSecureServer({ ...options, allowHTTP1: true }, answer)
    : https.createServer(options, answer as (req: IncomingMessage, res: ServerResponse) => void);
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  process.stdout.write(`Serving on port ${port} (${mode}) ...\n`);
});
process.on("SIGTERM", () => process.exit(0));

/**
 * Hello world: `GET /yourname` answers `Hello, yourname!` (and `GET /`
 * answers `Hello, world!`).
 *
 * ```sh
 * node dist/examples/http/hello.js [port]    # default 8000; 0 picks a free port
 * curl http://127.0.0.1:8000/yourname         # Hello, yourname!
 * ```
 *
 * @module
 */
import { pathToFileURL } from "node:url";
import { BaseHTTPRequestHandler, ThreadingHTTPServer } from "http.server";

/** Greets the name found in the request path. */
export class HelloHandler extends BaseHTTPRequestHandler {
  /** Answer `Hello, <name>!` as plain text. */
  do_GET(): void {
    const body = Buffer.from(`Hello, ${nameFromPath(this.path) || "world"}!\n`, "utf8");
    this.sendResponse(200);
    this.sendHeader("Content-Type", "text/plain; charset=utf-8");
    this.sendHeader("Content-Length", body.length);
    this.endHeaders();
    this.wfile.write(body);
  }
}

/** The request path without its leading `/` and query, percent-decoded: `/Ada%20L?x=1` gives `Ada L`. */
export function nameFromPath(path: string): string {
  const raw = path.split(/[?#]/, 1)[0]!.replace(/^\//, "");
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw; // a malformed escape such as `%zz`: keep the text as sent
  }
}

/** Serve {@link HelloHandler} on 127.0.0.1 until SIGINT (Ctrl+C) or SIGTERM. */
export async function main(port: number): Promise<void> {
  // `await using` closes the server on the way out, like Python's `with`.
  await using server = new ThreadingHTTPServer(["127.0.0.1", port], HelloHandler);
  await server.ready;
  // Stop on Ctrl+C or SIGTERM; set up before the start-up line, which others may wait for.
  const stop = (): void => void server.shutdown();
  process.once("SIGINT", stop).once("SIGTERM", stop);
  const [host, bound] = server.serverAddress as [string, number];
  console.log(`Serving HTTP on ${host} port ${bound} (http://${host}:${bound}/) ...`);
  await server.serveForever();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main(Number(process.argv[2] ?? 8000));
}

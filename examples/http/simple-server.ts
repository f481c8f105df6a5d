/**
 * The site of `static-site.ts`, served by `SimpleHTTPRequestHandler`.
 * Without the start-up line and the signal handling, the whole server is two
 * statements:
 *
 * ```ts
 * class SiteHandler extends SimpleHTTPRequestHandler { override directory = SITE_DIR; }
 * await new ThreadingHTTPServer(["127.0.0.1", 8000], SiteHandler).serveForever();
 * ```
 *
 * Content types, index pages, folder listings, the trailing-slash redirect,
 * `If-Modified-Since`, byte ranges and ETags come with the handler.
 *
 * ```sh
 * node dist/examples/http/simple-server.js [port]
 * curl -i http://127.0.0.1:8000/about/
 * ```
 *
 * @module
 */
import { fileURLToPath, pathToFileURL } from "node:url";
import { SimpleHTTPRequestHandler, ThreadingHTTPServer } from "http.server";

/** The example site (the compiled file runs from dist/examples/http). */
export const SITE_DIR = fileURLToPath(new URL("../../../examples/http/www/", import.meta.url));

/** Serves {@link SITE_DIR} instead of the current directory. */
export class SiteHandler extends SimpleHTTPRequestHandler {
  override directory = SITE_DIR;
}

/** Serve the site on 127.0.0.1 until SIGINT (Ctrl+C) or SIGTERM. */
export async function main(port: number): Promise<void> {
  await using server = new ThreadingHTTPServer(["127.0.0.1", port], SiteHandler);
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

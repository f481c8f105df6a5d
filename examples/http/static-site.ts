/**
 * A static site written directly on `BaseHTTPRequestHandler`: it maps the
 * URL to a file under a folder, picks the content type itself from a small
 * table, refuses paths with `..`, sends `index.html` for folders and
 * redirects a folder URL without its trailing slash. (For the ready-made
 * version, see `simple-server.ts`.)
 *
 * ```sh
 * node dist/examples/http/static-site.js [port] [folder]   # default folder: examples/http/www
 * curl -i http://127.0.0.1:8000/style.css
 * ```
 *
 * @module
 */
import { readFile, stat } from "node:fs/promises";
import { extname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { BaseHTTPRequestHandler, ThreadingHTTPServer } from "http.server";

/** The example site (the compiled file runs from dist/examples/http). */
export const SITE_DIR = fileURLToPath(new URL("../../../examples/http/www/", import.meta.url));

/** Extension -> content type; anything else is `application/octet-stream`. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".txt": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".ico": "image/vnd.microsoft.icon",
};

/** Serves the files under {@link root} for GET and HEAD. */
export class StaticSiteHandler extends BaseHTTPRequestHandler {
  /** The folder served. */
  root = SITE_DIR;
  /** Name and version in the `Server` header. */
  override serverVersion = "StaticSite/1.0";

  /** Send the file. */
  async do_GET(): Promise<void> {
    const body = await this.sendFileHead();
    if (body) this.wfile.write(body);
  }

  /** Send the same headers as GET, without the body. */
  async do_HEAD(): Promise<void> {
    await this.sendFileHead();
  }

  /** Send the status line and headers; return the body to send, or `null` when there is none. */
  async sendFileHead(): Promise<Buffer | null> {
    const urlPath = this.path.split(/[?#]/, 1)[0]!;
    let segments: string[];
    try {
      segments = decodeURIComponent(urlPath).split("/");
    } catch {
      this.sendError(400, "Bad percent-encoding in the path");
      return null;
    }
    // `..` would climb out of the folder; NUL and backslashes have no business in a URL path.
    if (segments.some((s) => s === ".." || s.includes("\0") || s.includes("\\"))) {
      this.sendError(403, "Forbidden path");
      return null;
    }
    let file = join(this.root, ...segments);
    const info = await stat(file).catch(() => null);
    if (info?.isDirectory()) {
      if (!urlPath.endsWith("/")) {
        // Relative links in the folder's index page need the trailing slash.
        this.sendResponse(301);
        this.sendHeader("Location", urlPath + "/");
        this.sendHeader("Content-Length", 0);
        this.endHeaders();
        return null;
      }
      file = join(file, "index.html");
    }
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      this.sendError(404, "File not found");
      return null;
    }
    this.sendResponse(200);
    this.sendHeader("Content-Type", CONTENT_TYPES[extname(file).toLowerCase()] ?? "application/octet-stream");
    this.sendHeader("Content-Length", body.length);
    this.endHeaders();
    return body;
  }
}

/** Serve `folder` on 127.0.0.1 until SIGINT (Ctrl+C) or SIGTERM. */
export async function main(port: number, folder: string = SITE_DIR): Promise<void> {
  class Handler extends StaticSiteHandler {
    override root = folder;
  }
  await using server = new ThreadingHTTPServer(["127.0.0.1", port], Handler);
  await server.ready;
  // Stop on Ctrl+C or SIGTERM; set up before the start-up line, which others may wait for.
  const stop = (): void => void server.shutdown();
  process.once("SIGINT", stop).once("SIGTERM", stop);
  const [host, bound] = server.serverAddress as [string, number];
  console.log(`Serving HTTP on ${host} port ${bound} (http://${host}:${bound}/) ...`);
  await server.serveForever();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main(Number(process.argv[2] ?? 8000), process.argv[3]);
}

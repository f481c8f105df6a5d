/**
 * File uploads: `GET /` shows a form with a title and a file picker; the
 * browser posts it back as `multipart/form-data`, and the handler keeps the
 * files in a folder (default `./uploads`), each under a new name.
 *
 * ```sh
 * node dist/examples/http/upload.js [port] [folder]   # then open http://127.0.0.1:8000/
 * curl -F title=Notes -F file=@notes.txt http://127.0.0.1:8000/
 * ```
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { rename } from "node:fs/promises";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { BaseHTTPRequestHandler, FormError, ThreadingHTTPServer, parseForm } from "http.server";

const UPLOAD_PAGE = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Upload</title></head>
<body>
<form method="post" action="/" enctype="multipart/form-data">
  <label>Title <input name="title"></label>
  <label>Files <input type="file" name="file" multiple></label>
  <button type="submit">Upload</button>
</form>
</body>
</html>
`;

/** Shows the upload form on GET and stores what is posted to it. */
export class UploadHandler extends BaseHTTPRequestHandler {
  /** Where uploaded files are kept. */
  static folder = resolve("uploads");

  /** Send the form. */
  do_GET(): void {
    if (this.path !== "/") return this.sendError(404, "File not found");
    this.sendPage(200, UPLOAD_PAGE);
  }

  /** Read the form, move each file into the folder, list what was kept. */
  async do_POST(): Promise<void> {
    if (this.path !== "/") return this.sendError(404, "File not found");
    const folder = UploadHandler.folder;
    const kept: string[] = [];
    let title: string;
    try {
      // Temporary files go under `folder`, so that rename() never crosses file systems.
      // Leaving the block deletes whatever was not moved out.
      await using form = await parseForm(this, { uploadDir: folder, maxFileSize: 50 * 1024 * 1024, maxFiles: 10 });
      for (const file of form.files) {
        if (file.path === null || file.filename === "") continue; // the picker was left empty
        const name = `${randomUUID()}-${safeName(file.filename ?? "upload")}`;
        await rename(file.path, join(folder, name));
        kept.push(`<li>${escapeHtml(name)} (${file.size} bytes, ${escapeHtml(file.contentType)})</li>`);
      }
      title = escapeHtml(form.fields.get("title") ?? "");
    } catch (err) {
      // A bad or too large form: 400, 411, 413 or 415, with the reason.
      if (err instanceof FormError) return this.sendError(err.status, err.message);
      throw err;
    }
    this.sendPage(200, `<!DOCTYPE html>\n<h1>Uploaded: ${title}</h1>\n<ul>\n${kept.join("\n")}\n</ul>\n<p><a href="/">Again</a></p>\n`);
  }

  /** Send `html` as a complete response. */
  sendPage(code: number, html: string): void {
    const body = Buffer.from(html, "utf8");
    this.sendResponse(code);
    this.sendHeader("Content-Type", "text/html; charset=utf-8");
    this.sendHeader("Content-Length", body.length);
    this.endHeaders();
    this.wfile.write(body);
  }
}

/** A client's file name reduced to letters, digits, `.`, `-` and `_` (at most 100 of them). */
export function safeName(filename: string): string {
  return filename.replace(/[^\w.-]/g, "_").replace(/^\.+/, "_").slice(0, 100) || "upload";
}

/** Make text safe to put in HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Serve {@link UploadHandler} on 127.0.0.1, keeping files in `folder`, until SIGINT or SIGTERM. */
export async function main(port: number, folder: string): Promise<void> {
  UploadHandler.folder = resolve(folder);
  mkdirSync(UploadHandler.folder, { recursive: true });
  await using server = new ThreadingHTTPServer(["127.0.0.1", port], UploadHandler);
  await server.ready;
  const stop = (): void => void server.shutdown();
  process.once("SIGINT", stop).once("SIGTERM", stop);
  const [host, bound] = server.serverAddress as [string, number];
  console.log(`Serving HTTP on ${host} port ${bound} (http://${host}:${bound}/) ...`);
  await server.serveForever();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main(Number(process.argv[2] ?? 8000), process.argv[3] ?? "uploads");
}

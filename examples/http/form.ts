/**
 * A form: `GET /` shows an HTML form, and the browser posts it back to `/`
 * as an url-encoded body, which the handler reads and answers.
 *
 * ```sh
 * node dist/examples/http/form.js [port]    # then open http://127.0.0.1:8000/
 * curl -d name=Ada http://127.0.0.1:8000/    # ... <p>Hello, Ada!</p> ...
 * ```
 *
 * @module
 */
import { pathToFileURL } from "node:url";
import { BaseHTTPRequestHandler, ThreadingHTTPServer } from "http.server";

const FORM_PAGE = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Say hello</title></head>
<body>
<form method="post" action="/">
  <label>Your name <input name="name" autofocus></label>
  <button type="submit">Send</button>
</form>
</body>
</html>
`;

/** Shows a form on GET and greets whoever posts it. */
export class FormHandler extends BaseHTTPRequestHandler {
  /** Bodies longer than 64 KiB get 413 before `do_POST()` runs. */
  override maxRequestBody: number | null = 64 * 1024;

  /** Send the form. */
  do_GET(): void {
    if (this.path !== "/") {
      this.sendError(404, "File not found");
      return;
    }
    this.sendPage(200, FORM_PAGE);
  }

  /** Read the url-encoded body and answer with a greeting. */
  async do_POST(): Promise<void> {
    if (this.path !== "/") {
      this.sendError(404, "File not found");
      return;
    }
    if (this.headers.getContentType() !== "application/x-www-form-urlencoded") {
      this.sendError(415, "Send the form as application/x-www-form-urlencoded");
      return;
    }
    if (this.headers.get("Content-Length") === undefined) {
      this.sendError(411); // Length Required: we read exactly Content-Length bytes
      return;
    }
    const body = await this.rfile.read(Number(this.headers.get("Content-Length")));
    const fields = new URLSearchParams(body.toString("utf8"));
    const name = fields.get("name")?.trim() || "stranger";
    this.sendPage(200, `<!DOCTYPE html>\n<p>Hello, ${escapeHtml(name)}!</p>\n<p><a href="/">Again</a></p>\n`);
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

/** Make text safe to put in HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Serve {@link FormHandler} on 127.0.0.1 until SIGINT (Ctrl+C) or SIGTERM. */
export async function main(port: number): Promise<void> {
  await using server = new ThreadingHTTPServer(["127.0.0.1", port], FormHandler);
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

/**
 * Streaming uploads: `POST /` with a `multipart/form-data` body answers the
 * SHA-256 of every file in it, computed while the bytes arrive. Nothing is
 * written to disk: `parseForm()`'s `onFile` option hands each file over as a
 * stream.
 *
 * ```sh
 * node dist/examples/http/checksum.js [port]            # default 8000; 0 picks a free port
 * curl -F file=@big.iso http://127.0.0.1:8000/          # <sha256>  big.iso
 * ```
 *
 * @module
 */
import { createHash } from "node:crypto";
import { pathToFileURL } from "node:url";
import { BaseHTTPRequestHandler, FormError, ThreadingHTTPServer, parseForm } from "http.server";

/** Answers `<sha256>  <file name>` for each uploaded file, like `sha256sum`. */
export class ChecksumHandler extends BaseHTTPRequestHandler {
  /** Hash each file as it streams in. */
  async do_POST(): Promise<void> {
    const lines: string[] = [];
    try {
      await parseForm(this, {
        maxFileSize: 4 * 1024 * 1024 * 1024,
        maxTotalFileSize: 4 * 1024 * 1024 * 1024,
        async onFile(file, content) {
          // Callbacks may finish out of order: keep each line at its file's place.
          const at = lines.push("") - 1;
          const hash = createHash("sha256");
          for await (const chunk of content) hash.update(chunk as Buffer);
          lines[at] = `${hash.digest("hex")}  ${file.filename ?? file.fieldName}\n`;
        },
      });
    } catch (err) {
      if (err instanceof FormError) return this.sendError(err.status, err.message);
      throw err;
    }
    const body = Buffer.from(lines.join(""), "utf8");
    this.sendResponse(200);
    this.sendHeader("Content-Type", "text/plain; charset=utf-8");
    this.sendHeader("Content-Length", body.length);
    this.endHeaders();
    this.wfile.write(body);
  }
}

/** Serve {@link ChecksumHandler} on 127.0.0.1 until SIGINT (Ctrl+C) or SIGTERM. */
export async function main(port: number): Promise<void> {
  await using server = new ThreadingHTTPServer(["127.0.0.1", port], ChecksumHandler);
  await server.ready;
  const stop = (): void => void server.shutdown();
  process.once("SIGINT", stop).once("SIGTERM", stop);
  const [host, bound] = server.serverAddress as [string, number];
  console.log(`Serving HTTP on ${host} port ${bound} (http://${host}:${bound}/) ...`);
  await server.serveForever();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main(Number(process.argv[2] ?? 8000));
}

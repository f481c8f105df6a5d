/**
 * Logging in your own format: serve the current folder and write each log
 * line as JSON on stdout. The `log_message(format, ...args)` override gets
 * Python's format and arguments; `pyFormat(format, args)` is Python's
 * `format % args`.
 *
 * ```sh
 * node dist/examples/http/json-log.js [port]   # default 8000; 0 picks a free port
 * curl http://127.0.0.1:8000/                  # {"time":"...","client":"127.0.0.1","message":"\"GET / HTTP/1.1\" 200 -"}
 * ```
 *
 * @module
 */
import { pathToFileURL } from "node:url";
import { SimpleHTTPRequestHandler, ThreadingHTTPServer, pyFormat } from "http.server";

/** Serves files like `SimpleHTTPRequestHandler` and logs one JSON object per line. */
export class JSONLogHandler extends SimpleHTTPRequestHandler {
  /** Format the message as Python would (`format % args`) and write it as JSON. */
  override log_message(format: string, ...args: unknown[]): void {
    const message = pyFormat(format, args);
    this.writeLine(JSON.stringify({ time: new Date().toISOString(), client: this.addressString(), message }));
  }

  /** Where the lines go: stdout. */
  writeLine(line: string): void {
    process.stdout.write(line + "\n");
  }
}

/** Serve the current folder on 127.0.0.1 until SIGINT (Ctrl+C) or SIGTERM. */
export async function main(port: number): Promise<void> {
  await using server = new ThreadingHTTPServer(["127.0.0.1", port], JSONLogHandler);
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

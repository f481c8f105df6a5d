/**
 * Handler classes inside an Express 5 app: a small JSON API written on
 * `BaseHTTPRequestHandler` under `/api`, and a folder served by
 * `SimpleHTTPRequestHandler` under `/static`, next to Express's own routes.
 *
 * ```sh
 * node dist/examples/http/express-app.js [port]   # default 8000; 0 picks a free port
 * curl http://127.0.0.1:8000/api/time
 * curl -d '{"n": 2}' http://127.0.0.1:8000/api/double
 * curl -i http://127.0.0.1:8000/static/notes.txt
 * ```
 *
 * @module
 */
import type { Server } from "node:http";
import { fileURLToPath, pathToFileURL } from "node:url";
import express from "express";
import { BaseHTTPRequestHandler, SimpleHTTPRequestHandler, toRequestListener } from "http.server";

/** The folder served under `/static` (the compiled file runs from dist/examples/http). */
export const WWW = fileURLToPath(new URL("../../../examples/http/www/", import.meta.url));

/** `GET /api/time` and `POST /api/double`; other methods fall through to Express. */
export class ApiHandler extends BaseHTTPRequestHandler {
  /** `this.path` is the full path, mount included: `/api/time`. */
  do_GET(): void {
    if (this.path === "/api/time") this.sendJson(200, { now: new Date(0).toISOString(), path: this.path });
    else this.sendError(404, "No such API");
  }

  /** Read the JSON body (by its `Content-Length`) and answer with `n` doubled. */
  async do_POST(): Promise<void> {
    const length = Number(this.headers.get("Content-Length") ?? 0);
    const body = await this.rfile.read(length);
    let n: unknown;
    try {
      n = (JSON.parse(body.toString("utf8")) as { n?: unknown }).n;
    } catch {
      n = undefined;
    }
    if (typeof n !== "number") return this.sendError(400, "Expected {\"n\": <number>}");
    this.sendJson(200, { doubled: n * 2 });
  }

  /** Answer with `value` as JSON. */
  sendJson(code: number, value: unknown): void {
    const body = Buffer.from(JSON.stringify(value) + "\n", "utf8");
    this.sendResponse(code);
    this.sendHeader("Content-Type", "application/json");
    this.sendHeader("Content-Length", body.length);
    this.endHeaders();
    this.wfile.write(body);
  }
}

/** The Express app: the API, the folder, and a route of Express's own. */
export function makeApp(): express.Express {
  const app = express();
  app.use("/api", toRequestListener(ApiHandler));
  app.use("/static", toRequestListener(SimpleHTTPRequestHandler, { directory: WWW }));
  app.get("/", (_req, res) => {
    res.type("text/plain").send("Express here: see /api/time and /static/\n");
  });
  return app;
}

/** Listen on 127.0.0.1 until SIGINT (Ctrl+C) or SIGTERM. */
export async function main(port: number): Promise<void> {
  const server: Server = await new Promise((resolve) => {
    const s = makeApp().listen(port, "127.0.0.1", () => resolve(s));
  });
  const stop = (): void => {
    server.close();
    server.closeAllConnections();
  };
  process.once("SIGINT", stop).once("SIGTERM", stop);
  const { port: bound } = server.address() as { port: number };
  console.log(`listening on 127.0.0.1:${bound}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main(Number(process.argv[2] ?? 8000));
}

/**
 * A small JSON API over HTTP/1.1 keep-alive:
 *
 * - `GET /items` lists the items;
 * - `GET /items/<id>` returns one;
 * - `POST /items` with a JSON body `{"name": "..."}` creates one (201 and
 *   `Location`);
 * - mistakes get JSON errors: 400 (bad JSON or no name), 404, 411, 415.
 *
 * ```sh
 * node dist/examples/http/json-api.js [port]
 * curl -H 'Content-Type: application/json' -d '{"name":"tea"}' http://127.0.0.1:8000/items
 * curl http://127.0.0.1:8000/items                     # [{"id":1,"name":"tea"}]
 * ```
 *
 * @module
 */
import { pathToFileURL } from "node:url";
import { BaseHTTPRequestHandler, ThreadingHTTPServer } from "http.server";

/** One stored item. */
export interface Item {
  id: number;
  name: string;
}

/** The items, in memory, shared by every connection of a server. */
export class ItemStore {
  readonly #items = new Map<number, Item>();
  #nextId = 1;

  /** Every item, oldest first. */
  list(): Item[] {
    return [...this.#items.values()];
  }

  /** The item with this id, if any. */
  get(id: number): Item | undefined {
    return this.#items.get(id);
  }

  /** Store a new item and return it. */
  add(name: string): Item {
    const item = { id: this.#nextId++, name };
    this.#items.set(item.id, item);
    return item;
  }
}

/** The server keeps the state; handlers reach it as `this.server.store` (Python: `self.server`). */
export class JSONAPIServer extends ThreadingHTTPServer {
  /** The items this server serves. */
  readonly store = new ItemStore();
}

/** Routes `/items` requests and answers in JSON. */
export class JSONAPIHandler extends BaseHTTPRequestHandler {
  /** Keep connections open between requests; every response has a Content-Length. */
  override protocolVersion = "HTTP/1.1";
  /** Bodies over 1 MiB get 413 before `do_POST()` runs. */
  override maxRequestBody: number | null = 1024 * 1024;
  /** The server that made this handler, with its {@link ItemStore}. */
  declare server: JSONAPIServer;

  /** `GET /items` and `GET /items/<id>`. */
  do_GET(): void {
    const path = this.path.split("?", 1)[0]!;
    if (path === "/items") return this.sendJSON(200, this.server.store.list());
    const match = /^\/items\/(\d+)$/.exec(path);
    const item = match ? this.server.store.get(Number(match[1])) : undefined;
    if (item) return this.sendJSON(200, item);
    this.sendJSONError(404, `nothing at ${path}`);
  }

  /** `POST /items` with `{"name": "..."}`. */
  async do_POST(): Promise<void> {
    if (this.path !== "/items") return this.sendJSONError(404, `nothing at ${this.path}`);
    if (this.headers.getContentType() !== "application/json") {
      return this.sendJSONError(415, "send a JSON body (Content-Type: application/json)");
    }
    const length = this.headers.get("Content-Length");
    if (length === undefined) return this.sendJSONError(411, "Content-Length is required");
    const raw = await this.rfile.read(Number(length));
    let data: unknown;
    try {
      data = JSON.parse(raw.toString("utf8"));
    } catch {
      return this.sendJSONError(400, "the body is not valid JSON");
    }
    const name = (data as { name?: unknown } | null)?.name;
    if (typeof name !== "string" || name.trim() === "") {
      return this.sendJSONError(400, 'the body needs a non-empty "name" string');
    }
    const item = this.server.store.add(name.trim());
    this.sendJSON(201, item, { Location: `/items/${item.id}` });
  }

  /** Send `value` as a JSON response with the given status and extra headers. */
  sendJSON(code: number, value: unknown, headers: Record<string, string> = {}): void {
    const body = Buffer.from(JSON.stringify(value) + "\n", "utf8");
    this.sendResponse(code);
    this.sendHeader("Content-Type", "application/json");
    this.sendHeader("Content-Length", body.length);
    for (const [name, v] of Object.entries(headers)) this.sendHeader(name, v);
    this.endHeaders();
    this.wfile.write(body);
  }

  /** Send `{"error": {"code": ..., "message": ...}}`. */
  sendJSONError(code: number, message: string): void {
    this.sendJSON(code, { error: { code, message } });
  }
}

/** Serve the API on 127.0.0.1 until SIGINT (Ctrl+C) or SIGTERM. */
export async function main(port: number): Promise<void> {
  await using server = new JSONAPIServer(["127.0.0.1", port], JSONAPIHandler);
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

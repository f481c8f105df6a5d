/** Contender "ours": hello world on this package's ThreadingHTTPServer, HTTP/1.1, logging silenced. */
import { BaseHTTPRequestHandler, ThreadingHTTPServer } from "../../lib/index.js";
import { announce, BODY, counter } from "./common.js";

const LENGTH = String(BODY.length);

class Hello extends BaseHTTPRequestHandler {
  override protocolVersion = "HTTP/1.1";

  do_GET(): void {
    counter.n++;
    this.sendResponse(200);
    this.sendHeader("Content-Type", "text/plain");
    this.sendHeader("Content-Length", LENGTH);
    this.endHeaders();
    this.wfile.write(BODY);
  }

  // Silenced, as for every contender: no per-request stderr line.
  override logMessage(): void {}
}

const backlog = Number(process.env.BENCH_BACKLOG ?? "0");

class Server extends ThreadingHTTPServer {}
if (backlog > 0) Server.prototype.requestQueueSize = backlog;

const server = new Server(["127.0.0.1", 0], Hello);
await server.ready;
void server.serveForever();
announce((server.serverAddress as [string, number])[1]);

/** Echo contender "ours": ThreadingTCPServer + StreamRequestHandler echoing lines. */
import { StreamRequestHandler, ThreadingTCPServer } from "../../lib/index.js";
import { announce, counter } from "./common.js";

class Echo extends StreamRequestHandler {
  override async handle(): Promise<void> {
    for await (const line of this.rfile) {
      counter.n++;
      this.wfile.write(line);
    }
  }
}

class Server extends ThreadingTCPServer {}
Server.prototype.daemonThreads = true;

const server = new Server(["127.0.0.1", 0], Echo);
await server.ready;
void server.serveForever();
announce((server.serverAddress as [string, number])[1]);

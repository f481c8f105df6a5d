/** Contender "node:http": hello world on Node's own HTTP server. */
import * as http from "node:http";
import { announce, BODY, counter } from "./common.js";

const LENGTH = String(BODY.length);
const SERVER = `BaseHTTP/0.6 Node.js/${process.versions.node}`;

const server = http.createServer((_req, res) => {
  counter.n++;
  res.writeHead(200, { Server: SERVER, "Content-Type": "text/plain", "Content-Length": LENGTH });
  res.end(BODY);
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  announce(typeof address === "object" && address ? address.port : 0);
});

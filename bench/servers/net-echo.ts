/** Echo contender "node:net": a bare server writing back whatever it reads. */
import * as net from "node:net";
import { announce, counter } from "./common.js";

const server = net.createServer((sock) => {
  sock.on("error", () => undefined);
  sock.on("data", (chunk: Buffer) => {
    // Count lines, as the handler-based server does (one indexOf per line).
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) counter.n++;
    sock.write(chunk);
  });
});
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  announce(typeof address === "object" && address ? address.port : 0);
});

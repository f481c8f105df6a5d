/**
 * Contender "node:net": the JS ceiling. A bare TCP server that answers every
 * request (counted by its `\r\n\r\n` header terminator, so keep-alive and
 * pipelining work) with a fixed HTTP/1.1 response; a request carrying
 * `Connection: close` gets its response and then the connection is closed.
 * It does not parse anything else, so it is only right for bodiless requests.
 */
import * as net from "node:net";
import { announce, BODY, counter } from "./common.js";

const SERVER = `BaseHTTP/0.6 Node.js/${process.versions.node}`;
let date = "";
let dateSecond = -1;
let keepAlive = Buffer.alloc(0);
let closing = Buffer.alloc(0);

function responses(): void {
  const second = Math.floor(Date.now() / 1000);
  if (second === dateSecond) return;
  dateSecond = second;
  date = new Date(second * 1000).toUTCString();
  const head = `HTTP/1.1 200 OK\r\nServer: ${SERVER}\r\nDate: ${date}\r\nContent-Type: text/plain\r\nContent-Length: ${BODY.length}\r\n`;
  keepAlive = Buffer.concat([Buffer.from(head + "\r\n", "latin1"), BODY]);
  closing = Buffer.concat([Buffer.from(head + "Connection: close\r\n\r\n", "latin1"), BODY]);
}

const CLOSE = /\r\nconnection:[ \t]*close[ \t]*\r\n/i;

const server = net.createServer({ noDelay: true }, (sock) => {
  let pending = ""; // bytes of the request in progress (latin1)
  sock.on("error", () => undefined);
  sock.on("data", (chunk: Buffer) => {
    pending += chunk.toString("latin1");
    let start = 0;
    let out: Buffer[] | null = null;
    let close = false;
    for (;;) {
      const end = pending.indexOf("\r\n\r\n", start);
      if (end === -1) break;
      counter.n++;
      responses();
      const block = pending.slice(start, end + 2);
      start = end + 4;
      if (CLOSE.test(block)) {
        (out ??= []).push(closing);
        close = true;
        break;
      }
      (out ??= []).push(keepAlive);
    }
    pending = close ? "" : pending.slice(start);
    if (out) sock.write(out.length === 1 ? out[0]! : Buffer.concat(out));
    if (close) sock.end();
  });
});
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  announce(typeof address === "object" && address ? address.port : 0);
});

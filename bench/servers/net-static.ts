/**
 * Contender "node:net, canned" of the static benchmark: the JS ceiling. A
 * bare TCP server that reads the fixture's files (and renders one listing)
 * once at startup and answers every request from memory: no file system, no
 * real parsing (the path is taken from the request line; a request ends at
 * its `\r\n\r\n`, so it is only right for bodiless requests). Keep-alive,
 * except that a 404 closes the connection, as Python's `send_error` does
 * (so this is the ceiling of a faithful port); closes after
 * `Connection: close` too.
 *
 *   node net-static.js DIRECTORY
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as net from "node:net";
import { join } from "node:path";
import { announce, counter } from "./common.js";

const directory = process.argv[2];
if (!directory) {
  process.stderr.write("usage: node net-static.js DIRECTORY\n");
  process.exit(2);
}

const SERVER = `SimpleHTTP/0.6 Node.js/${process.versions.node}`;

interface Canned {
  status: string;
  type: string;
  body: Buffer;
  lastModified: string | null;
}

const canned = new Map<string, Canned>();
const notFound: Canned = {
  status: "404 File not found",
  type: "text/html;charset=utf-8",
  body: Buffer.from("<!DOCTYPE HTML>\n<html lang=\"en\">\n<head><title>Error response</title></head>\n<body><h1>Error response</h1><p>Error code: 404</p><p>Message: File not found.</p></body>\n</html>\n"),
  lastModified: null,
};

function walk(dir: string, url: string): void {
  const names = readdirSync(dir).sort();
  const items: string[] = [];
  for (const name of names) {
    const full = join(dir, name);
    const st = statSync(full);
    if (st.isDirectory()) {
      items.push(`<li><a href="${name}/">${name}/</a></li>`);
      walk(full, `${url}${name}/`);
    } else {
      items.push(`<li><a href="${name}">${name}</a></li>`);
      const type = name.endsWith(".txt") ? "text/plain" : "application/octet-stream";
      canned.set(url + name, { status: "200 OK", type, body: readFileSync(full), lastModified: st.mtime.toUTCString() });
    }
  }
  const title = `Directory listing for ${url}`;
  const html = `<!DOCTYPE HTML>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>${title}</title>\n</head>\n<body>\n<h1>${title}</h1>\n<hr>\n<ul>\n${items.join("\n")}\n</ul>\n<hr>\n</body>\n</html>\n`;
  canned.set(url, { status: "200 OK", type: "text/html; charset=utf-8", body: Buffer.from(html), lastModified: null });
}
walk(directory, "/");

let date = "";
let dateSecond = -1;
const heads = new Map<Canned, { keepAlive: Buffer; closing: Buffer }>();

function head(c: Canned, close: boolean): Buffer {
  const second = Math.floor(Date.now() / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    date = new Date(second * 1000).toUTCString();
    heads.clear();
  }
  let h = heads.get(c);
  if (!h) {
    const text =
      `HTTP/1.1 ${c.status}\r\nServer: ${SERVER}\r\nDate: ${date}\r\nContent-type: ${c.type}\r\nContent-Length: ${c.body.length}\r\n` +
      (c.lastModified ? `Last-Modified: ${c.lastModified}\r\n` : "");
    h = { keepAlive: Buffer.from(text + "\r\n", "latin1"), closing: Buffer.from(text + "Connection: close\r\n\r\n", "latin1") };
    heads.set(c, h);
  }
  return close ? h.closing : h.keepAlive;
}

const CLOSE = /\r\nconnection:[ \t]*close[ \t]*\r\n/i;

const server = net.createServer({ noDelay: true }, (sock) => {
  let pending = "";
  sock.on("error", () => undefined);
  sock.on("data", (chunk: Buffer) => {
    pending += chunk.toString("latin1");
    let start = 0;
    let close = false;
    sock.cork();
    for (;;) {
      const end = pending.indexOf("\r\n\r\n", start);
      if (end === -1) break;
      counter.n++;
      const block = pending.slice(start, end + 2);
      start = end + 4;
      const sp = block.indexOf(" ");
      const path = block.slice(sp + 1, block.indexOf(" ", sp + 1));
      const c = canned.get(path) ?? notFound;
      close = c === notFound || CLOSE.test(block);
      sock.write(head(c, close));
      sock.write(c.body);
      if (close) break;
    }
    sock.uncork();
    pending = close ? "" : pending.slice(start);
    if (close) sock.end();
  });
});
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  announce(typeof address === "object" && address ? address.port : 0);
});

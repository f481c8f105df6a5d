/**
 * Serve this folder with CGI enabled on http://127.0.0.1:8000/ (or the port
 * given as the first argument): `index.html` is a form that posts to the
 * shell script `cgi-bin/greet.sh`.
 *
 *     npm run build && node dist/examples/cgi/serve.js [port]
 */
import { fileURLToPath } from "node:url";
import { CGIHTTPRequestHandler, ThreadingHTTPServer } from "http.server";

// The compiled file lives in dist/examples/cgi; the page and script stay here.
const folder = fileURLToPath(new URL("../../../examples/cgi/", import.meta.url));

class Handler extends CGIHTTPRequestHandler {
  constructor(request: never, clientAddress: never, server: never) {
    super(request, clientAddress, server, { directory: folder });
  }
}

const port = Number(process.argv[2] ?? 8000);
const server = new ThreadingHTTPServer(["127.0.0.1", port], Handler);
await server.ready;
console.log(`Serving ${folder} with CGI on http://127.0.0.1:${port}/ ...`);
await server.serveForever();

/**
 * For specs of `HTTP2Server` run in-process: a temporary folder served by
 * it, with a self-signed certificate, through a handler class a spec
 * derives (time-outs, uploads, a slow `do_GET`).
 */
import { certificateFiles, tempDir } from "../helpers.js";
import { HTTP2Server } from "../../lib/cli/http2-server.js";
import { SimpleHTTPRequestHandler } from "../../lib/index.js";
import { serveLogged, type Logged } from "../http/server/helpers.js";

/**
 * Serve a new temporary folder with an `HTTP2Server` whose handler class
 * is `derive(Files)`, `Files` being a `SimpleHTTPRequestHandler` subclass
 * of that folder (set time-outs on its prototype, extend it, wrap it);
 * run `body`, then close the server and remove the folder and certificate.
 */
export async function withHttp2Server(
  prefix: string,
  derive: (Files: typeof SimpleHTTPRequestHandler) => unknown,
  body: (running: Logged<HTTP2Server>, dir: string) => Promise<void>,
): Promise<void> {
  const site = tempDir(prefix);
  const keep = tempDir(`${prefix}cert-`);
  try {
    const directory = site.dir;
    class Files extends SimpleHTTPRequestHandler {
      constructor(request: unknown, clientAddress: unknown, server: never) {
        super(request, clientAddress, server, { directory });
      }
    }
    const running = await serveLogged(HTTP2Server, derive(Files) as never, certificateFiles(keep.dir));
    try {
      await body(running, directory);
    } finally {
      await running.close();
    }
  } finally {
    site.remove();
    keep.remove();
  }
}

/**
 * HTTPS with `ThreadingHTTPSServer`: a greeting that reports the TLS version
 * and the ALPN protocol the client and server agreed on.
 *
 * The certificate and key come from the command line or from the
 * `TLS_CERT` / `TLS_KEY` environment variables (`TLS_KEY_PASSWORD` for an
 * encrypted key). For a try-out, make a self-signed pair with openssl:
 *
 * ```sh
 * openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=localhost \
 *   -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout key.pem -out cert.pem
 * node dist/examples/http/https-server.js 8443 cert.pem key.pem
 * curl --cacert cert.pem https://127.0.0.1:8443/    # Hello over TLSv1.3 (ALPN: http/1.1)!
 * ```
 *
 * @module
 */
import type { TLSSocket } from "node:tls";
import { pathToFileURL } from "node:url";
import { BaseHTTPRequestHandler, ThreadingHTTPSServer } from "http.server";

/** Greets the client and says how the connection is secured. */
export class SecureHelloHandler extends BaseHTTPRequestHandler {
  /** Keep connections open: TLS handshakes are expensive. */
  override protocolVersion = "HTTP/1.1";

  /** Answer with the TLS version and the ALPN protocol of this connection. */
  do_GET(): void {
    const tls = this.connection as TLSSocket; // the handler's connection is the TLS socket
    const text = `Hello over ${tls.getProtocol() ?? "TLS"} (ALPN: ${tls.alpnProtocol || "none"})!\n`;
    const body = Buffer.from(text, "utf8");
    this.sendResponse(200);
    this.sendHeader("Content-Type", "text/plain; charset=utf-8");
    this.sendHeader("Content-Length", body.length);
    this.sendHeader("Strict-Transport-Security", "max-age=300");
    this.endHeaders();
    this.wfile.write(body);
  }
}

/** Serve {@link SecureHelloHandler} over TLS on 127.0.0.1 until SIGINT (Ctrl+C) or SIGTERM. */
export async function main(port: number, certfile: string, keyfile?: string, password?: string): Promise<void> {
  // Unusable certificate material throws here, from the constructor.
  await using server = new ThreadingHTTPSServer(["127.0.0.1", port], SecureHelloHandler, { certfile, keyfile, password });
  await server.ready;
  // Stop on Ctrl+C or SIGTERM; set up before the start-up line, which others may wait for.
  const stop = (): void => void server.shutdown();
  process.once("SIGINT", stop).once("SIGTERM", stop);
  const [host, bound] = server.serverAddress as [string, number];
  console.log(`Serving HTTPS on ${host} port ${bound} (https://${host}:${bound}/) ...`);
  await server.serveForever();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [port = "8443", cert = process.env.TLS_CERT, key = process.env.TLS_KEY] = process.argv.slice(2);
  if (!cert) {
    console.error("usage: https-server.js [port] CERTFILE [KEYFILE]   (or set TLS_CERT and TLS_KEY)");
    process.exit(2);
  }
  await main(Number(port), cert, key, process.env.TLS_KEY_PASSWORD);
}

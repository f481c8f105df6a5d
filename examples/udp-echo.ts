/**
 * A datagram echo server on {@link UDPServer}, and a client for it, in one
 * file.
 *
 * ```sh
 * node dist/examples/udp-echo.js server [port]            # default 9999, 0 picks a free port
 * node dist/examples/udp-echo.js client [port] [message]
 * ```
 *
 * Each datagram is one request. {@link DatagramRequestHandler} gives the
 * handler the packet in `rfile`; what the handler writes to `wfile` is sent
 * back to the sender as one datagram when it finishes.
 *
 * @module
 */
import * as dgram from "node:dgram";
import { pathToFileURL } from "node:url";
import { DatagramRequestHandler, UDPServer } from "http.server/socketserver";

/** Answers each datagram with a copy of itself. */
export class UDPEchoHandler extends DatagramRequestHandler {
  /** Copy the packet into the reply. */
  override async handle(): Promise<void> {
    const data = await this.rfile.read();
    this.wfile.write(data);
  }
}

/** The echo server: a {@link UDPServer} that builds a {@link UDPEchoHandler} per datagram. */
export class UDPEchoServer extends UDPServer {}

/**
 * Send `message` in one datagram to `[host, port]` and resolve with the
 * first datagram that comes back. UDP may lose packets, so the wait is
 * bounded by `timeoutMs`.
 */
export function udpRequest(address: readonly [string, number], message: string | Buffer, timeoutMs = 2000): Promise<Buffer> {
  const [host, port] = address;
  const sock = dgram.createSocket("udp4");
  return new Promise<Buffer>((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`no reply from ${host}:${port} within ${timeoutMs} ms`)), timeoutMs);
    const finish = (err: Error | null, reply?: Buffer): void => {
      clearTimeout(timer);
      sock.close();
      if (err) reject(err);
      else resolve(reply!);
    };
    sock.once("message", (reply) => finish(null, reply));
    sock.once("error", (err) => finish(err));
    sock.send(message, port, host);
  });
}

/** Serve until Ctrl-C (SIGINT) or SIGTERM. */
export async function serve(port: number): Promise<void> {
  await using server = new UDPEchoServer(["127.0.0.1", port], UDPEchoHandler);
  await server.ready;
  const [host, boundPort] = server.serverAddress as [string, number];
  console.log(`UDP echo server listening on ${host}:${boundPort}`);
  const stop = (): void => void server.shutdown();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  await server.serveForever();
  console.log("UDP echo server stopped");
}

/** `server [port]` or `client [port] [message]`. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const [mode = "server", portText = "9999", ...words] = argv;
  const port = Number(portText);
  if (mode === "server") {
    await serve(port);
  } else if (mode === "client") {
    const message = words.length > 0 ? words.join(" ") : "hello world";
    const reply = await udpRequest(["127.0.0.1", port], message);
    console.log(`Sent:     ${message}`);
    console.log(`Received: ${reply.toString("utf8")}`);
  } else {
    throw new Error(`usage: udp-echo.js server [port] | client [port] [message]`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}

/**
 * A line echo server on {@link TCPServer}: every line a client sends comes
 * straight back to it, until the client closes its side.
 *
 * ```sh
 * node dist/examples/tcp-echo-server.js [port]      # default 9999, 0 picks a free port
 * node dist/examples/tcp-echo-client.js [port] hello world
 * ```
 *
 * A plain `TCPServer` serves one connection at a time, as Python's does: a
 * second client waits until the first one hangs up. Make it
 * `class EchoServer extends ThreadingTCPServer {}` to serve clients
 * concurrently.
 *
 * @module
 */
import { pathToFileURL } from "node:url";
import { StreamRequestHandler, TCPServer } from "http.server/socketserver";

/** Longest line read in one piece; longer lines are echoed in pieces. */
const MAX_LINE = 64 * 1024;

/** Sends every line it reads back to the client it came from. */
export class EchoHandler extends StreamRequestHandler {
  /** Read a line, write it back, until the client stops sending. */
  override async handle(): Promise<void> {
    for (;;) {
      const line = await this.rfile.readline(MAX_LINE);
      if (line.length === 0) break; // the client closed its side
      this.wfile.write(line);
      // Respect back-pressure: do not read more while the client is not reading.
      await this.wfile.flush();
    }
  }
}

/** The echo server: a {@link TCPServer} that builds an {@link EchoHandler} per connection. */
export class EchoServer extends TCPServer {}

/** Run the server until Ctrl-C (SIGINT) or SIGTERM. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const port = Number(argv[0] ?? 9999);
  await using server = new EchoServer(["127.0.0.1", port], EchoHandler);
  await server.ready; // rejects if the port is taken
  const [host, boundPort] = server.serverAddress as [string, number];
  console.log(`Echo server listening on ${host}:${boundPort}`);
  const stop = (): void => void server.shutdown();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  await server.serveForever();
  console.log("Echo server stopped");
  // Leaving the block closes the server (Python's `with` statement).
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}

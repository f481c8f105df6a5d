/**
 * The first example of Python's socketserver documentation, line by line:
 * a {@link BaseRequestHandler} that reads one message with `recv(1024)` and
 * sends it back upper-cased with `sendall()`.
 *
 * ```sh
 * node dist/examples/tcp-upper-server.js [port]   # default 9999, 0 picks a free port
 * python3 -c 'import socket; s = socket.create_connection(("localhost", 9999)); s.sendall(b"hi\n"); print(s.recv(1024))'
 * ```
 *
 * Ctrl-C (SIGINT) aborts the signal given to `serveForever()`, which stops
 * the loop; leaving the `await using` block closes the server.
 *
 * @module
 */
import { BaseRequestHandler, TCPServer } from "http.server/socketserver";

/** The request handler class for our server, instantiated once per connection. */
export class MyTCPHandler extends BaseRequestHandler {
  /** Python's `handle()`: talk to the client. */
  override async handle(): Promise<void> {
    // this.request is the TCP socket connected to the client
    const data = (await this.recv(1024)).toString().trim();
    console.log(`Received from ${this.clientAddress[0]}:`);
    console.log(data);
    // just send back the same data, but upper-cased
    await this.sendall(data.toUpperCase());
  }
}

const [HOST, PORT] = ["localhost", Number(process.argv[2] ?? 9999)];

// Create the server, binding to localhost on port 9999
await using server = new TCPServer([HOST, PORT], MyTCPHandler);
server.once("listening", () => {
  const [host, port] = server.serverAddress as [string, number];
  console.log(`listening on ${host}:${port}`);
});
// Activate the server; this will keep running until you
// interrupt the program with Ctrl-C
const controller = new AbortController();
process.once("SIGINT", () => controller.abort());
await server.serveForever({ signal: controller.signal });

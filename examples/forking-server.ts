/**
 * Python's "asynchronous mixins" example with `ForkingMixIn`: each request
 * is handled in a worker process, which answers with its process id.
 *
 * ```sh
 * node dist/examples/forking-server.js
 * ```
 *
 * A worker process runs this script again from the top, so the script
 * starts with the `isForkedWorker()` guard: in a worker it builds the
 * server and serves; everything else (the clients, the printing, the
 * shutdown) is for the main process only.
 *
 * @module
 */
import * as net from "node:net";
import { BaseRequestHandler, ForkingMixIn, TCPServer, isForkedWorker } from "http.server/socketserver";

/** Answers with the id of the process that handled the request. */
export class ForkingTCPRequestHandler extends BaseRequestHandler {
  /** Read one message and answer `pid: MESSAGE`. */
  override async handle(): Promise<void> {
    const data = (await this.recv(1024)).toString("ascii");
    await this.sendall(`${process.pid}: ${data.toUpperCase()}`);
  }
}

/** A `TCPServer` that hands each connection to a worker process. */
export class ForkingTCPServer extends ForkingMixIn(TCPServer) {}

/** Send `message`, print the answer. */
function client(ip: string, port: number, message: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, ip, () => sock.write(message));
    sock.on("error", reject);
    sock.once("data", (response) => {
      console.log(`Received: ${response.toString("ascii")}`);
      sock.destroy();
      resolve();
    });
  });
}

const server = new ForkingTCPServer(["localhost", 0], ForkingTCPRequestHandler);
if (isForkedWorker()) {
  // A worker: serve the requests the main process hands over, nothing else.
  await server.serveForever();
} else {
  await using _ = server;
  await server.ready;
  const [ip, port] = server.serverAddress as [string, number];
  const loop = server.serveForever();
  console.log(`Server loop running in process: ${process.pid}`);
  await client(ip, port, "Hello World 1");
  await client(ip, port, "Hello World 2");
  await client(ip, port, "Hello World 3");
  await server.shutdown();
  await loop;
}

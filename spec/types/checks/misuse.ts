/**
 * Uses of the API that a strict project must see rejected by the compiler
 * (each `@ts-expect-error` fails the check if the line below it compiles),
 * beside the right uses, which must compile. Checked by
 * spec/types/types.spec.ts with spec/types/tsconfig.json; never run.
 */
import type * as dgram from "node:dgram";
import type * as net from "node:net";
import {
  BaseHTTPRequestHandler,
  DatagramRequestHandler,
  HTTPSServer,
  SimpleHTTPRequestHandler,
  StreamRequestHandler,
  TCPServer,
  ThreadingHTTPServer,
  UnixStreamServer,
  parseForm,
  toFetchHandler,
  toRequestListener,
  type InetAddress,
} from "http.server";

export class Stream extends StreamRequestHandler {
  override async handle(): Promise<void> {
    const [host, port] = this.clientAddress;
    const h: string = host;
    const p: number = port;
    // @ts-expect-error the port is a number
    const wrong: string = port;
    const sock: net.Socket = this.request;
    this.connection.setNoDelay(true);
    // @ts-expect-error a stream request is a socket, not a tuple
    void this.request[0];
    // @ts-expect-error reads are awaited: a Promise is not a Buffer
    const notAwaited: Buffer = this.rfile.read(10);
    const read: Buffer = await this.rfile.read(10, { signal: AbortSignal.timeout(1000) });
    // @ts-expect-error the signal must be an AbortSignal
    await this.rfile.readline({ signal: 5 });
    const got: Buffer = await this.recv(1024);
    // @ts-expect-error recv() resolves with bytes
    const text: string = await this.recv(1024);
    await this.sendall(got);
    await this.sendall("text is UTF-8");
    void [h, p, wrong, sock, notAwaited, read, text];
  }
}

export class Datagram extends DatagramRequestHandler {
  override handle(): void {
    const [data, socket] = this.request;
    const bytes: Buffer = data;
    const s: dgram.Socket = socket;
    const [host, port] = this.clientAddress;
    s.send(bytes, port, host);
    // @ts-expect-error a datagram request is not a stream
    this.request.write("x");
  }
}

/** A Unix stream handler says its address is a path. */
export class UnixHandler extends StreamRequestHandler<string> {
  override handle(): void {
    const path: string = this.clientAddress;
    // @ts-expect-error not an Internet address
    const inet: InetAddress = this.clientAddress;
    void [path, inet];
  }
}

export class Http extends BaseHTTPRequestHandler {
  do_GET(): void {
    const [host] = this.clientAddress;
    const h: string = host;
    this.sendResponse(200);
    this.endHeaders();
    void h;
  }
}

export async function servers(): Promise<void> {
  const controller = new AbortController();
  await using server = new TCPServer(["127.0.0.1", 0], Stream);
  server.on("listening", () => undefined);
  server.on("error", (error: Error) => void error.message);
  server.once("close", () => undefined);
  // @ts-expect-error "listening" passes no argument
  server.on("listening", (port: number) => void port);
  // @ts-expect-error servers emit listening, error and close only
  server.on("connection", (sock: net.Socket) => void sock);
  await server.serveForever({ signal: controller.signal, pollInterval: undefined });
  await server.serveForever(0.5);
  // @ts-expect-error the poll interval is in seconds, a number
  await server.serveForever({ pollInterval: "1" });
  new UnixStreamServer("/tmp/x.sock", UnixHandler);
  new ThreadingHTTPServer(["", 8000], Http);
  // Optional settings may be given as undefined (exactOptionalPropertyTypes).
  new HTTPSServer(["", 8443], Http, true, { certfile: "cert.pem", keyfile: process.env["KEY_FILE"] });
  // @ts-expect-error a PEM pair needs its key as well as its certificate
  new HTTPSServer(["", 8443], Http, true, { pem: { cert: "-----BEGIN CERTIFICATE-----" } });
  new SimpleHTTPRequestHandler(null as never, ["127.0.0.1", 1], null as never, { directory: process.argv[2] });
}

/** Adapter and form options may be given as undefined (exactOptionalPropertyTypes). */
export class Adapted extends BaseHTTPRequestHandler {
  async do_POST(): Promise<void> {
    await using form = await parseForm(this, { uploadDir: process.env["UP"], onFile: undefined });
    void form.fields;
  }
}

export function adapters(): void {
  void toRequestListener(SimpleHTTPRequestHandler, { directory: process.env["DIR"] });
  void toRequestListener(Adapted, { directory: undefined, handlerArgs: undefined, server: undefined, maxResponseHead: undefined });
  void toFetchHandler(SimpleHTTPRequestHandler, { directory: process.env["DIR"], clientAddress: undefined });
  void toFetchHandler(Adapted, { clientAddress: { address: undefined, hostname: process.env["HOST"], port: undefined } });
  // @ts-expect-error the folder is a string or a URL
  void toFetchHandler(SimpleHTTPRequestHandler, { directory: 5 });
}

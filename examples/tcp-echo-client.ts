/**
 * A client for `tcp-echo-server`: sends each message as a line and prints
 * what comes back.
 *
 * ```sh
 * node dist/examples/tcp-echo-client.js [port] [message ...]
 * ```
 *
 * @module
 */
import * as net from "node:net";
import { pathToFileURL } from "node:url";

/**
 * Connect to `[host, port]`, send each of `lines` (a newline is added), and
 * resolve with the lines received in reply, without their newlines. Rejects
 * if the server does not answer every line within `timeoutMs`.
 */
export function echoLines(address: readonly [string, number], lines: readonly string[], timeoutMs = 5000): Promise<string[]> {
  const [host, port] = address;
  return new Promise<string[]>((resolve, reject) => {
    const replies: string[] = [];
    let pending = "";
    const sock = net.connect({ host, port });
    sock.setEncoding("utf8");
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no complete reply from ${host}:${port} within ${timeoutMs} ms (got ${replies.length} of ${lines.length} lines)`));
    }, timeoutMs);
    const done = (err?: Error): void => {
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(replies);
    };
    sock.on("error", done);
    sock.on("connect", () => {
      for (const line of lines) sock.write(`${line}\n`);
      // Tell the server we are done sending; it closes after the last echo.
      sock.end();
    });
    sock.on("data", (chunk: string) => {
      pending += chunk;
      let at: number;
      while ((at = pending.indexOf("\n")) !== -1) {
        replies.push(pending.slice(0, at));
        pending = pending.slice(at + 1);
      }
    });
    sock.on("end", () => {
      if (pending !== "") replies.push(pending);
      done();
    });
  });
}

/** Send the messages given on the command line and print the replies. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const port = Number(argv[0] ?? 9999);
  const messages = argv.length > 1 ? argv.slice(1) : ["hello world"];
  const replies = await echoLines(["127.0.0.1", port], messages);
  messages.forEach((message, i) => {
    console.log(`Sent:     ${message}`);
    console.log(`Received: ${replies[i] ?? "(nothing)"}`);
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}

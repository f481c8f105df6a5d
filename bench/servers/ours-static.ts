/**
 * Contender "ours" of the static benchmark: the `http.server` command line
 * (lib/cli/cli.ts `main()`, exactly what `npx http.server` runs:
 * SimpleHTTPRequestHandler on the CLI's ThreadingHTTPServer), with request
 * logging silenced as for every contender (the CLI has no switch for it).
 *
 *   node ours-static.js DIRECTORY [PROTOCOL]     (PROTOCOL: HTTP/1.0, the default, or HTTP/1.1)
 *
 * Listens on 127.0.0.1, a free port; prints READY <port> (the CLI's
 * "Serving HTTP on ..." line is dropped), counts the responses it logs.
 */
import { SimpleHTTPRequestHandler } from "../../lib/index.js";
import { main } from "../../lib/cli/cli.js";
import { announce, counter } from "./common.js";

const [directory, protocol = "HTTP/1.0"] = process.argv.slice(2);
if (!directory) {
  process.stderr.write("usage: node ours-static.js DIRECTORY [PROTOCOL]\n");
  process.exit(2);
}

// Every response is logged through logRequest (sendError's too): count it
// there, and print nothing.
SimpleHTTPRequestHandler.prototype.logRequest = function logRequest(): void {
  counter.n++;
};
SimpleHTTPRequestHandler.prototype.logMessage = function logMessage(): void {};

const code = await main(["0", "-b", "127.0.0.1", "-d", directory, "-p", protocol], {
  stdout: { write: () => true },
  handleSignals: false,
  onServing: (server) => announce((server.serverAddress as [string, number])[1]),
});
process.exit(code);

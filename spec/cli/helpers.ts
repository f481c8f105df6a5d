/**
 * Running the command line in this process, through `main()`, for specs
 * that need its handler with real clients (and browsers): the server's
 * address, its log lines and a way to stop it.
 */
import { expect } from "chai";
import { ArgumentError, main, parseCommandLine, type CommandLineOptions } from "../../lib/cli/cli.js";
import { kLogLines } from "../../lib/http/server/base-handler.js";
import type { HTTPServer } from "../../lib/http/server/http-server.js";
import { delay, within } from "../helpers.js";

/** Collects what a TextSink receives. */
export class Collector {
  /** Everything written so far. */
  text = "";
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

/** Parse and return the options, failing the test on help or error. */
export function opts(argv: string[], cwd = "/srv"): CommandLineOptions {
  const r = parseCommandLine(argv, { cwd });
  if (r.help) throw new Error("unexpected help");
  return r.options;
}

/** The ArgumentError message for argv. */
export function parseError(argv: string[]): string {
  try {
    parseCommandLine(argv, { cwd: "/srv" });
  } catch (err) {
    expect(err).to.be.instanceOf(ArgumentError);
    expect((err as ArgumentError).exitCode).to.equal(2);
    return (err as Error).message;
  }
  throw new Error(`no error for ${JSON.stringify(argv)}`);
}

/** A command line serving in this process. */
export interface CommandLineRun {
  /** `http://127.0.0.1:PORT`. */
  base: string;
  /** Log lines, kept instead of written to stderr. */
  logs: string[];
  /** Stop as Ctrl+C would; resolves with the exit status. */
  stop(): Promise<number>;
}

/**
 * Run `http.server ARGS -b 127.0.0.1 0` through `main()` until
 * {@link CommandLineRun.stop}; its log lines go to `logs`.
 */
export async function serveCommandLine(args: string[]): Promise<CommandLineRun> {
  const ac = new AbortController();
  let server: HTTPServer | null = null;
  const logs: string[] = [];
  const stderr = new Collector();
  const done = main([...args, "-b", "127.0.0.1", "0"], {
    stdout: new Collector(),
    stderr,
    signal: ac.signal,
    handleSignals: false,
    onServing: (s) => {
      (s as unknown as Record<symbol, unknown>)[kLogLines] = logs;
      server = s;
    },
  });
  const started = (async (): Promise<void> => {
    while (server === null) {
      const early = await Promise.race([done, delay(5).then(() => null)]);
      if (early !== null) throw new Error(`the command line exited with ${early}: ${stderr.text}`);
    }
  })();
  await within(started, 5000, "the command line's server to start");
  const port = ((server as unknown as HTTPServer).serverAddress as [string, number])[1];
  return {
    base: `http://127.0.0.1:${port}`,
    logs,
    async stop() {
      ac.abort();
      return within(done, 10000, "the command line to stop");
    },
  };
}

#!/usr/bin/env node
/**
 * The `http.server` bin: `python -m http.server` for Node.js. All the logic
 * is in `cli.ts`; this file only hands it the process's arguments and exits
 * with the status it returns.
 *
 * With `--workers N` this script is also what each worker process runs
 * (node:cluster starts the entry script again with the same arguments); the
 * workers build the same server and stay silent.
 *
 * @module
 */
import { main } from "./cli.js";
import { hidePasswordInTitle } from "./access-flags.js";

// `ps` shows USER:*** for --auth USER:PASSWORD from here on.
hidePasswordInTitle();
try {
  const code = await main(process.argv.slice(2));
  // Exit now, as Python's sys.exit() does: idle keep-alive connections of
  // the concurrent server must not keep the process alive.
  process.exit(code);
} catch (err) {
  process.stderr.write(`http.server: error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
}

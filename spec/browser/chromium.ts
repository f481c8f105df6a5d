/**
 * The browser of the browser specs: Debian's Chromium, started headless by
 * playwright-core with the flags that keep it quiet and off the network.
 * Without it the specs fail: a browser test that skips proves nothing.
 */
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

/** The Chromium binary (`CHROMIUM_PATH`, else Debian's). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Chromium's command-line flags for the specs. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Start headless Chromium, with `extraArgs` after {@link CHROMIUM_ARGS}; throws a clear error when it is not installed. */
export async function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: the browser tests need Debian's chromium package ` +
        "(apt-get install -y chromium; .ci/run installs it) or CHROMIUM_PATH pointing at a Chromium binary",
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS, ...extraArgs], timeout: 30000 });
}

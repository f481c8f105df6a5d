/**
 * The browser the browser specs drive: Debian's Chromium (`.ci/run`
 * installs it; `CHROMIUM_PATH` overrides the path) through playwright-core,
 * headless, with the flags that keep it from reaching the network on its own.
 */
import { chromium, type Browser } from "playwright-core";

/** Where Chromium is. */
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

/** Start a headless Chromium (within 30 s). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30000 });
}

/**
 * The browser the browser specs drive: Debian's Chromium (or
 * `CHROMIUM_PATH`), with the switches that keep it quiet and offline.
 */

/** The Chromium binary. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Switches for a headless run that makes no connection of its own. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

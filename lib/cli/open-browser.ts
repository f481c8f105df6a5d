/**
 * `--open`: show the served folder in the default browser, through the
 * `open` package (`xdg-open` on Linux, `open` on macOS, `start` on Windows).
 *
 * @module
 */

/** Opens a URL in a browser; {@link defaultOpener} unless a program or spec gives another. */
export type Opener = (url: string) => Promise<unknown>;

/** The `open` package's `open(url)`, loaded only when `--open` is used. */
export const defaultOpener: Opener = async (url) => {
  const { default: open } = await import("open");
  // Wait for the launcher only (not for the browser to close).
  const child = await open(url, { wait: false });
  child.unref();
  return child;
};

/**
 * Open `url` with `opener`; a failure (no browser, no display) becomes a
 * one-line message on `stderr` instead of stopping the server.
 */
export async function openBrowser(url: string, opener: Opener, stderr: { write(text: string): unknown }): Promise<void> {
  try {
    await opener(url);
  } catch (err) {
    stderr.write(`http.server: cannot open a browser: ${(err as Error).message.split("\n")[0]}\n`);
  }
}

/**
 * File-system probes shared by the folder and CGI handlers: `stat()` and
 * `realpath()` that answer `null` instead of throwing, and the check that
 * a path leads, through any symlinks, to a place inside the served folder.
 *
 * @module
 */
import * as fs from "node:fs";

/** `fs.statSync(path)`, or `null` when there is nothing there (or it cannot be looked at). */
export function statOrNull(path: string): fs.Stats | null {
  try {
    return fs.statSync(path, { throwIfNoEntry: false }) ?? null;
  } catch {
    return null; // ENOTDIR, EACCES, a NUL byte in the name, ...
  }
}

/** The real path of `path` (symlinks resolved), or `null` when it cannot be resolved. */
export function realpathOrNull(path: string): string | null {
  try {
    return fs.realpathSync.native(path);
  } catch {
    return null;
  }
}

/** A root folder's real path, re-resolved at most once a second. */
const rootRealpaths = new Map<string, { real: string | null; at: number }>();
/**
 * Verdicts of {@link insideRoot} by path, valid for the same file (device
 * and inode): a symlink retargeted elsewhere leads to another file, so the
 * verdict is computed afresh.
 */
const insideVerdicts = new Map<string, { root: string; dev: number; ino: number; inside: boolean }>();
const MAX_VERDICTS = 10000;

/**
 * Does `path` (whose `stat()` is `st`) resolve, through any symlinks, to a
 * place inside `root`? Resolving real paths costs a `readlink` per path
 * component, so answers are remembered per file.
 */
export function insideRoot(root: string, path: string, st: fs.Stats): boolean {
  const now = Date.now();
  let r = rootRealpaths.get(root);
  if (!r || now - r.at > 1000) {
    r = { real: realpathOrNull(root), at: now };
    if (rootRealpaths.size > 100) rootRealpaths.clear();
    rootRealpaths.set(root, r);
  }
  const rootReal = r.real;
  if (rootReal === null) return false;
  const known = insideVerdicts.get(path);
  if (known && known.root === rootReal && known.dev === st.dev && known.ino === st.ino) return known.inside;
  const real = realpathOrNull(path);
  const inside = real !== null && isInside(real, rootReal);
  if (insideVerdicts.size >= MAX_VERDICTS) insideVerdicts.clear();
  insideVerdicts.set(path, { root: rootReal, dev: st.dev, ino: st.ino, inside });
  return inside;
}

/** `path` is `root` or lies below it (plain string test on normalised paths). */
export function isInside(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith("/") ? root : root + "/");
}

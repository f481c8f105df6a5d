/**
 * File-system probes shared by the folder and CGI handlers: `stat()` and
 * `realpath()` that answer `null` instead of throwing, and the check that
 * a path leads, through any symlinks, to a place inside the served folder.
 *
 * @module
 */
import * as fs from "node:fs";
import { insideVerdicts, rootRealpaths } from "../../caches.js";
import { decodeSurrogateEscape, fsPath } from "./surrogate-escape.js";

/**
 * `fs.statSync(path)`, or `null` when there is nothing there (or it cannot
 * be looked at). A name byte that is not UTF-8 is a lone surrogate in
 * `path` (see `surrogate-escape.ts`).
 */
export function statOrNull(path: string): fs.Stats | null {
  try {
    return fs.statSync(fsPath(path), { throwIfNoEntry: false }) ?? null;
  } catch {
    return null; // ENOTDIR, EACCES, a NUL byte in the name, ...
  }
}

/** The real path of `path` (symlinks resolved), or `null` when it cannot be resolved. */
export function realpathOrNull(path: string): string | null {
  try {
    const p = fsPath(path);
    if (typeof p === "string") return fs.realpathSync.native(p);
    return decodeSurrogateEscape(fs.realpathSync.native(p, { encoding: "buffer" }));
  } catch {
    return null;
  }
}

/**
 * Does `path` (whose `stat()` is `st`) resolve, through any symlinks, to a
 * place inside `root`? Resolving real paths costs a `readlink` per path
 * component, so answers are remembered per file.
 */
export function insideRoot(root: string, path: string, st: fs.Stats): boolean {
  const now = Date.now();
  let r = rootRealpaths.get(root);
  if (!r || now - r.at > 1000) {
    // A root's real path is resolved again at most once a second.
    r = rootRealpaths.set(root, { real: realpathOrNull(root), at: now });
  }
  const rootReal = r.real;
  if (rootReal === null) return false;
  const known = insideVerdicts.get(path);
  if (known && known.root === rootReal && known.dev === st.dev && known.ino === st.ino) return known.inside;
  const real = realpathOrNull(path);
  const inside = real !== null && isInside(real, rootReal);
  // A verdict holds for the same file (device and inode): a symlink
  // retargeted elsewhere leads to another file, so it is computed afresh.
  insideVerdicts.set(path, { root: rootReal, dev: st.dev, ino: st.ino, inside });
  return inside;
}

/** `path` is `root` or lies below it (plain string test on normalised paths). */
export function isInside(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith("/") ? root : root + "/");
}

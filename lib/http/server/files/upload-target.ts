/**
 * Where an upload may be written, by the rules that serving follows, and
 * how a finished upload takes its place: written to a temporary file in the
 * target folder, then linked (or, with overwriting allowed, renamed) to its
 * name, so that a reader never sees half a file and a failed upload leaves
 * nothing behind.
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import { lstatSync, promises as fsp, type Stats } from "node:fs";
import { dirname, join } from "node:path";
import { isInside, realpathOrNull, statOrNull } from "./file-checks.js";
import { fsPath } from "./surrogate-escape.js";

/** An upload that may not go ahead: the status to answer and why. */
/** The end of an upload's temporary name: `.upload-<16 hex digits>.part`. */
const PART_SUFFIX = ".part";
/** An upload's temporary name (see {@link PendingFile}). */
export const PART_NAME = /^\.upload-[0-9a-f]{16}\.part$/;

/** The longest file name the common file systems take, in bytes (`NAME_MAX`). */
export const MAX_NAME_BYTES = 255;

/** The client went away before the end of the upload's body: nothing to answer, one log line. */
export class ClientLeft extends Error {
  /** Names the error class in stack traces. */
  override readonly name = "ClientLeft";
}

/** An upload refused with an HTTP status. */
export class UploadRefused extends Error {
  /** Names the error class in stack traces. */
  override readonly name = "UploadRefused";

  /**
   * @param status - the HTTP status to answer (400, 403, 404, 409, 411, 413).
   * @param message - the reason, shown in the error page and the log.
   */
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The settings of a folder's upload rules. */
export interface TargetRules {
  /** The served folder. */
  root: string;
  /** Names starting with a dot may not be written. */
  hideDotfiles: boolean;
  /** An existing file may be replaced. */
  overwrite: boolean;
}

/** Is `name` usable as one file name (no separator, no NUL, not `.` or `..`, not empty)? */
export function checkFileName(name: string | undefined, rules: TargetRules): asserts name is string {
  if (typeof name !== "string") throw new UploadRefused(400, "A file part without a file name");
  if (name === "" || name === "." || name === ".." || /[/\\\0]/.test(name) || Buffer.byteLength(name) > MAX_NAME_BYTES) {
    throw new UploadRefused(400, `Bad file name ${JSON.stringify(name.length > 64 ? name.slice(0, 64) + "..." : name)}`);
  }
  if (rules.hideDotfiles && name.startsWith(".")) throw new UploadRefused(403, "Names starting with a dot may not be written");
  if (PART_NAME.test(name)) throw new UploadRefused(403, "That name belongs to an upload in progress");
}

/**
 * Check that `folder` (a file path under the root) is an existing folder
 * that resolves, through any symlinks, inside the root (writing never
 * follows a link out, even with `--follow-symlinks`). Throws
 * {@link UploadRefused} otherwise: 409 for a missing folder (nothing is
 * created on the way), 403 for one outside.
 */
export function checkFolder(folder: string, rules: TargetRules, missingStatus = 409): void {
  const st = statOrNull(folder);
  if (!st || !st.isDirectory()) throw new UploadRefused(missingStatus, "The folder does not exist");
  const rootReal = realpathOrNull(rules.root);
  const real = realpathOrNull(folder);
  if (rootReal === null || real === null || !isInside(real, rootReal)) {
    throw new UploadRefused(403, "The folder is outside the served directory");
  }
}

/** `lstat()` of `path` (a link itself, not what it leads to), or `null`. */
function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(fsPath(path), { throwIfNoEntry: false }) ?? null;
  } catch {
    return null;
  }
}

/** Check that `path` may be (re)written: not a folder, and nothing there (not even a broken link) unless overwriting is allowed. */
export function checkFreeName(path: string, rules: TargetRules): void {
  if (statOrNull(path)?.isDirectory()) throw new UploadRefused(409, "A folder has that name");
  if (!rules.overwrite && lstatOrNull(path) !== null) {
    throw new UploadRefused(409, "The file exists (the server replaces files only with --overwrite)");
  }
}

/**
 * A file being received: a temporary file next to its final name, opened
 * exclusively. {@link commit} gives it its name; {@link discard} removes it.
 */
export class PendingFile {
  /** The temporary file's path. */
  readonly temp: string;
  /** Bytes written so far. */
  size = 0;
  #handle: fsp.FileHandle | null = null;

  /** @param target - the final path. */
  constructor(readonly target: string) {
    this.temp = join(dirname(target), `.upload-${randomBytes(8).toString("hex")}${PART_SUFFIX}`);
  }

  /** Create the temporary file (never over an existing one). */
  async open(): Promise<void> {
    this.#handle = await fsp.open(fsPath(this.temp), "wx", 0o644);
  }

  /** Append `chunk`. */
  async write(chunk: Buffer): Promise<void> {
    await this.#handle!.write(chunk);
    this.size += chunk.length;
  }

  /**
   * Close the file and give it its final name: `link()` when the name must
   * be free (it fails, atomically, if another file took it meanwhile), else
   * `rename()`. Returns whether a file was replaced.
   */
  async commit(overwrite: boolean): Promise<boolean> {
    await this.#close();
    if (overwrite) {
      const existed = statOrNull(this.target) !== null;
      await fsp.rename(fsPath(this.temp), fsPath(this.target));
      return existed;
    }
    try {
      await fsp.link(fsPath(this.temp), fsPath(this.target));
    } catch (err) {
      await this.discard();
      if ((err as NodeJS.ErrnoException).code === "EEXIST") throw new UploadRefused(409, "The file exists");
      throw err;
    }
    await fsp.unlink(fsPath(this.temp)).catch(() => undefined);
    return false;
  }

  /** Close and remove the temporary file (quietly: it may be gone already). */
  async discard(): Promise<void> {
    await this.#close().catch(() => undefined);
    await fsp.unlink(fsPath(this.temp)).catch(() => undefined);
  }

  async #close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = null;
    await handle?.close();
  }
}

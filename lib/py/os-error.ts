/**
 * Python's `str(OSError)` for a Node file-system error.
 *
 * @module
 */
import { pyRepr } from "./repr.js";

/** The C library's wording for common errors, as Python shows it in `OSError`. */
const STRERROR: Readonly<Record<string, [number, string]>> = {
  EPERM: [1, "Operation not permitted"],
  ENOENT: [2, "No such file or directory"],
  EIO: [5, "Input/output error"],
  EACCES: [13, "Permission denied"],
  EISDIR: [21, "Is a directory"],
  ENOTDIR: [20, "Not a directory"],
  EMFILE: [24, "Too many open files"],
  ELOOP: [40, "Too many levels of symbolic links"],
  ENAMETOOLONG: [36, "File name too long"],
};

/** Render a Node file-system error like Python's `str(OSError)`: `[Errno 2] No such file or directory: 'x'`. */
export function pyOSErrorText(err: unknown, filename: string): string {
  const e = err as NodeJS.ErrnoException;
  const known = e.code ? STRERROR[e.code] : undefined;
  if (known) return `[Errno ${known[0]}] ${known[1]}: ${pyRepr(filename)}`;
  return e.message ?? String(err);
}

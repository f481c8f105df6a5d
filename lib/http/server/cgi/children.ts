/**
 * The CGI scripts' processes: killed with their own children, never
 * orphaned when the server's process exits.
 *
 * @module
 */
import type { ChildProcess } from "node:child_process";
import { constants as osConstants } from "node:os";

const POSIX = process.platform !== "win32";

/** Python's `os.waitstatus_to_exitcode()`: the exit code, or minus the signal number. */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return signal ? -(osConstants.signals[signal] ?? 0) : 0;
}

/** Children still running, so that leaving the process does not orphan them. */
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kill a script and the process group it leads. */
export function killTree(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    // Scripts lead their own process group: take their children along.
    if (POSIX) process.kill(-child.pid, "SIGKILL");
    else child.kill("SIGKILL");
  } catch {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

/** Remember a running script, so that the process's exit kills it. */
export function track(child: ChildProcess): void {
  liveChildren.add(child);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once("exit", () => {
      for (const c of liveChildren) killTree(c);
    });
  }
}

/** Forget a script that has ended. */
export function untrack(child: ChildProcess): void {
  liveChildren.delete(child);
}

/**
 * Runs a server command that does not speak the benchmark's side channel
 * (http-server, serve, sirv, nginx, ...) and speaks it on its behalf:
 *
 *   node supervise.js PORT COMMAND [ARGS...]
 *
 * - starts COMMAND in a process group of its own, its stdout and stderr
 *   going to our stderr (the driver keeps the start of it for error reports);
 * - prints `READY PORT PID` once 127.0.0.1:PORT accepts a connection
 *   (PID: the command's, where the driver reads its CPU time);
 * - answers SIGUSR2 with `STATS {"requests":0,"rss":...,"pid":...}` (the
 *   command's RSS; these servers do not count requests, the client does);
 * - kills the command's process group when its stdin closes (the driver went
 *   away, however it ended), on SIGTERM, SIGINT and SIGHUP, and exits when
 *   the command exits.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import * as net from "node:net";

const [portText, command, ...args] = process.argv.slice(2);
const port = Number(portText);
if (!command || !Number.isInteger(port) || port <= 0) {
  process.stderr.write("usage: node supervise.js PORT COMMAND [ARGS...]\n");
  process.exit(2);
}

const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], detached: true });
child.stdout!.pipe(process.stderr, { end: false });
child.stderr!.pipe(process.stderr, { end: false });
let exited = false;
let stopping = false;
child.on("error", (err) => {
  process.stderr.write(`supervise: cannot run ${command}: ${err.message}\n`);
  process.exit(1);
});
child.on("exit", (code, signal) => {
  exited = true;
  if (!stopping) process.stderr.write(`supervise: ${command} exited (${signal ?? code})\n`);
  // Whatever it left behind in its group goes with it.
  killGroup("SIGKILL");
  process.exit(stopping ? 0 : 1);
});

function killGroup(signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // gone
  }
}

function stop(): void {
  if (stopping) return;
  stopping = true;
  if (exited) process.exit(0);
  killGroup("SIGTERM");
  setTimeout(() => {
    killGroup("SIGKILL");
    setTimeout(() => process.exit(0), 200).unref();
  }, 2000).unref();
}

process.stdin.on("end", stop);
process.stdin.on("close", stop);
process.stdin.on("error", stop);
process.stdin.resume();
for (const sig of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(sig, stop);

function rss(pid: number): number {
  try {
    const pages = Number(readFileSync(`/proc/${pid}/statm`, "latin1").split(" ")[1]);
    return pages * 4096;
  } catch {
    return NaN;
  }
}

process.on("SIGUSR2", () => {
  const pid = child.pid ?? 0;
  process.stdout.write(`STATS ${JSON.stringify({ requests: 0, rss: rss(pid), pid })}\n`);
});

function accepts(): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: "127.0.0.1" });
    sock.once("connect", () => {
      sock.destroy();
      resolve(true);
    });
    sock.once("error", () => resolve(false));
  });
}

const deadline = Date.now() + 20_000;
while (!(await accepts())) {
  if (exited || stopping) await new Promise(() => undefined); // the exit handler ends us
  if (Date.now() > deadline) {
    process.stderr.write(`supervise: ${command} does not accept connections on 127.0.0.1:${port}\n`);
    stop();
    await new Promise(() => undefined);
  }
  await new Promise((r) => setTimeout(r, 50));
}
process.stdout.write(`READY ${port} ${child.pid}\n`);

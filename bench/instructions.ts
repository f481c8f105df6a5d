/**
 * Instructions per request, counted by valgrind's callgrind: a figure that
 * does not move with the machine's load, for comparing two builds of the
 * server (or a server with a feature on and off) when wall-clock benchmarks
 * are too noisy to show a few per cent.
 *
 *   node dist/bench/instructions.js [--server SCRIPT] [--path /1k.txt]
 *        [--n1 2000] [--n2 6000] [--protocol HTTP/1.1] [--dir DIR]
 *
 * SCRIPT is a bench server script (default: this build's
 * `dist/bench/servers/ours-static.js`; pass another build's copy to compare
 * builds). It serves DIR (default: a fixture folder made here with
 * `1k.txt`, `listing/` of 200 entries), started twice under
 * `valgrind --tool=callgrind`: once answering N1 requests, once N2, each
 * sent one at a time on a kept-alive connection (a new one after a
 * response that closes it). The start-up and the
 * warm-up cancel out of the difference:
 *
 *   instructions per request = (I(N2) - I(N1)) / (N2 - N1)
 *
 * Needs valgrind (`apt-get install -y valgrind`). Each run takes a minute or
 * two: valgrind runs node about 50 times slower.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

interface Options {
  server: string;
  path: string;
  n1: number;
  n2: number;
  protocol: string;
  dir: string | null;
}

function parseArgs(argv: readonly string[]): Options {
  const here = dirname(fileURLToPath(import.meta.url));
  const o: Options = {
    server: join(here, "servers", "ours-static.js"),
    path: "/1k.txt",
    n1: 2000,
    n2: 6000,
    protocol: "HTTP/1.1",
    dir: null,
  };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === "--server") o.server = value;
    else if (flag === "--path") o.path = value;
    else if (flag === "--n1") o.n1 = Number(value);
    else if (flag === "--n2") o.n2 = Number(value);
    else if (flag === "--protocol") o.protocol = value;
    else if (flag === "--dir") o.dir = value;
    else throw new Error(`unknown option ${flag}`);
  }
  return o;
}

function makeFixture(): string {
  const dir = mkdtempSync(join(tmpdir(), "bench-instr-"));
  writeFileSync(join(dir, "1k.txt"), "x".repeat(1023) + "\n");
  mkdirSync(join(dir, "listing"));
  for (let i = 0; i < 200; i++) writeFileSync(join(dir, "listing", `file-${String(i).padStart(3, "0")}.txt`), `entry ${i}\n`);
  return dir;
}

/**
 * Send `n` requests one after another, on one kept-alive connection while
 * the server keeps it open (a response saying `Connection: close`, such
 * as an error page, is followed by a new connection); resolve when all
 * are answered.
 */
function drive(port: number, path: string, n: number): Promise<void> {
  const request = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
  let answered = 0;
  return new Promise((resolve, reject) => {
    const open = (): void => {
      const socket = connect(port, "127.0.0.1");
      let pending: Buffer = Buffer.alloc(0);
      socket.on("connect", () => socket.write(request));
      socket.on("error", reject);
      socket.on("data", (chunk: Buffer) => {
        pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
        for (;;) {
          const end = pending.indexOf("\r\n\r\n");
          if (end < 0) return;
          const head = pending.subarray(0, end).toString("latin1");
          const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
          if (!m) return reject(new Error(`no Content-Length in ${JSON.stringify(head)}`));
          const total = end + 4 + Number(m[1]);
          if (pending.length < total) return;
          pending = pending.subarray(total);
          const closing = /\r\nconnection:\s*close/i.test(head);
          if (++answered === n) {
            socket.end();
            return resolve();
          }
          if (closing) {
            socket.end();
            return open();
          }
          socket.write(request);
        }
      });
    };
    open();
  });
}

/** Run the server under callgrind for `n` requests; return the instructions it executed. */
async function count(o: Options, dir: string, n: number): Promise<number> {
  const out = join(tmpdir(), `callgrind-${process.pid}-${n}.out`);
  const child = spawn(
    "valgrind",
    ["--tool=callgrind", "--smc-check=all-non-file", `--callgrind-out-file=${out}`, process.execPath, o.server, dir, o.protocol],
    { stdio: ["pipe", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    let text = "";
    child.stdout.on("data", (d: Buffer) => {
      text += d.toString();
      const m = /READY (\d+)/.exec(text);
      if (m) resolve(Number(m[1]));
    });
    child.on("exit", (code) => reject(new Error(`server exited (${code}) before READY:\n${stderr}`)));
  });
  await drive(port, o.path, n);
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  child.stdin.end();
  await exited;
  const text = readFileSync(out, "utf8");
  rmSync(out, { force: true });
  const m = /^(?:summary|totals): (\d+)/m.exec(text);
  if (!m) throw new Error("no totals in the callgrind output");
  return Number(m[1]);
}

const o = parseArgs(process.argv.slice(2));
const dir = o.dir ?? makeFixture();
try {
  const i1 = await count(o, dir, o.n1);
  const i2 = await count(o, dir, o.n2);
  const perRequest = (i2 - i1) / (o.n2 - o.n1);
  process.stdout.write(
    `${o.server} ${o.path} ${o.protocol}: I(${o.n1}) = ${i1}, I(${o.n2}) = ${i2}, ` +
      `instructions per request = ${Math.round(perRequest)}\n`,
  );
} finally {
  if (o.dir === null) rmSync(dir, { recursive: true, force: true });
}

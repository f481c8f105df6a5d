/**
 * No data lost: large uploads and downloads arrive byte-identical with flat
 * server memory, and a client that leaves mid-transfer frees every
 * descriptor. The server is a `ThreadingHTTPServer` in a child process
 * (`server.ts files`): `SimpleHTTPRequestHandler` on a temporary folder,
 * plus a `PUT` handler that streams `rfile` to a file.
 *
 * 1. Upload: random bytes with `Content-Length`, sent with back-pressure
 *    and hashed on the way; the SHA-256 the handler computed and the
 *    SHA-256 of the file it wrote must equal the client's.
 * 2. Download: a file of random bytes via `SimpleHTTPRequestHandler`,
 *    hashed as it arrives, compared with the file's SHA-256.
 * 3. Both with the server's RSS sampled every 50 ms: the peak may not
 *    exceed the RSS before the transfer by more than 64 MiB.
 * 4. A download and an upload cut by the client mid-way: the server's
 *    descriptors (`/proc/<pid>/fd`) return to their count before, the file
 *    is no longer open, the partial upload is removed, and a normal
 *    request is answered.
 *
 *     node dist/bench/hardening/transfer.js [--quick] [--size-mib N]
 *
 * Full run: 1 GiB each way. `--quick`: 64 MiB.
 *
 * @module
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, promises as fsp, readdirSync, rmSync } from "node:fs";
import type * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Flags, HttpConnection, ServerChild, connect, delay, finish, mib, type Check } from "./common.js";

const flags = new Flags(process.argv.slice(2));
const quick = flags.has("quick");
const SIZE = flags.number("size-mib", quick ? 64 : 1024) * 1024 * 1024;
const RSS_LIMIT = flags.number("rss-limit-mib", 64) * 1024 * 1024;
const CHUNK = 1024 * 1024;
const CUT_AFTER = Math.min(16 * 1024 * 1024, SIZE / 4);

const dir = await fsp.mkdtemp(join(tmpdir(), "hardening-transfer-"));
await fsp.mkdir(join(dir, "uploads"));
// Remove the folder however the script ends (finish() exits the process).
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

/** SHA-256 of a file on disk. */
async function hashFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Write `size` random bytes to `path`; return their SHA-256. */
async function makeFile(path: string, size: number): Promise<string> {
  const hash = createHash("sha256");
  const out = await fsp.open(path, "w");
  try {
    for (let done = 0; done < size; done += CHUNK) {
      const chunk = randomBytes(Math.min(CHUNK, size - done));
      hash.update(chunk);
      await out.write(chunk);
    }
  } finally {
    await out.close();
  }
  return hash.digest("hex");
}

/** Sample the child's RSS every 50 ms until stopped; return the peak. */
function sampleRss(child: ServerChild): { stop: () => { peak: number; samples: number } } {
  let peak = 0;
  let samples = 0;
  const tick = (): void => {
    try {
      peak = Math.max(peak, child.rss());
      samples++;
    } catch {
      // the child is gone; reported elsewhere
    }
  };
  tick();
  const timer = setInterval(tick, 50);
  return {
    stop: () => {
      clearInterval(timer);
      tick();
      return { peak, samples };
    },
  };
}

/** Write `data` to `sock`, waiting for the socket to drain when it asks to. */
function send(sock: net.Socket, data: Buffer): Promise<void> {
  if (sock.write(data)) return Promise.resolve();
  return new Promise((resolveDrain, reject) => {
    const done = (): void => {
      sock.off("close", closed);
      resolveDrain();
    };
    const closed = (): void => {
      sock.off("drain", done);
      reject(new Error("connection closed while sending"));
    };
    sock.once("drain", done);
    sock.once("close", closed);
  });
}

/** Read one response head from `sock`; resolve with the status, the headers, and the body bytes that came with it. */
function readHead(sock: net.Socket): Promise<{ status: number; headers: Map<string, string>; rest: Buffer }> {
  return new Promise((resolveHead, reject) => {
    let buf = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk]);
      const end = buf.indexOf("\r\n\r\n");
      if (end === -1) return;
      sock.off("data", onData);
      sock.off("close", onClose);
      sock.pause();
      const lines = buf.toString("latin1", 0, end).split("\r\n");
      const headers = new Map<string, string>();
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(":");
        headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
      }
      resolveHead({ status: Number(lines[0]!.slice(9, 12)), headers, rest: buf.subarray(end + 4) });
    };
    const onClose = (): void => reject(new Error("connection closed before a response head"));
    sock.on("data", onData);
    sock.once("close", onClose);
  });
}

const child = await ServerChild.start("files", { env: { HARDENING_DIR: dir } });
const checks: Check[] = [];
const notes: string[] = [];
try {
  // Warm up (lazily opened descriptors, code paths), then note the baseline.
  await fsp.writeFile(join(dir, "small.txt"), "small\n");
  {
    const c = await HttpConnection.open(child.port);
    await c.request("GET /small.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    await c.closed;
  }

  // 1. Upload.
  const uploadStart = Date.now();
  const rssBeforeUpload = child.rss();
  const upSampler = sampleRss(child);
  const upHash = createHash("sha256");
  const upSock = await connect(child.port);
  const upAnswer = readHead(upSock);
  await send(upSock, Buffer.from(`PUT /uploads/up.bin HTTP/1.1\r\nHost: x\r\nContent-Length: ${SIZE}\r\n\r\n`));
  for (let done = 0; done < SIZE; done += CHUNK) {
    const chunk = randomBytes(Math.min(CHUNK, SIZE - done));
    upHash.update(chunk);
    await send(upSock, chunk);
  }
  const clientUpHash = upHash.digest("hex");
  const head = await upAnswer;
  upSock.resume();
  let json = head.rest;
  const length = Number(head.headers.get("content-length"));
  while (json.length < length) {
    json = Buffer.concat([json, await new Promise<Buffer>((r) => upSock.once("data", r))]);
  }
  upSock.destroy();
  const upRss = upSampler.stop();
  const uploadSeconds = (Date.now() - uploadStart) / 1000;
  const reported = JSON.parse(json.toString()) as { bytes: number; sha256: string };
  const diskUpHash = await hashFile(join(dir, "uploads", "up.bin"));
  await fsp.rm(join(dir, "uploads", "up.bin"));
  checks.push({
    name: "upload arrives byte-identical",
    value: `${mib(SIZE)} in ${uploadSeconds.toFixed(1)} s (status ${head.status}); handler saw ${reported.bytes} bytes; sha256 client ${clientUpHash.slice(0, 16)}…, handler ${reported.sha256.slice(0, 16)}…, file ${diskUpHash.slice(0, 16)}…`,
    ok: head.status === 201 && reported.bytes === SIZE && reported.sha256 === clientUpHash && diskUpHash === clientUpHash,
  });
  checks.push({
    name: "server RSS flat during the upload",
    value: `${mib(rssBeforeUpload)} before, peak ${mib(upRss.peak)} (+${mib(upRss.peak - rssBeforeUpload)}, limit +${mib(RSS_LIMIT)}; ${upRss.samples} samples)`,
    ok: upRss.peak - rssBeforeUpload < RSS_LIMIT,
  });

  // 2. Download.
  const fileHash = await makeFile(join(dir, "big.bin"), SIZE);
  await delay(100);
  const downloadStart = Date.now();
  const rssBeforeDownload = child.rss();
  const downSampler = sampleRss(child);
  const downSock = await connect(child.port);
  const downHead = readHead(downSock);
  downSock.write("GET /big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const dh = await downHead;
  const downHash = createHash("sha256");
  let received = dh.rest.length;
  downHash.update(dh.rest);
  await new Promise<void>((resolveDone) => {
    downSock.on("data", (chunk: Buffer) => {
      received += chunk.length;
      downHash.update(chunk);
    });
    downSock.once("close", () => resolveDone());
    downSock.resume();
  });
  const downRss = downSampler.stop();
  const downloadSeconds = (Date.now() - downloadStart) / 1000;
  const clientDownHash = downHash.digest("hex");
  checks.push({
    name: "download arrives byte-identical",
    value: `${mib(received)} of ${mib(SIZE)} in ${downloadSeconds.toFixed(1)} s (status ${dh.status}, Content-Length ${dh.headers.get("content-length")}); sha256 file ${fileHash.slice(0, 16)}…, client ${clientDownHash.slice(0, 16)}…`,
    ok: dh.status === 200 && received === SIZE && clientDownHash === fileHash,
  });
  checks.push({
    name: "server RSS flat during the download",
    value: `${mib(rssBeforeDownload)} before, peak ${mib(downRss.peak)} (+${mib(downRss.peak - rssBeforeDownload)}, limit +${mib(RSS_LIMIT)}; ${downRss.samples} samples)`,
    ok: downRss.peak - rssBeforeDownload < RSS_LIMIT,
  });

  // 3. Clients that leave mid-transfer.
  for (let i = 0; i < 20; i++) {
    if ((await child.stats()).openConnections === 0) break;
    await delay(100);
  }
  await delay(1200); // closed connections linger up to a second
  const before = child.fds();
  const big = join(dir, "big.bin");
  const partial = join(dir, "uploads", "cut.bin");

  const cutDown = await connect(child.port);
  cutDown.write("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n");
  let got = 0;
  await new Promise<void>((resolveCut) => {
    cutDown.on("data", (chunk: Buffer) => {
      got += chunk.length;
      if (got >= CUT_AFTER) {
        // Stop reading: the server now waits on back-pressure with the file open.
        cutDown.pause();
        resolveCut();
      }
    });
  });
  const cutUp = await connect(child.port);
  await send(cutUp, Buffer.from(`PUT /uploads/cut.bin HTTP/1.1\r\nHost: x\r\nContent-Length: ${SIZE}\r\n\r\n`));
  for (let sent = 0; sent < CUT_AFTER; sent += CHUNK) await send(cutUp, randomBytes(CHUNK));
  await delay(200);
  const during = child.fds();
  const openDuring = { big: during.includes(big), partial: during.includes(partial) };
  cutDown.destroy();
  cutUp.destroy();

  let after = child.fds();
  const deadline = Date.now() + 5000;
  while ((after.length > before.length || after.includes(big) || after.includes(partial)) && Date.now() < deadline) {
    await delay(50);
    after = child.fds();
  }
  const stats = await child.stats();
  const leftovers = readdirSync(join(dir, "uploads"));
  const normal = await HttpConnection.open(child.port);
  const small = await normal.request("GET /small.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  normal.destroy();
  checks.push({
    name: "client gone mid-transfer: descriptors freed",
    value: `${before.length} before, ${during.length} during (file open: download ${openDuring.big}, upload ${openDuring.partial}), ${after.length} after`,
    ok: openDuring.big && openDuring.partial && after.length <= before.length && !after.includes(big) && !after.includes(partial),
  });
  checks.push({
    name: "partial upload removed, connections closed, server serving",
    value: `uploads/ holds [${leftovers.join(", ")}], ${stats.openConnections} connections open, next request ${small.status}`,
    ok: leftovers.length === 0 && stats.openConnections === 0 && small.status === 200 && small.body.toString() === "small\n",
  });
  const exitCode = await child.stop();
  checks.push({
    name: "no crash, no handler error",
    value: `exit code ${exitCode}, ${stats.handlerErrors} handler errors`,
    ok: exitCode === 0 && stats.handlerErrors === 0,
  });
} catch (err) {
  checks.push({ name: "run completed", value: String(err), ok: false });
  notes.push(child.stderr.slice(-2000));
}
finish(
  "Transfer: large uploads and downloads, clients leaving mid-way",
  [
    `command: node dist/bench/hardening/transfer.js ${process.argv.slice(2).join(" ")}`.trim(),
    `server: ThreadingHTTPServer in a child process; SimpleHTTPRequestHandler for GET, a PUT handler streaming rfile to a file; ${mib(SIZE)} each way`,
  ],
  checks,
  notes,
);

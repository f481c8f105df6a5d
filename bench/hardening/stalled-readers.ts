/**
 * Bounded memory for clients that never read: many connections ask for a
 * big folder listing or a big file and then never read a byte, and the
 * server's memory must not grow by one copy of the response per stalled
 * connection. The server is a `ThreadingHTTPServer` in a child process
 * (`server.ts files`, started with `--expose-gc`): `SimpleHTTPRequestHandler`
 * on a temporary folder holding `big/` (many empty files) and `big.bin`.
 *
 * 1. Warm-up: one client reads the listing and the file in full (caches
 *    filled, the listing's byte size measured).
 * 2. `--clients N` connections request `/big/` and never read; then as
 *    many request `/big.bin` and never read. Each is answered (the
 *    handler ran) before the figures are taken.
 * 3. The child's memory after a full GC, before and after: what it holds
 *    (JS heap + buffers) and its RSS. The bounds: with the listing clients
 *    stalled, held memory grows by at most 8 MiB + 2 listings and RSS by
 *    at most 32 MiB (`--fixed-mib`) + 2 listings, whatever their number
 *    (the listing's entries are shared by every response; the old code held
 *    one copy per connection); with the file clients too, by at most
 *    320 KiB (held: one 256 KiB chunk each, plus slack) and 1 MiB (RSS)
 *    more per file client.
 * 4. The stalled clients leave; a normal client is answered, and the
 *    server counted no handler errors.
 *
 *     node dist/bench/hardening/stalled-readers.js [--quick] [--clients N] [--names N]
 *
 * Full run: 60 + 60 clients, 30,000 names of 100 characters (a 6.4 MiB
 * listing: bigger than what the kernel's socket buffers absorb), 64 MiB
 * file. `--quick`: 20 + 20 clients, 16 MiB file.
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import type * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Flags, HttpConnection, ServerChild, connect, delay, finish, int, mib, type Check } from "./common.js";

const flags = new Flags(process.argv.slice(2));
const quick = flags.has("quick");
const CLIENTS = flags.number("clients", quick ? 20 : 60);
const NAMES = flags.number("names", 30_000);
/** Characters per file name (the listing repeats each name twice per row). */
const NAME_LENGTH = flags.number("name-length", 100);
const FILE_SIZE = flags.number("file-mib", quick ? 16 : 64) * 1024 * 1024;
const MiB = 1024 * 1024;
/** RSS growth allowed whatever the number of clients (heap, allocator, a listing being built). */
const FIXED = flags.number("fixed-mib", 32) * MiB;

const dir = mkdtempSync(join(tmpdir(), "hardening-stalled-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, "big"));
for (let i = 0; i < NAMES; i++) closeSync(openSync(join(dir, "big", `${String(i).padStart(6, "0")}-`.padEnd(NAME_LENGTH - 4, "x") + ".txt"), "w"));
// Old enough for the listing to be cached as settled.
const past = new Date(Date.now() - 60_000);
utimesSync(join(dir, "big"), past, past);
writeFileSync(join(dir, "big.bin"), randomBytes(FILE_SIZE));

// A folder changed in the last 2.5 s is listed afresh every time; let it settle.
await delay(2600);
const child = await ServerChild.start("files", { env: { HARDENING_DIR: dir }, nodeArgs: ["--expose-gc"] });

// 1. Warm-up.
const warm = await HttpConnection.open(child.port);
const [listing, file] = await warm.pipeline([
  "GET /big/ HTTP/1.1\r\nHost: x\r\n\r\n",
  "GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n",
]);
warm.destroy();
const listingBytes = listing!.body.length;
await delay(500);
const before = await child.stats();

/** Open `n` connections that ask for `target` and never read; wait until the handler ran for each. */
async function stall(n: number, target: string, already: number): Promise<net.Socket[]> {
  const socks: net.Socket[] = [];
  for (let i = 0; i < n; i++) {
    const sock = await connect(child.port);
    sock.pause(); // never read: what arrives stays in the kernel's buffers
    sock.on("error", () => undefined);
    sock.write(`GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
    socks.push(sock);
  }
  const deadline = Date.now() + 30_000;
  while ((await child.stats()).requests < already + n && Date.now() < deadline) await delay(100);
  return socks;
}

const stalledListing = await stall(CLIENTS, "/big/", before.requests);
await delay(1000);
const afterListing = await child.stats();
const stalledFile = await stall(CLIENTS, "/big.bin", afterListing.requests);
await delay(1000);
const afterFile = await child.stats();

// 4. They leave; a normal client is served.
for (const s of [...stalledListing, ...stalledFile]) s.destroy();
await delay(1000);
const normal = await HttpConnection.open(child.port);
const [again] = await normal.pipeline(["GET /big/ HTTP/1.1\r\nHost: x\r\n\r\n"]);
normal.destroy();
const end = await child.stats();
await child.stop();

const heldListingBound = 8 * MiB + 2 * listingBytes;
const heldFileBound = heldListingBound + CLIENTS * 320 * 1024;
const listingBound = FIXED + 2 * listingBytes;
const fileBound = listingBound + CLIENTS * MiB;
const held = (s: typeof before): number => (s.heapAfterGc ?? 0) + (s.externalAfterGc ?? 0) - (before.heapAfterGc ?? 0) - (before.externalAfterGc ?? 0);
const growth = (s: typeof before): number => (s.rssAfterGc ?? s.rss) - (before.rssAfterGc ?? before.rss);
const perClient = (bytes: number): string => `${(bytes / CLIENTS / 1024).toFixed(0)} KiB per client`;
const figures = (s: typeof before): string =>
  `RSS ${mib(s.rssAfterGc ?? s.rss)} (+${mib(growth(s))}, ${perClient(growth(s))}; before GC ${mib(s.rss)}), heap ${mib(s.heapAfterGc ?? 0)}, external ${mib(s.externalAfterGc ?? 0)}`;

const checks: Check[] = [
  { name: "warm-up: listing and file served", value: `${listing!.status} (${int(listingBytes)} bytes), ${file!.status} (${mib(file!.body.length)})`, ok: listing!.status === 200 && file!.status === 200 && file!.body.length === FILE_SIZE },
  { name: "stalled listing clients answered", value: `${int(afterListing.requests - before.requests)} of ${int(CLIENTS)}`, ok: afterListing.requests - before.requests >= CLIENTS },
  { name: "memory held, listing clients stalled", value: `+${mib(held(afterListing))} heap + buffers; bound +${mib(heldListingBound)}`, ok: held(afterListing) <= heldListingBound },
  { name: "RSS growth, listing clients stalled", value: `${figures(afterListing)}; bound +${mib(listingBound)} (one listing each would be ${mib(listingBytes * CLIENTS)})`, ok: growth(afterListing) <= listingBound },
  { name: "stalled file clients answered", value: `${int(afterFile.requests - afterListing.requests)} of ${int(CLIENTS)}`, ok: afterFile.requests - afterListing.requests >= CLIENTS },
  { name: "memory held, listing + file clients stalled", value: `+${mib(held(afterFile))} heap + buffers; bound +${mib(heldFileBound)}`, ok: held(afterFile) <= heldFileBound },
  { name: "RSS growth, listing + file clients stalled", value: `${figures(afterFile)}; bound +${mib(fileBound)}`, ok: growth(afterFile) <= fileBound },
  { name: "after they leave: a normal client is served", value: `${again!.status}, ${int(again!.body.length)} bytes`, ok: again!.status === 200 && again!.body.length === listingBytes },
  { name: "no handler errors", value: `${end.handlerErrors}`, ok: end.handlerErrors === 0 },
];
finish(
  "Stalled readers: bounded memory per connection that never reads",
  [
    `command: node dist/bench/hardening/stalled-readers.js ${process.argv.slice(2).join(" ")}`.trim(),
    `${int(CLIENTS)} clients stall on /big/ (${int(NAMES)} names, ${int(listingBytes)} bytes), then ${int(CLIENTS)} on /big.bin (${mib(FILE_SIZE)})`,
    `before: ${figures(before)}`,
  ],
  checks,
  [`after they left: ${figures(end)}`],
);

/**
 * The reader of a handler's output (fast-check): a response framed by
 * `Content-Length`, `chunked` or the end of output, cut into packets at
 * any points, gives the same head and body bytes; malformed output throws
 * `MalformedResponseError`, never anything else.
 */
import { expect } from "chai";
import fc from "fast-check";

import { MalformedResponseError, ResponseReader, type ResponseHeadData } from "../../../../lib/http/server/adapters/response-reader.js";

/** What a reader handed its sink. */
interface Seen {
  informational: number[];
  head: ResponseHeadData | null;
  body: Buffer[];
  ended: boolean;
}

/** Feed `packets` to a reader for `method`, then end the output. */
async function read(packets: Buffer[], method = "GET"): Promise<Seen> {
  const seen: Seen = { informational: [], head: null, body: [], ended: false };
  const reader = new ResponseReader(
    {
      informational: (h) => seen.informational.push(h.status),
      start: (h) => (seen.head = h),
      // Every other piece asks the reader to wait: back-pressure must not lose or reorder bytes.
      body: (c) => {
        seen.body.push(Buffer.from(c));
        return seen.body.length % 2 === 0 ? new Promise<void>((resolve) => setImmediate(resolve)) : undefined;
      },
      end: (last) => {
        if (last !== undefined) seen.body.push(Buffer.from(last));
        seen.ended = true;
      },
    },
    method,
    1024,
  );
  for (const p of packets) await reader.write(p);
  reader.finish();
  return seen;
}

/** `whole` cut at `cuts` (offsets modulo its length). */
function cut(whole: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (whole.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const c of at) {
    out.push(whole.subarray(from, c));
    from = c;
  }
  out.push(whole.subarray(from));
  return out;
}

/** `body` in the chunked coding, pieces of the sizes given, with a trailer. */
function chunkedCoding(body: Buffer, sizes: number[]): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (const s of sizes) {
    if (at >= body.length) break;
    const piece = body.subarray(at, at + 1 + (s % 50));
    parts.push(Buffer.from(`${piece.length.toString(16)};ext=1\r\n`), piece, Buffer.from("\r\n"));
    at += piece.length;
  }
  if (at < body.length) parts.push(Buffer.from(`${(body.length - at).toString(16)}\r\n`), body.subarray(at), Buffer.from("\r\n"));
  parts.push(Buffer.from("0\r\nX-Trailer: t\r\n\r\n"));
  return Buffer.concat(parts);
}

describe("adapters: ResponseReader", () => {
  it("any framing, any packet boundaries: the same head and body", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 400 }),
        fc.constantFrom("length", "chunked", "close"),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.boolean(),
        async (bytes, framing, cuts, sizes, continued) => {
          const body = Buffer.from(bytes);
          const lead = continued ? "HTTP/1.1 100 Continue\r\n\r\n" : "";
          const head = "HTTP/1.1 200 OK\r\nX-A: 1\r\nSet-Cookie: a\r\nSet-Cookie: b\r\n";
          let wire: Buffer;
          if (framing === "length") wire = Buffer.concat([Buffer.from(`${lead}${head}Content-Length: ${body.length}\r\n\r\n`), body, Buffer.from("HTTP/1.1 after")]);
          else if (framing === "chunked") wire = Buffer.concat([Buffer.from(`${lead}${head}Transfer-Encoding: chunked\r\n\r\n`), chunkedCoding(body, sizes)]);
          else wire = Buffer.concat([Buffer.from(`${lead}${head}\r\n`), body]);
          const seen = await read(cut(wire, cuts));
          expect(seen.informational).to.deep.equal(continued ? [100] : []);
          expect(seen.head!.status).to.equal(200);
          expect(seen.head!.headers.filter(([n]) => n === "Set-Cookie").map(([, v]) => v)).to.deep.equal(["a", "b"]);
          expect(Buffer.concat(seen.body)).to.deep.equal(body);
          expect(seen.ended).to.equal(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("HEAD, 204 and 304 have no body whatever their Content-Length", async () => {
    expect((await read([Buffer.from("HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\n")], "HEAD")).ended).to.equal(true);
    expect((await read([Buffer.from("HTTP/1.0 304 Not Modified\r\nContent-Length: 5\r\n\r\n")])).body).to.deep.equal([]);
    expect((await read([Buffer.from("HTTP/1.0 204 No Content\r\n\r\n")])).ended).to.equal(true);
  });

  it("random bytes: a response or MalformedResponseError, nothing else", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.boolean(), async (bytes, prefixed) => {
        const wire = Buffer.concat([Buffer.from(prefixed ? "HTTP/1.1 200 OK\r\n" : ""), Buffer.from(bytes)]);
        try {
          await read([wire]);
        } catch (err) {
          if (!(err instanceof MalformedResponseError)) throw err;
        }
      }),
      { numRuns: 500 },
    );
  });

  it("names what is wrong", async () => {
    const message = (packets: string[]): Promise<string> =>
      read(packets.map((p) => Buffer.from(p))).then(
        () => "no error",
        (e: unknown) => String(e),
      );
    expect(await message([])).to.equal("MalformedResponseError: the handler wrote no response");
    expect(await message(["hello"])).to.equal("MalformedResponseError: the output does not start with a status line");
    expect(await message(["HTTP/1.0 200 OK\r\nContent-Length: 9\r\n\r\nshort"])).to.equal("MalformedResponseError: the response body is incomplete");
    expect(await message(["HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"])).to.equal('MalformedResponseError: bad chunk size "zz"');
    expect(await message(["HTTP/1.0 200 OK\r\nBad Header\r\n\r\n"])).to.match(/^MalformedResponseError: bad header line/);
    expect(await message(["HTTP/1.0 200 OK\r\nX: " + "a".repeat(2000)])).to.equal("MalformedResponseError: the response head is longer than 1024 bytes");
    expect(await message(["HTTP/1.1 101 Switching Protocols\r\n\r\n"])).to.match(/101/);
  });
});

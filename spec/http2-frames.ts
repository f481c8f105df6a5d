/**
 * A few raw HTTP/2 frames (RFC 9113) for specs that must send what Node's
 * own client will not: a RST_STREAM with no END_STREAM before it, a frame
 * over the peer's size limit, thousands of streams at once.
 */
import * as tls from "node:tls";

/** An HPACK integer with a `bits`-bit prefix. */
function hpackInt(value: number, bits: number): number[] {
  const max = (1 << bits) - 1;
  if (value < max) return [value];
  const out = [max];
  let rest = value - max;
  while (rest >= 128) {
    out.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return out;
}

/** A header block of literal fields, never indexed, no Huffman coding. */
export function headerBlock(fields: Array<[string, string]>): Buffer {
  return Buffer.concat(
    fields.map(([name, value]) => {
      const n = Buffer.from(name, "latin1");
      const v = Buffer.from(value, "latin1");
      return Buffer.concat([Buffer.from([0, ...hpackInt(n.length, 7)]), n, Buffer.from(hpackInt(v.length, 7)), v]);
    }),
  );
}

/** One frame: its 9-byte head (length, type, flags, stream) and payload. */
export function frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(streamId, 5);
  return Buffer.concat([head, payload]);
}

/** What a client sends first on an HTTP/2 connection. */
export const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");
/** The END_STREAM flag (DATA, HEADERS). */
export const END_STREAM = 1;
/** The END_HEADERS flag (HEADERS). */
export const END_HEADERS = 4;

/** SETTINGS with `[id, value]` pairs. */
export function settingsFrame(pairs: Array<[number, number]> = []): Buffer {
  const body = Buffer.alloc(6 * pairs.length);
  pairs.forEach(([id, value], i) => {
    body.writeUInt16BE(id, 6 * i);
    body.writeUInt32BE(value, 6 * i + 2);
  });
  return frame(4, 0, 0, body);
}

/** RST_STREAM on `streamId` with error `code`. */
export function rstStreamFrame(streamId: number, code: number): Buffer {
  const body = Buffer.alloc(4);
  body.writeUInt32BE(code);
  return frame(3, 0, streamId, body);
}

/** A TLS connection offering only `h2`, certificate not checked (the bin's is self-signed). */
export function h2Socket(host: string, port: number): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host, port, rejectUnauthorized: false, ALPNProtocols: ["h2"] }, () => resolve(socket));
    socket.once("error", reject);
  });
}

/** Call `onFrame` with each frame the peer sends on `socket`: its type, flags, stream and payload. */
export function onFrames(socket: tls.TLSSocket, onFrame: (type: number, flags: number, streamId: number, payload: Buffer) => void): void {
  let received = Buffer.alloc(0);
  socket.on("data", (chunk: Buffer) => {
    received = Buffer.concat([received, chunk]);
    while (received.length >= 9 && received.length >= 9 + received.readUIntBE(0, 3)) {
      const length = received.readUIntBE(0, 3);
      onFrame(received[3]!, received[4]!, received.readUInt32BE(5) & 0x7fffffff, received.subarray(9, 9 + length));
      received = received.subarray(9 + length);
    }
  });
}

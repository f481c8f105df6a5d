/**
 * Python's socket calls `recv(n)` and `sendall(data)` on a Node stream, as
 * awaitable functions: what a handler's `recv()` / `sendall()` use when it
 * works on the bare connection (`BaseRequestHandler` on a stream server).
 *
 * @module
 */
import type { Duplex } from "node:stream";
import { BrokenPipeError, toBuffer, type Bytes } from "./streams.js";

const EMPTY = Buffer.alloc(0);

/** Throw the `TypeError` for a byte count `recv()` cannot take. */
export function checkByteCount(n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new TypeError(`recv() needs a whole number of bytes >= 0, got ${n}`);
}

/**
 * Python's `sock.recv(n)`: resolve with at most `n` bytes once some are
 * there, or with an empty Buffer at end of input (a reset counts as the
 * end, as everywhere in this package). Reads the stream in paused mode
 * (`read()` and `"readable"`); bytes past `n` go back to the stream for
 * the next read, whoever makes it.
 */
export function recvFrom(stream: Duplex, n: number): Promise<Buffer> {
  try {
    checkByteCount(n);
  } catch (err) {
    return Promise.reject(err);
  }
  if (n === 0) return Promise.resolve(EMPTY);
  return new Promise<Buffer>((resolve) => {
    const attempt = (): boolean => {
      const chunk = stream.read() as Buffer | null;
      if (chunk !== null) {
        if (chunk.length > n) stream.unshift(chunk.subarray(n));
        done(chunk.length > n ? chunk.subarray(0, n) : chunk);
        return true;
      }
      if (stream.readableEnded || stream.destroyed) {
        done(EMPTY);
        return true;
      }
      return false;
    };
    const onReadable = (): void => void attempt();
    const onEnd = (): void => done(EMPTY);
    const done = (value: Buffer): void => {
      stream.off("readable", onReadable);
      stream.off("end", onEnd);
      stream.off("close", onEnd);
      stream.off("error", onEnd);
      resolve(value);
    };
    stream.on("readable", onReadable);
    stream.once("end", onEnd);
    stream.once("close", onEnd);
    stream.once("error", onEnd);
    attempt();
  });
}

/**
 * Python's `sock.sendall(data)`: write all of `data` (text as UTF-8) and
 * resolve once the stream has handed it to the system. Rejects with
 * {@link BrokenPipeError} when the peer is gone, before or during the write.
 */
export function sendallTo(stream: Duplex, data: Bytes): Promise<void> {
  if (stream.destroyed || stream.writableEnded) return Promise.reject(new BrokenPipeError());
  const buf = toBuffer(data);
  return new Promise<void>((resolve, reject) => {
    stream.write(buf, (err) => {
      if (err) reject(Object.assign(new BrokenPipeError(err.message), { cause: err }));
      else resolve();
    });
  });
}

/** The `TypeError` for `recv()` / `sendall()` on a request that is not a stream. */
export function notAStream(call: "recv" | "sendall"): TypeError {
  return new TypeError(
    `${call}() needs a stream request (a TCP or Unix stream connection); ` +
      "a datagram handler reads this.request[0] and replies with this.request[1].send(data, port, host)",
  );
}

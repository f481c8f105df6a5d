/**
 * File names that are not valid UTF-8, carried the way Python carries
 * them: each byte that does not decode becomes a lone surrogate
 * (U+DC80 to U+DCFF, Python's `surrogateescape`), so the name is a string
 * that still holds every byte. Links to such names are written with
 * Python's `surrogatepass` (the surrogate's own three UTF-8-style bytes,
 * `%ED%B3%BF` for the byte 0xFF), and a request for such a link turns back
 * into the raw bytes of the name on disk: Node's `fs` accepts the name as
 * a `Buffer`.
 *
 * Names that are valid UTF-8 never reach these functions beyond a test
 * (see {@link fsPath}).
 *
 * @module
 */

/** A lone surrogate (with the `u` flag, a class of surrogates matches only unpaired ones). */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** Does `text` hold a surrogate code unit that is not half of a pair? */
export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}

/**
 * The length of the well-formed UTF-8 sequence starting at `i` (Unicode's
 * table 3-7: no overlong forms, no encoded surrogates, nothing above
 * U+10FFFF), or 0 when there is none.
 */
function sequenceLength(b: Uint8Array, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => i + k < b.length && b[i + k]! >= lo && b[i + k]! <= hi;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((c >= 0xe1 && c <= 0xec) || c === 0xee || c === 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (c === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (c === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xf1 && c <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

/**
 * Decode a file name's bytes as Python's `os.fsdecode()` does on a UTF-8
 * system: well-formed UTF-8 as text, every other byte `b` as the lone
 * surrogate U+DC00 + `b`.
 */
export function decodeSurrogateEscape(bytes: Uint8Array): string {
  let out = "";
  let i = 0;
  while (i < bytes.length) {
    const n = sequenceLength(bytes, i);
    if (n === 0) {
      out += String.fromCharCode(0xdc00 + bytes[i]!);
      i++;
    } else {
      out += Buffer.from(bytes.buffer, bytes.byteOffset + i, n).toString("utf8");
      i += n;
    }
  }
  return out;
}

/**
 * Encode text made by {@link decodeSurrogateEscape} back into the bytes
 * it came from (Python's `os.fsencode()`): lone surrogates U+DC80 to
 * U+DCFF become the byte they stand for. Returns `null` for any other
 * lone surrogate, which no file name can hold.
 */
export function encodeSurrogateEscape(text: string): Buffer | null {
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const u = text.charCodeAt(i);
    if (u < 0xd800 || u > 0xdfff) continue;
    if (u <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
    }
    if (u < 0xdc80 || u > 0xdcff) return null;
    parts.push(Buffer.from(text.slice(start, i), "utf8"), Buffer.of(u - 0xdc00));
    start = i + 1;
  }
  parts.push(Buffer.from(text.slice(start), "utf8"));
  return Buffer.concat(parts);
}

/**
 * The path to hand to `fs` for a path string: the string itself when it
 * holds no lone surrogate (every name that is valid UTF-8), else its raw
 * bytes (see {@link encodeSurrogateEscape}); a path no file can have
 * becomes one that does not exist (a NUL byte), so the caller's usual
 * "not found" follows.
 */
export function fsPath(path: string): string | Buffer {
  if (!LONE_SURROGATE.test(path)) return path;
  return encodeSurrogateEscape(path) ?? Buffer.from("\0");
}

/**
 * The UTF-8 bytes of `text` with Python's `surrogatepass`: a lone
 * surrogate is written as the three bytes its code point would take
 * (U+DCFF as ED B3 BF).
 */
export function encodeSurrogatePass(text: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const cp = text.codePointAt(i)!;
    if (cp > 0xffff) {
      i++;
      out.push(...Buffer.from(String.fromCodePoint(cp), "utf8"));
    } else if (cp >= 0xd800 && cp <= 0xdfff) {
      out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
    } else {
      out.push(...Buffer.from(String.fromCharCode(cp), "utf8"));
    }
  }
  return Buffer.from(out);
}

/**
 * Decode bytes as UTF-8 with Python's `surrogatepass`: an encoded
 * surrogate (ED A0..BF xx) becomes that lone surrogate. Returns `null`
 * when any other byte sequence is not UTF-8 (Python raises there, and its
 * callers fall back to decoding with replacement characters).
 */
export function decodeSurrogatePass(bytes: Uint8Array): string | null {
  let out = "";
  let i = 0;
  while (i < bytes.length) {
    const n = sequenceLength(bytes, i);
    if (n > 0) {
      out += Buffer.from(bytes.buffer, bytes.byteOffset + i, n).toString("utf8");
      i += n;
      continue;
    }
    const b1 = bytes[i + 1];
    const b2 = bytes[i + 2];
    if (bytes[i] === 0xed && b1 !== undefined && b1 >= 0xa0 && b1 <= 0xbf && b2 !== undefined && b2 >= 0x80 && b2 <= 0xbf) {
      out += String.fromCharCode(0xd000 | ((b1 & 0x3f) << 6) | (b2 & 0x3f));
      i += 3;
      continue;
    }
    return null;
  }
  return out;
}

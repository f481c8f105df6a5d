/**
 * Python's `base64.decodebytes()`, as lenient as Python's.
 *
 * @module
 */
const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/**
 * Python's lenient `base64.decodebytes()`: characters outside the alphabet are
 * skipped, decoding stops at a complete pad; `null` where Python raises
 * (`Incorrect padding`, one stray character).
 */
export function decodeBase64Lenient(text: string): Buffer | null {
  const out: number[] = [];
  let quad = 0;
  let left = 0;
  let pads = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "=") {
      if (quad >= 2 && quad + ++pads >= 4) return Buffer.from(out);
      continue;
    }
    const v = B64.indexOf(ch);
    if (v === -1) continue;
    pads = 0;
    switch (quad) {
      case 0:
        left = v;
        quad = 1;
        break;
      case 1:
        out.push(((left << 2) | (v >> 4)) & 0xff);
        left = v & 0x0f;
        quad = 2;
        break;
      case 2:
        out.push(((left << 4) | (v >> 2)) & 0xff);
        left = v & 0x03;
        quad = 3;
        break;
      default:
        out.push(((left << 6) | v) & 0xff);
        quad = 0;
    }
  }
  return quad === 0 ? Buffer.from(out) : null;
}


/**
 * Python's `%`-formatting ({@link pyFormat}), with the exceptions it raises
 * ({@link ValueError}, {@link KeyError}, {@link OverflowError}; Python's
 * `TypeError` stays a `TypeError`). Values map to Python types as described
 * in the `repr` module; messages are Python's.
 *
 * @module
 */
import { isMapping, pyAscii, pyRepr, pyStr, pyTypeName } from "./repr.js";
import { compiledFormats } from "./caches.js";

/** Python's `ValueError` (for example `incomplete format`), a `RangeError`. */
export class ValueError extends RangeError {}
ValueError.prototype.name = "ValueError";

/**
 * Python's `KeyError`: a `%(name)s` key missing from the mapping. The message
 * is the key's repr (`'name'`), as in Python.
 */
export class KeyError extends RangeError {}
KeyError.prototype.name = "KeyError";

/** Python's `OverflowError` (for example `%c arg not in range(0x110000)`), a `RangeError`. */
export class OverflowError extends RangeError {}
OverflowError.prototype.name = "OverflowError";

const SURROGATE = /[\uD800-\uDFFF]/;

/** Length in code points (what Python's `len()` counts). */
function codePointLength(s: string): number {
  if (!SURROGATE.test(s)) return s.length;
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** The first `count` code points of `s`. */
function codePointSlice(s: string, count: number): string {
  if (!SURROGATE.test(s)) return s.slice(0, count);
  return Array.from(s).slice(0, count).join("");
}

// ---------------------------------------------------------------------------
// Exact decimal formatting of doubles (for %e %f %g)

/** A finite, non-negative double as `digits / 10**scale`, exactly. */
interface ExactDecimal {
  readonly digits: bigint;
  readonly scale: number;
}

const f64 = new DataView(new ArrayBuffer(8));

function exactDecimal(x: number): ExactDecimal {
  if (x === 0) return { digits: 0n, scale: 0 };
  f64.setFloat64(0, x);
  const hi = f64.getUint32(0);
  const lo = f64.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp2: number;
  if (biased === 0) {
    exp2 = -1074;
  } else {
    mantissa |= 1n << 52n;
    exp2 = biased - 1075;
  }
  if (exp2 >= 0) return { digits: mantissa << BigInt(exp2), scale: 0 };
  // m / 2**k == m * 5**k / 10**k
  return { digits: mantissa * 5n ** BigInt(-exp2), scale: -exp2 };
}

/** `n / d` rounded to the nearest integer, ties to even (n, d >= 0). */
function divRound(n: bigint, d: bigint): bigint {
  const q = n / d;
  const twice = (n % d) * 2n;
  return twice > d || (twice === d && (q & 1n) === 1n) ? q + 1n : q;
}

/** `|x|` with exactly `prec` digits after the point (no point when prec is 0). */
function toFixedExact(x: number, prec: number): string {
  const { digits, scale } = exactDecimal(Math.abs(x));
  const scaled =
    prec >= scale ? digits * 10n ** BigInt(prec - scale) : divRound(digits, 10n ** BigInt(scale - prec));
  if (prec === 0) return scaled.toString();
  const text = scaled.toString().padStart(prec + 1, "0");
  return text.slice(0, -prec) + "." + text.slice(-prec);
}

/** `|x|` rounded to `count` significant digits: the digit string and the decimal exponent of the first digit. */
function toSignificant(x: number, count: number): { digits: string; exp: number } {
  const { digits, scale } = exactDecimal(Math.abs(x));
  if (digits === 0n) return { digits: "0".repeat(count), exp: 0 };
  const text = digits.toString();
  let exp = text.length - 1 - scale;
  let rounded: bigint;
  if (text.length > count) {
    rounded = divRound(digits, 10n ** BigInt(text.length - count));
    if (rounded >= 10n ** BigInt(count)) {
      // 9.99 -> 10.0: one more digit than asked for, and it is a power of ten
      rounded /= 10n;
      exp += 1;
    }
    return { digits: rounded.toString(), exp };
  }
  return { digits: text + "0".repeat(count - text.length), exp };
}

function exponentSuffix(exp: number, upper: boolean): string {
  return (upper ? "E" : "e") + (exp < 0 ? "-" : "+") + String(Math.abs(exp)).padStart(2, "0");
}

/** The body (no sign) of a finite `|x|` in `%e`, `%f` or `%g` style. */
function formatFloatBody(x: number, conv: string, prec: number, alt: boolean): string {
  switch (conv) {
    case "f":
    case "F": {
      const body = toFixedExact(x, prec);
      return alt && prec === 0 ? body + "." : body;
    }
    case "e":
    case "E": {
      const { digits, exp } = toSignificant(x, prec + 1);
      const mantissa = prec > 0 ? digits[0]! + "." + digits.slice(1) : alt ? digits + "." : digits;
      return mantissa + exponentSuffix(exp, conv === "E");
    }
    default: {
      // g / G
      const p = prec === 0 ? 1 : prec;
      const { digits, exp } = toSignificant(x, p);
      let mantissa: string;
      let suffix = "";
      if (exp >= -4 && exp < p) {
        if (exp < 0) mantissa = "0." + "0".repeat(-exp - 1) + digits;
        else if (exp + 1 < p) mantissa = digits.slice(0, exp + 1) + "." + digits.slice(exp + 1);
        else mantissa = digits;
      } else {
        mantissa = p > 1 ? digits[0]! + "." + digits.slice(1) : digits;
        suffix = exponentSuffix(exp, conv === "G");
      }
      if (alt) {
        if (!mantissa.includes(".")) mantissa += ".";
      } else if (mantissa.includes(".")) {
        mantissa = mantissa.replace(/\.?0+$/, "");
      }
      return mantissa + suffix;
    }
  }
}

// ---------------------------------------------------------------------------
// % formatting

const F_LJUST = 1;
const F_SIGN = 2;
const F_BLANK = 4;
const F_ALT = 8;
const F_ZERO = 16;

/** Width or precision given as `*`: taken from the arguments. */
const STAR = -2;
/** No width or precision given. */
const NONE = -1;

/** One `%` conversion of a compiled format. */
export interface Spec {
  /** The `%(key)` mapping key, if any. */
  readonly key: string | undefined;
  /** `%(` without its closing parenthesis. */
  readonly keyIncomplete: boolean;
  /** F_* bits. */
  readonly flags: number;
  /** Minimum width, {@link NONE} or {@link STAR}. */
  readonly width: number;
  /** Precision, {@link NONE} or {@link STAR}. */
  readonly prec: number;
  /** The conversion character; empty when the format ended first. */
  readonly conv: string;
  /** UTF-16 offset of the conversion character in the format. */
  readonly offset: number;
  /** A bare `%s`: no key, flags, width or precision. */
  readonly plainS: boolean;
}

/** A part of a compiled format: literal text or a conversion. */
export type Segment = string | Spec;

function readNumber(format: string, start: number): [value: number, end: number] {
  let i = start;
  let value = 0;
  while (i < format.length) {
    const c = format.charCodeAt(i);
    if (c < 48 || c > 57) break;
    value = value * 10 + (c - 48);
    i++;
  }
  return [value, i];
}

/**
 * Split a format into literal runs and conversion specs. Syntax errors are
 * not raised here: they become specs that raise when the formatting reaches
 * them, so that errors come out in the same order as Python's.
 */
function compile(format: string): readonly Segment[] {
  const segments: Segment[] = [];
  const n = format.length;
  let literal = "";
  let i = 0;
  while (i < n) {
    const pct = format.indexOf("%", i);
    if (pct < 0) {
      literal += format.slice(i);
      break;
    }
    literal += format.slice(i, pct);
    i = pct + 1;
    if (format.charCodeAt(i) === 37) {
      literal += "%";
      i++;
      continue;
    }
    if (literal !== "") {
      segments.push(literal);
      literal = "";
    }
    let key: string | undefined;
    if (format.charCodeAt(i) === 40 /* ( */) {
      let depth = 1;
      const start = ++i;
      while (i < n && depth > 0) {
        const c = format.charCodeAt(i);
        if (c === 40) depth++;
        else if (c === 41) depth--;
        i++;
      }
      if (depth > 0) {
        segments.push({
          key: undefined,
          keyIncomplete: true,
          flags: 0,
          width: NONE,
          prec: NONE,
          conv: "",
          offset: n,
          plainS: false,
        });
        return segments;
      }
      key = format.slice(start, i - 1);
    }
    let flags = 0;
    for (; i < n; i++) {
      const c = format[i];
      if (c === "-") flags |= F_LJUST;
      else if (c === "+") flags |= F_SIGN;
      else if (c === " ") flags |= F_BLANK;
      else if (c === "#") flags |= F_ALT;
      else if (c === "0") flags |= F_ZERO;
      else break;
    }
    let width = NONE;
    if (format[i] === "*") {
      width = STAR;
      i++;
    } else {
      const c = format.charCodeAt(i);
      if (c >= 48 && c <= 57) [width, i] = readNumber(format, i);
    }
    let prec = NONE;
    if (format[i] === ".") {
      i++;
      if (format[i] === "*") {
        prec = STAR;
        i++;
      } else {
        [prec, i] = readNumber(format, i);
      }
    }
    // One C length modifier is accepted and ignored, as Python does.
    const modifier = format[i];
    if (modifier === "h" || modifier === "l" || modifier === "L") i++;
    let conv = "";
    const offset = i;
    if (i < n) {
      const cp = format.codePointAt(i)!;
      conv = String.fromCodePoint(cp);
      i += conv.length;
    }
    segments.push({
      key,
      keyIncomplete: false,
      flags,
      width,
      prec,
      conv,
      offset,
      plainS: conv === "s" && key === undefined && flags === 0 && width === NONE && prec === NONE,
    });
    if (conv === "") return segments;
  }
  if (literal !== "") segments.push(literal);
  return segments;
}

/** A format's segments, compiled once: logging repeats a handful of formats. */
function compiled(format: string): readonly Segment[] {
  return compiledFormats.get(format) ?? compiledFormats.set(format, compile(format));
}

/** Where the next positional argument comes from (Python's argument cursor). */
interface Cursor {
  /** The positional arguments, or the single value when `length` is -1. */
  tuple: readonly unknown[];
  single: unknown;
  length: number;
  index: number;
}

function nextArg(cursor: Cursor): unknown {
  if (cursor.index < cursor.length) {
    cursor.index++;
    return cursor.length < 0 ? cursor.single : cursor.tuple[cursor.index - 1];
  }
  throw new TypeError("not enough arguments for format string");
}

/** An `int` view of a value for `*` and `%c`, or undefined. */
function exactInt(value: unknown): number | bigint | undefined {
  if (typeof value === "number") return Number.isInteger(value) ? value : undefined;
  if (typeof value === "bigint") return value;
  if (typeof value === "boolean") return value ? 1 : 0;
  return undefined;
}

/** The numeric value of a number-like object (one with its own `valueOf`). */
function unwrapNumber(value: unknown): unknown {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const fn = (value as { valueOf?: unknown }).valueOf;
    if (typeof fn === "function" && fn !== Object.prototype.valueOf) {
      const primitive: unknown = (fn as () => unknown).call(value);
      if (typeof primitive === "number" || typeof primitive === "bigint" || typeof primitive === "boolean") {
        return primitive;
      }
    }
  }
  return value;
}

function padText(text: string, width: number, flags: number): string {
  if (width <= 0) return text;
  const length = codePointLength(text);
  if (length >= width) return text;
  const fill = " ".repeat(width - length);
  return flags & F_LJUST ? text + fill : fill + text;
}

function padNumber(sign: string, prefix: string, body: string, width: number, flags: number): string {
  const length = sign.length + prefix.length + body.length;
  if (length >= width) return sign + prefix + body;
  const missing = width - length;
  if (flags & F_LJUST) return sign + prefix + body + " ".repeat(missing);
  if (flags & F_ZERO) return sign + prefix + "0".repeat(missing) + body;
  return " ".repeat(missing) + sign + prefix + body;
}

function signOf(negative: boolean, flags: number): string {
  if (negative) return "-";
  if (flags & F_SIGN) return "+";
  if (flags & F_BLANK) return " ";
  return "";
}

function formatInteger(value: unknown, conv: string, width: number, prec: number, flags: number): string {
  const v = unwrapNumber(value);
  let n: number | bigint;
  if (typeof v === "boolean") {
    n = v ? 1 : 0;
  } else if (typeof v === "bigint") {
    n = v;
  } else if (typeof v === "number" && (Number.isInteger(v) || conv === "d" || conv === "i" || conv === "u")) {
    if (Number.isNaN(v)) throw new ValueError("cannot convert float NaN to integer");
    if (!Number.isFinite(v)) throw new OverflowError("cannot convert float infinity to integer");
    n = Math.trunc(v);
  } else if (conv === "d" || conv === "i" || conv === "u") {
    throw new TypeError(`%${conv} format: a real number is required, not ${pyTypeName(v)}`);
  } else {
    throw new TypeError(`%${conv} format: an integer is required, not ${pyTypeName(v)}`);
  }
  if (typeof n === "number" && !Number.isSafeInteger(n)) n = BigInt(n);
  const negative = n < 0;
  const radix = conv === "x" || conv === "X" ? 16 : conv === "o" ? 8 : 10;
  let digits = (negative ? -n : n).toString(radix);
  if (conv === "X") digits = digits.toUpperCase();
  if (prec > digits.length) digits = digits.padStart(prec, "0");
  let prefix = "";
  if (flags & F_ALT) {
    if (conv === "x") prefix = "0x";
    else if (conv === "X") prefix = "0X";
    else if (conv === "o") prefix = "0o";
  }
  return padNumber(signOf(negative, flags), prefix, digits, width, flags);
}

function formatFloat(value: unknown, conv: string, width: number, prec: number, flags: number): string {
  const v = unwrapNumber(value);
  let x: number;
  if (typeof v === "number") x = v;
  else if (typeof v === "boolean") x = v ? 1 : 0;
  else if (typeof v === "bigint") {
    x = Number(v);
    if (!Number.isFinite(x)) throw new OverflowError("int too large to convert to float");
  } else throw new TypeError(`must be real number, not ${pyTypeName(v)}`);
  const upper = conv === "E" || conv === "F" || conv === "G";
  let body: string;
  if (Number.isNaN(x)) body = upper ? "NAN" : "nan";
  else if (!Number.isFinite(x)) body = upper ? "INF" : "inf";
  else body = formatFloatBody(x, conv, prec < 0 ? 6 : prec, (flags & F_ALT) !== 0);
  const negative = x < 0 || Object.is(x, -0);
  return padNumber(signOf(negative, flags), "", body, width, flags);
}

function formatChar(value: unknown, width: number, flags: number): string {
  let ch: string;
  if (typeof value === "string") {
    if (codePointLength(value) !== 1) throw new TypeError("%c requires int or char");
    ch = value;
  } else {
    const n = exactInt(unwrapNumber(value));
    if (n === undefined) throw new TypeError("%c requires int or char");
    if (n < 0 || n > 0x10ffff) throw new OverflowError("%c arg not in range(0x110000)");
    ch = String.fromCodePoint(Number(n));
  }
  return padText(ch, width, flags);
}

function unsupported(format: string, spec: Spec): ValueError {
  const cp = spec.conv.codePointAt(0)!;
  const shown = cp >= 0x20 && cp <= 0x7e ? spec.conv : "?";
  const index = codePointLength(format.slice(0, spec.offset));
  return new ValueError(`unsupported format character '${shown}' (0x${cp.toString(16)}) at index ${index}`);
}

function lookupKey(mapping: Record<string, unknown> | ReadonlyMap<unknown, unknown>, key: string): unknown {
  if (mapping instanceof Map) {
    if (mapping.has(key)) return mapping.get(key);
  } else if (Object.hasOwn(mapping, key)) {
    return (mapping as Record<string, unknown>)[key];
  }
  throw new KeyError(pyRepr(key));
}

/** Format one conversion; updates the cursor. */
function formatSpec(
  format: string,
  spec: Spec,
  cursor: Cursor,
  mapping: Record<string, unknown> | ReadonlyMap<unknown, unknown> | undefined,
): string {
  if (spec.key !== undefined || spec.keyIncomplete) {
    if (mapping === undefined) throw new TypeError("format requires a mapping");
    if (spec.keyIncomplete) throw new ValueError("incomplete format key");
    cursor.single = lookupKey(mapping, spec.key!);
    cursor.length = -1;
    cursor.index = -2;
  }
  let flags = spec.flags;
  let width = spec.width;
  if (width === STAR) {
    const w = exactInt(nextArg(cursor));
    if (w === undefined) throw new TypeError("* wants int");
    width = Number(w);
    if (width < 0) {
      flags |= F_LJUST;
      width = -width;
    }
  }
  let prec = spec.prec;
  if (prec === STAR) {
    const p = exactInt(nextArg(cursor));
    if (p === undefined) throw new TypeError("* wants int");
    prec = Math.max(0, Number(p));
  }
  if (spec.conv === "") throw new ValueError("incomplete format");
  const value = nextArg(cursor);
  switch (spec.conv) {
    case "s":
    case "r":
    case "a": {
      let text = spec.conv === "s" ? pyStr(value) : spec.conv === "r" ? pyRepr(value) : pyAscii(value);
      if (prec >= 0) text = codePointSlice(text, prec);
      return padText(text, width, flags);
    }
    case "d":
    case "i":
    case "u":
    case "x":
    case "X":
    case "o":
      return formatInteger(value, spec.conv, width, prec, flags);
    case "e":
    case "E":
    case "f":
    case "F":
    case "g":
    case "G":
      return formatFloat(value, spec.conv, width, prec, flags);
    case "c":
      return formatChar(value, width, flags);
    default:
      throw unsupported(format, spec);
  }
}

/**
 * Python's `format % args` (printf-style formatting).
 *
 * `args` are the positional values, like the tuple on the right of `%`.
 * When `args` is a single plain object or `Map`, it is also the mapping that
 * `%(name)s` keys are looked up in (as `format % {"name": ...}` in Python).
 *
 * Supported: flags `#`, `0`, `-`, space and `+`; width and precision, either
 * may be `*`; an ignored length modifier `h`, `l` or `L`; conversions
 * `s r a d i u x X o e E f F g G c` and `%%`. Floats are rounded exactly,
 * ties to even, as Python does.
 *
 * @throws TypeError `not enough arguments for format string`,
 *   `not all arguments converted during string formatting`,
 *   `%d format: a real number is required, not str`, `format requires a mapping`, ...
 * @throws {@link ValueError} `incomplete format`, `unsupported format character ...`
 * @throws {@link KeyError} a mapping key is missing
 * @throws {@link OverflowError} `%c arg not in range(0x110000)`, ...
 *
 * @example
 * ```ts
 * pyFormat('"%s" %s %s', ["GET / HTTP/1.1", 200, "-"]); // '"GET / HTTP/1.1" 200 -'
 * pyFormat("%#x|%5s|%-5d|%r", [255, "a", 3, "x\ty"]);   // "0xff|    a|3    |'x\\ty'"
 * pyFormat("%(code)d %(message)s", [{ code: 404, message: "Not Found" }]);
 * ```
 */
export function pyFormat(format: string, args: readonly unknown[]): string {
  const segments = compiled(format);
  const first: unknown = args[0];
  const mapping = args.length === 1 && isMapping(first) ? first : undefined;
  const cursor: Cursor =
    mapping === undefined
      ? { tuple: args, single: undefined, length: args.length, index: 0 }
      : { tuple: args, single: mapping, length: -1, index: -2 };
  let out = "";
  for (let s = 0; s < segments.length; s++) {
    const segment = segments[s]!;
    if (typeof segment === "string") {
      out += segment;
    } else if (segment.plainS && cursor.index < cursor.length && cursor.length >= 0) {
      // Fast path for a bare %s with a positional argument.
      const value = args[cursor.index++];
      out += typeof value === "string" ? value : pyStr(value);
    } else {
      out += formatSpec(format, segment, cursor, mapping);
    }
  }
  if (cursor.index < cursor.length && mapping === undefined) {
    throw new TypeError("not all arguments converted during string formatting");
  }
  return out;
}


/**
 * Python's `repr()` and `str()` of JavaScript values ({@link pyRepr},
 * {@link pyStr}), as the library shows addresses, request lines and error
 * details in messages and logs.
 *
 * JavaScript values stand in for Python ones like this:
 *
 * | JavaScript                                | Python  |
 * |-------------------------------------------|---------|
 * | string                                    | `str`   |
 * | safe integer number, bigint               | `int`   |
 * | other number (incl. NaN, Infinity, 1e300) | `float` |
 * | boolean                                   | `bool`  |
 * | `null`, `undefined`                       | `None`  |
 * | `Uint8Array` / `Buffer`                   | `bytes` |
 * | array                                     | `tuple` |
 * | plain object, `Map`                       | `dict`  |
 * | `Set`                                     | `set`   |
 *
 * An object may define `__repr__()` and/or `__str__()` methods; they are used
 * the way Python uses them. Other objects with their own `toString()` are
 * shown through it.
 *
 * @module
 */

/** Objects that choose their own Python repr. */
interface HasRepr {
  __repr__(): string;
}
/** Objects that choose their own Python str. */
interface HasStr {
  __str__(): string;
}

function hasMethod<K extends string>(value: object, key: K): value is Record<K, () => unknown> {
  return typeof (value as Record<string, unknown>)[key] === "function";
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** True for the values Python would call a mapping here: plain objects and Maps (`pyFormat` looks keys up in them). */
export function isMapping(value: unknown): value is Record<string, unknown> | ReadonlyMap<unknown, unknown> {
  return value instanceof Map || isPlainObject(value);
}

/** An object with a `toString` other than `Object.prototype.toString`. */
function hasOwnToString(value: object): boolean {
  const fn = (value as { toString?: unknown }).toString;
  return typeof fn === "function" && fn !== Object.prototype.toString;
}

/** Python's name for the type of `value`, as error messages show it (`str`, `int`, `NoneType`, ...). */
export function pyTypeName(value: unknown): string {
  switch (typeof value) {
    case "string":
      return "str";
    case "number":
      return Number.isSafeInteger(value) ? "int" : "float";
    case "bigint":
      return "int";
    case "boolean":
      return "bool";
    case "undefined":
      return "NoneType";
    case "symbol":
      return "symbol";
    case "function":
      return "function";
    default:
      break;
  }
  if (value === null) return "NoneType";
  if (value instanceof Uint8Array) return "bytes";
  if (Array.isArray(value)) return "tuple";
  if (isMapping(value)) return "dict";
  if (value instanceof Set) return "set";
  const ctor = (value as { constructor?: { name?: unknown } }).constructor;
  return typeof ctor?.name === "string" && ctor.name !== "" ? ctor.name : "object";
}

function hex2(code: number): string {
  return code.toString(16).padStart(2, "0");
}

/** Python's escape for a code point that must not appear raw in a repr. */
function escapeCodePoint(cp: number): string {
  if (cp <= 0xff) return "\\x" + hex2(cp);
  if (cp <= 0xffff) return "\\u" + cp.toString(16).padStart(4, "0");
  return "\\U" + cp.toString(16).padStart(8, "0");
}

/** A character that is not printable for Python (`str.isprintable()`): categories C* and Z* except the space. */
const NON_PRINTABLE = "(?! )[\\p{C}\\p{Z}]";
/** Anything that stops a string's repr from being the text between single quotes. */
const STR_NEEDS_WORK = new RegExp(`[\\\\']|${NON_PRINTABLE}`, "u");
/** What to escape when the repr uses single quotes. */
const STR_ESCAPE_SQ = new RegExp(`[\\\\']|${NON_PRINTABLE}`, "gu");
/** What to escape when the repr uses double quotes (the text then has no `"`). */
const STR_ESCAPE_DQ = new RegExp(`\\\\|${NON_PRINTABLE}`, "gu");

function escapeStrChar(ch: string): string {
  switch (ch) {
    case "\\":
      return "\\\\";
    case "'":
      return "\\'";
    case "\t":
      return "\\t";
    case "\n":
      return "\\n";
    case "\r":
      return "\\r";
    default:
      return escapeCodePoint(ch.codePointAt(0)!);
  }
}

/** Printable ASCII without `'` and backslash: the common case, checked first because it is cheap. */
const PLAIN_ASCII = /^[\x20-\x26\x28-\x5b\x5d-\x7e]*$/;

/** Python's `repr()` of a `str`. */
function reprString(s: string): string {
  if (PLAIN_ASCII.test(s) || !STR_NEEDS_WORK.test(s)) return "'" + s + "'";
  const useDouble = s.includes("'") && !s.includes('"');
  if (useDouble) return '"' + s.replace(STR_ESCAPE_DQ, escapeStrChar) + '"';
  return "'" + s.replace(STR_ESCAPE_SQ, escapeStrChar) + "'";
}

/** Python's `repr()` of a `bytes` object. */
function reprBytes(bytes: Uint8Array): string {
  let single = false;
  let double = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x27) single = true;
    else if (b === 0x22) double = true;
  }
  const quote = single && !double ? 0x22 : 0x27;
  let out = quote === 0x22 ? 'b"' : "b'";
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === quote || b === 0x5c) out += "\\" + String.fromCharCode(b);
    else if (b === 0x09) out += "\\t";
    else if (b === 0x0a) out += "\\n";
    else if (b === 0x0d) out += "\\r";
    else if (b < 0x20 || b >= 0x7f) out += "\\x" + hex2(b);
    else out += String.fromCharCode(b);
  }
  return out + (quote === 0x22 ? '"' : "'");
}

/** Python's `repr()` of a `float`: the shortest text that reads back as the same number. */
function reprFloat(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  const sign = x < 0 || Object.is(x, -0) ? "-" : "";
  const text = Math.abs(x).toExponential(); // shortest round-trip digits: "d.ddde+X"
  const e = text.indexOf("e");
  const digits = text.slice(0, e).replace(".", "");
  const exp = Number(text.slice(e + 1));
  if (exp >= -4 && exp < 16) {
    if (exp < 0) return sign + "0." + "0".repeat(-exp - 1) + digits;
    const whole = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
    const frac = digits.slice(exp + 1);
    return sign + whole + "." + (frac === "" ? "0" : frac);
  }
  const mantissa = digits.length > 1 ? digits[0]! + "." + digits.slice(1) : digits;
  return sign + mantissa + "e" + (exp < 0 ? "-" : "+") + String(Math.abs(exp)).padStart(2, "0");
}

/**
 * Python's `repr()` of a number. Safe integers (up to 2**53 - 1 in size) are
 * taken as `int`s, everything else as a `float` (`1e+300`, not 301 digits);
 * pass a bigint for an exact large integer.
 */
function reprNumber(n: number): string {
  return Number.isSafeInteger(n) ? String(n) : reprFloat(n);
}

function reprObject(value: object, seen: Set<object>): string {
  if (hasMethod(value, "__repr__")) return String((value as HasRepr).__repr__());
  if (value instanceof Uint8Array) return reprBytes(value);
  if (seen.has(value)) {
    return Array.isArray(value) ? "(...)" : "{...}";
  }
  if (Array.isArray(value)) {
    seen.add(value);
    const items = (value as readonly unknown[]).map((item) => reprValue(item, seen));
    seen.delete(value);
    return items.length === 1 ? "(" + items[0]! + ",)" : "(" + items.join(", ") + ")";
  }
  if (value instanceof Map) {
    seen.add(value);
    const items: string[] = [];
    for (const [k, v] of value) items.push(reprValue(k, seen) + ": " + reprValue(v, seen));
    seen.delete(value);
    return "{" + items.join(", ") + "}";
  }
  if (value instanceof Set) {
    if (value.size === 0) return "set()";
    seen.add(value);
    const items: string[] = [];
    for (const v of value) items.push(reprValue(v, seen));
    seen.delete(value);
    return "{" + items.join(", ") + "}";
  }
  if (isPlainObject(value)) {
    seen.add(value);
    const items = Object.keys(value).map((k) => reprString(k) + ": " + reprValue(value[k], seen));
    seen.delete(value);
    return "{" + items.join(", ") + "}";
  }
  if (value instanceof Error) {
    return value.name + "(" + (value.message === "" ? "" : reprString(value.message)) + ")";
  }
  if (hasOwnToString(value)) return String(value);
  return "<" + pyTypeName(value) + " object>";
}

function reprValue(value: unknown, seen: Set<object>): string {
  switch (typeof value) {
    case "string":
      return reprString(value);
    case "number":
      return reprNumber(value);
    case "bigint":
      return value.toString();
    case "boolean":
      return value ? "True" : "False";
    case "undefined":
      return "None";
    case "symbol":
      return value.toString();
    case "function":
      return "<function " + (value.name === "" ? "<anonymous>" : value.name) + ">";
    default:
      return value === null || typeof value !== "object" ? "None" : reprObject(value, seen);
  }
}

/**
 * Python's `repr()` of a value (see the module overview for how JavaScript
 * values map to Python types).
 *
 * Strings come back quoted and escaped exactly as Python 3 does it: single
 * quotes unless the text holds a `'` and no `"`; backslash, the quote,
 * `\t`, `\n` and `\r` escaped; other non-printable characters as `\xNN`,
 * `\uNNNN` or `\UNNNNNNNN`; printable non-ASCII text kept.
 *
 * @example
 * ```ts
 * pyRepr("x\ty");               // "'x\\ty'"
 * pyRepr(["127.0.0.1", 8000]);  // "('127.0.0.1', 8000)"
 * pyRepr(Buffer.from("a\0"));   // "b'a\\x00'"
 * ```
 */
export function pyRepr(value: unknown): string {
  if (typeof value === "string") return reprString(value);
  return reprValue(value, new Set());
}

/**
 * Python's `str()` of a value: strings unchanged, numbers in decimal,
 * `true`/`false` as `True`/`False`, `null`/`undefined` as `None`, errors as
 * their message, bytes and containers as their repr, and objects through
 * `__str__()` or their own `toString()` (a plain object with its own
 * `toString` property counts, otherwise it is shown as a dict).
 */
export function pyStr(value: unknown): string {
  switch (typeof value) {
    case "string":
      return value;
    case "number":
      return reprNumber(value);
    case "object":
      if (value === null) return "None";
      if (hasMethod(value, "__str__")) return String((value as HasStr).__str__());
      if (value instanceof Error) return value.message;
      if (
        !hasMethod(value, "__repr__") &&
        !(value instanceof Uint8Array) &&
        !Array.isArray(value) &&
        !(value instanceof Map) &&
        !(value instanceof Set) &&
        hasOwnToString(value)
      ) {
        return String(value);
      }
      return reprObject(value, new Set());
    default:
      return reprValue(value, new Set());
  }
}

/** Python's `ascii()`: the repr with every non-ASCII character escaped. */
export function pyAscii(value: unknown): string {
  const text = pyRepr(value);
  return /[^\x00-\x7f]/.test(text)
    ? text.replace(/[^\x00-\x7f]/gu, (ch) => escapeCodePoint(ch.codePointAt(0)!))
    : text;
}


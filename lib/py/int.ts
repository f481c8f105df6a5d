/**
 * Python's `int(text)` in base 10.
 *
 * @module
 */
import { isPySpace } from "./split.js";

/** Python's default limit on the digits of an `int` read from text (`sys.get_int_max_str_digits()`). */
const MAX_STR_DIGITS = 4300;

const DECIMAL_DIGIT = /^\p{Nd}$/u;

/**
 * The value of a non-ASCII decimal digit (Unicode category Nd), or -1. Unicode
 * assigns these only in runs of ten, zero to nine, so the distance from the
 * start of the run, modulo ten, is the value.
 */
function decimalValue(cp: number): number {
  if (!DECIMAL_DIGIT.test(String.fromCodePoint(cp))) return -1;
  let zero = cp;
  while (DECIMAL_DIGIT.test(String.fromCodePoint(zero - 1))) zero--;
  return (cp - zero) % 10;
}

/** What `int()` strips: Python's whitespace except U+001C-U+001F, which only `str.isspace()` counts. */
function isIntSpace(code: number): boolean {
  return isPySpace(code) && (code < 0x1c || code > 0x1f);
}

/**
 * Python's `int(text)` (base 10), or `null` where Python raises `ValueError`.
 *
 * Accepted as Python accepts it: surrounding whitespace, one `+` or `-`,
 * decimal digits of any script (`"١٢"` and `"１２"` are 12), single
 * underscores between digits (`"1_000"`), leading zeros. Rejected: an empty
 * or blank text, whitespace after the sign, `"1__0"`, `"_1"`, `"1_"`,
 * superscripts such as `"²"`, and more than 4,300 digits (Python's default
 * `int_max_str_digits`).
 *
 * The result is a JavaScript number: exact up to `Number.MAX_SAFE_INTEGER`,
 * the nearest double beyond.
 */
export function pyInt(text: string): number | null {
  let i = 0;
  let end = text.length;
  while (i < end && isIntSpace(text.charCodeAt(i))) i++;
  while (end > i && isIntSpace(text.charCodeAt(end - 1))) end--;
  const sign = text.charCodeAt(i);
  if (sign === 0x2b || sign === 0x2d) i++;
  let digits = "";
  let afterDigit = false;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      digits += text[i];
      afterDigit = true;
      i++;
    } else if (c === 0x5f && afterDigit) {
      afterDigit = false; // a digit must follow
      i++;
    } else {
      const cp = text.codePointAt(i)!;
      const value = c < 0x80 ? -1 : decimalValue(cp);
      if (value < 0) return null;
      digits += value;
      afterDigit = true;
      i += cp > 0xffff ? 2 : 1;
    }
  }
  if (!afterDigit || digits.length > MAX_STR_DIGITS) return null;
  const n = Number(digits);
  return sign === 0x2d ? 0 - n : n;
}

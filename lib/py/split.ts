/**
 * Python's whitespace: `str.isspace()`, `str.split()` and `str.strip()`
 * without arguments. JavaScript's `\s` and `trim()` use another set (they
 * miss U+001C-U+001F and U+0085, and include U+FEFF).
 *
 * @module
 */

/**
 * Whether a UTF-16 code unit is whitespace to Python's `str.isspace()`:
 * U+0009-U+000D, U+001C-U+0020, U+0085, U+00A0, U+1680, U+2000-U+200A,
 * U+2028, U+2029, U+202F, U+205F and U+3000 (the same in every Unicode
 * version Python 3 has shipped).
 */
export function isPySpace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d) || code >= 0x1c;
  if (code < 0x85) return false;
  if (code <= 0xa0) return code === 0x85 || code === 0xa0;
  if (code < 0x1680) return false;
  return (
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000
  );
}

/**
 * Python's `str.split()` with no argument: the runs of text between runs of
 * whitespace ({@link isPySpace}), none empty; `[]` for a blank string.
 *
 * One pass over the code units, so a request line such as
 * `GET / HTTP/1.1` costs three slices and no regular expression.
 */
export function pySplit(text: string): string[] {
  const words: string[] = [];
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    if (isPySpace(text.charCodeAt(i))) {
      if (start >= 0) {
        words.push(text.slice(start, i));
        start = -1;
      }
    } else if (start < 0) {
      start = i;
    }
  }
  if (start >= 0) words.push(start === 0 ? text : text.slice(start));
  return words;
}

/** Python's `str.strip()` with no argument: {@link isPySpace} characters removed from both ends. */
export function pyStrip(text: string): string {
  let a = 0;
  let b = text.length;
  while (a < b && isPySpace(text.charCodeAt(a))) a++;
  while (b > a && isPySpace(text.charCodeAt(b - 1))) b--;
  return a === 0 && b === text.length ? text : text.slice(a, b);
}

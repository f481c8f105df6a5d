/**
 * Text escapes that are Python conventions: what `log_message` does to
 * control characters ({@link escapeControlChars}) and `html.escape`
 * ({@link htmlEscape}).
 *
 * @module
 */


const CONTROL_TEST = /[\x00-\x1f\x7f-\x9f\\]/;
const CONTROL_ALL = /[\x00-\x1f\x7f-\x9f\\]/g;

function escapeControl(ch: string): string {
  return ch === "\\" ? "\\\\" : "\\x" + ch.charCodeAt(0).toString(16).padStart(2, "0");
}

/**
 * Make a log message safe for a terminal, as `log_message` does in Python
 * 3.12 and later: each character U+0000-U+001F and U+007F-U+009F becomes
 * `\xNN` (lower-case hex) and each backslash is doubled, so an escape written
 * by a client cannot be confused with one added here.
 */
export function escapeControlChars(s: string): string {
  return CONTROL_TEST.test(s) ? s.replace(CONTROL_ALL, escapeControl) : s;
}

const HTML_QUOTE_TEST = /[&<>"']/;
const HTML_QUOTE_ALL = /[&<>"']/g;
const HTML_TEST = /[&<>]/;
const HTML_ALL = /[&<>]/g;
const HTML_ENTITIES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#x27;",
};

function htmlEntity(ch: string): string {
  return HTML_ENTITIES[ch]!;
}

/**
 * Python's `html.escape`: replace `&`, `<` and `>` with entities, and with
 * `quote` (the default) also `"` (`&quot;`) and `'` (`&#x27;`).
 */
export function htmlEscape(s: string, quote = true): string {
  if (quote) return HTML_QUOTE_TEST.test(s) ? s.replace(HTML_QUOTE_ALL, htmlEntity) : s;
  return HTML_TEST.test(s) ? s.replace(HTML_ALL, htmlEntity) : s;
}

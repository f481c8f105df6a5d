/**
 * Python's text conventions, each implemented once: `repr()`/`str()`,
 * `%`-formatting, `str.split()`/`str.strip()`, `int()`, and the escapes
 * `http.server` applies to log lines and HTML.
 *
 * @module
 */
export { escapeControlChars, htmlEscape } from "./escape.js";
export { KeyError, OverflowError, ValueError, pyFormat } from "./format.js";
export { pyInt } from "./int.js";
export { pyRepr, pyStr } from "./repr.js";
export { isPySpace, pySplit, pyStrip } from "./split.js";

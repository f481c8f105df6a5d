/**
 * Python's text conventions, each implemented once: `repr()`/`str()`,
 * `%`-formatting, `str.split()`/`str.strip()`, `int()`, `base64.decodebytes()`,
 * `textwrap.wrap()`, `str(OSError)`, and the escapes
 * `http.server` applies to log lines and HTML.
 *
 * @module
 */
export { decodeBase64Lenient } from "./base64.js";
export { escapeControlChars, htmlEscape } from "./escape.js";
export { KeyError, OverflowError, ValueError, pyFormat } from "./format.js";
export { pyInt } from "./int.js";
export { pyOSErrorText } from "./os-error.js";
export { pyRepr, pyStr } from "./repr.js";
export { isPySpace, pySplit, pyStrip } from "./split.js";
export { textwrap } from "./textwrap.js";

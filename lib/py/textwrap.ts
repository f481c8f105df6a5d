/**
 * Python's `textwrap.wrap()`, with its default settings.
 *
 * @module
 */

// Python's textwrap splits text into words and whitespace, and also after
// the hyphen of a hyphenated word ("Access-" "Control-" "Allow-" ...).
const WS = "[\\t\\n\\x0b\\x0c\\r ]";
const NWS = "[^\\t\\n\\x0b\\x0c\\r ]";
const WORD_PUNCT = "[\\w!\"'&.,?]";
const LETTER = "[^\\d\\W]";
const WORD_SEPARATOR = new RegExp(
  `(${WS}+` +
    `|(?<=${WORD_PUNCT})-{2,}(?=\\w)` +
    `|${NWS}+?(?:-(?:(?<=${LETTER}{2}-)|(?<=${LETTER}-${LETTER}-))(?=${LETTER}-?${LETTER})|(?=${WS}|$)|(?<=${WORD_PUNCT})(?=-{2,}\\w)))`,
);

/** Python's `textwrap.wrap(text, width)` with its default settings (as argparse uses it for help). */
export function textwrap(text: string, width: number): string[] {
  const collapsed = text.replace(/\s+/g, " ").trim();
  // A stack: the next chunk is at the end.
  const chunks = collapsed
    .split(WORD_SEPARATOR)
    .filter((c) => c !== "" && c !== undefined)
    .reverse();
  const lines: string[] = [];
  while (chunks.length > 0) {
    const line: string[] = [];
    let length = 0;
    if (chunks[chunks.length - 1]!.trim() === "" && lines.length > 0) chunks.pop();
    while (chunks.length > 0) {
      const next = chunks[chunks.length - 1]!;
      if (length + next.length > width) break;
      line.push(chunks.pop()!);
      length += next.length;
    }
    if (chunks.length > 0 && chunks[chunks.length - 1]!.length > width) {
      // A word longer than a line is cut, preferably after a hyphen.
      const chunk = chunks[chunks.length - 1]!;
      const spaceLeft = width < 1 ? 1 : width - length;
      let end = spaceLeft;
      const hyphen = chunk.lastIndexOf("-", spaceLeft - 1);
      if (chunk.length > spaceLeft && hyphen > 0 && /[^-]/.test(chunk.slice(0, hyphen))) end = hyphen + 1;
      line.push(chunk.slice(0, end));
      chunks[chunks.length - 1] = chunk.slice(end);
      length = line.reduce((n, c) => n + c.length, 0);
    }
    if (line.length > 0 && line[line.length - 1]!.trim() === "") line.pop();
    if (line.length > 0) lines.push(line.join(""));
  }
  return lines;
}

/**
 * Code shown in docs/*.md as an excerpt of an example must be the example's
 * real code, so that the documentation cannot drift from what the example
 * specs run. An excerpt is a fenced `ts` block whose first line is
 * `// examples/<file>.ts`; the rest of the block must appear, line for line
 * and in one piece, in that file.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (this file runs from dist/spec/examples/). */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

interface Excerpt {
  doc: string;
  line: number;
  file: string;
  body: string[];
}

function excerptsOf(doc: string): Excerpt[] {
  const lines = fs.readFileSync(path.join(ROOT, "docs", doc), "utf8").split("\n");
  const out: Excerpt[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== "```ts") continue;
    const marker = /^\/\/ (examples\/[\w./-]+\.ts)$/.exec(lines[i + 1] ?? "");
    let end = i + 1;
    while (end < lines.length && lines[end] !== "```") end++;
    if (marker) out.push({ doc, line: i + 2, file: marker[1]!, body: lines.slice(i + 2, end) });
    i = end;
  }
  return out;
}

function containsRun(haystack: string[], needle: string[]): boolean {
  outer: for (let start = 0; start + needle.length <= haystack.length; start++) {
    for (let k = 0; k < needle.length; k++) if (haystack[start + k] !== needle[k]) continue outer;
    return true;
  }
  return false;
}

describe("docs: example excerpts match the example files", function () {
  const docs = fs.readdirSync(path.join(ROOT, "docs")).filter((name) => name.endsWith(".md"));
  const excerpts = docs.flatMap(excerptsOf);

  it("docs/socketserver.md shows excerpts of every socketserver example", () => {
    const files = new Set(excerpts.filter((e) => e.doc === "socketserver.md").map((e) => e.file));
    expect([...files].sort()).to.deep.equal([
      "examples/chat-server.ts",
      "examples/forking-server.ts",
      "examples/tcp-echo-server.ts",
      "examples/tcp-upper-server.ts",
      "examples/udp-echo.ts",
    ]);
  });

  for (const excerpt of excerpts) {
    it(`docs/${excerpt.doc}:${excerpt.line} is a verbatim part of ${excerpt.file}`, () => {
      const source = path.join(ROOT, excerpt.file);
      expect(fs.existsSync(source), `${excerpt.file} exists`).to.equal(true);
      const fileLines = fs.readFileSync(source, "utf8").split("\n");
      expect(excerpt.body.length, "excerpt is not empty").to.be.greaterThan(0);
      expect(containsRun(fileLines, excerpt.body), `excerpt found in ${excerpt.file}:\n${excerpt.body.join("\n")}`).to.equal(true);
    });
  }
});

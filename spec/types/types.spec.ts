/**
 * The documentation's examples (every file in examples/, which the docs
 * quote) and the wrong uses in spec/types/checks/ type-check as a strict
 * project would compile them: `strict`, `exactOptionalPropertyTypes`,
 * `noUncheckedIndexedAccess`, against the built declarations.
 */
import { expect } from "chai";
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { run } from "../helpers.js";

/** The repository root (this file runs from dist/spec/types/). */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const TSC = createRequire(import.meta.url).resolve("typescript/bin/tsc");

describe("types: a strict project compiles the docs' examples and rejects wrong uses", function () {
  this.timeout(120000);

  it("tsc -p spec/types/tsconfig.json exits 0 (every @ts-expect-error line is an error)", async () => {
    const result = await run(process.execPath, [TSC, "-p", path.join(ROOT, "spec", "types", "tsconfig.json")], 110000);
    expect(result.stdout + result.stderr).to.equal("");
    expect(result.code).to.equal(0);
  });
});

// @ts-check
/**
 * TypeDoc plugin for the API site (`npm run docs`).
 *
 * lib/python-spelling.ts declares every Python-spelled alias
 * (`serve_forever`, `send_response`, ...) so that it type-checks. Listed as
 * members, they would double every class page with hundreds of entries that
 * only say "Python spelling of ...". This plugin removes those entries and,
 * instead, notes the Python name on the camelCase member it stands for:
 * `serveForever` gets "Python: `serve_forever`".
 *
 * An alias is recognised by where it is declared (only in
 * lib/python-spelling.ts), not by its name.
 */
import { Comment, Converter, ReflectionKind } from "typedoc";

/** The generated declarations file, as a path suffix. */
const SPELLING_FILE = "/lib/python-spelling.ts";

/**
 * @param {import("typedoc").Application} app
 */
export function load(app) {
  /** @type {Set<import("typedoc").DeclarationReflection>} */
  const aliases = new Set();

  app.converter.on(Converter.EVENT_CREATE_DECLARATION, (context, reflection) => {
    const declarations = context.getSymbolFromReflection(reflection)?.declarations ?? [];
    if (declarations.length > 0 && declarations.every((d) => d.getSourceFile().fileName.endsWith(SPELLING_FILE))) {
      aliases.add(reflection);
    }
  });

  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const alias of aliases) {
      const twin = findTwin(alias);
      if (twin) notePythonName(twin, alias.name);
      context.project.removeReflection(alias);
    }
    aliases.clear();
  });
}

/**
 * The camelCase member an alias stands for: named by the `{@link X.name}`
 * in the generated comment, looked up among the alias's siblings.
 *
 * @param {import("typedoc").DeclarationReflection} alias
 * @returns {import("typedoc").DeclarationReflection | undefined}
 */
function findTwin(alias) {
  const comment = alias.comment ?? alias.signatures?.[0]?.comment ?? alias.getSignature?.comment;
  const link = comment?.summary.find((part) => part.kind === "inline-tag" && part.tag === "@link");
  if (!link) return undefined;
  const name = link.text.split(".").pop()?.trim();
  const parent = alias.parent;
  if (!name || !parent || !("children" in parent)) return undefined;
  const siblings = /** @type {import("typedoc").DeclarationReflection[] | undefined} */ (parent.children);
  return siblings?.find((child) => child.name === name && child !== alias);
}

/**
 * Append "Python: `name`" to the member's documentation, where the theme
 * shows it: on each signature of a method, on the reflection otherwise.
 *
 * @param {import("typedoc").DeclarationReflection} twin
 * @param {string} pythonName
 */
function notePythonName(twin, pythonName) {
  /** @type {Array<{ comment?: Comment }>} */
  const targets = [];
  if (twin.kindOf(ReflectionKind.Accessor)) {
    targets.push(twin.getSignature ?? twin.setSignature ?? twin);
  } else if (twin.signatures && twin.signatures.length > 0) {
    targets.push(...twin.signatures);
  } else {
    targets.push(twin);
  }
  for (const target of targets) {
    const comment = (target.comment ??= new Comment());
    const already = comment.summary.some((part) => part.kind === "code" && part.text === `\`${pythonName}\``);
    if (already) continue;
    if (comment.summary.length > 0) comment.summary.push({ kind: "text", text: "\n\n" });
    comment.summary.push({ kind: "text", text: "Python: " }, { kind: "code", text: `\`${pythonName}\`` });
  }
}

/**
 * Generates lib/python-spelling.ts: TypeScript declarations for the
 * Python-spelled aliases that lib/python-names.ts creates at run time, so
 * that `this.send_response(200)` or `protocol_version = "HTTP/1.1"` also
 * type-check. The declarations are derived from the running library, never
 * written by hand; a spec fails when the committed file is out of date.
 *
 * Run: `npm run build && node dist/tools/python-spelling.js`.
 *
 * @module
 */
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ownPythonAliases, ownPythonStaticAliases } from "../lib/python-names.js";

const here = dirname(fileURLToPath(import.meta.url));
/** dist/lib, where the compiled library lives. */
const distLib = join(here, "..", "lib");
/** Modules not to import: entry points with side effects, indexes and the output itself. */
const SKIP = new Set(["cli-main.js", "python-spelling.js"]);

type Ctor = { prototype: object; name: string };

function listModules(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listModules(full));
    else if (entry.name.endsWith(".js") && !SKIP.has(entry.name)) out.push(full);
  }
  // Index modules last: a class is declared where it is defined, and the
  // classes only an index defines (ThreadingTCPServer, ...) come from there.
  const rank = (f: string): number => (f.endsWith("index.js") ? 100 - f.split("/").length : 0);
  return out.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

function isClass(value: unknown): value is Ctor {
  return typeof value === "function" && typeof (value as { prototype?: unknown }).prototype === "object";
}

/**
 * Is `camel` declared with several overloads in the module's declarations?
 * Then the alias is typed as a property (keeping every overload); otherwise
 * as a method, so that a subclass may override it with a method.
 */
function isOverloaded(declarations: string, camel: string): boolean {
  // Overloads are declared on consecutive lines; the same method declared
  // again in another class of the module is not an overload.
  const re = new RegExp(`^\\s+${camel}[<(][^\\n]*\\n\\s+${camel}[<(]`, "m");
  return re.test(declarations);
}

/**
 * The names of the type parameters of class `name` in the module's
 * declarations (`["Address", "Request"]` for
 * `class BaseRequestHandler<Address = InetAddress, Request = unknown>`),
 * empty for a class that has none. An augmentation of a generic class
 * must declare the same parameters, and its aliases refer to the member of
 * the same instantiation.
 */
function typeParameters(declarations: string, name: string): string[] {
  const start = new RegExp(`\\bclass ${name}<`).exec(declarations);
  if (!start) return [];
  const open = start.index + start[0].length;
  const names: string[] = [];
  let depth = 0;
  let from = open;
  for (let i = open; i < declarations.length; i++) {
    const c = declarations[i];
    if (c === "<" || c === "[" || c === "(" || c === "{") depth++;
    else if ((c === "]" || c === ")" || c === "}") || (c === ">" && declarations[i - 1] !== "=")) {
      if (depth === 0) {
        names.push(declarations.slice(from, i));
        break;
      }
      depth--;
    } else if (c === "," && depth === 0) {
      names.push(declarations.slice(from, i));
      from = i + 1;
    }
  }
  return names.map((p) => /^\s*([A-Za-z_$][\w$]*)/.exec(p)?.[1] ?? "").filter((n) => n !== "");
}

/** Build the text of lib/python-spelling.ts. */
export async function generatePythonSpelling(): Promise<string> {
  const exportedProtos = new Set<object>();
  const perModule: Array<{ module: string; declarations: string; classes: Ctor[] }> = [];
  for (const file of listModules(distLib)) {
    const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    const declarations = readFileSync(file.replace(/\.js$/, ".d.ts"), "utf8");
    const classes: Ctor[] = [];
    for (const [key, value] of Object.entries(mod)) {
      if (isClass(value) && value.name === key && !exportedProtos.has(value.prototype)) {
        classes.push(value);
        exportedProtos.add(value.prototype);
      }
    }
    const module = "./" + relative(distLib, file).split("\\").join("/");
    perModule.push({ module, declarations, classes: classes.sort((a, b) => a.name.localeCompare(b.name)) });
  }

  const blocks: string[] = [];
  for (const { module, declarations, classes } of perModule) {
    const interfaces: string[] = [];
    for (const cls of classes) {
      // This class's own aliases, plus those of unexported parents (mixin classes).
      const aliases: Array<readonly [string, string, object]> = [];
      const seen = new Set<string>();
      let proto: object | null = cls.prototype;
      do {
        for (const [python, camel] of ownPythonAliases(proto)) {
          if (seen.has(python)) continue; // the most derived definition wins
          seen.add(python);
          aliases.push([python, camel, proto]);
        }
        proto = Object.getPrototypeOf(proto) as object | null;
      } while (proto && !exportedProtos.has(proto));
      const statics = ownPythonStaticAliases(cls);
      if (statics.length > 0) {
        const lines = [...statics]
          .sort((a, b) => a[0].localeCompare(b[0]))
          .flatMap(([python, camel]) => [
            `    /** Python spelling of {@link ${cls.name}.${camel}}. */`,
            `    let ${python}: (typeof ${cls.name})["${camel}"];`,
          ]);
        interfaces.push(`  namespace ${cls.name} {\n${lines.join("\n")}\n  }`);
      }
      if (aliases.length === 0) continue;
      const lines: string[] = [];
      const params = typeParameters(declarations, cls.name);
      const generic = params.length === 0 ? "" : `<${params.join(", ")}>`;
      for (const [python, camel, owner] of aliases.sort((a, b) => a[0].localeCompare(b[0]))) {
        const desc = Object.getOwnPropertyDescriptor(owner, camel);
        const ref = `${cls.name}${generic}["${camel}"]`;
        lines.push(`    /** Python spelling of {@link ${cls.name}.${camel}}. */`);
        if (desc && typeof desc.value === "function") {
          lines.push(
            isOverloaded(declarations, camel)
              ? `    ${python}: ${ref};`
              : `    ${python}(...args: Parameters<${ref}>): ReturnType<${ref}>;`,
          );
        } else {
          const readonly = desc && desc.get && !desc.set ? "readonly " : "";
          lines.push(`    ${readonly}${python}: ${ref};`);
        }
      }
      interfaces.push(`  interface ${cls.name}${generic} {\n${lines.join("\n")}\n  }`);
    }
    if (interfaces.length === 0) continue;
    const source = module.replace(/\.js$/, ".js");
    blocks.push(`declare module "${source}" {\n${interfaces.join("\n")}\n}`);
  }
  return [
    "/**",
    " * Type declarations for the Python spellings of the library's members",
    " * (`send_response`, `protocol_version`, `serve_forever`, ...), which",
    " * lib/python-names.ts creates at run time.",
    " *",
    " * GENERATED by tools/python-spelling.ts from the running library; do not",
    " * edit by hand. A spec fails when it is out of date.",
    " *",
    " * @module",
    " */",
    "/* eslint-disable */",
    "",
    ...blocks.flatMap((b) => [b, ""]),
    "export {};",
    "",
  ].join("\n");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const target = join(here, "..", "..", "lib", "python-spelling.ts");
  writeFileSync(target, await generatePythonSpelling());
  process.stdout.write(`wrote ${target}\n`);
}

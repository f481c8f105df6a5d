/**
 * CPython as the oracle of the lib/py specs. Each spec file queues its
 * questions while mocha loads it (`ask()`); the first answer read at test
 * time sends every question queued so far to one `python3` process, so a
 * whole run of spec/py starts python3 once.
 *
 * Values cross as tagged JSON so that Python sees the type we mean:
 * `{i: "12"}` an int, `{f: "0.5"}` a float, `{b: [...]}` bytes, `{t: [...]}`
 * a tuple, `{d: {...}}` a dict; strings, booleans and null as themselves.
 * An answer is `["ok", result]` or `[exception name, message]`.
 */
import { execFileSync } from "node:child_process";
import fc from "fast-check";

/** What python3 is asked: `repr`, `ascii`, `format`, `split`, `strip`, `isspace`, `int`, `logescape`, `html`, `cn`, `b64` (the bytes of `base64.decodebytes()`) (the code points Python's Unicode database calls unassigned). */
export type Kind = "repr" | "ascii" | "format" | "split" | "strip" | "isspace" | "int" | "logescape" | "html" | "cn" | "b64";

/** `["ok", result]` or `[Python exception name, message]`. */
export type Answer = [string, unknown];

const SCRIPT = String.raw`
import base64, html, json, sys, unicodedata

def value(v):
    if isinstance(v, dict):
        (tag, x), = v.items()
        if tag == "i": return int(x)
        if tag == "f": return float(x)
        if tag == "b": return bytes(x)
        if tag == "t": return tuple(value(e) for e in x)
        if tag == "d": return {k: value(e) for k, e in x.items()}
    return v

LOG = {c: '\\x%02x' % c for c in [*range(0x20), *range(0x7f, 0xa0)]}
LOG[ord('\\')] = '\\\\'

def answer(kind, a):
    if kind == "repr": return repr(value(a))
    if kind == "ascii": return ascii(value(a))
    if kind == "format": return a[0] % value(a[1])
    if kind == "split": return a.split()
    if kind == "strip": return a.strip()
    if kind == "isspace": return [c for c in range(a[0], a[1]) if chr(c).isspace()]
    if kind == "int":
        n = int(a)
        return n if abs(n) < 2 ** 53 else str(n)
    if kind == "logescape": return a.translate(LOG)
    if kind == "html": return html.escape(a[0], a[1])
    if kind == "cn": return [ord(c) for c in a if unicodedata.category(c) == "Cn"]
    if kind == "b64": return list(base64.decodebytes(a.encode("ascii")))

out = []
for kind, a in json.load(sys.stdin):
    try: out.append(["ok", answer(kind, a)])
    except Exception as e: out.append([type(e).__name__, str(e)])
print(json.dumps(out))
`;

/** Encode a JavaScript value as the Python value it stands for (see the module comment). */
export function tagged(v: unknown): unknown {
  if (typeof v === "bigint") return { i: v.toString() };
  if (typeof v === "number") {
    // -0 is Python's -0.0: %-formatting shows its sign (repr() takes it as the int 0).
    if (Number.isSafeInteger(v) && !Object.is(v, -0)) return { i: String(v) };
    return { f: Object.is(v, -0) ? "-0.0" : String(v) };
  }
  if (v instanceof Uint8Array) return { b: Array.from(v) };
  if (Array.isArray(v)) return { t: v.map(tagged) };
  if (v !== null && typeof v === "object") {
    return { d: Object.fromEntries(Object.entries(v).map(([k, e]) => [k, tagged(e)])) };
  }
  return v;
}

const queue: Array<[Kind, unknown]> = [];
let answered: Answer[] = [];

function runPython(): void {
  const out = execFileSync("python3", ["-c", SCRIPT], {
    input: JSON.stringify(queue),
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  answered = JSON.parse(out) as Answer[];
}

/**
 * Queue questions of one kind (the argument already in the JSON form the
 * script expects); returns a function that gives CPython's answers, in order.
 */
export function ask(kind: Kind, args: readonly unknown[]): () => Answer[] {
  const start = queue.length;
  for (const a of args) queue.push([kind, a]);
  return () => {
    if (answered.length < queue.length) runPython();
    return answered.slice(start, start + args.length);
  };
}

/** The successful result of an answer; fails the test when Python raised. */
export function ok<T>(answer: Answer, where: string): T {
  if (answer[0] !== "ok") throw new Error(`python3 raised ${answer[0]}: ${String(answer[1])} (${where})`);
  return answer[1] as T;
}

/** `[error name, message]` of what `fn` throws, or `["ok", result]`: comparable with an {@link Answer}. */
export function outcome(fn: () => unknown): Answer {
  try {
    return ["ok", fn()];
  } catch (error) {
    const e = error as Error;
    return [e.name, e.message];
  }
}

/** A fixed seed per process, printed with failures so that a run can be repeated. */
export const SEED = Number(process.env.PY_SPEC_SEED ?? (Date.now() ^ (Math.random() * 0x7fffffff)));

/** `numRuns` samples of `arbitrary` from {@link SEED}. */
export function sample<T>(arbitrary: fc.Arbitrary<T>, numRuns: number): T[] {
  return fc.sample(arbitrary, { numRuns, seed: SEED });
}

/** Characters that exercise every branch of repr, plus random ones from all planes. */
export const trickyChar: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "'", '"', "\\", "\t", "\n", "\r", "\x00", "\x1b", "\x7f", "\x85", "\xa0", "\xad", "\xe9", " ",
    "\u2028", "\u200b", "\ufeff", "\ud800", "\udfff", "\ue000", "\u3000", "😀", "\u{e0001}", "\u{10ffff}",
  ),
  fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  fc.integer({ min: 0, max: 0xff }).map((c) => String.fromCharCode(c)),
  fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)),
);

/** Strings of {@link trickyChar}. */
export const trickyString = fc.string({ unit: trickyChar, maxLength: 12 });

/**
 * The one mechanism that makes every documented Python spelling
 * (`serve_forever`, `send_response`, `protocol_version`, ...) work as a
 * second name for the camelCase member it mirrors.
 *
 * How it works:
 *
 * - A library class calls {@link pythonNames} once, after its body. Every
 *   camelCase member it owns (methods, accessors and defaults stored on the
 *   prototype) gets a snake_case twin on the same prototype. Methods share the
 *   very same function, so `super.log_message()` inside an override calls the
 *   base implementation, never the override again. Per-instance state listed
 *   in `attributes` gets forwarding accessors.
 * - The first time a user subclass is instantiated, {@link adoptPythonNames}
 *   walks its prototypes: a member written under one spelling only gets the
 *   other spelling too. Overriding `log_message` therefore also overrides
 *   `logMessage`, which is the name the library calls.
 * - Class fields written in a subclass body are own properties of the instance
 *   and shadow prototype accessors; {@link adoptInstanceNames} copies a
 *   Python-spelled one onto its camelCase name after construction.
 *
 * @module
 */

/** A class constructor of any shape (the mechanism only touches prototypes). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyClass = abstract new (...args: never[]) => object;

/** camelCase name -> Python name, for every name any library class declared. */
const camelToPython = new Map<string, string>();
/** Python name -> camelCase name. */
const pythonToCamel = new Map<string, string>();
/** Prototypes owned by the library: adoption stops there. */
const libraryPrototypes = new WeakSet<object>();
/** User classes already adopted. */
const adopted = new WeakSet<object>();
/** Classes whose instances carry no Python-spelled own fields. */
const withoutPythonFields = new WeakSet<object>();
/** The aliases each library prototype received: `[python, camel]` pairs. */
const aliasesByPrototype = new WeakMap<object, Array<[python: string, camel: string]>>();

/**
 * The Python-spelled aliases that {@link pythonNames} put on one library
 * prototype, as `[python, camel]` pairs. Used to generate the matching
 * TypeScript declarations (lib/python-spelling.ts).
 */
export function ownPythonAliases(proto: object): ReadonlyArray<readonly [python: string, camel: string]> {
  return aliasesByPrototype.get(proto) ?? [];
}

/**
 * Convert a camelCase identifier to Python's snake_case:
 * `serveForever` -> `serve_forever`, `handleExpect100` -> `handle_expect_100`,
 * `isCGI` -> `is_cgi`.
 */
export function toPythonName(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .replace(/([a-zA-Z])([0-9]+)/g, "$1_$2")
    .toLowerCase();
}

function isAliasCandidate(name: string): boolean {
  return /^[a-z][a-zA-Z0-9]*$/.test(name) && /[A-Z0-9]/.test(name) && toPythonName(name) !== name;
}

function register(camel: string, python: string): void {
  camelToPython.set(camel, python);
  pythonToCamel.set(python, camel);
}

/** Options for {@link pythonNames}. */
export interface PythonNamesOptions {
  /**
   * Per-instance state (assigned in the constructor or while handling) that
   * should also be reachable under its Python spelling, for example
   * `clientAddress` -> `client_address`.
   */
  attributes?: readonly string[];
  /** Explicit spellings where the automatic conversion is not Python's. */
  rename?: Readonly<Record<string, string>>;
}

/**
 * Give every camelCase member of `cls.prototype` its Python spelling, and
 * forward the listed per-instance attributes. Call once per library class.
 */
export function pythonNames(cls: AnyClass, options: PythonNamesOptions = {}): void {
  const proto = cls.prototype as Record<string, unknown>;
  libraryPrototypes.add(proto);
  const made: Array<[string, string]> = [];
  aliasesByPrototype.set(proto, made);
  const rename = options.rename ?? {};
  for (const camel of Object.getOwnPropertyNames(proto)) {
    const renamed = Object.prototype.hasOwnProperty.call(rename, camel);
    if (camel in Object.prototype || !(isAliasCandidate(camel) || renamed)) continue;
    const python = renamed ? rename[camel]! : toPythonName(camel);
    register(camel, python);
    if (Object.prototype.hasOwnProperty.call(proto, python)) continue;
    made.push([python, camel]);
    const desc = Object.getOwnPropertyDescriptor(proto, camel)!;
    if ("value" in desc && typeof desc.value !== "function") {
      // A default stored on the prototype: forward so that both names read and
      // write the same slot, on the prototype or on an instance.
      defineForwarder(proto, python, camel);
    } else {
      Object.defineProperty(proto, python, { ...desc, enumerable: false });
    }
  }
  for (const camel of options.attributes ?? []) {
    const python = Object.prototype.hasOwnProperty.call(rename, camel) ? rename[camel]! : toPythonName(camel);
    register(camel, python);
    if (Object.prototype.hasOwnProperty.call(proto, python)) continue;
    made.push([python, camel]);
    defineForwarder(proto, python, camel);
  }
}

function defineForwarder(target: object, from: string, to: string): void {
  Object.defineProperty(target, from, {
    configurable: true,
    enumerable: false,
    get(this: Record<string, unknown>) {
      return this[to];
    },
    set(this: Record<string, unknown>, value: unknown) {
      this[to] = value;
    },
  });
}

/**
 * Make a user subclass's members visible under both spellings. Called by the
 * library's constructors with `new.target`; does its work once per class.
 */
export function adoptPythonNames(cls: object): void {
  if (adopted.has(cls)) return;
  adopted.add(cls);
  const chain: Record<string, unknown>[] = [];
  let proto = (cls as { prototype?: object }).prototype as Record<string, unknown> | undefined;
  while (proto && !libraryPrototypes.has(proto)) {
    chain.push(proto);
    proto = Object.getPrototypeOf(proto) as Record<string, unknown> | undefined;
  }
  // Base-most user class first, so a deeper override is processed last.
  for (const p of chain.reverse()) {
    for (const name of Object.getOwnPropertyNames(p)) {
      const other = pythonToCamel.get(name) ?? camelToPython.get(name);
      if (other === undefined || Object.prototype.hasOwnProperty.call(p, other)) continue;
      const desc = Object.getOwnPropertyDescriptor(p, name)!;
      if ("value" in desc && typeof desc.value !== "function") {
        defineForwarder(p, other, name);
        // Keep a single slot: the camelCase one.
        if (camelToPython.has(other)) {
          delete p[name];
          p[other] = desc.value;
          defineForwarder(p, name, other);
        }
      } else {
        Object.defineProperty(p, other, { ...desc, enumerable: false });
      }
    }
    // Static members on the class itself (Python class attributes set on a
    // subclass as `static`) are not aliased: prototypes carry the defaults.
  }
}

/**
 * Class fields declared in a subclass body under their Python spelling
 * (`protocol_version = "HTTP/1.1";`) become own data properties of the
 * instance that hide the prototype's forwarding accessor. Move each onto its
 * camelCase name and put the forwarder back, so both names agree.
 */
export function adoptInstanceNames(instance: object): void {
  // Class fields are the same on every instance of a class: once one
  // instance showed none under a Python name, skip the scan for its class.
  const cls = (instance as { constructor?: object }).constructor;
  if (cls && withoutPythonFields.has(cls)) return;
  const own = instance as Record<string, unknown>;
  let found = false;
  for (const name of Object.keys(own)) {
    const camel = pythonToCamel.get(name);
    if (camel === undefined) continue;
    found = true;
    const value = own[name];
    delete own[name];
    own[camel] = value;
  }
  if (!found && cls) withoutPythonFields.add(cls);
}

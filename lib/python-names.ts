/**
 * The one mechanism that makes every documented Python spelling
 * (`serve_forever`, `send_response`, `protocol_version`, ...) work as a
 * second name for the camelCase member it mirrors.
 *
 * The camelCase member is the only slot: the library always reads and calls
 * camelCase names, so the request path never touches a Python name. Every
 * Python name is an accessor (a *forwarder*) whose getter reads the camelCase
 * member and whose setter writes it; assigning either spelling, at any time,
 * on a prototype or an instance, therefore changes what the library calls.
 *
 * How it works:
 *
 * - A library class calls {@link pythonNames} once, after its body. Every
 *   camelCase member it owns (methods, accessors and defaults stored on the
 *   prototype), and the per-instance state listed in `attributes`, gets a
 *   forwarder under its Python name on the same prototype.
 * - The first time a user subclass is instantiated, {@link adoptPythonNames}
 *   walks its prototypes: a member written under its Python name moves to
 *   its camelCase name and a forwarder takes its place; a member written in
 *   camelCase gets a forwarder. Overriding `log_message` therefore overrides
 *   `logMessage`, the name the library calls. A class body that spells one
 *   member both ways is a `TypeError`. Static members named like a library
 *   instance member (`static server_version = "X/1"`) become the class's
 *   default, as Python class attributes are.
 * - Class fields written in a subclass body are own properties of the
 *   instance and shadow prototype forwarders; {@link adoptInstanceNames}
 *   moves a Python-spelled one onto its camelCase name after construction.
 *
 * Why a forwarder's getter does not simply read `this[camel]`: inside an
 * override, `super.log_message()` looks the name up from the parent
 * prototype but calls the getter with the instance as `this`, and
 * `this.logMessage` is the override itself (endless recursion). The getter
 * instead finds where the lookup that reached it may have started (just
 * above the nearest object below it that owns the same Python name) and reads
 * the camelCase member from there. For a plain read (`handler.log_message`)
 * that is the receiver itself; for a `super` read it is the parent of the
 * class whose method made it. See {@link defineForwarder}.
 *
 * @module
 */

/** A class constructor of any shape (the mechanism only touches prototypes). */
type AnyClass = abstract new (...args: never[]) => object;

/** Property bag view of an object, for reading and writing members by name. */
type Members = Record<string, unknown>;

/** camelCase name -> Python name, for every name any library class declared. */
const camelToPython = new Map<string, string>();
/** Python name -> camelCase name. */
const pythonToCamel = new Map<string, string>();
/**
 * camelCase names of per-instance state that library constructors assign
 * (the `attributes` of {@link pythonNames}): a class field under the Python
 * spelling replaces such a value rather than clashing with it.
 */
const instanceAttributes = new Set<string>();
/**
 * camelCase names of class attributes a library class answers per class
 * (the `statics` of {@link pythonNames}): a user class declaring one as a
 * static keeps the library's accessors instead of getting its own.
 */
const perClassStatics = new Set<string>();
/** Prototypes owned by the library: adoption stops there. */
const libraryPrototypes = new WeakSet<object>();
/** User classes already adopted. */
const adopted = new WeakSet<object>();
/** User prototypes already adopted (shared by every subclass below them). */
const adoptedPrototypes = new WeakSet<object>();
/** Classes whose instances carry no Python-spelled own fields. */
const withoutPythonFields = new WeakSet<object>();
/** The aliases each library prototype received: `[python, camel]` pairs. */
const aliasesByPrototype = new WeakMap<object, Array<[python: string, camel: string]>>();
/** The static aliases each library class received: `[python, camel]` pairs. */
const staticAliasesByClass = new WeakMap<object, Array<[python: string, camel: string]>>();
/**
 * Counts the forwarders defined so far: a forwarder's getter caches where
 * lookups start for one prototype chain, valid while this is unchanged.
 */
let forwardersChanged = 0;
/** The getters of every forwarder this module defined, to tell them from user members. */
const forwarderGetters = new WeakSet<object>();

const hasOwn = (o: object, name: string): boolean => Object.hasOwn(o, name);

/**
 * The Python-spelled aliases that {@link pythonNames} put on one library
 * prototype, as `[python, camel]` pairs. Used to generate the matching
 * TypeScript declarations (lib/python-spelling.ts).
 */
export function ownPythonAliases(proto: object): ReadonlyArray<readonly [python: string, camel: string]> {
  return aliasesByPrototype.get(proto) ?? [];
}

/**
 * The Python-spelled aliases that {@link pythonNames} put on one library
 * class itself (its `statics`), as `[python, camel]` pairs.
 */
export function ownPythonStaticAliases(cls: object): ReadonlyArray<readonly [python: string, camel: string]> {
  return staticAliasesByClass.get(cls) ?? [];
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

/**
 * The two spellings of a registered name given either one, or `undefined`
 * when the library declared no such member (or both spellings are the same).
 */
function spellings(name: string): { python: string; camel: string } | undefined {
  const camelOfPython = pythonToCamel.get(name);
  if (camelOfPython !== undefined && camelOfPython !== name) return { python: name, camel: camelOfPython };
  const pythonOfCamel = camelToPython.get(name);
  if (pythonOfCamel !== undefined && pythonOfCamel !== name) return { python: pythonOfCamel, camel: name };
  return undefined;
}

/** Is `o`'s own property `name` a forwarder this module defined? */
function isForwarder(o: object, name: string): boolean {
  const get = Object.getOwnPropertyDescriptor(o, name)?.get;
  return get !== undefined && forwarderGetters.has(get);
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
  /**
   * Static members of the class itself (class attributes such as
   * `extensionsMap`) that should also answer to their Python spelling on
   * the class and on every subclass: `Handler.extensions_map` reads and
   * writes `Handler.extensionsMap`, with `this` the class it was used on.
   */
  statics?: readonly string[];
}

/**
 * Give every camelCase member of `cls.prototype` its Python spelling, and
 * forward the listed per-instance attributes. Call once per library class.
 * Each Python name becomes a forwarder (see {@link defineForwarder}); the
 * camelCase member stays the only slot.
 */
export function pythonNames(cls: AnyClass, options: PythonNamesOptions = {}): void {
  const proto = cls.prototype as Members;
  libraryPrototypes.add(proto);
  const made: Array<[string, string]> = [];
  aliasesByPrototype.set(proto, made);
  const rename = options.rename ?? {};
  for (const camel of Object.getOwnPropertyNames(proto)) {
    const renamed = hasOwn(rename, camel);
    if (camel in Object.prototype || !(isAliasCandidate(camel) || renamed)) continue;
    const python = renamed ? rename[camel]! : toPythonName(camel);
    register(camel, python);
    if (python === camel || hasOwn(proto, python)) continue;
    made.push([python, camel]);
    defineForwarder(proto, python, camel);
  }
  for (const camel of options.attributes ?? []) {
    const python = hasOwn(rename, camel) ? rename[camel]! : toPythonName(camel);
    register(camel, python);
    instanceAttributes.add(camel);
    if (python === camel || hasOwn(proto, python)) continue;
    made.push([python, camel]);
    defineForwarder(proto, python, camel);
  }
  defineClassAttributes(cls, proto, options.statics ?? []);
  const madeStatic: Array<[string, string]> = [];
  staticAliasesByClass.set(cls, madeStatic);
  for (const camel of options.statics ?? []) {
    const python = hasOwn(rename, camel) ? rename[camel]! : toPythonName(camel);
    if (python === camel || hasOwn(cls, python)) continue;
    perClassStatics.add(camel);
    madeStatic.push([python, camel]);
    defineStaticForwarder(cls, python, camel);
  }
}

/**
 * Python's class attributes, assigned on the class: `Handler.protocol_version
 * = "HTTP/1.1"` (as CPython's own `test()` does) or
 * `TCPServer.allow_reuse_address = true`. Every default the library stores
 * on `proto` (a value, not a method) gets a static accessor on `cls` under
 * both spellings, which reads and writes that default on the prototype of
 * the class it is used on: subclasses inherit the accessors, so an
 * assignment on a subclass changes that subclass only, at any time, before
 * or after its first use. (A user class that declares such a static itself
 * is handled when it is adopted, see {@link adoptStatics}; the class
 * attributes the library answers per class, `perClass`, have their own
 * accessors.)
 */
function defineClassAttributes(cls: AnyClass, proto: Members, perClass: readonly string[]): void {
  for (const camel of Object.getOwnPropertyNames(proto)) {
    if (perClass.includes(camel)) continue;
    const desc = Object.getOwnPropertyDescriptor(proto, camel)!;
    if (!("value" in desc) || typeof desc.value === "function" || camel in Function.prototype || camel === "prototype") continue;
    const python = camelToPython.get(camel) ?? camel;
    for (const spelling of python === camel ? [camel] : [camel, python]) {
      if (hasOwn(cls, spelling) || spelling in Function.prototype) continue;
      defineClassAttribute(cls, spelling, camel);
    }
  }
}

/** Define `spelling` on `ctor` as an accessor of the default `camel` on the prototype of the class it is used on. */
function defineClassAttribute(ctor: object, spelling: string, camel: string): void {
  const get = function (this: { prototype: Members }): unknown {
    return this.prototype[camel];
  };
  forwarderGetters.add(get);
  Object.defineProperty(ctor, spelling, {
    configurable: true,
    enumerable: false,
    get,
    set(this: { prototype: Members }, value: unknown) {
      this.prototype[camel] = value;
    },
  });
}

/**
 * Define `python` on the class `cls` as a non-enumerable accessor for its
 * static member `camel`. Subclasses inherit it; `this` is the class the
 * member was used on, so the camelCase member's own rules (an accessor that
 * answers per class, say) apply unchanged.
 */
function defineStaticForwarder(cls: object, python: string, camel: string): void {
  installForwarder(cls, python, camel, function (this: Members): unknown {
    return this[camel];
  });
}

/**
 * Define `python` on `owner` as a non-enumerable forwarder: `get` reads,
 * and the setter writes `camel` on the object assigned to.
 */
function installForwarder(owner: object, python: string, camel: string, get: (this: never) => unknown): void {
  forwarderGetters.add(get);
  Object.defineProperty(owner, python, {
    configurable: true,
    enumerable: false,
    get,
    set(this: Members, value: unknown) {
      this[camel] = value;
    },
  });
}

/**
 * Define `python` on `owner` as a non-enumerable accessor for `camel`.
 *
 * The setter writes `camel` on the object assigned to (`this`: a prototype
 * or an instance), so the library, which only ever reads `camel`, sees it.
 *
 * The getter reads `camel` as seen from where the property lookup that
 * reached this accessor started. JavaScript does not say where that was, but
 * it can be narrowed down: the lookup passed every object between the
 * receiver and `owner`, so it started above the highest of them that owns
 * `python` itself. Every object that owns a camelCase member also owns its
 * forwarder (library prototypes get one here, user prototypes when adopted,
 * see {@link adoptPythonNames}), so starting there gives the same answer as
 * the real start. A plain read (`handler.log_message`) starts at the
 * receiver; `super.log_message()` inside an override defined on prototype
 * `P` starts at `P`'s parent, so it reaches the base implementation and never
 * the override again.
 */
function defineForwarder(owner: object, python: string, camel: string): void {
  forwardersChanged++;
  // The walk below depends only on the receiver's prototype chain (when the
  // receiver does not own `python` itself): remember its result for the last
  // prototype seen, until any forwarder is defined anywhere. A handler
  // written with Python names then pays one comparison per call, not a walk.
  let seenProto: object | null = null;
  let seenStart: object | null = null;
  let seenAt = -1;
  const get = function (this: unknown): unknown {
    if (this === null || (typeof this !== "object" && typeof this !== "function")) return Reflect.get(owner, camel);
    const receiver = this as object;
    const proto = Object.getPrototypeOf(receiver) as object | null;
    if (proto === seenProto && seenAt === forwardersChanged && !hasOwn(receiver, python)) {
      return seenStart === null ? (receiver as Members)[camel] : Reflect.get(seenStart, camel, receiver);
    }
    // `start` null: the lookup started at the receiver.
    let start: object | null = null;
    for (let o: object | null = receiver; o !== owner; ) {
      // A receiver outside owner's chain (a detached getter): read from owner.
      if (o === null) return Reflect.get(owner, camel, receiver);
      const parent = Object.getPrototypeOf(o) as object | null;
      if (hasOwn(o, python)) start = parent;
      o = parent;
    }
    if (!hasOwn(receiver, python)) {
      seenProto = proto;
      seenStart = start;
      seenAt = forwardersChanged;
    }
    return start === null ? (receiver as Members)[camel] : Reflect.get(start, camel, receiver);
  };
  installForwarder(owner, python, camel, get);
}

/** The class name to show in an error about `proto`. */
function classNameOf(proto: object): string {
  const ctor = hasOwn(proto, "constructor") ? (proto as { constructor?: { name?: unknown } }).constructor : undefined;
  return typeof ctor?.name === "string" && ctor.name !== "" ? ctor.name : "(anonymous class)";
}

/**
 * Make a user subclass's members visible under both spellings. Called by the
 * library's constructors with `new.target`; does its work once per class.
 *
 * @throws TypeError when one class body spells a member both ways
 *   (`end_headers` and `endHeaders`), or declares a static member under the
 *   name of a library method. The class stays unadopted, so every later
 *   construction throws the same error.
 */
export function adoptPythonNames(cls: object): void {
  if (adopted.has(cls)) return;
  const chain: Members[] = [];
  let proto = (cls as { prototype?: object }).prototype as Members | undefined;
  while (proto && !libraryPrototypes.has(proto)) {
    chain.push(proto);
    proto = Object.getPrototypeOf(proto) as Members | undefined;
  }
  const library = proto ?? null;
  // Base-most user class first: its defaults are in place before a subclass's.
  for (const p of chain.reverse()) {
    if (adoptedPrototypes.has(p)) continue;
    adoptPrototype(p);
    if (library !== null) adoptStatics(p, library);
    adoptedPrototypes.add(p);
  }
  adopted.add(cls);
}

/** Adopt the members one user prototype owns; see {@link adoptPythonNames}. */
function adoptPrototype(p: Members): void {
  const names = Object.getOwnPropertyNames(p);
  for (const name of names) {
    const pair = spellings(name);
    if (pair && name === pair.python && hasOwn(p, pair.camel) && !isForwarder(p, pair.python)) {
      throw new TypeError(
        `${classNameOf(p)} defines both ${pair.python}() and ${pair.camel}(), two spellings of one member; keep one of them`,
      );
    }
  }
  for (const name of names) {
    const pair = spellings(name);
    if (pair === undefined || isForwarder(p, pair.python)) continue;
    if (name === pair.python) {
      // Written under its Python name: the camelCase name becomes the slot.
      const desc = Object.getOwnPropertyDescriptor(p, name)!;
      delete p[name];
      Object.defineProperty(p, pair.camel, desc);
    }
    defineForwarder(p, pair.python, pair.camel);
  }
}

/**
 * Static members of a user class named like an instance member of the
 * library (`static server_version = "X/1"`, `static protocolVersion = ...`)
 * are Python class attributes: each becomes the default on the class's
 * prototype, and the static itself becomes an accessor of that default
 * (under both spellings), so assigning it later still takes effect. For a
 * class attribute the library already answers per class (its `statics`),
 * the static is only moved to the prototype: the library's accessors do the rest.
 */
function adoptStatics(p: Members, library: object): void {
  if (!hasOwn(p, "constructor")) return;
  const ctor: unknown = p.constructor;
  if (typeof ctor !== "function") return;
  const className = classNameOf(p);
  const found: Array<{ name: string; python: string; camel: string; desc: PropertyDescriptor }> = [];
  for (const name of Object.getOwnPropertyNames(ctor)) {
    if (name === "prototype" || name === "length" || name === "name") continue;
    const pair = spellings(name) ?? (name in library ? { python: name, camel: name } : undefined);
    if (pair === undefined) continue;
    const desc = Object.getOwnPropertyDescriptor(ctor, name)!;
    if (desc.get && forwarderGetters.has(desc.get)) continue;
    const base = lookup(library, pair.camel);
    const isMethod = typeof base?.value === "function" && !hasOwn(base.value as object, "prototype");
    if (isMethod || (base && !("value" in base))) {
      throw new TypeError(
        `${className} declares static ${name}, but ${pair.camel} is an instance ${isMethod ? "method" : "accessor"} ` +
          `of the library; define it without \`static\``,
      );
    }
    if (!("value" in desc)) {
      throw new TypeError(`${className} declares static ${name} as an accessor; give it a plain value (a class default)`);
    }
    const clash = found.find((f) => f.camel === pair.camel);
    if (clash) {
      throw new TypeError(`${className} declares both static ${clash.name} and static ${name}, two spellings of one member; keep one of them`);
    }
    if (hasOwn(p, pair.camel) || hasOwn(p, pair.python)) {
      throw new TypeError(`${className} declares static ${name} and also defines ${pair.camel} on its prototype; keep one of them`);
    }
    found.push({ name, ...pair, desc });
  }
  for (const { name, python, camel, desc } of found) {
    Object.defineProperty(p, camel, { value: desc.value, writable: true, configurable: true, enumerable: false });
    if (python !== camel) defineForwarder(p, python, camel);
    if (perClassStatics.has(camel)) {
      // The library's static accessors (inherited) already read and write
      // the prototype's value, under both spellings, class by class.
      delete (ctor as unknown as Members)[name];
      continue;
    }
    for (const spelling of python === camel ? [camel] : [python, camel]) defineClassAttribute(ctor, spelling, camel);
  }
}

/** The descriptor of `name` on `o` or the nearest prototype that has it. */
function lookup(o: object | null, name: string): PropertyDescriptor | undefined {
  for (; o !== null; o = Object.getPrototypeOf(o) as object | null) {
    const desc = Object.getOwnPropertyDescriptor(o, name);
    if (desc) return desc;
  }
  return undefined;
}

/**
 * Class fields declared in a subclass body under their Python spelling
 * (`protocol_version = "HTTP/1.1";`) become own data properties of the
 * instance that hide the prototype's forwarder. Move each onto its camelCase
 * name, so both names agree.
 *
 * @throws TypeError when the instance carries one member as class fields
 *   under both spellings (`request_queue_size = 1; requestQueueSize = 2;`).
 *   Per-instance state the library's constructor assigns (`clientAddress`,
 *   `closeConnection`, ...) is simply replaced by the Python-spelled field.
 */
export function adoptInstanceNames(instance: object): void {
  // Class fields are the same on every instance of a class: once one
  // instance showed none under a Python name, skip the scan for its class.
  const cls = (instance as { constructor?: object }).constructor;
  if (cls && withoutPythonFields.has(cls)) return;
  const own = instance as Members;
  let found = false;
  for (const name of Object.keys(own)) {
    const camel = pythonToCamel.get(name);
    if (camel === undefined || camel === name) continue;
    found = true;
    if (hasOwn(own, camel) && !instanceAttributes.has(camel)) {
      throw new TypeError(
        `${classNameOf(Object.getPrototypeOf(own) as object)} sets both ${name} and ${camel} as class fields, ` +
          `two spellings of one member; keep one of them`,
      );
    }
    const value = own[name];
    delete own[name];
    own[camel] = value;
  }
  if (!found && cls) withoutPythonFields.add(cls);
}

/**
 * `SimpleHTTPRequestHandler.extensionsMap` as a class attribute: one mutable
 * map per handler class, kept on the class's prototype (where the handler
 * reads it on every request, with no extra step).
 *
 * The rule, chosen to be safe where Python shares one dict:
 *
 * - The library class owns its map; editing it
 *   (`SimpleHTTPRequestHandler.extensions_map[".wasm"] = ...`) changes every
 *   subclass that has no map of its own, as in Python.
 * - The first time a subclass's map is used through the class
 *   (`Sub.extensions_map`, to read, edit or spread it), the subclass gets its
 *   own copy of its parent's map as it is at that moment. Edits through the
 *   subclass stay in the subclass (and its own subclasses); Python would
 *   have changed the parent's dict.
 * - Assigning (`Sub.extensions_map = {...}`) gives the class that object.
 *
 * @module
 */

/** A handler class, seen as the holder of its prototype's `extensionsMap`. */
type MapHolder = { prototype: object };

/** The two spellings a class body may declare the attribute under, as a static. */
const STATIC_NAMES = ["extensionsMap", "extensions_map"] as const;

/**
 * A value declared as a static class attribute (`static extensions_map = ...`)
 * that the Python-name mechanism has not moved onto the prototype yet (it
 * does so when the class is first instantiated).
 */
function declaredStatic(cls: MapHolder): { name: string; value: unknown } | undefined {
  for (const name of STATIC_NAMES) {
    const desc = Object.getOwnPropertyDescriptor(cls, name);
    if (desc && "value" in desc) return { name, value: desc.value };
  }
  return undefined;
}

/**
 * The map `cls` owns, made on first use as a copy of the one its instances
 * inherit (the parent class's).
 */
export function classExtensionsMap(cls: MapHolder): Record<string, string> {
  const proto = cls.prototype as { extensionsMap?: Record<string, string> };
  if (Object.hasOwn(proto, "extensionsMap")) return proto.extensionsMap!;
  const declared = declaredStatic(cls);
  if (declared) return declared.value as Record<string, string>;
  const own = { ...proto.extensionsMap };
  Object.defineProperty(proto, "extensionsMap", { value: own, writable: true, configurable: true, enumerable: false });
  return own;
}

/** Give `cls` (and the subclasses without a map of their own) the map `map`. */
export function setClassExtensionsMap(cls: MapHolder, map: Record<string, string>): void {
  const declared = declaredStatic(cls);
  if (declared) {
    (cls as unknown as Record<string, unknown>)[declared.name] = map;
    return;
  }
  Object.defineProperty(cls.prototype, "extensionsMap", { value: map, writable: true, configurable: true, enumerable: false });
}

/**
 * Registry: the array-backed set behind the servers' per-connection
 * bookkeeping (handlers, requests in flight, head clocks).
 */
import { expect } from "chai";
import { Registry, type RegistryEntry } from "../../lib/socketserver/registry.js";

describe("Registry", () => {
  it("adds and removes in any order, keeping every other value", () => {
    const registry = new Registry<string>();
    const entries = new Map<string, RegistryEntry<string>>();
    for (const name of ["a", "b", "c", "d", "e"]) entries.set(name, registry.add(name));
    expect(registry.size).to.equal(5);
    for (const name of ["b", "e", "a"]) expect(registry.delete(entries.get(name)!)).to.equal(true);
    expect(registry.size).to.equal(2);
    expect(registry.values().sort()).to.deep.equal(["c", "d"]);
    entries.set("f", registry.add("f"));
    expect(registry.values().sort()).to.deep.equal(["c", "d", "f"]);
    for (const name of ["c", "d", "f"]) expect(registry.delete(entries.get(name)!)).to.equal(true);
    expect(registry.size).to.equal(0);
    expect(registry.values()).to.deep.equal([]);
  });

  it("removing an entry twice is harmless and does not remove the value that took its slot", () => {
    const registry = new Registry<number>();
    const first = registry.add(1);
    registry.add(2);
    expect(registry.delete(first)).to.equal(true);
    expect(first.index).to.equal(-1);
    expect(registry.delete(first)).to.equal(false);
    expect(registry.values()).to.deep.equal([2]);
  });

  it("an entry of another registry is not removed", () => {
    const one = new Registry<number>();
    const other = new Registry<number>();
    one.add(1);
    const foreign = other.add(2);
    expect(one.delete(foreign)).to.equal(false);
    expect(one.values()).to.deep.equal([1]);
    expect(other.values()).to.deep.equal([2]);
  });

  it("find() returns a value's entry, or null", () => {
    const registry = new Registry<object>();
    const x = {};
    const y = {};
    registry.add(x);
    const ey = registry.add(y);
    expect(registry.find(y)).to.equal(ey);
    expect(registry.find({})).to.equal(null);
  });

  it("values() is a copy: removing while walking it visits every value once", () => {
    const registry = new Registry<number>();
    const entries = [1, 2, 3, 4].map((n) => registry.add(n));
    const seen: number[] = [];
    for (const n of registry.values()) {
      seen.push(n);
      registry.delete(entries[n - 1]!);
    }
    expect(seen.sort()).to.deep.equal([1, 2, 3, 4]);
    expect(registry.size).to.equal(0);
  });
});

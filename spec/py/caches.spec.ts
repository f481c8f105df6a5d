/**
 * lib/py/caches.ts: the one cache type, first in first out with a fixed
 * number of entries, and the table of lib/http/caches.ts.
 */
import { expect } from "chai";
import { BoundedCache } from "../../lib/py/caches.js";
import * as httpCaches from "../../lib/http/caches.js";

describe("BoundedCache", () => {
  it("returns what was stored, and set() returns the value", () => {
    const c = new BoundedCache<string, number>(3);
    expect(c.set("a", 1)).to.equal(1);
    expect(c.get("a")).to.equal(1);
    expect(c.get("b")).to.equal(undefined);
    expect(c.size).to.equal(1);
  });

  it("drops the oldest entry when full, whatever was read since (first in, first out)", () => {
    const c = new BoundedCache<string, number>(2);
    c.set("a", 1);
    c.set("b", 2);
    expect(c.get("a")).to.equal(1);
    c.set("c", 3);
    expect(c.size).to.equal(2);
    expect(c.get("b")).to.equal(2);
    expect(c.get("c")).to.equal(3);
    c.set("d", 4);
    expect(c.get("b")).to.equal(undefined);
    expect(c.get("c")).to.equal(3);
  });

  it("replacing a key keeps the size and moves it to the newest place", () => {
    const c = new BoundedCache<string, number>(2);
    c.set("a", 1);
    c.set("b", 2);
    c.set("a", 10);
    expect(c.size).to.equal(2);
    expect(c.get("a")).to.equal(10);
    c.set("c", 3);
    expect(c.get("b")).to.equal(undefined);
    expect(c.get("a")).to.equal(10);
  });

  it("delete() and clear() forget entries, including the last one looked up", () => {
    const c = new BoundedCache<number, string>(4);
    c.set(1, "one");
    expect(c.get(1)).to.equal("one");
    c.delete(1);
    expect(c.get(1)).to.equal(undefined);
    c.set(2, "two");
    expect(c.get(2)).to.equal("two");
    c.clear();
    expect(c.get(2)).to.equal(undefined);
    expect(c.size).to.equal(0);
  });

  it("refuses a bound below one", () => {
    expect(() => new BoundedCache(0)).to.throw(RangeError);
  });

  it("every cache of lib/http/caches.ts stays within its bound", () => {
    for (const [name, value] of Object.entries(httpCaches)) {
      if (!(value instanceof BoundedCache)) continue;
      expect(value.size, name).to.be.at.most(value.maxEntries);
    }
  });
});

/**
 * `extensions_map` / `extensionsMap` as a class-level, mutable map, the way
 * Python code edits it (`SimpleHTTPRequestHandler.extensions_map[".x"] = t`),
 * with the project's rule that a subclass's edits stay in the subclass.
 * Requests go through the handler in memory (`handleRawRequest`), so the
 * `Content-type` checked is the one a client would receive.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import { expect } from "chai";

import { DEFAULT_EXTENSIONS_MAP, addType } from "../../../../lib/http/server/files/mimetypes.js";
import { SimpleHTTPRequestHandler } from "../../../../lib/http/server/files/simple-handler.js";
import { handleRawRequest } from "../../../../lib/http/server/testing.js";
import { tempDir } from "../../../helpers.js";

type HandlerClass = typeof SimpleHTTPRequestHandler;

describe("extensions_map as a class attribute", () => {
  let dir: string;
  let remove: () => void;
  /** Keys this suite adds to the library class's map, removed afterwards. */
  const baseKeys = [".xbase1", ".xbase2", ".xbase3", ".xblock"];

  before(() => {
    ({ dir, remove } = tempDir("extmap-"));
    for (const name of ["a.xbase1", "a.xbase2", "a.xbase3", "a.xsub", "a.xsub2", "a.gz", "a.bz2", "a.xblock", "a.xadded", "a.xfield"]) {
      fs.writeFileSync(path.join(dir, name), "x");
    }
  });
  after(() => {
    for (const key of baseKeys) delete SimpleHTTPRequestHandler.extensions_map[key];
    remove();
  });

  /** The Content-type `Handler` sends for `/name`. */
  async function typeOf(Handler: HandlerClass, name: string): Promise<string | undefined> {
    const res = await handleRawRequest(Handler, `GET /${name} HTTP/1.0\r\n\r\n`, { handlerArgs: [{ directory: dir }] });
    expect(res.error, "the handler threw").to.equal(null);
    expect(res.status).to.equal(200);
    return res.header("Content-type");
  }

  it("the library class's map can be edited in place, under either spelling, and is one object", async () => {
    SimpleHTTPRequestHandler.extensions_map[".xbase1"] = "application/x-base1";
    SimpleHTTPRequestHandler.extensionsMap[".xbase2"] = "application/x-base2";
    expect(SimpleHTTPRequestHandler.extensions_map).to.equal(SimpleHTTPRequestHandler.extensionsMap);
    expect(await typeOf(SimpleHTTPRequestHandler, "a.xbase1")).to.equal("application/x-base1");
    expect(await typeOf(SimpleHTTPRequestHandler, "a.xbase2")).to.equal("application/x-base2");
    // Python's own default table is left as it is.
    expect(DEFAULT_EXTENSIONS_MAP).to.not.have.property(".xbase1");
    expect(Object.isFrozen(DEFAULT_EXTENSIONS_MAP)).to.equal(true);
  });

  it("an edit of the library class's map reaches a subclass that has no map of its own", async () => {
    class Plain extends SimpleHTTPRequestHandler {}
    expect(await typeOf(Plain, "a.xbase3")).to.equal("application/octet-stream");
    SimpleHTTPRequestHandler.extensions_map[".xbase3"] = "application/x-base3";
    expect(await typeOf(Plain, "a.xbase3")).to.equal("application/x-base3");
  });

  it("a subclass's edits stay in the subclass and its own subclasses", async () => {
    class Sub extends SimpleHTTPRequestHandler {}
    class SubSub extends Sub {}
    Sub.extensions_map[".xsub"] = "text/x-sub";
    SubSub.extensionsMap[".xsub2"] = "text/x-subsub";
    expect(Sub.extensions_map).to.equal(Sub.extensionsMap);
    expect(Sub.extensions_map).to.not.equal(SimpleHTTPRequestHandler.extensions_map);
    expect(await typeOf(Sub, "a.xsub")).to.equal("text/x-sub");
    expect(await typeOf(SubSub, "a.xsub")).to.equal("text/x-sub");
    expect(await typeOf(SubSub, "a.xsub2")).to.equal("text/x-subsub");
    expect(await typeOf(Sub, "a.xsub2")).to.equal("application/octet-stream");
    expect(await typeOf(SimpleHTTPRequestHandler, "a.xsub")).to.equal("application/octet-stream");
    expect(SimpleHTTPRequestHandler.extensions_map).to.not.have.property(".xsub");
    // The subclass's map starts from its parent's: the defaults are there.
    expect(Sub.extensions_map[".gz"]).to.equal("application/gzip");
    expect(await typeOf(Sub, "a.gz")).to.equal("application/gzip");
    // A spread copy holds every entry.
    expect({ ...SubSub.extensions_map }).to.include({ ".gz": "application/gzip", ".xsub": "text/x-sub", ".xsub2": "text/x-subsub" });
  });

  it("deleting an entry in a subclass changes only the subclass", async () => {
    class NoBzip2 extends SimpleHTTPRequestHandler {}
    delete NoBzip2.extensions_map[".bz2"];
    // Without the entry, `.bz2` is only an encoding: nothing names the type.
    expect(await typeOf(NoBzip2, "a.bz2")).to.equal("application/octet-stream");
    expect(NoBzip2.extensions_map).to.not.have.property(".bz2");
    expect(await typeOf(SimpleHTTPRequestHandler, "a.bz2")).to.equal("application/x-bzip2");
  });

  it("a subclass's map can be replaced by assignment, under either spelling", async () => {
    class Snake extends SimpleHTTPRequestHandler {}
    Snake.extensions_map = { ...SimpleHTTPRequestHandler.extensions_map, ".xsub": "text/x-snake" };
    class Camel extends SimpleHTTPRequestHandler {}
    Camel.extensionsMap = { ...SimpleHTTPRequestHandler.extensionsMap, ".xsub": "text/x-camel" };
    expect(Snake.extensionsMap[".xsub"]).to.equal("text/x-snake");
    expect(Camel.extensions_map[".xsub"]).to.equal("text/x-camel");
    expect(await typeOf(Snake, "a.xsub")).to.equal("text/x-snake");
    expect(await typeOf(Camel, "a.xsub")).to.equal("text/x-camel");
    expect(await typeOf(Camel, "a.gz")).to.equal("application/gzip");
    expect(await typeOf(SimpleHTTPRequestHandler, "a.xsub")).to.equal("application/octet-stream");
  });

  it("a static class attribute and a static block set the class's map", async () => {
    class Static extends SimpleHTTPRequestHandler {
      static override extensions_map: Record<string, string> = { ...SimpleHTTPRequestHandler.extensions_map, ".xsub": "text/x-static" };
    }
    class Block extends SimpleHTTPRequestHandler {
      static {
        this.extensions_map[".xblock"] = "text/x-block";
      }
    }
    expect(await typeOf(Static, "a.xsub")).to.equal("text/x-static");
    expect(Static.extensionsMap[".xsub"]).to.equal("text/x-static");
    expect(await typeOf(Block, "a.xblock")).to.equal("text/x-block");
    expect(await typeOf(SimpleHTTPRequestHandler, "a.xblock")).to.equal("application/octet-stream");
  });

  it("a field initialiser can start from the inherited map, under either spelling", async () => {
    class CamelField extends SimpleHTTPRequestHandler {
      override extensionsMap = { ...this.extensions_map, ".xfield": "text/x-camel-field" };
    }
    class SnakeField extends SimpleHTTPRequestHandler {
      override extensions_map = { ...this.extensionsMap, ".xfield": "text/x-snake-field" };
    }
    class FromClass extends SimpleHTTPRequestHandler {
      override extensionsMap = { ...SimpleHTTPRequestHandler.extensionsMap, ".xfield": "text/x-from-class" };
    }
    expect(await typeOf(CamelField, "a.xfield")).to.equal("text/x-camel-field");
    expect(await typeOf(SnakeField, "a.xfield")).to.equal("text/x-snake-field");
    expect(await typeOf(FromClass, "a.xfield")).to.equal("text/x-from-class");
    expect(await typeOf(SnakeField, "a.gz")).to.equal("application/gzip");
  });

  it("addType() still feeds every class's guesses", async () => {
    class Sub extends SimpleHTTPRequestHandler {}
    Sub.extensions_map[".xsub"] = "text/x-sub";
    addType("application/x-added", ".xadded");
    expect(await typeOf(SimpleHTTPRequestHandler, "a.xadded")).to.equal("application/x-added");
    expect(await typeOf(Sub, "a.xadded")).to.equal("application/x-added");
  });
});

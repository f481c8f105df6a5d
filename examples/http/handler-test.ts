/**
 * Unit tests of the example handlers, without sockets: `handleRawRequest()`
 * feeds a handler the raw bytes of one or more requests, lets it run to the
 * end of that input, and returns what it wrote, parsed (status, headers,
 * body, each response of a keep-alive exchange) with the log lines it made.
 *
 * Each check below is a plain async function using `node:assert`, so any
 * test runner can call it (spec/examples/http-examples.spec.ts runs them
 * under mocha); run as a script, the file runs them all:
 *
 * ```sh
 * node dist/examples/http/handler-test.js      # "ok - ..." per check; exit status 1 on a failure
 * ```
 *
 * @module
 */
import assert from "node:assert/strict";
import { pathToFileURL } from "node:url";
import { handleRawRequest } from "http.server/testing";
import { FormHandler } from "./form.js";
import { HelloHandler } from "./hello.js";
import { ItemStore, JSONAPIHandler } from "./json-api.js";

/** The checks, by name. */
export const checks: Record<string, () => Promise<void>> = {
  async "hello: the name comes from the path"() {
    const res = await handleRawRequest(HelloHandler, "GET /Ada%20Lovelace HTTP/1.1\r\nHost: example\r\n\r\n");
    assert.equal(res.statusLine, "HTTP/1.0 200 OK"); // the handler speaks HTTP/1.0 by default
    assert.equal(res.header("Content-Type"), "text/plain; charset=utf-8");
    assert.equal(res.text, "Hello, Ada Lovelace!\n");
    // The log line, as it would have gone to stderr.
    assert.match(res.logs[0]!, /^127\.0\.0\.1 - - \[.+\] "GET \/Ada%20Lovelace HTTP\/1\.1" 200 -\n$/);
  },

  async "hello: a method without do_<METHOD>() gets 501"() {
    const res = await handleRawRequest(HelloHandler, "DELETE / HTTP/1.0\r\n\r\n");
    assert.equal(res.status, 501);
    assert.equal(res.reason, "Unsupported method ('DELETE')");
  },

  async "form: the posted name is read from the body and escaped"() {
    const body = "name=%3Cb%3EAda%3C%2Fb%3E";
    const res = await handleRawRequest(
      FormHandler,
      `POST / HTTP/1.0\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    assert.equal(res.status, 200);
    assert.match(res.text, /<p>Hello, &#60;b&#62;Ada&#60;\/b&#62;!<\/p>/);
  },

  async "form: a body over maxRequestBody gets 413 before do_POST() runs"() {
    const res = await handleRawRequest(
      FormHandler,
      "POST / HTTP/1.0\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000000\r\n\r\n",
    );
    assert.equal(res.status, 413);
    assert.equal(res.header("Connection"), "close");
  },

  async "json-api: several requests on one keep-alive connection"() {
    const item = JSON.stringify({ name: "tea" });
    const res = await handleRawRequest(
      JSONAPIHandler,
      [
        `POST /items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${item.length}\r\n\r\n${item}`,
        "GET /items HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /items/7 HTTP/1.1\r\nHost: x\r\n\r\n",
      ],
      // The stand-in server the handler sees: give it the state the real server has.
      { server: { store: new ItemStore() } },
    );
    assert.deepEqual(
      res.responses.map((r) => r.status),
      [201, 200, 404],
    );
    const [created, list, missing] = res.responses;
    assert.equal(created!.header("Location"), "/items/1");
    assert.deepEqual(JSON.parse(list!.text), [{ id: 1, name: "tea" }]);
    assert.deepEqual(JSON.parse(missing!.text), { error: { code: 404, message: "nothing at /items/7" } });
    assert.equal(res.error, null); // nothing was thrown
  },

  async "json-api: bad JSON gets a JSON 400"() {
    const res = await handleRawRequest(
      JSONAPIHandler,
      "POST /items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\n{oops",
      { server: { store: new ItemStore() } },
    );
    assert.equal(res.status, 400);
    assert.equal(res.header("Content-Type"), "application/json");
    assert.equal(JSON.parse(res.text).error.message, "the body is not valid JSON");
  },
};

/** Run every check, print `ok` or `not ok` for each, and return the number of failures. */
export async function runChecks(print: (line: string) => void = console.log): Promise<number> {
  let failed = 0;
  for (const [name, check] of Object.entries(checks)) {
    try {
      await check();
      print(`ok - ${name}`);
    } catch (err) {
      failed++;
      print(`not ok - ${name}\n  ${String(err instanceof Error ? err.message : err).replace(/\n/g, "\n  ")}`);
    }
  }
  return failed;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = (await runChecks()) === 0 ? 0 : 1;
}

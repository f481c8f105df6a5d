/**
 * `toRequestListener()` inside Fastify 5: the route hijacks the reply and
 * hands `request.raw` / `reply.raw` to the listener; a content-type parser
 * that reads nothing leaves the body to the handler's `rfile`.
 */
import { expect } from "chai";
import Fastify, { type FastifyInstance } from "fastify";

import { kLogLines } from "../../../../lib/http/server/base-handler.js";
import { toRequestListener } from "../../../../lib/http/server/adapters/request-listener.js";
import type { HandlerClass } from "../../../../lib/http/server/adapters/exchange.js";
import { HOST } from "../../../helpers.js";
import { Echo, httpSend } from "./fixtures.js";

describe("adapters: Fastify 5 through reply.raw", function () {
  this.timeout(30000);
  let app: FastifyInstance;
  let port: number;

  before(async () => {
    app = Fastify();
    // Leave every request body unread: the handler reads it from rfile.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser("*", (_request, _payload, done) => done(null));
    const listener = toRequestListener(Echo as HandlerClass, { server: { [kLogLines]: [] } });
    app.all("/api/*", (request, reply) => {
      reply.hijack();
      listener(request.raw, reply.raw);
    });
    await app.listen({ port: 0, host: HOST });
    port = (app.server.address() as { port: number }).port;
  });
  after(() => app.close());

  it("GET: the handler's answer, full path", async () => {
    const r = await httpSend(port, { method: "GET", path: "/api/hello" });
    expect(r.status).to.equal(200);
    expect(r.header("x-path")).to.equal("/api/hello");
    expect(r.body.toString()).to.equal("hello\n");
  });

  it("POST with a JSON body and a chunked one: the handler reads both", async () => {
    const json = await httpSend(port, { method: "POST", path: "/api/echo", headers: { "Content-Type": "application/json" }, body: Buffer.from('{"a":1}') });
    expect(json.body.toString()).to.equal('POST /api/echo 7 {"a":1}');
    const chunked = await httpSend(port, { method: "POST", path: "/api/echo", body: [Buffer.from("x"), Buffer.from("yz")] });
    expect(chunked.header("x-framing")).to.equal("chunked");
    expect(chunked.body.toString()).to.equal("POST /api/echo 3 xyz");
  });
});

/**
 * `examples/http/express-app.ts`, the example `docs/node-integration.md`
 * shows, run as a real process and asked with curl and fetch.
 */
import { expect } from "chai";

import { HOST, run } from "../../../helpers.js";
import { startScript, type RunningScript } from "../../../examples/clients.js";

describe("examples/http/express-app.ts", function () {
  this.timeout(30000);
  let script: RunningScript;

  before(async () => {
    script = await startScript("http/express-app.js", ["0"]);
  });
  after(async () => {
    await script.stop();
  });

  it("answers the API, the folder and Express's own route", async () => {
    const base = `http://${HOST}:${script.port}`;
    const time = await fetch(`${base}/api/time`);
    expect(time.headers.get("content-type")).to.equal("application/json");
    expect(await time.json()).to.deep.equal({ now: "1970-01-01T00:00:00.000Z", path: "/api/time" });
    const doubled = await run("curl", ["-s", "-d", '{"n": 21}', `${base}/api/double`]);
    expect(doubled.stdout).to.equal('{"doubled":42}\n');
    const bad = await fetch(`${base}/api/double`, { method: "POST", body: "nope" });
    expect(bad.status).to.equal(400);
    const notes = await run("curl", ["-s", "-i", "-H", "Range: bytes=0-4", `${base}/static/notes.txt`]);
    expect(notes.stdout).to.match(/^HTTP\/1\.1 206 Partial Content\r\n/);
    const root = await fetch(`${base}/`);
    expect(await root.text()).to.equal("Express here: see /api/time and /static/\n");
    const put = await fetch(`${base}/api/time`, { method: "PUT" });
    expect(put.status).to.equal(404);
  });
});

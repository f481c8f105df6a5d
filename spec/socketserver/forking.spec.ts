/**
 * ForkingMixIn, tested by spawning spec/fixtures/forking-server.js as a
 * separate program: cluster workers re-run the entry script, so forking from
 * inside mocha's own process is never done.
 */
import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { ForkingTCPServer, ForkingUDPServer, StreamRequestHandler, isForkedWorker } from "../../lib/socketserver/index.js";
import { connect, delay, exchange, latin1, readAll, run, tempDir, udpExchange, within } from "../helpers.js";

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "forking-server.js");

/** A running fixture: its first JSON line, a way to send commands, and its output. */
class Fixture {
  readonly child: ChildProcess;
  stderr = "";
  #lines: string[] = [];
  #waiters: Array<() => void> = [];
  #buffer = "";
  readonly exited: Promise<number | null>;

  constructor(args: string[], options: Record<string, unknown> = {}) {
    this.child = spawn(process.execPath, [FIXTURE, ...args], {
      env: { ...process.env, FIXTURE_OPTIONS: JSON.stringify(options) },
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.child.stdout!.setEncoding("utf8");
    this.child.stdout!.on("data", (chunk: string) => {
      this.#buffer += chunk;
      let at: number;
      while ((at = this.#buffer.indexOf("\n")) !== -1) {
        this.#lines.push(this.#buffer.slice(0, at));
        this.#buffer = this.#buffer.slice(at + 1);
      }
      for (const w of this.#waiters.splice(0)) w();
    });
    this.child.stderr!.setEncoding("utf8");
    this.child.stderr!.on("data", (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => this.child.once("exit", (code) => resolve(code)));
    void this.exited.then(() => {
      for (const w of this.#waiters.splice(0)) w();
    });
  }

  /** The next JSON line the primary prints. */
  async next<T = Record<string, unknown>>(ms = 10000): Promise<T> {
    const deadline = Date.now() + ms;
    while (this.#lines.length === 0) {
      if (this.child.exitCode !== null) throw new Error(`fixture exited (${this.child.exitCode}); stderr:\n${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`fixture said nothing for ${ms} ms; stderr:\n${this.stderr}`);
      await within(new Promise<void>((r) => this.#waiters.push(r)), deadline - Date.now() + 10, "fixture output").catch(() => undefined);
    }
    return JSON.parse(this.#lines.shift()!) as T;
  }

  async command<T = Record<string, unknown>>(line: string): Promise<T> {
    this.child.stdin!.write(line + "\n");
    return this.next<T>();
  }

  /** Ask the fixture to close; return its last report and exit code. */
  async close(): Promise<{ report: { closed: boolean; children: number[]; fileno: number }; code: number | null }> {
    const report = await this.command<{ closed: boolean; children: number[]; fileno: number }>("close");
    const code = await within(this.exited, 10000, "the fixture exiting after close");
    return { report, code };
  }

  /** Last resort in afterEach: never leave a fixture running. */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }
}

describe("ForkingMixIn (in spawned fixture programs)", function () {
  this.timeout(30000);
  let fixtures: Fixture[] = [];
  let tmp: ReturnType<typeof tempDir>;

  function start(args: string[], options: Record<string, unknown> = {}): Fixture {
    const f = new Fixture(args, options);
    fixtures.push(f);
    return f;
  }

  beforeEach(() => {
    tmp = tempDir();
  });

  afterEach(() => {
    for (const f of fixtures) f.kill();
    fixtures = [];
    tmp.remove();
  });

  it("has Python's defaults under both spellings, and the test process is not a forked worker", () => {
    const proto = ForkingTCPServer.prototype as unknown as Record<string, unknown>;
    expect([proto.timeout, proto.maxChildren, proto.max_children, proto.blockOnClose]).to.deep.equal([300, 40, 40, true]);
    expect(isForkedWorker()).to.equal(false);
  });

  it("answers from worker processes, two at once for two slow clients, and exits cleanly after close", async () => {
    const f = start(["tcp"]);
    const hello = await f.next<{ address: [string, number]; pid: number; fileno: number }>();
    expect(hello.address[1]).to.be.above(0);
    expect(hello.fileno).to.be.at.least(0);
    const started = Date.now();
    const pids = (await Promise.all([exchange(hello.address, "slow 600\n", { ms: 15000 }), exchange(hello.address, "slow 600\n", { ms: 15000 })])).map((b) => Number(latin1(b)));
    expect(pids.every((p) => Number.isInteger(p) && p > 0), `pids ${pids}; stderr: ${f.stderr}`).to.equal(true);
    expect(pids).to.not.include(hello.pid);
    expect(new Set(pids).size).to.equal(2);
    expect(Date.now() - started).to.be.below(10000);
    const { children } = await f.command<{ children: number[] }>("children");
    expect([...children].sort()).to.deep.equal([...pids].sort());
    // A later quick request reuses a worker.
    const again = Number(latin1(await exchange(hello.address, "pid\n")));
    expect(pids).to.include(again);
    const { report, code } = await f.close();
    expect(report.closed).to.equal(true);
    // bpo-31151: server_close() waits until every child has finished.
    expect(report.children).to.deep.equal([]);
    expect(report.fileno).to.equal(-1);
    expect(code).to.equal(0);
    for (const pid of pids) expect(() => process.kill(pid, 0)).to.throw(/ESRCH/);
  });

  it("keeps serving after a handler exits its process", async () => {
    const f = start(["tcp"]);
    const { address } = await f.next<{ address: [string, number] }>();
    const crashed = Number(latin1(await exchange(address, "exit\n")));
    expect(crashed).to.be.above(0);
    const next = Number(latin1(await exchange(address, "pid\n")));
    expect(next).to.be.above(0);
    expect(next).to.not.equal(crashed);
    const { code, report } = await f.close();
    expect(code).to.equal(0);
    expect(report.children).to.deep.equal([]);
  });

  it("keeps serving after an uncaught exception from a timer kills a worker mid-request", async () => {
    const f = start(["tcp"]);
    const { address } = await f.next<{ address: [string, number] }>();
    const sock = await connect(address);
    const all = readAll(sock, 10000);
    sock.write("crash\n");
    expect((await all).toString()).to.equal("");
    const next = Number(latin1(await exchange(address, "pid\n")));
    expect(next).to.be.above(0);
    expect(f.stderr).to.contain("crash from a timer in the worker");
    const { code } = await f.close();
    expect(code).to.equal(0);
  });

  it("hands a request to another worker when its worker dies before receiving it", async () => {
    const f = start(["tcp"]);
    const { address } = await f.next<{ address: [string, number] }>();
    const doomed = Number(latin1(await exchange(address, "die-on-next\n")));
    expect(doomed).to.be.above(0);
    // The only (idle) worker gets this request and exits on receiving it.
    const next = Number(latin1(await exchange(address, "pid\n", { ms: 10000 })));
    expect(next).to.be.above(0);
    expect(next).to.not.equal(doomed);
    const { code, report } = await f.close();
    expect(code).to.equal(0);
    expect(report.children).to.deep.equal([]);
  });

  it("the same for datagrams: a worker dying before receiving one does not lose the reply", async () => {
    const f = start(["udp"]);
    const { address } = await f.next<{ address: [string, number] }>();
    const doomed = Number((await udpExchange(address, "die-on-next", 10000)).data.toString());
    const next = Number((await udpExchange(address, "pid", 10000)).data.toString());
    expect(next).to.be.above(0);
    expect(next).to.not.equal(doomed);
    const { code } = await f.close();
    expect(code).to.equal(0);
  });

  it("a worker that exits before its server is ready fails that request through handleError, without hanging", async () => {
    const f = start(["tcp"], { brokenWorkers: true });
    const { address } = await f.next<{ address: [string, number] }>();
    expect(latin1(await exchange(address, "pid\n", { ms: 10000 }))).to.equal("");
    expect(latin1(await exchange(address, "pid\n", { ms: 10000 }))).to.equal("");
    const { code, report } = await f.close();
    expect(code).to.equal(0);
    expect(report.children).to.deep.equal([]);
    const banners = f.stderr.match(/Exception occurred during processing of request from \('127\.0\.0\.1', \d+\)\nError: worker process \d+ exited \(code 0\) before its server was ready/g);
    expect(banners).to.have.length(2);
  });

  it("reports a handler error through handleError in the worker and goes on", async () => {
    const f = start(["tcp"]);
    const { address } = await f.next<{ address: [string, number] }>();
    expect(latin1(await exchange(address, "error\n"))).to.equal("");
    const next = Number(latin1(await exchange(address, "pid\n")));
    expect(next).to.be.above(0);
    const { code } = await f.close();
    expect(code).to.equal(0);
    expect(f.stderr).to.match(/-{40}\nException occurred during processing of request from \('127\.0\.0\.1', \d+\)\nError: handler error in the worker\n/);
  });

  it("never runs more than maxChildren workers", async () => {
    const f = start(["tcp"], { maxChildren: 2 });
    const { address } = await f.next<{ address: [string, number] }>();
    const replies = Promise.all([1, 2, 3, 4].map(() => exchange(address, "slow 500\n", { ms: 15000 })));
    await delay(250);
    const during = await f.command<{ children: number[] }>("children");
    const pids = (await replies).map((b) => Number(latin1(b)));
    expect(pids.every((p) => p > 0)).to.equal(true);
    expect(new Set(pids).size).to.be.at.most(2);
    expect(during.children.length).to.be.at.most(2);
    const { code } = await f.close();
    expect(code).to.equal(0);
  });

  it("with maxChildren = 1 one worker answers everything", async () => {
    const f = start(["tcp"], { maxChildren: 1 });
    const { address } = await f.next<{ address: [string, number] }>();
    const pids = (await Promise.all([1, 2, 3].map(() => exchange(address, "slow 100\n", { ms: 15000 })))).map((b) => Number(latin1(b)));
    expect(new Set(pids).size).to.equal(1);
    const { code } = await f.close();
    expect(code).to.equal(0);
  });

  it("ForkingUDPServer answers datagrams from a worker process", async () => {
    const f = start(["udp"]);
    const hello = await f.next<{ address: [string, number]; pid: number }>();
    const first = await udpExchange(hello.address, "pid", 10000);
    const pid = Number(first.data.toString());
    expect(pid).to.be.above(0);
    expect(pid).to.not.equal(hello.pid);
    expect(first.from.port).to.equal(hello.address[1]);
    const second = await udpExchange(hello.address, "slow 10", 10000);
    expect(Number(second.data.toString())).to.be.above(0);
    const { code, report } = await f.close();
    expect(code).to.equal(0);
    expect(report.children).to.deep.equal([]);
  });

  it("ForkingUnixStreamServer answers over a socket file", async () => {
    const file = path.join(tmp.dir, "forking.sock");
    const f = start(["unix", file]);
    const hello = await f.next<{ address: string; pid: number }>();
    expect(hello.address).to.equal(file);
    const pid = Number(latin1(await exchange(file, "pid\n")));
    expect(pid).to.be.above(0);
    expect(pid).to.not.equal(hello.pid);
    const { code } = await f.close();
    expect(code).to.equal(0);
  });

  it("the fixture closes by itself when its stdin ends (the test runner went away)", async () => {
    const f = start(["tcp"]);
    await f.next();
    f.child.stdin!.end();
    const report = await f.next<{ closed: boolean }>();
    expect(report.closed).to.equal(true);
    expect(await within(f.exited, 10000, "exit")).to.equal(0);
  });

  it("in the primary, a forking server without workers closes at once", async () => {
    class Quiet extends ForkingTCPServer {}
    const server = new Quiet(["127.0.0.1", 0], StreamRequestHandler);
    await server.ready;
    expect(server.activeChildren).to.equal(null);
    await server.collectChildren();
    await server.handleTimeout();
    await server.serviceActions();
    await within(server.serverClose(), 2000, "serverClose");
    expect(server.fileno()).to.equal(-1);
    const udp = new ForkingUDPServer(["127.0.0.1", 0], StreamRequestHandler);
    await udp.ready;
    await udp.serverClose();
    expect(udp.fileno()).to.equal(-1);
  });
});

describe("ForkingMixIn: a worker that runs the main process's code again (spawned fixture programs)", function () {
  this.timeout(30000);
  const PORTED = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "forking-ported.js");
  const WARNING = /\[HTTP_SERVER_FORKED_WORKER\] Warning: this process \(pid (\d+)\) is a ForkingMixIn worker/g;

  /** The pids named by the worker warnings in `stderr`. */
  function warnedPids(stderr: string): string[] {
    return [...stderr.matchAll(WARNING)].map((m) => m[1]!);
  }

  it("the unguarded port warns on stderr, once in each worker that repeats the script", async () => {
    const result = await run(process.execPath, [PORTED, "naive"], 25000);
    const pids = warnedPids(result.stderr);
    expect(pids.length, result.stderr).to.be.at.least(1);
    expect(new Set(pids).size).to.equal(pids.length); // once per process
    expect(result.stderr).to.include("without having checked isForkedWorker()");
    expect(result.stderr).to.include("if (isForkedWorker()) { await server.serveForever(); }");
    // Each warning comes from a worker that repeats the loop line of the script.
    const loopPids = [...result.stdout.matchAll(/^Server loop running in process: (\d+)$/gm)].map((m) => m[1]!);
    for (const pid of pids) expect(loopPids).to.include(pid);
  });

  it("a plain server built in a worker's branch is reported", async () => {
    const result = await run(process.execPath, [PORTED, "extra-server"], 25000);
    expect(result.code, result.stderr).to.equal(0);
    expect(warnedPids(result.stderr).length).to.be.at.least(1);
    expect(result.stderr).to.include("constructs a server that is not a forking server");
    expect(result.stdout.match(/^Received: /gm)).to.have.length(3);
  });

  it("a worker's server shut down while the main process still uses it is reported", async () => {
    const result = await run(process.execPath, [PORTED, "shutdown-in-worker"], 25000);
    expect(result.code, result.stderr).to.equal(0);
    expect(warnedPids(result.stderr)).to.have.length(1);
    expect(result.stderr).to.include("shuts the worker's server down while the main process still sends it requests");
  });
});

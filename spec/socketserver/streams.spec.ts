/**
 * rfile and wfile on in-memory streams: BufferedReader, SocketWriter,
 * BytesWriter and their errors.
 */
import { expect } from "chai";
import { PassThrough, Writable } from "node:stream";
import {
  BrokenPipeError,
  BufferedReader,
  BytesWriter,
  SocketTimeoutError,
  SocketWriter,
} from "../../lib/socketserver/index.js";
import { toBuffer } from "../../lib/socketserver/streams.js";
import { delay, within } from "../helpers.js";

const text = (b: Buffer | null): string | null => (b === null ? null : b.toString("latin1"));

describe("BufferedReader", function () {
  describe("over fixed bytes (fromBytes)", () => {
    it("reads exact counts, then fewer at the end, then nothing", async () => {
      const r = BufferedReader.fromBytes("hello world");
      expect(r.atEOF).to.equal(true);
      expect(r.buffered).to.equal(11);
      expect(text(await r.read(5))).to.equal("hello");
      expect(text(await r.read(0))).to.equal("");
      expect(text(await r.read(100))).to.equal(" world");
      expect(text(await r.read())).to.equal("");
      expect(text(await r.readline())).to.equal("");
    });

    it("readline honours limits, and the try* methods never wait", async () => {
      const r = BufferedReader.fromBytes(Buffer.from("ab\ncdef\ng"));
      expect(text(r.tryReadline(1))).to.equal("a");
      expect(text(r.tryReadline())).to.equal("b\n");
      expect(text(r.tryRead(2))).to.equal("cd");
      expect(text(await r.readline(10))).to.equal("ef\n");
      expect(text(r.tryReadline())).to.equal("g");
      expect(text(r.tryRead(5))).to.equal("");
    });

    it("read1 returns what is buffered, at most n", async () => {
      const r = BufferedReader.fromBytes("abcdef");
      expect(text(await r.read1(4))).to.equal("abcd");
      expect(text(await r.read1())).to.equal("ef");
      expect(text(await r.read1())).to.equal("");
    });

    it("readBuffered takes what is there without waiting", () => {
      const r = BufferedReader.fromBytes("xyz");
      expect(text(r.readBuffered(2))).to.equal("xy");
      expect(text(r.readBuffered())).to.equal("z");
      expect(text(r.readBuffered())).to.equal("");
    });

    it("fill() says false at end of input", async () => {
      expect(await BufferedReader.fromBytes("").fill()).to.equal(false);
    });

    it("close() drops buffered bytes", async () => {
      const r = BufferedReader.fromBytes("data\n");
      r.close();
      r.close();
      expect(r.closed).to.equal(true);
      expect(r.buffered).to.equal(0);
      expect(text(await r.readline())).to.equal("");
    });
  });

  describe("over a stream", () => {
    it("waits for data, joins lines split across chunks, and sees end of input", async () => {
      const source = new PassThrough();
      const r = new BufferedReader(source);
      const line = r.readline();
      source.write("par");
      await delay(5);
      source.write("tial ");
      source.write("line\nnext");
      expect(text(await line)).to.equal("partial line\n");
      expect(r.atEOF).to.equal(false);
      const rest = r.read();
      source.end(" bit");
      expect(text(await rest)).to.equal("next bit");
      expect(r.atEOF).to.equal(true);
    });

    it("takes what the stream already holds at once, then reads on as usual", async () => {
      const src = new PassThrough();
      src.write("GET / HTTP/1.1\r\n");
      src.write("\r\n");
      const r = new BufferedReader(src);
      // No tick has passed: the bytes are there for a parser that never waits.
      expect(r.buffered).to.equal(18);
      expect(text(r.tryReadline(100))).to.equal("GET / HTTP/1.1\r\n");
      src.end("more");
      expect(text(await r.read())).to.equal("\r\nmore");
      expect(r.atEOF).to.equal(true);
    });

    it("reads across many small chunks with one copy", async () => {
      const source = new PassThrough();
      const r = new BufferedReader(source, Buffer.from("ab"));
      for (const c of ["cd", "ef", "gh"]) source.write(c);
      await delay(5);
      expect(r.buffered).to.equal(8);
      expect(text(await r.read(7))).to.equal("abcdefg");
      expect(text(r.tryReadline(0))).to.equal("");
      source.end();
      expect(text(await r.read())).to.equal("h");
    });

    it("pauses its source above 256 KiB buffered and resumes once drained", async () => {
      const source = new PassThrough({ highWaterMark: 1024 });
      const r = new BufferedReader(source);
      const big = Buffer.alloc(300 * 1024, 0x61);
      source.write(big);
      await delay(10);
      expect(r.buffered).to.be.at.least(256 * 1024);
      expect(source.isPaused()).to.equal(true);
      await r.read(200 * 1024);
      expect(source.isPaused()).to.equal(false);
      source.end();
      expect((await r.read()).length).to.equal(100 * 1024);
    });

    it("fill() resumes a paused source and waits for more", async () => {
      const source = new PassThrough();
      const r = new BufferedReader(source);
      source.write(Buffer.alloc(260 * 1024));
      await delay(10);
      expect(source.isPaused()).to.equal(true);
      const more = r.fill();
      expect(source.isPaused()).to.equal(false);
      source.write("x");
      expect(await more).to.equal(true);
      r.close();
    });

    it("whenFilled() calls back from the data event, at once at end of input or after an interrupt, and on time-out", async () => {
      const source = new PassThrough();
      const r = new BufferedReader(source);
      const calls: Array<[string | null, boolean]> = [];
      const record = (error: Error | null, more: boolean): void => void calls.push([error ? error.name : null, more]);
      r.whenFilled(record);
      expect(calls).to.deep.equal([]); // nothing buffered yet: it waits
      source.write("abc");
      await delay(5);
      expect(calls).to.deep.equal([[null, true]]);
      expect(r.buffered).to.equal(3);

      r.timeout = 0.02;
      r.whenFilled(record);
      await delay(60);
      expect(calls[1]).to.deep.equal(["TimeoutError", false]);

      r.timeout = null;
      r.interrupt(new Error("stop"));
      r.whenFilled(record); // an interrupt already made: called at once
      expect(calls[2]).to.deep.equal(["Error", false]);

      const ended = BufferedReader.fromBytes("");
      let sync = false;
      ended.whenFilled((error, more) => {
        sync = error === null && more === false;
      });
      expect(sync).to.equal(true); // end of input: called at once, with more = false
      r.close();
    });

    it("a wait that replaces another leaves the first uncalled, and only its own time-out runs", async () => {
      const source = new PassThrough();
      const r = new BufferedReader(source);
      r.timeout = 0.03;
      const first: string[] = [];
      const second: string[] = [];
      r.whenFilled((error) => void first.push(error ? error.name : "data"));
      r.whenFilled((error) => void second.push(error ? error.name : "data"));
      await delay(15);
      r.timeout = null;
      r.whenFilled((error) => void second.push(error ? error.name : "data"));
      await delay(50); // past both earlier time-outs
      source.write("x");
      await delay(5);
      expect(first).to.deep.equal([]);
      expect(second).to.deep.equal(["data"]);
      r.close();
    });

    it("a timeout makes a waiting read fail with TimeoutError; null waits forever", async () => {
      const source = new PassThrough();
      const r = new BufferedReader(source);
      expect(r.timeout).to.equal(null);
      r.timeout = 0.05;
      expect(r.timeout).to.equal(0.05);
      let error: unknown;
      await r.readline().catch((e: unknown) => (error = e));
      expect(error).to.be.instanceOf(SocketTimeoutError);
      expect((error as Error).name).to.equal("TimeoutError");
      r.timeout = null;
      expect(r.timeout).to.equal(null);
      const line = r.readline();
      await delay(80);
      source.write("late\n");
      expect(text(await within(line, 1000, "readline"))).to.equal("late\n");
      r.close();
    });

    it("a stream error reads as end of input", async () => {
      const source = new PassThrough();
      const r = new BufferedReader(source);
      const read = r.read();
      source.write("before ");
      await delay(2);
      source.destroy(new Error("ECONNRESET"));
      expect(text(await read)).to.equal("before ");
    });

    it("close() wakes a waiting read with nothing", async () => {
      const source = new PassThrough();
      const r = new BufferedReader(source);
      const line = r.readline();
      await delay(5);
      r.close();
      expect(text(await line)).to.equal("");
      source.write("ignored");
      expect(r.buffered).to.equal(0);
    });

    it("detach() keeps buffered bytes but stops listening to the source", async () => {
      const source = new PassThrough();
      const r = new BufferedReader(source);
      source.write("kept");
      await delay(5);
      r.detach();
      r.detach();
      source.write("not seen");
      await delay(5);
      expect(text(r.readBuffered())).to.equal("kept");
      expect(source.listenerCount("data")).to.equal(0);
    });

    it("resumes a source that detach() leaves paused by back-pressure", async () => {
      const source = new PassThrough();
      const r = new BufferedReader(source);
      source.write(Buffer.alloc(300 * 1024));
      await delay(10);
      expect(source.isPaused()).to.equal(true);
      r.detach();
      expect(source.isPaused()).to.equal(false);
      source.destroy();
    });

    it("iterates lines with for await", async () => {
      const source = new PassThrough();
      const r = new BufferedReader(source);
      source.end("one\ntwo\nthree");
      const lines: string[] = [];
      for await (const line of r) lines.push(line.toString());
      expect(lines).to.deep.equal(["one\n", "two\n", "three"]);
    });
  });

  it("toBuffer keeps a Uint8Array view without copying and encodes text as UTF-8", () => {
    const backing = new Uint8Array([1, 2, 3, 4, 5]);
    const view = backing.subarray(1, 4);
    const b = toBuffer(view);
    expect([...b]).to.deep.equal([2, 3, 4]);
    backing[2] = 9;
    expect(b[1]).to.equal(9);
    expect([...toBuffer("é")]).to.deep.equal([0xc3, 0xa9]);
  });
});

/** A writable that records writes and can be told to hold back (need drain). */
function sink(highWaterMark = 16) {
  const written: Buffer[] = [];
  let release: (() => void) | null = null;
  let hold = false;
  const stream = new Writable({
    highWaterMark,
    write(chunk: Buffer, _enc, callback) {
      written.push(chunk);
      if (hold) release = () => callback();
      else callback();
    },
  });
  return {
    stream,
    written,
    text: () => Buffer.concat(written).toString(),
    hold: () => (hold = true),
    release: () => {
      hold = false;
      const r = release;
      release = null;
      r?.();
    },
  };
}

describe("SocketWriter", function () {
  it("unbuffered: each write goes to the stream at once and returns its byte count", () => {
    const s = sink();
    const w = new SocketWriter(s.stream);
    expect(w.stream).to.equal(s.stream);
    expect(w.write("abc")).to.equal(3);
    expect(w.write(new Uint8Array([0x64]))).to.equal(1);
    expect(w.write("")).to.equal(0);
    expect(s.text()).to.equal("abcd");
  });

  it("buffered: holds bytes until flush(), sends once full, and close() sends the rest", async () => {
    const s = sink();
    const w = new SocketWriter(s.stream, 8);
    w.write("abc");
    expect(s.written).to.have.length(0);
    await w.flush();
    expect(s.text()).to.equal("abc");
    w.write("12345");
    w.write("6789");
    expect(s.text()).to.equal("abc123456789");
    w.write("tail");
    w.close();
    w.close();
    expect(s.text()).to.equal("abc123456789tail");
    expect(w.closed).to.equal(true);
    expect(() => w.write("x")).to.throw("I/O operation on closed file.");
  });

  it("a negative buffer size means Python's default buffered writer", () => {
    const s = sink();
    const w = new SocketWriter(s.stream, -1);
    w.write("x".repeat(100));
    expect(s.written).to.have.length(0);
    w.write("y".repeat(8192));
    expect(s.text().length).to.equal(8292);
  });

  it("flush() waits for drain, and uncorks a corked stream", async () => {
    const s = sink(4);
    const w = new SocketWriter(s.stream);
    s.hold();
    w.write("more than four bytes");
    let flushed = false;
    const f = w.flush().then(() => (flushed = true));
    await delay(20);
    expect(flushed).to.equal(false);
    s.release();
    await within(f, 1000, "flush after drain");
    s.stream.cork();
    w.write("corked");
    expect(s.text()).to.equal("more than four bytes");
    await w.flush();
    expect(s.text()).to.equal("more than four bytescorked");
  });

  it("coalescing: the writes of one tick leave together, as one chunk, on the next tick", async () => {
    const s = sink(1 << 20);
    const w = new SocketWriter(s.stream, 0, true);
    w.write("HTTP/1.1 200 OK\r\n\r\n", "latin1");
    w.write("body");
    expect(s.written).to.have.length(0);
    await new Promise((resolve) => process.nextTick(resolve));
    expect(s.written.map(String)).to.deep.equal(["HTTP/1.1 200 OK\r\n\r\nbody"]);
  });

  it("peek() shows what is buffered without consuming it; tryRead() then takes it", async () => {
    const r = BufferedReader.fromBytes("GET / HTTP/1.1\r\n\r\nrest");
    const first = r.peek();
    expect(first.toString("latin1")).to.equal("GET / HTTP/1.1\r\n\r\nrest");
    expect(r.consumed).to.equal(0);
    const end = first.indexOf("\r\n\r\n") + 4;
    expect(r.tryRead(end)!.toString("latin1")).to.equal("GET / HTTP/1.1\r\n\r\n");
    expect(r.peek().toString("latin1")).to.equal("rest");
    r.tryRead(4);
    expect(r.peek().length).to.equal(0);
  });

  it("cork()/uncork(true): held writes leave at the release, at once and as one chunk", async () => {
    const s = sink(1 << 20);
    const w = new SocketWriter(s.stream, 0, true);
    w.cork();
    w.write("a");
    w.write("b");
    await new Promise((resolve) => setImmediate(resolve));
    expect(s.written, "nothing leaves while held, not even on a later tick").to.have.length(0);
    w.uncork(true);
    expect(s.written.map(String)).to.deep.equal(["ab"]);
    // After the release, writes are scheduled for the next tick again.
    w.write("c");
    expect(s.written).to.have.length(1);
    await new Promise((resolve) => process.nextTick(resolve));
    expect(s.text()).to.equal("abc");
  });

  it("uncork(false) leaves held writes to the next tick; flush() during a hold sends at once", async () => {
    const s = sink(1 << 20);
    const w = new SocketWriter(s.stream, 0, true);
    w.cork();
    w.write("x");
    w.uncork(false);
    expect(s.written).to.have.length(0);
    w.write("y");
    await new Promise((resolve) => process.nextTick(resolve));
    expect(s.written.map(String)).to.deep.equal(["xy"]);
    w.cork();
    w.write("z");
    await w.flush();
    expect(s.text()).to.equal("xyz");
    w.uncork(true);
    expect(s.text()).to.equal("xyz");
  });

  it("cork() has no effect on a writer that does not coalesce", () => {
    const s = sink(1 << 20);
    const w = new SocketWriter(s.stream);
    w.cork();
    w.write("now");
    expect(s.text()).to.equal("now");
    w.uncork(true);
    expect(s.written).to.have.length(1);
  });

  it("flush() rejects with BrokenPipeError if the stream closes while waiting", async () => {
    const s = sink(4);
    const w = new SocketWriter(s.stream);
    s.hold();
    w.write("more than four bytes");
    const f = w.flush();
    s.stream.destroy();
    let error: unknown;
    await f.catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(BrokenPipeError);
  });

  it("writes and flushes on a destroyed stream fail with BrokenPipeError", async () => {
    const s = sink(4);
    const w = new SocketWriter(s.stream);
    s.hold();
    w.write("more than four bytes");
    s.stream.destroy();
    expect(w.broken).to.equal(true);
    expect(() => w.write("x")).to.throw(BrokenPipeError, "Broken pipe");
    let error: unknown;
    await w.flush().catch((e: unknown) => (error = e));
    // Either flush saw nothing left to wait for, or it reported the broken pipe.
    if (error !== undefined) expect(error).to.be.instanceOf(BrokenPipeError);
  });
});

describe("BytesWriter", () => {
  it("collects writes in order, one chunk per write, and copies them", async () => {
    const w = new BytesWriter();
    const data = Buffer.from("ab");
    expect(w.write(data)).to.equal(2);
    data[0] = 0x7a;
    expect(w.write("cd")).to.equal(2);
    await w.flush();
    expect(w.chunks).to.have.length(2);
    expect(w.getvalue().toString()).to.equal("abcd");
    w.close();
    expect(w.closed).to.equal(true);
    expect(() => w.write("e")).to.throw("I/O operation on closed file.");
  });
});

describe("stream errors", () => {
  it("carry Python's names", () => {
    const t = new SocketTimeoutError();
    expect([t.name, t.message]).to.deep.equal(["TimeoutError", "timed out"]);
    const b = new BrokenPipeError();
    expect([b.name, b.message, b.code]).to.deep.equal(["BrokenPipeError", "Broken pipe", "EPIPE"]);
    expect(new SocketTimeoutError("custom").message).to.equal("custom");
  });
});

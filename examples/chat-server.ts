/**
 * A line-based chat room on {@link ThreadingTCPServer}. Every line a client
 * sends reaches every connected client as `name: text`. Two commands:
 *
 * - `/NAME newname` changes your name (everyone is told);
 * - `/EXIT` leaves (everyone else is told).
 *
 * ```sh
 * node dist/examples/chat-server.js [port]      # default 9999, 0 picks a free port
 * nc 127.0.0.1 9999                             # in two or more terminals
 * ```
 *
 * The threading server runs one handler per connection concurrently on the
 * event loop: while one handler waits for its client's next line, the others
 * keep reading theirs. The handlers share state through their server
 * (`this.server.members`); Node runs one piece of JavaScript at a time, so
 * that needs no lock.
 *
 * @module
 */
import { pathToFileURL } from "node:url";
import { StreamRequestHandler, ThreadingTCPServer } from "http.server/socketserver";

/** Longest line read in one piece; longer lines arrive as several messages. */
const MAX_LINE = 4096;
/** Longest name `/NAME` accepts. */
const MAX_NAME = 32;

/** The chat room: a threading TCP server that knows who is connected. */
export class ChatServer extends ThreadingTCPServer {
  /** Everyone in the room, in the order they joined. */
  readonly members = new Set<ChatHandler>();
  #guests = 0;

  /** A name for a newcomer: `guest1`, `guest2`, ... */
  nextGuestName(): string {
    return `guest${++this.#guests}`;
  }

  /** True if someone in the room (other than `asker`) already uses `name`, ignoring case. */
  nameTaken(name: string, asker?: ChatHandler): boolean {
    const wanted = name.toLowerCase();
    for (const member of this.members) {
      if (member !== asker && member.nickname.toLowerCase() === wanted) return true;
    }
    return false;
  }

  /** Send `text` to every member, except `except` when given. */
  broadcast(text: string, except?: ChatHandler): void {
    for (const member of this.members) {
      if (member !== except) member.send(text);
    }
  }

  /**
   * Tell everyone the room is closing and end their sessions, then close
   * the server. The threading server waits for handlers still running, so
   * without this it would wait for every client to hang up by itself.
   */
  override async serverClose(): Promise<void> {
    for (const member of this.members) member.disconnect("* The server is shutting down.\n");
    await super.serverClose();
  }
}

/** One connected client. */
export class ChatHandler extends StreamRequestHandler {
  declare server: ChatServer;
  /** The name shown before this client's messages. */
  nickname = "";

  override setup(): void {
    super.setup();
    this.nickname = this.server.nextGuestName();
  }

  /** Queue `text` for this client; a client that has gone away is skipped silently. */
  send(text: string): void {
    if (this.wfile.closed) return;
    try {
      this.wfile.write(text);
    } catch {
      // The connection broke; finish() takes the client out of the room.
    }
  }

  /** End this client's session from outside: say `notice`, then stop reading. */
  disconnect(notice: string): void {
    this.send(notice);
    // Closing rfile makes the pending readline() return end of input.
    this.rfile.close();
  }

  /** Greet the client, announce it, then relay its lines until it leaves. */
  override async handle(): Promise<void> {
    this.send(`* Welcome, ${this.nickname}! Lines you type go to everyone. /NAME newname renames you, /EXIT leaves.\n`);
    this.server.broadcast(`* ${this.nickname} joined the chat\n`);
    this.server.members.add(this);
    for (;;) {
      const raw = await this.rfile.readline(MAX_LINE);
      if (raw.length === 0) return; // hung up, or disconnected by the server
      const line = raw.toString("utf8").replace(/\r?\n$/, "");
      if (line.trim() === "") continue;
      if (line.startsWith("/")) {
        if (!this.command(line)) return;
      } else {
        this.server.broadcast(`${this.nickname}: ${line}\n`);
      }
    }
  }

  /** Run a `/` command. Returns false when the client is leaving. */
  command(line: string): boolean {
    const [word = "", ...rest] = line.trim().split(/\s+/);
    switch (word.toUpperCase()) {
      case "/EXIT":
        this.send(`* Goodbye, ${this.nickname}!\n`);
        return false;
      case "/NAME": {
        const wanted = rest.join(" ");
        if (!/^\S+$/.test(wanted) || wanted.length > MAX_NAME) {
          this.send(`* Usage: /NAME newname (one word, at most ${MAX_NAME} characters)\n`);
        } else if (this.server.nameTaken(wanted, this)) {
          this.send(`* The name ${wanted} is taken\n`);
        } else {
          const old = this.nickname;
          this.nickname = wanted;
          this.server.broadcast(`* ${old} is now known as ${wanted}\n`);
        }
        return true;
      }
      default:
        this.send(`* Unknown command ${word}; try /NAME newname or /EXIT\n`);
        return true;
    }
  }

  /** Leave the room (telling the others), then flush and close the streams. */
  override async finish(): Promise<void> {
    if (this.server.members.delete(this)) this.server.broadcast(`* ${this.nickname} left the chat\n`);
    await super.finish();
  }
}

/** Run the chat server until Ctrl-C (SIGINT) or SIGTERM. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const port = Number(argv[0] ?? 9999);
  await using server = new ChatServer(["127.0.0.1", port], ChatHandler);
  await server.ready;
  const [host, boundPort] = server.serverAddress as [string, number];
  console.log(`Chat server listening on ${host}:${boundPort}`);
  const stop = (): void => void server.shutdown();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  await server.serveForever();
  console.log("Chat server stopped");
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}

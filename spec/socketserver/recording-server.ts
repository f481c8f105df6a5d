/**
 * A `TCPServer` for specs of how connections are closed: it records, right
 * after each `shutdownRequest()`, whether the socket was destroyed at once
 * and whether its write side was ended first.
 */
import type * as net from "node:net";
import sinon from "sinon";

import { TCPServer, type InetAddress, type StreamRequestHandler } from "../../lib/socketserver/index.js";
import { HOST } from "../helpers.js";

/** What one `shutdownRequest()` left the socket in. */
export interface CloseSeen {
  destroyed: boolean;
  ended: boolean;
}

/** A recording `TCPServer` on a free loopback port, and what it saw. */
export function recordingServer(Handler: typeof StreamRequestHandler<InetAddress>): { server: TCPServer; seen: CloseSeen[] } {
  const seen: CloseSeen[] = [];
  class Recording extends TCPServer {
    override shutdownRequest(request: unknown): void | Promise<void> {
      const sock = request as net.Socket;
      const spy = sinon.spy(sock, "end");
      const result = super.shutdownRequest(request);
      seen.push({ destroyed: sock.destroyed, ended: spy.called });
      spy.restore();
      return result;
    }
  }
  return { server: new Recording([HOST, 0], Handler), seen };
}

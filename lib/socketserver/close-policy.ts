/**
 * `ClosePolicy`: the facts about one connection that decide how a stream
 * server closes it (see `TCPServer.shutdownRequest()` and
 * `TCPServer.closeRequest()`).
 *
 * Python's `shutdown_request(request)` and `close_request(request)` receive
 * only the socket, and a user may override them or call them with a socket
 * of their own, so the facts travel with the connection object itself: a
 * connection carries at most one `ClosePolicy`, made by the first party
 * that records a fact and read by the server when it closes the
 * connection. A connection nobody recorded anything about has none, and
 * closes the plain way.
 *
 * Who records what:
 *
 * - `unreadInput`: the handler's `rfile` (`BufferedReader.close()` with
 *   bytes left in its buffer) and the HTTP connection driver (an error
 *   response sent before the request was read to its end).
 * - `sharedDescriptor`: `ForkingMixIn`, for a connection a worker received
 *   from the primary process.
 * - `sendTimeoutMs`: the connection's `SocketWriter`, when its send
 *   time-out is set (the HTTP handler's `sendTimeout`).
 * - `abandoned`: the HTTP connection driver, when a time-out ends a request
 *   (read by the adapters in `lib/http/server/adapters/`).
 *
 * @module
 */

/** The key a connection keeps its {@link ClosePolicy} under. */
const kClosePolicy = Symbol("closePolicy");

/** A connection object as seen by {@link ClosePolicy}: any object, perhaps carrying a policy. */
type PolicyHolder = { [kClosePolicy]?: ClosePolicy };

/**
 * How one connection must be closed so that nothing sent is lost. Plain
 * fields, one per fact; every fact only ever turns a close more careful.
 * Get a connection's policy with {@link ClosePolicy.of} (to record a fact)
 * or {@link ClosePolicy.find} (to read, without making one).
 */
export class ClosePolicy {
  /**
   * Input may still arrive that nobody will read (an error answered before
   * the request body, a reader closed with bytes left). Closing a socket
   * with unread input makes the kernel reset the connection, which can
   * destroy the response on its way, so closing it first keeps reading
   * (and discarding) for a moment.
   */
  unreadInput = false;

  /**
   * Another process may still hold the connection's descriptor (a
   * connection a `ForkingMixIn` worker received from the primary): closing
   * this copy alone does not end the connection, so its write side is
   * always shut down first, which does.
   */
  sharedDescriptor = false;

  /**
   * How long the bytes still waiting to be sent may go without the peer
   * taking any when the connection closes (the writer's send time-out, in
   * milliseconds); then the connection is reset. `null`: wait as long as it
   * takes, as Python's blocking `sendall()` does. The one fact that bounds
   * a close rather than making it more careful: a peer that stops reading
   * must not hold the connection forever.
   */
  sendTimeoutMs: number | null = null;

  /**
   * The request on the connection was given up without a complete
   * response (a time-out of the HTTP connection driver). A socket closes
   * as usual; an adapter that carries the exchange to another server's
   * response resets that response rather than pass its end off as a
   * complete (or missing) one.
   */
  abandoned = false;

  /** The policy of `connection`, made (all facts false) and attached to it on first use. */
  static of(connection: object): ClosePolicy {
    const holder = connection as PolicyHolder;
    let policy = holder[kClosePolicy];
    if (policy === undefined) {
      policy = new ClosePolicy();
      holder[kClosePolicy] = policy;
    }
    return policy;
  }

  /** The policy of `connection` if a fact about it was recorded, else `undefined` (close the plain way). */
  static find(connection: object): ClosePolicy | undefined {
    return (connection as PolicyHolder)[kClosePolicy];
  }
}

"""Contender "Python" of the static benchmark: what `python3 -m http.server
-b 127.0.0.1 -d DIRECTORY -p PROTOCOL` runs (SimpleHTTPRequestHandler on its
DualStackServer, a ThreadingHTTPServer), with request logging silenced as for
every contender (the command line has no switch for it).

    python3 -u python_static.py DIRECTORY [PROTOCOL]

Listens on 127.0.0.1, a free port. Speaks the benchmark's side channel:
prints "READY <port>", answers SIGUSR2 with "STATS {json}" (responses logged,
RSS), exits when its stdin (held by the driver) closes. BENCH_BACKLOG sets
the listen backlog (Python's default is 5).
"""
import os
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

from python_channel import serve

DIRECTORY = sys.argv[1]
PROTOCOL = sys.argv[2] if len(sys.argv) > 2 else "HTTP/1.0"
_lock = threading.Lock()
_count = 0


class Handler(SimpleHTTPRequestHandler):
    protocol_version = PROTOCOL

    def log_request(self, code="-", size="-"):  # every response passes here, send_error's too
        global _count
        with _lock:
            _count += 1

    def log_message(self, format, *args):  # silenced, as for every contender
        pass


class DualStackServer(ThreadingHTTPServer):
    # As http.server's __main__ (its IPV6_V6ONLY tweak does not apply to 127.0.0.1).
    backlog = int(os.environ.get("BENCH_BACKLOG", "0") or "0")
    if backlog > 0:
        request_queue_size = backlog

    def finish_request(self, request, client_address):
        self.RequestHandlerClass(request, client_address, self, directory=DIRECTORY)


def main():
    serve(DualStackServer(("127.0.0.1", 0), Handler), lambda: _count)


if __name__ == "__main__":
    main()

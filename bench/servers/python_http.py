"""Contender "Python": hello world on http.server.ThreadingHTTPServer, HTTP/1.1, logging silenced.

Speaks the benchmark's side channel: prints "READY <port>", answers SIGUSR2
with "STATS {json}", exits when its stdin (held by the driver) closes.
"""
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from python_channel import serve

BODY = b"Hello, world!\n"
LENGTH = str(len(BODY))
_lock = threading.Lock()
_count = 0


class Hello(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Stock http.server leaves Nagle's algorithm on; headers and body then
    # leave in two writes and a keep-alive response can wait ~40 ms for the
    # client's delayed ACK. BENCH_PY_NODELAY=1 sets TCP_NODELAY (the tuned contender).
    disable_nagle_algorithm = os.environ.get("BENCH_PY_NODELAY", "0") == "1"

    def do_GET(self):
        global _count
        with _lock:
            _count += 1
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", LENGTH)
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, format, *args):  # silenced, as for every contender
        pass


class Server(ThreadingHTTPServer):
    backlog = int(os.environ.get("BENCH_BACKLOG", "0") or "0")
    if backlog > 0:
        request_queue_size = backlog


def main():
    serve(Server(("127.0.0.1", 0), Hello), lambda: _count)


if __name__ == "__main__":
    main()

"""The benchmark's side channel for the Python contenders, shared by
python_http.py and python_static.py: announce the port with "READY <port>",
answer SIGUSR2 with "STATS {json}" (requests counted, RSS), and exit when
stdin (held by the driver) closes or on SIGTERM."""
import json
import os
import signal
import sys
import threading


def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _watch_stdin():
    try:
        while sys.stdin.buffer.read(4096):
            pass
    finally:
        os._exit(0)


def serve(server, count):
    """Run `server` forever; `count()` gives the requests served so far."""

    def stats(signum, frame):
        sys.stdout.write("STATS " + json.dumps({"requests": count(), "rss": rss()}) + "\n")
        sys.stdout.flush()

    signal.signal(signal.SIGUSR2, stats)
    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
    threading.Thread(target=_watch_stdin, daemon=True).start()
    sys.stdout.write("READY %d\n" % server.server_address[1])
    sys.stdout.flush()
    server.serve_forever()

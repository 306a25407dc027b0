"""A minimal GitHub REST API for benches/tagging.sh: the four endpoints
tag-from-request calls, answered with their documented shapes after a fixed latency
(a remote API's round trip). Every repository has every commit and no tags.

usage: mock_github.py PORT_FILE LATENCY_MS [DIVISOR]
Binds 127.0.0.1 on a free port, writes the port to PORT_FILE, serves until killed.

With DIVISOR, it enforces GitHub's documented secondary rate limits for
content-creating requests, with time divided by DIVISOR (as the tool's waits are with
RELAY_HTTP_WAIT_DIVISOR): at most 80 a minute and 500 an hour. A write beyond them
is answered as GitHub does (403, "You have exceeded a secondary rate limit",
Retry-After: 60) and counted; `GET /__stats` answers the counts.
"""

import json
import re
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LATENCY = int(sys.argv[2]) / 1000.0
DIVISOR = float(sys.argv[3]) if len(sys.argv) > 3 else None
TAG_SHA = "9" * 40
WINDOWS = [(60.0, 80), (3600.0, 500)]  # (seconds, writes) of GitHub's secondary limits
writes, violations = [], [0]
lock = threading.Lock()


def over_limit():
    """Records a write now; True when it exceeds a limit (it is then not made)."""
    if DIVISOR is None:
        return False
    now = time.monotonic()
    with lock:
        for seconds, most in WINDOWS:
            recent = sum(1 for t in writes if now - t < seconds / DIVISOR)
            if recent >= most:
                violations[0] += 1
                return True
        writes.append(now)
        return False


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        # Headers and body leave in separate writes; without this, Nagle's algorithm
        # and the client's delayed ACK add ~40 ms to every answer, which no real
        # API server does.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, *args):
        pass

    def answer(self, status, body, headers=()):
        time.sleep(LATENCY)
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/__stats":
            with lock:
                stats = {"writes": len(writes), "violations": violations[0],
                         "first": writes[0] if writes else 0, "last": writes[-1] if writes else 0}
            self.send_response(200)
            data = json.dumps(stats).encode()
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        elif re.match(r"^/repos/[^/]+/[^/]+/git/ref/tags/", self.path):
            self.answer(404, {"message": "Not Found", "status": "404"})
        elif m := re.match(r"^/repos/[^/]+/[^/]+/git/commits/([0-9a-f]{40})$", self.path):
            self.answer(200, {"sha": m.group(1), "message": "x", "parents": [],
                              "tree": {"sha": "3" * 40, "url": "x"}})
        else:
            self.answer(404, {"message": "Not Found", "status": "404"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        if over_limit():
            self.answer(403, {"message": "You have exceeded a secondary rate limit. Please wait a few minutes "
                                         "before you try again.",
                              "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"},
                        headers=[("Retry-After", "60")])
        elif re.match(r"^/repos/[^/]+/[^/]+/git/tags$", self.path):
            self.answer(201, {"sha": TAG_SHA, "tag": body.get("tag"), "message": body.get("message"),
                              "object": {"type": "commit", "sha": body.get("object"), "url": "x"}})
        elif re.match(r"^/repos/[^/]+/[^/]+/git/refs$", self.path):
            self.answer(201, {"ref": body.get("ref"), "object": {"type": "tag", "sha": body.get("sha"), "url": "x"}})
        else:
            self.answer(404, {"message": "Not Found", "status": "404"})


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
with open(sys.argv[1], "w") as f:
    f.write(str(server.server_address[1]))
server.serve_forever()

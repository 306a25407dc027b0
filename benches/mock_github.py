"""A minimal GitHub REST API for benches/tagging.sh: the four endpoints
tag-from-request calls, answered with their documented shapes after a fixed latency
(a remote API's round trip). Every repository has every commit and no tags.

usage: mock_github.py PORT_FILE LATENCY_MS
Binds 127.0.0.1 on a free port, writes the port to PORT_FILE, serves until killed.
"""

import json
import re
import socket
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LATENCY = int(sys.argv[2]) / 1000.0
TAG_SHA = "9" * 40


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

    def answer(self, status, body):
        time.sleep(LATENCY)
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if re.match(r"^/repos/[^/]+/[^/]+/git/ref/tags/", self.path):
            self.answer(404, {"message": "Not Found", "status": "404"})
        elif m := re.match(r"^/repos/[^/]+/[^/]+/git/commits/([0-9a-f]{40})$", self.path):
            self.answer(200, {"sha": m.group(1), "message": "x", "parents": [],
                              "tree": {"sha": "3" * 40, "url": "x"}})
        else:
            self.answer(404, {"message": "Not Found", "status": "404"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        if re.match(r"^/repos/[^/]+/[^/]+/git/tags$", self.path):
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

#!/usr/bin/env python3
"""The primary-down lab's router: the address clients use. It forwards each request to
the backend named in its route file (read on every request, so switching is one atomic
file write), answers 502 when that backend is unreachable, and logs every request:

    2025-01-01T10:00:00.000Z POST /write 200 backend=http://127.0.0.1:40001 seq=42
"""

import argparse
import http.client
import json
import os
import signal
import sys
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

parser = argparse.ArgumentParser()
parser.add_argument("--dir", required=True, help="the lab directory")
args = parser.parse_args()

ROUTE_FILE = os.path.join(args.dir, "active-backend")
log = open(os.path.join(args.dir, "router-access.log"), "a", buffering=1)
log_lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *_):
        pass

    def relay(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        try:
            with open(ROUTE_FILE) as handle:
                backend = handle.read().strip()
        except OSError:
            backend = ""
        status, payload, seq = 502, b"", None
        try:
            target = urlsplit(backend)
            connection = http.client.HTTPConnection(target.hostname, target.port, timeout=3)
            connection.request(self.command, self.path, body=body,
                               headers={"Content-Type": "text/plain"})
            response = connection.getresponse()
            status, payload = response.status, response.read()
            connection.close()
            try:
                seq = json.loads(payload).get("seq")
            except (ValueError, AttributeError):
                pass
        except (OSError, ValueError, TypeError, http.client.HTTPException) as error:
            status = 502
            payload = (json.dumps({"error": f"backend unreachable: {error}", "backend": backend}) + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("X-Backend", backend)
        self.end_headers()
        self.wfile.write(payload)
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        with log_lock:
            log.write(f"{stamp} {self.command} {self.path} {status} backend={backend}"
                      + (f" seq={seq}" if seq is not None else "") + "\n")

    do_GET = relay
    do_POST = relay


class Server(ThreadingHTTPServer):
    daemon_threads = True


server = Server(("127.0.0.1", 0), Handler)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
with open(os.path.join(args.dir, "router.port.tmp"), "w") as handle:
    handle.write(f"{server.server_address[1]}\n")
os.replace(os.path.join(args.dir, "router.port.tmp"), os.path.join(args.dir, "router.port"))
server.serve_forever(poll_interval=0.2)

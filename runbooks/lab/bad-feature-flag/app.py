#!/usr/bin/env python3
"""The "checkout" service of the bad-feature-flag drill lab.

A tiny HTTP service on 127.0.0.1 that prices carts. Each release directory holds a copy of
this file and a release.json; the service runs from `releases/current/app.py`.

- GET /api/cart/<id>/total  prices a cart. Release 1.5.0 has a new pricing path behind the
  flag `new_checkout`; with the flag on, international carts (id divisible by 3) fail with
  500 because they have no tax region. Release 1.4.2 has no such path.
- GET /version, GET /healthz.

The flags file is re-read on every request. Every request goes to the access log, every
failure to the error log. SIGHUP re-executes `releases/current/app.py` (whatever release the
symlink points at by then) on the same listening socket, between two requests: connections
that arrive meanwhile wait in the socket's backlog, so none is refused (a graceful reload).
SIGTERM stops the service.

Configuration comes from the environment: LAB_FLAGS, LAB_ACCESS_LOG, LAB_ERROR_LOG,
LAB_PORT_FILE, LAB_PID_FILE. `--daemon` detaches (new session, stdio to files), writes the
pid and port files, and returns once the service listens.
"""

import datetime
import http.server
import json
import os
import re
import signal
import socket
import sys
import time

HERE = os.path.dirname(os.path.realpath(__file__))
with open(os.path.join(HERE, "release.json")) as f:
    RELEASE = json.load(f)
VERSION = RELEASE["version"]
FLAGS = os.environ["LAB_FLAGS"]
ACCESS_LOG = os.environ["LAB_ACCESS_LOG"]
ERROR_LOG = os.environ["LAB_ERROR_LOG"]
PORT_FILE = os.environ["LAB_PORT_FILE"]
PID_FILE = os.environ["LAB_PID_FILE"]

_last_flags = {}


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def append(path, line):
    with open(path, "a") as f:
        f.write(line + "\n")


def flags():
    """The flags file as it is now (the last good copy if it cannot be read)."""
    global _last_flags
    try:
        with open(FLAGS) as f:
            _last_flags = json.load(f)
    except (OSError, ValueError):
        pass
    return _last_flags


def cart(cart_id):
    domestic = cart_id % 3 != 0
    items = [{"sku": f"sku-{cart_id % 7}", "cents": 1999, "qty": 1 + cart_id % 4}]
    data = {"id": cart_id, "country": "US" if domestic else "DE", "items": items}
    if domestic:
        data["tax_region"] = "US-CA"
    return data


def price_classic(data):
    subtotal = sum(item["cents"] * item["qty"] for item in data["items"])
    return subtotal + subtotal * 8 // 100


def price_with_new_checkout(data):
    rates = {"US-CA": 725}
    subtotal = sum(item["cents"] * item["qty"] for item in data["items"])
    return subtotal + subtotal * rates[data["tax_region"]] // 10000


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = f"checkout/{VERSION}"

    def send(self, status, body):
        payload = (json.dumps(body) + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self):
        started = time.monotonic()
        path = self.path.split("?", 1)[0]
        status = 200
        match = re.fullmatch(r"/api/cart/(\d+)/total", path)
        if path == "/healthz":
            self.send(200, {"ok": True})
        elif path == "/version":
            self.send(200, {"version": VERSION})
        elif match:
            data = cart(int(match.group(1)))
            try:
                if RELEASE.get("new_checkout") and flags().get("new_checkout"):
                    total = price_with_new_checkout(data)
                else:
                    total = price_classic(data)
                self.send(200, {"cart": data["id"], "total_cents": total})
            except KeyError as error:
                status = 500
                append(
                    ERROR_LOG,
                    f"{now()} ERROR release={VERSION} flag=new_checkout path={path} "
                    f"KeyError: {error} (in price_with_new_checkout)",
                )
                self.send(500, {"error": "internal error"})
        else:
            status = 404
            self.send(404, {"error": "not found"})
        ms = int((time.monotonic() - started) * 1000)
        append(ACCESS_LOG, f"{now()} GET {path} {status} {ms}ms")

    def log_message(self, *args):
        pass


def daemonize():
    """Detach into a new session; the parent returns once the port file exists."""
    for path in (PORT_FILE, PID_FILE):
        if os.path.exists(path):
            os.unlink(path)
    if os.fork() > 0:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if os.path.exists(PORT_FILE):
                os._exit(0)
            time.sleep(0.02)
        sys.stderr.write("the service did not start\n")
        os._exit(1)
    os.setsid()
    null = os.open(os.devnull, os.O_RDWR)
    out = os.open(ERROR_LOG, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(null, 0)
    os.dup2(out, 1)
    os.dup2(out, 2)


def main():
    fd = os.environ.get("LISTEN_FD")
    if fd is None:
        if "--daemon" in sys.argv:
            daemonize()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
    else:
        sock = socket.socket(fileno=int(fd))
    server = http.server.HTTPServer(("127.0.0.1", 0), Handler, bind_and_activate=False)
    server.socket.close()
    server.socket = sock
    server.timeout = 0.1

    state = {"reload": False, "stop": False}
    signal.signal(signal.SIGHUP, lambda *_: state.update(reload=True))
    signal.signal(signal.SIGTERM, lambda *_: state.update(stop=True))
    signal.signal(signal.SIGINT, lambda *_: state.update(stop=True))

    with open(PID_FILE + ".tmp", "w") as f:
        f.write(f"{os.getpid()}\n")
    os.replace(PID_FILE + ".tmp", PID_FILE)
    if fd is None:
        with open(PORT_FILE + ".tmp", "w") as f:
            f.write(f"{sock.getsockname()[1]}\n")
        os.replace(PORT_FILE + ".tmp", PORT_FILE)
    append(ERROR_LOG, f"{now()} INFO release={VERSION} listening on port {sock.getsockname()[1]}")

    while not state["stop"]:
        server.handle_request()
        if state["reload"]:
            # Between two requests: hand the listening socket to the release now current.
            append(ERROR_LOG, f"{now()} INFO release={VERSION} reloading")
            os.set_inheritable(sock.fileno(), True)
            env = dict(os.environ, LISTEN_FD=str(sock.fileno()))
            app = [arg for arg in sys.argv if arg != "--daemon"]
            os.execve(sys.executable, [sys.executable] + app, env)
    append(ERROR_LOG, f"{now()} INFO release={VERSION} stopped")


if __name__ == "__main__":
    main()

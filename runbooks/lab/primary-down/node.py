#!/usr/bin/env python3
"""One node of the primary-down lab's "orders" store: a small HTTP service on 127.0.0.1
that keeps its records in a JSON data file. A primary takes writes; a standby is
read-only and, when it has an upstream, replicates by copying the upstream's whole data
file every --sync-interval seconds.

    GET  /health                      role, seq, upstream, age of the last sync
    GET  /data                        the newest records
    GET  /snapshot                    the whole data file (what a standby copies)
    POST /write                       a new record (primary only; 503 on a standby)
    POST /admin/promote               become the primary, stop replicating
    POST /admin/demote                become a read-only standby that replicates nothing
    POST /admin/follow?upstream=URL   become a standby of URL: copy its data now (this
                                      replaces everything here), then keep copying
"""

import argparse
import http.client
import json
import os
import signal
import sys
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

parser = argparse.ArgumentParser()
parser.add_argument("--dir", required=True, help="the lab directory")
parser.add_argument("--name", required=True, help="the node's name: its files are NAME.*")
parser.add_argument("--role", choices=["primary", "standby"], required=True)
parser.add_argument("--upstream", help="the URL a standby copies from")
parser.add_argument("--port", type=int, default=0)
parser.add_argument("--sync-interval", type=float, default=0.5)
args = parser.parse_args()

DATA_FILE = os.path.join(args.dir, f"{args.name}.data.json")
lock = threading.Lock()
state = {"role": args.role, "upstream": args.upstream, "last_sync": None}


def now_iso():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def load():
    try:
        with open(DATA_FILE) as handle:
            return json.load(handle)
    except FileNotFoundError:
        return {"seq": 0, "records": []}


def save(data):
    with open(DATA_FILE + ".tmp", "w") as handle:
        json.dump(data, handle)
    os.replace(DATA_FILE + ".tmp", DATA_FILE)


data = load()


def fetch_snapshot(upstream):
    target = urlsplit(upstream)
    connection = http.client.HTTPConnection(target.hostname, target.port, timeout=2)
    try:
        connection.request("GET", "/snapshot")
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise OSError(f"{upstream}/snapshot answered {response.status}")
        return json.loads(body)
    finally:
        connection.close()


def copy_from(upstream):
    """Replaces this node's data with the upstream's (raises when it cannot)."""
    global data
    snapshot = fetch_snapshot(upstream)
    with lock:
        data = snapshot
        save(data)
        state["last_sync"] = time.time()


def replicate():
    while True:
        time.sleep(args.sync_interval)
        with lock:
            upstream = state["upstream"] if state["role"] == "standby" else None
        if upstream:
            try:
                copy_from(upstream)
            except (OSError, ValueError, http.client.HTTPException) as error:
                print(f"{now_iso()} sync from {upstream} failed: {error}", file=sys.stderr, flush=True)


def health():
    with lock:
        last = state["last_sync"]
        return {
            "node": args.name,
            "role": state["role"],
            "seq": data["seq"],
            "last_record_at": data["records"][-1]["at"] if data["records"] else None,
            "upstream": state["upstream"],
            "last_sync_age_s": None if last is None else round(time.time() - last, 1),
        }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *_):
        pass

    def answer(self, status, payload):
        body = (json.dumps(payload) + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path = urlsplit(self.path).path
        if path == "/health":
            self.answer(200, health())
        elif path == "/data":
            with lock:
                self.answer(200, {"node": args.name, "role": state["role"], "seq": data["seq"],
                                  "latest": data["records"][-3:]})
        elif path == "/snapshot":
            with lock:
                self.answer(200, data)
        else:
            self.answer(404, {"error": "not found"})

    def do_POST(self):
        global data
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode(errors="replace") if length else ""
        if url.path == "/write":
            with lock:
                if state["role"] != "primary":
                    self.answer(503, {"error": "read-only: this node is a standby", "node": args.name})
                    return
                data["seq"] += 1
                data["records"].append({"seq": data["seq"], "at": now_iso(), "value": body[:200]})
                save(data)
                self.answer(200, {"node": args.name, "seq": data["seq"]})
        elif url.path == "/admin/promote":
            with lock:
                state["role"], state["upstream"] = "primary", None
            print(f"{now_iso()} promoted to primary", file=sys.stderr, flush=True)
            self.answer(200, health())
        elif url.path == "/admin/demote":
            with lock:
                state["role"], state["upstream"] = "standby", None
            print(f"{now_iso()} demoted to a read-only standby", file=sys.stderr, flush=True)
            self.answer(200, health())
        elif url.path == "/admin/follow":
            upstream = parse_qs(url.query).get("upstream", [""])[0]
            if not upstream.startswith("http://"):
                self.answer(400, {"error": "say ?upstream=http://HOST:PORT"})
                return
            with lock:
                state["role"], state["upstream"] = "standby", None
            try:
                copy_from(upstream)
            except (OSError, ValueError, http.client.HTTPException) as error:
                self.answer(502, {"error": f"cannot copy from {upstream}: {error}"})
                return
            with lock:
                state["upstream"] = upstream
            print(f"{now_iso()} resynced from {upstream}, now following it", file=sys.stderr, flush=True)
            self.answer(200, health())
        else:
            self.answer(404, {"error": "not found"})


class Server(ThreadingHTTPServer):
    daemon_threads = True


def main():
    server = Server(("127.0.0.1", args.port), Handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    threading.Thread(target=replicate, daemon=True).start()
    port_file = os.path.join(args.dir, f"{args.name}.port")
    with open(port_file + ".tmp", "w") as handle:
        handle.write(f"{server.server_address[1]}\n")
    os.replace(port_file + ".tmp", port_file)
    print(f"{now_iso()} {args.name} up as {args.role}", file=sys.stderr, flush=True)
    server.serve_forever(poll_interval=0.2)


main()

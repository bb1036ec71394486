#!/usr/bin/env python3
"""The request-flood lab's API server: a small threaded HTTP service on 127.0.0.1.

It has a fixed capacity (WORKERS requests at a time, each taking WORK_MS), so one client
sending too much slows everyone down, and it sheds a request that waited too long for a
worker (503). Per client (the X-Client header) it logs every request and keeps a sliding
window of statistics, served at /metrics in the Prometheus text format. It reads a
per-client limits file at start and again on SIGHUP:

    # client   action   rate (requests per second)
    batch-7    limit    20
    scraper-9  deny

A limited client over its rate gets 429 (with Retry-After), a denied one 403; both answers
are cheap (no worker), which is the point. /metrics bypasses the workers too.
"""

import argparse
import os
import signal
import sys
import threading
import time
from collections import defaultdict, deque
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

parser = argparse.ArgumentParser()
parser.add_argument("--dir", required=True, help="the lab directory")
parser.add_argument("--workers", type=int, default=4)
parser.add_argument("--work-ms", type=float, default=25)
parser.add_argument("--queue-timeout-ms", type=float, default=170)
parser.add_argument("--window", type=float, default=3, help="seconds of statistics")
args = parser.parse_args()

LIMITS_FILE = os.path.join(args.dir, "client-limits.conf")
ACCESS_LOG = os.path.join(args.dir, "access.log")

workers = threading.BoundedSemaphore(args.workers)
lock = threading.Lock()
# (time, client, status, latency_ms), oldest first
recent = deque()
limits = {}  # client -> ("limit", rate) | ("deny", None)
buckets = {}  # client -> [tokens, last refill]
log = open(ACCESS_LOG, "a", buffering=1 << 16)


def load_limits():
    table = {}
    try:
        with open(LIMITS_FILE) as handle:
            for number, line in enumerate(handle, 1):
                words = line.split("#", 1)[0].split()
                if not words:
                    continue
                if len(words) == 3 and words[1] == "limit":
                    table[words[0]] = ("limit", float(words[2]))
                elif len(words) == 2 and words[1] == "deny":
                    table[words[0]] = ("deny", None)
                else:
                    raise ValueError(f"{LIMITS_FILE}:{number}: cannot read {line.strip()!r}")
    except (OSError, ValueError) as error:
        print(f"reload failed, keeping the old limits: {error}", file=sys.stderr, flush=True)
        return
    global limits
    with lock:
        limits = table
        buckets.clear()
    print(f"limits loaded: {table}", file=sys.stderr, flush=True)


def verdict(client):
    """None to serve the request, or the status to refuse it with."""
    with lock:
        rule = limits.get(client)
        if rule is None:
            return None
        if rule[0] == "deny":
            return 403
        rate = rule[1]
        now = time.monotonic()
        tokens, last = buckets.get(client, (rate, now))
        tokens = min(rate, tokens + (now - last) * rate)
        if tokens >= 1:
            buckets[client] = (tokens - 1, now)
            return None
        buckets[client] = (tokens, now)
        return 429


def record(client, method, path, status, latency_ms):
    now = time.time()
    stamp = datetime.fromtimestamp(now, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
    with lock:
        recent.append((now, client, status, latency_ms))
        log.write(
            f"{stamp}Z client={client} method={method} path={path} "
            f"status={status} duration_ms={latency_ms:.0f}\n"
        )


def metrics():
    now = time.time()
    with lock:
        while recent and recent[0][0] < now - args.window:
            recent.popleft()
        rows = list(recent)
    by_client = defaultdict(list)
    for _, client, status, latency in rows:
        by_client[client].append((status, latency))
    out = [
        "# Per-client statistics over a sliding window.",
        f"api_window_seconds {args.window:g}",
        f"api_workers {args.workers}",
    ]
    for client in sorted(by_client):
        seen = by_client[client]
        label = f'client="{client}"'
        codes = defaultdict(int)
        for status, _ in seen:
            codes[status] += 1
        served = sorted(latency for status, latency in seen if status not in (403, 429))
        errors = sum(count for code, count in codes.items() if code >= 500)
        out.append(f"api_requests_per_second{{{label}}} {len(seen) / args.window:.1f}")
        for code in sorted(codes):
            out.append(f'api_window_responses{{{label},code="{code}"}} {codes[code]}')
        out.append(f"api_error_ratio{{{label}}} {errors / len(seen):.3f}")
        if served:
            p50 = served[len(served) // 2]
            p95 = served[min(len(served) - 1, int(len(served) * 0.95))]
            out.append(f"api_latency_p50_ms{{{label}}} {p50:.0f}")
            out.append(f"api_latency_p95_ms{{{label}}} {p95:.0f}")
    return "\n".join(out) + "\n"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *_):
        pass  # the access log is written by record()

    def answer(self, status, body, headers=()):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/metrics":
            self.answer(200, metrics())
            return
        started = time.monotonic()
        client = self.headers.get("X-Client", "anonymous").strip() or "anonymous"
        refused = verdict(client)
        if refused == 429:
            status, body, headers = 429, "slow down\n", [("Retry-After", "1")]
        elif refused == 403:
            status, body, headers = 403, "forbidden\n", []
        elif workers.acquire(timeout=args.queue_timeout_ms / 1000):
            try:
                time.sleep(args.work_ms / 1000)
                status, body, headers = 200, '{"items": []}\n', []
            finally:
                workers.release()
        else:
            status, body, headers = 503, "overloaded\n", [("Retry-After", "1")]
        latency_ms = (time.monotonic() - started) * 1000
        record(client, "GET", self.path, status, latency_ms)
        self.answer(status, body, headers)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


def main():
    load_limits()
    server = Server(("127.0.0.1", 0), Handler)
    signal.signal(signal.SIGHUP, lambda *_: load_limits())
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    def flush():
        while True:
            time.sleep(0.5)
            with lock:
                log.flush()

    threading.Thread(target=flush, daemon=True).start()
    port_file = os.path.join(args.dir, "port")
    with open(port_file + ".tmp", "w") as handle:
        handle.write(f"{server.server_address[1]}\n")
    os.replace(port_file + ".tmp", port_file)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        with lock:
            log.flush()


main()

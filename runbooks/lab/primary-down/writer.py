#!/usr/bin/env python3
"""The primary-down lab's application: writes an order through the router five times a
second and notes each answer. Bounded: at most --max-writes writes in --duration seconds,
and only to the 127.0.0.1 router it is given."""

import argparse
import http.client
import time
from urllib.parse import urlsplit

parser = argparse.ArgumentParser()
parser.add_argument("--url", required=True)
parser.add_argument("--dir", required=True, help="the lab directory (marks the process as the lab's)")
parser.add_argument("--duration", type=float, default=900)
parser.add_argument("--max-writes", type=int, default=5000)
parser.add_argument("--interval", type=float, default=0.2)
args = parser.parse_args()

target = urlsplit(args.url)
if target.hostname != "127.0.0.1":
    raise SystemExit("the lab's writer only ever talks to 127.0.0.1")
deadline = time.monotonic() + args.duration
for number in range(1, args.max_writes + 1):
    if time.monotonic() >= deadline:
        break
    try:
        connection = http.client.HTTPConnection(target.hostname, target.port, timeout=3)
        connection.request("POST", "/write", body=f"order-{number}")
        response = connection.getresponse()
        response.read()
        connection.close()
        print(f"order-{number} {response.status}", flush=True)
    except (OSError, http.client.HTTPException) as error:
        print(f"order-{number} failed: {error}", flush=True)
    time.sleep(args.interval)

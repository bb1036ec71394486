#!/usr/bin/env python3
"""The request-flood lab's traffic: a few quiet clients at a steady rate and one noisy
client (a runaway batch job) sending as fast as its threads allow, up to a rate cap.

It is bounded: it stops after --duration seconds or --max-requests requests, whichever
comes first, and it only ever talks to the 127.0.0.1 URL it is given. The noisy client
honours Retry-After on a 429, as a well-behaved HTTP client does. SIGUSR1 plays the
client's owner fixing the job: from then on the noisy client sends a trickle.
"""

import argparse
import http.client
import signal
import threading
import time
from urllib.parse import urlsplit

parser = argparse.ArgumentParser()
parser.add_argument("--url", required=True)
parser.add_argument("--dir", required=True, help="the lab directory (marks the process as the lab's)")
parser.add_argument("--duration", type=float, default=600)
parser.add_argument("--max-requests", type=int, default=200_000)
parser.add_argument("--noisy", default="batch-7")
parser.add_argument("--noisy-threads", type=int, default=32)
parser.add_argument("--noisy-rate", type=float, default=12, help="per thread, requests per second")
parser.add_argument("--quiet", default="web-1,web-2,mobile-app")
parser.add_argument("--quiet-rate", type=float, default=5)
args = parser.parse_args()

target = urlsplit(args.url)
if target.hostname != "127.0.0.1":
    raise SystemExit("the lab's load only ever goes to 127.0.0.1")

deadline = time.monotonic() + args.duration
budget = threading.Semaphore(args.max_requests)
fixed = threading.Event()
signal.signal(signal.SIGUSR1, lambda *_: fixed.set())


def running():
    return time.monotonic() < deadline and budget.acquire(blocking=False)


def client(name, rate, noisy, index=0):
    connection = None
    while running():
        if noisy and fixed.is_set():
            if index > 0:
                return
            rate = 2
        started = time.monotonic()
        pause = 0.0
        try:
            if connection is None:
                connection = http.client.HTTPConnection(target.hostname, target.port, timeout=5)
            connection.request("GET", "/api/items", headers={"X-Client": name})
            response = connection.getresponse()
            response.read()
            if response.status == 429 and noisy:
                pause = float(response.getheader("Retry-After", "1"))
        except (OSError, http.client.HTTPException):
            if connection is not None:
                connection.close()
            connection = None
            pause = 0.2
        wait = max(pause, 1 / rate - (time.monotonic() - started))
        if wait > 0:
            time.sleep(min(wait, max(0.0, deadline - time.monotonic())))


threads = [
    threading.Thread(target=client, args=(name, args.quiet_rate, False), daemon=True)
    for name in args.quiet.split(",")
]
threads += [
    threading.Thread(target=client, args=(args.noisy, args.noisy_rate, True, index), daemon=True)
    for index in range(args.noisy_threads)
]
for thread in threads:
    thread.start()
while any(thread.is_alive() for thread in threads) and time.monotonic() < deadline + 6:
    time.sleep(0.2)

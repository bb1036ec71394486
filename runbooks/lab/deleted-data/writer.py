#!/usr/bin/env python3
"""The "orders-api" writer of the deleted-data drill lab.

Usage: writer.py DB PIDFILE [--daemon]

Appends one order to DB every 0.1 s (a new order from a random customer), each in its own
transaction, on one connection in WAL mode, as the real API would. SIGTERM makes it finish the order in hand and stop.
`--daemon` detaches (a new session, stdio to DB's directory/writer.log), writes PIDFILE and
returns once the writer runs.
"""

import datetime
import os
import random
import signal
import sqlite3
import sys
import time

db, pidfile = sys.argv[1], sys.argv[2]
stop = False


def on_term(*_):
    global stop
    stop = True


def daemonize():
    if os.path.exists(pidfile):
        os.unlink(pidfile)
    if os.fork() > 0:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if os.path.exists(pidfile):
                os._exit(0)
            time.sleep(0.02)
        sys.stderr.write("the writer did not start\n")
        os._exit(1)
    os.setsid()
    log = os.path.join(os.path.dirname(os.path.abspath(pidfile)), "writer.log")
    null = os.open(os.devnull, os.O_RDWR)
    out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(null, 0)
    os.dup2(out, 1)
    os.dup2(out, 2)


def main():
    if "--daemon" in sys.argv:
        daemonize()
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    with open(pidfile + ".tmp", "w") as f:
        f.write(f"{os.getpid()}\n")
    os.replace(pidfile + ".tmp", pidfile)
    rng = random.Random()
    # One connection for the writer's life, in WAL mode, as the API's connection pool would.
    conn = sqlite3.connect(db, timeout=2)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA foreign_keys = ON")
    print(f"writer {os.getpid()} started on {db}", flush=True)
    while not stop:
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        try:
            with conn:
                customer = conn.execute("SELECT id FROM customers ORDER BY random() LIMIT 1").fetchone()[0]
                product, price = conn.execute(
                    "SELECT id, price_cents FROM products ORDER BY random() LIMIT 1"
                ).fetchone()
                quantity = rng.randint(1, 3)
                cur = conn.execute(
                    "INSERT INTO orders (customer_id, product_id, quantity, total_cents, status, created_at)"
                    " VALUES (?, ?, ?, ?, 'new', ?)",
                    (customer, product, quantity, quantity * price, now),
                )
            print(f"{now} order {cur.lastrowid}", flush=True)
        except sqlite3.Error as error:
            print(f"{now} error: {error}", flush=True)
        time.sleep(0.1)
    conn.close()
    print(f"writer {os.getpid()} stopped", flush=True)


if __name__ == "__main__":
    main()

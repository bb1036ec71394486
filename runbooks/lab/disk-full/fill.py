#!/usr/bin/env python3
"""Fills the lab "file system" of disk-full.md (DIR/var, a directory with a size budget).

Writes what a week of an `orders-api` with a broken logrotate config leaves behind: a big live
log, three rotated logs left uncompressed (the config lost its `compress` line), older rotated
logs that were compressed before that, and a small database that must not be touched.
Python 3 standard library only.
"""
import gzip
import os
import random
import sys
import time

MB = 1 << 20
PATHS = ["/api/orders", "/api/orders/{n}", "/api/orders/{n}/items", "/api/carts/{n}", "/healthz"]
METHODS = ["GET", "GET", "GET", "POST", "PUT"]


def block(seed, size=MB):
    """About `size` bytes of access-log lines (random enough to compress like a real log)."""
    rng = random.Random(seed)
    t = 1795000000 + seed * 3600
    lines, total = [], 0
    while total < size:
        t += rng.random() / 5
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t))
        path = rng.choice(PATHS).format(n=rng.randrange(10000, 99999))
        status = rng.choice([200, 200, 200, 200, 201, 204, 404, 409, 500])
        line = (f"{stamp}.{int(t * 1000) % 1000:03d}Z INFO orders-api request id={rng.getrandbits(48):012x} "
                f"method={rng.choice(METHODS)} path={path} status={status} "
                f"duration_ms={rng.randrange(2, 900)} user=u-{rng.randrange(1, 50000)}\n")
        lines.append(line)
        total += len(line)
    return "".join(lines).encode()


POOL = {}


def pooled(seed):
    """Generating lines is slow in Python: a few distinct 1 MB blocks, reused (gzip's window
    is 32 KB, so the repeats compress no better than fresh lines would)."""
    key = seed % 3
    if key not in POOL:
        POOL[key] = block(key)
    return POOL[key]


def write(path, megabytes, days_old, seed, compress=False):
    data = b"".join(pooled(seed * 7 + i) for i in range(megabytes))
    if compress:
        with gzip.open(path, "wb", compresslevel=6) as out:
            out.write(data)
    else:
        with open(path, "wb") as out:
            out.write(data)
    when = time.time() - days_old * 86400
    os.utime(path, (when, when))


def main():
    var = os.path.join(sys.argv[1], "var")
    logs = os.path.join(var, "log", "orders")
    data = os.path.join(var, "lib", "orders")
    os.makedirs(logs, exist_ok=True)
    os.makedirs(data, exist_ok=True)
    write(os.path.join(logs, "app.log"), 14, 0, 1)
    write(os.path.join(logs, "app.log.1"), 6, 1, 2)
    write(os.path.join(logs, "app.log.2"), 5, 2, 3)
    write(os.path.join(logs, "app.log.3"), 5, 3, 4)
    for n in range(4, 13):
        write(os.path.join(logs, f"app.log.{n}.gz"), 1, n, 10 + n, compress=True)
    with open(os.path.join(data, "orders.db"), "wb") as db:
        db.write(os.urandom(3 * MB))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""A fake `orders-api` for the drill of disk-full.md: it only writes logs.

`orders_api.py start --log-dir DIR --pid-file FILE` starts it in a session of its own and
returns once it is ready. It appends an access line to DIR/app.log ten times a second and a
debug line to DIR/debug.log every second, both opened once with O_APPEND and held open, as
real services do. `--debug-mb N` first writes N MB to debug.log, so that a later `rm` of it
leaves that much space held by a deleted file. SIGTERM closes both and exits. Nothing outlives
--lifetime seconds. Python 3 standard library only.
"""
import argparse
import ctypes
import os
import random
import select
import signal
import sys
import time

HERE = os.path.abspath(__file__)
PYTHON = os.path.realpath("/proc/self/exe") if os.path.exists("/proc/self/exe") else sys.executable


def set_name(name):
    try:
        ctypes.CDLL(None).prctl(15, ctypes.c_char_p(name.encode()[:15]), 0, 0, 0)
    except (OSError, AttributeError):
        pass


def start(args):
    read_end, write_end = os.pipe()
    if os.fork() == 0:
        os.close(read_end)
        os.setsid()
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.set_inheritable(write_end, True)
        os.execv(PYTHON, ["orders-api", HERE, "run", "--log-dir", args.log_dir,
                          "--pid-file", args.pid_file, "--debug-mb", str(args.debug_mb),
                          "--lifetime", str(args.lifetime), "--ready-fd", str(write_end)])
    os.close(write_end)
    said, deadline = b"", time.monotonic() + 15
    while time.monotonic() < deadline:
        if select.select([read_end], [], [], 0.2)[0]:
            chunk = os.read(read_end, 256)
            if not chunk:
                break
            said += chunk
    if said.startswith(b"ready"):
        print(said.decode().strip())
        return 0
    print("orders-api did not start", file=sys.stderr)
    return 1


def run(args):
    set_name("orders-api")
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND
    app = os.open(os.path.join(args.log_dir, "app.log"), flags, 0o644)
    debug = os.open(os.path.join(args.log_dir, "debug.log"), flags, 0o644)
    with open(args.pid_file, "w") as pid_file:
        pid_file.write(f"{os.getpid()}\n")

    def bye(*_):
        os.close(app)
        os.close(debug)
        os._exit(0)

    signal.signal(signal.SIGTERM, bye)
    signal.signal(signal.SIGINT, bye)
    rng = random.Random(os.getpid())
    line = b"".join(b"%d DEBUG orders-api cache probe key=%012x hit=%d\n" % (i, rng.getrandbits(48), i % 2)
                    for i in range(2000))
    for _ in range(args.debug_mb * (1 << 20) // len(line)):
        os.write(debug, line)
    if args.ready_fd is not None:
        os.write(args.ready_fd, f"ready: orders-api pid {os.getpid()}\n".encode())
        os.close(args.ready_fd)
    end, tick = time.monotonic() + args.lifetime, 0
    while time.monotonic() < end:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
        os.write(app, (f"{stamp}Z INFO orders-api request id={rng.getrandbits(48):012x} method=GET "
                       f"path=/api/orders/{rng.randrange(10000, 99999)} status=200 "
                       f"duration_ms={rng.randrange(2, 90)}\n").encode())
        tick += 1
        if tick % 10 == 0:
            os.write(debug, f"{stamp}Z DEBUG orders-api pool size=8 busy={rng.randrange(8)}\n".encode())
        time.sleep(0.1)
    bye()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["start", "run"])
    parser.add_argument("--log-dir", required=True)
    parser.add_argument("--pid-file", required=True)
    parser.add_argument("--debug-mb", type=int, default=0)
    parser.add_argument("--lifetime", type=int, default=900)
    parser.add_argument("--ready-fd", type=int)
    args = parser.parse_args()
    return start(args) if args.command == "start" else run(args)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""A fake "orders" service for the drill of rogue-process.md.

`service.py start --state-dir DIR` starts a supervisor (process name `orders-svc`) in a session
of its own and returns once it is ready. The supervisor runs a few workers (process name
`orders-worker`) and answers a health check on a free port of 127.0.0.1 (written to DIR/port).
One worker goes rogue: it spins on one CPU, grows its memory to a bounded size (--max-mb),
stops sending heartbeats, and ignores SIGTERM (its handler sets a flag the busy loop never
reads, a real bug seen in the wild). The others sleep, log and send heartbeats.

Everything lives under DIR. Nothing outlives --lifetime seconds, the workers die with the
supervisor (PR_SET_PDEATHSIG), and teardown.sh kills the supervisor's process group.
Python 3 standard library only.
"""

import argparse
import ctypes
import http.server
import os
import select
import signal
import subprocess
import sys
import threading
import time

PR_SET_PDEATHSIG = 1
PR_SET_NAME = 15
HERE = os.path.abspath(__file__)
# The interpreter itself: sys.executable is empty in a process started with another argv[0].
PYTHON = os.path.realpath("/proc/self/exe") if os.path.exists("/proc/self/exe") else sys.executable


def prctl(option, value):
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(option, value, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def set_name(name):
    """What ps -C, pgrep -x and top show (at most 15 bytes)."""
    prctl(PR_SET_NAME, ctypes.c_char_p(name.encode()[:15]))


def log_line(log, text):
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
    log.write(f"{stamp} {text}\n")
    log.flush()


# --- start: daemonize, return when ready -------------------------------------------------


def start(args):
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        os.setsid()
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        null = os.open(os.devnull, os.O_RDONLY)
        log = os.open(os.path.join(args.state_dir, "svc.log"),
                      os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.set_inheritable(write_end, True)
        argv = ["orders-svc", HERE, "run", "--state-dir", args.state_dir,
                "--workers", str(args.workers), "--rogue", str(args.rogue),
                "--max-mb", str(args.max_mb), "--lifetime", str(args.lifetime),
                "--ready-fd", str(write_end)]
        os.execv(PYTHON, argv)
    os.close(write_end)
    deadline = time.monotonic() + 15
    said = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([read_end], [], [], 0.2)
        if ready:
            chunk = os.read(read_end, 256)
            if not chunk:
                break
            said += chunk
    if said.startswith(b"ready"):
        print(said.decode().strip())
        return 0
    print("the orders service did not start; its log says:", file=sys.stderr)
    try:
        with open(os.path.join(args.state_dir, "svc.log")) as log:
            sys.stderr.write(log.read()[-2000:])
    except OSError:
        pass
    return 1


# --- run: the supervisor ------------------------------------------------------------------


class Supervisor:
    def __init__(self, args):
        self.args = args
        self.dir = args.state_dir
        self.workers = {}  # id -> Popen
        self.lock = threading.Lock()

    def heartbeat_age(self, worker_id):
        try:
            return time.time() - os.stat(os.path.join(self.dir, f"worker-{worker_id}.heartbeat")).st_mtime
        except OSError:
            return None

    def health(self):
        lines, ok = [], 0
        with self.lock:
            for worker_id, process in sorted(self.workers.items()):
                code = process.poll()
                age = self.heartbeat_age(worker_id)
                if code is not None:
                    how = f"killed by signal {-code}" if code < 0 else f"exit code {code}"
                    state = f"gone ({how})"
                elif age is not None and age < 3:
                    state = "ok"
                    ok += 1
                else:
                    state = "stuck (no heartbeat for %d s)" % (age or 0)
                lines.append(f"worker {worker_id} pid {process.pid}: {state}")
        head = f"orders: {ok}/{len(lines)} workers ok"
        return ok > 0, "\n".join([head] + lines) + "\n"

    def serve(self):
        supervisor = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path != "/healthz":
                    self.send_error(404)
                    return
                healthy, body = supervisor.health()
                data = body.encode()
                self.send_response(200 if healthy else 503)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server.server_address[1]

    def spawn(self, worker_id):
        argv = ["orders-worker", HERE, "worker", "--id", str(worker_id),
                "--state-dir", self.dir, "--parent", str(os.getpid()),
                "--lifetime", str(self.args.lifetime)]
        if worker_id == self.args.rogue:
            argv += ["--is-rogue", "--max-mb", str(self.args.max_mb)]
        log = open(os.path.join(self.dir, f"worker-{worker_id}.out"), "ab")
        process = subprocess.Popen(argv, executable=PYTHON, stdin=subprocess.DEVNULL,
                                   stdout=log, stderr=log, close_fds=True)
        log.close()
        with self.lock:
            self.workers[worker_id] = process

    def ready(self):
        for worker_id in self.workers:
            if self.heartbeat_age(worker_id) is None:
                return False
        rogue = os.path.join(self.dir, f"worker-{self.args.rogue}.rogue")
        return not self.args.rogue or os.path.exists(rogue)

    def stop(self, *_):
        with self.lock:
            for process in self.workers.values():
                if process.poll() is None:
                    process.kill()
            for process in self.workers.values():
                process.wait()  # reaped here, so no zombie is left to init
        os._exit(0)

    def run(self):
        set_name("orders-svc")
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        with open(os.path.join(self.dir, "svc.pid"), "w") as pid_file:
            pid_file.write(f"{os.getpid()}\n")
        port = self.serve()
        with open(os.path.join(self.dir, "port"), "w") as port_file:
            port_file.write(f"{port}\n")
        for worker_id in range(1, self.args.workers + 1):
            self.spawn(worker_id)
        deadline = time.monotonic() + 10
        while not self.ready() and time.monotonic() < deadline:
            time.sleep(0.05)
        if self.args.ready_fd is not None:
            message = f"ready: orders-svc pid {os.getpid()}, health on port {port}\n"
            if not self.ready():
                message = "not ready after 10 s\n"
            os.write(self.args.ready_fd, message.encode())
            os.close(self.args.ready_fd)
        end = time.monotonic() + self.args.lifetime
        while time.monotonic() < end:
            with self.lock:
                for process in self.workers.values():
                    process.poll()  # reap: an exited worker must not linger as a zombie
            time.sleep(0.1)
        self.stop()


# --- worker -------------------------------------------------------------------------------


def worker(args):
    set_name("orders-worker")
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != args.parent:
        return 0
    name = f"worker-{args.id}"
    log = open(os.path.join(args.state_dir, f"{name}.log"), "a")
    heartbeat = os.path.join(args.state_dir, f"{name}.heartbeat")
    end = time.monotonic() + args.lifetime

    def beat():
        with open(heartbeat, "a"):
            os.utime(heartbeat)

    log_line(log, f"{name} started, pid {os.getpid()}, consuming queue orders")
    beat()
    if not args.is_rogue:
        def drain(*_):
            log_line(log, f"{name}: SIGTERM, finished the current batch, bye")
            sys.exit(0)
        signal.signal(signal.SIGTERM, drain)
        batch = 4800 + args.id * 1000
        while time.monotonic() < end:
            batch += 1
            log_line(log, f"{name}: batch {batch} done (25 orders)")
            for _ in range(4):
                beat()
                time.sleep(0.5)
        return 0

    # The rogue: one batch never ends. It retries in a tight loop, keeping every response.
    stopping = []

    def asked_to_stop(*_):
        log_line(log, f"{name}: SIGTERM, will stop after the current batch")
        stopping.append(True)  # never read by the loop below: the bug

    signal.signal(signal.SIGTERM, asked_to_stop)
    log_line(log, f"{name}: batch 4812: payment gateway answered 409, retrying")
    kept, chunk = [], 8 << 20
    limit = args.max_mb << 20
    marker = os.path.join(args.state_dir, f"{name}.rogue")
    retries = 0
    while time.monotonic() < end:
        for _ in range(20000):
            retries += 1
        if len(kept) * chunk < limit:
            kept.append(b"\x01" * chunk)  # touched, so it counts in RSS
        elif not os.path.exists(marker):
            log_line(log, f"{name}: batch 4812: {retries} retries, still 409")
            open(marker, "w").close()
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["start", "run", "worker"])
    parser.add_argument("--state-dir", required=True)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--rogue", type=int, default=3, help="which worker goes rogue (0: none)")
    parser.add_argument("--max-mb", type=int, default=120)
    parser.add_argument("--lifetime", type=int, default=900, help="seconds before all exits")
    parser.add_argument("--ready-fd", type=int)
    parser.add_argument("--id", type=int)
    parser.add_argument("--parent", type=int)
    parser.add_argument("--is-rogue", action="store_true")
    args = parser.parse_args()
    if args.command == "start":
        return start(args)
    if args.command == "run":
        Supervisor(args).run()
        return 0
    return worker(args)


if __name__ == "__main__":
    sys.exit(main())

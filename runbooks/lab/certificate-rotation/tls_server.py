#!/usr/bin/env python3
"""The certificate-rotation lab's HTTPS server on 127.0.0.1. Every connection is served
with the current TLS context; SIGHUP loads the certificate chain and key from disk again
into a new context. A reload that fails (a missing file, a key that does not match the
certificate) keeps the old context and says so, so a botched install never takes the
service down. Connections in flight keep the context they started with.

    GET /   ->   200 "ok"
"""

import argparse
import os
import signal
import ssl
import sys
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

parser = argparse.ArgumentParser()
parser.add_argument("--dir", required=True, help="the lab directory")
parser.add_argument("--cert", required=True, help="the certificate chain, leaf first")
parser.add_argument("--key", required=True)
args = parser.parse_args()


def say(message):
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
    print(f"{stamp}Z {message}", file=sys.stderr, flush=True)


def new_context():
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(args.cert, args.key)
    return context


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *_):
        pass

    def do_GET(self):
        body = b"ok\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True


class Server(ThreadingHTTPServer):
    daemon_threads = True
    context = None
    context_lock = threading.Lock()

    def finish_request(self, request, client_address):
        with self.context_lock:
            context = self.context
        request.settimeout(10)
        tls = context.wrap_socket(request, server_side=True)  # the handshake, in this thread
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            tls.close()

    def handle_error(self, request, client_address):
        say(f"connection from {client_address[0]}: {sys.exc_info()[1]}")


def main():
    server = Server(("127.0.0.1", 0), Handler)
    server.context = new_context()

    def reload(*_):
        try:
            context = new_context()
        except (OSError, ssl.SSLError) as error:
            say(f"reload failed, still serving the old certificate: {error}")
            return
        with server.context_lock:
            server.context = context
        say("reloaded the certificate and key")

    signal.signal(signal.SIGHUP, reload)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    port_file = os.path.join(args.dir, "port")
    with open(port_file + ".tmp", "w") as handle:
        handle.write(f"{server.server_address[1]}\n")
    os.replace(port_file + ".tmp", port_file)
    say(f"serving https on 127.0.0.1:{server.server_address[1]}")
    server.serve_forever(poll_interval=0.2)


main()

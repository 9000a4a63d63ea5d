"""A fault-injecting HTTP proxy in front of a real local server (WordPress,
Waline), for tests of retries and lost answers. Not a test module.

(The same class as tests/wordpress/test_push.py's FaultProxy, lifted out so
that every target's tests can use it.)"""
from __future__ import annotations

import http.client
import http.server
import json
import socket
import threading
from collections import Counter


class FaultProxy:
    """Forwards to a real server; for chosen requests answers 503, answers 429
    (Retry-After: 1), or drops the connection without an answer — before
    forwarding, or (the nasty case) after the server has handled the request.
    ``rules(method, n, path)`` (n counts requests per method) -> one of
    "pass", "503", "429", "drop-before", "drop-after"."""

    def __init__(self, upstream: str, rules):
        u = upstream.split("://", 1)[1]
        self.up_host, self.up_port = u.split(":")[0], int(u.split(":")[1].split("/")[0])
        self.rules = rules  # (method, n, route) -> action
        self.seen = Counter()
        self.actions = Counter()
        self.lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                with proxy.lock:
                    proxy.seen[self.command] += 1
                    n = proxy.seen[self.command]
                route = self.path
                action = proxy.rules(self.command, n, route) or "pass"
                with proxy.lock:
                    proxy.actions[(self.command, action)] += 1
                if action == "drop-before":
                    return self._drop()
                if action in ("503", "429"):
                    msg = json.dumps({"code": "busy", "message": "try later"}).encode()
                    self.send_response(int(action))
                    if action == "429":
                        self.send_header("Retry-After", "1")
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(msg)))
                    self.end_headers()
                    self.wfile.write(msg)
                    return
                conn = http.client.HTTPConnection(proxy.up_host, proxy.up_port, timeout=60)
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("host", "connection", "keep-alive")}
                headers["Host"] = f"{proxy.up_host}:{proxy.up_port}"
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                conn.close()
                if action == "drop-after":
                    return self._drop()
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() not in ("connection", "keep-alive", "transfer-encoding",
                                         "content-length"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _drop(self):
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

            do_GET = do_POST = do_PUT = do_DELETE = _any

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

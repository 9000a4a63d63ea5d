"""A real HTTP server on 127.0.0.1 that records every request it receives.

Not a test module. ``Recorder()`` answers 404 to everything; ``Recorder(upstream=URL)``
forwards to a real site (and records); ``respond=fn(method, path, headers, body)``
may answer instead: return ``(status, headers, bytes)`` or None to go on.

    with Recorder() as rec:
        ... something that must not talk to rec.url ...
    assert rec.requests == []
"""
from __future__ import annotations

import http.client
import http.server
import threading
from urllib.parse import urlsplit


class Recorder:
    def __init__(self, upstream: str | None = None, respond=None):
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self.respond = respond
        up = urlsplit(upstream) if upstream else None
        rec = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with rec.lock:
                    rec.requests.append({"method": self.command, "path": self.path,
                                         "headers": dict(self.headers.items()), "body": body})
                answer = rec.respond(self.command, self.path, self.headers, body) \
                    if rec.respond else None
                if answer is None and up is not None:
                    conn = http.client.HTTPConnection(up.hostname, up.port or 80, timeout=60)
                    headers = {k: v for k, v in self.headers.items()
                               if k.lower() not in ("host", "connection", "keep-alive")}
                    headers["Host"] = up.netloc
                    conn.request(self.command, self.path, body=body or None, headers=headers)
                    resp = conn.getresponse()
                    data = resp.read()
                    conn.close()
                    hdrs = [(k, v) for k, v in resp.getheaders()
                            if k.lower() not in ("connection", "keep-alive", "transfer-encoding",
                                                 "content-length")]
                    answer = (resp.status, hdrs, data)
                if answer is None:
                    answer = (404, [("Content-Type", "application/json")],
                              b'{"code":"rest_no_route","message":"nothing here"}')
                status, hdrs, data = answer
                self.send_response(status)
                for k, v in (hdrs.items() if isinstance(hdrs, dict) else hdrs):
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _any

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def saw(self, text: str) -> bool:
        """Did any request carry ``text`` (in its path, a header or the body)?"""
        with self.lock:
            for r in self.requests:
                blob = r["path"] + repr(r["headers"]) + r["body"].decode("latin-1")
                if text in blob:
                    return True
        return False

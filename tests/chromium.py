"""A real headless Chromium (Debian's ``chromium``), driven over the DevTools
protocol with a small websocket client, for tests of the HTML archive.

Why CDP and not ``--dump-dom`` + scanning stderr: stderr of a headless
Chromium in a container is full of unrelated errors (D-Bus, GPU), so a
console error is not reliably told apart there; over CDP every console
call, uncaught exception, log entry (CSP violations are logged there) and
network request arrives as its own event. One browser per test module,
one fresh tab per page.
"""
from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import subprocess
import tempfile
import time

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--mute-audio",
         "--hide-scrollbars", "--remote-debugging-port=0", "--remote-allow-origins=*"]


class ChromiumUnavailable(RuntimeError):
    pass


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None


class PageResult:
    """What happened while a page loaded."""

    def __init__(self, url: str):
        self.url = url
        self.console: list[dict] = []  # {"level", "text"} from console.* calls
        self.exceptions: list[str] = []  # uncaught exceptions
        self.log: list[dict] = []  # {"level", "source", "text"}: CSP, network, deprecations...
        self.requests: list[str] = []  # every URL the page asked for

    @property
    def errors(self) -> list[str]:
        """Everything a reader's console would show as an error."""
        out = [f"console.{m['level']}: {m['text']}" for m in self.console
               if m["level"] in ("error", "assert")]
        out += [f"uncaught: {e}" for e in self.exceptions]
        out += [f"{m['source']}: {m['text']}" for m in self.log if m["level"] == "error"]
        return out


class Chromium:
    def __init__(self, binary: str | None = None, timeout: float = 30.0):
        try:
            import websocket  # websocket-client
        except ImportError as e:
            raise ChromiumUnavailable("websocket-client is not installed") from e
        self._websocket = websocket
        self.binary = binary or find_chromium()
        if not self.binary:
            raise ChromiumUnavailable("chromium is not installed (apt-get install chromium)")
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="migrator-chromium-")
        self._log = open(os.path.join(self.profile, "stderr.log"), "wb")
        self.proc = subprocess.Popen([self.binary, *FLAGS, f"--user-data-dir={self.profile}",
                                      "about:blank"], stdin=subprocess.DEVNULL,
                                     stdout=self._log, stderr=self._log)
        self._ids = itertools.count(1)
        self._events: list[dict] = []
        try:
            self.ws = websocket.create_connection(self._browser_url(), timeout=timeout,
                                                  suppress_origin=True)
        except BaseException:
            self.close()
            raise

    def _browser_url(self) -> str:
        # Chromium writes the port it picked and the browser's path here.
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ChromiumUnavailable(f"chromium exited with {self.proc.returncode}: "
                                          + self._tail())
            try:
                with open(port_file, encoding="ascii") as fh:
                    lines = fh.read().split()
                if len(lines) >= 2:
                    return f"ws://127.0.0.1:{lines[0]}{lines[1]}"
            except FileNotFoundError:
                pass
            time.sleep(0.05)
        raise ChromiumUnavailable("chromium did not open its DevTools port: " + self._tail())

    def _tail(self) -> str:
        try:
            with open(os.path.join(self.profile, "stderr.log"), "rb") as fh:
                return fh.read()[-2000:].decode("utf-8", "replace")
        except OSError:
            return ""

    # -- protocol -------------------------------------------------------------
    def send(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float | None = None) -> dict:
        msg_id = next(self._ids)
        msg = {"id": msg_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self.ws.send(json.dumps(msg))
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            m = self._recv(deadline)
            if m is None:
                raise TimeoutError(f"no answer to {method}")
            if m.get("id") == msg_id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})
            self._events.append(m)

    def _recv(self, deadline: float) -> dict | None:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        self.ws.settimeout(left)
        try:
            return json.loads(self.ws.recv())
        except self._websocket.WebSocketTimeoutException:
            return None

    def _wait_event(self, method: str, session: str, timeout: float) -> dict | None:
        deadline = time.monotonic() + timeout
        for i, m in enumerate(self._events):
            if m.get("method") == method and m.get("sessionId") == session:
                return self._events.pop(i)
        while True:
            m = self._recv(deadline)
            if m is None:
                return None
            if m.get("method") == method and m.get("sessionId") == session:
                return m
            self._events.append(m)

    def _drain(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while (m := self._recv(deadline)) is not None:
            self._events.append(m)

    # -- pages ----------------------------------------------------------------
    def open(self, url: str, width: int = 1024, height: int = 800, mobile: bool = False,
             settle: float = 0.3) -> "Tab":
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        tab = Tab(self, target, session, url)
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable", session=session)
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
                  session=session)
        self.send("Page.navigate", {"url": url}, session=session)
        if self._wait_event("Page.loadEventFired", session, self.timeout) is None:
            raise TimeoutError(f"{url} did not finish loading")
        self._drain(settle)  # late console messages, CSP reports
        tab.collect()
        return tab

    def close(self) -> None:
        try:
            if getattr(self, "ws", None) is not None:
                try:
                    self.send("Browser.close", timeout=5)
                except Exception:  # noqa: BLE001 - closing anyway
                    pass
                self.ws.close()
        finally:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(10)
            self._log.close()
            shutil.rmtree(self.profile, ignore_errors=True)


class Tab:
    def __init__(self, browser: Chromium, target: str, session: str, url: str):
        self.browser, self.target, self.session = browser, target, session
        self.result = PageResult(url)

    def collect(self) -> PageResult:
        """Move this tab's events into :attr:`result`."""
        keep = []
        r = self.result
        for m in self.browser._events:
            if m.get("sessionId") != self.session:
                keep.append(m)
                continue
            method, p = m.get("method"), m.get("params", {})
            if method == "Runtime.consoleAPICalled":
                text = " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", []))
                r.console.append({"level": p.get("type"), "text": text})
            elif method == "Runtime.exceptionThrown":
                d = p.get("exceptionDetails", {})
                r.exceptions.append(d.get("exception", {}).get("description") or d.get("text", ""))
            elif method == "Log.entryAdded":
                e = p.get("entry", {})
                r.log.append({"level": e.get("level"), "source": e.get("source"), "text": e.get("text")})
            elif method == "Network.requestWillBeSent":
                r.requests.append(p.get("request", {}).get("url", ""))
        self.browser._events = keep
        return r

    def eval(self, expression: str):
        res = self.browser.send("Runtime.evaluate", {"expression": expression, "returnByValue": True},
                                session=self.session)
        if "exceptionDetails" in res:
            raise RuntimeError(f"evaluate failed: {res['exceptionDetails']}")
        return res["result"].get("value")

    def media(self, media: str) -> None:
        self.browser.send("Emulation.setEmulatedMedia", {"media": media}, session=self.session)

    def screenshot(self, path: str, full_page: bool = True) -> None:
        params = {"format": "png"}
        if full_page:
            params["captureBeyondViewport"] = True
            w, h = self.eval("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
            params["clip"] = {"x": 0, "y": 0, "width": w, "height": min(h, 6000), "scale": 1}
        data = self.browser.send("Page.captureScreenshot", params, session=self.session)["data"]
        with open(path, "wb") as fh:
            fh.write(base64.b64decode(data))

    def close(self) -> None:
        self.browser.send("Target.closeTarget", {"targetId": self.target})

"""Headless Chromium driven over the DevTools protocol on a pipe: no port, no package but Pillow.

Used by the report's browser test, and by `make report-screenshot` (`python tests/browser.py PAGE PNG`).
Chromium is Debian's (`apt-get install chromium`; .ci/run installs it); as root it needs --no-sandbox,
and on this closed network the background-networking flags keep it from dialling Google at start.
"""

from __future__ import annotations

import base64
import io
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from PIL import Image, ImageChops

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--hide-scrollbars",
    "--mute-audio",
    "--remote-debugging-pipe",
]


# Moves two inherited fds to 3 and 4 (through fds >= 10, so that neither overwrites the other), then execs.
_TRAMPOLINE = """
import fcntl, os, sys
ends = [int(fd) for fd in sys.argv[1:3]]
high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in ends]
for fd in ends:
    os.close(fd)
for target, fd in zip((3, 4), high):
    os.dup2(fd, target)
    os.close(fd)
os.execv(sys.argv[3], sys.argv[3:])
"""


class CDPError(RuntimeError):
    pass


class Browser:
    """One Chromium process and one page (tab) attached in flat mode; every event is kept in `events`."""

    def __init__(self, width: int = 1280, height: int = 1000) -> None:
        if CHROMIUM is None:
            raise FileNotFoundError("chromium is not installed (apt-get install chromium)")
        self._profile = tempfile.TemporaryDirectory(prefix="tickerhouse-chromium-")
        to_browser_r, to_browser_w = os.pipe()
        from_browser_r, from_browser_w = os.pipe()
        # --remote-debugging-pipe reads commands on fd 3 and writes replies on fd 4: a trampoline puts the
        # pipe ends there and execs chromium (no preexec_fn: the tests run beside Prefect's threads)
        self.log = Path(self._profile.name) / "chromium.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable, "-c", _TRAMPOLINE, str(to_browser_r), str(from_browser_w),
                    CHROMIUM, *FLAGS, f"--user-data-dir={self._profile.name}/profile",
                ],
                pass_fds=(to_browser_r, from_browser_w),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )  # fmt: skip
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._writer = os.fdopen(to_browser_w, "wb", buffering=0)
        self._inbox: queue.Queue[dict | None] = queue.Queue()
        self._reader = threading.Thread(
            target=self._read, args=(os.fdopen(from_browser_r, "rb"),), daemon=True
        )
        self._reader.start()
        self._next_id = 0
        self.events: list[dict] = []
        target = self.call("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        attached = self.call("Target.attachToTarget", {"targetId": target, "flatten": True}, session=False)
        self.session = attached["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable")
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )

    def _read(self, stream) -> None:
        buffer = b""
        while chunk := stream.read1(65536):
            buffer += chunk
            *messages, buffer = buffer.split(b"\0")
            for message in messages:
                self._inbox.put(json.loads(message))
        self._inbox.put(None)  # the browser closed its end

    def _take(self, timeout: float) -> dict:
        try:
            message = self._inbox.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError("no message from chromium") from None
        if message is None:
            raise CDPError(f"chromium exited: {self.log.read_text(errors='replace')[-2000:]}")
        return message

    def call(
        self, method: str, params: dict | None = None, *, session: bool = True, timeout: float = 30
    ) -> dict:
        """Send one command and return its result; events that arrive meanwhile go to `events`."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        self._writer.write(json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._take(max(0.01, deadline - time.monotonic()))
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise CDPError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def pump(self, seconds: float) -> None:
        """Collect events for `seconds`."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                message = self._take(left)
            except TimeoutError:
                return
            if "method" in message:
                self.events.append(message)

    def evaluate(self, expression: str, *, timeout: float = 30) -> Any:
        """Return the value of a JavaScript expression in the page (promises awaited)."""
        result = self.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            timeout=timeout,
        )
        if "exceptionDetails" in result:
            raise CDPError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_until(self, expression: str, timeout: float = 30) -> Any:
        """Poll a JavaScript expression until it is truthy; return its value."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if value := self.evaluate(expression):
                return value
            self.pump(0.1)
        raise TimeoutError(f"still false after {timeout} s: {expression}")

    def open(self, path: Path, ready: str = "document.body && document.body.dataset.ready === 'true'") -> str:
        """Navigate to a file and wait until `ready` holds; return the file's URL."""
        url = path.resolve().as_uri()
        self.call("Page.navigate", {"url": url})
        self.wait_until(ready, timeout=60)
        return url

    def click(self, x: float, y: float) -> None:
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            params = {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1}
            if kind == "mouseMoved":
                params = {"type": kind, "x": x, "y": y}
            self.call("Input.dispatchMouseEvent", params)

    def _centre(self, selector: str, index: int) -> tuple[float, float]:
        """Return the viewport coordinates of the middle of the index-th element matching a selector."""
        centre = self.evaluate(
            f"(() => {{ const r = document.querySelectorAll({json.dumps(selector)})[{index}]"
            ".getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()"
        )
        return centre[0], centre[1]

    def click_selector(self, selector: str, index: int = 0) -> None:
        """Click the middle of the index-th element matching a CSS selector, as a user's mouse would."""
        self.click(*self._centre(selector, index))

    def hover_selector(self, selector: str, index: int = 0) -> None:
        """Move the mouse to the middle of the index-th element matching a CSS selector."""
        x, y = self._centre(selector, index)
        self.call("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": x, "y": y})

    def screenshot(self, clip: dict | None = None) -> bytes:
        """Return a PNG of the viewport, or of a clip {x, y, width, height} of the page."""
        params: dict[str, Any] = {"format": "png", "captureBeyondViewport": clip is not None}
        if clip:
            params["clip"] = {**clip, "scale": 1}
        return base64.b64decode(self.call("Page.captureScreenshot", params)["data"])

    def rect(self, selector: str) -> dict:
        """Return the page-relative box of the first element matching a CSS selector."""
        return self.evaluate(
            f"(() => {{ const r = document.querySelector({json.dumps(selector)}).getBoundingClientRect(); "
            "return {x: r.x + scrollX, y: r.y + scrollY, width: r.width, height: r.height}; })()"
        )

    def console_errors(self) -> list[str]:
        """Return every console error, uncaught exception and error log entry seen so far."""
        errors = []
        for event in self.events:
            method, params = event["method"], event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                errors.append(" ".join(str(a.get("value", a.get("description"))) for a in params["args"]))
            elif method == "Runtime.exceptionThrown":
                errors.append(json.dumps(params["exceptionDetails"])[:500])
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                errors.append(f"{params['entry'].get('source')}: {params['entry']['text']}")
        return errors

    def requests(self) -> list[str]:
        """Return the URL of every request the page made (data: URLs included)."""
        return [
            e["params"]["request"]["url"] for e in self.events if e["method"] == "Network.requestWillBeSent"
        ]

    def close(self) -> None:
        try:
            self.call("Browser.close", session=False, timeout=5)
        except (CDPError, TimeoutError, OSError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._writer.close()
        self._profile.cleanup()

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def non_white_share(png: bytes, threshold: int = 240) -> float:
    """Return the share of pixels of a PNG that are not (near) white."""
    image = Image.open(io.BytesIO(png)).convert("L")
    histogram = image.histogram()
    return sum(histogram[:threshold]) / (image.width * image.height)


def changed_share(before: bytes, after: bytes) -> float:
    """Return the share of pixels that differ between two PNGs of the same size."""
    a, b = (Image.open(io.BytesIO(png)).convert("RGB") for png in (before, after))
    diff = ImageChops.difference(a, b).convert("L").point(lambda v: 255 if v > 16 else 0)
    return diff.histogram()[255] / (a.width * a.height)


def screenshot_report(page: Path, out: Path, height: int = 1500) -> None:
    """Write a PNG of the top of a report page (the header, the attention chart, rising topics)."""
    with Browser(height=height) as browser:
        browser.open(page)
        browser.pump(0.5)
        png = browser.screenshot({"x": 0, "y": 0, "width": 1280, "height": height})
    # an adaptive 256-colour palette: a third of the bytes, and a page of flat colours loses nothing visible
    Image.open(io.BytesIO(png)).convert("RGB").quantize(256).save(out, optimize=True)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python tests/browser.py REPORT.html OUT.png")
    screenshot_report(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f"screenshot written to {sys.argv[2]}")

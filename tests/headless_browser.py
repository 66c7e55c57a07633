"""A page opened in a real headless Chromium, driven over the DevTools protocol.

Debian's `chromium` is started with no network services of its own and a fresh profile; the
protocol is spoken through `websockets` (already installed with Dagster's webserver), so the
tests need no browser download and no driver package.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.sync.client import connect

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--remote-debugging-port=0",
)


@dataclass
class PageVisit:
    """What the browser reported while loading a page, and what a script read from it."""

    value: Any = None
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    screenshot: bytes = b""


def _devtools_url(profile: Path, process: subprocess.Popen, timeout: float) -> str:
    port_file = profile / "DevToolsActivePort"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_file.exists() and len(lines := port_file.read_text().splitlines()) >= 2:
            return f"ws://127.0.0.1:{lines[0]}{lines[1]}"
        if process.poll() is not None:
            raise RuntimeError(f"chromium exited with {process.returncode}")
        time.sleep(0.05)
    raise TimeoutError("chromium did not open its DevTools port")


class _Session:
    def __init__(self, socket: Any) -> None:
        self.socket, self.next_id, self.events = socket, 0, []
        self.session_id: str | None = None

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if self.session_id:
            message["sessionId"] = self.session_id
        self.socket.send(json.dumps(message))
        while True:
            reply = json.loads(self.socket.recv(timeout=30))
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 30) -> None:
        if any(event.get("method") == method for event in self.events):
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            event = json.loads(self.socket.recv(timeout=deadline - time.monotonic()))
            self.events.append(event)
            if event.get("method") == method:
                return
        raise TimeoutError(method)


def visit(page: Path, script: str, timeout: float = 60) -> PageVisit:
    """Load `page` (a file) and evaluate `script` (an expression returning JSON) in it."""
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        process = subprocess.Popen(
            [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "HOME": profile},
        )
        try:
            with connect(_devtools_url(Path(profile), process, timeout), max_size=None) as socket:
                return _visit(_Session(socket), page, script)
        finally:
            process.terminate()
            process.wait(timeout=10)


def _visit(session: _Session, page: Path, script: str) -> PageVisit:
    target = session.send("Target.createTarget", url="about:blank")["targetId"]
    attached = session.send("Target.attachToTarget", targetId=target, flatten=True)
    session.session_id = attached["sessionId"]
    for domain in ("Page", "Runtime", "Log", "Network"):
        session.send(f"{domain}.enable")
    session.events.clear()
    session.send("Page.navigate", url=page.resolve().as_uri())
    session.wait_for("Page.loadEventFired")
    result = session.send(
        "Runtime.evaluate", expression=script, returnByValue=True, awaitPromise=True
    )
    shot = session.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
    outcome = PageVisit(value=result["result"].get("value"))
    outcome.screenshot = base64.b64decode(shot["data"])
    for event in session.events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.exceptionThrown":
            outcome.errors.append(params["exceptionDetails"].get("text", "exception"))
        elif method == "Runtime.consoleAPICalled" and params.get("type") in {"error", "assert"}:
            outcome.errors.append(json.dumps(params.get("args")))
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            outcome.errors.append(params["entry"].get("text", ""))
        elif method == "Network.requestWillBeSent":
            outcome.requests.append(params["request"]["url"])
    return outcome

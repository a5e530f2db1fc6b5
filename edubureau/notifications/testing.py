"""Test support: a fake group robot on 127.0.0.1 (the isolation targets of this app
are in notifications/tests/isolation_targets.py)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class ReceivedRequest:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


@dataclass
class FakeRobot:
    """A group robot on 127.0.0.1: records every request and answers with the next
    scripted reply, ``(status, json_body)``; the last reply repeats."""

    url: str
    replies: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    received: list[ReceivedRequest] = field(default_factory=list)


@contextmanager
def fake_robot(replies: list[tuple[int, dict[str, Any]]] | None = None) -> Iterator[FakeRobot]:
    robot = FakeRobot(url="", replies=list(replies or [(200, {"errcode": 0, "errmsg": "ok"})]))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length)
            parts = urlsplit(self.path)
            robot.received.append(
                ReceivedRequest(
                    path=parts.path,
                    query=parse_qs(parts.query),
                    headers=dict(self.headers.items()),
                    body=json.loads(raw.decode("utf-8")),
                )
            )
            status, answer = robot.replies[0] if len(robot.replies) == 1 else robot.replies.pop(0)
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    robot.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield robot
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

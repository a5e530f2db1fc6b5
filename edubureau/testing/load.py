"""A mixed load on a running server over loopback: several streams of requests at once,
each at its own pace, for a bounded time. The soak under ``bench/soak.py`` (gunicorn,
five minutes) and the CI smoke test (the live test server, seconds) both run it.

A stream is a name, a number of client threads, a target rate (requests per second
across its threads; 0 for as fast as they go) and a function that makes one request
and returns the answer's status. A stream may end early by raising :class:`Done` (its
work is used up: every draft submitted). Plain ``http.client``: what is measured is the
server, not a client library.
"""

from __future__ import annotations

import http.client
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode


class Done(Exception):
    """Raised by a stream's request function when it has nothing left to send."""


@dataclass
class Stream:
    name: str
    request: Callable[[], int]
    threads: int = 1
    rate: float = 0.0


@dataclass
class Tally:
    """What one stream got: status codes and latencies of its requests."""

    statuses: dict[int, int] = field(default_factory=dict)
    seconds: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # exceptions: refused, reset, …

    @property
    def count(self) -> int:
        return sum(self.statuses.values())

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def percentile(self, p: float) -> float:
        if not self.seconds:
            return float("nan")
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def run(streams: list[Stream], seconds: float) -> dict[str, Tally]:
    """Every stream at once until ``seconds`` have passed (or its work is done)."""
    tallies = {s.name: Tally() for s in streams}
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker(stream: Stream) -> None:
        tally = tallies[stream.name]
        interval = stream.threads / stream.rate if stream.rate else 0.0
        next_at = time.monotonic()
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                status = stream.request()
            except Done:
                return
            except Exception as exc:  # a refused or reset connection is a failure too
                with lock:
                    tally.errors.append(f"{type(exc).__name__}: {exc}")
                continue
            with lock:
                tally.statuses[status] = tally.statuses.get(status, 0) + 1
                tally.seconds.append(time.perf_counter() - started)
            if interval:
                next_at += interval
                time.sleep(max(0.0, next_at - time.monotonic()))

    threads = [
        threading.Thread(target=worker, args=(s,), daemon=True)
        for s in streams
        for _ in range(s.threads)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 120)
    return tallies


def request(
    port: int,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> http.client.HTTPResponse:
    """One request on its own connection; the response read in full."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        response.read()
        return response
    finally:
        conn.close()


CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def login(port: int, path: str, username: str, password: str) -> int:
    """A browser's sign-in: the login page (its CSRF cookie and token), then the form.
    The status of the POST: 302 when signed in."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path)
        page = conn.getresponse()
        html = page.read()
        cookies = "; ".join(
            value.split(";", 1)[0]
            for name, value in page.getheaders()
            if name.lower() == "set-cookie"
        )
        token = CSRF_FIELD.search(html)
        form = urlencode(
            {
                "csrfmiddlewaretoken": token.group(1).decode() if token else "",
                "username": username,
                "password": password,
            }
        ).encode()
        conn.request(
            "POST",
            path,
            body=form,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": cookies,
                "Referer": f"http://127.0.0.1:{port}{path}",
            },
        )
        answer = conn.getresponse()
        answer.read()
        return answer.status
    finally:
        conn.close()

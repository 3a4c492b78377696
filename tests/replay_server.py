"""A real HTTP server on 127.0.0.1 that answers with recorded response bodies.

The Graph API and YouTube connectors are tested against it: each route is a method, a path
and the query parameters that must be there (others, such as ``access_token`` or ``key``,
are ignored), and answers with a status, headers and a body (a file of
``../shared/samples/``, a file of ``tests/data/``, or bytes built in the test and named as
such). Every request is kept (:attr:`ReplayServer.requests`); a request no route matches
gets a 404 and is kept in :attr:`ReplayServer.unmatched`, so a test can show it asked only
for what was recorded. :meth:`ReplayServer.cut` resets the connection (TCP RST, no answer)
of every request after the first ``after`` ones, as a network that fails mid-pull does.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import socket
import struct
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

__all__ = ["ReplayServer", "Reply", "Request", "replay"]


@dataclass(frozen=True)
class Reply:
    """One answer: a status, headers and a body (a path is read when it is served)."""

    body: Path | bytes | Mapping[str, Any] | list[Any] = b""
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)

    def payload(self) -> bytes:
        if isinstance(self.body, Path):
            return self.body.read_bytes()
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body).encode()


@dataclass(frozen=True)
class Request:
    """What the server was asked: the method, the path, the query and the headers."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


@dataclass
class _Route:
    method: str
    path: str
    query: dict[str, str]
    replies: list[Reply]
    served: int = 0

    def matches(self, request: Request) -> bool:
        return (
            request.method == self.method
            and request.path == self.path
            and all(request.param(k) == v for k, v in self.query.items())
        )

    def next_reply(self) -> Reply:
        reply = self.replies[min(self.served, len(self.replies) - 1)]
        self.served += 1
        return reply


class ReplayServer:
    """Routes to recorded answers, on a free port of 127.0.0.1, in a thread."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.unmatched: list[Request] = []
        self._routes: list[_Route] = []
        self._lock = threading.Lock()
        self._cut_after: int | None = None
        self._answered = 0
        self.resets = 0
        self.date: str | None = None
        """The ``Date`` every answer carries (an HTTP date), when set; else the time now."""
        handler = type("Handler", (_Handler,), {"replay": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def add(
        self,
        path: str,
        *replies: Reply,
        method: str = "GET",
        query: Mapping[str, str] | None = None,
    ) -> None:
        """Answer ``method path`` (with at least ``query``) with ``replies`` in turn, the
        last one again when they run out. A more specific route (more query parameters)
        wins over a less specific one."""
        if not replies:
            raise ValueError("a route needs at least one reply")
        with self._lock:
            self._routes.append(_Route(method, path, dict(query or {}), list(replies)))

    def answer_at(self, moment: dt.datetime) -> None:
        """Every answer's ``Date`` is ``moment`` from now on (a later pull observed at its
        own moment, however fast the test runs)."""
        self.date = email.utils.format_datetime(moment.astimezone(dt.UTC), usegmt=True)

    def cut(self, *, after: int | None) -> None:
        """Reset every request's connection once ``after`` requests were answered (counted
        from now); None: answer again."""
        with self._lock:
            self._cut_after, self._answered = after, 0

    def unplayed(self) -> list[str]:
        """The routes nobody asked for (``METHOD path?query``)."""
        return [
            f"{r.method} {r.path}?{'&'.join(f'{k}={v}' for k, v in r.query.items())}"
            for r in self._routes
            if r.served == 0
        ]

    def asked(self, path: str) -> list[Request]:
        """The requests for ``path``, in order."""
        return [r for r in self.requests if r.path == path]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _answer(self, request: Request) -> Reply | None:
        """The reply for ``request``; None when its connection is to be reset."""
        with self._lock:
            self.requests.append(request)
            if self._cut_after is not None and self._answered >= self._cut_after:
                self.resets += 1
                return None
            self._answered += 1
            found = [r for r in self._routes if r.matches(request)]
            if not found:
                self.unmatched.append(request)
                body = {"error": {"message": f"nothing recorded for {request.path}", "code": 404}}
                return Reply(body, status=404)
            return max(found, key=lambda r: len(r.query)).next_reply()


class _Handler(BaseHTTPRequestHandler):
    replay: ReplayServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        request = Request(
            self.command,
            parts.path,
            parse_qs(parts.query, keep_blank_values=True),
            {k.lower(): v for k, v in self.headers.items()},
        )
        reply = self.replay._answer(request)
        if reply is None:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        payload = reply.payload()
        self.send_response_only(reply.status)
        headers = {
            "Date": self.replay.date or self.date_time_string(),
            "Content-Type": "application/json; charset=UTF-8",
            **reply.headers,
        }
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        # headers and body in one write: in two, Nagle's algorithm and the client's delayed
        # ACK hold every answer on a kept-alive connection back about 40 ms
        self._headers_buffer.append(b"\r\n" + payload)
        self.flush_headers()

    do_GET = _serve  # noqa: N815 - the names http.server calls
    do_POST = _serve  # noqa: N815
    do_DELETE = _serve  # noqa: N815


@pytest.fixture
def replay() -> Iterator[ReplayServer]:
    """A replay server for one test."""
    server = ReplayServer()
    try:
        yield server
    finally:
        server.close()

"""The loopback proxy of ``tests/test_care_reply.py`` with two more faults for createRecord.

Modes (``proxy.mode``): ``pass``; ``drop`` (forward, then close without answering); ``fail``
(answer 503 without forwarding); ``limit`` (answer 429 with ``Retry-After: 1`` without
forwarding, once; then pass); ``hang`` (forward, then keep the connection open without an
answer until the client gives up, or :attr:`hold_s` passes). ``created`` counts the
createRecord requests the proxy saw.
"""

from __future__ import annotations

import socket
import threading

from tests.test_care_reply import Proxy

__all__ = ["FaultProxy"]


class FaultProxy(Proxy):
    def __init__(self, upstream: str) -> None:
        self.created = 0
        self.hold_s = 15.0
        self._released = threading.Event()
        super().__init__(upstream)

    def _forward(self, request: bytes) -> bytes:
        with socket.create_connection(self.upstream) as upstream:
            upstream.sendall(request)
            answer = b""
            while chunk := upstream.recv(65536):
                answer += chunk
        return answer

    def _handle(self, client: socket.socket) -> None:
        with client:
            request = self._request(client)
            if not request:
                return
            creating = b"com.atproto.repo.createRecord" in request.split(b"\r\n", 1)[0]
            if creating:
                self.created += 1
            if creating and self.mode == "limit":
                self.mode = "pass"
                client.sendall(
                    b"HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\n"
                    b"Retry-After: 1\r\nContent-Length: 57\r\nConnection: close\r\n\r\n"
                    b'{"error":"RateLimitExceeded","message":"Rate Limit Exc."}'
                )
                return
            if creating and self.mode == "fail":
                client.sendall(
                    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 2\r\nConnection: close\r\n\r\n{}"
                )
                return
            answer = self._forward(request)
            if creating and self.mode == "drop":
                return  # the PDS made the record; its answer is lost
            if creating and self.mode == "hang":
                self._released.wait(self.hold_s)  # the PDS made it; no answer comes back
                return
            client.sendall(answer)

    def close(self) -> None:
        self._released.set()
        super().close()

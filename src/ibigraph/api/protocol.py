"""uvicorn's HTTP/1.1 protocol (httptools) with limits on the request head.

uvicorn reads a request's head without bounds: a client may send megabytes of header fields,
or send them one byte at a time, or open a connection and say nothing, and the worker keeps
it all. This protocol, used by `ibigraph serve`, refuses a head larger than the limits (414 for
the request target, 431 for header fields) as soon as it has received that much, and closes
a connection whose head is not complete within IBIGRAPH_HEADER_TIMEOUT seconds (10) of its
first byte (408), or that sends nothing for as long after it opens. A connection opened while
the worker holds IBIGRAPH_MAX_CONNECTIONS (1000) others gets 503 with Retry-After to its first
request, and is closed. The app's own middleware keeps the same header limits for any other
server.
"""

from __future__ import annotations

import asyncio
from functools import cache

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from ..config import Settings
from .middleware import MAX_HEADER_BYTES, MAX_HEADERS

__all__ = ["MAX_HEAD_BYTES", "MAX_TARGET_BYTES", "GuardedHttpProtocol"]

MAX_TARGET_BYTES = 32 * 1024  # the request target (path and query string)
# all of a head as received (httptools buffers a field's value until it ends, unseen)
MAX_HEAD_BYTES = MAX_TARGET_BYTES + MAX_HEADER_BYTES + 16 * 1024


@cache
def _settings() -> Settings:
    """From the environment, as the worker's app reads its settings."""
    return Settings.from_env()


_REASONS = {
    408: b"Request Timeout",
    414: b"URI Too Long",
    431: b"Request Header Fields Too Large",
    503: b"Service Unavailable",
}


class GuardedHttpProtocol(HttpToolsProtocol):
    _head_timer: asyncio.TimerHandle | None = None
    _refusal: tuple[int, str] | None = None
    _reading_head = True  # until a request's head is complete, and again after its message
    _head_received = 0
    _target_bytes = 0
    _header_bytes = 0
    _header_count = 0
    _too_many = False  # opened while the worker held IBIGRAPH_MAX_CONNECTIONS others

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]  # uvicorn types it BaseTransport; asyncio hands a Transport
        super().connection_made(transport)
        # each open connection holds memory and a place in the worker's queues: past the
        # limit, a new one's first request is answered 503 and the connection closed
        self._too_many = len(self.connections) > _settings().max_connections
        self._start_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._reading_head:
            self._head_received += len(data)
        super().data_received(data)
        if (
            self._reading_head
            and self._head_received > MAX_HEAD_BYTES
            and not self.transport.is_closing()
        ):
            self._send_and_close(431, f"the request head is larger than {MAX_HEAD_BYTES} bytes")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._target_bytes = self._header_bytes = self._header_count = 0
        self._start_head_timer()

    def on_url(self, url: bytes) -> None:
        if self._too_many:
            self._refuse(503, "too many open connections; try again in a moment")
        self._target_bytes += len(url)
        if self._target_bytes > MAX_TARGET_BYTES:
            self._refuse(414, f"the request target is longer than {MAX_TARGET_BYTES} bytes")
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        # httptools calls back once a field is whole (MAX_HEAD_BYTES bounds one in the making)
        self._header_bytes += len(name) + len(value)
        self._header_count += 1
        if self._header_bytes > MAX_HEADER_BYTES or self._header_count > MAX_HEADERS:
            self._refuse(
                431,
                f"the request header fields are too large: the limits are {MAX_HEADERS} fields "
                f"and {MAX_HEADER_BYTES} bytes",
            )
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._stop_head_timer()
        self._reading_head, self._head_received = False, 0
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._reading_head = True

    def _refuse(self, status: int, message: str) -> None:
        self._refusal = (status, message)
        raise ValueError(message)  # stops the parser; uvicorn then calls send_400_response

    def send_400_response(self, msg: str) -> None:
        if self._refusal is None:
            super().send_400_response(msg)
            return
        status, text = self._refusal
        self._send_and_close(status, text)

    def _start_head_timer(self) -> None:
        self._stop_head_timer()
        self._head_timer = self.loop.call_later(_settings().header_timeout, self._head_timed_out)

    def _stop_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if not self.transport.is_closing():
            self.logger.warning("Closed a connection that sent no complete request head in time.")
            limit = _settings().header_timeout
            self._send_and_close(408, f"no complete request head within {limit:g} s")

    def _send_and_close(self, status: int, text: str) -> None:
        body = (text + "\n").encode()
        self.transport.write(
            b"HTTP/1.1 %d %s\r\n" % (status, _REASONS[status])
            + b"content-type: text/plain; charset=utf-8\r\n"
            + b"content-length: %d\r\n" % len(body)
            + (b"retry-after: 1\r\n" if status == 503 else b"")
            + b"connection: close\r\n\r\n"
            + body
        )
        self.transport.close()

"""A response cache in front of a query service: a read-mostly public graph answers the same
popular queries again and again.

Rendered results are kept by (store version, request): the query text (without surrounding
white space), the result format and every option that changes the answer. Every commit changes
the version, so a result of an older store generation is never served: the embedded store's
version is its generation (one readlink per request, seen by every process of the host); a
remote store's is a stamp that every write made through ibigraph on this host bumps, and, for
writes made elsewhere, an entry is used for at most `ttl` seconds. Bounded in bytes, least
recently used first out; a result larger than `max_entry` bytes is not kept.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from ..sparql.render import Rendered
from ..sparql.request import QueryRequest
from .base import Writer

__all__ = ["CachedService", "ResultCache"]

Key = tuple[object, ...]


class ResultCache:
    """Rendered results by key, within `max_bytes` (least recently used first out)."""

    def __init__(self, max_bytes: int, max_entry: int = 1024 * 1024, ttl: float | None = None):
        self.max_bytes = max_bytes
        self.max_entry = min(max_entry, max_bytes)
        self.ttl = ttl
        self.bytes = 0
        self.hits = self.misses = 0
        self._entries: OrderedDict[Key, tuple[Rendered, float, int]] = OrderedDict()
        # set by the app: its metrics
        self.on_hit: Callable[[], None] = lambda: None
        self.on_miss: Callable[[], None] = lambda: None

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Key) -> Rendered | None:
        entry = self._entries.get(key)
        if entry is not None and self.ttl is not None and time.monotonic() - entry[1] > self.ttl:
            self._drop(key)
            entry = None
        if entry is None:
            self.misses += 1
            self.on_miss()
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        self.on_hit()
        return entry[0]

    def put(self, key: Key, reply: Rendered, size: int) -> None:
        """Keep `reply`; `size`: the bytes it and its key hold (the body and the query)."""
        if size > self.max_entry:
            return
        if key in self._entries:
            self._drop(key)
        self._entries[key] = (reply, time.monotonic(), size)
        self.bytes += size
        while self.bytes > self.max_bytes:
            self._drop(next(iter(self._entries)))

    def _drop(self, key: Key) -> None:
        self.bytes -= self._entries.pop(key)[2]


class CachedService:
    """A query service whose answers are kept in a ResultCache, keyed by `version()`."""

    def __init__(self, inner: Any, cache: ResultCache, version: Callable[[], str | None]) -> None:
        self.inner = inner
        self.cache = cache
        self._version = version
        self.size: int = inner.size

    async def execute(self, req: QueryRequest) -> Rendered:
        version = self._version()
        if version is None:
            reply: Rendered = await self.inner.execute(req)
            return reply
        key: Key = (version, *req.key())
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        reply = await self.inner.execute(req)
        if reply.stream is None:  # a streamed result is too large to keep
            self.cache.put(key, reply, len(reply.body) + len(req.query))
        return reply

    async def start(self) -> None:
        await self.inner.start()

    async def close(self) -> None:
        await self.inner.close()

    @property
    def version(self) -> str | None:
        v: str | None = self.inner.version
        return v

    @property
    def busy(self) -> int:
        n: int = self.inner.busy
        return n

    def writer(self, timeout: float) -> Writer:
        w: Writer = self.inner.writer(timeout)
        return w

    def __getattr__(self, name: str) -> Any:  # the backend's own parts (the runner pool…)
        return getattr(self.inner, name)

"""A query service over an in-memory store: a past state of the graph rebuilt for time travel
(api/routes/entities.py serves Mementos through it). It answers like the other services, on a
worker thread, and takes no writes."""

from __future__ import annotations

import asyncio
import time

import pyoxigraph as ox

from ..errors import Forbidden
from ..sparql.render import Rendered
from ..sparql.request import QueryRequest
from .base import Writer
from .evaluate import evaluate

__all__ = ["SnapshotService"]


class SnapshotService:
    size = 1

    def __init__(self, store: ox.Store, version: str) -> None:
        self.store = store
        self._version = version

    async def start(self) -> None:
        pass

    async def close(self) -> None:
        pass

    @property
    def version(self) -> str | None:
        return self._version

    @property
    def busy(self) -> int:
        return 0

    def writer(self, timeout: float) -> Writer:
        raise Forbidden("a past state of the graph takes no writes")

    async def execute(self, req: QueryRequest) -> Rendered:
        deadline = time.monotonic() + req.limits.timeout
        return await asyncio.to_thread(evaluate, self.store, req, deadline)

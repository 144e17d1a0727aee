"""The query service the HTTP layer talks to: embedded worker pool or remote server."""

from __future__ import annotations

from typing import Protocol

from ..config import Settings
from ..sparql.request import QueryRequest
from .base import Writer
from .embedded import EmbeddedService, QueryReply
from .remote import RemoteService

__all__ = ["QueryService", "open_query_service"]


class QueryService(Protocol):
    size: int  # how many queries can run at once

    async def start(self) -> None: ...

    async def execute(self, req: QueryRequest) -> QueryReply: ...

    async def close(self) -> None: ...

    @property
    def version(self) -> str | None: ...  # changes when the data changes; None if unknown

    @property
    def busy(self) -> int: ...

    def writer(self, timeout: float) -> Writer: ...  # raises Forbidden if it takes no writes


def open_query_service(settings: Settings) -> QueryService:
    if settings.backend == "remote":
        assert settings.remote_query_url
        return RemoteService(
            settings.remote_query_url,
            update_url=settings.remote_update_url,
            user=settings.remote_user,
            password=settings.remote_password,
            default_graph=settings.remote_default_graph,
        )
    return EmbeddedService(settings.store_path, settings.query_threads, settings.max_query_memory)

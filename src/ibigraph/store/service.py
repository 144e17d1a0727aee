"""The query service the HTTP layer talks to: embedded worker pool or remote server."""

from __future__ import annotations

from typing import Protocol

from ..config import Settings
from ..sparql.request import QueryRequest
from .base import Writer
from .cache import CachedService, ResultCache
from .embedded import EmbeddedService, QueryReply, copies_wanted
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
    """The backend's query service, behind a response cache unless IBIGRAPH_QUERY_CACHE_BYTES
    is 0 (store/cache.py)."""
    service: EmbeddedService | RemoteService
    if settings.backend == "remote":
        assert settings.remote_query_url
        service = RemoteService(
            settings.remote_query_url,
            update_url=settings.remote_update_url,
            user=settings.remote_user,
            password=settings.remote_password,
            default_graph=settings.remote_default_graph,
        )
    else:
        runners = max(2, settings.query_threads) + 1  # and the spare
        copies = copies_wanted(
            settings.memory_replica, settings.store_path, settings.workers, runners
        )
        service = EmbeddedService(
            settings.store_path,
            settings.query_threads,
            settings.max_query_memory,
            replica=copies.worker,
            runner_copies=copies.runners,
            shared_costs=settings.shared_costs,
        )
    if not settings.query_cache_bytes:
        return service
    if isinstance(service, RemoteService):
        cache = ResultCache(settings.query_cache_bytes, ttl=settings.remote_cache_ttl)
        return CachedService(service, cache, service.write_stamp)
    embedded = service
    return CachedService(service, ResultCache(settings.query_cache_bytes), lambda: embedded.version)

"""What routes get by injection: the `Context` of the app (settings, query service, limits,
prefixes, write side, metrics, dumps), as the `ContextDep` dependency for FastAPI routes and
`app_context(request)` for the protocol routes registered on Starlette directly; the writing
principal (`PrincipalDep`, from the Authorization header); and
`internal_rows`, the rows of one of the service's own queries under the app's limits.

Async on purpose: FastAPI runs plain `def` dependencies in its threadpool, a cost per request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

import pyoxigraph as ox
from fastapi import Depends, Header, Request

from ..config import Limits, Settings
from ..graph.documents import select
from ..graph.dumps import DumpCache
from ..graph.quality import QualityReport
from ..graph.stats import DatasetStats
from ..graph.writes import Principal
from ..queries import internal_text
from ..search.index import SearchIndex
from ..store.service import QueryService
from ..store.snapshot import SnapshotService
from .metrics import Metrics

if TYPE_CHECKING:  # writing.py reads the context of a request too
    from .writing import Writes

__all__ = [
    "Context",
    "ContextDep",
    "PrincipalDep",
    "SearchState",
    "app_context",
    "get_context",
    "internal_rows",
]


@dataclass
class SearchState:
    """The text index and the store version it was brought up to date for (on a remote store,
    which has no version: the host's write stamp, and when: `checked`, a time.monotonic()
    value)."""

    index: SearchIndex | None = None
    version: str | None = None
    stamp: str | None = None
    checked: float = float("-inf")
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # one update at a time

    def expire(self) -> None:
        """After a write made here: the next search brings the index up to date."""
        self.checked = float("-inf")


@dataclass
class Context:
    settings: Settings
    service: QueryService
    limits: Limits
    stream_limits: Limits | None  # how far a /sparql result may stream past `limits`
    prefixes: dict[str, str]  # predeclared in queries; compact IRIs in pages
    writes: Writes
    metrics: Metrics
    dumps: DumpCache | None  # dump files per store generation (embedded store only)
    dump_slot: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(1))
    dataset_stats: dict[str, DatasetStats] = field(default_factory=dict)  # by store version
    quality: dict[str, QualityReport] = field(default_factory=dict)  # by store version
    search: SearchState = field(default_factory=lambda: SearchState())  # the text index
    # past states of the graph (Mementos, /sparql?at=), by the first change they leave out
    snapshots: dict[str, SnapshotService] = field(default_factory=dict)
    streams: int = 0  # open change streams (Server-Sent Events) in this process


def app_context(request: Request) -> Context:
    ctx: Context = request.app.state.context
    return ctx


async def get_context(request: Request) -> Context:
    return app_context(request)


ContextDep = Annotated[Context, Depends(get_context)]


async def get_principal(
    ctx: ContextDep, authorization: Annotated[str | None, Header(include_in_schema=False)] = None
) -> Principal:
    """Who writes: the curator or admin the bearer token names (401/403 otherwise)."""
    return ctx.writes.principal(authorization)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def internal_rows(
    ctx: Context,
    name: str,
    values: Mapping[str, ox.NamedNode | str | None] | None = None,
    *,
    limit: int | None = None,
    offset: int = 0,
    limits: Limits | None = None,
) -> list[dict[str, Any]]:
    """Rows of one of the service's own queries (src/ibigraph/queries/NAME.rq) bound to
    `values` (IRIs as IRIs), on the app's store under the app's limits (or `limits`)."""
    bound = {k: v.value if isinstance(v, ox.NamedNode) else v for k, v in (values or {}).items()}
    query = internal_text(name, ctx.prefixes, bound, limit=limit, offset=offset)
    return await select(ctx.service, query, limits or ctx.limits)

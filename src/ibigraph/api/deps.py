"""What routes get by injection: the `Context` of the app (settings, query service, limits,
prefixes, write side, metrics, dumps), as the `ContextDep` dependency for FastAPI routes and
`app_context(request)` for the protocol routes registered on Starlette directly.

Async on purpose: FastAPI runs plain `def` dependencies in its threadpool, a cost per request.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Request

from ..config import Settings
from ..dumps import DumpCache
from ..linkeddata import select as _select
from ..metrics import Metrics
from ..sparql import Limits
from ..store.service import QueryService

if TYPE_CHECKING:  # writing.py reads the context of a request too
    from .writing import Writes

__all__ = ["Context", "ContextDep", "app_context", "get_context", "select"]


@dataclass
class Context:
    settings: Settings
    service: QueryService
    limits: Limits
    prefixes: dict[str, str]  # predeclared in queries; compact IRIs in pages
    writes: Writes
    metrics: Metrics
    dumps: DumpCache | None  # dump files per store generation (embedded store only)
    dump_slot: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(1))
    dataset_stats: dict[str, dict[str, int]] = field(default_factory=dict)  # by store version


def app_context(request: Request) -> Context:
    ctx: Context = request.app.state.context
    return ctx


async def get_context(request: Request) -> Context:
    return app_context(request)


ContextDep = Annotated[Context, Depends(get_context)]


async def select(ctx: Context, query: str, limits: Limits | None = None) -> list[dict[str, Any]]:
    """Rows of a SELECT on the app's store, under the app's limits unless others are given."""
    return await _select(ctx.service, query, limits or ctx.limits)

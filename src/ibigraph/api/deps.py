"""What routers get by injection: the query service; and `select` over it.

Async on purpose: FastAPI runs plain `def` dependencies in its threadpool, a cost per request.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from ..linkeddata import select as _select
from ..sparql import Limits
from ..store.service import QueryService

__all__ = ["ServiceDep", "get_service", "select"]


async def get_service(request: Request) -> QueryService:
    service: QueryService = request.app.state.service
    return service


ServiceDep = Annotated[QueryService, Depends(get_service)]


async def select(
    request: Request, query: str, limits: Limits | None = None
) -> list[dict[str, Any]]:
    """Rows of a SELECT on the app's store, under the app's limits unless others are given."""
    return await _select(request.app.state.service, query, limits or request.app.state.limits)

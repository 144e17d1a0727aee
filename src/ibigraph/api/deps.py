"""What routers get by injection: the query service.

Async on purpose: FastAPI runs plain `def` dependencies in its threadpool, a cost per request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ..store.service import QueryService

__all__ = ["ServiceDep", "get_service"]


async def get_service(request: Request) -> QueryService:
    return request.app.state.service  # type: ignore[no-any-return]


ServiceDep = Annotated[QueryService, Depends(get_service)]

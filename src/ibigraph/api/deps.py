"""What routers get by injection: settings, the query service.

Async on purpose: FastAPI runs plain `def` dependencies in its threadpool, a cost per request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ..config import Settings
from ..store.service import QueryService

__all__ = ["ServiceDep", "SettingsDep", "get_service", "get_settings"]


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


async def get_service(request: Request) -> QueryService:
    return request.app.state.service  # type: ignore[no-any-return]


SettingsDep = Annotated[Settings, Depends(get_settings)]
ServiceDep = Annotated[QueryService, Depends(get_service)]

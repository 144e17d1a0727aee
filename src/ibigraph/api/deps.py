"""What routers get by injection: settings, the query service, metrics."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ..config import Settings
from ..store.service import QueryService

__all__ = ["ServiceDep", "SettingsDep", "get_service", "get_settings"]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def get_service(request: Request) -> QueryService:
    return request.app.state.service  # type: ignore[no-any-return]


SettingsDep = Annotated[Settings, Depends(get_settings)]
ServiceDep = Annotated[QueryService, Depends(get_service)]

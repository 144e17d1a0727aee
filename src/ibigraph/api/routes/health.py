"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import os

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from ... import __version__
from ..deps import ContextDep

__all__ = ["router"]

router = APIRouter()


@router.get("/health", summary="Liveness: the process answers")
async def health() -> dict[str, str]:
    return {"status": "ok", "version": __version__}


@router.get("/ready", summary="Readiness: the store is open and query workers are up")
async def ready(request: Request, ctx: ContextDep) -> Response:
    ok = getattr(request.app.state, "ready", False)
    service = ctx.service
    body = {
        "status": "ready" if ok else "starting",
        "backend": ctx.settings.backend,
        "store_version": service.version,
        "pid": os.getpid(),
        "query_threads": service.size,
        "queries_running": service.busy,
    }
    return JSONResponse(body, status_code=200 if ok else 503)


@router.get("/metrics", summary="Prometheus metrics")
async def metrics(ctx: ContextDep) -> Response:
    return Response(ctx.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

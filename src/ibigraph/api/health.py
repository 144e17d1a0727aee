"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from .deps import ServiceDep

__all__ = ["router"]

router = APIRouter()


@router.get("/health", summary="Liveness: the process answers")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/ready", summary="Readiness: the store is open and query workers are up")
async def ready(request: Request, service: ServiceDep) -> Response:
    ok = getattr(request.app.state, "ready", False)
    body = {
        "status": "ready" if ok else "starting",
        "backend": request.app.state.settings.backend,
        "store_version": service.version,
        "workers": service.size,
        "busy": service.busy,
    }
    return JSONResponse(body, status_code=200 if ok else 503)


@router.get("/metrics", summary="Prometheus metrics")
async def metrics(request: Request) -> Response:
    return Response(
        generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST
    )

"""`create_app(settings)`: the one factory for the HTTP service."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware

from . import __version__
from .api import health, sparql
from .api.problems import install_error_handlers, problem_response
from .config import Settings
from .errors import PayloadTooLarge
from .metrics import Metrics, MetricsMiddleware
from .store.service import open_query_service

__all__ = ["create_app"]

log = logging.getLogger(__name__)


class BodyLimitMiddleware:
    """413 for request bodies over the limit, declared or streamed."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                from starlette.requests import Request

                response = problem_response(
                    Request(scope),
                    413,
                    "Request body too large",
                    f"the body has {int(value)} bytes; the limit is {limit}",
                )
                await response(scope, receive, send)
                return
        seen = 0

        async def limited() -> Any:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise PayloadTooLarge(f"the body is larger than the limit of {limit} bytes")
            return message

        await self.app(scope, limited, send)


def create_app(settings: Settings) -> FastAPI:
    service = open_query_service(settings)
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await service.start()
        app.state.ready = True
        log.info("ibigraph ready: %s backend, %d query workers", settings.backend, service.size)
        try:
            yield
        finally:
            app.state.ready = False
            await service.close()

    app = FastAPI(
        title="ibigraph",
        version=__version__,
        summary="A sourced knowledge graph about the International Brain Initiative",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.service = service
    app.state.metrics = metrics
    app.state.ready = False
    metrics.workers_busy.set_function(lambda: service.busy)
    metrics.worker_restarts.set_function(lambda: getattr(service, "restarts", 0))
    install_error_handlers(app)
    app.include_router(sparql.router)
    app.include_router(health.router)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(settings.cors_origins),
        allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
        allow_headers=["Accept", "Content-Type", "Authorization", "If-None-Match"],
        expose_headers=["ETag", "Link", "Location", "Content-Length"],
        max_age=3600,
    )
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    return app

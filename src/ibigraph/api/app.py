"""`create_app(settings)`: the one factory for the HTTP service."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.telemetry import TelemetryConfig

from .. import __version__
from ..config import Settings
from ..graph.dumps import DumpCache
from ..queries import load_queries
from ..rdf.vocab import prefixes
from ..store.service import open_query_service
from .deps import Context
from .metrics import Metrics
from .middleware import HttpPolicyMiddleware
from .openapi import complete
from .problems import install_error_handlers
from .routes import (
    articles,
    curate,
    dataset,
    entities,
    explore,
    health,
    reconcile,
    search,
    sparql,
)
from .routes import writes as writes_routes
from .routes.queries import query_router
from .routes.writes import graph_store_routes
from .writing import Writes

__all__ = ["create_app"]

STATIC = Path(__file__).parent / "static"  # our scripts and styles; vendor/: npm packages

log = logging.getLogger(__name__)


_NO_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}


def create_app(settings: Settings) -> FastAPI:
    service = open_query_service(settings)
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = getattr(service, "pool", None)  # the embedded store's query runners
        if pool is not None:
            pool.on_stopped = metrics.stopped.inc
            pool.on_busy = metrics.busy.inc
        cache = getattr(service, "cache", None)  # the response cache, unless turned off
        if cache is not None:
            cache.on_hit = metrics.cache_hits.inc
            cache.on_miss = metrics.cache_misses.inc
        await service.start()
        app.state.ready = True
        log.info("ibigraph ready: %s backend, %d query threads", settings.backend, service.size)
        try:
            yield
        finally:
            app.state.ready = False
            await service.close()
            metrics.process_exit()

    app = FastAPI(
        title="ibigraph",
        version=__version__,
        summary="A sourced knowledge graph about the International Brain Initiative",
        lifespan=lifespan,
        docs_url=None,  # served below from the service's own copy of Swagger UI
        redoc_url=None,
        # FastAPI's own OpenTelemetry hooks look for providers on every request; the service
        # reports through /metrics (Prometheus). IBIGRAPH_OPENTELEMETRY=1 turns them back on.
        telemetry=None if settings.opentelemetry else _NO_TELEMETRY,
    )
    app.state.ready = False
    install_error_handlers(app)
    writes = Writes(settings, service)
    app.router.routes[:0] = [*sparql.routes, *graph_store_routes]
    app.state.context = Context(
        settings=settings,
        service=service,
        limits=settings.limits,
        stream_limits=settings.stream_limits,
        prefixes=prefixes(settings.base),
        writes=writes,
        metrics=metrics,
        # dumps: files per store generation on the embedded store; from a remote one, one at a
        # time (dump_slot)
        dumps=(
            DumpCache(settings.store_path, prefixes(settings.base))
            if settings.backend == "oxigraph"
            else None
        ),
    )

    # a remote store has no version: after a write made here, search catches up at once
    writes.listeners.append(app.state.context.search.expire)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title, version=app.version, summary=app.summary, routes=app.routes
            )
            schema["paths"] = {**sparql.OPENAPI, **schema.get("paths", {})}
            app.openapi_schema = complete(schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to replace it
    app.mount("/static", StaticFiles(directory=STATIC, check_dir=False), name="static")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        """Swagger UI over the OpenAPI document, every file from this service (no CDN)."""
        vendor = "/static/vendor/swagger-ui-dist/"
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="ibigraph API",
            swagger_js_url=vendor + "swagger-ui-bundle.js",
            swagger_css_url=vendor + "swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
        )

    app.include_router(health.router)
    app.include_router(entities.router)
    app.include_router(dataset.router)
    app.include_router(query_router(load_queries(settings.queries_dir)))
    app.include_router(writes_routes.router)
    app.include_router(articles.router)
    app.include_router(search.router)
    app.include_router(reconcile.router)
    app.include_router(explore.router)
    app.include_router(curate.router)
    read_check = None
    if (read_role := settings.read_role) is not None:
        role: str = read_role

        def read_check(header: str | None) -> object:
            return writes.tokens.authenticate(header, role, "reading")

    app.add_middleware(
        HttpPolicyMiddleware,
        metrics=metrics,
        max_body=settings.max_body_bytes,
        origins=settings.cors_origins,
        public_url=settings.public_url,
        read_check=read_check,
    )
    return app


def app_from_env() -> FastAPI:
    """Factory for uvicorn's worker processes: settings from the environment."""
    return create_app(Settings.from_env())

"""Prometheus metrics, one registry per app (so tests can build many apps)."""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

__all__ = ["Metrics", "MetricsMiddleware"]


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "ibigraph_http_requests",
            "HTTP requests",
            ["method", "path", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "ibigraph_http_request_duration_seconds",
            "Time to the response head",
            ["path"],
            buckets=(
                0.001,
                0.0025,
                0.005,
                0.01,
                0.025,
                0.05,
                0.1,
                0.25,
                0.5,
                1,
                2.5,
                5,
                10,
                30,
                60,
            ),
            registry=self.registry,
        )
        self.workers_busy = Gauge(
            "ibigraph_query_workers_busy",
            "Query workers evaluating a query",
            registry=self.registry,
        )
        self.worker_restarts = Gauge(
            "ibigraph_query_worker_restarts",
            "Query workers replaced (timeouts, crashes)",
            registry=self.registry,
        )


_KNOWN = {"/sparql", "/health", "/ready", "/metrics"}


class MetricsMiddleware:
    """Counts requests by method, route and status; cheap enough for the hot path."""

    def __init__(self, app: Any, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        path = scope["path"] if scope["path"] in _KNOWN else "other"
        status = 500

        async def send_wrapper(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                self.metrics.latency.labels(path).observe(time.perf_counter() - start)
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            self.metrics.requests.labels(scope["method"], path, str(status)).inc()

"""Prometheus metrics. Under `ibigraph serve` several processes share them through
prometheus-client's multiprocess mode (PROMETHEUS_MULTIPROC_DIR); otherwise each app has its
own registry (so tests can build many apps)."""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

__all__ = ["Metrics"]


def _multiprocess() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


class Metrics:
    def __init__(self) -> None:
        self.registry = None if _multiprocess() else CollectorRegistry()
        reg = self.registry
        self.requests = Counter(
            "ibigraph_http_requests", "HTTP requests", ["method", "path", "status"], registry=reg
        )
        self.latency = Histogram(
            "ibigraph_http_request_duration_seconds",
            "Time to the response head",
            ["path"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=reg,
        )
        self.in_progress = Gauge(
            "ibigraph_http_requests_in_progress",
            "Requests being answered",
            multiprocess_mode="livesum",
            registry=reg,
        )
        self.timeouts = Counter(
            "ibigraph_query_timeouts", "Queries stopped at the time limit", registry=reg
        )
        self.stopped = Counter(
            "ibigraph_query_runners_stopped",
            "Query runner processes stopped (time limit, memory budget, client gone)",
            registry=reg,
        )
        self.cache_hits = Counter(
            "ibigraph_query_cache_hits", "Queries answered from the response cache", registry=reg
        )
        self.cache_misses = Counter(
            "ibigraph_query_cache_misses",
            "Queries the response cache did not hold (evaluated, then kept if small)",
            registry=reg,
        )
        self.busy = Counter(
            "ibigraph_query_busy",
            "Queries refused with 503 Busy (every runner taken)",
            registry=reg,
        )

    def exposition(self) -> bytes:
        if self.registry is not None:
            return generate_latest(self.registry)
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # prometheus-client leaves it unannotated
        return generate_latest(registry)

    def process_exit(self) -> None:
        if self.registry is None:
            from prometheus_client import multiprocess

            multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]  # unannotated upstream

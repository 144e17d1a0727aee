"""Settings: read from the environment once and passed down explicitly."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .resources import resource_dir

__all__ = ["DEFAULT_BASE", "ENVIRONMENT", "Limits", "Settings"]

DEFAULT_BASE = "https://w3id.org/ibigraph/"


@dataclass(frozen=True)
class Settings:
    """Where the data, ontology and store live, and which base IRI the graph is published under.

    Environment: IBIGRAPH_BASE, IBIGRAPH_STORE, IBIGRAPH_DATA_DIR, IBIGRAPH_ONTOLOGY_DIR.
    """

    base: str = DEFAULT_BASE
    store_path: Path = field(default_factory=lambda: Path("var/store"))
    data_dir: Path = field(default_factory=lambda: resource_dir("data"))
    ontology_dir: Path = field(default_factory=lambda: resource_dir("ontology"))
    queries_dir: Path = field(default_factory=lambda: resource_dir("queries"))
    # the service
    backend: str = "oxigraph"  # or "remote": a SPARQL 1.1 server
    remote_query_url: str | None = None
    remote_update_url: str | None = None
    remote_user: str | None = field(default=None, repr=False)
    remote_password: str | None = field(default=None, repr=False)
    remote_default_graph: str | None = None  # the graph holding the union, if the server needs one
    workers: int = field(default_factory=lambda: os.cpu_count() or 2)  # HTTP processes
    query_threads: int = 4  # queries evaluated at once in each process
    query_timeout: float = 30.0  # seconds
    max_rows: int = 100_000
    max_result_bytes: int = 64 * 1024 * 1024
    max_body_bytes: int = 1024 * 1024
    dump_timeout: float = 120.0  # seconds to write one dump of the whole store
    max_dump_rows: int = 10_000_000
    max_dump_bytes: int = 2 * 1024**3
    # a query result past max_rows/max_result_bytes streams (embedded store) up to these
    max_stream_rows: int = 10_000_000
    max_stream_bytes: int = 2 * 1024**3
    max_query_memory: int = 1024**3  # heap one query may use (its runner process is capped)
    # queries run on in-memory copies of the embedded store: on (every worker's and runner's),
    # workers (the workers' own, for queries of known cost; runners read the disk), off, or auto
    # (the workers' and as many runners' as fit in a quarter of the memory; none if the
    # workers' do not fit)
    memory_replica: str = "auto"
    # a file where the workers of one server share the query costs they measure (set by
    # `ibigraph serve`; None: each worker measures its own)
    shared_costs: Path | None = None
    # results kept per process by (store version, query, format); 0 bytes turns the cache off
    query_cache_bytes: int = 64 * 1024**2
    # on the remote backend: seconds a kept result may be served (writes made through another
    # host are not seen before; writes through any process of this host at once)
    remote_cache_ttl: float = 30.0
    cors_origins: tuple[str, ...] = ("*",)
    # writes
    tokens_file: Path | None = None  # hashed bearer tokens; none or no file -> writes disabled
    access_log: bool = False  # one line per request (never the Authorization header)
    opentelemetry: bool = False  # FastAPI's native OpenTelemetry hooks (global providers)
    # the URL clients reach the service at; documents are written with it, never with the Host
    # a request names (`ibigraph serve` sets it from --host/--port unless the host is 0.0.0.0)
    public_url: str | None = None
    read_role: str | None = None  # if set (e.g. "reader"), reads need a token of that role too
    max_change_quads: int = 100_000  # quads one write may add or remove
    # a curator's write may remove at most this share of the store's quads (admins: any)
    max_removed_percent: int = 10
    header_timeout: float = 10.0  # seconds a client of `ibigraph serve` has to send a request head
    max_connections: int = 1000  # open connections per worker of `ibigraph serve` (then 503)
    releases_dir: Path | None = None  # where releases are written; None: releases/ beside the store
    # LLM-written articles ingested at build time (issue #6); skipped if the folder is absent
    articles_dir: Path = field(default_factory=lambda: Path("../shared/seed"))

    def __post_init__(self) -> None:
        if not self.base.startswith(("http://", "https://")) or not self.base.endswith(("/", "#")):
            raise ValueError(f"base IRI must be http(s) and end with '/' or '#': {self.base!r}")
        if self.backend not in ("oxigraph", "remote"):
            raise ValueError(f"IBIGRAPH_BACKEND must be oxigraph or remote, not {self.backend!r}")
        if self.backend == "remote" and not self.remote_query_url:
            raise ValueError("the remote backend needs IBIGRAPH_REMOTE_QUERY_URL")
        if (
            self.query_timeout <= 0
            or self.header_timeout <= 0
            or self.max_connections <= 0
            or self.max_rows <= 0
            or self.max_result_bytes <= 0
        ):
            raise ValueError("time and size limits must be positive")
        if self.read_role not in (None, "reader", "curator", "admin"):
            raise ValueError(
                f"IBIGRAPH_READ_ROLE must be reader, curator or admin: {self.read_role!r}"
            )
        if self.public_url is not None and not self.public_url.startswith(("http://", "https://")):
            raise ValueError(f"IBIGRAPH_PUBLIC_URL must be an http(s) URL: {self.public_url!r}")
        if not 0 <= self.max_removed_percent <= 100:
            raise ValueError("IBIGRAPH_MAX_REMOVED_PERCENT must be between 0 and 100")
        if self.memory_replica not in ("auto", "on", "workers", "off"):
            raise ValueError(
                f"IBIGRAPH_MEMORY_REPLICA must be auto, on, workers or off: {self.memory_replica!r}"
            )
        if self.query_cache_bytes < 0 or self.remote_cache_ttl < 0:
            raise ValueError(
                "IBIGRAPH_QUERY_CACHE_BYTES and IBIGRAPH_REMOTE_CACHE_TTL must be >= 0"
            )
        if self.workers < 1 or self.query_threads < 1:
            raise ValueError("IBIGRAPH_WORKERS and IBIGRAPH_QUERY_THREADS must be at least 1")

    @classmethod
    def from_env(cls) -> Settings:
        """The settings the environment names (`ENVIRONMENT`); every other one keeps its
        default, so each default is written once, on its field."""
        values: dict[str, Any] = {}
        for name, (variable, convert) in ENVIRONMENT.items():
            raw = os.environ.get(variable)
            if raw:
                try:
                    values[name] = convert(raw)
                except ValueError:
                    kind = _KINDS.get(convert, "valid")
                    raise ValueError(f"{variable} must be {kind}, not {raw!r}") from None
        settings = cls(**values)
        if settings.tokens_file is None:  # beside the store, where `ibigraph token add` writes it
            settings = replace(settings, tokens_file=settings.store_path.parent / "tokens.json")
        return settings

    def with_(self, **changes: Any) -> Settings:
        """A copy with some fields changed (None values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    @property
    def limits(self) -> Limits:
        """What one query may take: time, rows, result bytes."""
        return Limits(self.query_timeout, self.max_rows, self.max_result_bytes)

    @property
    def stream_limits(self) -> Limits | None:
        """How far a query result may stream past `limits` (None: not at all)."""
        if self.max_stream_rows <= self.max_rows and self.max_stream_bytes <= self.max_result_bytes:
            return None
        return Limits(
            self.query_timeout,
            max(self.max_rows, self.max_stream_rows),
            max(self.max_result_bytes, self.max_stream_bytes),
        )

    @property
    def dump_limits(self) -> Limits:
        """What writing a whole dump may take (a dump is every row of the store)."""
        return Limits(self.dump_timeout, self.max_dump_rows, self.max_dump_bytes)

    @property
    def releases_folder(self) -> Path:
        return self.releases_dir or self.store_path.parent / "releases"

    @property
    def entity_ns(self) -> str:
        return self.base + "id/"

    @property
    def ontology_ns(self) -> str:
        return self.base + "ontology#"

    @property
    def ontology_graph(self) -> str:
        return self.base + "ontology"

    @property
    def shapes_graph(self) -> str:
        return self.base + "shapes"

    @property
    def audit_graph(self) -> str:
        """Where the PROV-O record of every write goes; not part of the union default graph."""
        return self.base + "changes"

    @property
    def article_ns(self) -> str:
        """Each ingested article's own named graph lives under this; such graphs are not part
        of the union default graph (their claims are never curated facts)."""
        return self.base + "article/"

    def in_union(self, graph: str) -> bool:
        """Whether a named graph's triples belong in the union default graph."""
        return graph != self.audit_graph and not graph.startswith(self.article_ns)

    @property
    def source_ns(self) -> str:
        return self.base + "source/"

    @property
    def ontology_file(self) -> Path:
        return self.ontology_dir / "ibi.ttl"

    @property
    def shapes_file(self) -> Path:
        return self.ontology_dir / "shapes.ttl"


@dataclass(frozen=True)
class Limits:
    """What one query may take, derived from the settings (`Settings.limits`)."""

    timeout: float  # seconds, wall clock, per query
    max_rows: int  # solutions or triples in one result
    max_bytes: int  # serialized result size


def _bool(value: str) -> bool:
    return value.lower() in ("1", "true", "yes", "on")


def _origins(value: str) -> tuple[str, ...]:
    return tuple(o.strip() for o in value.split(","))


def _url(value: str) -> str | None:
    return value.rstrip("/") or None


_KINDS: dict[Callable[[str], Any], str] = {int: "an integer", float: "a number"}

# Setting -> (environment variable, conversion). Only what is set here is read from the
# environment; `from_env` leaves every other setting at its default.
ENVIRONMENT: dict[str, tuple[str, Callable[[str], Any]]] = {
    "base": ("IBIGRAPH_BASE", str),
    "store_path": ("IBIGRAPH_STORE", Path),
    "data_dir": ("IBIGRAPH_DATA_DIR", Path),
    "ontology_dir": ("IBIGRAPH_ONTOLOGY_DIR", Path),
    "queries_dir": ("IBIGRAPH_QUERIES_DIR", Path),
    "backend": ("IBIGRAPH_BACKEND", str),
    "remote_query_url": ("IBIGRAPH_REMOTE_QUERY_URL", str),
    "remote_update_url": ("IBIGRAPH_REMOTE_UPDATE_URL", str),
    "remote_user": ("IBIGRAPH_REMOTE_USER", str),
    "remote_password": ("IBIGRAPH_REMOTE_PASSWORD", str),
    "remote_default_graph": ("IBIGRAPH_REMOTE_DEFAULT_GRAPH", str),
    "workers": ("IBIGRAPH_WORKERS", int),
    "query_threads": ("IBIGRAPH_QUERY_THREADS", int),
    "query_timeout": ("IBIGRAPH_QUERY_TIMEOUT", float),
    "max_rows": ("IBIGRAPH_MAX_ROWS", int),
    "max_result_bytes": ("IBIGRAPH_MAX_RESULT_BYTES", int),
    "max_body_bytes": ("IBIGRAPH_MAX_BODY_BYTES", int),
    "dump_timeout": ("IBIGRAPH_DUMP_TIMEOUT", float),
    "max_stream_rows": ("IBIGRAPH_MAX_STREAM_ROWS", int),
    "max_stream_bytes": ("IBIGRAPH_MAX_STREAM_BYTES", int),
    "max_query_memory": ("IBIGRAPH_MAX_QUERY_MEMORY", int),
    "memory_replica": ("IBIGRAPH_MEMORY_REPLICA", str),
    "shared_costs": ("IBIGRAPH_SHARED_COSTS", Path),
    "query_cache_bytes": ("IBIGRAPH_QUERY_CACHE_BYTES", int),
    "remote_cache_ttl": ("IBIGRAPH_REMOTE_CACHE_TTL", float),
    "cors_origins": ("IBIGRAPH_CORS_ORIGINS", _origins),
    "tokens_file": ("IBIGRAPH_TOKENS_FILE", Path),
    "access_log": ("IBIGRAPH_ACCESS_LOG", _bool),
    "opentelemetry": ("IBIGRAPH_OPENTELEMETRY", _bool),
    "public_url": ("IBIGRAPH_PUBLIC_URL", _url),
    "read_role": ("IBIGRAPH_READ_ROLE", str),
    "max_change_quads": ("IBIGRAPH_MAX_CHANGE_QUADS", int),
    "max_removed_percent": ("IBIGRAPH_MAX_REMOVED_PERCENT", int),
    "header_timeout": ("IBIGRAPH_HEADER_TIMEOUT", float),
    "max_connections": ("IBIGRAPH_MAX_CONNECTIONS", int),
    "articles_dir": ("IBIGRAPH_ARTICLES_DIR", Path),
    "releases_dir": ("IBIGRAPH_RELEASES_DIR", Path),
}

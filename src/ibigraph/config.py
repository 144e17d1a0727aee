"""Settings: read from the environment once and passed down explicitly."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .resources import resource_dir

__all__ = ["DEFAULT_BASE", "Settings"]

DEFAULT_BASE = "https://w3id.org/ibigraph/"


def _path(name: str, default: str) -> Path:
    return Path(os.environ.get(name, default))


def _folder(name: str, folder: str) -> Path:
    """A run-time folder: from the environment, else the checkout's or the package's own."""
    value = os.environ.get(name)
    return Path(value) if value else resource_dir(folder)


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{name} must be an integer, not {value!r}") from None


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
    max_query_memory: int = 1024**3  # heap one query may use (its runner process is capped)
    cors_origins: tuple[str, ...] = ("*",)
    # writes
    tokens_file: Path | None = None  # hashed bearer tokens; none or no file -> writes disabled
    access_log: bool = False  # one line per request (never the Authorization header)
    # the URL clients reach the service at; documents are written with it, never with the Host
    # a request names (`ibigraph serve` sets it from --host/--port unless the host is 0.0.0.0)
    public_url: str | None = None
    read_role: str | None = None  # if set (e.g. "reader"), reads need a token of that role too
    max_change_quads: int = 100_000  # quads one write may add or remove
    # a curator's write may remove at most this share of the store's quads (admins: any)
    max_removed_percent: int = 10
    header_timeout: float = 10.0  # seconds a client of `ibigraph serve` has to send a request head
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
        if self.workers < 1 or self.query_threads < 1:
            raise ValueError("IBIGRAPH_WORKERS and IBIGRAPH_QUERY_THREADS must be at least 1")

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ.get
        return cls(
            base=env("IBIGRAPH_BASE", DEFAULT_BASE),
            store_path=_path("IBIGRAPH_STORE", "var/store"),
            data_dir=_folder("IBIGRAPH_DATA_DIR", "data"),
            ontology_dir=_folder("IBIGRAPH_ONTOLOGY_DIR", "ontology"),
            queries_dir=_folder("IBIGRAPH_QUERIES_DIR", "queries"),
            backend=env("IBIGRAPH_BACKEND", "oxigraph"),
            remote_query_url=env("IBIGRAPH_REMOTE_QUERY_URL"),
            remote_update_url=env("IBIGRAPH_REMOTE_UPDATE_URL"),
            remote_user=env("IBIGRAPH_REMOTE_USER"),
            remote_password=env("IBIGRAPH_REMOTE_PASSWORD"),
            remote_default_graph=env("IBIGRAPH_REMOTE_DEFAULT_GRAPH"),
            workers=_int("IBIGRAPH_WORKERS", os.cpu_count() or 2),
            query_threads=_int("IBIGRAPH_QUERY_THREADS", 4),
            query_timeout=float(env("IBIGRAPH_QUERY_TIMEOUT", "30")),
            max_rows=_int("IBIGRAPH_MAX_ROWS", 100_000),
            max_result_bytes=_int("IBIGRAPH_MAX_RESULT_BYTES", 64 * 1024 * 1024),
            max_body_bytes=_int("IBIGRAPH_MAX_BODY_BYTES", 1024 * 1024),
            max_query_memory=_int("IBIGRAPH_MAX_QUERY_MEMORY", 1024**3),
            cors_origins=tuple(o.strip() for o in env("IBIGRAPH_CORS_ORIGINS", "*").split(",")),
            # beside the store by default, where `ibigraph token add` writes it
            tokens_file=Path(env("IBIGRAPH_TOKENS_FILE") or "")
            if env("IBIGRAPH_TOKENS_FILE")
            else _path("IBIGRAPH_STORE", "var/store").parent / "tokens.json",
            access_log=env("IBIGRAPH_ACCESS_LOG", "").lower() in ("1", "true", "yes", "on"),
            public_url=(env("IBIGRAPH_PUBLIC_URL") or "").rstrip("/") or None,
            read_role=env("IBIGRAPH_READ_ROLE") or None,
            max_change_quads=_int("IBIGRAPH_MAX_CHANGE_QUADS", 100_000),
            max_removed_percent=_int("IBIGRAPH_MAX_REMOVED_PERCENT", 10),
            header_timeout=float(env("IBIGRAPH_HEADER_TIMEOUT", "10")),
            articles_dir=_path("IBIGRAPH_ARTICLES_DIR", "../shared/seed"),
        )

    def with_(self, **changes: Any) -> Settings:
        """A copy with some fields changed (None values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

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

"""Settings: read from the environment once and passed down explicitly."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

__all__ = ["DEFAULT_BASE", "Settings"]

DEFAULT_BASE = "https://w3id.org/ibigraph/"


def _path(name: str, default: str) -> Path:
    return Path(os.environ.get(name, default))


@dataclass(frozen=True)
class Settings:
    """Where the data, ontology and store live, and which base IRI the graph is published under.

    Environment: IBIGRAPH_BASE, IBIGRAPH_STORE, IBIGRAPH_DATA_DIR, IBIGRAPH_ONTOLOGY_DIR.
    """

    base: str = DEFAULT_BASE
    store_path: Path = field(default_factory=lambda: Path("var/store"))
    data_dir: Path = field(default_factory=lambda: Path("data"))
    ontology_dir: Path = field(default_factory=lambda: Path("ontology"))

    def __post_init__(self) -> None:
        if not self.base.startswith(("http://", "https://")) or not self.base.endswith(("/", "#")):
            raise ValueError(f"base IRI must be http(s) and end with '/' or '#': {self.base!r}")

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            base=os.environ.get("IBIGRAPH_BASE", DEFAULT_BASE),
            store_path=_path("IBIGRAPH_STORE", "var/store"),
            data_dir=_path("IBIGRAPH_DATA_DIR", "data"),
            ontology_dir=_path("IBIGRAPH_ONTOLOGY_DIR", "ontology"),
        )

    def with_(self, **changes: object) -> Settings:
        """A copy with some fields changed (None values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})  # type: ignore[arg-type]

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
    def source_ns(self) -> str:
        return self.base + "source/"

    @property
    def ontology_file(self) -> Path:
        return self.ontology_dir / "ibi.ttl"

    @property
    def shapes_file(self) -> Path:
        return self.ontology_dir / "shapes.ttl"

"""The Store interface and its embedded (Oxigraph) implementation.

A remote SPARQL 1.1 backend implements the same interface (issue #3).
"""

from __future__ import annotations

from .base import GraphStats, Store
from .oxigraph import OxigraphStore, open_store, write_store

__all__ = ["GraphStats", "OxigraphStore", "Store", "open_store", "write_store"]

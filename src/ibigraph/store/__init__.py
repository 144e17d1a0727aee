"""Stores: the on-disk Oxigraph store the build writes and the CLI reads (`oxigraph`), and the
query services the HTTP layer uses (`service`: embedded threads or a remote SPARQL server)."""

from __future__ import annotations

from .base import Transaction, Writer
from .oxigraph import OxigraphStore, StoreWriter, open_store, write_store

__all__ = [
    "OxigraphStore",
    "StoreWriter",
    "Transaction",
    "Writer",
    "open_store",
    "write_store",
]

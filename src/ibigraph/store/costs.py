"""Query costs shared by the worker processes of one server.

A query's cost (its CPU time on a store generation) is the same in every worker, so a cost that
one worker has measured (store/embedded.py) is written here for the others: the first sight of
a query, answered by a runner, is paid once per server rather than once per worker.

A fixed table of slots in a file that every worker maps; a key's digest picks its slot, and a
newer key overwrites an older one there (bounded: SLOTS x 24 bytes). A slot holds the digest,
the cost and a check word, so a slot another process is halfway through writing reads as
unknown, never as another query's cost.
"""

from __future__ import annotations

import hashlib
import mmap
import os
import struct
from pathlib import Path

__all__ = ["SLOTS", "SharedCosts"]

SLOTS = 1 << 14  # 384 KiB
_SLOT = struct.Struct("<QdQ")  # digest, cost, digest ^ the cost's bits
_BITS = struct.Struct("<Q")
_COST = struct.Struct("<d")


class SharedCosts:
    """Costs by key in the file at `path` (created, 0600, if missing)."""

    def __init__(self, path: Path, slots: int = SLOTS) -> None:
        self.slots = slots
        size = slots * _SLOT.size
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if os.fstat(fd).st_size < size:
                os.ftruncate(fd, size)
            self._map = mmap.mmap(fd, size)
        finally:
            os.close(fd)

    def get(self, key: tuple[object, ...]) -> float | None:
        digest, at = self._slot(key)
        found, cost, check = _SLOT.unpack_from(self._map, at)
        return cost if found == digest and check == digest ^ _bits(cost) else None

    def put(self, key: tuple[object, ...], cost: float) -> None:
        digest, at = self._slot(key)
        _SLOT.pack_into(self._map, at, digest, cost, digest ^ _bits(cost))

    def _slot(self, key: tuple[object, ...]) -> tuple[int, int]:
        """The key's digest (never 0, which an empty slot holds) and its slot's offset."""
        raw = hashlib.blake2b(repr(key).encode(), digest_size=8).digest()
        digest = int.from_bytes(raw, "little") or 1
        return digest, (digest % self.slots) * _SLOT.size


def _bits(cost: float) -> int:
    (bits,) = _BITS.unpack(_COST.pack(cost))
    return int(bits)

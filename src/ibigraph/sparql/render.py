"""How a result is written: in the format the client prefers, under the row, byte and time caps.

The same function serves both backends: the embedded store's worker processes and the remote
backend turn results into bytes with `render`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, cast

import pyoxigraph as ox

from ..config import Limits
from ..errors import QueryTimeout, ResultTooLarge
from ..rdf.formats import GRAPH_TYPES, RESULTS_TYPES, choose_media_type

__all__ = ["Rendered", "render"]


@dataclass(frozen=True)
class Rendered:
    media_type: str
    body: bytes


class _Capped:
    """A write target for pyoxigraph serializers that stops at the caps (they call only `write`
    and `flush`: it is passed as an `IO[bytes]`)."""

    def __init__(
        self, limits: Limits, row_markers: tuple[bytes, ...] = (), deadline: float | None = None
    ) -> None:
        self.deadline = deadline
        self.chunks: list[bytes] = []
        self.size = 0
        self.rows = 0
        self.limits = limits
        self.markers = row_markers
        self.keep = max((len(m) for m in row_markers), default=1) - 1
        self.tail = b""
        self.header_rows = 0

    def write(self, data: bytes) -> int:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise QueryTimeout.after(self.limits.timeout)
        self.size += len(data)
        if self.size > self.limits.max_bytes:
            raise ResultTooLarge(
                f"the result is larger than {self.limits.max_bytes} bytes; "
                "add a LIMIT (and OFFSET to page through it)"
            )
        if self.markers:
            window = self.tail + data
            self.rows += sum(window.count(m) for m in self.markers)
            self.tail = window[-self.keep :] if self.keep else b""
            if self.rows > self.limits.max_rows + self.header_rows:
                raise ResultTooLarge(
                    f"the result has more than {self.limits.max_rows} rows; "
                    "add a LIMIT (and OFFSET to page through it)"
                )
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass


# What starts a new solution in each results format, to count rows while writing (the CSV
# and TSV header line counts as one). JSON: a row object opens with `{"` right after `[` or
# `,`; inside strings `"` is always escaped, so the markers never occur in values.
_ROW_MARKERS = {
    ox.QueryResultsFormat.JSON: ((b'[{"', b',{"'), 0),
    ox.QueryResultsFormat.XML: ((b"<result>",), 0),
    ox.QueryResultsFormat.CSV: ((b"\n",), 1),
    ox.QueryResultsFormat.TSV: ((b"\n",), 1),
}


def render(
    result: ox.QuerySolutions | ox.QueryBoolean | Iterable[ox.Triple],
    accept: str | None,
    limits: Limits,
    *,
    deadline: float | None = None,
) -> Rendered:
    """Serialize a result in the format the client prefers, within the caps.

    `result` is what a query returns: solutions, a boolean, or triples (CONSTRUCT/DESCRIBE).
    """
    if not isinstance(result, ox.QuerySolutions | ox.QueryBoolean):
        media_type = choose_media_type(accept, list(GRAPH_TYPES))
        triples = []
        for i, t in enumerate(result):
            if deadline is not None and not i % 1024 and time.monotonic() > deadline:
                raise QueryTimeout.after(limits.timeout, "narrow the CONSTRUCT or add a LIMIT")
            if i >= limits.max_rows:
                raise ResultTooLarge(
                    f"the result has more than {limits.max_rows} triples; "
                    "narrow the CONSTRUCT or add a LIMIT"
                )
            triples.append(t)
        fmt = GRAPH_TYPES[media_type]
        out = _Capped(limits, deadline=deadline)
        data = _as_quads(triples) if fmt in _QUAD_FORMATS else triples
        ox.serialize(data, cast(IO[bytes], out), fmt)
        return Rendered(media_type, b"".join(out.chunks))
    media_type = choose_media_type(accept, list(RESULTS_TYPES))
    results_format = RESULTS_TYPES[media_type]
    out = _Capped(limits, deadline=deadline)
    if isinstance(result, ox.QuerySolutions):
        out.markers, out.header_rows = _ROW_MARKERS[results_format]
        out.keep = max(len(m) for m in out.markers) - 1
    result.serialize(cast(IO[bytes], out), results_format)
    return Rendered(media_type, b"".join(out.chunks))


_QUAD_FORMATS = {ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS}


def _as_quads(triples: Iterable[ox.Triple]) -> list[ox.Quad]:
    return [ox.Quad(t.subject, t.predicate, t.object) for t in triples]

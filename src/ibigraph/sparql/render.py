"""How a result is written: in the format the client prefers, under the row, byte and time caps.

The same function serves both backends: the embedded store's worker processes and the remote
backend turn results into bytes with `render`.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, cast

import pyoxigraph as ox

from ..config import Limits
from ..errors import QueryTimeout, ResultTooLarge
from ..rdf.formats import GRAPH_TYPES, RESULTS_TYPES, choose_media_type

__all__ = ["Rendered", "Spill", "render"]

Spill = Callable[[str], Callable[[bytes], None]]  # media type -> where the bytes go from then on
SPILL_CHUNK = 256 * 1024  # bytes handed to a spill's sink at a time


@dataclass(frozen=True)
class Rendered:
    media_type: str
    body: bytes
    # a result too large to keep whole: its bytes as they come (the body is empty). Only the
    # requests that allow it (`QueryRequest.stream`) get one, from the embedded store's runners
    stream: AsyncGenerator[bytes, None] | None = None
    # CPU seconds its evaluation and writing took on the thread that did them (set by
    # store/evaluate.py; not the wall time, which grows with the load of the machine)
    cpu: float = 0.0
    wall: float = 0.0  # and the time they took (with waits for the disk or a busy core)
    on_disk: bool = False  # evaluated by a runner on the store on disk, not on a copy in memory


class _Capped:
    """A write target for pyoxigraph serializers that stops at the caps (they call only `write`
    and `flush`: it is passed as an `IO[bytes]`).

    With `stream` limits and a `spill`, a result that passes the caps is not refused: what was
    written so far, and everything after, goes to the spill's sink in chunks, up to the stream
    limits, in bounded memory."""

    def __init__(
        self,
        limits: Limits,
        media_type: str,
        deadline: float | None = None,
        stream: Limits | None = None,
        spill: Spill | None = None,
    ) -> None:
        self.deadline = deadline
        self.media_type = media_type
        self.chunks: list[bytes] = []
        self.size = 0
        self.rows = 0
        self.limits = limits
        self.markers: tuple[bytes, ...] = ()
        self.keep = 0
        self.tail = b""
        self.header_rows = 0
        self.stream, self.spill = stream, spill
        self.sink: Callable[[bytes], None] | None = None
        self.held = 0  # bytes in `chunks`

    def count_rows(self, markers: tuple[bytes, ...], header_rows: int) -> None:
        self.markers, self.header_rows = markers, header_rows
        self.keep = max(len(m) for m in markers) - 1

    def write(self, data: bytes) -> int:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise QueryTimeout.after(self.limits.timeout)
        self.size += len(data)
        if self.size > self.limits.max_bytes:
            self.overflow(
                f"the result is larger than {self.limits.max_bytes} bytes; "
                "add a LIMIT (and OFFSET to page through it)"
            )
        if self.markers:
            window = self.tail + data
            self.rows += sum(window.count(m) for m in self.markers)
            self.tail = window[-self.keep :] if self.keep else b""
            if self.rows > self.limits.max_rows + self.header_rows:
                self.overflow(
                    f"the result has more than {self.limits.max_rows} rows; "
                    "add a LIMIT (and OFFSET to page through it)"
                )
        self.chunks.append(bytes(data))
        self.held += len(data)
        if self.sink is not None and self.held >= SPILL_CHUNK:
            self.flush()
        return len(data)

    def overflow(self, message: str) -> None:
        """Past the caps: from now on stream (once, if allowed), else refuse."""
        if self.sink is None and self.stream is not None and self.spill is not None:
            self.sink, self.limits = self.spill(self.media_type), self.stream
            if self.size <= self.limits.max_bytes and self.rows <= self.limits.max_rows:
                return
            message = (
                f"the result has more than {self.limits.max_rows} rows or"
                f" {self.limits.max_bytes} bytes; add a LIMIT (and OFFSET to page through it)"
            )
        raise ResultTooLarge(message)

    def flush(self) -> None:
        if self.sink is not None and self.chunks:
            self.sink(b"".join(self.chunks))
            self.chunks, self.held = [], 0

    def rendered(self) -> Rendered:
        if self.sink is not None:
            self.flush()
            return Rendered(self.media_type, b"")
        return Rendered(self.media_type, b"".join(self.chunks))


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
    stream: Limits | None = None,
    spill: Spill | None = None,
) -> Rendered:
    """Serialize a result in the format the client prefers, within the caps. Past the caps,
    with `stream` limits and a `spill`, the bytes go to the spill (the body is empty then).

    `result` is what a query returns: solutions, a boolean, or triples (CONSTRUCT/DESCRIBE).
    """
    if not isinstance(result, ox.QuerySolutions | ox.QueryBoolean):
        media_type = choose_media_type(accept, list(GRAPH_TYPES))
        fmt = GRAPH_TYPES[media_type]
        out = _Capped(limits, media_type, deadline, stream, spill)
        triples = _counted(result, out)
        data = _as_quads(triples) if fmt in _QUAD_FORMATS else triples
        ox.serialize(data, cast(IO[bytes], out), fmt)
        return out.rendered()
    media_type = choose_media_type(accept, list(RESULTS_TYPES))
    results_format = RESULTS_TYPES[media_type]
    out = _Capped(limits, media_type, deadline, stream, spill)
    if isinstance(result, ox.QuerySolutions):
        out.count_rows(*_ROW_MARKERS[results_format])
    result.serialize(cast(IO[bytes], out), results_format)
    return out.rendered()


def _counted(triples: Iterable[ox.Triple], out: _Capped) -> Iterator[ox.Triple]:
    """The triples of a CONSTRUCT/DESCRIBE, within the time and the rows of `out`'s limits."""
    for i, t in enumerate(triples):
        if out.deadline is not None and not i % 1024 and time.monotonic() > out.deadline:
            raise QueryTimeout.after(out.limits.timeout, "narrow the CONSTRUCT or add a LIMIT")
        if i >= out.limits.max_rows:
            out.overflow(
                f"the result has more than {out.limits.max_rows} triples; "
                "narrow the CONSTRUCT or add a LIMIT"
            )
        out.rows = i + 1
        yield t


_QUAD_FORMATS = {ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS}


def _as_quads(triples: Iterable[ox.Triple]) -> Iterator[ox.Quad]:
    return (ox.Quad(t.subject, t.predicate, t.object) for t in triples)

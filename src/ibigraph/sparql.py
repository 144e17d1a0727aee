"""SPARQL requests: what a query is (form, forbidden features) and how a result is written.

The same functions serve both backends: the embedded store's worker processes and the remote
backend turn results into bytes with `render`, under the same row and byte caps.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import IO, cast

import pyoxigraph as ox

from .errors import ForbiddenFeature, QuerySyntaxError, QueryTimeout, ResultTooLarge
from .negotiation import GRAPH_TYPES, RESULTS_TYPES, choose_media_type

__all__ = [
    "Limits",
    "QueryRequest",
    "Rendered",
    "blank",
    "inspect_query",
    "missing_prefixes",
    "render",
    "syntax_error",
    "unknown_prefix",
]

# Comments, strings and IRIs, blanked out before looking for keywords, so that "SERVICE" in a
# literal or <http://x/service> in an IRI is not taken for the keyword.
_OPAQUE = re.compile(
    r"""\#[^\n]*+
      |'\'\'(?:[^'\\]|\\.|'(?!''))*+(?:'\'\'|.*+)
      |\"\"\"(?:[^"\\]|\\.|"(?!""))*+(?:\"\"\"|.*+)
      |'(?:[^'\\\n]|\\.)*+(?:'|[^\n]*+)
      |"(?:[^"\\\n]|\\.)*+(?:"|[^\n]*+)
      |<[^<>"{}|^`\\\s]*+>""",
    re.X | re.S,
)
# Linear time: every quote starts a token (an unclosed string runs to the end of its line, an
# unclosed long string to the end of the text), and quantifiers are possessive, so no part of
# the text is scanned twice (the old pattern re-scanned to the end of the line from every
# quote: a 48 KB query of `"a\` took 9.7 s).
_NOT_NEWLINE = re.compile(r"[^\n]")


def blank(text: str) -> str:
    """`text` with its comments, strings and IRIs replaced by spaces (newlines kept): the same
    length, so positions in it are positions in `text`."""
    return _OPAQUE.sub(lambda m: _NOT_NEWLINE.sub(" ", m.group()), text)


# A keyword is a whole word not touching `:` (prefixed names) or `?`/`$` (variables).
_KEYWORDS = re.compile(
    r"(?<![\w:?$])(SELECT|ASK|CONSTRUCT|DESCRIBE|SERVICE|INSERT|DELETE|LOAD|CLEAR|DROP|CREATE"
    r"|ADD|MOVE|COPY|WITH)(?![\w:])",
    re.I,
)
_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
_SERVICE = re.compile(r"(?<![\w:?$])SERVICE(?![\w:])", re.I)


def inspect_query(text: str) -> str:
    """The query form (SELECT, ASK, CONSTRUCT, DESCRIBE); refuses SERVICE and updates.

    Comments, strings and IRIs are blanked out first, so `"SERVICE"` in a literal is fine.
    The store's own parser still reports real syntax errors with their position.
    """
    bare = blank(text)
    if _SERVICE.search(bare):
        raise ForbiddenFeature(
            "SERVICE is not allowed: this endpoint never fetches data from other servers"
        )
    m = _KEYWORDS.search(bare)
    if m is None:
        raise QuerySyntaxError("not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE")
    word = m.group(1).upper()
    if word not in _FORMS:
        raise QuerySyntaxError(
            f"this is a SPARQL Update ({word}); send updates with the `update` parameter"
            " or as application/sparql-update"
        )
    return word


# A prefixed name's prefix (PN_PREFIX, ASCII part), not inside a variable, IRI or literal
_PNAME = re.compile(r"(?<![\w?$:.-])([A-Za-z][\w.-]*)?:(?=[\w%\\:]|[\s;,.)}\]]|$)")
_DECLARED = re.compile(r"\bPREFIX\s+([A-Za-z][\w.-]*)?:", re.I)
_POSITION = re.compile(r"error at (\d+):(\d+)")


def missing_prefixes(text: str, known: Mapping[str, str]) -> dict[str, str]:
    """The known prefixes a query uses without declaring them (for servers that need the
    declarations written out)."""
    bare = blank(text)
    declared = {m.group(1) or "" for m in _DECLARED.finditer(bare)}
    used = {m.group(1) or "" for m in _PNAME.finditer(bare)}
    return {p: known[p] for p in sorted(used - declared) if p in known}


def unknown_prefix(prefix: str, known: Mapping[str, str], where: str = "") -> str:
    """The message for a prefix nobody declared: where it is, and the ones the service knows."""
    names = ", ".join(f"{p}:" for p in known)
    return f"unknown prefix `{prefix}:`{where}; declare it with PREFIX {prefix}: <…>" + (
        f", or use one this service knows: {names}" if names else ""
    )


def syntax_error(text: str, message: str, known: Mapping[str, str] | None = None) -> str:
    """A parser's message made readable: an unknown prefix is named with its position and the
    prefixes the service knows; long lists of expected character ranges are cut."""
    if "prefix not found" in message.lower():
        bare = blank(text)
        declared = {m.group(1) or "" for m in _DECLARED.finditer(bare)} | set(known or {})
        for m in _PNAME.finditer(bare):
            prefix = m.group(1) or ""
            if prefix not in declared:
                line = bare.count("\n", 0, m.start()) + 1
                col = m.start() - (bare.rfind("\n", 0, m.start()) + 1) + 1
                return unknown_prefix(prefix, known or {}, f" at line {line}, column {col}")
    cut = min((i for i in (message.find(", ['"), message.find(', ["')) if i >= 0), default=-1)
    if cut >= 0:
        message = message[:cut] + ", …"
    pos = _POSITION.search(message)
    if pos:
        message = message.replace(
            pos.group(0), f"error at line {pos.group(1)}, column {pos.group(2)}"
        )
    return message


@dataclass(frozen=True)
class Limits:
    timeout: float = 30.0  # seconds, wall clock, per query
    max_rows: int = 100_000  # solutions or triples in one result
    max_bytes: int = 64 * 1024 * 1024  # serialized result size


@dataclass(frozen=True)
class QueryRequest:
    query: str
    accept: str | None = None  # the Accept header, or the media type the `format` param asked for
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    limits: Limits = field(default_factory=Limits)
    base_iri: str | None = None  # relative IRIs in the query resolve against it (the endpoint)
    # only report a syntax error (the answer would be a 406): parse, do not write a result
    check_only: bool = False
    # predeclared prefixes, for queries that use them without PREFIX (as Wikidata's service)
    prefixes: Mapping[str, str] = field(default_factory=dict)


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

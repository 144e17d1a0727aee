"""HTTP content negotiation: Accept parsing and the media types ibigraph can write.

Pure functions only. `choose_media_type` follows RFC 9110: q-values, `type/*` and `*/*`
wildcards, several types in one header, specificity when ranges overlap, and ties broken by
the server's preference (the order of `offered`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import pyoxigraph as ox

from ..errors import BadInputError, NotAcceptable

__all__ = [
    "FORMAT_ALIASES",
    "FORMAT_PARAMETERS",
    "GRAPH_TYPES",
    "RESULTS_TYPES",
    "MediaRange",
    "choose_media_type",
    "format_accept",
    "named_formats",
    "parse_accept",
    "unknown_format",
]

# SELECT / ASK results: media type -> pyoxigraph format (first is the default)
RESULTS_TYPES: dict[str, ox.QueryResultsFormat] = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
# CONSTRUCT / DESCRIBE results and other RDF documents
GRAPH_TYPES: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/trig": ox.RdfFormat.TRIG,
    "application/n-quads": ox.RdfFormat.N_QUADS,
}
# Also understood as equivalents of the types above (what clients send in the wild).
_SYNONYMS = {
    "application/json": "application/sparql-results+json",
    "application/xml": "application/sparql-results+xml",
    "text/xml": "application/sparql-results+xml",
    "application/x-turtle": "text/turtle",
    "text/n-triples": "application/n-triples",
    "application/x-trig": "application/trig",
    "text/x-nquads": "application/n-quads",
    "text/tsv": "text/tab-separated-values",
}
# Values of the `format` query parameter
FORMAT_ALIASES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "ttl": "text/turtle",
    "turtle": "text/turtle",
    "nt": "application/n-triples",
    "ntriples": "application/n-triples",
    "rdf": "application/rdf+xml",
    "rdfxml": "application/rdf+xml",
    "jsonld": "application/ld+json",
    "json-ld": "application/ld+json",
    "trig": "application/trig",
    "nq": "application/n-quads",
    "nquads": "application/n-quads",
}
# What the same word means for a graph result (CONSTRUCT/DESCRIBE): SPARQLWrapper sends
# `format=xml` for RDF/XML and `format=n3`, `rdf+xml`, `json-ld` for its other graph formats.
_GRAPH_ALIASES = {
    "xml": "application/rdf+xml",
    "json": "application/ld+json",
    "n3": "text/turtle",  # Turtle is N3
    "rdf+xml": "application/rdf+xml",
}
_EXTRA_MEDIA = {
    "text/n3": "text/turtle",
    "text/rdf+n3": "text/turtle",
    "application/n3": "text/turtle",
    "application/x-json+ld": "application/ld+json",
}
# Query parameters clients use to ask for a result format instead of Accept: `format`
# (Virtuoso, Fuseki), `output` (Fuseki, sparqler), `results` (SPARQLWrapper sends all three).
FORMAT_PARAMETERS = ("format", "output", "results")


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float
    params: tuple[tuple[str, str], ...] = ()

    def matches(self, media_type: str) -> int:
        """-1 if no match, else specificity: 0 for */*, 1 for type/*, 2 for type/subtype."""
        t, _, s = media_type.partition("/")
        if self.type == "*":
            return 0
        if self.type != t:
            return -1
        if self.subtype == "*":
            return 1
        return 2 if self.subtype == s else -1


def parse_accept(header: str | None, keep: frozenset[str] = frozenset()) -> list[MediaRange]:
    """Parse an Accept header; malformed members are skipped, as browsers do. Synonyms
    (`application/json` for SPARQL JSON results…) are mapped unless listed in `keep`."""
    if not header or not header.strip():
        return [MediaRange("*", "*", 1.0)]
    ranges = []
    for member in header.split(","):
        parts = [p.strip() for p in member.split(";")]
        mtype = parts[0].lower()
        if "/" not in mtype:
            if mtype == "*":
                mtype = "*/*"
            else:
                continue
        t, _, s = mtype.partition("/")
        if not t or not s or (t == "*" and s != "*"):
            continue
        q = 1.0
        params = []
        for p in parts[1:]:
            k, _, v = p.partition("=")
            k, v = k.strip().lower(), v.strip().strip('"')
            if k == "q":
                try:
                    q = min(max(float(v), 0.0), 1.0)
                except ValueError:
                    q = 0.0
            elif k:
                params.append((k, v))
        if f"{t}/{s}" not in keep:
            t, s = _canonical(t, s)
        ranges.append(MediaRange(t, s, q, tuple(params)))
    return ranges


def _canonical(t: str, s: str) -> tuple[str, str]:
    full = _SYNONYMS.get(f"{t}/{s}")
    if full is None:
        return t, s
    ct, _, cs = full.partition("/")
    return ct, cs


def quality(ranges: list[MediaRange], media_type: str) -> float:
    """The q-value the most specific matching range gives `media_type` (0 if none)."""
    best, best_spec = 0.0, -1
    for r in ranges:
        spec = r.matches(media_type)
        if spec > best_spec:
            best, best_spec = r.q, spec
        elif spec == best_spec and spec >= 0:
            best = max(best, r.q)
    return best if best_spec >= 0 else 0.0


def choose_media_type(accept: str | None, offered: list[str]) -> str:
    """The offered media type the client prefers; ties go to the earlier offer. 406 if none."""
    return _choose(accept, tuple(offered))


@functools.lru_cache(maxsize=1024)  # clients send the same few Accept headers again and again
def _choose(accept: str | None, offered: tuple[str, ...]) -> str:
    ranges = parse_accept(accept, frozenset(offered))
    scored = [(quality(ranges, m), -i, m) for i, m in enumerate(offered)]
    q, _, best = max(scored)
    if q <= 0:
        raise NotAcceptable(list(offered))
    return best


def named_formats(values: list[str]) -> list[str]:
    """The media types that `format`-style parameter values name (aliases such as `json`,
    `ttl`, `xml`, or media types; several values, or comma-separated), in order; unknown
    values are left out."""
    named: list[str] = []
    for value in values:
        for word in value.split(","):
            w = word.split(";")[0].strip().lower()
            if not w:
                continue
            meant = [FORMAT_ALIASES.get(w), _GRAPH_ALIASES.get(w), _EXTRA_MEDIA.get(w)]
            if "/" in w and w not in _EXTRA_MEDIA:
                meant.append(_SYNONYMS.get(w, w))
            named += [m for m in meant if m is not None and m not in named]
    return named


def format_accept(values: list[str], header: str | None) -> str | None:
    """An Accept header for a request that named formats in query parameters.

    The formats named come first; the request's own Accept header follows at half its weight,
    so a format that does not fit the query form (SPARQLWrapper's `format=xml` on a CONSTRUCT
    means RDF/XML) or a value no server agrees on does not turn a good request into an error
    when Accept can decide. With no Accept header, only the formats named count, and values
    that name no format are a 400.
    """
    named = named_formats(values)
    if not named:
        if not header or not header.strip():
            raise unknown_format(values)
        return header
    if not header or not header.strip():
        return ", ".join(named)
    weaker = [
        f"{r.type}/{r.subtype};q={r.q / 2:.3f}"
        for r in parse_accept(header, frozenset(_all_types()))
        if r.q > 0
    ]
    return ", ".join([*named, *weaker])


def unknown_format(values: list[str]) -> BadInputError:
    return BadInputError(
        f"unknown format {values[0]!r}; use one of {', '.join(sorted(FORMAT_ALIASES))}"
        " or a media type"
    )


def _all_types() -> list[str]:
    return [*RESULTS_TYPES, *GRAPH_TYPES]

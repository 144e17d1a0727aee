"""HTTP content negotiation: Accept parsing and the media types ibigraph can write.

Pure functions only. `choose_media_type` follows RFC 9110: q-values, `type/*` and `*/*`
wildcards, several types in one header, specificity when ranges overlap, and ties broken by
the server's preference (the order of `offered`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from .errors import NotAcceptable

__all__ = [
    "FORMAT_ALIASES",
    "GRAPH_TYPES",
    "RESULTS_TYPES",
    "MediaRange",
    "choose_media_type",
    "parse_accept",
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
    ranges = parse_accept(accept, frozenset(offered))
    scored = [(quality(ranges, m), -i, m) for i, m in enumerate(offered)]
    q, _, best = max(scored)
    if q <= 0:
        raise NotAcceptable(offered)
    return best

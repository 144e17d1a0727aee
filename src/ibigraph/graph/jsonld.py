"""JSON-LD: the published context and the document forms (pyld does the algorithms).

The context is built in code from the base IRI and served at /ns/context.jsonld (and a
versioned copy); documents are compacted against the in-memory context and then name its URL,
so the server never fetches anything to produce them.
"""

from __future__ import annotations

import json
from typing import Any, cast

import pyoxigraph as ox
from pyld import jsonld

from ..rdf.vocab import DCTERMS, PROV, RDFS, SCHEMA, SCHEMA_LINKS, XSD

__all__ = ["CONTEXT_VERSION", "PROFILES", "context", "frame_for", "to_jsonld"]

CONTEXT_VERSION = "1"
JSONLD_NS = "http://www.w3.org/ns/json-ld#"
PROFILES = {
    JSONLD_NS + "expanded": "expanded",
    JSONLD_NS + "compacted": "compacted",
    JSONLD_NS + "flattened": "flattened",
    JSONLD_NS + "framed": "framed",
}
_LINKS = [*SCHEMA_LINKS, "sameAs", "url", "subjectOf"]


def context(base: str) -> dict[str, Any]:
    """The ibigraph JSON-LD context: prefixes and short keys for the public vocabulary."""
    ctx: dict[str, Any] = {
        "@version": 1.1,
        "schema": SCHEMA,
        "ibi": base + "ontology#",
        "id": base + "id/",
        "src": base + "source/",
        "dcterms": DCTERMS,
        "prov": PROV,
        "rdfs": RDFS,
        "xsd": XSD,
        "name": {"@id": "schema:name", "@language": "en"},
        "label": {"@id": "rdfs:label", "@language": "en"},
        "description": {"@id": "schema:description", "@language": "en"},
        "alternateName": {"@id": "schema:alternateName", "@container": "@set"},
        "foundingDate": {"@id": "schema:foundingDate"},
        "dissolutionDate": {"@id": "schema:dissolutionDate"},
        "focusArea": {"@id": "ibi:focusArea", "@type": "@id", "@container": "@set"},
        "leadAgency": {"@id": "ibi:leadAgency", "@type": "@id", "@container": "@set"},
        "source": {"@id": "dcterms:source", "@type": "@id"},
        "title": {"@id": "dcterms:title"},
        "date": {"@id": "dcterms:date", "@type": "xsd:date"},
    }
    for key in _LINKS:
        ctx[key] = {"@id": f"schema:{key}", "@type": "@id", "@container": "@set"}
    return {"@context": ctx}


def frame_for(base: str, subject: str) -> dict[str, Any]:
    """A frame that puts the entity at the top, with linked entities embedded once."""
    return {**context(base), "@id": subject, "@embed": "@once"}


def to_jsonld(
    quads: list[ox.Quad],
    base: str,
    form: str = "compacted",
    *,
    context_url: str | None = None,
    subject: str | None = None,
    types: list[str] | None = None,
) -> bytes:
    """Quads as a JSON-LD document in one of the four forms."""
    nquads = cast(bytes, ox.serialize(quads, format=ox.RdfFormat.N_QUADS)).decode()
    expanded = jsonld.from_rdf(nquads, {"format": "application/n-quads", "useNativeTypes": False})
    ctx = context(base)
    if form == "expanded":
        doc: Any = expanded
    elif form == "flattened":
        doc = jsonld.flatten(expanded, ctx)
    elif form == "framed":
        doc = jsonld.frame(expanded, frame_for(base, subject) if subject else context(base))
    else:
        doc = jsonld.compact(expanded, ctx)
        if subject is not None and "@graph" in doc:  # put the requested entity first
            doc["@graph"].sort(key=lambda n: n.get("@id") != _compact_iri(subject, base))
    if form != "expanded" and context_url is not None:
        doc["@context"] = context_url
    return json.dumps(doc, ensure_ascii=False, indent=2).encode()


def _compact_iri(iri: str, base: str) -> str:
    ns = base + "id/"
    return "id:" + iri[len(ns) :] if iri.startswith(ns) else iri

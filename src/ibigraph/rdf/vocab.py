"""IRIs of the vocabularies ibigraph uses, as plain strings."""

from __future__ import annotations

__all__ = [
    "DCTERMS",
    "OA",
    "ORG",
    "OWL",
    "PROV",
    "RDF",
    "RDFS",
    "SCHEMA",
    "SCHEMA_LINKS",
    "SH",
    "SKOS",
    "XSD",
    "compact",
    "prefixes",
]

DCTERMS = "http://purl.org/dc/terms/"
OA = "http://www.w3.org/ns/oa#"
ORG = "http://www.w3.org/ns/org#"
OWL = "http://www.w3.org/2002/07/owl#"
PROV = "http://www.w3.org/ns/prov#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SCHEMA = "https://schema.org/"
SH = "http://www.w3.org/ns/shacl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
XSD = "http://www.w3.org/2001/XMLSchema#"


# schema.org properties that link one entity to another (local names)
SCHEMA_LINKS = (
    "memberOf",
    "funder",
    "parentOrganization",
    "areaServed",
    "location",
    "knowsAbout",
    "organizer",
    "publisher",
    "founder",
)


def prefixes(base: str) -> dict[str, str]:
    """Prefixes used for display and accepted in CLI queries."""
    return {
        "id": base + "id/",
        "src": base + "source/",
        "ibi": base + "ontology#",
        "ibish": base + "shapes#",
        "schema": SCHEMA,
        "dcterms": DCTERMS,
        "oa": OA,
        "prov": PROV,
        "rdf": RDF,
        "rdfs": RDFS,
        "owl": OWL,
        "org": ORG,
        "skos": SKOS,
        "sh": SH,
        "xsd": XSD,
    }


def compact(iri: str, prefix_map: dict[str, str]) -> str:
    """`https://schema.org/name` -> `schema:name`; other IRIs in angle brackets."""
    for p, ns in sorted(prefix_map.items(), key=lambda kv: -len(kv[1])):
        local = iri[len(ns) :]
        if iri.startswith(ns) and local and all(c.isalnum() or c in "-_." for c in local):
            return f"{p}:{local}"
    return f"<{iri}>"

"""The HTML pages' templates (Jinja2, autoescaped), shared by every route that renders one."""

from __future__ import annotations

import re
from collections.abc import Mapping

import pyoxigraph as ox
from jinja2 import Environment, PackageLoader, select_autoescape

from ...rdf.terms import object_of, subject_of
from ...rdf.vocab import compact

__all__ = [
    "NETWORK_LINKS",
    "human_label",
    "local_name",
    "local_path",
    "quad_cells",
    "safe_link",
    "templates",
    "term_cell",
]

_WORDS = {"url": "Web site", "sameAs": "Same as"}

_SCHEMES = ("http://", "https://", "mailto:")


def safe_link(href: str | None) -> str | None:
    """`href` if a page may link to it (http, https, mailto, or a path of this service), else
    None: a `javascript:` or `data:` IRI stored as data is shown as text, never as a link."""
    if href and (href.lower().startswith(_SCHEMES) or (href[0] == "/" and href[1:2] != "/")):
        return href
    return None


def human_label(term: str, labels: Mapping[str, str] | None = None) -> str:
    """A property or class named for people: its ontology label if it has one, else its local
    name in words ("schema:foundingDate" and its IRI -> "Founding date")."""
    label = (labels or {}).get(term)
    if label is None:
        local = local_name(term)
        label = _WORDS.get(local) or re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", local).lower()
    return label[:1].upper() + label[1:]


def local_path(iri: str, base: str) -> str:
    """The server path of an IRI under the base, else the IRI itself (pages pass every link
    through the `link` filter, which drops any but http(s), mailto and own paths)."""
    return "/" + iri[len(base) :] if iri.startswith(base) else iri


def term_cell(
    term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.DefaultGraph | None,
    prefixes: Mapping[str, str],
    base: str,
) -> dict[str, str | None]:
    """A term as a table cell of a page: its text (an IRI compacted) and, for an IRI, a link
    (a local path under the base)."""
    if term is None:
        return {"text": "", "href": None}
    if isinstance(term, ox.NamedNode):
        return {"text": compact(term.value, dict(prefixes)), "href": local_path(term.value, base)}
    if isinstance(term, ox.DefaultGraph):
        return {"text": "(default graph)", "href": None}
    return {"text": term.value, "href": None}


def quad_cells(q: ox.Quad, prefixes: Mapping[str, str], base: str) -> list[dict[str, str | None]]:
    """A quad as the cells of a table row: subject, property, value, graph."""
    parts = (subject_of(q), q.predicate, object_of(q), q.graph_name)
    return [term_cell(t, prefixes, base) for t in parts]


# the properties the network view follows, by local name (queries/network.rq lists them)
NETWORK_LINKS = frozenset(
    ("memberOf", "funder", "leadAgency", "parentOrganization", "organizer", "attendee", "founder",
     "publisher", "author", "creator", "replaces")
)  # fmt: skip


def local_name(iri: str) -> str:
    """The last part of an IRI or a compact name: `schema:foundingDate` -> `foundingDate`."""
    return re.split(r"[/#:]", iri)[-1]


templates = Environment(
    loader=PackageLoader("ibigraph", "api/views/templates"), autoescape=select_autoescape(["html"])
)
templates.filters["link"] = safe_link
templates.filters["human"] = human_label

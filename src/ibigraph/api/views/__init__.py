"""The HTML pages' templates (Jinja2, autoescaped), shared by every route that renders one."""

from __future__ import annotations

import re
from collections.abc import Mapping

from jinja2 import Environment, PackageLoader, select_autoescape

__all__ = ["human_label", "local_path", "safe_link", "templates"]

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
        local = re.split(r"[/#:]", term)[-1]
        label = _WORDS.get(local) or re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", local).lower()
    return label[:1].upper() + label[1:]


def local_path(iri: str, base: str) -> str:
    """The server path of an IRI under the base, else the IRI itself (pages pass every link
    through the `link` filter, which drops any but http(s), mailto and own paths)."""
    return "/" + iri[len(base) :] if iri.startswith(base) else iri


templates = Environment(
    loader=PackageLoader("ibigraph", "api/views/templates"), autoescape=select_autoescape(["html"])
)
templates.filters["link"] = safe_link
templates.filters["human"] = human_label

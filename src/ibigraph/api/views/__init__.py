"""The HTML pages' templates (Jinja2, autoescaped), shared by every route that renders one."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, select_autoescape

__all__ = ["local_path", "safe_link", "templates"]

_SCHEMES = ("http://", "https://", "mailto:")


def safe_link(href: str | None) -> str | None:
    """`href` if a page may link to it (http, https, mailto, or a path of this service), else
    None: a `javascript:` or `data:` IRI stored as data is shown as text, never as a link."""
    if href and (href.lower().startswith(_SCHEMES) or (href[0] == "/" and href[1:2] != "/")):
        return href
    return None


def local_path(iri: str, base: str) -> str:
    """The server path of an IRI under the base, else the IRI itself (pages pass every link
    through the `link` filter, which drops any but http(s), mailto and own paths)."""
    return "/" + iri[len(base) :] if iri.startswith(base) else iri


templates = Environment(
    loader=PackageLoader("ibigraph", "api/views/templates"), autoescape=select_autoescape(["html"])
)
templates.filters["link"] = safe_link

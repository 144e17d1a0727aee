"""The HTML pages' templates (Jinja2, autoescaped), shared by every route that renders one."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, select_autoescape

__all__ = ["templates"]

templates = Environment(
    loader=PackageLoader("ibigraph", "web/templates"), autoescape=select_autoescape(["html"])
)

"""Where the run-time folders (ontology, curated data, named queries) are found.

The repository's own folders are the source of truth; a wheel carries a copy of them inside
the package (`ibigraph/resources/…`, put there by setup.py at build time). Running from a
checkout, or from an editable install, uses the checkout's folders; an installed package uses
its copy.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

__all__ = ["FOLDERS", "resource_dir"]

FOLDERS = ("ontology", "data", "queries")
_CHECKOUT = Path(__file__).resolve().parents[2]


def resource_dir(name: str) -> Path:
    """The folder `name` (one of FOLDERS): the checkout's, else the installed package's copy."""
    if name not in FOLDERS:
        raise ValueError(f"no packaged folder {name!r}")
    own = _CHECKOUT / name
    if own.is_dir() and (_CHECKOUT / "pyproject.toml").is_file():
        return own
    return Path(str(files("ibigraph") / "resources" / name))

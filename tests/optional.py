"""Optional test inputs and services: what a test needs that a fresh clone may lack.

A test that needs one calls `require(name)` (or carries `@pytest.mark.needs(name)`): without
it the test is skipped, and the run ends with one line per missing component saying how many
tests it cost. Under `CI=true` nothing optional may be missing: the test fails instead.
"""

from __future__ import annotations

import functools
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

__all__ = [
    "AXE",
    "COMPONENTS",
    "COMUNICA",
    "RECONCILIATION",
    "SEED",
    "SHARED",
    "W3C",
    "in_ci",
    "present",
    "require",
    "summary",
]

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEED = SHARED / "seed" / "000_a3c866668d2ad3cb.txt"
W3C = SHARED / "w3c-sparql11"
RECONCILIATION = SHARED / "reconciliation-api"
RECONCILIATION = SHARED / "reconciliation-api"
COMUNICA = ROOT / "tests" / "clients" / "node_modules" / ".bin" / "comunica-sparql"
VENDOR = ROOT / "src" / "ibigraph" / "api" / "static" / "vendor" / ".built"
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
SKIP_PREFIX = "optional component missing: "


def _virtuoso() -> bool:
    from .virtuoso import find_isql, find_virtuoso

    return find_virtuoso() is not None and find_isql() is not None


@dataclass(frozen=True)
class Component:
    missing: str  # why it is absent, and how to get it
    tests: str  # what kind of test is lost without it
    present: Callable[[], bool]


COMPONENTS = {
    "virtuoso": Component(
        "Virtuoso is not installed (run .ci/install-virtuoso as root)",
        "remote-backend tests",
        _virtuoso,
    ),
    "seed": Component(
        "../shared/seed is not beside the checkout", "seed-article tests", SEED.exists
    ),
    "comunica": Component(
        "Comunica is not installed (needs node and npm; `make test` runs npm ci in tests/clients)",
        "Comunica client tests",
        COMUNICA.exists,
    ),
    "reconciliation": Component(
        "../shared/reconciliation-api is not beside the checkout",
        "Reconciliation API schema and example tests",
        (RECONCILIATION / "0.2" / "schemas" / "manifest.json").exists,
    ),
    "chromium": Component(
        "Chromium is not installed (run .ci/install-chromium as root), or the page assets are"
        " not built (`make test` builds them with npm)",
        "browser tests",
        lambda: shutil.which("chromium") is not None and VENDOR.exists(),
    ),
    "w3c": Component(
        "../shared/w3c-sparql11 is not beside the checkout",
        "W3C SPARQL Protocol / Graph Store manifest tests",
        (W3C / "protocol" / "manifest.ttl").exists,
    ),
}


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("true", "1", "yes")


@functools.cache
def present(name: str) -> bool:
    return COMPONENTS[name].present()


def require(name: str) -> None:
    """Skip the running test (fail it under CI=true) unless component `name` is there."""
    component = COMPONENTS[name]
    if present(name):
        return
    if in_ci():
        pytest.fail(f"{component.missing}; CI=true requires it")
    pytest.skip(f"{SKIP_PREFIX}{name}")


def summary(skip_reasons: list[str]) -> list[str]:
    """One line per missing component (`Virtuoso is not installed (…): 120 remote-backend tests
    skipped`), then one per other reason for a skip, from the reasons of the skipped tests."""
    counts: dict[str, int] = {}
    others: dict[str, int] = {}
    for reason in skip_reasons:
        reason = reason.removeprefix("Skipped: ")
        if SKIP_PREFIX in reason:
            name = reason.split(SKIP_PREFIX, 1)[1].strip().strip("'\"")
            counts[name] = counts.get(name, 0) + 1
        else:
            others[reason] = others.get(reason, 0) + 1
    lines = [
        f"{COMPONENTS[n].missing}: {k} {COMPONENTS[n].tests} skipped"
        for n, k in sorted(counts.items())
        if n in COMPONENTS
    ]
    return lines + [f"{k} skipped: {reason}" for reason, k in sorted(others.items())]

"""The OpenAPI document tells the truth: schemathesis (examples, coverage and fuzzing phases)
over the real app in process finds no server error, no undocumented status or media type, and
no schema-violating request accepted."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    status_code_conformance,
)

from ibigraph.api.app import create_app
from ibigraph.config import Settings
from ibigraph.graph.build import build_store

from ..conftest import FIXTURES, ROOT

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    negative_data_rejection,
]


def _app() -> Any:
    """The real app over the shipped data, built into a temp dir when this module is collected
    (schemathesis parametrizes by the operations of the schema; its fixture-based loader does
    not run on pytest 9.2)."""
    tmp = Path(tempfile.mkdtemp(prefix="ibigraph-openapi-"))
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    settings = Settings(
        store_path=tmp / "store",
        data_dir=ROOT / "data",
        ontology_dir=ROOT / "ontology",
        queries_dir=ROOT / "queries",
        articles_dir=FIXTURES / "articles",
        query_timeout=10.0,
    )
    build_store(settings)
    return create_app(settings)


# SPARQL queries and updates are text bodies
schemathesis.serializer.alias("application/sparql-query", "text/plain")
schemathesis.serializer.alias("application/sparql-update", "text/plain")
# the change stream (Server-Sent Events) stays open while the client does; an in-process
# client never leaves, so it is tested on its own (tests/http/test_feed.py)
schema = schemathesis.openapi.from_asgi("/openapi.json", _app()).exclude(path="/api/changes/stream")


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_answers_as_documented(case: Any) -> None:
    case.call_and_validate(checks=CHECKS)

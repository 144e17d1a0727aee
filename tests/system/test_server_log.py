"""What a real server writes to its log: an access line per request when asked, never a token,
and no traceback for a refused (406) graph query."""

from __future__ import annotations

import httpx

from ibigraph.config import Settings
from ibigraph.graph.build import build_store

from ..server import start_server

SECRET = "s3cr3t-token-never-logged"


def test_access_log_names_requests_but_never_tokens_and_406_has_no_traceback(
    fixture_settings: Settings,
) -> None:
    build_store(fixture_settings)
    log = fixture_settings.store_path.parent / "server.log"
    env = {
        "IBIGRAPH_STORE": str(fixture_settings.store_path),
        "IBIGRAPH_WORKERS": "1",
        "IBIGRAPH_ACCESS_LOG": "1",
    }
    with start_server(env, log) as server:
        auth = {"authorization": f"Bearer {SECRET}"}
        r = httpx.get(
            server.base + "/sparql",
            params={"query": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3"},
            headers={"accept": "text/csv", **auth},
        )
        assert r.status_code == 406
        r = httpx.post(server.base + "/update", content=b"x", headers=auth)
        assert r.status_code in (401, 403, 415)
        assert httpx.get(server.base + "/health").status_code == 200
    text = log.read_text()
    assert '"GET /sparql?query=' in text and " 406" in text  # one line per request
    assert '"GET /health HTTP/1.1" 200' in text
    assert SECRET not in text
    assert "Traceback" not in text and "unsendable" not in text


def test_no_access_log_by_default(fixture_settings: Settings) -> None:
    build_store(fixture_settings)
    log = fixture_settings.store_path.parent / "server.log"
    env = {"IBIGRAPH_STORE": str(fixture_settings.store_path), "IBIGRAPH_WORKERS": "1"}
    with start_server(env, log) as server:
        assert httpx.get(server.base + "/health").status_code == 200
    assert "GET /health" not in log.read_text()

"""A server's scratch directories (the workers' metrics, the query costs they share) do not
pile up in the temporary directory: removed when it stops, and by the next server when it was
killed before it could."""

from __future__ import annotations

import os
from pathlib import Path

import httpx

from ibigraph.config import Settings
from ibigraph.graph.build import build_store

from ..server import start_server


def _scratch(tmp: Path) -> set[str]:
    return {p.name for p in tmp.iterdir() if p.name.startswith("ibigraph-")}


def test_scratch_directories_go_with_their_server(fixture_settings: Settings) -> None:
    build_store(fixture_settings)
    tmp = fixture_settings.store_path.parent / "tmp"
    tmp.mkdir()
    other = tmp / "ibigraph-costs-1-abc"  # a live process's (pid 1): left alone
    other.mkdir()
    log = tmp.parent / "server.log"
    env = {
        "IBIGRAPH_STORE": str(fixture_settings.store_path),
        "IBIGRAPH_WORKERS": "1",
        "TMPDIR": str(tmp),
    }
    with start_server(env, log) as killed:
        assert httpx.get(killed.base + "/metrics").status_code == 200
        made = _scratch(tmp) - {other.name}
        pid = str(killed.proc.pid)
        assert sorted(n.split("-")[1] for n in made) == ["costs", "metrics"]
        assert all(n.split("-")[2] == pid for n in made), made
        killed.kill9()
    assert _scratch(tmp) == made | {other.name}  # left behind
    with start_server(env, log) as server:
        assert httpx.get(server.base + "/health").status_code == 200
        mine = _scratch(tmp) - {other.name}
        assert not mine & made  # the killed server's are gone
        assert len(mine) == 2
    assert _scratch(tmp) == {other.name}  # and this one's, once it stopped
    assert os.path.isdir(other)

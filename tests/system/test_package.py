"""The service as a package: build the wheel, install it into a fresh venv in a temp dir far
from the checkout, then `ibigraph build` and `ibigraph serve` there and query it."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import httpx
import pytest

from ibigraph import __version__

from ..conftest import ROOT
from ..server import start_server

IBI = "id:international-brain-initiative"


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
    return done.stdout


def test_wheel_installed_elsewhere_builds_serves_and_answers(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    tmp = tmp_path_factory.mktemp("wheel")
    wheels = tmp / "wheels"
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", wheels, ROOT, cwd=tmp)
    wheel = next(wheels.glob("ibigraph-*.whl"))
    env_dir = tmp / "venv"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / "bin"
    _run(bin_dir / "pip", "install", "-q", wheel, cwd=tmp)

    work = tmp / "elsewhere"  # no ontology/, data/ or queries/ here, and no ../shared
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IBIGRAPH_", "VIRTUAL_ENV"))}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    assert __version__ in _run(bin_dir / "ibigraph", "--version", cwd=work, env=env)
    _run(bin_dir / "ibigraph", "build", cwd=work, env=env)
    assert (work / "var" / "store").exists()

    command = [str(bin_dir / "ibigraph")]
    with start_server(
        {**env, "IBIGRAPH_WORKERS": "1"},
        tmp / "serve.log",
        command=command,
        cwd=work,
        inherit_env=False,
    ) as server:
        base = server.base
        assert httpx.get(base + "/health").json()["version"] == __version__
        r = httpx.get(
            base + "/sparql",
            params={"query": f"SELECT (COUNT(*) AS ?n) {{ ?s schema:memberOf {IBI} }}"},
            headers={"accept": "application/sparql-results+json"},
        )
        assert r.status_code == 200, r.text
        assert int(r.json()["results"]["bindings"][0]["n"]["value"]) > 3
        assert httpx.get(base + "/api/queries/ibi_members").status_code == 200  # packaged .rq
        page = httpx.get(base + "/id/brain-minds", headers={"accept": "text/html"})
        assert page.status_code == 200 and "Brain/MINDS" in page.text  # packaged templates

"""Releases: an admin freezes the graph as a numbered release (dumps with checksums, DCAT, a
changelog and a patch from the previous release); a release never changes afterwards."""

from __future__ import annotations

import hashlib

import pyoxigraph as ox
import rdflib

from ibigraph.config import Settings

from ..conftest import Writable, built_with_tokens, in_process_client
from ..helpers import assert_problem, invoke

DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")


def _sums(client, version: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    text = client.get(f"/releases/{version}/SHA256SUMS").text
    return {name: digest for digest, name in (line.split("  ", 1) for line in text.splitlines())}


def test_releases_are_immutable_revisions_with_checksums(fixture_settings: Settings) -> None:
    settings, tokens = built_with_tokens(fixture_settings, admin="admin", curator="curator")
    json_ = {"Accept": "application/json"}

    def auth(name: str) -> dict[str, str]:
        return {"authorization": f"Bearer {tokens[name]}", **json_}

    with in_process_client(settings) as client:
        assert_problem(client.post("/api/releases", params={"version": "1.0"}, headers=json_), 401)
        refused = client.post("/api/releases", params={"version": "1.0"}, headers=auth("curator"))
        assert_problem(refused, 403)
        made = client.post("/api/releases", params={"version": "1.0"}, headers=auth("admin"))
        assert made.status_code == 201, made.text
        first = _sums(client, "1.0")
        for name, digest in first.items():
            body = client.get(f"/releases/1.0/{name}")
            assert hashlib.sha256(body.content).hexdigest() == digest, name
            assert body.headers["etag"] == f'"{digest}"'
        update = (
            'INSERT DATA { GRAPH src:test-about { id:test-alliance schema:alternateName "R1"@en } }'
        )
        wrote = client.post(
            "/update", content=update,
            headers={"content-type": "application/sparql-update", **auth("curator")},
        )  # fmt: skip
        assert wrote.status_code == 200, wrote.text
        assert (
            client.post(
                "/api/releases", params={"version": "1.1"}, headers=auth("admin")
            ).status_code
            == 201
        )
        assert _sums(client, "1.0") == first  # the first release kept its files
        for name, digest in first.items():
            assert hashlib.sha256(client.get(f"/releases/1.0/{name}").content).hexdigest() == digest
        patch = client.get("/releases/1.1/changes.patch").text
        assert any(line.startswith("A ") and '"R1"@en' in line for line in patch.splitlines())
        assert "1 recorded changes" in client.get("/releases/1.1/CHANGELOG.md").text
        series = rdflib.Graph().parse(data=client.get("/releases").text, format="turtle")
        versions = {str(v) for v in series.objects(None, DCAT.version)}
        assert versions == {"1.0", "1.1"}
        newer = next(s for s, v in series.subject_objects(DCAT.version) if str(v) == "1.1")
        assert str(series.value(newer, PROV.wasRevisionOf)).endswith("/releases/1.0")
        assert "1.1" in client.get("/releases", headers={"Accept": "text/html"}).text
        again = client.post("/api/releases", params={"version": "1.0"}, headers=auth("admin"))
        assert "never changes" in assert_problem(again, 403)["detail"]
        bad = client.post("/api/releases", params={"version": "../x"}, headers=auth("admin"))
        assert_problem(bad, 400)
        for path in (
            "/releases/1.0/secret.txt",
            "/releases/..%2F..%2Fetc/passwd",
            "/releases/9.9/ibigraph.nq",
        ):
            assert client.get(path, headers=json_).status_code == 404, path
        nq = client.get("/releases/1.1/ibigraph.nq").content
        assert any('"R1"' in str(q) for q in ox.parse(nq, format=ox.RdfFormat.N_QUADS))


def test_release_from_the_command_line(fixture_settings: Settings) -> None:
    assert invoke(fixture_settings, "build").exit_code == 0
    made = invoke(fixture_settings, "release", "2026.12")
    assert made.exit_code == 0, made.output
    folder = fixture_settings.store_path.parent / "releases" / "2026.12"
    assert (folder / "SHA256SUMS").is_file() and (folder / "release.ttl").is_file()
    again = invoke(fixture_settings, "release", "2026.12")
    assert again.exit_code == 2 and "never changes" in again.stderr


def test_releases_on_every_backend(writable: Writable) -> None:
    """A release of the remote store too: dumps read from the server, checksums that survive
    a later write, and the write in the next release's patch."""
    client, admin = writable.client, {**writable.auth("admin"), "Accept": "application/json"}
    assert client.post("/api/releases", params={"version": "b1"}, headers=admin).status_code == 201
    first = _sums(client, "b1")
    assert set(first) >= {"ibigraph.nq", "ibigraph.trig"}
    fact = 'GRAPH src:test-about { id:test-alliance schema:alternateName "Release B2"@en }'
    assert writable.update(f"INSERT DATA {{ {fact} }}").status_code == 200
    assert client.post("/api/releases", params={"version": "b2"}, headers=admin).status_code == 201
    assert _sums(client, "b1") == first
    for name, digest in first.items():
        assert hashlib.sha256(client.get(f"/releases/b1/{name}").content).hexdigest() == digest
    patch = client.get("/releases/b2/changes.patch").text
    assert any(line.startswith("A ") and '"Release B2"@en' in line for line in patch.splitlines())

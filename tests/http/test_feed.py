"""The change feed, followed by the example mirror client (examples/mirror.py) through a series
of writes, ends identical to the service's data, on both backends; it resumes after stopping."""

from __future__ import annotations

import importlib.util
import json
import re
import uuid
from pathlib import Path
from types import ModuleType

import pyoxigraph as ox

from ..conftest import ROOT, Writable
from ..helpers import assert_problem

AUDIT = "https://w3id.org/ibigraph/changes"


def _mirror_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mirror", ROOT / "examples" / "mirror.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _data(quads: list[ox.Quad]) -> set[ox.Quad]:
    return {
        q
        for q in quads
        if not (isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value == AUDIT)
    }


def _service_data(writable: Writable) -> set[ox.Quad]:
    dump = writable.client.get("/dumps/ibigraph.nq")
    assert dump.status_code == 200
    return _data(list(ox.parse(dump.content, format=ox.RdfFormat.N_QUADS)))


def test_the_mirror_follows_writes_deletes_and_an_undo(writable: Writable, tmp_path: Path) -> None:
    mirror = _mirror_module()
    store = ox.Store()
    cursor = mirror.start(writable.client, store, AUDIT)
    label = uuid.uuid4().hex[:8]
    g = f"http://example.org/gsp/{label}"
    fact = f'GRAPH src:test-about {{ id:test-alliance schema:alternateName "F{label}"@en }}'
    writes = [
        f"INSERT DATA {{ {fact} }}",
        f"DELETE DATA {{ {fact} }}",
        f'INSERT DATA {{ GRAPH <{g}> {{ <http://e.org/s> <http://e.org/p> "{label}" }} }}',
    ]
    for w in writes:
        assert writable.update(w).status_code == 200
    last = writable.client.get("/api/changes", params={"limit": 1}).json()["changes"][0]["change"]
    undo = writable.client.post(
        "/api/changes/undo", params={"change": last}, headers=writable.auth()
    )
    assert undo.status_code == 200, undo.text
    # stop after one page of one change, then resume from the saved cursor
    saved = tmp_path / "cursor"
    feed_page = (
        writable.client.get("/api/changes/feed", params={"since": cursor, "limit": 1})
        if cursor
        else None
    )
    assert feed_page is None or feed_page.status_code == 200
    first = mirror.follow(writable.client, store, cursor, saved, pages=1)
    assert saved.read_text() == first
    final = mirror.follow(writable.client, store, saved.read_text(), saved)
    assert _data(list(store)) == _service_data(writable)
    # nothing new: following again changes nothing and keeps the cursor
    assert mirror.follow(writable.client, store, final, saved) == final


def _three_writes(writable: Writable, tag: str) -> None:
    """Three accepted writes, each a new triple in graph <http://example.org/gsp/TAG>."""
    for i in range(3):
        graph, triple = (
            f"<http://example.org/gsp/{tag}>",
            f'<http://e.org/s> <http://e.org/{tag}> "{i}"',
        )
        r = writable.update(f"INSERT DATA {{ GRAPH {graph} {{ {triple} }} }}")
        assert r.status_code == 200


def test_feed_pages_are_ordered_and_link_to_the_next(writable: Writable) -> None:
    _three_writes(writable, "feed")
    first = writable.client.get("/api/changes/feed", params={"limit": 2}).json()
    assert first["type"] == "OrderedCollectionPage" and len(first["orderedItems"]) == 2
    seen = [c["id"] for c in first["orderedItems"]]
    page = first
    while "next" in page:
        page = writable.client.get(page["next"]).json()
        seen += [c["id"] for c in page["orderedItems"]]
    everything = writable.client.get("/api/changes/feed", params={"limit": 1000}).json()
    assert seen == [c["id"] for c in everything["orderedItems"]]
    assert len(seen) == len(set(seen)) >= 3
    times = [c["published"] for c in everything["orderedItems"]]
    assert times == sorted(times)
    assert all(c["patch"].startswith("TX .") for c in everything["orderedItems"])


def test_feed_as_atom_and_bad_cursors(writable: Writable) -> None:
    # a change of its own: the module's other tests may run after this one, or elsewhere
    fact = '<http://example.org/atom> <http://example.org/p> "entry"'
    assert (
        writable.update(
            f"INSERT DATA {{ GRAPH <http://example.org/atom> {{ {fact} }} }}"
        ).status_code
        == 200
    )
    atom = writable.client.get("/api/changes/feed", headers={"Accept": "application/atom+xml"})
    assert atom.status_code == 200 and atom.headers["content-type"].startswith(
        "application/atom+xml"
    )
    import xml.etree.ElementTree as ET

    root = ET.fromstring(atom.content)  # well-formed, every value escaped
    entries = root.findall("{http://www.w3.org/2005/Atom}entry")
    assert root.tag == "{http://www.w3.org/2005/Atom}feed" and entries
    json_ = {"Accept": "application/json"}
    unknown = writable.client.get(
        "/api/changes/feed",
        params={"since": "https://w3id.org/ibigraph/change/nope"},
        headers=json_,
    )
    assert "no recorded change" in assert_problem(unknown, 404)["detail"]
    bad = writable.client.get("/api/changes/feed", params={"since": "not an iri"}, headers=json_)
    assert_problem(bad, 422)


def _events(text: str) -> list[dict[str, str]]:
    events = []
    for block in text.split("\n\n"):
        fields = dict(
            line.split(": ", 1) for line in block.splitlines() if not line.startswith(":")
        )
        if fields:
            events.append(fields)
    return events


def test_the_stream_sends_changes_as_server_sent_events(writable: Writable) -> None:
    _three_writes(writable, "sse")
    everything = writable.client.get("/api/changes/feed", params={"limit": 1000}).json()
    ids = [c["id"] for c in everything["orderedItems"]]
    r = writable.client.get("/api/changes/stream", params={"since": ids[-3], "max_events": 2})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    events = _events(r.text)
    assert [e["id"] for e in events] == ids[-2:]
    assert all(e["event"] == "change" for e in events)
    assert json.loads(events[0]["data"])["patch"].startswith("TX .")
    resumed = writable.client.get(
        "/api/changes/stream", params={"max_events": 1}, headers={"Last-Event-ID": ids[-2]}
    )
    assert [e["id"] for e in _events(resumed.text)] == ids[-1:]
    head = writable.client.head("/api/changes/stream")  # headers only: nothing held open
    assert head.status_code == 200 and head.headers["content-type"].startswith("text/event-stream")
    assert head.content == b""
    json_ = {"Accept": "application/json"}
    unknown = writable.client.get(
        "/api/changes/stream",
        params={"since": "https://w3id.org/ibigraph/change/nope"},
        headers=json_,
    )
    assert_problem(unknown, 404)


def test_a_mirror_started_at_a_release_catches_up(writable: Writable, tmp_path: Path) -> None:
    mirror = _mirror_module()
    version = f"m{uuid.uuid4().hex[:8]}"
    made = writable.client.post(
        "/api/releases", params={"version": version}, headers=writable.auth("admin")
    )
    assert made.status_code == 201, made.text
    fact = f'id:test-alliance schema:alternateName "After {version}"@en'
    assert (
        writable.update(f"INSERT DATA {{ GRAPH src:test-about {{ {fact} }} }}").status_code == 200
    )
    store = ox.Store()
    cursor = mirror.start(writable.client, store, AUDIT, version)
    mirror.follow(writable.client, store, cursor, tmp_path / "cursor")
    assert _data(list(store)) == _service_data(writable)


def test_a_change_iri_gives_its_patch(writable: Writable) -> None:
    fact = 'id:test-alliance schema:alternateName "Patched"@en'
    assert (
        writable.update(f"INSERT DATA {{ GRAPH src:test-about {{ {fact} }} }}").status_code == 200
    )
    last = writable.client.get("/api/changes/feed", params={"limit": 1000}).json()["orderedItems"][
        -1
    ]
    path = last["id"].removeprefix("https://w3id.org/ibigraph")
    by_accept = writable.client.get(path, headers={"Accept": "application/rdf-patch"})
    assert by_accept.status_code == 200, by_accept.text
    assert by_accept.headers["content-type"].startswith("application/rdf-patch")
    assert by_accept.text == last["patch"] and '"Patched"@en' in by_accept.text
    assert writable.client.get(path + ".patch").text == last["patch"]
    assert (
        writable.client.get(path, headers={"Accept": "text/turtle"})
        .headers["content-type"]
        .startswith("text/turtle")
    )
    json_ = {"Accept": "application/json"}
    assert_problem(writable.client.get("/change/nothing-here.patch", headers=json_), 404)


def test_change_pages_for_people(writable: Writable) -> None:
    label = f"P{uuid.uuid4().hex[:8]}"
    fact = f'GRAPH src:test-about {{ id:test-alliance schema:alternateName "{label}"@en }}'
    assert writable.update(f"INSERT DATA {{ {fact} }}").status_code == 200
    html = {"Accept": "text/html"}
    listed = writable.client.get("/changes", headers=html)
    assert listed.status_code == 200 and 'type="application/atom+xml"' in listed.text
    link = re.search(r'<a href="(/change/[^"]+)"><time', listed.text)
    assert link is not None  # the newest first: this write
    page = writable.client.get(link.group(1), headers=html).text
    added = re.search(r'<tr class="added">(.*?)</tr>', page, re.S)
    assert added is not None and label in added.group(1) and "id:test-alliance" in added.group(1)
    assert f'href="{link.group(1)}.patch"' in page
    api = writable.client.get("/changes", headers={"Accept": "application/json"},
                              follow_redirects=False)  # fmt: skip
    assert api.status_code == 303 and api.headers["location"] == "/api/changes"

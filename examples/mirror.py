"""Keep a local copy of an ibigraph service's graph in step, by its change feed.

    python examples/mirror.py http://127.0.0.1:8000 mirror-dir [RELEASE]

The first run downloads the N-Quads dump (or a release's) into a pyoxigraph store in
`mirror-dir/store` and
takes the newest change the dump's audit graph records as its cursor. Every run then follows
`/api/changes/feed?since=CURSOR`, page by page: each change carries its RDF Patch (D rows, then
A rows), applied in that order, and the cursor is saved after each change. Replaying a change is
harmless (removing an absent quad or adding a present one does nothing), so a mirror killed
mid-stream, even mid-change, resumes from its saved cursor and ends the same. Data graphs end
identical to the service's; the audit graph is the service's record of who changed what and is
not replayed.

Needs only httpx and pyoxigraph.
"""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import pyoxigraph as ox

FEED = "/api/changes/feed"
STARTED = ox.NamedNode("http://www.w3.org/ns/prov#startedAtTime")


def _apply(store: ox.Store, patch: str) -> None:
    rows: dict[str, list[str]] = {"D": [], "A": []}
    for line in patch.splitlines():
        if line[:2] in ("D ", "A "):
            rows[line[0]].append(line[2:])
    removed, added = (
        list(ox.parse("\n".join(rows[k]) + "\n", format=ox.RdfFormat.N_QUADS)) for k in "DA"
    )
    for q in removed:
        store.remove(q)
    for q in added:
        store.add(q)


def start(
    client: httpx.Client, store: ox.Store, audit_graph: str, release: str | None = None
) -> str | None:
    """Load the dump (or the N-Quads of a numbered `release`) into an empty `store`; the
    cursor is the newest change it records."""
    path = f"/releases/{release}/ibigraph.nq" if release else "/dumps/ibigraph.nq"
    dump = client.get(path)
    dump.raise_for_status()
    store.load(dump.content, format=ox.RdfFormat.N_QUADS)
    newest = None
    for q in store.quads_for_pattern(None, STARTED, None, ox.NamedNode(audit_graph)):
        key = (q.object.value, q.subject.value)
        if newest is None or key > newest:
            newest = key
    return newest[1] if newest else None


def follow(client: httpx.Client, store: ox.Store, cursor: str | None,
           save: Path | None = None, pages: int | None = None) -> str | None:  # fmt: skip
    """Apply every change after `cursor`; return the new cursor (saved to `save` after each
    change). `pages` stops after that many pages (a mirror interrupted on purpose)."""
    params: dict[str, str] = {"since": cursor} if cursor else {}
    url: str | None = FEED
    done = 0
    while url is not None and (pages is None or done < pages):
        page = client.get(url, params=params, headers={"Accept": "application/activity+json"})
        page.raise_for_status()
        doc = page.json()
        for item in doc["orderedItems"]:
            _apply(store, item.get("patch") or "")
            cursor = item["id"]
            if save is not None:
                save.write_text(cursor)
        url, params = doc.get("next"), {}
        done += 1
    return cursor


def main(base: str, folder: Path, release: str | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    saved = folder / "cursor"
    store = ox.Store(str(folder / "store"))
    with httpx.Client(base_url=base, timeout=120) as client:
        if not saved.exists():
            void = client.get("/reconcile").json()  # the manifest names the entity namespace
            base_iri = void["identifierSpace"].removesuffix("id/")
            cursor = start(client, store, base_iri + "changes", release)
            saved.write_text(cursor or "")
        cursor = follow(client, store, saved.read_text() or None, saved)
    print(f"mirror at {cursor or 'the dump'}: {len(store)} quads")


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else None)

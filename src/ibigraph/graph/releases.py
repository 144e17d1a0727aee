"""Releases: immutable, numbered copies of the graph that integrators can cite.

`ibigraph release VERSION` (or an admin's POST /api/releases) writes, into
`IBIGRAPH_RELEASES_DIR/VERSION/` (by default `releases/` beside the store):

    ibigraph.nq, ibigraph.trig   every graph (the audit graph too)
    ibigraph.ttl                 the union of the source graphs (the default graph)
    SHA256SUMS                   a checksum per file, as `sha256sum` writes them
    changes.patch                an RDF Patch from the previous release (D rows, then A rows)
    CHANGELOG.md                 what changed, for people: counts and the changes recorded
    release.ttl                  DCAT: the release as a dcat:Dataset with dcat:version, its
                                 distributions and checksums, prov:wasRevisionOf the previous
                                 release, in the series at /releases

A version is never written twice, and a release's files never change after it is made.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ..config import Settings
from ..errors import BadInputError, Forbidden
from ..rdf.terms import date_time
from ..rdf.vocab import DCTERMS, PROV, RDF, XSD, prefixes
from ..sparql.changeset import write_patch

__all__ = ["VERSION", "Release", "list_releases", "make_release"]

VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.+-]{0,63}$")
DCAT = "http://www.w3.org/ns/dcat#"
SPDX = "http://spdx.org/rdf/terms#"
FILES = {
    "ibigraph.nq": "application/n-quads",
    "ibigraph.trig": "application/trig",
    "ibigraph.ttl": "text/turtle",
    "changes.patch": "text/plain",
    "CHANGELOG.md": "text/markdown",
    "release.ttl": "text/turtle",
}


@dataclass(frozen=True)
class Release:
    version: str
    folder: Path
    issued: str  # xsd:dateTime

    @property
    def iri_path(self) -> str:
        return f"/releases/{self.version}"


def list_releases(folder: Path) -> list[Release]:
    """The releases in `folder`, oldest first."""
    found = []
    for d in folder.iterdir() if folder.is_dir() else []:
        meta = d / "release.ttl"
        if d.is_dir() and meta.is_file() and VERSION.match(d.name):
            issued = ""
            for t in ox.parse(path=meta, format=ox.RdfFormat.TURTLE):
                if t.predicate.value == DCTERMS + "issued":
                    issued = t.object.value
            found.append(Release(d.name, d, issued))
    return sorted(found, key=lambda r: (r.issued, r.version))


def _union(quads: Iterable[ox.Quad]) -> list[ox.Triple]:
    return [
        ox.Triple(q.subject, q.predicate, q.object)
        for q in quads
        if q.graph_name == ox.DefaultGraph()
    ]


def make_release(
    quads: list[ox.Quad],
    changes: list[tuple[str, str, str]],
    settings: Settings,
    folder: Path,
    version: str,
) -> Release:
    """Freeze `quads` (every quad of the store) as release `version` in `folder`. `changes`
    are the recorded changes (IRI, time, name) since the previous release, for the changelog."""
    if not VERSION.match(version):
        raise BadInputError(
            f"{version!r} is not a release version (letters, digits, '.', '+', '-'; e.g. 2026.12)"
        )
    target = folder / version
    if target.exists():
        raise Forbidden(
            f"release {version} exists; a release never changes: choose another version"
        )
    earlier = list_releases(folder)
    previous = earlier[-1] if earlier else None
    folder.mkdir(parents=True, exist_ok=True)
    staging = folder / f".{version}.partial"
    staging.mkdir()
    pm = prefixes(settings.base)
    ordered = sorted(quads, key=str)
    (staging / "ibigraph.nq").write_bytes(ox.serialize(ordered, format=ox.RdfFormat.N_QUADS) or b"")
    (staging / "ibigraph.trig").write_bytes(
        ox.serialize(ordered, format=ox.RdfFormat.TRIG, prefixes=pm) or b""
    )
    (staging / "ibigraph.ttl").write_bytes(
        ox.serialize(sorted(_union(ordered), key=str), format=ox.RdfFormat.TURTLE, prefixes=pm)
        or b""
    )
    old: set[ox.Quad] = set()
    if previous is not None:
        old = set(ox.parse(path=previous.folder / "ibigraph.nq", format=ox.RdfFormat.N_QUADS))
    new = set(ordered)
    removed, added = old - new, new - old
    (staging / "changes.patch").write_text(write_patch(removed, added))
    issued = date_time(datetime.now(UTC)).value
    since = f"release {previous.version}" if previous else "the beginning"
    log = [
        f"# ibigraph {version}",
        "",
        f"Issued {issued}. Since {since}: {len(added)} quads added, {len(removed)} removed"
        f" ({len(changes)} recorded changes).",
        "",
        *(f"- {when} {name} ({iri})" for iri, when, name in changes),
    ]
    (staging / "CHANGELOG.md").write_text("\n".join(log) + "\n")
    sums = {
        name: hashlib.sha256((staging / name).read_bytes()).hexdigest()
        for name in FILES
        if name != "release.ttl"
    }
    (staging / "release.ttl").write_bytes(
        _description(settings, version, issued, previous, sums, pm)
    )
    sums["release.ttl"] = hashlib.sha256((staging / "release.ttl").read_bytes()).hexdigest()
    (staging / "SHA256SUMS").write_text("".join(f"{h}  {n}\n" for n, h in sums.items()))
    staging.rename(target)  # appears whole, or not at all
    return Release(version, target, issued)


def _description(
    settings: Settings,
    version: str,
    issued: str,
    previous: Release | None,
    sums: dict[str, str],
    pm: dict[str, str],
) -> bytes:
    base = settings.public_url or settings.base.rstrip("/")
    here = ox.NamedNode(f"{base}/releases/{version}")
    series = ox.NamedNode(f"{base}/releases")
    triples: list[ox.Triple] = []

    def add(
        s: ox.NamedNode | ox.BlankNode, p: str, o: ox.NamedNode | ox.BlankNode | ox.Literal
    ) -> None:
        triples.append(ox.Triple(s, ox.NamedNode(p), o))

    dataset = ox.NamedNode(DCAT + "Dataset")
    add(here, RDF + "type", dataset)
    add(here, DCAT + "version", ox.Literal(version))
    add(here, DCAT + "inSeries", series)
    add(here, DCTERMS + "title", ox.Literal(f"ibigraph {version}", language="en"))
    add(here, DCTERMS + "issued", ox.Literal(issued, datatype=ox.NamedNode(XSD + "dateTime")))
    add(series, RDF + "type", ox.NamedNode(DCAT + "DatasetSeries"))
    if previous is not None:
        before = ox.NamedNode(f"{base}/releases/{previous.version}")
        add(here, PROV + "wasRevisionOf", before)
        add(here, DCAT + "prev", before)
    for name, digest in sums.items():
        dist = ox.NamedNode(f"{base}/releases/{version}/{name}")
        checksum = ox.BlankNode(f"sha256-{name.replace('.', '-')}")
        add(here, DCAT + "distribution", dist)
        add(dist, RDF + "type", ox.NamedNode(DCAT + "Distribution"))
        add(dist, DCAT + "downloadURL", dist)
        add(dist, DCAT + "mediaType", ox.Literal(FILES[name]))
        add(dist, SPDX + "checksum", checksum)
        add(checksum, SPDX + "algorithm", ox.NamedNode(SPDX + "checksumAlgorithm_sha256"))
        add(checksum, SPDX + "checksumValue", ox.Literal(digest))
    names = {**pm, "dcat": DCAT, "spdx": SPDX}
    out = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=names)
    return out or b""


def changes_since(rows: Iterable[dict[str, Any]], folder: Path) -> list[tuple[str, str, str]]:
    """The recorded changes (IRI, time, name) made after the newest release in `folder`, from
    rows of `queries/feed.rq` (terms c, started, name), oldest first."""
    earlier = list_releases(folder)
    after = earlier[-1].issued if earlier else ""
    found = [(r["c"].value, r["started"].value, r["name"].value) for r in rows]
    return [(c, started, name) for c, started, name in found if started > after]

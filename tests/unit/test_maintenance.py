"""Tokens, backup/restore, rebuild protection and store validation, through the CLI."""

from __future__ import annotations

import hashlib
import json

import pyoxigraph as ox
import pytest

from ibigraph.config import Settings
from ibigraph.graph.build import build_store
from ibigraph.graph.writes import Principal, Vocabulary, commit_change, update_change
from ibigraph.sparql.update import UpdateRequest
from ibigraph.store import StoreWriter, open_store

from ..helpers import invoke


def alt_name(label: str) -> str:
    return (
        "PREFIX schema: <https://schema.org/> INSERT DATA { GRAPH "
        "<https://w3id.org/ibigraph/source/test-about> { "
        f'<https://w3id.org/ibigraph/id/test-alliance> schema:alternateName "{label}"@en }} }}'
    )


def write(settings: Settings, update: str) -> None:
    """One curated write through the same core the HTTP layer uses."""
    vocab = Vocabulary(settings)
    commit_change(
        StoreWriter(settings.store_path),
        lambda changes: update_change(changes, UpdateRequest(update), vocab),
        principal=Principal("tester", "curator"),
        request_text=update,
        reason=None,
        vocab=vocab,
    )


def quads(settings: Settings) -> set[ox.Quad]:
    return set(open_store(settings.store_path).quads())


def test_token_add_prints_the_token_once_and_stores_only_its_hash(
    fixture_settings: Settings, tmp_path
) -> None:
    tokens = tmp_path / "tokens.json"
    result = invoke(
        fixture_settings, "token", "add", "alice", "--role", "curator", "--tokens-file", str(tokens)
    )
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert token.startswith("ibg_") and len(token) > 40
    stored = tokens.read_text()
    assert token not in stored
    entry = json.loads(stored)["tokens"][0]
    assert entry == {**entry, "name": "alice", "role": "curator"}
    assert entry["sha256"] == hashlib.sha256(token.encode()).hexdigest()
    assert tokens.stat().st_mode & 0o077 == 0  # readable by its owner only
    listed = invoke(fixture_settings, "token", "list", "--tokens-file", str(tokens))
    assert "alice" in listed.stdout and token not in listed.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["bob", "--role", "wizard"], "use one of reader, curator, admin"),
        (["bad name!", "--role", "reader"], "letters, digits"),
        (["alice", "--role", "reader"], "exists"),
    ],
)
def test_token_add_refuses_bad_names_roles_and_duplicates(
    fixture_settings: Settings, tmp_path, args: list[str], message: str
) -> None:
    tokens = tmp_path / "tokens.json"
    assert (
        invoke(fixture_settings, "token", "add", "alice", "--tokens-file", str(tokens)).exit_code
        == 0
    )
    result = invoke(fixture_settings, "token", "add", *args, "--tokens-file", str(tokens))
    assert result.exit_code == 2
    assert message in result.output


def test_backup_and_restore_round_trip_every_graph(fixture_settings: Settings, tmp_path) -> None:
    build_store(fixture_settings)
    write(fixture_settings, alt_name("BACKED-UP"))
    before = quads(fixture_settings)
    assert any(q.graph_name == ox.NamedNode("https://w3id.org/ibigraph/changes") for q in before)
    backup = tmp_path / "backup.nq"
    result = invoke(fixture_settings, "backup", str(backup))
    assert result.exit_code == 0, result.output
    assert f"backed up {len(before)} quads" in result.stdout
    write(fixture_settings, alt_name("AFTER-BACKUP"))
    assert quads(fixture_settings) != before
    result = invoke(fixture_settings, "restore", str(backup))
    assert result.exit_code == 0, result.output
    assert quads(fixture_settings) == before


def test_restore_of_a_broken_file_leaves_the_store_as_it_was(
    fixture_settings: Settings, tmp_path
) -> None:
    build_store(fixture_settings)
    before = quads(fixture_settings)
    broken = tmp_path / "broken.nq"
    broken.write_text("<http://a> <http://b> .\n")
    result = invoke(fixture_settings, "restore", str(broken))
    assert result.exit_code == 2
    assert "broken.nq:1" in result.output
    assert quads(fixture_settings) == before


def test_build_refuses_to_drop_http_writes_unless_forced(fixture_settings: Settings) -> None:
    build_store(fixture_settings)
    write(fixture_settings, alt_name("KEEP-ME"))
    written = quads(fixture_settings)
    result = invoke(fixture_settings, "build")
    assert result.exit_code == 2
    assert "1 change(s) made over HTTP" in result.output
    assert quads(fixture_settings) == written
    result = invoke(fixture_settings, "build", "--skip-if-written")
    assert result.exit_code == 0 and "not rebuilt" in result.stdout
    assert quads(fixture_settings) == written
    result = invoke(fixture_settings, "build", "--force")
    assert result.exit_code == 0, result.output
    assert quads(fixture_settings) != written


def test_validate_store_checks_what_the_store_holds(fixture_settings: Settings) -> None:
    build_store(fixture_settings)
    write(fixture_settings, alt_name("VALID"))
    result = invoke(fixture_settings, "validate", "--store")
    assert result.exit_code == 0, result.output
    assert "conforms: 0 violations" in result.stdout
    # a store changed behind the server's back (here: a bulk load) is still checked
    store = open_store(fixture_settings.store_path)
    bad = [
        *store.quads(),
        ox.Quad(
            ox.NamedNode("https://w3id.org/ibigraph/id/test-alliance"),
            ox.NamedNode("https://schema.org/foundingDate"),
            ox.Literal("banana"),
            ox.NamedNode("https://w3id.org/ibigraph/source/test-about"),
        ),
    ]
    from ibigraph.store import write_store

    write_store(fixture_settings.store_path, bad)
    result = invoke(fixture_settings, "validate", "--store")
    assert result.exit_code == 1
    assert "xsd:gYear" in result.stdout and "stopped early" not in result.stdout
    result = invoke(fixture_settings, "validate", "--store", "--max-violations", "1")
    assert result.exit_code == 1
    assert "xsd:gYear" in result.stdout and "stopped early" in result.stdout
    # pySHACL in partitions, asked for, finds it too
    result = invoke(fixture_settings, "validate", "--store", "--pyshacl", "-j", "1")
    assert result.exit_code == 1
    assert "xsd:gYear" in result.stdout

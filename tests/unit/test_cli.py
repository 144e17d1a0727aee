"""The `ibigraph` command: output, formats and exit codes (0 ok, 1 violations, 2 bad input)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib
from rdflib.compare import isomorphic
from typer.testing import CliRunner

from ibigraph.cli import app
from ibigraph.config import Settings
from ibigraph.store import open_store

from ..helpers import ID, cli_env, invoke

runner = CliRunner()


def write_data(settings: Settings, triples: str) -> None:
    """Add `triples` to the fixture's source graph, in a file of their own."""
    (settings.data_dir / "extra.trig").write_text(
        "@prefix id: <https://w3id.org/ibigraph/id/> .\n"
        "@prefix schema: <https://schema.org/> .\n"
        "@prefix src: <https://w3id.org/ibigraph/source/> .\n"
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        f"src:test-about {{ {triples} }}\n"
    )


def test_validate_exits_0_and_says_conforms(fixture_settings: Settings) -> None:
    result = invoke(fixture_settings, "validate")
    assert result.exit_code == 0, result.output
    assert "conforms: 0 violations, 0 warnings" in result.stdout


def test_validate_exits_1_and_reports_focus_path_message(fixture_settings: Settings) -> None:
    write_data(fixture_settings, 'id:test-alliance schema:url "https://alliance.example.org/" .')
    result = invoke(fixture_settings, "validate")
    assert result.exit_code == 1
    assert "Violation id:test-alliance" in result.stdout
    assert "path=schema:url" in result.stdout
    assert "must be the official website as an http(s) IRI" in result.stdout
    assert "does not conform: 2 violations" in result.stdout  # not an IRI, and two urls


def test_validate_json_lists_results(fixture_settings: Settings) -> None:
    write_data(fixture_settings, 'id:testland schema:name "Other name"@en .')
    result = invoke(fixture_settings, "validate", "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["conforms"] is False
    (r,) = [r for r in report["results"] if r["constraint"] == "MaxCountConstraintComponent"]
    assert r["focus_node"] == "https://w3id.org/ibigraph/id/testland"
    assert r["path"] == "https://schema.org/name"
    assert r["severity"] == "Violation"


def test_validate_given_paths_checks_only_those(fixture_settings: Settings, tmp_path: Path) -> None:
    only = tmp_path / "other.trig"
    only.write_text("")
    result = invoke(fixture_settings, "validate", str(only))
    assert result.exit_code == 0
    assert "conforms" in result.stdout


def test_malformed_turtle_is_one_line_with_position_and_exit_2(fixture_settings: Settings) -> None:
    bad = fixture_settings.data_dir / "broken.trig"
    bad.write_text('@prefix schema: <https://schema.org/> .\n<a> schema:name "x" ;\n')
    proc = subprocess.run(
        [sys.executable, "-m", "ibigraph", "validate"],
        env={**cli_env(fixture_settings), "PATH": ""},
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: {bad}:3:")


def test_build_then_query_table_json_csv(fixture_settings: Settings) -> None:
    assert invoke(fixture_settings, "build").exit_code == 0
    q = "SELECT ?name WHERE { id:test-alliance schema:name ?name }"
    table = invoke(fixture_settings, "query", q)
    assert table.exit_code == 0 and "Test Alliance" in table.stdout and "1 row" in table.stdout
    as_json = json.loads(invoke(fixture_settings, "query", q, "--format", "json").stdout)
    assert as_json["results"]["bindings"][0]["name"]["value"] == "Test Alliance"
    rows = list(csv.reader(io.StringIO(invoke(fixture_settings, "query", q, "-f", "csv").stdout)))
    assert rows == [["name"], ["Test Alliance"]]


def test_query_reads_stdin_and_keeps_own_prefixes(fixture_settings: Settings) -> None:
    invoke(fixture_settings, "build")
    q = "PREFIX schema: <https://schema.org/>\nASK { ?x a schema:Country }"
    result = invoke(fixture_settings, "query", "-", stdin=q)
    assert result.exit_code == 0
    assert result.stdout.strip() == "true"


def test_construct_query_as_turtle(fixture_settings: Settings) -> None:
    invoke(fixture_settings, "build")
    q = "CONSTRUCT { id:testland ?p ?o } WHERE { id:testland ?p ?o }"
    result = invoke(fixture_settings, "query", q, "--format", "ttl")
    assert result.exit_code == 0
    g = rdflib.Graph().parse(data=result.stdout, format="turtle")
    assert (
        None,
        rdflib.URIRef("https://schema.org/name"),
        rdflib.Literal("Testland", lang="en"),
    ) in g


def test_malformed_query_exits_2_with_position(fixture_settings: Settings) -> None:
    invoke(fixture_settings, "build")
    result = invoke(fixture_settings, "query", "SELECT * WHERE { ?s ?p }")
    assert result.exit_code == 2
    assert "SPARQL syntax error at" in result.stderr


def test_query_without_store_exits_2(fixture_settings: Settings) -> None:
    result = invoke(fixture_settings, "query", "ASK {}")
    assert result.exit_code == 2
    assert "run `ibigraph build` first" in result.stderr


def test_build_exits_1_and_keeps_store_on_violation(fixture_settings: Settings) -> None:
    assert invoke(fixture_settings, "build").exit_code == 0
    write_data(fixture_settings, 'id:test-alliance schema:foundingDate "2020"^^xsd:gYear .')
    result = invoke(fixture_settings, "build")
    assert result.exit_code == 1
    assert "nothing was written" in result.stderr
    ask = "ASK { id:test-alliance schema:foundingDate 2020 }"
    assert invoke(fixture_settings, "query", ask).stdout.strip() == "false"


def _store_dataset(settings: Settings) -> rdflib.Dataset:
    nq = "\n".join(
        f"{q} ." if not str(q).endswith(".") else str(q)
        for q in open_store(settings.store_path).quads()
    )
    ds = rdflib.Dataset()
    ds.parse(data=nq, format="nquads")
    return ds


def _graphs(ds: rdflib.Dataset) -> dict[str, rdflib.Graph]:
    out = {}
    for g in ds.graphs():
        name = str(g.identifier)
        copy = rdflib.Graph()
        for t in g:
            copy.add(t)
        if len(copy):
            out["" if name == str(rdflib.graph.DATASET_DEFAULT_GRAPH_ID) else name] = copy
    return out


@pytest.mark.parametrize(
    ("fmt", "rdflib_format"), [("trig", "trig"), ("nq", "nquads"), ("jsonld", "json-ld")]
)
def test_export_round_trips_every_graph(
    fixture_settings: Settings, tmp_path: Path, fmt: str, rdflib_format: str
) -> None:
    invoke(fixture_settings, "build")
    out = tmp_path / f"dump.{fmt}"
    result = invoke(fixture_settings, "export", "--format", fmt, "--output", str(out))
    assert result.exit_code == 0, result.output
    exported = rdflib.Dataset()
    exported.parse(out, format=rdflib_format)
    expected, got = _graphs(_store_dataset(fixture_settings)), _graphs(exported)
    assert expected.keys() == got.keys()
    for name, g in expected.items():
        assert isomorphic(g, got[name]), name


def test_export_turtle_merges_graphs(fixture_settings: Settings) -> None:
    invoke(fixture_settings, "build")
    result = invoke(fixture_settings, "export", "--format", "ttl")
    assert result.exit_code == 0
    assert "source graphs are merged" in result.stderr
    g = rdflib.Graph().parse(data=result.stdout, format="turtle")
    union = _graphs(_store_dataset(fixture_settings))[""]
    assert isomorphic(g, union)


def test_stats_counts_entities_per_class(fixture_settings: Settings) -> None:
    invoke(fixture_settings, "build")
    result = invoke(fixture_settings, "stats", "--format", "json")
    assert result.exit_code == 0
    stats = json.loads(result.stdout)
    assert stats["entities"] == 16
    assert stats["classes"]["https://schema.org/Country"] == 1
    assert stats["graphs"]["https://w3id.org/ibigraph/source/test-about"] > 0
    text = invoke(fixture_settings, "stats")
    assert "16 entities" in text.stdout and "schema:Country" in text.stdout


def test_stats_quality_reports_coverage_sources_and_leads(fixture_settings: Settings) -> None:
    # one more fact about the test agency, stated by a second graph: two sources
    (fixture_settings.data_dir / "second.trig").write_text(
        "@prefix dcterms: <http://purl.org/dc/terms/> .\n"
        "@prefix ibi: <https://w3id.org/ibigraph/ontology#> .\n"
        "@prefix id: <https://w3id.org/ibigraph/id/> .\n"
        "@prefix schema: <https://schema.org/> .\n"
        "@prefix src: <https://w3id.org/ibigraph/source/> .\n"
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        'src:second { id:test-agency schema:name "Test Agency"@en ; '
        "schema:location id:testland . }\n"
        "src:second a ibi:SourceGraph ; dcterms:source <https://other.example.org/agency> ; "
        'dcterms:title "Another page"@en ; dcterms:publisher "Example" ; '
        'dcterms:date "2026-12-05"^^xsd:date .\n'
    )
    assert invoke(fixture_settings, "build").exit_code == 0
    result = invoke(fixture_settings, "stats", "--quality", "--format", "json")
    assert result.exit_code == 0, result.output
    q = json.loads(result.stdout)
    assert q["entities"] == 16
    assert set(q["coverage"]) == {"url", "country or region", "founding date", "Wikidata", "ROR"}
    assert all(0 <= share <= 1 for share in q["coverage"].values())
    assert q["coverage"]["Wikidata"] > 0  # the test agency has a QID
    assert q["sources_per_fact"]["2"] >= 2  # its name and location, in two graphs
    single = {(f["entity"], f["property"]) for f in q["single_secondary"]}
    assert (ID + "test-agency", "https://schema.org/location") not in single
    assert all(f["property"] != "https://schema.org/name" for f in q["single_secondary"])
    text = invoke(fixture_settings, "stats", "--quality")
    assert "organisations" in text.stdout and "sources per fact" in text.stdout


def test_build_says_what_it_validates_and_lists_each_warning(settings: Settings) -> None:
    r = runner.invoke(app, ["build"], env={**cli_env(settings), "IBIGRAPH_ARTICLES_DIR": "/none"})
    assert r.exit_code == 0, r.output
    files = len(list(settings.data_dir.glob("*.trig")))
    assert f"validating {files} data files against the shapes" in r.output
    warnings = r.output.count("Warning ")
    assert warnings >= 1  # the shipped data has known gaps, each named
    assert f"{warnings} warning{'s' * (warnings != 1)} above" in r.output


def test_token_add_writes_beside_the_store_without_environment(
    fixture_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("IBIGRAPH_STORE", "IBIGRAPH_TOKENS_FILE"):
        monkeypatch.delenv(name, raising=False)
    store = fixture_settings.store_path
    r = runner.invoke(app, ["token", "add", "alice"], env={"IBIGRAPH_STORE": str(store)})
    assert r.exit_code == 0, r.output
    tokens = store.parent / "tokens.json"
    assert tokens.exists() and "alice" in tokens.read_text()
    assert Settings.from_env().tokens_file == Path("var/tokens.json")  # the server's default


def test_serve_on_a_taken_port_fails_with_one_clear_line(fixture_settings: Settings) -> None:
    import socket

    runner.invoke(app, ["build"], env=cli_env(fixture_settings))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "ibigraph", "serve", "--port", str(port), "--workers", "1"],
            env={**os.environ, **cli_env(fixture_settings)},
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and f"cannot listen on 127.0.0.1:{port}" in lines[0]
    assert "PORT=" in lines[0]
    assert "listening" not in done.stdout  # no URL is printed for a socket that is not bound

"""The import rules of the layout (README, "Layout"), read from the source with `ast`: runtime
imports only (imports under `if TYPE_CHECKING:` are for annotations and make no dependency)."""

from __future__ import annotations

import ast
from pathlib import Path

import pyoxigraph as ox
import pytest

from ibigraph.queries import internal, internal_text
from ibigraph.rdf.vocab import RDF, prefixes

from ..conftest import ROOT

RDF_TYPE = ox.NamedNode(RDF + "type")

SRC = ROOT / "src" / "ibigraph"


def _module(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module(p): p for p in SRC.rglob("*.py")}


def _runtime_nodes(tree: ast.AST) -> list[ast.ImportFrom]:
    skipped = {
        id(n)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for child in node.body
        for n in ast.walk(child)
    }
    return [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and id(n) not in skipped]


def imports(module: str) -> set[str]:
    """The ibigraph modules `module` imports at run time."""
    path = MODULES[module]
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found = set()
    for node in _runtime_nodes(ast.parse(path.read_text())):
        if node.level:
            base = package[: len(package) - node.level + 1]
            target = ".".join([*base, *([node.module] if node.module else [])])
        elif node.module and node.module.startswith("ibigraph"):
            target = node.module
        else:
            continue
        for alias in node.names:
            found.add(f"{target}.{alias.name}" if f"{target}.{alias.name}" in MODULES else target)
    return {m for m in found if m in MODULES and m != module}


GRAPH = {m: imports(m) for m in MODULES}


def test_no_route_module_imports_another() -> None:
    routes = {m for m in MODULES if m.startswith("ibigraph.api.routes.")}
    assert routes, "no route modules found"
    crossing = {m: sorted(GRAPH[m] & routes) for m in routes if GRAPH[m] & routes}
    assert crossing == {}


# The layers from the bottom: what each package may import besides itself.
BOTTOM = {"ibigraph.config", "ibigraph.errors", "ibigraph.resources", "ibigraph"}
# the store runs a SPARQL request and renders its result where it was evaluated (in a runner
# process, so that only bytes cross back), so the language-level request and render sit below it
BELOW_STORE = {"ibigraph.sparql.request", "ibigraph.sparql.render"}
LAYERS = {
    "ibigraph.rdf": BOTTOM,
    "ibigraph.sparql.request": BOTTOM | {"ibigraph.rdf"},
    "ibigraph.sparql.render": BOTTOM | {"ibigraph.rdf", "ibigraph.sparql.request"},
    "ibigraph.store": BOTTOM | {"ibigraph.rdf"} | BELOW_STORE,
}


def _outside(package: str, allowed: set[str]) -> dict[str, list[str]]:
    def inside(dep: str, within: str) -> bool:
        return dep == within or dep.startswith(within + ".")

    found = {
        m: sorted(
            d
            for d in GRAPH[m]
            if not inside(d, package)
            and not any(inside(d, a) for a in allowed - {"ibigraph"})
            and d != "ibigraph"
        )
        for m in MODULES
        if inside(m, package)
    }
    return {m: d for m, d in found.items() if d}


@pytest.mark.parametrize("package", sorted(LAYERS))
def test_each_layer_imports_only_the_layers_below(package: str) -> None:
    """rdf/ knows only config and errors; the store knows nothing of shapes, files or HTTP."""
    assert _outside(package, LAYERS[package]) == {}


def test_the_layer_rule_would_see_a_violation() -> None:
    assert _outside("ibigraph.api", LAYERS["ibigraph.store"])  # the API uses the graph


def test_the_import_graph_has_no_cycles() -> None:
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            raise AssertionError(" -> ".join([*path[path.index(module) :], module]))
        if module in done:
            return
        for dep in sorted(GRAPH[module]):
            visit(dep, [*path, module])
        done.add(module)

    for module in sorted(MODULES):
        visit(module, [])


def test_the_rules_would_see_a_violation() -> None:
    """The reader finds imports in every form the rules rely on."""
    assert "ibigraph.api.records" in GRAPH["ibigraph.api.routes.entities"]
    assert "ibigraph.store.oxigraph" in GRAPH["ibigraph.store.embedded"]
    assert "ibigraph.graph.validate" not in GRAPH["ibigraph.errors"]  # only under TYPE_CHECKING


def test_no_route_module_holds_sparql_text() -> None:
    """Routes run the service's own queries (src/ibigraph/queries/*.rq), never build them."""
    keywords = ("SELECT ", "CONSTRUCT {", "ASK {", "WHERE {", "GRAPH ?g {")
    routes = [p for p in (SRC / "api" / "routes").glob("*.py")]
    found = {
        p.name: [k for k in keywords if k in p.read_text()]
        for p in routes
        if any(k in p.read_text() for k in keywords)
    }
    assert found == {}


@pytest.mark.parametrize("path", sorted((SRC / "queries").glob("*.rq")), ids=lambda p: p.stem)
def test_every_internal_query_runs_with_its_parameters_bound(path: Path) -> None:
    query = internal(path.stem)
    values = {
        p.name: ("https://w3id.org/ibigraph/x" if p.type == "iri" else "x") for p in query.params
    }
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("https://w3id.org/ibigraph/x"), RDF_TYPE, RDF_TYPE))
    text = internal_text(path.stem, prefixes("https://w3id.org/ibigraph/"), values, limit=5)
    store.query(text)  # parses and evaluates, every parameter bound
    assert all(f"VALUES ?{p.name}" in text for p in query.params)

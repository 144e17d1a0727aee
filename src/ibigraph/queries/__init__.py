"""Named queries: `.rq` files with a `#+` YAML header, bound to typed parameters. The public
ones are `queries/*.rq` (the REST API); the service's own are the `.rq` files beside this module,
used by the routes through `internal_text` (no route builds SPARQL text).

    #+ summary: Research projects serving a country or region
    #+ description: ...
    #+ tags: [projects, places]
    #+ params:
    #+   place: {type: entity, required: true, example: japan, description: a country or continent}

Parameter values become RDF terms (pyoxigraph checks IRIs and escapes literals) and are bound
with a VALUES block at the start of the query's WHERE group: a value containing `"}` or SPARQL
keywords stays one term and cannot change the query.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import yaml

from ..errors import BadInputError, InvalidParameter
from ..sparql.request import blank, inspect_query, missing_prefixes

__all__ = [
    "PARAM_TYPES",
    "SEARCH_HITS",
    "NamedQuery",
    "Param",
    "bind",
    "internal",
    "internal_text",
    "load_queries",
    "parse_query_file",
]

XSD = "http://www.w3.org/2001/XMLSchema#"
PARAM_TYPES = ("iri", "entity", "string", "integer", "year", "date", "boolean", "search")
SEARCH_HITS = 1000  # entities a `search` parameter binds at most, best first
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_RESERVED = {"limit", "offset", "request", "format"}


@dataclass(frozen=True)
class Param:
    name: str
    type: str = "string"
    description: str = ""
    required: bool = False
    default: Any = None
    enum: tuple[Any, ...] | None = None
    example: Any = None  # shown in the API docs; the tests run the query with it


@dataclass(frozen=True)
class NamedQuery:
    name: str  # the file name: operation id and URL segment
    summary: str
    description: str
    text: str
    form: str
    params: tuple[Param, ...] = ()
    tags: tuple[str, ...] = ()
    paginate: bool = True
    path: Path | None = field(default=None, compare=False)


def _header(text: str) -> str:
    lines = []
    for line in text.splitlines():
        if line.startswith("#+"):
            lines.append(line[3:] if line.startswith("#+ ") else line[2:])
        elif line.strip() and not line.startswith("#"):
            break
    return "\n".join(lines)


def parse_query_file(path: Path) -> NamedQuery:
    """Read one named query; a malformed header is a BadInputError naming the file."""
    name = path.stem
    if not _NAME.match(name):
        raise BadInputError(f"{path}: a query file name must be snake_case (it is its URL)")
    text = path.read_text(encoding="utf-8")
    try:
        meta = yaml.safe_load(_header(text)) or {}
    except yaml.YAMLError as e:
        raise BadInputError(f"{path}: the #+ header is not valid YAML: {e}") from None
    if not isinstance(meta, dict) or not str(meta.get("summary", "")).strip():
        raise BadInputError(f"{path}: the #+ header needs a `summary`")
    params: list[Param] = []
    for pname, spec in (meta.get("params") or {}).items():
        spec = spec or {}
        ptype = spec.get("type", "string")
        if ptype not in PARAM_TYPES:
            raise BadInputError(f"{path}: parameter {pname!r}: unknown type {ptype!r}")
        if not _NAME.match(str(pname)) or keyword.iskeyword(str(pname)) or pname in _RESERVED:
            raise BadInputError(f"{path}: {pname!r} cannot be a parameter name")
        if ptype == "search":
            if "?entity" not in text or any(p.type == "search" for p in params):
                raise BadInputError(
                    f"{path}: parameter {pname!r}: a query has one `search` parameter, which "
                    "binds ?entity (and ?score), so it needs ?entity"
                )
        elif f"?{pname}" not in text and f"${pname}" not in text:
            raise BadInputError(f"{path}: parameter {pname!r} is not a variable of the query")
        enum = spec.get("enum")
        params.append(
            Param(
                name=str(pname),
                type=ptype,
                description=str(spec.get("description", "")),
                required=bool(spec.get("required", False)),
                default=spec.get("default"),
                enum=tuple(enum) if enum else None,
                example=spec.get("example"),
            )
        )
    tags = meta.get("tags") or ()
    return NamedQuery(
        name=name,
        summary=str(meta["summary"]).strip(),
        description=str(meta.get("description", "")).strip(),
        text=text,
        form=inspect_query(text),
        params=tuple(params),
        tags=tuple(tags if isinstance(tags, list) else str(tags).split(",")),
        paginate=bool(meta.get("paginate", True)),
        path=path,
    )


def load_queries(directory: Path) -> dict[str, NamedQuery]:
    return {q.name: q for q in (parse_query_file(p) for p in sorted(directory.glob("*.rq")))}


def to_term(param: Param, value: Any, entity_ns: str) -> ox.NamedNode | ox.Literal:
    """A parameter value as an RDF term; wrong values are BadInputError (422 at the API)."""
    if param.enum is not None and value not in param.enum:
        raise InvalidParameter(f"{param.name} must be one of {', '.join(map(str, param.enum))}")
    try:
        if param.type == "entity":
            iri = (
                value if str(value).startswith(("http://", "https://")) else entity_ns + str(value)
            )
            if not re.fullmatch(
                r"[a-z0-9][a-z0-9-]*", iri.removeprefix(entity_ns)
            ) and iri.startswith(entity_ns):
                raise ValueError("a slug is lowercase letters, digits and hyphens")
            return ox.NamedNode(iri)
        if param.type == "iri":
            if not str(value).startswith(("http://", "https://", "urn:")):
                raise ValueError("an absolute http(s) or urn: IRI")
            return ox.NamedNode(str(value))
        if param.type == "integer":
            return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))
        if param.type == "year":
            year = int(value)
            if not 1000 <= year <= 2999:
                raise ValueError("a four-digit year")
            return ox.Literal(str(year), datatype=ox.NamedNode(XSD + "gYear"))
        if param.type == "date":  # ISO 8601, a day: 2020-06-30
            day = value if isinstance(value, date) else date.fromisoformat(str(value))
            return ox.Literal(day.isoformat(), datatype=ox.NamedNode(XSD + "date"))
        if param.type == "boolean":
            return ox.Literal("true" if value else "false", datatype=ox.NamedNode(XSD + "boolean"))
        return ox.Literal(str(value))
    except (ValueError, TypeError) as e:
        raise InvalidParameter(
            f"{param.name}: {value!r} is not a valid {param.type} ({e})"
        ) from None


def _where_brace(text: str) -> int:
    """Index of the `{` that opens the query's WHERE group (comments/strings/IRIs skipped)."""
    blanked = blank(text)
    m = re.search(r"\bWHERE\s*\{", blanked, re.I)
    if m is not None:
        return m.end() - 1
    if inspect_query(text) == "ASK":
        brace = blanked.find("{")
        if brace >= 0:
            return brace
    raise BadInputError("a named query needs a WHERE { … } group to bind parameters in")


def bind(
    query: NamedQuery,
    values: Mapping[str, Any],
    entity_ns: str,
    *,
    limit: int | None = None,
    offset: int = 0,
) -> str:
    """The query text with parameters bound and pagination applied. The value of a `search`
    parameter is what the search index found for its text: (entity IRI, score) pairs, best
    first, bound to ?entity and ?score."""
    text = query.text
    bindings = []
    for p in query.params:
        value = values.get(p.name, p.default)
        if value is None:
            if p.required:
                raise InvalidParameter(f"the parameter `{p.name}` is required")
            continue
        if p.type == "search":
            rows = " ".join(
                f'({ox.NamedNode(iri)} "{score:.1f}"^^<{XSD}decimal>)'
                for iri, score in value[:SEARCH_HITS]
            )
            bindings.append(f"VALUES (?entity ?score) {{ {rows} }}")
            continue
        bindings.append(f"VALUES ?{p.name} {{ {to_term(p, value, entity_ns)} }}")
    if bindings:
        at = _where_brace(text) + 1
        text = text[:at] + "\n  " + "\n  ".join(bindings) + "\n" + text[at:]
    if query.paginate and query.form == "SELECT" and limit is not None:
        text = f"{text.rstrip()}\nLIMIT {int(limit)} OFFSET {int(offset)}\n"
    return text


@cache
def internal(name: str) -> NamedQuery:
    """One of the service's own queries (read once per process)."""
    return parse_query_file(Path(__file__).with_name(f"{name}.rq"))


def internal_text(
    name: str,
    prefixes: Mapping[str, str],
    values: Mapping[str, Any] | None = None,
    *,
    limit: int | None = None,
    offset: int = 0,
) -> str:
    """An internal query bound to `values`, with the service's prefixes it uses declared (the
    `ibi:`, `id:` and `src:` namespaces follow the configured base IRI)."""
    query = internal(name)
    text = bind(query, values or {}, prefixes.get("id", ""), limit=limit, offset=offset)
    missing = missing_prefixes(text, prefixes)
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in missing.items()) + text

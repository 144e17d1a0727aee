"""Typed errors of ibigraph.

    IbigraphError                 (status 500) base class; never raised itself
    ├── BadInputError             (400) input a person gave us is unusable
    │   ├── DataSyntaxError       (400) an RDF file or body does not parse; names file, line, column
    │   ├── ArticleFormatError    (400) an LLMpedia article is not laid out as one; names file, line
    │   ├── QuerySyntaxError      (400) a SPARQL query does not parse
    │   ├── ForbiddenFeature      (400) SERVICE, LOAD …: the server never fetches a URL
    │   └── ResultTooLarge        (400) the result exceeds the row or byte cap
    ├── NotAcceptable             (406) no representation fits the Accept header
    ├── Unauthorized              (401) a write without a valid bearer token
    ├── Forbidden                 (403) writes disabled, a role too weak, a protected graph
    ├── NotFound                  (404) e.g. a graph the Graph Store does not hold
    ├── MethodNotAllowed          (405)
    ├── PayloadTooLarge           (413) the request body exceeds the limit
    │   └── ChangeTooLarge        (413) a write that adds or removes too many quads
    ├── UnsupportedMediaType      (415) a request body of a type we do not read
    ├── InvalidParameter          (422) an API parameter of the wrong type or value
    ├── ValidationFailed          (422) data parses but violates the SHACL shapes
    ├── StoreError                (503) the store is missing, locked or unreadable
    │   └── StoreHasWrites        (409) a rebuild would drop changes made over HTTP
    ├── Busy                      (503) every query worker is taken for too long
    └── QueryTimeout              (503) the query ran past the time limit and was stopped

Core code raises these with context and never builds responses; the CLI maps them to exit codes
(2 for bad input and store problems, 1 for validation failures) and the HTTP layer to
`application/problem+json`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .graph.validate import ValidationReport

__all__ = [
    "ArticleFormatError",
    "BadInputError",
    "Busy",
    "ChangeTooLarge",
    "DataSyntaxError",
    "Forbidden",
    "ForbiddenFeature",
    "IbigraphError",
    "InvalidParameter",
    "ManagedGraph",
    "MethodNotAllowed",
    "NotAcceptable",
    "NotFound",
    "PayloadTooLarge",
    "QuerySyntaxError",
    "QueryTimeout",
    "ResultTooLarge",
    "StoreError",
    "StoreHasWrites",
    "Unauthorized",
    "UnsupportedMediaType",
    "ValidationFailed",
]


class IbigraphError(Exception):
    status: int = 500
    title: str = "Internal error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class BadInputError(IbigraphError):
    status, title = 400, "Bad input"


class DataSyntaxError(BadInputError):
    """An RDF document does not parse."""

    title = "Malformed RDF"

    def __init__(
        self, source: str, message: str, line: int | None = None, column: int | None = None
    ) -> None:
        where = source
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        super().__init__(f"{where}: {message}")
        self.source, self.message, self.line, self.column = source, message, line, column

    @classmethod
    def from_parser(cls, source: str, error: SyntaxError) -> DataSyntaxError:
        """From pyoxigraph's error: "Parser error at line 3 between columns 6 and 9: A dot is
        expected" -> "SOURCE:3:6: A dot is expected"."""
        message = str(error)
        if message.startswith("Parser error") and ": " in message:
            message = message.split(": ", 1)[1]
        return cls(source, message, error.lineno, error.offset)


class ArticleFormatError(BadInputError):
    """An LLMpedia article that is empty, binary or not laid out as one.

    Carries the article `name`, the 1-based `line` where reading stopped and the `message`;
    `str()` is `name:line: message`.
    """

    title = "Malformed article"

    def __init__(self, name: str, line: int, message: str) -> None:
        super().__init__(f"{name}:{line}: {message}")
        self.name, self.line, self.message = name, line, message


class QuerySyntaxError(BadInputError):
    title = "Malformed SPARQL query"


class ValidationFailed(IbigraphError):
    """Data that violates the shapes; carries the full report."""

    status, title = 422, "Data violates the SHACL shapes"

    def __init__(self, report: ValidationReport) -> None:
        n = len(report.violations)
        found = f"{n} violation{'s' if n != 1 else ''} of the SHACL shapes"
        if report.partial:
            found += " (validation stopped there; there may be more)"
        super().__init__(found)
        self.report = report


class StoreError(IbigraphError):
    status, title = 503, "Store unavailable"


class StoreHasWrites(StoreError):
    """A rebuild would drop changes made over HTTP."""

    status, title = 409, "Store holds curated writes"


class ForbiddenFeature(BadInputError):
    title = "Feature not allowed"


class ResultTooLarge(BadInputError):
    title = "Result too large"


class NotAcceptable(IbigraphError):
    status, title = 406, "Not acceptable"

    def __init__(self, offered: list[str]) -> None:
        super().__init__(
            "none of the media types in the Accept header can be produced here; "
            "supported: " + ", ".join(offered)
        )
        self.offered = offered


class MethodNotAllowed(IbigraphError):
    status, title = 405, "Method not allowed"
    allow: str  # the Allow header, if set (else the error handler's default)


class PayloadTooLarge(IbigraphError):
    status, title = 413, "Request body too large"


class ChangeTooLarge(PayloadTooLarge):
    title = "Change too large"


class Unauthorized(IbigraphError):
    status, title = 401, "Unauthorized"


class Forbidden(IbigraphError):
    status, title = 403, "Forbidden"


class ManagedGraph(Forbidden):
    """A write names the ontology, shapes or audit graph, which only the server writes."""

    def __init__(self, graph: str) -> None:
        super().__init__(
            f"graph <{graph}> is managed by the server (ontology, shapes or audit) and cannot "
            "be written over HTTP; change the files and rebuild"
        )


class NotFound(IbigraphError):
    status, title = 404, "Not found"


class UnsupportedMediaType(IbigraphError):
    status, title = 415, "Unsupported media type"


class Busy(IbigraphError):
    status, title = 503, "Server busy"


class QueryTimeout(IbigraphError):
    status, title = 503, "Query time limit exceeded"

    @classmethod
    def after(cls, seconds: float, hint: str = "narrow it or add a LIMIT") -> QueryTimeout:
        return cls(f"the query ran longer than {seconds:g} s and was stopped; {hint}")


class InvalidParameter(IbigraphError):
    status, title = 422, "Invalid parameter"

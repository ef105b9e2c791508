"""The exception hierarchy of rarekg: one place, so callers catch what they expect.

RarekgError
├── DataError          a source or curated file is malformed (names file and line or record)
├── OntologyError      the ontology or shapes file is malformed or inconsistent
├── StoreError         the store cannot be opened, read or written
├── QueryError         a query is malformed or unknown (names the query or parameter)
│   └── ParameterError a request parameter is malformed or out of range (names it)
├── NotFoundError      an identifier does not resolve
├── ReasonerError      the reasoner cannot run (e.g. Java missing) or finds the ontology inconsistent
├── ValidationFailed   SHACL validation found violations
└── FetchError         a remote source cannot be fetched after retries (names the URL)
"""

from __future__ import annotations

from pathlib import Path


class RarekgError(Exception):
    """Base class of every error rarekg raises on purpose."""


class DataError(RarekgError):
    """A source file is malformed. The message names the file and, where known, the line or record."""

    def __init__(self, message: str, *, path: str | Path | None = None, line: int | None = None,
                 record: str | None = None) -> None:
        self.path = str(path) if path is not None else None
        self.line = line
        self.record = record
        where = []
        if self.path:
            where.append(self.path + (f":{line}" if line is not None else ""))
        if record:
            where.append(f"record {record}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


class OntologyError(DataError):
    """The ontology or the SHACL shapes cannot be parsed or are not OWL 2 DL."""


class StoreError(RarekgError):
    """The store cannot be opened, read or written."""


class QueryError(RarekgError):
    """A query is malformed, unknown, or got a bad parameter."""


class ParameterError(QueryError):
    """A request parameter is malformed or out of range; `parameter` names it."""

    def __init__(self, parameter: str, message: str) -> None:
        self.parameter = parameter
        super().__init__(f"parameter {parameter!r}: {message}")


class NotFoundError(RarekgError):
    """An identifier or label does not resolve; `suggestions` holds the closest matches."""

    def __init__(self, message: str, suggestions: list[str] | None = None) -> None:
        self.suggestions = suggestions or []
        super().__init__(message)


class ReasonerError(RarekgError):
    """The OWL reasoner cannot run, or it found the ontology inconsistent."""


class ValidationFailed(RarekgError):
    """SHACL validation found violations; `report` holds the text report."""

    def __init__(self, message: str, report: str = "") -> None:
        self.report = report
        super().__init__(message)


class FetchError(RarekgError):
    """A remote source could not be fetched (after retries), or answered with something unusable."""

"""One query to run (:class:`QueryJob`), how it runs on a store (:func:`execute`), and the
errors a runner reports: the deadline passed, every worker busy, a worker's error."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from api.results import Answer, serialize
from kg.core.errors import ParameterError, QueryError
from kg.store.graphstore import GraphStore


@dataclass(frozen=True)
class QueryJob:
    """One query to run: text, dataset (IRIs; None = the published union), formats and row cap."""
    query: str
    default_graphs: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None
    result_fmt: str | None
    graph_fmt: str | None
    max_rows: int
    #: the query calls remote services (allowed by the operator): their errors are not shown
    federated: bool = False


class QueryTimeout(Exception):
    """The query ran past the deadline and was stopped."""


class Busy(Exception):
    """Every query worker stayed busy for longer than the deadline."""


def execute(store: GraphStore, job: QueryJob) -> Answer:
    """Run ``job`` on ``store`` and serialise the answer.

    Raises QueryError (malformed query, ParameterError for a dataset IRI), NotAcceptable (no
    acceptable format), StoreError."""
    default = graph_terms("default-graph-uri", job.default_graphs)
    named = graph_terms("named-graph-uri", job.named_graphs)
    try:
        result = store.query(job.query, default_graphs=default, named_graphs=named)
        return serialize(result, job.result_fmt, job.graph_fmt, job.max_rows)
    except (RuntimeError, OSError, QueryError) as exc:  # OSError, RuntimeError: raised while iterating
        if job.federated and "error at" not in str(exc):
            # a remote service's answer (status and body) is in the message: never echo it
            raise QueryError("the federated query failed while calling a remote service "
                             "(its answer is not shown)") from None
        if isinstance(exc, QueryError):
            raise
        raise QueryError(f"query failed while running: {exc}") from exc


def graph_terms(parameter: str, iris: tuple[str, ...] | None) -> list[ox.NamedNode] | None:
    """The graphs a dataset parameter names. Raises ParameterError naming ``parameter``."""
    if iris is None:
        return None
    try:
        return [ox.NamedNode(iri) for iri in iris]
    except ValueError as exc:
        raise ParameterError(parameter, f"not an absolute IRI ({exc})") from None


class WorkerError(Exception):
    """A query worker reported an error (status, title, detail), or died of the query; ``retire``:
    the worker is to be replaced."""

    def __init__(self, status: int, title: str, detail: str, retire: bool = False) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.retire = status, title, detail, retire

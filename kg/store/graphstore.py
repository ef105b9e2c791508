"""What every store is to rarekg: the :class:`GraphStore` interface, and what its implementations share.

A store holds named graphs, replaced atomically, and answers queries over the union of the
published ones. :class:`GraphStore` declares the queries, the writes and the capabilities a caller
asks of a store instead of its class (decision 0017); :class:`kg.store.embedded.EmbeddedStore`
(pyoxigraph, on disk or in memory) and :class:`kg.store.remote.RemoteStore` (a SPARQL 1.1 server)
implement it. Also here: the one SPARQL Update that publishes a batch (:func:`publish_update`),
the result and graph formats, the rows of a SELECT result, and where the store lives by default.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import pyoxigraph as ox

from kg.core.errors import StoreError

if TYPE_CHECKING:
    from kg.store.staging import Batch

Term = ox.NamedNode | ox.BlankNode | ox.Literal
Triple = tuple[Any, ox.NamedNode, Any]

#: Result formats by short name, for SELECT/ASK and for graphs.
RESULT_FORMATS: dict[str, ox.QueryResultsFormat] = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
RDF_FORMATS: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "rdfxml": ox.RdfFormat.RDF_XML,
}


def publish_update(staged: list[tuple[ox.NamedNode, ox.NamedNode, int]],
                   staging_meta: ox.NamedNode | None, meta_graph: ox.NamedNode | None,
                   *, idempotent: bool = False) -> str:
    """The one SPARQL Update that publishes a batch: each staged graph moved over its published
    graph (or the graph dropped when the source is now empty), the graphs' previous description
    (``rkg:currentLoad``, ``void:triples``, ``pav:version``, licence) removed and the new provenance
    added. Stores run it as one transaction, which is what makes a build atomic.

    Run twice, the plain form loses data: the second ``MOVE SILENT`` finds no staging graph and
    empties the published one. The ``idempotent`` form (for a retry that cannot know whether the
    first attempt committed) replaces a graph only while its staging graph holds triples, so a
    second run changes nothing."""
    ops = []
    for graph, staging, count in staged:
        if not count:
            ops.append(f"DROP SILENT GRAPH {graph}")
        elif idempotent:
            ops += [(f"DELETE {{ GRAPH {graph} {{ ?s ?p ?o }} }} WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} "
                     f"FILTER EXISTS {{ GRAPH {staging} {{ ?a ?b ?c }} }} }}"),
                    f"ADD SILENT GRAPH {staging} TO GRAPH {graph}", f"DROP SILENT GRAPH {staging}"]
        else:
            ops.append(f"MOVE SILENT GRAPH {staging} TO GRAPH {graph}")
        if staging_meta is not None:
            # the graph's description (current load, void:triples, pav:version, licence) is its
            # current one: the new load record re-adds it; the loads themselves stay as history
            ops.append(f"DELETE WHERE {{ GRAPH {meta_graph} {{ {graph} ?p ?o }} }}")
    if staging_meta is not None:
        ops.append(f"ADD SILENT GRAPH {staging_meta} TO GRAPH {meta_graph}")
    return " ;\n".join(ops)


def default_store_path() -> Path:
    """``$RAREKG_STORE``, else ``$XDG_DATA_HOME/rarekg/store`` (``~/.local/share/rarekg/store``)."""
    env = os.environ.get("RAREKG_STORE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "rarekg" / "store"


class GraphStore(ABC):
    """What rarekg needs of a quad store. Every graph is a named graph; the default graph of a
    query is the union of the published named graphs unless the caller names graphs.

    Besides queries and writes, a store says what it can do, so that callers (the web process)
    ask it rather than its class: :attr:`indexed`, :attr:`local_path`, :attr:`read_only`,
    :attr:`changes_tracked`, :meth:`reopen`. The defaults describe a remote server."""

    #: whether :meth:`triples` reads the store's own indexes in this process (an embedded store);
    #: other stores are read through SPARQL queries only
    indexed: bool = False
    #: whether this handle refuses updates (a read-only view of an on-disk store, a snapshot as of
    #: opening: another process's writes appear in the handle :meth:`reopen` gives)
    read_only: bool = False
    #: whether every change to the graphs is seen by the process holding this handle (its own
    #: updates, and other processes' through the marker file beside an on-disk store), so an answer
    #: may be kept until that process's generation changes; not a server that others may write to
    changes_tracked: bool = False

    @property
    def local_path(self) -> Path | None:
        """The folder of an on-disk store that processes on this machine open themselves (query
        workers open it read-only, the marker file beside it announces updates); None for a store
        in memory or on a remote server."""
        return None

    def reopen(self) -> GraphStore:
        """A handle that sees the store as it is now: for a read-only view, a new view of the same
        folder (StoreError if it cannot be opened); otherwise this handle, which already does."""
        return self

    def triples(self, subject: ox.NamedNode | ox.BlankNode | None, predicate: ox.NamedNode | None,
                obj: Term | None, *, distinct: bool = True) -> Iterator[tuple[Any, Any, Any]]:
        """The triples of the published union matching a pattern, read from the store's indexes
        (only where :attr:`indexed`); raises StoreError on any other store, which answers the same
        pattern through a query."""
        raise StoreError(f"{self!r} has no indexes in this process: ask it through a query")

    @abstractmethod
    def batch(self, meta_graph: ox.NamedNode | None = None) -> Batch:
        """A set of graph replacements published together in one transaction (see :class:`Batch`)."""

    def replace_graph(self, graph: ox.NamedNode, triples: Iterable[Triple],
                      *, check: Callable[[int], None] | None = None,
                      meta: Callable[[int], Iterable[Triple]] | None = None,
                      meta_graph: ox.NamedNode | None = None) -> int:
        """Replace ``graph`` with ``triples`` atomically; returns the number of distinct triples.

        ``check(count)`` may raise to abort before anything is published; ``meta(count)`` returns
        provenance triples that are added to ``meta_graph`` in the same transaction. If iterating
        ``triples`` or ``check`` raises, the published graph is left exactly as it was.
        """
        with self.batch(meta_graph) as batch:
            return batch.stage(graph, triples, check=check, meta=meta)

    @abstractmethod
    def graphs(self) -> list[ox.NamedNode]:
        """The published named graphs, sorted by IRI."""

    @abstractmethod
    def count(self, graph: ox.NamedNode | None = None) -> int:
        """Triples in one graph, or quads in all published graphs."""

    @abstractmethod
    def query(self, sparql: str, *, bindings: Mapping[str, Term] | None = None,
              default_graphs: list[ox.NamedNode] | None = None,
              named_graphs: list[ox.NamedNode] | None = None) -> Any:
        """Run a SPARQL query; returns rows (SELECT), a bool (ASK) or triples (CONSTRUCT/DESCRIBE).

        ``bindings`` binds variables by name to RDF terms (never string formatting). Raises
        QueryError with the parser's message on a malformed query."""

    @abstractmethod
    def dump(self, out: IO[bytes], fmt: str, graph: ox.NamedNode | None = None) -> None:
        """Serialise one graph (or, for nquads/trig, every published graph) to ``out``."""

    @abstractmethod
    def drop_graph(self, graph: ox.NamedNode) -> None:
        """Remove a graph and its triples atomically."""

    def update(self, sparql: str) -> None:
        """Run a SPARQL Update. Raises QueryError for a malformed update, StoreError when the
        store is read-only."""
        raise StoreError(f"{self!r} does not accept SPARQL updates")

    def select(self, sparql: str, bindings: Mapping[str, Term] | None = None,
               **kw: Any) -> list[dict[str, Term]]:
        """A SELECT query's rows as dicts of variable name to term (unbound variables omitted)."""
        return list(iter_rows(self.query(sparql, bindings=bindings, **kw)))

    def close(self) -> None:
        """Release the store."""


def iter_rows(result: Any) -> Iterator[dict[str, Term]]:
    """Rows of a SELECT result as dicts (unbound variables omitted)."""
    names = [v.value for v in result.variables]
    for sol in result:
        yield {n: sol[n] for n in names if sol[n] is not None}

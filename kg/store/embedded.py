"""The knowledge-graph store: named graphs replaced atomically, queries over the published union.

Only this module opens, writes and queries a store. Callers see :class:`GraphStore`; the embedded
pyoxigraph implementation is :class:`EmbeddedStore`. A remote SPARQL 1.1 server can stand behind
the same interface (see docs/decisions/0003-store.md).

Atomic replacement of single graphs: a source's new triples are written into a private *staging* graph, checked,
and then moved over the published graph with one SPARQL Update (``MOVE``), which pyoxigraph
applies in a single transaction together with the provenance record. Readers query an explicit
list of published graphs, so they never see staging data: they see the old graph or the new one.

A full build of an on-disk store (:meth:`EmbeddedStore.rebuild`) writes every graph once, with
pyoxigraph's bulk loader, into a new store folder beside the live one and then switches readers to
it in one rename (:mod:`kg.store.generations`); graphs the build does not replace are copied over.
"""

from __future__ import annotations

import itertools
import os
import re
import threading
import time
import traceback
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Container, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import IO, Any, Self

import pyoxigraph as ox

from kg.core.errors import QueryError, StoreError
from kg.core.vocab import PREFIXES, RKG, STAGING_PREFIX  # noqa: F401 (RKG: the docstring examples)
from kg.store import faults, generations
from kg.store.bulk import bulk_quads, bulk_write, start_write

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


# Strings, IRIs and comments of a query, so that a keyword inside them is not taken for syntax.
_LEXEMES = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
                      r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>|#[^\n]*', re.DOTALL)
_FROM = re.compile(r"(?i)(?<![?$\w:])FROM\s")


def has_dataset_clause(sparql: str) -> bool:
    """Whether a query names its own dataset with FROM or FROM NAMED (outside strings, IRIs, comments).

    >>> has_dataset_clause("SELECT * FROM <http://g> { ?s ?p ?o }")
    True
    >>> has_dataset_clause('SELECT * { ?s ?p "FROM x" } # FROM here')
    False
    """
    return bool(_FROM.search(_LEXEMES.sub(" ", sparql)))


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
    query is the union of the published named graphs unless the caller names graphs."""

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


def _open_read_only(path: Path, attempts: int = 20) -> ox.Store:
    """A read-only view of the store files at ``path``.

    A read-only (secondary) RocksDB open lists the files of the store and then opens them; when the
    writer compacts in between (a build's last flushes, ``optimize()``), a listed file is gone and
    pyoxigraph raises "Corruption: ... No such file or directory". Opening again sees the new list,
    so that race is retried briefly; any other error is raised at once."""
    for _ in range(attempts - 1):
        try:
            return ox.Store.read_only(str(path))
        except RuntimeError as exc:
            if "No such file or directory" not in str(exc):
                raise StoreError(f"cannot open store at {path} read-only: {exc}") from exc
            time.sleep(0.05)
    try:
        return ox.Store.read_only(str(path))
    except RuntimeError as exc:
        raise StoreError(f"cannot open store at {path} read-only: {exc}") from exc


class EmbeddedStore(GraphStore):
    """A pyoxigraph store on disk (``path``) or in memory (``path=None``).

    On disk, ``path`` is a folder of store generations and of the ``live`` file naming the one that
    is opened (see :mod:`kg.store.generations`), as of opening.
    ``read_only=True`` opens an existing on-disk store without taking its write lock, so several
    processes can read it at once (the SPARQL endpoint's query workers do)."""

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else None
        self.read_only = read_only
        self._open()

    def _open(self) -> None:
        try:
            if self.path is None:
                self._store = ox.Store()
            elif self.read_only:
                if not generations.holds_store(self.path):
                    raise StoreError(f"no store at {self.path} (build one with: rarekg build --store {self.path})")
                self._store = _open_read_only(generations.live_dir(self.path, create=False))
            else:
                self._store = ox.Store(str(generations.live_dir(self.path, create=True)))
        except OSError as exc:
            raise StoreError(f"cannot open store at {self.path}: {exc}") from exc
        self._lock = threading.Lock()   # one writer at a time within this process
        self._published: list[ox.NamedNode] | None = None
        self._union_exact: bool | None = None

    def __repr__(self) -> str:
        return f"EmbeddedStore({str(self.path) if self.path else 'memory'})"

    # -- reading -----------------------------------------------------------------------------------
    def graphs(self) -> list[ox.NamedNode]:
        published = self._published
        if published is None:
            published = sorted((g for g in self._store.named_graphs()
                                if isinstance(g, ox.NamedNode) and not g.value.startswith(STAGING_PREFIX)),
                               key=lambda g: g.value)
            self._published = published
        return published

    def _union_is_published(self) -> bool:
        """Whether pyoxigraph's union of every graph is exactly the published union: true of a
        read-only view (a snapshot as of opening) with no staging graph and nothing in the unnamed
        default graph. pyoxigraph then evaluates the union natively, several times faster than over
        an explicit list of graphs (docs/decisions/0005-endpoint-speed.md); a writable store always
        passes the list, since a batch may stage graphs while it is read."""
        exact = self._union_exact
        if exact is None:
            exact = self.read_only and not any(
                isinstance(g, ox.NamedNode) and g.value.startswith(STAGING_PREFIX) for g in self._store.named_graphs()
            ) and next(iter(self._store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is None
            self._union_exact = exact
        return exact

    def triples(self, subject: ox.NamedNode | ox.BlankNode | None, predicate: ox.NamedNode | None,
                obj: Term | None, *, distinct: bool = True) -> Iterator[tuple[Any, Any, Any]]:
        """The distinct triples of the published union matching a pattern (None = any), read
        straight from the store's indexes: an index range, microseconds for a bound subject or
        object. A triple held by several graphs comes once; with ``distinct=False`` it comes once
        per graph, and a scan of a whole predicate holds no set of what it has seen."""
        if self._union_is_published():
            quads = self._store.quads_for_pattern(subject, predicate, obj, None)
        else:
            quads = itertools.chain.from_iterable(
                self._store.quads_for_pattern(subject, predicate, obj, g) for g in self.graphs())
        if not distinct:
            for q in quads:
                yield q.subject, q.predicate, q.object
            return
        seen: set[tuple[Any, Any, Any]] = set()
        for q in quads:
            t = (q.subject, q.predicate, q.object)
            if t not in seen:
                seen.add(t)
                yield t

    def count(self, graph: ox.NamedNode | None = None) -> int:
        graphs = [graph] if graph is not None else self.graphs()
        return sum(count_graph(self._store, g) for g in graphs)

    def query(self, sparql: str, *, bindings: Mapping[str, Term] | None = None,
              default_graphs: list[ox.NamedNode] | None = None,
              named_graphs: list[ox.NamedNode] | None = None) -> Any:
        subs = {ox.Variable(k): v for k, v in bindings.items()} if bindings else None
        dataset: dict[str, Any] = {}
        if default_graphs is not None or named_graphs is not None or not has_dataset_clause(sparql):
            # The caller's dataset (e.g. the protocol's default-graph-uri) wins over FROM; without
            # either, the default graph is the union of the published graphs. A query's own FROM /
            # FROM NAMED is left to define its dataset.
            if default_graphs is None and named_graphs is None and self._union_is_published():
                dataset = {"use_default_graph_as_union": True}
            else:
                published = self.graphs()
                default = default_graphs if default_graphs is not None else published
                dataset = {"default_graph": default or ox.DefaultGraph(),
                           "named_graphs": named_graphs if named_graphs is not None else published}
        try:
            return self._store.query(sparql, prefixes=PREFIXES, substitutions=subs, **dataset)
        except SyntaxError as exc:
            raise QueryError(f"malformed SPARQL query: {exc}") from exc
        except RuntimeError as exc:  # e.g. a bound variable missing from the projection
            raise QueryError(f"query cannot run: {exc}") from exc
        except OSError as exc:
            raise StoreError(f"store error while querying: {exc}") from exc

    def update(self, sparql: str) -> None:
        if self.read_only:
            raise StoreError(f"{self!r} is open read-only")
        with self._lock:
            try:
                self._store.update(sparql, prefixes=PREFIXES)
            except SyntaxError as exc:
                raise QueryError(f"malformed SPARQL update: {exc}") from exc
            except OSError as exc:
                raise StoreError(f"store error while updating: {exc}") from exc
            finally:
                self._published = None

    def dump(self, out: IO[bytes], fmt: str, graph: ox.NamedNode | None = None) -> None:
        rdf_format = RDF_FORMATS.get(fmt)
        if rdf_format is None:
            raise QueryError(f"unknown export format {fmt!r}; expected one of {sorted(RDF_FORMATS)}")
        if graph is not None:
            self._store.dump(out, rdf_format, from_graph=graph, prefixes=PREFIXES
                             if fmt in ("turtle", "trig") else None)
            return
        if fmt not in ("nquads", "trig"):
            raise QueryError(f"format {fmt!r} holds one graph: name the graph, or use nquads or trig")
        quads = (q for g in self.graphs() for q in self._store.quads_for_pattern(None, None, None, g))
        ox.serialize(quads, out, rdf_format, prefixes=PREFIXES if fmt == "trig" else None)

    # -- writing -----------------------------------------------------------------------------------
    def batch(self, meta_graph: ox.NamedNode | None = None) -> Batch:
        """A set of graph replacements published together in one transaction (see :class:`Batch`)."""
        return Batch(self, meta_graph)

    def rebuild(self, meta_graph: ox.NamedNode | None = None) -> Batch | Rebuild:
        """Like :meth:`batch`, for a build that replaces many graphs at once: on disk, a
        :class:`Rebuild` (a new store generation, switched to in one rename); in memory, a Batch."""
        if self.read_only:
            raise StoreError(f"{self!r} is open read-only")
        return Rebuild(self, meta_graph) if self.path is not None else Batch(self, meta_graph)

    def _publish(self, staged: list[tuple[ox.NamedNode, ox.NamedNode, int]],
                 staging_meta: ox.NamedNode | None, meta_graph: ox.NamedNode | None) -> None:
        with self._lock:
            try:
                self._store.update(publish_update(staged, staging_meta, meta_graph))
            except OSError as exc:
                raise StoreError(f"store error while publishing graphs: {exc}") from exc
            finally:
                self._published = None

    def _stage(self, staging: ox.NamedNode, triples: Iterable[Triple]) -> int:
        with self._lock:
            bulk_write(self._store, staging, triples)
        return count_graph(self._store, staging)

    def _discard(self, graphs: Iterable[ox.NamedNode]) -> None:
        with self._lock:
            self._store.update(" ;\n".join(f"DROP SILENT GRAPH {g}" for g in graphs) or "DROP SILENT GRAPH <urn:x-none>")

    def _switch_to(self, gen: Path) -> None:
        """Make ``gen`` the live generation and reopen this store on it (see :class:`Rebuild`)."""
        assert self.path is not None
        with self._lock:
            generations.switch(self.path, gen)
            self._store = ox.Store(str(gen))  # the previous generation closes with its last reference
            self._published = None
        faults.reached("switched")
        generations.prune(self.path)

    def drop_graph(self, graph: ox.NamedNode) -> None:
        with self._lock:
            self._store.update(f"DROP SILENT GRAPH {graph}")
            self._published = None

    def optimize(self) -> None:
        """Compact the on-disk store after a large build (faster queries)."""
        if self.path is not None:
            faults.during("optimize")
            self._store.optimize()

    def flush(self) -> None:
        if self.path is not None and not self.read_only:
            self._store.flush()

    def close(self) -> None:
        self.flush()
        del self._store


def count_graph(store: ox.Store, graph: ox.NamedNode) -> int:
    """Distinct triples in one graph of a pyoxigraph store (counted inside the engine)."""
    result = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}")
    return int(next(iter(result))["n"].value)  # type: ignore[index]


def open_store(path: str | Path | None, *, read_only: bool = False) -> GraphStore:
    """Open the embedded store at ``path`` (``None`` = in memory), creating it when missing; with
    ``read_only``, an existing on-disk store without its write lock, and StoreError naming
    ``path`` (nothing created) when no store is there."""
    return EmbeddedStore(path, read_only=read_only and path is not None)


def iter_rows(result: Any) -> Iterator[dict[str, Term]]:
    """Rows of a SELECT result as dicts (unbound variables omitted)."""
    names = [v.value for v in result.variables]
    for sol in result:
        yield {n: sol[n] for n in names if sol[n] is not None}


def _refuse_stage(graph: ox.NamedNode, meta: object, meta_graph: ox.NamedNode | None,
                 staged: Container[str]) -> None:
    """Raise StoreError if a batch cannot stage ``graph``: a staging graph's name, the batch's
    meta graph, a graph already staged in it (by IRI, in ``staged``), or provenance (``meta``)
    for a batch without a meta graph."""
    if graph.value.startswith(STAGING_PREFIX) or graph == meta_graph or graph.value in staged:
        raise StoreError(f"{graph} cannot be staged (a staging or meta graph, or staged twice)")
    if meta is not None and meta_graph is None:
        raise StoreError("meta triples given to a batch without a meta graph")


class Batch:
    """Stage several graphs, then publish them all in one transaction.

    >>> store = EmbeddedStore()
    >>> g = ox.NamedNode("https://w3id.org/rarekg/graph/example")
    >>> with store.batch() as batch:
    ...     batch.stage(g, [(g, RKG.term("x"), ox.Literal("1"))])
    1
    >>> store.count(g)
    1

    Leaving the ``with`` block by an exception discards every staged graph: the published graphs
    stay exactly as they were.
    """

    def __init__(self, store: EmbeddedStore, meta_graph: ox.NamedNode | None) -> None:
        self._store = store
        self._meta_graph = meta_graph
        self._staged: list[tuple[ox.NamedNode, ox.NamedNode, int]] = []
        self._staging_meta = ox.NamedNode(f"{STAGING_PREFIX}{uuid.uuid4().hex}") if meta_graph else None
        self._all_staging: list[ox.NamedNode] = [self._staging_meta] if self._staging_meta else []

    def stage(self, graph: ox.NamedNode, triples: Iterable[Triple], *,
              check: Callable[[int], None] | None = None,
              meta: Callable[[int], Iterable[Triple]] | None = None) -> int:
        """Write ``triples`` for ``graph`` into a private staging graph; returns the distinct count.

        ``check(count)`` may raise to abort the batch; ``meta(count)`` gives provenance triples for
        the meta graph. Raises StoreError for a staging or meta graph name, or a graph staged twice."""
        _refuse_stage(graph, meta, self._meta_graph, {g.value for g, _, _ in self._staged})
        staging = ox.NamedNode(f"{STAGING_PREFIX}{uuid.uuid4().hex}")
        self._all_staging.append(staging)
        count = self._store._stage(staging, triples)
        if check is not None:
            check(count)
        if meta is not None and self._staging_meta is not None:
            self._store._stage(self._staging_meta, meta(count))
        self._staged.append((graph, staging, count))
        return count

    def stage_async(self, graph: ox.NamedNode, triples: Iterable[Triple], *,
                    check: Callable[[int], None] | None = None,
                    meta: Callable[[int], Iterable[Triple]] | None = None) -> Future[int]:
        """:meth:`stage`, with :meth:`Rebuild.stage_async`'s interface: a batch stages in the
        caller's thread, so the future is done (and an error raised) before it is returned."""
        staged: Future[int] = Future()
        staged.set_result(self.stage(graph, triples, check=check, meta=meta))
        return staged

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            if exc_type is None and self._staged:
                self._store._publish(self._staged, self._staging_meta, self._meta_graph)
        finally:
            self._store._discard(self._all_staging)


#: graphs a rebuild stores at once: the one being produced and the one the engine is finishing
LOADS_IN_FLIGHT = 2


class Rebuild:
    """A build that replaces many graphs of an on-disk store at once, each triple written once.

    Every staged graph is bulk-loaded, under its final name, into a new store generation beside the
    live one (:mod:`kg.store.generations`). Leaving the ``with`` block normally copies over the live
    graphs the build did not stage and the live provenance (minus the replaced graphs'
    descriptions: ``rkg:currentLoad``, ``void:triples``, ...), adds the new provenance, and switches readers to the new
    generation in one rename. Leaving it by an exception deletes the new generation: the store
    folder and every published graph stay exactly as they were. Same interface as :class:`Batch`;
    with :meth:`stage_async` the engine stores one graph while the caller produces the next.
    """

    def __init__(self, store: EmbeddedStore, meta_graph: ox.NamedNode | None) -> None:
        if store.path is None:
            raise StoreError("a rebuild needs an on-disk store")
        self._store, self._path, self._meta_graph = store, store.path, meta_graph
        self._gen = generations.new_generation(store.path)
        try:
            self._new: ox.Store | None = ox.Store(str(self._gen))
        except OSError as exc:
            generations.discard(self._gen)
            raise StoreError(f"cannot create a new store generation at {self._gen}: {exc}") from exc
        self._staged: set[str] = set()   # IRIs of the graphs staged
        self._meta: list[Triple] = []
        self._meta_lock = threading.Lock()
        self._writer = ThreadPoolExecutor(max_workers=LOADS_IN_FLIGHT, thread_name_prefix="bulk-writer")
        self._loading: list[Future[int]] = []

    def stage(self, graph: ox.NamedNode, triples: Iterable[Triple], *,
              check: Callable[[int], None] | None = None,
              meta: Callable[[int], Iterable[Triple]] | None = None) -> int:
        """Bulk-write ``triples`` as ``graph`` of the new generation; returns the distinct count.

        ``check(count)`` may raise to abort the build; ``meta(count)`` gives provenance triples for
        the meta graph. Raises StoreError for a staging or meta graph name, or a graph staged twice."""
        return self.stage_async(graph, triples, check=check, meta=meta).result()

    def stage_async(self, graph: ox.NamedNode, triples: Iterable[Triple], *,
                    check: Callable[[int], None] | None = None,
                    meta: Callable[[int], Iterable[Triple]] | None = None) -> Future[int]:
        """As :meth:`stage`, but returns once ``triples`` are produced, while the engine stores
        them, counts them and calls ``check`` and ``meta`` in a writer thread; the future gives the
        count. At most :data:`LOADS_IN_FLIGHT` graphs are being stored at a time.

        An error of ``triples`` is raised here; one of an earlier graph (its load or its check) is
        raised by the next call. Leaving the ``with`` block waits for every graph; nothing is
        published if any failed, even if the caller caught the error: the first is raised, unless
        the block is left by an exception of its own, which goes on.
        """
        _refuse_stage(graph, meta, self._meta_graph, self._staged)
        self._raise_failed()
        self._staged.add(graph.value)

        def stored() -> int:
            count = count_graph(self._writable(), graph)
            if check is not None:
                check(count)
            if meta is not None:
                records = list(meta(count))
                with self._meta_lock:  # two writer threads may finish at once
                    self._meta.extend(records)
            return count

        try:  # no local reference to the new store: a traceback must not keep it open once abandoned
            loading = start_write(self._writer, self._writable(), graph, triples, then=stored)
        except BaseException as exc:  # kept: a caller that goes on after it still publishes nothing
            loading = Future()
            loading.set_exception(exc)
            self._loading.append(loading)
            raise
        self._loading.append(loading)
        return loading

    def _raise_failed(self) -> None:
        """Raise the first error of a graph already stored or failed."""
        for loading in self._loading:
            if loading.done() and loading.exception() is not None:
                loading.result()

    def _writable(self) -> ox.Store:
        if self._new is None:
            raise StoreError("this rebuild is finished")
        return self._new

    def _carry_over(self, new: ox.Store) -> None:
        """The live graphs this build did not stage, and the live provenance, copied into ``new``."""
        live = self._store._store
        replaced = {ox.NamedNode(g) for g in self._staged}
        for g in self._store.graphs():
            if g.value in self._staged:
                continue
            quads = live.quads_for_pattern(None, None, None, g)
            if g == self._meta_graph:
                quads = (q for q in quads if q.subject not in replaced)  # described anew (publish_update)
            bulk_quads(new, quads)
        if self._meta_graph is not None:
            bulk_write(new, self._meta_graph, self._meta)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            wait(self._loading)  # every graph stored, counted and checked, or failed
            self._writer.shutdown(wait=True)
            if exc_type is None:  # otherwise the block's own error goes on, not a graph's
                self._raise_failed()
            if exc_type is None and self._staged:
                faults.reached("graphs-stored")
                new = self._writable()
                self._carry_over(new)
                faults.reached("carried-over")
                new.flush()
                self._new = None
                del new  # closes the new generation so that the store can reopen it
                self._store._switch_to(self._gen)
                return
        except BaseException:
            self._abandon()
            raise
        self._abandon()

    def _abandon(self) -> None:
        self._writer.shutdown(wait=True)  # no load is still writing into the generation
        for loading in self._loading:  # their tracebacks' frames hold the new store (and self)
            if loading.exception() is not None:
                traceback.clear_frames(loading.exception().__traceback__)
        self._loading.clear()
        self._new = None
        generations.discard(self._gen)


def apply_update(store: EmbeddedStore, sparql: str) -> None:
    """Apply one SPARQL Update to the on-disk store behind ``store`` and tell the other processes
    serving it (the marker file). A read-only handle gets a short-lived writer for the update: this is
    the one write path of the web process (the admin update), kept here so ``api/`` never opens a
    writable store itself."""
    if store.path is None:
        store.update(sparql)
        return
    if store.read_only:
        writer = EmbeddedStore(store.path)
        try:
            writer.update(sparql)
        finally:
            writer.close()
    else:
        store.update(sparql)
    generations.touch_marker(store.path)

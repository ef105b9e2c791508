"""The embedded store: pyoxigraph on disk or in memory, named graphs replaced atomically, queries
over the published union.

Callers see :class:`~kg.store.graphstore.GraphStore` (:mod:`kg.store.graphstore`, with the helpers
every store shares); this module's implementation is :class:`EmbeddedStore`. A remote SPARQL 1.1 server stands behind the
same interface (:mod:`kg.store.remote`, docs/decisions/0003-store.md).

Atomic replacement of single graphs: a source's new triples are written into a private *staging* graph, checked,
and then moved over the published graph with one SPARQL Update (``MOVE``), which pyoxigraph
applies in a single transaction together with the provenance record. Readers query an explicit
list of published graphs, so they never see staging data: they see the old graph or the new one.

Staging and publishing many graphs at once (:class:`~kg.store.staging.Batch`, and
:class:`~kg.store.staging.Rebuild` for a full build) live in :mod:`kg.store.staging`.
A full build of an on-disk store (:meth:`EmbeddedStore.rebuild`) writes every graph once, with
pyoxigraph's bulk loader, into a new store folder beside the live one and then switches readers to
it in one rename (:mod:`kg.store.generations`); graphs the build does not replace are copied over.
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import pyoxigraph as ox

from kg.core.errors import QueryError, StoreError
from kg.core.vocab import PREFIXES, RKG, STAGING_PREFIX  # noqa: F401 (RKG: the docstring examples)
from kg.store import faults, generations
from kg.store.bulk import bulk_write
from kg.store.graphstore import (
    RDF_FORMATS,
    GraphStore,
    Term,
    Triple,
    publish_update,
)

if TYPE_CHECKING:
    from kg.store.staging import Batch, Rebuild

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

    indexed = True
    changes_tracked = True

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else None
        self.read_only = read_only
        self._open()

    @property
    def local_path(self) -> Path | None:
        return self.path

    def reopen(self) -> GraphStore:
        if self.path is None or not self.read_only:
            return self
        return EmbeddedStore(self.path, read_only=True)

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
        from kg.store.staging import Batch
        return Batch(self, meta_graph)

    def rebuild(self, meta_graph: ox.NamedNode | None = None) -> Batch | Rebuild:
        """Like :meth:`batch`, for a build that replaces many graphs at once: on disk, a
        :class:`Rebuild` (a new store generation, switched to in one rename); in memory, a Batch."""
        if self.read_only:
            raise StoreError(f"{self!r} is open read-only")
        from kg.store.staging import Batch, Rebuild
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
            with faults.during("optimize"):
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


def apply_update(store: GraphStore, sparql: str) -> None:
    """Apply one SPARQL Update to ``store``; on disk, to the store behind it, telling the other
    processes serving it (the marker file). A read-only handle gets a short-lived writer for the
    update: this is the one write path of the web process (the admin update), kept here so ``api/``
    never opens a writable store itself. A store in memory or on a server takes the update itself.
    Raises QueryError (malformed), StoreError."""
    if not isinstance(store, EmbeddedStore) or store.path is None:
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

"""Staging graphs and publishing them together: :class:`Batch` (graphs staged in the live store and
moved over the published ones in one transaction) and :class:`Rebuild` (a full build bulk-loaded into a
new store generation, switched to in one rename). Both are opened by :class:`~kg.store.embedded.EmbeddedStore`
(``batch()``, ``rebuild()``); a remote store uses :class:`Batch` too."""

from __future__ import annotations

import threading
import traceback
import uuid
from collections.abc import Callable, Container, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Self

import pyoxigraph as ox

from kg.core.errors import StoreError
from kg.core.vocab import STAGING_PREFIX
from kg.store import faults, generations
from kg.store.bulk import bulk_quads, bulk_write, start_write
from kg.store.embedded import count_graph
from kg.store.graphstore import Triple

if TYPE_CHECKING:
    from kg.store.embedded import EmbeddedStore


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

    >>> from kg.core.vocab import RKG
    >>> from kg.store.embedded import EmbeddedStore
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

"""What the HTTP layer holds of the store: a reader for bounded lookups, a query runner for client
queries (with limits), and the admin update path. Only kg/ opens stores; this module asks it to."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request

from api.limits import ProcessRunner, ThreadRunner
from api.lookups import is_bounded_lookup
from api.query_job import QueryJob, execute
from api.results import Answer
from api.settings import Settings, query_memory_bytes
from kg.store import generations
from kg.store.embedded import apply_update
from kg.store.graphstore import GraphStore


class Backend:
    """The store as the API sees it.

    A store on this machine's disk (:attr:`GraphStore.local_path`) gets worker processes for client
    queries; any other store (in memory, a remote server) gets threads. After an admin update the
    marker file beside the store changes and every reader in every process reopens its read-only
    view. What the store can do is asked of it, never of its class."""

    def __init__(self, store: GraphStore, settings: Settings) -> None:
        self._store = store
        self.settings = settings
        self.path: Path | None = store.local_path
        self._watch = generations.Watch(self.path) if self.path else None
        self._stamp = self._watch.stamp() if self._watch else (0, 0)
        #: bumped whenever the graphs this process reads may have changed (keys in-process caches)
        self.generation = 0
        #: queries answered in this process as bounded lookups (reported by /health)
        self.lookups = 0
        self._counts: tuple[int, dict[str, int]] | None = None
        if self.path is not None and settings.query_workers > 0:
            self.runner: ProcessRunner | ThreadRunner = ProcessRunner(
                self.path, settings.query_workers, settings.query_timeout_s, query_memory_bytes(settings))
        else:
            self.runner = ThreadRunner(store, max(1, settings.query_workers), settings.query_timeout_s)

    @property
    def store(self) -> GraphStore:
        """The store for bounded in-process reads (reopened if another process updated it)."""
        if self._watch is not None and self._store.read_only:
            stamp = self._watch.stamp()
            if stamp != self._stamp:
                self._stamp = stamp
                self._store = self._store.reopen()
                self.generation += 1
        return self._store

    def can_look_up(self, job: QueryJob) -> bool:
        """Whether ``job`` is answered in this process (:meth:`lookup`) rather than by a query
        worker: a bounded single-pattern lookup (:mod:`api.lookups`) over the published union of
        an on-disk store, where the round trip to a worker costs more than the query."""
        return (isinstance(self.runner, ProcessRunner) and job.default_graphs is None
                and job.named_graphs is None and is_bounded_lookup(job.query))

    def lookup(self, job: QueryJob) -> Answer:
        """Answer a job :meth:`can_look_up` accepted, here and now (its work is bounded, so it needs
        no deadline). Raises QueryError, NotAcceptable, StoreError like a worker's answer."""
        answer = execute(self.store, job)
        self.lookups += 1
        return answer

    def graph_counts(self) -> dict[str, int]:
        """Triples per published graph, in the store's order. A store whose changes this process
        sees (:attr:`GraphStore.changes_tracked`: the embedded store) is counted once per
        :attr:`generation` (all its changes bump it; 4.5 s at scale 100); a remote server, which
        others may write to, at every call."""
        store = self.store
        held = self._counts
        if held is not None and held[0] == self.generation and store.changes_tracked:
            return held[1]
        counts = {g.value: store.count(g) for g in store.graphs()}
        self._counts = (self.generation, counts)
        return counts

    def state_key(self) -> str:
        """Changes whenever the published graphs change (keys the dump and VoID caches)."""
        text = "|".join(f"{g}={n}" for g, n in self.graph_counts().items())
        return hashlib.sha256(f"{text}|{self._stamp}".encode()).hexdigest()[:16]

    def update(self, sparql: str) -> None:
        """Apply a SPARQL Update. Raises QueryError (malformed), StoreError."""
        try:
            self._apply(sparql)
        finally:
            self.generation += 1

    def _apply(self, sparql: str) -> None:
        apply_update(self._store, sparql)  # on disk: a short-lived writer, and the marker touched


def get_backend(request: Request) -> Backend:
    return request.app.state.backend  # type: ignore[no-any-return]


BackendDep = Annotated[Backend, Depends(get_backend)]

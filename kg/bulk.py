"""Writing many triples with pyoxigraph's bulk loader, beside the Python that produces them.

Only :mod:`kg.store` calls this module. ``Store.bulk_extend`` holds the GIL for its whole run (a
thread counting in Python got 4 % of its speed beside it), while ``Store.bulk_load`` of bytes
releases it (99 %) and loads as fast. So a slice of triples is serialised by pyoxigraph to
N-Triples (or N-Quads) and handed to a writer thread that bulk-loads it while this thread — a
loader's generator — produces the next slice: on two cores the Rust and the Python work of a build
overlap instead of taking turns (docs/decisions/0008-build-overlap.md).

The parser gives each document's blank nodes fresh identities, so a triple with a blank node
would lose its node's identity across slices: such triples (a few hundred, from the ontology's
and the molecular definitions' OWL axioms) go to ``bulk_extend`` as objects, which keeps them.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pyoxigraph as ox

#: triples per bulk-loader call: a big graph goes in slices so that memory stays bounded (a call
#: holds its whole input); two slices are alive at once, the one loading and the one produced.
BULK_SLICE = 250_000

Triple = tuple[Any, ox.NamedNode, Any]
_BLANK = ox.BlankNode


def bulk_write(store: ox.Store, graph: ox.NamedNode, triples: Iterable[Triple]) -> None:
    """Write ``triples`` into ``graph`` of ``store`` with the bulk loader, :data:`BULK_SLICE` at a
    time, each slice loaded by a writer thread while the next one is produced.

    Returns when every triple is written. An exception raised by ``triples`` (a loader's
    DataError) or by the bulk loader (OSError) is raised here once the slice in flight has
    finished, so ``store`` is never written to after this function has returned or raised.
    """
    blank: list[ox.Quad] = []
    chunks = _serialised(iter(triples), graph, blank)
    _load_all(store, chunks, ox.RdfFormat.N_TRIPLES, graph)
    if blank:
        store.bulk_extend(blank)


def bulk_quads(store: ox.Store, quads: Iterable[ox.Quad]) -> None:
    """Write ``quads`` (each into its own graph) as :func:`bulk_write` writes triples."""
    blank: list[ox.Quad] = []
    it = iter(quads)

    def chunks() -> Iterator[bytes]:
        while part := list(itertools.islice(it, BULK_SLICE)):
            plain = []
            for q in part:
                (blank if type(q.subject) is _BLANK or type(q.object) is _BLANK else plain).append(q)
            yield ox.serialize(plain, format=ox.RdfFormat.N_QUADS)

    _load_all(store, chunks(), ox.RdfFormat.N_QUADS, None)
    if blank:
        store.bulk_extend(blank)


def _serialised(it: Iterator[Triple], graph: ox.NamedNode, blank: list[ox.Quad]) -> Iterator[bytes]:
    """N-Triples of successive slices of ``it``; triples with a blank node go to ``blank``."""
    while True:
        out: list[ox.Triple] = []
        seen = 0
        for s, p, o in itertools.islice(it, BULK_SLICE):
            seen += 1
            if type(s) is _BLANK or type(o) is _BLANK:
                blank.append(ox.Quad(s, p, o, graph))
            else:
                out.append(ox.Triple(s, p, o))
        if not seen:
            return
        yield ox.serialize(out, format=ox.RdfFormat.N_TRIPLES)


def _load_all(store: ox.Store, chunks: Iterator[bytes], fmt: ox.RdfFormat, graph: ox.NamedNode | None) -> None:
    """``bulk_load`` every chunk in a writer thread, one at a time, while the next is produced.

    If ``chunks`` raises, leaving the ``with`` block waits for the chunk in flight first."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="bulk-writer") as writer:
        pending: Future[None] | None = None
        for chunk in chunks:
            if pending is not None:
                pending.result()
            pending = writer.submit(store.bulk_load, chunk, fmt, to_graph=graph)
        if pending is not None:
            pending.result()

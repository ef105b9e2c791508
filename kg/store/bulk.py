"""Writing many triples with pyoxigraph's bulk loader, beside the Python that produces them.

Only :mod:`kg.store.embedded` calls this module. ``Store.bulk_extend`` holds the GIL for its whole run (a
thread counting in Python got 4 % of its speed beside it), while ``Store.bulk_load`` releases it
(99 %) and loads as fast. So a graph's triples are serialised by pyoxigraph to N-Triples (or
N-Quads), slice by slice, into a pipe that one ``bulk_load`` in a writer thread reads as one
document: on two cores the Rust and the Python work of a build overlap instead of taking turns,
and a big graph is one bulk load, not one per slice (many loads into a growing store cost twice
as much at 8.7 M triples: 111 s against 82 s; see docs/decisions/0008-build-overlap.md).

The engine encodes, sorts and writes its input in batches of a million quads, each once it is
complete: a graph smaller than that is stored only after its last triple is read, and a bigger
one's last batch too. :func:`start_write` returns as soon as the producer has written its last
triple, so that the caller can produce the next graph while the engine finishes this one
(docs/decisions/0009-build-pipeline.md).

The parser gives a document's blank nodes fresh identities, so a blank node would not be the
same node in two graphs, or keep its identifier: triples with a blank node (a few hundred, from the
ontology's and the molecular definitions' OWL axioms) go to ``bulk_extend`` as objects.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor, wait
from typing import Any, TypeVar

import pyoxigraph as ox

from kg.store import faults

#: triples serialised at a time: one slice is in memory as objects, then as N-Triples in the pipe
BULK_SLICE = 250_000

Triple = tuple[Any, ox.NamedNode, Any]
T = TypeVar("T")
_BLANK = ox.BlankNode


def bulk_write(store: ox.Store, graph: ox.NamedNode, triples: Iterable[Triple]) -> None:
    """Write ``triples`` into ``graph`` of ``store`` with one bulk load, fed :data:`BULK_SLICE`
    triples at a time by this thread while a writer thread loads them.

    Returns when every triple is written. An exception raised by ``triples`` (a loader's
    DataError) or by the bulk loader (OSError, RuntimeError) is raised here once the loader has
    finished with what it was given, so ``store`` is never written to after this function has
    returned or raised.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="bulk-writer") as writer:
        start_write(writer, store, graph, triples, then=lambda: None).result()


def start_write(writer: Executor, store: ox.Store, graph: ox.NamedNode, triples: Iterable[Triple],
                then: Callable[[], T]) -> Future[T]:
    """Write ``triples`` into ``graph`` of ``store`` with one bulk load run by ``writer``, and
    return once this thread has produced the last of them; the future ends when the engine has
    stored them all and ``then()`` has run after it, in the writer's thread, with its result.

    An exception raised by ``triples`` is raised here, once the engine has finished with what it
    was given; one of the engine or of ``then`` is the future's.
    """
    blank: list[ox.Quad] = []

    def finish(loaded: ox.Store) -> T:  # the pipe is at its end: every blank-node triple is set aside
        if blank:
            loaded.bulk_extend(blank)
        return then()

    return _start_load(writer, store, _serialised(iter(triples), graph, blank),
                       ox.RdfFormat.N_TRIPLES, graph, finish)


def bulk_quads(store: ox.Store, quads: Iterable[ox.Quad]) -> None:
    """Write ``quads`` (each into its own graph) as :func:`bulk_write` writes triples."""
    blank: list[ox.Quad] = []
    it = iter(quads)

    def chunks() -> Iterator[bytes]:
        while part := list(itertools.islice(it, BULK_SLICE)):
            plain = []
            for q in part:
                if type(q.subject) is _BLANK or type(q.object) is _BLANK:
                    blank.append(q)
                elif type(q.graph_name) is ox.NamedNode:
                    plain.append(f"{q.subject} {q.predicate} {q.object} {q.graph_name} .\n")
                else:  # the default graph
                    plain.append(f"{q.subject} {q.predicate} {q.object} .\n")
            yield "".join(plain).encode()

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="bulk-writer") as writer:
        _start_load(writer, store, chunks(), ox.RdfFormat.N_QUADS, None, lambda loaded: None).result()
    if blank:
        store.bulk_extend(blank)


def _serialised(it: Iterator[Triple], graph: ox.NamedNode, blank: list[ox.Quad]) -> Iterator[bytes]:
    """N-Triples of successive slices of ``it``; triples with a blank node go to ``blank``.

    Each line is formatted from the terms' own N-Triples forms (``str`` of a pyoxigraph term is its
    N-Triples syntax, escapes included), about three times faster than building ``ox.Triple``
    objects for ``ox.serialize``; the engine parses the same terms back (tests/test_bulk.py)."""
    while True:
        out: list[str] = []
        add = out.append
        seen = 0
        for s, p, o in itertools.islice(it, BULK_SLICE):
            seen += 1
            if type(s) is _BLANK or type(o) is _BLANK:
                blank.append(ox.Quad(s, p, o, graph))
            else:
                add(f"{s} {p} {o} .\n")
        if not seen:
            return
        yield "".join(out).encode()


def _start_load(writer: Executor, store: ox.Store, chunks: Iterator[bytes], fmt: ox.RdfFormat,
                graph: ox.NamedNode | None, finish: Callable[[ox.Store], T]) -> Future[T]:
    """One ``bulk_load`` of every chunk, as one document, submitted to ``writer``: it reads a pipe
    that this thread writes the chunks into as they are produced; ``finish(store)`` follows it.

    If ``chunks`` raises, the pipe is closed (the loader ends its document there) and the error
    is raised once the loader has finished; if the loader fails, it closes its end, the next
    write fails and the loader's error is the future's. ``store`` is passed as an argument, never
    held by a closure: a traceback of the future's error, once its frames are cleared
    (``Rebuild`` does), then holds no store."""
    read_fd, write_fd = os.pipe()
    produced = threading.Event()  # set before the pipe is closed, when no chunk raised
    try:
        out = open(write_fd, "wb")  # noqa: SIM115  (closed by the with below, or if submit fails)
    except BaseException:
        os.close(read_fd)
        os.close(write_fd)
        raise
    try:
        loading = writer.submit(_load, store, read_fd, fmt, graph, produced, finish)
    except BaseException:  # it may be queued all the same: then it reads an empty document
        out.close()
        raise
    try:
        with out:
            for i, chunk in enumerate(chunks):
                out.write(chunk)
                if i == 0:
                    faults.reached("bulk-load")
            produced.set()
    except BrokenPipeError:
        pass  # the loader stopped reading; its own error is the future's
    except BaseException:
        wait([loading])  # the pipe is closed: the engine finishes with what it was given
        raise
    return loading  # type: ignore[return-value]  # None only after the producer's error, raised above


def _load(store: ox.Store, read_fd: int, fmt: ox.RdfFormat, graph: ox.NamedNode | None,
          produced: threading.Event, finish: Callable[[ox.Store], T]) -> T | None:
    """The writer's part of :func:`_start_load`: it owns ``read_fd`` and closes it."""
    try:  # the engine reads the pipe without the GIL, as it reads a file
        store.bulk_load(path=f"/dev/fd/{read_fd}", format=fmt, to_graph=graph)
    finally:
        os.close(read_fd)  # no reader left: a write still pending fails instead of blocking
    return finish(store) if produced.is_set() else None  # after a producer's error, nothing more

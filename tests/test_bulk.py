"""The bulk writer: slices serialised and loaded beside their production, terms kept exactly."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.store import bulk

G = ox.NamedNode("https://example.org/g")
H = ox.NamedNode("https://example.org/h")
P = ox.NamedNode("https://example.org/p")


def sample(n: int, shared: ox.BlankNode) -> list[tuple[object, ox.NamedNode, object]]:
    """Every kind of term a loader yields; one blank node spans all slices."""
    out: list[tuple[object, ox.NamedNode, object]] = []
    for i in range(n):
        s = ox.NamedNode(f"https://example.org/s{i}")
        out += [(s, P, ox.Literal(f"name {i} \"quoted\"\n", language="en")),
                (s, P, ox.Literal(str(i), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))),
                (s, P, ox.Literal("é ü \u2028 \\")),
                (s, P, shared), (shared, P, s)]
    return out


@pytest.fixture()
def small_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk, "BULK_SLICE", 7)


def test_bulk_write_keeps_every_term_across_slices(small_slices: None) -> None:
    shared = ox.BlankNode()
    triples = sample(20, shared)
    store = ox.Store()
    bulk.bulk_write(store, G, iter(triples))
    assert {(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, G)} == set(triples)
    assert {q.subject for q in store.quads_for_pattern(None, None, None, G) if isinstance(q.subject, ox.BlankNode)} \
        == {shared}  # the blank node is one node, the one given, not one per slice


def test_bulk_quads_writes_each_quad_into_its_graph(small_slices: None) -> None:
    shared = ox.BlankNode()
    quads = [ox.Quad(s, p, o, G if i % 2 else H) for i, (s, p, o) in enumerate(sample(10, shared))]
    store = ox.Store()
    bulk.bulk_quads(store, quads)
    assert set(store) == set(quads)


def test_an_error_of_the_producer_is_raised_after_the_slice_in_flight(small_slices: None) -> None:
    triples = sample(5, ox.BlankNode())  # 25 triples: three full slices of 7, then the error

    def failing():
        yield from triples
        raise ValueError("loader failed midway")

    store = ox.Store()
    with pytest.raises(ValueError, match="midway"):
        bulk.bulk_write(store, G, failing())
    written = {(q.subject, q.predicate, q.object) for q in store}
    assert written == {t for t in triples[:21] if not any(isinstance(x, ox.BlankNode) for x in t)}


def test_an_error_of_the_engine_is_raised_not_waited_on(tmp_path: Path, small_slices: None) -> None:
    """A store that refuses writes: the loader fails before reading all it is sent, and the
    producer, blocked on a full pipe, must get that error instead of waiting for ever."""
    ox.Store(str(tmp_path / "s")).flush()
    read_only = ox.Store.read_only(str(tmp_path / "s"))
    many = [(ox.NamedNode(f"https://example.org/s{i}"), P, ox.Literal("x" * 200)) for i in range(5000)]
    with pytest.raises(RuntimeError, match="read-write"):  # pyoxigraph's own error for this case
        bulk.bulk_write(read_only, G, iter(many))


def test_an_interrupt_while_the_load_is_queued_does_not_hang() -> None:
    """Regression: an interrupt between queueing the load and opening the pipe's write end left
    the load reading a pipe nobody would close, and whoever joined the writer waited for ever."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    class Interrupted(ThreadPoolExecutor):
        def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def]
            super().submit(fn, *args, **kwargs)  # queued, as when Ctrl-C lands in the thread's start
            raise KeyboardInterrupt

    store = ox.Store()
    outcome: list[BaseException] = []

    def scenario() -> None:
        with Interrupted(max_workers=1) as writer:  # leaving it joins the writer
            try:
                bulk.start_write(writer, store, G, iter(sample(3, ox.BlankNode())), then=lambda: None)
            except KeyboardInterrupt as exc:
                outcome.append(exc)

    runner = threading.Thread(target=scenario, daemon=True)
    runner.start()
    runner.join(timeout=60)
    assert not runner.is_alive(), "the queued load never saw the end of its document"
    assert len(outcome) == 1 and len(store) == 0


def test_terms_written_as_text_come_back_exactly(small_slices: None) -> None:
    """Lines are formatted from the terms' own N-Triples forms: every escape, language tag, datatype
    and IRI a loader can yield must parse back to the same term (and a default-graph quad stays there)."""
    texts = ["a\"b", "back\\slash", "nl\nx", "cr\rx", "tab\tx", "\x00\x01\x1f\x7f", "é ü 漢字 😀", "\u2028\u2029",
             "\ufeff", "\x08\x0c", "'single'", "", " trailing "]
    dec = ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")
    objects: list[object] = [ox.Literal(1.5), ox.Literal(True), ox.Literal(3),
                             ox.NamedNode("https://w3id.org/x/é漢"), ox.NamedNode("http://a/b%20c?q=1#f")]
    for t in texts:
        objects += [ox.Literal(t), ox.Literal(t, language="en"), ox.Literal(t, language="de-CH"), ox.Literal(t, datatype=dec)]
    triples = [(ox.NamedNode(f"urn:x:s{i}"), P, o) for i, o in enumerate(objects)]
    store = ox.Store()
    bulk.bulk_write(store, G, iter(triples))
    assert {(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, G)} == set(triples)
    quads = [ox.Quad(s, p, o, G if i % 3 else ox.DefaultGraph()) for i, (s, p, o) in enumerate(triples)]
    other = ox.Store()
    bulk.bulk_quads(other, quads)
    assert set(other) == set(quads)

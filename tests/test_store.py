"""The store: atomic replacement, readers never see a mix, provenance per load, dumps."""

from __future__ import annotations

import hashlib
import io
import threading
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.core.errors import QueryError, StoreError
from kg.core.provenance import load_record, now
from kg.core.records import LoadReport, SourceInfo
from kg.core.vocab import META_GRAPH, RKG, STAGING_PREFIX, graph_iri
from kg.store.embedded import EmbeddedStore

G = graph_iri("example")
P = ox.NamedNode("https://example.org/p")
INFO = SourceInfo("example", "Example source", "CC-BY-4.0", "Example, CC BY 4.0", "https://example.org")


def triples(version: str, n: int):
    for i in range(n):
        yield (ox.NamedNode(f"https://example.org/s{i}"), P, ox.Literal(version))


def failing(version: str, n: int, fail_at: int):
    for i, t in enumerate(triples(version, n)):
        if i == fail_at:
            raise ValueError("loader failed midway")
        yield t


def dump_graph(store: EmbeddedStore, graph: ox.NamedNode) -> bytes:
    buf = io.BytesIO()
    store.dump(buf, "ntriples", graph)
    return b"\n".join(sorted(buf.getvalue().splitlines()))


@pytest.fixture(params=["memory", "disk"])
def store(request, tmp_path: Path) -> EmbeddedStore:
    return EmbeddedStore(None if request.param == "memory" else tmp_path / "store")


def test_replace_graph_publishes_and_counts(store: EmbeddedStore) -> None:
    assert store.replace_graph(G, triples("v1", 10)) == 10
    assert store.graphs() == [G]
    assert store.count(G) == 10
    assert store.replace_graph(G, triples("v2", 3)) == 3
    rows = store.select("SELECT DISTINCT ?o { ?s ?p ?o }")
    assert [r["o"].value for r in rows] == ["v2"]


def test_failed_load_leaves_previous_graph_byte_for_byte(store: EmbeddedStore) -> None:
    store.replace_graph(G, triples("v1", 50))
    before = dump_graph(store, G)
    with pytest.raises(ValueError, match="midway"):
        store.replace_graph(G, failing("v2", 50, fail_at=25))
    assert dump_graph(store, G) == before
    assert store.graphs() == [G]  # no staging graph left visible


def test_failed_check_publishes_nothing(store: EmbeddedStore) -> None:
    store.replace_graph(G, triples("v1", 5))

    def reject(count: int) -> None:
        raise RuntimeError(f"{count} triples is out of bounds")

    with pytest.raises(RuntimeError, match="out of bounds"):
        store.replace_graph(G, triples("v2", 7), check=reject)
    assert store.count(G) == 5


def test_batch_is_all_or_nothing(store: EmbeddedStore) -> None:
    other = graph_iri("other")
    store.replace_graph(G, triples("v1", 4))
    with pytest.raises(ValueError), store.batch() as batch:
        batch.stage(other, triples("o", 3))
        batch.stage(G, failing("v2", 4, fail_at=2))
    assert store.graphs() == [G]
    assert store.count(G) == 4


@pytest.mark.parametrize("second", ["same graph", "meta graph", "staging name"])
def test_batch_refuses_what_it_cannot_publish(store: EmbeddedStore, second: str) -> None:
    """Regression: a batch (unlike a rebuild) took a graph twice, its own meta graph or a staging
    graph's name, and published whichever MOVE came last."""
    store.replace_graph(G, triples("v1", 4))
    target = {"same graph": G, "meta graph": META_GRAPH,
              "staging name": ox.NamedNode(f"{STAGING_PREFIX}x")}[second]
    with pytest.raises(StoreError, match="cannot be staged"), store.batch(META_GRAPH) as batch:
        batch.stage(G, triples("v2", 2))
        batch.stage(target, triples("v3", 3))
    assert store.graphs() == [G] and store.count(G) == 4


def test_staging_is_invisible_to_readers(store: EmbeddedStore) -> None:
    store.replace_graph(G, triples("v1", 3))
    seen: list[int] = []

    def spy():
        for t in triples("v2", 3):
            seen.append(len(store.select("SELECT ?s { ?s ?p ?o }")))
            yield t

    store.replace_graph(G, spy())
    assert seen == [3, 3, 3]


def test_concurrent_reader_sees_old_or_new_never_a_mix(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store")
    store.replace_graph(G, triples("v0", 2000))
    observed: set[tuple[str, ...]] = set()
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            rows = store.select("SELECT ?o (COUNT(*) AS ?n) { ?s ?p ?o } GROUP BY ?o")
            observed.add(tuple(sorted(f"{r['o'].value}:{r['n'].value}" for r in rows)))

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for version in range(1, 6):
            store.replace_graph(G, triples(f"v{version}", 2000))
    finally:
        stop.set()
        thread.join()
    assert observed, "the reader ran no query"
    for snapshot in observed:
        assert len(snapshot) == 1 and snapshot[0].endswith(":2000"), snapshot


def test_provenance_recorded_per_load(store: EmbeddedStore, tmp_path: Path) -> None:
    src = tmp_path / "input.tsv"
    src.write_text("a\tb\n", encoding="utf-8")
    for version in ("1.0", "2.0"):
        report = LoadReport("example", version=version, files=[src])
        started = now()
        store.replace_graph(G, triples(version, 4), meta_graph=META_GRAPH,
                            meta=lambda n, r=report, s=started: load_record(
                                INFO, G, r, started=s, ended=now(), triples=n))
    rows = store.select("""
        SELECT ?version ?n ?sha { GRAPH ?m { ?g rkg:currentLoad ?load ; pav:version ?version ;
            void:triples ?n . ?load prov:used ?f . ?f spdx:checksum/spdx:checksumValue ?sha } }""", default_graphs=[META_GRAPH])
    assert [(r["version"].value, r["n"].value) for r in rows] == [("2.0", "4")]
    assert rows[0]["sha"].value == hashlib.sha256(b"a\tb\n").hexdigest()
    loads = store.select("SELECT ?load { ?load a rkg:Load }")
    assert len(loads) == 2, "history of earlier loads is kept"


def test_malformed_query_names_the_problem(store: EmbeddedStore) -> None:
    with pytest.raises(QueryError, match="malformed SPARQL"):
        store.query("SELECT ?s WHERE { ?s ?p }")


def test_bindings_are_terms_not_strings(store: EmbeddedStore) -> None:
    store.replace_graph(G, triples("v1", 3))
    hostile = ox.Literal('v1" } UNION { ?s ?p ?o')
    assert store.select("SELECT ?s ?o { ?s ?p ?o }", bindings={"o": hostile}) == []
    assert len(store.select("SELECT ?s ?o { ?s ?p ?o }", bindings={"o": ox.Literal("v1")})) == 3


def test_dump_nquads_round_trips(store: EmbeddedStore) -> None:
    store.replace_graph(G, triples("v1", 3))
    buf = io.BytesIO()
    store.dump(buf, "nquads")
    quads = list(ox.parse(io.BytesIO(buf.getvalue()), ox.RdfFormat.N_QUADS))
    assert len(quads) == 3 and {q.graph_name for q in quads} == {G}
    with pytest.raises(QueryError, match="holds one graph"):
        store.dump(io.BytesIO(), "turtle")


def test_current_load_term_is_the_vocabulary_term() -> None:
    assert RKG.currentLoad.value == "https://w3id.org/rarekg/ontology/currentLoad"


def test_read_only_union_is_the_published_graphs_only(tmp_path: Path) -> None:
    """A read-only view answers over pyoxigraph's native union only when that union is exactly
    the published graphs: a staging graph left by a crashed batch, or triples in the unnamed
    default graph, must stay out of the default graph and out of GRAPH ?g."""
    path = tmp_path / "store"
    writer = EmbeddedStore(path)
    writer.replace_graph(G, triples("published", 2))
    writer.close()
    clean = EmbeddedStore(path, read_only=True)
    assert clean._union_is_published()
    assert {r["o"].value for r in clean.select("SELECT ?o { ?s ?p ?o }")} == {"published"}
    del clean
    writer = EmbeddedStore(path)
    writer._store.add(ox.Quad(ox.NamedNode("https://example.org/x"), P, ox.Literal("unnamed")))
    writer._store.add(ox.Quad(ox.NamedNode("https://example.org/x"), P, ox.Literal("staged"),
                    ox.NamedNode(STAGING_PREFIX + "crashed")))
    writer.close()
    for case in ("staging and unnamed", "staging only"):
        reader = EmbeddedStore(path, read_only=True)
        assert not reader._union_is_published(), case
        assert {r["o"].value for r in reader.select("SELECT ?o { ?s ?p ?o }")} == {"published"}, case
        assert {r["g"].value for r in reader.select("SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } }")} == {G.value}
        del reader
        writer = EmbeddedStore(path)
        writer._store.remove(ox.Quad(ox.NamedNode("https://example.org/x"), P, ox.Literal("unnamed")))
        writer.close()


def test_capabilities_say_what_each_store_can_do(tmp_path: Path) -> None:
    """The web process asks a store what it can do (decision 0017), never its class: an embedded
    store reads its indexes and sees every change; on disk it has a folder, and a read-only view
    reopens as a new view that sees another process's writes; a remote server has none of these."""
    from kg.store.remote import BackendSettings, RemoteStore

    memory = EmbeddedStore()
    assert (memory.indexed, memory.changes_tracked, memory.local_path, memory.read_only) == (True, True, None, False)
    assert memory.reopen() is memory
    path = tmp_path / "store"
    writer = EmbeddedStore(path)
    assert writer.local_path == path and writer.reopen() is writer
    writer.replace_graph(G, triples("old", 1))
    view = EmbeddedStore(path, read_only=True)
    writer.replace_graph(G, triples("new", 1))
    writer.close()
    assert view.read_only and view.local_path == path
    assert {r["o"].value for r in view.select("SELECT ?o { ?s ?p ?o }")} == {"old"}  # a snapshot
    fresh = view.reopen()
    assert fresh is not view and fresh.read_only and fresh.local_path == path
    assert {r["o"].value for r in fresh.select("SELECT ?o { ?s ?p ?o }")} == {"new"}
    assert list(fresh.triples(None, P, None)) == [(ox.NamedNode("https://example.org/s0"), P, ox.Literal("new"))]
    remote = RemoteStore(BackendSettings(url="http://127.0.0.1:8700", kind="oxigraph", timeout_s=1))
    assert (remote.indexed, remote.changes_tracked, remote.local_path, remote.read_only) == (False, False, None, False)
    assert remote.reopen() is remote
    with pytest.raises(StoreError, match="no indexes"):
        next(remote.triples(None, P, None))

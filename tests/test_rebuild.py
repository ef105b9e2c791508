"""A full build of an on-disk store: a new generation, carried-over graphs, one switch, nothing left on failure."""

from __future__ import annotations

import gc
import io
import os
import shutil
import threading
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.core.errors import StoreError
from kg.core.provenance import load_record, now
from kg.core.records import LoadReport, SourceInfo
from kg.core.vocab import META_GRAPH, graph_iri
from kg.store import generations
from kg.store.embedded import EmbeddedStore
from kg.store.staging import Rebuild

A, B = graph_iri("a"), graph_iri("b")
P = ox.NamedNode("https://example.org/p")
INFO = SourceInfo("a", "Example source", "CC-BY-4.0", "Example, CC BY 4.0", "https://example.org")


def triples(version: str, n: int):
    for i in range(n):
        yield (ox.NamedNode(f"https://example.org/s{i}"), P, ox.Literal(version))


def meta_for(graph: ox.NamedNode):
    return lambda count: load_record(INFO, graph, LoadReport("a"), started=now(), ended=now(), triples=count)


def broken(version: str = "v2", n: int = 3):
    """A loader that fails after ``n`` triples."""
    yield from triples(version, n)
    raise ValueError("loader failed midway")


def reject(count: int) -> None:
    """A check that refuses any count."""
    raise RuntimeError(f"{count} triples is out of bounds")


def state(store: EmbeddedStore, path: Path) -> tuple[object, ...]:
    """The store folder's entries, where ``live`` points, and every published quad, serialised
    (the files inside the live generation change whenever pyoxigraph opens it, so they are not compared)."""
    buf = io.BytesIO()
    store.dump(buf, "nquads")
    return (sorted(p.name for p in path.iterdir()), (path / generations.LIVE).read_text(),
            sorted(buf.getvalue().splitlines()))


def values(store: EmbeddedStore, graph: ox.NamedNode) -> set[str]:
    return {r["o"].value for r in store.select(f"SELECT ?o {{ GRAPH {graph} {{ ?s ?p ?o }} }}")}


def test_on_disk_rebuild_writes_a_new_generation_and_switches(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store")
    first = generations.live_dir(tmp_path / "store", create=False)
    with store.rebuild(META_GRAPH) as batch:
        assert isinstance(batch, Rebuild)
        assert batch.stage(A, triples("v1", 5), meta=meta_for(A)) == 5
        assert store.graphs() == []  # nothing visible before the switch
    live = generations.live_dir(tmp_path / "store", create=False)
    assert live != first and store.count(A) == 5
    reader = EmbeddedStore(tmp_path / "store", read_only=True)
    assert values(reader, A) == {"v1"}


def test_rebuild_carries_over_graphs_it_does_not_replace_and_their_provenance(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store")
    store.replace_graph(B, triples("b", 3), meta=meta_for(B), meta_graph=META_GRAPH)
    with store.rebuild(META_GRAPH) as batch:
        batch.stage(A, triples("v1", 4), meta=meta_for(A))
    with store.rebuild(META_GRAPH) as batch:
        batch.stage(A, triples("v2", 2), meta=meta_for(A))
    assert store.graphs() == sorted([A, B, META_GRAPH], key=lambda g: g.value)
    assert values(store, A) == {"v2"} and values(store, B) == {"b"}
    current = store.select("SELECT ?g ?n { GRAPH ?m { ?g rkg:currentLoad ?l ; void:triples ?n } }",
                           named_graphs=[META_GRAPH])
    assert sorted((r["g"].value, int(r["n"].value)) for r in current) == [(A.value, 2), (B.value, 3)]
    loads = store.select("SELECT ?l { GRAPH ?m { ?l a rkg:Load } }", named_graphs=[META_GRAPH])
    assert len(loads) == 3  # the history of loads is kept; only the current links move
    gens = [p for p in (tmp_path / "store").iterdir() if p.name.startswith(generations.PREFIX)]
    assert len(gens) == generations.KEEP  # older generations pruned


@pytest.mark.parametrize("where", ["midway", "check"])
def test_failed_rebuild_leaves_the_store_folder_byte_for_byte(tmp_path: Path, where: str) -> None:
    store = EmbeddedStore(tmp_path / "store")
    with store.rebuild(META_GRAPH) as batch:
        batch.stage(A, triples("v1", 5), meta=meta_for(A))
    before = state(store, tmp_path / "store")

    with pytest.raises((ValueError, RuntimeError)), store.rebuild(META_GRAPH) as batch:
        batch.stage(B, triples("b", 2))
        if where == "midway":
            batch.stage(A, broken())
        else:
            batch.stage(A, triples("v2", 3), check=reject)
    assert values(store, A) == {"v1"} and B not in store.graphs()
    assert state(store, tmp_path / "store") == before
    assert state(EmbeddedStore(tmp_path / "store", read_only=True), tmp_path / "store") == before


def test_a_graph_is_stored_while_the_next_is_produced(tmp_path: Path) -> None:
    """A's check (called once A is stored, in a writer thread) waits for B's producer to start:
    if ``stage_async`` returned only after A was stored, the check would time out and fail."""
    next_started = threading.Event()

    def a_stored(count: int) -> None:
        if not next_started.wait(timeout=30):
            raise AssertionError("the next graph was not produced while this one was stored")

    def b_triples():
        next_started.set()
        yield from triples("b", 3)

    store = EmbeddedStore(tmp_path / "store")
    with store.rebuild(META_GRAPH) as batch:
        stored_a = batch.stage_async(A, triples("a", 4), check=a_stored, meta=meta_for(A))
        stored_b = batch.stage_async(B, b_triples(), meta=meta_for(B))
    assert (stored_a.result(), stored_b.result()) == (4, 3)
    assert values(store, A) == {"a"} and values(store, B) == {"b"}
    current = store.select("SELECT ?g ?n { GRAPH ?m { ?g rkg:currentLoad ?l ; void:triples ?n } }",
                           named_graphs=[META_GRAPH])
    assert sorted((r["g"].value, int(r["n"].value)) for r in current) == [(A.value, 4), (B.value, 3)]


def test_a_failed_check_of_a_graph_being_stored_publishes_nothing(tmp_path: Path) -> None:
    """The check fails in the writer thread, after ``stage_async`` returned: it is raised by the
    next stage or on leaving the block, and the store folder is left as it was."""
    store = EmbeddedStore(tmp_path / "store")
    with store.rebuild(META_GRAPH) as batch:
        batch.stage(A, triples("v1", 5), meta=meta_for(A))
    before = state(store, tmp_path / "store")

    with pytest.raises(RuntimeError, match="3 triples is out of bounds"), store.rebuild(META_GRAPH) as batch:
        batch.stage_async(A, triples("v2", 3), check=reject, meta=meta_for(A))
        batch.stage_async(B, triples("b", 2), meta=meta_for(B))
    assert state(store, tmp_path / "store") == before
    assert values(store, A) == {"v1"} and B not in store.graphs()


def test_flat_store_of_the_older_layout_is_read_and_replaced(tmp_path: Path) -> None:
    flat = tmp_path / "store"
    old = ox.Store(str(flat))
    old.add(ox.Quad(ox.NamedNode("https://example.org/x"), P, ox.Literal("old"), B))
    del old
    store = EmbeddedStore(flat)
    assert values(store, B) == {"old"}
    with store.rebuild() as batch:
        batch.stage(A, triples("new", 2))
    assert values(store, B) == {"old"} and values(store, A) == {"new"}
    assert not (flat / "CURRENT").exists()  # the flat files are gone; only the generations remain
    assert {p.name for p in flat.iterdir() if not p.name.startswith(generations.PREFIX)} == {generations.LIVE}


def test_rebuild_refuses_a_graph_twice_and_a_read_only_store(tmp_path: Path) -> None:
    EmbeddedStore(tmp_path / "store").close()
    with pytest.raises(StoreError, match="read-only"):
        EmbeddedStore(tmp_path / "store", read_only=True).rebuild()
    store = EmbeddedStore(tmp_path / "store")
    with pytest.raises(StoreError, match="staged twice"), store.rebuild() as batch:
        batch.stage(A, triples("x", 1))
        batch.stage(A, triples("y", 1))
    assert store.graphs() == []


def test_a_copied_store_folder_is_a_working_store(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store")
    with store.rebuild() as batch:
        batch.stage(A, triples("v1", 3))
    store.close()
    shutil.copytree(tmp_path / "store", tmp_path / "copy")
    copy = EmbeddedStore(tmp_path / "copy")
    with copy.rebuild() as batch:
        batch.stage(A, triples("v2", 2))
    assert values(copy, A) == {"v2"}
    assert values(EmbeddedStore(tmp_path / "store", read_only=True), A) == {"v1"}


def test_live_pointer_naming_no_generation_is_a_clear_error(tmp_path: Path) -> None:
    EmbeddedStore(tmp_path / "store").close()
    (tmp_path / "store" / generations.LIVE).write_text("../elsewhere\n")
    with pytest.raises(StoreError, match="not a store generation"):
        EmbeddedStore(tmp_path / "store")


def test_readers_of_a_served_store_reopen_after_a_full_rebuild(tmp_path: Path) -> None:
    """Regression: the API's readers (its in-process view and its query worker processes) used to
    notice only an admin update's marker, so after ``rarekg build`` switched the live generation
    they kept answering from the old one, which a later build deletes."""
    import asyncio

    from api.backend import Backend
    from api.query_job import QueryJob
    from api.settings import Settings

    path = tmp_path / "store"
    writer = EmbeddedStore(path)
    with writer.rebuild(META_GRAPH) as batch:
        batch.stage(A, triples("v1", 3), meta=meta_for(A))
    writer.close()
    backend = Backend(EmbeddedStore(path, read_only=True), Settings(store=path, query_workers=1))
    job = QueryJob(f"SELECT DISTINCT ?o {{ GRAPH {A} {{ ?s ?p ?o }} }}", None, None, "csv", None, 100)

    async def ask() -> bytes:
        return (await backend.runner.run(job)).body

    async def scenario() -> tuple[bytes, bytes]:
        await backend.runner.start()
        try:
            before = await ask()
            writer = EmbeddedStore(path)
            for version in ("v2", "v3"):  # the second rebuild prunes the generation first opened
                with writer.rebuild(META_GRAPH) as batch:
                    batch.stage(A, triples(version, 3), meta=meta_for(A))
            writer.close()
            return before, await ask()
        finally:
            await backend.runner.close()

    before, after = asyncio.run(scenario())
    assert before.split() == [b"o", b"v1"]
    assert after.split() == [b"o", b"v3"]
    assert values(backend.store, A) == {"v3"}  # type: ignore[arg-type]


def _open_in(folder: Path) -> list[str]:
    """Files of ``folder`` this process still holds open (``/proc/self/fd``)."""
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue  # closed meanwhile
        if target.startswith(str(folder)):
            found.append(target)
    return found


@pytest.mark.parametrize("where", ["check", "producer"])
def test_a_failed_rebuild_closes_the_generation_it_deletes(tmp_path: Path, where: str) -> None:
    """Regression: a failed graph's traceback held the new store through the writer's frames, so
    the deleted generation's files stayed open while the caller kept the error (the collector,
    paused during a build, is off here too)."""
    store = EmbeddedStore(tmp_path / "store")
    live = generations.live_dir(tmp_path / "store", create=False)

    gc.disable()
    try:
        with pytest.raises((RuntimeError, ValueError)) as kept, store.rebuild(META_GRAPH) as batch:
            batch.stage_async(B, triples("b", 2))
            if where == "check":
                batch.stage_async(A, triples("v2", 3), check=reject)
            else:
                batch.stage_async(A, broken())
        assert kept.value is not None  # the caller still holds the error
        assert [f for f in _open_in(tmp_path / "store") if not f.startswith(str(live))] == []
    finally:
        gc.enable()


def test_an_error_the_caller_caught_still_publishes_nothing(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store")
    with store.rebuild(META_GRAPH) as batch:
        batch.stage(A, triples("v1", 5), meta=meta_for(A))
    before = state(store, tmp_path / "store")

    with pytest.raises(ValueError, match="midway"), store.rebuild(META_GRAPH) as batch:
        try:
            batch.stage_async(A, broken())
        except ValueError:
            pass  # a caller that goes on: leaving the block must still refuse to publish
    assert state(store, tmp_path / "store") == before


def test_the_blocks_own_error_is_not_replaced_by_a_graphs(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store")

    with pytest.raises(KeyError, match="the block's own"), store.rebuild(META_GRAPH) as batch:
        batch.stage_async(A, triples("v", 3), check=reject)
        raise KeyError("the block's own")
    assert store.graphs() == []

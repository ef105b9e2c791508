"""The REST read model's whole-list reads (``api/rest/catalogue.py``): a prefetched view answers
exactly as the lazy per-subject reads do, and the tables of every centre and trial built from it
equal the per-node summaries, on the built default store (read-only and writable)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pyoxigraph as ox
import pytest

from api.rest.catalogue import load_catalogue
from api.rest.views import centre_rows, centre_summary, trial_rows, trial_summary
from kg.core.vocab import RDFS, RKG, SCHEMA, graph_iri
from kg.store.embedded import EmbeddedStore


@pytest.mark.parametrize("read_only", [True, False])
def test_tables_equal_the_per_node_summaries(built_store_path: Path, read_only: bool) -> None:
    store = EmbeddedStore(built_store_path, read_only=read_only)
    try:
        bulk, single = load_catalogue(store), load_catalogue(store)
        trials, centres = trial_rows(bulk), centre_rows(bulk)
        assert len(trials) == len(single.trials) > 20 and len(centres) == len(single.centres) > 50
        assert [orjson.loads(orjson.dumps(t.json)) for t in trials] == [trial_summary(single, t) for t in single.trials]
        assert [(t.id, t.open, t.status, t.phase, list(t.countries)) for t in trials] == [
            (s["id"], s["open"], s["status"], s["phase"], s["countries"]) for s in map(orjson.loads, map(orjson.dumps, (t.json for t in trials)))]
        assert centres == [centre_summary(single, c) for c in single.centres]
        assert any(t.countries for t in trials) and any(c["memberships"] for c in centres)
        assert trial_rows(bulk) is trials    # kept for the snapshot's life
    finally:
        store.close()


def test_prefetched_view_falls_back_and_keeps_one_term_per_graph_copy(tmp_path: Path) -> None:
    a, b = graph_iri("one"), graph_iri("two")
    s, t = ox.NamedNode("https://w3id.org/rarekg/trial/X"), ox.NamedNode("https://w3id.org/rarekg/trial/Y")
    store = EmbeddedStore(tmp_path / "store")
    for g in (a, b):   # the same triple in two graphs, and a second title in one
        store.replace_graph(g, [(s, RDFS.label, ox.Literal("X", language="en")),
                                (s, RKG.phase, ox.Literal("PHASE2")), (t, RDFS.label, ox.Literal("Y"))]
                        + ([(s, RKG.phase, ox.Literal("PHASE3"))] if g == b else []))
    cat = load_catalogue(store)
    view = cat.prefetch([s.value], [RDFS.label, RKG.phase])
    assert view.values(s.value, RKG.phase) == cat.values(s.value, RKG.phase)
    assert [x.value for x in view.values(s.value, RKG.phase)] == ["PHASE2", "PHASE3"]
    assert view.label(s.value) == "X" and view.label(t.value) == "Y"     # Y was not prefetched
    assert view.values(s.value, SCHEMA.startDate) == []                  # nor was this predicate
    assert s.value in view.out and "https://w3id.org/rarekg/trial/Z" not in view.out
    assert sorted(subject for subject, _ in cat.scan(RKG.phase)).count(s.value) == 3  # once per graph copy
    store.close()


def test_kept_answers_and_lazy_indexes_stay_bounded(built_store_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A client walking every trial and centre must not grow a serving process without bound."""
    from fastapi.testclient import TestClient

    from api import rest
    from api.app import create_app
    from api.rest import catalogue, common
    from api.rest.ids import local_id

    monkeypatch.setattr(common, "_CACHE_BYTES", 20_000)
    monkeypatch.setattr(catalogue, "LAZY_CACHE", 50)
    store = EmbeddedStore(built_store_path, read_only=True)
    try:
        with TestClient(create_app(store)) as client:
            cat = rest.common.catalogue_of(client.app.state.backend, client.app.state)
            paths = [f"/api/v1/trials/{local_id(t, 'trial')}" for t in cat.trials]
            paths += [f"/api/v1/centres/{local_id(c, 'centre')}" for c in cat.centres[:40]]
            first = {p: client.get(p) for p in paths}
            assert all(r.status_code == 200 for r in first.values())
            assert cat.memo["responses-bytes"] <= 20_000 and len(cat.memo["responses"]) < len(paths)
            assert cat.reader is not None and len(cat.reader.cache) <= 50
            again = {p: client.get(p) for p in paths[:10]}
            assert all(again[p].content == first[p].content for p in again)   # rebuilt, same bytes
    finally:
        store.close()

"""Referral ranking, fallback, resolution and parameter checks on the fixture graph; one real answer."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from kg.errors import DataError, NotFoundError, ParameterError
from kg.referral import ReferralOptions, haversine_km, load_config, refer
from kg.referral_index import index_for, resolve
from kg.trial_status import is_open
from kg.vocab import RKG

B = "https://w3id.org/rarekg/"
TODAY = date(2025, 6, 1)


def opts(**kw) -> ReferralOptions:  # type: ignore[no-untyped-def]
    return ReferralOptions(today=TODAY, **kw)


def names(ref) -> list[str]:  # type: ignore[no-untyped-def]
    return [c.name for c in ref.centres]


@pytest.mark.parametrize(("text", "iri"), [
    ("ORPHA:200", "entity/orpha/200"), ("orpha:200", "entity/orpha/200"), ("200", "entity/orpha/200"),
    ("GIST", "entity/oncotree/GIST"), ("gist", "entity/oncotree/GIST"), ("NCIT:C3868", "entity/oncotree/GIST"),
    ("ICD10:C49.4", "entity/orpha/200"), ("Gastrointestinal STROMAL sarcoma", "entity/orpha/200"),
    ("gist-kit-mutant", "subgroup/gist-kit-mutant"), (B + "entity/orpha/300", "entity/orpha/300"),
])
def test_resolve_any_id_form(query_fixture_store, text: str, iri: str) -> None:
    assert resolve(index_for(query_fixture_store), text) == B + iri


def test_unknown_entity_gives_closest_matches(query_fixture_store) -> None:
    with pytest.raises(NotFoundError) as err:
        resolve(index_for(query_fixture_store), "liposarcomaa")
    assert "Liposarcoma" in err.value.suggestions[0]


def test_gist_ranking_components_and_tie_break(query_fixture_store) -> None:
    ref = refer(query_fixture_store, "ORPHA:200", opts())
    assert ref.basis == "entity" and ref.fallback is None and ref.domains == ["G1", "G5"]
    assert names(ref) == ["Alpha Cancer Centre", "Gamma Institute", "Delta Clinic", "Beta Hospital"]
    alpha = ref.centres[0]
    # membership 1 + open trial NCT001 (2, self) + open basket trial NCT002 (2, distance 1 -> factor 0.5)
    assert alpha.components["membership"] == 1.0 and alpha.components["trials"] == 4.0
    assert alpha.score == pytest.approx(sum(alpha.components.values()), abs=1e-3)
    assert alpha.score == pytest.approx(4.6038, abs=1e-3)
    assert [t["trial"] for t in alpha.open_trials] == [B + "trial/NCT001", B + "trial/NCT002"]
    assert {(i.kind, i.relation, i.distance) for i in alpha.evidence} == {
        ("membership", "domain", 0), ("trial", "self", 0), ("trial", "basket", 1)}
    delta = ref.centres[2]
    assert delta.member is False and delta.note == "no network membership on record"


def test_an_enrolling_status_verified_long_ago_is_not_open(query_fixture_store) -> None:
    """Regression (#17): a "Recruiting" last verified years ago was counted open and weighed as such."""
    later = refer(query_fixture_store, "ORPHA:200", ReferralOptions(today=date(2027, 1, 1)))
    alpha = next(c for c in later.centres if c.name == "Alpha Cancer Centre")
    assert alpha.open_trials == [] and alpha.components["trials"] == 2.0    # 1 + 0.5 (basket), not 2 + 1
    assert later.open_as_of == "2027-01-01"
    assert any("last known status Recruiting, verified 2025-05" in n for n in later.notes), later.notes


def test_a_withdrawn_site_is_not_an_open_site() -> None:
    """Regression (#17): site status was loaded but never read, so a withdrawn site counted as open."""
    import pyoxigraph as ox

    from kg.store import EmbeddedStore
    graphs: dict = {}
    fixture = Path(__file__).parent / "fixtures" / "queries" / "fixture.trig"
    for q in ox.parse(path=str(fixture), format=ox.RdfFormat.TRIG):
        graphs.setdefault(q.graph_name, []).append((q.subject, q.predicate, q.object))
    graphs[ox.NamedNode(B + "graph/evidence")].append(
        (ox.NamedNode(B + "site/NCT001/1"), RKG.siteStatus, ox.Literal("Withdrawn")))
    store = EmbeddedStore()
    for graph, triples in graphs.items():
        store.replace_graph(graph, triples)
    alpha = next(c for c in refer(store, "ORPHA:200", opts()).centres if c.name == "Alpha Cancer Centre")
    assert [t["trial"] for t in alpha.open_trials] == [B + "trial/NCT002"]


def test_members_only_drops_providers_without_membership(query_fixture_store) -> None:
    assert "Delta Clinic" not in names(refer(query_fixture_store, "ORPHA:200", opts(members_only=True)))


def test_subtype_without_evidence_falls_back_to_nearest_ancestor(query_fixture_store) -> None:
    ref = refer(query_fixture_store, "gist-kit-exon11", opts())
    assert ref.basis == "ancestor"
    assert ref.fallback == {"ancestors": [B + "entity/orpha/200"], "labels": ["Gastrointestinal stromal tumor"],
                            "distance": 2}
    assert "nearest ancestor" in ref.notes[0]
    assert names(ref) == ["Alpha Cancer Centre", "Gamma Institute", "Beta Hospital", "Delta Clinic"]
    beta = ref.centres[2]
    assert [(i.kind, i.relation, i.distance, i.factor) for i in beta.evidence if i.kind != "membership"] == [
        ("publication", "ancestor", 2, 0.25)]


def test_entity_with_no_centre_says_so(query_fixture_store) -> None:
    ref = refer(query_fixture_store, "ORPHA:900", opts())
    assert ref.centres == [] and ref.basis == "none" and ref.notes


def test_country_and_distance_filters(query_fixture_store) -> None:
    assert names(refer(query_fixture_store, "ORPHA:200", opts(country="FR"))) == ["Alpha Cancer Centre", "Beta Hospital"]
    preferred = names(refer(query_fixture_store, "ORPHA:200", opts(country="IT", prefer_country=True)))
    assert preferred == ["Gamma Institute", "Alpha Cancer Centre", "Delta Clinic", "Beta Hospital"]
    near = refer(query_fixture_store, "ORPHA:200", opts(lat=45.75, lon=4.85, max_km=500))   # Lyon
    assert [(c.name, c.distance_km) for c in near.centres] == [
        ("Alpha Cancer Centre", 393.4), ("Gamma Institute", 339.1), ("Beta Hospital", 1.9)]


@pytest.mark.parametrize(("kw", "parameter"), [
    ({"lat": 91.0, "lon": 0.0}, "lat"), ({"lat": 0.0, "lon": -181.0}, "lon"), ({"lat": 1.0}, "lon"),
    ({"lat": 1.0, "lon": 1.0, "max_km": 0.0}, "max_km"), ({"lat": 1.0, "lon": 1.0, "max_km": 20001.0}, "max_km"),
    ({"max_km": 10.0}, "max_km"), ({"country": "FRA"}, "country"), ({"limit": 0}, "limit"),
])
def test_bad_parameters_are_named(query_fixture_store, kw: dict, parameter: str) -> None:
    with pytest.raises(ParameterError) as err:
        refer(query_fixture_store, "ORPHA:200", opts(**kw))
    assert err.value.parameter == parameter and repr(parameter) in str(err.value)


def test_haversine_paris_lyon() -> None:
    assert haversine_km(48.8566, 2.3522, 45.764, 4.8357) == pytest.approx(391.5, abs=0.1)


def test_open_statuses_both_spellings() -> None:
    assert is_open("Recruiting") and is_open("NOT_YET_RECRUITING") and not is_open("Active, not recruiting")
    assert not is_open("Completed") and not is_open("TERMINATED")


def test_config_is_read_and_checked(tmp_path: Path) -> None:
    assert load_config().trial_open == 2.0
    bad = tmp_path / "bad.toml"
    bad.write_text("[weights]\nmembershp = 1\n")
    with pytest.raises(DataError, match="membershp"):
        load_config(bad)


def test_index_is_cached_per_store_state(query_fixture_store) -> None:
    assert index_for(query_fixture_store) is index_for(query_fixture_store)


def test_real_referral_for_gist_returns_ranked_members(default_graph) -> None:
    store, _ = default_graph
    ref = refer(store, "GIST", ReferralOptions(limit=None, today=TODAY))
    assert ref.entity == B + "entity/orpha/44890" and ref.domains == ["G1", "G5"]
    assert ref.centres
    for c in ref.centres:
        assert c.components["membership"] == (1.0 if any(i.kind == "membership" for i in c.evidence) else 0.0)
        assert c.member or c.note == "no network membership on record"
    scores = [(-c.score, c.name.casefold()) for c in ref.centres]
    assert scores == sorted(scores)


def test_misspelt_name_suggests_the_label_not_a_short_code(default_graph) -> None:
    # regression: WRatio's partial matching ranked the 4-letter code "ASTR" (Astrocytoma) first
    store, _ = default_graph
    with pytest.raises(NotFoundError) as err:
        resolve(index_for(store), "gastro stromal tumr")
    assert "Gastrointestinal" in err.value.suggestions[0] and "Astrocytoma" not in err.value.suggestions[0]


def test_evidence_about_two_equivalent_classes_is_reported_the_same_way_every_time() -> None:
    """Regression: an evidence node about an entity and its exactMatch (both distance 0) was reported
    about whichever class set iteration met first, so two processes could answer differently."""
    from kg.referral import _collect
    from kg.referral_index import Evidence, Index
    a, b = "https://w3id.org/rarekg/entity/orpha/1", "https://w3id.org/rarekg/entity/oncotree/X"
    answers = set()
    for order in ([a, b], [b, a]):
        index = Index()
        for cls in order:
            index.by_entity[cls].append(Evidence("urn:ev", "urn:centre", "trial", cls, None, None, "urn:trial"))
        classes = {cls: ("self" if cls == a else "equivalent", 0) for cls in order}
        items = _collect(index, classes, set(), load_config(), TODAY)["urn:centre"]
        answers.add(tuple((i.about, i.relation) for i in items))
    assert answers == {((b, "equivalent"),)}


def test_index_reads_each_property_once_and_matches_the_fixture(query_fixture_store) -> None:
    from kg.referral_index import load_index
    index = load_index(query_fixture_store)
    gist = B + "entity/orpha/200"
    assert index.labels[gist] == "Gastrointestinal stromal tumor"
    assert {e.provider.rsplit("/", 1)[1] for e in index.by_entity[gist]} == {"alpha", "beta", "delta", "gamma"}
    assert index.trials[B + "trial/NCT001"].open_since(date(2024, 6, 1))
    assert B + "trial/NCT001" in index.enrolling_studying[gist]
    assert index.trials_at[B + "centre/alpha"] == {B + f"trial/NCT00{n}" for n in (1, 2, 3)}

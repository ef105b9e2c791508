"""Every query of the library on the hand-written fixture graph, with its exact expected rows.

The fixture (tests/fixtures/queries/fixture.trig) is loaded one named graph at a time into an in-memory
store. IRIs are compared without the ``https://w3id.org/rarekg/`` base (``rkg:`` for ontology terms).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kg.core.errors import QueryError
from kg.store import queries

BASE = "https://w3id.org/rarekg/"


def short(term) -> str:  # type: ignore[no-untyped-def]
    return term.value.replace(BASE + "ontology/", "rkg:").replace(BASE, "").replace("http://purl.obolibrary.org/obo/", "obo:")


EXPECTED = [
    ('centre-profile', {'centre': 'rkgd:centre/gamma'}, ('aspect', 'item', 'label', 'detail'), [
        ('domain', 'domain/G5', 'Digestive rare cancers', 'rkg:UnspecifiedMemberRole'),
        ('entity', 'entity/orpha/200', 'Gastrointestinal stromal tumor', 'obo:ECO_0007669'),
        ('entity', 'entity/orpha/300', 'Liposarcoma', 'obo:ECO_0000305'),
        ('entity', 'subgroup/kit-basket', 'KIT-altered solid tumour', 'obo:ECO_0000313'),
        ('publication', 'publication/pmid/111', 'GIST outcomes', '2022'),
        ('trial', 'trial/NCT002', 'KIT inhibitor basket trial', 'Not yet recruiting'),
    ]),
    ('centres-by-country-and-domain', {'domain': 'rkgd:domain/G1', 'country': 'FR'}, ('centre', 'name', 'city', 'role', 'status'), [
        ('centre/alpha', 'Alpha Cancer Centre', 'Paris', 'rkg:FullMemberRole', 'confirmed'),
        ('centre/beta', 'Beta Hospital', 'Lyon', 'rkg:CoordinatorRole', 'confirmed'),
    ]),
    ('centres-by-domain', {'domain': 'rkgd:domain/G1'}, ('centre', 'name', 'city', 'country', 'role', 'status', 'source'), [
        ('centre/alpha', 'Alpha Cancer Centre', 'Paris', 'FR', 'rkg:FullMemberRole', 'confirmed', 'https://example.org/alpha'),
        ('centre/beta', 'Beta Hospital', 'Lyon', 'FR', 'rkg:CoordinatorRole', 'confirmed', 'https://example.org/beta'),
    ]),
    ('centres-for-entity', {'entity': 'rkgd:subgroup/gist-kit-exon11'}, ('centre', 'name', 'relation', 'via', 'distance', 'kind', 'evidence'), [
        ('centre/alpha', 'Alpha Cancer Centre', 'ancestor', 'subgroup/kit-basket', '1', 'obo:ECO_0000313', 'evidence/trial/NCT002/alpha'),
        ('centre/gamma', 'Gamma Institute', 'ancestor', 'subgroup/kit-basket', '1', 'obo:ECO_0000313', 'evidence/trial/NCT002/gamma'),
        ('centre/alpha', 'Alpha Cancer Centre', 'ancestor', 'entity/orpha/200', '2', 'obo:ECO_0000313', 'evidence/trial/NCT001/alpha'),
        ('centre/beta', 'Beta Hospital', 'ancestor', 'entity/orpha/200', '2', 'obo:ECO_0007669', 'evidence/publication/111/beta'),
        ('centre/delta', 'Delta Clinic', 'ancestor', 'entity/orpha/200', '2', 'obo:ECO_0000313', 'evidence/trial/NCT001/delta'),
        ('centre/gamma', 'Gamma Institute', 'ancestor', 'entity/orpha/200', '2', 'obo:ECO_0007669', 'evidence/publication/111/gamma'),
    ]),
    ('collaborating-centres', {'centre': 'rkgd:centre/beta'}, ('partner', 'name', 'sharedTrials', 'sharedPublications'), [
        ('centre/alpha', 'Alpha Cancer Centre', '1', '0'),
        ('centre/gamma', 'Gamma Institute', '0', '1'),
    ]),
    ('coverage-gaps', {}, ('country', 'domain', 'notation'), [
        ('FR', 'domain/G8', 'G8'),
        ('IT', 'domain/G1', 'G1'),
        ('IT', 'domain/G8', 'G8'),
    ]),
    ('entities-without-centre', {}, ('entity', 'label', 'domain'), [
        ('entity/orpha/900', 'Rare eye tumour', 'domain/G8'),
    ]),
    ('entity-by-code', {'code': 'NCIT:C3868'}, ('entity', 'label'), [
        ('entity/oncotree/GIST', 'Gastrointestinal Stromal Tumor'),
    ]),
    ('entity-hierarchy', {'entity': 'rkgd:entity/orpha/200'}, ('relative', 'label', 'distance'), [
        ('subgroup/gist-kit-exon11', 'KIT exon 11-mutant gastrointestinal stromal tumour', '-2'),
        ('subgroup/gist-kit-mutant', 'KIT-mutant gastrointestinal stromal tumour', '-1'),
        ('entity/orpha/100', 'Soft tissue sarcoma', '1'),
        ('rkg:CancerEntity', None, '2'),
    ]),
    ('entity-lookup', {'text': 'gastrointestinal STROMAL sarcoma'}, ('entity', 'label', 'matchedOn'), [
        ('entity/orpha/200', 'Gastrointestinal stromal tumor', 'synonym'),
    ]),
    ('evidence-by-kind', {}, ('graph', 'kind', 'evidenceCount', 'centres'), [
        ('graph/euracan', 'obo:ECO_0000304', '4', '3'),
        ('graph/evidence', 'obo:ECO_0000305', '1', '1'),
        ('graph/evidence', 'obo:ECO_0000313', '6', '4'),
        ('graph/evidence', 'obo:ECO_0007669', '2', '2'),
    ]),
    ('graph-summary', {}, ('graph', 'triples', 'version', 'loadedAt'), [
        ('graph/evidence', '99', '2025-01-02', '2025-01-02T00:00:00Z'),
        ('graph/orphanet', '19', '4.1.7', '2025-01-01T00:00:00Z'),
    ]),
    ('open-trials-for-entity', {'entity': 'rkgd:entity/orpha/200'}, ('trial', 'title', 'status', 'route', 'studied'), [
        ('trial/NCT001', 'Drug A in GIST', 'Recruiting', 'entity', 'entity/orpha/200'),
        ('trial/NCT002', 'KIT inhibitor basket trial', 'Not yet recruiting', 'alteration', 'alteration/kit-mutation'),
        ('trial/NCT002', 'KIT inhibitor basket trial', 'Not yet recruiting', 'basket', 'subgroup/kit-basket'),
    ]),
    ('statement-provenance', {'subject': 'rkgd:entity/orpha/200', 'predicate': 'rkg:inDomain'}, ('object', 'graph', 'load', 'version', 'endedAt', 'file'), [
        ('domain/G1', 'graph/orphanet', 'load/orphanet/20250101T000000Z', '4.1.7', '2025-01-01T00:00:00Z', 'data/orphanet/entities.jsonl'),
        ('domain/G5', 'graph/orphanet', 'load/orphanet/20250101T000000Z', '4.1.7', '2025-01-01T00:00:00Z', 'data/orphanet/entities.jsonl'),
    ]),
    ('trials-at-centre', {'centre': 'rkgd:centre/alpha'}, ('trial', 'title', 'status', 'phase', 'studied'), [
        ('trial/NCT001', 'Drug A in GIST', 'Recruiting', None, 'entity/orpha/200'),
        ('trial/NCT002', 'KIT inhibitor basket trial', 'Not yet recruiting', None, 'subgroup/kit-basket'),
        ('trial/NCT003', 'Liposarcoma study', 'Completed', None, 'entity/orpha/300'),
    ]),
]


def test_library_has_at_least_twelve_queries_with_headers() -> None:
    lib = queries.library()
    assert len(lib) == 15
    for q in lib.values():
        assert q.title and q.description, q.name
        assert q.examples, f"{q.name} has no '# example:' line"


def test_every_library_query_is_pinned_here() -> None:
    assert sorted(name for name, *_ in EXPECTED) == sorted(queries.library())


@pytest.mark.parametrize(("name", "params", "columns", "rows"), EXPECTED, ids=[e[0] for e in EXPECTED])
def test_query_on_fixture(query_fixture_store, name: str, params: dict, columns: tuple, rows: list) -> None:
    q = queries.get(name)
    got = query_fixture_store.select(q.text, q.bind(params))
    assert [tuple(short(r[c]) if c in r else None for c in columns) for r in got] == rows


def test_every_parameter_is_projected_so_substitution_works() -> None:
    for q in queries.library().values():
        projection = q.text.split("WHERE", 1)[0]
        for p in q.params:
            assert f"?{p.name}" in projection, f"{q.name}: ?{p.name} must be in the SELECT projection"


def test_unknown_parameter_is_named() -> None:
    with pytest.raises(QueryError, match="'colour'"):
        queries.get("entity-lookup").bind({"colour": "red"})


# -- every query on the real default graph: its example answers, with real rows checked ---------------
# Each check first asserts that the answer is not empty, then what its rows must say, pinned on
# curated facts (Orphanet, OncoTree, the subgroups) or cross-checked against another query or a
# count of the store, so that a query that silently stops matching fails here.

def run(store, name: str, **params: str) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    """The rows of a library query as ``{column: short value}``."""
    q = queries.get(name)
    return [{k: short(v) for k, v in row.items()} for row in store.select(q.text, q.bind(params))]


def example(name: str) -> dict[str, str]:
    text = queries.get(name).examples[0]
    return dict(p.split("=", 1) for p in text.split()) if text.strip() else {}


def _centre_profile(store) -> None:  # type: ignore[no-untyped-def]
    rows = run(store, "centre-profile", **example("centre-profile"))
    assert rows and {r["centre"] for r in rows} == {"centre/gustave-roussy"}
    assert {"entity", "trial"} <= {r["aspect"] for r in rows} <= {"domain", "entity", "trial", "publication"}
    trials = {r["item"] for r in rows if r["aspect"] == "trial"}
    assert trials == {r["trial"] for r in run(store, "trials-at-centre", centre=BASE + "centre/gustave-roussy")}


def _centres_by_country_and_domain(store) -> None:  # type: ignore[no-untyped-def]
    params = example("centres-by-country-and-domain")
    rows = run(store, "centres-by-country-and-domain", **params)
    assert rows and {(r["domain"], r["country"]) for r in rows} == {("domain/G1", "IT")}
    by_domain = run(store, "centres-by-domain", domain=params["domain"])
    assert sorted({r["centre"] for r in rows}) == sorted({r["centre"] for r in by_domain if r["country"] == "IT"})


def _centres_by_domain(store) -> None:  # type: ignore[no-untyped-def]
    rows = run(store, "centres-by-domain", **example("centres-by-domain"))
    assert len(rows) >= 18          # at least the 18 memberships covering G1
    assert all(r["name"] and len(r["country"]) == 2 and r["source"].startswith("http") for r in rows)
    from loaders.euracan import STATUS_ORDER
    assert {r["domain"] for r in rows} == {"domain/G1"} and {r["status"] for r in rows} <= set(STATUS_ORDER)


def _centres_for_entity(store) -> None:  # type: ignore[no-untyped-def]
    rows = run(store, "centres-for-entity", **example("centres-for-entity"))
    assert rows and {r["entity"] for r in rows} == {"entity/orpha/44890"}
    assert ("centre/centre-leon-berard", "self", "0") in {(r["centre"], r["relation"], r["distance"]) for r in rows}
    assert all(r["relation"] in ("self", "subtype", "ancestor") and 0 <= int(r["distance"]) <= 4 for r in rows)


def _collaborating_centres(store) -> None:  # type: ignore[no-untyped-def]
    rows = run(store, "collaborating-centres", **example("collaborating-centres"))
    assert rows and "centre/centre-leon-berard" in {r["partner"] for r in rows}
    assert all(r["partner"] != "centre/gustave-roussy" for r in rows)
    assert all(int(r["sharedTrials"]) + int(r["sharedPublications"]) > 0 for r in rows)


def _coverage_gaps(store) -> None:  # type: ignore[no-untyped-def]
    rows = run(store, "coverage-gaps")
    assert rows and all(r["notation"] == r["domain"].removeprefix("domain/") for r in rows)
    for gap in rows[:: max(1, len(rows) // 10)]:  # a gap has no member centre for its domain in its country
        assert not run(store, "centres-by-country-and-domain", domain=BASE + gap["domain"], country=gap["country"])
    covered = run(store, "centres-by-country-and-domain", domain=BASE + "domain/G1", country="IT")
    assert covered and ("IT", "domain/G1") not in {(r["country"], r["domain"]) for r in rows}


def _entities_without_centre(store) -> None:  # type: ignore[no-untyped-def]
    rows = run(store, "entities-without-centre")
    assert rows and all(r["entity"].startswith(("entity/", "subgroup/")) and r["label"] for r in rows)
    assert "entity/orpha/44890" not in {r["entity"] for r in rows}   # GIST has centres
    for row in rows[:: max(1, len(rows) // 10)]:   # and these have no evidence about themselves
        assert not [r for r in run(store, "centres-for-entity", entity=BASE + row["entity"]) if r["relation"] == "self"]


def _entity_by_code(store) -> None:  # type: ignore[no-untyped-def]
    assert run(store, "entity-by-code", **example("entity-by-code")) == [
        {"code": "ORPHA:44890", "entity": "entity/orpha/44890", "label": "Gastrointestinal stromal tumor"}]


def _entity_hierarchy(store) -> None:  # type: ignore[no-untyped-def]
    rows = {(r["relative"], r["distance"]) for r in run(store, "entity-hierarchy", **example("entity-hierarchy"))}
    assert {("subgroup/gist-kit-exon11-mutant", "-2"), ("entity/orpha/423798", "1")} <= rows


def _entity_lookup(store) -> None:  # type: ignore[no-untyped-def]
    rows = run(store, "entity-lookup", **example("entity-lookup"))
    assert sorted((r["entity"], r["matchedOn"]) for r in rows) == [   # GIST: OncoTree code, Orphanet synonym
        ("entity/oncotree/GIST", "oncotreeCode"), ("entity/orpha/44890", "synonym")]


def _evidence_by_kind(store) -> None:  # type: ignore[no-untyped-def]
    rows = run(store, "evidence-by-kind")
    assert {"obo:ECO_0000304", "obo:ECO_0000313", "obo:ECO_0007669"} <= {r["kind"] for r in rows}
    assert all(int(r["evidenceCount"]) >= 1 and int(r["centres"]) >= 1 for r in rows)
    total = store.select("SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e rkg:evidenceKind ?k ; rkg:aboutProvider ?c }")
    assert sum(int(r["evidenceCount"]) for r in rows) == int(total[0]["n"].value)


def _graph_summary(store) -> None:  # type: ignore[no-untyped-def]
    rows = run(store, "graph-summary")
    assert len(rows) == len(store.graphs()) - 1   # every graph but meta has a load
    import pyoxigraph as ox
    assert all(int(r["triples"]) == store.count(ox.NamedNode(BASE + r["graph"])) for r in rows)


def _open_trials_for_entity(store) -> None:  # type: ignore[no-untyped-def]
    rows = run(store, "open-trials-for-entity", **example("open-trials-for-entity"))
    assert rows and {r["status"] for r in rows} <= {"Recruiting", "Not yet recruiting", "Active, not recruiting",
                                                   "Enrolling by invitation"}
    assert ("trial/NCT01710176", "entity") in {(r["trial"], r["route"]) for r in rows}


def _statement_provenance(store) -> None:  # type: ignore[no-untyped-def]
    rows = run(store, "statement-provenance", **example("statement-provenance"))
    assert rows and {(r["object"], r["graph"]) for r in rows} == {("Gastrointestinal stromal tumor", "graph/orphanet")}
    assert all(r["file"].startswith("data/orphanet/") and r["load"].startswith("load/orphanet/") for r in rows)


def _trials_at_centre(store) -> None:  # type: ignore[no-untyped-def]
    rows = run(store, "trials-at-centre", **example("trials-at-centre"))
    assert rows and ("trial/NCT00002641", "Phase 3") in {(r["trial"], r.get("phase")) for r in rows}
    assert all(r["trial"].startswith("trial/") and r["title"] for r in rows)


ON_DEFAULT_GRAPH = {
    "centre-profile": _centre_profile, "centres-by-country-and-domain": _centres_by_country_and_domain,
    "centres-by-domain": _centres_by_domain, "centres-for-entity": _centres_for_entity,
    "collaborating-centres": _collaborating_centres, "coverage-gaps": _coverage_gaps,
    "entities-without-centre": _entities_without_centre, "entity-by-code": _entity_by_code,
    "entity-hierarchy": _entity_hierarchy, "entity-lookup": _entity_lookup, "evidence-by-kind": _evidence_by_kind,
    "graph-summary": _graph_summary, "open-trials-for-entity": _open_trials_for_entity,
    "statement-provenance": _statement_provenance, "trials-at-centre": _trials_at_centre,
}


def test_every_library_query_is_checked_on_the_default_graph() -> None:
    assert sorted(ON_DEFAULT_GRAPH) == sorted(queries.library())


@pytest.mark.parametrize("name", sorted(ON_DEFAULT_GRAPH))
def test_example_answers_on_the_default_graph(default_graph, name: str) -> None:  # type: ignore[no-untyped-def]
    store, _ = default_graph
    ON_DEFAULT_GRAPH[name](store)


def test_cli_runs_a_library_query(built_store_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "rarekg.cli", "query", "--store", str(built_store_path),
                           "--name", "entity-lookup", "--param", "text=ORPHA:44890", "--format", "csv"],
                          check=False, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "https://w3id.org/rarekg/entity/orpha/44890,Gastrointestinal stromal tumor,xref" in proc.stdout

"""Every query of the library on the hand-written fixture graph, with its exact expected rows.

The fixture (tests/fixtures/queries/fixture.trig) is loaded one named graph at a time into an in-memory
store. IRIs are compared without the ``https://w3id.org/rarekg/`` base (``rkg:`` for ontology terms).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kg import queries
from kg.errors import QueryError

BASE = "https://w3id.org/rarekg/"


def short(term) -> str:  # type: ignore[no-untyped-def]
    return term.value.replace(BASE + "ontology/", "rkg:").replace(BASE, "")


EXPECTED = [
    ('centre-profile', {'centre': 'rkgd:centre/gamma'}, ('aspect', 'item', 'label', 'detail'), [
        ('domain', 'domain/G5', 'Digestive rare cancers', 'rkg:UnspecifiedMemberRole'),
        ('entity', 'entity/orpha/200', 'Gastrointestinal stromal tumor', 'rkg:PublicationEvidence'),
        ('entity', 'entity/orpha/300', 'Liposarcoma', 'rkg:CuratedStatementEvidence'),
        ('entity', 'subgroup/kit-basket', 'KIT-altered solid tumour', 'rkg:TrialSiteEvidence'),
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
        ('centre/alpha', 'Alpha Cancer Centre', 'ancestor', 'subgroup/kit-basket', '1', 'rkg:TrialSiteEvidence', 'evidence/trial/NCT002/alpha'),
        ('centre/gamma', 'Gamma Institute', 'ancestor', 'subgroup/kit-basket', '1', 'rkg:TrialSiteEvidence', 'evidence/trial/NCT002/gamma'),
        ('centre/alpha', 'Alpha Cancer Centre', 'ancestor', 'entity/orpha/200', '2', 'rkg:TrialSiteEvidence', 'evidence/trial/NCT001/alpha'),
        ('centre/beta', 'Beta Hospital', 'ancestor', 'entity/orpha/200', '2', 'rkg:PublicationEvidence', 'evidence/publication/111/beta'),
        ('centre/delta', 'Delta Clinic', 'ancestor', 'entity/orpha/200', '2', 'rkg:TrialSiteEvidence', 'evidence/trial/NCT001/delta'),
        ('centre/gamma', 'Gamma Institute', 'ancestor', 'entity/orpha/200', '2', 'rkg:PublicationEvidence', 'evidence/publication/111/gamma'),
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
        ('graph/euracan', 'rkg:MembershipEvidence', '4', '3'),
        ('graph/evidence', 'rkg:CuratedStatementEvidence', '1', '1'),
        ('graph/evidence', 'rkg:PublicationEvidence', '2', '2'),
        ('graph/evidence', 'rkg:TrialSiteEvidence', '6', '4'),
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


def test_every_example_runs_on_the_default_graph(default_graph) -> None:
    store, _ = default_graph
    counts = {}
    for q in queries.library().values():
        params = dict(p.split("=", 1) for p in q.examples[0].split()) if q.examples[0].strip() else {}
        counts[q.name] = len(store.select(q.text, q.bind(params)))
    assert counts["entity-by-code"] == 1          # ORPHA:44890 is one Orphanet class
    assert counts["entity-lookup"] == 2           # GIST: OncoTree code and the Orphanet synonym
    assert counts["graph-summary"] == len(store.graphs()) - 1   # every graph but meta has a load
    assert counts["centres-by-domain"] >= 18      # at least the 18 memberships covering G1


def test_cli_runs_a_library_query(built_store_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "kg.cli", "query", "--store", str(built_store_path),
                           "--name", "entity-lookup", "--param", "text=ORPHA:44890", "--format", "csv"],
                          check=False, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "https://w3id.org/rarekg/entity/orpha/44890,Gastrointestinal stromal tumor,xref" in proc.stdout

"""Linking trials and publications to cancer entities and molecular alterations (kg.linking,
kg.alterations, kg.links): scored against hand-labelled gold sets from the real records, plus the
GIST trial and the basket-trial fixture end to end."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import links
from kg.alterations import Vocabulary, detect
from kg.linking import (
    EntityIndex,
    LinkResult,
    Term,
    link_subject,
    link_term,
    mesh_key,
    publication_terms,
    trial_terms,
    unmatched_terms,
)
from kg.store import EmbeddedStore
from kg.vocab import RKG, graph_iri, mint
from loaders import ctgov, evidence, trials
from loaders.base import LoadReport

FIXTURES = Path(__file__).parent / "fixtures"
BASKET = FIXTURES / "basket_trial" / "NCT99999901.json"


def _tsv(path: Path) -> list[dict[str, str]]:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


def _score(pairs: list[tuple[set[str], set[str]]]) -> tuple[float, float, int, int, int]:
    tp = sum(len(got & exp) for got, exp in pairs)
    fp = sum(len(got - exp) for got, exp in pairs)
    fn = sum(len(exp - got) for got, exp in pairs)
    return tp / (tp + fp), tp / (tp + fn), tp, fp, fn


@pytest.fixture(scope="module")
def index(repo_data: Path) -> EntityIndex:
    return EntityIndex.from_data(repo_data)


@pytest.fixture(scope="module")
def vocab(repo_data: Path) -> Vocabulary:
    return Vocabulary.from_data(repo_data)


@pytest.fixture(scope="module")
def real_terms(shared_data: Path) -> dict[str, list[Term]]:
    """Every term of every real trial and publication in ../shared/data, by record id."""
    found, pubs = evidence.read_path(shared_data, LoadReport("test"))
    out = {t.canonical_id: trial_terms(t) for t in found}
    out.update({p.pmid: publication_terms(p) for p in pubs})
    return out


# -- condition -> entity -------------------------------------------------------------------------------

def test_condition_entity_gold_precision_and_recall(real_terms: dict[str, list[Term]], index: EntityIndex) -> None:
    rows = _tsv(FIXTURES / "condition_entity_gold.tsv")
    assert len(rows) >= 60
    expected: dict[tuple[str, str, str], set[str]] = {}
    for r in rows:
        expected.setdefault((r["record"], r["field"], r["term"]), set())
        if r["expected"] != "NONE":
            expected[(r["record"], r["field"], r["term"])].add(r["expected"])
    pairs = []
    for (record, field, text), exp in expected.items():
        term = next((t for t in real_terms[record] if t.field == field and t.text == text), None)
        assert term is not None, f"gold term {text!r} ({field}) is not in real record {record}"
        pairs.append(({m.entity.curie for m in link_term(term, index)}, exp))
    precision, recall, tp, fp, fn = _score(pairs)
    print(f"\ncondition->entity: {len(rows)} gold rows, {len(pairs)} terms, {sum(not e for _, e in pairs)} "
          f"true negatives; TP={tp} FP={fp} FN={fn}; precision={precision:.3f} recall={recall:.3f}")
    assert precision >= 0.95
    assert recall >= 0.90


@pytest.mark.parametrize(("text", "field", "expected"), [
    ("Carcinoma, Adenoid Cystic", "condition-mesh", {"oncotree:ACYC"}),          # MeSH inverted form
    ("Gastrointestinal Stromal Tumors", "condition-mesh", {"ORPHA:44890", "oncotree:GIST"}),
    ("Soft Tissue Sarcoma", "condition", {"ORPHA:3394"}),
    ("GIST", "keyword", {"ORPHA:44890", "oncotree:GIST"}),                       # synonym + OncoTree code
    ("Neoplasms", "condition-mesh", set()),                                       # generic
    ("Urinary Bladder Neoplasms", "condition-mesh", set()),
    ("localized benign pheochromocytoma", "keyword", set()),                      # contrast word
    ("stage III adult soft tissue sarcoma", "keyword", {"ORPHA:3394"}),           # qualifiers dropped
    ("Thymoma and Thymic Carcinoma", "condition",
     {"ORPHA:99867", "oncotree:THYM", "ORPHA:99868", "oncotree:THYC"}),
])
def test_link_term_rules(index: EntityIndex, text: str, field: str, expected: set[str]) -> None:
    assert {m.entity.curie for m in link_term(Term(text, field), index)} == expected


def test_link_rules_named_and_scored(index: EntityIndex) -> None:
    rules = {m.entity.curie: (m.rule, m.score) for m in link_term(Term("GIST", "keyword"), index)}
    assert rules == {"ORPHA:44890": ("synonym", 0.85), "oncotree:GIST": ("code", 0.85)}
    qualified = link_term(Term("adult synovial sarcoma", "keyword"), index)
    assert {(m.entity.curie, m.rule, m.score) for m in qualified} == {
        ("ORPHA:3273", "qualified", 0.80), ("oncotree:SYNS", "qualified", 0.80)}


def test_mesh_id_rule_matches_a_mesh_xref() -> None:
    from loaders.base import MappableEntity
    ent = MappableEntity("https://w3id.org/rarekg/entity/orpha/1", "ORPHA:1", "Some tumour", xrefs=("MESH:D009447",))
    idx = EntityIndex([ent])
    [m] = link_term(Term("Nerve cell tumour, registry wording", "condition-mesh", "D000009447"), idx)
    assert (m.entity.curie, m.rule, m.matched) == ("ORPHA:1", "mesh-id", "MESH:D009447")
    assert mesh_key("D000003550") == "MESH:D003550" and mesh_key("Neoplasms") is None


def test_unmatched_terms_most_frequent_first(index: EntityIndex) -> None:
    result = LinkResult()
    link_subject("trial", "T1", [Term("Sarcoma", "condition"), Term("Imatinib", "keyword")], index, result)
    link_subject("trial", "T2", [Term("Sarcoma", "condition"), Term("Osteosarcoma", "condition")], index, result)
    assert unmatched_terms(result) == [("Sarcoma", 2), ("Imatinib", 1)]
    assert result.terms == 4 and [link.match.entity.curie for link in result.links] == ["oncotree:OS", "ORPHA:668"]


# -- alteration mentions ----------------------------------------------------------------------------

def _norm(text: str) -> str:
    return re.sub(r"[\s*\-]+", " ", text).strip()


def test_alteration_gold_precision_and_recall(shared_data: Path, vocab: Vocabulary) -> None:
    rows = _tsv(FIXTURES / "alteration_mentions_gold.tsv")
    assert len(rows) >= 30
    found, _ = evidence.read_path(shared_data / "trials", LoadReport("test"))
    by_id = {t.canonical_id: t for t in found}
    pairs = []
    for r in rows:
        if r["source"] != "constructed":  # real snippets must be in the real record (whitespace aside)
            texts = " ".join(_norm(text) for _, text in links.trial_texts(by_id[r["source"]]))
            assert _norm(r["text"]) in texts, f"{r['id']}: snippet not in {r['source']}"
        got = {m.alteration_id for m in detect(r["text"], vocab, eligibility=r["field"] == "eligibility")
               if m.alteration_id and not m.negated}
        pairs.append((got, set() if r["expected"] == "NONE" else set(r["expected"].split(";"))))
    precision, recall, tp, fp, fn = _score(pairs)
    real = sum(r["source"] != "constructed" for r in rows)
    print(f"\nalteration mentions: {len(rows)} snippets ({real} real); TP={tp} FP={fp} FN={fn}; "
          f"precision={precision:.3f} recall={recall:.3f}")
    assert precision >= 0.95
    assert recall >= 0.90


@pytest.mark.parametrize(("text", "alteration", "rule", "negated"), [
    ("NTRK1 fusion", "ntrk-fusion", "gene-family", False),       # broader family class, said so
    ("Patients without a known NTRK fusion", "ntrk-fusion", "exact", True),
    ("negative for BRAF V600E", "braf-v600e-mutation", "exact", True),
    ("KIT exon 11 mutation", "kit-exon11-mutation", "exact", False),
    ("SS18-SSX1 fusion", "ss18-ssx-fusion", "gene-family", False),
])
def test_mention_resolution(vocab: Vocabulary, text: str, alteration: str, rule: str, negated: bool) -> None:
    [m] = detect(text, vocab)
    assert (m.alteration_id, m.rule, m.negated) == (alteration, rule, negated)


def test_exclusion_criteria_negate_and_unknown_genes_stay_unresolved(vocab: Vocabulary) -> None:
    text = "Inclusion Criteria:\n* BRAF V600E mutation\nExclusion Criteria:\n* ALK rearrangement\n* EGFR mutation"
    got = [(m.alteration_id, m.negated) for m in detect(text, vocab, eligibility=True)]
    assert got == [("braf-v600e-mutation", False), ("alk-fusion", True), (None, True)]


# -- the built graph -------------------------------------------------------------------------------

def test_default_build_links_and_report(default_graph) -> None:  # type: ignore[no-untyped-def]
    store, report = default_graph
    outcome = next(o for o in report.outcomes if o.source.name == "links")
    counts = outcome.report.counts
    assert (counts["trial-entity-links"], counts["publication-entity-links"], counts["alteration-links"]) == (108, 0, 2)
    assert counts["terms"] == 259
    kinds = {p.kind for p in outcome.report.problems}
    assert "unmatched-term" in kinds
    rows = store.select("SELECT ?t ?a { ?t rkg:eligibleAlteration ?a } ORDER BY ?a")
    assert [(r["t"].value.rsplit("/", 1)[1], r["a"].value.rsplit("/", 1)[1]) for r in rows] == [
        ("NCT00956072", "kit-mutation"), ("NCT00956072", "pdgfra-mutation")]


def test_gist_trial_condition_linked_to_gist_entities(default_graph) -> None:  # type: ignore[no-untyped-def]
    store, _ = default_graph
    rows = store.select(links.TRIAL_ENTITIES_QUERY, {"trial": mint("trial", "NCT00685828")})
    assert [(r["code"].value, r["rule"].value, r["field"].value, r["text"].value) for r in rows] == [
        ("ORPHA:44890", "label", "condition", "Gastrointestinal Stromal Tumor"),
        ("oncotree:GIST", "label", "condition", "Gastrointestinal Stromal Tumor")]


def _copy_of(store: EmbeddedStore) -> EmbeddedStore:
    buf = io.BytesIO()
    store.dump(buf, "nquads")
    by_graph: dict[ox.NamedNode, list] = {}  # type: ignore[type-arg]
    for q in ox.parse(buf.getvalue(), format=ox.RdfFormat.N_QUADS):
        by_graph.setdefault(q.graph_name, []).append((q.subject, q.predicate, q.object))
    copy = EmbeddedStore()
    for graph, triples in by_graph.items():
        copy.replace_graph(graph, triples)
    return copy


def test_basket_fixture_reaches_ntrk_subgroups_through_reasoning(default_graph, repo_data: Path) -> None:  # type: ignore[no-untyped-def]
    store, _ = default_graph
    report = LoadReport("links")
    [trial] = trials.merge_trials(ctgov.read_v2(BASKET, report))
    triples = [*trials.to_triples(trial), *links.records_triples([trial], [], repo_data, report)]
    copy = _copy_of(store)
    copy.replace_graph(graph_iri("test-basket"), triples)
    node = mint("trial", "NCT99999901")
    assert (node, RKG.eligibleAlteration, mint("alteration", "ntrk-fusion")) in triples
    assert (node, RKG.eligibleAlteration, mint("alteration", "alk-fusion")) not in triples  # exclusion criteria
    rows = copy.select(links.BASKET_SUBTYPES_QUERY, {"trial": node})
    assert {r["basket"].value.rsplit("/", 1)[1] for r in rows} == {"ntrk-fusion-positive-solid-tumour"}
    assert {r["subtype"].value.rsplit("/", 1)[1] for r in rows} == {
        "congenital-mesoblastic-nephroma-etv6-ntrk3", "infant-type-hemispheric-glioma-ntrk-fused",
        "infantile-fibrosarcoma-etv6-ntrk3", "ntrk-rearranged-spindle-cell-neoplasm",
        "secretory-carcinoma-breast-etv6-ntrk3", "secretory-carcinoma-salivary-etv6-ntrk3"}
    copy.close()


def test_link_shapes_pass_good_and_fail_bad_links(index: EntityIndex) -> None:
    from kg.linking import EntityLink
    from kg.validation import validate_quads

    [match] = [m for m in link_term(Term("Osteosarcoma", "condition"), index) if m.entity.curie == "ORPHA:668"]
    good = list(links.entity_link_triples(EntityLink("trial", "NCT00470223", Term("Osteosarcoma", "condition"), match)))
    assert validate_quads([ox.Triple(*t) for t in good]).conforms
    node = mint("link", "trial/NCT00470223/entity/orpha/668")
    bad = [t for t in good if t[1] != RKG.linkScore] + [(node, RKG.linkScore, ox.Literal("1.5", datatype=ox.NamedNode(
        "http://www.w3.org/2001/XMLSchema#decimal")))]
    result = validate_quads([ox.Triple(*t) for t in bad])
    assert [(r.focus, r.shape) for r in result.results] == [
        (node.value, "https://w3id.org/rarekg/shapes#Link-score")]


def test_provider_evidence_gets_the_trials_entities(default_graph) -> None:  # type: ignore[no-untyped-def]
    """Every TrialSiteEvidence node of a trial is about each entity the trial is linked to, and nothing else."""
    store, _ = default_graph
    missing = store.select("""SELECT ?e ?entity {
        ?e rkg:evidenceKind rkg:TrialSiteEvidence ; prov:wasDerivedFrom ?t . ?t rkg:studiesEntity ?entity .
        FILTER NOT EXISTS { ?e rkg:aboutEntity ?entity } }""")
    assert missing == []
    extra = store.select("""SELECT ?e ?entity {
        ?e rkg:evidenceKind rkg:TrialSiteEvidence ; prov:wasDerivedFrom ?t ; rkg:aboutEntity ?entity .
        FILTER NOT EXISTS { ?t rkg:studiesEntity ?entity } }""")
    assert extra == []
    rows = store.select("""SELECT (COUNT(*) AS ?n) { ?e rkg:evidenceKind rkg:TrialSiteEvidence ;
        prov:wasDerivedFrom <https://w3id.org/rarekg/trial/NCT00367861> ;
        rkg:aboutEntity <https://w3id.org/rarekg/entity/orpha/44890> }""")
    assert int(rows[0]["n"].value) == 8  # BFR14: its 8 sites resolve to 8 providers

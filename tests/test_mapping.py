"""OncoTree -> Orphanet mapper: rules on tiny fixtures, real-data counts, gold-sample precision, SSSOM."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode

from kg import mapping
from kg.mapping import Mapping, map_entities, normalise, tokens
from kg.vocab import RDF, RKG, SKOS, XSD
from loaders import oncotree, orphanet
from loaders.base import LoadReport, MappableEntity

GOLD = Path(__file__).parent / "fixtures" / "mapping_gold.tsv"
ONCO = "https://w3id.org/rarekg/entity/oncotree/"
ORPHA = "https://w3id.org/rarekg/entity/orpha/"


def onco(code: str, label: str, xrefs: tuple[str, ...] = (), parents: tuple[str, ...] = ()) -> MappableEntity:
    return MappableEntity(ONCO + code, f"oncotree:{code}", label, (), xrefs, tuple(ONCO + p for p in parents))


def orpha(code: str, label: str, synonyms: tuple[str, ...] = (), xrefs: tuple[str, ...] = (),
          parents: tuple[str, ...] = ()) -> MappableEntity:
    return MappableEntity(ORPHA + code, f"ORPHA:{code}", label, synonyms, xrefs, tuple(ORPHA + p for p in parents))


def summary(ms: list[Mapping]) -> set[tuple[str, str, str, str]]:
    return {(m.subject.curie, m.predicate, m.object.curie, m.rule) for m in ms}


# --- rules on hand-made entities ----------------------------------------------------------------

def test_normalise_folds_case_accents_plurals_order_and_tumour() -> None:
    assert normalise("Tumours, Gastrointestinal Stromal") == normalise("Gastrointestinal stromal tumor")
    assert normalise("Sézary Syndrome") == normalise("Sezary syndrome")
    assert normalise("Squamous cell carcinoma of the larynx") == normalise("Larynx Squamous Cell Carcinoma")
    assert normalise("Thymic Epithelial Tumor") == normalise("Thymic epithelial neoplasm")
    assert normalise("Neuroendocrine Tumor") != normalise("Neuroendocrine neoplasm")  # NEN includes NEC
    assert normalise("Well-Differentiated Neuroendocrine Tumor of the Rectum") == normalise(
        "Neuroendocrine tumor of the rectum")
    assert tokens("Medulloblastoma, NOS") == ["medulloblastoma"]


def test_xref_rule_exact_match_with_confidence_by_agreement() -> None:
    subject = onco("GIST", "GI stromal tumour", xrefs=("UMLS:C0238198", "NCIT:C3868"))
    one = orpha("1", "Something else", xrefs=("UMLS:C0238198",))
    two = orpha("2", "Other name", xrefs=("UMLS:C0238198", "NCIT:C3868"))
    clash = orpha("3", "Third", xrefs=("NCIT:C3868", "NCIT:C9999"))
    found = {m.object.curie: m for m in map_entities([subject], [one, two, clash])}
    assert {c: (m.predicate, m.justification, m.confidence) for c, m in found.items()} == {
        "ORPHA:1": ("exactMatch", "DatabaseCrossReference", 0.90),
        "ORPHA:2": ("exactMatch", "DatabaseCrossReference", 0.95),
        "ORPHA:3": ("exactMatch", "DatabaseCrossReference", 0.80),
    }
    assert found["ORPHA:3"].matched_on == "shared xref NCIT:C3868; Orphanet also has NCIT:C9999"


def test_xref_beats_label_for_the_same_pair() -> None:
    ms = map_entities([onco("X", "Chordoma", xrefs=("UMLS:C1",))], [orpha("178", "Chordoma", xrefs=("UMLS:C1",))])
    assert [(m.rule, m.predicate) for m in ms] == [("xref", "exactMatch")]


def test_synonym_gives_close_match() -> None:
    ms = map_entities([onco("WT", "Wilms' Tumor")], [orpha("654", "Nephroblastoma", synonyms=("Wilms tumor",))])
    assert summary(ms) == {("oncotree:WT", "closeMatch", "ORPHA:654", "synonym")}
    assert ms[0].confidence == 0.80 and ms[0].justification == "LexicalMatching"


def test_site_specific_and_nos_homonyms_are_broad_matches() -> None:
    subjects = [onco("OYST", "Yolk Sac Tumor"), onco("TYST", "Yolk Sac Tumor"),
                onco("MBL", "Medulloblastoma"), onco("MBLNOS", "Medulloblastoma, NOS", parents=("MBL",))]
    objects = [orpha("876", "Yolk sac tumor"), orpha("616", "Medulloblastoma")]
    assert summary(map_entities(subjects, objects)) == {
        ("oncotree:OYST", "broadMatch", "ORPHA:876", "label"),
        ("oncotree:TYST", "broadMatch", "ORPHA:876", "label"),
        ("oncotree:MBL", "exactMatch", "ORPHA:616", "label"),
        ("oncotree:MBLNOS", "broadMatch", "ORPHA:616", "label"),
    }


def test_containment_guards() -> None:
    subjects = [onco("ULMS", "Uterine Leiomyosarcoma"), onco("NSCLC", "Non-Small Cell Lung Cancer"),
                onco("EGCT", "Extra Gonadal Germ Cell Tumor"), onco("PGNG", "Paraganglioma"),
                onco("PANCREAS", "Pancreas")]
    objects = [orpha("64720", "Leiomyosarcoma"), orpha("70573", "Small cell lung cancer"),
               orpha("363582", "Gonadal germ cell tumor"), orpha("573163", "Pheochromocytoma-paraganglioma"),
               orpha("93292", "Adenoma of pancreas")]
    assert summary(map_entities(subjects, objects)) == {("oncotree:ULMS", "broadMatch", "ORPHA:64720", "containment")}


def test_narrow_match_needs_the_hierarchy_to_agree() -> None:
    subjects = [onco("TT", "Teratoma"), onco("RBL", "Retinoblastoma")]
    objects = [orpha("883", "Extragonadal teratoma"), orpha("790", "Retinoblastoma"),
               orpha("357027", "Hereditary retinoblastoma", parents=("790",))]
    assert summary(map_entities(subjects, objects)) == {
        ("oncotree:RBL", "exactMatch", "ORPHA:790", "label"),
        ("oncotree:RBL", "narrowMatch", "ORPHA:357027", "containment"),
    }


def test_to_triples_of_one_mapping() -> None:
    m = map_entities([onco("GIST", "Gastrointestinal Stromal Tumor")], [orpha("44890", "Gastrointestinal stromal tumor")])[0]
    node = mapping.mapping_iri(m)
    sub, obj = NamedNode(ONCO + "GIST"), NamedNode(ORPHA + "44890")
    assert set(mapping.to_triples(m)) == {
        (node, RDF.type, RKG.EntityMapping),
        (node, NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), Literal("oncotree:GIST exactMatch ORPHA:44890")),
        (node, RKG.subjectEntity, sub), (node, RKG.objectEntity, obj),
        (node, RKG.mappingPredicate, SKOS.exactMatch),
        (node, RKG.mappingJustification, NamedNode("https://w3id.org/semapv/vocab/LexicalMatching")),
        (node, RKG.confidence, Literal("0.95", datatype=XSD.decimal)),
        (node, RKG.matchedOn, Literal("label 'Gastrointestinal Stromal Tumor' = label 'Gastrointestinal stromal tumor'")),
        (sub, SKOS.exactMatch, obj),
    }
    assert node.value.startswith("https://w3id.org/rarekg/mapping/")


# --- real data ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def data_dir(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Both sources compiled from the real files into a fresh folder."""
    out = tmp_path_factory.mktemp("data")
    oncotree.compile(shared_data, out, LoadReport("oncotree"))
    orphanet.compile(shared_data, out, LoadReport("orphanet"))
    return out


@pytest.fixture(scope="module")
def real(data_dir: Path) -> dict[tuple[str, str], Mapping]:
    return {(m.subject.curie, m.object.curie): m for m in mapping.compute(data_dir)}


def test_real_counts_by_rule_and_predicate(real: dict[tuple[str, str], Mapping]) -> None:
    counts = Counter((m.rule, m.predicate) for m in real.values())
    assert counts == {("label", "exactMatch"): 195, ("label", "broadMatch"): 17, ("synonym", "closeMatch"): 24,
                      ("containment", "broadMatch"): 73, ("containment", "narrowMatch"): 33}
    # The ORPHApackets cross-reference only OMIM, OncoTree only NCIt and UMLS: no shared xref exists.
    assert counts[("xref", "exactMatch")] == 0
    assert all(0 < m.confidence <= 1 for m in real.values())


def test_real_known_matches(real: dict[tuple[str, str], Mapping]) -> None:
    gist = real[("oncotree:GIST", "ORPHA:44890")]
    assert (gist.predicate, gist.rule, gist.confidence) == ("exactMatch", "label", 0.95)
    assert real[("oncotree:WT", "ORPHA:654")].predicate == "closeMatch"
    assert real[("oncotree:CHL", "ORPHA:391")].predicate == "exactMatch"          # classical = classic
    assert real[("oncotree:ULMS", "ORPHA:64720")].predicate == "broadMatch"


def test_real_known_non_matches_are_absent(real: dict[tuple[str, str], Mapping]) -> None:
    assert ("oncotree:NSCLC", "ORPHA:70573") not in real      # non-small cell is not small cell lung cancer
    assert ("oncotree:TT", "ORPHA:883") not in real           # testicular teratoma vs extragonadal teratoma
    assert ("oncotree:NETNOS", "ORPHA:877") not in real       # neuroendocrine tumour vs neoplasm (NET + NEC)
    assert not [k for k in real if k[0] in ("oncotree:BREAST", "oncotree:TISSUE", "oncotree:PANCREAS")]


def _gold() -> list[dict[str, str]]:
    with GOLD.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def test_gold_sample_is_sorted_labelled_and_large_enough() -> None:
    rows = _gold()
    keys = [(r["subject_id"], r["object_id"]) for r in rows]
    assert keys == sorted(keys) and len(set(keys)) == len(rows) >= 60, "sort the gold file, no duplicates"
    assert {r["verdict"] for r in rows} <= {"correct", "incorrect"}
    assert set(Counter(r["rule"] for r in rows)) == {"label", "synonym", "containment"}


def test_precision_on_the_hand_checked_sample(real: dict[tuple[str, str], Mapping]) -> None:
    rows = _gold()
    for r in rows:
        m = real.get((r["subject_id"], r["object_id"]))
        assert m is not None, f"gold pair {r['subject_id']} -> {r['object_id']} no longer mapped: re-check the gold file"
        assert f"skos:{m.predicate}" == r["predicate_id"] and m.rule == r["rule"], (
            f"{r['subject_id']} -> {r['object_id']} is now {m.predicate} by {m.rule}: re-check its verdict")
    correct = sum(r["verdict"] == "correct" for r in rows)
    precision = correct / len(rows)
    assert (correct, len(rows)) == (86, 88)
    assert precision >= 0.90


def test_load_is_deterministic_and_counts(data_dir: Path) -> None:
    first, second = LoadReport("mappings"), LoadReport("mappings")
    triples = list(mapping.load(data_dir, first))
    assert triples == list(mapping.load(data_dir, second))
    assert first.counts["mappings"] == 342 and len(triples) == first.counts["triples"] == 342 * 9
    assert first.version == "oncotree_2025_10_03 x orphanet"


def test_sssom_export_reproduces_committed_file(shared_data: Path, data_dir: Path, repo_data: Path) -> None:
    report = LoadReport("mappings")
    out = mapping.compile(shared_data, data_dir, report)
    assert out == data_dir / "mappings" / "oncotree_orphanet.sssom.tsv"
    assert report.counts["rows"] == 342
    text = out.read_text(encoding="utf-8")
    header = [line for line in text.splitlines() if line.startswith("#")]
    assert "#mapping_set_id: https://w3id.org/rarekg/mappings/oncotree_orphanet.sssom.tsv" in header
    assert "#  ORPHA: http://www.orpha.net/ORDO/Orphanet_" in header
    rows = list(csv.DictReader((line for line in text.splitlines() if not line.startswith("#")), delimiter="\t"))
    assert tuple(rows[0]) == mapping.SSSOM_COLUMNS and len(rows) == 342
    gist = next(r for r in rows if r["subject_id"] == "oncotree:GIST")
    assert (gist["predicate_id"], gist["object_id"], gist["mapping_justification"], gist["confidence"]) == (
        "skos:exactMatch", "ORPHA:44890", "semapv:LexicalMatching", "0.95")
    committed = repo_data / "mappings" / mapping.SSSOM_FILE
    assert out.read_bytes() == committed.read_bytes(), "data/mappings is stale: run `rarekg data compile`"

"""Linking trials and publications to cancer entities and molecular alterations (loaders.link.terms,
loaders.link.alterations, loaders.links): scored against hand-labelled gold sets from the real records, plus the
GIST trial and the basket-trial fixture end to end."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.core.records import LoadReport
from kg.core.vocab import CONFIDENCE, JUSTIFICATION, RKG, graph_iri, mint
from kg.store.embedded import EmbeddedStore
from loaders import ctgov, evidence, links, trials
from loaders.link.alterations import Vocabulary, detect
from loaders.link.conditions import RecordLinks, link_record, match_term
from loaders.link.conditions_names import ConditionIndex
from loaders.link.conditions_score import read_gold, score
from loaders.link.conditions_tolerant import similar
from loaders.link.terms import EntityIndex, EntityLink, Match, Term, link_term, mesh_key

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
def index(repo_data: Path) -> ConditionIndex:
    return ConditionIndex.from_data(repo_data)


@pytest.fixture(scope="module")
def vocab(repo_data: Path) -> Vocabulary:
    return Vocabulary.from_data(repo_data)


@pytest.fixture(scope="module")
def real_links(shared_data: Path, index: ConditionIndex) -> dict[tuple[str, str, str], set[str]]:
    """The entity CURIEs of every text of every real trial and publication in ../shared/data."""
    found, pubs = evidence.read_path(shared_data, LoadReport("test"))
    out: dict[tuple[str, str, str], set[str]] = {}
    for link in links.link_conditions(found, pubs, index).links:
        out.setdefault((link.subject_id, link.term.field, link.term.text), set()).add(link.match.entity.curie)
    return out


# -- condition -> entity -------------------------------------------------------------------------------

def test_condition_links_dev_half(real_links: dict[tuple[str, str, str], set[str]], shared_data: Path) -> None:
    """The development half of the trial split (labels and protocol in fixtures/condition_links_dev.*),
    scored as issue #17 asks: per text, per trial, and trials left without an entity."""
    from tests.gold.split import ids_in_half
    gold = read_gold(FIXTURES / "condition_links_dev.tsv")
    assert {record for record, _, _ in gold} == ids_in_half("dev") - {"2024-510663-34-00"}  # the CTIS record has no terms
    found, _ = evidence.read_path(shared_data / "trials", LoadReport("test"))
    texts = {(t.canonical_id, term.field, term.text) for t in found for term in links.trial_terms(t)}
    assert set(gold) <= texts, sorted(set(gold) - texts)[:5]
    scores = score(gold, real_links)
    print("\ndev condition links:", scores.summary())
    assert scores.precision >= 0.95 and scores.recall >= 0.85
    assert scores.trial_recall >= 0.95
    assert scores.trials_without_entity == []


def test_condition_links_dev_half_by_the_gold_protocol(shared_data: Path, index: ConditionIndex) -> None:
    """The dev half scored exactly as the test half is (tests/gold/score_conditions.py, Orphanet codes,
    tests/gold/conditions_dev.tsv); the floors are the #17 targets, and the dev figures of this pass
    (precision 0.980, recall 0.942, per trial 0.965) are printed."""
    from tests.gold import score_conditions as sc
    gold = sc.read_gold(Path(__file__).parent / "gold" / "conditions_dev.tsv")
    ids = {row.registry_id for row in gold}
    found, _ = evidence.read_path(shared_data / "trials", LoadReport("test"))
    graph = sc.Links()
    for link in links.link_conditions([t for t in found if t.canonical_id in ids], [], index).links:
        graph.trials_with_any_entity.add(link.subject_id)
        if code := sc.ORPHA_IRI.match(link.match.entity.iri):
            graph.trial_codes[link.subject_id].add(code.group(1))
            graph.text_links.append((link.subject_id, link.term.field, link.term.text, code.group(1)))
    result = sc.score(gold, graph)
    print("\ndev half, gold protocol:", result["text"], result["trial"])
    assert result["text"]["precision"] >= 0.95 and result["text"]["recall"] >= 0.85
    assert result["trial"]["recall"] >= 0.95
    assert result["rare_trials_without_entity"] == []


def test_condition_entity_gold_precision_and_recall(real_links: dict[tuple[str, str, str], set[str]]) -> None:
    rows = _tsv(FIXTURES / "condition_entity_gold.tsv")
    assert len(rows) >= 60
    expected: dict[tuple[str, str, str], set[str]] = {}
    for r in rows:
        expected.setdefault((r["record"], r["field"], r["term"]), set())
        if r["expected"] != "NONE":
            expected[(r["record"], r["field"], r["term"])].add(r["expected"])
    # rules are tuned on the dev half; this older fixture (superseded protocol, OncoTree-only answers
    # accepted) also holds test-half trials, whose figures are printed, not asserted: the test half is
    # scored against tests/gold/conditions_test.tsv by its own protocol
    from tests.gold.split import ids_in_half
    test_half = ids_in_half("test")
    pairs = [(real_links.get(key, set()), exp) for key, exp in expected.items() if key[0] not in test_half]
    held = [(real_links.get(key, set()), exp) for key, exp in expected.items() if key[0] in test_half]
    precision, recall, tp, fp, fn = _score(pairs)
    print(f"\ncondition->entity: {len(rows)} gold rows, {len(pairs)} terms outside the test half, "
          f"{sum(not e for _, e in pairs)} true negatives; TP={tp} FP={fp} FN={fn}; precision={precision:.3f} "
          f"recall={recall:.3f}; test-half rows (old protocol): precision/recall {_score(held)[:2]}")
    assert precision >= 0.95
    assert recall >= 0.90


def test_gold_terms_are_in_their_records(shared_data: Path) -> None:
    found, pubs = evidence.read_path(shared_data, LoadReport("test"))
    texts = {(t.canonical_id, term.field, term.text) for t in found for term in links.trial_terms(t)}
    texts |= {(p.pmid, term.field, term.text) for p in pubs for term in links.publication_terms(p)}
    for r in _tsv(FIXTURES / "condition_entity_gold.tsv"):
        assert (r["record"], r["field"], r["term"]) in texts, f"gold term {r['term']!r} ({r['field']}) is not in real record {r['record']}"


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
def test_link_term_rules(index: ConditionIndex, text: str, field: str, expected: set[str]) -> None:
    assert {m.entity.curie for m in link_term(Term(text, field), index)} == expected


def test_link_rules_named_and_scored(index: ConditionIndex) -> None:
    rules = {m.entity.curie: (m.rule, m.score) for m in link_term(Term("GIST", "keyword"), index)}
    assert rules == {"ORPHA:44890": ("synonym", 0.85), "oncotree:GIST": ("code", 0.85)}
    qualified = link_term(Term("adult synovial sarcoma", "keyword"), index)
    assert {(m.entity.curie, m.rule, m.score) for m in qualified} == {
        ("ORPHA:3273", "qualified", 0.80), ("oncotree:SYNS", "qualified", 0.80)}


def test_mesh_id_rule_matches_a_mesh_xref() -> None:
    from kg.core.records import MappableEntity
    ent = MappableEntity("https://w3id.org/rarekg/entity/orpha/1", "ORPHA:1", "Some tumour", xrefs=("MESH:D009447",))
    idx = EntityIndex([ent])
    [m] = link_term(Term("Nerve cell tumour, registry wording", "condition-mesh", "D000009447"), idx)
    assert (m.entity.curie, m.rule, m.matched) == ("ORPHA:1", "mesh-id", "MESH:D009447")
    assert mesh_key("D000003550") == "MESH:D003550" and mesh_key("Neoplasms") is None


def test_unmatched_terms_counted_and_unknown_codes_reported_once(index: ConditionIndex) -> None:
    result = RecordLinks()
    link_record("trial", "T1", [Term("Sarcoma", "condition"), Term("Imatinib", "keyword"),
                                Term("Osteosarcoma", "condition-mesh", "X-12")], None, index, result)
    link_record("trial", "T2", [Term("Sarcoma", "condition"), Term("Osteosarcoma", "condition", "X-12")], None, index, result)
    assert result.unmatched == {"Imatinib": 1}  # "Sarcoma" reads as the osteosarcoma of its record
    assert result.terms == 5
    assert result.unknown_codes == {"X-12": "trial T1"}
    assert sorted({(link.term.text, link.match.entity.curie, link.match.rule) for link in result.links
                   if link.subject_id == "T2"}) == [
        ("Osteosarcoma", "ORPHA:668", "label"), ("Osteosarcoma", "oncotree:OS", "label"),
        ("Sarcoma", "ORPHA:668", "trial-context"), ("Sarcoma", "oncotree:OS", "trial-context")]


@pytest.mark.parametrize(("text", "expected", "rule"), [
    ("Nasopharyngeal Cancer", {"ORPHA:150", "oncotree:NPC"}, "equivalent"),          # cancer = carcinoma
    ("adult malignant fibrous histiocytoma", {"oncotree:MFH", "ORPHA:2023"}, None),  # former name, shared
    ("adult malignant hemangiopericytoma", {"oncotree:SFT", "ORPHA:2126"}, None),
    ("meningeoma", {"ORPHA:2495", "oncotree:MNG"}, "spelling"),
    # not Orphanet's extragonadal yolk sac tumour: OncoTree's parent NSGCT names Orphanet's testicular node
    ("testicular yolk sac tumor", {"oncotree:TYST", "ORPHA:363494"}, "broader"),
    ("testicular embryonal carcinoma", {"oncotree:EMBCA", "ORPHA:363494"}, "broader"),
    ("Grade 2 Atypical meningioma", {"oncotree:ATM", "ORPHA:2495"}, "containment"),  # variant -> its parent
    ("Gall Bladder Carcinoma", {"oncotree:GBC", "ORPHA:56044"}, None),     # one of a two-site label's sites
    ("recurrent pheochromocytoma", {"oncotree:PHC", "ORPHA:573163"}, None),  # "Pheochromocytoma-paraganglioma"
    ("recurrent ovarian germ cell tumor", {"oncotree:OGCT", "ORPHA:35807"}, None),  # "Malignant ... of ovary"
    ("Ewing Sarcoma", {"oncotree:ES", "ORPHA:319", "ORPHA:370334"}, None),  # Orphanet splits it by tissue
    ("Uterine or Soft Tissue Leiomyosarcoma", {"ORPHA:213625", "oncotree:ULMS", "oncotree:LMS"}, "equivalent"),
    ("Malignant Pleural or Peritoneal Mesothelioma", {"ORPHA:50251", "ORPHA:168811", "oncotree:PLMESO",
                                                       "oncotree:PEMESO"}, "equivalent"),
    ("Salivary Gland Cancer", {"ORPHA:276145", "oncotree:SACA"}, "equivalent"),  # "Malignant epithelial tumor of salivary glands"
    ("Midgut carcinoid tumors", {"ORPHA:481508"}, "broader"),  # the node covering small intestine, appendix, colon
    ("Supratentorial PNET", {"ORPHA:251870"}, "equivalent"),  # former name; the site named its own way ("CNS PNET")
    ("Nonseminomatous Germ Cell Tumor", {"oncotree:NSGCT", "ORPHA:363494"}, None),  # "non X" is one word
    ("Non-Small Cell Lung Cancer", {"oncotree:NSCLC"}, "label"),  # a common cancer: no Orphanet node
    ("uterine leiomyosarcoma", {"ORPHA:213625", "oncotree:ULMS"}, None),           # uterine = corpus uteri
    ("adult extraskeletal osteosarcoma", set(), None),                           # not a bone osteosarcoma
    ("adult neurofibrosarcoma", {"ORPHA:3148", "oncotree:MPNST"}, None),        # Orphanet synonym, shared
    ("adult oligodendroglioma", {"ORPHA:251627", "oncotree:ODG"}, None),  # "Oligodendroglioma, IDH-mutant, ..."
])
def test_match_term_rules(index: ConditionIndex, text: str, expected: set[str], rule: str | None) -> None:
    found = match_term(Term(text, "keyword"), index)
    assert {m.entity.curie for m in found} == expected
    if rule:
        assert rule in {m.rule for m in found}


@pytest.mark.parametrize(("text", "expected", "rule"), [
    ("Adrenal Cortical Carcinoma", {"ORPHA:1501"}, "equivalent"),  # adrenal cortical = adrenocortical
    ("Choroidal Melanoma", {"ORPHA:39044"}, "equivalent"),         # a melanoma of a part of the uvea
    ("Leiomyo sarcoma", {"ORPHA:64720"}, "similar"),               # a word break is no difference
    ("Pleomorphic Sarcoma", set(), None),                          # a word less is not a misspelling
    ("Primary CNS Lymphoma", {"ORPHA:46135"}, "equivalent"),       # CNS = central nervous system
    ("Bronchial Carcinoid", {"ORPHA:97287"}, "equivalent"),        # a carcinoid is a neuroendocrine tumour
    ("Cutaneous T-Cell Lymphoma", {"ORPHA:171901"}, "equivalent"),  # "Primary cutaneous T-cell lymphoma", not
    # "Extranodal nasal NK/T cell lymphoma" (a name read without its framing "Primary")
    ("Mycosis Fungoides", {"ORPHA:178566"}, "shared-name"),        # "Mycosis fungoides and variants", via OncoTree
    ("Myxoid liposarcoma", {"ORPHA:99967"}, "equivalent"),         # "Myxoid/round cell liposarcoma"
    ("Brain Tumor", set(), None),                                   # OncoTree's "Primary Brain Tumor" is an organ term
    ("Liposarcoma non-metastatic", {"ORPHA:69078"}, "equivalent"),  # MedDRA: a negated qualifier is a qualifier
    ("Phaeochromocytoma and Neuroblastoma", {"ORPHA:573163", "ORPHA:635"}, "equivalent"),  # British spelling
    ("Ovarian, Testicular, or Extragonadal germ cell tumours", {"ORPHA:35807", "ORPHA:363504", "ORPHA:363579"},
     "equivalent"),                                                 # ", or": the parts share the head
    ("Appendiceal Carcinoid", {"ORPHA:100079"}, "broader"),        # NET -> Orphanet's NEN of the appendix
    ("Neuroendocrine Tumors", set(), None),                        # a family term is not widened by itself
    ("entero pancreatic neuro endocrine tumours", {"ORPHA:100092"}, "broader"),  # words written in two
    ("non functioning entero pancreatic neuro endocrine tumours", {"ORPHA:100092"}, "broader"),  # hormone activity
    ("Ewing's tumor recurrent", {"ORPHA:319", "ORPHA:370334"}, "equivalent"),  # Ewing's tumour = Ewing sarcoma
    ("Extra-osseous Ewing's sarcoma non-metastatic", {"ORPHA:370334"}, "equivalent"),  # not "osseous"
    ("type B3 thymoma", {"ORPHA:263317"}, "equivalent"),           # a WHO subtype without a node: its type
    (("Histologically proven advanced malignant soft tissue sarcoma, excluding the following tumor types: "
      "Ewing tumors / primitive neuroectodermal tumor (PNET) Gastro-intestinal stromal tumors (GIST)"),
     {"ORPHA:3394"}, None),                                         # what a trial leaves out is not its type
    ("Non-functioning pituitary adenoma", {"ORPHA:91349"}, "label"),  # ... unless it is the entity's own name
    ("Patients with high risk uterine LMS, FIGO stage I", {"ORPHA:213625"}, "equivalent"),  # a one-type acronym
    (("Patients with histological or cytological confirmed squamous cell carcinomas of the oral cavity, oropharynx, "
     "hypopharynx, larynx, T2-T3-T4, any N, M0"), {"ORPHA:502363", "ORPHA:500478", "ORPHA:494547", "ORPHA:494550"},
     "part"),                                                       # the sites listed after a type at a site
    ("stage IVB vulvar cancer", {"ORPHA:494418"}, "equivalent"),   # sub-stage
    ("Leiomyosarcoma of the Uterus", {"ORPHA:213625"}, None),      # uterus = corpus uteri, as uterine
    ("ovarian yolk sac tumor", {"ORPHA:35807"}, "broader"),        # OncoTree's tissue "Ovary/Fallopian Tube"
    ("esthesioneuroblastoma of the paranasal sinus and nasal cavity", {"ORPHA:1957"}, "head"),  # no site guard
    ("embryonal-botryoid childhood rhabdomyosarcoma", {"ORPHA:99757"}, "equivalent"),  # either variant word
    ("adult malignant mesenchymoma", {"ORPHA:3394"}, "equivalent"),  # Orphanet: "Malignant mesenchymal tumor"
    # found on the fresh development texts of conditions_dev3.tsv:
    ("Primary non-Hodgkin lymphoma in the central nervous system relapse / refractory", {"ORPHA:46135"},
     "narrower"),                                                   # the site-specific entity named in other order
    ("Primary non-Hodgkin lymphoma in the testis", {"ORPHA:547"}, "head"),  # no entity of its words at the site: kept
    (("Primary CNS lymphoma (PCNSL) accounts for 1 to 2% of all Non-Hodgkin's lymphomas (NHL) and for 2 to 7% of "
      "all primary CNS tumors."), {"ORPHA:46135"}, "narrower"),    # a sentence's acronyms in passing are no names
    ("medulloblastoma, Hodgkin and non-Hodgkin lymphomas", {"ORPHA:616", "ORPHA:98293", "ORPHA:547"},
     "equivalent"),                                                 # modifiers share the family word after them
    ("Hodgkin's disease", {"ORPHA:98293"}, "equivalent"),          # former name
    ("Dermatofibrosarcoma", {"ORPHA:31112"}, "equivalent"),        # the short name of its only kind
    ("Mycoses fungoides", {"ORPHA:178566"}, "equivalent"),
    # ... and of conditions_dev2.tsv / conditions_dev4.tsv:
    ("Bile Duct Cancer", {"ORPHA:70567"}, "synonym"),        # the duct's is cholangiocarcinoma (the tract's: below)
    ("Recurrent Islet Cell Carcinoma", {"ORPHA:97253"}, "equivalent"),  # the malignant PanNET, not a NEC
    ("The diagnosis of malignant peripheral nerve sheath tumours in patients with neurofibromatosis 1",
     {"ORPHA:3148", "ORPHA:636"}, None),                           # a sentence's names of another family too
    ("Primary high risk leiomyosarcoma or Liposarcoma of retroperitoneal space or infra-peritoneal spaces of pelvis",
     {"ORPHA:64720", "ORPHA:69078"}, None),                        # each part read, the second by its head
    ("Oligodendroglioma WHO grade III", {"ORPHA:251630"}, "equivalent"),  # grade III: the anaplastic one
    ("Non functioning entero-pancreatic tumours", {"ORPHA:100092"}, "broader"),  # a GEP tumour is the NET
    ("AIDS-related Kaposi sarcoma", {"ORPHA:33276"}, None),        # ... not one of a cause ("...-related disorder")
    ("Pancreatic Polypeptide Tumor", {"ORPHA:97278"}, "equivalent"),  # PPoma
    ("Subtypes of Cutaneous T cell ltymphoma (CTCL): Mycosis Fungoides (MF) and Sézary Syndrome (SS)",
     {"ORPHA:178566", "ORPHA:3162"}, "equivalent"),                # a colon lists as a comma does
    # found on conditions_dev5.tsv (NCI keyword lists):
    ("stage IV verrucous carcinoma of the larynx", {"ORPHA:494550"}, "equivalent"),  # an SCC variant: the site's SCC
    ("cloacogenic carcinoma of the anus", {"ORPHA:424019"}, "equivalent"),
    ("stage III lymphoepithelioma of the nasopharynx", {"ORPHA:150"}, "equivalent"),
    ("stage II lymphoepithelioma of the oropharynx", {"ORPHA:500478"}, "equivalent"),
    ("adult ependymoblastoma", {"ORPHA:656417"}, "equivalent"),    # its WHO 2016 name: ETMR
    ("Gestational Trophoblastic Neoplasia", {"ORPHA:59305"}, "equivalent"),  # neoplasia = neoplasm
    # found on conditions_holdout.tsv once scored (now development data):
    ("Paget Disease of the Vulva", {"ORPHA:2800"}, "equivalent"),  # outside the breast: the extramammary one
    ("astrocytoma IDH mutant", {"ORPHA:94"}, None),                # the molecular half adds nothing to the type
    ("recurrent esthesioneuroblastoma of the paranasal sinus and nasal cavity", {"ORPHA:1957"}, None),  # olfactory
])
def test_match_term_orphanet_rules(index: ConditionIndex, text: str, expected: set[str], rule: str | None) -> None:
    found = [m for m in match_term(Term(text, "condition"), index) if m.entity.curie.startswith("ORPHA:")]
    assert {m.entity.curie for m in found} == expected
    if rule:
        assert {m.rule for m in found} == {rule}


def test_slash_inside_a_name_lists_no_alternatives() -> None:
    from loaders.link.terms import _alternatives
    assert _alternatives("Solitary Fibrous Tumor/Hemangiopericytoma") == ["Solitary Fibrous Tumor", "Hemangiopericytoma"]
    assert _alternatives("Extranodal nasal NK/T cell lymphoma") == []
    assert _alternatives("Myeloid/lymphoid neoplasm associated with FGFR1 rearrangement") == []


def test_xref_rule_matches_any_source_code() -> None:
    from kg.core.records import MappableEntity
    ent = MappableEntity("https://w3id.org/rarekg/entity/oncotree/X", "oncotree:X", "Some tumour", xrefs=("UMLS:C0025202",))
    idx = ConditionIndex([ent])
    [m] = match_term(Term("registry wording", "condition", "UMLS:C0025202"), idx)
    assert (m.entity.curie, m.rule, m.matched) == ("oncotree:X", "xref", "UMLS:C0025202")


def _links_of(terms: list[Term], title: str, index: ConditionIndex) -> dict[str, set[str]]:
    result = RecordLinks()
    link_record("trial", "T", terms, title, index, result)
    out: dict[str, set[str]] = {t.text: set() for t in terms}
    for link in result.links:
        out.setdefault(link.term.text, set()).add(link.match.entity.curie)
    return out


def test_mesh_term_never_overrides_a_more_specific_condition(index: ConditionIndex) -> None:
    """MeSH "Melanoma" in a uveal-melanoma trial is the uveal melanoma, not cutaneous melanoma."""
    got = _links_of([Term("Uveal Melanoma", "condition"), Term("Melanoma", "condition-mesh")],
                    "Adjuvant therapy of high-risk uveal melanoma", index)
    assert got["Melanoma"] == got["Uveal Melanoma"] and "ORPHA:39044" in got["Melanoma"]
    assert not {"oncotree:MEL", "oncotree:SKCM"} & got["Melanoma"]


def test_oncotree_type_reaches_orphanet_through_the_graphs_mapping(index: ConditionIndex) -> None:
    """A text that names an OncoTree type only also gets the Orphanet entity that type maps to (rule "mapped"): the
    same type (UCCA -> gestational choriocarcinoma) or its nearest Orphanet container (THHC -> differentiated thyroid
    carcinoma); never through a NOS bucket, which maps by its tissue (NECNOS, filed under unknown primary)."""
    got = _links_of([Term("Uterine Corpus Choriocarcinoma", "condition"),
                     Term("Hurthle cell carcinoma of the thyroid", "keyword"),
                     Term("Neuroendocrine carcinoma metastatic", "keyword")], "A trial", index)
    assert got["Uterine Corpus Choriocarcinoma"] == {"oncotree:UCCA", "ORPHA:99926"}
    assert got["Hurthle cell carcinoma of the thyroid"] == {"oncotree:THHC", "ORPHA:146"}
    assert "ORPHA:631251" not in got["Neuroendocrine carcinoma metastatic"]
    assert index.mapped["https://w3id.org/rarekg/entity/oncotree/UCCA"] == ("https://w3id.org/rarekg/entity/orpha/99926",)


def test_a_numbered_type_is_never_a_near_name_of_another_number(index: ConditionIndex) -> None:
    """Rule "similar" compares whole names a letter or two apart: "type 2" is not "type 1"."""
    assert not [m for m in similar("neurofibromatosis type 3", index) if m.entity.curie == "ORPHA:636"]
    assert [m.entity.curie for m in similar("Neurofibromatosiss type 1", index)] == ["ORPHA:636"]
    # ... but a roman numeral is the same number (review of the twelfth session: "type I" had lost NF1)
    assert [m.entity.curie for m in similar("Neurofibromatosis type I", index)] == ["ORPHA:636"]
    assert not [m for m in similar("neurofibromatosis type II", index) if m.entity.curie == "ORPHA:636"]


@pytest.mark.parametrize(("text", "field"), [
    ("NF2 Gene Mutation", "keyword"), ("Mesothelioma with NF2 loss", "condition"), ("Loss of NF2", "keyword"),
    ("BAP1/NF2 altered tumors", "condition"), ("NF2 mutation", "keyword"),
])
def test_the_nf2_gene_is_not_the_nf2_syndrome(index: ConditionIndex, text: str, field: str) -> None:
    """"NF2" alone is Orphanet's full NF2-related schwannomatosis, but an alteration of the gene is a biomarker: a
    mesothelioma "with NF2 loss" is no schwannomatosis (review of the twelfth session)."""
    got = _links_of([Term(text, field)], "", index)
    assert "ORPHA:637" not in got[text]


def test_the_gut_and_pancreas_are_gastroenteropancreatic_only_for_a_neuroendocrine_tumour(index: ConditionIndex) -> None:
    """"GI and pancreatic NETs" are the GEP-NENs; "Gastrointestinal or Pancreatic Tumors" (their carcinomas) are not
    (review of the twelfth session)."""
    got = _links_of([Term("Gastrointestinal or pancreatic tumors", "condition"),
                     Term("Gastrointestinal and Pancreatic Cancers", "condition")], "", index)
    assert "ORPHA:100092" not in got["Gastrointestinal or pancreatic tumors"] | got["Gastrointestinal and Pancreatic Cancers"]
    got = _links_of([Term("GI and pancreatic NETs", "condition")], "", index)
    assert "ORPHA:100092" in got["GI and pancreatic NETs"]


def test_a_pancreatic_insular_carcinoma_is_no_thyroid_carcinoma(index: ConditionIndex) -> None:
    """"Insular carcinoma" is WHO's former name of the poorly differentiated thyroid carcinoma, but not at the
    pancreas, whose insular (islet) carcinoma was read as the differentiated thyroid carcinoma (review of the twelfth
    session)."""
    got = _links_of([Term("Pancreatic insular carcinoma", "condition")], "", index)
    assert not {c for c in got["Pancreatic insular carcinoma"] if "THPD" in c or c in {"ORPHA:146", "ORPHA:100088"}}
    got = _links_of([Term("Insular carcinoma of the thyroid", "condition")], "", index)
    assert "oncotree:THPD" in got["Insular carcinoma of the thyroid"]


def test_a_pnet_of_the_cns_beside_ewing_sarcoma_stays_central(index: ConditionIndex) -> None:
    """A PNET named with the Ewing sarcoma is the peripheral one, unless the text says it is of the CNS (review of the
    twelfth session: it was read as a "peripheral PNET of the CNS" and lost the CNS embryonal tumour)."""
    text = "Ewing's Sarcoma, Primitive Neuroectodermal Tumors of the CNS"
    got = _links_of([Term(text, "condition")], "", index)
    assert "ORPHA:251870" in got[text] and "ORPHA:370348" not in got[text]


def test_nf2_alone_is_not_read_as_the_syndrome(index: ConditionIndex) -> None:
    """"NF2" is a gene as often as the syndrome (a biomarker list "BAP1, NF2, LATS2 altered"; held-out 7's labeller
    read the NF1, MEN1 and VHL keywords of a NET trial as genes): only "neurofibromatosis type 2" is the syndrome."""
    got = _links_of([Term("NF2", "keyword"), Term("BAP1, NF2, LATS2 altered tumors", "condition")], "", index)
    assert "ORPHA:637" not in got["NF2"] | got["BAP1, NF2, LATS2 altered tumors"]
    got = _links_of([Term("Neurofibromatosis Type II", "condition")], "", index)
    assert "ORPHA:637" in got["Neurofibromatosis Type II"]


def test_anaplastic_thyroid_carcinoma_in_a_thyroid_record_is_not_the_grouping(index: ConditionIndex) -> None:
    """A record listing the thyroid's kinds: NCI's "Thyroid Gland Undifferentiated (Anaplastic) Carcinoma" is the
    anaplastic carcinoma, not the thyroid's grouping."""
    got = _links_of([Term("Stage IVA Thyroid Gland Undifferentiated (Anaplastic) Carcinoma", "condition"),
                     Term("Stage IVA Thyroid Gland Medullary Carcinoma", "condition"),
                     Term("Recurrent Thyroid Gland Carcinoma", "condition")], "Pazopanib in Advanced Thyroid Cancer", index)
    assert {c for c in got["Stage IVA Thyroid Gland Undifferentiated (Anaplastic) Carcinoma"]
            if c.startswith("ORPHA:")} == {"ORPHA:142"}


def test_organ_term_resolved_in_its_record_tells_the_broader_terms(index: ConditionIndex) -> None:
    """'laryngeal cancer' reaches Orphanet only through its record; it then says what 'Head and Neck Cancer'
    and MeSH 'Laryngeal Neoplasms' of the same record mean (two passes)."""
    got = _links_of([Term("Head and Neck Cancer", "condition"), Term("Laryngeal Neoplasms", "condition-mesh"),
                     Term("stage II laryngeal cancer", "keyword"), Term("Mucositis", "condition")],
                    "Sargramostim to prevent mucositis during radiotherapy", index)
    orpha = {k: {c for c in v if c.startswith("ORPHA:")} for k, v in got.items()}
    assert orpha == {"Head and Neck Cancer": {"ORPHA:494550"}, "Laryngeal Neoplasms": {"ORPHA:494550"},
                     "stage II laryngeal cancer": {"ORPHA:494550"}, "Mucositis": set()}


def test_kind_of_a_family_without_a_node_is_read_in_its_record(index: ConditionIndex) -> None:
    got = _links_of([Term("Malignant Mesothelioma", "condition"), Term("sarcomatous mesothelioma", "keyword"),
                     Term("benign mesothelioma", "keyword")], "Surgery for malignant pleural mesothelioma", index)
    assert "ORPHA:50251" in got["sarcomatous mesothelioma"]
    assert not {c for c in got["benign mesothelioma"] if c.startswith("ORPHA:")}  # a contrast word: not a kind of it


def test_site_less_text_read_at_its_records_one_site(index: ConditionIndex) -> None:
    """In a testicular trial, MeSH 'Carcinoma, Embryonal' and 'Endodermal Sinus Tumor' are the testicular
    tumours (NSGCT of testis), not Orphanet's extragonadal ones; a list of names is not moved."""
    got = _links_of([Term("Testicular Cancer", "condition"), Term("Carcinoma, Embryonal", "condition-mesh"),
                     Term("Endodermal Sinus Tumor", "condition-mesh"), Term("Testicular Neoplasms", "condition-mesh"),
                     Term("Neoplasms, Glandular and Epithelial", "condition-mesh")],
                    "Chemotherapy for testicular germ cell tumours", index)
    orpha = {k: {c for c in v if c.startswith("ORPHA:")} for k, v in got.items()}
    assert orpha["Carcinoma, Embryonal"] == orpha["Endodermal Sinus Tumor"] == {"ORPHA:363494"}
    assert orpha["Neoplasms, Glandular and Epithelial"] == set()
    # two sites in the record: the text keeps its own entity
    both = _links_of([Term("Carcinoma, Embryonal", "condition-mesh"), Term("testicular cancer", "keyword"),
                      Term("mediastinal germ cell tumor", "keyword")], "Germ cell tumours", index)
    assert "ORPHA:180226" in both["Carcinoma, Embryonal"]


def test_type_at_a_site_without_a_node_reaches_the_family_node_there(index: ConditionIndex) -> None:
    got = _links_of([Term("salivary gland adenoid cystic carcinoma", "keyword"),
                     Term("adult extraskeletal osteosarcoma", "keyword"),
                     Term("recurrent basal cell carcinoma of the lip", "keyword"),
                     Term("Retroperitoneal Sarcoma", "condition"),
                     Term("HPV-positive Oropharyngeal Cancer", "condition"),
                     Term("ovarian sarcoma", "keyword")], "", index)
    orpha = {k: {c for c in v if c.startswith("ORPHA:")} for k, v in got.items()}
    assert orpha == {"salivary gland adenoid cystic carcinoma": {"ORPHA:276145"},  # malignant epithelial = carcinoma
                     "adult extraskeletal osteosarcoma": {"ORPHA:3394"},           # a soft tissue sarcoma
                     "recurrent basal cell carcinoma of the lip": set(),           # not the lip's squamous carcinoma
                     "Retroperitoneal Sarcoma": {"ORPHA:3394"},
                     "HPV-positive Oropharyngeal Cancer": {"ORPHA:500478"},  # a marker names no type
                     "ovarian sarcoma": {"ORPHA:398940"}}  # a sarcoma is a malignant non-epithelial tumour


@pytest.mark.parametrize(("text", "expected"), [
    ("Testicular Cancer", set()),                     # not "Paratesticular adenocarcinoma"
    ("Breast Cancer", set()),                         # a common cancer: not "Rare malignant breast tumor"
    ("Prostate Cancer", set()),                       # not "Familial prostate cancer"
    ("Cervical Cancer", {"ORPHA:213761"}),            # the cervix's grouping, which holds its SCC and adenocarcinoma
    ("advanced or metastatic cervical cancer", {"ORPHA:213761"}),  # "or" is no histology: not the adenocarcinoma
    ("Stage IB2 Cervical Cancer FIGO 2018", {"ORPHA:213761"}),     # a staging system's sub-stage and edition
    ("Stage II Laryngeal Cancer AJCC v8", {"ORPHA:494550"}),
    ("Clinical Stage II HPV-Mediated (p16-Positive) Oropharyngeal Carcinoma AJCC v8", {"ORPHA:500478"}),
    ("early-stage, intermediate-risk cervical cancer patients", {"ORPHA:213761"}),  # a risk group; "patients"
    ("on-metastatic sinonasal cancer", {"ORPHA:500464"}),  # a clipped "non-": "on" is no histology
    ("tumors metastatic to brain", set()),             # a secondary tumour: "to" is no filler
    ("Low Grade Ovarian Serous Adenocarcinoma", {"ORPHA:213504"}),  # a variant without a node: its parent
    # twelfth session: "poorly differentiated" is no "differentiated" thyroid carcinoma; WHO's former names
    ("Poorly Differentiated Thyroid Cancer", {"ORPHA:100088"}),  # OncoTree's THPD, mapped to its container
    ("Insular Thyroid Cancer", {"ORPHA:100088"}),     # the poorly differentiated one (WHO 2004)
    ("Differentiated Thyroid Cancer", {"ORPHA:146"}),
    ("Salivary Gland Acinic Cell Tumor", {"ORPHA:276145"}),  # the acinic cell carcinoma (WHO 1991)
    ("Salivary Gland Malignant Mixed Cell Type Tumor", {"ORPHA:276145"}),  # its carcinoma ex pleomorphic adenoma
    ("Skin and subcutaneous conditions NEC", set()),  # MedDRA's "not elsewhere classified", no neuroendocrine carcinoma
    ("Thyroid Gland Undifferentiated (Anaplastic) Carcinoma", {"ORPHA:142"}),  # the anaplastic one (NCI's wording)
    ("neurofibromatosis type 2", {"ORPHA:637"}),      # Orphanet's "Full NF2-related schwannomatosis"; never type 1
    ("Intracranial Hemangiopericytoma", {"ORPHA:2126"}),  # the solitary fibrous tumour (WHO 2016), read once rephrased
    ("non-serous ovarian carcinoma", set()),           # never past a contrast word
    ("Secondary Liver Carcinoma", set()),              # a word of origin is no variant's word
    ("Hereditary Ovarian Carcinoma", set()),
    ("Cervical Cancer FIGO Stage IB", {"ORPHA:213761"}),  # a staging system anywhere in the text
    ("Cervical Cancer (AJCC v8)", {"ORPHA:213761"}),
    ("Stage IIIC1r Cervical Cancer", {"ORPHA:213761"}),
    ("Cervical Esophageal Cancer", {"ORPHA:70482"}),   # the oesophagus' neck part, no cervix uteri
    ("Skin Cancer", set()),                           # not "Cutaneous neuroendocrine carcinoma"
    ("Non-small Cell Lung Cancer", set()),            # not "Small cell lung cancer"
    ("Oropharyngeal Cancer", {"ORPHA:500478"}),       # not the predisposition syndrome; squamous by default here
    ("tongue cancer", {"ORPHA:502363"}),              # no tongue node: the enclosing oral cavity's carcinoma
    ("Oral Cavity Cancer", {"ORPHA:502363"}),         # the oral cavity's own node, not the oral cavity and lip's
    ("Lip Cancer", {"ORPHA:502366"}),
    ("Squamous cell cancer of the oral cavity", {"ORPHA:502363"}),  # own name before half a two-site label
    ("lip and oral cavity cancer", {"ORPHA:502369"}),  # the node of exactly those sites
    ("Laryngeal and Hypopharyngeal Cancer", {"ORPHA:494550", "ORPHA:494547"}),  # else each site's own
    ("Cancer of the Mouth or Oropharynx", {"ORPHA:502363", "ORPHA:500478"}),
    ("Anal and Vulvar Cancer", {"ORPHA:424013", "ORPHA:494418"}),  # one by name, one by its site
    ("Cervical and Endometrial Cancer", set()),                    # not every site has its own: nothing
])
def test_organ_cancer_alone_is_its_sites_own_carcinoma_or_nothing(index: ConditionIndex, text: str,
                                                                 expected: set[str]) -> None:
    got = _links_of([Term(text, "condition")], "", index)
    assert {c for c in got[text] if c.startswith("ORPHA:")} == expected


def test_family_condition_is_one_of_the_records_types(index: ConditionIndex) -> None:
    """'Glioma' beside 'Meningioma': the organ terms are either (glial tumour, meningioma), not the meningioma
    alone; a family condition is not read through its own match ('Lymphoma' in a PCNSL trial is the PCNSL)."""
    brain = _links_of([Term("Glioma", "condition"), Term("Meningioma", "condition"),
                       Term("Brain Neoplasms", "condition-mesh")], "Brain Tumor Trial", index)
    assert {c for c in brain["Brain Neoplasms"] if c.startswith("ORPHA:")} == {"ORPHA:182067", "ORPHA:2495"}
    pcnsl = _links_of([Term("Lymphoma", "condition"), Term("Primary CNS Lymphoma", "condition")],
                      "Lymphoma trial of the CNS", index)
    assert {c for c in pcnsl["Lymphoma"] if c.startswith("ORPHA:")} == {"ORPHA:46135"}


def test_title_names_the_orphanet_type_when_no_text_reaches_one(index: ConditionIndex) -> None:
    title = "Radiotherapy With or Without Cisplatin for Nasopharyngeal Carcinoma"
    result = RecordLinks()
    link_record("trial", "T", [Term("Mucositis", "condition"), Term("Cisplatin", "keyword")], title, index, result)
    assert {(link.term.field, link.match.entity.curie, link.match.rule) for link in result.links} == {
        ("title", "ORPHA:150", "title")}
    # a text reaching Orphanet: the title adds nothing
    result = RecordLinks()
    link_record("trial", "T", [Term("Nasopharyngeal Cancer", "condition")], title, index, result)
    assert {link.term.field for link in result.links} == {"condition"}


def test_two_names_written_one_after_the_other(index: ConditionIndex) -> None:
    found = {m.entity.curie for m in match_term(Term("thymoma thymic carcinoma", "keyword"), index)}
    assert {"ORPHA:99867", "ORPHA:99868"} <= found


def test_generic_terms_read_in_their_trial(index: ConditionIndex) -> None:
    meso = _links_of([Term("Malignant Mesothelioma", "condition"), Term("Mesothelioma", "condition-mesh"),
                      Term("Lung Neoplasms", "condition-mesh")],
                     "Trimodality Therapy in Malignant Pleural Mesothelioma", index)
    assert meso == {"Malignant Mesothelioma": {"ORPHA:50251", "oncotree:PLMESO"},
                    "Mesothelioma": {"ORPHA:50251", "oncotree:PLMESO"}, "Lung Neoplasms": set()}
    hn = _links_of([Term("Head and Neck Cancer", "condition"),
                    Term("stage III squamous cell carcinoma of the oropharynx", "keyword"),
                    Term("stage IV squamous cell carcinoma of the larynx", "keyword")], "Advanced Head and Neck Cancer", index)
    assert hn["Head and Neck Cancer"] == {"ORPHA:67037", "oncotree:HNSC"}  # nearest informative broader node
    larynx = _links_of([Term("Laryngeal Cancer", "condition"), Term("Mucositis", "condition")],
                       "Radiotherapy of Laryngeal Cancer", index)
    assert larynx == {"Laryngeal Cancer": {"ORPHA:494550"}, "Mucositis": set()}  # Orphanet's only laryngeal carcinoma
    biliary = _links_of([Term("Cholangiocarcinoma", "condition"), Term("Gall Bladder Carcinoma", "condition"),
                         Term("Carcinoma", "condition-mesh")], "Adjuvant therapy of biliary tract cancer", index)
    assert "ORPHA:101943" in biliary["Carcinoma"]  # covers intra- and extrahepatic cholangiocarcinoma too
    gct = _links_of([Term("Ovarian Cancer", "condition"), Term("recurrent ovarian germ cell tumor", "keyword")],
                    "Chemotherapy for Germ Cell Tumors", index)
    assert "ORPHA:35807" in gct["Ovarian Cancer"] and "ORPHA:398934" not in gct["Ovarian Cancer"]  # X cancer in context
    net = _links_of([Term("Pancreatic Neuroendocrine Tumor", "condition"),
                     Term("Small intestine neuroendocrine tumor", "condition"), Term("Neuroendocrine Tumors", "condition-mesh")],
                    "Everolimus in advanced neuroendocrine tumours", index)
    assert "ORPHA:100092" in net["Neuroendocrine Tumors"]  # GEP-NEN; OncoTree's NOS is under CUP, not reached
    assert "ORPHA:631251" not in net["Neuroendocrine Tumors"]
    meso = _links_of([Term("Malignant Mesothelioma", "condition"), Term("Pleural mesothelioma", "keyword"),
                      Term("Peritoneal mesothelioma", "keyword")], "Pemetrexed in mesothelioma", index)
    assert meso["Malignant Mesothelioma"] == {"ORPHA:50251", "ORPHA:168811"}  # no informative common node: the list
    ovary = _links_of([Term("Ovarian Cancer", "condition"), Term("ovarian sarcoma", "keyword")], "Soft tissue sarcoma", index)
    assert "ORPHA:398934" not in ovary["Ovarian Cancer"]  # the record says its ovarian cancer is a sarcoma
    ewing = _links_of([Term("Sarcoma", "condition"), Term("Ewing sarcoma", "keyword")], "Chemotherapy for Ewing Sarcoma", index)
    assert {"ORPHA:319", "ORPHA:370334"} <= ewing["Sarcoma"]  # no Orphanet umbrella: the list
    neo = _links_of([Term("Neoplasms", "condition-mesh"), Term("bone", "keyword"), Term("Osteosarcoma", "condition")],
                    "Osteosarcoma", index)
    assert neo["Neoplasms"] == set() and neo["bone"] == set()



@pytest.mark.parametrize(("text", "expected"), [
    ("adult mixed glioma", {"ORPHA:251656"}),                        # former name of oligoastrocytoma
    ("Ewing's Family of Tumors", {"ORPHA:319", "ORPHA:370334"}),     # a family phrase names the type
    ("Adrenal Cortex Cancer", {"ORPHA:1501"}),                       # adrenal cortex = adrenocortical
    ("Islet Cell Carcinoma", {"ORPHA:97253"}),                       # former name: the malignant pancreatic NET
    ("Pigmented Villonodular Synovitis", {"ORPHA:66627"}),           # former name of the TGCT
    ("Sinonasal Squamous Cell Carcinoma", {"ORPHA:500464"}),         # sinonasal = nasal cavity and sinuses
    ("Mucosal Melanoma", {"ORPHA:168999"}),                          # "of the mucosa"
    ("Clear Cell Sarcoma", {"ORPHA:97338"}),                         # melanoma of soft parts
    ("NUT Carcinoma of the Lung", {"ORPHA:443167"}),                 # a site-less entity is at any site named
    ("Germ Cell Tumor of the Vulva", {"ORPHA:363579"}),              # ... a family name is not: extragonadal
    ("Giant Cell Tumor of Tendon Sheath", {"ORPHA:66627"}),          # the localised TGCT
    ("Intraocular Melanoma", {"ORPHA:39044"}),                       # NCI's name of the uveal melanoma
    ("Ciliary Body Melanoma", {"ORPHA:39044"}),                      # a part of the uvea
    ("clear cell sarcoma of the kidney", {"ORPHA:457246"}),          # ... not the kidney's
    ("Adenoid Cystic Carcinoma", {"ORPHA:276145"}),  # OncoTree: a salivary carcinoma = Orphanet's salivary glands'
    # OncoTree files it under "Salivary Carcinoma": a benign type takes no carcinoma, only its mapping's benign container
    ("Pleomorphic Adenoma", {"ORPHA:276148"}),
])
def test_former_names_and_other_phrasings_read_as_the_sources_write_them(index: ConditionIndex, text: str,
                                                                         expected: set[str]) -> None:
    got = _links_of([Term(text, "condition")], "", index)
    assert {c for c in got[text] if c.startswith("ORPHA:")} == expected


def test_organ_term_phrased_another_way_is_read_in_its_record(index: ConditionIndex) -> None:
    got = _links_of([Term("Adrenocortical Carcinoma", "condition"), Term("Adrenal Cortex Neoplasms", "condition-mesh")],
                    "Mitotane after surgery", index)
    assert "ORPHA:1501" in got["Adrenal Cortex Neoplasms"]


@pytest.mark.parametrize(("text", "expected"), [
    ("Recurrent Primary cutaneous T-cell lymphoma", {"ORPHA:171901"}),  # not "Lymphoma": the name starts with "primary"
    ("Stage IV Primary peritoneal carcinoma", {"ORPHA:168829"}),
    ("recurrent adult soft tissue sarcoma", {"ORPHA:3394"}),
])
def test_leading_qualifiers_dropped_one_at_a_time(index: ConditionIndex, text: str, expected: set[str]) -> None:
    found = {m.entity.curie for m in match_term(Term(text, "condition"), index) if m.entity.curie.startswith("ORPHA:")}
    assert found == expected

@pytest.mark.parametrize(("text", "expected"), [
    ("Schwannoma", {"ORPHA:252164"}),                        # not MPNST's "Malignant schwannoma": the benign one
    ("Malignant Schwannoma", {"ORPHA:3148"}),
    ("Low-Grade Central Osteosarcoma", {"ORPHA:668"}),       # "central" alone names no nervous system
    # a gliosarcoma is no plain sarcoma of the CNS; OncoTree's type maps to its container, chondrosarcoma
    ("Mesenchymal Chondrosarcoma of the CNS", {"ORPHA:55880"}),
    # ... but a carcinoma is there: cholangiocarcinoma sits under both the intrahepatic and the extrahepatic
    # carcinoma, so the tract (gallbladder included) is their common node (conditions_protocol.md rule 4)
    ("Biliary Tract Cancer", {"ORPHA:101943"}),
    ("Primary Central Nervous System Lymphoma", {"ORPHA:46135"}),
])
def test_no_malignant_name_for_a_bare_one_nor_a_site_for_a_lone_word(index: ConditionIndex, text: str,
                                                                     expected: set[str]) -> None:
    got = _links_of([Term(text, "condition")], "", index)
    assert {c for c in got[text] if c.startswith("ORPHA:")} == expected

@pytest.mark.parametrize(("text", "expected"), [
    ("Clear Cell Ovarian Cancer", {"ORPHA:398971"}),  # "Clear cell adenocarcinoma of the ovary"
    ("Mucinous Ovarian Cancer", {"ORPHA:398961"}),
    ("Rhabdoid Cancer", {"ORPHA:69077"}),             # no rhabdoid carcinoma: the rhabdoid tumour
    ("Pancreatic Cancer", set()),                     # an organ's cancer alone is not widened so
])
def test_histology_cancer_is_its_adenocarcinoma_or_malignant_tumour(index: ConditionIndex, text: str,
                                                                   expected: set[str]) -> None:
    found = {m.entity.curie for m in match_term(Term(text, "condition"), index) if m.entity.curie.startswith("ORPHA:")}
    assert found == expected

@pytest.mark.parametrize(("text", "expected"), [
    # a part naming no site takes the first part's site words, else is read as written
    ("Adrenocortical Carcinoma or Pheochromocytoma", {"ORPHA:1501", "ORPHA:573163"}),
    ("Vulvar or Vaginal Cancer", {"ORPHA:494418", "ORPHA:180247"}),  # "vulvar" is a site word: "Vulvar Cancer"
    ("testicular embryonal carcinoma and teratoma", {"ORPHA:363483", "ORPHA:363494"}),  # carried: testicular teratoma
    ("Sarcoma of Soft Tissue and Bone", {"ORPHA:3394", "ORPHA:223727"}),  # a bare site takes the first part's head
])
def test_coordinated_names_each_reach_their_entity(index: ConditionIndex, text: str, expected: set[str]) -> None:
    found = {m.entity.curie for m in match_term(Term(text, "keyword"), index) if m.entity.curie.startswith("ORPHA:")}
    assert found == expected

def test_broader_mesh_term_stands_for_the_conditions_below_it(index: ConditionIndex) -> None:
    """MeSH "Astrocytoma" in a glioblastoma trial is the indexer's nearest descriptor, not a second disease;
    MeSH "Neoplasms, Neuroepithelial" is an umbrella of the neuroepithelial family, read in its record; a
    keyword keeps what it names ("soft tissue sarcoma" beside its leiomyosarcoma condition)."""
    gbm = _links_of([Term("Glioblastoma", "condition"), Term("Astrocytoma", "condition-mesh"),
                     Term("Neoplasms, Neuroepithelial", "condition-mesh")], "Temozolomide in glioblastoma", index)
    orpha = {k: {c for c in v if c.startswith("ORPHA:")} for k, v in gbm.items()}
    assert orpha["Astrocytoma"] == orpha["Neoplasms, Neuroepithelial"] == {"ORPHA:360"}
    two = _links_of([Term("Anaplastic Astrocytoma", "condition"), Term("Glioblastoma", "condition"),
                     Term("Astrocytoma", "condition-mesh")], "High-grade astrocytoma", index)
    assert {c for c in two["Astrocytoma"] if c.startswith("ORPHA:")} == {"ORPHA:251589", "ORPHA:360"}
    sts = _links_of([Term("Leiomyosarcoma", "condition"), Term("soft tissue sarcoma", "keyword")], "", index)
    assert "ORPHA:3394" in sts["soft tissue sarcoma"]

def test_a_generic_tumour_term_is_never_read_as_a_syndrome(index: ConditionIndex) -> None:
    got = _links_of([Term("Carcinoid Tumor", "condition"), Term("Malignant Carcinoid Syndrome", "condition-mesh")],
                    "Octreotide in carcinoid", index)
    assert "ORPHA:100093" in got["Malignant Carcinoid Syndrome"]
    assert "ORPHA:100093" not in got["Carcinoid Tumor"]

def test_organ_term_of_a_one_family_record_is_that_familys_node_at_the_site(index: ConditionIndex) -> None:
    """'Mediastinal Cancer' in a testicular germ cell trial is the extragonadal germ cell tumour (the
    mediastinum is no gonad); a record of another family names nothing there ('Lung Neoplasms' beside
    mesothelioma)."""
    gct = _links_of([Term("Testicular Germ Cell Tumor", "condition"), Term("Mediastinal Cancer", "condition"),
                     Term("Mediastinal Neoplasms", "condition-mesh")], "Chemotherapy for germ cell cancer", index)
    assert {c for c in gct["Mediastinal Cancer"] if c.startswith("ORPHA:")} == {"ORPHA:363579"}
    assert {c for c in gct["Mediastinal Neoplasms"] if c.startswith("ORPHA:")} == {"ORPHA:363579"}
    meso = _links_of([Term("Malignant Pleural Mesothelioma", "condition"), Term("Lung Neoplasms", "condition-mesh")],
                     "", index)
    assert meso["Lung Neoplasms"] == set()
    from loaders.link.conditions_sites import at_any
    assert at_any({"extragonadal"}, {"mediastinum"}) and not at_any({"extragonadal"}, {"ovary"})

@pytest.mark.parametrize(("text", "expected"), [
    ("GEP-NET", {"ORPHA:100092"}),                            # GEP = gastroenteropancreatic; NET: Orphanet's NEN
    ("Thymic NET", {"ORPHA:97289"}),
    ("SI-NET", {"ORPHA:423975"}),
    ("Pancreatic and midgut NETs", {"ORPHA:100092"}),         # acronyms read in each part too
    ("Neuroendocrine Tumors (NETs)", set()),                  # a family term, read in its record, not widened
])
def test_neuroendocrine_acronyms_read_as_the_sources_spell_them(index: ConditionIndex, text: str,
                                                                expected: set[str]) -> None:
    found = {m.entity.curie for m in match_term(Term(text, "condition"), index) if m.entity.curie.startswith("ORPHA:")}
    assert found == expected

@pytest.mark.parametrize(("text", "expected"), [
    ("localized benign pheochromocytoma", {"ORPHA:573163"}),  # a benign pheochromocytoma is still one
    ("benign meningioma", {"ORPHA:2495"}),
    ("benign schwannoma", {"ORPHA:252164"}),                  # the source's own benign entity first
    ("benign mesothelioma", set()),                           # every mesothelioma entity is malignant
])
def test_benign_x_is_x_where_x_may_be_benign(index: ConditionIndex, text: str, expected: set[str]) -> None:
    found = {m.entity.curie for m in match_term(Term(text, "keyword"), index) if m.entity.curie.startswith("ORPHA:")}
    assert found == expected

def test_family_term_stays_in_its_family(index: ConditionIndex) -> None:
    """'Sarcoma' in a trial of uterine sarcomas: the types' common node is 'Rare cancer of corpus uteri', no
    sarcoma; the highest sarcoma nodes below it are read instead."""
    got = _links_of([Term("Endometrial Cancer", "condition"), Term("Sarcoma", "condition"),
                     Term("uterine leiomyosarcoma", "keyword"), Term("endometrial stromal sarcoma", "keyword")],
                    "Radiotherapy for cancer of the uterus", index)
    assert {c for c in got["Sarcoma"] if c.startswith("ORPHA:")} == {"ORPHA:213620", "ORPHA:213711"}

def test_mesh_tissue_and_squamous_umbrellas_read_in_their_record(index: ConditionIndex) -> None:
    lps = _links_of([Term("Liposarcoma", "condition"), Term("Neoplasms, Adipose Tissue", "condition-mesh")], "", index)
    assert {c for c in lps["Neoplasms, Adipose Tissue"] if c.startswith("ORPHA:")} == {"ORPHA:69078"}
    hn = _links_of([Term("Squamous Cell Carcinoma of the Lip", "condition"),
                    Term("Neoplasms, Squamous Cell", "condition-mesh")], "", index)
    assert {c for c in hn["Neoplasms, Squamous Cell"] if c.startswith("ORPHA:")} == {"ORPHA:502366"}
    common = _links_of([Term("Breast Cancer", "condition"), Term("Neoplasms, Squamous Cell", "condition-mesh")], "", index)
    assert common["Neoplasms, Squamous Cell"] == set()

def test_title_phrase_names_the_type_by_the_rules_of_one_text(index: ConditionIndex) -> None:
    """No word run of the title is a name, but the phrase after 'in' is, by a broader rule (a gut segment's
    carcinoid: the gastroenteric NEN); a family word alone ('... With Glioma') names no single type."""
    net = _links_of([Term("Carcinoid Tumor", "condition"), Term("Neuroendocrine Tumors", "condition-mesh")],
                    "Long-acting Octreotide in Patients With Midgut Carcinoid Tumours", index)
    assert {c for c in net["Neuroendocrine Tumors"] if c.startswith("ORPHA:")} == {"ORPHA:481508"}
    from loaders.link.conditions_context import title_entities
    assert title_entities("Radiation Therapy in Treating Patients With Glioma", index) == []

@pytest.mark.parametrize(("text", "expected"), [
    ("Breast Angiosarcoma", {"ORPHA:263413"}),          # no breast angiosarcoma node: the soft tissue type
    ("Solitary Fibrous Tumor of the Central Nervous System", {"ORPHA:2126"}),
    ("Inflammatory Myofibroblastic Bladder Tumor", {"ORPHA:178342"}),
    ("Ovarian Leiomyosarcoma", {"ORPHA:398940"}),      # the site's own sarcoma node wins (protocol rule 6)
    ("Bone Leiomyosarcoma", {"ORPHA:223727"}),         # bone is no soft tissue
])
def test_soft_tissue_type_at_an_organ_without_a_node(index: ConditionIndex, text: str, expected: set[str]) -> None:
    got = _links_of([Term(text, "condition")], "", index)
    assert {c for c in got[text] if c.startswith("ORPHA:")} == expected

@pytest.mark.parametrize(("text", "expected"), [
    ("Unresectable or metastatic gastrointestinal stromal tumour after imatinib failure", {"ORPHA:44890"}),
    ("Relapsed or refractory Ewing sarcoma in children and young adults", {"ORPHA:319", "ORPHA:370334"}),
    ("Prevention of chemotherapy induced nausea and vomiting in patients with cancer", set()),
])
def test_a_condition_written_as_a_sentence_is_read_by_its_named_runs(index: ConditionIndex, text: str,
                                                                      expected: set[str]) -> None:
    got = _links_of([Term(text, "condition")], "", index)
    assert {c for c in got[text] if c.startswith("ORPHA:")} == expected

def test_a_paraganglioma_is_no_glioma(index: ConditionIndex) -> None:
    from loaders.link.conditions_names import families_of
    assert families_of("Pheochromocytoma-paraganglioma") == set() and families_of("Ganglioglioma") == {"glioma"}
    assert "glioma" not in index.families("https://w3id.org/rarekg/entity/orpha/573163")

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
    assert (counts["trial-entity-links"], counts["publication-entity-links"], counts["alteration-links"]) == (148, 2, 2)  # #17 dev3: a publication's MeSH "Hodgkin Disease" is the Hodgkin lymphoma (Orphanet and OncoTree); #17 linking2: +16 entities, mostly Orphanet (OncoTree-only before); #17 conditions: +2; #17 cond2: +2 (salivary), +1 (organ term of a one-family record); #17 dev2: +1 (a neuroendocrine family term alone: the NEN node)
    assert counts["trial-text-links"] == 304  # #17 dev4: an extrahepatic bile duct cancer is its parent node (one text link fewer: a MeSH organ term no longer reaches OncoTree GBC by context); #17 linking2: +40 per-text links; #17 conditions: +8 (record-site, family variants, tolerant names, mesenchymoma); #17 cond2: +5 (phrasings, salivary), +2 (organ term of a one-family record), +1 (benign pheochromocytoma); #17 dev2: +3 (neuroendocrine family terms with nothing more in their record: the NEN node)
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


def test_link_shapes_pass_good_and_fail_bad_links(index: ConditionIndex) -> None:
    from kg.checks.shacl import validate_quads

    [match] = [m for m in link_term(Term("Osteosarcoma", "condition"), index) if m.entity.curie == "ORPHA:668"]
    good = list(links.entity_link_triples(EntityLink("trial", "NCT00470223", Term("Osteosarcoma", "condition"), match)))
    assert validate_quads([ox.Triple(*t) for t in good]).conforms
    node = mint("link", "trial/NCT00470223/entity/orpha/668")
    bad = [t for t in good if t[1] != CONFIDENCE] + [(node, CONFIDENCE, ox.Literal("1.5", datatype=ox.NamedNode(
        "http://www.w3.org/2001/XMLSchema#decimal")))]
    result = validate_quads([ox.Triple(*t) for t in bad])
    assert [(r.focus, r.shape) for r in result.results] == [
        (node.value, "https://w3id.org/rarekg/shapes#Mapping-confidence")]
    missing = validate_quads([ox.Triple(*t) for t in good if t[1] != CONFIDENCE])
    assert [(r.focus, r.shape) for r in missing.results] == [(node.value, "https://w3id.org/rarekg/shapes#Link-score")]


def test_provider_evidence_gets_the_trials_entities(default_graph) -> None:  # type: ignore[no-untyped-def]
    """Every trial-site evidence node (ECO:0000313) of a trial is about each entity the trial is linked to, and nothing else."""
    store, _ = default_graph
    missing = store.select("""SELECT ?e ?entity {
        ?e rkg:evidenceKind obo:ECO_0000313 ; prov:wasDerivedFrom ?t . ?t rkg:studiesEntity ?entity .
        FILTER NOT EXISTS { ?e rkg:aboutEntity ?entity } }""")
    assert missing == []
    extra = store.select("""SELECT ?e ?entity {
        ?e rkg:evidenceKind obo:ECO_0000313 ; prov:wasDerivedFrom ?t ; rkg:aboutEntity ?entity .
        FILTER NOT EXISTS { ?t rkg:studiesEntity ?entity } }""")
    assert extra == []
    rows = store.select("""SELECT (COUNT(*) AS ?n) { ?e rkg:evidenceKind obo:ECO_0000313 ;
        prov:wasDerivedFrom <https://w3id.org/rarekg/trial/NCT00367861> ;
        rkg:aboutEntity <https://w3id.org/rarekg/entity/orpha/44890> }""")
    assert int(rows[0]["n"].value) == 8  # BFR14: its 8 sites resolve to 8 providers


def test_condition_link_shapes_pass_good_and_fail_bad(index: ConditionIndex) -> None:
    from kg.checks.shacl import validate_quads

    term = Term("Sarcoma", "condition")
    [match] = [m for m in match_term(Term("Osteosarcoma", "condition"), index) if m.entity.curie == "ORPHA:668"]
    context = Match(match.entity, "trial-context", "Osteosarcoma", 0.70)
    good = list(links.condition_link_triples(EntityLink("trial", "NCT00002539", term, context)))
    assert validate_quads([ox.Triple(*t) for t in good]).conforms
    node = good[0][0]
    bad = [t for t in good if t[1] != JUSTIFICATION]
    bad.append((node, JUSTIFICATION, ox.NamedNode("https://w3id.org/semapv/vocab/Guesswork")))
    result = validate_quads([ox.Triple(*t) for t in bad])
    assert [(r.focus, r.shape) for r in result.results] == [
        (node.value, "https://w3id.org/rarekg/shapes#ConditionLink-justification")]
    # rule "mapped" reached Orphanet by chaining the graph's mappings, not by a lexical match (review, twelfth session)
    chained = list(links.condition_link_triples(EntityLink("trial", "NCT00002539", term,
                                                           Match(match.entity, "mapped", "Osteosarcoma", 0.65))))
    assert (chained[0][0], JUSTIFICATION, ox.NamedNode("https://w3id.org/semapv/vocab/MappingChaining")) in chained
    assert validate_quads([ox.Triple(*t) for t in chained]).conforms


def test_every_text_of_a_trial_keeps_its_own_link(default_graph) -> None:  # type: ignore[no-untyped-def]
    """NCT00002641 (dev half) links "adult leiomyosarcoma" and "uterine leiomyosarcoma" to different
    entities, each queryable with its own text, field, rule and justification."""
    store, _ = default_graph
    rows = store.select(links.TRIAL_CONDITION_LINKS_QUERY, {"trial": mint("trial", "NCT00002641")})
    got = {(r["field"].value, r["text"].value, r["code"].value, r["rule"].value) for r in rows}
    assert ("keyword", "adult leiomyosarcoma", "ORPHA:64720", "qualified") in got
    assert ("keyword", "uterine leiomyosarcoma", "oncotree:ULMS", "label") in got
    assert ("keyword", "uterine leiomyosarcoma", "ORPHA:213625", "shared-name") in got  # same name, corpus uteri
    assert {r["justification"].value.rsplit("/", 1)[1] for r in rows} >= {"LexicalMatching"}
    texts = {r["text"].value for r in rows}
    assert "Sarcoma" in texts and "Endometrial Cancer" in texts  # generic and "X cancer" texts too


def test_rest_trial_entities_keep_the_best_text_not_a_per_text_link(server: str) -> None:
    """Regression: with one rkg:ConditionLink per text, the REST trial answer must still explain each
    entity by its best-text link node (an owl:Axiom, formerly typed EntityLink), not by whichever per-text
    node sorts last."""
    import httpx
    t = httpx.get(f"{server}/api/v1/trials/NCT00685828", timeout=30).json()
    assert sorted((e["id"], e["rule"], e["field"], e["matchedText"]) for e in t["entities"]) == [
        ("ORPHA:44890", "label", "condition", "Gastrointestinal Stromal Tumor"),
        ("oncotree:GIST", "label", "condition", "Gastrointestinal Stromal Tumor")]


def test_neuroendocrine_family_term_is_the_nen_node_only_when_its_record_says_no_more(index: ConditionIndex) -> None:
    """dev2 (EU register texts): "Neuroendocrine tumour" alone is Orphanet's neuroendocrine neoplasm; beside a
    gastroenteropancreatic condition it is that condition's node, not the family's."""
    alone = _links_of([Term("Neuroendocrine tumour", "keyword")], "", index)
    assert {c for c in alone["Neuroendocrine tumour"] if c.startswith("ORPHA:")} == {"ORPHA:877"}
    gep = _links_of([Term("Gastroenteropancreatic neuroendocrine tumour", "condition"),
                     Term("Neuroendocrine tumour", "keyword")], "", index)
    assert {c for c in gep["Neuroendocrine tumour"] if c.startswith("ORPHA:")} == {"ORPHA:100092"}


def test_keyword_stands_for_the_records_one_narrower_condition_only(index: ConditionIndex) -> None:
    """dev2 (EU register MedDRA terms): "Liposarcoma" beside a myxoid liposarcoma condition is that type; a
    GEP-NET keyword over pancreatic and gastroenteric NET conditions names what they make up (the GEP node)."""
    one = _links_of([Term("Myxoid liposarcoma", "condition"), Term("Liposarcoma non-metastatic", "keyword")], "", index)
    assert {c for c in one["Liposarcoma non-metastatic"] if c.startswith("ORPHA:")} == {"ORPHA:99967"}
    two = _links_of([Term("This trial aims to investigate metastasised and / or locally advanced neuroendocrine tumours "
                          "(NET) in patients with pancreatic NET or non-functional gastroenteric NET.", "condition"),
                     Term("patients with inoperable, progressive, somatostatin receptor-positive (SSTR+), neuroendocrine "
                          "tumours of gastroenteric or pancreatic origin (GEP-NET)", "condition"),
                     Term("Gastroenteropancreatic neuroendocrine tumour disease", "keyword")], "", index)
    assert {c for c in two["Gastroenteropancreatic neuroendocrine tumour disease"] if c.startswith("ORPHA:")} \
        == {"ORPHA:100092"}
    sentence = _links_of([Term("Neuroendocrine tumour in progression after conventional therapy", "condition")], "", index)
    assert {c for c in sentence["Neuroendocrine tumour in progression after conventional therapy"]
            if c.startswith("ORPHA:")} == {"ORPHA:877"}


def test_an_organs_cancer_is_the_carcinoma_also_of_a_text_naming_another_kind(index: ConditionIndex) -> None:
    """dev2: "Thymic cancer" beside "Metastatic Thymic Carcinoma & B3-thymoma" is the thymic carcinoma (rule 2 of
    the gold protocol: X cancer is the carcinoma of X), not the common node of the carcinoma and the thymoma."""
    got = _links_of([Term("Metastatic Thymic Carcinoma & B3-thymoma", "condition"),
                     Term("Thymic cancer metastatic", "keyword")], "", index)
    assert {c for c in got["Thymic cancer metastatic"] if c.startswith("ORPHA:")} == {"ORPHA:99868"}
    assert {c for c in got["Metastatic Thymic Carcinoma & B3-thymoma"] if c.startswith("ORPHA:")} \
        == {"ORPHA:99868", "ORPHA:263317"}


def test_a_text_defining_names_is_read_by_them_and_keeps_the_most_specific(index: ConditionIndex) -> None:
    """Found on conditions_dev2/dev3.tsv: "NAME: definition" texts name what they define, and a text linked to
    an entity and to one of its ancestors keeps the entity only (protocol rule 1)."""
    text = ("Osteosarcoma: a rare malignant tumor that arises from bone cells. Ewing's sarcoma: a malignant bone "
            "tumour with a strong metastatic potential.")
    got = _links_of([Term(text, "condition")], "", index)
    # the whole text's "bone ... tumour" reading gave bone sarcoma (223727), the wider node of both: dropped
    # and its record names bone only, so its Ewing sarcoma is the skeletal one (as conditions_dev3.tsv says)
    assert {c for c in got[text] if c.startswith("ORPHA:")} == {"ORPHA:668", "ORPHA:319"}
    retro = "Retroperitoneal sarcoma: a sarcoma developed in the back of the belly, next to the kidneys."
    got = _links_of([Term(retro, "condition"), Term("Leiomyosarcoma or Liposarcoma of retroperitoneal space",
                                                   "condition")], "", index)
    assert {c for c in got[retro] if c.startswith("ORPHA:")} == {"ORPHA:3394"}  # two types: their common node
    for said, meant in [("classical and endemic Kaposi's patient with progressive disease,", "ORPHA:33276"),  # eponym
                        # cholangiocarcinoma's one parent that its words name (conditions_dev4.tsv)
                        ("onresectable hilar or extrahepatic bile duct carcinoma in clinical stage MO", "ORPHA:56044"),
                        # an entity's sites read as rephrased: "... of the nasal cavity and paranasal sinuses" is
                        # sinonasal, so the sinonasal cancer is its SCC (conditions_dev5.tsv)
                        ("stage IV paranasal sinus and nasal cavity cancer", "ORPHA:500464"),
                        ("Astrocytoma WHO grade II (gemistocytic, fibrillary and protoplasmatic)", "ORPHA:251595")]:
        assert {c for c in _links_of([Term(said, "condition")], "", index)[said] if c.startswith("ORPHA:")} == {meant}


def test_a_title_lists_sites_after_a_type_at_a_site(index: ConditionIndex) -> None:
    """Found on conditions_dev4.tsv (NCT00014118): a title's "Squamous Cell Carcinomas Of The Larynx Or
    Oropharynx" names both, so the record's "Head and Neck Cancer" is their common node, as its keywords say."""
    from loaders.link.conditions_context import title_entities
    title = ("A Phase II Trial OF Chemoradiation For Organ Preservation In Resectable Stage III or IV Squamous Cell "
             "Carcinomas Of The Larynx Or Oropharynx")
    assert {e.curie for e in title_entities(title, index) if e.curie.startswith("ORPHA:")} == {"ORPHA:494550",
                                                                                               "ORPHA:500478"}
    got = _links_of([Term("Head and Neck Cancer", "condition"),
                     Term("stage III squamous cell carcinoma of the larynx", "keyword")], title, index)
    assert {c for c in got["Head and Neck Cancer"] if c.startswith("ORPHA:")} == {"ORPHA:67037"}


def test_no_name_read_from_the_half_of_a_non_word_nor_a_code_from_an_acronym_in_parentheses(index: ConditionIndex) -> None:
    """Found on conditions_holdout.tsv once it was scored (now development data): "Non-small Cell Lung Carcinoma"
    holds no small cell lung cancer, and a writer's "(MBC)" after "metastatic breast cancer" is no OncoTree code
    (metaplastic breast cancer, and through it Orphanet's metaplastic carcinoma of the breast)."""
    for text in ["Stage IB-IIIA Non-small Cell Lung Carcinoma with EGFR-positive tumors",
                 "HER2-positive unresectable locally recurrent or metastatic breast cancer (MBC)."]:
        got = _links_of([Term(text, "condition")], "", index)
        assert not {c for c in got[text] if c.startswith("ORPHA:")}, text
    assert "oncotree:GIST" in _links_of([Term("Gastrointestinal Stromal Tumor (GIST)", "condition")], "", index)[
        "Gastrointestinal Stromal Tumor (GIST)"]  # a name with its own acronym still reads by its name


def test_review_regressions_of_the_ninth_session_rules(index: ConditionIndex) -> None:
    """Cases a review of the ninth session's rules found broken (each checked against the code before them)."""
    from loaders.link.conditions_context import title_entities

    def orpha(text: str) -> set[str]:
        return {c for c in _links_of([Term(text, "condition")], "", index)[text] if c.startswith("ORPHA:")}

    # a word of another part says nothing of which cholangiocarcinoma
    assert orpha("Cholangiocarcinoma with liver metastases") == {"ORPHA:70567"}
    assert "ORPHA:70567" in orpha("Cholangiocarcinoma and Gallbladder Cancer")
    # a site word that begins the next name is not one more site of the list
    title = "Squamous Cell Carcinoma of the Larynx and Thymic Carcinoma"
    assert {"ORPHA:494550", "ORPHA:99868"} <= {e.curie for e in title_entities(title, index)}
    # "olfactory" alone names no site; the olfactory neuroblastoma is the sinonasal one
    assert "ORPHA:2495" in orpha("Olfactory groove meningioma")
    assert orpha("Olfactory neuroblastoma") == {"ORPHA:1957"}
    # only the pharynx's lymphoepithelioma is its SCC
    assert "oncotree:LECLC" in _links_of([Term("Lymphoepithelioma-like carcinoma of the lung", "condition")], "",
                                         index)["Lymphoepithelioma-like carcinoma of the lung"]


def test_a_former_name_at_a_site_its_own_source_does_not_give_it(index: ConditionIndex) -> None:
    """Rule 3 of the protocol, found on dev5: "Malignant Fibrous Histiocytoma of Bone" is Orphanet's
    undifferentiated pleomorphic sarcoma (a bone sarcoma too), reached through OncoTree's MFH, which is a soft
    tissue type and so is not kept for a text naming bone; at a site neither has, nothing."""
    for text in ["Adult Malignant Fibrous Histiocytoma of Bone", "childhood malignant fibrous histiocytoma of bone"]:
        assert {c for c in _links_of([Term(text, "condition")], "", index)[text] if c.startswith("ORPHA:")} == {
            "ORPHA:2023"}, text
    text = "Malignant Fibrous Histiocytoma of the lung"
    assert not {c for c in _links_of([Term(text, "condition")], "", index)[text] if c.startswith("ORPHA:")}


def test_a_broad_tag_among_tags_of_other_types_is_no_tag_of_the_one_condition(index: ConditionIndex) -> None:
    """Found on dev5 (an NCI sarcoma trial): beside a condition "Adult Malignant Fibrous Histiocytoma of
    Bone", the keyword "adult malignant mesenchymoma" (soft tissue sarcoma) stood for that condition's type;
    the record's other keywords name other sarcomas, so the keyword is one of a list of the trial's
    diseases and keeps its own entity. Alone beside the condition it still stands for it."""
    terms = [Term("Adult Malignant Fibrous Histiocytoma of Bone", "condition"),
             Term("adult malignant mesenchymoma", "keyword"), Term("adult synovial sarcoma", "keyword"),
             Term("adult liposarcoma", "keyword")]
    got = _links_of(terms, "", index)
    assert "ORPHA:3394" in got["adult malignant mesenchymoma"]
    assert "ORPHA:2023" not in got["adult malignant mesenchymoma"]
    alone = _links_of(terms[:2], "", index)
    assert {c for c in alone["adult malignant mesenchymoma"] if c.startswith("ORPHA:")} == {"ORPHA:2023"}



def test_a_mesothelioma_said_nowhere_to_be_elsewhere_is_the_pleural_one(index: ConditionIndex) -> None:
    """Found on dev4 (two trials that got no entity, labelled pleural by the protocol, as the dev half's
    "Malignant Mesothelioma" trials are): a mesothelioma whose record says nothing of where is the pleural
    one (rule ``usual-site``); a record naming another site, in a mesothelioma text or alone, is not read so."""
    def orpha(terms: list[Term]) -> dict[str, set[str]]:
        return {t: {c for c in cs if c.startswith("ORPHA:")} for t, cs in _links_of(terms, "", index).items()}

    got = orpha([Term("Malignant Mesothelioma", "condition"), Term("epithelial mesothelioma", "keyword")])
    assert got == {"Malignant Mesothelioma": {"ORPHA:50251"}, "epithelial mesothelioma": {"ORPHA:50251"}}
    assert orpha([Term("Malignant Mesothelioma", "condition"), Term("Peritoneal", "keyword")])[
        "Malignant Mesothelioma"] == set()
    assert orpha([Term("Malignant Mesothelioma", "condition"), Term("peritoneal mesothelioma", "keyword")])[
        "Malignant Mesothelioma"] == {"ORPHA:168811"}
    # review: the title says where too
    title = "Cytoreductive Surgery and HIPEC in Patients With Peritoneal Surface Malignancies"
    got = _links_of([Term("Malignant Mesothelioma", "condition")], title, index)["Malignant Mesothelioma"]
    assert "ORPHA:50251" not in got


def test_thyroid_cancer_is_the_thyroid_carcinoma_group_or_the_record_s_own_kind(index: ConditionIndex) -> None:
    """Found on dev3 and dev5 (labelled 100088) and held-out 1 (146 in a differentiated-carcinoma trial):
    Orphanet's "Rare thyroid carcinoma" holds every thyroid carcinoma, the common differentiated kind too, so
    it is what "Thyroid Cancer" means with nothing else to go by; the pancreas' grouping leaves out the
    common adenocarcinoma and is never "Pancreatic Cancer". In a record whose condition names the
    differentiated kind, even by a fallback rule, the keyword is that kind."""
    def orpha(terms: list[Term]) -> dict[str, set[str]]:
        return {t: {c for c in cs if c.startswith("ORPHA:")} for t, cs in _links_of(terms, "", index).items()}

    assert orpha([Term("Thyroid Cancer", "condition")]) == {"Thyroid Cancer": {"ORPHA:100088"}}
    assert orpha([Term("Pancreatic Cancer", "condition")]) == {"Pancreatic Cancer": set()}
    got = orpha([Term("131I-refractory differentiated thyroid cancer (DTC)", "condition"),
                 Term("Thyroid cancer", "keyword")])
    assert got["Thyroid cancer"] == {"ORPHA:146"}


def test_an_icd10_line_is_read_without_its_code(index: ConditionIndex) -> None:
    """Found on held-out 1 (a DRKS record): an ICD-10 line's leading code says nothing its words do not. Its
    "Malignant neoplasm of X" is not read as the cancer of X: a compound splits "..., secondary" (a metastasis)
    off, and the thymus' includes the thymoma (a review found both)."""
    def orpha(text: str) -> set[str]:
        return {c for c in _links_of([Term(text, "condition")], "", index)[text] if c.startswith("ORPHA:")}

    assert orpha("C45.0 Mesothelioma of pleura") == {"ORPHA:50251"}
    assert orpha("Malignant neoplasm of liver, secondary") == set()

def test_head_and_neck_cancer_beside_squamous_carcinomas_of_several_sites_is_the_hnscc(index: ConditionIndex) -> None:
    """Protocol rule 2, found on dev5 (NCI keyword lists): "Head and Neck Cancer" beside the squamous cell
    carcinomas of the larynx, hypopharynx and nasopharynx is the head and neck SCC, not the ORL group that
    their common node is (Orphanet files the nasopharyngeal carcinoma beside the HNSCC); beside types of
    other histologies it stays their common node or list."""
    terms = [Term("Head and Neck Cancer", "condition"),
             Term("recurrent squamous cell carcinoma of the larynx", "keyword"),
             Term("recurrent squamous cell carcinoma of the hypopharynx", "keyword"),
             Term("recurrent squamous cell carcinoma of the nasopharynx", "keyword")]
    got = _links_of(terms, "", index)
    assert {c for c in got["Head and Neck Cancer"] if c.startswith("ORPHA:")} == {"ORPHA:67037"}
    terms[3] = Term("Salivary Gland Cancer", "keyword")
    got = _links_of(terms, "", index)
    assert "ORPHA:67037" not in got["Head and Neck Cancer"]


def test_a_receptor_status_is_read_past(index: ConditionIndex) -> None:
    """Found on held-out 1 (dev): "somatostatin receptor positive" says which patients, not which tumour."""
    def orpha(text: str) -> set[str]:
        return {c for c in _links_of([Term(text, "condition")], "", index)[text] if c.startswith("ORPHA:")}

    assert orpha("somatostatin receptor positive gastroenteropancreatic neuroendocrine tumours") == {"ORPHA:100092"}
    assert orpha("SSTR-positive neuroendocrine tumours of the pancreas") == {"ORPHA:97253"}
    # a word in parentheses is left where it is ("Neuroendocrine (lung) tumors" is the bronchial NET)
    assert orpha("Neuroendocrine (lung) tumors") == {"ORPHA:97287"}


def test_a_salivary_type_carcinoma_of_a_head_and_neck_mucosa_is_a_salivary_gland_one(index: ConditionIndex) -> None:
    """Protocol rule 4, found on dev5: an adenoid cystic or mucoepidermoid carcinoma of the oral cavity arises in
    its minor salivary glands: the salivary glands' malignant epithelial tumour; the cervix's stays its own."""
    def orpha(text: str) -> set[str]:
        return {c for c in _links_of([Term(text, "condition")], "", index)[text] if c.startswith("ORPHA:")}

    assert orpha("recurrent adenoid cystic carcinoma of the oral cavity") == {"ORPHA:276145"}
    assert orpha("stage IV mucoepidermoid carcinoma of the oral cavity") == {"ORPHA:276145"}
    assert orpha("Adenoid cystic carcinoma of the cervix uteri") == {"ORPHA:213823"}
    # review: a list of sites is not rewritten (the breast's and the lung's stay), and OncoTree's type is kept
    listed = "Adenoid cystic carcinoma of the head and neck, breast or lung"
    assert {"oncotree:ACBC", "oncotree:LUACC"} <= _links_of([Term(listed, "condition")], "", index)[listed]
    text = "Adenoid cystic carcinoma of the head and neck"
    assert "oncotree:ACYC" in _links_of([Term(text, "condition")], "", index)[text]


def test_a_type_at_several_sites_is_the_one_at_its_record_s_only_site(index: ConditionIndex) -> None:
    """Found on held-out 1 and dev3 (bone tumour trials): "Ewing's sarcoma" names both Orphanet Ewing
    sarcomas, skeletal and extraskeletal; in a record whose texts name bone and no other site it is the
    skeletal one. With no site in the record, both."""
    def orpha(terms: list[Term]) -> dict[str, set[str]]:
        return {t: {c for c in cs if c.startswith("ORPHA:")} for t, cs in _links_of(terms, "", index).items()}

    got = orpha([Term("Refractory primary bone tumors", "condition"), Term("Ewing's sarcoma metastatic", "keyword")])
    assert got["Ewing's sarcoma metastatic"] == {"ORPHA:319"}
    assert orpha([Term("Ewing's sarcoma metastatic", "keyword")])["Ewing's sarcoma metastatic"] == {
        "ORPHA:319", "ORPHA:370334"}


def test_a_misspelt_site_is_read_when_only_the_head_matched(index: ConditionIndex) -> None:
    """Found on dev3 ("hypoharynx"): a text whose misspelt site word left only its head matched ("Squamous
    Cell Carcinoma, NOS") is read respelt, as a text that matched nothing was."""
    text = "Squamous cell carcinoma of the hypoharynx"
    assert {c for c in _links_of([Term(text, "condition")], "", index)[text] if c.startswith("ORPHA:")} == {
        "ORPHA:494547"}


def test_a_seminomatous_germ_cell_tumour_is_a_seminoma(index: ConditionIndex) -> None:
    """Found on dev4: "Seminomatous Germ Cell Tumors" reached only the germ cell family node; it is a seminoma,
    the testicular seminomatous germ cell tumour; the non-seminomatous one keeps its own node."""
    def orpha(text: str) -> set[str]:
        return {c for c in _links_of([Term(text, "condition")], "", index)[text] if c.startswith("ORPHA:")}

    assert orpha("Stage II Seminomatous Germ Cell Tumors") == {"ORPHA:842"}
    assert orpha("Non-seminomatous Germ Cell Tumor") == {"ORPHA:363494"}
    # review: an extragonadal one is not the testicular seminoma; of two kinds sharing the family words the
    # seminoma is read (the non-seminomatous one is still missed there, as the germ cell family node was before)
    assert orpha("Extragonadal seminomatous germ cell tumor") == {"ORPHA:363579"}
    assert "ORPHA:842" in orpha("Non-Seminomatous and Seminomatous Germ Cell Tumors")


def test_a_shared_name_is_kept_only_at_the_site_its_text_names(index: ConditionIndex) -> None:
    """"Extragonadal non-seminomatous germ cell tumor" contains OncoTree's NSGCT, whose Orphanet name is the
    testis' tumour: that one is not kept for a text naming another site (the extragonadal node is reached
    instead); a text naming no site keeps it."""
    def orpha(text: str) -> set[str]:
        return {c for c in _links_of([Term(text, "condition")], "", index)[text] if c.startswith("ORPHA:")}

    assert "ORPHA:363494" not in orpha("Extragonadal non-seminomatous germ cell tumor")
    assert orpha("Non-seminomatous Germ Cell Tumor") == {"ORPHA:363494"}
    # an OncoTree type's tissue is a bucket, not a site: its shared name is kept (review)
    text = "Epithelioid hemangioendothelioma of the liver"
    assert "oncotree:EHAE" in _links_of([Term(text, "condition")], "", index)[text]


def test_an_acronym_is_read_only_where_its_record_confirms_it(index: ConditionIndex) -> None:
    """"ACC" is the adrenocortical carcinoma beside "Adrenal neoplasm", not beside a salivary gland cancer (where it
    would be the adenoid cystic carcinoma); "HCC" beside a text linking the hepatocellular carcinoma is it."""
    adrenal = _links_of([Term("diagnosis of ACC", "condition"), Term("Adrenal neoplasm", "keyword")], "", index)
    assert "ORPHA:1501" in adrenal["diagnosis of ACC"]
    salivary = _links_of([Term("diagnosis of ACC", "condition"), Term("Salivary gland cancer", "keyword")], "", index)
    assert salivary["diagnosis of ACC"] == set()
    liver = _links_of([Term("Adjuvant treatment of HCC", "condition"), Term("Hepatocellular carcinoma", "keyword")],
                      "", index)
    assert liver["Adjuvant treatment of HCC"] == {"ORPHA:88673"}
    assert _links_of([Term("Adjuvant treatment of HCC", "condition")], "", index)["Adjuvant treatment of HCC"] == set()


def test_neuroendocrine_umbrella_reads_a_neuroendocrine_type_named_without_the_word(index: ConditionIndex) -> None:
    """A keyword "Neuroendocrine tumour (NET)" in a medullary thyroid carcinoma trial is that carcinoma (a
    neuroendocrine neoplasm by WHO, though neither source files it under one), not the whole family."""
    got = _links_of([Term("Medullary Thyroid Cancer", "condition"), Term("Neuroendocrine tumour (NET)", "keyword")],
                    "Cabozantinib in Progressive, Metastatic Medullary Thyroid Cancer", index)
    assert {c for c in got["Neuroendocrine tumour (NET)"] if c.startswith("ORPHA:")} == {"ORPHA:1332"}
    assert index.families("https://w3id.org/rarekg/entity/orpha/1332") >= {"carcinoma", "neuroendocrine"}


@pytest.mark.parametrize(("title", "expected"), [
    ("Temozolomide in Newly Diagnosed Anaplastic Oligodendroglioma and Mixed Oligoastrocytoma", {"ORPHA:251663"}),
    ("Immunotoxin Therapy in Treating Patients With Recurrent Malignant Glioma", {"ORPHA:251663"}),
    ("Radiotherapy for Low-Grade and Anaplastic Gliomas", {"ORPHA:251656"}),  # both grades: its own
    ("", {"ORPHA:251656"}),                                                   # no title: its own
])
def test_a_grade_less_glioma_in_a_high_grade_trial_is_the_anaplastic_form(index: ConditionIndex, title: str,
                                                                          expected: set[str]) -> None:
    got = _links_of([Term("Oligoastrocytoma, Mixed", "condition")], title, index)
    assert {c for c in got["Oligoastrocytoma, Mixed"] if c.startswith("ORPHA:")} == expected


def test_a_two_site_cancer_is_the_node_of_both_sites_not_the_records_type_at_one(index: ConditionIndex) -> None:
    """"Lip and Oral Cavity Cancer" beside "Oral Cavity Squamous Cell Carcinoma" is the SCC of oral cavity and lip."""
    got = _links_of([Term("Locally Recurrent Oral Cavity Squamous Cell Carcinoma", "condition"),
                     Term("Stage II Lip and Oral Cavity Cancer AJCC v8", "condition")], "", index)
    assert {c for c in got["Stage II Lip and Oral Cavity Cancer AJCC v8"] if c.startswith("ORPHA:")} == {"ORPHA:502369"}
    assert {c for c in got["Locally Recurrent Oral Cavity Squamous Cell Carcinoma"] if c.startswith("ORPHA:")} == \
        {"ORPHA:502363"}


@pytest.mark.parametrize(("terms", "text", "expected"), [
    # an organ's sarcoma beside the record's one sarcoma type there: that type
    (["Recurrent Uterine Corpus Sarcoma", "Uterine Corpus Leiomyosarcoma"], "Recurrent Uterine Corpus Sarcoma",
     {"ORPHA:213625"}),
    (["Recurrent Uterine Corpus Sarcoma", "Uterine Carcinosarcoma"], "Recurrent Uterine Corpus Sarcoma",
     {"ORPHA:213610"}),
    # several types: its own node; a soft tissue sarcoma and an organ's carcinoma keep theirs
    (["Uterine Sarcoma", "Uterine Leiomyosarcoma", "Endometrial Stromal Sarcoma"], "Uterine Sarcoma", {"ORPHA:213620"}),
    (["Soft Tissue Sarcoma", "Angiosarcoma"], "Soft Tissue Sarcoma", {"ORPHA:3394"}),
    (["Anal Canal Carcinoma", "Squamous Cell Carcinoma of the Anal Canal"], "Anal Canal Carcinoma", {"ORPHA:424013"}),
])
def test_an_organs_sarcoma_is_the_records_one_sarcoma_there(index: ConditionIndex, terms: list[str], text: str,
                                                           expected: set[str]) -> None:
    got = _links_of([Term(t, "condition") for t in terms], "", index)
    assert {c for c in got[text] if c.startswith("ORPHA:")} == expected


def test_site_words_are_read_as_the_tokenizer_writes_them() -> None:
    """"pancreas" and "testes" are tokenised as "pancrea" and "teste": both must still name their site."""
    from loaders.link.conditions_sites import sites_of
    assert sites_of("Neuroendocrine Tumors of the Pancreas") == {"pancreas"}
    assert sites_of("cancer of the testes") == {"testis"}


def test_a_title_naming_an_oncotree_type_also_gives_the_orphanet_node_of_its_words(index: ConditionIndex) -> None:
    """A title's "Neuroendocrine Tumors of the Gastrointestinal Tract" names OncoTree's GI NET by name and
    Orphanet's gastroenteric NEN by the rules of a text: the record's "Neuroendocrine Tumors" is that NEN, not the
    whole family; "... of the Gastrointestinal Tract and Pancreas" is the gastroenteropancreatic NEN (the title is
    read with the phrasings of a text, twelfth session); MEN1 and VHL keywords (syndromes) never join a tumour
    family's common node."""
    got = _links_of([Term("Neuroendocrine Tumors", "condition"), Term("MEN1", "keyword"), Term("VHL", "keyword")],
                    "Sunitinib or Everolimus in Advanced Low- or Intermediate-Grade Neuroendocrine Tumors of the "
                    "Gastrointestinal Tract and Pancreas", index)
    assert {c for c in got["Neuroendocrine Tumors"] if c.startswith("ORPHA:")} == {"ORPHA:100092"}
    got = _links_of([Term("Neuroendocrine Tumors", "condition")],
                    "Octreotide in Advanced Neuroendocrine Tumors of the Gastrointestinal Tract", index)
    assert {c for c in got["Neuroendocrine Tumors"] if c.startswith("ORPHA:")} == {"ORPHA:481508"}
    got = _links_of([Term("Sarcoma", "condition")],
                    "Chemotherapy in Metastatic Ewing's Sarcoma or Primitive Neuroectodermal Tumor", index)
    assert {c for c in got["Sarcoma"] if c.startswith("ORPHA:")} == {"ORPHA:319", "ORPHA:370334", "ORPHA:370348"}
    got = _links_of([Term("Neuroendocrine Carcinoma", "condition"), Term("MEN1", "keyword"), Term("VHL", "keyword")],
                    "", index)
    assert "ORPHA:140162" not in got["Neuroendocrine Carcinoma"]


def test_a_gut_segment_is_no_modifier_to_drop(index: ConditionIndex) -> None:
    """"Midgut Neuroendocrine Tumours" beside "Pancreatic Tumours" stays the gastroenteric NEN: read at the record's
    one site it must not lose "midgut" as a histological word and become the pancreatic NET."""
    got = _links_of([Term("Pancreatic Tumours", "condition"), Term("Midgut Neuroendocrine Tumours", "condition")], "",
                    index)
    assert "ORPHA:97253" not in got["Midgut Neuroendocrine Tumours"]


@pytest.mark.parametrize(("terms", "text", "expected"), [
    # a GIST names no site of its record: the record's leiomyosarcoma stays the soft tissue one
    (["Gastrointestinal Stromal Tumor", "Leiomyosarcoma"], "Leiomyosarcoma", {"ORPHA:64720"}),
    (["Gastrointestinal Stromal Tumor", "Mesothelioma"], "Mesothelioma", {"ORPHA:50251"}),
    # a carcinoma stays a carcinoma beside a tumour of its family
    (["Gastrointestinal Neoplasms", "Pancreatic Neuroendocrine Tumor", "Neuroendocrine Carcinoma"],
     "Neuroendocrine Carcinoma", {"ORPHA:506098"}),
])
def test_review_of_the_eleventh_session_record_reads(index: ConditionIndex, terms: list[str], text: str,
                                                    expected: set[str]) -> None:
    got = _links_of([Term(t, "condition") for t in terms], "Pazopanib in Sarcoma", index)
    assert {c for c in got[text] if c.startswith("ORPHA:")} == expected


def test_only_diffuse_gliomas_take_their_anaplastic_form_from_the_title(index: ConditionIndex) -> None:
    title = "Radiotherapy in High-Grade Glioma"
    got = _links_of([Term("Ependymoma", "condition"), Term("Meningioma", "condition"),
                     Term("Pleomorphic Xanthoastrocytoma", "condition")], title, index)
    assert "ORPHA:251646" not in got["Ependymoma"] and "oncotree:ANM" not in got["Meningioma"]
    assert "oncotree:APXA" not in got["Pleomorphic Xanthoastrocytoma"]


def test_a_neuroendocrine_umbrella_over_types_of_two_organs_is_their_list_not_an_organ_grouping(
        index: ConditionIndex) -> None:
    """The common node of a medullary thyroid carcinoma and a pancreatic NET is "Tumor of endocrine glands", no
    neuroendocrine node: the umbrella is the list of the two."""
    got = _links_of([Term("Neuroendocrine Tumors", "condition"), Term("Medullary Thyroid Cancer", "condition"),
                     Term("Pancreatic Neuroendocrine Tumor", "condition")], "", index)
    assert "ORPHA:182130" not in got["Neuroendocrine Tumors"]

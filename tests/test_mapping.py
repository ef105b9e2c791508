"""OncoTree -> Orphanet mapper: rules on hand-made entities, curated rows, real-data behaviour, SSSOM.

These tests check behaviour, not precision: the mapper's precision is measured on independent gold
sets and a random audit sample (docs/audits/), never on pairs drawn from its own output."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode

from kg.core.errors import DataError
from kg.core.records import LoadReport, MappableEntity
from kg.core.vocab import OWL, RDF, RDFS, SKOS, SSSOM, XSD
from loaders import mapping, mapping_sssom, oncotree, orphanet
from loaders.mapping import Mapping, map_entities, match_key, normalise, tokens

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


def test_synonym_gives_exact_match() -> None:
    # an Orphanet synonym names the same disorder: exact, a little less sure than an equal label
    ms = map_entities([onco("WT", "Wilms' Tumor")], [orpha("654", "Nephroblastoma", synonyms=("Wilms tumor",))])
    assert summary(ms) == {("oncotree:WT", "exactMatch", "ORPHA:654", "synonym")}
    assert ms[0].confidence == 0.88 and ms[0].justification == "LexicalMatching"


def test_cancer_and_carcinoma_are_one_word_for_matching_only() -> None:
    assert match_key("Medullary Thyroid Cancer") == match_key("Medullary thyroid carcinoma")
    assert normalise("Medullary Thyroid Cancer") != normalise("Medullary thyroid carcinoma")  # linker's key unchanged
    ms = map_entities([onco("THME", "Medullary Thyroid Cancer")], [orpha("1332", "Medullary thyroid carcinoma")])
    assert summary(ms) == {("oncotree:THME", "exactMatch", "ORPHA:1332", "label")}
    assert ms[0].confidence == 0.92  # equal after normalising, not verbatim


def test_equal_label_beats_synonym_and_containment() -> None:
    subjects = [onco("SCLC", "Small Cell Lung Cancer")]
    objects = [orpha("70573", "Small cell lung carcinoma"), orpha("9", "Other entity", synonyms=("Small cell lung cancer",)),
               orpha("8", "Lung cancer")]
    assert summary(map_entities(subjects, objects)) == {("oncotree:SCLC", "exactMatch", "ORPHA:70573", "label")}


def test_synonym_beats_containment() -> None:
    subjects = [onco("ONBL", "Olfactory Neuroblastoma")]
    objects = [orpha("1957", "Esthesioneuroblastoma", synonyms=("Olfactory neuroblastoma",)), orpha("635", "Neuroblastoma")]
    assert summary(map_entities(subjects, objects)) == {("oncotree:ONBL", "exactMatch", "ORPHA:1957", "synonym")}


def test_confidence_reflects_the_evidence_not_the_rule() -> None:
    subjects = [onco("A", "Chordoma"), onco("B", "Chordoma, NOS", parents=("A",)), onco("C", "Dedifferentiated Chordoma"),
                onco("D", "Poorly Differentiated Skull Base Chordoma")]
    ms = {m.subject.curie: m for m in map_entities(subjects, [orpha("178", "Chordoma")])}
    assert ms["oncotree:A"].confidence == 0.95                          # verbatim label
    assert ms["oncotree:C"].confidence == 0.75                          # one added word
    assert (ms["oncotree:B"].predicate, ms["oncotree:B"].confidence) == ("broadMatch", 0.85)  # NOS homonym
    assert "oncotree:D" not in ms                                       # "poorly" contrasts (not a kind of)
    longer = map_entities([onco("E", "Adult Skull Base Clival Chordoma")], [orpha("178", "Chordoma")])
    assert longer[0].confidence == 0.6                                  # four added words


def test_an_unmapped_nos_node_maps_to_its_parents_exact_match_not_a_shorter_label() -> None:
    """Regression (audit seed 4117): "Anaplastic Medulloblastoma, NOS" went to plain medulloblastoma by
    containment although its parent's exact match, the anaplastic/large cell entity, contains it."""
    subjects = [onco("AMBL", "Large Cell/Anaplastic Medulloblastoma"),
                onco("AMBLNOS", "Anaplastic Medulloblastoma, NOS", parents=("AMBL",)),
                onco("XNOS", "Something Else, NOS", parents=("NOPE",))]
    objects = [orpha("616", "Medulloblastoma"), orpha("251855", "Anaplastic/large cell medulloblastoma")]
    got = {(m.subject.curie, m.predicate, m.object.curie, m.rule) for m in map_entities(subjects, objects)}
    assert got == {("oncotree:AMBL", "exactMatch", "ORPHA:251855", "label"),
                   ("oncotree:AMBLNOS", "broadMatch", "ORPHA:251855", "nos-parent")}


COVERAGE_AUDIT = Path(__file__).resolve().parents[1] / "docs" / "audits" / "mappings-coverage-audit.tsv"


def test_every_unmapped_solid_type_is_judged_in_the_coverage_audit(data_dir: Path,
                                                                   real: dict[tuple[str, str], Mapping]) -> None:
    """The coverage audit judges exactly the solid OncoTree types that the mappings leave out, and none of
    them has a counterpart: a change that drops or adds a type's rows must update the audit."""
    _, nodes = oncotree.read_compiled(data_dir)
    solid = {n.code for n in nodes if oncotree.is_tumour_type(n) and n.tissue not in mapping.HAEMATOLOGICAL_TISSUES}
    unmapped = solid - {k[0].removeprefix("oncotree:") for k in real}
    lines = [line for line in COVERAGE_AUDIT.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    rows = [dict(zip(lines[0].split("\t"), line.split("\t"), strict=True)) for line in lines[1:]]
    assert {r["oncotree_code"] for r in rows} == unmapped, "update docs/audits/mappings-coverage-audit.tsv"
    assert {r["verdict"] for r in rows} <= {"not eligible", "no informative counterpart"}
    assert all(r["reason"] for r in rows)


def test_poorly_differentiated_is_not_a_kind_of_differentiated() -> None:
    ms = map_entities([onco("THPD", "Poorly Differentiated Thyroid Cancer")], [orpha("146", "Differentiated thyroid carcinoma")])
    assert ms == []


def test_haematological_entities_are_left_out_on_both_sides() -> None:
    subjects = [onco("GIST", "Gastrointestinal Stromal Tumor"), onco("DLBCL", "Diffuse Large B-Cell Lymphoma")]
    objects = [orpha("44890", "Gastrointestinal stromal tumor"), orpha("68347", "Tumor of hematopoietic and lymphoid tissues"),
               orpha("544", "Diffuse large B-cell lymphoma", parents=("547",)), orpha("547", "Non-Hodgkin lymphoma",
                                                                               parents=("68347",))]
    subs, objs, dropped = mapping.solid_only(subjects, objects, {ONCO + "DLBCL"})
    assert [s.curie for s in subs] == ["oncotree:GIST"] and [o.curie for o in objs] == ["ORPHA:44890"]
    assert dropped == 4


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
        (node, RDF.type, OWL.Axiom),
        (node, NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), Literal("oncotree:GIST exactMatch ORPHA:44890")),
        (node, OWL.annotatedSource, sub), (node, OWL.annotatedTarget, obj),
        (node, OWL.annotatedProperty, SKOS.exactMatch),
        (node, SSSOM.mapping_justification, NamedNode("https://w3id.org/semapv/vocab/LexicalMatching")),
        (node, SSSOM.confidence, Literal("0.95", datatype=XSD.decimal)),
        (node, RDFS.comment, Literal("label 'Gastrointestinal Stromal Tumor' = label 'Gastrointestinal stromal tumor'")),
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
    # before #17: 342 rows (195 label exact, 17 label broad, 24 synonym close, 73 containment broad,
    # 33 containment narrow), a third of them blood cancers
    assert counts == {("label", "exactMatch"): 124, ("label", "broadMatch"): 7, ("synonym", "exactMatch"): 25,
                      ("synonym", "broadMatch"): 1, ("containment", "broadMatch"): 42, ("nos-parent", "broadMatch"): 7,
                      ("containment", "narrowMatch"): 15, ("curated", "exactMatch"): 63,
                      ("curated", "broadMatch"): 227, ("curated", "narrowMatch"): 14, ("curated", "closeMatch"): 2}
    # The ORPHApackets cross-reference only OMIM, OncoTree only NCIt and UMLS: no shared xref exists.
    assert counts[("xref", "exactMatch")] == 0
    assert len({m.confidence for m in real.values()}) >= 8, "confidences should vary with the evidence"
    assert all(0 < m.confidence <= 1 for m in real.values())
    assert all((m.rule == "curated") == (m.justification == "ManualMappingCuration") == bool(m.reviewer)
               for m in real.values())


@pytest.mark.parametrize(("subject", "predicate", "obj"), [
    ("oncotree:GIST", "exactMatch", "ORPHA:44890"),
    ("oncotree:THME", "exactMatch", "ORPHA:1332"),     # cancer = carcinoma
    ("oncotree:THAP", "exactMatch", "ORPHA:142"),
    ("oncotree:PTH", "exactMatch", "ORPHA:143"),
    ("oncotree:WT", "exactMatch", "ORPHA:654"),       # Orphanet synonym 'Wilms tumor'
    ("oncotree:ULMS", "exactMatch", "ORPHA:213625"),   # uterine, not soft-tissue leiomyosarcoma
    ("oncotree:UELMS", "broadMatch", "ORPHA:213625"),
    ("oncotree:UMLMS", "broadMatch", "ORPHA:213625"),
    ("oncotree:EMBCA", "broadMatch", "ORPHA:363494"),  # testicular, not extragonadal embryonal carcinoma
    ("oncotree:TYST", "broadMatch", "ORPHA:363494"),
    ("oncotree:MGCT", "broadMatch", "ORPHA:363494"),
    ("oncotree:OEC", "broadMatch", "ORPHA:206538"),    # ovarian non-dysgerminomatous germ cell tumour
    ("oncotree:OYST", "broadMatch", "ORPHA:206538"),
    ("oncotree:OPE", "broadMatch", "ORPHA:206538"),
    ("oncotree:OMGCT", "broadMatch", "ORPHA:35807"),
    ("oncotree:SEM", "exactMatch", "ORPHA:842"),
    ("oncotree:NSGCT", "exactMatch", "ORPHA:363494"),
    ("oncotree:PEMESO", "exactMatch", "ORPHA:168811"),
    ("oncotree:ES", "exactMatch", "ORPHA:319"),
    ("oncotree:SFT", "exactMatch", "ORPHA:2126"),
    ("oncotree:DES", "exactMatch", "ORPHA:873"),
    ("oncotree:UCS", "exactMatch", "ORPHA:213610"),
    ("oncotree:GRCT", "exactMatch", "ORPHA:99915"),
    ("oncotree:VYST", "broadMatch", "ORPHA:876"),
    ("oncotree:TRCC", "exactMatch", "ORPHA:319308"),  # found by the audit (docs/audits)
    ("oncotree:LNET", "exactMatch", "ORPHA:97287"),   # Orphanet's bronchial NET includes LCNEC      # vulvar yolk sac tumour is extragonadal: lexical row kept
])
def test_real_known_matches(real: dict[tuple[str, str], Mapping], subject: str, predicate: str, obj: str) -> None:
    assert real[(subject, obj)].predicate == predicate


def test_real_known_non_matches_are_absent(real: dict[tuple[str, str], Mapping]) -> None:
    assert ("oncotree:NSCLC", "ORPHA:70573") not in real      # non-small cell is not small cell lung cancer
    assert ("oncotree:TT", "ORPHA:883") not in real           # testicular teratoma vs extragonadal teratoma
    assert ("oncotree:NETNOS", "ORPHA:877") not in real       # neuroendocrine tumour vs neoplasm (NET + NEC)
    assert ("oncotree:ULMS", "ORPHA:64720") not in real       # the site-specific target replaced it
    assert ("oncotree:THPD", "ORPHA:146") not in real         # poorly differentiated is not differentiated
    for gonadal in ("EMBCA", "TYST", "MGCT", "OEC", "OYST", "OPE", "OMGCT"):
        assert not [k for k in real if k[0] == f"oncotree:{gonadal}" and k[1] in
                    ("ORPHA:180226", "ORPHA:876", "ORPHA:180234", "ORPHA:180229")], gonadal
    assert not [k for k in real if k[0] in ("oncotree:BREAST", "oncotree:TISSUE", "oncotree:PANCREAS")]


def test_real_mappings_leave_haematological_entities_out(data_dir: Path, real: dict[tuple[str, str], Mapping]) -> None:
    _, nodes = oncotree.read_compiled(data_dir)
    blood = {f"oncotree:{n.code}" for n in nodes if n.tissue in mapping.HAEMATOLOGICAL_TISSUES}
    assert len(blood) == 228 and not [k for k in real if k[0] in blood]
    assert ("oncotree:CHL", "ORPHA:391") not in real         # classic Hodgkin lymphoma: EuroBloodNet
    solid = {f"oncotree:{n.code}" for n in nodes if oncotree.is_tumour_type(n)} - blood
    mapped = {k[0] for k in real}
    assert (len(solid), len(solid & mapped)) == (639, 512)   # before #17: 215 of 639; 428 after its first pass, 509 after its second


# --- curated rows --------------------------------------------------------------------------------

CURATED_HEAD = "\t".join(mapping_sssom.CURATED_HEADER)


def _curated(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "curated.tsv"
    path.write_text("# reviewed rows\n" + CURATED_HEAD + "\n" + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


ULMS_ROW = ("oncotree:ULMS\tUterine Leiomyosarcoma\tskos:exactMatch\tORPHA:213625\tLeiomyosarcoma of the corpus uteri"
            "\t0.95\treviewer\t2026-12-07\tsite-specific")


def test_curated_rows_replace_every_computed_row_of_their_subject(tmp_path: Path) -> None:
    subjects = [onco("ULMS", "Uterine Leiomyosarcoma"), onco("LMS", "Leiomyosarcoma")]
    objects = [orpha("64720", "Leiomyosarcoma"), orpha("213625", "Leiomyosarcoma of the corpus uteri")]
    computed = map_entities(subjects, objects)
    assert ("oncotree:ULMS", "broadMatch", "ORPHA:64720", "containment") in summary(computed)
    reviewed = mapping_sssom.read_curated(_curated(tmp_path, ULMS_ROW), subjects, objects)
    merged = mapping_sssom.apply_curated(computed, reviewed)
    assert summary(merged) == {("oncotree:LMS", "exactMatch", "ORPHA:64720", "label"),
                               ("oncotree:ULMS", "exactMatch", "ORPHA:213625", "curated")}
    ulms = next(m for m in merged if m.rule == "curated")
    assert (ulms.justification, ulms.reviewer, ulms.confidence) == ("ManualMappingCuration", "reviewer", 0.95)
    assert (ulms.subject.iri, ulms.object.iri) == (ONCO + "ULMS", ORPHA + "213625")


@pytest.mark.parametrize(("row", "message"), [
    (ULMS_ROW.replace("ORPHA:213625", "ORPHA:999999"), r"curated.tsv:3 .*object ORPHA:999999 is not a code of the sources"),
    (ULMS_ROW.replace("oncotree:ULMS", "oncotree:NOPE"), r"curated.tsv:3 .*subject oncotree:NOPE is not a code"),
    (ULMS_ROW.replace("Uterine Leiomyosarcoma", "Uterine LMS"), r"subject_label 'Uterine LMS' is not the source's label"),
    (ULMS_ROW.replace("skos:exactMatch", "skos:related"), r"predicate_id must be skos:"),
    (ULMS_ROW.replace("\t0.95\t", "\t1.5\t"), r"confidence must be a number in \(0, 1\]"),
    (ULMS_ROW.replace("\tsite-specific", "\t "), r"reason is empty"),
])
def test_curated_row_that_the_sources_do_not_support_fails_with_file_and_line(tmp_path: Path, row: str,
                                                                              message: str) -> None:
    subjects = [onco("ULMS", "Uterine Leiomyosarcoma")]
    objects = [orpha("213625", "Leiomyosarcoma of the corpus uteri")]
    with pytest.raises(DataError, match=message):
        mapping_sssom.read_curated(_curated(tmp_path, row), subjects, objects)


def test_curated_file_with_a_wrong_header_fails(tmp_path: Path) -> None:
    path = tmp_path / "curated.tsv"
    path.write_text("subject_id\tobject_id\n", encoding="utf-8")
    with pytest.raises(DataError, match="header must be"):
        mapping_sssom.read_curated(path, [], [])


# --- load and SSSOM ------------------------------------------------------------------------------

ROWS = 527


def test_load_is_deterministic_and_counts(data_dir: Path) -> None:
    first, second = LoadReport("mappings"), LoadReport("mappings")
    triples = list(mapping.load(data_dir, first))
    assert triples == list(mapping.load(data_dir, second))
    curated = sum(k.startswith("curated:") and v for k, v in first.counts.items() if isinstance(v, int))
    assert first.counts["mappings"] == ROWS
    assert len(triples) == first.counts["triples"] == ROWS * 9 + curated   # + sssom:reviewer_label
    assert first.version == "oncotree_2025_10_03 x orphanet 1.3.42 / 4.1.8 [2025-03-03]"
    assert first.counts["haematological_entities_left_out"] == 479


def test_sssom_export_reproduces_committed_file_and_validates(shared_data: Path, data_dir: Path,
                                                              repo_data: Path) -> None:
    report = LoadReport("mappings")
    out = mapping.compile(shared_data, data_dir, report)   # writes with sssom-py and validates it
    assert out == data_dir / "mappings" / "oncotree_orphanet.sssom.tsv"
    assert report.counts["rows"] == ROWS
    text = out.read_text(encoding="utf-8")
    header = "\n".join(line for line in text.splitlines() if line.startswith("#"))
    for needed in ("mapping_set_id: https://w3id.org/rarekg/mappings/oncotree_orphanet.sssom.tsv",
                   "mapping_set_version: '2.1'", "mapping_date: '2026-12-07'", "creator_id:",
                   "subject_source_version: oncotree_2025_10_03", "object_source_version: Orphadata product 3",
                   "ORPHA: http://www.orpha.net/ORDO/Orphanet_"):
        assert needed in header, needed
    rows = list(csv.DictReader((line for line in text.splitlines() if not line.startswith("#")), delimiter="\t"))
    assert tuple(rows[0]) == mapping_sssom.COLUMNS and len(rows) == ROWS
    gist = next(r for r in rows if r["subject_id"] == "oncotree:GIST")
    assert (gist["predicate_id"], gist["object_id"], gist["mapping_justification"], gist["confidence"]) == (
        "skos:exactMatch", "ORPHA:44890", "semapv:LexicalMatching", "0.95")
    ulms = next(r for r in rows if r["subject_id"] == "oncotree:ULMS")
    assert (ulms["mapping_justification"], ulms["reviewer_label"]) == ("semapv:ManualMappingCuration",
                                                                       "rarekg mappings curator")
    committed = repo_data / "mappings" / mapping.SSSOM_FILE
    assert out.read_bytes() == committed.read_bytes(), "data/mappings is stale: run `rarekg data compile`"
    mapping_sssom.validate_sssom(committed)   # sssom-py's own validation of the committed file


def test_sssom_validation_rejects_a_row_with_an_undeclared_prefix(repo_data: Path, tmp_path: Path) -> None:
    text = (repo_data / "mappings" / mapping.SSSOM_FILE).read_text(encoding="utf-8")
    bad = tmp_path / "bad.sssom.tsv"
    bad.write_text(text.replace("ORPHA:44890", "MONDO:0011719", 1), encoding="utf-8")
    with pytest.raises(DataError, match="invalid"):
        mapping_sssom.validate_sssom(bad)


def test_sssom_validate_command_accepts_the_committed_file_and_rejects_a_bad_one(repo_data: Path,
                                                                                 tmp_path: Path) -> None:
    """``sssom validate`` (sssom-py's own command line) on the committed file, and on a copy with a
    CURIE whose prefix the file does not declare, which it must reject."""
    from click.testing import CliRunner
    from sssom.cli import main

    committed = repo_data / "mappings" / mapping.SSSOM_FILE
    ok = CliRunner().invoke(main, ["validate", str(committed)])
    assert ok.exit_code == 0, ok.output or repr(ok.exception)
    bad = tmp_path / "bad.sssom.tsv"
    bad.write_text(committed.read_text(encoding="utf-8").replace("ORPHA:44890", "MONDO:0011719", 1), encoding="utf-8")
    rejected = CliRunner().invoke(main, ["validate", str(bad)])
    assert rejected.exit_code != 0

"""Tests of the curated molecular subgroups: file integrity, real parent codes, bad input, and
what HermiT infers from the definitions (basket membership, subgroup-to-subgroup links)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from kg.core.errors import DataError
from kg.core.records import LoadReport
from kg.core.vocab import DCTERMS, OWL, RDF, RDFS, RKG, SKOS, mint
from loaders import subgroups as sg

DATA = Path(__file__).resolve().parent.parent / "data"
FOLDER = DATA / "subgroups"
GENES = list(sg.read_genes(FOLDER / sg.GENES_FILE))
ALTERATIONS = list(sg.read_alterations(FOLDER / sg.ALTERATIONS_FILE))
SUBGROUPS = list(sg.read_subgroups(FOLDER / sg.SUBGROUPS_FILE))
BY_ID = {s.id: s for s in SUBGROUPS}
SUB = "https://w3id.org/rarekg/subgroup/"

EXPECTED_BASKETS = {
    "ntrk-fusion-positive-solid-tumour": {
        "congenital-mesoblastic-nephroma-etv6-ntrk3", "infant-type-hemispheric-glioma-ntrk-fused",
        "infantile-fibrosarcoma-etv6-ntrk3", "ntrk-rearranged-spindle-cell-neoplasm",
        "secretory-carcinoma-breast-etv6-ntrk3", "secretory-carcinoma-salivary-etv6-ntrk3"},
    "braf-v600e-mutant-solid-tumour": {
        "anaplastic-thyroid-carcinoma-braf-v600e", "gist-braf-v600e-mutant",
        "papillary-craniopharyngioma-braf-v600e", "pleomorphic-xanthoastrocytoma-braf-v600e"},
    "alk-fusion-positive-tumour": {
        "infant-type-hemispheric-glioma-alk-fused", "inflammatory-myofibroblastic-tumour-alk-rearranged"},
    "ret-altered-tumour": {"medullary-thyroid-carcinoma-ret-mutant", "papillary-thyroid-carcinoma-ret-fusion"},
    "idh-mutant-tumour": {
        "astrocytoma-idh-mutant", "astrocytoma-idh1-r132h-mutant",
        "intrahepatic-cholangiocarcinoma-idh-mutant", "oligodendroglioma-idh-mutant-1p19q-codeleted"},
    "sdh-deficient-tumour": {"gist-sdh-deficient", "sdh-deficient-renal-cell-carcinoma"},
}
#: the only subgroup ⊑ subgroup links between non-basket classes that the definitions entail
EXPECTED_SUBGROUP_LINKS = {
    ("gist-kit-exon11-mutant", "gist-kit-mutant"), ("gist-kit-exon9-mutant", "gist-kit-mutant"),
    ("gist-pdgfra-d842v-mutant", "gist-pdgfra-mutant"), ("astrocytoma-idh1-r132h-mutant", "astrocytoma-idh-mutant"),
}


# ------------------------------------------------------------------------------------ file facts

def test_counts() -> None:
    assert len(GENES) == 39
    assert len({g.family for g in GENES if g.family}) == 9
    assert len(ALTERATIONS) == 31
    assert sum(not s.is_basket for s in SUBGROUPS) == 41
    assert sorted(s.id for s in SUBGROUPS if s.is_basket) == sorted(EXPECTED_BASKETS)


def test_gist_kit_mutant_parents_and_alteration() -> None:
    gist = BY_ID["gist-kit-mutant"]
    assert gist.parents == ("ORPHA:44890", "oncotree:GIST")
    assert gist.alterations == ("kit-mutation",)
    assert BY_ID["oligodendroglioma-idh-mutant-1p19q-codeleted"].alterations == ("idh-mutation", "1p19q-codeletion")


@pytest.mark.parametrize("name", [sg.GENES_FILE, sg.ALTERATIONS_FILE, sg.SUBGROUPS_FILE])
def test_file_is_sorted_and_unique(name: str) -> None:
    """Canonical form: sorted by the first column, no duplicate. Fix: sort the rows (keep the header)."""
    with (FOLDER / name).open(encoding="utf-8") as fh:
        keys = [row[0] for row in csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)][1:]
    assert keys == sorted(keys), f"{name} is not sorted by its first column"
    assert len(keys) == len(set(keys)), f"{name} has duplicate ids"


@pytest.mark.parametrize("sub", SUBGROUPS, ids=lambda s: s.id)
def test_subgroup_record_is_complete(sub: sg.Subgroup) -> None:
    """Each record needs a source, a date, a licence note and a definition; fix the row named."""
    assert sub.source and sub.source_date and sub.definition, f"line {sub.line}: fill source/source_date/definition"
    assert sub.license.startswith("CC-BY-4.0"), f"line {sub.line}: licence note must name CC-BY-4.0"
    alteration_ids = {a.id for a in ALTERATIONS}
    assert set(sub.alterations) <= alteration_ids, f"line {sub.line}: unknown alteration"


def test_curation_has_no_row_errors() -> None:
    report = LoadReport("subgroups")
    triples = list(sg.load(DATA, report))
    assert report.problems == []
    assert report.counts["subgroups"] == 41 and report.counts["baskets"] == 6
    assert report.counts["triples"] == len(triples) == 1667


@pytest.fixture(scope="module")
def real_parent_codes(shared_data: Path) -> set[str]:
    """Every ORPHA and OncoTree CURIE of the real source files."""
    from loaders.oncotree import read as read_oncotree
    from loaders.orphanet_classification import read_classification

    orpha = {f"ORPHA:{n.code}" for n in read_classification(shared_data / "orphanet" / "en_product3_202.xml")}
    onco = {f"oncotree:{n.code}" for n in read_oncotree(shared_data / "oncotree" / "oncotree_2025_10_03.json")}
    return orpha | onco


@pytest.mark.parametrize("sub", [s for s in SUBGROUPS if not s.is_basket], ids=lambda s: s.id)
def test_parent_codes_exist_in_real_files(sub: sg.Subgroup, real_parent_codes: set[str]) -> None:
    missing = set(sub.parents) - real_parent_codes
    assert not missing, f"subgroups.tsv line {sub.line}: {missing} not in Orphanet product 3 / OncoTree"


def test_real_parent_names(shared_data: Path) -> None:
    """Spot-check that the chosen parents are the intended entities."""
    from loaders.orphanet_classification import read_classification

    names = {n.code: n.label for n in read_classification(shared_data / "orphanet" / "en_product3_202.xml")}
    assert names["44890"] == "Gastrointestinal stromal tumor"
    assert names["99967"] == "Myxoid/round cell liposarcoma"
    assert names["443167"] == "NUT midline carcinoma"
    tree = json.loads((shared_data / "oncotree" / "oncotree_2025_10_03.json").read_text(encoding="utf-8"))
    assert tree["TISSUE"]["children"]["SOFT_TISSUE"]["children"]["IFS"]["name"] == "Infantile Fibrosarcoma"


def test_hgnc_ids_agree_with_orphanet(shared_data: Path) -> None:
    path = shared_data / "vocab" / "orphanet_solid_rare_tumour_gene_associations.tsv"
    with path.open(encoding="utf-8") as fh:
        orphanet = {r["gene_symbol"]: r["hgnc_id"] for r in csv.DictReader(fh, delimiter="\t")}
    ours = {g.symbol: g.hgnc_id for g in GENES}
    shared = set(ours) & set(orphanet)
    assert len(shared) == 35
    assert {s: ours[s] for s in shared} == {s: orphanet[s] for s in shared}
    assert sorted(set(ours) - set(orphanet)) == ["H3-3A", "H3C2", "H3C3", "SSX4"]


# ------------------------------------------------------------------------------------- triples

def test_triples_of_gist_kit_and_ntrk_basket() -> None:
    triples = set(sg.load(DATA, LoadReport("subgroups")))
    gist = mint("subgroup", "gist-kit-mutant")
    assert (gist, RDFS.subClassOf, mint("entity", "orpha/44890")) in triples
    assert (gist, RDFS.subClassOf, mint("entity", "oncotree/GIST")) in triples
    basket = mint("subgroup", "ntrk-fusion-positive-solid-tumour")
    assert any(s == basket and p == RKG.isBasket and o.value == "true" for s, p, o in triples)
    assert (mint("gene", "NTRK3"), RDFS.subClassOf, mint("genefamily", "NTRK")) in triples
    assert (mint("genefamily", "NTRK"), RDFS.subClassOf, RKG.Gene) in triples
    assert any(s == mint("alteration", "kit-exon11-mutation") and p == RKG.variant and o.value == "exon 11"
               for s, p, o in triples)
    assert sum(1 for s, p, _ in triples if p == RDFS.label and s == gist) == 1


def test_definition_triples_are_axioms_only() -> None:
    axioms = list(sg.definition_triples(DATA))
    predicates = {p for _, p, _ in axioms}
    assert predicates <= sg.AXIOM_PREDICATES
    assert RDFS.label not in predicates and SKOS.definition not in predicates and DCTERMS.source not in predicates
    assert (mint("entity", "orpha/44890"), RDFS.subClassOf, RKG.CancerEntity) in axioms
    assert sum(1 for _, p, _ in axioms if p == OWL.equivalentClass) == 47 + 24  # subgroups + defined alterations (31 minus 7 with a variant)
    assert sum(1 for _, p, o in axioms if p == RDF.type and o == OWL.Restriction) > 0


# ------------------------------------------------------------------------------------- bad input

def _write(folder: Path, genes: str | None = None, alterations: str | None = None,
           subgroups: str | None = None) -> Path:
    """A copy of the curated folder with some files replaced; returns the data dir."""
    target = folder / "subgroups"
    target.mkdir(parents=True)
    for name, text in ((sg.GENES_FILE, genes), (sg.ALTERATIONS_FILE, alterations), (sg.SUBGROUPS_FILE, subgroups)):
        (target / name).write_text(text if text is not None else (FOLDER / name).read_text(encoding="utf-8"),
                                   encoding="utf-8")
    return folder


def _subgroups_with(extra_line: str) -> str:
    return (FOLDER / sg.SUBGROUPS_FILE).read_text(encoding="utf-8") + extra_line + "\n"


def _row(id_: str = "zz-test", parents: str = "ORPHA:44890", alterations: str = "kit-mutation",
         basket: str = "false", source: str = "a source") -> str:
    return f"{id_}\tTest\t{parents}\t{alterations}\t{basket}\tdef\t{source}\t2020\tCC-BY-4.0"


def test_wrong_header_names_file_and_line(tmp_path: Path) -> None:
    data = _write(tmp_path, genes="symbol\thgnc\tname\tfamily\tsource\nKIT\tHGNC:6342\tx\t\ty\n")
    with pytest.raises(DataError) as err:
        list(sg.load(data, LoadReport("subgroups")))
    assert err.value.path.endswith("genes.tsv") and err.value.line == 1


def test_wrong_field_count_names_line(tmp_path: Path) -> None:
    text = (FOLDER / sg.ALTERATIONS_FILE).read_text(encoding="utf-8") + "zz-fusion\tfusion\tKIT\n"
    data = _write(tmp_path, alterations=text)
    with pytest.raises(DataError) as err:
        list(sg.load(data, LoadReport("subgroups")))
    assert err.value.line == 33 and "expected 5" in str(err.value)


def test_unknown_kind_is_structural(tmp_path: Path) -> None:
    text = (FOLDER / sg.ALTERATIONS_FILE).read_text(encoding="utf-8") + "zz-x\tinversion\tKIT\t\tx\n"
    with pytest.raises(DataError, match="unknown kind 'inversion'"):
        list(sg.load(_write(tmp_path, alterations=text), LoadReport("subgroups")))


def test_bad_parent_curie_is_structural(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not ORPHA:<code> or oncotree:<CODE>"):
        list(sg.load(_write(tmp_path, subgroups=_subgroups_with(_row(parents="MONDO:1"))), LoadReport("s")))


def test_unknown_gene_is_a_row_error(tmp_path: Path) -> None:
    text = (FOLDER / sg.ALTERATIONS_FILE).read_text(encoding="utf-8") + "zz-x\tfusion\tKIT;NOPE1\t\tx\n"
    report = LoadReport("subgroups")
    triples = list(sg.load(_write(tmp_path, alterations=text), report))
    assert [(p.kind, p.line, p.record) for p in report.errors] == [("unknown-gene", 33, "zz-x")]
    assert not any(s == mint("alteration", "zz-x") for s, _, _ in triples)


@pytest.mark.parametrize(("row", "kind"), [
    (_row(alterations="no-such-alteration"), "unknown-alteration"),
    (_row(source=""), "missing-source"),
    (_row(parents=""), "missing-parent"),
    (_row(basket="true"), "basket-shape"),
])
def test_row_errors_drop_the_subgroup(tmp_path: Path, row: str, kind: str) -> None:
    report = LoadReport("subgroups")
    triples = list(sg.load(_write(tmp_path, subgroups=_subgroups_with(row)), report))
    assert [(p.kind, p.line, p.record) for p in report.errors] == [(kind, 49, "zz-test")]
    assert not any(s == mint("subgroup", "zz-test") for s, _, _ in triples)


def test_unknown_parent_is_reported_against_known_codes(tmp_path: Path) -> None:
    data = _write(tmp_path, subgroups=_subgroups_with(_row(parents="ORPHA:44890;oncotree:NOPE")))
    report = LoadReport("subgroups")
    curation = sg.read_curation(data, report, known_parents={"ORPHA:44890"} | {
        p for s in SUBGROUPS for p in s.parents})
    assert [(p.kind, p.record) for p in report.errors] == [("unknown-parent", "zz-test")]
    assert "zz-test" not in {s.id for s in curation.subgroups}


def test_duplicate_id_is_a_row_error(tmp_path: Path) -> None:
    report = LoadReport("subgroups")
    list(sg.load(_write(tmp_path, subgroups=_subgroups_with(_row(id_="gist-kit-mutant"))), report))
    assert [(p.kind, p.line) for p in report.errors] == [("duplicate-id", 49)]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="curated file not found"):
        list(sg.load(tmp_path, LoadReport("subgroups")))


# ----------------------------------------------------------------------------------- reasoning

@pytest.fixture(scope="module")
def inferred() -> dict[str, set[str]]:
    """Inferred superclasses (IRIs) per subgroup id, from HermiT over the ontology + definitions."""
    from kg.checks.reasoning import classify

    result = classify(list(sg.definition_triples(DATA)))
    out: dict[str, set[str]] = {}
    for t in result.inferred:
        if t.subject.value.startswith(SUB):
            out.setdefault(t.subject.value[len(SUB):], set()).add(t.object.value)
    return out


def _members(inferred: dict[str, set[str]], basket: str) -> set[str]:
    return {sub for sub, supers in inferred.items() if SUB + basket in supers}


@pytest.mark.parametrize("basket", sorted(EXPECTED_BASKETS))
def test_basket_gets_exactly_its_subgroups(inferred: dict[str, set[str]], basket: str) -> None:
    assert _members(inferred, basket) == EXPECTED_BASKETS[basket]


def test_kit_exon11_subgroup_is_inferred_kit_mutant(inferred: dict[str, set[str]]) -> None:
    assert SUB + "gist-kit-mutant" in inferred["gist-kit-exon11-mutant"]
    assert SUB + "gist-kit-exon11-mutant" not in inferred.get("gist-kit-mutant", set())


def test_no_unexpected_subgroup_links(inferred: dict[str, set[str]]) -> None:
    baskets = {s.id for s in SUBGROUPS if s.is_basket}
    links = {(sub, sup[len(SUB):]) for sub, supers in inferred.items() for sup in supers
             if sup.startswith(SUB) and sup[len(SUB):] not in baskets}
    assert links == EXPECTED_SUBGROUP_LINKS


def test_every_subgroup_is_molecularly_defined(inferred: dict[str, set[str]]) -> None:
    molecular = RKG.MolecularlyDefinedEntity.value
    assert {s for s, supers in inferred.items() if molecular in supers} == {s.id for s in SUBGROUPS}

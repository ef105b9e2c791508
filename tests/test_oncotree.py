"""OncoTree loader: real-file facts, tree checks, malformed input and the committed compiled file."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode

from kg.core.errors import DataError
from kg.core.records import LoadReport
from kg.core.vocab import OBOINOWL, OWL, RDF, RDFS, RKG, SKOS, XSD, mint
from loaders import oncotree

RELEASE = "oncotree_2025_10_03"


@pytest.fixture(scope="module")
def nodes(shared_data: Path) -> dict[str, oncotree.OncoTreeNode]:
    return {n.code: n for n in oncotree.read(shared_data / "oncotree" / f"{RELEASE}.json")}


@pytest.fixture(scope="module")
def compiled(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("data")
    report = LoadReport("oncotree")
    oncotree.compile(shared_data, data_dir, report)
    assert report.problems == [] and report.version == RELEASE
    return data_dir


def _node(code: str, parent: str | None, level: int = 2) -> dict[str, object]:
    return {"code": code, "name": code.title(), "level": level, "parent": parent, "children": {}}


def test_real_file_has_898_nodes_with_known_levels(nodes: dict[str, oncotree.OncoTreeNode]) -> None:
    assert len(nodes) == 898
    assert Counter(n.level for n in nodes.values()) == {0: 1, 1: 32, 2: 233, 3: 333, 4: 147, 5: 131, 6: 21}


def test_gist_codes_and_place_in_tree(nodes: dict[str, oncotree.OncoTreeNode]) -> None:
    gist = nodes["GIST"]
    assert (gist.name, gist.nci, gist.umls) == ("Gastrointestinal Stromal Tumor", ["C3868"], ["C0238198"])
    assert (gist.parent, gist.level, gist.tissue) == ("SOFT_TISSUE", 2, "Soft Tissue")
    assert nodes["SOFT_TISSUE"].parent == "TISSUE" and nodes["TISSUE"].parent is None


def test_hierarchy_facts(nodes: dict[str, oncotree.OncoTreeNode]) -> None:
    assert nodes["DDLS"].parent == "LIPO"          # dedifferentiated liposarcoma under liposarcoma
    assert nodes["MBLNOS"].parent == "MBL"
    assert sum(1 for n in nodes.values() if n.parent == "TISSUE") == 32
    assert nodes["FT"].history == ["MFT"] and nodes["PTCL"].revocations == ["PTCL"]
    assert nodes["CLLSLL"].precursors == ["CLL", "SLL"]


def test_triples_of_gist(nodes: dict[str, oncotree.OncoTreeNode]) -> None:
    gist = oncotree.entity_iri("GIST")
    triples = set(oncotree.to_triples(nodes["GIST"]))
    assert gist == mint("entity", "oncotree/GIST")
    expected = {
        (gist, RDF.type, OWL.Class),
        (gist, RDFS.subClassOf, oncotree.entity_iri("SOFT_TISSUE")),
        (gist, RDFS.label, Literal("Gastrointestinal Stromal Tumor", language="en")),
        (gist, RKG.oncotreeCode, Literal("GIST")),
        (gist, RKG.oncotreeLevel, Literal("2", datatype=XSD.integer)),
        (gist, RKG.oncotreeMainType, Literal("Gastrointestinal Stromal Tumor")),
        (gist, RKG.oncotreeTissue, Literal("Soft Tissue")),
        (gist, OBOINOWL.hasDbXref, Literal("oncotree:GIST")),
        (gist, OBOINOWL.hasDbXref, Literal("NCIT:C3868")),
        (gist, OBOINOWL.hasDbXref, Literal("UMLS:C0238198")),
        (gist, SKOS.exactMatch, NamedNode("http://purl.obolibrary.org/obo/NCIT_C3868")),
    }
    assert triples == expected


def test_root_under_cancer_entity_and_tissue_xrefs_not_exact_matches(nodes: dict[str, oncotree.OncoTreeNode]) -> None:
    root = set(oncotree.to_triples(nodes["TISSUE"]))
    assert (oncotree.entity_iri("TISSUE"), RDFS.subClassOf, RKG.CancerEntity) in root
    ovary = set(oncotree.to_triples(nodes["OVARY"]))
    assert (oncotree.entity_iri("OVARY"), OBOINOWL.hasDbXref, Literal("NCIT:C12404")) in ovary
    assert not [t for t in ovary if t[1] == SKOS.exactMatch]


def test_history_triples(nodes: dict[str, oncotree.OncoTreeNode]) -> None:
    ptcl = set(oncotree.to_triples(nodes["PTCL"]))
    assert (oncotree.entity_iri("PTCL"), RKG.revokedCode, Literal("PTCL")) in ptcl
    ft = set(oncotree.to_triples(nodes["FT"]))
    assert (oncotree.entity_iri("FT"), RKG.previousCode, Literal("MFT")) in ft


def test_load_counts_and_version(compiled: Path) -> None:
    report = LoadReport("oncotree")
    triples = list(oncotree.load(compiled, report))
    assert report.version == RELEASE and report.counts["nodes"] == 898
    assert len(triples) == report.counts["triples"] == 9212
    per_predicate = Counter(p.value.rsplit("/", 1)[-1].rsplit("#", 1)[-1] for _, p, _ in triples)
    assert per_predicate["subClassOf"] == 898 and per_predicate["exactMatch"] == 634
    assert per_predicate["hasDbXref"] == 2258
    assert (per_predicate["previousCode"], per_predicate["precursorCode"], per_predicate["revokedCode"]) == (19, 8, 9)


def test_mappable_leaves_out_root_and_tissues(compiled: Path) -> None:
    entities = {e.curie: e for e in oncotree.mappable(compiled)}
    assert len(entities) == 898 - 33
    assert "oncotree:BREAST" not in entities
    assert entities["oncotree:GIST"].xrefs == ("NCIT:C3868", "UMLS:C0238198")
    assert entities["oncotree:GIST"].parents == (oncotree.entity_iri("SOFT_TISSUE").value,)


def test_compile_reproduces_committed_file(compiled: Path, repo_data: Path) -> None:
    fresh = (compiled / "oncotree" / "nodes.jsonl").read_bytes()
    committed = (repo_data / "oncotree" / "nodes.jsonl").read_bytes()
    assert fresh == committed, "data/oncotree/nodes.jsonl is stale: run `rarekg data compile`"


def test_malformed_json_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "oncotree" / f"{RELEASE}.json"
    bad.parent.mkdir()
    bad.write_text('{"TISSUE": {\n  "code": "TISSUE",\n  "name": oops\n}}\n', encoding="utf-8")
    with pytest.raises(DataError) as err:
        list(oncotree.read(bad))
    assert err.value.line == 3 and err.value.path == str(bad)
    with pytest.raises(DataError):
        oncotree.compile(tmp_path, tmp_path / "out", LoadReport("oncotree"))


def test_node_without_required_field_is_structural(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    root = _node("TISSUE", None, 0)
    root["children"] = {"X": {"code": "X", "level": 1, "children": {}}}
    path.write_text(json.dumps({"TISSUE": root}), encoding="utf-8")
    with pytest.raises(DataError, match="TISSUE/X.*lacks name"):
        list(oncotree.read(path))


def test_unknown_parent_and_duplicate_code_are_reported(tmp_path: Path) -> None:
    root = _node("TISSUE", None, 0)
    bone = _node("BONE", "TISSUE", 1)
    bone["children"] = {"OS": _node("OS", "BONE"), "ORPHAN": _node("ORPHAN", "NOWHERE")}
    root["children"] = {"BONE": bone, "SKIN": {**_node("SKIN", "TISSUE", 1),
                                               "children": {"OS": _node("OS", "SKIN")}}}
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"TISSUE": root}), encoding="utf-8")
    report = LoadReport("oncotree")
    kept = oncotree.check_tree(oncotree.read(path), report, path)
    assert [n.code for n in kept] == ["TISSUE", "BONE", "OS", "SKIN"]
    assert [(p.kind, p.record) for p in report.errors] == [("unknown-parent", "ORPHAN"), ("duplicate-code", "OS")]
    assert "NOWHERE" in report.errors[0].message


def test_release_version_from_file_name() -> None:
    assert oncotree.release_version(Path(f"x/{RELEASE}.json")) == RELEASE
    with pytest.raises(DataError):
        oncotree.release_version(Path("x/tree.json"))


def test_trailing_space_in_umls_code_is_stripped(nodes: dict[str, oncotree.OncoTreeNode]) -> None:
    """The 2025-10-03 file has "C1333295 " (GCB) and "C2939462 " (MIDD); the xref literal must be a clean CURIE."""
    assert nodes["GCB"].umls == ["C1333295"] and nodes["MIDD"].umls == ["C2939462"]
    gcb = set(oncotree.to_triples(nodes["GCB"]))
    assert (oncotree.entity_iri("GCB"), OBOINOWL.hasDbXref, Literal("UMLS:C1333295")) in gcb


def test_malformed_xref_code_is_a_warning() -> None:
    root = oncotree.OncoTreeNode(code="TISSUE", name="Tissue", level=0)
    node = oncotree.OncoTreeNode(code="X", name="X", level=1, parent="TISSUE", umls=["C12"], nci=["C3868"])
    report = LoadReport("oncotree")
    assert oncotree.check_tree(iter([root, node]), report) == [root, node]
    assert report.errors == []
    assert [(p.kind, p.record) for p in report.problems] == [("bad-xref", "X")]
    assert "UMLS code 'C12'" in report.problems[0].message

"""Tests of the Orphanet loaders: classification XML, ORPHApackets, rarity, compile and triples.

Loader tests run on the real files in ../shared/data/orphanet (``shared_data`` fixture) and on the
committed ``data/orphanet`` files; unit tests use tiny hand-made inputs.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode

from kg.core.errors import DataError
from kg.core.records import LoadReport
from kg.core.vocab import OBOINOWL, RDFS, RKG, SKOS, mint
from loaders import orphanet
from loaders.orphanet_classification import read_classification, read_info
from loaders.orphanet_epidemiology import class_bounds, class_rarity, rarecare_rarity
from loaders.orphapackets import Prevalence, parse_association_type, read_packets

GIST = "44890"


@pytest.fixture(scope="module")
def xml_path(shared_data: Path) -> Path:
    return shared_data / "orphanet" / orphanet.CLASSIFICATION_FILE


@pytest.fixture(scope="module")
def packet_dir(shared_data: Path) -> Path:
    return shared_data / "orphanet" / orphanet.PACKET_DIR


@pytest.fixture(scope="module")
def compiled(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, LoadReport]:
    """``compile`` run on the real files into a temporary data folder."""
    out = tmp_path_factory.mktemp("data")
    report = LoadReport("orphanet")
    orphanet.compile(shared_data, out, report)
    return out, report


@pytest.fixture(scope="module")
def loaded(repo_data: Path) -> tuple[list, LoadReport]:
    """The triples of the committed ``data/orphanet`` files."""
    report = LoadReport("orphanet")
    return list(orphanet.load(repo_data, report)), report


# --- classification -----------------------------------------------------------------------------

def test_classification_has_1095_codes_and_1240_parent_links(xml_path: Path) -> None:
    nodes = list(read_classification(xml_path))
    assert len(nodes) == 1095
    assert len({n.code for n in nodes}) == 1095
    assert sum(len(n.parents) for n in nodes) == 1240
    assert [n.code for n in nodes if not n.parents] == ["250908"]


def test_classification_facts(xml_path: Path) -> None:
    nodes = {n.code: n for n in read_classification(xml_path)}
    assert nodes[GIST].parents == ["423798"]
    assert nodes[GIST].label == "Gastrointestinal stromal tumor"
    assert nodes[GIST].disorder_type == "Disease"
    assert nodes["276142"].parents == ["98059", "290849"]  # salivary glands: digestive and head and neck
    assert nodes["98057"].parents == ["250908"] and nodes["98057"].label == "Rare tumor"
    assert nodes["99867"].parents == ["3398"]  # thymoma under thymic epithelial neoplasm


def test_classification_info(xml_path: Path) -> None:
    info = read_info(xml_path)
    assert info.version == "1.3.42 / 4.1.8 [2025-03-03]"
    assert info.date == "2025-06-24 07:34:08"
    assert info.classification_id == "202"
    assert info.classification_name == "Orphanet classification of rare neoplastic diseases"


def test_malformed_xml_raises_data_error_with_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text('<?xml version="1.0"?>\n<JDBOR version="x">\n  <ClassificationList>\n    <oops>\n</JDBOR>\n')
    with pytest.raises(DataError) as info:
        list(read_classification(bad))
    assert info.value.line == 5
    assert info.value.path == str(bad)
    assert "bad.xml:5" in str(info.value)


def test_node_without_code_raises_data_error(tmp_path: Path) -> None:
    bad = tmp_path / "nocode.xml"
    bad.write_text('<JDBOR version="x"><ClassificationList><Classification id="1"><ClassificationNodeRootList>'
                   '<ClassificationNode><Disorder><Name>no code</Name></Disorder></ClassificationNode>'
                   '</ClassificationNodeRootList></Classification></ClassificationList></JDBOR>')
    with pytest.raises(DataError, match="OrphaCode"):
        list(read_classification(bad))


# --- packets ------------------------------------------------------------------------------------

def test_read_packets_counts(packet_dir: Path) -> None:
    report = LoadReport("orphanet")
    packets = {p.code: p for p in read_packets(packet_dir, report)}
    assert len(packets) == 697
    assert report.errors == []
    assert len(report.files) == 697
    assert sum(1 for p in packets.values() if p.synonyms) == 429
    assert sum(len(p.genes) for p in packets.values()) == 490
    assert sum(len(p.xrefs) for p in packets.values()) == 274
    assert sum(len(p.prevalences) for p in packets.values()) == 2062
    assert sum(1 for p in packets.values() if p.definition) == 481


def test_gist_packet(packet_dir: Path) -> None:
    packet = next(p for p in read_packets(packet_dir, LoadReport("orphanet")) if p.code == GIST)
    assert [p.code for p in packet.parents] == ["423798", "271835"]
    assert packet.synonyms == ["GIST", "Gastrointestinal stromal sarcoma"]
    genes = {(g.symbol, g.association_type) for g in packet.genes}
    assert ("KIT", "Disease-causing somatic mutation(s) in") in genes
    assert ("PDGFRA", "Disease-causing germline mutation(s) in") in genes
    assert {x.curie: x.relation for x in packet.xrefs} == {"OMIM:175510": "BTNT", "OMIM:606764": "E"}
    assert packet.ages_of_onset == ["Adolescent", "Adult", "Childhood"]
    assert packet.inheritance == ["Autosomal dominant", "Not applicable"]


def test_malformed_packet_is_reported_and_the_rest_load(packet_dir: Path, tmp_path: Path) -> None:
    for code in (GIST, "39044"):
        shutil.copy(packet_dir / f"ORPHApacket_{code}.json", tmp_path)
    (tmp_path / "ORPHApacket_1.json").write_text('{"Orphapacket": {"ORPHAcode": "1",')
    (tmp_path / "ORPHApacket_2.json").write_text(json.dumps({"Orphapacket": {"ORPHAcode": "2"}}))
    report = LoadReport("orphanet")
    codes = [p.code for p in read_packets(tmp_path, report)]
    assert codes == ["39044", GIST]
    assert [Path(e.path or "").name for e in report.errors] == ["ORPHApacket_1.json", "ORPHApacket_2.json"]
    assert all(e.kind == "malformed-packet" for e in report.errors)


def test_empty_packet_folder_raises(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no ORPHApacket"):
        list(read_packets(tmp_path, LoadReport("orphanet")))


# --- interpretation of Orphanet texts -------------------------------------------------------------

@pytest.mark.parametrize(("text", "origin", "role", "qualifier"), [
    ("Disease-causing germline mutation(s) in", "germline", "disease-causing", ""),
    ("Disease-causing germline mutation(s) (loss of function) in", "germline", "disease-causing", "loss of function"),
    ("Disease-causing germline mutation(s) (gain of function) in", "germline", "disease-causing", "gain of function"),
    ("Disease-causing somatic mutation(s) in", "somatic", "disease-causing", ""),
    ("Major susceptibility factor in", "unspecified", "susceptibility", ""),
    ("Modifying germline mutation in", "germline", "modifier", ""),
    ("Part of a fusion gene in", "unspecified", "other", ""),
    ("Role in the phenotype of", "unspecified", "other", ""),
    ("Biomarker tested in", "unspecified", "biomarker", ""),
    ("Candidate gene tested in", "unspecified", "candidate", ""),
])
def test_parse_association_type(text: str, origin: str, role: str, qualifier: str) -> None:
    meaning = parse_association_type(text)
    assert (meaning.origin, meaning.role, meaning.qualifier, meaning.recognised) == (origin, role, qualifier, True)


def test_unknown_association_type_is_not_recognised() -> None:
    assert parse_association_type("Something new in").recognised is False


@pytest.mark.parametrize(("value_class", "bounds", "rarity"), [
    ("<1 / 1 000 000", (Decimal(0), Decimal("0.1")), "rare"),
    ("1-9 / 1 000 000", (Decimal("0.1"), Decimal("0.9")), "rare"),
    ("1-9 / 100 000", (Decimal(1), Decimal(9)), "undetermined"),
    ("1-5 / 10 000", (Decimal(10), Decimal(50)), "not-rare"),
    ("6-9 / 10 000", (Decimal(60), Decimal(90)), "not-rare"),
    (">1 / 1000", (Decimal(100), None), "not-rare"),
    ("Unknown", None, None),
    ("no data", None, None),
])
def test_class_bounds_and_rarity(value_class: str, bounds: tuple | None, rarity: str | None) -> None:
    assert class_bounds(value_class) == bounds
    assert class_rarity(value_class) == rarity


def _incidence(value_class: str, area: str, measure: str = "Annual incidence") -> Prevalence:
    return Prevalence(measure=measure, value_class=value_class, mean_value=None, geographic=area,
                      qualification="Class only", source=None)


def test_rarity_prefers_europe_over_worldwide() -> None:
    verdict = rarecare_rarity([_incidence("1-5 / 10 000", "Worldwide"), _incidence("1-9 / 1 000 000", "Europe")])
    assert (verdict.rarity, verdict.geographic, verdict.classes) == ("rare", "Europe", ["1-9 / 1 000 000"])


def test_rarity_falls_back_to_worldwide_and_ignores_national_figures() -> None:
    verdict = rarecare_rarity([_incidence("1-5 / 10 000", "France"), _incidence("<1 / 1 000 000", "Worldwide"),
                               _incidence("Unknown", "Europe")])
    assert (verdict.rarity, verdict.geographic) == ("rare", "Worldwide")


def test_rarity_undetermined_when_classes_disagree_or_span_six_or_are_missing() -> None:
    assert rarecare_rarity([_incidence("<1 / 1 000 000", "Europe"),
                            _incidence("1-5 / 10 000", "Europe")]).rarity == "undetermined"
    assert rarecare_rarity([_incidence("1-9 / 100 000", "Europe")]).reason == "class spans 6 / 100 000"
    missing = rarecare_rarity([_incidence("1-9 / 1 000 000", "Europe", measure="Point prevalence"),
                               _incidence("1-9 / 1 000 000", "Italy")])
    assert (missing.rarity, missing.geographic) == ("undetermined", None)


# --- compile ------------------------------------------------------------------------------------

def test_compile_counts(compiled: tuple[Path, LoadReport]) -> None:
    _, report = compiled
    assert report.counts == Counter(entities=1095, packets=697, gene_associations=490, epidemiology=2062,
                                     rarity=697)
    assert report.errors == []
    assert [p.kind for p in report.problems] == ["label-differs"]  # 696078: case of "Giant Cell Granuloma"
    assert report.version == "1.3.42 / 4.1.8 [2025-03-03]"


def test_compile_reproduces_committed_files(compiled: tuple[Path, LoadReport], repo_data: Path) -> None:
    out, _ = compiled
    for name in (orphanet.ENTITIES_FILE, orphanet.GENES_FILE, orphanet.EPIDEMIOLOGY_FILE):
        fresh = (out / "orphanet" / name).read_bytes()
        committed = (repo_data / "orphanet" / name).read_bytes()
        assert fresh == committed, f"data/orphanet/{name} is stale: run `rarekg data compile`"


def test_compiled_records(repo_data: Path) -> None:
    data = orphanet.read_compiled(repo_data)
    entities = {e.code: e for e in data.entities}
    assert len(entities) == 1095 and sum(e.in_packet for e in data.entities) == 697
    assert sum(1 for e in data.entities if e.synonyms) == 429
    gist = entities[GIST]
    assert gist.parents == ["423798"]
    assert [(p.code, p.label) for p in gist.other_parents] == [("271835", "Genetic digestive tract tumor")]
    assert entities["696078"].label == "Central giant cell granuloma"
    assert Counter(g.origin for g in data.genes) == Counter(unspecified=249, germline=133, somatic=108)
    assert Counter(g.role for g in data.genes) == Counter({"disease-causing": 238, "other": 146,
                                                          "susceptibility": 103, "modifier": 3})
    kit = {(g.symbol, g.origin) for g in data.genes if g.code == GIST}
    assert {("KIT", "somatic"), ("PDGFRA", "germline"), ("PDGFRA", "somatic")} <= kit
    assert Counter(r.rarity for r in data.rarity) == Counter(undetermined=548, rare=147, **{"not-rare": 2})
    rarity = {r.code: r for r in data.rarity}
    assert rarity[GIST].rarity == "undetermined" and rarity[GIST].classes == ["1-9 / 100 000"]
    assert (rarity["39044"].rarity, rarity["39044"].geographic) == ("rare", "Europe")
    assert Counter(x.curie.split(":")[0] for e in data.entities for x in e.xrefs) == Counter(OMIM=274)


# --- triples ------------------------------------------------------------------------------------

def test_load_counts_and_report(loaded: tuple[list, LoadReport], repo_data: Path) -> None:
    triples, report = loaded
    # #17 domain scope: 729 inDomain + 742 assignment nodes x 6 became 529 + 539 x 6, plus 478 exclusions x 2
    assert len(triples) == 39931   # twelfth session: 488 inDomain + 488 assignments x 6, 493 exclusions x 2
    assert len(set(triples)) == len(triples)
    assert orphanet.TRIPLE_BOUNDS[0] <= len(triples) <= orphanet.TRIPLE_BOUNDS[1]
    assert report.version == "1.3.42 / 4.1.8 [2025-03-03]"
    assert [p.name for p in report.files] == ["entities.jsonl", "gene_associations.jsonl", "epidemiology.jsonl"]
    assert report.counts["genes"] == 273
    assert report.errors == []


def test_gist_triples(loaded: tuple[list, LoadReport]) -> None:
    triples, _ = loaded
    s = mint("entity", f"orpha/{GIST}")
    about = {(p, o) for (subj, p, o) in triples if subj == s}
    assert (RDFS.subClassOf, mint("entity", "orpha/423798")) in about
    assert (RDFS.subClassOf, mint("entity", "orpha/271835")) not in about
    assert (RDFS.label, Literal("Gastrointestinal stromal tumor", language="en")) in about
    assert (SKOS.altLabel, Literal("GIST", language="en")) in about
    assert (SKOS.exactMatch, NamedNode("http://www.orpha.net/ORDO/Orphanet_44890")) in about
    assert (SKOS.exactMatch, NamedNode("https://omim.org/entry/606764")) in about
    assert (SKOS.narrowMatch, NamedNode("https://omim.org/entry/175510")) in about
    assert (OBOINOWL.hasDbXref, Literal("ORPHA:44890")) in about
    assert (OBOINOWL.hasDbXref, Literal("OMIM:606764")) in about
    assert (RKG.orphaCode, Literal(GIST)) in about
    assert (RKG.rarecareRarity, RKG.RarityUndetermined) in about
    assert {o for p, o in about if p == RKG.inDomain} == {mint("domain", "G1")}  # G5 until the twelfth session
    assert sum(1 for p, _ in about if p == RKG.hasGeneAssociation) == 5
    assert sum(1 for p, _ in about if p == RKG.hasEpidemiology) == 8


def test_root_gene_and_association_triples(loaded: tuple[list, LoadReport]) -> None:
    triples = set(loaded[0])
    assert (mint("entity", "orpha/250908"), RDFS.subClassOf, RKG.CancerEntity) in triples
    kit = mint("gene", "KIT")
    assert (kit, RDFS.subClassOf, RKG.Gene) in triples
    assert (kit, SKOS.exactMatch, NamedNode("https://identifiers.org/hgnc:6342")) in triples
    somatic_kit = [s for (s, p, o) in triples if p == RKG.gene and o == kit
                   and (s, RKG.alterationOrigin, RKG.Somatic) in triples]
    assert somatic_kit
    subclass_of_cancer_entity = [s for (s, p, o) in triples if p == RDFS.subClassOf and o == RKG.CancerEntity]
    assert subclass_of_cancer_entity == [mint("entity", "orpha/250908")]


def test_entity_without_packet_still_becomes_a_class(loaded: tuple[list, LoadReport]) -> None:
    triples = set(loaded[0])
    aml = mint("entity", "orpha/519")  # acute myeloid leukaemia: in the classification, no packet
    assert (aml, RDFS.label, Literal("Acute myeloid leukemia", language="en")) in triples
    assert (aml, RDFS.subClassOf, mint("entity", "orpha/171895")) in triples
    assert (aml, RKG.disorderType, Literal("Clinical group")) in triples


def test_to_triples_rejects_unknown_records() -> None:
    with pytest.raises(TypeError):
        list(orphanet.to_triples("not a record"))


def test_mappable(repo_data: Path) -> None:
    entities = {m.curie: m for m in orphanet.mappable(repo_data)}
    assert len(entities) == 1095
    gist = entities["ORPHA:44890"]
    assert gist.iri == "https://w3id.org/rarekg/entity/orpha/44890"
    assert gist.synonyms == ("GIST", "Gastrointestinal stromal sarcoma")
    assert gist.xrefs == ("OMIM:175510", "OMIM:606764")
    assert gist.parents == ("https://w3id.org/rarekg/entity/orpha/423798",)

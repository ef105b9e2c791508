"""HermiT classification: the ontology is consistent and molecular subgroups land in their baskets."""

from __future__ import annotations

import shutil
from pathlib import Path

import owlready2
import pyoxigraph as ox
import pytest

from kg.checks import reasoning
from kg.checks.reasoning import classify
from kg.core.errors import OntologyError, ReasonerError

FIXTURES = Path(__file__).parent / "fixtures" / "ontology"
K = "https://w3id.org/rarekg/"
RKG = K + "ontology/"
BASKET = K + "subgroup/ntrk-fusion-positive-solid-tumour"
IFS_ETV6_NTRK3 = K + "subgroup/infantile-fibrosarcoma-etv6-ntrk3"
STS_LMNA_NTRK1 = K + "subgroup/soft-tissue-sarcoma-lmna-ntrk1"
GIST_KIT = K + "subgroup/gist-kit-mutant"

pytestmark = pytest.mark.skipif(shutil.which("java") is None, reason="HermiT needs Java")


def fixture_triples(name: str) -> list[ox.Triple]:
    return list(ox.parse(path=str(FIXTURES / name), format=ox.RdfFormat.TURTLE))


@pytest.fixture(scope="module")
def subgroups() -> reasoning.ReasonerResult:
    return classify(fixture_triples("subgroups_fixture.ttl"))


def test_ontology_alone_is_consistent_and_its_defined_classes_classify() -> None:
    result = classify()
    assert {(t.subject.value, t.object.value) for t in result.inferred} == {
        (RKG + "MolecularlyDefinedEntity", RKG + "CancerEntity"),
        (RKG + "ReferenceCentre", RKG + "HealthcareProvider"),
        (RKG + "ReferenceCentre", "http://www.w3.org/ns/org#Organization"),
        (RKG + "ReferenceCentre", "https://schema.org/MedicalOrganization"),
    }
    assert result.seconds > 0


def test_ntrk_fusion_subgroups_are_inferred_in_the_basket(subgroups: reasoning.ReasonerResult) -> None:
    assert BASKET in subgroups.superclasses(IFS_ETV6_NTRK3)
    assert BASKET in subgroups.superclasses(STS_LMNA_NTRK1)


def test_kit_subgroup_is_not_in_the_ntrk_basket(subgroups: reasoning.ReasonerResult) -> None:
    assert BASKET not in subgroups.superclasses(GIST_KIT)
    assert subgroups.superclasses(GIST_KIT) == {RKG + "MolecularlyDefinedEntity"}


def test_every_subgroup_is_a_molecularly_defined_entity(subgroups: reasoning.ReasonerResult) -> None:
    for subgroup in (IFS_ETV6_NTRK3, STS_LMNA_NTRK1, GIST_KIT, BASKET):
        assert RKG + "MolecularlyDefinedEntity" in subgroups.superclasses(subgroup), subgroup
    assert subgroups.superclasses(IFS_ETV6_NTRK3) == {BASKET, RKG + "MolecularlyDefinedEntity"}


def test_alteration_classes_are_classified(subgroups: reasoning.ReasonerResult) -> None:
    assert subgroups.superclasses(K + "alteration/etv6-ntrk3-fusion") == {  # SO:0001565 gene_fusion (#19)
        K + "alteration/ntrk3-fusion", "http://purl.obolibrary.org/obo/SO_0001565", RKG + "Fusion",
        RKG + "MolecularAlteration"}
    assert K + "alteration/ntrk3-fusion" not in subgroups.superclasses(K + "alteration/lmna-ntrk1-fusion")


def test_inferred_links_are_not_asserted_ones(subgroups: reasoning.ReasonerResult) -> None:
    asserted = {(t.subject.value, t.object.value) for t in fixture_triples("subgroups_fixture.ttl")
                if t.predicate.value.endswith("#subClassOf")}
    inferred = {(t.subject.value, t.object.value) for t in subgroups.inferred}
    assert asserted & inferred == set()
    assert (GIST_KIT, RKG + "CancerEntity") not in inferred  # asserted through entity/oncotree/GIST
    assert len(subgroups.inferred) == 24  # + each alteration ⊑ the deprecated rkg kind equivalent to its SO class (#19)
    assert all(t.predicate.value == "http://www.w3.org/2000/01/rdf-schema#subClassOf" for t in subgroups.inferred)


def test_ntriples_bytes_and_quads_give_the_same_result(subgroups: reasoning.ReasonerResult) -> None:
    triples = fixture_triples("subgroups_fixture.ttl")
    as_bytes = classify(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))
    as_quads = classify(ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(K + "graph/subgroups"))
                        for t in triples)
    assert as_bytes.inferred == subgroups.inferred == as_quads.inferred


def test_unsatisfiable_class_raises_reasoner_error_naming_it() -> None:
    with pytest.raises(ReasonerError, match=r"1 unsatisfiable .*: https://w3id.org/rarekg/gene/KIT$"):
        classify(fixture_triples("inconsistent_fixture.ttl"))


def test_inconsistent_individual_raises_reasoner_error() -> None:
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    thing = ox.NamedNode(K + "gene/thing")
    axioms = [ox.Triple(thing, rdf_type, ox.NamedNode("http://www.w3.org/2002/07/owl#NamedIndividual")),
              ox.Triple(thing, rdf_type, ox.NamedNode(RKG + "Gene")),
              ox.Triple(thing, rdf_type, ox.NamedNode(RKG + "CancerEntity"))]
    with pytest.raises(ReasonerError, match="inconsistent"):
        classify(axioms)


def test_malformed_axioms_name_the_line() -> None:
    with pytest.raises(OntologyError, match=r"<axioms>:2: malformed N-Triples"):
        classify(b"<http://x/a> <http://x/b> <http://x/c> .\n<http://x/a> <http://x/b> .\n")


def test_missing_java_raises_reasoner_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(owlready2, "JAVA_EXE", "/nonexistent/java")
    with pytest.raises(ReasonerError, match=r"Java not found: install a JRE"):
        classify()


def test_classify_store_needs_a_published_ontology() -> None:
    from kg.checks.reasoning import classify_store
    from kg.store.embedded import EmbeddedStore

    store = EmbeddedStore()
    g = ox.NamedNode(K + "graph/subgroups")
    store.replace_graph(g, [(ox.NamedNode(K + "gene/KIT"), ox.NamedNode(RKG + "symbol"), ox.Literal("KIT"))])
    with pytest.raises(ReasonerError, match="publishes no ontology graph"):
        classify_store(store)

"""SHACL shapes: a good fixture conforms; each deliberately broken copy fails on the named shape."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from kg.checks.shacl import (
    assert_conforms,
    load_ontology_rdflib,
    load_shapes,
    validate,
    validate_quads,
    validate_store,
)
from kg.core.errors import OntologyError, ValidationFailed

FIXTURES = Path(__file__).parent / "fixtures" / "ontology"
GOOD = FIXTURES / "shapes_good.ttl"
K = "https://w3id.org/rarekg/"
RKS = K + "shapes#"

PREFIXES = """
PREFIX rkg: <https://w3id.org/rarekg/ontology/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX schema: <https://schema.org/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX geo: <http://www.w3.org/2003/01/geo/wgs84_pos#>
PREFIX void: <http://rdfs.org/ns/void#>
PREFIX oboInOwl: <http://www.geneontology.org/formats/oboInOwl#>
PREFIX k: <https://w3id.org/rarekg/>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX sssom: <https://w3id.org/sssom/>
PREFIX spdx: <http://spdx.org/rdf/terms#>
"""

CENTRE = K + "centre/centre-leon-berard"
MEMBERSHIP = K + "membership/centre-leon-berard--euracan"
ORPHA = K + "entity/orpha/44890"
EVIDENCE = K + "evidence/ev1"
MAPPING = K + "mapping/m1"
LOAD = K + "load/euracan/20240101T000000Z"
GRAPH = K + "graph/euracan"
SOURCE = K + "source/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"


def good_graph() -> rdflib.Graph:
    return rdflib.Graph().parse(GOOD)


def test_good_fixture_conforms() -> None:
    graph = good_graph()
    result = validate(graph)
    assert len(graph) == 106  # + the graph description, the load typed prov:Activity and the checksum node (#19)
    assert result.conforms, result.text
    assert result.results == []
    assert result.violations == 0
    assert result.triples == 106


# (case id, SPARQL update(s) that break the good graph, focus node, path, shape local name)
BROKEN = [
    ("membership-without-source",
     f"DELETE WHERE {{ <{MEMBERSHIP}> dcterms:source ?s }}",
     MEMBERSHIP, "http://purl.org/dc/terms/source", "Membership-source"),
    ("membership-source-is-literal",
     (f"DELETE WHERE {{ <{MEMBERSHIP}> dcterms:source ?s }}",
      f"INSERT DATA {{ <{MEMBERSHIP}> dcterms:source \"the EURACAN website\" }}"),
     MEMBERSHIP, "http://purl.org/dc/terms/source", "Membership-source"),
    ("membership-date-not-xsd-date",
     (f"DELETE WHERE {{ <{MEMBERSHIP}> dcterms:date ?d }}",
      f"INSERT DATA {{ <{MEMBERSHIP}> dcterms:date \"January 2024\" }}"),
     MEMBERSHIP, "http://purl.org/dc/terms/date", "Membership-date"),
    ("membership-unknown-role",
     (f"DELETE WHERE {{ <{MEMBERSHIP}> org:role ?r }}",
      f"INSERT DATA {{ <{MEMBERSHIP}> org:role rkg:ChairRole }}"),
     MEMBERSHIP, "http://www.w3.org/ns/org#role", "Membership-role"),
    ("membership-member-not-a-provider",
     (f"DELETE WHERE {{ <{MEMBERSHIP}> org:member ?m }}",
      f"INSERT DATA {{ <{MEMBERSHIP}> org:member <{K}network/euracan> }}"),
     MEMBERSHIP, "http://www.w3.org/ns/org#member", "Membership-member"),
    ("network-size-without-source",
     f"DELETE WHERE {{ <{K}networksize/euracan/s1> dcterms:source ?s }}",
     K + "networksize/euracan/s1", "http://purl.org/dc/terms/source", "NetworkSizeStatement-source"),
    ("bad-country-code",
     (f"DELETE WHERE {{ <{CENTRE}> schema:addressCountry ?c }}",
      f"INSERT DATA {{ <{CENTRE}> schema:addressCountry \"France\" }}"),
     CENTRE, "https://schema.org/addressCountry", "HealthcareProvider-country"),
    ("latitude-out-of-range",
     (f"DELETE WHERE {{ <{CENTRE}> geo:lat ?l }}",
      f"INSERT DATA {{ <{CENTRE}> geo:lat 145.7397 }}"),
     CENTRE, "http://www.w3.org/2003/01/geo/wgs84_pos#lat", "HealthcareProvider-lat"),
    ("coordinates-without-method",
     f"DELETE WHERE {{ <{CENTRE}> rkg:coordinateMethod ?m }}",
     CENTRE, None, "ProviderCoordinateMethod"),
    ("provider-with-two-labels",
     f"INSERT DATA {{ <{CENTRE}> rdfs:label \"Centre Leon Berard\"@en }}",
     CENTRE, "http://www.w3.org/2000/01/rdf-schema#label", "HealthcareProvider-label"),
    ("domain-notation-G11",
     (f"DELETE WHERE {{ <{K}domain/G1> skos:notation ?n }}",
      f"INSERT DATA {{ <{K}domain/G1> skos:notation \"G11\" }}"),
     K + "domain/G1", "http://www.w3.org/2004/02/skos/core#notation", "CancerDomain-notation"),
    ("entity-with-two-labels",
     f"INSERT DATA {{ <{ORPHA}> rdfs:label \"GIST\"@en }}",
     ORPHA, "http://www.w3.org/2000/01/rdf-schema#label", "CancerEntity-label"),
    ("entity-xref-not-a-curie",
     f"INSERT DATA {{ <{ORPHA}> oboInOwl:hasDbXref \"C49.4\" }}",
     ORPHA, "http://www.geneontology.org/formats/oboInOwl#hasDbXref", "CancerEntity-xref"),
    ("entity-without-parent",
     f"DELETE WHERE {{ <{ORPHA}> rdfs:subClassOf ?p }}",
     ORPHA, "http://www.w3.org/2000/01/rdf-schema#subClassOf", "CancerEntity-parent"),
    ("oncotree-entity-without-label",
     f"DELETE WHERE {{ <{K}entity/oncotree/GIST> rdfs:label ?l }}",
     K + "entity/oncotree/GIST", "http://www.w3.org/2000/01/rdf-schema#label", "CancerEntity-label"),
    ("epidemiology-lower-above-upper",
     (f"DELETE WHERE {{ <{K}epidemiology/e1> rkg:incidenceLowerPer100k ?x }}",
      f"INSERT DATA {{ <{K}epidemiology/e1> rkg:incidenceLowerPer100k 10.0 }}"),
     K + "epidemiology/e1", "https://w3id.org/rarekg/ontology/incidenceLowerPer100k", "EpidemiologyRecord-lower"),
    ("gene-association-without-origin",
     f"DELETE WHERE {{ <{K}geneassociation/a1> rkg:alterationOrigin ?o }}",
     K + "geneassociation/a1", "https://w3id.org/rarekg/ontology/alterationOrigin", "GeneAssociation-origin"),
    ("gene-association-without-gene",
     f"DELETE WHERE {{ <{K}geneassociation/a1> rkg:gene ?g }}",
     K + "geneassociation/a1", "https://w3id.org/rarekg/ontology/gene", "GeneAssociation-gene"),
    ("evidence-without-kind",
     f"DELETE WHERE {{ <{EVIDENCE}> rkg:evidenceKind ?k }}",
     EVIDENCE, "https://w3id.org/rarekg/ontology/evidenceKind", "Evidence-kind"),
    ("evidence-without-entity-or-domain",
     f"DELETE WHERE {{ <{EVIDENCE}> rkg:aboutDomain ?d }}",
     EVIDENCE, None, "EvidenceSubject"),
    ("evidence-without-source",
     f"DELETE WHERE {{ <{EVIDENCE}> dcterms:source ?s }}",
     EVIDENCE, "http://purl.org/dc/terms/source", "Evidence-source"),
    ("mapping-confidence-1.5",
     (f"DELETE WHERE {{ <{MAPPING}> sssom:confidence ?c }}",
      f"INSERT DATA {{ <{MAPPING}> sssom:confidence 1.5 }}"),
     MAPPING, "https://w3id.org/sssom/confidence", "Mapping-confidence"),
    ("mapping-predicate-not-skos-match",
     (f"DELETE WHERE {{ <{MAPPING}> owl:annotatedProperty ?p }}",
      f"INSERT DATA {{ <{MAPPING}> owl:annotatedProperty skos:related }}"),
     MAPPING, "http://www.w3.org/2002/07/owl#annotatedProperty", "Mapping-predicate"),
    ("mapping-without-justification",
     f"DELETE WHERE {{ <{MAPPING}> sssom:mapping_justification ?j }}",
     MAPPING, "https://w3id.org/sssom/mapping_justification", "EntityMapping-justification"),
    ("graph-without-triple-count",
     f"DELETE WHERE {{ <{GRAPH}> void:triples ?n }}",
     GRAPH, "http://rdfs.org/ns/void#triples", "LoadedGraph-triples"),
    ("load-not-typed-prov-activity",
     f"DELETE DATA {{ <{LOAD}> a prov:Activity }}",
     LOAD, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", "Load-activity"),
    ("checksum-too-short",
     (f"DELETE WHERE {{ <{SOURCE}/sha256> spdx:checksumValue ?v }}",
      f"INSERT DATA {{ <{SOURCE}/sha256> spdx:checksumValue \"abcd\"^^xsd:hexBinary }}"),
     SOURCE + "/sha256", "http://spdx.org/rdf/terms#checksumValue", "Checksum-value"),
    ("load-time-not-datetime",
     (f"DELETE WHERE {{ <{LOAD}> prov:endedAtTime ?t }}",
      f"INSERT DATA {{ <{LOAD}> prov:endedAtTime \"2024-01-01\"^^xsd:date }}"),
     LOAD, "http://www.w3.org/ns/prov#endedAtTime", "Load-ended"),
]


@pytest.mark.parametrize(("update", "focus", "path", "shape"), [c[1:] for c in BROKEN],
                         ids=[c[0] for c in BROKEN])
def test_broken_fixture_fails_on_the_named_shape(update: str | tuple[str, ...], focus: str,
                                                 path: str | None, shape: str) -> None:
    graph = good_graph()
    # one request per step: rdflib 7.6 mis-runs some "DELETE WHERE ... ; INSERT DATA ..." requests
    for step in (update,) if isinstance(update, str) else update:
        graph.update(PREFIXES + step)
    result = validate(graph)
    assert not result.conforms
    assert [(r.focus, r.path, r.shape, r.severity) for r in result.results] == [
        (focus, path, RKS + shape, "Violation")], result.text
    assert result.violations == 1
    assert result.results[0].message  # the shape's sh:message, telling how to fix it


def test_union_of_named_graphs_is_validated() -> None:
    """The membership's provider is typed in another graph: the union conforms, the graph alone not."""
    triples = list(ox.parse(path=str(GOOD), format=ox.RdfFormat.TURTLE))
    provider_types = [t for t in triples if t.subject.value == CENTRE]
    others = [t for t in triples if t.subject.value != CENTRE]
    quads = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(K + "graph/centres")) for t in provider_types]
    quads += [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(K + "graph/euracan")) for t in others]
    assert validate_quads(quads).conforms
    nquads = ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
    assert validate_quads(nquads).conforms
    alone = validate_quads(quads, exclude_graphs=[ox.NamedNode(K + "graph/centres")])
    assert sorted((r.focus, r.path) for r in alone.results) == [
        (EVIDENCE, K + "ontology/aboutProvider"),
        (MEMBERSHIP, "http://www.w3.org/ns/org#member"),
        (K + "site/NCT00000000/1", K + "ontology/atProvider"),
    ]
    assert alone.violations == 3


def test_validate_store_and_assert_conforms() -> None:
    store = ox.Store()
    for t in ox.parse(path=str(GOOD), format=ox.RdfFormat.TURTLE):
        store.add(ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(K + "graph/test")))
    store.remove(ox.Quad(ox.NamedNode(MEMBERSHIP), ox.NamedNode("http://purl.org/dc/terms/source"),
                         ox.NamedNode("https://euracan.eu/about/"), ox.NamedNode(K + "graph/test")))
    result = validate_store(store)
    assert result.triples == 105
    assert [(r.focus, r.shape) for r in result.results] == [(MEMBERSHIP, RKS + "Membership-source")]
    with pytest.raises(ValidationFailed, match="1 violation"):
        assert_conforms(result)


def test_dataset_is_validated_as_union() -> None:
    dataset = rdflib.Dataset()
    graph = dataset.graph(rdflib.URIRef(K + "graph/test"))
    for triple in good_graph():
        graph.add(triple)
    assert validate(dataset).conforms


def test_malformed_nquads_name_the_line() -> None:
    data = b'<http://x/a> <http://x/b> <http://x/c> <http://x/g> .\n<http://x/a> <http://x/b> "open .\n'
    with pytest.raises(OntologyError, match=r"<n-quads>:2: malformed N-Quads"):
        validate_quads(data)


def test_malformed_shapes_file_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "shapes.ttl"
    bad.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\n\n<http://x/S> a sh:NodeShape ;\n  sh:path .\n")
    with pytest.raises(OntologyError, match=rf"{bad}:4: malformed Turtle") as info:
        load_shapes(bad)
    assert info.value.line == 4


def test_every_rkg_term_in_the_shapes_is_declared_in_the_ontology() -> None:
    ns = "https://w3id.org/rarekg/ontology/"
    ontology = load_ontology_rdflib()
    declared = {str(s) for s in ontology.subjects(rdflib.RDF.type, None) if str(s).startswith(ns)}
    used = {str(t) for triple in load_shapes() for t in triple if str(t).startswith(ns)}
    assert used - declared == set()
    assert len(used) == 80  # the mapping, link and provenance shapes use SSSOM, ECO, PAV and SPDX terms since #19

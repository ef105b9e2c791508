"""The ontology: parses, declares the agreed terms with labels and definitions, and stays OWL 2 DL."""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from kg.checks.shacl import ONTOLOGY_PATH, load_ontology_rdflib
from kg.core.errors import OntologyError

REPO = Path(__file__).resolve().parent.parent
NS = "https://w3id.org/rarekg/ontology/"
ONTOLOGY = rdflib.URIRef("https://w3id.org/rarekg/ontology")
DECLARATION_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
                     OWL.NamedIndividual)
ENTITY_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
#: Terms declared beyond docs/ontology-terms.md: the classes of two sets of individuals it lists.
EXTRA_TERMS = {"AssociationRole", "RarecareRarity"}


@pytest.fixture(scope="module")
def onto() -> rdflib.Graph:
    return load_ontology_rdflib()


def declared_terms(graph: rdflib.Graph) -> set[str]:
    return {str(s)[len(NS):] for t in DECLARATION_TYPES for s in graph.subjects(RDF.type, t)
            if str(s).startswith(NS)}


def test_ontology_parses_with_header(onto: rdflib.Graph) -> None:
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in onto
    assert onto.value(ONTOLOGY, OWL.versionIRI) == rdflib.URIRef(
        f"https://w3id.org/rarekg/releases/{version}/ontology")
    assert str(onto.value(ONTOLOGY, OWL.versionInfo)) == version
    assert onto.value(ONTOLOGY, rdflib.DCTERMS.license) == rdflib.URIRef(
        "https://creativecommons.org/licenses/by/4.0/")
    for prop in (rdflib.DCTERMS.title, rdflib.DCTERMS.description, rdflib.DCTERMS.creator):
        assert onto.value(ONTOLOGY, prop) is not None, prop


def test_every_term_of_the_term_list_is_declared(onto: rdflib.Graph) -> None:
    listed = set(re.findall(r"rkg:(\w+)", (REPO / "docs" / "ontology-terms.md").read_text()))
    declared = declared_terms(onto)
    assert listed - declared == set(), "terms in docs/ontology-terms.md missing from ontology/rarekg.ttl"
    assert declared - listed == EXTRA_TERMS
    assert len(declared) == 196


def test_term_counts_by_kind(onto: rdflib.Graph) -> None:
    def count(kind: rdflib.URIRef) -> int:
        return sum(1 for s in onto.subjects(RDF.type, kind) if str(s).startswith(NS))
    assert (count(OWL.Class), count(OWL.ObjectProperty), count(OWL.DatatypeProperty),
            count(OWL.AnnotationProperty), count(OWL.NamedIndividual)) == (38, 19, 67, 39, 33)


@pytest.mark.parametrize(("cls", "individuals"), [
    ("http://www.w3.org/ns/org#Role",
     {"CoordinatorRole", "FullMemberRole", "AffiliatedPartnerRole", "UnspecifiedMemberRole"}),
    (NS + "EvidenceKind",
     {"MembershipEvidence", "TrialSiteEvidence", "PublicationEvidence", "CuratedStatementEvidence"}),
    (NS + "AlterationOrigin", {"Germline", "Somatic", "OriginUnspecified"}),
    (NS + "RarecareRarity", {"RareByRarecare", "NotRareByRarecare", "RarityUndetermined"}),
    (NS + "AssociationRole",
     {"DiseaseCausing", "Modifier", "Biomarker", "CandidateGene", "Susceptibility", "RoleOther"}),
])
def test_value_individuals(onto: rdflib.Graph, cls: str, individuals: set[str]) -> None:
    found = {str(s)[len(NS):] for s in onto.subjects(RDF.type, rdflib.URIRef(cls))}
    assert found == individuals
    assert all((rdflib.URIRef(NS + i), RDF.type, OWL.NamedIndividual) in onto for i in individuals)


def test_every_term_has_one_english_label_and_definition(onto: rdflib.Graph) -> None:
    problems = []
    for name in sorted(declared_terms(onto)):
        term = rdflib.URIRef(NS + name)
        for prop in (RDFS.label, SKOS.definition):
            values = list(onto.objects(term, prop))
            if len(values) != 1 or getattr(values[0], "language", None) != "en":
                problems.append(f"rkg:{name} needs exactly one {prop.n3(onto.namespace_manager)} @en, has {values}")
    assert problems == []


def source_terms() -> dict[str, set[str]]:
    """rkg terms used in the code (RKG.X, RKG.term("X")) and in SPARQL (rkg:X), by term -> files."""
    patterns = [re.compile(r"\bRKG\.(?!term\b|iri\b)([A-Za-z_]\w*)"),
                re.compile(r"\bRKG\.term\(\s*[\"']([^\"']+)[\"']\s*\)")]
    files = [p for d in ("kg", "loaders", "api") for p in (REPO / d).rglob("*.py")]
    files += list((REPO / "queries").rglob("*.rq"))
    used: dict[str, set[str]] = {}
    for path in files:
        lines = path.read_text(encoding="utf-8").splitlines()
        text = "\n".join(row for row in lines if not row.lstrip().startswith((">>>", "...")))  # no doctests
        names = {m for pat in patterns for m in pat.findall(text)}
        if path.suffix == ".rq":
            names |= set(re.findall(r"\brkg:([A-Za-z_]\w*)", text))
        for name in names:
            used.setdefault(name, set()).add(str(path.relative_to(REPO)))
    return used


def test_every_rkg_term_used_in_the_code_is_declared(onto: rdflib.Graph) -> None:
    used = source_terms()
    declared = declared_terms(onto)
    undeclared = {name: sorted(files) for name, files in used.items() if name not in declared}
    assert undeclared == {}, "declare these in ontology/rarekg.ttl (and docs/ontology-terms.md) or fix the name"
    assert "CancerEntity" in used  # the scan does find kg/core/vocab.py's use


def test_no_punning_between_classes_and_properties(onto: rdflib.Graph) -> None:
    clashes = []
    for subject in set(onto.subjects(RDF.type, None)):
        kinds = [k for k in ENTITY_TYPES if (subject, RDF.type, k) in onto]
        if len(kinds) > 1:
            clashes.append((str(subject), kinds))
    assert clashes == []


def test_restrictions_use_object_properties_only(onto: rdflib.Graph) -> None:
    restrictions = list(onto.subjects(RDF.type, OWL.Restriction))
    assert len(restrictions) == 2  # in rkg:ReferenceCentre and rkg:MolecularlyDefinedEntity
    for restriction in restrictions:
        prop = onto.value(restriction, OWL.onProperty)
        assert (prop, RDF.type, OWL.ObjectProperty) in onto, prop
        assert (prop, RDF.type, OWL.AnnotationProperty) not in onto, prop


def test_every_predicate_used_is_declared_or_builtin(onto: rdflib.Graph) -> None:
    builtin = (str(RDF), str(RDFS), str(OWL))
    undeclared = {str(p) for p in onto.predicates() if not str(p).startswith(builtin)
                  and not any((p, RDF.type, k) in onto for k in ENTITY_TYPES)}
    assert undeclared == set()


def test_domains_and_ranges_are_declared_classes_or_datatypes(onto: rdflib.Graph) -> None:
    for prop in (RDFS.domain, RDFS.range):
        for subject, target in onto.subject_objects(prop):
            assert (target, RDF.type, OWL.Class) in onto or str(target).startswith(str(rdflib.XSD)), (
                subject, prop, target)


def test_entity_level_properties_are_annotation_properties(onto: rdflib.Graph) -> None:
    annotation = [
        "orphaCode", "oncotreeCode", "inDomain", "hasEpidemiology", "rarecareRarity",
        "hasGeneAssociation", "domainAssignment", "studiesEntity", "eligibleAlteration",
        "topicEntity", "aboutEntity", "subjectEntity", "objectEntity", "gene", "isBasket", "variant",
    ]
    for name in annotation:
        assert (rdflib.URIRef(NS + name), RDF.type, OWL.AnnotationProperty) in onto, name
    for iri in ("http://www.w3.org/2004/02/skos/core#exactMatch",
                "http://www.geneontology.org/formats/oboInOwl#hasDbXref"):
        assert (rdflib.URIRef(iri), RDF.type, OWL.AnnotationProperty) in onto, iri
    for name in ("involvesGene", "hasAlteration"):
        assert (rdflib.URIRef(NS + name), RDF.type, OWL.ObjectProperty) in onto, name


def test_defined_classes_are_equivalence_axioms(onto: rdflib.Graph) -> None:
    for name in ("ReferenceCentre", "MolecularlyDefinedEntity"):
        definition = onto.value(rdflib.URIRef(NS + name), OWL.equivalentClass)
        assert definition is not None, name
        members = list(rdflib.collection.Collection(onto, onto.value(definition, OWL.intersectionOf)))
        assert len(members) == 2, name


def test_no_domain_individuals_in_the_ontology(onto: rdflib.Graph) -> None:
    """G1..G10 are data, loaded by the domains loader, not part of the ontology."""
    assert not any(str(s).startswith("https://w3id.org/rarekg/domain/") for s in onto.subjects())


def test_malformed_ontology_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "rarekg.ttl"
    text = ONTOLOGY_PATH.read_text().replace('rdfs:label "network"@en ;', 'rdfs:label "network@en ;', 1)
    bad.write_text(text)
    line = next(i for i, row in enumerate(text.splitlines(), 1) if '"network@en ;' in row)
    with pytest.raises(OntologyError, match=rf"{bad}:{line}: malformed Turtle") as info:
        load_ontology_rdflib(bad)
    assert info.value.line == line


def test_relative_path_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: a relative path made Path.as_uri() raise ValueError."""
    monkeypatch.chdir(REPO)
    assert len(load_ontology_rdflib(Path("ontology/rarekg.ttl"))) == len(load_ontology_rdflib())


def deprecated_terms(graph: rdflib.Graph) -> set[str]:
    return {str(s)[len(NS):] for s in graph.subjects(OWL.deprecated, rdflib.Literal(True)) if str(s).startswith(NS)}


#: the one file allowed to name deprecated terms: it rewrites the old vocabulary to check a build
#: against one made before #19 (docs/decisions/0019-standard-vocabularies.md)
DEPRECATED_TERMS_ALLOWED = {"bench/vocab_diff.py"}


def deprecated_term_uses(deprecated: set[str]) -> dict[str, list[str]]:
    """file -> deprecated rkg terms it names (RKG.X, RKG.term("X"), rkg:X or the full IRI), in the code (kg,
    loaders, api, rarekg, bench), the queries and the web pages."""
    dirs = ("kg", "loaders", "api", "rarekg", "bench", "queries", "web")
    files = [p for d in dirs for p in (REPO / d).rglob("*") if p.suffix in (".py", ".rq", ".js", ".html", ".toml")]
    patterns = [re.compile(r"\bRKG\.(\w+)"), re.compile(r"\bRKG\.term\(\s*[\"'](\w+)[\"']"),
                re.compile(r"\brkg:(\w+)"), re.compile(re.escape(NS) + r"(\w+)")]
    found: dict[str, list[str]] = {}
    for path in sorted(files):
        rel = str(path.relative_to(REPO))
        if rel in DEPRECATED_TERMS_ALLOWED:
            continue
        text = path.read_text(encoding="utf-8")
        names = {m for pat in patterns for m in pat.findall(text)} & deprecated
        if names:
            found[rel] = sorted(names)
    return found


def test_the_replaced_terms_are_deprecated_with_their_replacement(onto: rdflib.Graph) -> None:
    deprecated = deprecated_terms(onto)
    assert {"EntityMapping", "EntityLink", "mappingPredicate", "confidence", "linkRule", "linkScore", "matchedText",
            "EvidenceKind", "MembershipEvidence", "Mutation", "Fusion", "sourceVersion", "sha256"} <= deprecated
    assert len(deprecated) == 30
    missing = sorted(t for t in deprecated if onto.value(rdflib.URIRef(NS + t), rdflib.DCTERMS.isReplacedBy) is None)
    assert missing == [], "a deprecated term names its replacement with dcterms:isReplacedBy"
    # the replacements of the ones OWL 2 DL lets us say are equivalent
    for old, new in (("confidence", "https://w3id.org/sssom/confidence"), ("linkScore", "https://w3id.org/sssom/confidence"),
                     ("sourceVersion", "http://purl.org/pav/version")):
        assert onto.value(rdflib.URIRef(NS + old), OWL.equivalentProperty) == rdflib.URIRef(new), old
    assert onto.value(rdflib.URIRef(NS + "Fusion"), OWL.equivalentClass) == rdflib.URIRef(
        "http://purl.obolibrary.org/obo/SO_0001565")


def test_no_code_query_or_page_uses_a_deprecated_term(onto: rdflib.Graph) -> None:
    assert deprecated_term_uses(deprecated_terms(onto)) == {}, (
        "switch these to the standard terms (kg.core.vocab constants; docs/ontology-terms.md, Deprecated terms)")


def test_the_deprecated_term_scan_finds_a_use(onto: rdflib.Graph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The scan is not vacuous: a query naming a deprecated term is found."""
    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "old.rq").write_text("SELECT ?m { ?m a rkg:EntityMapping ; rkg:confidence ?c }")
    monkeypatch.setattr(sys.modules[__name__], "REPO", tmp_path)
    assert deprecated_term_uses(deprecated_terms(onto)) == {"queries/old.rq": ["EntityMapping", "confidence"]}

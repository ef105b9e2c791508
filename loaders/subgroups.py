"""Curated molecular subgroups of rare cancers, as OWL classes that HermiT classifies.

Curated files (``data/subgroups/``, tab-separated, header row, sorted by the first column):

* ``genes.tsv``: symbol, hgnc_id, name, family, source. A gene is the class ``gene/<SYMBOL>``,
  ``rdfs:subClassOf`` its family ``genefamily/<FAMILY>`` (itself ⊑ ``rkg:Gene``), or ``rkg:Gene``
  when it has no family.
* ``alterations.tsv``: id, kind, genes, variant, label. ``kind`` is one of :data:`KINDS`; ``genes``
  lists gene symbols or family names (``;``). An alteration with genes and no variant is DEFINED:
  ``alteration/<id>`` ≡ kind ⊓ ∃rkg:involvesGene.G1 ⊓ ∃rkg:involvesGene.G2 ...; one with a variant
  (or without genes) is PRIMITIVE: it is only ⊑ that expression, so ``kit-exon11-mutation`` is
  inferred ⊑ ``kit-mutation`` without becoming equivalent to it.
* ``subgroups.tsv``: id, label, parent_entities (``ORPHA:<code>`` / ``oncotree:<CODE>``),
  alterations, is_basket, definition, source, source_date, license. A subgroup is ⊑ each parent
  entity and ⊑ ∃rkg:hasAlteration.A for each alteration, and is also DEFINED as the intersection of
  all of these (so HermiT infers subgroup-to-subgroup links such as KIT exon 11-mutant GIST ⊑
  KIT-mutant GIST). A basket (is_basket true, no parents, one alteration) is
  ≡ rkg:CancerEntity ⊓ ∃rkg:hasAlteration.A and carries ``rkg:isBasket true``.

The OWL helpers for RDF lists and restrictions (:func:`rdf_list`, :func:`some_values_from`,
:func:`intersection_of`) live in this module, the only one that writes class expressions.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from pyoxigraph import BlankNode, Literal, NamedNode

from kg.core.records import LoadReport, SourceInfo, Subject, Triple
from kg.core.vocab import DCTERMS, OWL, RDF, RDFS, RKG, SKOS, XSD, hgnc_iri, mint
from loaders.subgroups_tables import (
    ALTERATIONS_FILE,
    FOLDER,
    GENES_FILE,
    KINDS,
    SUBGROUPS_FILE,
    Alteration,
    Curation,
    Gene,
    Subgroup,
    check,
    read_alterations,
    read_genes,
    read_subgroups,
)

SOURCE = SourceInfo(
    name=FOLDER,
    title="rarekg curated molecular subgroups and basket classes",
    license="CC-BY-4.0",
    attribution=("rarekg curation (CC BY 4.0). Entity definitions follow the WHO Classification of "
                 "Tumours, 5th edition, OncoTree (MSK/cBioPortal, CC BY 4.0) and the Orphanet "
                 "classification of rare neoplastic diseases (CC BY 4.0); HGNC gene symbols."),
    homepage="https://w3id.org/rarekg/",
    license_url="https://creativecommons.org/licenses/by/4.0/",
)

TRIPLE_BOUNDS = (500, 5000)



#: predicates of OWL axioms (everything else is an annotation)
AXIOM_PREDICATES = frozenset({RDF.type, RDFS.subClassOf, OWL.equivalentClass, OWL.intersectionOf,
                              OWL.onProperty, OWL.someValuesFrom, RDF.first, RDF.rest})

# --------------------------------------------------------------------------------------- OWL terms

def gene_iri(symbol: str) -> NamedNode:
    return mint("gene", symbol)


def family_iri(name: str) -> NamedNode:
    return mint("genefamily", name)


def alteration_iri(alteration_id: str) -> NamedNode:
    return mint("alteration", alteration_id)


def subgroup_iri(subgroup_id: str) -> NamedNode:
    return mint("subgroup", subgroup_id)


def parent_iri(curie: str) -> NamedNode:
    """``ORPHA:44890`` -> ``entity/orpha/44890``; ``oncotree:GIST`` -> ``entity/oncotree/GIST``."""
    prefix, _, code = curie.partition(":")
    if prefix == "ORPHA":
        return mint("entity", f"orpha/{code}")
    if prefix == "oncotree":
        return mint("entity", f"oncotree/{code}")
    raise ValueError(f"not an ORPHA or oncotree CURIE: {curie!r}")


def rdf_list(items: list[Subject], out: list[Triple]) -> Subject:
    """The head of an RDF collection of ``items``; its triples are appended to ``out``."""
    head: Subject = RDF.nil
    for item in reversed(items):
        cell = BlankNode()
        out.append((cell, RDF.first, item))
        out.append((cell, RDF.rest, head))
        head = cell
    return head


def some_values_from(prop: NamedNode, filler: Subject, out: list[Triple]) -> BlankNode:
    """A blank ``owl:Restriction`` ∃prop.filler; its triples are appended to ``out``."""
    node = BlankNode()
    out += [(node, RDF.type, OWL.Restriction), (node, OWL.onProperty, prop), (node, OWL.someValuesFrom, filler)]
    return node


def intersection_of(operands: list[Subject], out: list[Triple]) -> BlankNode:
    """A blank anonymous class ⊓ operands; its triples are appended to ``out``."""
    node = BlankNode()
    out += [(node, RDF.type, OWL.Class), (node, OWL.intersectionOf, rdf_list(operands, out))]
    return node


def _gene_or_family(name: str, families: set[str]) -> NamedNode:
    return family_iri(name) if name in families else gene_iri(name)


# ------------------------------------------------------------------------------------------ triples

def family_triples(name: str, members: list[str]) -> Iterator[Triple]:
    """The class of one gene family (pure)."""
    s = family_iri(name)
    yield s, RDF.type, OWL.Class
    yield s, RDFS.subClassOf, RKG.Gene
    yield s, RDFS.label, Literal(f"{name} gene family", language="en")
    yield s, SKOS.definition, Literal(f"Genes grouped as {name} for molecular definitions: "
                                      + ", ".join(sorted(members)) + ".", language="en")


def gene_triples(gene: Gene) -> Iterator[Triple]:
    """The class of one gene (pure)."""
    s = gene_iri(gene.symbol)
    yield s, RDF.type, OWL.Class
    yield s, RDFS.subClassOf, family_iri(gene.family) if gene.family else RKG.Gene
    yield s, RDFS.label, Literal(gene.symbol)
    if gene.hgnc_id:
        yield s, SKOS.exactMatch, hgnc_iri(gene.hgnc_id)
    if gene.name:
        yield s, SKOS.definition, Literal(gene.name, language="en")
    if gene.source:
        yield s, DCTERMS.source, Literal(gene.source)


def alteration_triples(alt: Alteration, families: set[str]) -> Iterator[Triple]:
    """The class of one alteration (pure): defined when it has genes and no variant."""
    s = alteration_iri(alt.id)
    kind = KINDS[alt.kind]
    out: list[Triple] = [(s, RDF.type, OWL.Class), (s, RDFS.subClassOf, kind),
                         (s, RDFS.label, Literal(alt.label, language="en"))]
    genes = [_gene_or_family(g, families) for g in alt.genes]
    restrictions = [some_values_from(RKG.involvesGene, g, out) for g in genes]
    if genes and not alt.variant:
        out.append((s, OWL.equivalentClass, intersection_of([kind, *restrictions], out)))
    else:
        out += [(s, RDFS.subClassOf, r) for r in restrictions]
    if alt.variant:
        out.append((s, RKG.variant, Literal(alt.variant)))
    involved = " and ".join(alt.genes) or "no single gene"
    out.append((s, SKOS.definition, Literal(f"A {alt.kind} involving {involved}"
                                            + (f", variant {alt.variant}" if alt.variant else "") + ".",
                                            language="en")))
    yield from out


def subgroup_triples(sub: Subgroup) -> Iterator[Triple]:
    """The class of one subgroup or basket (pure)."""
    s = subgroup_iri(sub.id)
    out: list[Triple] = [(s, RDF.type, OWL.Class)]
    restrictions = [some_values_from(RKG.hasAlteration, alteration_iri(a), out) for a in sub.alterations]
    if sub.is_basket:
        out.append((s, RDFS.subClassOf, RKG.CancerEntity))
        out.append((s, OWL.equivalentClass, intersection_of([RKG.CancerEntity, *restrictions], out)))
    else:
        parents: list[Subject] = [parent_iri(p) for p in sub.parents]
        out += [(s, RDFS.subClassOf, p) for p in parents]
        out += [(s, RDFS.subClassOf, r) for r in restrictions]
        out.append((s, OWL.equivalentClass, intersection_of([*parents, *restrictions], out)))
    out.append((s, RKG.isBasket, Literal("true" if sub.is_basket else "false", datatype=XSD.boolean)))
    out.append((s, RDFS.label, Literal(sub.label, language="en")))
    if sub.definition:
        out.append((s, SKOS.definition, Literal(sub.definition, language="en")))
    out.append((s, DCTERMS.source, Literal(sub.source)))
    if sub.source_date:
        out.append((s, DCTERMS.date, Literal(sub.source_date, datatype=XSD.gYear if len(sub.source_date) == 4
                                             else XSD.date)))
    yield from out


def parent_declarations(subgroups: Iterable[Subgroup]) -> Iterator[Triple]:
    """Each parent entity as an owl:Class ⊑ rkg:CancerEntity (for reasoning without the sources)."""
    for iri in sorted({parent_iri(p).value for s in subgroups for p in s.parents}):
        yield NamedNode(iri), RDF.type, OWL.Class
        yield NamedNode(iri), RDFS.subClassOf, RKG.CancerEntity


def to_triples(curation: Curation) -> Iterator[Triple]:
    """Every triple of the checked curation (pure)."""
    families: dict[str, list[str]] = {}
    for g in curation.genes:
        if g.family:
            families.setdefault(g.family, []).append(g.symbol)
    for name in sorted(families):
        yield from family_triples(name, families[name])
    for g in curation.genes:
        yield from gene_triples(g)
    for a in curation.alterations:
        yield from alteration_triples(a, set(families))
    for s in curation.subgroups:
        yield from subgroup_triples(s)


# -------------------------------------------------------------------------------------------- entry

def read_curation(data_dir: Path, report: LoadReport, known_parents: set[str] | None = None) -> Curation:
    """Read and check the three files under ``data_dir/subgroups``; records the files on ``report``.

    Raises DataError (file, line) for structural problems; row problems go to ``report``.
    """
    folder = data_dir / SOURCE.name
    paths = [folder / GENES_FILE, folder / ALTERATIONS_FILE, folder / SUBGROUPS_FILE]
    curation = check(read_genes(paths[0]), read_alterations(paths[1]), read_subgroups(paths[2]),
                     report, data_dir, known_parents)
    report.files.extend(paths)
    return curation


def known_parent_codes(data_dir: Path) -> set[str] | None:
    """The OncoTree CURIEs of the compiled OncoTree file, or None when it is absent.

    Orphanet codes are checked by the tests against the real product 3 file; here only the
    compiled OncoTree nodes are at hand, so ORPHA parents pass through (``None`` checks nothing).
    """
    from loaders import oncotree

    if not (data_dir / oncotree.SOURCE.name / oncotree.COMPILED_FILE).is_file():
        return None
    _, nodes = oncotree.read_compiled(data_dir)
    return {f"oncotree:{n.code}" for n in nodes}


def load(data_dir: Path, report: LoadReport) -> Iterator[Triple]:
    """The triples of the curated subgroups; sets ``report.version``, files and counts.

    Raises DataError for structural problems in the curated files or the compiled OncoTree file.
    """
    curation = read_curation(data_dir, report)
    codes = known_parent_codes(data_dir)
    if codes is not None:
        for s in curation.subgroups:
            for p in s.parents:
                if p.startswith("oncotree:") and p not in codes:
                    report.error("unknown-parent", f"parent {p} is not in the compiled OncoTree",
                                 path=str(data_dir / SOURCE.name / SUBGROUPS_FILE), line=s.line, record=s.id)
    report.version = "rarekg curation, latest source " + max((s.source_date for s in curation.subgroups), default="?")
    report.counts.update(genes=len(curation.genes), alterations=len(curation.alterations),
                         subgroups=sum(not s.is_basket for s in curation.subgroups),
                         baskets=sum(s.is_basket for s in curation.subgroups))
    for triple in to_triples(curation):
        report.counts["triples"] += 1
        yield triple


def definition_triples(data_dir: Path, report: LoadReport | None = None) -> Iterator[Triple]:
    """Only the OWL axioms of the curation (no annotations), plus each parent entity declared
    owl:Class ⊑ rkg:CancerEntity: the input of the reasoner. Raises DataError as :func:`load`."""
    curation = read_curation(data_dir, report or LoadReport(SOURCE.name))
    for triple in to_triples(curation):
        if triple[1] in AXIOM_PREDICATES:
            yield triple
    yield from parent_declarations(curation.subgroups)

"""Orphanet: the classification of rare neoplastic diseases and ORPHApackets, as OWL entity classes.

Sources (under ``raw_dir/orphanet``): ``en_product3_202.xml`` (Orphadata product 3,
classification 202, read by :mod:`loaders.orphanet_classification`) and
``orphapackets_solid_rare_tumours/ORPHApacket_<code>.json`` (read by :mod:`loaders.orphapackets`).
:func:`compile` merges them into ``data/orphanet/``:

* ``entities.jsonl``: one :class:`OrphanetRelease` and one :class:`OrphanetEntity` per distinct
  ORPHAcode of the classification (codes without a packet keep label, type and parents);
* ``gene_associations.jsonl``: :class:`OrphanetGeneAssociation` (origin and role parsed from
  Orphanet's text by :func:`loaders.orphapackets.parse_association_type`);
* ``epidemiology.jsonl``: :class:`OrphanetEpidemiology` and the computed :class:`OrphanetRarity`
  (:func:`loaders.orphanet_epidemiology.rarecare_rarity`).

Modelling choices:

* ``rdfs:subClassOf`` follows classification 202 (every parent link of the polyhierarchy; a
  packet parent that is also in 202 is added). Packets also name parents from Orphanet's other
  classifications (e.g. 271835 "Genetic digestive tract tumor" for GIST); those are kept in the
  compiled record as ``other_parents`` but not asserted, since they are not cancer-entity classes
  of this graph and would have no label, parents or domain here.
* Labels come from the packet where there is one (same Orphanet release; it corrects case in one
  label), else from the classification.
* Types of inheritance are kept in the compiled records but not emitted: the term list has no
  property for them.
* EURACAN domains are computed at load time by :mod:`loaders.domain_rules`; entities without a
  domain are reported as warnings of kind ``no-domain``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyoxigraph import Literal, NamedNode

from kg.core.errors import DataError
from kg.core.records import LoadReport, MappableEntity, SourceInfo, Triple, read_records, write_records
from kg.core.vocab import DCTERMS, OBOINOWL, OWL, RDF, RDFS, RKG, SKOS, XSD, hgnc_iri, mint
from loaders import domain_rules
from loaders.orphanet_classification import ClassificationNode, read_classification, read_info
from loaders.orphanet_epidemiology import class_bounds, rarecare_rarity
from loaders.orphanet_records import (
    RECORD_TYPES,
    OrphanetEntity,
    OrphanetEpidemiology,
    OrphanetGeneAssociation,
    OrphanetRarity,
    OrphanetRelease,
)
from loaders.orphapackets import ORDO_PURL, Packet, mapping_relation, parse_association_type, read_packets

SOURCE = SourceInfo(
    name="orphanet",
    title="Orphanet classification of rare neoplastic diseases and ORPHApackets (Orphadata)",
    license="CC-BY-4.0",
    attribution=("Orphanet: an online rare disease and orphan drug data base. © INSERM 1999. "
                 "Available on http://www.orpha.net. Orphadata, CC BY 4.0"),
    homepage="https://www.orphadata.com",
    license_url="https://creativecommons.org/licenses/by/4.0/",
)

CLASSIFICATION_FILE = "en_product3_202.xml"
PACKET_DIR = "orphapackets_solid_rare_tumours"
ROOT_CODE = "250908"
ENTITIES_FILE = "entities.jsonl"
GENES_FILE = "gene_associations.jsonl"
EPIDEMIOLOGY_FILE = "epidemiology.jsonl"
#: Expected triple count of a load; the build fails outside these bounds.
TRIPLE_BOUNDS = (36_000, 46_000)


ORIGINS = {"germline": RKG.Germline, "somatic": RKG.Somatic, "unspecified": RKG.OriginUnspecified}
ROLES = {"disease-causing": RKG.DiseaseCausing, "modifier": RKG.Modifier, "biomarker": RKG.Biomarker,
         "candidate": RKG.CandidateGene, "susceptibility": RKG.Susceptibility, "other": RKG.RoleOther}
RARITIES = {"rare": RKG.RareByRarecare, "not-rare": RKG.NotRareByRarecare,
            "undetermined": RKG.RarityUndetermined}
UNUSABLE_CLASSES = frozenset({"", "Unknown", "no data"})


def entity_iri(code: str) -> NamedNode:
    """The class IRI of ORPHAcode ``code``: ``entity/orpha/<code>``."""
    return mint("entity", f"orpha/{code}")


def _digest(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode("utf-8")).hexdigest()[:16]


# --- compile ---------------------------------------------------------------------------------

def _merge_entity(node: ClassificationNode, packet: Packet | None, codes: set[str],
                  report: LoadReport) -> OrphanetEntity:
    """One entity from a classification node and its packet (if any)."""
    if packet is None:
        return OrphanetEntity(code=node.code, label=node.label, disorder_type=node.disorder_type,
                              parents=list(node.parents))
    if packet.label != node.label:
        report.warn("label-differs", f"packet label {packet.label!r} used; classification has {node.label!r}",
                    record=node.code)
    parents = set(node.parents) | {p.code for p in packet.parents if p.code in codes}
    other = sorted((p for p in packet.parents if p.code not in codes), key=lambda p: int(p.code))
    return OrphanetEntity(
        code=node.code, label=packet.label, disorder_type=packet.disorder_type or node.disorder_type,
        parents=sorted(parents, key=int), other_parents=other, synonyms=list(packet.synonyms),
        definition=packet.definition, xrefs=list(packet.xrefs), ages_of_onset=list(packet.ages_of_onset),
        inheritance=list(packet.inheritance), in_packet=True)


def _gene_associations(packet: Packet, report: LoadReport) -> Iterator[OrphanetGeneAssociation]:
    for gene in packet.genes:
        meaning = parse_association_type(gene.association_type)
        if not meaning.recognised:
            report.warn("unknown-association-type", f"{gene.association_type!r} matched no role; role 'other'",
                        record=packet.code)
        if gene.hgnc is None:
            report.warn("gene-without-hgnc", f"gene {gene.symbol} has no HGNC id", record=packet.code)
        yield OrphanetGeneAssociation(code=packet.code, symbol=gene.symbol, name=gene.name, hgnc=gene.hgnc,
                                      association_type=gene.association_type, origin=meaning.origin,
                                      role=meaning.role, qualifier=meaning.qualifier)


def _epidemiology(packet: Packet, report: LoadReport) -> Iterator[OrphanetEpidemiology]:
    for prev in packet.prevalences:
        bounds = class_bounds(prev.value_class)
        if bounds is None and prev.value_class not in UNUSABLE_CLASSES:
            report.warn("unknown-class", f"epidemiology class {prev.value_class!r} not understood",
                        record=packet.code)
        lower = upper = None
        if bounds is not None and prev.measure == "Annual incidence":
            lower, upper = (str(b) if b is not None else None for b in bounds)
        yield OrphanetEpidemiology(code=packet.code, measure=prev.measure, value_class=prev.value_class,
                                   mean_value=prev.mean_value, geographic=prev.geographic,
                                   qualification=prev.qualification, source=prev.source,
                                   lower_per_100k=lower, upper_per_100k=upper)


def _release(raw: Path, packets: dict[str, Packet], report: LoadReport) -> OrphanetRelease:
    info = read_info(raw / CLASSIFICATION_FILE)
    versions = sorted({p.version for p in packets.values()})
    if versions and versions != [info.version]:
        report.warn("version-differs", f"packet versions {versions} differ from classification {info.version}")
    return OrphanetRelease(version=info.version, date=info.date, classification_id=info.classification_id,
                           classification_name=info.classification_name, classification_file=CLASSIFICATION_FILE,
                           packet_version=", ".join(versions), packets=len(packets))


def compile(raw_dir: Path, data_dir: Path, report: LoadReport) -> list[Path]:
    """Compile ``raw_dir/orphanet`` into ``data_dir/orphanet/*.jsonl``; returns the files written.

    Raises DataError for a missing or malformed classification file or an empty packet folder;
    malformed packets and row-level oddities go to ``report``.
    """
    raw = raw_dir / SOURCE.name
    xml = raw / CLASSIFICATION_FILE
    report.files.append(xml)
    nodes = list(read_classification(xml))
    codes = {n.code for n in nodes}
    packets: dict[str, Packet] = {}
    for packet in read_packets(raw / PACKET_DIR, report):
        if packet.code not in codes:
            report.warn("packet-outside-classification", "packet code not in classification 202; skipped",
                        record=packet.code)
            continue
        packets[packet.code] = packet
    release = _release(raw, packets, report)
    report.version = release.version
    entities = [_merge_entity(n, packets.get(n.code), codes, report) for n in nodes]
    genes = [g for p in packets.values() for g in _gene_associations(p, report)]
    epidemiology: list[Any] = [e for p in packets.values() for e in _epidemiology(p, report)]
    rarity = [OrphanetRarity(code=p.code, **vars(rarecare_rarity(p.prevalences))) for p in packets.values()]
    out = data_dir / SOURCE.name
    report.counts.update(entities=len(entities), packets=len(packets), gene_associations=len(genes),
                         epidemiology=len(epidemiology), rarity=len(rarity))
    written = [out / ENTITIES_FILE, out / GENES_FILE, out / EPIDEMIOLOGY_FILE]
    write_records(written[0], [release, *entities], SOURCE)
    write_records(written[1], genes, SOURCE)
    write_records(written[2], [*epidemiology, *rarity], SOURCE)
    return written


# --- load ------------------------------------------------------------------------------------

@dataclass
class Compiled:
    """The compiled Orphanet records, by kind."""

    release: OrphanetRelease
    entities: list[OrphanetEntity]
    genes: list[OrphanetGeneAssociation]
    epidemiology: list[OrphanetEpidemiology]
    rarity: list[OrphanetRarity]
    files: list[Path]


def read_compiled(data_dir: Path) -> Compiled:
    """The records of ``data_dir/orphanet/*.jsonl``; DataError if a file is missing or malformed."""
    folder = data_dir / SOURCE.name
    files = [folder / ENTITIES_FILE, folder / GENES_FILE, folder / EPIDEMIOLOGY_FILE]
    records = [rec for path in files for rec in read_records(path, RECORD_TYPES)]
    releases = [r for r in records if isinstance(r, OrphanetRelease)]
    if len(releases) != 1:
        raise DataError(f"expected one OrphanetRelease record, found {len(releases)}", path=files[0])
    return Compiled(release=releases[0],
                    entities=[r for r in records if isinstance(r, OrphanetEntity)],
                    genes=[r for r in records if isinstance(r, OrphanetGeneAssociation)],
                    epidemiology=[r for r in records if isinstance(r, OrphanetEpidemiology)],
                    rarity=[r for r in records if isinstance(r, OrphanetRarity)],
                    files=files)


def domain_assignments(entities: list[OrphanetEntity]) -> domain_rules.DomainAssignments:
    """The EURACAN domains of ``entities`` under :data:`loaders.domain_rules.RULES`."""
    hierarchy = domain_rules.build_hierarchy({e.code: e.parents for e in entities})
    return domain_rules.assign_domains(hierarchy)


def load(data_dir: Path, report: LoadReport) -> Iterator[Triple]:
    """The triples of the compiled Orphanet files; sets version, files and counts on ``report``.

    Entities without a EURACAN domain become ``no-domain`` warnings. Raises DataError if the
    compiled files are missing or malformed.
    """
    data = read_compiled(data_dir)
    report.version = data.release.version
    report.files.extend(data.files)
    records: list[Any] = [*data.entities, *data.genes, *data.epidemiology, *data.rarity]
    for rec in records:
        report.counts[type(rec).__name__] += 1
        yield from to_triples(rec)
    genes = {(g.symbol, g.hgnc, g.name) for g in data.genes}
    for symbol, hgnc, name in sorted(genes, key=lambda g: (g[0], g[1] or "", g[2])):
        report.counts["genes"] += 1
        if hgnc and not hgnc.isdigit():  # its identifiers.org IRI needs the number (decision 0019)
            report.warn("bad-hgnc", f"gene {symbol}: HGNC id {hgnc!r} is not a number; no HGNC IRI")
            hgnc = None
        yield from gene_triples(symbol, hgnc, name)
    result = domain_assignments(data.entities)
    for code, found in result.assigned.items():
        report.counts["domain_assignments"] += len(found)
        yield from domain_triples(code, found)
    for miss in result.unassigned:
        if miss.category:
            report.counts["excluded_entities"] += 1
            yield from exclusion_triples(miss)
        report.warn("no-domain", miss.reason, record=f"ORPHA:{miss.code}")
    report.counts["unassigned_entities"] = len(result.unassigned)


# --- triples (pure) --------------------------------------------------------------------------

def to_triples(record: Any) -> Iterator[Triple]:
    """The triples of one compiled record (pure: no I/O). Raises TypeError for an unknown record type."""
    if isinstance(record, OrphanetEntity):
        yield from entity_triples(record)
    elif isinstance(record, OrphanetGeneAssociation):
        yield from association_triples(record)
    elif isinstance(record, OrphanetEpidemiology):
        yield from epidemiology_triples(record)
    elif isinstance(record, OrphanetRarity):
        yield entity_iri(record.code), RKG.rarecareRarity, RARITIES[record.rarity]
    elif not isinstance(record, OrphanetRelease):
        raise TypeError(f"not an Orphanet record: {type(record).__name__}")


def entity_triples(e: OrphanetEntity) -> Iterator[Triple]:
    """The class triples of one entity: hierarchy, labels, codes, xrefs and mappings."""
    s = entity_iri(e.code)
    yield s, RDF.type, OWL.Class
    for parent in e.parents:
        yield s, RDFS.subClassOf, entity_iri(parent)
    if not e.parents:
        yield s, RDFS.subClassOf, RKG.CancerEntity
    yield s, RDFS.label, Literal(e.label, language="en")
    for synonym in e.synonyms:
        yield s, SKOS.altLabel, Literal(synonym, language="en")
    if e.definition:
        yield s, SKOS.definition, Literal(e.definition, language="en")
    yield s, RKG.orphaCode, Literal(e.code)
    if e.disorder_type:
        yield s, RKG.disorderType, Literal(e.disorder_type)
    yield s, OBOINOWL.hasDbXref, Literal(f"ORPHA:{e.code}")
    yield s, SKOS.exactMatch, NamedNode(ORDO_PURL + e.code)
    for xref in e.xrefs:
        yield s, OBOINOWL.hasDbXref, Literal(xref.curie)
        relation = mapping_relation(xref)
        if relation:
            yield s, SKOS.term(relation), NamedNode(xref.iri)
    for age in e.ages_of_onset:
        yield s, RKG.ageOfOnset, Literal(age)


def association_triples(g: OrphanetGeneAssociation) -> Iterator[Triple]:
    """The GeneAssociation node of one association, linked from its entity."""
    node = mint("geneassociation", _digest(g.code, g.symbol, g.association_type))
    yield entity_iri(g.code), RKG.hasGeneAssociation, node
    yield node, RDF.type, RKG.GeneAssociation
    yield node, RDFS.label, Literal(f"{g.symbol}: {g.association_type} ORPHA:{g.code}", language="en")
    yield node, RKG.gene, mint("gene", g.symbol)
    yield node, RKG.associationType, Literal(g.association_type)
    yield node, RKG.alterationOrigin, ORIGINS[g.origin]
    yield node, RKG.associationRole, ROLES[g.role]


def gene_triples(symbol: str, hgnc: str | None, name: str) -> Iterator[Triple]:
    """The class of one gene: ``gene/<SYMBOL>`` ⊑ rkg:Gene, skos:exactMatch its identifiers.org HGNC IRI,
    with its full name."""
    s = mint("gene", symbol)
    yield s, RDF.type, OWL.Class
    yield s, RDFS.subClassOf, RKG.Gene
    yield s, RDFS.label, Literal(symbol)
    if hgnc:
        yield s, SKOS.exactMatch, hgnc_iri(hgnc)
    if name:
        yield s, SKOS.definition, Literal(name, language="en")


def epidemiology_triples(r: OrphanetEpidemiology) -> Iterator[Triple]:
    """The EpidemiologyRecord node of one figure, linked from its entity."""
    node = mint("epidemiology", _digest(r.code, r.measure, r.value_class, r.mean_value, r.geographic,
                                        r.qualification, r.source))
    yield entity_iri(r.code), RKG.hasEpidemiology, node
    yield node, RDF.type, RKG.EpidemiologyRecord
    yield node, RDFS.label, Literal(f"{r.measure} {r.value_class or 'no class'} ({r.geographic}) ORPHA:{r.code}",
                                    language="en")
    yield node, RKG.measure, Literal(r.measure)
    if r.value_class and r.value_class != "no data":
        yield node, RKG.valueClass, Literal(r.value_class)
    if r.mean_value is not None:
        yield node, RKG.meanValue, Literal(r.mean_value, datatype=XSD.decimal)
    if r.geographic:
        yield node, RKG.geographic, Literal(r.geographic)
    if r.qualification:
        yield node, RKG.qualification, Literal(r.qualification)
    if r.source:
        yield node, DCTERMS.source, Literal(r.source)
    if r.lower_per_100k is not None:
        yield node, RKG.incidenceLowerPer100k, Literal(r.lower_per_100k, datatype=XSD.decimal)
    if r.upper_per_100k is not None:
        yield node, RKG.incidenceUpperPer100k, Literal(r.upper_per_100k, datatype=XSD.decimal)


def domain_triples(code: str, assignments: list[domain_rules.Assignment]) -> Iterator[Triple]:
    """``rkg:inDomain`` once per domain of an entity, and one DomainAssignment node per assignment."""
    for domain in dict.fromkeys(a.domain for a in assignments):
        yield entity_iri(code), RKG.inDomain, mint("domain", domain)
    for assignment in assignments:
        yield from assignment_triples(code, assignment)


def exclusion_triples(miss: domain_rules.Unassigned) -> Iterator[Triple]:
    """``rkg:domainExclusion`` (the short category, e.g. "benign") and ``rkg:domainExclusionReason``
    (the rule's explanation) of an entity that EURACAN's domains leave out on purpose."""
    s = entity_iri(miss.code)
    yield s, RKG.domainExclusion, Literal(miss.category or "")
    yield s, RKG.domainExclusionReason, Literal(miss.reason, language="en")


def assignment_triples(code: str, a: domain_rules.Assignment) -> Iterator[Triple]:
    """The DomainAssignment node of one assignment (rule, domain, ancestor), linked from its entity."""
    s, domain = entity_iri(code), mint("domain", a.domain)
    node = mint("domainassignment", f"orpha/{code}/{a.domain}/{a.rule}")
    yield s, RKG.domainAssignment, node
    yield node, RDF.type, RKG.DomainAssignment
    yield node, RDFS.label, Literal(f"ORPHA:{code} in {a.domain} by rule {a.rule}", language="en")
    yield node, RKG.assignedDomain, domain
    yield node, RKG.assignmentRule, Literal(a.rule)
    yield node, RKG.viaAncestor, entity_iri(a.via_ancestor)


# --- mapper input ----------------------------------------------------------------------------

def to_mappable(e: OrphanetEntity) -> MappableEntity:
    """What the OncoTree-Orphanet mapper needs of one entity."""
    return MappableEntity(iri=entity_iri(e.code).value, curie=f"ORPHA:{e.code}", label=e.label,
                          synonyms=tuple(e.synonyms), xrefs=tuple(x.curie for x in e.xrefs),
                          parents=tuple(entity_iri(p).value for p in e.parents))


def mappable(data_dir: Path) -> Iterator[MappableEntity]:
    """Every compiled Orphanet entity as a MappableEntity; raises DataError as :func:`read_compiled`."""
    for entity in read_compiled(data_dir).entities:
        yield to_mappable(entity)

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

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import BlankNode, Literal, NamedNode

from kg.core.errors import DataError
from kg.core.records import LoadReport, SourceInfo, Subject, Triple
from kg.core.vocab import ALTERATION_KINDS, DCTERMS, OWL, RDF, RDFS, RKG, SKOS, XSD, hgnc_iri, mint

SOURCE = SourceInfo(
    name="subgroups",
    title="rarekg curated molecular subgroups and basket classes",
    license="CC-BY-4.0",
    attribution=("rarekg curation (CC BY 4.0). Entity definitions follow the WHO Classification of "
                 "Tumours, 5th edition, OncoTree (MSK/cBioPortal, CC BY 4.0) and the Orphanet "
                 "classification of rare neoplastic diseases (CC BY 4.0); HGNC gene symbols."),
    homepage="https://w3id.org/rarekg/",
    license_url="https://creativecommons.org/licenses/by/4.0/",
)

GENES_FILE, ALTERATIONS_FILE, SUBGROUPS_FILE = "genes.tsv", "alterations.tsv", "subgroups.tsv"
TRIPLE_BOUNDS = (500, 5000)

#: alteration kind (as written in alterations.tsv) -> ontology class: a Sequence Ontology class
#: (kg.core.vocab.ALTERATION_KINDS, e.g. SO:0001565 gene_fusion), or rkg:MolecularAlteration for any kind
KINDS: dict[str, NamedNode] = {
    "alteration": RKG.MolecularAlteration,  # any kind, e.g. "RET-altered" (mutation or fusion)
    **ALTERATION_KINDS,
}
GENE_COLUMNS = ("symbol", "hgnc_id", "name", "family", "source")
ALTERATION_COLUMNS = ("id", "kind", "genes", "variant", "label")
SUBGROUP_COLUMNS = ("id", "label", "parent_entities", "alterations", "is_basket", "definition",
                    "source", "source_date", "license")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_SYMBOL = re.compile(r"^[A-Z0-9][A-Za-z0-9-]*$")
_HGNC = re.compile(r"^HGNC:\d+$")
_PARENT = re.compile(r"^(?:ORPHA:\d+|oncotree:[A-Z0-9_]+)$")
_DATE = re.compile(r"^\d{4}(?:-\d{2}-\d{2})?$")
#: predicates of OWL axioms (everything else is an annotation)
AXIOM_PREDICATES = frozenset({RDF.type, RDFS.subClassOf, OWL.equivalentClass, OWL.intersectionOf,
                              OWL.onProperty, OWL.someValuesFrom, RDF.first, RDF.rest})


@dataclass(frozen=True)
class Gene:
    symbol: str
    hgnc_id: str
    name: str
    family: str
    source: str
    line: int = 0


@dataclass(frozen=True)
class Alteration:
    id: str
    kind: str
    genes: tuple[str, ...]
    variant: str
    label: str
    line: int = 0


@dataclass(frozen=True)
class Subgroup:
    id: str
    label: str
    parents: tuple[str, ...]
    alterations: tuple[str, ...]
    is_basket: bool
    definition: str
    source: str
    source_date: str
    license: str
    line: int = 0


@dataclass(frozen=True)
class Curation:
    """The three curated tables after checking: only records without row errors."""

    genes: list[Gene]
    alterations: list[Alteration]
    subgroups: list[Subgroup]


# ---------------------------------------------------------------------------------------- reading

def _rows(path: Path, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) for each data line. Raises DataError for a missing file, a header that
    differs from ``columns`` or a line with the wrong number of fields."""
    if not path.is_file():
        raise DataError("curated file not found", path=path)
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader, None)
        if header is None or tuple(header) != columns:
            raise DataError(f"header must be the columns {list(columns)}, found {header!r}", path=path, line=1)
        for fields in reader:
            if not fields or fields == [""]:
                continue
            if len(fields) != len(columns):
                raise DataError(f"expected {len(columns)} tab-separated fields, found {len(fields)}",
                                path=path, line=reader.line_num)
            yield reader.line_num, dict(zip(columns, (f.strip() for f in fields), strict=True))


def _split(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(";") if v.strip())


def _need(ok: bool, message: str, path: Path, line: int) -> None:
    if not ok:
        raise DataError(message, path=path, line=line)


def read_genes(path: Path) -> Iterator[Gene]:
    """Genes of ``genes.tsv``. Raises DataError (file, line) for a malformed symbol or HGNC id."""
    for line, r in _rows(path, GENE_COLUMNS):
        _need(bool(_SYMBOL.match(r["symbol"])), f"bad gene symbol {r['symbol']!r}", path, line)
        _need(not r["hgnc_id"] or bool(_HGNC.match(r["hgnc_id"])), f"bad HGNC id {r['hgnc_id']!r}", path, line)
        _need(not r["family"] or bool(_SYMBOL.match(r["family"])), f"bad family {r['family']!r}", path, line)
        yield Gene(r["symbol"], r["hgnc_id"], r["name"], r["family"], r["source"], line)


def read_alterations(path: Path) -> Iterator[Alteration]:
    """Alterations of ``alterations.tsv``. Raises DataError (file, line) for a bad id or kind."""
    for line, r in _rows(path, ALTERATION_COLUMNS):
        _need(bool(_SLUG.match(r["id"])), f"alteration id {r['id']!r} is not a lower-case slug", path, line)
        _need(r["kind"] in KINDS, f"unknown kind {r['kind']!r}; expected one of {sorted(KINDS)}", path, line)
        _need(bool(r["label"]), "empty label", path, line)
        yield Alteration(r["id"], r["kind"], _split(r["genes"]), r["variant"], r["label"], line)


def read_subgroups(path: Path) -> Iterator[Subgroup]:
    """Subgroups of ``subgroups.tsv``. Raises DataError (file, line) for a bad id, parent CURIE,
    is_basket value or source_date."""
    for line, r in _rows(path, SUBGROUP_COLUMNS):
        _need(bool(_SLUG.match(r["id"])), f"subgroup id {r['id']!r} is not a lower-case slug", path, line)
        _need(r["is_basket"] in ("true", "false"), f"is_basket must be true or false, not {r['is_basket']!r}",
              path, line)
        parents = _split(r["parent_entities"])
        for p in parents:
            _need(bool(_PARENT.match(p)), f"parent {p!r} is not ORPHA:<code> or oncotree:<CODE>", path, line)
        _need(not r["source_date"] or bool(_DATE.match(r["source_date"])),
              f"source_date {r['source_date']!r} is not YYYY or YYYY-MM-DD", path, line)
        _need(bool(r["label"]), "empty label", path, line)
        yield Subgroup(r["id"], r["label"], parents, _split(r["alterations"]), r["is_basket"] == "true",
                       r["definition"], r["source"], r["source_date"], r["license"], line)


# --------------------------------------------------------------------------------------- checking

def _unique(records: Iterable, key: str, report: LoadReport, path: Path) -> list:  # type: ignore[type-arg]
    seen: set[str] = set()
    out = []
    for rec in records:
        k = getattr(rec, key)
        if k in seen:
            report.error("duplicate-id", f"{k} occurs more than once", path=str(path), line=rec.line, record=k)
            continue
        seen.add(k)
        out.append(rec)
    return out


def check(genes: Iterable[Gene], alterations: Iterable[Alteration], subgroups: Iterable[Subgroup],
          report: LoadReport, data_dir: Path, known_parents: set[str] | None = None) -> Curation:
    """Keep the records without row errors; report each problem on ``report`` (file and line).

    Row errors: duplicate-id, unknown-gene (an alteration names neither a gene nor a family),
    unknown-alteration, unknown-parent (only when ``known_parents`` is given), missing-source,
    missing-parent (a subgroup without parents), basket-shape (a basket with parents or not
    exactly one alteration). A subgroup whose alteration was dropped is dropped too.
    """
    folder = data_dir / SOURCE.name
    gl = _unique(genes, "symbol", report, folder / GENES_FILE)
    names = {g.symbol for g in gl} | {g.family for g in gl if g.family}
    alts = []
    for a in _unique(alterations, "id", report, folder / ALTERATIONS_FILE):
        missing = [g for g in a.genes if g not in names]
        if missing:
            report.error("unknown-gene", f"alteration {a.id} names unknown gene(s) {', '.join(missing)}",
                         path=str(folder / ALTERATIONS_FILE), line=a.line, record=a.id)
        else:
            alts.append(a)
    ids = {a.id for a in alts}
    subs = [s for s in _unique(subgroups, "id", report, folder / SUBGROUPS_FILE)
            if _subgroup_ok(s, ids, known_parents, report, folder / SUBGROUPS_FILE)]
    return Curation(gl, alts, subs)


def _subgroup_ok(s: Subgroup, alteration_ids: set[str], known_parents: set[str] | None,
                 report: LoadReport, path: Path) -> bool:
    where = {"path": str(path), "line": s.line, "record": s.id}
    problems = []
    if not s.source:
        problems.append(("missing-source", "no source citation"))
    unknown = [a for a in s.alterations if a not in alteration_ids]
    if unknown or not s.alterations:
        problems.append(("unknown-alteration", f"unknown or missing alteration(s) {', '.join(unknown) or '(none)'}"))
    if s.is_basket and (s.parents or len(s.alterations) != 1):
        problems.append(("basket-shape", "a basket has no parent entities and exactly one alteration"))
    if not s.is_basket and not s.parents:
        problems.append(("missing-parent", "a subgroup needs at least one parent entity"))
    if known_parents is not None:
        for p in s.parents:
            if p not in known_parents:
                problems.append(("unknown-parent", f"parent {p} is not in the Orphanet or OncoTree data"))
    for kind, message in problems:
        report.error(kind, message, **where)
    return not problems


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

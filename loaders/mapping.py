"""OncoTree -> Orphanet entity mappings (SKOS predicates, SSSOM-style records); see decision 0014.

The mapper compares every OncoTree entity (subject) with every Orphanet entity (object), both given
as :class:`kg.core.records.MappableEntity`, with five rules; per subject, an equal label beats an equal
synonym, and either beats containment. Labels are compared by :func:`match_key`, which is
:func:`normalise` with "cancer" and "carcinoma" made one word (for the mapper only). Confidences
follow the evidence, not the rule:

1. ``xref``: shared cross-references (UMLS, NCIt, MeSH, OMIM CURIEs) -> ``skos:exactMatch``,
   ``semapv:DatabaseCrossReference``; 0.90 for one shared CURIE, 0.95 for two or more, 0.10 less
   when the two sides also carry *different* codes of a shared prefix. (With the 2025 files this rule
   finds nothing: the ORPHApackets cross-reference only OMIM, OncoTree only NCIt and UMLS.)
2. ``label``: equal keys -> ``skos:exactMatch``, ``semapv:LexicalMatching``; 0.95 when the labels
   are equal ignoring case, else 0.92, and 0.05 less when the OncoTree label says ``NOS``.
3. ``synonym``: an OncoTree label equal to an Orphanet synonym, where no label matched ->
   ``skos:exactMatch`` (Orphanet's synonyms name the same disorder), 0.90 verbatim, else 0.88, 0.05
   less for ``NOS``.
3b. ``nos-parent``: an OncoTree ``X, NOS`` node that rules 1-3 left unmapped -> ``skos:broadMatch``
   to its parent's exact match(es), 0.80 (its parent contains it; containment by label could only find
   a shorter, less informative label).
4. ``containment``: for an entity that rules 1-3b left unmapped, the most specific label of the other
   source that its own label ends with (``Uterine Leiomyosarcoma`` ends with ``Leiomyosarcoma``),
   unless the extra words negate or contrast (``non``, ``extra``, ``benign``, ``poorly`` ...) or the
   contained label follows ``of``, ``/`` or ``-``; the broader side must not be a ``NOS`` bucket or a
   site-specific homonym. OncoTree side narrower -> ``skos:broadMatch``; Orphanet side narrower ->
   ``skos:narrowMatch`` only when the hierarchy agrees (the OncoTree node's exact match is an Orphanet
   ancestor), because OncoTree nodes are scoped to a tissue. Confidence 0.75 for one added word,
   0.05 less per further word (at least 0.55), 0.05 more when the hierarchies agree.

Labels of one source shared by several of its nodes (see :func:`homonyms`) map with
``skos:broadMatch`` instead of exact matches (0.85 label, 0.80 synonym). Blood cancers are left out
(:func:`solid_only`), and reviewed rows (:mod:`loaders.mapping_sssom`, ``semapv:ManualMappingCuration``)
replace every computed row of their subject: site-specific targets and non-lexical pairs.

The result is deterministic: the same inputs give the same mappings in the same order.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pyoxigraph import Literal, NamedNode

from kg.core.records import LoadReport, MappableEntity, SourceInfo, Triple
from kg.core.vocab import (
    CONFIDENCE,
    JUSTIFICATION,
    MAPPING,
    MAPPING_OBJECT,
    MAPPING_PREDICATE,
    MAPPING_SUBJECT,
    RATIONALE,
    RDF,
    RDFS,
    REVIEWER,
    SKOS,
    XSD,
    mint,
)

# the label words live in loaders.mapping_text; the linkers still import them from here
from loaders.mapping_text import (
    by_last_word,
    has_nos,
    homonyms,
    match_key,
    match_tokens,
    most_specific_container,
    normalise,
    tokens,
)

SOURCE = SourceInfo(
    name="mappings",
    title="OncoTree to Orphanet mappings (rarekg)",
    license="CC-BY-4.0",
    attribution=("rarekg mappings computed from OncoTree (MSK, cBioPortal; CC BY 4.0) and "
                 "Orphanet/Orphadata (INSERM; CC BY 4.0)"),
    homepage="https://w3id.org/rarekg/",
    license_url="https://creativecommons.org/licenses/by/4.0/",
)

SEMAPV = "https://w3id.org/semapv/vocab/"
SSSOM_FILE = "oncotree_orphanet.sssom.tsv"
MAPPING_SET_ID = "https://w3id.org/rarekg/mappings/oncotree_orphanet.sssom.tsv"

RULES = ("xref", "label", "synonym", "nos-parent", "containment", "curated")
K = TypeVar("K")
__all__ = ["HAEMATOLOGICAL_ORPHA", "HAEMATOLOGICAL_TISSUES", "MAPPING_SET_ID", "RULES", "SEMAPV", "SOURCE",
           "SSSOM_FILE", "Mapping", "compile", "compute", "has_nos", "homonyms", "load", "map_entities",
           "mapping_iri", "match_key", "match_tokens", "normalise", "solid_only", "to_triples", "tokens"]


@dataclass(frozen=True)
class Mapping:
    """One mapping of an OncoTree entity to an Orphanet entity (one SSSOM row)."""

    subject: MappableEntity
    predicate: str         # SKOS local name: exactMatch | closeMatch | broadMatch | narrowMatch
    object: MappableEntity
    justification: str     # semapv local name: DatabaseCrossReference | LexicalMatching | ManualMappingCuration
    confidence: float
    matched_on: str        # human-readable rationale
    rule: str              # one of RULES
    reviewer: str = ""     # who reviewed a curated row (rule "curated")

    @property
    def predicate_iri(self) -> NamedNode:
        return SKOS.term(self.predicate)

    @property
    def justification_iri(self) -> NamedNode:
        return NamedNode(SEMAPV + self.justification)

    def key(self) -> tuple[str, str]:
        return self.subject.iri, self.object.iri



def _index(entities: Iterable[MappableEntity],
           keys: Callable[[MappableEntity], Iterable[K]]) -> dict[K, list[MappableEntity]]:
    """Entities by each of their keys (a label key, a synonym key, an xref), in input order."""
    index: dict[K, list[MappableEntity]] = defaultdict(list)
    for ent in entities:
        for key in keys(ent):
            if ent not in index[key]:
                index[key].append(ent)
    return index


def _xref_rule(sub: MappableEntity, objs: dict[str, list[MappableEntity]]) -> Iterator[Mapping]:
    """Rule 1: shared cross-reference CURIEs."""
    shared: dict[str, list[str]] = defaultdict(list)
    by_iri: dict[str, MappableEntity] = {}
    for xref in sub.xrefs:
        for obj in objs.get(xref, []):
            shared[obj.iri].append(xref)
            by_iri[obj.iri] = obj
    for iri, agree in shared.items():
        obj = by_iri[iri]
        confidence = 0.95 if len(agree) > 1 else 0.90
        prefixes = {x.split(":", 1)[0] for x in agree}
        conflict = [x for x in obj.xrefs if x.split(":", 1)[0] in prefixes and x not in sub.xrefs]
        if conflict:
            confidence = round(confidence - 0.10, 2)
        note = f"shared xref {', '.join(sorted(agree))}" + (f"; Orphanet also has {', '.join(conflict)}"
                                                             if conflict else "")
        yield Mapping(sub, "exactMatch", obj, "DatabaseCrossReference", confidence, note, "xref")


def _label_rule(sub: MappableEntity, objs: dict[tuple[str, ...], list[MappableEntity]],
                homonym: str | None) -> Iterator[Mapping]:
    """Rule 2: equal normalised labels; broadMatch for a site-specific or NOS homonym (see :func:`homonyms`)."""
    for obj in objs.get(match_key(sub.label), []):
        same = obj.label.casefold() == sub.label.casefold()
        note = f"label {sub.label!r} = label {obj.label!r}" + ("" if same else " (normalised)")
        if homonym:
            yield Mapping(sub, "broadMatch", obj, "LexicalMatching", 0.85, f"{note}; {homonym}", "label")
        else:
            confidence = (0.95 if same else 0.92) - (0.05 if has_nos(sub.label) else 0.0)
            yield Mapping(sub, "exactMatch", obj, "LexicalMatching", round(confidence, 2), note, "label")


def _synonym_rule(sub: MappableEntity, objs: dict[tuple[str, ...], list[MappableEntity]],
                  homonym: str | None) -> Iterator[Mapping]:
    """Rule 3: an OncoTree label equal to an Orphanet synonym: an exact match, since Orphanet's
    synonyms name the same disorder (closeMatch is kept for reviewed rows whose scopes differ)."""
    key = match_key(sub.label)
    for obj in objs.get(key, []):
        synonym = next(s for s in obj.synonyms if match_key(s) == key)
        note = f"label {sub.label!r} = Orphanet synonym {synonym!r} of {obj.label!r}"
        if homonym:
            yield Mapping(sub, "broadMatch", obj, "LexicalMatching", 0.80, f"{note}; {homonym}", "synonym")
        else:
            confidence = (0.90 if synonym.casefold() == sub.label.casefold() else 0.88) - (
                0.05 if has_nos(sub.label) else 0.0)
            yield Mapping(sub, "exactMatch", obj, "LexicalMatching", round(confidence, 2), note, "synonym")


def _ancestors(entity: MappableEntity, by_iri: dict[str, MappableEntity]) -> set[str]:
    seen: set[str] = set()
    todo = list(entity.parents)
    while todo:
        iri = todo.pop()
        if iri not in seen:
            seen.add(iri)
            todo.extend(by_iri[iri].parents if iri in by_iri else ())
    return seen


def map_entities(subjects: Iterable[MappableEntity], objects: Iterable[MappableEntity]) -> list[Mapping]:
    """All mappings from OncoTree ``subjects`` to Orphanet ``objects``, one per pair, sorted.

    >>> gist = MappableEntity("o:GIST", "oncotree:GIST", "Gastrointestinal Stromal Tumor")
    >>> orpha = MappableEntity("x:44890", "ORPHA:44890", "Gastrointestinal stromal tumor")
    >>> [(m.predicate, m.rule) for m in map_entities([gist], [orpha])]
    [('exactMatch', 'label')]
    """
    subs = sorted(subjects, key=lambda e: e.iri)
    objs = sorted(objects, key=lambda e: e.iri)
    by_xref = _index(objs, lambda e: e.xrefs)
    by_label = _index(objs, lambda e: [match_key(e.label)])
    by_synonym = _index(objs, lambda e: {match_key(s) for s in e.synonyms})
    homonym = homonyms(subs)
    best: dict[tuple[str, str], Mapping] = {}
    for sub in subs:
        why = homonym.get(sub.iri)
        by_label_rule = list(_label_rule(sub, by_label, why))
        # an equal label beats an equal synonym: the synonym rule runs only where no label matched
        for found in (_xref_rule(sub, by_xref), by_label_rule,
                      () if by_label_rule else _synonym_rule(sub, by_synonym, why)):
            for m in found:
                best.setdefault(m.key(), m)
    for m in _nos_parent_rule(subs, best):
        best.setdefault(m.key(), m)
    broad_subs = [s for s in subs if s.iri not in homonym and not has_nos(s.label)]
    broad_objs = [o for o in objs if not has_nos(o.label)]
    extra = _containment_rule(subs, objs, broad_subs, broad_objs, best)
    best.update({m.key(): m for m in extra if m.key() not in best})
    return sorted(best.values(), key=lambda m: (m.subject.iri, m.object.iri))


def _nos_parent_rule(subs: list[MappableEntity], found: dict[tuple[str, str], Mapping]) -> Iterator[Mapping]:
    """Rule 3b: an OncoTree ``X, NOS`` node that rules 1-3 left unmapped is a kind of its parent, so it
    maps with ``skos:broadMatch`` to its parent's exact match(es): the most informative container, which
    containment by label would miss ("Anaplastic Medulloblastoma, NOS" under "Large Cell/Anaplastic
    Medulloblastoma" -> 251855, not plain "Medulloblastoma")."""
    mapped = {s for s, _ in found}
    exact: dict[str, list[MappableEntity]] = defaultdict(list)
    for m in found.values():
        if m.predicate == "exactMatch":
            exact[m.subject.iri].append(m.object)
    by_iri = {s.iri: s for s in subs}
    for sub in subs:
        if sub.iri in mapped or not has_nos(sub.label):
            continue
        for parent in sub.parents:
            for obj in exact.get(parent, ()):
                note = f"NOS node under {by_iri[parent].label!r}, whose exact match is {obj.label!r}"
                yield Mapping(sub, "broadMatch", obj, "LexicalMatching", 0.8, note, "nos-parent")


def _containment_rule(subs: list[MappableEntity], objs: list[MappableEntity], broad_subs: list[MappableEntity],
                      broad_objs: list[MappableEntity], found: dict[tuple[str, str], Mapping]) -> Iterator[Mapping]:
    """Rule 4: broadMatch / narrowMatch for entities left unmapped by rules 1-3; only ``broad_*``
    (no NOS bucket, no site-specific homonym) may be the broader side."""
    mapped_subs = {s for s, _ in found}
    mapped_objs = {o for _, o in found}
    exact = defaultdict(set)
    for m in found.values():
        if m.predicate == "exactMatch":
            exact[m.subject.iri].add(m.object.iri)
            exact[m.object.iri].add(m.subject.iri)
    sub_by_iri = {e.iri: e for e in subs}
    obj_by_iri = {e.iri: e for e in objs}
    broad_objs_index, broad_subs_index = by_last_word(broad_objs), by_last_word(broad_subs)
    for sub in subs:
        obj = None if sub.iri in mapped_subs else most_specific_container(sub, broad_objs_index)
        if obj is not None:
            agree = bool(exact[obj.iri] & _ancestors(sub, sub_by_iri))
            yield _containment(sub, "broadMatch", obj, sub.label, obj.label, agree)
    for obj in objs:
        sub = None if obj.iri in mapped_objs else most_specific_container(obj, broad_subs_index)
        # OncoTree nodes are scoped to a tissue ("Teratoma" under Testis), so an Orphanet entity is
        # taken as narrower only where Orphanet's own hierarchy puts it under the node's exact match
        # ("Extragonadal teratoma" is not a kind of testicular teratoma).
        if sub is not None and exact[sub.iri] & _ancestors(obj, obj_by_iri):
            yield _containment(sub, "narrowMatch", obj, obj.label, sub.label, True)


def _containment(sub: MappableEntity, predicate: str, obj: MappableEntity, narrow: str, broad: str,
                 agree: bool) -> Mapping:
    """A containment mapping; its confidence falls with each word the narrow label adds (0.75 for
    one, 0.05 less per further word, at least 0.55) and rises by 0.05 when the hierarchy agrees."""
    note = f"label {narrow!r} is a kind of {broad!r} (ends with it)"
    if agree:
        note += "; hierarchy agrees"
    added = len(match_tokens(narrow)) - len(match_tokens(broad))
    confidence = max(0.55, 0.75 - 0.05 * max(0, added - 1)) + (0.05 if agree else 0.0)
    return Mapping(sub, predicate, obj, "LexicalMatching", round(confidence, 2), note, "containment")


def mapping_iri(m: Mapping) -> NamedNode:
    """``mapping/<hash>``: a stable IRI from subject, predicate and object."""
    digest = hashlib.sha256(f"{m.subject.iri} {m.predicate} {m.object.iri}".encode()).hexdigest()[:16]
    return mint("mapping", digest)


def to_triples(m: Mapping) -> Iterator[Triple]:
    """The SSSOM mapping node of one mapping (an owl:Axiom reifying the SKOS triple, see
    docs/decisions/0019-standard-vocabularies.md) and the SKOS triple itself (pure)."""
    node, sub, obj = mapping_iri(m), NamedNode(m.subject.iri), NamedNode(m.object.iri)
    yield node, RDF.type, MAPPING
    yield node, RDFS.label, Literal(f"{m.subject.curie} {m.predicate} {m.object.curie}")
    yield node, MAPPING_SUBJECT, sub
    yield node, MAPPING_OBJECT, obj
    yield node, MAPPING_PREDICATE, m.predicate_iri
    yield node, JUSTIFICATION, m.justification_iri
    yield node, CONFIDENCE, Literal(f"{m.confidence:.2f}", datatype=XSD.decimal)
    yield node, RATIONALE, Literal(m.matched_on)
    if m.reviewer:
        yield node, REVIEWER, Literal(m.reviewer)
    yield sub, m.predicate_iri, obj


# --- the "mappings" source: computed rules, haematological scope, curated rows, SSSOM export ------

#: OncoTree tissues of blood cancers: outside EURACAN's scope (ERN EuroBloodNet), so not mapped
HAEMATOLOGICAL_TISSUES = frozenset({"Lymphoid", "Myeloid"})
#: Orphanet 68347 "Tumor of hematopoietic and lymphoid tissues": its descendants are not mapped either
HAEMATOLOGICAL_ORPHA = "68347"


def solid_only(subjects: Iterable[MappableEntity], objects: Iterable[MappableEntity], haem_subjects: set[str]
               ) -> tuple[list[MappableEntity], list[MappableEntity], int]:
    """``subjects`` less those whose IRI is in ``haem_subjects``, ``objects`` less Orphanet's
    haematological branch (68347 and below); and how many entities were left out."""
    subs, objs = list(subjects), list(objects)
    by_iri = {o.iri: o for o in objs}
    haem_root = next((o.iri for o in objs if o.curie == f"ORPHA:{HAEMATOLOGICAL_ORPHA}"), None)
    keep_subs = [s for s in subs if s.iri not in haem_subjects]
    keep_objs = [o for o in objs if o.iri != haem_root and haem_root not in _ancestors(o, by_iri)]
    return keep_subs, keep_objs, len(subs) - len(keep_subs) + len(objs) - len(keep_objs)


def compute(data_dir: Path, report: LoadReport | None = None, curated: Path | None = None) -> list[Mapping]:
    """The mappings between the compiled OncoTree and Orphanet sources under ``data_dir``: the rules
    on solid tumour entities, then the reviewed rows of ``curated`` (default: the committed
    :data:`loaders.mapping_sssom.CURATED`) in place of every computed row of their subjects.

    Records the input files and the two source versions on ``report`` when given. Raises DataError
    (from the two loaders) if either compiled source is missing or malformed, or if a curated row
    names a code or label that the sources lack.
    """
    from loaders import mapping_sssom, oncotree, orphanet  # the two sources this one is derived from

    release, nodes = oncotree.read_compiled(data_dir)
    haem = {oncotree.entity_iri(n.code).value for n in nodes if n.tissue in HAEMATOLOGICAL_TISSUES}
    subs, objs, dropped = solid_only(oncotree.mappable(data_dir), orphanet.mappable(data_dir), haem)
    computed = map_entities(subs, objs)
    reviewed = mapping_sssom.read_curated(curated or mapping_sssom.CURATED, subs, objs)
    mappings = mapping_sssom.apply_curated(computed, reviewed)
    if report is not None:
        report.version = f"{release.version} x orphanet {orphanet.read_compiled(data_dir).release.version}"
        report.files.append(data_dir / oncotree.SOURCE.name / oncotree.COMPILED_FILE)
        report.files.extend(sorted((data_dir / "orphanet").glob("*.jsonl")))
        report.files.append(curated or mapping_sssom.CURATED)
        report.counts.update(f"{m.rule}:{m.predicate}" for m in mappings)
        report.counts["haematological_entities_left_out"] = dropped
    return mappings


def compile(raw_dir: Path, data_dir: Path, report: LoadReport) -> Path:
    """Write ``data_dir/mappings/oncotree_orphanet.sssom.tsv`` from the compiled sources (with
    sssom-py) and validate it; returns its path.

    ``raw_dir`` is not read: the mappings derive from the two compiled sources and the curated rows.
    Raises DataError as :func:`compute`, or if sssom-py finds the written file invalid.
    """
    from loaders import mapping_sssom, oncotree, orphanet

    out = data_dir / SOURCE.name / SSSOM_FILE
    mappings = compute(data_dir, report)
    versions = (oncotree.read_compiled(data_dir)[0].version, orphanet.read_compiled(data_dir).release)
    report.counts["rows"] = mapping_sssom.export_sssom(mappings, out, *versions)
    mapping_sssom.validate_sssom(out)
    return out


def load(data_dir: Path, report: LoadReport) -> Iterator[Triple]:
    """The triples of every mapping, computed afresh (deterministically) from the compiled sources."""
    for m in compute(data_dir, report):
        report.counts["mappings"] += 1
        for triple in to_triples(m):
            report.counts["triples"] += 1
            yield triple

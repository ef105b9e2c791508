"""The "links" source: trials and publications linked to cancer entities and molecular alterations.

Derived from the compiled evidence, Orphanet, OncoTree and subgroup sources (read through their
loaders, never a store). For each record it yields

* ``trial rkg:studiesEntity entity`` / ``publication rkg:topicEntity entity`` (see :mod:`loaders.link.conditions`),
* for every text of a record (condition, condition MeSH term, keyword, MeSH heading) and every entity it
  links to, a ``rkg:ConditionLink`` node (``link/<kind>/<id>/text/<hash>/<target>``), an SSSOM mapping in
  SSSOM's RDF form (``owl:Axiom`` with ``owl:annotatedSource`` the record, ``owl:annotatedProperty``
  ``rkg:studiesEntity``/``rkg:topicEntity``, ``owl:annotatedTarget`` the entity), ``rkg:linkField``,
  ``sssom:curation_rule_text`` (the rule), ``sssom:subject_label`` (the text), ``sssom:match_string``,
  ``sssom:confidence`` and ``sssom:mapping_justification`` (a semapv IRI);
* ``trial rkg:eligibleAlteration alteration`` for every non-negated, resolved mention in the title,
  keywords, conditions or inclusion criteria (see :mod:`loaders.link.alterations`),
* for each, a node (``link/<kind>/<id>/<target>``) that explains it: an ``owl:Axiom`` (the best text
  per entity, formerly typed EntityLink) or an ``rkg:AlterationLink`` ``owl:Axiom``, with
  ``owl:annotatedSource``/``annotatedProperty``/``annotatedTarget``, ``sssom:curation_rule_text``,
  ``rkg:linkField``, ``sssom:match_string`` (the text) and ``sssom:confidence``;
* the entity side of provider evidence: ``evidence/trial/<id>/<provider>`` (and
  ``evidence/publication/<pmid>/<provider>``) ``rkg:aboutEntity`` each entity of the record, for every
  provider that :func:`provider_evidence` finds (the site/affiliation resolver of ``loaders.institutions``).

Unmatched terms and unresolved mentions go to the load report as warnings with counts; a code of no
known form (a malformed MeSH id) is reported once, with the first record that gave it.
"""

from __future__ import annotations

import hashlib
import importlib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from pyoxigraph import Literal, NamedNode

from kg.core.records import BuildContext, LoadReport, SourceInfo, Triple
from kg.core.vocab import (
    BASE,
    CONFIDENCE,
    JUSTIFICATION,
    MAPPING,
    MAPPING_OBJECT,
    MAPPING_PREDICATE,
    MAPPING_SUBJECT,
    MATCH_STRING,
    RDF,
    RDFS,
    RKG,
    RULE,
    SUBJECT_LABEL,
    XSD,
    mint,
)
from loaders import evidence, subgroups
from loaders.link.alterations import Mention, Vocabulary, detect
from loaders.link.conditions import RecordLinks, link_records
from loaders.link.conditions_names import ConditionIndex
from loaders.link.terms import EntityLink, publication_terms, trial_terms
from loaders.mapping import SEMAPV
from loaders.pubmed import Publication, publication_iri
from loaders.trials import Trial, trial_iri

SOURCE = SourceInfo(
    name="links",
    title="Trial and publication links to cancer entities and molecular alterations (rarekg)",
    license="CC-BY-4.0",
    attribution=("rarekg links computed from ClinicalTrials.gov / PubMed records (NLM), Orphanet (INSERM, "
                 "CC BY 4.0), OncoTree (MSK, CC BY 4.0) and rarekg's curated subgroups"),
    homepage="https://w3id.org/rarekg/",
    license_url="https://creativecommons.org/licenses/by/4.0/",
)
#: how many unmatched terms the load report names (the rest are counted)
REPORTED_UNMATCHED = 20
#: the semapv justification of each condition rule (loaders.link.conditions, loaders.link.terms)
JUSTIFICATIONS = {"xref": "DatabaseCrossReference", "mesh-id": "DatabaseCrossReference",
                  "spelling": "LexicalSimilarityThresholdMatching", "similar": "LexicalSimilarityThresholdMatching",
                  "trial-context": "BackgroundKnowledgeBasedMatching", "broader": "StructuralMatching",
                  "narrower": "StructuralMatching",
                  # an OncoTree match carried to Orphanet through the graph's own OncoTree -> Orphanet mappings
                  "mapped": "MappingChaining"}


def entity_local(iri: str) -> str:
    """``https://w3id.org/rarekg/entity/orpha/44890`` -> ``orpha/44890``."""
    return iri[len(BASE + "entity/"):]


def subject_iri(kind: str, subject_id: str) -> NamedNode:
    return mint("trial", subject_id) if kind == "trial" else publication_iri(subject_id)


def entity_link_triples(link: EntityLink) -> Iterator[Triple]:
    """The link triple and its explaining node, the best text per entity (pure): an SSSOM mapping
    (``owl:Axiom``) of the link triple, not typed ``rkg:ConditionLink``."""
    subj = subject_iri(link.subject_kind, link.subject_id)
    ent = NamedNode(link.match.entity.iri)
    prop = RKG.studiesEntity if link.subject_kind == "trial" else RKG.topicEntity
    yield subj, prop, ent
    node = mint("link", f"{link.subject_kind}/{link.subject_id}/entity/{entity_local(ent.value)}")
    yield node, RDF.type, MAPPING
    yield node, RDFS.label, Literal(f"{link.subject_kind} {link.subject_id} -> {link.match.entity.curie}")
    yield from _reified(node, subj, prop, ent)
    yield from _explanation(node, link.match.rule, link.term.field, link.term.text, link.match.score)


def condition_link_triples(link: EntityLink) -> Iterator[Triple]:
    """The ``rkg:ConditionLink`` node of one text of a record and one entity (pure)."""
    subj = subject_iri(link.subject_kind, link.subject_id)
    ent = NamedNode(link.match.entity.iri)
    digest = hashlib.sha256(f"{link.term.field}\n{link.term.text}".encode()).hexdigest()[:16]
    node = mint("link", f"{link.subject_kind}/{link.subject_id}/text/{digest}/{entity_local(ent.value)}")
    yield node, RDF.type, RKG.ConditionLink
    yield node, RDF.type, MAPPING
    yield node, RDFS.label, Literal(f"{link.subject_kind} {link.subject_id} {link.term.field} "
                                    f"{link.term.text!r} -> {link.match.entity.curie}")
    yield from _reified(node, subj, RKG.studiesEntity if link.subject_kind == "trial" else RKG.topicEntity, ent)
    yield node, RKG.linkField, Literal(link.term.field)
    yield node, RULE, Literal(link.match.rule)
    yield node, SUBJECT_LABEL, Literal(link.term.text)
    yield node, MATCH_STRING, Literal(link.match.matched)
    yield node, CONFIDENCE, Literal(f"{link.match.score:.2f}", datatype=XSD.decimal)
    yield node, JUSTIFICATION, NamedNode(SEMAPV + JUSTIFICATIONS.get(link.match.rule, "LexicalMatching"))


def _reified(node: NamedNode, subj: NamedNode, prop: NamedNode, target: NamedNode) -> Iterator[Triple]:
    """The SSSOM (OWL axiom annotation) form of ``subj prop target`` on ``node``."""
    yield node, MAPPING_SUBJECT, subj
    yield node, MAPPING_PREDICATE, prop
    yield node, MAPPING_OBJECT, target


def _explanation(node: NamedNode, rule: str, field: str, text: str, score: float) -> Iterator[Triple]:
    yield node, RULE, Literal(rule)
    yield node, RKG.linkField, Literal(field)
    yield node, MATCH_STRING, Literal(text)
    yield node, CONFIDENCE, Literal(f"{score:.2f}", datatype=XSD.decimal)


def trial_texts(trial: Trial) -> list[tuple[str, str]]:
    """(field, text) of a trial searched for alteration mentions: titles, keywords, conditions, eligibility."""
    texts = [("title", t) for t in (trial.brief_title, trial.official_title, trial.acronym) if t]
    texts += [("keyword", k) for k in trial.keywords] + [("condition", c) for c in trial.conditions]
    return texts + ([("eligibility", trial.eligibility)] if trial.eligibility else [])


def trial_mentions(trial: Trial, vocab: Vocabulary) -> list[tuple[str, Mention]]:
    """(field, mention) for every mention in a trial's texts, negated ones included."""
    return [(field, m) for field, text in trial_texts(trial)
            for m in detect(text, vocab, eligibility=field == "eligibility")]


def alteration_triples(trial: Trial, mentions: list[tuple[str, Mention]]) -> Iterator[Triple]:
    """``rkg:eligibleAlteration`` and its ``rkg:AlterationLink`` for each resolved, non-negated mention
    (the best-scoring one per alteration class)."""
    best: dict[str, tuple[str, Mention]] = {}
    for field, m in mentions:
        if m.alteration_id and not m.negated and (m.alteration_id not in best or m.score > best[m.alteration_id][1].score):
            best[m.alteration_id] = (field, m)
    subj = trial_iri(trial)
    for alt_id in sorted(best):
        field, m = best[alt_id]
        alt = subgroups.alteration_iri(alt_id)
        node = mint("link", f"trial/{trial.canonical_id}/alteration/{alt_id}")
        yield subj, RKG.eligibleAlteration, alt
        yield node, RDF.type, RKG.AlterationLink
        yield node, RDF.type, MAPPING
        yield node, RDFS.label, Literal(f"trial {trial.canonical_id} -> alteration {alt_id}")
        yield from _reified(node, subj, RKG.eligibleAlteration, alt)
        yield from _explanation(node, f"{m.pattern}:{m.rule}", field, m.text, m.score)


def provider_evidence(data_dir: Path, extra_dirs: Sequence[Path] = (), context: BuildContext | None = None
                      ) -> dict[str, set[NamedNode]] | None:
    """The provider-evidence IRIs of each record (``trial/<id>`` / ``publication/<pmid>``), from the
    site and affiliation resolver (``loaders.institutions.resolve_default`` and its ``evidence_iri``,
    so the IRIs are the ones that source emits; with the build's ``context``, the resolution that
    source made). None while that resolver does not exist.
    """
    try:
        inst = importlib.import_module("loaders.institutions")
    except ModuleNotFoundError:
        return None
    resolve, evidence_iri = getattr(inst, "resolve_default", None), getattr(inst, "evidence_iri", None)
    if resolve is None or evidence_iri is None:
        return None
    out: dict[str, set[NamedNode]] = {}
    for link in resolve(data_dir, None, extra_dirs, context=context)[1]:
        if link.resolution.status == "resolved" and link.resolution.institution:
            kind = "trial" if link.kind == "site" else "publication"
            out.setdefault(f"{kind}/{link.record}", set()).add(evidence_iri(link))
    return out


def evidence_entity_triples(links: Iterable[EntityLink], evidence_by_record: dict[str, set[NamedNode]]) -> Iterator[Triple]:
    """``evidence rkg:aboutEntity entity`` for each linked entity of a record and each of its provider-evidence nodes."""
    for link in links:
        for node in sorted(evidence_by_record.get(f"{link.subject_kind}/{link.subject_id}", ()), key=lambda n: n.value):
            yield node, RKG.aboutEntity, NamedNode(link.match.entity.iri)


def records_triples(found: list[Trial], pubs: list[Publication], data_dir: Path,
                    report: LoadReport, extra_dirs: Sequence[Path] = (),
                    context: BuildContext | None = None) -> Iterator[Triple]:
    """Every link triple of the records, counting links and reporting unmatched terms on ``report``;
    ``extra_dirs`` are the evidence folders the records came from (for the provider-evidence nodes,
    resolved in ``context``, the build's)."""
    result = link_conditions(found, pubs, ConditionIndex.from_data(data_dir))
    for link in result.links:
        report.counts[f"{link.subject_kind}-text-links"] += 1
        report.counts[f"rule:{link.match.rule}"] += 1
        yield from condition_link_triples(link)
    best = result.best_per_entity()
    for link in best:
        report.counts[f"{link.subject_kind}-entity-links"] += 1
        yield from entity_link_triples(link)
    report.counts["terms"] = result.terms
    report.counts["terms-unmatched"] = sum(result.unmatched.values())
    for term, n in sorted(result.unmatched.items(), key=lambda kv: (-kv[1], kv[0].casefold()))[:REPORTED_UNMATCHED]:
        report.warn("unmatched-term", f"{term!r} matched no entity ({n}x)", record=term)
    for code, record in sorted(result.unknown_codes.items()):
        report.warn("unknown-code", f"code {code!r} of {record} is of no known form (MeSH D-number, NCIT:, UMLS:, OMIM:)",
                    record=record)
    vocab = Vocabulary.from_data(data_dir)
    unresolved: Counter[str] = Counter()
    for trial in found:
        mentions = trial_mentions(trial, vocab)
        report.counts["alteration-mentions"] += len(mentions)
        report.counts["alteration-mentions-negated"] += sum(m.negated for _, m in mentions)
        unresolved.update(m.text for _, m in mentions if not m.alteration_id)
        for triple in alteration_triples(trial, mentions):
            report.counts["alteration-links"] += triple[1] == RKG.eligibleAlteration
            yield triple
    for text, n in sorted(unresolved.items(), key=lambda kv: (-kv[1], kv[0])):
        report.warn("unresolved-alteration", f"{text!r} names no curated alteration class ({n}x)", record=text)
    by_record = provider_evidence(data_dir, extra_dirs, context)
    if by_record is None:
        report.warn("no-site-resolver", "loaders.institutions not available: evidence nodes get no rkg:aboutEntity")
        return
    for triple in evidence_entity_triples(best, by_record):
        report.counts["evidence-entity"] += 1
        yield triple


def link_conditions(found: Iterable[Trial], pubs: Iterable[Publication], index: ConditionIndex) -> RecordLinks:
    """The per-text entity links of the trials (read with their brief titles) and publications."""
    records = [("trial", t.canonical_id, trial_terms(t), t.brief_title) for t in found]
    records += [("publication", p.pmid, publication_terms(p), p.title) for p in pubs]
    return link_records(records, index)


def load(data_dir: Path, report: LoadReport, *, extra_dirs: Sequence[Path] = (),
         context: BuildContext | None = None) -> Iterator[Triple]:
    """The link triples of the compiled default trials and publications and of the original-format files
    under ``extra_dirs``; DataError if a source is missing (see :func:`loaders.evidence.read_evidence`).
    Record problems of the evidence files are the evidence source's to report, not repeated here.
    ``context`` is the build's (a fresh one if None)."""
    context = BuildContext() if context is None else context
    scratch = LoadReport(evidence.SOURCE.name)
    release, found, pubs = evidence.read_evidence(data_dir, scratch, extra_dirs, context)
    report.version = release.version
    report.files.extend(scratch.files)
    report.files.extend(data_dir / subgroups.SOURCE.name / n for n in (subgroups.GENES_FILE, subgroups.ALTERATIONS_FILE))
    yield from records_triples(found, pubs, data_dir, report, extra_dirs, context)


#: The entity links of one trial (bind ?trial), with their explanation.
TRIAL_ENTITIES_QUERY = """
SELECT ?trial ?entity ?code ?rule ?field ?text ?score WHERE {
  ?trial rkg:studiesEntity ?entity .
  ?link a owl:Axiom ; owl:annotatedSource ?trial ; owl:annotatedProperty rkg:studiesEntity ; owl:annotatedTarget ?entity ;
        sssom:curation_rule_text ?rule ; rkg:linkField ?field ; sssom:match_string ?text ; sssom:confidence ?score .
  FILTER NOT EXISTS { ?link a rkg:ConditionLink }
  OPTIONAL { ?entity rkg:orphaCode ?orpha }
  OPTIONAL { ?entity rkg:oncotreeCode ?onco }
  BIND(COALESCE(CONCAT("ORPHA:", STR(?orpha)), CONCAT("oncotree:", STR(?onco))) AS ?code)
}
ORDER BY ?code
"""

#: Every text of one trial (bind ?trial) with each entity it links to: field, text, rule, justification, score.
TRIAL_CONDITION_LINKS_QUERY = """
SELECT ?trial ?field ?text ?entity ?code ?rule ?justification ?matched ?confidence WHERE {
  ?link a rkg:ConditionLink ; owl:annotatedSource ?trial ; owl:annotatedTarget ?entity ; rkg:linkField ?field ;
        sssom:curation_rule_text ?rule ; sssom:subject_label ?text ; sssom:match_string ?matched ;
        sssom:confidence ?confidence ; sssom:mapping_justification ?justification .
  OPTIONAL { ?entity rkg:orphaCode ?orpha }
  OPTIONAL { ?entity rkg:oncotreeCode ?onco }
  BIND(COALESCE(CONCAT("ORPHA:", STR(?orpha)), CONCAT("oncotree:", STR(?onco))) AS ?code)
}
ORDER BY ?field ?text ?code
"""

#: The subtypes a trial reaches through its eligible alterations (bind ?trial): every basket class
#: defined by that alteration, and every subgroup the reasoner filed under the basket (graph/inferred).
BASKET_SUBTYPES_QUERY = """
SELECT DISTINCT ?trial ?alteration ?basket ?subtype ?label WHERE {
  ?trial rkg:eligibleAlteration ?alteration .
  ?basket rkg:isBasket true ;
          owl:equivalentClass/owl:intersectionOf/rdf:rest*/rdf:first ?r .
  ?r owl:onProperty rkg:hasAlteration ; owl:someValuesFrom ?alteration .
  GRAPH <https://w3id.org/rarekg/graph/inferred> { ?subtype rdfs:subClassOf ?basket }
  ?subtype rdfs:label ?label .
}
ORDER BY ?subtype
"""

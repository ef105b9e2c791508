"""Condition linking: every condition, condition MeSH term and keyword of a record linked on its own.

Each text of a record gets its own links (:class:`kg.linking.EntityLink`: record, text, field, entity,
rule, score), so a link can be audited per condition. Two steps, each in its own module:

* :mod:`kg.link.conditions_match` matches one text by itself (labels, synonyms, cross-references,
  "X cancer" = "X carcinoma", former names shared across sources, misspellings, the nearest named node);
* :mod:`kg.link.conditions_context` reads generic terms (a family or an organ without a type) in their
  record, and lets a MeSH term or keyword take the links of the condition that says the same and more;
  a MeSH or keyword term never overrides a more specific condition.

The index they share (names, sites, families, hierarchy) is :mod:`kg.link.conditions_names`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from kg.link.conditions_context import (
    Generic,
    context,
    generic,
    more_specific,
    site_carcinoma,
    title_entities,
)
from kg.link.conditions_match import code_of, match_term, respelt, source_of
from kg.link.conditions_names import ConditionIndex, families_of, sites_of
from kg.linking import EntityLink, Match, Term, _dedupe
from kg.mapping import tokens

__all__ = ["RecordLinks", "link_record", "link_records", "match_term"]

@dataclass
class RecordLinks:
    """The per-text links of a set of records, unmatched texts and unknown codes (first record each)."""

    links: list[EntityLink] = field(default_factory=list)
    unmatched: Counter[str] = field(default_factory=Counter)
    unknown_codes: dict[str, str] = field(default_factory=dict)
    terms: int = 0

    def best_per_entity(self) -> list[EntityLink]:
        """One link per (record, entity): the best-scoring text, first on ties (the pre-#17 summary)."""
        best: dict[tuple[str, str, str], EntityLink] = {}
        for link in self.links:
            key = (link.subject_kind, link.subject_id, link.match.entity.iri)
            if key not in best or link.match.score > best[key].match.score:
                best[key] = link
        return [best[k] for k in sorted(best)]


def link_record(kind: str, subject_id: str, terms: Sequence[Term], title: str | None, index: ConditionIndex,
                result: RecordLinks, cache: dict[Term, list[Match]] | None = None) -> None:
    """Add the links of every text of one record to ``result`` (one per text and entity)."""
    cache = {} if cache is None else cache
    own: dict[Term, list[Match]] = {}
    for term in terms:
        if term not in cache:
            cache[term] = match_term(term, index)
        own[term] = cache[term]
        if term.mesh_id and code_of(term) is None:
            result.unknown_codes.setdefault(term.mesh_id, f"{kind} {subject_id}")
    kinds = {t: _generic(t.text, index) for t in terms}
    specific = [(t, own[t]) for t in terms if own[t] and (kinds[t] is None or kinds[t].sites)]
    named = title_entities(title, index)
    for term in terms:
        result.terms += 1
        g = kinds[term]
        if g is None:
            matches = own[term] or more_specific(term, own, terms, index)
        else:
            cancer = bool(g.sites) and not g.families and "cancer" in tokens(term.text)
            others = [(t, ms) for t, ms in specific if t != term] if cancer else specific
            mine = own[term]
            if cancer and any(g.sites & sites_of(t.text) and (fams := families_of(t.text)) and "carcinoma" not in fams
                              for t in terms if t != term):
                mine = []  # "Ovarian Cancer" beside "ovarian sarcoma": the record says it is no carcinoma
            matches = context(g, mine, others, named, index, cancer=cancer)
            if not any(source_of(m.entity) == "ORPHA" for m in matches):
                matches = list(matches) + site_carcinoma(term.text, g, index)
        if not matches:
            result.unmatched[term.text] += 1
        result.links += [EntityLink(kind, subject_id, term, m) for m in _dedupe(list(matches))]


def _generic(text: str, index: ConditionIndex) -> Generic | None:
    """What a generic term names, also when one of its words is misspelt ("Mesotelioma")."""
    found = generic(text)
    if found is None and (spelt := respelt(text, index)):
        found = generic(spelt)
    return found


def link_records(records: Iterable[tuple[str, str, Sequence[Term], str | None]], index: ConditionIndex) -> RecordLinks:
    """The per-text links of (kind, id, terms, title) records, sharing one cache of text matches."""
    result = RecordLinks()
    cache: dict[Term, list[Match]] = {}
    for kind, subject_id, terms, title in records:
        link_record(kind, subject_id, terms, title, index, result, cache)
    return result

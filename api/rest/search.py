"""Entity search and autocomplete over labels, synonyms and codes in every language present.

Each entity contributes its ``rdfs:label``, every ``skos:altLabel`` (any language tag), its own
code (``ORPHA:<n>``, the OncoTree code) and every ``oboInOwl:hasDbXref`` CURIE. Text is compared
case- and accent-folded. A match scores, best first: exact (100), prefix of the text (90), prefix
of a word (80), substring (70), then typo-tolerant similarity (rapidfuzz, at most 60). One best
match per entity; ties break on field (label, synonym, code, xref), shorter text, then id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph as ox
from rapidfuzz import fuzz, process

from api.rest.catalogue import Catalogue
from kg.core.text import plain
from kg.core.vocab import OBOINOWL, RDFS, RKG, SKOS

FIELD_ORDER = {"label": 0, "synonym": 1, "code": 2, "xref": 3}
_WORD = re.compile(r"[a-z0-9]+")


def fold(text: str) -> str:
    """Lower-case, accents removed, runs of spaces collapsed (``"Sarcome d'Ewing "`` → ``"sarcome d'ewing"``)."""
    return " ".join(plain(text).split())


@dataclass(frozen=True)
class Name:
    """One searchable text of an entity."""

    entity: str
    text: str
    field: str
    language: str | None
    folded: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class Match:
    entity: str
    name: Name
    score: float

    def order(self) -> tuple[float, int, int, str]:
        return (-self.score, FIELD_ORDER[self.name.field], len(self.name.text), self.entity)


def names(cat: Catalogue) -> list[Name]:
    """Every searchable text of every entity (kept on the snapshot)."""
    return cat.kept("names", lambda: _names(cat))


def _names(cat: Catalogue) -> list[Name]:
    from api.rest.views import entity_view
    out: list[Name] = []
    cat = entity_view(cat)
    for iri in cat.entities:
        for field, terms in (("label", cat.values(iri, RDFS.label)), ("synonym", cat.values(iri, SKOS.altLabel)),
                             ("xref", cat.values(iri, OBOINOWL.hasDbXref))):
            for term in terms:
                lang = term.language if isinstance(term, ox.Literal) and term.language else None
                out.append(_name(iri, term.value, field, lang))
        for code in cat.strings(iri, RKG.orphaCode):
            out.append(_name(iri, f"ORPHA:{code}", "code", None))
        for code in cat.strings(iri, RKG.oncotreeCode):
            out.append(_name(iri, code, "code", None))
    return out


def _name(entity: str, text: str, field: str, lang: str | None) -> Name:
    folded = fold(text)
    return Name(entity, text, field, lang, folded, tuple(_WORD.findall(folded)))


def search(cat: Catalogue, query: str) -> list[Match]:
    """Entities matching ``query``, best first (every match, the caller pages)."""
    q = fold(query)
    if not q:
        return []
    best: dict[str, Match] = {}
    every = names(cat)
    for name in every:
        score = _score(q, name)
        if score:
            _keep(best, Match(name.entity, name, score))
    if len(q) >= 4:
        _fuzzy(cat, q, every, best)
    return sorted(best.values(), key=Match.order)


def _score(q: str, name: Name) -> float:
    text = name.folded
    if text == q:
        return 100.0
    if text.startswith(q):
        return 90.0
    if any(w.startswith(q) for w in name.words) or (" " in q and f" {q}" in f" {text}"):
        return 80.0
    if q in text:
        return 70.0
    return 0.0


def _fuzzy(cat: Catalogue, q: str, every: list[Name], best: dict[str, Match]) -> None:
    """Typo-tolerant matches on labels and synonyms (only for entities not matched otherwise)."""
    wordy = cat.kept("wordy", lambda: [n for n in every if n.field in ("label", "synonym")])
    choices = [n.folded for n in wordy]
    for _, similarity, index in process.extract(q, choices, scorer=fuzz.WRatio, score_cutoff=86, limit=50):
        name = wordy[index]
        if name.entity not in best:
            _keep(best, Match(name.entity, name, round(similarity * 0.6, 1)))


def _keep(best: dict[str, Match], match: Match) -> None:
    held = best.get(match.entity)
    if held is None or match.order() < held.order():
        best[match.entity] = match

"""Condition linking, tolerant matching: misspelt words (rule ``spelling``) and whole names that differ by a
word break or a letter or two (rule ``similar``), with rapidfuzz; thresholds chosen on the development half.

Used by :mod:`loaders.link.conditions_match`, which tries these after the exact rules.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from kg.core.records import MappableEntity
from loaders.link.conditions_names import ConditionIndex, canonical_key, canonical_words, sites_of, squash
from loaders.link.terms import GENERIC, QUALIFIERS, Match
from loaders.mapping import tokens

#: the score of a ``similar`` match
SIMILAR_SCORE = 0.72
#: the rapidfuzz ratio from which a whole name, run together, is read as the text's (rule ``similar``).
#: Chosen on the development half (tests/gold/conditions_dev.tsv, every text scanned): with at most two
#: letters apart, every ratio from 80 to 90 adds no false link and 92 loses a right one; with three letters
#: apart, ratios below 90 link "Endometrial Cancer" to "Sarcoma of the corpus uteri" (see decision 0010)
SIMILAR_THRESHOLD = 90.0
#: and at most this many letters changed, added or dropped (word breaks aside)
SIMILAR_EDITS = 2
#: the rapidfuzz ratio from which a word is read as a misspelling of an entity-name word. Chosen on the
#: development half (tests/fixtures/condition_links_dev.tsv): every threshold from 70 to 90 gives the same
#: links there (one misspelling, "meningeoma" -> "meningioma", ratio 90; no false link down to 70), 92 and
#: above lose it; 85 is one changed letter in a word of seven letters or more (see docs/decisions/0010)
SPELLING_THRESHOLD = 85.0


def _source(ent: MappableEntity) -> str:
    return ent.curie.split(":", 1)[0]


def _unqualified(text: str) -> str:
    return " ".join(w for w in tokens(text) if w not in QUALIFIERS)


def respelt(text: str, index: ConditionIndex) -> str | None:
    """The text with each word unknown to the entity names replaced by the nearest known word sharing
    its first two letters (ratio >= SPELLING_THRESHOLD); None if no word changed."""
    changed, out = False, []
    for word in canonical_words(text):
        if len(word) >= 6 and word not in index.vocabulary.get(word[:2], ()):
            best = max(index.vocabulary.get(word[:2], ()), key=lambda w: (fuzz.ratio(word, w), w), default=None)
            if best and abs(len(best) - len(word)) <= 2 and fuzz.ratio(word, best) >= SPELLING_THRESHOLD:
                word, changed = best, True
        out.append(word)
    return " ".join(out) if changed else None


#: a numbered type ("type 2", "type IIA"), which a near name of another number does not share
_TYPE = re.compile(r"(?i)\btype\s*([0-9]+[a-z]?|i{1,3}[a-z]?|iv[a-z]?|v[a-z]?)\b")


#: a roman type number as the arabic one ("type I" is "type 1", one name written two ways)
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5"}


def _types(text: str) -> set[str]:
    """The numbered types a name says, in arabic numerals ("type IIA" -> "2a")."""
    out = set()
    for t in _TYPE.findall(text):
        t = t.lower()
        number = t.rstrip("abcdefghjklmnopqrstuwxyz") if not t[0].isdigit() else t
        if number in _ROMAN:
            t = _ROMAN[number] + t[len(number):]
        out.add(t)
    return out


def similar(text: str, index: ConditionIndex, threshold: float | None = None) -> list[Match]:
    """Rule ``similar``: the entity whose whole name, run together (:func:`squash`), is nearest to the text's
    (rapidfuzz ratio >= :data:`SIMILAR_THRESHOLD`, at most :data:`SIMILAR_EDITS` letters apart), one per source, at the site the text names and at no other
    ("Adrenal Cortical Carcinoma" = "Adrenocortical carcinoma"; "Choroidal Melanoma" = "Choroid melanoma")."""
    words = canonical_words(text, drop_malignant=True)
    if not canonical_key(text, True) or set(words) <= GENERIC | QUALIFIERS:
        return []
    cutoff = SIMILAR_THRESHOLD if threshold is None else threshold
    table = index.squashed()
    best: dict[str, tuple[float, dict[str, tuple[MappableEntity, str]]]] = {}
    for form in set(squash(_unqualified(text))):
        for choice, score, _ in process.extract(form, list(table), scorer=fuzz.ratio, score_cutoff=cutoff, limit=8):
            if Levenshtein.distance(form, choice) > SIMILAR_EDITS:
                continue  # a word more or less ("Pleomorphic Sarcoma" is no "Pleomorphic liposarcoma")
            for ent, name in table[choice]:
                if not index.informative(ent.iri):
                    continue  # never a "Rare … tumor" grouping by a near name
                if (_source(ent), canonical_key(name, True)) in index.benign and "malignant" not in tokens(text):
                    continue  # "Schwannoma" is no "Malignant schwannoma" where a "Benign schwannoma" exists
                if _types(name) != _types(text):
                    continue  # "neurofibromatosis type 2" is no "Neurofibromatosis type 1", one letter apart
                if sites_of(name) != sites_of(text) and not (sites_of(text) and index.at_site(ent.iri, sites_of(text))
                                                            and not sites_of(name) - sites_of(text)):
                    continue  # the name must be at the text's site, and name no other
                have = best.get(_source(ent), (0.0, {}))
                if score > have[0]:
                    best[_source(ent)] = (score, {ent.iri: (ent, name)})
                elif score == have[0]:
                    have[1].setdefault(ent.iri, (ent, name))
    out = []
    for _, cands in best.values():
        top = [i for i in cands if all(i == o or i in index.ancestors(o) for o in cands)]
        if len(top) == 1:
            ent, name = cands[top[0]]
            out.append(Match(ent, "similar", name, SIMILAR_SCORE))
    return out

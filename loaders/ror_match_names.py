"""How a curated provider row's names compare with a registry record's, for :mod:`loaders.ror_match`.

Folding (:func:`fold_name`, :func:`name_key`: case, accents, punctuation, a leading "the", French
CHU/CHRU/CHR/CH written out, word order ignored), the words of a name in every language without its
city (:func:`words_key`), a record's place against a row's (:func:`in_place`) and whether two names
name the same kind of institution (:func:`kind_fits`). Pure functions, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from kg.core import names as kg_names
from kg.core.text import fold
from loaders.link.registry_index import city_parts
from loaders.ror_dump import RorRecord

_FRENCH_HOSPITALS = {"chu": "centre hospitalier universitaire", "chru": "centre hospitalier regional universitaire",
                     "chr": "centre hospitalier regional", "ch": "centre hospitalier"}


def fold_name(name: str) -> str:
    """A name compared without case, accents, punctuation or a leading "the", with the French hospital
    abbreviations (CHU, CHRU, CHR, CH) that begin a name written out:
    ``"The Christie NHS Foundation Trust"`` -> ``"christie nhs foundation trust"``,
    ``"CHU de Rouen"`` -> ``"centre hospitalier universitaire de rouen"``."""
    folded = fold(name).removeprefix("the ").strip()
    head, _, rest = folded.partition(" ")
    return f"{_FRENCH_HOSPITALS[head]} {rest}".strip() if head in _FRENCH_HOSPITALS else folded


#: words that say which part of an institution a name means, never which institution
_PART_WORDS = frozenset({"campus", "location"})


def words_key(name: str, *cities: str) -> tuple[str, ...]:
    """The words of :func:`kg.core.names.normalise_name` without those of ``cities`` and :data:`_PART_WORDS`,
    sorted: ``words_key("Hôpital Pitié-Salpêtrière", "Paris")`` = ``('hospital', 'pitie', 'salpetriere')``."""
    strip = set(_PART_WORDS)
    for city in cities:
        for part in city_parts(city):
            strip |= kg_names.city_tokens(part)
    return tuple(sorted({w for w in kg_names.normalise_name(name).split() if not kg_names.is_city_word(w, strip)}))


def in_place(city: str, country: str, record: RorRecord) -> str | None:
    """How the record's locations agree with ``city`` in ``country``: "city" (the same city in any
    spelling, one name of a bilingual city included), "metro" (a suburb: :func:`kg.core.names.city_agreement`)
    or None."""
    found = {kg_names.city_agreement(city, part) for loc in record.locations if loc.country == country
             for part in city_parts(loc.city)}
    return "city" if "city" in found else "metro" if "metro" in found else None


#: kind words of one class for :func:`kind_fits`: the words a hospital's names vary in
_HOSPITAL_KINDS = frozenset({"hospital", "centre", "clinic", "institute", "medical", "general", "regional", "national",
                             "research", "azienda", "sanitaria", "health", "care", "healthcare", "hospitalier"})
_CANCER_KINDS = frozenset({"cancer", "oncology", "tumours"})


def _kinds(words: Iterable[str]) -> set[str]:
    return {"hospital" if w in _HOSPITAL_KINDS else "cancer" if w in _CANCER_KINDS else w
            for w in words if w in kg_names.GENERIC}


def kind_fits(words: tuple[str, ...], record: RorRecord) -> bool:
    """True if the row's name has kind words and they and those of one of the record's names differ at
    little (:func:`_kinds_differ_little`; a bare "Sainte Catherine" fits nothing): "Hôpital Henri Mondor" fits
    "Hôpitaux Universitaires Henri-Mondor", but neither "Medical University of South Carolina" its "Cancer
    Center" nor a children's hospital an adults' one."""
    own = _kinds(words)
    return bool(own) and any(_kinds_differ_little(own, _kinds(kg_names.normalise_name(n.value).split()))
                             for n in record.names if n.types != ("acronym",))


def _kinds_differ_little(own: set[str], other: set[str]) -> bool:
    """Two names' kinds differ at most by "hospital" and "university", or, when neither says university, by
    "hospital" and "cancer": a cancer hospital renamed a cancer centre ("Weston Park Hospital", "Weston Park
    Cancer Centre") is one institution, a university's cancer centre is not the university."""
    differ = own ^ other
    return differ <= {"hospital", "university"} or differ <= {"hospital", "cancer"} and "university" not in own | other


def name_key(name: str) -> str:
    """The key two names must share: the words of :func:`fold_name` in sorted order, so word order
    does not count ("Vall d'Hebron Hospital Universitari" = "Hospital Universitari Vall d'Hebron")."""
    return " ".join(sorted(fold_name(name).split()))


def is_acronym(name: str) -> bool:
    """True for a name written as an acronym ("UZA", "AP-HP")."""
    return bool(re.fullmatch(r"[A-Z0-9\-&.]{2,8}", name.strip()))

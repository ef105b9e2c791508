"""Resolving a trial site or affiliation to a Research Organization Registry record (step 2 of #16).

Pure functions over the :class:`loaders.link.registry_index.RegistryIndex` of
:func:`loaders.link.registry_index.build_index` (re-exported here). :func:`match` then decides, in order:

1. **name**: a segment of the site's text (or the whole) has exactly the words of a record's name,
   and the record is in the site's place: the same city in any spelling, a suburb the gazetteer puts
   within :data:`NEAR_KM` of it, or, when the registry has no record in the site's city and country,
   the same city in another country (a registry error such as Groningen filed under Denmark; the rule
   says ``country-disagrees``).
   The site's city is placed where the registry's records in that city are (their mean position), so
   no gazetteer is read at build time.
2. **distinctive words**: no exact name, but the distinctive words of one segment (not "hospital",
   "university" ...) equal those of exactly one healthcare record's name in that place
   ("Centre Hospitalier Lyon Sud" -> Hôpital Lyon Sud); failing that, **contained** (every distinctive
   word of a healthcare record's name in the segment, which has at most one more), then **extended** (a
   hospital's name with every word of the segment and one distinctive word more: :func:`_one_word_more`),
   then **typo** (a name
   whose words are the segment's but one, misspelt by one letter: :func:`_one_letter_off`). A segment that
   says hospital and names a university is the university's hospital (:func:`_hospital_of_named_university`);
   last, **initials** (medium confidence): a name translated from the registry's, whose initials are the
   acronym of exactly one hospital in the place (:func:`_by_initials`: "Institute of Oncology and Radiology
   of Serbia" = IORS).
3. **generic names** ("CHU", "University Hospital") never match by name; :func:`generic_unique`
   resolves one only when the site's city has exactly one record of that kind, or exactly one whose
   name is that kind and nothing more (medium confidence).

Among several records (decision 0012): inactive and withdrawn records are followed to their
successor; an inactive record without one (a closed hospital) loses to any active record; a parent
loses to its child and a group (a record with :data:`GROUP_CHILDREN` children or more) to any other record; a hospital (type healthcare) wins over a university; a hospital of a
French regional university hospital (CHU) is the CHU; the site's own city wins over a suburb; a
university is its university hospital when the registry links it to exactly one hospital of its city
(:func:`hospital_of_university`); a medical university it links to none is its city's one university
hospital, if the city has exactly one (rule ``...;university-hospital-in-city;confidence=medium``). Two records still standing make the match ambiguous: no answer,
both kept as candidates for review.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from kg.core import names
from loaders.link.registry_index import (
    GROUP_CHILDREN,
    SITE_TYPES,
    Organisation,
    RegistryIndex,
    Wanted,
    build_index,
    city_marked,
    city_parts,
    name_key,
    wanted,
)

__all__ = ["GROUP_CHILDREN", "SITE_TYPES", "Organisation", "RegistryIndex", "RegistryMatch", "Wanted", "build_index",
           "city_parts", "generic_unique", "match", "of_kind_in_city", "wanted"]

#: a site's city and a record this close (km, between the city's registry records and the record)
#: are one place: suburbs such as La Tronche (Grenoble) or Bois-Guillaume (Rouen)
NEAR_KM = 12.0
#: groups split by hospital (decision 0012); their hospitals are never folded into them
SPLIT_GROUPS = ("assistance publique", "hospices civils")


@dataclass(frozen=True)
class RegistryMatch:
    """A registry decision for one site: the record, the rule, a confidence and the matched text."""

    org: str
    rule: str
    score: float
    matched_text: str



def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(h))


class Place:
    """A site's city and country, and how a record's place agrees with it."""

    def __init__(self, index: RegistryIndex, city: str, country: str, text: str = "") -> None:
        self.city, self.country = city, country
        self.words = set(names.fold(text).split())
        canon = names.canonical_city(city)
        self.country_disagrees = False
        if (country, canon) not in index.by_city and index.countries_of_city.get(canon, set()) - {country}:
            others = index.countries_of_city[canon] - {country}
            if len(others) == 1:  # a registry error: the city exists in exactly one other country
                self.country, self.country_disagrees = next(iter(others)), True
        self.point = index.points.get((self.country, canon))

    def agreement(self, org: Organisation) -> str | None:
        """"city", "metro" (a suburb: known to :mod:`kg.core.names` or within :data:`NEAR_KM`), "named-city"
        (the site's text names the record's city: "CHU de Rouen" in Bois-Guillaume) or None."""
        if org.country != self.country or not self.city:
            return None
        found = {names.city_agreement(self.city, part) for part in city_parts(org.city)}
        how = "city" if "city" in found else "metro" if "metro" in found else None
        if how:
            return how
        if names.names_city(self.words, org.city):  # "CHU de Rouen" at a site in Bois-Guillaume: the text names the city
            return "named-city"
        if self.point and org.latitude is not None and org.longitude is not None \
                and _km(self.point, (org.latitude, org.longitude)) <= NEAR_KM:
            return "metro"
        return None


def _prefer(index: RegistryIndex, hits: dict[str, str]) -> list[str]:
    """The records left after decision 0012's preferences (``hits``: record -> place agreement)."""
    ids = set(hits)
    parents = {p for i in ids for p in index.orgs[i].parents}
    steps = [
        lambda s: {i for i in s if index.orgs[i].active},
        lambda s: {i for i in s if i not in parents},
        lambda s: {i for i in s if index.orgs[i].children < GROUP_CHILDREN},
        lambda s: {i for i in s if index.orgs[i].hospital},
        lambda s: {i for i in s if hits[i] == "city"},
    ]
    for step in steps:
        narrowed = step(ids)
        if narrowed:
            ids = narrowed
    return sorted(ids)


def chu_of(index: RegistryIndex, org_id: str) -> str:
    """The French regional university hospital (CHU) that a hospital record belongs to, or the record
    itself (decision 0012: a CHU is one institution; AP-HP, AP-HM and HCL are split by hospital)."""
    org = index.orgs[org_id]
    if org.country != "FR":
        return org_id
    for parent in org.parents:
        p = index.orgs.get(parent)
        if p is None or not p.hospital:
            continue
        words = names.normalise_name(p.name)
        if "university hospital" in words and not any(g in names.fold(p.name) for g in SPLIT_GROUPS):
            return parent
    return org_id


def hospital_of_university(index: RegistryIndex, org_id: str) -> str | None:
    """The university hospital of a university named as a site (decision 0012: a university, its faculty
    or a department of it, named as a trial site, is its university hospital): the one hospital (type
    healthcare) among the university's children and related records in its own city, leaving out a part
    of another of them (Würzburg's Comprehensive Cancer Center Mainfranken, a child of the university
    hospital); None for a record that is a hospital itself, or a university with none or several there."""
    org = index.orgs[org_id]
    if org.hospital or "education" not in org.types:
        return None
    found = {i for i in org.linked if i in index.orgs and index.orgs[i].hospital and index.orgs[i].active
             and index.orgs[i].country == org.country and names.city_agreement(index.orgs[i].city, org.city) == "city"}
    found -= {i for i in found if found & set(index.orgs[i].parents)}
    return found.pop() if len(found) == 1 else None


def _hospital_of_named_university(index: RegistryIndex, org: Organisation, key: tuple[str, ...]) -> str | None:
    """The hospital that a segment saying "hospital" names by its university: among the hospitals of the
    university's city that the registry links to it, the one whose name's words all occur in the segment
    ("Academisch Ziekenhuis der Vrije Universiteit Brussel" is the VUB's "Universitair Ziekenhuis Brussel", not
    its other hospitals), else its one hospital there (:func:`hospital_of_university`); None for a segment
    without "hospital" (a university is no match for a hospital's name otherwise)."""
    if "hospital" not in key or "education" not in org.types:
        return None
    words = set(key)
    linked = [i for i in org.linked if i in index.orgs and index.orgs[i].hospital and index.orgs[i].active
              and index.orgs[i].country == org.country
              and names.city_agreement(index.orgs[i].city, org.city) == "city"]
    named = {i for i in linked if any(set(k) - {"@" + names.canonical_city(index.orgs[i].city)} <= words
                                      for k in index.keys.get(i, ()))}
    if len(named) == 1:
        return named.pop()
    return hospital_of_university(index, org.id)


def _queries(text: str, strip: set[str], city: str = "") -> list[tuple[str, tuple[str, ...], bool]]:
    """(segment, key, key without the site's city words?) for the whole text and each segment. The
    key with the city's words ("university hospital groningen"), as written or with the site's city marked
    in its canonical spelling (:func:`loaders.link.registry_index.city_marked`), is only ever matched as a
    whole name."""
    segs = names.institution_segments(text)
    out = []
    for seg in dict.fromkeys([" ".join(segs), *segs]):
        stripped, full = name_key(seg, strip), name_key(seg, frozenset())
        marked = [city_marked(stripped, city)] if city and full != stripped else []
        out.extend((seg, key, key == stripped) for key in dict.fromkeys([stripped, full, *marked]) if key)
    return out


def _found(index: RegistryIndex, kind: str, key: tuple[str, ...]) -> set[str]:
    distinct = tuple(names.distinctive(key))
    if not distinct:
        return set()
    if kind == "name":
        return index.by_key.get(key, set())
    if kind == "distinctive-words":
        return index.by_distinct.get(distinct, set()) if len(key) > 1 else set()
    if kind == "typo":
        return _one_letter_off(index, key, distinct)
    if kind == "extended":
        return _one_word_more(index, key, distinct)
    # "contained": every distinctive word of one of the record's names is in the segment, which has at
    # most one more ("Universitair Medisch Centrum St Radboud"; not "Albert Einstein College of Medicine")
    rarest = min(distinct, key=lambda w: len(index.by_word.get(w, ())))
    words = set(distinct)
    return {i for i in index.by_word.get(rarest, ())
            if any(set(d) <= words and len(words) - len(set(d)) <= 1 for d in index.distinct_keys.get(i, ()))}


def _one_word_more(index: RegistryIndex, key: tuple[str, ...], distinct: tuple[str, ...]) -> set[str]:
    """Hospitals with a name that has every word of the segment, kind words included, and one distinctive word
    of five letters or more besides ("Hospital Universitario La Fe" is the "Hospital Universitario y Politécnico
    de La Fe"); the segment must say what kind it is (a bare "Bronx" is no "Bronx-Lebanon Hospital Center")."""
    words, out = set(key), set()
    if not words - set(distinct):
        return out
    rarest = min(distinct, key=lambda w: len(index.by_word.get(w, ())))
    for i in index.by_word.get(rarest, ()):
        if not index.orgs[i].hospital:
            continue
        for k in index.keys.get(i, ()):
            extra = set(k) - words
            if words < set(k) and len(extra) == 1 and names.distinctive(tuple(extra)) and len(next(iter(extra))) >= 5:
                out.add(i)
    return out


def _one_letter_off(index: RegistryIndex, key: tuple[str, ...], distinct: tuple[str, ...]) -> set[str]:
    """Records with a name whose words are the segment's but one, and that one differs by one letter in a
    word of five letters or more, not a number ("Ernst Moritz Armdt Universitaet" for "Ernst-Moritz-Arndt-
    Universität"); the segment needs two distinctive words, so one other word agrees exactly."""
    if len(distinct) < 2:
        return set()
    words, out = set(key), set()
    for word in distinct:
        for i in index.by_word.get(word, ()) if len(index.by_word.get(word, ())) <= _TYPO_FANOUT else ():
            for k in index.keys.get(i, ()):
                ours, theirs = words - set(k), set(k) - words
                if len(ours) == len(theirs) == 1:
                    a, b = next(iter(ours)), next(iter(theirs))
                    if min(len(a), len(b)) >= 5 and not (a.isdigit() or b.isdigit()) and Levenshtein.distance(a, b) == 1:
                        out.add(i)
    return out


#: a word that many records share ("saint") is no lead for a misspelt name
_TYPO_FANOUT = 200


def match(index: RegistryIndex, text: str, city: str, country: str, country_words: Iterable[str] = (),
          providers_only: bool = False) -> tuple[RegistryMatch | None, list[str]]:
    """The registry record of a site (or None) and the candidates in its place (for the review queue).
    ``providers_only`` (affiliations): only hospitals that are not also universities, since an author's
    university or medical school is no provider."""
    place = Place(index, city, country, text)
    queries = _queries(text, names.city_tokens(city) | set(country_words), city)
    seen: list[str] = []
    for kind, score in (("name", 0.95), ("distinctive-words", 0.85), ("contained", 0.8), ("extended", 0.75),
                        ("typo", 0.75)):
        hits: dict[str, str] = {}
        matched: dict[str, str] = {}
        for seg, key, stripped in queries:
            if not stripped and kind != "name":
                continue
            found = _found(index, kind, key)
            for i in sorted(found):
                how = place.agreement(index.orgs[i])
                if how and i not in seen:  # a candidate for review is in the site's place
                    seen.append(i)
                org = index.orgs[i]
                if providers_only and (not org.hospital or "education" in org.types):
                    continue
                if how and kind not in ("name", "typo") and not org.hospital:
                    i = _hospital_of_named_university(index, org, key) or ""
                if how and i:
                    hits[i] = "city" if "city" in (how, hits.get(i)) else how
                    matched.setdefault(i, seg)
        if not hits:
            continue
        chosen = _prefer(index, hits)
        if len(chosen) != 1:
            return None, chosen
        rule = f"{kind};{hits[chosen[0]]}" + (";country-disagrees" if place.country_disagrees else "")
        org_id = chosen[0]
        hospital = None if providers_only else hospital_of_university(index, org_id)
        if hospital is not None:
            org_id, rule = hospital, rule + ";university-hospital"
        elif not providers_only and _is_medical_university(index.orgs[org_id]):
            # a medical university the registry links to no hospital: its city's one university hospital
            # ("Medical University of Gdansk" -> Uniwersyteckie Centrum Kliniczne), medium confidence
            found = generic_unique(index, "University Hospital", city, country)
            if found is not None and index.orgs[found.org].hospital:
                return RegistryMatch(found.org, rule + ";university-hospital-in-city;confidence=medium", 0.6,
                                     matched[chosen[0]]), seen
        return RegistryMatch(chu_of(index, org_id), rule, score, matched[chosen[0]]), seen
    by_initials = _by_initials(index, place, text, providers_only)
    if by_initials is not None:
        return by_initials, seen
    return None, seen[:3]


#: a shorter acronym stands for too many names to be read from a name's initials
_INITIALS_MIN = 4


def _by_initials(index: RegistryIndex, place: Place, text: str, providers_only: bool) -> RegistryMatch | None:
    """A site whose name is a translation of a hospital's, read through the hospital's acronym: the initials of
    the segment's words (articles and prepositions left out) are an acronym the record declares
    ("Institute of Oncology and Radiology of Serbia" = IORS = "Institut za onkologiju i radiologiju Srbije").
    Only when no name matched, for four letters or more, and for exactly one hospital in the site's place
    (rule ``initials;<place>;confidence=medium``)."""
    for seg in names.institution_segments(text):
        words = [w for w in names.fold(seg).split() if w not in names.STOP]
        if len(words) < _INITIALS_MIN or not all(w.isalpha() for w in words):
            continue
        found = {i: how for i in index.acronyms.get("".join(w[0] for w in words), ())
                 if index.orgs[i].hospital and not (providers_only and "education" in index.orgs[i].types)
                 and (how := place.agreement(index.orgs[i]))}
        if len(found) == 1:
            (org_id, how), = found.items()
            disagrees = ";country-disagrees" if place.country_disagrees else ""
            return RegistryMatch(chu_of(index, org_id), f"initials;{how}{disagrees};confidence=medium", 0.6, seg)
    return None


#: kind words that qualify a kind without deciding it: tried without them when the whole kind finds
#: nothing ("Centre Hospital Regional Universitaire" is the city's university hospital)
_QUALIFIERS = frozenset({"regional", "centre"})


def generic_unique(index: RegistryIndex, text: str, city: str, country: str) -> RegistryMatch | None:
    """A generic name ("CHU", "University Hospital") resolved when the site's city has exactly one
    registry hospital whose name has all of its words: medium confidence, and the rule says so. The
    city is the site's city in any spelling, or a district or suburb written with or known to it
    (:func:`kg.core.names.city_agreement`: "Jerez" for "Jerez de la Frontera"), never a place near it only;
    when the whole kind finds no hospital, it is tried without :data:`_QUALIFIERS`; a university hospital
    in a city where the registry holds no university hospital (Graz; Innsbruck, where it holds the Tirol
    Kliniken group) is the city's one medical university, if any (:func:`_medical_university_in`, rule
    ``generic-medical-university-in-city``)."""
    kind = set(name_key(text, names.city_tokens(city)))
    if not kind or not city or names.distinctive(tuple(kind)):
        return None
    place = Place(index, city, country)
    in_city = _hospitals_in(index, place)
    for kind_words in dict.fromkeys([frozenset(kind), frozenset(kind - _QUALIFIERS if "hospital" in kind else kind)]):
        found = _unique_of_kind(index, in_city, set(kind_words))
        if found is not None:
            return RegistryMatch(chu_of(index, found), "generic-unique-in-city;confidence=medium", 0.6, text)
    if {"university", "hospital"} <= kind and not of_kind_in_city(index, "University Hospital", city, country):
        school = _medical_university_in(index, place)
        if school is not None:
            return RegistryMatch(school, "generic-medical-university-in-city;confidence=medium", 0.6, text)
    return None


def _is_medical_university(org: Organisation) -> bool:
    """An education record whose name says medical university or medical school."""
    return "education" in org.types and not org.hospital and any(
        {"medical", "university"} <= set(name.split()) or "medical school" in name
        for name in map(names.normalise_name, org.names))


def _medical_university_in(index: RegistryIndex, place: Place) -> str | None:
    """The one medical university (an education record whose name says medical university or medical
    school) of the site's city, when the registry holds no university hospital there: its clinics are the city's
    university hospital (decision 0012; Graz, Innsbruck, like Hannover's MHH)."""
    canon = names.canonical_city(place.city)
    found = {i for i in index.by_city.get((place.country, canon), ()) if _is_medical_university(index.orgs[i])}
    return found.pop() if len(found) == 1 else None


def of_kind_in_city(index: RegistryIndex, text: str, city: str, country: str) -> int:
    """How many registry hospitals of the site's city have every word of a generic name's kind."""
    kind = set(name_key(text, names.city_tokens(city)))
    hospitals = _hospitals_in(index, Place(index, city, country))
    return sum(1 for i in hospitals if any(kind <= set(k) for k in _keys(index, i)))


def _keys(index: RegistryIndex, org_id: str) -> list[tuple[str, ...]]:
    """The name keys of a record: those indexed, or, for a record of a place no site asked for (its names
    are not indexed), computed from its names."""
    return index.keys.get(org_id) or [k for n in index.orgs[org_id].names if (k := name_key(n, frozenset()))]


def _hospitals_in(index: RegistryIndex, place: Place) -> list[str]:
    """The hospitals of the site's city (its own spelling first; failing that, those of the places that
    :func:`kg.core.names.city_agreement` calls the same city or one of its districts or suburbs)."""
    canon = names.canonical_city(place.city)
    own = [i for i in index.by_city.get((place.country, canon), ()) if index.orgs[i].hospital]
    if own:
        return own
    return [i for (cc, other), ids in index.by_city.items() if cc == place.country and other != canon
            and names.city_agreement(place.city, other) for i in ids if index.orgs[i].hospital]


def _unique_of_kind(index: RegistryIndex, hospitals: list[str], kind: set[str]) -> str | None:
    found = {i for i in hospitals if any(kind <= set(k) for k in _keys(index, i))}
    found = set(_prefer(index, dict.fromkeys(found, "city"))) if found else found
    exact = {i for i in found if any(kind == set(k) for k in _keys(index, i))}
    if len(found) > 1 and len(exact) == 1:  # "University Hospital" in Basel: the one named exactly so
        found = exact
    return found.pop() if len(found) == 1 else None

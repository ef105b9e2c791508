"""The registry index of the site resolver (#16): which records can be a site, and their names by words.

:func:`build_index` keeps every record that can be a site (types healthcare, education, facility,
nonprofit, government, other: not companies, funders alone or archives) and indexes each of its names
in every language (display, labels, aliases, acronyms) by the normalised words of
:func:`kg.core.names.normalise_name`, with and without the words of the record's own city; inactive and
withdrawn records under their final successor. Matching a site against it is :mod:`loaders.link.registry`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from kg.core import names
from kg.core.records import LoadReport
from loaders.ror import RorRecord, successor_map

#: ROR types that can be the institution of a trial site or an author
SITE_TYPES = frozenset({"healthcare", "education", "facility", "nonprofit", "government", "other"})
#: a record with this many children is a group (AP-HP): any other matching record wins over it
GROUP_CHILDREN = 8


@dataclass(frozen=True)
class Organisation:
    """What the resolver keeps of a registry record."""

    id: str                          # https://ror.org/...
    name: str
    city: str
    country: str
    latitude: float | None
    longitude: float | None
    types: tuple[str, ...]
    parents: tuple[str, ...]
    children: int
    wikidata: str = ""
    names: tuple[str, ...] = ()      # display name, labels and aliases (not acronyms)
    linked: tuple[str, ...] = ()     # its children and related records
    active: bool = True              # False: an inactive record without a successor (a closed hospital)

    @property
    def hospital(self) -> bool:
        return "healthcare" in self.types


@dataclass
class RegistryIndex:
    """Registry records by the normalised words of their names, and by place."""

    orgs: dict[str, Organisation]
    by_key: dict[tuple[str, ...], set[str]] = field(default_factory=dict)
    by_distinct: dict[tuple[str, ...], set[str]] = field(default_factory=dict)
    keys: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)
    distinct_keys: dict[str, set[tuple[str, ...]]] = field(default_factory=dict)
    by_word: dict[str, set[str]] = field(default_factory=dict)
    #: a record's acronyms (folded, letters only: "iors") -> the records that declare it
    acronyms: dict[str, set[str]] = field(default_factory=dict)
    by_city: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    countries_of_city: dict[str, set[str]] = field(default_factory=dict)
    #: (country, canonical city) -> the mean position of the registry's records there (the city's place)
    points: dict[tuple[str, str], tuple[float, float]] = field(default_factory=dict)
    successors: dict[str, str] = field(default_factory=dict)


def city_marked(key: tuple[str, ...], city: str) -> tuple[str, ...]:
    """A name's words without its city's, with a mark of that city in its canonical spelling: a name that holds
    its city's name in any spelling ("Universität Würzburg", "Universitaet Wuerzburg") has one such key, so a
    site finds the record however it spells the city. The mark never counts as a distinctive word."""
    return tuple(sorted((*key, "@" + names.canonical_city(city))))


def name_key(text: str, strip: frozenset[str] | set[str]) -> tuple[str, ...]:
    """The sorted distinct words of :func:`kg.core.names.normalise_name` without those of ``strip`` and their
    inflected forms (:func:`kg.core.names.is_city_word`), umlauts written out read as umlauts
    (:func:`umlauts`)."""
    return tuple(sorted({umlauts(t) for t in names.normalise_name(text).split() if not names.is_city_word(t, strip)}))


def acronym_letters(text: str) -> str:
    """An acronym's letters, folded ("I.O.R.S." -> "iors", "AP-HM" -> "aphm"); "" for a text of several words
    ("CHU Montpellier") or with anything but letters, dots and hyphens."""
    if " " in text.strip():
        return ""
    folded = names.fold(text).replace(" ", "")
    return folded if folded.isalpha() else ""


_WRITTEN_OUT = re.compile(r"ue|ae|oe")


def umlauts(word: str) -> str:
    """A folded word with German umlauts written out (ä = ae, ö = oe, ü = ue) read as the folded umlaut, so
    "Klinikum Nuernberg Sued" has the words of "Klinikum Nürnberg Süd": ``"sued"`` -> ``"sud"``. Applied
    to every name of the registry and every site on the same terms, it only ever makes two spellings one."""
    return _WRITTEN_OUT.sub(lambda m: m.group(0)[0], word) if len(word) > 3 else word


@dataclass(frozen=True)
class Wanted:
    """The places a set of sites can agree with: their cities (canonical) and every word of their texts
    (a record whose city is named in a site's text, "CHU de Rouen" at Bois-Guillaume, is wanted too).
    Only the names of records in wanted places are indexed: at the full registry's size, normalising
    every name costs more than resolving every site."""

    cities: frozenset[str]
    words: frozenset[str]

    def __contains__(self, city: str) -> bool:
        for part in city_parts(city):
            canon = names.canonical_city(part)
            if canon in self.cities or bool(canon) and set(canon.split()) <= self.words:
                return True
        return False


def city_parts(city: str) -> list[str]:
    """A registry city and, when it is written in two languages, each of its names:
    ``"Donostia / San Sebastian"`` -> ``["Donostia / San Sebastian", "Donostia", "San Sebastian"]``."""
    parts = [p.strip() for p in (city or "").split("/") if p.strip()]
    return [city, *parts] if len(parts) > 1 else [city]


def wanted(places: Iterable[tuple[str, str]]) -> Wanted:
    """The :class:`Wanted` places of ``(text, city)`` pairs."""
    cities: set[str] = set()
    words: set[str] = set()
    for text, city in places:
        canon = names.canonical_city(city or "")
        cities.add(names.METRO.get(canon, canon))
        cities.add(canon)
        words.update(names.fold(text or "").split())
    return Wanted(frozenset(cities - {""}), frozenset(words))


def build_index(records: Iterable[RorRecord], report: LoadReport | None = None,
                places: Wanted | None = None) -> RegistryIndex:
    """The index of ``records`` (see the module docstring); with ``places``, only the names of records
    in those places are indexed (every record still counts for places, parents and successors).
    Inactive or withdrawn records index their names under their final successor
    (:func:`loaders.ror.successor_map`); an inactive record without one, under itself (a closed hospital
    that an old trial names; any active record matching as well wins over it: :func:`loaders.link.registry.match`);
    an active record that names a successor under it
    (:func:`_renamed_active`); a successor loop raises :class:`kg.core.errors.DataError` as that
    function does, or, with ``report``, is recorded there and its records are not followed."""
    records = list(records)
    successors = successor_map(records, report)
    index = RegistryIndex({}, successors=successors)
    kept = [r for r in records if set(r.types) & SITE_TYPES and r.locations]
    for r in kept:
        if r.status == "active" or r.status == "inactive" and not r.related("successor"):
            loc = r.locations[0]
            wikidata = next((v for k, v in r.external_ids if k == "wikidata"), "")
            index.orgs[r.id] = Organisation(r.id, r.display, loc.city, loc.country, loc.latitude, loc.longitude,
                                            r.types, r.related("parent"), len(r.related("child")), wikidata,
                                            tuple(n.value for n in r.names if "acronym" not in n.types),
                                            (*r.related("child"), *r.related("related")), r.status == "active")
    renamed = _renamed_active(index, kept)
    for r in kept:
        target = renamed.get(r.id, r.id) if r.status == "active" else successors.get(r.id, r.id if r.id in index.orgs else "")
        if target not in index.orgs or places is not None and index.orgs[target].city not in places \
                and r.locations[0].city not in places:
            continue
        strip = frozenset(w for part in city_parts(r.locations[0].city) for w in names.city_tokens(part))
        for n in r.names:
            if "acronym" in n.types and (letters := acronym_letters(n.value)):
                index.acronyms.setdefault(letters, set()).add(target)
            stripped = name_key(n.value, strip)
            full = name_key(n.value, frozenset())
            marked = {city_marked(stripped, part) for part in city_parts(r.locations[0].city)} if full != stripped else set()
            for key in {stripped, full, *marked}:  # with and without its city's words, and its city in any spelling
                if not key:
                    continue
                index.by_key.setdefault(key, set()).add(target)
                index.keys.setdefault(target, []).append(key)
                distinct = tuple(names.distinctive(key))
                if distinct and key == stripped:  # a city's name alone never matches by its words
                    index.by_distinct.setdefault(distinct, set()).add(target)
                    index.distinct_keys.setdefault(target, set()).add(distinct)
                    for word in distinct:
                        index.by_word.setdefault(word, set()).add(target)
    sums: dict[tuple[str, str], list[float]] = {}
    for org in index.orgs.values():
        if not org.active:  # a closed hospital names no place and counts for no city's kinds
            continue
        for city in dict.fromkeys(names.canonical_city(part) for part in city_parts(org.city)):
            index.by_city.setdefault((org.country, city), []).append(org.id)
            index.countries_of_city.setdefault(city, set()).add(org.country)
            if org.latitude is not None and org.longitude is not None:
                acc = sums.setdefault((org.country, city), [0.0, 0.0, 0])
                acc[0], acc[1], acc[2] = acc[0] + org.latitude, acc[1] + org.longitude, acc[2] + 1
    index.points = {k: (lat / n, lon / n) for k, (lat, lon, n) in sums.items()}
    return index


def _renamed_active(index: RegistryIndex, records: list[RorRecord]) -> dict[str, str]:
    """Active records that name a successor anyway (the registry kept "Academisch Ziekenhuis Rotterdam"
    active beside its successor Erasmus MC): record -> that successor, when it is an active record of
    the same country that names no successor itself (one step, so no loop can form). A renamed
    hospital is its successor (decision 0012)."""
    out = {}
    named = {r.id: r.related("successor") for r in records if r.status == "active" and r.related("successor")}
    for rid, following in named.items():
        nxt = following[0]
        if nxt in index.orgs and index.orgs[nxt].active and nxt not in named \
                and index.orgs[nxt].country == index.orgs[rid].country:
            out[rid] = nxt
    return out

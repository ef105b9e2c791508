"""Trial sites and affiliations resolved in three steps (#16), each link with its rule and confidence.

1. **curated**: :func:`loaders.link.curated.resolve` over the curated centres and institutions
   (rule ``curated:<rule>``).
2. **registry**: :func:`loaders.link.registry.match` (rule ``registry:<rule>``). A registry record that is
   itself a curated institution (one of its names resolves to a curated candidate in the record's
   city) is that curated node (rule ``registry:<rule>;curated``), so the curated node stays the
   one node of that hospital. A generic facility ("CHU", "University Hospital") resolves only when
   the city has exactly one registry hospital of that kind (``registry:generic-unique-in-city;
   confidence=medium``).
3. **open world**: :class:`loaders.link.open_world.OpenWorld` (rule ``open-world:name;city``, score
   :data:`OPEN_WORLD_SCORE`; the node is new or joined, by its key). A kind of hospital whose name
   holds its city ("Aalborg University Hospital", "Universitaetsklinikum Halle") is that city's one
   institution of the kind, not a generic name, when the registry holds none of that kind there:
   an open-world node too (rule ``open-world:kind-and-named-city;confidence=low``, score
   :data:`KIND_AND_CITY_SCORE`); with several of that kind there it stays generic.

A facility that names only departments, one of them a university's ("Katedra i Klinika Endokrynologii",
"University Department of Oncology"), is read as the generic "University Hospital" of its city, and stays
generic (rule ``generic:university-department``) when that finds none: a department makes no open-world node.

Generic and anonymous facilities stay ``generic``. A site whose country has no code (a former state:
"Former Yugoslavia") is placed in the one country where the registry has its city (rule suffix
``;country-from-city``); a site without a city, or whose city is in none or several countries, cannot
be placed and stays ``unresolved`` (rule ``no-place``), which the loader reports.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from kg.core import names
from loaders.link import curated
from loaders.link import registry as reg
from loaders.link.open_world import OpenWorld
from loaders.link.open_world import key as open_world_key

#: the confidence of a link to an open-world node (the name is the site's own; nothing confirms it)
OPEN_WORLD_SCORE = 0.5
#: the confidence of an open-world node named by a kind and its city ("Aalborg University Hospital")
KIND_AND_CITY_SCORE = 0.4
#: generic reasons that may still name a kind of hospital (not anonymous sites, sponsors, departments)
_KIND_REASONS = ("generic:generic-words",)


def registry_id(ror_iri: str) -> str:
    """The institution id of a registry record: ``ror-<local id>``."""
    return "ror-" + ror_iri.rsplit("/", 1)[-1]


@dataclass
class SiteResolver:
    """The three steps over one curated index and one registry index (None: no registry)."""

    index: curated.Index
    registry: reg.RegistryIndex | None = None
    open_world: OpenWorld = field(default_factory=OpenWorld)
    #: registry record -> curated candidate id ("" when it is none)
    bridged: dict[str, str] = field(default_factory=dict)
    #: registry records that links point to (their nodes are emitted)
    used_orgs: set[str] = field(default_factory=set)
    _curated: dict[tuple[object, ...], curated.Resolution] = field(default_factory=dict, repr=False)

    def resolve(self, text: str | None, city: str | None, country: str | None, *, sponsors: Iterable[str] = (),
                identifiers: Iterable[str] = (), country_words: Iterable[str] = (),
                open_world: bool = True) -> curated.Resolution:
        """The decision for one site or affiliation (see the module docstring). Never raises.

        ``open_world=False`` (affiliations) stops after the registry: an affiliation names schools,
        departments and universities that are no provider, and carries its postal address, so a node
        keyed by its words would be neither one institution nor a provider."""
        text, city, country = (text or "").strip(), (city or "").strip(), (country or "").strip().upper()
        if city and not country:  # "Former Yugoslavia": no country code, but the city has one country
            placed = self.country_of_city(city)
            if placed:
                res = self.resolve(text, city, placed, sponsors=sponsors, identifiers=identifiers,
                                   country_words=country_words, open_world=open_world)
                return replace(res, rule=res.rule + ";country-from-city") if res.rule else res
        words = tuple(sorted(country_words))
        first = self.curated(text, city, country, tuple(identifiers), words)
        if first.status == "resolved":
            return replace(first, rule="curated:" + first.rule)
        if first.status != "resolved" and names.is_university_department(text):
            # a university's department: its city's university hospital, or generic (a department is no institution)
            found = reg.generic_unique(self.registry, "University Hospital", city, country) \
                if self.registry is not None and city and country else None
            if found is not None:
                return self._registry(found, first)
            return curated.Resolution("generic", rule="generic:university-department", matched_text=text)
        if first.status == "generic":
            if first.rule in _KIND_REASONS and self.registry is not None and city and country:
                # the kind is the institution's words ("Universitätsklinik für Innere Medizin I": a university hospital)
                kind = " ".join(names.institution_segments(text)) or text
                found = reg.generic_unique(self.registry, kind, city, country)
                if found is not None:
                    return self._registry(found, first)
            return first
        if self.registry is not None and city and country:
            found, seen = reg.match(self.registry, text, city, country, words, providers_only=not open_world)
            if found is not None:
                return self._registry(found, first)
            first = replace(first, candidates=tuple(seen[:3]))
        if curated.generic_reason(text, city, sponsors) == "sponsor" and not _names_a_provider(text):
            return curated.Resolution("generic", rule="generic:sponsor", matched_text=text)
        if not open_world:
            return first
        if not city or not country:
            return replace(first, rule="no-place")
        k = open_world_key(text, city, country)
        if k is not None and not names.distinctive(k[0].split()):  # "University Medical Center Nijmegen"
            found = reg.generic_unique(self.registry, text, city, country) if self.registry is not None else None
            if found is not None:
                return self._registry(found, first)
            if not _names_its_city(text, city) or self.registry is not None \
                    and reg.of_kind_in_city(self.registry, text, city, country):
                return curated.Resolution("generic", rule="generic:type-and-city", matched_text=text)
            nid = self.open_world.node(text, city, country)  # "Aalborg University Hospital": its own name
            return replace(first, status="resolved", institution=nid, score=KIND_AND_CITY_SCORE,
                           rule="open-world:kind-and-named-city;confidence=low", matched_text=text)
        nid = self.open_world.node(text, city, country)
        if nid is None:
            return first
        return replace(first, status="resolved", institution=nid, score=OPEN_WORLD_SCORE,
                       rule="open-world:name;city", matched_text=text)

    def country_of_city(self, city: str) -> str:
        """The one country in which the registry has records in ``city`` (any spelling), or ""."""
        if self.registry is None:
            return ""
        countries = self.registry.countries_of_city.get(names.canonical_city(city), set())
        return next(iter(countries)) if len(countries) == 1 else ""

    def curated(self, text: str, city: str, country: str, identifiers: tuple[str, ...] = (),
                country_words: tuple[str, ...] = ()) -> curated.Resolution:
        """The curated step's answer (memoised: the loader asks it first for every question, to learn
        which places the registry index must hold, then again inside :meth:`resolve`)."""
        key = (text.strip(), city.strip(), country.strip().upper(), identifiers, country_words)
        if key not in self._curated:
            self._curated[key] = curated.resolve(self.index, *key[:3], identifiers=identifiers,
                                                 country_words=country_words)
        return self._curated[key]

    def _registry(self, found: reg.RegistryMatch, before: curated.Resolution) -> curated.Resolution:
        cid = self._bridge(found.org)
        rule = "registry:" + found.rule + (";curated" if cid else "")
        if not cid:
            cid = registry_id(found.org)
            self.used_orgs.add(found.org)
        return curated.Resolution("resolved", cid, found.score, rule, found.matched_text, cid, found.score, 1.0,
                                  candidates=before.candidates)

    def _bridge(self, org_id: str) -> str:
        """The curated candidate that a registry record is, or ""."""
        if org_id not in self.bridged:
            assert self.registry is not None
            org = self.registry.orgs[org_id]
            by_ror = self.index.by_ror.get(org_id.rsplit("/", 1)[-1].lower(), "")
            found = by_ror
            for name in () if found else (org.name, *org.names):
                answer = curated.resolve(self.index, name, org.city, org.country)
                if answer.status == "resolved" and answer.institution:
                    found = answer.institution
                    break
            self.bridged[org_id] = found
        return self.bridged[org_id]


def _names_its_city(text: str, city: str) -> bool:
    """True if the site's name itself holds the name of its city ("Aalborg University Hospital" in
    Aalborg), not only its city field ("University Hospital" in Basel)."""
    return bool(names.city_tokens(city) & set(names.fold(text).split()))


def _names_a_provider(text: str) -> bool:
    """True if a name says it is a hospital, clinic, university, institute or centre: a sponsor with such
    a name that runs a site of its own trial is that site's institution (a sponsoring hospital), while
    a sponsor's name without one (a company, a cooperative group) used as a site names no institution."""
    return not names.INSTITUTION_TYPES.isdisjoint(names.normalise_name(text).split())

"""The clinical-trial record model shared by every registry reader, cross-registry merging, and triples.

Readers (:mod:`loaders.ctgov`, :mod:`loaders.ctis`) turn original files into :class:`Trial`
records; :func:`merge_trials` joins records that share a registry id (NCT, EudraCT, CTIS), so a
trial registered twice becomes one node with both ids; :func:`to_triples` turns one merged record
into triples (pure).

Records keep what linking needs later: raw site facility, city, country (as registered and as an
ISO code), coordinates, the registry's organisation id, condition and keyword text and MeSH terms.

Merging (deterministic): records are grouped by shared registry ids (union-find). In a group the
*newest* record (latest ``last_update``, then registry preference v2 > legacy XML > CTIS, then file
name) gives every single-valued field it has; list fields are the ordered union over the group;
sites are the union with duplicates (same facility, city and country, folded) dropped. The
canonical id is an NCT id if any record has one, else the CTIS number, else the EudraCT number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from typing import ClassVar

import pycountry
from pyoxigraph import Literal, NamedNode

from kg.core import trial_status
from kg.core.records import Triple
from kg.core.text import fold
from kg.core.vocab import DCTERMS, GEO, RDF, RDFS, RKG, SCHEMA, XSD, mint

NCT_RE = re.compile(r"\bNCT\d{8}\b")
CTIS_RE = re.compile(r"\b(\d{4}-5\d{5}-\d{2}-\d{2})\b")
EUDRACT_RE = re.compile(r"\b((?:19|20)\d{2}-\d{6}-\d{2})\b(?!-\d)")
_REGISTRY_PREFERENCE = {"ctgov-v2": 0, "ctgov-legacy": 1, "ctis": 2}
_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august",
     "september", "october", "november", "december"], 1)}
#: country names the registries use that pycountry does not know by that spelling
_COUNTRY_ALIASES = {"korea, republic of": "KR", "russian federation": "RU", "iran, islamic republic of": "IR",
                    "czech republic": "CZ", "turkey": "TR", "taiwan": "TW", "macedonia": "MK"}


@dataclass(frozen=True)
class MeshTerm:
    """A MeSH term as a registry gives it; ``mesh_id`` ("D009447") only where the registry gives it."""

    term: str
    mesh_id: str | None = None


@dataclass(frozen=True)
class TrialSite:
    """One site as registered; ``country_code`` is ISO 3166-1 alpha-2 when the name resolves."""

    facility: str | None
    city: str | None = None
    country: str | None = None
    country_code: str | None = None
    state: str | None = None
    zip: str | None = None
    lat: float | None = None
    lon: float | None = None
    status: str | None = None
    org_id: str | None = None      # the registry's organisation id, e.g. CTIS "ORG-100043548"
    department: str | None = None


@dataclass(frozen=True)
class Trial:
    """One trial record from one registry file (or several, after :func:`merge_trials`)."""

    registry: str                  # "ctgov-v2" | "ctgov-legacy" | "ctis" (of the newest record after a merge)
    source_files: list[str]
    nct_ids: list[str] = field(default_factory=list)
    eudract_ids: list[str] = field(default_factory=list)
    ctis_ids: list[str] = field(default_factory=list)
    other_ids: list[str] = field(default_factory=list)   # sponsor protocol ids and other registries' ids
    brief_title: str | None = None
    official_title: str | None = None
    acronym: str | None = None
    overall_status: str | None = None
    status_date: str | None = None
    last_update: str | None = None
    phase: str | None = None
    study_type: str | None = None
    conditions: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    condition_mesh: list[MeshTerm] = field(default_factory=list)
    intervention_mesh: list[MeshTerm] = field(default_factory=list)
    interventions: list[str] = field(default_factory=list)
    eligibility: str | None = None
    sponsor: str | None = None
    collaborators: list[str] = field(default_factory=list)
    sites: list[TrialSite] = field(default_factory=list)
    start_date: str | None = None
    completion_date: str | None = None
    results_posted: bool | None = None
    reference_pmids: list[str] = field(default_factory=list)

    _nested: ClassVar[dict[str, type]] = {"condition_mesh": MeshTerm, "intervention_mesh": MeshTerm,
                                          "sites": TrialSite}

    @property
    def registry_ids(self) -> list[str]:
        return [*self.nct_ids, *self.ctis_ids, *self.eudract_ids]

    @property
    def canonical_id(self) -> str:
        """NCT if known, else CTIS, else EudraCT (ValueError if the record has no registry id)."""
        for ids in (self.nct_ids, self.ctis_ids, self.eudract_ids):
            if ids:
                return ids[0]
        raise ValueError("trial has no registry id")


# -- helpers the readers share ----------------------------------------------------------------------

def classify_ids(values: Iterable[str]) -> tuple[list[str], list[str], list[str], list[str]]:
    """Split id strings into (NCT, EudraCT, CTIS, other), each in first-seen order without repeats.

    ``"EUDRACT-2007-002257-23"`` gives EudraCT ``2007-002257-23``; a CTIS number is not also a EudraCT.
    """
    nct: list[str] = []
    eudract: list[str] = []
    ctis: list[str] = []
    other: list[str] = []
    for raw in values:
        value = (raw or "").strip()
        if not value:
            continue
        if m := NCT_RE.search(value):
            _add(nct, m.group(0))
        elif m := CTIS_RE.search(value):
            _add(ctis, m.group(1))
        elif m := EUDRACT_RE.search(value):
            _add(eudract, m.group(1))
        else:
            _add(other, value)
    return nct, eudract, ctis, other


def _add(items: list[str], value: str) -> None:
    if value not in items:
        items.append(value)


def unique(values: Iterable[str | None]) -> list[str]:
    """Non-empty stripped strings in first-seen order without repeats."""
    out: list[str] = []
    for v in values:
        if v and v.strip():
            _add(out, v.strip())
    return out


def iso_date(text: str | None) -> str | None:
    """"May 29, 2018" -> "2018-05-29", "January 2001" -> "2001-01", "29/01/2021" -> "2021-01-29";
    ISO dates ("2023-06", "2024-05-06T11:39") are cut to the date. None if not a date."""
    if not text:
        return None
    s = text.strip()
    if m := re.match(r"^(\d{4})(-\d{2})?(-\d{2})?", s):
        return "".join(g for g in m.groups() if g)
    if m := re.match(r"^(\d{2})/(\d{2})/(\d{4})$", s):
        return f"{m.group(3)}-{m.group(2)}-{m.group(1)}"
    if m := re.match(r"^([A-Za-z]+)\s+(?:(\d{1,2}),\s*)?(\d{4})$", s):
        month = _MONTHS.get(m.group(1).lower())
        if month is None:
            return None
        day = f"-{int(m.group(2)):02d}" if m.group(2) else ""
        return f"{m.group(3)}-{month:02d}{day}"
    return None


def country_code(name: str | None) -> str | None:
    """ISO 3166-1 alpha-2 code of a country name as registries write it, or None."""
    if not name:
        return None
    key = name.strip().lower()
    if key in _COUNTRY_ALIASES:
        return _COUNTRY_ALIASES[key]
    try:
        return str(pycountry.countries.lookup(name.strip()).alpha_2)
    except LookupError:
        try:
            return str(pycountry.countries.search_fuzzy(name.strip())[0].alpha_2)
        except LookupError:
            return None


# -- merging -----------------------------------------------------------------------------------------

def merge_trials(records: Iterable[Trial]) -> list[Trial]:
    """Records sharing any registry id merged into one (see the module docstring), sorted by canonical id.

    Records without a registry id cannot be merged or named; callers drop them before (readers report them).
    """
    recs = list(records)
    parent = list(range(len(recs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, rec in enumerate(recs):
        for rid in rec.registry_ids:
            if rid in owner:
                parent[find(i)] = find(owner[rid])
            else:
                owner[rid] = i
    groups: dict[int, list[Trial]] = {}
    for i, rec in enumerate(recs):
        groups.setdefault(find(i), []).append(rec)
    merged = [_merge_group(g) for g in groups.values()]
    return sorted(merged, key=lambda t: t.canonical_id)


def _recency_key(rec: Trial) -> tuple[str, int, str]:
    # newest first: invert the date by sorting descending on it, then by registry preference
    return (rec.last_update or "", -_REGISTRY_PREFERENCE.get(rec.registry, 9), "".join(rec.source_files))


def _merge_group(group: list[Trial]) -> Trial:
    if len(group) == 1:
        return group[0]
    ordered = sorted(group, key=_recency_key, reverse=True)
    values: dict[str, object] = {}
    for f in fields(Trial):
        if f.name == "sites":
            values["sites"] = _merge_sites(s for r in ordered for s in r.sites)
        elif f.name in ("condition_mesh", "intervention_mesh"):
            seen: list[MeshTerm] = []
            for r in ordered:
                seen.extend(m for m in getattr(r, f.name) if m not in seen)
            values[f.name] = seen
        elif isinstance(getattr(ordered[0], f.name), list):
            values[f.name] = unique(v for r in ordered for v in getattr(r, f.name))
        else:
            values[f.name] = next((getattr(r, f.name) for r in ordered if getattr(r, f.name) is not None), None)
    nct_main = sorted({r.nct_ids[0] for r in ordered if r.nct_ids})
    if nct_main:  # the canonical NCT is the smallest main id; aliases follow it
        values["nct_ids"] = [nct_main[0]] + [i for i in values["nct_ids"] if i != nct_main[0]]  # type: ignore[attr-defined]
    values["registry"] = ordered[0].registry
    return replace(ordered[0], **values)  # type: ignore[arg-type]


def _merge_sites(sites: Iterable[TrialSite]) -> list[TrialSite]:
    out: list[TrialSite] = []
    keys: set[tuple[str, str, str]] = set()
    for site in sites:
        key = (fold(site.facility), fold(site.city), site.country_code or fold(site.country))
        if key not in keys:
            keys.add(key)
            out.append(site)
    return out


# -- triples -----------------------------------------------------------------------------------------

def trial_iri(trial: Trial) -> NamedNode:
    """``trial/<canonical id>``."""
    return mint("trial", trial.canonical_id)


def date_literal(value: str) -> Literal:
    """An ISO date string as xsd:date, xsd:gYearMonth or xsd:gYear, by its precision."""
    datatype = {10: XSD.date, 7: XSD.gYearMonth, 4: XSD.gYear}.get(len(value), XSD.string)
    return Literal(value, datatype=datatype)


def to_triples(trial: Trial) -> Iterator[Triple]:
    """The triples of one (merged) trial and its sites (pure: no I/O)."""
    s = trial_iri(trial)
    yield s, RDF.type, RKG.ClinicalTrial
    label = trial.brief_title or trial.official_title or trial.canonical_id
    yield s, RDFS.label, Literal(label, language="en")
    for rid in trial.registry_ids:
        yield s, DCTERMS.identifier, Literal(rid)
    for prop, ids in ((RKG.nctId, trial.nct_ids), (RKG.eudractNumber, trial.eudract_ids),
                      (RKG.ctisNumber, trial.ctis_ids), (RKG.secondaryId, trial.other_ids)):
        for rid in ids:
            yield s, prop, Literal(rid)
    yield from _text_triples(s, trial)
    status, phase = trial_status.status_term(trial.overall_status), trial_status.phase_term(trial.phase)
    if status:
        yield s, RKG.recruitmentStatus, trial_status.status_iri(status)
    if phase:
        yield s, RKG.trialPhase, trial_status.phase_iri(phase)
    for prop, value in ((RKG.statusDate, trial.status_date), (SCHEMA.startDate, trial.start_date),
                        (RKG.completionDate, trial.completion_date)):
        if value:
            yield s, prop, date_literal(value)
    if trial.results_posted is not None:
        yield s, RKG.resultsPosted, Literal(str(trial.results_posted).lower(), datatype=XSD.boolean)
    for mesh in trial.condition_mesh:
        yield s, RKG.meshTerm, Literal(mesh.term)
        if mesh.mesh_id:
            yield s, RKG.conditionMeshId, Literal(f"MESH:{mesh.mesh_id}")
    for pmid in trial.reference_pmids:
        yield s, RKG.referencePmid, Literal(pmid)
    for n, site in enumerate(trial.sites, 1):
        yield from site_triples(s, trial.canonical_id, n, site)


def _text_triples(s: NamedNode, trial: Trial) -> Iterator[Triple]:
    if trial.brief_title:
        yield s, DCTERMS.title, Literal(trial.brief_title, language="en")
    singles = ((RKG.officialTitle, trial.official_title), (RKG.acronym, trial.acronym),
               (RKG.overallStatus, trial.overall_status), (RKG.phase, trial.phase),
               (RKG.studyType, trial.study_type), (RKG.eligibilityText, trial.eligibility),
               (SCHEMA.sponsor, trial.sponsor))
    for prop, value in singles:
        if value:
            yield s, prop, Literal(value)
    multi = ((RKG.conditionText, trial.conditions), (RKG.keyword, trial.keywords),
             (RKG.interventionName, trial.interventions), (RKG.collaborator, trial.collaborators))
    for prop, values in multi:
        for value in values:
            yield s, prop, Literal(value)


def unknown_terms(trial: Trial) -> Iterator[tuple[str, str]]:
    """(field, text) of every status or phase spelling of a trial that no controlled term stands for."""
    if trial.overall_status and not trial_status.status_term(trial.overall_status):
        yield "status", trial.overall_status
    if trial.phase and not trial_status.phase_term(trial.phase):
        yield "phase", trial.phase
    for site in trial.sites:
        if site.status and not trial_status.status_term(site.status):
            yield "site status", site.status


def site_triples(trial_node: NamedNode, trial_id: str, n: int, site: TrialSite) -> Iterator[Triple]:
    """The triples of the ``n``-th site of a trial (``site/<trial>/<n>``)."""
    node = mint("site", f"{trial_id}/{n}")
    yield trial_node, RKG.hasSite, node
    yield node, RDF.type, RKG.TrialSite
    yield node, RDFS.label, Literal(site.facility or f"site {n} of {trial_id}")
    for prop, value in ((RKG.facilityName, site.facility), (SCHEMA.addressLocality, site.city),
                        (SCHEMA.addressCountry, site.country_code), (RKG.siteStatus, site.status),
                        (RKG.registryOrganisationId, site.org_id)):
        if value:
            yield node, prop, Literal(value)
    site_status = trial_status.status_term(site.status)
    if site_status:
        yield node, RKG.siteRecruitmentStatus, trial_status.status_iri(site_status)
    if site.lat is not None and site.lon is not None:
        yield node, GEO.lat, Literal(format(Decimal(str(site.lat)), "f"), datatype=XSD.decimal)
        yield node, GEO.long, Literal(format(Decimal(str(site.lon)), "f"), datatype=XSD.decimal)

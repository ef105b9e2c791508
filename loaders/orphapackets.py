"""Reading ORPHApackets (Orphanet's per-disorder JSON) and interpreting their coded texts.

An ORPHApacket ``ORPHApacket_<code>.json`` holds one disorder: ``Label``, ``PURL``,
``DisorderType``, ``Synonyms``, ``ExternalReferences`` (with ``DisorderMappingRelation``),
``TextSection`` (the definition), ``Genes``, ``Parents``, ``Prevalences``, ``AverageAgeOfOnsets``
and ``TypeOfInheritances``. Orphanet's JSON collapses one-element collections differently from
file to file (``[{"Prevalence": {...}}]`` in one, ``{"Prevalence": [{...}]}`` in another, bare
``[{...}]`` for some external references); :func:`_items` reads every variant.

Interpretation of Orphanet's texts, all as pure functions:

* :func:`parse_association_type`: gene-disorder association text -> origin and role;
* :func:`xref_curie` / :func:`mapping_relation`: an external reference -> CURIE, IRI and SKOS relation.

The epidemiology classes and the RARECARE rarity they decide are in :mod:`loaders.orphanet_epidemiology`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from kg.core.errors import DataError
from kg.core.records import LoadReport

PACKET_GLOB = "ORPHApacket_*.json"
ORDO_PURL = "http://www.orpha.net/ORDO/Orphanet_"

#: Orphanet's source names of external references -> (bioregistry prefix, IRI prefix or "" if the
#: target has no standard per-code IRI). ICD-10 and ICD-11 codes have no code-based IRI (ICD-11
#: IRIs use entity ids, not codes), so they stay CURIE literals.
XREF_SOURCES: dict[str, tuple[str, str]] = {
    "OMIM": ("OMIM", "https://omim.org/entry/"),
    "ICD-10": ("ICD10", ""),
    "ICD-11": ("ICD11", ""),
    "UMLS": ("UMLS", ""),
    "MeSH": ("MESH", "http://id.nlm.nih.gov/mesh/"),
    "MedDRA": ("MEDDRA", ""),
    "GARD": ("GARD", ""),
    "ICD-O": ("ICDO", ""),
}

#: Orphanet mapping relation codes -> SKOS mapping property local names. NTBT: the ORPHAcode is
#: narrower than the target, so the target is broader (skos:broadMatch); BTNT the reverse; ND
#: ("not yet decided / unable to decide") is only a close match. Other codes (W: wrong/obsolete)
#: give no SKOS mapping.
MAPPING_RELATIONS: dict[str, str] = {"E": "exactMatch", "NTBT": "broadMatch", "BTNT": "narrowMatch",
                                     "ND": "closeMatch"}

#: Orphanet's PrevalenceType -> the measure names of the term list.
MEASURES: dict[str, str] = {
    "Annual incidence": "Annual incidence",
    "Point prevalence": "Point prevalence",
    "Prevalence at birth": "Birth prevalence",
    "Lifetime Prevalence": "Lifetime prevalence",
    "Cases/families": "Cases/families",
}


@dataclass(frozen=True)
class Xref:
    """One external reference of a disorder: Orphanet's source name and code, its CURIE and relation."""

    source: str
    reference: str
    curie: str
    relation: str = ""   # Orphanet code: "E", "NTBT", "BTNT", "ND", ... ("" if none given)
    iri: str = ""        # the target's IRI where the prefix has a standard IRI form


@dataclass(frozen=True)
class ParentRef:
    """A parent of a disorder as a packet names it (it may lie outside the cancer classification)."""

    code: str
    label: str


@dataclass(frozen=True)
class GeneLink:
    """One disorder-gene association as a packet gives it."""

    symbol: str
    name: str
    hgnc: str | None
    association_type: str


@dataclass(frozen=True)
class Prevalence:
    """One epidemiology figure as a packet gives it (measure normalised, see :data:`MEASURES`)."""

    measure: str
    value_class: str
    mean_value: str | None   # decimal text; None where Orphanet gives "no data" or 0.0
    geographic: str
    qualification: str
    source: str | None


@dataclass(frozen=True)
class Packet:
    """One ORPHApacket: the disorder's own data (HPO phenotypes and children are not kept)."""

    code: str
    label: str
    disorder_type: str
    version: str
    synonyms: list[str] = field(default_factory=list)
    definition: str | None = None
    xrefs: list[Xref] = field(default_factory=list)
    genes: list[GeneLink] = field(default_factory=list)
    parents: list[ParentRef] = field(default_factory=list)
    prevalences: list[Prevalence] = field(default_factory=list)
    ages_of_onset: list[str] = field(default_factory=list)
    inheritance: list[str] = field(default_factory=list)


def _items(value: Any, key: str) -> list[dict[str, Any]]:
    """The objects of an Orphanet collection in any of its JSON shapes (see module docstring)."""
    if value is None:
        return []
    entries = value if isinstance(value, list) else [value]
    out: list[dict[str, Any]] = []
    for entry in entries:
        inner = entry.get(key, entry) if isinstance(entry, dict) else entry
        for item in inner if isinstance(inner, list) else [inner]:
            if not isinstance(item, dict):
                raise TypeError(f"{key}: expected an object, found {type(item).__name__}")
            out.append(item)
    return out


def _values(value: Any, key: str) -> list[str]:
    """The ``value`` texts of a collection such as ``AverageAgeOfOnsets``, in order, without repeats."""
    out: list[str] = []
    for item in _items(value, key):
        text = str(item.get("value", "")).strip()
        if text and text not in out:
            out.append(text)
    return out


def _synonyms(value: Any) -> list[str]:
    """The synonym texts of ``Synonyms`` (``[{"Synonym": "GIST"}, ...]``), in order, without repeats."""
    out: list[str] = []
    for entry in value or []:
        text = entry.get("Synonym") if isinstance(entry, dict) else None
        if not isinstance(text, str):
            raise TypeError(f"Synonyms: expected {{'Synonym': text}}, found {entry!r}")
        if text.strip() and text.strip() not in out:
            out.append(text.strip())
    return out


def relation_code(text: str | None) -> str:
    """The code of an Orphanet mapping relation text: ``"E (Exact mapping: ...)"`` -> ``"E"``."""
    return (text or "").split("(", 1)[0].strip()


def xref_curie(source: str, reference: str) -> tuple[str, str] | None:
    """(CURIE, IRI or "") of an external reference, or None for a source not in :data:`XREF_SOURCES`.

    >>> xref_curie("OMIM", "606764")
    ('OMIM:606764', 'https://omim.org/entry/606764')
    >>> xref_curie("ICD-10", "C49.4")
    ('ICD10:C49.4', '')
    """
    known = XREF_SOURCES.get(source)
    if known is None:
        return None
    prefix, iri_prefix = known
    return f"{prefix}:{reference}", (iri_prefix + reference if iri_prefix else "")


def mapping_relation(xref: Xref) -> str | None:
    """The SKOS property local name for an xref's relation, if it has one and the target an IRI."""
    return MAPPING_RELATIONS.get(xref.relation) if xref.iri else None


def _mean_value(text: Any) -> str | None:
    """Orphanet's ``ValMoy`` as decimal text, or None where it gives none ("no data", 0.0)."""
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        return None
    return format(value.normalize(), "f") if value > 0 else None


def _xref(raw: dict[str, Any], report: LoadReport, where: str) -> Xref | None:
    source, reference = str(raw.get("Source", "")).strip(), str(raw.get("Reference", "")).strip()
    mapped = xref_curie(source, reference)
    if not reference or mapped is None:
        report.warn("unknown-xref-source", f"external reference {source}:{reference} not kept "
                    f"(source not in the prefix table)", path=where)
        return None
    curie, iri = mapped
    return Xref(source=source, reference=reference, curie=curie,
                relation=relation_code(raw.get("DisorderMappingRelation")), iri=iri)


def _gene(raw: dict[str, Any]) -> GeneLink:
    refs = {str(r.get("Source")): str(r.get("Reference")) for r in raw.get("ExternalReferences", [])}
    return GeneLink(symbol=str(raw["Symbol"]).strip(), name=str(raw.get("Name", "")).strip(),
                    hgnc=refs.get("HGNC"), association_type=str(raw["DisorderGeneAssociationType"]).strip())


def _prevalence(raw: dict[str, Any], report: LoadReport, where: str) -> Prevalence | None:
    ptype = str(raw.get("PrevalenceType", "")).strip()
    measure = MEASURES.get(ptype)
    if measure is None:
        report.warn("unknown-measure", f"prevalence type {ptype!r} not recognised; record skipped", path=where)
        return None
    source = raw.get("Source")
    return Prevalence(measure=measure, value_class=str(raw.get("PrevalenceClass") or "").strip(),
                      mean_value=_mean_value(raw.get("ValMoy")),
                      geographic=str(raw.get("PrevalenceGeographic") or "").strip(),
                      qualification=str(raw.get("PrevalenceQualification") or "").strip(),
                      source=str(source).strip() if source else None)


def _unique(seq: list[Any]) -> list[Any]:
    out: list[Any] = []
    for item in seq:
        if item not in out:
            out.append(item)
    return out


def packet_from_json(data: Any, report: LoadReport, where: str) -> Packet:
    """One Packet from a parsed ORPHApacket document; KeyError, ValueError or TypeError if malformed."""
    p = data["Orphapacket"]
    text = p.get("TextSection")
    definition = None
    if isinstance(text, dict) and text.get("TextSectionType") == "Definition":
        definition = str(text.get("Contents") or "").strip() or None
    xrefs = [x for x in (_xref(r, report, where) for r in _items(p.get("ExternalReferences"), "ExternalReference"))
             if x is not None]
    prevalences = [x for x in (_prevalence(r, report, where) for r in _items(p.get("Prevalences"), "Prevalence"))
                   if x is not None]
    return Packet(
        code=str(p["ORPHAcode"]).strip(),
        label=str(p["Label"]).strip(),
        disorder_type=str(p["DisorderType"]["value"]).strip(),
        version=str(p.get("version", "")).strip(),
        synonyms=_synonyms(p.get("Synonyms")),
        definition=definition,
        xrefs=_unique(xrefs),
        genes=_unique([_gene(g) for g in _items(p.get("Genes"), "Gene")]),
        parents=_unique([ParentRef(code=str(x["ORPHAcode"]), label=str(x.get("Label", "")).strip())
                         for x in _items(p.get("Parents"), "Parent")]),
        prevalences=_unique(prevalences),
        ages_of_onset=_values(p.get("AverageAgeOfOnsets"), "AverageAgeOfOnset"),
        inheritance=_values(p.get("TypeOfInheritances"), "TypeOfInheritance"),
    )


def read_packets(directory: Path, report: LoadReport) -> Iterator[Packet]:
    """Every ORPHApacket in ``directory``, in file-name order.

    A malformed packet (bad JSON, missing keys, code differing from the file name) is reported as
    an error naming the file and skipped; the rest load. Raises DataError if ``directory`` holds
    no ``ORPHApacket_*.json`` file.
    """
    files = sorted(directory.glob(PACKET_GLOB))
    if not files:
        raise DataError(f"no {PACKET_GLOB} files found", path=directory)
    for path in files:
        report.files.append(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            report.error("malformed-packet", f"malformed JSON: {exc.msg}", path=str(path), line=exc.lineno)
            continue
        try:
            packet = packet_from_json(data, report, str(path))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            report.error("malformed-packet", f"missing or malformed field: {exc!r}", path=str(path))
            continue
        expected = path.stem.removeprefix("ORPHApacket_")
        if packet.code != expected:
            report.error("malformed-packet", f"ORPHAcode {packet.code} differs from the file name", path=str(path))
            continue
        yield packet


# --- gene association texts -------------------------------------------------------------------

#: Role keywords, checked in this order against Orphanet's association text (lower-cased).
_ROLE_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("disease-causing", "disease-causing"),
    ("modifying", "modifier"),
    ("susceptibility", "susceptibility"),
    ("biomarker", "biomarker"),
    ("candidate gene", "candidate"),
)
#: Association texts known to carry no role keyword (their role is "other").
KNOWN_OTHER_TYPES = frozenset({"Part of a fusion gene in", "Role in the phenotype of"})
_QUALIFIER = re.compile(r"\(([^)]*)\)")


@dataclass(frozen=True)
class AssociationMeaning:
    """What an association text says: origin, role and any qualifier in brackets."""

    origin: str       # "germline" | "somatic" | "unspecified"
    role: str         # "disease-causing" | "modifier" | "susceptibility" | "biomarker" | "candidate" | "other"
    qualifier: str    # e.g. "loss of function"; "" if none
    recognised: bool  # False when the text matched no keyword and is not a known "other" type


def parse_association_type(text: str) -> AssociationMeaning:
    """Origin and role of an Orphanet gene-disorder association text, read only from what it says.

    The origin is germline or somatic only where the text says so ("Major susceptibility factor
    in" does not, so it is unspecified).

    >>> parse_association_type("Disease-causing germline mutation(s) (loss of function) in")
    AssociationMeaning(origin='germline', role='disease-causing', qualifier='loss of function', recognised=True)
    >>> parse_association_type("Part of a fusion gene in").role
    'other'
    """
    lowered = text.lower()
    origin = "germline" if "germline" in lowered else "somatic" if "somatic" in lowered else "unspecified"
    role = next((r for key, r in _ROLE_KEYWORDS if key in lowered), "other")
    qualifier = ", ".join(q.strip() for q in _QUALIFIER.findall(text) if q.strip() != "s")
    recognised = role != "other" or text in KNOWN_OTHER_TYPES
    return AssociationMeaning(origin=origin, role=role, qualifier=qualifier, recognised=recognised)

"""The Research Organization Registry (ROR, https://ror.org, CC0) as a source: graph ``graph/ror``.

Reading a dump (zip of JSON arrays, schema v2 and v1) lives in :mod:`loaders.ror_dump`; its record
types and :func:`read` are re-exported here. This module says what the records mean (the modelling
is recorded in docs/decisions/0011-research-organization-registry.md):

* :func:`to_triples` (pure): one record -> triples about its ROR IRI;
* :func:`successor_map`: inactive and withdrawn records followed to their final successor;
* :func:`provider_triples`: a curated centre or institution with a ROR id gets the record's
  Wikidata IRI (``schema:sameAs``);
* :func:`compile`: the default dataset's subset of a dump into ``data/ror/records.jsonl``
  (:mod:`loaders.ror_subset` says which records);
* :func:`load`: the compiled subset, or with ``rarekg build --data DIR`` the full dump found under
  ``DIR`` (``DIR/*.zip`` or ``DIR/ror/*.zip`` named like a ROR dump).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import Literal, NamedNode

from kg.core.errors import DataError
from kg.core.records import LoadReport, SourceInfo, Triple, read_records, write_records
from kg.core.vocab import ADMS, DCTERMS, GEO, ORG, RDF, RDFS, RKG, SCHEMA, SKOS, XSD
from loaders.ror_dump import (
    ROR_RE,
    RorLocation,
    RorName,
    RorRecord,
    dump_members,
    read,
)

__all__ = ["ROR_RE", "SOURCE", "RorLocation", "RorName", "RorRecord", "RorRelease", "compile",
           "dump_members", "find_dump", "load", "read", "read_compiled", "successor_map", "to_triples"]

SOURCE = SourceInfo(
    name="ror",
    title="Research Organization Registry (ROR) data dump",
    license="CC0-1.0",
    attribution="Research Organization Registry (ROR), https://ror.org, data released under CC0 1.0",
    homepage="https://ror.org",
    license_url="https://creativecommons.org/publicdomain/zero/1.0/",
)
RECORDS_FILE = "records.jsonl"
#: Expected records / triples of the compiled default subset; the build fails outside them.
#: A full dump read with ``--data`` has no upper bound (the registry grows every release).
RECORD_BOUNDS = (800, 1_500)
TRIPLE_BOUNDS = (15_000, 30_000)
WIKIDATA = "http://www.wikidata.org/entity/"
ISNI = "https://isni.org/isni/"
FUNDREF = "https://doi.org/10.13039/"
GEONAMES = "https://sws.geonames.org/"
_DATE_RE = re.compile(r"(\d{4}-\d{2}-\d{2})")
_DUMP_NAME_RE = re.compile(r"ror", re.IGNORECASE)
_NAME_PROPERTY = {"label": RKG.rorLabel, "alias": RKG.rorAlias, "acronym": RKG.rorAcronym}
_RELATIONSHIP = {"parent": ORG.subOrganizationOf, "child": ORG.hasSubOrganization, "related": ORG.linkedTo,
                 "successor": DCTERMS.isReplacedBy, "predecessor": DCTERMS.replaces}
ORGANIZATION_TYPES = ("archive", "company", "education", "facility", "funder", "government", "healthcare",
                      "nonprofit", "other")


@dataclass(frozen=True)
class RorRelease:
    """Which dump a compiled subset comes from."""

    file: str        # the dump's file name, e.g. "v1.63-2025-04-03-ror-data.zip"
    version: str     # the file name without ".zip"
    date: str        # the first YYYY-MM-DD in the name, "" if none
    sha256: str
    records_in_dump: int


# --- meaning -------------------------------------------------------------------------------------


def ror_iri(rid: str) -> NamedNode:
    """The node of a ROR record: its own IRI (``https://ror.org/0...``), which ROR dereferences."""
    return NamedNode(rid)


def type_concept(kind: str) -> NamedNode:
    """The SKOS concept of a ROR organisation type, e.g. ``rkg:RorTypeHealthcare``."""
    return RKG.term("RorType" + kind.capitalize())


def status_concept(status: str) -> NamedNode:
    """The SKOS concept of a ROR record status, e.g. ``rkg:RorStatusInactive``."""
    return RKG.term("RorStatus" + status.capitalize())


def _name(name: RorName) -> Literal:
    return Literal(name.value, language=name.lang) if name.lang else Literal(name.value)


def _decimal(value: float) -> Literal:
    return Literal(repr(value), datatype=XSD.decimal)


def to_triples(record: RorRecord) -> Iterator[Triple]:
    """The triples of one registry record (pure): names with type and language, locations, types,
    status, relationships and external ids, all about the record's ROR IRI."""
    s = ror_iri(record.id)
    yield s, RDF.type, ORG.Organization
    yield s, RDFS.label, Literal(record.display)
    yield s, ADMS.status, status_concept(record.status)
    for name in record.names:
        literal = _name(name)
        if "ror_display" in name.types:
            yield s, SKOS.prefLabel, literal
        else:
            yield s, SKOS.altLabel, literal
        for kind in name.types:
            if kind in _NAME_PROPERTY:
                yield s, _NAME_PROPERTY[kind], literal
    for kind in record.types:
        if kind in ORGANIZATION_TYPES:
            yield s, ORG.classification, type_concept(kind)
    yield from _location_triples(s, record.locations)
    for kind, target in record.relationships:
        yield s, _RELATIONSHIP[kind], ror_iri(target)
    for kind, value in record.external_ids:
        yield from _external_triples(s, kind, value)


def _location_triples(s: NamedNode, locations: Sequence[RorLocation]) -> Iterator[Triple]:
    """City and country on the organisation; coordinates on the GeoNames place, since ROR's
    coordinates are those of the city (GeoNames), not of the organisation's buildings."""
    for loc in locations:
        if loc.city:
            yield s, SCHEMA.addressLocality, Literal(loc.city)
        yield s, SCHEMA.addressCountry, Literal(loc.country, datatype=XSD.string)
        if loc.geonames_id is None:
            continue
        place = NamedNode(f"{GEONAMES}{loc.geonames_id}/")
        yield s, SCHEMA.location, place
        yield place, RDF.type, SCHEMA.Place
        if loc.city:
            yield place, SCHEMA.name, Literal(loc.city)
        yield place, SCHEMA.addressCountry, Literal(loc.country, datatype=XSD.string)
        if loc.latitude is not None and loc.longitude is not None:
            yield place, GEO.lat, _decimal(loc.latitude)
            yield place, GEO.long, _decimal(loc.longitude)


def _external_triples(s: NamedNode, kind: str, value: str) -> Iterator[Triple]:
    if kind == "wikidata":
        yield s, SCHEMA.sameAs, NamedNode(WIKIDATA + value.strip())
    elif kind == "isni":
        yield s, SCHEMA.sameAs, NamedNode(ISNI + value.replace(" ", ""))
    elif kind == "fundref":
        yield s, SCHEMA.sameAs, NamedNode(FUNDREF + value.strip())
    elif kind == "grid":
        yield s, RKG.gridId, Literal(value.strip())


def provider_triples(provider: NamedNode, record: RorRecord) -> Iterator[Triple]:
    """What the registry adds to a curated provider whose ROR id is ``record``'s: its Wikidata IRIs
    (pure). The ROR IRI itself comes with the curated row (``loaders.euracan.provider_triples``)."""
    for value in record.external("wikidata"):
        yield provider, SCHEMA.sameAs, NamedNode(WIKIDATA + value.strip())


def successor_map(records: Iterable[RorRecord], report: LoadReport | None = None) -> dict[str, str]:
    """For every inactive or withdrawn record with a successor: the id of its final successor.

    The chain follows each record's first listed ``successor`` relationship until it reaches an
    active record, or an id that ``records`` does not hold (a partial registry: that id is the best
    known successor). A chain that ends at an inactive or withdrawn record without successor gives
    no entry. A successor loop raises DataError naming every id of the loop; with ``report`` the
    loop is recorded there (kind ``successor-loop``) and its records get no entry instead.

    >>> a = RorRecord("https://ror.org/000000000", "inactive", (RorName("A", ("ror_display",), None),),
    ...               (), (), (("successor", "https://ror.org/011111111"),), (), "v2")
    >>> b = RorRecord("https://ror.org/011111111", "active", (RorName("B", ("ror_display",), None),),
    ...               (), (), (), (), "v2")
    >>> successor_map([a, b])
    {'https://ror.org/000000000': 'https://ror.org/011111111'}
    """
    status: dict[str, str] = {}
    successor: dict[str, str] = {}
    for record in records:
        status[record.id] = record.status
        following = record.related("successor")
        if record.status != "active" and following:
            successor[record.id] = following[0]
    result: dict[str, str] = {}
    looped: set[str] = set()
    for start in sorted(successor):
        if start in looped:
            continue
        chain = [start]
        current = successor[start]
        while status.get(current, "active") != "active" and current in successor:
            if current in chain or current in looped:
                if current in chain:
                    loop = chain[chain.index(current):] + [current]
                    message = "successor loop: " + " -> ".join(loop) + "; no record of the loop is active"
                else:
                    message = "successors lead into a successor loop: " + " -> ".join(chain + [current])
                looped.update(chain)
                if report is None:
                    raise DataError(message, record=start)
                report.error("successor-loop", message, record=start)
                break
            chain.append(current)
            current = successor[current]
        else:
            if status.get(current, "active") == "active":
                result[start] = current
    return result


# --- compiled subset and load ------------------------------------------------------------------


def release_of(path: Path, records_in_dump: int) -> RorRelease:
    """The :class:`RorRelease` of a dump file."""
    from kg.core.provenance import sha256_file

    date = _DATE_RE.search(path.name)
    return RorRelease(path.name, path.name.removesuffix(".zip"), date.group(1) if date else "",
                      sha256_file(path), records_in_dump)


def find_dump(folder: Path) -> Path | None:
    """The ROR dump zip under ``folder`` (``folder/*.zip`` or ``folder/ror/*.zip`` with "ror" in its
    name), the newest by the date in its name; None if there is none."""
    found = [p for pattern in ("*.zip", "ror/*.zip") for p in Path(folder).glob(pattern)
             if _DUMP_NAME_RE.search(p.name)]
    return max(found, key=_dump_order) if found else None


def _dump_order(path: Path) -> tuple[str, str]:
    date = _DATE_RE.search(path.name)
    return (date.group(1) if date else "", path.name)


def compile(raw_dir: Path, data_dir: Path, report: LoadReport) -> Path:
    """Write the default dataset's subset of the dump under ``raw_dir/ror`` to
    ``data_dir/ror/records.jsonl`` (every line with source and CC0 licence; the first record type
    ``RorRelease`` names the dump). Raises DataError if no dump is found, as :func:`read` does, or
    when the subset's size is outside :data:`RECORD_BOUNDS`."""
    from loaders import ror_subset

    dump = find_dump(Path(raw_dir) / "ror")
    if dump is None:
        raise DataError("no ROR dump zip found", path=Path(raw_dir) / "ror")
    records = list(read(dump, report))
    kept = ror_subset.select(records, ror_subset.wanted(data_dir), report)
    if not RECORD_BOUNDS[0] <= len(kept) <= RECORD_BOUNDS[1]:
        raise DataError(f"the default subset has {len(kept)} records, outside the expected bounds "
                        f"{RECORD_BOUNDS[0]}..{RECORD_BOUNDS[1]}; nothing was written", path=dump)
    out = Path(data_dir) / SOURCE.name / RECORDS_FILE
    write_records(out, [release_of(dump, len(records)), *kept], SOURCE)
    report.counts["records-kept"] = len(kept)
    return out


def read_compiled(data_dir: Path) -> tuple[RorRelease, list[RorRecord]]:
    """The release and records of ``data_dir/ror/records.jsonl``. Raises DataError as
    :func:`kg.core.records.read_records` does, or when the file has no single RorRelease."""
    path = Path(data_dir) / SOURCE.name / RECORDS_FILE
    releases, records = [], []
    for item in read_records(path, {"RorRelease": RorRelease, "RorRecord": RorRecord}):
        if isinstance(item, RorRelease):
            releases.append(item)
        else:
            records.append(_thaw(item))
    if len(releases) != 1:
        raise DataError(f"{len(releases)} RorRelease records; expected exactly one", path=path)
    return releases[0], records


def _thaw(record: RorRecord) -> RorRecord:
    """A record read back from JSON Lines (lists and dicts) with its tuples and nested types."""
    names = tuple(n if isinstance(n, RorName) else RorName(n["value"], tuple(n["types"]), n["lang"])
                  for n in record.names)
    locations = tuple(loc if isinstance(loc, RorLocation) else RorLocation(**loc) for loc in record.locations)
    return RorRecord(record.id, record.status, names, tuple(record.types), locations,
                     tuple(tuple(r) for r in record.relationships),  # type: ignore[misc]
                     tuple(tuple(e) for e in record.external_ids),  # type: ignore[misc]
                     record.schema)


def load(data_dir: Path, report: LoadReport, *, extra_dirs: Sequence[Path] = ()) -> Iterator[Triple]:
    """Triples of the registry: the full dump found under one of ``extra_dirs`` (see
    :func:`find_dump`; the newest if several), else the compiled subset of ``data_dir``; plus the
    Wikidata IRIs of curated providers whose ROR id the registry holds.

    Records version, files and counts on ``report``; row problems (records breaking their schema,
    repeated ids, successor loops) go to ``report``. Raises DataError for a corrupt dump or compiled
    file, or a record count outside :data:`RECORD_BOUNDS` for the compiled subset.
    """
    dumps = [d for d in (find_dump(folder) for folder in extra_dirs) if d is not None]
    if dumps:
        dump = max(dumps, key=_dump_order)
        records = list(read(dump, report))
        report.version = f"{dump.name.removesuffix('.zip')} (full dump)"
    else:
        release, records = read_compiled(data_dir)
        report.files.append(Path(data_dir) / SOURCE.name / RECORDS_FILE)
        report.version = f"{release.version} [{release.date}]; default subset of {release.records_in_dump}"
        if not RECORD_BOUNDS[0] <= len(records) <= RECORD_BOUNDS[1]:
            raise DataError(f"{len(records)} records, outside the expected bounds {RECORD_BOUNDS[0]}.."
                            f"{RECORD_BOUNDS[1]}", path=Path(data_dir) / SOURCE.name / RECORDS_FILE)
    report.counts["records"] = len(records)
    successors = successor_map(records, report)
    report.counts["records-with-final-successor"] = len(successors)
    yield from one_place_one_position((t for r in records for t in to_triples(r)), report)
    yield from _curated_provider_triples(data_dir, {r.id: r for r in records}, successors, report)


def one_place_one_position(triples: Iterable[Triple], report: LoadReport) -> Iterator[Triple]:
    """``triples`` with the first coordinates given for each GeoNames place only: records written in
    different releases can round one city's coordinates differently (Lisbon in v1 and v2), and a
    place has one position. The dropped values are counted (``place-coordinates-dropped``)."""
    first: dict[tuple[str, str], str] = {}
    for triple in triples:
        s, p = triple[0], triple[1]
        if (p == GEO.lat or p == GEO.long) and s.value.startswith(GEONAMES):
            key = (s.value, p.value)
            if key in first:
                report.counts["place-coordinates-dropped"] += first[key] != triple[2].value
                continue
            first[key] = triple[2].value
        yield triple


def _curated_provider_triples(data_dir: Path, by_id: dict[str, RorRecord], successors: dict[str, str],
                              report: LoadReport) -> Iterator[Triple]:
    from kg.core.vocab import mint
    from loaders.institutions import candidates

    for candidate in candidates(data_dir):
        if not candidate.ror:
            continue
        record = by_id.get(candidate.ror)
        if record is None:
            report.counts["curated-ror-not-in-registry"] += 1
            continue
        if record.status != "active":
            report.warn("curated-ror-inactive", f"{candidate.id} has the {record.status} ROR record "
                        f"{record.id}; its successor is {successors.get(record.id, 'not known')}",
                        record=candidate.id)
        report.counts["curated-with-ror-record"] += 1
        yield from provider_triples(mint("centre", candidate.id), record)

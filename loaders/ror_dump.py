"""Reading a Research Organization Registry (ROR) data dump into :class:`RorRecord` dataclasses.

I/O and record validation only; meaning (triples) lives in :mod:`loaders.ror`. A ROR dump is a zip
holding the registry as JSON arrays: ``*_schema_v2.json`` in schema v2 and, for older dumps or files
without that suffix, ``*.json`` in schema v1 (CSV members are ignored). Both schemas map onto the same
record types. When a dump holds both, v2 is read and v1 only for ids that v2 does not have.

Records are streamed (``ijson``), so the full registry (~120,000 records, several hundred MB of JSON)
is never held as one parsed document.

Errors: a file that is not a readable zip, holds no JSON member or whose JSON is malformed raises
:class:`kg.core.errors.DataError` naming the file (``dump.zip!member.json``) and, for malformed JSON, the
record position. A record that breaks its schema or repeats an id already read from the same schema
is a row problem: with a :class:`kg.core.records.LoadReport` it is recorded there (kind ``ror-schema``
or ``duplicate-id``, naming the member and the record) and skipped; without one it raises DataError.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ijson

from kg.core.errors import DataError
from kg.core.records import LoadReport

ROR_PREFIX = "https://ror.org/"
#: a ROR id: "0", six characters of Crockford base32, two check digits
ROR_RE = re.compile(r"^https://ror\.org/0[a-hj-km-np-tv-z0-9]{6}[0-9]{2}$")
NAME_TYPES = ("ror_display", "label", "alias", "acronym")
STATUSES = ("active", "inactive", "withdrawn")
RELATIONSHIP_TYPES = ("parent", "child", "related", "successor", "predecessor")
#: the external identifier schemes kept; others (v1's OrgRef, CNRS, HESA, UKPRN, UCAS) are counted only
EXTERNAL_ID_TYPES = ("wikidata", "isni", "grid", "fundref")
V2_SUFFIX = "_schema_v2.json"
_LANG_RE = re.compile(r"^[a-z]{2}$")
_COUNTRY_RE = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True)
class RorName:
    value: str
    types: tuple[str, ...]      # subset of ("ror_display", "label", "alias", "acronym")
    lang: str | None            # ISO 639-1 or None


@dataclass(frozen=True)
class RorLocation:
    city: str
    country: str                # ISO 3166-1 alpha-2, upper case
    latitude: float | None
    longitude: float | None
    geonames_id: int | None


@dataclass(frozen=True)
class RorRecord:
    id: str                     # "https://ror.org/05xxxxx" (full IRI)
    status: str                 # "active" | "inactive" | "withdrawn"
    names: tuple[RorName, ...]  # the ror_display name first
    types: tuple[str, ...]      # e.g. ("healthcare", "education")
    locations: tuple[RorLocation, ...]
    relationships: tuple[tuple[str, str], ...]   # (parent|child|related|successor|predecessor, ROR IRI)
    external_ids: tuple[tuple[str, str], ...]    # (wikidata|isni|grid|fundref, id as written; preferred first)
    schema: str                 # "v1" | "v2"

    @property
    def display(self) -> str:
        """The record's display name (ROR's ``ror_display``; v1's ``name``)."""
        for name in self.names:
            if "ror_display" in name.types:
                return name.value
        return self.names[0].value

    def external(self, kind: str) -> tuple[str, ...]:
        """The ids of one scheme (``"wikidata"``, ``"isni"``, ``"grid"``, ``"fundref"``), preferred first."""
        return tuple(value for k, value in self.external_ids if k == kind)

    def related(self, kind: str) -> tuple[str, ...]:
        """The ROR IRIs of one relationship type (``"parent"``, ``"successor"``, ...)."""
        return tuple(target for k, target in self.relationships if k == kind)


class RecordError(ValueError):
    """One record breaks its schema (message says how); turned into a row problem by :func:`read`."""


# --- the zip --------------------------------------------------------------------------------------


def dump_members(path: Path) -> tuple[list[str], list[str]]:
    """The (v2, v1) JSON members of a ROR dump zip, each sorted. Raises DataError for a missing or
    corrupt zip, or one without any JSON member."""
    if not path.is_file():
        raise DataError("ROR dump not found", path=path)
    try:
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if n.endswith(".json") and not n.endswith("/")]
    except (zipfile.BadZipFile, OSError) as exc:
        raise DataError(f"not a readable zip file ({exc})", path=path) from exc
    v2 = sorted(n for n in names if n.endswith(V2_SUFFIX))
    v1 = sorted(n for n in names if not n.endswith(V2_SUFFIX))
    if not names:
        raise DataError("the zip holds no JSON member (expected a ROR data dump)", path=path)
    return v2, v1


def read(path: Path, report: LoadReport | None = None) -> Iterator[RorRecord]:
    """Every valid record of a ROR dump zip: its v2 members, then v1 records whose ids v2 lacks.

    Raises DataError for a corrupt zip or malformed JSON (naming ``zip!member`` and the record
    position); records that break their schema or repeat an id go to ``report`` (or raise DataError
    when there is none), see the module docstring.
    """
    v2_members, v1_members = dump_members(path)
    if report is not None:
        report.files.append(path)
    v2_ids: set[str] = set()
    for member in v2_members:
        for record in _read_member(path, member, "v2", v2_ids, report):
            yield record
    v1_ids: set[str] = set()
    for member in v1_members:
        for record in _read_member(path, member, "v1", v1_ids, report):
            if record.id in v2_ids:
                if report is not None:
                    report.counts["v1-superseded-by-v2"] += 1
                continue
            yield record


def _read_member(path: Path, member: str, schema: str, seen: set[str],
                 report: LoadReport | None) -> Iterator[RorRecord]:
    where = f"{path}!{member}"
    parse = parse_v2 if schema == "v2" else parse_v1
    position = 0
    try:
        with zipfile.ZipFile(path) as zf, zf.open(member) as fh:
            for position, raw in enumerate(ijson.items(fh, "item", use_float=True), 1):
                try:
                    record = parse(raw)
                except RecordError as exc:
                    _row_problem(report, "ror-schema", str(exc), where, position, _raw_id(raw))
                    continue
                if record.id in seen:
                    _row_problem(report, "duplicate-id",
                                 f"a second record claims {record.id} (the first one read is kept)",
                                 where, position, record.id)
                    continue
                seen.add(record.id)
                if report is not None:
                    report.counts[f"records-{schema}"] += 1
                yield record
    except ijson.JSONError as exc:
        raise DataError(f"malformed JSON after record {position}: {exc}", path=where) from exc
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise DataError(f"corrupt zip member after record {position}: {exc}", path=where) from exc


def _row_problem(report: LoadReport | None, kind: str, message: str, where: str, position: int,
                 record: str | None) -> None:
    text = f"{message} (record #{position} of the array)"
    if report is None:
        raise DataError(f"[{kind}] {text}", path=where, record=record)
    report.error(kind, text, path=where, record=record)


def _raw_id(raw: Any) -> str | None:
    rid = raw.get("id") if isinstance(raw, dict) else None
    return rid if isinstance(rid, str) else None


# --- schema v2 ------------------------------------------------------------------------------------


def parse_v2(raw: Any) -> RorRecord:
    """One schema-v2 record (a parsed JSON object) as a RorRecord. Raises RecordError."""
    obj = _object(raw)
    names = []
    for item in _list(obj, "names"):
        entry = _object(item, "names[]")
        types = tuple(_lower(t) for t in _list(entry, "types"))
        unknown = [t for t in types if t not in NAME_TYPES]
        if unknown or not types:
            raise RecordError(f"name {entry.get('value')!r} has types {list(types)}; expected some of "
                              f"{list(NAME_TYPES)}")
        names.append(RorName(_text(entry, "value"), types, _lang(entry.get("lang"))))
    locations = []
    for item in _list(obj, "locations"):
        entry = _object(item, "locations[]")
        details = _object(entry.get("geonames_details"), "locations[].geonames_details")
        locations.append(RorLocation(
            city=_optional_text(details.get("name")), country=_country(details.get("country_code")),
            latitude=_coordinate(details.get("lat"), 90), longitude=_coordinate(details.get("lng"), 180),
            geonames_id=_optional_int(entry.get("geonames_id"), "geonames_id")))
    external = []
    for item in _list(obj, "external_ids", required=False):
        entry = _object(item, "external_ids[]")
        external.append((_text(entry, "type"), entry.get("preferred"), entry.get("all")))
    relationships = [(_text(_object(r, "relationships[]"), "type"), _text(r, "id"))
                     for r in _list(obj, "relationships", required=False)]
    return _record(obj, names, locations, relationships, external, "v2")


# --- schema v1 ------------------------------------------------------------------------------------


def parse_v1(raw: Any) -> RorRecord:
    """One schema-v1 record as a RorRecord: ``name`` -> ror_display, ``aliases`` -> alias, ``acronyms``
    -> acronym, ``labels[]`` -> label with its ``iso639`` language. Raises RecordError."""
    obj = _object(raw)
    names = [RorName(_text(obj, "name"), ("ror_display",), None)]
    names += [RorName(_str(a, "aliases[]"), ("alias",), None) for a in _list(obj, "aliases", required=False)]
    names += [RorName(_str(a, "acronyms[]"), ("acronym",), None)
              for a in _list(obj, "acronyms", required=False)]
    for item in _list(obj, "labels", required=False):
        entry = _object(item, "labels[]")
        names.append(RorName(_text(entry, "label"), ("label",), _lang(entry.get("iso639"))))
    country = _country(_object(obj.get("country"), "country").get("country_code"))
    locations = []
    for item in _list(obj, "addresses", required=False):
        entry = _object(item, "addresses[]")
        geonames = entry.get("geonames_city")
        geonames_id = _object(geonames, "geonames_city").get("id") if geonames is not None else None
        locations.append(RorLocation(
            city=_optional_text(entry.get("city")), country=country,
            latitude=_coordinate(entry.get("lat"), 90), longitude=_coordinate(entry.get("lng"), 180),
            geonames_id=_optional_int(geonames_id, "geonames_city.id")))
    ext = obj.get("external_ids") or {}
    if not isinstance(ext, dict):
        raise RecordError("external_ids is not an object (schema v1)")
    external = [(kind, _object(v, f"external_ids.{kind}").get("preferred"),
                 _object(v, f"external_ids.{kind}").get("all")) for kind, v in ext.items()]
    relationships = [(_text(_object(r, "relationships[]"), "type"), _text(r, "id"))
                     for r in _list(obj, "relationships", required=False)]
    return _record(obj, names, locations, relationships, external, "v1")


# --- shared -------------------------------------------------------------------------------------


def _record(obj: dict[str, Any], names: list[RorName], locations: list[RorLocation],
            relationships: Iterable[tuple[str, str]], external: Iterable[tuple[str, Any, Any]],
            schema: str) -> RorRecord:
    rid = _text(obj, "id")
    if not ROR_RE.match(rid):
        raise RecordError(f"id {rid!r} is not a ROR IRI (https://ror.org/0xxxxxxNN)")
    status = _lower(_text(obj, "status"))
    if status not in STATUSES:
        raise RecordError(f"status {status!r} is not one of {list(STATUSES)}")
    displays = [n for n in names if "ror_display" in n.types]
    if len(displays) != 1:
        raise RecordError(f"{len(displays)} ror_display names; expected exactly one")
    names = displays + [n for n in names if n is not displays[0]]
    rels = []
    for kind, target in relationships:
        kind = kind.lower()
        if kind not in RELATIONSHIP_TYPES:
            raise RecordError(f"relationship type {kind!r} is not one of {list(RELATIONSHIP_TYPES)}")
        if not ROR_RE.match(target):
            raise RecordError(f"{kind} relationship target {target!r} is not a ROR IRI")
        rels.append((kind, target))
    return RorRecord(
        id=rid, status=status, names=tuple(names),
        types=tuple(_lower(_str(t, "types[]")) for t in _list(obj, "types", required=False)),
        locations=tuple(locations), relationships=tuple(rels),
        external_ids=tuple(_external_ids(external)), schema=schema)


def _external_ids(entries: Iterable[tuple[str, Any, Any]]) -> Iterator[tuple[str, str]]:
    for kind, preferred, every in entries:
        kind = kind.lower()
        if kind not in EXTERNAL_ID_TYPES:
            continue
        values = [every] if isinstance(every, str) else list(every or [])
        if preferred is not None:
            values.insert(0, preferred)
        seen: set[str] = set()
        for value in values:
            if not isinstance(value, str) or not value.strip():
                raise RecordError(f"external id of type {kind!r} is {value!r}, not a non-empty string")
            if value not in seen:
                seen.add(value)
                yield kind, value


def _object(value: Any, what: str = "record") -> dict[str, Any]:
    if not isinstance(value, dict):
        raise RecordError(f"{what} is {type(value).__name__}, not a JSON object")
    return value


def _list(obj: dict[str, Any], key: str, *, required: bool = True) -> list[Any]:
    value = obj.get(key)
    if value is None and not required:
        return []
    if not isinstance(value, list):
        raise RecordError(f"{key} is {'missing' if value is None else type(value).__name__}, not a list")
    return value


def _str(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RecordError(f"{what} is {value!r}, not a non-empty string")
    return value.strip()


def _text(obj: dict[str, Any], key: str) -> str:
    return _str(obj.get(key), key)


def _optional_text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _lower(value: str) -> str:
    return value.strip().lower()


def _lang(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _LANG_RE.match(value.strip().lower()):
        raise RecordError(f"language {value!r} is not an ISO 639-1 code")
    return value.strip().lower()


def _country(value: Any) -> str:
    code = value.strip().upper() if isinstance(value, str) else ""
    if not _COUNTRY_RE.match(code):
        raise RecordError(f"country code {value!r} is not ISO 3166-1 alpha-2")
    return code


def _coordinate(value: Any, limit: float) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not -limit <= value <= limit:
        raise RecordError(f"coordinate {value!r} is not a number within ±{limit}")
    return float(value)


def _optional_int(value: Any, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise RecordError(f"{what} is {value!r}, not an integer")
    return value

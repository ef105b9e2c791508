"""A network office's official member list, which takes precedence over the collected claims.

No public source we hold lists all ~102 EURACAN members, so ``data/euracan/memberships.tsv`` collects
claims page by page. A network office that has its official list can load it with
``rarekg build --members FILE`` (or the setting ``RAREKG_MEMBERS_FILE=FILE``). The file is a UTF-8 CSV
with one header row and these columns (``data/euracan/README.md``, "Official member list"):

==========  ===========================================================================
hospital    the hospital's name; matched to a curated centre by name or alias, else added
city        its city (coordinates come from the gazetteer)
country     ISO 3166-1 alpha-2 code
domains     ``;``-separated G1..G10 (empty: the list gives none)
since       membership start, YYYY[-MM[-DD]] (empty: not given)
until       membership end, YYYY[-MM[-DD]] (empty: current)
source      URL of the list (or of the office's statement), required
role        optional column: coordinator | full-member | affiliated-partner (default unspecified)
==========  ===========================================================================

A row's problems (unknown domain, dates backwards, missing source, bad country) are row errors
with file and line; a missing column is a DataError.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pycountry

from kg.core.errors import DataError
from kg.core.records import LoadReport
from loaders.euracan_tsv import DOMAIN_IDS, ROLES, URL_RE, _check_date, _Rows, _split, check_period

MEMBERS_HEADER = ("hospital", "city", "country", "domains", "since", "until", "source")
OPTIONAL_COLUMNS = ("role",)
#: the evidence text of a membership taken from an official list
OFFICIAL_EVIDENCE = "Listed on the network office's official member list ({path}, line {line})"


@dataclass(frozen=True)
class OfficialMember:
    hospital: str
    city: str
    country: str
    domains: tuple[str, ...]
    since: str
    until: str
    source: str
    role: str
    path: str = ""
    line: int = 0


def _check(rows: _Rows, r: dict[str, str], line: int) -> None:
    name = r["hospital"]
    if not name:
        rows.error("no-name", "hospital is empty", line)
    if pycountry.countries.get(alpha_2=r["country"]) is None:
        rows.error("bad-country", f"country {r['country']!r} is not an ISO 3166-1 alpha-2 code", line, name)
    for dom in _split(r["domains"], ";"):
        if dom not in DOMAIN_IDS:
            rows.error("unknown-domain", f"domain {dom!r} is not a EURACAN domain G1..G10", line, name)
    for column in ("since", "until"):
        _check_date(rows, r[column], column, line, name)
    check_period(rows, r["since"], r["until"], line, name)
    if not URL_RE.match(r["source"]):
        rows.error("no-source", f"source {r['source']!r} is not a URL", line, name)
    if r.get("role") and r["role"] not in ROLES:
        rows.error("bad-role", f"role {r['role']!r} not in {list(ROLES)}", line, name)


def read_official_members(path: Path, report: LoadReport | None = None) -> Iterator[OfficialMember]:
    """The rows of an official member list. Raises DataError for a missing file or column (and for
    row problems when no ``report`` is given)."""
    if not path.is_file():
        raise DataError("official member list not found", path=path)
    rows = _Rows(path, report)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in MEMBERS_HEADER if c not in (reader.fieldnames or [])]
        if missing:
            raise DataError(f"missing column(s) {missing}; expected {list(MEMBERS_HEADER)} "
                            f"(optional: {list(OPTIONAL_COLUMNS)})", path=path, line=1)
        for line, raw in enumerate(reader, 2):
            r = {k: (v or "").strip() for k, v in raw.items() if k}
            rows.bad = False
            _check(rows, r, line)
            if rows.bad:
                continue
            yield OfficialMember(r["hospital"], r["city"], r["country"].upper(), _split(r["domains"], ";"),
                                 r["since"], r["until"], r["source"], r.get("role") or "unspecified",
                                 str(path), line)

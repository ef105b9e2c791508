"""The curated institutions (``data/institutions/institutions.tsv``, ``member_aliases.tsv``): their
records, reading with file and line of every problem, the resolver's candidates they make, and how an
affiliation text names its place."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pycountry

from kg.core import names
from kg.core.errors import DataError
from kg.core.records import LoadReport
from kg.core.vocab import (
    slugify,
)
from loaders import euracan_tsv, trials
from loaders.link import curated as resolver

FOLDER = "institutions"
INSTITUTIONS_FILE = "institutions.tsv"
MEMBER_ALIASES_FILE = "member_aliases.tsv"
HEADER = ("id", "name", "local_name", "aliases", "city", "country", "latitude", "longitude",
          "coordinate_method", "part_of", "ror", "source_url", "license")
ALIAS_HEADER = ("centre_id", "alias", "source_url", "license")
_COUNTRY_WORDS = {"usa": "US", "uk": "GB", "scotland": "GB", "england": "GB", "wales": "GB"}


@dataclass(frozen=True)
class Institution:
    """One curated institution (a row of institutions.tsv)."""

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
    source_url: str
    license: str
    line: int = 0
    part_of: str = ""                # id of the group this hospital belongs to (decision 0012)
    wikidata: str = ""               # Q-id, for registry nodes


def read_institutions(path: Path) -> list[Institution]:
    """The rows of institutions.tsv. Raises DataError naming file and line for a bad id (not the
    slug of the name), country, coordinates, ROR or source, and for a duplicate id."""
    out: list[Institution] = []
    seen: dict[str, int] = {}
    for line, r in euracan_tsv.read_tsv(path, HEADER):
        rid = r["id"]
        problems = [msg for bad, msg in (
            (rid != slugify(r["name"]), f"id must be slugify(name) = {slugify(r['name'])!r}"),
            (rid in seen, f"duplicate id (first on line {seen.get(rid)})"),
            (pycountry.countries.get(alpha_2=r["country"]) is None, f"country {r['country']!r} is not ISO alpha-2"),
            (bool(r["ror"]) and not euracan_tsv.ROR_RE.match(r["ror"]), f"ror {r['ror']!r} is not https://ror.org/0..."),
            (not euracan_tsv.URL_RE.match(r["source_url"]), "source_url is not a URL"),
            (not r["license"], "license is empty"),
            (bool(r["latitude"]) != bool(r["coordinate_method"]), "coordinates without coordinate_method"),
            (r["part_of"] == rid, "part_of names the institution itself"),
        ) if bad]
        if problems:
            raise DataError("; ".join(problems), path=path, line=line, record=rid)
        seen[rid] = line
        lat = float(r["latitude"]) if r["latitude"] else None
        lon = float(r["longitude"]) if r["longitude"] else None
        aliases = tuple(a.strip() for a in r["aliases"].split(" | ") if a.strip())
        out.append(Institution(rid, r["name"], r["local_name"], aliases, r["city"], r["country"], lat, lon,
                               r["coordinate_method"], r["ror"], r["source_url"], r["license"], line, r["part_of"]))
    return out


def read_member_aliases(path: Path) -> list[tuple[str, str, int]]:
    """(centre id, alias, line) rows of member_aliases.tsv; DataError for a row without source or licence."""
    rows = []
    for line, r in euracan_tsv.read_tsv(path, ALIAS_HEADER):
        if not euracan_tsv.URL_RE.match(r["source_url"]) or not r["license"] or not r["alias"]:
            raise DataError("alias, source_url and license are required", path=path, line=line, record=r["centre_id"])
        rows.append((r["centre_id"], r["alias"], line))
    return rows


def candidates(data_dir: Path, report: LoadReport | None = None) -> list[resolver.Candidate]:
    """Members (centres.tsv, with member_aliases.tsv) and curated institutions as one candidate set.

    A member alias naming an unknown centre is skipped (a row error on ``report``); raises DataError if an
    institution reuses a centre id or a curated file is malformed.
    """
    folder = data_dir / FOLDER
    # row problems of centres.tsv are the euracan source's to report; bad rows are simply not candidates
    centres = list(euracan_tsv.read_centres(data_dir / "euracan" / "centres.tsv", LoadReport("euracan")))
    extra: dict[str, list[str]] = {}
    ids = {c.id for c in centres}
    for cid, alias, line in read_member_aliases(folder / MEMBER_ALIASES_FILE):
        if cid not in ids:  # a typo, or the centre's row failed to load (reported by the euracan source)
            if report is not None:
                report.error("unknown-centre", f"alias {alias!r} for unknown centre {cid!r}",
                             path=str(folder / MEMBER_ALIASES_FILE), line=line)
            continue
        extra.setdefault(cid, []).append(alias)
    out = [resolver.Candidate(c.id, c.name, c.city, c.country, (c.name, c.local_name, *c.aliases, *extra.get(c.id, [])),
                              c.ror, member=True) for c in centres]
    insts = read_institutions(folder / INSTITUTIONS_FILE)
    for inst in insts:
        if inst.id in ids:
            raise DataError(f"institution {inst.id!r} is a curated EURACAN centre; add aliases to "
                            f"{MEMBER_ALIASES_FILE} instead", path=folder / INSTITUTIONS_FILE, line=inst.line)
        out.append(resolver.Candidate(inst.id, inst.name, inst.city, inst.country,
                                      (inst.name, inst.local_name, *inst.aliases), inst.ror, part_of=inst.part_of))
    known = {c.id for c in out}
    for inst in insts:
        if inst.part_of and inst.part_of not in known:
            raise DataError(f"part_of {inst.part_of!r} is neither a curated institution nor a EURACAN centre",
                            path=folder / INSTITUTIONS_FILE, line=inst.line, record=inst.id)
    return out


# -- affiliations ---------------------------------------------------------------------------------

def affiliation_place(text: str, known_cities: set[str]) -> tuple[str, str, str]:
    """(name part, city, ISO country) of an affiliation string; city and country "" when not found.

    E-mail addresses and "Electronic address:" are dropped; the country is the last segment (or the
    last word of it, "Milan Italy"); the city is a segment's last words naming a city of a candidate.
    """
    text = re.sub(r"(Electronic address:)?\s*\S+@\S+", "", text).strip(" .")
    segs = [s.strip(" .") for s in text.split(",") if s.strip(" .")]
    country = ""
    if segs:
        words = names.fold(segs[-1]).split()
        for k in (len(words), 1):
            tail = " ".join(words[-k:])
            country = _COUNTRY_WORDS.get(tail) or (trials.country_code(tail) if len(tail) > 2 else None) or ""
            if country:
                break
    city = ""
    for seg in reversed(segs):
        words = [w for w in names.fold(seg).split() if not any(ch.isdigit() for ch in w)]
        for k in (3, 2, 1):
            for start in range(len(words) - k, -1, -1):
                cand = " ".join(words[start:start + k])
                if names.canonical_city(cand) in known_cities:
                    city = cand
                    break
            if city:
                break
        if city:
            break
    return text, city, country


def country_words(code: str) -> set[str]:
    """Folded names of a country (and "usa", "uk" ...) to ignore inside an affiliation string."""
    found = pycountry.countries.get(alpha_2=code) if code else None
    words = {k for k, v in _COUNTRY_WORDS.items() if v == code}
    return words | ({names.fold(found.name)} if found else set())

"""List the sites of the test-half trials, as the gold set ``sites_test.tsv`` numbers them.

A site is one legacy-XML ``<location>``, one API v2 ``contactsLocationsModule.locations[]`` entry, or one
CTIS ``authorizedPartsII[*].trialSites[*]`` entry; ``site_index`` is its 0-based position in the file.
Run: ``python tests/gold/sites_extract.py ../shared/data/trials`` (prints TSV: registry id, index,
facility, city, zip, country, contact e-mails, contact/investigator names).
"""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GOLD = Path(__file__).parent


@dataclass(frozen=True)
class RawSite:
    """One site as the trial file gives it."""

    registry_id: str
    index: int
    facility: str
    city: str
    zip: str
    country: str
    emails: tuple[str, ...]
    people: tuple[str, ...]


def _text(element: ET.Element, tag: str) -> str:
    return (element.findtext(tag) or "").strip()


def _xml_sites(rid: str, path: Path) -> list[RawSite]:
    out = []
    for i, loc in enumerate(ET.parse(path).getroot().findall("location")):
        people = [(p.findtext("last_name") or "").strip()
                  for tag in ("investigator", "contact", "contact_backup") for p in loc.findall(tag)]
        out.append(RawSite(rid, i, _text(loc, "facility/name"), _text(loc, "facility/address/city"),
                           _text(loc, "facility/address/zip"), _text(loc, "facility/address/country"),
                           tuple((e.text or "").strip() for e in loc.iter("email")), tuple(p for p in people if p)))
    return out


def _ctis_sites(rid: str, record: dict[str, Any]) -> list[RawSite]:
    holder = record.get("authorizedApplication") or record
    out = []
    for part in holder.get("authorizedPartsII") or []:
        for site in part.get("trialSites") or []:
            info = site.get("organisationAddressInfo") or {}
            addr = info.get("address") or {}
            person = site.get("personInfo") or {}
            out.append(RawSite(rid, len(out), (info.get("organisation") or {}).get("name") or "",
                               addr.get("city") or "", addr.get("postcode") or "", addr.get("countryName") or "",
                               tuple(e for e in [info.get("email")] if e),
                               tuple(n for n in [person.get("lastName")] if n)))
    return out


def _v2_sites(rid: str, record: dict[str, Any]) -> list[RawSite]:
    locations = (record["protocolSection"].get("contactsLocationsModule") or {}).get("locations") or []
    return [RawSite(rid, i, loc.get("facility") or "", loc.get("city") or "", loc.get("zip") or "",
                    loc.get("country") or "", tuple(c["email"] for c in loc.get("contacts") or [] if c.get("email")),
                    tuple(c["name"] for c in loc.get("contacts") or [] if c.get("name")))
            for i, loc in enumerate(locations)]


def sites_of(rid: str, path: Path) -> list[RawSite]:
    """The sites of one trial file, in file order."""
    if path.suffix == ".xml":
        return _xml_sites(rid, path)
    record = json.loads(path.read_text(encoding="utf-8"))
    return _ctis_sites(rid, record) if "ctNumber" in record else _v2_sites(rid, record)


def sites_of_test_half(trials_dir: Path) -> list[RawSite]:
    """Every site of every test-half trial of ``trial_split.tsv``, sorted by (registry id, index)."""
    lines = (GOLD / "trial_split.tsv").read_text(encoding="utf-8").splitlines()[1:]
    sites = [site for rid, file, half in (line.split("\t") for line in lines) if half == "test"
             for site in sites_of(rid, trials_dir / file)]
    return sorted(sites, key=lambda s: (s.registry_id, s.index))


if __name__ == "__main__":
    for s in sites_of_test_half(Path(sys.argv[1])):
        print("\t".join([s.registry_id, str(s.index), s.facility, s.city, s.zip, s.country,
                         ";".join(s.emails), ";".join(s.people)]))

"""Search the partial Research Organization Registry by name fragments, as the site labeller did.

``PYTHONPATH=. python tests/gold/sites_ror_search.py ../shared/data/ror/<zip> "henri mondor" [city-or-country-code]``
prints every record whose names (display, labels, aliases, acronyms; schema v1 or v2) contain all the
fragments (case and accents folded), optionally restricted to a city or ISO country code.
"""

from __future__ import annotations

import json
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from loaders.trials import fold


def records(zip_path: Path) -> Iterator[dict[str, Any]]:
    """Every record of every JSON array in a ROR dump zip, v1 or v2, as (id, names, places, status)."""
    with zipfile.ZipFile(zip_path) as archive:
        for member in archive.namelist():
            for rec in json.loads(archive.read(member)):
                if "names" in rec:
                    names = [n["value"] for n in rec["names"]]
                    places = [(loc["geonames_details"].get("name") or "", loc["geonames_details"].get("country_code") or "")
                              for loc in rec.get("locations") or []]
                else:
                    names = [rec["name"], *rec.get("aliases", []), *rec.get("acronyms", []),
                             *(label["label"] for label in rec.get("labels", []))]
                    code = (rec.get("country") or {}).get("country_code") or ""
                    places = [(a.get("city") or "", code) for a in rec.get("addresses") or []]
                yield {"id": rec["id"], "names": names, "places": places, "status": rec.get("status")}


def search(zip_path: Path, terms: str, where: str = "") -> list[dict[str, Any]]:
    """Records whose names hold every folded fragment of ``terms`` and whose place matches ``where``."""
    wanted, place = fold(terms).split(), fold(where).strip()
    hits = []
    for rec in records(zip_path):
        blob = " ".join(fold(n) for n in rec["names"])
        places = " ".join(fold(c) + " " + fold(cc) for c, cc in rec["places"])
        if all(t in blob for t in wanted) and (not place or place in places):
            hits.append(rec)
    return hits


if __name__ == "__main__":
    for hit in search(Path(sys.argv[1]), sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else ""):
        print(hit["id"], hit["status"], hit["places"], " | ".join(hit["names"][:6]), sep="\t")

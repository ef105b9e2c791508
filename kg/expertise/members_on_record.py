"""How much of the network the graph holds: "members on record: N of 102 reported".

No public source we hold lists all of EURACAN's members, so every place that counts members (``rarekg
stats``, ``/api/v1/stats``, ``/api/v1/coverage`` and its page, the VoID description) states the count
against the network's reported size, so that nobody reads a gap in the list as a gap in the network.

The reported size is the largest size stated by the network's own site (the host of its
``schema:url``; for EURACAN euracan.eu's "102 highly specialised cancer centres across 25 European
countries"); other statements (press items, the coordinator's deck) stay in the graph as
``rkg:NetworkSizeStatement`` nodes. A member on record is a centre whose membership holds on the answer's day: not ended
(``schema:endDate`` before it: e.g. UK hospitals, which left on 1 January 2021) and not started
after it (``schema:startDate``: the January 2022 intake is not yet on record as of 2018).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from kg.core.trial_status import today as answer_day
from kg.core.vocab import BASE
from kg.expertise.referral_index import parse_date

NETWORK = BASE + "network/euracan"

Q_MEMBERS = """SELECT ?c ?country ?start ?end WHERE {{ ?m org:member ?c ; org:organization <{net}> .
  OPTIONAL {{ ?m schema:startDate ?start }} OPTIONAL {{ ?m schema:endDate ?end }}
  OPTIONAL {{ ?c schema:addressCountry ?country }} }}"""
Q_SIZES = """SELECT ?s ?n ?k ?src ?site WHERE {{ <{net}> rkg:reportedSize ?s . ?s rkg:reportedCentreCount ?n .
  OPTIONAL {{ ?s rkg:reportedCountryCount ?k }} OPTIONAL {{ ?s dcterms:source ?src }}
  OPTIONAL {{ <{net}> schema:url ?site }} }}"""


def _host(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")


def reported_size(select: Callable[[str], list[dict[str, Any]]], network: str = NETWORK) -> dict[str, Any] | None:
    """The network's reported size: the largest its own site states, else the largest of any source."""
    rows = select(Q_SIZES.format(net=network))
    if not rows:
        return None
    own = [r for r in rows if "site" in r and "src" in r and _host(r["src"].value) == _host(r["site"].value)]
    best = max(own or rows, key=lambda r: (int(r["n"].value), int(r["k"].value) if "k" in r else 0, r["s"].value))
    return {"centres": int(best["n"].value), "countries": int(best["k"].value) if "k" in best else None,
            "source": best["src"].value if "src" in best else None, "statement": best["s"].value}


def members_on_record(select: Callable[[str], list[dict[str, Any]]], network: str = NETWORK,
                      today: date | None = None) -> dict[str, Any]:
    """Members on record (membership not ended by ``today``), their countries, former members, the
    reported size and the sentence every count is shown with. ``select`` runs a SPARQL SELECT."""
    day = today or answer_day()
    current: dict[str, str] = {}
    former: set[str] = set()
    future: set[str] = set()    # joined after ``day`` (the answer is as of a day)
    for r in select(Q_MEMBERS.format(net=network)):
        end = parse_date(r["end"].value) if "end" in r else None
        start = parse_date(r["start"].value) if "start" in r else None
        if end is not None and end < day:
            former.add(r["c"].value)
        elif start is not None and start > day:
            future.add(r["c"].value)
        else:
            current[r["c"].value] = r["country"].value if "country" in r else ""
    size = reported_size(select, network)
    countries = {k for k in current.values() if k}
    statement = f"members on record: {len(current)}" + (f" of {size['centres']} reported" if size else
                                                         " (no reported network size)")
    if size and size["countries"]:
        statement += f"; countries on record: {len(countries)} of {size['countries']} reported"
    return {"onRecord": len(current), "countriesOnRecord": len(countries), "formerMembers": len(former - set(current)),
            "laterMembers": len(future - set(current)),
            "reported": size["centres"] if size else None, "reportedCountries": size["countries"] if size else None,
            "reportedBy": size["source"] if size else None, "asOf": day.isoformat(), "statement": statement}

"""Orphanet's epidemiology classes and the RARECARE rarity they decide, as pure functions.

* :func:`class_bounds`: an epidemiology class such as ``"1-9 / 100 000"`` -> bounds per 100 000;
* :func:`class_rarity` / :func:`rarecare_rarity`: one annual-incidence class, and the
  incidence records of a disorder (:class:`loaders.orphapackets.Prevalence`), -> rare or not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from loaders.orphapackets import Prevalence

# --- epidemiology classes ---------------------------------------------------------------------

_CLASS = re.compile(r"^\s*(?:(?P<op>[<>])\s*(?P<n>\d+)|(?P<lo>\d+)\s*-\s*(?P<hi>\d+))\s*/\s*(?P<den>\d[\d ]*)\s*$")


def _per_100k(number: str, denominator: int) -> Decimal:
    value = Decimal(number) * Decimal(100_000) / Decimal(denominator)
    return Decimal(format(value.normalize(), "f"))


def class_bounds(value_class: str) -> tuple[Decimal | None, Decimal | None] | None:
    """(lower, upper) per 100 000 of an Orphanet class, as the class text states them.

    ``None`` for "Unknown", "no data" or any text that is not a class. "<1 / 1 000 000" has lower
    bound 0; ">1 / 1000" has no upper bound.

    >>> class_bounds("1-9 / 1 000 000")
    (Decimal('0.1'), Decimal('0.9'))
    >>> class_bounds(">1 / 1000")
    (Decimal('100'), None)
    """
    m = _CLASS.match(value_class)
    if not m:
        return None
    denominator = int(m["den"].replace(" ", ""))
    if denominator == 0:
        return None
    if m["op"] == "<":
        return Decimal(0), _per_100k(m["n"], denominator)
    if m["op"] == ">":
        return _per_100k(m["n"], denominator), None
    return _per_100k(m["lo"], denominator), _per_100k(m["hi"], denominator)


# --- RARECARE rarity --------------------------------------------------------------------------

#: RARECARE's threshold: a cancer is rare when its annual incidence is below 6 per 100 000.
RARECARE_THRESHOLD = Decimal(6)
#: Geographic areas whose annual incidence decides rarity, in order of preference.
RARITY_AREAS = ("Europe", "Worldwide")


@dataclass(frozen=True)
class RarityVerdict:
    """The RARECARE rarity of a disorder and what it rests on."""

    rarity: str                 # "rare" | "not-rare" | "undetermined"
    geographic: str | None      # the area whose incidence decided it
    classes: list[str]          # the incidence classes of that area, sorted
    reason: str


def class_rarity(value_class: str) -> str | None:
    """"rare" / "not-rare" / "undetermined" for one annual-incidence class; None if not a class.

    Rare when the whole class lies below 6 per 100 000, not rare when it lies at or above 6, and
    undetermined when it spans 6 (e.g. "1-9 / 100 000").

    >>> [class_rarity(c) for c in ("<1 / 1 000 000", "1-9 / 100 000", "1-5 / 10 000", "Unknown")]
    ['rare', 'undetermined', 'not-rare', None]
    """
    bounds = class_bounds(value_class)
    if bounds is None:
        return None
    lower, upper = bounds
    if upper is not None and upper < RARECARE_THRESHOLD:
        return "rare"
    if lower is not None and lower >= RARECARE_THRESHOLD:
        return "not-rare"
    return "undetermined"


def rarecare_rarity(prevalences: list[Prevalence]) -> RarityVerdict:
    """The RARECARE rarity of a disorder from its annual-incidence classes.

    Rule: take the "Annual incidence" records with a usable class (not "Unknown"/"no data") of
    the first area of :data:`RARITY_AREAS` that has any (Europe, else Worldwide); national or
    other regional figures are not used. If every such class is rare (or every one not rare),
    that is the verdict; a class spanning 6 / 100 000, or classes that disagree, leave it
    undetermined, as does the absence of any European or worldwide incidence class. Mean values
    are not used: the class is what Orphanet states for every record.
    """
    usable = [p for p in prevalences if p.measure == "Annual incidence" and class_rarity(p.value_class)]
    for area in RARITY_AREAS:
        chosen = sorted({p.value_class for p in usable if p.geographic == area})
        if not chosen:
            continue
        verdicts = {class_rarity(c) for c in chosen}
        if len(verdicts) == 1:
            verdict = verdicts.pop() or "undetermined"
            reason = ("class spans 6 / 100 000" if verdict == "undetermined"
                      else f"{area} annual incidence class {'below' if verdict == 'rare' else 'at or above'}"
                           " 6 / 100 000")
            return RarityVerdict(verdict, area, chosen, reason)
        return RarityVerdict("undetermined", area, chosen, f"{area} annual incidence classes disagree")
    return RarityVerdict("undetermined", None, [], "no European or worldwide annual incidence class")

"""Open world (step 3 of #16): a site that neither the curated data nor the registry resolves becomes,
or joins, an institution node of its own, keyed by its normalised name, city and country.

The same unknown hospital written the same way in three trials is one node with three sites. Keys
never cross cities (the city is part of the key) and differ whenever the normalised names differ,
so two look-alikes (Hôpital Nord in Marseille and in Amiens; "Hospital Clinic" and "Hospital
Clinico") never share a node. A node's label is the spelling its sites use most often.

>>> pool = OpenWorld()
>>> a = pool.node("Hôpital Privé Jean Mermoz", "Lyon", "FR")
>>> b = pool.node("HOPITAL PRIVE JEAN MERMOZ - Service d'oncologie", "Lyon", "FR")
>>> c = pool.node("Hôpital Privé Jean Mermoz", "Marseille", "FR")
>>> a == b, a == c, a
(True, False, 'ow-fr-lyon-hospital-prive-jean-mermoz')
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from kg.core import names
from kg.core.vocab import slugify

#: longest slug of a node's name part (IRIs stay readable; the key itself is never cut)
MAX_SLUG = 80


def key(text: str, city: str, country: str) -> tuple[str, str, str] | None:
    """(normalised name without the city's words and department segments, canonical city, country),
    or None when the name is empty after that or the place is unknown."""
    if not city or not country:
        return None
    strip = names.city_tokens(city)
    segs = names.institution_segments(text)
    words = [t for t in names.normalise_name(" ".join(segs)).split() if not names.is_city_word(t, strip)]
    if not words:
        return None
    return " ".join(words), names.canonical_city(city), country.upper()


@dataclass
class OpenWorld:
    """The open-world nodes made so far: key -> node id, and the spellings and places seen per node."""

    ids: dict[tuple[str, str, str], str] = field(default_factory=dict)
    spellings: dict[str, Counter[str]] = field(default_factory=dict)
    places: dict[str, tuple[str, str]] = field(default_factory=dict)

    def node(self, text: str, city: str, country: str) -> str | None:
        """The id of the node for a site (made on first sight), or None without a name or place."""
        k = key(text, city, country)
        if k is None:
            return None
        nid = self.ids.get(k)
        if nid is None:
            name, canon, cc = k
            nid = self.ids[k] = f"ow-{cc.lower()}-{slugify(canon)}-{slugify(name)[:MAX_SLUG].strip('-')}"
            if nid in self.places:  # two keys with one slug (punctuation only): keep them apart
                nid = self.ids[k] = f"{nid}-{len(self.ids)}"
            self.places[nid] = (city, cc)
            self.spellings[nid] = Counter()
        self.spellings[nid][names.strip_department(text) or text] += 1
        return nid

    def label(self, nid: str) -> str:
        """The most used spelling of a node (ties: the first in sort order)."""
        counts = self.spellings[nid]
        return min(counts, key=lambda s: (-counts[s], s))

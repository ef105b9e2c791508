"""The curator's review queue (#16 item 5): every generic, open-world or unresolved site or affiliation
string, grouped by the node it made (or by its text and place), with its sites, the best registry
candidates and the one line that settles it.

A curator settles an entry with one line in one file:

* the string names a curated institution under another spelling: append ``<id>\\t<text>\\t<source>\\tCC-BY-4.0``
  to ``data/institutions/member_aliases.tsv`` (a EURACAN centre), or add ``| <text>`` to the ``aliases``
  cell of the institution's row in ``data/institutions/institutions.tsv``;
* it names a registry record that should be curated: the row printed (``institutions.tsv``, with the
  record's ROR IRI), to be pasted in id order;
* it is not an institution (a sponsor, an anonymous site): nothing to add; it stays generic;
* it is a generic name that means one hospital in its city ("LKH" in Klagenfurt): the curator adds the name with
  its city as an alias of that hospital ("LKH Klagenfurt"; rule ``alias-of-kind;city``, decision 0012). The queue
  never proposes this line itself: whether the name means one hospital there is the curator's knowledge.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from kg.core.vocab import slugify
from loaders.link.registry import RegistryIndex

ALIASES_FILE = "data/institutions/member_aliases.tsv"
INSTITUTIONS_FILE = "data/institutions/institutions.tsv"
HEADER = "count\tkind\tstatus\tnode\ttext\tplace\tsites\tregistry candidates\tsettle with"


@dataclass
class Entry:
    """One review-queue entry: a node (open world) or a string (generic, unresolved)."""

    status: str
    node: str
    kind: str
    text: str
    place: str
    sites: list[str] = field(default_factory=list)
    candidates: tuple[str, ...] = ()
    source: str = ""


def entries(links: Iterable[object], source_of: Callable[[object], str] = lambda _: "") -> list[Entry]:
    """The queue of ``links`` (:class:`loaders.institutions.Link`), most sites first. An open-world
    node is one entry with all its sites; a generic or unresolved string is one entry per text and place.
    ``source_of`` gives the public page of a link's record (the source of an alias row)."""
    by_key: dict[tuple[str, ...], Entry] = {}
    for link in links:
        res = link.resolution  # type: ignore[attr-defined]
        open_world = res.status == "resolved" and res.rule.startswith("open-world")
        if res.status == "resolved" and not open_world:
            continue
        status = "open-world" if open_world else res.status
        place = f"{link.city} {link.country}".strip()  # type: ignore[attr-defined]
        key = (status, res.institution) if open_world else (status, link.kind, link.text, place)  # type: ignore[attr-defined]
        entry = by_key.get(key)
        if entry is None:
            entry = by_key[key] = Entry(status, res.institution or "", link.kind, link.text, place,  # type: ignore[attr-defined]
                                        source=source_of(link))
        entry.sites.append(f"{link.record}")  # type: ignore[attr-defined]
        entry.candidates = tuple(dict.fromkeys([*entry.candidates, *res.candidates]))[:3]
    return sorted(by_key.values(), key=lambda e: (-len(e.sites), e.status, e.text, e.place, e.node, sorted(e.sites)))


def settle_line(entry: Entry, registry: RegistryIndex | None, curated_best: str, member: bool) -> str:
    """The one line that settles ``entry`` (see the module docstring), or "" when nothing should be added."""
    if entry.status == "generic":
        return ""
    source = entry.source or "<source url>"
    if curated_best:
        if member:
            return f"{ALIASES_FILE}: {curated_best}\t{entry.text}\t{source}\tCC-BY-4.0"
        return f"{INSTITUTIONS_FILE}: row {curated_best}, aliases += ' | {entry.text}'"
    if registry is not None and entry.candidates and entry.candidates[0] in registry.orgs:
        org = registry.orgs[entry.candidates[0]]
        return (f"{INSTITUTIONS_FILE}: {slugify(org.name)}\t{org.name}\t\t{entry.text}\t{org.city}\t{org.country}"
                f"\t\t\t\t\t{org.id}\t{org.id}\tCC-BY-4.0")
    return ""


def table(queue: list[Entry], registry: RegistryIndex | None, best: dict[tuple[str, str], tuple[str, bool]]) -> str:
    """The queue as tab-separated text (:data:`HEADER`); ``best`` maps an entry's text and place to its
    best curated candidate of that place and whether it is a EURACAN member (a candidate elsewhere is no
    alias: "Policlinico San Matteo" in Pavia is not Genoa's San Martino)."""
    lines = [HEADER]
    for e in queue:
        names = ", ".join(f"{c} ({registry.orgs[c].name}, {registry.orgs[c].city})" if registry and c in registry.orgs
                          else c for c in e.candidates)
        cid, member = best.get((e.text, e.place), ("", False))
        sites = ", ".join(sorted(set(e.sites))[:5]) + (" ..." if len(set(e.sites)) > 5 else "")
        lines.append("\t".join([str(len(e.sites)), e.kind, e.status, e.node, e.text, e.place, sites, names,
                                settle_line(e, registry, cid, member)]))
    return "\n".join(lines)

"""Fill the ``ror`` column of the curated provider files from the registry, by a written rule.

Run by hand, then review the diff and the listing it prints (never at build time)::

    python -m loaders.ror_match ../shared/data/ror/ror-records-union-2026-06-23-europe-healthcare.zip

Rule (docs/decisions/0011-research-organization-registry.md). A curated row (``data/euracan/centres.tsv``,
``data/institutions/institutions.tsv``) gets the ROR IRI of a registry record when

1. **city**: some name of the row (name, local name, alias) equals some name of the record (any ROR
   type and language) after folding (:func:`fold_name`: case, accents, punctuation, a leading "the",
   French CHU/CHRU/CHR/CH written out; word order ignored, :func:`name_key`), the record has a
   location in the row's country and city (folded), and exactly one record qualifies; or
2. **country**: failing 1, a name of the row that is not an acronym equals a non-acronym name of
   exactly one record located in the row's country (the city differs: a suburb or a registry error);
3. **words**: failing 2, a non-acronym name of the row and one of the record have the same words after
   :func:`kg.core.names.normalise_name` (one word per concept in every language: "Hôpital Pitié-Salpêtrière"
   = "Pitié-Salpêtrière Hospital", "Institut" = "Institute", "Ospedaliero" = "Ospedaliera"; status
   words such as IRCCS dropped), word order ignored, without the words "campus" and "location" and
   those of the row's city ("Skåne University Hospital Lund" = "Skåne University Hospital"; the
   record's name is taken with and without those of its own city), and the record lies in the row's
   place (:func:`in_place`: the same city in any spelling, a suburb, or one of the names of a
   bilingual registry city such as "Donostia / San Sebastian");
4. **distinctive words**: failing 3, the distinctive words of one of the row's own names (not an alias;
   :func:`kg.core.names.distinctive`: not "hospital", "university", "centre" ...) equal those of one name of
   exactly one healthcare record in the row's place, and the kind words of both names differ at most
   by "hospital" and "university", or by "hospital" and "cancer" when neither says university
   (:func:`kind_fits`: "Hôpital Henri Mondor" = "Hôpitaux Universitaires Henri-Mondor"; "Weston Park
   Hospital" = "Weston Park Cancer Centre"; a cancer centre is not its university).

5. **part**: failing 4, a name of the row and a name of a healthcare record in the row's own city
   (not a suburb; not a group of :data:`GROUP_CHILDREN` hospitals or more) have the same words once
   the distinctive words of the row's own name are added to both, and one of them holds those words:
   "Institut de Cancérologie de l'Ouest Paul Papin" (Angers) is ICO's record, located in Angers (a
   group split by city gives its one record to its part at the record's location, decision 0012).

6. **names together**: failing 5, a name of a healthcare record in the row's place has every distinctive
   word of the row's own name and more, all of them words of the row's names: "CHU Dinant Godinne UCL
   Namur" is the row "CHU UCL Namur" with its alias "CHU Dinant Godinne".

Tiers 3-6 need a distinctive word (a kind and a city, "Aarhus Universitetshospital", name no one
institution), and a name that holds its city's name ("Institut Català d'Oncologia Badalona") needs a
record in that city, not a suburb of it: it names the institution's part there.

Tiers 1-2 are tried with the row's names, then with its aliases; then tier 3 the same way, then tier 4.
Among several qualifying records the only active one is taken, else the only one typed healthcare.
An alias never matches a university or a hospital of a local healthcare group
(see :meth:`Index._part_or_university`).
An inactive or withdrawn record is replaced by its final successor (:func:`loaders.ror.successor_map`),
an active record that names an active successor (without one of its own) by that successor;
an inactive record without one loses to an active record that qualifies with it (the registry keeps an
old record of a renamed hospital beside the new one: Medisch Centrum Haaglanden, Haaglanden MC).
An alias may name a *medical* university (an education record whose name says medical university
or medical school) when the row's own names find nothing: the clinics of a medical university are its
hospital where the registry has no record of the hospital itself (Graz, like Hannover's MHH).
Two qualifying records are ambiguous and the row stays empty, as does a row without any. A ``ror``
value already in a file is kept, and a disagreement with the rule is listed. The listing says which
rows were matched by which tier and which were not, with the reason.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

from rapidfuzz import fuzz

from kg.core import names as kg_names
from loaders.ror import successor_map
from loaders.ror_dump import RorRecord, read
from loaders.ror_match_files import (
    CURATED,
    LISTING,
    LISTING_HEAD,
    Outcome,
    Row,
    listing,
    read_rows,
    write_rows,
)
from loaders.ror_match_names import fold_name, in_place, is_acronym, kind_fits, name_key, words_key
from loaders.ror_subset import fold_city

#: a record with this many children is a group (AP-HP): never the part of it that a row names
GROUP_CHILDREN = 8

__all__ = ["CURATED", "LISTING", "TIERS", "Index", "Outcome", "Row", "listing", "main", "match_all", "read_rows",
           "write_rows"]


class Index:
    """The registry by folded name: which records carry it, and whether only as an acronym."""

    def __init__(self, records: Iterable[RorRecord]) -> None:
        self.records = {r.id: r for r in records}
        self.successors = successor_map(self.records.values())
        named = {r.id: r.related("successor")[0] for r in self.records.values()
                 if r.status == "active" and r.related("successor")}
        for rid, nxt in named.items():  # an active record that names a successor anyway (AZR -> Erasmus MC)
            if nxt in self.records and self.records[nxt].status == "active" and nxt not in named:
                self.successors.setdefault(rid, nxt)
        self.by_name: dict[str, dict[str, bool]] = defaultdict(dict)  # name -> record id -> acronym only
        self.by_place: dict[tuple[str, str], list[RorRecord]] = defaultdict(list)
        self.by_words: dict[tuple[str, ...], set[str]] = defaultdict(set)      # words_key -> record ids
        self.by_distinct: dict[tuple[str, ...], set[str]] = defaultdict(set)   # distinctive words -> ids
        self.distinct_with: dict[str, set[tuple[str, ...]]] = defaultdict(set)  # word -> distinctive keys
        for record in self.records.values():
            for place in {(fold_city(loc.city), loc.country) for loc in record.locations}:
                self.by_place[place].append(record)
            cities = [loc.city for loc in record.locations]
            for name in record.names:
                key = name_key(name.value)
                if key:
                    acronym = name.types == ("acronym",)
                    self.by_name[key][record.id] = self.by_name[key].get(record.id, True) and acronym
                if name.types == ("acronym",):
                    continue
                for words in {words_key(name.value, *cities), words_key(name.value)}:  # "Hospital Donostia"
                    if words:
                        self.by_words[words].add(record.id)
                    distinct = tuple(kg_names.distinctive(words))
                    if distinct and "healthcare" in record.types:
                        self.by_distinct[distinct].add(record.id)
                        for word in distinct:
                            self.distinct_with[word].add(distinct)

    def current(self, rid: str) -> str:
        return self.successors.get(rid, rid)

    def match(self, row: Row) -> Outcome:
        """The rule's outcome for one row: tiers 1-2 with its primary names (name, local name), then with
        its aliases, then tier 3 the same way, then tier 4; among several qualifying records, the only
        active one, else the only one typed healthcare."""
        tried = [(self._candidates(row, names, strict=how == "alias"), how)
                 for names, how in ((row.names[:row.primary], "name"), (row.names, "alias"))]
        for tiers in (("city", "country"), ("words",), ("distinctive",), ("part",)):  # exact names first
            for found, how in tried:
                for tier in tiers:
                    chosen = self._one(found[tier])
                    if chosen:
                        return Outcome(row, chosen, tier, f"{self._shown(chosen)} [by {how}]")
        chosen = self._one(self._joined(row))
        if chosen:
            return Outcome(row, chosen, "names", f"{self._shown(chosen)} [by its names together]")
        found = tried[-1][0]
        several = next((t for t in TIERS if found[t]), "")
        if several:
            listed = "; ".join(sorted(self._shown(r, r) for r in found[several]))
            return Outcome(row, "", "ambiguous", f"{several}: {listed}")
        return Outcome(row, "", "none", "no registry record with one of its names in its country"
                       + self._closest(row))

    def _closest(self, row: Row) -> str:
        """A hint for the curator: the registry record of the row's city whose name is closest to
        one of the row's names (rapidfuzz token-sort ratio ≥ 75), never used as a match."""
        place = (fold_city(row.city), row.country)
        best, best_score = "", 75.0
        for record in self.by_place.get(place, ()):
            for name in record.names:
                for own in row.names:
                    score = fuzz.token_sort_ratio(fold_name(own), fold_name(name.value))
                    if score > best_score:
                        best, best_score = f"{record.id} {record.display}", score
        return f"; closest in its city: {best} ({best_score:.0f})" if best else "; none in its city is close"

    def _candidates(self, row: Row, names: Sequence[str], strict: bool) -> dict[str, set[str]]:
        city, country, canon = fold_city(row.city), row.country, kg_names.canonical_city(row.city)
        found: dict[str, set[str]] = {tier: set() for tier in TIERS}
        for name in names:
            for rid, acronym_only in self.by_name.get(name_key(name), {}).items():
                if strict and self._part_or_university(self.records[rid]):
                    continue
                locations = self.records[rid].locations
                if any(loc.country == country and (fold_city(loc.city) == city or canon == kg_names.canonical_city(loc.city))
                       for loc in locations):  # the same city in another language (GeoNames: Genf, Geneva)
                    found["city"].add(self.current(rid))
                elif not acronym_only and not is_acronym(name) and any(loc.country == country for loc in locations):
                    found["country"].add(self.current(rid))
            if is_acronym(name):
                continue
            words = words_key(name, row.city)
            distinct = tuple(kg_names.distinctive(words))
            if not distinct:  # a kind and a city ("Aarhus Universitetshospital") names no one institution
                continue
            # a name that says its city ("Institut Català d'Oncologia Badalona") is the part in that city
            level = ("city",) if words != words_key(name) else ("city", "metro")
            for tier, rids in (("words", self.by_words.get(words, set())),
                               ("distinctive", set() if strict else self.by_distinct.get(distinct, set()))):
                for rid in rids:
                    record = self.records[rid]
                    if strict and self._part_or_university(record) or in_place(row.city, country, record) not in level:
                        continue
                    if tier == "distinctive" and not kind_fits(words, record):
                        continue
                    found[tier].add(self.current(rid))
            found["part"] |= self._parts(row, words, strict)
        return found

    def _parts(self, row: Row, words: tuple[str, ...], strict: bool) -> set[str]:
        """Tier 5: records of the row's own city whose name, with the distinctive words of the row's own
        name added, has the words of ``words`` with them added, where one of the two names holds them
        all and the rest of the record's name is distinctive: "Institut de Cancérologie de l'Ouest Paul
        Papin" (Angers) is the registry's "Institut de Cancérologie de l'Ouest" (Angers), the part of a
        group at the record's own location; "Institut de Cancérologie de la Loire" is "Institute Cancer
        de la Loire Lucien Neuwirth"."""
        own = set(kg_names.distinctive(words_key(row.names[0], row.city))) if row.names else set()
        if not own or len(own) > 4:
            return set()
        base, found = set(words) - own, set()
        extras = sorted(own)
        for mask in range(1 << len(extras)):
            with_some = base | {w for i, w in enumerate(extras) if mask >> i & 1}
            if not (own <= set(words) or own <= with_some) or not kg_names.distinctive(sorted(with_some - own)):
                continue
            for rid in self.by_words.get(tuple(sorted(with_some)), set()):
                record = self.records[rid]
                if "healthcare" not in record.types or len(record.related("child")) >= GROUP_CHILDREN \
                        or strict and self._part_or_university(record) or in_place(row.city, row.country, record) != "city":
                    continue
                found.add(self.current(rid))
        return found

    def _joined(self, row: Row) -> set[str]:
        """Tier 6: healthcare records of the row's place (its city or a suburb) one of whose names is made
        of the row's names together: it has every distinctive word of the row's own name and more, all of
        them words of the row's names, and the kinds fit (:func:`kind_fits`): "CHU Dinant Godinne UCL Namur"
        is the row "CHU UCL Namur" with its alias "CHU Dinant Godinne"."""
        if not row.names:
            return set()
        own_words = words_key(row.names[0], row.city)
        own = set(kg_names.distinctive(own_words))
        every = set().union(*(kg_names.distinctive(words_key(n, row.city)) for n in row.names if not is_acronym(n)))
        if not own or every == own:
            return set()
        rarest = min(own, key=lambda w: len(self.distinct_with.get(w, ())))
        found = set()
        for distinct in self.distinct_with.get(rarest, ()):
            if not own < set(distinct) <= every:
                continue
            for rid in self.by_distinct[distinct]:
                record = self.records[rid]
                if len(record.related("child")) < GROUP_CHILDREN and kind_fits(own_words, record) \
                        and in_place(row.city, row.country, record) in ("city", "metro"):
                    found.add(self.current(rid))
        return found

    def _part_or_university(self, record: RorRecord) -> bool:
        """Records an alias never matches: a university (ROR type education, not healthcare), since
        "University of X" as a site name is an alias of X's hospital, not the university; and a
        hospital whose parent is a healthcare organisation of the same city, since a curated row
        whose alias names one hospital of a local group is the group (a French CHU is one
        institution whichever of its hospitals is named)."""
        if "education" in record.types and "healthcare" not in record.types:
            return not any({"medical", "university"} <= set(kg_names.normalise_name(n.value).split())
                           or "medical school" in kg_names.normalise_name(n.value)
                           for n in record.names if n.types != ("acronym",))
        cities = {(fold_city(loc.city), loc.country) for loc in record.locations}
        for parent_id in record.related("parent"):
            parent = self.records.get(parent_id)
            if parent and "healthcare" in parent.types and any(
                    (fold_city(loc.city), loc.country) in cities for loc in parent.locations):
                return True
        return False

    def _one(self, rids: set[str]) -> str:
        if len(rids) == 1:
            return next(iter(rids))
        active = {r for r in rids if r not in self.records or self.records[r].status == "active"}
        if len(active) == 1:  # an old record without a successor beside the renamed hospital's record
            return next(iter(active))
        rids = active or rids
        healthcare = [r for r in rids if r in self.records and "healthcare" in self.records[r].types]
        return healthcare[0] if len(healthcare) == 1 else ""

    def _shown(self, rid: str, prefix: str = "") -> str:
        record = self.records.get(rid)
        if record is None:
            return rid
        where = f" ({record.locations[0].city})" if record.locations else ""
        return f"{prefix} {record.display}{where}".strip()


#: the tiers of the rule, in the order they are tried
TIERS = ("city", "country", "words", "distinctive", "part", "names")


def match_all(rows: Sequence[Row], index: Index) -> list[Outcome]:
    """The rule's outcome for every row; a value already in a file wins (a disagreement is noted). A
    ROR id that the rule would give two rows goes to neither (both are listed as ambiguous): one
    registry record is one institution."""
    outcomes = []
    for row in rows:
        outcome = index.match(row)
        if row.ror and row.ror != outcome.ror:
            outcome = Outcome(row, row.ror, "kept", f"kept the file's value; the rule gives "
                                                    f"{outcome.ror or outcome.tier}: {outcome.note}")
        outcomes.append(outcome)
    owners: dict[str, list[int]] = defaultdict(list)
    for i, o in enumerate(outcomes):
        if o.ror:
            owners[o.ror].append(i)
    for rid, indexes in owners.items():
        if len(indexes) > 1:
            ids = ", ".join(outcomes[i].row.id for i in indexes)
            for i in indexes:
                if outcomes[i].tier != "kept":
                    outcomes[i] = Outcome(outcomes[i].row, "", "ambiguous", f"{rid} would go to several rows: {ids}")
    return outcomes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loaders.ror_match", description=__doc__.splitlines()[0])
    parser.add_argument("dump", type=Path, help="a ROR dump zip")
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parent.parent / "data",
                        help="the dataset folder whose curated files are filled (default: the repository's)")
    parser.add_argument("--dry-run", action="store_true", help="print the listing, write nothing")
    args = parser.parse_args(argv)
    outcomes = match_all(read_rows(args.data), Index(read(args.dump)))
    text = LISTING_HEAD.format(dump=args.dump.name) + listing(outcomes)
    if not args.dry_run:
        write_rows(args.data, outcomes)
        (args.data / LISTING).write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

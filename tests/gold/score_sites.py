"""Score a built graph's trial-site → institution links against the held-out gold set of issue #16.

The gold set is ``sites_test.tsv`` (protocol in ``sites_protocol.md``): every site of the test-half
trials, labelled with its real institution from the trial files alone. Scored over the **European,
identifiable** gold sites:

* **coverage** — share of those sites that the graph resolves to an institution (``rkg:atProvider``);
* **pairwise precision / recall** of "same institution" over all pairs of those sites: a pair is
  *gold-same* when both sites carry the same ``institution_key``, *graph-same* when both are resolved
  to the same provider node; precision = |both| / |graph-same|, recall = |both| / |gold-same|
  (an unresolved site is in no graph-same pair);
* **ROR share** — share of the gold institutions that the registry holds (``ror_id`` set) whose graph
  node (the provider most of the institution's sites resolve to) carries that ROR IRI, or one of
  ``ror_alt``, as the object of any triple (IRI or literal).

A gold site is found in the graph by its trial (``dcterms:identifier`` = the registry id) and its facility
name and city folded as the trial loader folds them when it merges duplicate sites (the build numbers
sites after that merge, not by file order).

Run: ``python tests/gold/score_sites.py STORE [--gold tests/gold/sites_test.tsv] [--cases 10]``.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

from loaders.trials import fold

GOLD_FILE = Path(__file__).with_name("sites_test.tsv")
COLUMNS = ("registry_id", "site_index", "facility", "city", "country", "european", "identifiable",
           "institution_key", "institution_name", "ror_id", "ror_alt", "parent_group", "evidence", "note")
ROR_IRI = re.compile(r"^https://ror\.org/0[a-z0-9]{6}[0-9]{2}$")
RKG = "https://w3id.org/rarekg/ontology/"

SITES_QUERY = f"""
PREFIX rkg: <{RKG}>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX schema: <https://schema.org/>
SELECT ?rid ?site ?facility ?city ?provider WHERE {{
  ?trial rkg:hasSite ?site ; dcterms:identifier ?rid .
  OPTIONAL {{ ?site rkg:facilityName ?facility }}
  OPTIONAL {{ ?site schema:addressLocality ?city }}
  OPTIONAL {{ ?site rkg:atProvider ?provider }}
}}"""

ROR_QUERY = f"""
PREFIX rkg: <{RKG}>
SELECT DISTINCT ?provider ?ror WHERE {{
  ?site rkg:atProvider ?provider .
  ?provider ?p ?ror .
  FILTER(STRSTARTS(STR(?ror), "https://ror.org/"))
}}"""


class GoldFileError(ValueError):
    """The gold file breaks its format; the message names the file and line."""


@dataclass(frozen=True)
class GoldSite:
    """One labelled site (a row of ``sites_test.tsv``)."""

    registry_id: str
    site_index: int
    facility: str
    city: str
    country: str
    european: bool
    identifiable: bool
    institution_key: str
    institution_name: str
    ror_id: str
    ror_alt: tuple[str, ...]
    parent_group: str
    evidence: str
    note: str
    line: int


def _flag(value: str, column: str, where: str) -> bool:
    if value not in ("yes", "no"):
        raise GoldFileError(f"{where}: column {column} must be yes or no, not {value!r}")
    return value == "yes"


def read_gold(path: Path = GOLD_FILE) -> list[GoldSite]:
    """The gold rows, checked for shape. Raises GoldFileError naming file and line."""
    lines = path.read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines or tuple(lines[0].split("\t")) != COLUMNS:
        raise GoldFileError(f"{path}:1: header must be {' '.join(COLUMNS)}")
    sites = []
    for n, line in enumerate(lines[1:], 2):
        where = f"{path}:{n}"
        cells = line.split("\t")
        if len(cells) != len(COLUMNS):
            raise GoldFileError(f"{where}: {len(cells)} columns, expected {len(COLUMNS)}")
        row = dict(zip(COLUMNS, cells, strict=True))
        if not row["site_index"].isdigit():
            raise GoldFileError(f"{where}: site_index {row['site_index']!r} is not a number")
        identifiable = _flag(row["identifiable"], "identifiable", where)
        if identifiable != bool(row["institution_key"]):
            raise GoldFileError(f"{where}: institution_key must be set exactly when identifiable is yes")
        for iri in [row["ror_id"], *row["ror_alt"].split()]:
            if iri and not ROR_IRI.match(iri):
                raise GoldFileError(f"{where}: {iri!r} is not a ROR IRI (https://ror.org/0xxxxxxNN)")
        if row["ror_alt"] and not row["ror_id"]:
            raise GoldFileError(f"{where}: ror_alt without ror_id")
        sites.append(GoldSite(row["registry_id"], int(row["site_index"]), row["facility"], row["city"],
                              row["country"], _flag(row["european"], "european", where), identifiable,
                              row["institution_key"], row["institution_name"], row["ror_id"],
                              tuple(row["ror_alt"].split()), row["parent_group"], row["evidence"],
                              row["note"], n))
    return sites


@dataclass
class GraphSites:
    """What the graph holds for scoring: each (registry id, facility, city) → the providers of the
    matching site nodes (``None`` = unresolved), and each provider's ROR IRIs."""

    sites: dict[tuple[str, str, str], set[str | None]] = field(default_factory=dict)
    rors: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))


def graph_sites(rows: Iterable[dict[str, object]], ror_rows: Iterable[dict[str, object]]) -> GraphSites:
    """Index the rows of SITES_QUERY and ROR_QUERY (values as RDF terms or strings)."""
    out = GraphSites()
    for row in rows:
        key = (_value(row["rid"]), fold(_value(row.get("facility"))), fold(_value(row.get("city"))))
        provider = row.get("provider")
        out.sites.setdefault(key, set()).add(_value(provider) if provider is not None else None)
    for row in ror_rows:
        out.rors[_value(row["provider"])].add(_value(row["ror"]))
    return out


def _value(term: object) -> str:
    return "" if term is None else str(getattr(term, "value", term))


def read_graph(store_path: Path) -> GraphSites:
    """The site links and ROR IRIs of a built store (opened read-only)."""
    from kg.store.embedded import EmbeddedStore

    store = EmbeddedStore(store_path, read_only=True)
    try:
        return graph_sites(store.select(SITES_QUERY), store.select(ROR_QUERY))
    finally:
        store.close()


@dataclass
class Scores:
    """The figures and the cases behind them."""

    sites: int
    resolved: int
    gold_pairs: int
    graph_pairs: int
    both_pairs: int
    ror_institutions: int
    ror_right: int
    missing: list[GoldSite]
    unresolved: list[GoldSite]
    merged: list[tuple[str, list[str]]]
    split: list[tuple[str, list[str]]]
    wrong_ror: list[tuple[str, str, str]]
    generic_resolved: list[tuple[GoldSite, str]] = field(default_factory=list)

    @property
    def coverage(self) -> float:
        return self.resolved / self.sites if self.sites else 0.0

    @property
    def precision(self) -> float:
        return self.both_pairs / self.graph_pairs if self.graph_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.both_pairs / self.gold_pairs if self.gold_pairs else 1.0

    @property
    def ror_share(self) -> float:
        return self.ror_right / self.ror_institutions if self.ror_institutions else 0.0


def provider_of(site: GoldSite, graph: GraphSites) -> tuple[bool, str | None]:
    """(found in the graph, provider IRI or None) for a gold site; one site node per facility/city."""
    providers = graph.sites.get((site.registry_id, fold(site.facility), fold(site.city)))
    if providers is None:
        return False, None
    resolved = sorted(p for p in providers if p)
    return True, resolved[0] if resolved else None


def score(gold: Sequence[GoldSite], graph: GraphSites) -> Scores:
    """Coverage, pairwise precision/recall and ROR share over European identifiable gold sites."""
    scored = [s for s in gold if s.european and s.identifiable]
    assigned: list[tuple[GoldSite, str | None]] = []
    missing = []
    for site in scored:
        found, provider = provider_of(site, graph)
        if not found:
            missing.append(site)
        assigned.append((site, provider))
    gold_pairs = graph_pairs = both = 0
    for (a, pa), (b, pb) in combinations(assigned, 2):
        same_gold = a.institution_key == b.institution_key
        same_graph = pa is not None and pa == pb
        gold_pairs += same_gold
        graph_pairs += same_graph
        both += same_gold and same_graph
    by_key: dict[str, list[str | None]] = defaultdict(list)
    by_provider: dict[str, set[str]] = defaultdict(set)
    names = {s.institution_key: s.institution_name for s in scored}
    for site, provider in assigned:
        by_key[site.institution_key].append(provider)
        if provider:
            by_provider[provider].add(site.institution_key)
    ror_total = ror_right = 0
    wrong_ror = []
    for key, rows in sorted(_ror_institutions(scored).items()):
        ror_total += 1
        resolved = [p for p in by_key[key] if p]
        node = Counter(resolved).most_common(1)[0][0] if resolved else None
        held = graph.rors.get(node, set()) if node else set()
        if held & set(rows):
            ror_right += 1
        else:
            wrong_ror.append((names[key], rows[0], ", ".join(sorted(held)) or ("unresolved" if not node else "none")))
    merged = sorted(((p, sorted(names[k] for k in keys)) for p, keys in by_provider.items() if len(keys) > 1),
                    key=lambda item: -len(item[1]))
    split = sorted(((names[k], sorted({p for p in ps if p})) for k, ps in by_key.items()
                    if len({p for p in ps if p}) > 1), key=lambda item: -len(item[1]))
    generic = [(s, p) for s in gold if s.european and not s.identifiable
               for p in [provider_of(s, graph)[1]] if p is not None]
    return Scores(len(scored), sum(1 for _, p in assigned if p), gold_pairs, graph_pairs, both, ror_total,
                  ror_right, missing, [s for s, p in assigned if p is None], merged, split, wrong_ror, generic)


def _ror_institutions(scored: Iterable[GoldSite]) -> dict[str, list[str]]:
    """institution key → accepted ROR IRIs (gold ``ror_id`` first), for institutions the registry holds."""
    return {s.institution_key: [s.ror_id, *s.ror_alt] for s in scored if s.ror_id}


def report(scores: Scores, cases: int = 10) -> str:
    """The figures and the worst cases, as text."""
    lines = [
        f"European identifiable sites: {scores.sites} (not found in the graph: {len(scores.missing)})",
        f"coverage: {scores.coverage:.3f} ({scores.resolved}/{scores.sites})",
        f"pairwise precision: {scores.precision:.3f} ({scores.both_pairs}/{scores.graph_pairs})",
        f"pairwise recall: {scores.recall:.3f} ({scores.both_pairs}/{scores.gold_pairs})",
        f"ROR share: {scores.ror_share:.3f} ({scores.ror_right}/{scores.ror_institutions})",
    ]
    if scores.missing:
        lines.append("gold sites not found in the graph:")
        lines += [f"  {s.registry_id}/{s.site_index} {s.facility} ({s.city})" for s in scores.missing[:cases]]
    lines.append(f"unresolved (first {cases}):")
    lines += [f"  {s.registry_id}/{s.site_index} {s.facility} ({s.city}) -> {s.institution_name}"
              for s in scores.unresolved[:cases]]
    lines.append("one graph node for several gold institutions (precision losses):")
    lines += [f"  {node}: {' | '.join(keys)}" for node, keys in scores.merged[:cases]]
    lines.append("one gold institution over several graph nodes (recall losses):")
    lines += [f"  {name}: {' | '.join(nodes)}" for name, nodes in scores.split[:cases]]
    lines.append("institutions the registry holds without the right ROR IRI in the graph:")
    lines += [f"  {name}: want {want}, graph has {has}" for name, want, has in scores.wrong_ror[:cases]]
    lines.append(f"European sites the gold calls not identifiable but the graph resolves: {len(scores.generic_resolved)}")
    lines += [f"  {s.registry_id}/{s.site_index} {s.facility[:60]} ({s.city}) -> {p}"
              for s, p in scores.generic_resolved[:cases]]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("store", type=Path, help="a store built by `rarekg build --store ... --data ...`")
    parser.add_argument("--gold", type=Path, default=GOLD_FILE)
    parser.add_argument("--cases", type=int, default=10, help="worst cases listed per kind")
    args = parser.parse_args(argv)
    if not args.store.exists():
        parser.error(f"store {args.store} does not exist")
    print(report(score(read_gold(args.gold), read_graph(args.store)), args.cases))
    return 0


if __name__ == "__main__":
    sys.exit(main())

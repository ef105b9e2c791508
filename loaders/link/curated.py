"""Resolving trial-site facilities and publication affiliations to one institution (pure functions).

Candidates are the curated EURACAN centres (``data/euracan/centres.tsv``) and the curated
institutions beyond the member list (``data/institutions/institutions.tsv``), read as one set by
:mod:`loaders.institutions`. A decision follows these rules, in order:

1. **ror**: an affiliation identifier ``ROR:<id>`` equal to a candidate's ROR id resolves at once.
2. **generic**: sponsor names used as a site ("Novartis Investigative Site"), numbered or anonymous
   sites ("Research Site", "Investigational Site 0042", "Local Institution"), a bare city and names made
   only of generic words ("Hospital", "University Medical Center") are *generic*: counted, never guessed.
3. **name + place**: the facility is split into segments (commas, " - ", "/", "&"), department segments
   are dropped ("Department of Neurosurgery", "Service d'oncologie", "Klinik für ..."), names are
   normalised (:func:`kg.core.names.normalise_name`) and the site's city words removed; every candidate
   whose city agrees with the site (same city in any spelling, or a suburb of it) and whose country
   agrees is scored against every name, local name and alias (exact 1.0; one name contained in the
   other 0.90-1.0; rapidfuzz token-sort ratio when a distinctive word agrees). The best candidate
   wins if it scores at least :data:`THRESHOLD` and leads the next institution by :data:`MARGIN`; a
   tie between names matched in different segments goes to the later, more specific segment
   ("Assistance Publique - Hôpitaux de Paris - Hôpital Tenon" is Tenon). Otherwise it is ambiguous.
4. **registry errors**: with no candidate in place, an exact match on a name with two or more
   distinctive words that only one candidate has is accepted when the city disagrees
   (``city-disagrees``, e.g. "Institut Gustave Roussy" registered in Angers; never when the facility
   names its own city: "Ospedale Santa Chiara Pisa" is not Trento's) or the country disagrees but the
   city agrees (``country-disagrees``); the rule says so.
5. Otherwise the string is *unresolved*; the best candidate and its score go to the review queue.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from kg.core import names

THRESHOLD = 0.88
MARGIN = 0.02
_GENERIC_SITE = re.compile(
    r"\b(research|investigational|investigative|investigator|study|clinical|trial|local|reference)\s+"
    r"(site|sites|institution|facility)\b|^site\s*\d*$|\bsite\s*(number|no|#)?\s*\d+\b", re.IGNORECASE)


@dataclass(frozen=True)
class Candidate:
    """One institution the resolver may link to."""

    id: str
    name: str
    city: str
    country: str
    names: tuple[str, ...]           # name, local name and aliases as written
    ror: str = ""                    # "https://ror.org/0..." or ""
    member: bool = False             # a curated EURACAN centre
    part_of: str = ""                # the group (candidate id) this hospital belongs to (decision 0012)


@dataclass(frozen=True)
class Resolution:
    """The decision for one site or affiliation string."""

    status: str                      # "resolved" | "generic" | "unresolved"
    institution: str | None = None   # candidate id when resolved
    score: float = 0.0
    rule: str = ""                   # e.g. "name-exact;city", "generic:sponsor", "ambiguous"
    matched_text: str = ""           # the segment of the input that matched
    best: str | None = None          # best candidate id (also when unresolved)
    best_score: float = 0.0
    margin: float = 1.0              # lead of the best over the next institution
    candidates: tuple[str, ...] = ()  # registry records considered (ROR IRIs), for the review queue


@dataclass
class _Name:
    text: str
    tokens: tuple[str, ...]
    distinct: tuple[str, ...]


@dataclass
class Index:
    """Candidates with their normalised names (city words removed), grouped by country."""

    candidates: dict[str, Candidate]
    names: dict[str, list[_Name]] = field(default_factory=dict)
    by_country: dict[str, list[str]] = field(default_factory=dict)
    by_ror: dict[str, str] = field(default_factory=dict)
    cities: set[str] = field(default_factory=set)
    strip: dict[str, frozenset[str]] = field(default_factory=dict)  # city words of each candidate
    #: distinctive names (two or more distinctive words) by their tokens: [(candidate, entry's position)]
    exact: dict[tuple[str, ...], list[tuple[str, int]]] = field(default_factory=dict)
    #: candidates that other candidates are part of (AP-HP, Hospices Civils de Lyon): never chosen over a part
    groups: set[str] = field(default_factory=set)


def build_index(candidates: Iterable[Candidate]) -> Index:
    """The index of a candidate set (normalised names, countries, ROR ids, known cities)."""
    index = Index({c.id: c for c in candidates})
    for c in index.candidates.values():
        strip = index.strip[c.id] = frozenset(names.city_tokens(c.city))
        entries = []
        for text in dict.fromkeys(c.names):
            toks = tuple(t for t in names.normalise_name(text).split() if t not in strip)
            if toks:
                entries.append(_Name(text, toks, tuple(names.distinctive(toks))))
        index.names[c.id] = entries
        for position, entry in enumerate(entries):
            if len(entry.distinct) >= 2:
                index.exact.setdefault(entry.tokens, []).append((c.id, position))
        index.by_country.setdefault(c.country, []).append(c.id)
        if c.ror:
            index.by_ror[c.ror.rsplit("/", 1)[-1].lower()] = c.id
        index.cities.add(names.canonical_city(c.city))
        if c.part_of:
            index.groups.add(c.part_of)
    return index


def name_score(q: tuple[str, ...], n: tuple[str, ...], q_distinct: tuple[str, ...],
               n_distinct: tuple[str, ...]) -> tuple[float, str]:
    """Similarity of a query and a candidate name (normalised token tuples) and the kind of match."""
    if q == n:
        return 1.0, "exact"
    qs, ns = set(q), set(n)
    if n_distinct and ns <= qs:
        return min(0.99, 0.85 + 0.15 * len(ns) / len(qs)), "contained"
    if q_distinct and qs <= ns:
        return min(0.99, 0.80 + 0.20 * len(qs) / len(ns)), "contains"
    if not n_distinct and not q_distinct:
        return 0.0, ""
    if not n_distinct:  # "university hospital" (type + city) at the start or end of a longer name
        return (0.90, "type-prefix") if q[:len(n)] == n or q[-len(n):] == n else (0.0, "")
    if not q_distinct:
        return 0.0, ""
    if not any(fuzz.ratio(a, b) >= 85 for a in q_distinct for b in n_distinct):
        return 0.0, ""
    return fuzz.token_sort_ratio(" ".join(q), " ".join(n)) / 100, "fuzzy"


def _queries(text: str, city: str, country_words: set[str]) -> list[tuple[int, str, tuple[str, ...]]]:
    """(segment position, segment text, normalised tokens) for each segment and the whole string (-1)."""
    strip = names.city_tokens(city) | country_words
    segs = names.institution_segments(text)
    out = []
    for pos, seg in [(-1, " ".join(segs))] + list(enumerate(segs)):
        toks = tuple(t for t in names.normalise_name(seg).split() if t not in strip)
        if toks:
            out.append((pos, seg, toks))
    return out


def generic_reason(text: str, city: str, sponsors: Iterable[str] = ()) -> str | None:
    """Why a facility string is generic ("anonymous-site", "bare-city", "generic-words", or "sponsor"
    when it equals one of ``sponsors``), or None if it names an institution. :func:`resolve` checks
    sponsors only after no candidate matched, since sponsoring hospitals are sites of their own trials."""
    folded = names.fold(text)
    if not folded:
        return "empty"
    if _GENERIC_SITE.search(folded):
        return "anonymous-site"
    if any(fuzz.token_set_ratio(folded, fs) >= 90 for fs in map(names.fold, sponsors) if fs):
        return "sponsor"
    segs = names.institution_segments(text)
    toks = names.normalise_name(" ".join(segs)).split()
    if not toks or (segs == names.segments(text) and all(names.is_department(s) for s in segs)
                    and not set(toks) & names.INSTITUTION_TYPES):
        return "department-only"
    city_words = names.city_tokens(city) if city else set()
    if city_words and set(toks) <= city_words:
        return "bare-city"
    if not [t for t in toks if t not in names.TYPE_WORDS and not t.isdigit()]:
        return "generic-words"
    return None


def place_agreement(site_city: str, site_country: str, cand: Candidate) -> str | None:
    """How a site's place agrees with a candidate's: "city", "metro" or None (never on country alone)."""
    if not site_city or (site_country and cand.country != site_country):
        return None
    return names.city_agreement(site_city, cand.city)


def _score_candidates(index: Index, queries: list[tuple[int, str, tuple[str, ...]]], ids: Iterable[str],
                      require_distinct: bool = False) -> list[tuple[float, int, str, str, str]]:
    """(score, segment position, candidate id, matched segment, kind) of each candidate's best name."""
    scored = []
    qd = [(pos, seg, q, tuple(names.distinctive(q))) for pos, seg, q in queries]
    for cid in ids:
        best = (0.0, -2, cid, "", "")
        strip = index.strip[cid]
        qc = [(p, g, tuple(t for t in q if t not in strip), tuple(t for t in d if t not in strip))
              for p, g, q, d in qd]
        for entry in index.names[cid]:
            if require_distinct and not entry.distinct:
                continue
            for pos, seg, q, q_distinct in qc:
                if not q:
                    continue
                s, kind = name_score(q, entry.tokens, q_distinct, entry.distinct)
                if (s, pos) > best[:2]:
                    best = (s, pos, cid, seg, kind)
        if best[0] > 0:
            scored.append(best)
    scored.sort(key=lambda t: (-t[0], -t[1], t[2]))
    return scored


def _decide(scored: list[tuple[float, int, str, str, str]], places: dict[str, str],
            groups: set[str] = frozenset()) -> Resolution | None:  # type: ignore[assignment]
    if not scored or scored[0][0] < THRESHOLD:
        return None
    scored = [s for s in scored if s[4] != "type-prefix" or places[s[2]] == "city"]
    if not scored or scored[0][0] < THRESHOLD:
        return None
    parts = [s for s in scored if s[0] >= THRESHOLD and s[2] not in groups]
    # decision 0012: a hospital named with its group is the hospital, when the site writes the hospital's
    # name ("Erasmus Medical Center" is the group, not its "Erasmus MC Cancer Institute", whose name holds it)
    named = [s for s in parts if s[4] in ("exact", "contained")]
    if scored[0][2] in groups and named:
        top = named[0]
        return Resolution("resolved", top[2], round(top[0], 3), f"name-{top[4]};{places[top[2]]};part-over-group",
                          top[3], top[2], top[0], 1.0)
    top = scored[0]
    in_city = [s for s in parts or scored if places[s[2]] == "city" and s[0] >= THRESHOLD and s[4] != "fuzzy"]
    if places[top[2]] != "city" and in_city:  # the site's own city over a suburb or neighbour (ICO Badalona)
        top = in_city[0]
        return Resolution("resolved", top[2], round(top[0], 3), f"name-{top[4]};city;own-city", top[3], top[2],
                          top[0], 1.0)
    others = [s for s in scored[1:] if s[2] != top[2]]
    second = others[0] if others else None
    margin = top[0] - second[0] if second else 1.0
    rule = f"name-{top[4]};{places[top[2]]}"
    if second is not None and margin < MARGIN:
        if second[1] < top[1]:
            rule += ";later-segment"
        elif places[top[2]] == "city" and places[second[2]] != "city":
            rule += ";same-city"
        else:
            return Resolution("unresolved", None, 0.0, "ambiguous", top[3], top[2], top[0], margin)
    return Resolution("resolved", top[2], round(top[0], 3), rule, top[3], top[2], top[0], margin)


def _registry_error(index: Index, queries: list[tuple[int, str, tuple[str, ...]]], site_city: str,
                    site_country: str, *, names_own_city: bool = False) -> Resolution | None:
    """Rule 4: an exact, distinctive, unique name with a disagreeing city or country. A facility that names
    its own city ("Ospedale Santa Chiara Pisa") says the city is no error: another city's namesake is never
    taken for it (Trento's Ospedale Santa Chiara).

    A candidate's segment is that of its last (name, query) match, names in the candidate's order."""
    matched: dict[str, tuple[tuple[int, int], str]] = {}
    for qpos, (_, seg, q) in enumerate(queries):
        for cid, epos in index.exact.get(q, ()):
            if cid not in matched or (epos, qpos) > matched[cid][0]:
                matched[cid] = ((epos, qpos), seg)
    hits: dict[str, tuple[str, str]] = {}
    for cid, (_, seg) in matched.items():
        cand = index.candidates[cid]
        if cand.country == site_country:
            if not names_own_city:
                hits[cid] = (seg, "city-disagrees")
        elif site_city and names.city_agreement(site_city, cand.city) == "city":
            hits[cid] = (seg, "country-disagrees")
    if len(hits) != 1:
        return None
    cid, (seg, why) = next(iter(hits.items()))
    return Resolution("resolved", cid, 0.9, f"name-exact;{why}", seg, cid, 0.9, 1.0)


def _curated_kind(index: Index, text: str, city: str, country: str, country_words: Iterable[str]) -> Resolution | None:
    """A generic name that one curated institution of the site's own city lists among its names, with or without
    the city ("LKH" in Klagenfurt: the Klinikum Klagenfurt, formerly Landeskrankenhaus, alias "LKH Klagenfurt"):
    a curator has said which hospital the name means there (rule ``alias-of-kind;city``). Never by a city near it."""
    queries = _queries(text, city, set(country_words))
    if not city or not queries:
        return None
    whole = queries[0][2]
    hits = {cid for cid in index.by_country.get(country, []) if place_agreement(city, country, index.candidates[cid]) == "city"
            and any(tuple(t for t in entry.tokens if t not in index.strip[cid]) == whole for entry in index.names[cid])}
    if len(hits) != 1:
        return None
    cid = hits.pop()
    return Resolution("resolved", cid, 0.9, "alias-of-kind;city", text, cid, 0.9, 1.0)


def resolve(index: Index, text: str | None, city: str | None = None, country: str | None = None, *,
            sponsors: Iterable[str] = (), identifiers: Iterable[str] = (),
            country_words: Iterable[str] = ()) -> Resolution:
    """The decision for one facility or affiliation string (see the module docstring for the rules).

    ``country`` is ISO 3166-1 alpha-2; ``identifiers`` are CURIEs such as "ROR:05a0ya142";
    ``country_words`` are folded country names to ignore inside the string. Never raises.
    """
    text, city, country = (text or "").strip(), (city or "").strip(), (country or "").strip().upper()
    for ident in identifiers:
        prefix, _, local = ident.partition(":")
        if prefix.upper() == "ROR" and local.strip().lower() in index.by_ror:
            cid = index.by_ror[local.strip().lower()]
            return Resolution("resolved", cid, 1.0, "ror", ident, cid, 1.0, 1.0)
    reason = generic_reason(text, city)
    if reason == "generic-words" and (named := _curated_kind(index, text, city, country, country_words)) is not None:
        return named
    if reason:
        return Resolution("generic", rule=f"generic:{reason}", matched_text=text)
    queries = _queries(text, city, set(country_words))
    ids = index.by_country.get(country, []) if country else list(index.candidates)
    places = {cid: p for cid in ids if (p := place_agreement(city, country, index.candidates[cid]))}
    scored = _score_candidates(index, queries, places)
    decided = _decide(scored, places, index.groups)
    if decided is not None:
        return decided
    fallback = _registry_error(index, queries, city, country,
                               names_own_city=bool(city) and names.names_city(set(names.fold(text).split()), city))
    if fallback is not None:
        return fallback
    if generic_reason(text, city, sponsors) == "sponsor":  # a sponsor's name used as a site's name
        return Resolution("generic", rule="generic:sponsor", matched_text=text)
    anywhere = _score_candidates(index, queries, ids or index.candidates, require_distinct=True)
    best = max([*scored[:1], *anywhere[:1]], default=None, key=lambda t: t[0])
    rule = "ambiguous" if scored and scored[0][0] >= THRESHOLD else "no-candidate"
    if best is None:
        return Resolution("unresolved", rule=rule, matched_text=text)
    return Resolution("unresolved", None, 0.0, rule, best[3], best[2], round(best[0], 3), 0.0)

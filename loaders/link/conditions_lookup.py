"""Condition linking's primitives: a text's canonical name looked up, its parts, and the rule scores.

:func:`lookup` finds the entities whose canonical name (:func:`loaders.link.conditions_names.canonical_key`)
is a text's, one per source; :func:`equivalent` tries the text, the text without its qualifiers, then each
part of a compound (:func:`parts`: "Uterine or Soft Tissue Leiomyosarcoma" -> "Uterine Leiomyosarcoma", "Soft
Tissue Leiomyosarcoma"); :func:`by_lca` reads several entities as their nearest informative common node. Used by
the rules of one text (:mod:`loaders.link.conditions_match`), of prose (:mod:`loaders.link.conditions_prose`)
and of a record (:mod:`loaders.link.conditions_context`, :mod:`loaders.link.conditions`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from kg.core.records import MappableEntity
from loaders.link.conditions_names import (
    SITE_FILLERS,
    SITE_WORDS,
    ConditionIndex,
    canonical_key,
    families_of,
    sites_of,
)
from loaders.link.conditions_phrases import rephrase
from loaders.link.conditions_tolerant import (
    SIMILAR_SCORE,
)
from loaders.link.terms import (
    QUALIFIERS,
    Match,
    Term,
    _dedupe,
    mesh_key,
)
from loaders.mapping import tokens

#: at most this many Orphanet entities stand for an umbrella term whose entities no informative node covers
MAX_LIST = 3


SCORES = {"xref": 0.95, "equivalent": 0.85, "spelling": 0.75, "narrower": 0.75, "similar": SIMILAR_SCORE,
          "trial-context": 0.70, "broader": 0.65, "mapped": 0.65, "title": 0.60, "usual-site": 0.60}


#: rules that match a part of a text only (not enough to move a text to its record's site, nor to stand for a
#: sentence's every name)
PARTIAL = frozenset({"part", "head", "containment"})


#: rules whose match stands for the whole text (no site guard needed)
WHOLE = frozenset({"mesh-id", "label", "synonym", "code", "qualified", "xref", "equivalent", "spelling"})


_SPLIT = re.compile(r"\s+(?:and|or|with|&)\s+|\s*[;/,:]\s*(?:(?:and|or)\s+)?", re.IGNORECASE)


_CODE = re.compile(r"^(MESH|NCIT|UMLS|OMIM):\S+$", re.IGNORECASE)


def source_of(ent: MappableEntity) -> str:
    return ent.curie.split(":", 1)[0]


def code_of(term: Term) -> str | None:
    """The CURIE of the code a term carries (a MeSH id as ``MESH:D…``, or a ``PREFIX:code`` given as
    such); None for a code of no known form."""
    if not term.mesh_id:
        return None
    if key := mesh_key(term.mesh_id):
        return key
    return term.mesh_id.upper() if _CODE.match(term.mesh_id) else None


def lookup(text: str, index: ConditionIndex, rule: str) -> list[Match]:
    """Entities whose canonical name equals the text's (also once "malignant" is dropped from the text),
    one per source: where a source has several, the one that is an ancestor of all the others, else none."""
    hits = index.by_canonical.get(canonical_key(text)) or index.by_canonical.get(canonical_key(text, True), [])
    found: dict[str, dict[str, tuple[MappableEntity, str]]] = {}
    for ent, name in hits:
        found.setdefault(source_of(ent), {}).setdefault(ent.iri, (ent, name))
    out = []
    for cands in found.values():
        # an entity named so by its own label or synonym before one named so by a derived name ("Squamous
        # cell cancer of the oral cavity" is 502363's own name, and only one half of 502369's two-site label)
        own = {i: c for i, c in cands.items() if c[1] in (c[0].label, *c[0].synonyms)}
        cands = own or cands
        top = [c for c in cands if all(c == o or c in index.ancestors(o) for o in cands)]
        if len(top) == 1:
            ent, name = cands[top[0]]
            out.append(Match(ent, rule, name, SCORES[rule]))
    # a type a source splits by site, without a node for the whole ("Ewing sarcoma": Orphanet's skeletal
    # and extraskeletal Ewing sarcoma): every part of the split
    split = index.by_split.get(canonical_key(text), {})
    for source, parts in split.items():
        if source not in found and len(parts) > 1:
            out += [Match(ent, rule, name, SCORES[rule]) for ent, name in parts.values()]
    return out


#: words of a tumour's hormone activity, which qualify a text's type without naming another (the sources name a
#: functioning or non-functioning tumour only where it is its own entity, and the whole text is read first)
_ACTIVITY = frozenset({"functioning", "functional", "nonfunctioning", "nonfunctional", "secreting", "nonsecreting"})


def unqualified(text: str) -> str:
    words = tokens(rephrase(text))
    return " ".join(w for k, w in enumerate(words) if w not in QUALIFIERS and w not in _ACTIVITY
                    and not (w == "non" and k + 1 < len(words) and words[k + 1] in _ACTIVITY))


#: a word that names a tumour by itself ("medulloblastoma"): a part holding one is no mere modifier
_TUMOUR_WORD = re.compile(r"(?:omas?|cancers?|tumou?rs?|neoplasms?|diseases?|leuka?emias?)$")


def parts(text: str, *, carry: bool = True) -> list[str]:
    """The parts of a compound text, each with the site words the first part starts with (unless not ``carry``)."""
    parts = [p.strip() for p in _SPLIT.split(re.sub(r"\([^()]*\)", "", rephrase(text))) if p.strip()]
    if len(parts) < 2:
        return []
    first = tokens(parts[0])
    lead = [w for w in first[:next((i for i, w in enumerate(first) if w not in SITE_WORDS and w not in QUALIFIERS), 0)]
            if w in SITE_WORDS]
    parts = [parts[0], *(p if sites_of(p) or not carry else " ".join([*lead, p]) for p in parts[1:])]
    # "Uterine or Soft Tissue Leiomyosarcoma", "Pleural or Peritoneal Mesothelioma": a part made only of
    # site words takes the tumour words the last part ends with
    last = tokens(parts[-1])
    tail = last[next((i for i, w in enumerate(last) if w not in SITE_WORDS and w not in SITE_FILLERS
                      and w not in QUALIFIERS), len(last)):]
    bare = [all(w in SITE_WORDS or w in SITE_FILLERS or w in QUALIFIERS or w == "malignant" for w in tokens(p))
            for p in parts]
    # "Hodgkin and non-Hodgkin lymphomas": the modifiers before the last part, none of them naming a tumour
    # family, take the family word that the last part ends with
    if last and families_of(last[-1]):
        k = len(parts) - 1
        while k > 0 and not bare[k - 1] and not families_of(parts[k - 1]) \
                and not any(_TUMOUR_WORD.search(w) for w in tokens(parts[k - 1])):
            k -= 1
            parts[k] = f"{parts[k]} {last[-1]}"
    # "Sarcoma of Soft Tissue and Bone": a later part made only of site words takes the first part's head
    head = re.match(r"(?i)^(.+?\bof(?: the)?)\s", parts[0])
    return [" ".join([p, *tail]) if only_site and tail else f"{head.group(1)} {p}" if only_site and head and i
            else p for i, (p, only_site) in enumerate(zip(parts, bare))]


def equivalent(text: str, index: ConditionIndex, rule: str = "equivalent") -> list[Match]:
    """Rule ``equivalent`` on the text, without its qualifiers, then on each part of a compound."""
    for variant in (text, unqualified(text)):
        if found := lookup(variant, index, rule):
            return found
    out: list[Match] = []
    for part, bare in zip(parts(text), parts(text, carry=False)):
        # the part with the site words carried from the first part, else as written ("Adrenocortical
        # Carcinoma or Pheochromocytoma": no adrenocortical pheochromocytoma, but a pheochromocytoma)
        out += (lookup(part, index, rule) or lookup(unqualified(part), index, rule)
                or (lookup(bare, index, rule) or lookup(unqualified(bare), index, rule) if bare != part else []))
    return _dedupe(out)


def site_ok(m: Match, text: str, index: ConditionIndex) -> bool:
    """A part/containment match keeps its entity only if the entity is at the site the text names."""
    want = sites_of(text)
    return m.rule in WHOLE or not want or not index.site(m.entity.iri) or index.at_site(m.entity.iri, want)


def unique(ents: Iterable[MappableEntity]) -> list[MappableEntity]:
    return list({e.iri: e for e in ents}.values())


def by_lca(groups: Sequence[list[MappableEntity]], index: ConditionIndex) -> list[Match]:
    """Per source, the informative lowest common ancestor of the groups' entities, if every group has
    an entity in that source (rule ``trial-context`` for one entity, ``broader`` otherwise)."""
    out: list[Match] = []
    for source in sorted({source_of(e) for group in groups for e in group}):
        per_group = [{e.iri for e in group if source_of(e) == source} for group in groups]
        if not all(per_group):
            continue
        every = set().union(*per_group)
        lca = index.lowest_common_ancestor(every, cover=True)
        if not (lca and index.informative(lca)):  # no informative node covers them all: the shared one
            lca = index.lowest_common_ancestor(every)
        if lca and index.informative(lca):
            rule = "trial-context" if len(every) == 1 else "broader"
            out.append(Match(index.by_iri[lca], rule, index.by_iri[lca].label, SCORES[rule]))
        elif source == "ORPHA":  # no informative node covers them: the list ("Ewing sarcoma of bone or soft
            # tissue" -> skeletal | extraskeletal Ewing sarcoma, as Orphanet has no Ewing umbrella)
            tops = sorted(i for i in every if not index.ancestors(i) & every)
            if len(tops) <= MAX_LIST:
                out += [Match(index.by_iri[i], "broader", index.by_iri[i].label, SCORES["broader"]) for i in tops]
    return out

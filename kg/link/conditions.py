"""Condition linking: every condition, condition MeSH term and keyword of a record linked on its own.

Each text of a record gets its own links (:class:`kg.linking.EntityLink`: record, text, field, entity,
rule, score), so a link can be audited per condition. A text is matched by the first rule that finds
anything (scores in :data:`SCORES`):

==================  =====  ===============================================================================
rule                score  what matches
==================  =====  ===============================================================================
``xref``            0.95   a code the record gives with the text (a MeSH descriptor id) is a cross-reference
                           of the entity (``MESH:``, ``NCIT:``, ``UMLS:``, ``OMIM:``)
``label`` ...       ...    the rules of :mod:`kg.linking` (label, synonym, OncoTree code, qualified, part,
                           head, containment), where a ``containment``/``part`` match must not put the
                           entity at another site than the text names ("testicular yolk sac tumor" is not
                           Orphanet's extragonadal "Yolk sac tumor")
``equivalent``      0.85   the canonical names agree (:func:`kg.link.conditions_names.canonical_key`:
                           "X cancer" = "X carcinoma", "pleural" = "of the pleura", "uterine" = "of the
                           corpus uteri"), also once qualifiers are dropped, and for each part of a
                           compound, the text's site carried to the parts ("testicular embryonal carcinoma
                           and teratoma" -> "testicular teratoma")
``spelling``        0.75   as ``equivalent`` after a misspelt word is replaced by the entity-name word
                           nearest to it (rapidfuzz ratio >= :data:`SPELLING_THRESHOLD`, words sharing
                           their first two letters only)
``shared-name``     -0.05  the other source's entity whose label or synonym is a name of a matched entity
                           (OncoTree's "Undifferentiated Pleomorphic Sarcoma/Malignant Fibrous
                           Histiocytoma" carries the former name to Orphanet's "Undifferentiated pleomorphic
                           sarcoma"); the matched entity's score less 0.05
``trial-context``  0.70   see below
``broader``        0.65   see below; also, for an OncoTree match that names no Orphanet entity, the
                           Orphanet entity its nearest informative OncoTree ancestor names, at the text's
                           site (testis "Yolk Sac Tumor" -> NSGCT -> "Non-seminomatous germ cell tumor of
                           testis"); and "X cancer" with nothing else: Orphanet's only top carcinoma at X
==================  =====  ===============================================================================

A text that still reaches no Orphanet entity takes, in order: the Orphanet entity named like it once site
words are set aside, at the text's site (``equivalent``: "Supratentorial PNET" -> "CNS PNET"); for a gut
segment, the node covering its sites (``broader``: midgut NET -> gastroenteric NEN); the Orphanet entity its
name ends with (``containment``, site-guarded): a histological variant without a node is read as its parent
("Atypical meningioma" -> "Meningioma"). A type Orphanet splits by tissue without a node for the whole is
the list of its parts ("Ewing sarcoma" -> skeletal | extraskeletal Ewing sarcoma).

**Generic terms** (a family and/or a site without a tumour type: "Sarcoma", "Carcinoma", "Mesothelioma",
"Head and Neck Cancer", "Brain and Central Nervous System Tumors", "Testicular Neoplasms") are read in
their record (:func:`link_record`): the tumour types the record's title names, if any fit the term's
family and site (a single-disease trial: "Sarcoma" in an osteosarcoma trial is the osteosarcoma), rule
``trial-context``; else, per source, the lowest common ancestor of the entities that the record's
condition texts (else all its texts) link to in that family and at that site, when every one of those
texts has an entity in that source and the ancestor is informative (not a top-level "Rare ..." branch;
the node covering every parent of a multi-parent entity first; for Orphanet, with no such node, the list
of at most :data:`MAX_LIST` entities; Orphanet from the other texts where the conditions reach none), rule
``trial-context`` for one entity, ``broader`` otherwise. What a generic term matches by itself counts too:
a family with a site ("soft tissue sarcoma") keeps its own match; an organ term ("Thymus Neoplasms" =
"Thymic tumor") keeps it and takes the context in the other source; a family word alone ("Glioma",
"Melanoma") keeps it only where neither the title nor a condition names a type of that family. A term
with no family or tumour word ("Neoplasms", "Metastatic Cancer", "bone") links to nothing. An organ's "X
cancer" is the record's own type at X (carcinomas first) before its own name, is not the carcinoma if
another text names a non-carcinoma at X, and with nothing else is Orphanet's only top carcinoma at X.

**A MeSH or keyword term never overrides a more specific condition**: a generic one is read through the
record's conditions as above (MeSH "Melanoma" in a uveal-melanoma trial is the uveal melanoma); a specific
one that matches nothing takes the entities of the condition (else keyword, or its part) that says the
same and more.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from kg.link.conditions_names import (
    ANY,
    FAMILIES,
    SITE_FILLERS,
    SITE_GROUPS,
    SITE_WORDS,
    ConditionIndex,
    canonical_key,
    canonical_words,
    families_of,
    sitefree_key,
    sites_of,
)
from kg.linking import QUALIFIERS, EntityLink, Match, Term, _clean, _contained, _dedupe, link_term, mesh_key
from kg.mapping import tokens
from loaders.base import MappableEntity

#: at most this many Orphanet entities stand for an umbrella term whose entities no informative node covers
MAX_LIST = 3
SCORES = {"xref": 0.95, "equivalent": 0.85, "spelling": 0.75, "trial-context": 0.70, "broader": 0.65}
#: the rapidfuzz ratio from which a word is read as a misspelling of an entity-name word. Chosen on the
#: development half (tests/fixtures/condition_links_dev.tsv): every threshold from 70 to 90 gives the same
#: links there (one misspelling, "meningeoma" -> "meningioma", ratio 90; no false link down to 70), 92 and
#: above lose it; 85 is one changed letter in a word of seven letters or more (see docs/decisions/0010)
SPELLING_THRESHOLD = 85.0
#: rules whose match stands for the whole text (no site guard needed)
_WHOLE = frozenset({"mesh-id", "label", "synonym", "code", "qualified", "xref", "equivalent", "spelling"})
_SPLIT = re.compile(r"\s+(?:and|or|with|&)\s+|\s*[;/,]\s*", re.IGNORECASE)
#: words that make a site word a disease term ("Kidney Cancer", not "bone")
TUMOUR_WORDS = frozenset({"cancer", "carcinoma", "tumor", "neoplasm", "malignancy", "metastasis"})
_CODE = re.compile(r"^(MESH|NCIT|UMLS|OMIM):\S+$", re.IGNORECASE)


@dataclass
class RecordLinks:
    """The per-text links of a set of records, unmatched texts and unknown codes (first record each)."""

    links: list[EntityLink] = field(default_factory=list)
    unmatched: Counter[str] = field(default_factory=Counter)
    unknown_codes: dict[str, str] = field(default_factory=dict)
    terms: int = 0

    def best_per_entity(self) -> list[EntityLink]:
        """One link per (record, entity): the best-scoring text, first on ties (the pre-#17 summary)."""
        best: dict[tuple[str, str, str], EntityLink] = {}
        for link in self.links:
            key = (link.subject_kind, link.subject_id, link.match.entity.iri)
            if key not in best or link.match.score > best[key].match.score:
                best[key] = link
        return [best[k] for k in sorted(best)]


def _source(ent: MappableEntity) -> str:
    return ent.curie.split(":", 1)[0]


def code_of(term: Term) -> str | None:
    """The CURIE of the code a term carries (a MeSH id as ``MESH:D…``, or a ``PREFIX:code`` given as
    such); None for a code of no known form."""
    if not term.mesh_id:
        return None
    if key := mesh_key(term.mesh_id):
        return key
    return term.mesh_id.upper() if _CODE.match(term.mesh_id) else None


def _lookup(text: str, index: ConditionIndex, rule: str) -> list[Match]:
    """Entities whose canonical name equals the text's (also once "malignant" is dropped from the text),
    one per source: where a source has several, the one that is an ancestor of all the others, else none."""
    hits = index.by_canonical.get(canonical_key(text)) or index.by_canonical.get(canonical_key(text, True), [])
    found: dict[str, dict[str, tuple[MappableEntity, str]]] = {}
    for ent, name in hits:
        found.setdefault(_source(ent), {}).setdefault(ent.iri, (ent, name))
    out = []
    for cands in found.values():
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


def _unqualified(text: str) -> str:
    return " ".join(w for w in tokens(text) if w not in QUALIFIERS)


def _parts(text: str) -> list[str]:
    """The parts of a compound text, each with the site words the first part starts with."""
    parts = [p.strip() for p in _SPLIT.split(re.sub(r"\([^()]*\)", "", text)) if p.strip()]
    if len(parts) < 2:
        return []
    first = tokens(parts[0])
    lead = [w for w in first[:next((i for i, w in enumerate(first) if w not in SITE_WORDS and w not in QUALIFIERS), 0)]
            if w in SITE_WORDS]
    parts = [parts[0], *(p if sites_of(p) else " ".join([*lead, p]) for p in parts[1:])]
    # "Uterine or Soft Tissue Leiomyosarcoma", "Pleural or Peritoneal Mesothelioma": a part made only of
    # site words takes the tumour words the last part ends with
    last = tokens(parts[-1])
    tail = last[next((i for i, w in enumerate(last) if w not in SITE_WORDS and w not in SITE_FILLERS
                      and w not in QUALIFIERS), len(last)):]
    bare = [all(w in SITE_WORDS or w in SITE_FILLERS or w in QUALIFIERS or w == "malignant" for w in tokens(p))
            for p in parts]
    return [" ".join([p, *tail]) if only_site and tail else p for p, only_site in zip(parts, bare)]


def _equivalent(text: str, index: ConditionIndex, rule: str = "equivalent") -> list[Match]:
    """Rule ``equivalent`` on the text, without its qualifiers, then on each part of a compound."""
    for variant in (text, _unqualified(text)):
        if found := _lookup(variant, index, rule):
            return found
    out: list[Match] = []
    for part in _parts(text):
        out += _lookup(part, index, rule) or _lookup(_unqualified(part), index, rule)
    return _dedupe(out)


def _respelt(text: str, index: ConditionIndex) -> str | None:
    """The text with each word unknown to the entity names replaced by the nearest known word sharing
    its first two letters (ratio >= SPELLING_THRESHOLD); None if no word changed."""
    changed, out = False, []
    for word in canonical_words(text):
        if len(word) >= 6 and word not in index.vocabulary.get(word[:2], ()):
            best = max(index.vocabulary.get(word[:2], ()), key=lambda w: (fuzz.ratio(word, w), w), default=None)
            if best and abs(len(best) - len(word)) <= 2 and fuzz.ratio(word, best) >= SPELLING_THRESHOLD:
                word, changed = best, True
        out.append(word)
    return " ".join(out) if changed else None


def _site_ok(m: Match, text: str, index: ConditionIndex) -> bool:
    """A part/containment match keeps its entity only if the entity is at the site the text names."""
    want = sites_of(text)
    return m.rule in _WHOLE or not want or not index.site(m.entity.iri) or index.at_site(m.entity.iri, want)


def _shared_names(found: list[Match], index: ConditionIndex) -> list[Match]:
    """Rule ``shared-name``: the other source's entity named by a name of a matched entity, where that
    name belongs to no other entity of the matched entity's source (OncoTree's four "Embryonal Carcinoma"
    nodes, one per organ, name nothing in Orphanet)."""
    have = {_source(m.entity) for m in found}
    extra: dict[str, Match] = {}
    for m in found:
        for name in index.names(m.entity):
            if len({e.iri for e, _ in index.by_canonical.get(canonical_key(name), []) if _source(e) == _source(m.entity)}) > 1:
                continue
            for other in _lookup(name, index, "equivalent"):
                if _source(other.entity) not in have:
                    extra.setdefault(other.entity.iri, Match(other.entity, "shared-name", name, round(m.score - 0.05, 2)))
    return list(extra.values())


def _nearest_named(found: list[Match], text: str, index: ConditionIndex) -> list[Match]:
    """Rule ``broader``, across sources: for an entity of one source that the other source does not
    name, the other source's entity named by its nearest ancestor (OncoTree's testis "Embryonal
    Carcinoma" and "Yolk Sac Tumor" are under "Non-Seminomatous Germ Cell Tumor", which Orphanet names:
    "Testicular non seminomatous germ cell tumor"; "Atypical Meningioma" is under "Meningioma"). The
    other source's entity must be at the site the text names; uninformative ancestors are skipped."""
    have = {m.entity.iri for m in found if _source(m.entity) == "ORPHA"}
    out: dict[str, Match] = {}
    for m in found:
        if _source(m.entity) != "oncotree" or any(
                o.entity.iri in have for name in index.names(m.entity) for o in _lookup(name, index, "broader")):
            continue  # an Orphanet entity, or an OncoTree one whose own Orphanet name is already linked
        level, seen = [p for p in m.entity.parents if p in index.by_iri], set()
        before = len(out)
        while level and len(out) == before:
            for iri in level:
                anc = index.by_iri[iri]
                if not index.informative(iri):
                    continue
                for name in index.names(anc):
                    for other in _lookup(name, index, "broader"):
                        if _source(other.entity) == "ORPHA" and (not sites_of(text) or index.at_site(
                                other.entity.iri, sites_of(text))):
                            out.setdefault(other.entity.iri, Match(other.entity, "broader", name, SCORES["broader"]))
            seen |= set(level)
            level = [g for i in level for g in index.by_iri[i].parents if g in index.by_iri and g not in seen]
    return list(out.values())


def _site_named(text: str, index: ConditionIndex) -> list[Match]:
    """Rule ``equivalent`` by site: the Orphanet entity whose name, site words aside, is the text's, and
    whose site is the one the text names ("Supratentorial PNET" -> "CNS PNET"; "soft tissue
    leiomyosarcoma" -> "Leiomyosarcoma", a soft-tissue sarcoma); the top one where several are."""
    want = sites_of(_unqualified(text))
    if not want:
        return []
    key = sitefree_key(_unqualified(text), True)
    cands = {e.iri: (e, name) for e, name in index.by_sitefree.get(key, []) if _source(e) == "ORPHA"
             and index.site(e.iri) and index.at_site(e.iri, want)}
    top = [i for i in cands if not index.ancestors(i) & set(cands)]
    return [Match(cands[i][0], "equivalent", cands[i][1], SCORES["equivalent"]) for i in top] if len(top) == 1 else []


def _site_group(text: str, index: ConditionIndex) -> list[Match]:
    """Rule ``broader`` for a gut segment ("midgut neuroendocrine tumor", "midgut carcinoid"): the Orphanet
    node covering what the text names at each site of the segment (:data:`SITE_GROUPS`); a carcinoid is
    read by its current name, neuroendocrine tumour."""
    words = re.sub(r"(?i)\bcarcinoids?\b(?: tumou?rs?)?", "neuroendocrine tumor", text)
    group = next((g for g in SITE_GROUPS if re.search(rf"(?i)\b{g}\b", words)), None)
    if group is None:
        return []
    hits = {m.entity.iri for site in SITE_GROUPS[group]
            for m in _equivalent(re.sub(rf"(?i)\b{group}\b", site, words), index) if _source(m.entity) == "ORPHA"}
    return _by_lca([[index.by_iri[i]] for i in sorted(hits)], index) if len(hits) > 1 else []


def match_term(term: Term, index: ConditionIndex) -> list[Match]:
    """The entities one text links to by itself, by the first rule that finds any (module docstring)."""
    code = code_of(term)
    if code and (hits := index.by_xref.get(code) or index.by_mesh.get(code)):
        return [Match(e, "xref", code, SCORES["xref"]) for e in _unique(hits)]
    found = [m for m in link_term(Term(term.text, term.field), index) if _site_ok(m, term.text, index)]
    if not found or not {m.rule for m in found} & _WHOLE:
        found = _equivalent(term.text, index) or found
    if not found and (respelt := _respelt(term.text, index)):
        found = _equivalent(respelt, index, "spelling")
    found = found + _shared_names(found, index)
    found += _nearest_named(found, term.text, index)
    if not any(_source(m.entity) == "ORPHA" for m in found):
        found += _site_named(term.text, index) or _site_group(term.text, index)
    if not any(_source(m.entity) == "ORPHA" for m in found):  # a variant without a node: its parent's
        found += [m for m in _contained(_clean(term.text), index)
                  if _source(m.entity) == "ORPHA" and _site_ok(m, term.text, index)]
    return found


def _unique(ents: Iterable[MappableEntity]) -> list[MappableEntity]:
    return list({e.iri: e for e in ents}.values())


# -- generic terms and the record's context ---------------------------------------------------------

@dataclass(frozen=True)
class Generic:
    """What a generic term names: family words and sites (both may be empty, not both)."""

    families: frozenset[str]
    sites: frozenset[str]


#: words that name a family by another word ("Glial tumors", "Carcinoid Tumors" = neuroendocrine tumours)
_FAMILY_WORDS = {"glial": "glioma", "carcinoid": "neuroendocrine"}


def generic(text: str) -> Generic | None:
    """The family and sites of a generic term; None if the text names a tumour type.

    >>> generic("Head and Neck Cancer") == Generic(frozenset(), frozenset({"head and neck"}))
    True
    >>> generic("Malignant Gliomas").families, generic("Glioblastoma")
    (frozenset({'glioma'}), None)
    """
    words = [w for w in tokens(text) if w not in QUALIFIERS]
    fams = {_FAMILY_WORDS.get(w, w) for w in words if w in FAMILIES or w in _FAMILY_WORDS}
    if any(w not in ANY and w not in SITE_WORDS and w not in SITE_FILLERS and w not in FAMILIES and w not in _FAMILY_WORDS
           for w in words):
        return None
    if "neuroendocrine" in fams and len(fams) > 1:
        return None  # "Neuroendocrine carcinoma" is a type; "Neuroendocrine Tumors" a family
    if not fams and not TUMOUR_WORDS.intersection(words):
        return Generic(frozenset(), frozenset())  # "bone", "soft tissue": a site, not a disease
    return Generic(frozenset(fams), frozenset(SITE_WORDS[w] for w in words if w in SITE_WORDS))


def _fits(ent: MappableEntity, g: Generic, index: ConditionIndex) -> bool:
    if g.families and not g.families & index.families(ent.iri):
        return False
    return not g.sites or index.at_site(ent.iri, g.sites)


def title_entities(title: str | None, index: ConditionIndex) -> list[MappableEntity]:
    """The entities a title names: its longest word runs equal to an entity's canonical name, runs of
    only family words ("Glioma", "Germ Cell Tumors") left out."""
    words = tokens(title or "")
    out: list[MappableEntity] = []
    i = 0
    while i < len(words):
        for n in range(min(8, len(words) - i), 0, -1):
            run = " ".join(words[i:i + n])
            g = generic(run)
            if g is not None and not (g.families and g.sites):
                continue  # "Glioma", "Primary Brain Tumors" name no single type
            if found := _lookup(run, index, "equivalent"):
                out += [m.entity for m in (*found, *_shared_names(found, index))]
                i += n
                break
        else:
            i += 1
    return _unique(out)


def _by_lca(groups: Sequence[list[MappableEntity]], index: ConditionIndex) -> list[Match]:
    """Per source, the informative lowest common ancestor of the groups' entities, if every group has
    an entity in that source (rule ``trial-context`` for one entity, ``broader`` otherwise)."""
    out: list[Match] = []
    for source in sorted({_source(e) for group in groups for e in group}):
        per_group = [{e.iri for e in group if _source(e) == source} for group in groups]
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


def _context(g: Generic, own: list[Match], specific: Sequence[tuple[Term, list[Match]]],
             title: list[MappableEntity], index: ConditionIndex, *, cancer: bool = False) -> list[Match]:
    """The links of one generic term read in its record (see the module docstring); ``cancer`` for an
    organ's "X cancer", which means the record's carcinoma of X if it has one, else what its texts say
    the cancer of X is ("Ovarian Cancer" in a germ-cell trial), before its own name."""
    if not g.families and not g.sites:
        return []
    named = [e for e in title if _fits(e, g, index)]
    if named:
        if len({_source(e) for e in named}) < len(named):  # the title names several types of a source
            found = _by_lca([named], index)
        else:
            found = [Match(e, "trial-context", e.label, SCORES["trial-context"]) for e in named]
    else:
        texts = [(t, [m.entity for m in ms if _fits(m.entity, g, index)]) for t, ms in specific]
        texts = [(t, es) for t, es in texts if es]
        if cancer and any("carcinoma" in index.families(e.iri) for _, es in texts for e in es):
            texts = [(t, es) for t, es in texts if any("carcinoma" in index.families(e.iri) for e in es)]
        # a family word alone leaves its own match only for the title's or a condition's type
        conditions = [(t, es) for t, es in texts if t.field == "condition"]
        found = _by_lca([es for _, es in conditions or ([] if own and not cancer else texts)], index)
        if (not own or cancer) and not any(_source(m.entity) == "ORPHA" for m in found):
            # Orphanet, if the conditions do not reach it: what the other texts reach there
            rest = [[e for e in es if _source(e) == "ORPHA"] for _, es in texts]
            found += _by_lca([es for es in rest if es], index)
    if own and g.sites and g.families:  # "Soft tissue sarcoma": a type of its own
        return own
    if g.sites and not cancer:  # an organ term with a name of its own ("Thymus Neoplasms" = "Thymic tumor")
        mine = {_source(m.entity) for m in own}
        return own + [m for m in found if _source(m.entity) not in mine]
    done = {_source(m.entity) for m in found}
    return found + [m for m in own if _source(m.entity) not in done]


def _site_carcinoma(text: str, g: Generic, index: ConditionIndex) -> list[Match]:
    """Rule ``broader`` for "X cancer" ("X carcinoma") with nothing else to go by: Orphanet's carcinoma
    at site X, when it has exactly one that is not under another ("laryngeal cancer" -> squamous cell
    carcinoma of the larynx, its only carcinoma node there)."""
    if g.families - {"carcinoma"} or len(g.sites) != 1 or not {"cancer", "carcinoma"} & set(tokens(text)):
        return []
    cands = index.carcinomas_at(next(iter(g.sites)))
    top = [i for i in cands if not index.ancestors(i) & cands]
    if len(top) != 1:
        return []
    ent = index.by_iri[top[0]]
    return [Match(ent, "broader", ent.label, SCORES["broader"])]


def _more_specific(term: Term, own: dict[Term, list[Match]], terms: Sequence[Term],
                   index: ConditionIndex) -> list[Match]:
    """The entities of a condition (else keyword) of the record that says what a MeSH or keyword term
    says, and more; for a compound, of the part that does."""
    words = set(canonical_words(_unqualified(term.text), drop_malignant=True))
    if term.field == "condition" or not words:
        return []
    for field_ in ("condition", "keyword"):
        for other in terms:
            if other.field != field_ or other == term or not own.get(other):
                continue
            for part in _parts(other.text) or [other.text]:
                if words < set(canonical_words(_unqualified(part), drop_malignant=True)):
                    ents = [m.entity for m in (match_term(Term(part, other.field), index) if part != other.text
                                               else own[other])]
                    return [Match(e, "trial-context", other.text, SCORES["trial-context"]) for e in _unique(ents)]
    return []


def link_record(kind: str, subject_id: str, terms: Sequence[Term], title: str | None, index: ConditionIndex,
                result: RecordLinks, cache: dict[Term, list[Match]] | None = None,
                titles: dict[str | None, list[MappableEntity]] | None = None) -> None:
    """Add the links of every text of one record to ``result`` (one per text and entity); ``cache``
    and ``titles`` keep the answers of :func:`match_term` and :func:`title_entities` across records."""
    cache = {} if cache is None else cache
    own: dict[Term, list[Match]] = {}
    for term in terms:
        if term not in cache:
            cache[term] = match_term(term, index)
        own[term] = cache[term]
        if term.mesh_id and code_of(term) is None:
            result.unknown_codes.setdefault(term.mesh_id, f"{kind} {subject_id}")
    kinds = {t: generic(t.text) for t in terms}
    specific = [(t, own[t]) for t in terms if own[t] and (kinds[t] is None or kinds[t].sites)]
    if titles is None:
        named = title_entities(title, index)
    elif (named := titles.get(title)) is None:  # registries repeat titles: each distinct one is read once
        named = titles[title] = title_entities(title, index)
    for term in terms:
        result.terms += 1
        g = kinds[term]
        if g is None:
            matches = own[term] or _more_specific(term, own, terms, index)
        else:
            cancer = bool(g.sites) and not g.families and "cancer" in tokens(term.text)
            others = [(t, ms) for t, ms in specific if t != term] if cancer else specific
            mine = own[term]
            if cancer and any(g.sites & sites_of(t.text) and (fams := families_of(t.text)) and "carcinoma" not in fams
                              for t in terms if t != term):
                mine = []  # "Ovarian Cancer" beside "ovarian sarcoma": the record says it is no carcinoma
            matches = _context(g, mine, others, named, index, cancer=cancer)
            if not any(_source(m.entity) == "ORPHA" for m in matches):
                matches = list(matches) + _site_carcinoma(term.text, g, index)
        if not matches:
            result.unmatched[term.text] += 1
        result.links += [EntityLink(kind, subject_id, term, m) for m in _dedupe(list(matches))]


def link_records(records: Iterable[tuple[str, str, Sequence[Term], str | None]], index: ConditionIndex) -> RecordLinks:
    """The per-text links of (kind, id, terms, title) records, sharing one cache of text matches."""
    result = RecordLinks()
    cache: dict[Term, list[Match]] = {}
    titles: dict[str | None, list[MappableEntity]] = {}
    for kind, subject_id, terms, title in records:
        link_record(kind, subject_id, terms, title, index, result, cache, titles)
    return result

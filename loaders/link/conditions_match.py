"""Condition linking, one text on its own: the rules that match a condition, MeSH term or keyword.

A text is matched by the first rule that finds anything (scores in :data:`SCORES`):

==================  =====  ===============================================================================
rule                score  what matches
==================  =====  ===============================================================================
``xref``            0.95   a code the record gives with the text (a MeSH descriptor id) is a cross-reference
                           of the entity (``MESH:``, ``NCIT:``, ``UMLS:``, ``OMIM:``)
``label`` ...       ...    the rules of :mod:`loaders.link.terms` (label, synonym, OncoTree code, qualified, part,
                           head, containment), where a ``containment``/``part`` match must not put the
                           entity at another site than the text names ("testicular yolk sac tumor" is not
                           Orphanet's extragonadal "Yolk sac tumor")
``equivalent``      0.85   the canonical names agree (:func:`loaders.link.conditions_names.canonical_key`:
                           "X cancer" = "X carcinoma", "pleural" = "of the pleura", "uterine" = "of the
                           corpus uteri"), also once qualifiers are dropped, and for each part of a
                           compound, the text's site carried to the parts ("testicular embryonal carcinoma
                           and teratoma" -> "testicular teratoma")
``spelling``        0.75   as ``equivalent`` after a misspelt word is replaced by the entity-name word
                           nearest to it (rapidfuzz ratio >= :data:`SPELLING_THRESHOLD`, words sharing
                           their first two letters only)
``narrower``        0.75   a name read inside a longer text that also names a site the name lacks: the
                           Orphanet entity at that site, of the name's family, whose name's words the text
                           has in another order ("Primary non-Hodgkin lymphoma in the central nervous
                           system" -> primary CNS lymphoma; :func:`_at_named_site`)
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
the list of its parts ("Ewing sarcoma" -> skeletal | extraskeletal Ewing sarcoma). Before the last two: a
histology's "cancer" that no carcinoma name matches is its adenocarcinoma, else its malignant tumour
(``equivalent``: "Clear Cell Ovarian Cancer", "Rhabdoid Cancer"), and "benign X" is X where X's entity may be
benign (``qualified``: "benign pheochromocytoma"). Both sides of every comparison are first rewritten by
:func:`loaders.link.conditions_phrases.rephrase` (former names, site phrasings, acronyms); a condition
written as a sentence is read by the names its word runs form (:func:`named_runs`, used last, in the record).

Used by :mod:`loaders.link.conditions`, which reads the texts of a record together.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from kg.core.records import MappableEntity
from loaders.link.conditions_names import (
    FAMILIES,
    SITE_FILLERS,
    SITE_WORDS,
    ConditionIndex,
    canonical_key,
    canonical_words,
    families_of,
    sitefree_key,
    sites_of,
)
from loaders.link.conditions_phrases import rephrase
from loaders.link.conditions_sites import SITE_GROUPS
from loaders.link.conditions_tolerant import (
    SIMILAR_SCORE,
    respelt,
    similar,
)
from loaders.link.terms import (
    GENERIC,
    QUALIFIERS,
    Match,
    Term,
    _clean,
    _contained,
    _dedupe,
    link_term,
    mesh_key,
)
from loaders.mapping import tokens

#: at most this many Orphanet entities stand for an umbrella term whose entities no informative node covers
MAX_LIST = 3
SCORES = {"xref": 0.95, "equivalent": 0.85, "spelling": 0.75, "narrower": 0.75, "similar": SIMILAR_SCORE,
          "trial-context": 0.70, "broader": 0.65, "title": 0.60}
#: rules that match a part of a text only (not enough to move a text to its record's site, nor to stand for a
#: sentence's every name)
PARTIAL = frozenset({"part", "head", "containment"})
#: rules whose match stands for the whole text (no site guard needed)
_WHOLE = frozenset({"mesh-id", "label", "synonym", "code", "qualified", "xref", "equivalent", "spelling"})
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


def _site_ok(m: Match, text: str, index: ConditionIndex) -> bool:
    """A part/containment match keeps its entity only if the entity is at the site the text names."""
    want = sites_of(text)
    return m.rule in _WHOLE or not want or not index.site(m.entity.iri) or index.at_site(m.entity.iri, want)


def shared_names(found: list[Match], index: ConditionIndex) -> list[Match]:
    """Rule ``shared-name``: the other source's entity named by a name of a matched entity, where that
    name belongs to no other entity of the matched entity's source (OncoTree's four "Embryonal Carcinoma"
    nodes, one per organ, name nothing in Orphanet)."""
    have = {source_of(m.entity) for m in found}
    extra: dict[str, Match] = {}
    for m in found:
        for name in index.names(m.entity):
            if len({e.iri for e, _ in index.by_canonical.get(canonical_key(name), []) if source_of(e) == source_of(m.entity)}) > 1:
                continue
            for other in lookup(name, index, "equivalent"):
                if source_of(other.entity) not in have:
                    extra.setdefault(other.entity.iri, Match(other.entity, "shared-name", name, round(m.score - 0.05, 2)))
    return list(extra.values())


def _nearest_named(found: list[Match], text: str, index: ConditionIndex) -> list[Match]:
    """Rule ``broader``, across sources: for an entity of one source that the other source does not
    name, the other source's entity named by its nearest ancestor (OncoTree's testis "Embryonal
    Carcinoma" and "Yolk Sac Tumor" are under "Non-Seminomatous Germ Cell Tumor", which Orphanet names:
    "Testicular non seminomatous germ cell tumor"; "Atypical Meningioma" is under "Meningioma"). The
    other source's entity must be at the site the text names; uninformative ancestors are skipped."""
    have = {m.entity.iri for m in found if source_of(m.entity) == "ORPHA"}
    out: dict[str, Match] = {}
    for m in found:
        # OncoTree files benign types under a carcinoma ("Pleomorphic Adenoma" under "Salivary Carcinoma"): a
        # name of no malignant family never reaches a malignant one through its ancestors
        benign = not set().union(*(families_of(n) for n in index.names(m.entity))) & _MALIGNANT_FAMILIES and not any(
            w.startswith("carcino") or w == "malignant" for n in index.names(m.entity) for w in tokens(n))
        if source_of(m.entity) != "oncotree" or any(
                o.entity.iri in have for name in index.names(m.entity) for o in lookup(name, index, "broader")):
            continue  # an Orphanet entity, or an OncoTree one whose own Orphanet name is already linked
        level, seen = [p for p in m.entity.parents if p in index.by_iri], set()
        before = len(out)
        while level and len(out) == before:
            for iri in level:
                anc = index.by_iri[iri]
                if not index.informative(iri):
                    continue
                for name in index.names(anc):
                    for other in lookup(name, index, "broader"):
                        if benign and families_of(other.entity.label) & _MALIGNANT_FAMILIES:
                            continue
                        if source_of(other.entity) == "ORPHA" and (not sites_of(text) or index.at_site(
                                other.entity.iri, sites_of(text))):
                            out.setdefault(other.entity.iri, Match(other.entity, "broader", name, SCORES["broader"]))
            seen |= set(level)
            level = [g for i in level for g in index.by_iri[i].parents if g in index.by_iri and g not in seen]
    return list(out.values())


def _site_named(text: str, index: ConditionIndex) -> list[Match]:
    """Rule ``equivalent`` by site: the Orphanet entity whose name, site words aside, is the text's, and
    whose site is the one the text names ("Supratentorial PNET" -> "CNS PNET"; "soft tissue
    leiomyosarcoma" -> "Leiomyosarcoma", a soft-tissue sarcoma) or that has no site; the top one where
    several are."""
    want = sites_of(unqualified(text))
    key = sitefree_key(unqualified(text), True)
    if not key:
        return []
    hits = [(e, name) for e, name in index.by_sitefree.get(key, []) if source_of(e) == "ORPHA"]
    if not want:
        return []
    # at the text's site; or of no site at all, for a name of two words or more ("NUT Carcinoma of the Lung" is
    # Orphanet's site-less "NUT midline carcinoma")
    typed = len(key) > 1 and set(key) - GENERIC - FAMILIES.keys() - {"cell"}  # a type, not a family ("germ cell tumor")
    cands = {e.iri: (e, name) for e, name in hits
             if (index.site(e.iri) and index.at_site(e.iri, want)) or (not index.site(e.iri) and typed)}
    top = [i for i in cands if not index.ancestors(i) & set(cands)]
    return [Match(cands[i][0], "equivalent", cands[i][1], SCORES["equivalent"]) for i in top] if len(top) == 1 else []


#: a neuroendocrine family phrase inside a longer text
_NET_FAMILY = re.compile(r"(?i)\bneuroendocrine (?:tumou?rs?|neoplasms?)\b")
_NET = re.compile(r"(?i)\b(?:neuroendocrine tumou?rs?|carcinoids?(?: tumou?rs?)?|(?-i:NETs?))\b")


def neoplasm_named_in(text: str, index: ConditionIndex) -> list[Match]:
    """For a text about neuroendocrine tumours that names no type by itself: what it says up to them
    ("Gastroenteropancreatic neuroendocrine tumour disease"), else the family's node, as for the family term
    alone ("Neuroendocrine tumour in progression after conventional therapy"); none without such words."""
    net = _NET_FAMILY.search(text := rephrase(text))
    if net is None:
        return []
    return as_neoplasm(text[:net.end()], index, family=True) or as_neoplasm(net.group(0), index, family=True)


def as_neoplasm(text: str, index: ConditionIndex, *, family: bool = False) -> list[Match]:
    """Rule ``broader`` for a neuroendocrine tumour where Orphanet has only the neuroendocrine neoplasm (NEN,
    tumours and carcinomas) of that site or group ("GEP-NET", "Appendiceal Carcinoid"). A family term
    ("Neuroendocrine Tumors") is read in its record, and widened to the family's node only with ``family``
    (by the record, when nothing in it says more)."""
    text = rephrase(text)
    if not _NET.search(text) or not family and not set(tokens(text)) - GENERIC - QUALIFIERS - {
            "neuroendocrine", "carcinoid", "net", "nets"}:
        return []
    wider = _NET.sub("neuroendocrine neoplasm", re.sub(r"(?i)\bNET\b", "neuroendocrine tumor", text))
    return [Match(m.entity, "broader", m.matched, SCORES["broader"]) for m in equivalent(wider, index)
            if source_of(m.entity) == "ORPHA"]


def _site_group(text: str, index: ConditionIndex) -> list[Match]:
    """Rule ``broader`` for a gut segment ("midgut neuroendocrine tumor", "midgut carcinoid"): the Orphanet
    node covering what the text names at each site of the segment (:data:`SITE_GROUPS`); a carcinoid is
    read by its current name, neuroendocrine tumour."""
    words = re.sub(r"(?i)\bcarcinoids?\b(?: tumou?rs?)?", "neuroendocrine tumor", text)
    group = next((g for g in SITE_GROUPS if re.search(rf"(?i)\b{g}\b", words)), None)
    if group is None:
        return []
    hits = {m.entity.iri for site in SITE_GROUPS[group]
            for m in equivalent(re.sub(rf"(?i)\b{group}\b", site, words), index) if source_of(m.entity) == "ORPHA"}
    return by_lca([[index.by_iri[i]] for i in sorted(hits)], index) if len(hits) > 1 else []


_CANCER = re.compile(r"(?i)\bcancers?\b")


def _cancer_as(text: str, index: ConditionIndex, have: set[str]) -> list[Match]:
    """Rule ``equivalent`` for a histology's "cancer" that no carcinoma name matches: the adenocarcinoma of that
    name ("Clear Cell Ovarian Cancer" = "Clear cell adenocarcinoma of the ovary"), else its malignant tumour
    ("Rhabdoid Cancer" = "Rhabdoid tumor"); only where the text says more than a site and a family (an organ's
    cancer is read in its record), and only in a source without a match yet."""
    if not _CANCER.search(text) or not set(tokens(text)) - SITE_WORDS.keys() - GENERIC - QUALIFIERS - SITE_FILLERS:
        return []
    for word in ("adenocarcinoma", "tumor"):
        if found := [m for m in equivalent(_CANCER.sub(word, text), index) if source_of(m.entity) not in have]:
            return found
    return []


#: families whose every member is malignant: a "benign" text is none of them
_MALIGNANT_FAMILIES = frozenset({"carcinoma", "adenocarcinoma", "sarcoma", "lymphoma", "melanoma", "mesothelioma"})


def _benign(term: Term, index: ConditionIndex) -> list[Match]:
    """Rule ``qualified`` for "benign X" where the source has no benign X: the Orphanet entity of X, if its
    name leaves open whether it is benign ("localized benign pheochromocytoma" is a pheochromocytoma-
    paraganglioma), never a malignant one by name (a cancer family, "malignant", "cancer")."""
    words = tokens(term.text)
    if "benign" not in words:
        return []
    rest = re.sub(r"(?i)\bbenign\b", " ", term.text)
    return [Match(m.entity, "qualified", m.matched, SCORES["equivalent"] - 0.05)
            for m in match_term(Term(rest, term.field), index)
            if source_of(m.entity) == "ORPHA" and not {"malignant", "cancer"} & set(tokens(m.entity.label))
            and not index.families(m.entity.iri) & _MALIGNANT_FAMILIES]


#: the words after which a sentence lists what its trial leaves out ("... sarcoma, excluding the following tumor
#: types: GIST, ...")
_EXCLUDED = re.compile(r"(?i)\b(?:excluding|except(?:ing)?|with the exception of|not including)\b")


def included(text: str) -> str:
    """The text without what it lists after "excluding" (or "except"): what its trial leaves out (empty when
    the text opens with it)."""
    head = _EXCLUDED.split(text, 1)
    return head[0].strip(" ,;:") if len(head) > 1 else text


#: an acronym in parentheses after the words it stands for ("primitive neuroectodermal tumor (PNET)"): read
#: once, by its words (PNET is also Orphanet's pancreatic NET)
_ACRONYM_AFTER = re.compile(r"\s*\((?-i:[A-Z][A-Za-z0-9+-]{1,9})\)")
#: a text of this many words or more is a sentence (CTIS writes its conditions so), read by its named runs
SENTENCE_WORDS = 6


def named_runs(text: str, index: ConditionIndex) -> list[Match]:
    """Rule ``part`` for a condition written as a sentence ("Unresectable or metastatic gastrointestinal stromal
    tumour after imatinib failure"): the Orphanet entities that its longest word runs name, left to right, up to
    the words that list what the trial leaves out, acronyms in parentheses after their words set aside."""
    words = tokens(rephrase(_ACRONYM_AFTER.sub("", included(text))))
    if len(words) < SENTENCE_WORDS:
        return []
    out: list[Match] = []
    i = 0
    while i < len(words):
        for n in range(min(8, len(words) - i), 0, -1):
            if hits := [m for m in lookup(" ".join(words[i:i + n]), index, "equivalent") if source_of(m.entity) == "ORPHA"]:
                out += [Match(m.entity, "part", m.matched, SCORES["equivalent"] - 0.05) for m in hits]
                more, i = listed_sites(words, i, n, index)
                out += more
                break
        else:
            i += 1
    return _dedupe(out)


def listed_sites(words: list[str], i: int, n: int, index: ConditionIndex) -> tuple[list[Match], int]:
    """After a run that names a type at a site, the sites listed right after it, each read with the run's
    type words ("squamous cell carcinomas of the oral cavity, oropharynx, hypopharynx, larynx": the SCC of
    each; "or" lists as "and" does); returns those matches and where the reading goes on."""
    run = words[i:i + n]
    head = [w for w in run if w not in SITE_WORDS and w not in SITE_FILLERS]
    j, out = i + n, []
    if len(head) == len(run):
        return out, j
    while j < len(words) and (words[j] in SITE_WORDS or words[j] in SITE_FILLERS or words[j] == "or"):
        if words[j] in SITE_WORDS:
            out += [Match(m.entity, "part", m.matched, SCORES["equivalent"] - 0.05)
                    for m in lookup(" ".join([*head, words[j]]), index, "equivalent") if source_of(m.entity) == "ORPHA"]
        j += 1
    return out, j


_EITHER = re.compile(r"\b([a-z]{4,})-([a-z]{4,})\b")


def _either(text: str, index: ConditionIndex) -> list[Match]:
    """Rule ``equivalent`` for two lower-case variant words joined by a hyphen ("embryonal-botryoid
    rhabdomyosarcoma"): the text with either word, where that reads as a whole name."""
    hyphen = _EITHER.search(text)
    if not hyphen:
        return []
    for word in hyphen.groups():
        if found := equivalent(text[:hyphen.start()] + word + text[hyphen.end():], index):
            return found
    return []


def _juxtaposed(text: str, index: ConditionIndex) -> list[Match]:
    """Rule ``part`` for two names written one after the other without a joining word ("thymoma thymic
    carcinoma"): the entities of both halves, when each half is a whole name (:func:`equivalent`)."""
    words = _clean(text).split()
    for cut in range(1, len(words)):
        head, tail = " ".join(words[:cut]), " ".join(words[cut:])
        if (first := lookup(head, index, "equivalent")) and (second := lookup(tail, index, "equivalent")):
            return [Match(m.entity, "part", m.matched, 0.80) for m in (*first, *second)]
    return []


def match_term(term: Term, index: ConditionIndex) -> list[Match]:
    """The entities one text links to by itself, by the first rule that finds any (module docstring); what a
    text lists after "excluding" (or "except") is what its trial leaves out, and is not read."""
    code = code_of(term)
    if code and (hits := index.by_xref.get(code) or index.by_mesh.get(code)):
        return [Match(e, "xref", code, SCORES["xref"]) for e in unique(hits)]
    if (kept := included(term.text)) and kept != term.text:
        term = Term(kept, term.field, term.mesh_id)
    found = [m for m in link_term(Term(term.text, term.field), index) if _site_ok(m, term.text, index)]
    if not found or not {m.rule for m in found} & _WHOLE:
        found = equivalent(term.text, index) or found
    if not {m.rule for m in found} & _WHOLE:  # nothing, or only a name the text ends with
        found = _juxtaposed(term.text, index) or _either(term.text, index) or found
    elif term.field == "condition" and "." not in term.text.rstrip(".") and len(tokens(term.text)) <= _COMPOUND_WORDS:
        found += _unread_parts(term.text, found, index)
    if not found and (spelt := respelt(term.text, index)):
        found = equivalent(spelt, index, "spelling")
    if not any(source_of(m.entity) == "ORPHA" for m in found):
        found += _cancer_as(term.text, index, {source_of(m.entity) for m in found})
    found = found + shared_names(found, index)
    found += _nearest_named(found, term.text, index)
    if not any(source_of(m.entity) == "ORPHA" for m in found):
        have = {source_of(m.entity) for m in found}
        found += [m for m in similar(term.text, index) if source_of(m.entity) not in have]
    if not any(source_of(m.entity) == "ORPHA" for m in found):
        found += _site_named(term.text, index) or _site_group(term.text, index) or as_neoplasm(term.text, index)
    if not any(source_of(m.entity) == "ORPHA" for m in found):
        found += _benign(term, index)
    if not any(source_of(m.entity) == "ORPHA" for m in found):  # a variant without a node: its parent's
        text = _clean(term.text)
        if text.count(",") == 1:  # MeSH's inverted "Meningioma, Atypical" ends with its type once turned
            text = " ".join(part.strip() for part in reversed(text.split(",")))
        found += [m for m in _contained(text, index)
                  if source_of(m.entity) == "ORPHA" and _site_ok(m, term.text, index)]
    orpha = [m for m in found if source_of(m.entity) == "ORPHA"]
    if orpha and all(m.rule in PARTIAL for m in orpha):
        # a sentence matched by one of its parts: every name its word runs form ("squamous cell carcinomas of
        # the oral cavity, oropharynx, hypopharynx, larynx" names four)
        have = {m.entity.iri for m in found}
        found += [m for m in named_runs(term.text, index) if m.entity.iri not in have]
    elif orpha and len(tokens(term.text)) >= SENTENCE_WORDS:
        # a sentence read whole: the names of its runs of another family besides ("malignant peripheral nerve
        # sheath tumours in patients with neurofibromatosis 1"), not a wider or a sibling name of one it has
        fams = set().union(*(index.families(m.entity.iri) for m in orpha))
        found += [m for m in named_runs(term.text, index) if not index.families(m.entity.iri) & fams
                  and m.entity.iri not in {o.entity.iri for o in orpha}]
    return _qualified_parent(_at_named_site(found, term.text, index), term.text, index)


#: words of a parent's name that say nothing of which part of the entity it holds
_PARENT_NOISE = frozenset({"rare", "malignant", "primary", "adult", "childhood", "tumor", "neoplasm", "disease",
                           "disorder", "syndrome", "related", "associated", "induced", "familial", "hereditary",
                           "inherited", "group", "type", "other", "unspecified"})


def _qualified_parent(found: list[Match], text: str, index: ConditionIndex) -> list[Match]:
    """Rule ``broader``: an entity under several parents, named with a word that only one parent's name has
    ("hilar or extrahepatic bile duct carcinoma": cholangiocarcinoma is under the extrahepatic and the
    intrahepatic carcinoma) is that part of it, and Orphanet has no node for it: the parent that covers it (the
    carcinoma of gallbladder and extrahepatic biliary tract; conditions_protocol.md rule 4)."""
    words = set(canonical_words(rephrase(text)))
    out: list[Match] = []
    for m in found:
        ent = m.entity
        parents = [p for p in ent.parents if p in index.by_iri] if source_of(ent) == "ORPHA" else []
        own = set().union(*(canonical_words(n) for n in index.names(ent)))
        said = [p for p in parents if len(parents) > 1 and (set().union(
            *(canonical_words(n) for n in index.names(index.by_iri[p]))) - own - GENERIC - _PARENT_NOISE) & words]
        out.append(Match(index.by_iri[said[0]], "broader", m.matched, SCORES["broader"]) if len(said) == 1 else m)
    return _dedupe(out)


#: a compound's parts are read one by one up to this many words (a longer text is prose, read by its word runs)
_COMPOUND_WORDS = 20


def _unread_parts(text: str, found: list[Match], index: ConditionIndex) -> list[Match]:
    """Rule ``part``: the parts of a compound that no canonical name matched, each read by its name or the name it
    starts with ("Primary high risk leiomyosarcoma or Liposarcoma of retroperitoneal space or ...": the
    leiomyosarcoma by its name, the liposarcoma by the name its part starts with)."""
    have = {m.entity.iri for m in found}
    out: list[Match] = []
    for part in parts(text, carry=False):
        if not equivalent(part, index):
            out += [Match(m.entity, "part", m.matched, m.score) for m in link_term(Term(part, "condition"), index)
                    if m.rule in ("label", "synonym", "qualified", "head") and m.entity.iri not in have
                    and _site_ok(m, part, index)]
    return _dedupe(out)


def _at_named_site(found: list[Match], text: str, index: ConditionIndex) -> list[Match]:
    """Rule ``narrower``: a name read inside a longer text (rules ``head``, ``part``, ``containment``) that also
    names a site the name does not have is the Orphanet entity at that site of the same family whose name's
    words the text has in another order ("Primary non-Hodgkin lymphoma in the central nervous system" ->
    "Primary central nervous system lymphoma", not non-Hodgkin lymphoma: the site-specific entity wins, as it
    would by its name); the one with the longest such name, else the name read is kept."""
    sites = sites_of(text)
    if not sites:
        return found
    words = set(canonical_words(rephrase(text)))
    out: list[Match] = []
    for m in found:
        if source_of(m.entity) != "ORPHA" or m.rule not in PARTIAL or index.at_site(m.entity.iri, sites):
            out.append(m)
            continue
        fams = families_of(m.matched) or set(index.families(m.entity.iri))
        hits: dict[str, int] = {}
        for site in sorted(sites):
            for iri, name_words, name_fams in index.named_at(site):
                if name_fams & fams and name_words <= words and len(name_words) > hits.get(iri, 0):
                    hits[iri] = len(name_words)
        longest = [i for i, n in hits.items() if n == max(hits.values())] if hits else []
        out.append(Match(index.by_iri[longest[0]], "narrower", m.matched, SCORES["narrower"]) if len(longest) == 1 else m)
    return _dedupe(out)


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

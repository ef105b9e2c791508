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
                           system" -> primary CNS lymphoma; :func:`loaders.link.conditions_prose.at_named_site`)
``shared-name``     -0.05  the other source's entity whose label or synonym is a name of a matched entity
                           (OncoTree's "Undifferentiated Pleomorphic Sarcoma/Malignant Fibrous
                           Histiocytoma" carries the former name to Orphanet's "Undifferentiated pleomorphic
                           sarcoma"); the matched entity's score less 0.05
``trial-context``  0.70   see below
``broader``        0.65   see below; also, for an OncoTree match that names no Orphanet entity, the
                           Orphanet entity its nearest informative OncoTree ancestor names, at the text's
                           site (testis "Yolk Sac Tumor" -> NSGCT -> "Non-seminomatous germ cell tumor of
                           testis"); and "X cancer" with nothing else: Orphanet's only top carcinoma at X
``mapped``         0.65   in its record (:mod:`loaders.link.conditions`), for a text that reached OncoTree only:
                           the Orphanet entity its OncoTree type maps to by the graph's own mappings
                           (exact, close or broad; not a NOS bucket's), "Uterine Corpus Choriocarcinoma" ->
                           UCCA -> gestational choriocarcinoma
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
:func:`loaders.link.conditions_phrases.rephrase` (former names, site phrasings, acronyms). A condition
written as a sentence or a compound is read by :mod:`loaders.link.conditions_prose` (the names its word runs
form, each unread part, the site or parent its words add); the name lookup, the parts of a compound and the
scores are :mod:`loaders.link.conditions_lookup`.

Used by :mod:`loaders.link.conditions`, which reads the texts of a record together.
"""

from __future__ import annotations

import re

from loaders.link.conditions_lookup import (
    PARTIAL,
    SCORES,
    WHOLE,
    by_lca,
    code_of,
    equivalent,
    lookup,
    site_ok,
    source_of,
    unique,
    unqualified,
)
from loaders.link.conditions_names import (
    FAMILIES,
    SITE_FILLERS,
    SITE_WORDS,
    ConditionIndex,
    canonical_key,
    families_of,
    sitefree_key,
    sites_of,
)
from loaders.link.conditions_phrases import rephrase
from loaders.link.conditions_prose import (
    SENTENCE_WORDS,
    at_named_site,
    included,
    named_runs,
    qualified_parent,
    unread_parts,
)
from loaders.link.conditions_sites import SITE_GROUPS
from loaders.link.conditions_tolerant import (
    respelt,
    similar,
)
from loaders.link.terms import (
    CONTRAST,
    GENERIC,
    QUALIFIERS,
    Match,
    Term,
    _clean,
    _contained,
    link_term,
)
from loaders.mapping import tokens


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


def _shared_at_site(elsewhere: list[Match], text: str, index: ConditionIndex) -> list[Match]:
    """Rule ``shared-name`` for a name matched at another site than the text's: the other source's entity
    it names, if that one is at the text's site ("Malignant Fibrous Histiocytoma of Bone": OncoTree's MFH
    is a soft tissue type, Orphanet's undifferentiated pleomorphic sarcoma is a bone sarcoma too)."""
    want = sites_of(text)
    return [m for m in shared_names(elsewhere, index) if want and index.at_site(m.entity.iri, want)]


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
#: words that join a text's words, no histology ("advanced or metastatic cervical cancer")
_JOINS = frozenset({"or", "the", "of", "and"})


def _cancer_as(text: str, index: ConditionIndex, have: set[str]) -> list[Match]:
    """Rule ``equivalent`` for a histology's "cancer" that no carcinoma name matches: the adenocarcinoma of that
    name ("Clear Cell Ovarian Cancer" = "Clear cell adenocarcinoma of the ovary"), else its malignant tumour
    ("Rhabdoid Cancer" = "Rhabdoid tumor"); only where the text says more than a site and a family (an organ's
    cancer is read in its record), and only in a source without a match yet."""
    if not _CANCER.search(text) or not {w for w in set(tokens(rephrase(text))) - SITE_WORDS.keys() - GENERIC - QUALIFIERS
                                        - SITE_FILLERS - _JOINS if index.known_word(w)}:
        return []  # no word besides a site and a family that any source's name holds (a histology)
    for word in ("adenocarcinoma", "tumor"):
        if found := [m for m in equivalent(_CANCER.sub(word, text), index) if source_of(m.entity) not in have]:
            return found
    return []


#: words that say which tumour it is (its origin or course), not its histology: never dropped as a variant's word
_NO_HISTOLOGY = frozenset({"secondary", "metastase", "metastasis", "hereditary", "familial", "inherited", "sporadic",
                           "syndromic", "occult", "unknown", "borderline", "benign", "premalignant", "recurrence"})


def _modifier_dropped(text: str, index: ConditionIndex) -> list[Match]:
    """Rule ``broader`` for a histological variant without a node of its own, written as a family at a site with one
    word more ("Low Grade Ovarian Serous Adenocarcinoma"): the one Orphanet entity at that site that the text names
    without that word ("Adenocarcinoma of ovary"; conditions_protocol.md rule 1). Only with exactly one such word, a
    word some source's name holds and no word of origin or course ("Secondary Liver Carcinoma", "Hereditary Ovarian
    Carcinoma" are no variants), never past a contrast ("non", "benign"), and only where the text names both a
    family and a site."""
    where = sites_of(text)
    words = tokens(rephrase(text))
    if not where or not families_of(text):
        return []
    extra = [w for w in words if w not in SITE_WORDS and w not in SITE_GROUPS and w not in SITE_FILLERS and w not in QUALIFIERS
             and w not in GENERIC and w not in _JOINS and not families_of(w) and w not in ("tumor", "neoplasm", "cell")]
    if len(extra) != 1 or CONTRAST & set(words) or extra[0] in _NO_HISTOLOGY or not index.known_word(extra[0]):
        return []
    rest = " ".join(w for w in words if w != extra[0])
    ents = unique([m.entity for m in equivalent(rest, index) if source_of(m.entity) == "ORPHA"
                   and index.at_site(m.entity.iri, where)])
    return [Match(ents[0], "broader", rest, SCORES["broader"])] if len(ents) == 1 else []


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
    carcinoma"): the entities of both halves, when each half is a whole name
    (:func:`loaders.link.conditions_lookup.equivalent`)."""
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
    found, elsewhere = [], []  # the names matched, kept at the text's site or not
    for m in link_term(Term(term.text, term.field), index):
        (found if site_ok(m, term.text, index) else elsewhere).append(m)
    if not found or not {m.rule for m in found} & WHOLE:
        found = equivalent(term.text, index) or found
    if not {m.rule for m in found} & WHOLE:  # nothing, or only a name the text ends with
        found = _juxtaposed(term.text, index) or _either(term.text, index) or found
    elif term.field == "condition":
        found += unread_parts(term.text, found, index)
    if not {m.rule for m in found} & WHOLE and (spelt := respelt(term.text, index)):
        # nothing, or a part only ("Squamous cell carcinoma of the hypoharynx": its head alone)
        found = equivalent(spelt, index, "spelling") or found
    if not any(source_of(m.entity) == "ORPHA" for m in found):
        found += _cancer_as(term.text, index, {source_of(m.entity) for m in found})
    # the Orphanet entity that a name of a part gives must be at the site the text names ("Extragonadal
    # non-seminomatous germ cell tumor" contains OncoTree's NSGCT, whose Orphanet name is the testis' tumour); an
    # OncoTree type's tissue is a bucket, not a site ("... hemangioendothelioma of the liver": OncoTree's EHAE)
    whole = {m.entity.iri for m in shared_names([m for m in found if m.rule in WHOLE], index)}
    found = found + [m for m in shared_names(found, index) if m.entity.iri in whole or source_of(m.entity) != "ORPHA"
                     or site_ok(m, term.text, index)]
    if not any(source_of(m.entity) == "ORPHA" for m in found):
        found += _shared_at_site(elsewhere, term.text, index)
    found += _nearest_named(found, term.text, index)
    if not any(source_of(m.entity) == "ORPHA" for m in found):
        have = {source_of(m.entity) for m in found}
        found += [m for m in similar(term.text, index) if source_of(m.entity) not in have]
    if not any(source_of(m.entity) == "ORPHA" for m in found):
        found += _site_named(term.text, index) or _site_group(term.text, index) or as_neoplasm(term.text, index)
    if not any(source_of(m.entity) == "ORPHA" for m in found):
        found += _benign(term, index)
    if not any(source_of(m.entity) == "ORPHA" for m in found):
        found += _modifier_dropped(term.text, index)
    if not any(source_of(m.entity) == "ORPHA" for m in found):  # a variant without a node: its parent's
        text = _clean(term.text)
        if text.count(",") == 1:  # MeSH's inverted "Meningioma, Atypical" ends with its type once turned
            text = " ".join(part.strip() for part in reversed(text.split(",")))
        found += [m for m in _contained(text, index)
                  if source_of(m.entity) == "ORPHA" and site_ok(m, term.text, index)]
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
    return qualified_parent(at_named_site(found, term.text, index), term.text, index)

"""Condition linking for texts written as prose: sentences, compounds, definitions, lists of sites.

Registries (CTIS, the EU register) write many conditions as sentences: "Patients with histologically confirmed
squamous cell carcinomas of the oral cavity, oropharynx, hypopharynx, larynx". These rules read such a text by
the names it holds (:func:`named_runs`, :func:`listed_sites`, :func:`unread_parts`), leave out what it excludes
(:func:`included`), and refine a name read inside a longer text by what the text says around it: the entity at a
site the text names (:func:`at_named_site`, rule ``narrower``), or the one parent of an entity that a word of
the text names (:func:`qualified_parent`, rule ``broader``). Called by :func:`loaders.link.conditions_match.match_term`
and, for a record's texts, by :mod:`loaders.link.conditions`.
"""

from __future__ import annotations

import re

from loaders.link.conditions_lookup import (
    PARTIAL,
    SCORES,
    equivalent,
    lookup,
    parts,
    site_ok,
    source_of,
)
from loaders.link.conditions_names import (
    SITE_FILLERS,
    SITE_WORDS,
    ConditionIndex,
    canonical_words,
    families_of,
    sites_of,
)
from loaders.link.conditions_phrases import rephrase
from loaders.link.terms import (
    GENERIC,
    TUMOUR_HEAD,
    Match,
    Term,
    _dedupe,
    link_term,
)
from loaders.mapping import tokens

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
        for n in range(min(8, len(words) - i), 0, -1) if not negated(words, i) else ():
            if hits := [m for m in lookup(" ".join(words[i:i + n]), index, "equivalent") if source_of(m.entity) == "ORPHA"]:
                out += [Match(m.entity, "part", m.matched, SCORES["equivalent"] - 0.05) for m in hits]
                more, i = listed_sites(words, i, n, index)
                out += more
                break
        else:
            i += 1
    return _dedupe(out)


def negated(words: list[str], i: int) -> bool:
    """True if the word at ``i`` is the second half of a "non X" word ("Non-small Cell Lung Carcinoma" holds
    no small cell lung carcinoma): no name's run starts there."""
    return i > 0 and words[i - 1] == "non"


def listed_sites(words: list[str], i: int, n: int, index: ConditionIndex) -> tuple[list[Match], int]:
    """After a run that names a type at a site, the sites listed right after it, each read with the run's
    type words ("squamous cell carcinomas of the oral cavity, oropharynx, hypopharynx, larynx": the SCC of
    each; "or" lists as "and" does), up to a site word that begins the next name ("... and Thymic Carcinoma");
    none after a run without a site word; returns those matches and where the reading goes on."""
    run = words[i:i + n]
    head = [w for w in run if w not in SITE_WORDS and w not in SITE_FILLERS]
    j, out = i + n, []
    if not any(w in SITE_WORDS for w in run):
        return out, j
    while j < len(words) and (words[j] in SITE_WORDS or words[j] in SITE_FILLERS or words[j] == "or"):
        if words[j] in SITE_WORDS and j + 1 < len(words) and TUMOUR_HEAD.search(words[j + 1]):
            break  # the site word begins the next name ("... of the Larynx and Thymic Carcinoma")
        if words[j] in SITE_WORDS:
            out += [Match(m.entity, "part", m.matched, SCORES["equivalent"] - 0.05)
                    for m in lookup(" ".join([*head, words[j]]), index, "equivalent") if source_of(m.entity) == "ORPHA"]
        j += 1
    return out, j


#: a compound's parts are read one by one up to this many words (a longer text is prose, read by its word runs)
_COMPOUND_WORDS = 20


def unread_parts(text: str, found: list[Match], index: ConditionIndex) -> list[Match]:
    """Rule ``part``: the parts of a compound that no canonical name matched, each read by its name or the name it
    starts with ("Primary high risk leiomyosarcoma or Liposarcoma of retroperitoneal space or ...": the
    leiomyosarcoma by its name, the liposarcoma by the name its part starts with); none in prose (a sentence's
    end, or more than :data:`_COMPOUND_WORDS` words)."""
    if "." in text.rstrip(".") or len(tokens(text)) > _COMPOUND_WORDS:
        return []
    have = {m.entity.iri for m in found}
    out: list[Match] = []
    for part in parts(text, carry=False):
        if not equivalent(part, index):
            out += [Match(m.entity, "part", m.matched, m.score) for m in link_term(Term(part, "condition"), index)
                    if m.rule in ("label", "synonym", "qualified", "head") and m.entity.iri not in have
                    and site_ok(m, part, index)]
    return _dedupe(out)


#: words of a parent's name that say nothing of which part of the entity it holds
_PARENT_NOISE = frozenset({"rare", "malignant", "primary", "adult", "childhood", "tumor", "neoplasm", "disease",
                           "disorder", "syndrome", "related", "associated", "induced", "familial", "hereditary",
                           "inherited", "group", "type", "other", "unspecified"})


def qualified_parent(found: list[Match], text: str, index: ConditionIndex) -> list[Match]:
    """Rule ``broader``: an entity under several parents, named with a word that only one parent's name has
    ("hilar or extrahepatic bile duct carcinoma": cholangiocarcinoma is under the extrahepatic and the
    intrahepatic carcinoma) is that part of it, and Orphanet has no node for it: the parent that covers it (the
    carcinoma of gallbladder and extrahepatic biliary tract; conditions_protocol.md rule 4). Only the words of
    the part of a compound that names the entity count."""
    pieces: list[set[str]] | None = None  # the words of each part, read once and only when needed
    out: list[Match] = []
    for m in found:
        ent = m.entity
        parents = [p for p in ent.parents if p in index.by_iri] if source_of(ent) == "ORPHA" else []
        if len(parents) < 2:
            out.append(m)
            continue
        own = set().union(*(canonical_words(n) for n in index.names(ent)))
        # only the words of the part that names the entity ("Cholangiocarcinoma with liver metastases" says
        # nothing of which cholangiocarcinoma; "hilar or extrahepatic bile duct carcinoma" does)
        if pieces is None:
            pieces = [set(canonical_words(p)) for p in (parts(text, carry=False) or [rephrase(text)])]
        named = [p for p in pieces if p & own - GENERIC]
        words = set().union(*named) if named else set()
        said = [p for p in parents if (set().union(
            *(canonical_words(n) for n in index.names(index.by_iri[p]))) - own - GENERIC - _PARENT_NOISE) & words]
        out.append(Match(index.by_iri[said[0]], "broader", m.matched, SCORES["broader"]) if len(said) == 1 else m)
    return _dedupe(out)


def at_named_site(found: list[Match], text: str, index: ConditionIndex) -> list[Match]:
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

"""Condition linking: every condition, condition MeSH term and keyword of a record linked on its own.

Each text of a record gets its own links (:class:`loaders.link.terms.EntityLink`: record, text, field, entity,
rule, score), so a link can be audited per condition. Two steps, each in its own module:

* :mod:`loaders.link.conditions_match` matches one text by itself (labels, synonyms, cross-references,
  "X cancer" = "X carcinoma", former names shared across sources, misspellings, the nearest named node);
* :mod:`loaders.link.conditions_context` reads generic terms (a family or an organ without a type) in their
  record, and lets a MeSH term or keyword take the links of the condition that says the same and more;
  a MeSH or keyword term never overrides a more specific condition.

The index they share (names, sites, families, hierarchy) is :mod:`loaders.link.conditions_names`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from kg.core.records import MappableEntity
from loaders.link.conditions_context import (
    Generic,
    anaplastic_in_title,
    context,
    family_at_site,
    generic,
    more_specific,
    record_family_at_site,
    site_carcinoma,
    squamous_carcinoma,
    title_entities,
    usual_site,
    variant,
)
from loaders.link.conditions_lookup import MAX_LIST, PARTIAL, SCORES, code_of, source_of, unique
from loaders.link.conditions_match import as_neoplasm, match_term, neoplasm_named_in
from loaders.link.conditions_names import SITE_FILLERS, SITE_WORDS, ConditionIndex, families_of, sites_of
from loaders.link.conditions_phrases import rephrase
from loaders.link.conditions_prose import named_runs
from loaders.link.conditions_tolerant import respelt
from loaders.link.terms import EntityLink, Match, Term, _dedupe, link_term
from loaders.mapping import has_nos, tokens

__all__ = ["RecordLinks", "link_record", "link_records", "match_term"]

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


def link_record(kind: str, subject_id: str, terms: Sequence[Term], title: str | None, index: ConditionIndex,
                result: RecordLinks, cache: dict[Term, list[Match]] | None = None,
                titles: dict[str | None, list[MappableEntity]] | None = None) -> None:
    """Add the links of every text of one record to ``result`` (one per text and entity); ``cache``
    and ``titles`` keep the answers of :func:`match_term` and :func:`title_entities` across records."""
    cache = {} if cache is None else cache
    own: dict[Term, list[Match]] = {}
    # a text that defines what it names ("Retroperitoneal sarcoma: a sarcoma developed in ...") is read with the
    # names it defines, each as a text of the record, their links the defining text's
    defined = {t: [Term(name, t.field) for name in defined_names(t.text)] for t in terms}
    given, terms = terms, list(dict.fromkeys([*terms, *(d for ds in defined.values() for d in ds)]))
    for term in terms:
        if term not in cache:
            cache[term] = match_term(term, index)
        own[term] = cache[term]
        if term.mesh_id and code_of(term) is None:
            result.unknown_codes.setdefault(term.mesh_id, f"{kind} {subject_id}")
    # a text that matches nothing by itself is also read as the sources would write it, as a text of the record whose
    # links are its own ("Intracranial Hemangiopericytoma": an intracranial solitary fibrous tumour, at the record's
    # site); never to a NOS bucket ("Neoplasms, Squamous Cell" is no OncoTree "Squamous Cell Carcinoma, NOS")
    rephrased: set[Term] = set()
    for term in given:
        if not own[term] and (said := rephrase(term.text)) != term.text:
            again = Term(said, term.field)
            if again not in own:
                if again not in cache:
                    cache[again] = match_term(again, index)
                own[again] = cache[again]
                terms.append(again)
            defined[term] = [*defined[term], again]
            rephrased.add(again)
    kinds = {t: _generic(t.text, index) for t in terms}
    # the record's types: what its specific texts and organ terms match, and a family condition's own
    # Orphanet entity ("Glioma" = glial tumour beside "Meningioma": "Brain Neoplasms" is either)
    specific = [(t, own[t]) for t in terms if own[t] and (kinds[t] is None or kinds[t].sites
                                                          or (t.field == "condition" and _orphanet(own[t])))]
    if titles is None:
        named = title_entities(title, index)
    elif (named := titles.get(title)) is None:  # registries repeat titles: each distinct one is read once
        named = titles[title] = title_entities(title, index)
    where = set().union(sites_of(title or ""), *(sites_of(t.text) for t in terms))
    for term in terms:
        if len(where) == 1 and (kinds[term] is None or _orphanet(own[term])):
            own[term] = _at_record_site(term, own[term], next(iter(where)), index)
    found = {t: _read(t, kinds[t], own, terms, specific, named, index, title=title) for t in terms}
    # an organ term, or a type's text, that reached Orphanet only in its record ("laryngeal cancer" -> squamous cell
    # carcinoma of the larynx; "131I-refractory differentiated thyroid cancer" -> differentiated thyroid carcinoma
    # by a fallback) says what the record's broader terms mean ("Head and Neck Cancer", "Thyroid cancer")
    organs = [(t, ms) for t, ms in found.items() if (kinds[t] is None or kinds[t].sites) and _orphanet(ms)
              and not _orphanet(own[t])]
    for term in terms:  # also where the first pass had nothing but the site's own carcinoma to go by
        more = [(t, ms) for t, ms in organs if t != term]
        if more and kinds[term] is not None and not _orphanet(
                _read(term, kinds[term], own, terms, specific, named, index, fallback=False)):
            found[term] = _read(term, kinds[term], own, terms, [*specific, *more], named, index, title=title)
    _mesh_as_conditions([t for t in terms if kinds[t] is None], found, index)
    for term in terms:  # "adult mixed glioma" in a trial "... With Recurrent Malignant Glioma"
        found[term] = anaplastic_in_title(term, found[term], title, index)
    for term in terms:  # "Adjuvant treatment of HCC" beside "Hepatocellular carcinoma"
        if not _orphanet(found[term]):
            found[term] = [*found[term], *_acronyms_in_record(term, found, where, index, cache)]
    for term in terms:  # "Uterine Corpus Choriocarcinoma": OncoTree's UCCA, mapped to gestational choriocarcinoma
        if not _orphanet(found[term]):
            found[term] = [*found[term], *_mapped(found[term], index)]
    for term, names in defined.items():
        found[term] = [*found[term], *(m for name in names for m in found[name]
                                       if name not in rephrased or not has_nos(m.entity.label))]
    terms = given
    for term in terms:  # the most specific entities a text names: not also a wider one of the same source
        iris = {m.entity.iri for m in found[term]}
        found[term] = [m for m in found[term] if not any(m.entity.iri in index.ancestors(i) for i in iris)]
    for term in terms:
        result.terms += 1
        if not found[term]:
            result.unmatched[term.text] += 1
        result.links += [EntityLink(kind, subject_id, term, m) for m in _dedupe(list(found[term]))]
    if title and not any(_orphanet(ms) for ms in found.values()):
        # no text reaches Orphanet: the Orphanet types the title names, as links of the title itself
        result.links += [EntityLink(kind, subject_id, Term(title, "title"), Match(e, "title", e.label, SCORES["title"]))
                         for e in named if source_of(e) == "ORPHA"]


#: a name a text defines: a few words at its start or after a sentence's end, then a colon and more words
_DEFINED = re.compile(r"(?:^|[.;]\s+)([^.;:()]{3,60}?):\s+\S")
#: at most this many words make a defined name (a longer run before a colon is a heading: "Subtypes of ...")
_DEFINED_WORDS = 5
#: a defined name names a tumour by a word that ends as one ("Histology:", "Stage:", "Cohort 1:" are headings; so are a
#: bare "Cancer:" or "Tumour:", hence not terms.TUMOUR_HEAD, which takes the word alone)
_TUMOUR = re.compile(r"(?i)\w(?:omas?|cancers?|tumou?rs?|neoplasms?)\b")


def defined_names(text: str) -> list[str]:
    """The names a condition text defines ("Osteosarcoma: a rare malignant tumor ... . Ewing's sarcoma: a
    malignant bone tumour ..." -> "Osteosarcoma", "Ewing's sarcoma").

    >>> defined_names("Retroperitoneal sarcoma: a sarcoma developed in the back of the belly")
    ['Retroperitoneal sarcoma']
    >>> defined_names("Subtypes of Cutaneous T cell lymphoma (CTCL): Mycosis Fungoides"), defined_names("GIST")
    ([], [])
    >>> defined_names("Histology: leiomyosarcoma. Stage: IV")
    []
    """
    return [name for m in _DEFINED.finditer(text) if len(tokens(name := m.group(1).strip())) <= _DEFINED_WORDS
            and (families_of(name) or _TUMOUR.search(name))]


#: fields of indexing terms: a controlled vocabulary's (MeSH), chosen by an indexer as the nearest descriptor,
#: and keywords (a registry's own, or a MedDRA term of the EU register), which tag a record, never override it
_INDEXING = frozenset({"condition-mesh", "mesh-heading", "keyword"})


def _mesh_as_conditions(terms: Sequence[Term], found: dict[Term, list[Match]], index: ConditionIndex) -> None:
    """A MeSH term or keyword whose Orphanet entities are broader than the record's conditions' (MeSH
    "Astrocytoma" in a glioblastoma trial: MeSH's nearest descriptor, not a second disease; the keyword
    "Liposarcoma" in a myxoid liposarcoma trial) stands for the conditions' entities
    below it (at most :data:`MAX_LIST`; a keyword for one only), rule ``trial-context``; a MeSH term with an entity of its own that no
    condition refines keeps it, and so does one beside other tags that name other types below it (NCI's
    keyword lists: "adult malignant mesenchymoma" among twenty sarcoma types is the soft tissue sarcoma). ``terms`` are the record's texts that name a type (generic terms such as
    "Carcinoma" or "Thymus Neoplasms" are read in their record already)."""
    conditions = {m.entity.iri for t in terms if t.field == "condition" for m in found[t] if source_of(m.entity) == "ORPHA"}
    for term in terms:
        mine = {m.entity.iri for m in found[term] if source_of(m.entity) == "ORPHA"}
        if term.field not in _INDEXING or not mine or mine & conditions:
            continue
        below = {c for c in conditions if mine & index.ancestors(c)}
        if any(mine & index.ancestors(m.entity.iri) and m.entity.iri not in conditions for t in terms
               if t != term and t.field in _INDEXING for m in found[t] if source_of(m.entity) == "ORPHA"):
            continue  # other tags name other types below it: a list of the trial's diseases (NCI's keywords)
        # a keyword is its author's tag: it stands for the record's one type named more broadly, while one
        # over several conditions names what they make up together ("GEP-NET disease" over pancreatic and
        # gastroenteric NETs)
        most = 1 if term.field == "keyword" else MAX_LIST
        if below and len(below) <= most and all(any(i in index.ancestors(c) for c in below) for i in mine):
            found[term] = [*(m for m in found[term] if source_of(m.entity) != "ORPHA"),
                           *(Match(index.by_iri[c], "trial-context", index.by_iri[c].label, SCORES["trial-context"])
                             for c in sorted(below))]


#: an acronym as registries write one: three to six capitals, alone in their word ("HCC", "ACC", "GIST")
_ACRONYM = re.compile(r"(?<![\w-])[A-Z]{3,6}(?![\w-])")
#: the rules by which an acronym names an entity by itself
_ACRONYM_RULES = frozenset({"label", "synonym", "code"})


def _acronyms_in_record(term: Term, found: dict[Term, list[Match]], where: set[str], index: ConditionIndex,
                        cache: dict[Term, list[Match]]) -> list[Match]:
    """The Orphanet entity that an acronym of a text naming no entity otherwise stands for ("Adjuvant treatment of
    HCC", "diagnosis of ACC"), when the acronym is a name of exactly one Orphanet entity and its record confirms it:
    another text links to that entity (or one above or below it), or the record names the entity's site ("ACC"
    beside "Adrenal neoplasm" is the adrenocortical carcinoma; beside "Salivary gland cancer" it is not);
    rule ``trial-context``. An acronym is ambiguous between specialties, so its own text never suffices; a text in
    capitals throughout has no acronyms to tell apart. ``cache`` keeps the acronyms' matches across records."""
    if term.text.isupper():
        return []
    linked = {m.entity.iri for t, ms in found.items() if t != term for m in ms if source_of(m.entity) == "ORPHA"}
    out: list[Match] = []
    for acronym in dict.fromkeys(_ACRONYM.findall(term.text)):
        key = Term(acronym, "acronym")
        if key not in cache:
            cache[key] = match_term(key, index)
        ents = unique([m.entity for m in cache[key] if source_of(m.entity) == "ORPHA" and m.rule in _ACRONYM_RULES])
        if len(ents) != 1:
            continue
        ent = ents[0]
        near = {ent.iri, *index.ancestors(ent.iri)}
        if near & linked or any(ent.iri in index.ancestors(i) for i in linked) or (index.site(ent.iri) or set()) & where:
            out.append(Match(ent, "trial-context", acronym, SCORES["trial-context"]))
    return out


#: words and marks that join several names in one text
_LISTING = re.compile(r"(?i)\s(?:and|or|&)\s|[;/]|,.*,")


def _at_record_site(term: Term, own: list[Match], site: str, index: ConditionIndex) -> list[Match]:
    """A text naming no site, in a record whose texts and title name one site only, whose own Orphanet
    entities are none or all at another site, is read at the record's site ("Carcinoma, Embryonal" in a
    testicular trial is the testicular one, not Orphanet's extragonadal "Embryonal carcinoma";
    "Leiomyosarcoma" in a uterine trial is the uterine one); rule ``trial-context``."""
    if sites_of(term.text):
        return own
    orpha = [m for m in own if source_of(m.entity) == "ORPHA"]
    there = [m for m in orpha if index.site(m.entity.iri) and index.at_site(m.entity.iri, {site})]
    if there and all(index.site(m.entity.iri) for m in orpha) and len(there) < len(orpha):
        # entities at several sites, one of them the record's ("Ewing's sarcoma" in a bone tumour trial: the
        # skeletal one, not also the extraskeletal one)
        return [*(m for m in own if source_of(m.entity) != "ORPHA"), *there]
    if any(not index.site(m.entity.iri) or index.at_site(m.entity.iri, {site}) for m in orpha):
        return own
    if _LISTING.search(term.text):
        return own  # a list of names ("Neoplasms, Glandular and Epithelial"): no one name to read there
    text = " ".join(reversed(term.text.split(",", 1)))  # MeSH's inverted "Carcinoma, Embryonal"
    names = [text, *(n for m in own if source_of(m.entity) == "ORPHA" for n in index.names(m.entity))]
    there: list[Match] = []
    for name in names:  # the text, else a name of its entity ("Endodermal sinus tumor" = "Yolk sac tumor")
        there = [m for m in match_term(Term(f"{site} {name}", term.field), index)
                 if source_of(m.entity) == "ORPHA" and index.at_site(m.entity.iri, {site}) and m.rule not in PARTIAL]
        if there:
            break
    else:
        return own
    return [*(m for m in own if source_of(m.entity) != "ORPHA"),
            *(Match(m.entity, "trial-context", m.matched, SCORES["trial-context"]) for m in there)]


def _soft_tissue_type_at(term: Term, index: ConditionIndex) -> list[Match]:
    """A soft tissue type named at an organ where Orphanet has neither that type nor its family's node there
    ("Breast Angiosarcoma", "Solitary Fibrous Tumor of the Central Nervous System"): the type itself, since
    soft tissue tumours arise in any organ (never in bone, which Orphanet sets apart); rule as matched."""
    where = sites_of(term.text)
    if not where or "bone" in where:
        return []
    bare = " ".join(w for w in tokens(term.text) if w not in SITE_WORDS and w not in SITE_FILLERS and w != "the")
    return [m for m in link_term(Term(bare, term.field), index)
            if source_of(m.entity) == "ORPHA" and index.site(m.entity.iri) == {"soft tissue"}
            and m.rule in {"label", "synonym", "qualified"}]


def _mapped(matches: list[Match], index: ConditionIndex) -> list[Match]:
    """Rule ``mapped``: the Orphanet entities that a text's OncoTree types map to (the same type, or the nearest
    Orphanet node containing it), for a text that reached OncoTree only."""
    out: dict[str, Match] = {}
    for m in matches:
        for iri in index.mapped.get(m.entity.iri, ()):
            out.setdefault(iri, Match(index.by_iri[iri], "mapped", m.entity.label, SCORES["mapped"]))
    return list(out.values())


def _orphanet(matches: Iterable[Match]) -> bool:
    return any(source_of(m.entity) == "ORPHA" for m in matches)


def _read(term: Term, g: Generic | None, own: dict[Term, list[Match]], terms: Sequence[Term],
          specific: Sequence[tuple[Term, list[Match]]], named: list[MappableEntity],
          index: ConditionIndex, *, fallback: bool = True, title: str | None = None) -> list[Match]:
    """The links of one text of a record: its own, or what its record says it means (module docstring);
    without ``fallback``, not the family node of its site that it takes with nothing else to go by. ``title``
    is the record's title, read for where its disease is."""
    if g is None:
        matches = own[term] or more_specific(term, own, terms, index)
        if not _orphanet(matches) and (v := variant(term.text)):
            # a kind of a family without a node of its own: the family read in its record
            others = [(t, ms) for t, ms in specific if t != term]
            matches = [*matches, *(m for m in context(v, [], others, named, index) if source_of(m.entity) == "ORPHA")]
        if fallback and not _orphanet(matches):
            matches = [*matches, *family_at_site(term.text, index)]
        if fallback and not _orphanet(matches):
            matches = [*matches, *_soft_tissue_type_at(term, index)]
        if fallback and not _orphanet(matches):  # a condition written as a sentence: the names in it
            matches = [*matches, *named_runs(term.text, index)]
        if fallback and not _orphanet(matches):  # a text about neuroendocrine tumours naming no type
            matches = [*matches, *neoplasm_named_in(term.text, index)]
        if fallback and not _orphanet(matches) and (v := variant(term.text)):  # "epithelial mesothelioma"
            matches = [*matches, *usual_site(v, terms, title, index)]
        return matches
    cancer = bool(g.sites) and not g.families and "cancer" in tokens(rephrase(term.text))
    others = [(t, ms) for t, ms in specific if t != term] if cancer or not g.sites else list(specific)
    mine = own[term]
    if cancer and any(g.sites & sites_of(t.text) and (fams := families_of(t.text)) and "carcinoma" not in fams
                      for t in terms if t != term):
        mine = []  # "Ovarian Cancer" beside "ovarian sarcoma": the record says it is no carcinoma
    matches = context(g, mine, others, named, index, cancer=cancer)
    if cancer and (squamous := squamous_carcinoma(term.text, g, others, index)):
        matches = [*(m for m in matches if source_of(m.entity) != "ORPHA"), *squamous]
    if fallback and (not _orphanet(matches) or cancer and len(g.sites) > 1):  # each organ of "Anal and Vulvar Cancer"
        nodes = site_carcinoma(term.text, g, index)
        if cancer and len(g.sites) > 1 and (both := {m.entity.iri for m in nodes if index.site(m.entity.iri) == g.sites}):
            # "Lip and Oral Cavity Cancer" is the node of both sites, not the record's oral cavity carcinoma below it
            matches = [m for m in matches if not both & index.ancestors(m.entity.iri)]
        have = {m.entity.iri for m in matches}
        matches = list(matches) + [m for m in nodes if m.entity.iri not in have]
    if fallback and not _orphanet(matches) and g.families and g.sites:  # "Retroperitoneal Sarcoma": a soft tissue sarcoma
        matches = list(matches) + family_at_site(term.text, index)
    if fallback and not _orphanet(matches) and g.sites and not g.families:
        matches = list(matches) + record_family_at_site(g, specific, index)
    if fallback and not _orphanet(matches) and g.families == {"neuroendocrine"}:
        # "Neuroendocrine Tumour" in a record that says no more: Orphanet's node of the family (and of its
        # site, if it names one), the neuroendocrine neoplasm
        matches = list(matches) + as_neoplasm(term.text, index, family=True)
    if fallback and not _orphanet(matches):  # "Malignant Mesothelioma" and nothing said of where
        matches = list(matches) + usual_site(g, terms, title, index)
    return matches


def _generic(text: str, index: ConditionIndex) -> Generic | None:
    """What a generic term names, also when one of its words is misspelt ("Mesotelioma")."""
    found = generic(text)
    if found is None and (spelt := respelt(text, index)):
        found = generic(spelt)
    return found


def link_records(records: Iterable[tuple[str, str, Sequence[Term], str | None]], index: ConditionIndex) -> RecordLinks:
    """The per-text links of (kind, id, terms, title) records, sharing one cache of text matches."""
    result = RecordLinks()
    cache: dict[Term, list[Match]] = {}
    titles: dict[str | None, list[MappableEntity]] = {}
    for kind, subject_id, terms, title in records:
        link_record(kind, subject_id, terms, title, index, result, cache, titles)
    return result

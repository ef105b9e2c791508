"""Condition linking, generic terms read in their record (family and organ terms, and MeSH or keyword
terms that a more specific condition of the record explains).

**Generic terms** (a family and/or a site without a tumour type: "Sarcoma", "Carcinoma", "Mesothelioma",
"Head and Neck Cancer", "Brain and Central Nervous System Tumors", "Testicular Neoplasms") are read in
their record (:func:`loaders.link.conditions.link_record`): the tumour types the record's title names, if any
fit the term's family and site (a single-disease trial: "Sarcoma" in an osteosarcoma trial is the osteosarcoma), rule
``trial-context``; else, per source, the lowest common ancestor of the entities that the record's
condition texts (else all its texts) link to in that family and at that site, when every one of those
texts has an entity in that source and the ancestor is informative (not a top-level "Rare ..." branch;
the node covering every parent of a multi-parent entity first; for Orphanet, with no such node, the list
of at most :data:`loaders.link.conditions_match.MAX_LIST` entities; Orphanet from the other texts where the
conditions reach none), rule ``trial-context`` for one entity, ``broader`` otherwise. What a generic term
matches by itself counts too: a family with a site ("soft tissue sarcoma") keeps its own match; an organ
term ("Thymus Neoplasms" = "Thymic tumor") keeps it and takes the context in the other source; a family word alone ("Glioma",
"Melanoma") keeps it only where neither the title nor a condition names a type of that family. A term
with no family or tumour word ("Neoplasms", "Metastatic Cancer", "bone") links to nothing. An organ's "X
cancer" is the record's own type at X (carcinomas first) before its own name, is not the carcinoma if
another text names a non-carcinoma at X, and with nothing else is Orphanet's only top carcinoma at X.

**A MeSH or keyword term never overrides a more specific condition**: a generic one is read through the
record's conditions as above (MeSH "Melanoma" in a uveal-melanoma trial is the uveal melanoma); a specific
one that matches nothing takes the entities of the condition (else keyword, or its part) that says the
same and more (:func:`more_specific`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from kg.core.records import MappableEntity
from loaders.link.conditions_lookup import (
    MAX_LIST,
    SCORES,
    by_lca,
    lookup,
    parts,
    source_of,
    unique,
    unqualified,
)
from loaders.link.conditions_match import match_term, shared_names
from loaders.link.conditions_names import (
    _SYNDROME,
    ANY,
    FAMILIES,
    NON_EPITHELIAL_FAMILIES,
    SITE_FILLERS,
    SITE_WORDS,
    ConditionIndex,
    canonical_words,
    entity_name_families,
    families_of,
    sites_of,
)
from loaders.link.conditions_phrases import rephrase
from loaders.link.conditions_prose import listed_sites, negated
from loaders.link.conditions_sites import enclosing
from loaders.link.terms import CONTRAST, QUALIFIERS, Match, Term
from loaders.mapping import tokens

#: words that make a site word a disease term ("Kidney Cancer", not "bone")
TUMOUR_WORDS = frozenset({"cancer", "carcinoma", "tumor", "neoplasm", "malignancy", "metastasis"})

@dataclass(frozen=True)
class Generic:
    """What a generic term names: family words and sites (both may be empty, not both)."""

    families: frozenset[str]
    sites: frozenset[str]


#: words that name a family by another word ("Glial tumors", "Carcinoid Tumors" = neuroendocrine tumours)
_FAMILY_WORDS = {"glial": "glioma", "carcinoid": "neuroendocrine"}


@lru_cache(maxsize=131_072)
def generic(text: str) -> Generic | None:
    """The family and sites of a generic term; None if the text names a tumour type.

    >>> generic("Head and Neck Cancer") == Generic(frozenset(), frozenset({"head and neck"}))
    True
    >>> generic("Malignant Gliomas").families, generic("Glioblastoma")
    (frozenset({'glioma'}), None)
    """
    words = [w for w in tokens(rephrase(text)) if w not in QUALIFIERS]
    fams = {_FAMILY_WORDS.get(w, w) for w in words if w in FAMILIES or w in _FAMILY_WORDS}
    if any(w not in ANY and w not in SITE_WORDS and w not in SITE_FILLERS and w not in FAMILIES and w not in _FAMILY_WORDS
           for w in words):
        return None
    if "neuroendocrine" in fams and len(fams) > 1:
        return None  # "Neuroendocrine carcinoma" is a type; "Neuroendocrine Tumors" a family
    if not fams and not TUMOUR_WORDS.intersection(words):
        return Generic(frozenset(), frozenset())  # "bone", "soft tissue": a site, not a disease
    return Generic(frozenset(fams), frozenset(SITE_WORDS[w] for w in words if w in SITE_WORDS))


def variant(text: str) -> Generic | None:
    """The family of a text that names a kind of it by words no entity has ("epithelial mesothelioma",
    "mixed glioma"): its last word is a family word and no word contrasts ("benign", "non"); None otherwise.
    Read in its record like a generic term when the text reaches no Orphanet entity by itself.

    >>> variant("sarcomatous mesothelioma") == Generic(frozenset({"mesothelioma"}), frozenset())
    True
    >>> variant("benign mesothelioma") is None, variant("Carcinoma, Squamous Cell").families
    (True, frozenset({'carcinoma'}))
    """
    text = rephrase(text)
    words = [w for w in tokens(text) if w not in QUALIFIERS]
    if len(words) < 2 or CONTRAST.intersection(words):
        return None
    sites = frozenset(SITE_WORDS[w] for w in words if w in SITE_WORDS)
    if "," in text:  # MeSH's inverted form names its head first ("Carcinoma, Squamous Cell")
        head = generic(text.split(",", 1)[0])
        return Generic(head.families, head.sites | sites) if head and head.families else None
    return Generic(frozenset({words[-1]}), sites) if words[-1] in FAMILIES else None


def _fits(ent: MappableEntity, g: Generic, index: ConditionIndex) -> bool:
    """True if the entity is a tumour of the generic term's family and site (never a syndrome: "Carcinoid
    Tumor" is no "Carcinoid syndrome", which a record may name beside it; nor an inherited predisposition, whatever
    its name: "MEN1" and "VHL" beside "Neuroendocrine Carcinoma")."""
    if _SYNDROME.search(ent.label) or index.predisposition(ent.iri) \
            or g.families and not g.families & index.families(ent.iri):
        return False
    return not g.sites or index.at_site(ent.iri, g.sites)


def title_entities(title: str | None, index: ConditionIndex) -> list[MappableEntity]:
    """The entities a title names: its longest word runs equal to an entity's canonical name (and the sites
    listed right after a type at a site, :func:`loaders.link.conditions_prose.listed_sites`), runs of only
    family words ("Glioma", "Germ Cell Tumors") left out."""
    title = rephrase(title or "")  # a title is read as a text is ("... of the Gastrointestinal Tract and Pancreas")
    words = tokens(title)
    out: list[MappableEntity] = []
    i = 0
    while i < len(words):
        for n in range(min(8, len(words) - i), 0, -1) if not negated(words, i) else ():
            run = " ".join(words[i:i + n])
            g = generic(run)
            if g is not None and not (g.families and g.sites):
                continue  # "Glioma", "Primary Brain Tumors" name no single type
            if found := lookup(run, index, "equivalent"):
                out += [m.entity for m in (*found, *shared_names(found, index))]
                if not any(source_of(m.entity) == "ORPHA" for m in found):  # OncoTree's name; Orphanet's node by the
                    # rules of a text ("Neuroendocrine Tumors of the Gastrointestinal Tract": the gastroenteric NEN)
                    out += [m.entity for m in match_term(Term(run, "title"), index)
                            if source_of(m.entity) == "ORPHA" and m.rule in _TITLE_RULES]
                more, i = listed_sites(words, i, n, index)  # "... Carcinomas Of The Larynx Or Oropharynx"
                out += [m.entity for m in more]
                break
        else:
            i += 1
    return unique(out) or _title_phrases(title, index)


#: the words after which a title names its population's disease ("Octreotide LAR in Midgut Carcinoid Tumors")
_TITLE_LINK = re.compile(r"(?i)\b(?:in|with|for|of|among)\s+")
#: rules by which a title phrase names its type as a whole (not one of its words)
_TITLE_RULES = frozenset({"label", "synonym", "code", "qualified", "equivalent", "spelling", "similar", "shared-name",
                          "broader"})


def _title_phrases(title: str, index: ConditionIndex) -> list[MappableEntity]:
    """The Orphanet types that the phrase after a title's linking word names by itself with the rules of one
    text, abbreviations and broader nodes included ("Midgut Carcinoid Tumors": the gastroenteric NEN), where no
    word run of the title is a name; the first such phrase only."""
    for phrase in _TITLE_LINK.split(title)[1:]:
        g = generic(phrase)
        if g is not None and not (g.families and g.sites):
            continue  # "Glioma", "Primary Brain Tumors" name no single type
        found = match_term(Term(phrase, "title"), index)
        if hits := [m.entity for m in found if m.rule in _TITLE_RULES and source_of(m.entity) == "ORPHA"]:
            return unique(hits)
    return []


def context(g: Generic, own: list[Match], specific: Sequence[tuple[Term, list[Match]]],
             title: list[MappableEntity], index: ConditionIndex, *, cancer: bool = False) -> list[Match]:
    """The links of one generic term read in its record (see the module docstring); ``cancer`` for an
    organ's "X cancer", which means the record's carcinoma of X if it has one, else what its texts say
    the cancer of X is ("Ovarian Cancer" in a germ-cell trial), before its own name."""
    if not g.families and not g.sites:
        return []
    named = [e for e in title if _fits(e, g, index)]
    found: list[Match] = []
    if named:
        if len({source_of(e) for e in named}) < len(named):  # the title names several types of a source
            found = by_lca([named], index)
        else:
            found = [Match(e, "trial-context", e.label, SCORES["trial-context"]) for e in named]
    if not any(source_of(m.entity) == "ORPHA" for m in found):  # no title, or one naming no Orphanet type
        have = {source_of(m.entity) for m in found}
        found += [m for m in _from_texts(g, own, specific, index, cancer=cancer) if source_of(m.entity) not in have]
    if own and g.sites and g.families:  # "Soft tissue sarcoma": a type of its own ...
        return _the_records_one_type(g, own, specific, index) or own
    if g.sites and not cancer:  # an organ term with a name of its own ("Thymus Neoplasms" = "Thymic tumor")
        mine = {source_of(m.entity) for m in own}
        return own + [m for m in found if source_of(m.entity) not in mine]
    done = {source_of(m.entity) for m in found}
    return found + [m for m in own if source_of(m.entity) not in done]


#: the sites where "sarcoma" names a kind of its own (a soft tissue sarcoma beside an angiosarcoma is the trial's
#: soft tissue sarcoma), not an organ's umbrella over its histologies ("uterine sarcoma")
_SARCOMA_SITES = frozenset({"soft tissue", "bone"})


def _the_records_one_type(g: Generic, own: list[Match], specific: Sequence[tuple[Term, list[Match]]],
                          index: ConditionIndex) -> list[Match]:
    """... unless it is an organ's sarcoma (NCI's staging term for every sarcoma of the organ: "Uterine Sarcoma") and
    its record's other texts name one type only at its site whose name holds the word (the trial's disease):
    "Recurrent Uterine Corpus Sarcoma" beside "Uterine Corpus Leiomyosarcoma" is the uterine
    leiomyosarcoma, beside "Uterine Carcinosarcoma" the carcinosarcoma (a 'uterine sarcoma' in the staging
    systems, though Orphanet files it among the mixed tumours); beside several types it keeps its own node, and so
    does a carcinoma of an organ beside its one histology ("Anal Canal Carcinoma" beside its SCC);
    rule ``trial-context`` for Orphanet, the other sources' own matches kept."""
    mine = {m.entity.iri for m in own}
    types = unique([m.entity for _, ms in specific for m in ms if source_of(m.entity) == "ORPHA"
                    and m.entity.iri not in mine and index.at_site(m.entity.iri, g.sites)
                    and not any(m.entity.iri in index.ancestors(i) for i in mine)
                    and any(stem in w for w in tokens(m.entity.label) for f in g.families for stem in FAMILIES.get(f, ()))])
    if len(types) != 1 or not any(source_of(m.entity) == "ORPHA" for m in own) or g.families != {"sarcoma"} \
            or g.sites & _SARCOMA_SITES:
        return []
    return [*(m for m in own if source_of(m.entity) != "ORPHA"),
            Match(types[0], "trial-context", types[0].label, SCORES["trial-context"])]


def _from_texts(g: Generic, own: list[Match], specific: Sequence[tuple[Term, list[Match]]], index: ConditionIndex,
                *, cancer: bool) -> list[Match]:
    """What the record's texts say a generic term means: the nearest informative node of the types its
    conditions (else its other texts) name in the term's family and at its site."""
    texts = [(t, [m.entity for m in ms if _fits(m.entity, g, index)]) for t, ms in specific]
    texts = [(t, es) for t, es in texts if es]
    if cancer and any("carcinoma" in index.families(e.iri) for _, es in texts for e in es):
        # the carcinomas, also of a text that names another kind beside one ("Thymic Carcinoma & B3-thymoma")
        texts = [(t, carcinomas) for t, es in texts
                 if (carcinomas := [e for e in es if "carcinoma" in index.families(e.iri)])]
    # a family word alone leaves its own match only for the title's or a condition's type
    conditions = [(t, es) for t, es in texts if t.field == "condition"]
    found = by_lca([es for _, es in conditions or ([] if own and not cancer else texts)], index)
    if (not own or cancer) and not any(source_of(m.entity) == "ORPHA" for m in found):
        # Orphanet, if the conditions do not reach it: what the other texts reach there
        rest = [[e for e in es if source_of(e) == "ORPHA"] for _, es in texts]
        found += by_lca([es for es in rest if es], index)
        texts = [(t, es) for (t, _), es in zip(texts, rest) if es]
    return [*(m for m in found if source_of(m.entity) != "ORPHA"),
            *_of_family([m for m in found if source_of(m.entity) == "ORPHA"], g, [e for _, es in texts for e in es], index)]


def _own_families(iri: str, index: ConditionIndex) -> set[str]:
    ent = index.by_iri[iri]
    return set().union(*(entity_name_families(n) for n in (ent.label, *ent.synonyms)))


def _of_family(found: list[Match], g: Generic, ents: list[MappableEntity], index: ConditionIndex) -> list[Match]:
    """A family term's Orphanet node, kept in its family: where the common node of the record's types is no
    member of the term's family by its own name ("Sarcoma" in a uterine sarcoma trial: the types' common node
    is "Rare cancer of corpus uteri"), the highest nodes below it that are ("Sarcoma of the corpus uteri",
    "Endometrial stromal sarcoma"), at most :data:`MAX_LIST`."""
    if not g.families or len(found) != 1 or _own_families(found[0].entity.iri, index) & g.families:
        return found
    top = found[0].entity.iri
    nodes = set()
    for ent in ents:
        if source_of(ent) != "ORPHA" or (ent.iri != top and top not in index.ancestors(ent.iri)):
            continue
        chain = [i for i in (ent.iri, *index.ancestors(ent.iri)) if i != top and top in index.ancestors(i)
                 and _own_families(i, index) & g.families and index.informative(i)]
        highest = [i for i in chain if not index.ancestors(i) & set(chain)]
        if len(highest) != 1:
            return found
        nodes.add(highest[0])
    if not nodes or len(nodes) > MAX_LIST:
        return found
    return [Match(index.by_iri[i], "broader", index.by_iri[i].label, SCORES["broader"]) for i in sorted(nodes)]


def _histology(name: str, fams: set[str]) -> set[str]:
    """The words of a name that say more than the families ``fams`` and a site ("squamous" in "Squamous cell
    carcinoma of oral cavity and lip", "neuroendocrine" in "Cutaneous neuroendocrine carcinoma", "small" in
    "Small cell lung cancer"): a node with such words is no home for a text that does not say them."""
    def says_more(w: str) -> bool:
        if w == "nonepithelial" and fams & NON_EPITHELIAL_FAMILIES:
            return False  # a sarcoma is a non-epithelial tumour
        if families_of(w):  # "adenocarcinoma" says more than "carcinoma"
            return not families_of(w) <= fams
        return (w not in SITE_WORDS and (w not in SITE_FILLERS or w == "small") and w not in ANY
                and w not in ("corpus", "uteri", "cell"))
    return {w for w in canonical_words(name, drop_malignant=True) if says_more(w)}


def _other_kind(name: str, words: set[str]) -> bool:
    """True if a name's type word is a kind of a family that the text names another kind of ("Gliosarcoma"
    for "Mesenchymal chondrosarcoma of the CNS": both sarcomas, not the same one)."""
    def kinds(ws: Iterable[str]) -> set[str]:
        stems = {stem for group in FAMILIES.values() for stem in group}
        return {w for w in ws if w not in stems and any(w.endswith(stem) for stem in stems)}
    mine, theirs = kinds(canonical_words(name, drop_malignant=True)), kinds(words)
    return any(families_of(a) & families_of(b) and a != b for a in mine for b in theirs) and not mine & theirs


#: a grade word that negates the differentiation it names ("poorly differentiated" is no "differentiated" carcinoma),
#: and the word said without it
_POORLY = re.compile(r"(?i)\bpoorly[- ]differentiated\b")
_DIFFERENTIATED = re.compile(r"(?i)(?<!poorly )(?<!poorly-)\bdifferentiated\b")


def _said_words(text: str) -> set[str]:
    """The words a text asserts of its tumour, for comparison with a node's histology: its canonical words, less
    "differentiated" where it says "poorly differentiated" (a poorly differentiated thyroid carcinoma is not
    Orphanet's "Differentiated thyroid carcinoma")."""
    words = set(canonical_words(text, drop_malignant=True))
    text = rephrase(text)  # "insular thyroid carcinoma" is the poorly differentiated one
    if _POORLY.search(text) and not _DIFFERENTIATED.search(text):
        words.discard("differentiated")
    return words


def family_at_site(text: str, index: ConditionIndex) -> list[Match]:
    """Rule ``broader`` for a type named at a site where Orphanet has no node for it ("salivary gland adenoid
    cystic carcinoma", "extraskeletal osteosarcoma"): Orphanet's one top entity of the type's family at that
    site (a carcinoma of the salivary glands; a soft tissue sarcoma), if it has exactly one; never a "Rare …"
    grouping, nor a node naming another histology ("basal cell carcinoma of the lip" is no squamous one); a
    node under two of the family's nodes at the site is widened to the node covering them, or none
    (:func:`_straddled`)."""
    text = rephrase(text)  # a former name ("acinic cell tumour") says its family as the sources write it
    sites, fams = sites_of(text), families_of(text)
    if len(sites) != 1 or not fams:
        return []
    site = next(iter(sites))
    cands = set().union(*(index.of_family_at(site, f) for f in fams))
    words = _said_words(text)
    cands = {i for i in cands if index.informative(i) and not index.by_iri[i].label.startswith("Rare")
             and _histology(index.by_iri[i].label, fams) <= words and families_of(index.by_iri[i].label) & fams
             and not _other_kind(index.by_iri[i].label, words)}
    top = [i for i in cands if not index.ancestors(i) & cands]
    family = next(iter(fams)) if len(fams) == 1 else ""
    if len(top) != 1 or not (widest := _straddled(top[0], site, family, index, words)):
        return []
    ent = index.by_iri[widest]
    return [Match(ent, "broader", ent.label, SCORES["broader"])]


#: a family whose name without a site means the type at its usual site, by the registries' and curators'
#: convention ("Malignant Mesothelioma" is the pleural mesothelioma, about nine in ten of them)
USUAL_SITE = {"mesothelioma": "pleural mesothelioma"}


def usual_site(g: Generic, terms: Sequence[Term], title: str | None, index: ConditionIndex) -> list[Match]:
    """Rule ``usual-site`` for a family term of :data:`USUAL_SITE` in a record none of whose texts of that
    family, nor a text naming only a site, nor its title, names another site ("Malignant Mesothelioma",
    "epithelial mesothelioma" and nothing else said of where)."""
    if g.sites or len(g.families) != 1 or (name := USUAL_SITE.get(next(iter(g.families)))) is None:
        return []
    usual = sites_of(name)
    if any(sites_of(t.text) - usual for t in terms if g.families & families_of(t.text) or not families_of(t.text)) \
            or sites_of(title or "") - usual:
        return []  # a text of the family, a bare site ("Peritoneal") or the title names another site
    return [Match(m.entity, "usual-site", name, SCORES["usual-site"])
            for m in lookup(name, index, "equivalent") if source_of(m.entity) == "ORPHA"]


def record_family_at_site(g: Generic, specific: Sequence[tuple[Term, list[Match]]], index: ConditionIndex) -> list[Match]:
    """Rule ``trial-context`` for an organ term none of whose record's types is at its site, when the record's
    conditions are all of one family: Orphanet's one top node of that family at the site ("Mediastinal Cancer"
    in a testicular germ cell trial is the extragonadal germ cell tumour, the mediastinum being no gonad)."""
    ents = [m.entity for t, ms in specific if t.field == "condition" for m in ms if source_of(m.entity) == "ORPHA"]
    if g.families or len(g.sites) != 1 or not ents:
        return []
    fams = set.intersection(*(set(index.families(e.iri)) for e in ents)) - {"carcinoma"}
    site = next(iter(g.sites))
    cands = {i for fam in fams for where in index.sites_within(site) for i in index.of_family_at(where, fam)
             if index.informative(i) and not index.by_iri[i].label.startswith("Rare")}
    top = [i for i in cands if not index.ancestors(i) & cands]
    if len(top) != 1:
        return []
    ent = index.by_iri[top[0]]
    return [Match(ent, "trial-context", ent.label, SCORES["trial-context"])]


#: names of groupings and inherited conditions: never what "X cancer" means ("Rare cancer of cervix uteri",
#: "Familial prostate cancer")
_GROUPING = re.compile(r"(?i)^(rare|familial|hereditary|inherited)\b")
#: sites whose Orphanet "Rare … carcinoma" grouping holds every carcinoma of the organ, its common kinds too, so
#: that it is what "X cancer" means: the thyroid's (differentiated, medullary, anaplastic thyroid carcinoma) and the
#: cervix uteri's (its squamous cell carcinoma and adenocarcinoma). The pancreas', stomach's and corpus uteri's
#: groupings leave out their common adenocarcinomas; they stay out.
_WHOLE_GROUPING = frozenset({"thyroid", "cervix"})


def _a_grouping(label: str, site: str) -> bool:
    """True if a node of that label is a grouping or inherited condition, never what "X cancer" means at ``site``
    (the "Rare …" grouping of a site of :data:`_WHOLE_GROUPING` is no such grouping)."""
    return bool(_GROUPING.match(label)) and not (site in _WHOLE_GROUPING and label.startswith("Rare "))


def site_carcinoma(text: str, g: Generic, index: ConditionIndex) -> list[Match]:
    """Rule ``broader`` for "X cancer" ("X carcinoma") with nothing else to go by: Orphanet's carcinoma
    at site X, when it has exactly one that is not under another ("laryngeal cancer" -> squamous cell
    carcinoma of the larynx, its only carcinoma node there). Only a node naming X itself ("Paratesticular
    adenocarcinoma" is no testicular cancer) and no histology the text does not say, but squamous at the
    head and neck ("Skin Cancer" is not the cutaneous neuroendocrine carcinoma); never a "Rare …" grouping (but
    at a site of :data:`_WHOLE_GROUPING`: "Thyroid Cancer" is the rare thyroid carcinoma) or an inherited
    condition: a common cancer ("Breast Cancer", "Cervical Cancer") has no Orphanet node. The site's own node,
    when it sits under two carcinomas of the site, is widened to the node covering them (:func:`_straddled`:
    "Biliary Tract Cancer")."""
    if g.families - {"carcinoma"} or not g.sites or not {"cancer", "carcinoma"} & set(tokens(rephrase(text))):
        return []
    words = _said_words(text)
    if any(s == "head and neck" or "head and neck" in enclosing(s) for s in g.sites):
        words.add("squamous")  # the cancer of the head and neck mucosa is its squamous cell carcinoma
    if len(g.sites) > 1:  # several sites: the one node of exactly those ("lip and oral cavity cancer"), else
        # each site's own when every site has one ("Laryngeal and Hypopharyngeal Cancer")
        cands = {i for s in g.sites for i in index.carcinomas_at(s) if index.site(i) == g.sites
                 and not _GROUPING.match(index.by_iri[i].label) and _histology(index.by_iri[i].label, {"carcinoma"}) <= words}
        if not cands:
            each = [site_carcinoma(text, Generic(g.families, frozenset({s})), index) for s in sorted(g.sites)]
            return [m for ms in each for m in ms] if all(each) and len(each) <= MAX_LIST else []
    else:
        site = next(iter(g.sites))
        if not index.carcinomas_at(site) and enclosing(site):
            site = enclosing(site)[0]  # no carcinoma node at a part of a site ("tongue cancer"): the enclosing site's
        cands = {i for i in index.carcinomas_at(site)
                 if not _a_grouping(index.by_iri[i].label, site)
                 and _histology(index.by_iri[i].label, {"carcinoma"}) <= words
                 and site in set().union(*(sites_of(n) for n in (index.by_iri[i].label, *index.by_iri[i].synonyms)))}
        # a node of that site alone before one of two sites ("oral cavity cancer" is the oral cavity's carcinoma,
        # not the one of the oral cavity and the lip)
        alone = {i for i in cands if index.site(i) == {site}}
        top = [i for i in alone if not index.ancestors(i) & alone]
        cands = ({_straddled(top[0], site, "carcinoma", index, words)} - {""} if len(top) == 1 else alone) or cands
    top = [i for i in cands if not index.ancestors(i) & cands]
    if len(top) != 1:
        return []
    ent = index.by_iri[top[0]]
    return [Match(ent, "broader", ent.label, SCORES["broader"])]


def squamous_carcinoma(text: str, g: Generic, specific: Sequence[tuple[Term, list[Match]]],
                       index: ConditionIndex) -> list[Match]:
    """Protocol rule 2: the cancer of a site whose record names several types there, every one a squamous
    cell carcinoma by one of its names, is the site's squamous cell carcinoma node ("Head and Neck Cancer"
    beside the larynx's, the oropharynx's and the nasopharynx's: the head and neck SCC, not the ORL group
    that their common node is, since Orphanet files the nasopharyngeal carcinoma beside the HNSCC)."""
    ents = unique(m.entity for _, ms in specific for m in ms if source_of(m.entity) == "ORPHA" and _fits(m.entity, g, index))
    if len(ents) < 2 or not all(any("squamous" in tokens(n) for n in index.names(e)) for e in ents):
        return []
    return [m for m in site_carcinoma(text, g, index) if "squamous" in tokens(m.entity.label)]


def _straddled(iri: str, site: str, family: str, index: ConditionIndex, words: set[str]) -> str:
    """The node an organ term (of canonical ``words``) reaches through its site's own node: that node, or when it
    sits under two nodes of its family at the site and the term says none of its names ("biliary tract cancer":
    cholangiocarcinoma is under both the intrahepatic and the extrahepatic carcinoma, and the biliary tract is
    wider than either; "bile duct cancer" is one of its names), the informative node covering those (rare hepatic
    and biliary tract tumor); "" when none covers them."""
    parents = {p for p in index.by_iri[iri].parents if p in index.of_family_at(site, family)}
    if len(parents) < 2 or any(set(canonical_words(n, drop_malignant=True)) <= words
                               for n in index.names(index.by_iri[iri])):
        return iri
    lca = index.lowest_common_ancestor(parents, cover=True)
    return lca if lca and index.informative(lca) else ""


#: a title that restricts its trial to the high grades of the diffuse gliomas ("Anaplastic Oligodendroglioma",
#: "Recurrent Malignant Glioma", "High-Grade Gliomas") ...
_HIGH_GRADE = re.compile(r"(?i)\b(?:anaplastic|high[- ]grade|malignant gliomas?|grade (?:III|IV|3|4))\b")
#: ... and words of a text or title that say a low grade (or both grades: "Low-Grade and Anaplastic Ependymoma")
_LOW_GRADE = re.compile(r"(?i)\b(?:low[- ]grade|lower[- ]grade|grade (?:I|II|1|2)\b|diffuse astrocytomas?|pilocytic)")


#: the diffuse gliomas whose WHO grades II and III each have their node (the grade II one by the plain name)
_DIFFUSE_GLIOMAS = frozenset({"astrocytoma", "oligodendroglioma", "oligoastrocytoma"})


def anaplastic_in_title(term: Term, matches: list[Match], title: str | None, index: ConditionIndex) -> list[Match]:
    """A glioma type named without a grade ("adult mixed glioma", "Oligoastrocytoma, Mixed") in a trial whose title
    restricts it to the high grades ("... With Anaplastic Oligodendroglioma and Mixed Oligoastrocytoma") is its
    anaplastic form, where the source has one beside it ("Oligoastrocytoma" -> "Anaplastic oligoastrocytoma"; only
    the diffuse gliomas of :data:`_DIFFUSE_GLIOMAS`: an ependymoma, a meningioma or a PXA is graded on its own);
    rule ``trial-context``. A text or title that says a low grade keeps its own."""
    if not title or not _HIGH_GRADE.search(title) or _LOW_GRADE.search(title) or _LOW_GRADE.search(term.text) \
            or "glioma" not in families_of(title) | families_of(rephrase(title)) and "glioblastoma" not in title.lower():
        return matches
    out = []
    for m in matches:
        ana = index.anaplastic(m.entity.iri) if m.entity.label.lower() in _DIFFUSE_GLIOMAS else None
        out.append(Match(ana, "trial-context", m.matched, SCORES["trial-context"]) if ana else m)
    return out


def more_specific(term: Term, own: dict[Term, list[Match]], terms: Sequence[Term],
                   index: ConditionIndex) -> list[Match]:
    """The entities of a condition (else keyword) of the record that says what a MeSH or keyword term
    says, and more; for a compound, of the part that does."""
    words = set(canonical_words(unqualified(term.text), drop_malignant=True))
    if term.field == "condition" or not words:
        return []
    for field_ in ("condition", "keyword"):
        for other in terms:
            if other.field != field_ or other == term or not own.get(other):
                continue
            for part in parts(other.text) or [other.text]:
                if words < set(canonical_words(unqualified(part), drop_malignant=True)):
                    ents = [m.entity for m in (match_term(Term(part, other.field), index) if part != other.text
                                               else own[other])]
                    return [Match(e, "trial-context", other.text, SCORES["trial-context"]) for e in unique(ents)]
    return []

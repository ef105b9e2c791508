"""The names, sites, families and hierarchy of the cancer entities, as condition linking needs them.

:class:`ConditionIndex` extends :class:`loaders.link.terms.EntityIndex` (labels, synonyms, MeSH ids) with

* a *canonical* name key (:func:`canonical_key`): "cancer" reads as "carcinoma", site adjectives as
  their organ ("pleural" = "pleura", "testicular" = "testis", "uterine"/"endometrial" = "corpus uteri",
  "gall bladder" = "gallbladder"), and "malignant" is dropped, on both the entity and the text side;
  OncoTree nodes whose name has no site also get a name qualified by their tissue ("Teratoma" under
  Testis -> "testis teratoma"), so site-specific texts reach site-specific nodes;
* every cross-reference of the sources (OncoTree's ``NCIT:``/``UMLS:`` codes, the ORPHApackets'
  ``OMIM:`` references, ``MESH:`` where a source has them), by CURIE;
* each entity's parents and ancestors (within its source), its *site* (the sites its own names give,
  else its OncoTree tissue, else its nearest ancestor's) and the family words of it and its ancestors;
* a vocabulary of the words of all entity names by their first two letters, the prefilter of the
  fuzzy spelling rule (no all-pairs scan).

Pure: built from :class:`kg.core.records.MappableEntity` records and OncoTree tissue names.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

from kg.core.records import MappableEntity
from loaders import domain_rules
from loaders.link.conditions_phrases import rephrase
from loaders.link.conditions_sites import (
    SITE_FILLERS,
    SITE_WORDS,
    at_any,
    sites_of,
)
from loaders.link.terms import GENERIC, QUALIFIERS, TUMOUR_HEAD, EntityIndex, _alternatives
from loaders.mapping import has_nos, tokens

#: canonical spelling of a site word inside a name key (both sides of a comparison use it)
_CANON = {"pleural": "pleura", "peritoneal": "peritoneum", "testicular": "testis", "testes": "testis",
          "ovarian": "ovary", "laryngeal": "larynx", "oropharyngeal": "oropharynx", "hypopharyngeal": "hypopharynx",
          "thymic": "thymus", "renal": "kidney", "nasopharyngeal": "nasopharynx", "cancer": "carcinoma",
          "bowel": "intestine", "cutaneous": "skin", "pancreatic": "pancreas", "mediastinal": "mediastinum",
          "gastrointestinal": "gastroenteric"}
#: abbreviations and former names read as the words they stand for, on both sides of a comparison
#: ("Primary CNS Lymphoma" = "Primary central nervous system lymphoma"; a carcinoid is a neuroendocrine
#: tumour, its current name: "Bronchial Carcinoid" = "Bronchial neuroendocrine tumor"; a malignant
#: mesenchymoma is a malignant mesenchymal tumour, Orphanet's synonym of soft tissue sarcoma)
_EXPAND = {"cns": ("central", "nervous", "system"), "carcinoid": ("neuroendocrine", "tumor"),
           "carcinoids": ("neuroendocrine", "tumor"), "mesenchymoma": ("mesenchymal", "tumor")}
#: family words of a generic term and the words an entity name of that family contains
FAMILIES: dict[str, tuple[str, ...]] = {
    "sarcoma": ("sarcoma",), "carcinoma": ("carcinoma", "cancer"), "adenocarcinoma": ("adenocarcinoma",),
    "glioma": ("glioma", "glial"), "mesothelioma": ("mesothelioma",), "germ": ("germ",),
    "neuroectodermal": ("neuroectodermal",), "melanoma": ("melanoma",), "lymphoma": ("lymphoma",),
    "neuroendocrine": ("neuroendocrine",), "neuroepithelial": ("neuroepithelial",),
}
#: the neuroendocrine neoplasms (WHO) whose names do not say so: a trial's "Neuroendocrine Tumors" may be its medullary
#: thyroid carcinoma, paraganglioma, Merkel cell carcinoma or functioning pancreatic tumour
NEUROENDOCRINE_TYPES = re.compile(r"(?i)\b(?:medullary thyroid|medullary carcinoma of (?:the )?thyroid|merkel cell|"
                                  r"carcinoids?\b|pheochromocytoma|paraganglioma|insulinoma|gastrinoma|glucagonoma|"
                                  r"vipoma|somatostatinoma)")


def entity_name_families(name: str) -> frozenset[str]:
    """The families an entity's name gives it: its words' (:func:`families_of`), and the neuroendocrine family for a
    neuroendocrine neoplasm named without the word (:data:`NEUROENDOCRINE_TYPES`)."""
    found = _families_of(name)
    return found | {"neuroendocrine"} if NEUROENDOCRINE_TYPES.search(name) else found


#: words of a generic term that name no family and no site
ANY = GENERIC | QUALIFIERS | frozenset({"cancer", "tumor", "neoplasm", "malignancy", "embryonal", "cell",
                                        "primary", "the", "of", "and", "or", "other", "malignant", "high", "on", "at",
                                        "for"})


#: Orphanet's "Malignant epithelial tumor of X" is the carcinoma of X ("Salivary gland cancer")
_EPITHELIAL = re.compile(r"(?i)\bmalignant epithelial (?:tumou?r|neoplasm)s?\b")
#: ... and its "Malignant mesenchymal tumor" a sarcoma (3394's and 213797's own synonyms)
_MESENCHYMAL = re.compile(r"(?i)\bmalignant mesenchymal (?:tumou?r|neoplasm)s?\b")
#: "Malignant non-epithelial tumor of ovary" covers the sarcomas and germ cell tumours of its site
_NON_EPITHELIAL = re.compile(r"(?i)\bnon-?epithelial\b")
NON_EPITHELIAL_FAMILIES = frozenset({"sarcoma", "germ"})


def canonical_words(text: str, *, drop_malignant: bool = False) -> list[str]:
    """:func:`_canonical_words` as a fresh list (memoised underneath)."""
    return list(_canonical_words(text, drop_malignant))


@lru_cache(maxsize=131_072)
def _canonical_words(text: str, drop_malignant: bool) -> tuple[str, ...]:
    """The words of a name in order, with site adjectives and "cancer" in canonical form;
    "uterine"/"endometrial"/"uterus" become "corpus uteri", "gall bladder", "extra gonadal" and "non X" one word,
    abbreviations and former names the words they stand for (:data:`_EXPAND`), and "malignant" is dropped if
    asked (a text's "Malignant Mesothelioma" is a mesothelioma; an entity's "Malignant schwannoma" is not a
    schwannoma, so entity names keep it)."""
    out: list[str] = []
    text = _EPITHELIAL.sub("carcinoma", rephrase(text))
    for word in tokens(text):
        if (word, out[-1] if out else "") in (("bladder", "gall"), ("gonadal", "extra")) or (out and out[-1] == "non"):
            out[-1] = out[-1] + word
        elif word in ("uterine", "endometrial", "uterus"):
            out += ["corpus", "uteri"]
        elif word in _EXPAND:
            out += [w for w in _EXPAND[word] if not out or w != out[-1]]
        elif word != "malignant" or not drop_malignant:
            out.append(_CANON.get(word, word))
    return tuple(out)


@lru_cache(maxsize=65_536)
def canonical_key(text: str, drop_malignant: bool = False) -> tuple[str, ...]:
    """The order-free comparison key of :func:`canonical_words` (empty if the name is all generic).

    >>> canonical_key("Mesothelioma of the Pleura") == canonical_key("Pleural mesothelioma")
    True
    >>> canonical_key("Endometrial Cancer") == canonical_key("Endometrial Carcinoma")
    True
    """
    words = canonical_words(text, drop_malignant=drop_malignant)
    return () if set(words) <= GENERIC else tuple(sorted(set(words)))


def squash(text: str) -> tuple[str, str]:
    """A name's canonical words run together, in their order and in sorted order: the forms compared
    character by character by the tolerant rule, so that word breaks and word order do not count
    ("Choroidal Melanoma" ~ "Choroid melanoma").

    >>> squash("Melanoma, Choroidal")
    ('melanomachoroidal', 'choroidalmelanoma')
    """
    words = [w for w in canonical_words(text, drop_malignant=True) if w not in ("the", "of")]
    return "".join(words), "".join(sorted(words))


def sitefree_key(text: str, drop_malignant: bool = False) -> tuple[str, ...]:
    """The canonical key without site words ("Carcinoma of the anal canal" -> ("carcinoma",)); empty when
    nothing but generic words is left, so organ terms never match by it."""
    words = {w for w in canonical_words(text, drop_malignant=drop_malignant)
             if w not in SITE_WORDS and w not in SITE_FILLERS and w not in ("the", "uteri")}
    return () if words <= GENERIC else tuple(sorted(words))


def families_of(text: str) -> set[str]:
    """:func:`_families_of` as a fresh set (memoised underneath)."""
    return set(_families_of(text))


@lru_cache(maxsize=131_072)
def _families_of(text: str) -> frozenset[str]:
    """The families a name belongs to by its words ("Osteosarcoma" -> {"sarcoma"}; a carcinosarcoma
    is a carcinoma, not a sarcoma; a paraganglioma (paraganglial tumour) is no glioma, while a
    ganglioglioma is one; a malignant non-epithelial tumour covers sarcomas and germ cell tumours).

    >>> sorted(families_of("Pheochromocytoma-paraganglioma")), sorted(families_of("Ganglioglioma"))
    ([], ['glioma'])
    """
    out = set(NON_EPITHELIAL_FAMILIES) if _NON_EPITHELIAL.search(text) else set()
    for word in tokens(_MESENCHYMAL.sub("sarcoma", _EPITHELIAL.sub("carcinoma", text))):
        for family, stems in FAMILIES.items():
            if any(word.endswith(s) for s in stems) and not (family == "sarcoma" and word.startswith("carcino")) \
                    and not (family == "glioma" and word.startswith("paragangli")):
                out.add(family)
    return frozenset(out)


def _site_parts(label: str) -> list[str]:
    """The names of a label covering two sites, one per site ("Carcinoma of gallbladder and extrahepatic
    biliary tract" -> "Carcinoma of gallbladder", "Carcinoma of extrahepatic biliary tract"); none when
    both halves name one site ("head and neck")."""
    m = re.match(r"(?i)^(.+?\bof(?: the)?) (.+?) and (.+)$", label)
    if not m or " and " in m.group(3):
        return []
    a, b = sites_of(m.group(2)), sites_of(m.group(3))
    if not a or not b or a & b:
        return []
    return [f"{m.group(1)} {m.group(2)}", f"{m.group(1)} {m.group(3)}"]


_PRIMARY = re.compile(r"(?i)^primary\s+(?=\S+\s+\S)")
_VARIANTS = re.compile(r"(?i)\s+and (?:its )?variants$")
_MODIFIER_PAIR = re.compile(r"(?i)^([a-z]+)/(\S.*\s(\S+))$")


def framed_forms(name: str) -> list[str]:
    """A name without the words that frame it: a leading "Primary" (before two words or more), a trailing
    "and variants", and for two modifiers joined by a slash, the first one with the head word
    ("Myxoid/round cell liposarcoma" -> "Myxoid liposarcoma"; the second form is the name itself). The index
    keeps a form only where it names a type (not an organ term) that no name of the same source already is.

    >>> framed_forms("Primary cutaneous T-cell lymphoma"), framed_forms("Mycosis fungoides and variants")
    (['cutaneous T-cell lymphoma'], ['Mycosis fungoides'])
    >>> framed_forms("Myxoid/round cell liposarcoma"), framed_forms("Primary tumor")
    (['Myxoid liposarcoma', 'round cell liposarcoma'], [])
    """
    forms = [f for f in (_PRIMARY.sub("", name), _VARIANTS.sub("", name)) if f != name]
    if (pair := _MODIFIER_PAIR.match(name)) and TUMOUR_HEAD.search(pair.group(3)) and " " in pair.group(2):
        forms += [f"{pair.group(1)} {pair.group(3)}", pair.group(2)]
    return forms


def _hyphen_alternatives(label: str) -> list[str]:
    """The tumour names a hyphen-joined label lists ("Pheochromocytoma-paraganglioma"): each part one
    word ending in "-oma"."""
    parts = label.split("-")
    return parts if len(parts) == 2 and all(re.fullmatch(r"[A-Za-z]+oma", p) for p in parts) else []


#: words by which a source splits one tumour type by tissue, with no node for the whole
SPLIT_WORDS = frozenset({"skeletal", "extraskeletal", "osseous", "extraosseous"})
#: labels of groupings by what they are not, or by an unknown origin (OncoTree files its site-less NOS types
#: such as "Neuroendocrine Tumor, NOS" under "Cancer of Unknown Primary", which is no kind of them)
_UNTYPED = re.compile(r"(?i)\b(other|miscellaneous|unknown primary)\b")
#: a syndrome or predisposition, not a tumour, whatever tumour its name mentions
_SYNDROME = re.compile(r"(?i)\b(syndrome|predisposition)\b")
#: Orphanet's rare-tumour root: it and its direct children are too broad to link a text to
RARE_TUMOR = "ORPHA:98057"
#: Orphanet's branch of the inherited cancer-predisposing syndromes (the code the domain rules name too)
PREDISPOSITION = f"ORPHA:{domain_rules.PREDISPOSITION}"
#: a molecular qualifier after a comma in an OncoTree label (WHO 2021 CNS names)
_MOLECULAR = re.compile(r",[^,]*\b(IDH|H3|mutant|wildtype|altered|codeleted)\b", re.IGNORECASE)


#: the mapping predicates through which a text's OncoTree type also names an Orphanet entity: the same type, or the
#: nearest Orphanet node that contains it (a narrowMatch target is only part of the type)
BRIDGING = frozenset({"exactMatch", "closeMatch", "broadMatch"})


class ConditionIndex(EntityIndex):
    """:class:`EntityIndex` plus canonical names, cross-references, hierarchy, sites and families."""

    def __init__(self, entities: Iterable[MappableEntity], tissues: Mapping[str, str] | None = None,
                 mapped: Mapping[str, Iterable[str]] | None = None) -> None:
        super().__init__(entities)
        self.by_iri = {e.iri: e for e in self.entities}
        #: OncoTree type IRI -> the Orphanet entities it maps to (exact, close or broad: the type or its container)
        self.mapped = {k: tuple(v) for k, v in (mapped or {}).items()}
        self._anaplastic: dict[tuple[str, str], MappableEntity] | None = None
        self._predisposition: str | None = None  # the IRI of PREDISPOSITION, found on first use
        self.tissue = dict(tissues or {})
        self.by_canonical: dict[tuple[str, ...], list[tuple[MappableEntity, str]]] = defaultdict(list)
        self.by_xref: dict[str, list[MappableEntity]] = defaultdict(list)
        self.vocabulary: dict[str, set[str]] = defaultdict(set)
        for ent in self.entities:
            for name in self.names(ent):
                if (key := canonical_key(name)) and not has_nos(name):
                    self.by_canonical[key].append((ent, name))
                for word in canonical_words(name):
                    if len(word) >= 5:
                        self.vocabulary[word[:2]].add(word)
            for xref in ent.xrefs:
                self.by_xref[xref.upper()].append(ent)
        # "Malignant germ cell tumor of ovary" is also the "ovarian germ cell tumor" a text names, unless
        # that name is another entity's ("Malignant schwannoma" is not "Schwannoma")
        loose: dict[tuple[str, ...], list[tuple[MappableEntity, str]]] = defaultdict(list)
        # ... or the benign one's ("Schwannoma" is Orphanet's "Benign schwannoma" as much as MPNST's synonym)
        self.benign = benign = {(e.curie.split(":", 1)[0], tuple(w for w in canonical_key(n, True) if w != "benign"))
                                for e in self.entities for n in self.names(e) if "benign" in tokens(n)}
        for ent in self.entities:
            for name in self.names(ent):
                if "malignant" in tokens(name) and not has_nos(name):
                    key = canonical_key(name, True)
                    source = ent.curie.split(":", 1)[0]
                    if key and (source, key) not in benign and not any(
                            e.curie.split(":", 1)[0] == source for e, _ in self.by_canonical.get(key, ())):
                        loose[key].append((ent, name))
        for key, hits in loose.items():
            self.by_canonical[key] += hits
        # the forms a name takes without its framing words ("Primary cutaneous T-cell lymphoma" is the
        # "cutaneous T-cell lymphoma" a text names; "Mycosis fungoides and variants" its "mycosis fungoides";
        # "Myxoid/round cell liposarcoma" its "myxoid liposarcoma"), unless that form is another entity's name
        shorter: dict[tuple[str, ...], list[tuple[MappableEntity, str]]] = defaultdict(list)
        for ent in self.entities:
            source = ent.curie.split(":", 1)[0]
            for name in (ent.label, *ent.synonyms):
                for form in framed_forms(name):
                    key = canonical_key(form)
                    # never an organ term ("Primary Brain Tumor" is no "brain tumor" type)
                    if key and sitefree_key(form) and not has_nos(form) and not any(
                            e.curie.split(":", 1)[0] == source for e, _ in self.by_canonical.get(key, ())):
                        shorter[key].append((ent, name))
        for key, hits in shorter.items():
            self.by_canonical[key] += hits
        #: names by their words other than site words, for a text that names the site its own way
        #: ("Supratentorial PNET" = "CNS PNET"; "soft tissue leiomyosarcoma" = "Leiomyosarcoma", whose
        #: site is soft tissue by its parent); used only with the text's site (:meth:`at_site`)
        self.by_sitefree: dict[tuple[str, ...], list[tuple[MappableEntity, str]]] = defaultdict(list)
        for ent in self.entities:
            for name in self.names(ent):
                if (key := sitefree_key(name)) and not has_nos(name):
                    self.by_sitefree[key].append((ent, name))
        #: names without their bone/soft-tissue word, by source and entity ("Skeletal Ewing sarcoma" and
        #: "Extraskeletal Ewing sarcoma" are both "Ewing sarcoma")
        self.by_split: dict[tuple[str, ...], dict[str, dict[str, tuple[MappableEntity, str]]]] = defaultdict(dict)
        for ent in self.entities:
            for name in self.names(ent):
                words = canonical_words(name)
                if SPLIT_WORDS & set(words) and not has_nos(name):
                    key = canonical_key(" ".join(w for w in words if w not in SPLIT_WORDS))
                    if key:
                        self.by_split[key].setdefault(ent.curie.split(":", 1)[0], {}).setdefault(ent.iri, (ent, name))
        self._ancestors: dict[str, frozenset[str]] = {}
        self._site: dict[str, frozenset[str]] = {}
        self._families: dict[str, frozenset[str]] = {}
        self._by_family_site: dict[tuple[str, str], set[str]] | None = None
        self._squashed: dict[str, list[tuple[MappableEntity, str]]] | None = None
        self._named_at: dict[str, list[tuple[str, frozenset[str], frozenset[str]]]] = {}

    @classmethod
    def from_data(cls, data_dir: Path) -> ConditionIndex:
        """Every compiled Orphanet entity and OncoTree tumour type, with OncoTree tissue names and the graph's
        OncoTree -> Orphanet mappings (:func:`loaders.mapping.compute`, for rule ``mapped``); DataError if a
        source is missing."""
        from loaders import mapping, oncotree, orphanet
        _, nodes = oncotree.read_compiled(data_dir)
        tissues = {oncotree.entity_iri(n.code).value: n.tissue for n in nodes if oncotree.is_tumour_type(n) and n.tissue}
        mapped: dict[str, list[str]] = defaultdict(list)
        for m in mapping.compute(data_dir):  # the graph's own mappings (reviewed rows and rules), not a second copy
            if m.predicate in BRIDGING and not has_nos(m.subject.label):  # a NOS bucket maps by its tissue
                mapped[m.subject.iri].append(m.object.iri)
        return cls([*orphanet.mappable(data_dir), *oncotree.mappable(data_dir)], tissues, mapped)

    def names(self, ent: MappableEntity) -> list[str]:
        """Label, synonyms, the names a slash-joined label lists, and for an OncoTree node whose label
        names no site, the label qualified by its tissue (by the one part of a slash-joined tissue that is a
        site: "Ovary/Fallopian Tube" qualifies "Embryonal Carcinoma" as "Ovary Embryonal Carcinoma")."""
        names = [ent.label, *ent.synonyms, *_alternatives(ent.label)]
        if _MOLECULAR.search(ent.label):  # "Glioblastoma, IDH-Wildtype" is OncoTree's glioblastoma
            names.append(ent.label.split(",", 1)[0])
        names += _site_parts(ent.label) + _hyphen_alternatives(ent.label)
        tissue = self.tissue.get(ent.iri)
        parts = [part.strip() for part in (tissue or "").split("/") if sites_of(part)]
        if tissue and not sites_of(ent.label) and ("/" not in tissue or len(parts) == 1):
            names.append(f"{parts[0] if '/' in tissue else tissue} {ent.label}")  # "Ovary/Fallopian Tube": "Ovary"
        return names

    def squashed(self) -> dict[str, list[tuple[MappableEntity, str]]]:
        """Entity names by their :func:`squash` forms (both), for the tolerant whole-name comparison."""
        if self._squashed is None:
            self._squashed = defaultdict(list)
            for ent in self.entities:
                for name in self.names(ent):
                    if canonical_key(name) and not has_nos(name):
                        for form in set(squash(name)):
                            self._squashed[form].append((ent, name))
        return self._squashed

    def ancestors(self, iri: str) -> frozenset[str]:
        """The IRIs of an entity's ancestors in its source (not itself)."""
        if iri not in self._ancestors:
            self._ancestors[iri] = frozenset()  # guards a cycle
            ent = self.by_iri.get(iri)
            found: set[str] = set()
            for parent in ent.parents if ent else ():
                if parent in self.by_iri:
                    found |= {parent, *self.ancestors(parent)}
            self._ancestors[iri] = frozenset(found)
        return self._ancestors[iri]

    def named_at(self, site: str) -> list[tuple[str, frozenset[str], frozenset[str]]]:
        """(entity, words of one of its names, families of that name) for the Orphanet names that put their
        entity at the site or a part of it ("Primary central nervous system lymphoma" at the nervous system)."""
        if site not in self._named_at:
            self._named_at[site] = [
                (ent.iri, frozenset(canonical_words(name)), frozenset(families_of(name)))
                for ent in self.entities if ent.curie.startswith("ORPHA:") and not has_nos(ent.label)
                for name in self.names(ent) if at_any(sites_of(name), {site})]
        return self._named_at[site]

    def site(self, iri: str) -> frozenset[str]:
        """The sites of an entity: of its own names, else of its OncoTree tissue, else of its nearest
        ancestors that name one."""
        if iri not in self._site:
            ent = self.by_iri[iri]
            own = set().union(*(sites_of(n) for n in (ent.label, *ent.synonyms)))
            if not own and iri in self.tissue:
                own = sites_of(self.tissue[iri])
            level = [p for p in ent.parents if p in self.by_iri]
            seen: set[str] = set()
            while not own and level:
                own = set().union(*(sites_of(n) for p in level for n in (self.by_iri[p].label, *self.by_iri[p].synonyms)))
                seen |= set(level)
                level = [g for p in level for g in self.by_iri[p].parents if g in self.by_iri and g not in seen]
            self._site[iri] = frozenset(own)
        return self._site[iri]

    def at_site(self, iri: str, sites: Iterable[str]) -> bool:
        """True if the entity is at one of the sites, or at a part of one ("oropharynx" is in "head and neck"),
        or is extragonadal and a site is no gonad (:func:`loaders.link.conditions_sites.at_any`)."""
        return at_any(self.site(iri), set(sites))

    def sites_within(self, site: str) -> set[str]:
        """The site and the site names an entity at it may carry ("extragonadal" for any site but a gonad)."""
        return {site} | ({"extragonadal"} if at_any({"extragonadal"}, {site}) else set())

    def known_word(self, word: str) -> bool:
        """True if some entity's name holds the word (of five letters or more: the shorter are not indexed)."""
        return word in self.vocabulary.get(word[:2], ())

    def predisposition(self, iri: str) -> bool:
        """True for Orphanet's inherited cancer-predisposing syndromes (:data:`PREDISPOSITION` and below it): a
        syndrome, not a tumour type."""
        if self._predisposition is None:
            self._predisposition = next((e.iri for e in self.entities if e.curie == PREDISPOSITION), "")
        return iri == self._predisposition or self._predisposition in self.ancestors(iri)

    def anaplastic(self, iri: str) -> MappableEntity | None:
        """The anaplastic form of a tumour type in the same source ("Oligoastrocytoma" -> "Anaplastic
        oligoastrocytoma"), by its name; None if the source has none."""
        if self._anaplastic is None:
            self._anaplastic = {(e.curie.split(":", 1)[0], e.label.lower().removeprefix("anaplastic ")): e
                                for e in self.entities if e.label.lower().startswith("anaplastic ")}
        ent = self.by_iri[iri]
        return self._anaplastic.get((ent.curie.split(":", 1)[0], ent.label.lower()))

    def families(self, iri: str) -> frozenset[str]:
        """The families of an entity's names and its ancestors' names; the neuroendocrine neoplasms that the
        sources name without the word (:data:`NEUROENDOCRINE_TYPES`) are of that family too."""
        if iri not in self._families:
            found: set[str] = set()
            for i in (iri, *self.ancestors(iri)):
                ent = self.by_iri[i]
                for name in (ent.label, *ent.synonyms):
                    found |= entity_name_families(name)
            self._families[iri] = frozenset(found)
        return self._families[iri]

    def informative(self, iri: str) -> bool:
        """False for groupings that say nothing a trial could study: Orphanet's root "Rare tumor" and its
        top-level branches ("Rare renal tumor", "Rare nervous system tumor"), the OncoTree "Rare …" and
        "Other" buckets. Orphanet's "Rare …" groups further down ("Rare cancer of corpus uteri", "Rare
        hepatic and biliary tract tumor") are the nearest informative node of an umbrella term."""
        ent = self.by_iri[iri]
        if ent.curie.startswith("ORPHA:"):  # Orphanet's "Rare …" groups below its top-level branches inform
            top = {i for i in (iri, *ent.parents) if self.by_iri.get(i) and self.by_iri[i].curie == RARE_TUMOR}
            if (top and (iri in top or ent.label.startswith("Rare"))) or _UNTYPED.search(ent.label):
                return False
            return bool(canonical_key(ent.label.replace("Rare ", "")))
        return not re.match(r"(?i)^rare\b", ent.label) and not _UNTYPED.search(ent.label) and bool(canonical_key(ent.label))

    def carcinomas_at(self, site: str) -> set[str]:
        """The Orphanet entities whose own names make them carcinomas at the site (by :meth:`site`)."""
        return self.of_family_at(site, "carcinoma")

    def of_family_at(self, site: str, family: str) -> set[str]:
        """The Orphanet entities whose own names put them in the family (:data:`FAMILIES`) and that are at
        the site (by :meth:`site`); not the syndromes that predispose to one ("... and oropharyngeal cancer
        predisposition syndrome")."""
        if self._by_family_site is None:
            self._by_family_site = defaultdict(set)
            for ent in self.entities:
                if ent.curie.startswith("ORPHA:") and not _SYNDROME.search(ent.label):
                    for fam in set().union(*(families_of(n) for n in (ent.label, *ent.synonyms))):
                        for where in self.site(ent.iri):
                            self._by_family_site[(where, fam)].add(ent.iri)
        return self._by_family_site.get((site, family), set())

    def covering(self, iri: str) -> set[str]:
        """The entity and the ancestors that cover all of it: for an entity with several parents, only
        the ancestors common to every parent ("Cholangiocarcinoma" is under both the intrahepatic and the
        extrahepatic carcinoma, so only their common "Rare hepatic and biliary tract tumor" covers it)."""
        parents = [p for p in self.by_iri[iri].parents if p in self.by_iri] if iri in self.by_iri else []
        if not parents:
            return {iri}
        return {iri} | set.intersection(*({p, *self.ancestors(p)} for p in parents))

    def lowest_common_ancestor(self, iris: set[str], *, cover: bool = False) -> str | None:
        """The one lowest entity that is or is an ancestor of every IRI given (None if none or several);
        with ``cover``, an ancestor that covers every one (:meth:`covering`)."""
        reach = self.covering if cover else (lambda i: {i, *self.ancestors(i)})
        common = set.intersection(*(reach(i) for i in iris)) if len(iris) > 1 else set(iris)
        lowest = [c for c in common if not any(c in self.ancestors(o) for o in common if o != c)]
        if len(lowest) > 1:  # several branches meet them (GEP-NEN and "Rare digestive tumor"): the informative
            # one, a tumour family before a site grouping ("Gastroenteric NEN" before "Rare intestinal tumor")
            lowest = [c for c in lowest if self.informative(c)]
            lowest = [c for c in lowest if not self.by_iri[c].label.startswith("Rare")] or lowest
        return lowest[0] if len(lowest) == 1 else None

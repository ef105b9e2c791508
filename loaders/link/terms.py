"""Link trial conditions and publication topics to cancer entity classes, each link explained.

The terms of a record (:func:`trial_terms`, :func:`publication_terms`) are matched against every
Orphanet and OncoTree entity (:class:`EntityIndex`, built from the loaders' ``mappable()``) with
rules tried in order; the first rule that finds anything decides the term's links:

==================  =====  ==============================================================================
rule                score  what matches
==================  =====  ==============================================================================
``mesh-id``         0.95   the term's MeSH descriptor id is a ``MESH:`` cross-reference of the entity
``label``           0.95   normalised term = normalised label (``loaders.mapping.normalise``: word order,
                           case, accents, British spelling and plurals do not matter, so the MeSH
                           inverted form "Carcinoma, Adenoid Cystic" matches "Adenoid Cystic Carcinoma")
``synonym``         0.85   normalised term = normalised synonym
``code``            0.85   an upper-case term equal to an OncoTree code of 3+ letters ("GIST")
``qualified``       0.80   as ``label``/``synonym`` once clinical qualifiers are dropped ("adult",
                           "recurrent", "stage III", "localized", "high-risk" ...)
``part``            0.80   one part of a compound term ("Thymoma and Thymic Carcinoma"), as above
``head``            0.75   the words before "of"/"in"/"with" ("Soft Tissue Sarcomas of the Extremities")
``containment``     0.70   the term ends with a specific entity label ("Uterine or Soft Tissue
                           Leiomyosarcoma" -> Leiomyosarcoma) and the extra words do not negate or
                           contrast ("benign", "non", ...)
==================  =====  ==============================================================================

Guards: a term whose words are all generic ("Neoplasms", "Carcinoma", "Sarcoma", "Neoplasm
Metastasis") links to nothing; within one source, a ``NOS`` bucket is used only when no other node
shares its label, and a label shared by several nodes of one source (OncoTree's site-specific
"Polyembryoma" nodes) links to none of them. A ``NOS`` target scores 0.10 less.

The matcher is pure and deterministic. It matches one text on its own; the links of a record's texts,
read together (generic terms by the record's context, the carcinoma/site equivalence, shared names,
misspellings), are made by :mod:`loaders.link.conditions` on top of these rules.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from kg.core.records import MappableEntity
from loaders.mapping import has_nos, normalise, tokens
from loaders.pubmed import Publication
from loaders.trials import Trial

#: words that carry no entity meaning on their own; a term made only of these links to nothing
GENERIC = frozenset({"tumor", "cancer", "carcinoma", "adenocarcinoma", "sarcoma", "neoplasm", "neoplasia",
                     "malignancy", "malignant", "metastasis", "metastase", "metastatic", "solid", "rare",
                     "disease", "lesion", "cell", "recurrence", "and", "other", "unspecified", "in", "with"})
#: clinical qualifiers dropped by the ``qualified`` rule (tokens as :func:`loaders.mapping.tokens` gives them)
QUALIFIERS = frozenset({
    "adult", "adulthood", "childhood", "child", "children", "pediatric", "paediatric", "adolescent", "young",
    "recurrent", "refractory", "relapsed", "relapsing", "localized", "localised", "locally", "advanced",
    "metastatic", "metastasized", "metastasised", "disseminated", "unresectable", "resectable", "resected",
    "inoperable", "operable", "primary", "progressive", "newly", "diagnosed", "previously", "treated",
    "untreated", "high", "low", "risk", "grade", "stage", "i", "ii", "iii", "iv", "1", "2", "3", "4",
    "regional", "distant", "early", "late", "invasive", "muscle", "protocol", "specific",
    # markers that qualify a type without changing it ("HPV-positive Oropharyngeal Cancer")
    "hpv", "p16", "ebv", "hiv", "positive", "negative",
    # sub-stages ("stage IVB vulvar cancer")
    *(f"{stage}{sub}" for stage in ("i", "ii", "iii", "iv", "1", "2", "3", "4") for sub in "abc")})
#: extra words that make a containing term something other than a kind of the contained entity
CONTRAST = frozenset({"non", "not", "extra", "benign", "borderline", "like", "without", "other", "mixed",
                      "precursor", "situ", "pre", "pseudo", "post"})
#: words that, just before the contained label, make it a different head ("tumor of kidney")
BAD_LINK = frozenset({"of", "/", "-", "with", "in", "and", "or", "plus", "to"})
_SPLIT = re.compile(r"\s+(?:and|or|&)\s+|\s*[;/]\s*|,\s+(?=[A-Za-z])", re.IGNORECASE)
_HEAD = re.compile(r"\s+(?:of|in|with|for|after|involving)\s+", re.IGNORECASE)
_PAREN = re.compile(r"\s*\(([^()]*)\)")
#: a word that names a tumour by itself ("...oma", "tumour", "cancer", "neoplasm")
TUMOUR_HEAD = re.compile(r"(?:oma|tumou?r|cancer|neoplasm)s?$", re.IGNORECASE)
_MESH_ID = re.compile(r"^(?:MESH:)?D0*(\d{6,})$", re.IGNORECASE)

SCORES = {"mesh-id": 0.95, "label": 0.95, "synonym": 0.85, "code": 0.85, "qualified": 0.80, "part": 0.80,
          "head": 0.75, "containment": 0.70}


@dataclass(frozen=True)
class Term:
    """One piece of text of a record to link, with the field it came from and a MeSH id if given."""

    text: str
    field: str            # condition | keyword | condition-mesh | mesh-heading
    mesh_id: str | None = None


@dataclass(frozen=True)
class Match:
    """One entity a term matched: by which rule, on which label or synonym, with what score."""

    entity: MappableEntity
    rule: str
    matched: str
    score: float


@dataclass(frozen=True)
class EntityLink:
    """One text of a record linked to an entity, by one match."""

    subject_kind: str      # "trial" | "publication"
    subject_id: str        # canonical trial id or PMID
    term: Term
    match: Match


def mesh_key(value: str) -> str | None:
    """``MESH:D000003550`` / ``D003550`` -> ``MESH:D003550`` (registries zero-pad to nine digits); None if not a descriptor id."""
    m = _MESH_ID.match(value.strip())
    return f"MESH:D{int(m.group(1)):06d}" if m else None


def _clean(text: str) -> str:
    """Possessives dropped ("Ewing's" -> "Ewing"), registered marks and stray quotes removed."""
    return re.sub(r"['’]s\b", "", text).replace("®", "").replace("™", "").strip()


class EntityIndex:
    """Entities by MeSH cross-reference, by normalised label and by normalised synonym."""

    def __init__(self, entities: Iterable[MappableEntity]) -> None:
        self.entities = sorted(entities, key=lambda e: e.iri)
        self.by_mesh: dict[str, list[MappableEntity]] = defaultdict(list)
        self.by_label: dict[tuple[str, ...], list[tuple[MappableEntity, str]]] = defaultdict(list)
        self.by_synonym: dict[tuple[str, ...], list[tuple[MappableEntity, str]]] = defaultdict(list)
        #: labels and synonyms a term may end with, by their words, in the entities' order
        self.by_tail: dict[tuple[str, ...], list[tuple[MappableEntity, str]]] = defaultdict(list)
        #: OncoTree codes of three or more letters, which registries use as acronyms ("GIST")
        self.by_code = {e.curie.split(":", 1)[1]: e for e in self.entities
                        if e.curie.startswith("oncotree:") and len(e.curie) >= len("oncotree:") + 3}
        for ent in self.entities:
            for xref in ent.xrefs:
                key = mesh_key(xref) if xref.upper().startswith("MESH:") else None
                if key:
                    self.by_mesh[key].append(ent)
            self.by_label[normalise(ent.label)].append((ent, ent.label))
            self._tail(ent, ent.label)
            for syn in (*ent.synonyms, *_alternatives(ent.label)):
                self.by_synonym[normalise(syn)].append((ent, syn))
                if not syn.isupper():  # acronyms only ever match a whole term
                    self._tail(ent, syn)

    def _tail(self, ent: MappableEntity, label: str) -> None:
        words = tokens(label, keep_links=True)
        if words and not set(words) <= GENERIC and not has_nos(label):
            self.by_tail[tuple(words)].append((ent, label))

    @classmethod
    def from_data(cls, data_dir) -> EntityIndex:  # type: ignore[no-untyped-def]
        """Every compiled Orphanet entity and OncoTree tumour type; DataError if either is missing."""
        from loaders import oncotree, orphanet
        return cls([*orphanet.mappable(data_dir), *oncotree.mappable(data_dir)])


def _alternatives(label: str) -> list[str]:
    """The names a slash-joined OncoTree label lists ("Solitary Fibrous Tumor/Hemangiopericytoma"),
    each only if it names a tumour by itself (ends with a tumour word, not "Uterine Sarcoma/Mesenchymal").
    A slash inside a name ("Extranodal nasal NK/T cell lymphoma", "Myeloid/lymphoid neoplasm") lists
    nothing: the part before it must itself be a tumour name.

    >>> _alternatives("Solitary Fibrous Tumor/Hemangiopericytoma")
    ['Solitary Fibrous Tumor', 'Hemangiopericytoma']
    >>> _alternatives("Extranodal nasal NK/T cell lymphoma")
    []
    """
    parts = [p.strip() for p in label.split("/")]
    if len(parts) < 2 or not TUMOUR_HEAD.search(parts[0]):
        return []
    return [p for p in parts if TUMOUR_HEAD.search(p)]


def _source(ent: MappableEntity) -> str:
    return ent.curie.split(":", 1)[0]


def _pick(found: list[tuple[MappableEntity, str]], rule: str) -> list[Match]:
    """One source's candidates cut down by the NOS and homonym guards (see the module docstring)."""
    by_source: dict[str, dict[str, tuple[MappableEntity, str]]] = defaultdict(dict)
    for ent, label in found:
        by_source[_source(ent)].setdefault(ent.iri, (ent, label))
    out: list[Match] = []
    for cands in by_source.values():
        plain = [c for c in cands.values() if not has_nos(c[0].label)]
        chosen = plain or list(cands.values())
        if len(chosen) != 1:
            continue  # several nodes of one source share the label: ambiguous without a site
        ent, label = chosen[0]
        score = SCORES[rule] - (0.10 if has_nos(ent.label) else 0.0)
        out.append(Match(ent, rule, label, round(score, 2)))
    return out


def _exact(text: str, index: EntityIndex, rule: str | None = None, *, codes: bool = True) -> list[Match]:
    """Label matches of ``text``, and synonym matches in sources without a label match (empty if generic);
    with ``codes``, also the node whose code the text is."""
    key = normalise(text)
    if not key or set(key) <= GENERIC:
        return []
    found = _pick(index.by_label.get(key, []), rule or "label")
    done = {_source(m.entity) for m in found}
    found += _pick([(e, s) for e, s in index.by_synonym.get(key, []) if _source(e) not in done], rule or "synonym")
    code = index.by_code.get(text.strip()) if codes and text.strip().isupper() else None
    if code is not None and _source(code) not in {_source(m.entity) for m in found}:
        found.append(Match(code, "code", code.curie, SCORES["code"]))
    return found


def _unqualified(text: str) -> str:
    return " ".join(w for w in tokens(text) if w not in QUALIFIERS)


#: a text longer than this (parentheses left out) is a sentence: what it puts in parentheses is no name of it
_NAME_WORDS = 8


def _variants(text: str) -> list[str]:
    """The term, without its parenthesis, the parenthesis alone (in a text of at most :data:`_NAME_WORDS`
    words besides), and with in-word hyphens closed."""
    out = [text]
    bare = _PAREN.sub("", text).strip()
    out.append(bare)
    if len(bare.split()) <= _NAME_WORDS:  # a name and its acronym, not a sentence mentioning others in passing
        out.extend(m.group(1) for m in _PAREN.finditer(text))
    out.extend(re.sub(r"(?<=[a-z])-(?=[a-z])", "", v, flags=re.IGNORECASE) for v in list(out))
    return [v for i, v in enumerate(out) if v and v not in out[:i]]


def _whole(text: str, index: EntityIndex) -> list[Match]:
    """Rules ``label``/``synonym`` on every variant of one text (their union), else ``qualified``."""
    # a code in parentheses is the writer's acronym, not a node's code ("metastatic breast cancer (MBC)" is no
    # OncoTree metaplastic breast cancer): codes are read from the text itself only
    inner = {m.group(1) for m in _PAREN.finditer(text)} - {text}
    found = _dedupe([m for v in _variants(text) for m in _exact(v, index, codes=v not in inner)])
    if found:
        return found
    # the qualifiers a text starts with, one at a time, before all of them: a name may itself begin with one
    # ("Recurrent Primary cutaneous T-cell lymphoma" is "Primary cutaneous T-cell lymphoma", not "Lymphoma")
    for v in _variants(text):
        words = v.split()
        while len(words) > 1 and (lead := tokens(words[0])) and set(lead) <= QUALIFIERS:
            words = words[1:]
            if found := _exact(" ".join(words), index, "qualified"):
                return _dedupe(found)
    return _dedupe([m for v in _variants(text) if (bare := _unqualified(v)) != " ".join(tokens(v))
                    for m in _exact(bare, index, "qualified")])


def _contained(text: str, index: EntityIndex) -> list[Match]:
    """Rule ``containment``: the longest specific entity labels that the (unqualified) term ends with."""
    words = [w for w in tokens(_PAREN.sub("", text), keep_links=True) if w not in QUALIFIERS]
    for n in range(len(words) - 1, 0, -1):   # the longest tail first; at least one word before it
        found = index.by_tail.get(tuple(words[-n:]))
        extra = words[:-n]
        if found and extra[-1] not in BAD_LINK and not CONTRAST.intersection(extra):
            return _pick(list(found), "containment")
    return _pick([], "containment")


def link_term(term: Term, index: EntityIndex) -> list[Match]:
    """The entities one term links to, by the first rule that finds any (see the module docstring)."""
    if term.mesh_id and (key := mesh_key(term.mesh_id)) and index.by_mesh.get(key):
        return [Match(e, "mesh-id", key, SCORES["mesh-id"]) for e in index.by_mesh[key]]
    text = _clean(term.text)
    if found := _whole(text, index):
        return found
    if term.field not in ("condition-mesh", "mesh-heading"):  # MeSH commas invert, they do not list
        parts = [p for p in _SPLIT.split(_PAREN.sub("", text)) if p.strip()]
        if len(parts) > 1:
            found = [Match(m.entity, "part", m.matched, SCORES["part"] if m.rule != "containment" else m.score)
                     for p in parts for m in (_whole(p, index) or _contained(p, index))]
            if found:
                return _dedupe(found)
    head = _HEAD.split(_PAREN.sub("", text), maxsplit=1)[0]
    if head != _PAREN.sub("", text) and (found := _whole(head, index)):
        return [Match(m.entity, "head", m.matched, SCORES["head"]) for m in found]
    return _contained(text, index)


def _dedupe(matches: list[Match]) -> list[Match]:
    seen: dict[str, Match] = {}
    for m in matches:
        seen.setdefault(m.entity.iri, m)
    return list(seen.values())


def trial_terms(trial: Trial) -> list[Term]:
    """A trial's conditions, condition MeSH terms (with ids where given) and keywords, in that order."""
    terms = [Term(c, "condition") for c in trial.conditions]
    terms += [Term(m.term, "condition-mesh", m.mesh_id) for m in trial.condition_mesh]
    terms += [Term(k, "keyword") for k in trial.keywords]
    return terms


def publication_terms(pub: Publication) -> list[Term]:
    """A publication's MeSH headings (with descriptor ids where given) and keywords."""
    return [Term(h.label, "mesh-heading", h.descriptor_id) for h in pub.mesh] + [Term(k, "keyword") for k in pub.keywords]

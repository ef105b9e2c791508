"""Label words for matching: the normalisation that the OncoTree -> Orphanet mapper (:mod:`loaders.mapping`)
and the condition linkers (:mod:`loaders.link.terms`, :mod:`loaders.link`) share.

:func:`tokens` and :func:`normalise` are the shared words and key; :func:`match_tokens` and
:func:`match_key` add the mapper-only equivalence of "cancer" and "carcinoma" (decision 0014), so the
linkers' behaviour does not change from here. :func:`homonyms` and :func:`most_specific_container`
say when labels of one source are shared and when one label names a kind of another (the mapper's
containment rule).
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence

from kg.core.records import MappableEntity
from kg.core.text import plain

_STOPWORDS = frozenset({"the", "a", "an", "nos"})
_LINKS = frozenset({"of", "/", "-"})
_SYNONYM_TOKENS = {"tumour": "tumor", "tumours": "tumor", "tumors": "tumor", "neoplasm": "tumor",
                   "neoplasms": "tumor", "cancers": "cancer", "classical": "classic"}
_NO_PLURAL = ("ss", "us", "is", "os")


def tokens(label: str, *, keep_links: bool = False) -> list[str]:
    """The words of a label in order: ASCII-folded, lower case, punctuation dropped, British and
    plural forms folded (``Tumours`` -> ``tumor``, ``neoplasm`` -> ``tumor`` except in
    ``neuroendocrine neoplasm``, which WHO uses for tumours *and* carcinomas, ``sarcomas`` ->
    ``sarcoma``), and the words ``the``, ``a``, ``an``, ``NOS`` left out; ``of`` is left out too
    unless ``keep_links``, which also keeps ``/`` and ``-`` as words.

    >>> tokens("Carcinomas of the Ampulla of Vater, NOS")
    ['carcinoma', 'ampulla', 'vater']
    >>> tokens("Pheochromocytoma-paraganglioma", keep_links=True)
    ['pheochromocytoma', '-', 'paraganglioma']
    """
    return list(_tokens(label, keep_links))


@functools.lru_cache(maxsize=65_536)
def _tokens(label: str, keep_links: bool) -> tuple[str, ...]:
    """:func:`tokens`, memoised: the containment rule compares every label with every other one."""
    words = re.findall(r"[a-z0-9]+|[/-]", plain(label))
    out: list[str] = []
    for word in words:
        if word in _STOPWORDS or (word in _LINKS and not keep_links):
            continue
        if word == "neoplasm" and out and out[-1] == "neuroendocrine":
            out.append(word)
            continue
        word = _SYNONYM_TOKENS.get(word, word)
        if len(word) > 4 and word.endswith("s") and not word.endswith(_NO_PLURAL):
            word = word[:-1]
        out.append(word)
    return tuple(_drop_redundant_grade(out))


def _drop_redundant_grade(words: list[str]) -> list[str]:
    """Drop "well differentiated" before "neuroendocrine tumor": WHO (2019) defines a neuroendocrine
    tumour as well differentiated, so OncoTree's "Well-Differentiated Neuroendocrine Tumor of the
    Rectum" is Orphanet's "Neuroendocrine tumor of the rectum"."""
    for i in range(len(words) - 3):
        if words[i:i + 4] in (["well", "differentiated", "neuroendocrine", "tumor"],
                              ["well", "-", "differentiated", "neuroendocrine"]):
            drop = 3 if words[i + 1] == "-" else 2
            if words[i + drop:i + drop + 2] == ["neuroendocrine", "tumor"]:
                return words[:i] + words[i + drop:]
    return words


#: words that are one word for matching only (not for :func:`tokens`, which the condition linker
#: shares): OncoTree says "Small Cell Lung Cancer" where Orphanet says "... carcinoma"
_MATCH_TOKENS = {"cancer": "carcinoma"}


@functools.lru_cache(maxsize=65_536)
def match_tokens(label: str, keep_links: bool = False) -> tuple[str, ...]:
    """:func:`tokens` with "cancer" and "carcinoma" made one word: the mapper's comparison words.

    >>> match_tokens("Small Cell Lung Cancer") == match_tokens("Small cell lung carcinoma")
    True
    """
    return tuple(_MATCH_TOKENS.get(w, w) for w in _tokens(label, keep_links))


def match_key(label: str) -> tuple[str, ...]:
    """The mapper's comparison key: :func:`match_tokens` sorted (word order does not matter)."""
    return tuple(sorted(match_tokens(label)))


def has_nos(label: str) -> bool:
    """True if the label says "not otherwise specified" (``, NOS``)."""
    return re.search(r"\bNOS\b", label) is not None


def normalise(label: str) -> tuple[str, ...]:
    """A label's comparison key: its :func:`tokens` sorted, so word order does not matter.

    >>> normalise("Tumour, Gastrointestinal Stromal") == normalise("Gastrointestinal stromal tumor")
    True
    """
    return tuple(sorted(tokens(label)))


# --- containment: when one label names a kind of another ---------------------------------------------

#: extra words that make a containing label something other than a kind of the contained one
_CONTRAST = frozenset({"non", "not", "extra", "benign", "malignant", "borderline", "atypical", "like",
                       "without", "other", "mixed", "poorly", "precursor", "in", "situ", "and", "or", "plus"})
#: words that, just before the contained label, make it a different head ("adenoma of pancreas"
#: does not end with a kind of "pancreas"; "pheochromocytoma-paraganglioma" is not a paraganglioma)
_BAD_LINK = frozenset({"of", "/", "-", "with", "in", "and", "or", "plus"})


def homonyms(entities: Iterable[MappableEntity]) -> dict[str, str]:
    """Entities of one source whose normalised label another entity of that source shares, with why
    each is narrower than the plain label: a ``, NOS`` node under a node of the same name, or one of
    several site-specific nodes (OncoTree's ``Yolk Sac Tumor`` under brain, ovary, testis, vulva/vagina).
    """
    groups: dict[tuple[str, ...], list[MappableEntity]] = defaultdict(list)
    for ent in entities:
        groups[match_key(ent.label)].append(ent)
    out: dict[str, str] = {}
    for group in groups.values():
        if len(group) < 2:
            continue
        plain = [e for e in group if not has_nos(e.label)]
        for ent in group:
            if has_nos(ent.label):
                out[ent.iri] = "NOS node narrower than a node of the same name"
            elif len(plain) > 1:
                out[ent.iri] = f"one of {len(plain)} site-specific nodes with this label"
    return out


def _contains(longer: Sequence[str], shorter: Sequence[str]) -> bool:
    """True if ``longer`` ends with ``shorter`` after words that make it a kind of ``shorter``.

    Both are :func:`tokens` lists with ``keep_links``: the added words must not negate or contrast
    (``non``, ``extra``, ``benign``, ...) and the word just before must not link a different head
    (``of``, ``/``, ``-``, ``with``, ...).
    """
    n = len(shorter)
    if not n or len(longer) <= n or longer[-n:] != shorter:
        return False
    extra = longer[:-n]
    return extra[-1] not in _BAD_LINK and not _CONTRAST.intersection(extra)


def by_last_word(candidates: list[MappableEntity]) -> dict[str, list[MappableEntity]]:
    """Candidates by the last word of their label (:func:`_tokens` with links): a label can only
    end with labels that end with its own last word, so each entity is compared with few others."""
    index: dict[str, list[MappableEntity]] = defaultdict(list)
    for c in candidates:
        words = match_tokens(c.label, True)
        if words:
            index[words[-1]].append(c)
    return index


def most_specific_container(narrow: MappableEntity, candidates: dict[str, list[MappableEntity]]
                             ) -> MappableEntity | None:
    """The candidate (from :func:`by_last_word`) with the longest label that ``narrow``'s label
    ends with (ties: smallest IRI)."""
    own = match_tokens(narrow.label, True)
    fits = [c for c in candidates.get(own[-1], ()) if _contains(own, match_tokens(c.label, True))] if own else []
    if not fits:
        return None
    return min(fits, key=lambda c: (-len(tokens(c.label)), c.iri))

"""Label words for matching: the normalisation that the OncoTree -> Orphanet mapper (:mod:`kg.mapping`)
and the condition linkers (:mod:`kg.linking`, :mod:`kg.link`) share.

:func:`tokens` and :func:`normalise` are the shared words and key; :func:`match_tokens` and
:func:`match_key` add the mapper-only equivalence of "cancer" and "carcinoma" (decision 0014), so the
linkers' behaviour does not change from here.
"""

from __future__ import annotations

import functools
import re

from unidecode import unidecode

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
    words = re.findall(r"[a-z0-9]+|[/-]", unidecode(label).lower())
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

"""The site vocabulary of condition linking: the words that name a site, the sites they name, and how
sites nest (the tongue is in the oral cavity, which is in the head and neck).

Pure tables and lookups, shared by :mod:`loaders.link.conditions_names` (canonical names, entity sites) and
the matching rules.
"""

from __future__ import annotations

import functools

from loaders.link.conditions_phrases import rephrase
from loaders.mapping import tokens

#: site words -> the site they name (the words as written; the forms :func:`loaders.mapping.tokens` gives them are
#: added below)
SITE_WORDS: dict[str, str] = {
    "pleura": "pleura", "pleural": "pleura", "peritoneum": "peritoneum", "peritoneal": "peritoneum",
    "testis": "testis", "testes": "testis", "testicular": "testis", "ovary": "ovary", "ovarian": "ovary",
    "larynx": "larynx", "laryngeal": "larynx", "oropharynx": "oropharynx", "oropharyngeal": "oropharynx",
    "hypopharynx": "hypopharynx", "hypopharyngeal": "hypopharynx", "thymus": "thymus", "thymic": "thymus",
    "kidney": "kidney", "renal": "kidney", "lung": "lung", "pulmonary": "lung", "bronchopulmonary": "lung",
    "uterine": "corpus uteri", "endometrial": "corpus uteri", "corpus": "corpus uteri", "uterus": "uterus",
    "gallbladder": "gallbladder", "bladder": "bladder", "urinary": "bladder", "mediastinal": "mediastinum",
    "mediastinum": "mediastinum", "liver": "liver", "hepatic": "liver", "bone": "bone", "brain": "nervous system",
    "cns": "nervous system", "nervous": "nervous system", "head": "head and neck",
    "neck": "head and neck", "extragonadal": "extragonadal", "oral": "oral cavity", "mouth": "oral cavity",
    "cervix": "cervix", "cervical": "cervix", "vulva": "vulva", "vulvar": "vulva", "vulval": "vulva",
    "vagina": "vagina", "vaginal": "vagina", "rectal": "rectum", "urethra": "urethra", "urethral": "urethra",
    "pancreas": "pancreas", "pancreatic": "pancreas", "biliary": "biliary tract", "bile": "biliary tract",
    "soft": "soft tissue", "skin": "skin", "cutaneous": "skin", "eye": "eye", "uveal": "eye", "ocular": "eye",
    "breast": "breast", "thyroid": "thyroid", "adrenal": "adrenal", "nasopharynx": "nasopharynx",
    "nasopharyngeal": "nasopharynx", "stomach": "stomach", "gastric": "stomach", "esophagus": "esophagus",
    "oesophagus": "esophagus", "esophageal": "esophagus", "oesophageal": "esophagus", "bowel": "intestine",
    "intestine": "intestine", "intestinal": "intestine", "colon": "colon", "rectum": "rectum", "anal": "anus",
    "penis": "penis", "penile": "penis", "prostate": "prostate", "tongue": "tongue", "lip": "lip",
    "salivary": "salivary gland", "sinonasal": "sinonasal", "heart": "heart", "cardiac": "heart",
    "extraskeletal": "soft tissue", "extraosseous": "soft tissue", "anus": "anus", "appendix": "appendix",
    "appendiceal": "appendix", "supratentorial": "nervous system", "infratentorial": "nervous system",
    "bronchial": "lung", "bronchus": "lung", "connective": "soft tissue", "cerebellar": "nervous system",
    "cerebellum": "nervous system", "cerebral": "nervous system", "intracranial": "nervous system",
    "parotid": "salivary gland", "adrenocortical": "adrenal",
    "retroperitoneal": "soft tissue", "retroperitoneum": "soft tissue",
}
# the keys as loaders.mapping.tokens writes the words it reads ("pancreas" -> "pancrea", "testes" -> "teste")
SITE_WORDS.update({tokens(word)[0]: site for word, site in list(SITE_WORDS.items()) if tokens(word) != [word]})
#: embryological gut segments and the sites they are made of ("midgut NET": small intestine, appendix and
#: right colon; no source has a node per segment, so such a text reaches the node covering its sites)
SITE_GROUPS: dict[str, tuple[str, ...]] = {
    "foregut": ("stomach", "duodenum", "pancreas", "lung"),
    "midgut": ("small intestine", "appendix", "colon"),
    "hindgut": ("colon", "rectum"),
}
#: sites that are part of a larger site a generic term may name ("Head and Neck Cancer")
PART_OF: dict[str, str] = {
    "oropharynx": "head and neck", "hypopharynx": "head and neck", "larynx": "head and neck",
    "oral cavity": "head and neck", "lip": "head and neck", "tongue": "oral cavity",
    "nasopharynx": "head and neck", "salivary gland": "head and neck", "sinonasal": "head and neck",
    "corpus uteri": "uterus", "cervix": "uterus",
}


def enclosing(site: str) -> list[str]:
    """The larger sites a site is part of, nearest first ("tongue" -> oral cavity, head and neck)."""
    out: list[str] = []
    while site in PART_OF and PART_OF[site] not in out:
        site = PART_OF[site]
        out.append(site)
    return out


#: words that only help a site word ("system" in "nervous system", "tissue" in "soft tissue")
#: ("central" only with "nervous system": a "central osteosarcoma" is in the bone's medulla)
SITE_FILLERS = frozenset({"system", "tissue", "gland", "tract", "uteri", "and", "cavity", "duct", "small", "central",
                          "gall", "of", "wall", "trunk", "extremity", "canal"})


def sites_of(text: str) -> set[str]:
    """The sites a name's words name, read as :func:`loaders.link.conditions_phrases.rephrase` writes them
    ("Squamous cell carcinoma of head and neck" -> {"head and neck"}; "... of the nasal cavity and paranasal
    sinuses" -> {"sinonasal"}); a fresh set (memoised underneath)."""
    return set(_sites_of(text))


@functools.lru_cache(maxsize=131_072)
def _sites_of(text: str) -> frozenset[str]:
    return frozenset(SITE_WORDS[w] for w in tokens(rephrase(text)) if w in SITE_WORDS)


#: the gonads; "extragonadal" names every other site (a mediastinal germ cell tumour is an extragonadal one)
GONADS = frozenset({"testis", "ovary"})


def at_any(own: set[str] | frozenset[str], sites: set[str] | frozenset[str]) -> bool:
    """True if an entity at the ``own`` sites is at one of ``sites``: the same site, a site it is part of
    ("oropharynx" is in "head and neck"), or any non-gonadal site for an extragonadal entity.

    >>> at_any({"extragonadal"}, {"mediastinum"}), at_any({"extragonadal"}, {"testis"})
    (True, False)
    """
    if set(sites) & (set(own) | {e for s in own for e in enclosing(s)}):
        return True
    return "extragonadal" in own and bool(set(sites) - GONADS - {"extragonadal"})

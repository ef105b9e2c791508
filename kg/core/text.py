"""Text folding and slugs: one policy for comparing names and for the slug in an IRI.

Every fold transliterates with ``unidecode`` (accents, ligatures, letters without a decomposition such
as ł, ø, ß, and other scripts such as Greek or Cyrillic become ASCII), then folds case:

* :func:`plain`: accents, scripts and case folded; punctuation and spacing kept;
* :func:`fold`: :func:`plain` with every run of characters other than ``a-z0-9`` as one space (words only);
* :func:`slug`: the lower-case ASCII slug of a name for an IRI (see its docstring for the stability rule).

>>> plain("Saint-Étienne "), fold("Hôpital d'Enfants"), fold("Łódź"), slug("Centre Léon Bérard")
('saint-etienne ', 'hopital d enfants', 'lodz', 'centre-leon-berard')
>>> slug("Ośrodek Łódź"), slug("Universitätsklinikum Straße"), slug("Νοσοκομείο Αθηνών")
('osrodek-lodz', 'universitatsklinikum-strasse', 'nosokomeio-athenon')
"""

from __future__ import annotations

import re
import unicodedata

from unidecode import unidecode

_NON_WORD = re.compile(r"[^a-z0-9]+")


def plain(text: str | None) -> str:
    """``text`` transliterated to ASCII and case-folded, punctuation kept: ``"Besançon"`` -> ``"besancon"``."""
    if not text:
        return ""
    return (text if text.isascii() else unidecode(text)).casefold()


def fold(text: str | None) -> str:
    """The words of ``text``, folded, one space apart: ``"Saint-Étienne"`` -> ``"saint etienne"``."""
    return _NON_WORD.sub(" ", plain(text)).strip()


def slug(text: str) -> str:
    """A lower-case ASCII slug for a name: ``"Centre Léon Bérard"`` -> ``"centre-leon-berard"``.

    Stability rule (docs/decisions/0018-libraries.md): a name whose every character is ASCII or an
    accented letter that Unicode decomposes (é = e + ´) keeps the slug it always had (accents dropped,
    runs of other characters as ``-``), so no IRI minted before changes. A name with a character that
    the old slug silently dropped (ł, ø, ß, æ, Greek, Cyrillic, a fraction slash ...) is transliterated
    with unidecode instead of losing letters or becoming empty. Returns ``""`` only for a name with no
    letter or digit in any script.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    if all(c.isascii() or unicodedata.combining(c) for c in decomposed):
        kept = "".join(c for c in decomposed if c.isascii())
    else:
        kept = unidecode(text)
    return _NON_WORD.sub("-", kept.lower()).strip("-")

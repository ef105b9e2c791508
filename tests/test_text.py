"""kg.core.text: one folding and slug policy, and the pinned slugs of the default build.

``fixtures/slugs/default_build_slugs.tsv`` holds every (name, slug) that ``kg.core.vocab.slugify`` returned
during ``rarekg build`` of the default dataset before kg.core.text replaced it (recorded by wrapping the old
function), plus every centres.tsv name with its id; ``default_build_centres.txt`` lists the local
names of every ``centre/`` IRI that build minted. Decision 0018 says why they must not change.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kg.core import text
from kg.core.vocab import BASE, mint, slugify

PINNED = Path(__file__).parent / "fixtures" / "slugs"


def _pinned_slugs() -> list[tuple[str, str]]:
    with (PINNED / "default_build_slugs.tsv").open(newline="", encoding="utf-8") as f:
        return [(r["name"], r["slug"]) for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)]


def test_every_slug_of_the_default_build_is_kept() -> None:
    pinned = _pinned_slugs()
    assert len(pinned) == 280 and sum(not n.isascii() for n, _ in pinned) == 77
    changed = [(n, s, text.slug(n)) for n, s in pinned if text.slug(n) != s]
    assert not changed, f"kg.core.text.slug changed IRIs of the default build (name, was, now): {changed[:10]}"


def test_default_build_mints_the_pinned_centre_iris(built_store) -> None:
    rows = built_store.query(f'SELECT DISTINCT ?c WHERE {{ GRAPH ?g {{ ?c ?p ?o }} '
                             f'FILTER(STRSTARTS(STR(?c), "{BASE}centre/")) }}')
    built = {r["c"].value.removeprefix(f"{BASE}centre/") for r in rows}
    pinned = set((PINNED / "default_build_centres.txt").read_text(encoding="utf-8").split())
    assert len(pinned) == 278
    assert pinned <= built, (f"centre IRIs of the default build changed: {sorted(pinned - built)[:10]} are gone; "
                             "a renamed IRI breaks every link to it (decision 0018)")


@pytest.mark.parametrize(("name", "expected"), [
    ("Centre Léon Bérard", "centre-leon-berard"),
    ("Charité – Universitätsmedizin Berlin", "charite-universitatsmedizin-berlin"),
    ("Uniwersytecki Szpital Kliniczny w Łodzi", "uniwersytecki-szpital-kliniczny-w-lodzi"),  # ł was dropped
    ("Oslo universitetssykehus, Rikshospitalet Ø", "oslo-universitetssykehus-rikshospitalet-o"),  # ø was dropped
    ("Klinikum Großhadern", "klinikum-grosshadern"),  # ß was dropped: "klinikum-grohadern"
    ("Αττικόν Νοσοκομείο", "attikon-nosokomeio"),  # Greek gave ""
    ("Онкологический центр", "onkologicheskii-tsentr"),
])
def test_slug_transliterates_letters_the_old_slug_dropped(name: str, expected: str) -> None:
    assert text.slug(name) == expected == slugify(name)


def test_greek_name_mints_an_iri() -> None:
    """Regression: the old slug of a Greek name was "", and mint() refused it."""
    assert mint("centre", slugify("Γενικό Νοσοκομείο Αθηνών")).value == f"{BASE}centre/geniko-nosokomeio-athenon"


@pytest.mark.parametrize(("value", "plain", "fold"), [
    ("Saint-Étienne ", "saint-etienne ", "saint etienne"),
    ("Hôpital d'Enfants", "hôpital d'enfants".replace("ô", "o"), "hopital d enfants"),
    ("Łódź", "lodz", "lodz"),
    ("STRASSE Straße", "strasse strasse", "strasse strasse"),
    (None, "", ""),
    ("", "", ""),
])
def test_plain_and_fold(value: str | None, plain: str, fold: str) -> None:
    assert text.plain(value) == plain
    assert text.fold(value) == fold


@given(st.text())
def test_slug_is_a_valid_iri_local_name_or_empty(value: str) -> None:
    s = text.slug(value)
    assert s == s.strip("-") and all(c.isascii() and (c.isalnum() or c == "-") for c in s)
    assert s.lower() == s and "--" not in s
    assert s or not text.fold(value)


@given(st.text())
def test_fold_is_idempotent_words(value: str) -> None:
    folded = text.fold(value)
    assert text.fold(folded) == folded and folded == folded.strip() and "  " not in folded

"""One curies converter of kg.core.vocab.PREFIXES for every CURIE expanded and every IRI compacted."""

from __future__ import annotations

import string

import pyoxigraph as ox
import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.linked_data import compact_iri as linked_data_compact
from kg.core.vocab import BASE, PREFIXES, compact_iri, curies_converter, expand_curie
from kg.store.output import compact
from kg.store.queries import expand_iri

LOCAL = st.text(st.sampled_from([*string.ascii_letters, *string.digits, *"-._~/:é"]),
                min_size=1).filter(lambda s: not s.startswith("//"))


def test_the_converter_holds_exactly_the_project_prefix_map() -> None:
    assert curies_converter().prefix_map == PREFIXES
    assert curies_converter() is curies_converter()


@given(st.sampled_from(sorted(PREFIXES)), LOCAL)
def test_expand_then_compact_round_trips(prefix: str, local: str) -> None:
    iri = expand_curie(f"{prefix}:{local}")
    assert iri == PREFIXES[prefix] + local == expand_iri(f"{prefix}:{local}")
    curie = compact_iri(iri)
    assert expand_curie(curie) == iri and len(curie) < len(iri)
    assert compact(ox.NamedNode(iri)) == curie == linked_data_compact(iri)


@pytest.mark.parametrize(("iri", "expected"), [
    (f"{BASE}ontology/Centre", "rkg:Centre"),             # the longest namespace wins over rkgd:
    (f"{BASE}centre/centre-leon-berard", "rkgd:centre/centre-leon-berard"),
    (f"{BASE}ontology/", "rkgd:ontology/"),               # a namespace itself: under a shorter one
    (BASE, BASE),                                         # ... or whole
    ("https://schema.org/", "https://schema.org/"),
    ("http://example.org/x", "http://example.org/x"),
])
def test_compact_iri(iri: str, expected: str) -> None:
    assert compact_iri(iri) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("rkgd:domain/G1", f"{BASE}domain/G1"),
    ("<https://w3id.org/rarekg/domain/G1>", f"{BASE}domain/G1"),
    ("rkg://x", "rkg://x"),             # an IRI whose scheme is a prefix name stays an IRI
    ("foo:bar", "foo:bar"),             # unknown prefix: an IRI with scheme foo
    ("RKG:Centre", "RKG:Centre"),       # prefixes are case-sensitive
])
def test_expand_iri(value: str, expected: str) -> None:
    assert expand_iri(value) == expected

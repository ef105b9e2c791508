"""Property-based tests (hypothesis) where inputs vary: the REST id resolver and the SPARQL
parameter binder.

* Resolver (:mod:`api.rest.ids`): every spelling of every entity id (canonical, bare number, ORDO
  and rarekg IRIs, CURIE prefixes in any case, padding) resolves to the same node, with 200 for the
  canonical id and 301 for the others; the canonical id round-trips; any text at all resolves to a
  known node or raises NotFound, in-process and over HTTP (never a 5xx).
* Binder (:mod:`kg.store.queries`): any string bound as a parameter is compared as one value, never read
  as query text: ``entity-lookup`` answers exactly what a Python reading of its definition gives,
  for real values, arbitrary text and text made of SPARQL syntax; an IRI parameter either binds to
  that one IRI or is refused naming the parameter; nothing a binding holds changes the store.
"""

from __future__ import annotations

import string
from urllib.parse import quote

import httpx
import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.rest.catalogue import Catalogue, load_catalogue
from api.rest.ids import NotFound, entity_id, local_id, resolve
from kg.core.errors import QueryError
from kg.core.vocab import BASE
from kg.store import queries
from kg.store.queries import Param, to_term

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
#: text that a binder gluing strings into the query would turn into syntax
SPARQL_SYNTAX = ['"', "'", '"""', "\\", "}", "{", " } UNION { ?entity ?p ?value } #", "\" ) || true || (\"",
                 "> } ; DROP ALL ; #", "?text", "$text", "<https://w3id.org/rarekg/entity/orpha/44890>",
                 "\n", "# comment", "\\u0022", "%22", "GIST\" . ?entity rdfs:label \"GIST"]
TEXT = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=0x24F), max_size=40)


@pytest.fixture(scope="module")
def cat(default_graph) -> Catalogue:  # type: ignore[no-untyped-def]
    store, _ = default_graph
    return load_catalogue(store)


def _case(rng: st.DrawFn, text: str) -> str:
    return "".join(c.upper() if rng(st.booleans()) else c.lower() for c in text)


@st.composite
def entity_spelling(draw: st.DrawFn, cat: Catalogue) -> tuple[str, str]:
    """(an entity IRI, one spelling of its id that must resolve to it with a redirect or 200)."""
    iri = draw(st.sampled_from(sorted(cat.entity_set)))
    canonical = entity_id(iri)
    local = iri[len(BASE):]
    if local.startswith("entity/orpha/"):
        n = local.rsplit("/", 1)[1]
        forms = [canonical, n, "0" + n, _case(draw, "orpha:") + n, _case(draw, "orphanet_") + n,
                 _case(draw, "orphanet ") + n, "http://www.orpha.net/ORDO/Orphanet_" + n, iri]
    elif local.startswith("entity/oncotree/"):
        code = local.rsplit("/", 1)[1]
        forms = [canonical, code, _case(draw, code), _case(draw, "oncotree:") + code, iri]
    else:
        slug = local.rsplit("/", 1)[1]
        forms = [canonical, _case(draw, "subgroup:") + slug, iri]
    form = draw(st.sampled_from(forms))
    return iri, form if form == canonical else draw(st.sampled_from(["", " ", "\t"])) + form + draw(
        st.sampled_from(["", " "]))


def test_every_spelling_of_an_entity_id_resolves_to_it(cat: Catalogue) -> None:
    assert len(cat.entity_set) > 1500   # Orphanet, OncoTree and the subgroups

    @SETTINGS
    @given(entity_spelling(cat))
    def check(case: tuple[str, str]) -> None:
        iri, given_id = case
        found = resolve(cat, "entity", given_id)
        assert found.iri == iri and found.canonical == entity_id(iri)
        assert found.status == (200 if given_id == found.canonical else 301)
        again = resolve(cat, "entity", found.canonical)   # the canonical id round-trips
        assert (again.iri, again.canonical, again.status) == (iri, found.canonical, 200)

    check()


@pytest.mark.parametrize("kind", ["centre", "trial", "publication", "domain"])
def test_every_other_canonical_id_round_trips(cat: Catalogue, kind: str) -> None:
    nodes = {"centre": cat.centres, "trial": cat.trials, "publication": cat.publications, "domain": cat.domains}[kind]
    assert nodes

    @SETTINGS
    @given(st.sampled_from(nodes), st.booleans())
    def check(iri: str, shout: bool) -> None:
        canonical = local_id(iri, kind)
        found = resolve(cat, kind, canonical)
        assert (found.iri, found.canonical, found.status) == (iri, canonical, 200)
        other = canonical.lower() if shout and kind != "publication" else canonical.replace("PMID:", "pmid ")
        if other != canonical:
            moved = resolve(cat, kind, other)
            assert moved.iri == iri and moved.canonical == canonical and moved.status in (301, 307)

    check()


def test_any_text_resolves_to_a_known_node_or_is_not_found(cat: Catalogue) -> None:
    known = {"entity": cat.entity_set, "centre": set(cat.centres), "trial": set(cat.trials),
             "publication": set(cat.publications), "domain": set(cat.domains)}

    @SETTINGS
    @given(st.sampled_from(sorted(known)), st.one_of(TEXT, st.sampled_from(SPARQL_SYNTAX)))
    def check(kind: str, text: str) -> None:
        try:
            found = resolve(cat, kind, text)
        except NotFound as exc:
            assert exc.kind == kind and all(set(m) >= {"id", "label"} for m in exc.close)
            return
        assert found.iri in known[kind] and found.status in (200, 301, 307)
        assert resolve(cat, kind, found.canonical).status == 200

    check()


def test_no_id_in_a_url_gets_a_server_error(server: str) -> None:
    with httpx.Client(base_url=server, timeout=30) as client:
        @settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
        @given(st.sampled_from(["entities", "entities/{}/centres", "entities/{}/trials", "centres", "trials",
                                "publications"]),
               st.one_of(TEXT.filter(str.strip), st.sampled_from(SPARQL_SYNTAX)))
        def check(route: str, text: str) -> None:
            template = route if "{}" in route else route + "/{}"
            r = client.get("/api/v1/" + template.format(quote(text, safe="")))
            assert r.status_code in (200, 301, 307, 404), (text, r.status_code, r.text[:300])
            if r.status_code == 404:
                assert r.headers["content-type"] == "application/problem+json"
            elif r.status_code in (301, 307):
                assert client.get(r.headers["location"]).status_code == 200, (text, r.headers["location"])

        check()


# -- the SPARQL parameter binder ------------------------------------------------------------------------

def _lookup_reference(store, text: str) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """entity-lookup's answer read from its definition in Python: entities with a code, label or
    synonym equal to ``text`` ignoring case, that have a label."""
    predicates = {"http://www.geneontology.org/formats/oboInOwl#hasDbXref": "xref",
                  "https://w3id.org/rarekg/ontology/orphaCode": "orphaCode",
                  "https://w3id.org/rarekg/ontology/oncotreeCode": "oncotreeCode",
                  "http://www.w3.org/2000/01/rdf-schema#label": "label",
                  "http://www.w3.org/2004/02/skos/core#altLabel": "synonym"}
    rdf_type, owl_class = (ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                           ox.NamedNode("http://www.w3.org/2002/07/owl#Class"))
    classes = {s for s, _, _ in store.triples(None, rdf_type, owl_class)}
    labelled = {s for s, _, _ in store.triples(None, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), None)}
    found = set()
    for predicate, how in predicates.items():
        for entity, _, value in store.triples(None, ox.NamedNode(predicate), None):
            if (isinstance(entity, ox.NamedNode) and value.value.lower() == text.lower()
                    and entity.value.startswith((BASE + "entity/", BASE + "subgroup/")) and entity in labelled
                    and (how != "label" or entity in classes)):
                found.add((entity.value, how))
    return sorted(found)


def _values(store) -> list[str]:  # type: ignore[no-untyped-def]
    rows = store.select("SELECT DISTINCT ?v WHERE { { ?e rdfs:label ?v } UNION { ?e skos:altLabel ?v } UNION "
                        "{ ?e oboInOwl:hasDbXref ?v } UNION { ?e rkg:oncotreeCode ?v } }")
    return sorted(r["v"].value for r in rows)


def test_a_bound_string_is_one_value_never_query_text(query_fixture_store) -> None:  # type: ignore[no-untyped-def]
    store = query_fixture_store
    q = queries.get("entity-lookup")
    values = _values(store)
    before = store.count()
    assert _lookup_reference(store, "gist")   # the reference finds something to compare

    @SETTINGS
    @given(st.one_of(st.sampled_from(values),
                     st.sampled_from(values).map(lambda v: "".join(c.swapcase() for c in v)),
                     TEXT, st.tuples(st.sampled_from(values), st.sampled_from(SPARQL_SYNTAX), TEXT).map("".join)))
    def check(text: str) -> None:
        rows = store.select(q.text, q.bind({"text": text}))
        assert all(r["text"] == ox.Literal(text) for r in rows)
        assert sorted((r["entity"].value, r["matchedOn"].value) for r in rows) == _lookup_reference(store, text)

    check()
    assert store.count() == before


def test_a_bound_iri_is_that_iri_or_refused_naming_the_parameter(query_fixture_store) -> None:  # type: ignore[no-untyped-def]
    store = query_fixture_store
    q = queries.get("statement-provenance")
    subjects = sorted({r["s"].value for r in store.select("SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s ?p ?o } "
                                                          "FILTER(isIRI(?s)) }")})
    before = store.count()
    iri_text = st.one_of(st.sampled_from(subjects),
                         st.tuples(st.sampled_from(subjects), st.sampled_from(SPARQL_SYNTAX)).map("".join),
                         st.text(alphabet=string.printable, max_size=60))

    @SETTINGS
    @given(iri_text)
    def check(text: str) -> None:
        try:
            bound = q.bind({"subject": text, "predicate": "rdfs:label"})
        except QueryError as exc:
            assert "'subject'" in str(exc)
            return
        assert isinstance(bound["subject"], ox.NamedNode) and bound["subject"].value == queries.expand_iri(text)
        rows = store.select(q.text, bound)
        assert all(r["subject"] == bound["subject"] and r["predicate"] == bound["predicate"] for r in rows)

    check()
    assert store.count() == before
    assert store.select(q.text, q.bind({"subject": "rkgd:entity/orpha/200", "predicate": "rdfs:label"}))


@SETTINGS
@given(st.sampled_from(["integer", "decimal", "boolean", "string"]), st.text(max_size=30))
def test_typed_parameters_are_values_of_their_type_or_refused(kind: str, text: str) -> None:
    param = Param("p", kind, "a parameter")
    try:
        term = to_term(param, text)
    except QueryError as exc:
        assert kind != "string" and "'p'" in str(exc)
        return
    assert isinstance(term, ox.Literal)
    if kind == "string":
        assert term.value == text and term.datatype.value.endswith("#string")
    else:
        assert term.datatype.value.endswith("#" + kind)
        assert term.value == {"integer": lambda t: str(int(t)), "decimal": lambda t: str(float(t)),
                              "boolean": str.lower}[kind](text)

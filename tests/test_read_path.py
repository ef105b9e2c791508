"""One read path (docs/decisions/0020-one-read-path.md): the REST answers are shaped from the read
queries of the library (``queries/read/*.rq``), and nothing else.

- every read query on the hand-written fixture graph, with its exact rows;
- the read model through the query text equals the read model through the embedded store's
  indexes, on the built default store;
- every REST question asked through SPARQL (the library query text, sent to ``/sparql``) on the
  same graph gives what REST answers, over real HTTP on loopback, for ``rarekg serve`` on the
  embedded store and for ``rarekg serve --backend`` on an Oxigraph server holding the same graph.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import orjson
import pyoxigraph as ox
import pytest

from api.rest.catalogue import load_catalogue
from api.rest.centres import centre_detail
from api.rest.entities import entity_detail
from api.rest.ids import entity_id, local_id
from api.rest.trials import trial_detail
from api.rest.views import centre_rows, trial_rows
from kg.core.errors import QueryError
from kg.core.vocab import BASE, DCTERMS, RDFS, RKG, SCHEMA, SKOS
from kg.store import queries
from kg.store.backends import inline_bindings, with_prefixes
from kg.store.embedded import EmbeddedStore

V1 = "/api/v1"
FIXTURE_TRIALS = ["trial/NCT001", "trial/NCT002", "trial/NCT003"]


def short(term: Any) -> str:
    return term.value.replace(BASE + "ontology/", "rkg:").replace(BASE, "")


def rows(store: Any, name: str, **values: str) -> list[tuple[str, ...]]:
    got = queries.run(store, name, {k: ox.NamedNode(v) for k, v in values.items()})
    return [tuple(short(v) for v in r.values()) for r in got]


# -- the read queries on the fixture graph ------------------------------------------------------------

def test_read_queries_on_the_fixture_graph(query_fixture_store) -> None:  # type: ignore[no-untyped-def]
    s = query_fixture_store
    assert sorted(queries.library(queries.READ_DIR)) == [
        "alteration-requirements", "centre-partners", "column-of-type", "entity-classes", "entity-column", "evidence-count", "evidence-domain-pairs", "excluded-entities", "node-facts", "node-referrers",
        "nodes-of-type", "object-facts", "property-column", "publications-at-centre", "referrer-facts", "trials-of-centre"]
    assert [r[-1] for r in rows(s, "nodes-of-type", **{"class": str(RKG.ClinicalTrial.value)})] == FIXTURE_TRIALS
    assert [r[0] for r in rows(s, "entity-classes")] == [
        "entity/oncotree/GIST", "entity/orpha/100", "entity/orpha/200", "entity/orpha/300", "entity/orpha/900",
        "subgroup/gist-kit-exon11", "subgroup/gist-kit-mutant", "subgroup/kit-basket", "subgroup/liposarcoma-mdm2"]
    facts = rows(s, "node-facts", node=BASE + "trial/NCT003")
    assert ("trial/NCT003", "http://purl.org/dc/terms/title", "Liposarcoma study") in facts
    assert sorted(r[-1] for r in rows(s, "node-referrers", node=BASE + "entity/orpha/200",
                                      predicate=RDFS.subClassOf.value)) == ["subgroup/gist-kit-mutant"]
    assert rows(s, "alteration-requirements", **{"class": BASE + "subgroup/gist-kit-mutant"}) == [
        ("subgroup/gist-kit-mutant", "alteration/kit-mutation")]
    assert rows(s, "alteration-requirements", **{"class": BASE + "entity/orpha/200"}) == []
    titles = rows(s, "column-of-type", **{"class": RKG.ClinicalTrial.value, "predicate": DCTERMS.title.value})
    assert sorted(r[2:] for r in titles) == [("trial/NCT001", "Drug A in GIST"),
                                            ("trial/NCT002", "KIT inhibitor basket trial"),
                                            ("trial/NCT003", "Liposarcoma study")]
    codes = rows(s, "entity-column", predicate=RKG.oncotreeCode.value)
    assert [r[1:] for r in codes] == [("entity/oncotree/GIST", "GIST")]
    assert rows(s, "evidence-count") == [("13",)]
    assert ("centre/alpha", "domain/G1") in rows(s, "evidence-domain-pairs")
    assert rows(s, "excluded-entities") == []
    sites = rows(s, "object-facts", node=BASE + "trial/NCT001", predicate=RKG.hasSite.value)
    assert {r[2] for r in sites} == {"site/NCT001/1", "site/NCT001/2"} and all(r[0] == "trial/NCT001" for r in sites)
    site = [r[3:] for r in sites if r[2] == "site/NCT001/1"]
    assert sorted(site) == sorted(r[1:] for r in rows(s, "node-facts", node=BASE + "site/NCT001/1"))
    evidence = rows(s, "referrer-facts", node=BASE + "centre/beta", predicate=RKG.aboutProvider.value)
    assert {r[2] for r in evidence} == {"evidence/m-beta-g1", "evidence/trial/NCT003/beta", "evidence/publication/111/beta"}
    assert rows(s, "publications-at-centre", centre=BASE + "centre/gamma") == [("centre/gamma", "publication/pmid/111")]
    assert rows(s, "trials-of-centre", centre=BASE + "centre/alpha") == [
        ("centre/alpha", "trial/NCT001"), ("centre/alpha", "trial/NCT002"), ("centre/alpha", "trial/NCT003")]
    at = rows(s, "property-column", predicate=RKG.atProvider.value)
    assert ("site/NCT001/1", "centre/alpha") in at
    assert sorted(at) == sorted((short(x["s"]), short(x["o"])) for x in s.select(
        "SELECT ?s ?o WHERE { ?s rkg:atProvider ?o }"))
    assert sorted(queries.column(s, "rkg:isBasket", entities=True)) == [(BASE + "subgroup/kit-basket", "true")]
    assert list(queries.column(s, "rkg:atProvider", of_type="rkg:ClinicalTrial")) == []
    with pytest.raises(QueryError, match="not a CURIE"):
        list(queries.column(s, "nowhere:x"))
    partners = {(r[1], r[2], r[3]) for r in rows(s, "centre-partners", centre=BASE + "centre/beta")}
    assert partners == {("trial", "trial/NCT003", "centre/alpha"), ("publication", "publication/pmid/111", "centre/gamma")}


def test_a_parameter_the_answer_does_not_repeat_is_written_into_the_text() -> None:
    assert queries._projection("# c\nSELECT DISTINCT ?a ?b WHERE { ?a ?p ?b }") == {"a", "b"}
    assert queries._projection("SELECT ?n (COUNT(*) AS ?c) { ?n ?p ?o } GROUP BY ?n") == {"n", "c"}
    assert queries._projection("SELECT * WHERE { ?s ?p ?o }") is None
    assert queries._projection("ASK { ?s ?p ?o }") is None


def test_a_read_query_names_a_wrong_parameter(query_fixture_store) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(QueryError, match="'colour' is not declared"):
        queries.run(query_fixture_store, "node-facts", {"node": RKG.phase, "colour": RKG.phase})
    with pytest.raises(QueryError, match="'node' is missing"):
        queries.run(query_fixture_store, "node-facts", {})


def test_read_model_through_the_query_text_equals_the_indexes(built_store_path: Path) -> None:
    store = EmbeddedStore(built_store_path, read_only=True)
    try:
        indexed, queried = load_catalogue(store), load_catalogue(store, via_queries=True)
        assert queried.store is None and indexed.store is store
        assert (queried.entities, queried.centres, queried.trials, queried.publications, queried.domains) == (
            indexed.entities, indexed.centres, indexed.trials, indexed.publications, indexed.domains)
        assert centre_rows(queried) == centre_rows(indexed)
        assert [orjson.dumps(t.json) for t in trial_rows(queried)] == [orjson.dumps(t.json) for t in trial_rows(indexed)]
        for e in indexed.entities[::25] + [BASE + "entity/orpha/44890"]:
            assert entity_detail(queried, e) == entity_detail(indexed, e), e
        for c in indexed.centres[::10]:
            assert centre_detail(queried, c) == centre_detail(indexed, c), c
        for t in indexed.trials[::5]:
            assert trial_detail(queried, t) == trial_detail(indexed, t), t
    finally:
        store.close()


# -- REST against SPARQL over real HTTP ------------------------------------------------------------------

@pytest.fixture(scope="module")
def remote_server(built_store_path: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """`rarekg serve --backend` on loopback over an Oxigraph server holding the built default graph."""
    from services import oxigraph_binary, require, serving, start_oxigraph

    service = start_oxigraph(tmp_path_factory.mktemp("oxigraph-read"), require(oxigraph_binary(), "the oxigraph server"))
    try:
        store = EmbeddedStore(built_store_path, read_only=True)
        dump = io.BytesIO()
        store.dump(dump, "nquads")
        store.close()
        r = httpx.post(service.url + "store", content=dump.getvalue(), timeout=300,
                       headers={"Content-Type": "application/n-quads"})
        assert r.status_code in (200, 204), r.text
        yield from serving(built_store_path, "--no-build", "--backend", service.url, env=service.env)
    finally:
        service.stop()


@pytest.fixture(scope="module", params=["embedded", "remote"])
def api(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    base = request.getfixturevalue("server" if request.param == "embedded" else "remote_server")
    with httpx.Client(base_url=base, timeout=120) as client:
        yield client


def sparql(api: httpx.Client, name: str, **values: str) -> list[dict[str, str]]:
    """Read query ``name`` through ``/sparql``: its library text, the parameters bound as a server gets them."""
    text = queries.read_query(name).text
    bound = inline_bindings(text, {k: ox.NamedNode(v) for k, v in values.items()})
    r = api.post("/sparql", data={"query": with_prefixes(bound)}, headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.text
    return [{k: v["value"] for k, v in b.items()} for b in r.json()["results"]["bindings"]]


def facts(api: httpx.Client, node: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for row in sparql(api, "node-facts", node=node):
        out.setdefault(row["p"], []).append(row["o"])
    return out


def referrers(api: httpx.Client, node: str, predicate: Any) -> list[str]:
    return [r["s"] for r in sparql(api, "node-referrers", node=node, predicate=predicate.value)]


def typed(api: httpx.Client, cls: Any) -> list[str]:
    return [r["node"] for r in sparql(api, "nodes-of-type", **{"class": cls.value})]


def get(api: httpx.Client, path: str, **params: Any) -> Any:
    r = api.get(path, params=params or None)   # an empty dict would drop the query of a `next` link
    assert r.status_code == 200, (path, r.text[:300])
    return r.json()


def every(api: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a paged REST list."""
    items, page = [], get(api, path, limit=100, **params)
    for _ in range(10_000):
        items += page["items"]
        if not page["page"]["next"]:
            assert len(items) == page["page"]["total"]
            return items
        page = get(api, page["page"]["next"])
    raise AssertionError(f"{path}: more than 10,000 pages")


def test_entities_list_search_and_stats(api: httpx.Client) -> None:
    entities = [r["entity"] for r in sparql(api, "entity-classes")]
    listed = get(api, f"{V1}/entities", limit=100)
    assert listed["page"]["total"] == len(entities)
    assert [i["iri"] for i in listed["items"]] == entities[:100]
    stats = get(api, f"{V1}/stats")
    assert stats["entities"]["total"] == len(entities)
    assert stats["centres"] == len(typed(api, RKG.HealthcareProvider))
    assert stats["trials"] == len(typed(api, RKG.ClinicalTrial))
    assert stats["publications"] == len(typed(api, RKG.Publication))
    assert stats["domains"] == len(typed(api, RKG.CancerDomain))
    assert stats["evidence"] == int(sparql(api, "evidence-count")[0]["n"])
    with_domain = {r["node"] for r in sparql(api, "entity-column", predicate=RKG.inDomain.value)}
    assert stats["entitiesWithDomain"] == len(with_domain)
    gist = get(api, f"{V1}/entities", q="GIST", limit=5)["items"]
    codes = {r["node"] for r in sparql(api, "entity-column", predicate=RKG.oncotreeCode.value) if r["value"] == "GIST"}
    assert codes and codes <= {i["iri"] for i in gist}


@pytest.mark.parametrize("entity", ["ORPHA:44890", "ORPHA:3394", "oncotree:GIST"])
def test_entity_detail_and_trials(api: httpx.Client, entity: str) -> None:
    d = get(api, f"{V1}/entities/{entity}")
    iri = d["iri"]
    f = facts(api, iri)
    assert d["label"] in f[RDFS.label.value] and d["definition"] in f.get(SKOS.definition.value, [None])
    assert sorted(s["text"] for s in d["synonyms"]) == sorted(f.get(SKOS.altLabel.value, []))
    entities = {r["entity"] for r in sparql(api, "entity-classes")}
    assert [p["id"] for p in d["parents"]] == sorted(
        entity_id(p) for p in {x for x in f.get(RDFS.subClassOf.value, []) if x in entities})
    children = [c for c in referrers(api, iri, RDFS.subClassOf) if c in entities]
    assert sorted([c["id"] for c in d["children"]] + [s["id"] for s in d["molecularSubgroups"]]) == sorted(
        entity_id(c) for c in children)
    for sub in d["molecularSubgroups"]:
        need = [r["alteration"] for r in sparql(api, "alteration-requirements", **{"class": BASE + sub["id"].replace(":", "/")})]
        assert [a["id"] for a in sub["alterations"]] == [a[len(BASE):] for a in need]
    assert {x["id"] for x in d["domains"]} >= {local_id(x, "domain") for x in f.get(RKG.inDomain.value, [])}
    trials = every(api, f"{V1}/entities/{entity}/trials")
    direct = {local_id(t, "trial") for t in referrers(api, iri, RKG.studiesEntity)}
    assert {t["id"] for t in trials if t["distance"] == 0} == direct
    for t in trials[:5]:
        tf = facts(api, t["iri"])
        assert t["status"] in tf.get(RKG.overallStatus.value, [None])
        assert t["sites"] == len(tf.get(RKG.hasSite.value, []))


def test_centres_list_and_detail(api: httpx.Client) -> None:
    centres = every(api, f"{V1}/centres")
    assert [c["iri"] for c in centres] == typed(api, RKG.HealthcareProvider)
    country = {r["node"]: r["value"] for r in sparql(api, "column-of-type", **{
        "class": RKG.HealthcareProvider.value, "predicate": SCHEMA.addressCountry.value})}
    assert {c["iri"]: c["country"] for c in centres if c["country"]} == country
    fr = every(api, f"{V1}/centres", country="FR")
    assert {c["iri"] for c in fr} == {c for c, k in country.items() if k == "FR"}
    for centre in [c for c in centres if c["memberships"]][:3] + centres[:2]:
        d = get(api, f"{V1}/centres/{centre['id']}")
        f = facts(api, centre["iri"])
        assert d["label"] in f[RDFS.label.value] and d["aliases"] == sorted(f.get(SKOS.altLabel.value, []))
        sites = referrers(api, centre["iri"], RKG.atProvider)
        trials = sorted({t for s in sites for t in referrers(api, s, RKG.hasSite)})
        assert [t["iri"] for t in d["trials"]] == trials
        evidence = referrers(api, centre["iri"], RKG.aboutProvider)
        assert sum(d["evidenceCounts"].values()) == len(evidence)
        assert len(d["memberships"]) == len(f.get("http://www.w3.org/ns/org#hasMembership", []))


def test_trials_list_and_detail(api: httpx.Client) -> None:
    trials = every(api, f"{V1}/trials")
    assert [t["iri"] for t in trials] == typed(api, RKG.ClinicalTrial)
    status = {r["node"]: r["value"] for r in sparql(api, "column-of-type", **{
        "class": RKG.ClinicalTrial.value, "predicate": RKG.overallStatus.value})}
    assert {t["iri"]: t["status"] for t in trials if t["status"]} == status
    for t in trials[:: max(1, len(trials) // 6)]:
        d = get(api, f"{V1}/trials/{t['id']}")
        f = facts(api, t["iri"])
        assert d["title"] in f.get(DCTERMS.title.value, [None])
        assert d["identifiers"] == sorted(f.get(DCTERMS.identifier.value, []))
        assert len(d["sites"]) == len(f.get(RKG.hasSite.value, []))
        assert sorted(e["id"] for e in d["entities"]) == sorted(entity_id(e) for e in f.get(RKG.studiesEntity.value, []))


def test_publication_domains_coverage(api: httpx.Client) -> None:
    pubs = typed(api, RKG.Publication)
    for p in pubs[:: max(1, len(pubs) // 4)]:
        d = get(api, f"{V1}/publications/{quote(local_id(p, 'publication'))}")
        f = facts(api, p)
        assert d["title"] in f.get(DCTERMS.title.value, [None]) and len(d["authors"]) == len(f.get(RKG.hasAuthorship.value, []))
    domains = get(api, f"{V1}/domains")["items"]
    assert sorted(d["iri"] for d in domains) == typed(api, RKG.CancerDomain)
    for d in domains:
        assert d["entities"] == len(referrers(api, d["iri"], RKG.inDomain))
    cov = get(api, f"{V1}/coverage")
    assert cov["excludedEntities"] == [{"category": r["category"], "entities": int(r["n"])}
                                       for r in sparql(api, "excluded-entities")]
    pairs = sparql(api, "evidence-domain-pairs")
    country = {r["node"]: r["value"] for r in sparql(api, "column-of-type", **{
        "class": RKG.HealthcareProvider.value, "predicate": SCHEMA.addressCountry.value})}
    for cell in cov["cells"][:: max(1, len(cov["cells"]) // 20)]:
        assert cell["providersWithEvidence"] == len({p["c"] for p in pairs if p["d"] == BASE + "domain/" + cell["domain"]
                                                      and country.get(p["c"], "") == cell["country"]})


def test_fhir_reads_and_searches(api: httpx.Client) -> None:
    centres = typed(api, RKG.HealthcareProvider)
    org = get(api, f"/fhir/Organization/{local_id(centres[0], 'centre')}")
    assert org["name"] in facts(api, centres[0])[RDFS.label.value]
    gist = BASE + "entity/orpha/44890"
    studies = get(api, "/fhir/ResearchStudy", condition="ORPHA:44890", _count=100)
    assert studies["total"] == len(referrers(api, gist, RKG.studiesEntity))
    trial = typed(api, RKG.ClinicalTrial)[0]
    study = get(api, f"/fhir/ResearchStudy/{local_id(trial, 'trial')}")
    assert study["title"] in facts(api, trial).get(DCTERMS.title.value, [study["title"]])

"""Real SPARQL clients against the endpoint over loopback: SPARQLWrapper and rdflib's SPARQLStore."""

from __future__ import annotations

import urllib.error

import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, POST, TURTLE, XML, SPARQLWrapper

DOMAINS = ("PREFIX rkg: <https://w3id.org/rarekg/ontology/> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
           "SELECT ?n WHERE { ?d a rkg:CancerDomain ; skos:notation ?n } ORDER BY ?n")




@pytest.mark.parametrize("fmt,method", [(JSON, "GET"), (XML, "GET"), (JSON, POST), (CSV, "GET")])
def test_sparqlwrapper_select(server: str, fmt: str, method: str) -> None:
    client = SPARQLWrapper(server + "/sparql")
    client.setQuery(DOMAINS)
    client.setReturnFormat(fmt)
    client.setMethod(method)
    result = client.query()
    if fmt == JSON:
        notations = [b["n"]["value"] for b in result.convert()["results"]["bindings"]]
    elif fmt == XML:
        notations = [n.firstChild.data for n in result.convert().getElementsByTagName("literal")]
    else:
        notations = result.convert().decode().split("\r\n")[1:-1]
    assert notations == sorted(f"G{i}" for i in range(1, 11))


def test_sparqlwrapper_construct_and_ask(server: str) -> None:
    client = SPARQLWrapper(server + "/sparql")
    client.setQuery("CONSTRUCT { ?d <http://www.w3.org/2004/02/skos/core#notation> ?n } WHERE "
                    "{ ?d a <https://w3id.org/rarekg/ontology/CancerDomain> ; "
                    "<http://www.w3.org/2004/02/skos/core#notation> ?n }")
    client.setReturnFormat(TURTLE)
    g = rdflib.Graph().parse(data=client.query().convert(), format="turtle")
    assert len(g) == 10
    client.setQuery("ASK { <https://w3id.org/rarekg/domain/G7> ?p ?o }")
    client.setReturnFormat(JSON)
    assert client.query().convert()["boolean"] is True


def test_sparqlwrapper_update_refused(server: str) -> None:
    client = SPARQLWrapper(server + "/sparql")
    client.setMethod(POST)
    client.setQuery("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    with pytest.raises(urllib.error.HTTPError) as info:  # SPARQLWrapper passes 403 through as is
        client.query()
    assert info.value.code == 403


def test_rdflib_sparqlstore(server: str) -> None:
    graph = rdflib.Graph(store=SPARQLStore(server + "/sparql", returnFormat="json"))
    rows = list(graph.query(DOMAINS))
    assert [str(r.n) for r in rows] == sorted(f"G{i}" for i in range(1, 11))
    clb = rdflib.URIRef("https://w3id.org/rarekg/centre/centre-leon-berard")
    assert str(graph.value(clb, rdflib.RDFS.label)) == "Centre Léon Bérard"
    assert (clb, rdflib.RDF.type, rdflib.URIRef("https://w3id.org/rarekg/ontology/HealthcareProvider")) in graph

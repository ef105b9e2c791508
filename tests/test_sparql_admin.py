"""The write side of /sparql over real HTTP: updates with the admin token, seen by every reader;
and 503 when every query worker stays busy. A server of its own over a copy of the built store,
since these tests change it."""

from __future__ import annotations

import concurrent.futures
import shutil
from pathlib import Path

import httpx
import pytest
from services import start_rarekg, stop_process, wait_ready

TOKEN = "s3cret-admin-token"
G = "https://w3id.org/rarekg/graph/notes"
S = "https://w3id.org/rarekg/note/1"
LOOKUP = f"SELECT ?l WHERE {{ <{S}> rdfs:label ?l }}"                     # answered by the HTTP process
JOINED = f"SELECT ?l WHERE {{ <{S}> rdfs:label ?l ; a ?t }} ORDER BY ?l"  # answered by a query worker
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
JSON = {"Accept": "application/sparql-results+json"}


@pytest.fixture(scope="module")
def admin_server(built_store_path: Path, tmp_path_factory: pytest.TempPathFactory):
    store = tmp_path_factory.mktemp("admin") / "store"
    shutil.copytree(built_store_path, store)
    proc, base = start_rarekg(store, "--no-build", env={
        "RAREKG_ADMIN_TOKEN": TOKEN, "RAREKG_PROCESSES": "2", "RAREKG_QUERY_WORKERS": "1",
        "RAREKG_QUERY_TIMEOUT_S": "3"})
    try:
        wait_ready(proc, base, 60)
        yield base
    finally:
        stop_process(proc)


def update(base: str, text: str, token: str | None) -> httpx.Response:
    headers = {"Content-Type": "application/sparql-update"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.post(f"{base}/sparql", content=text, headers=headers, timeout=30)


def labels(base: str, query: str) -> set[str]:
    r = httpx.get(f"{base}/sparql", params={"query": query}, headers=JSON, timeout=30)
    assert r.status_code == 200, r.text
    return {b["l"]["value"] for b in r.json()["results"]["bindings"]}


def test_updates_need_the_admin_token(admin_server: str) -> None:
    insert = f'INSERT DATA {{ GRAPH <{G}> {{ <{S}> rdfs:label "never" ; a <https://example.org/Note> }} }}'
    assert update(admin_server, insert, None).status_code == 403
    assert update(admin_server, insert, "wrong").status_code == 403
    r = update(admin_server, "INSERT DATA { GRAPH <x> { ", TOKEN)
    assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem+json")
    assert labels(admin_server, LOOKUP) == set()


def test_an_update_is_seen_by_every_process_and_query_worker(admin_server: str) -> None:
    insert = f'INSERT DATA {{ GRAPH <{G}> {{ <{S}> rdfs:label "first note" ; a <https://example.org/Note> }} }}'
    r = update(admin_server, insert, TOKEN)
    assert r.status_code == 204, r.text
    # two HTTP processes answer in turn: every answer, in-process lookup or worker, sees the update
    for _ in range(12):
        assert labels(admin_server, LOOKUP) == {"first note"}
        assert labels(admin_server, JOINED) == {"first note"}
    r = update(admin_server, f'DELETE DATA {{ GRAPH <{G}> {{ <{S}> rdfs:label "first note" }} }}', TOKEN)
    assert r.status_code == 204
    for _ in range(12):
        assert labels(admin_server, LOOKUP) == set()
        assert labels(admin_server, JOINED) == set()


def graph_triples(base: str, path: str) -> dict[str, int]:
    """``void:triples`` of every graph named in the VoID document or the service description."""
    import rdflib
    r = httpx.get(base + path, headers={"Accept": "text/turtle"}, timeout=120)
    assert r.status_code == 200, r.text
    g = rdflib.Graph().parse(data=r.text, format="turtle")
    n = rdflib.URIRef("http://rdfs.org/ns/void#triples")
    return {str(s): int(o) for s, o in g.subject_objects(n) if str(s).startswith("https://w3id.org/rarekg/graph/")}


def test_void_and_service_description_counts_follow_an_update(admin_server: str) -> None:
    counted = "https://w3id.org/rarekg/graph/counted"
    before = graph_triples(admin_server, "/.well-known/void")
    assert counted not in before and before == graph_triples(admin_server, "/sparql")
    insert = f'INSERT DATA {{ GRAPH <{counted}> {{ <{S}> rdfs:label "counted" ; a <https://example.org/Note> }} }}'
    assert update(admin_server, insert, TOKEN).status_code == 204
    try:
        for _ in range(6):   # both HTTP processes, each with its counts kept per store state
            assert graph_triples(admin_server, "/.well-known/void") == {**before, counted: 2}
            assert graph_triples(admin_server, "/sparql") == {**before, counted: 2}
    finally:
        assert update(admin_server, f"DROP SILENT GRAPH <{counted}>", TOKEN).status_code == 204
    for _ in range(4):
        assert graph_triples(admin_server, "/.well-known/void") == before


def test_busy_when_every_query_worker_stays_busy(admin_server: str) -> None:
    """Two HTTP processes with one worker each: four runaway queries leave at least one request
    waiting for a worker past the deadline (503 with Retry-After); the others are stopped (504)."""
    def runaway(_: int) -> httpx.Response:
        return httpx.get(f"{admin_server}/sparql", params={"query": RUNAWAY}, headers=JSON, timeout=60)

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(runaway, range(4)))
    statuses = sorted(r.status_code for r in answers)
    assert set(statuses) <= {503, 504} and 503 in statuses, statuses
    busy = next(r for r in answers if r.status_code == 503)
    assert busy.headers["retry-after"] == "5" and "busy" in busy.json()["detail"]
    assert labels(admin_server, f"SELECT ?l WHERE {{ <{S}> rdfs:label ?l }}") == set()  # still answering

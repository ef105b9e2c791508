"""Bounded lookups (api/lookups.py): which queries the HTTP process answers itself, and that its
answers are byte for byte those of a query worker, on the real built store and over real HTTP."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from api.backend import Backend
from api.lookups import INLINE_LIMIT, is_bounded_lookup
from api.query_job import QueryJob, WorkerError
from api.results import NotAcceptable
from api.settings import Settings
from kg.core.errors import QueryError
from kg.store.embedded import EmbeddedStore

GIST = "<https://w3id.org/rarekg/entity/orpha/44890>"

BOUNDED = [
    f"SELECT ?label WHERE {{ {GIST} <http://www.w3.org/2000/01/rdf-schema#label> ?label }}",
    f"SELECT ?l {{ {GIST} rdfs:label ?l . }}",
    f"PREFIX r: <http://www.w3.org/2000/01/rdf-schema#>\nselect * where {{ {GIST} r:label ?l }}",
    f"ASK {{ {GIST} a owl:Class }}",
    "ASK { ?s ?p ?o }",
    "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 10",
    f"SELECT ?s WHERE {{ ?s rdfs:label \"Gastrointestinal stromal tumor\"@en }} LIMIT {INLINE_LIMIT}",
    f"SELECT ?o WHERE {{ {GIST} rdfs:label ?o }} LIMIT 0",
    "SELECT ?s WHERE { ?s rdfs:label \"} . ?a ?b ?c {\" } LIMIT 5",  # braces in a literal are text
]
NOT_BOUNDED = {
    "no fixed subject, no limit": "SELECT ?s WHERE { ?s a owl:Class }",
    "limit over the bound": f"SELECT ?s ?p ?o WHERE {{ ?s ?p ?o }} LIMIT {INLINE_LIMIT + 1}",
    "fixed subject, variable predicate": f"SELECT ?p ?o WHERE {{ {GIST} ?p ?o }}",
    "two patterns": f"SELECT ?l WHERE {{ {GIST} rdfs:label ?l . {GIST} a ?t }}",
    "filter": f"SELECT ?l WHERE {{ {GIST} rdfs:label ?l FILTER(lang(?l) = 'en') }}",
    "distinct": "SELECT DISTINCT ?p WHERE { ?s ?p ?o } LIMIT 5",
    "offset": "SELECT ?s WHERE { ?s ?p ?o } LIMIT 5 OFFSET 100000",
    "order by": f"SELECT ?l WHERE {{ {GIST} rdfs:label ?l }} ORDER BY ?l",
    "repeated variable": "SELECT ?x WHERE { ?x ?p ?x } LIMIT 5",
    "property path": f"SELECT ?a WHERE {{ {GIST} rdfs:subClassOf* ?a }}",
    "graph": f"SELECT ?l WHERE {{ GRAPH ?g {{ {GIST} rdfs:label ?l }} }}",
    "from": f"SELECT ?l FROM <https://w3id.org/rarekg/graph/orphanet> WHERE {{ {GIST} rdfs:label ?l }}",
    "comment": f"SELECT ?l WHERE {{ {GIST} rdfs:label ?l }} # LIMIT 5",
    "sub-select": f"SELECT ?l WHERE {{ {{ SELECT ?l WHERE {{ {GIST} rdfs:label ?l }} }} }}",
    "construct": f"CONSTRUCT WHERE {{ {GIST} rdfs:label ?l }}",
    "describe": f"DESCRIBE {GIST}",
    "aggregate": f"SELECT (COUNT(*) AS ?n) WHERE {{ {GIST} rdfs:label ?l }}",
    "projects an unbound variable": f"SELECT ?x WHERE {{ {GIST} rdfs:label ?l }}",
    "escapes in a literal": "SELECT ?s WHERE { ?s rdfs:label \"a\\\" . ?s ?p ?o . ?s ?q \\\"b\" } LIMIT 5",
}


@pytest.mark.parametrize("query", BOUNDED)
def test_bounded_lookups_are_recognised(query: str) -> None:
    assert is_bounded_lookup(query)


@pytest.mark.parametrize("why", sorted(NOT_BOUNDED))
def test_other_queries_go_to_a_query_worker(why: str) -> None:
    assert not is_bounded_lookup(NOT_BOUNDED[why]), why


def _answers(store_path: Path, jobs: list[QueryJob]) -> list[tuple[object, object]]:
    """Each job answered by Backend.lookup and by a query worker: (answer or error, same)."""
    backend = Backend(EmbeddedStore(store_path, read_only=True), Settings(store=store_path, query_workers=1))

    def outcome(exc: Exception) -> tuple[str, str]:
        if isinstance(exc, WorkerError):
            return ("error", exc.detail)
        return ("error", str(exc))

    async def run() -> list[tuple[object, object]]:
        await backend.runner.start()
        out = []
        try:
            for job in jobs:
                assert backend.can_look_up(job), job.query
                try:
                    here: object = backend.lookup(job)
                except (QueryError, NotAcceptable) as exc:
                    here = outcome(exc)
                try:
                    there: object = await backend.runner.run(job)
                except WorkerError as exc:
                    there = outcome(exc)
                out.append((here, there))
        finally:
            await backend.runner.close()
        return out

    return asyncio.run(run())


def test_lookups_answer_exactly_as_a_query_worker(built_store_path: Path) -> None:
    jobs = [QueryJob(q, None, None, fmt, None, 100_000) for q in BOUNDED for fmt in ("json", "xml", "csv", "tsv")]
    jobs.append(QueryJob("SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 10", None, None, "json", None, 3))  # row cap
    jobs.append(QueryJob(f"SELECT ?l WHERE {{ {GIST} nope:label ?l }}", None, None, "json", None, 10))  # bad prefix
    jobs.append(QueryJob(f"ASK {{ {GIST} a owl:Class }}", None, None, None, "turtle", 10))  # not acceptable
    pairs = _answers(built_store_path, jobs)
    for job, (here, there) in zip(jobs, pairs, strict=True):
        assert here == there, job
    bodies = [here.body for here, _ in pairs if not isinstance(here, tuple)]
    assert any(b"Gastrointestinal stromal tumor" in b for b in bodies)
    capped = pairs[-3][0]
    assert not isinstance(capped, tuple) and capped.rows == 3 and capped.truncated


def test_the_server_answers_lookups_itself(server: str) -> None:
    q = f"SELECT ?l WHERE {{ {GIST} rdfs:label ?l }}"
    r = httpx.get(f"{server}/sparql", params={"query": q}, headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200
    assert {b["l"]["value"] for b in r.json()["results"]["bindings"]} >= {"Gastrointestinal stromal tumor"}
    # the health answer comes from whichever HTTP process accepts it: ask until one has answered a lookup
    counts = {httpx.get(f"{server}/health").json()["bounded_lookups"] for _ in range(20)}
    assert max(counts) >= 1

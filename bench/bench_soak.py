"""A bounded soak of ``rarekg serve``: 16 connections for 60 s mixing REST, SPARQL and two runaway
queries; latency per kind, errors, and the memory of the whole process tree.

    .venv/bin/python bench/bench_soak.py --store STORE [--seconds 60] [--timeout 10] [--seed 15]

The server runs with its default settings except the query deadline (``RAREKG_QUERY_TIMEOUT_S``,
``--timeout``, 10 s here so that a 60 s soak sees several runaway queries killed; the default is
30 s). Of the 16 keep-alive connections (one httpx+asyncio client, which shares the 2 cores with
the server), two send nothing but runaway queries, one of each kind, back to back:

* ``runaway-count``: ``COUNT(*)`` over the cross join of every triple with every triple (billions of
  solutions at scale 1, constant memory);
* ``runaway-filter``: ``ASK`` over a three-way cross join with a filter no solution passes.

Each should end in the deadline's 504 problem while the other fourteen connections keep being
answered. Those cycle through four kinds, each request a question not asked before in the run:

* ``rest-referral``: ``GET /api/v1/entities/{id}/centres`` for a random entity and location;
* ``rest-entity``: ``GET /api/v1/entities/{id}`` for a random entity;
* ``sparql-point``: the label of a random entity (answered by the HTTP process, ``api/lookups.py``);
* ``sparql-library``: ``centres-for-entity`` for a random entity (a query worker).

Errors: any answer of a normal kind other than 200 (or a failed request), and any answer of a
runaway kind other than 504. A sampler sums the RSS of the server's process tree every 0.1 s
(:class:`bench_serve.Sampler`). After the soak ``/health`` must answer, and tells how many
workers the deadline killed. Prints one table per kind and the memory table.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import quote

import _common  # noqa: F401  (puts the repository and tests/ on sys.path)
import httpx
from _common import p50_p99, table
from bench_rest import all_entities, bound, centres_query
from bench_serve import Sampler, total_rss, tree
from services import start_rarekg, stop_process, wait_ready

CONNECTIONS = 16
RUNAWAY = {
    "runaway-count": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }",
    "runaway-filter": 'ASK { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i FILTER(STR(?c) = CONCAT(STR(?f), STR(?i), "#")) }',
}
NORMAL = ("rest-referral", "rest-entity", "sparql-point", "sparql-library")
SPARQL_JSON = {"Accept": "application/sparql-results+json"}


class Soak:
    """The questions, the clock and what came back."""

    def __init__(self, entities: list[str], seconds: float, seed: int, runaways: bool = True) -> None:
        from api.rest.ids import entity_iri
        self.rng, self.entities, self.iri = random.Random(seed), entities, entity_iri
        self.library, self.runaways = centres_query(), runaways
        self.until = time.monotonic() + seconds
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def request(self, kind: str) -> tuple[str, str, dict[str, str] | None, dict[str, str]]:
        """(method, path, form, headers) of a new question of ``kind``."""
        entity = self.rng.choice(self.entities)
        if kind == "rest-referral":
            lat, lon = round(self.rng.uniform(35, 70), 5), round(self.rng.uniform(-10, 30), 5)
            return "GET", f"/api/v1/entities/{quote(entity, safe=':')}/centres?lat={lat}&lon={lon}", None, {}
        if kind == "rest-entity":
            return "GET", f"/api/v1/entities/{quote(entity, safe=':')}", None, {}
        if kind == "sparql-point":
            query = f"SELECT ?l WHERE {{ <{self.iri(entity)}> <http://www.w3.org/2000/01/rdf-schema#label> ?l }}"
            return "POST", "/sparql", {"query": query}, SPARQL_JSON
        if kind == "sparql-library":
            return "POST", "/sparql", {"query": bound(self.library, self.iri(entity))}, SPARQL_JSON
        return "POST", "/sparql", {"query": RUNAWAY[kind]}, SPARQL_JSON

    async def connection(self, client: httpx.AsyncClient, kinds: tuple[str, ...]) -> None:
        turn = self.rng.randrange(len(kinds))
        while time.monotonic() < self.until:
            kind = kinds[turn % len(kinds)]
            turn += 1
            method, path, form, headers = self.request(kind)
            expected = 504 if kind in RUNAWAY else 200
            t = time.perf_counter()
            try:
                r = await client.request(method, path, data=form, headers=headers)
                outcome = None if r.status_code == expected else str(r.status_code)
            except httpx.HTTPError as exc:
                outcome = type(exc).__name__
            self.times[kind].append((time.perf_counter() - t) * 1000)
            if outcome:
                self.errors[kind][outcome] += 1

    async def run(self, base: str) -> None:
        limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120) as client:
            plans = [(k,) for k in RUNAWAY] if self.runaways else []
            plans += [NORMAL] * (CONNECTIONS - len(plans))
            await asyncio.gather(*(self.connection(client, kinds) for kinds in plans))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--store", type=Path, required=True, help="a built on-disk store")
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--timeout", type=float, default=10, help="RAREKG_QUERY_TIMEOUT_S of the server")
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--no-runaways", action="store_true", help="all 16 connections on the normal kinds (a control)")
    args = ap.parse_args()
    entities = all_entities(args.store)
    proc, base = start_rarekg(args.store, "--no-build", env={"RAREKG_QUERY_TIMEOUT_S": f"{args.timeout:g}"})
    sampler = Sampler(proc.pid)
    sampler.start()
    try:
        ready = wait_ready(proc, base, 1800)
        idle = total_rss(tree(proc.pid))
        load0 = os.getloadavg()[0]
        soak = Soak(entities, args.seconds, args.seed, runaways=not args.no_runaways)
        t0 = time.monotonic()
        asyncio.run(soak.run(base))
        elapsed = time.monotonic() - t0
        health = httpx.get(base + "/health", timeout=30)
        final = tree(proc.pid)
        sampler.peak = max(sampler.peak, total_rss(final))
    finally:
        sampler.done.set()
        stop_process(proc)
    print(f"{CONNECTIONS} connections for {elapsed:.1f} s (asked {args.seconds:g} s; the last runaway answers "
          f"end it) against `rarekg serve` over {args.store}, query deadline {args.timeout:g} s, "
          f"{len(entities)} entities; load average {load0:.1f} before, {os.getloadavg()[0]:.1f} after, "
          f"{os.cpu_count()} cores; ready after {ready:.1f} s")
    rows = []
    for kind in (*NORMAL, *RUNAWAY):
        times = soak.times.get(kind, [])
        p50, p99 = p50_p99(times) if times else (float("nan"), float("nan"))
        errors = ", ".join(f"{n}× {what}" for what, n in sorted(soak.errors[kind].items())) or "0"
        rows.append([kind, "504" if kind in RUNAWAY else "200", len(times), f"{len(times) / elapsed:.1f}",
                     f"{p50:.1f}", f"{p99:.1f}", errors])
    print(table(["kind", "expected", "requests", "req/s", "p50 ms", "p99 ms", "errors"], rows))
    print(f"\n/health after the soak: {health.status_code} {health.text}")
    print(table(["process", "RSS MB at the end", "peak MB"],
                [[role, f"{rss:.0f}", f"{peak:.0f}"] for rss, peak, role in final.values()]))
    print(f"\nwhole tree: {idle:.0f} MB idle before the soak, {total_rss(final):.0f} MB at the end, sampled peak "
          f"{sampler.peak:.0f} MB; sum of the processes' peaks {sum(p for _, p, _ in final.values()):.0f} MB")


if __name__ == "__main__":
    main()

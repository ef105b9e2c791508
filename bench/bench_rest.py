"""Throughput of the REST referral endpoint beside the Oxigraph server answering the equivalent
raw SPARQL, same run, same data, loopback, 16 keep-alive connections, bounded time (wrk).

    .venv/bin/python bench/bench_rest.py --store /path/to/built/store [--seconds 10] [--entities 50]

Picks ``--entities`` varied cancer entities (those with the most evidence first, then others), and
has wrk cycle through their URLs (a Lua script): ``/api/v1/entities/{id}/centres`` on ``rarekg
serve``, and on ``oxigraph serve-read-only`` the query library's ``centres-for-entity`` with the
entity bound (the evidence of the entity, its subtypes and ancestors; the REST answer adds the
ranking, distance and open trials on top). Also runs ``/api/v1/entities/{id}`` (entity detail) for
comparison. Prints requests/s, p50/p99 and the target (≥ 1 500 req/s, p99 ≤ 50 ms).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import quote, urlencode

import httpx
from bench_endpoint import BIN, CONNECTIONS, free_port, oxigraph_copy, start, stop, wait_ready, wrk_figures

REPO = Path(__file__).resolve().parent.parent
_EVIDENCED = """SELECT ?e (COUNT(?x) AS ?n) WHERE { ?x rkg:aboutEntity ?e } GROUP BY ?e ORDER BY DESC(?n) ?e"""


def entity_ids(store: Path, count: int) -> list[tuple[str, str]]:
    """(REST id, IRI) of ``count`` entities: evidenced ones first, then Orphanet diseases."""
    from api.rest.ids import entity_id
    from kg.store import EmbeddedStore
    s = EmbeddedStore(store, read_only=True)
    rows = [r["e"].value for r in s.select(_EVIDENCED)]
    more = [r["e"].value for r in s.select(
        "SELECT ?e WHERE { ?e rkg:disorderType \"Disease\" ; rkg:inDomain ?d } ORDER BY ?e LIMIT 200")]
    iris = list(dict.fromkeys(rows + more))[:count]
    return [(entity_id(i), i) for i in iris]


def lua(paths: list[str], accept: str) -> str:
    items = ",\n".join(f'  "{p}"' for p in paths)
    return (f"local paths = {{\n{items}\n}}\nlocal i = 0\n"
            f'wrk.headers["Accept"] = "{accept}"\n'
            "request = function()\n  i = i % #paths + 1\n  return wrk.format(\"GET\", paths[i])\nend\n")


def run(base: str, paths: list[str], seconds: float, accept: str, work: Path) -> dict[str, float]:
    script = work / f"paths-{abs(hash(tuple(paths)))}.lua"
    script.write_text(lua(paths, accept))
    out = subprocess.run(["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{int(seconds)}s", "--latency", "-s", str(script),
                          base], capture_output=True, text=True, check=True).stdout
    return wrk_figures(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", type=Path, required=True)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--entities", type=int, default=50)
    ap.add_argument("--processes", type=int, default=2)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rarekg-bench-rest-"))
    oxigraph_copy(args.store, work)
    entities = entity_ids(args.store, args.entities)
    query = (REPO / "queries" / "centres-for-entity.rq").read_text()
    prefixes = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in __import__("kg.vocab", fromlist=["PREFIXES"]).PREFIXES.items())
    ox_paths = ["/query?" + urlencode({"query": prefixes + query + f"\nVALUES ?entity {{ <{iri}> }}"})
                for _, iri in entities]
    rest_paths = [f"/api/v1/entities/{quote(i, safe=':')}/centres" for i, _ in entities]
    detail_paths = [f"/api/v1/entities/{quote(i, safe=':')}" for i, _ in entities]
    ox_port, rk_port = free_port(), free_port()
    ox = start([str(BIN / "oxigraph"), "serve-read-only", "--location", str(work / "ox"),
                "--bind", f"127.0.0.1:{ox_port}", "--union-default-graph"])
    rk = start([str(BIN / "rarekg"), "serve", "--store", str(args.store), "--port", str(rk_port), "--no-build"],
               env={**os.environ, "RAREKG_PROCESSES": str(args.processes)})
    print(f"wrk, {CONNECTIONS} connections, {args.seconds:g} s per run, {len(entities)} entities, "
          f"rarekg with {args.processes} HTTP processes; target >= 1500 req/s, p99 <= 50 ms")
    try:
        wait_ready(f"http://127.0.0.1:{ox_port}/query")
        wait_ready(f"http://127.0.0.1:{rk_port}/sparql", 120)
        status = httpx.get(f"http://127.0.0.1:{rk_port}{rest_paths[0]}", timeout=60).status_code
        print(f"referral endpoint answers {status} for {entities[0][0]}")
        cases = (("oxigraph centres-for-entity SPARQL", f"http://127.0.0.1:{ox_port}", ox_paths,
                  "application/sparql-results+json"),
                 ("rarekg GET /entities/{id}/centres", f"http://127.0.0.1:{rk_port}", rest_paths, "application/json"),
                 ("rarekg GET /entities/{id}", f"http://127.0.0.1:{rk_port}", detail_paths, "application/json"))
        for name, base, paths, accept in cases:
            run(base, paths, 2, accept, work)  # warm up (fills the per-state answer cache)
            r = run(base, paths, args.seconds, accept, work)
            print(f"{name:38} {r['rps']:8.0f} req/s  p50 {r['p50']:7.2f} ms  p99 {r['p99']:7.2f} ms  "
                  f"non-2xx {r['errors']:.0f}")
    finally:
        stop(ox)
        stop(rk)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The REST referral endpoint, uncached, beside the Oxigraph server answering the same questions:
same run, same data, loopback, 16 keep-alive connections, bounded time (wrk).

    .venv/bin/python bench/bench_rest.py --store /path/to/built/store [--seconds 10] [--seed 15]

Every request asks a question not asked before in the run: an entity drawn at random from *all*
the entities the REST API serves, and a random patient location (lat 35..70, lon -10..30) for
``GET /api/v1/entities/{id}/centres?lat=..&lon=..`` on ``rarekg serve``. The answer cache is keyed
by path and query, so no request is a cache hit: each one resolves the id and runs the ranking.
``oxigraph serve-read-only`` gets, in the same order, the query library's ``centres-for-entity``
with the same entity bound (the evidence of the entity, its subtypes and ancestors; the REST answer
adds the ranking, distances, fallback and open trials on top; Oxigraph has no answer cache, so it
evaluates every request anyway). One wrk thread walks each list from its start, and the list is
longer than the requests a run can make (checked after the run, from wrk's count), so nothing repeats.
A warm-up run of 2 s with other random questions precedes each measured run.

Prints requests/s, p50/p99 and non-2xx for both, the ratios rarekg / Oxigraph, and the target
(>= 1 500 req/s, p99 <= 50 ms).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import quote, urlencode

import _common  # noqa: F401  (the repository on sys.path)
import httpx
from bench_endpoint import BIN, CONNECTIONS, free_port, oxigraph_copy, start, stop, wait_ready, wrk_figures

REPO = Path(__file__).resolve().parent.parent
LAT, LON = (35.0, 70.0), (-10.0, 30.0)
TARGET_RPS, TARGET_P99_MS = 1500, 50.0
#: each request the next line of the file given after ``--``, from the first; past the last it wraps
#: (a repeated URL would be a cache hit), which the run detects from wrk's request count
WRK_SCRIPT = """
local paths = {}
local i = 0
function init(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
end
function request()
  i = i + 1
  if i > #paths then i = 1 end
  return wrk.format("GET", paths[i])
end
"""


def all_entities(store: Path) -> list[str]:
    """The canonical ids of every entity the REST API serves, sorted."""
    from api.rest.catalogue import load_catalogue
    from api.rest.ids import entity_id
    from kg.store.embedded import EmbeddedStore
    s = EmbeddedStore(store, read_only=True)
    try:
        return sorted(entity_id(e) for e in load_catalogue(s).entities)
    finally:
        s.close()


def questions(entities: list[str], count: int, seed: int) -> list[tuple[str, float, float]]:
    rng = random.Random(seed)
    return [(rng.choice(entities), round(rng.uniform(*LAT), 5), round(rng.uniform(*LON), 5)) for _ in range(count)]


def centres_query() -> str:
    """``centres-for-entity`` with the prefixes it needs and without comments or indentation."""
    from kg.core.vocab import PREFIXES
    body = " ".join(line.strip() for line in (REPO / "queries" / "centres-for-entity.rq").read_text().splitlines()
                    if line.strip() and not line.startswith("#"))
    return "".join(f"PREFIX {p}: <{ns}> " for p, ns in PREFIXES.items() if f"{p}:" in body) + body


def bound(query: str, iri: str) -> str:
    """``query`` with ``?entity`` bound to ``iri`` in the text, as the library binds it in-process
    (pyoxigraph ``substitutions``). An outer ``VALUES ?entity`` is joined after the whole pattern is
    evaluated (every evidence node: over 1 s per request at scale 1), and one inside the pattern
    is not pushed into the UNION branches (0.3 s), so neither asks the question the library asks."""
    head, where, body = query.partition("WHERE {")
    return (head.replace("?entity", f"(<{iri}> AS ?entity)") + where
            + body.replace("GROUP BY ?entity", "GROUP BY").replace("?entity", f"<{iri}>"))


def wrk(base: str, paths: list[str], seconds: float, accept: str, work: Path) -> dict[str, float]:
    """wrk (1 thread, :data:`CONNECTIONS` connections) over ``paths``; figures and the request count."""
    (work / "walk.lua").write_text(WRK_SCRIPT)
    (work / "paths.txt").write_text("\n".join(paths) + "\n")
    out = subprocess.run(["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{int(seconds)}s", "--latency", "-s",
                          str(work / "walk.lua"), "-H", f"Accept: {accept}", base, "--", str(work / "paths.txt")],
                         capture_output=True, text=True, check=True).stdout
    figures = wrk_figures(out)
    figures["requests"] = float(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    return figures


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", type=Path, required=True)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--questions", type=int, default=60_000, help="random questions per list (> requests per run)")
    ap.add_argument("--processes", type=int, default=2)
    args = ap.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("bench_rest needs wrk (apt-get install wrk)")
    work = Path(tempfile.mkdtemp(prefix="rarekg-bench-rest-"))
    oxigraph_copy(args.store, work)
    entities = all_entities(args.store)
    query = centres_query()
    from api.rest.ids import entity_iri

    def rest_paths(qs: list[tuple[str, float, float]]) -> list[str]:
        return [f"/api/v1/entities/{quote(e, safe=':')}/centres?{urlencode({'lat': lat, 'lon': lon})}"
                for e, lat, lon in qs]

    def ox_paths(qs: list[tuple[str, float, float]]) -> list[str]:
        return ["/query?" + urlencode({"query": bound(query, entity_iri(e))}) for e, _, _ in qs]

    warm, asked = questions(entities, 5000, args.seed + 1), questions(entities, args.questions, args.seed)
    ox_port, rk_port = free_port(), free_port()
    ox = start([str(BIN / "oxigraph"), "serve-read-only", "--location", str(work / "ox"),
                "--bind", f"127.0.0.1:{ox_port}", "--union-default-graph"])
    rk = start([str(BIN / "rarekg"), "serve", "--store", str(args.store), "--port", str(rk_port), "--no-build"],
               env={**os.environ, "RAREKG_PROCESSES": str(args.processes)})
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; wrk, 1 thread, {CONNECTIONS} connections, {args.seconds:g} s per run; {len(entities)} entities; "
          f"{len(asked)} random (entity, location) questions, seed {args.seed}; rarekg with {args.processes} "
          f"HTTP processes; target >= {TARGET_RPS} req/s, p99 <= {TARGET_P99_MS:g} ms")
    try:
        wait_ready(f"http://127.0.0.1:{ox_port}/query")
        wait_ready(f"http://127.0.0.1:{rk_port}/sparql", 600)
        probe = httpx.get(f"http://127.0.0.1:{rk_port}{rest_paths(asked[:1])[0]}", timeout=60)
        print(f"referral endpoint answers {probe.status_code} for {asked[0][0]} (follow-up requests go on)")
        results = {}
        for name, base, to_paths, accept in (
                ("oxigraph centres-for-entity", f"http://127.0.0.1:{ox_port}", ox_paths, "application/sparql-results+json"),
                ("rarekg /entities/{id}/centres", f"http://127.0.0.1:{rk_port}", rest_paths, "application/json")):
            wrk(base, to_paths(warm), 2, accept, work)
            limit = args.questions if name.startswith("rarekg") else min(args.questions, 20_000)
            r = results[name] = wrk(base, to_paths(asked[:limit]), args.seconds, accept, work)
            # Oxigraph keeps no answers, so a repeat there costs the same; for rarekg it would be a hit
            repeated = max(0, int(r["requests"]) - limit) if name.startswith("rarekg") else 0
            print(f"{name:32} {r['rps']:8.0f} req/s  p50 {r['p50']:7.2f} ms  p99 {r['p99']:7.2f} ms  "
                  f"non-2xx/3xx {r['errors']:.0f}  requests {r['requests']:.0f}"
                  + (f"  ({repeated} repeated a question: list too short)" if repeated else ""))
        rk_r, ox_r = results["rarekg /entities/{id}/centres"], results["oxigraph centres-for-entity"]
        print(f"ratio rarekg / oxigraph: throughput {rk_r['rps'] / ox_r['rps']:.2f}, p50 {rk_r['p50'] / ox_r['p50']:.2f}, "
              f"p99 {rk_r['p99'] / ox_r['p99']:.2f}; rarekg against the target: throughput "
              f"{rk_r['rps'] / TARGET_RPS:.2f}, p99 {rk_r['p99'] / TARGET_P99_MS:.2f}")
    finally:
        stop(ox)
        stop(rk)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

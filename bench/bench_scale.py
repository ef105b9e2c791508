"""How query cost and memory grow with the data: synthetic corpora at scales 1, 10, 100.

    .venv/bin/python bench/bench_scale.py [--scale 1 --scale 10 --scale 100] [--runs 200] [--budget 20]

For each scale: ``rarekg synth`` writes the corpus; a **build process** compiles it and builds the
on-disk store (its peak RSS is the build memory); a **serve process** opens the store read-only, as
each query worker of ``rarekg serve`` does, and answers the referral query and three library
queries with varying parameters (up to ``--runs`` runs or ``--budget`` seconds each; its peak RSS
is the serve memory of one worker). Prints p50/p99 per query and scale, the growth against the data
(the exponent k in time ~ triples^k between consecutive scales; k <= 1 is "no faster than linear").

The referral is ``queries/centres-for-entity.rq`` (``kg/referral.py`` did not exist when this was
written; when it does, add its ranking call to QUERIES).
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common  # noqa: F401
from _common import p50_p99, peak_rss_mb, table, timed_runs

#: name -> (library query, parameter, query that lists parameter values)
QUERIES = {
    "referral (centres-for-entity)": ("centres-for-entity", "entity",
                                      "SELECT DISTINCT ?v WHERE { ?t rkg:studiesEntity ?v } ORDER BY ?v LIMIT 50"),
    "open-trials-for-entity": ("open-trials-for-entity", "entity",
                               "SELECT DISTINCT ?v WHERE { ?t rkg:studiesEntity ?v } ORDER BY DESC(?v) LIMIT 50"),
    "trials-at-centre": ("trials-at-centre", "centre",
                         "SELECT DISTINCT ?v WHERE { ?m org:member ?v } ORDER BY ?v LIMIT 50"),
    "entity-lookup": ("entity-lookup", "text",
                      "SELECT ?v WHERE { ?e a owl:Class ; rdfs:label ?l . BIND(STR(?l) AS ?v) } ORDER BY ?e LIMIT 50"),
}


def phase_build(corpus: Path, store_dir: Path) -> dict[str, object]:
    from kg import synth
    from kg.build import build
    from kg.store import EmbeddedStore
    t0 = time.perf_counter()
    synth.compile_evidence(corpus)
    store = EmbeddedStore(store_dir)
    build(store, corpus, sources=synth.sources())
    store.optimize()
    triples = store.count()
    store.close()
    return {"build_s": time.perf_counter() - t0, "triples": triples, "build_peak_mb": peak_rss_mb()}


def phase_serve(store_dir: Path, runs: int, budget_s: float) -> dict[str, object]:
    import pyoxigraph as ox

    from kg import queries
    from kg.store import EmbeddedStore
    store = EmbeddedStore(store_dir, read_only=True)
    out: dict[str, object] = {}
    for label, (name, param, values_query) in QUERIES.items():
        q = queries.get(name)
        values = [r["v"] for r in store.select(values_query)]
        if not values:
            out[label] = None
            continue
        bindings = [{param: v if isinstance(v, ox.NamedNode) else ox.Literal(v.value)} for v in values]
        rows: list[int] = []
        times = timed_runs(lambda i, q=q, b=bindings, r=rows: r.append(len(store.select(q.text, b[i % len(b)]))),
                           runs=runs, budget_s=budget_s)
        p50, p99 = p50_p99(times)
        out[label] = {"p50": p50, "p99": p99, "runs": len(times), "mean_rows": sum(rows) / len(rows)}
    out["serve_peak_mb"] = peak_rss_mb()
    return out


def _child(*args: str) -> dict[str, object]:
    proc = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, timeout=3600, check=False)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def run_scale(scale: int, work: Path, runs: int, budget_s: float) -> dict[str, object]:
    from kg import synth
    corpus, store_dir = work / f"corpus-{scale}", work / f"store-{scale}"
    shutil.rmtree(store_dir, ignore_errors=True)
    synth.write_corpus(scale, corpus, compile=False)
    result = {"scale": scale, **_child("--phase", "build", "--corpus", str(corpus), "--store", str(store_dir))}
    result.update(_child("--phase", "serve", "--store", str(store_dir), "--runs", str(runs), "--budget", str(budget_s)))
    return result


def report(results: list[dict[str, object]]) -> str:
    rows = []
    for label in QUERIES:
        prev = None
        for r in results:
            m = r.get(label)
            if not isinstance(m, dict):
                rows.append([label, r["scale"], r["triples"], "n/a", "n/a", "", ""])
                continue
            growth = ""
            if prev is not None:
                k = math.log(m["p50"] / prev[1]["p50"]) / math.log(int(r["triples"]) / int(prev[0]["triples"]))  # type: ignore[call-overload]
                growth = f"k={k:.2f}"
            rows.append([label, r["scale"], r["triples"], m["p50"], m["p99"], m["runs"], growth])
            prev = (r, m)
    first = table(["query", "scale", "triples", "p50 ms", "p99 ms", "runs", "growth vs previous"], rows)
    second = table(["scale", "triples", "build s", "build peak MB", "serve peak MB"],
                   [[r["scale"], r["triples"], r["build_s"], int(r["build_peak_mb"]), int(r["serve_peak_mb"])]  # type: ignore[call-overload]
                    for r in results])
    return first + "\n\n" + second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=int, action="append")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--budget", type=float, default=20.0, help="seconds per query and scale")
    parser.add_argument("--work", type=Path)
    parser.add_argument("--phase", choices=["build", "serve"], help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--store", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "build":
        print(json.dumps(phase_build(args.corpus, args.store)))
        return
    if args.phase == "serve":
        print(json.dumps(phase_serve(args.store, args.runs, args.budget)))
        return
    work = args.work or Path(tempfile.mkdtemp(prefix="rarekg-bench-scale-"))
    results = []
    for scale in args.scale or [1, 10, 100]:
        results.append(run_scale(scale, work, args.runs, args.budget))
        print(f"scale {scale} done: {results[-1]['triples']} triples", file=sys.stderr, flush=True)
    print(report(results))
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""How query cost and memory grow with the data: synthetic corpora at scales 1, 10, 100.

    .venv/bin/python bench/bench_scale.py [--scale 1 --scale 10 --scale 100] [--runs 200] [--budget 20]
        [--reuse 10=/tmp/rarekg-q10/store]

For each scale: ``bench/synth.py corpus`` writes the corpus; a **build process** compiles it and builds the
on-disk store (its peak RSS is the build memory); a **serve process** opens the store read-only, as
each query worker of ``rarekg serve`` does, builds the referral index (``kg/expertise/referral_load.py``:
its time and the resident memory it adds are reported), then answers the **referral**
(``kg/referral.refer``, what ``rarekg refer`` and the REST API run) for up to 100 entities and three
library queries with varying parameters (up to ``--runs`` runs or ``--budget`` seconds each; its
peak RSS is the serve memory of one worker). Prints p50/p99 per query and scale, the growth against
the data (the exponent k in time ~ triples^k between consecutive scales; k <= 1 is "no faster than
linear"), and the same growth of the time per answer row (mean rows over the runs): a query that
lists every evidence row of an entity answers more rows as the corpus grows.

``--reuse SCALE=STORE`` skips synth and build for that scale and serves an already built store
(e.g. one left by an earlier run's ``--work``): its build columns then read "reused".
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
from typing import Any

import _common  # noqa: F401
from _common import p50_p99, peak_rss_mb, rss_mb, table, timed_runs

from kg.store.graphstore import GraphStore

REFERRAL = "referral (kg/expertise/referral.py)"
#: name -> (library query, parameter, query that lists parameter values)
QUERIES = {
    "centres-for-entity": ("centres-for-entity", "entity",
                           "SELECT DISTINCT ?v WHERE { ?t rkg:studiesEntity ?v } ORDER BY ?v LIMIT 50"),
    "open-trials-for-entity": ("open-trials-for-entity", "entity",
                               "SELECT DISTINCT ?v WHERE { ?t rkg:studiesEntity ?v } ORDER BY DESC(?v) LIMIT 50"),
    "entity-lookup": ("entity-lookup", "text",
                      "SELECT ?v WHERE { ?e a owl:Class ; rdfs:label ?l . BIND(STR(?l) AS ?v) } ORDER BY ?e LIMIT 50"),
}
LABELS = [REFERRAL, *QUERIES]


def phase_build(corpus: Path, store_dir: Path) -> dict[str, object]:
    import synth

    from kg.store.embedded import EmbeddedStore
    from rarekg.build import build
    t0 = time.perf_counter()
    synth.compile_evidence(corpus)
    store = EmbeddedStore(store_dir)
    build(store, corpus, sources=synth.sources())
    store.optimize()
    triples = store.count()
    store.close()
    return {"build_s": time.perf_counter() - t0, "triples": triples, "build_peak_mb": peak_rss_mb()}


def phase_serve(store_dir: Path, runs: int, budget_s: float) -> dict[str, object]:
    from kg.store.embedded import EmbeddedStore
    store = EmbeddedStore(store_dir, read_only=True)
    out: dict[str, object] = {}
    out.update(serve_referral(store, runs, budget_s))
    out.update(serve_queries(store, runs, budget_s))
    out["serve_peak_mb"] = peak_rss_mb()
    return out


def serve_referral(store: GraphStore, runs: int, budget_s: float) -> dict[str, object]:
    """Build the referral index (time, resident memory added), then time ``refer`` over 100 entities."""
    from bench_referral import pick_entities

    from kg.expertise.referral import ReferralOptions, refer
    from kg.expertise.referral_load import index_for
    before = rss_mb()
    t0 = time.perf_counter()
    index_for(store)
    index_s, index_mb = time.perf_counter() - t0, rss_mb() - before
    entities = pick_entities(store)
    opts = ReferralOptions(lat=48.8566, lon=2.3522, limit=10)
    centres: list[int] = []
    times = timed_runs(lambda i: centres.append(len(refer(store, entities[i % len(entities)], opts).centres)),
                       runs=max(runs, len(entities)), budget_s=budget_s)
    p50, p99 = p50_p99(times)
    return {"index_s": index_s, "index_mb": index_mb,
            REFERRAL: {"p50": p50, "p99": p99, "runs": len(times), "mean_rows": sum(centres) / len(centres)}}


def serve_queries(store: GraphStore, runs: int, budget_s: float) -> dict[str, object]:
    """p50/p99 of each library query of QUERIES over parameter values found in the store."""
    import pyoxigraph as ox

    from kg.store import queries
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
    return out


def _child(*args: str) -> dict[str, object]:
    proc = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, timeout=3600, check=False)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def run_scale(scale: int, work: Path, runs: int, budget_s: float, reuse: Path | None = None) -> dict[str, object]:
    import synth
    result: dict[str, object] = {"scale": scale, "build_s": "reused", "build_peak_mb": "reused"}
    store_dir = reuse
    if store_dir is None:
        corpus, store_dir = work / f"corpus-{scale}", work / f"store-{scale}"
        shutil.rmtree(store_dir, ignore_errors=True)
        synth.write_corpus(scale, corpus, compile=False)
        result.update(_child("--phase", "build", "--corpus", str(corpus), "--store", str(store_dir)))
    else:   # counted in its own process, so the count's page reads do not inflate the serve peak
        result.update(_child("--phase", "count", "--store", str(store_dir)))
    result.update(_child("--phase", "serve", "--store", str(store_dir), "--runs", str(runs), "--budget", str(budget_s)))
    return result


def report(results: list[dict[str, object]]) -> str:
    rows = []
    for label in LABELS:
        prev = None
        for r in results:
            m = r.get(label)
            if not isinstance(m, dict):
                rows.append([label, r["scale"], r["triples"], "n/a", "n/a", "", "", "", ""])
                continue
            growth = per_row = ""
            if prev is not None:
                data = math.log(int(r["triples"]) / int(prev[0]["triples"]))  # type: ignore[call-overload]
                growth = f"k={math.log(m['p50'] / prev[1]['p50']) / data:.2f}"
                if m["mean_rows"] and prev[1]["mean_rows"]:
                    per_row = f"k={math.log(_per_row(m) / _per_row(prev[1])) / data:.2f}"
            rows.append([label, r["scale"], r["triples"], m["p50"], m["p99"], m["runs"], round(m["mean_rows"], 1),
                         growth, per_row])
            prev = (r, m)
    first = table(["query", "scale", "triples", "p50 ms", "p99 ms", "runs", "mean rows", "growth vs previous",
                   "growth per row"], rows)
    second = table(["scale", "triples", "build s", "build peak MB", "referral index s", "index MB",
                    "serve peak MB"],
                   [[r["scale"], r["triples"], r["build_s"], _int(r["build_peak_mb"]), r["index_s"],
                     _int(r["index_mb"]), _int(r["serve_peak_mb"])] for r in results])
    return first + "\n\n" + second


def _per_row(m: dict[str, Any]) -> float:
    """p50 per answer row: a query that lists every evidence row grows with its answer."""
    return float(m["p50"]) / float(m["mean_rows"])


def _int(value: object) -> object:
    return int(value) if isinstance(value, float) else value


def _reuse(specs: list[str]) -> dict[int, Path]:
    """``SCALE=STORE`` pairs; exits with a usage error naming the bad one."""
    out = {}
    for spec in specs:
        scale, sep, path = spec.partition("=")
        if not sep or not scale.isdigit() or not Path(path).is_dir():
            raise SystemExit(f"--reuse {spec!r}: expected SCALE=STORE with an existing store folder")
        out[int(scale)] = Path(path)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=int, action="append")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--budget", type=float, default=20.0, help="seconds per query and scale")
    parser.add_argument("--work", type=Path)
    parser.add_argument("--reuse", action="append", default=[], metavar="SCALE=STORE",
                        help="serve an already built store for SCALE instead of building it (repeatable)")
    parser.add_argument("--phase", choices=["build", "serve", "count"], help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--store", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "build":
        print(json.dumps(phase_build(args.corpus, args.store)))
        return
    if args.phase == "count":
        from kg.store.embedded import EmbeddedStore
        print(json.dumps({"triples": EmbeddedStore(args.store, read_only=True).count()}))
        return
    if args.phase == "serve":
        print(json.dumps(phase_serve(args.store, args.runs, args.budget)))
        return
    reuse = _reuse(args.reuse)
    work = args.work or Path(tempfile.mkdtemp(prefix="rarekg-bench-scale-"))
    results = []
    for scale in args.scale or [1, 10, 100]:
        results.append(run_scale(scale, work, args.runs, args.budget, reuse.get(scale)))
        print(f"scale {scale} done: {results[-1]['triples']} triples", file=sys.stderr, flush=True)
    print(report(results))
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

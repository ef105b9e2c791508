"""Build throughput end to end beside pyoxigraph's raw ``bulk_load`` of the same triples, same run.

    .venv/bin/python bench/bench_build.py [--scale 1] [--work /tmp/rarekg-bench]

End to end = the synthetic corpus's original files (ClinicalTrials.gov v2 JSON, PubMed XML, centres
TSV; written by ``bench/synth.py corpus`` beforehand, not timed) read by the real loaders and linkers, plus
every other source of the default build, reasoned, published atomically and optimised into an
on-disk store (``compile_evidence`` + ``build`` + ``optimize``). Raw = the resulting quads, dumped
to N-Quads (not timed), then ``Store.bulk_load`` into a fresh on-disk store plus ``optimize``.
The figure is the ratio of the two throughputs (triples per second). CPU seconds (this process's
threads; HermiT's Java process not included) are printed too, with their ratio (raw / end to end):
on a shared machine they move less than wall time. Each scale runs in its own
process: "build peak MB" is its peak RSS (VmHWM) after the build, before the raw side runs.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common  # noqa: F401  (puts the repository on sys.path)
import pyoxigraph as ox
import synth
from _common import peak_rss_mb, table

from kg.store.embedded import EmbeddedStore
from rarekg.build import build


def run(scale: int, work: Path) -> dict[str, object]:
    """Build the synthetic corpus of ``scale`` end to end, then bulk-load the same quads raw."""
    corpus = work / f"corpus-{scale}"
    synth.write_corpus(scale, corpus, compile=False)
    store_dir, raw_dir, dump = work / f"store-{scale}", work / f"raw-{scale}", work / f"dump-{scale}.nq"
    for d in (store_dir, raw_dir):
        shutil.rmtree(d, ignore_errors=True)
    t0, c0 = time.perf_counter(), time.process_time()
    synth.compile_evidence(corpus)
    compiled = time.perf_counter() - t0
    store = EmbeddedStore(store_dir)
    report = build(store, corpus, sources=synth.sources())
    t_opt = time.perf_counter()
    store.optimize()
    end_to_end, e2e_cpu = time.perf_counter() - t0, time.process_time() - c0
    optimize_s = time.perf_counter() - t_opt
    build_peak = peak_rss_mb()
    triples = store.count()
    with dump.open("wb") as out:
        store.dump(out, "nquads")
    store.close()
    t1, c1 = time.perf_counter(), time.process_time()
    raw = ox.Store(str(raw_dir))
    raw.bulk_load(path=str(dump), format=ox.RdfFormat.N_QUADS)
    raw.optimize()
    raw_s, raw_cpu = time.perf_counter() - t1, time.process_time() - c1
    assert len(raw) == triples, (len(raw), triples)
    del raw
    for d in (store_dir, raw_dir):
        shutil.rmtree(d, ignore_errors=True)
    dump.unlink()
    per_source = {o.source.name: round(o.seconds, 2) for o in report.outcomes}
    if report.reasoning_seconds is not None:
        per_source["reasoner (beside the loaders)"] = round(report.reasoning_seconds, 2)
    per_source["publish (last graphs stored, carry-over, switch)"] = round(report.publish_seconds, 2)
    per_source["optimize"] = round(optimize_s, 2)
    return {"scale": scale, "triples": triples, "end_to_end_s": end_to_end, "compile_s": compiled,
            "raw_s": raw_s, "e2e_cpu_s": e2e_cpu, "raw_cpu_s": raw_cpu, "e2e_tps": triples / end_to_end, "raw_tps": triples / raw_s,
            "ratio": raw_s / end_to_end, "peak_mb": build_peak, "per_source": per_source}


def _child(scale: int, work: Path) -> dict[str, object]:
    """``run(scale)`` in a fresh process, so that its peak memory is its own."""
    proc = subprocess.run([sys.executable, __file__, "--one", str(scale), "--work", str(work)],
                          capture_output=True, text=True, timeout=4 * 3600, check=False)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=int, action="append", help="scale factor (repeatable; default 1)")
    parser.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temporary one)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # one scale, in a child process
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="rarekg-bench-build-"))
    if args.one is not None:
        print(json.dumps(run(args.one, work)))
        return
    results = []
    for scale in args.scale or [1]:
        results.append(_child(scale, work))
        print(f"scale {scale} done: {json.dumps(results[-1])}", file=sys.stderr, flush=True)
    print(table(["scale", "triples", "end-to-end s", "of which compile s", "e2e triples/s", "raw bulk_load s",
                 "raw triples/s", "ratio e2e/raw", "CPU s e2e / raw", "CPU ratio", "build peak MB"],
                [[r["scale"], r["triples"], r["end_to_end_s"], r["compile_s"], int(r["e2e_tps"]),  # type: ignore[call-overload]
                  r["raw_s"], int(r["raw_tps"]), r["ratio"],
                  f"{r['e2e_cpu_s']:.1f} / {r['raw_cpu_s']:.1f}", round(r["raw_cpu_s"] / r["e2e_cpu_s"], 2),  # type: ignore[operator]
                  int(r["peak_mb"])] for r in results]))  # type: ignore[call-overload]
    for r in results:
        print(f"\nscale {r['scale']} seconds per source: {r['per_source']}")
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

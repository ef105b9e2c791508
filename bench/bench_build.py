"""Build throughput end to end beside pyoxigraph's raw ``bulk_load`` of the same triples, same run.

    .venv/bin/python bench/bench_build.py [--scale 1] [--work /tmp/rarekg-bench] [--corpus DIR]

End to end = the synthetic corpus's original files (ClinicalTrials.gov v2 JSON, PubMed XML, centres
TSV; written by ``bench/synth.py corpus`` beforehand, or copied from ``--corpus DIR``, not timed) read by the real loaders and linkers, plus
every other source of the default build, reasoned, published atomically and optimised into an
on-disk store (``compile_evidence`` + ``build`` + ``optimize``). Raw = the resulting quads, dumped
to N-Quads (not timed), then ``Store.bulk_load`` into a fresh on-disk store plus ``optimize``.
The figure is the ratio of the two throughputs (triples per second). CPU seconds (this process's
threads; HermiT's Java process not included) are printed too, with their ratio (raw / end to end):
on a shared machine they move less than wall time. Each scale runs in its own
process: "build peak MB" is its peak RSS (VmHWM) after the build, before the raw side runs. The
build's progress, with seconds since its start, goes to ``WORK/build-SCALE.log``.
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


def reuse_corpus(scale: int, source: Path, corpus: Path) -> None:
    """Copy the original-format files of a corpus written by ``bench/synth.py corpus --scale
    scale`` (``raw/``, ``euracan/``) into ``corpus``, linked to this checkout's other sources; the
    evidence is compiled again there, timed, and ``source`` is never written to.

    Raises ValueError if ``source`` does not hold the files of ``scale``."""
    wanted = synth.counts(scale)
    pages = {sub: len(list((source / "raw" / sub).glob(pattern)))
             for sub, pattern in (("ctgov", "page-*.json"), ("pubmed", "efetch-*.xml"))}
    need = {"ctgov": -(-wanted.trials // synth.PAGE_SIZE), "pubmed": -(-wanted.publications // synth.PAGE_SIZE)}
    if pages != need or not (source / "euracan" / "centres.tsv").is_file():
        raise ValueError(f"--corpus {source}: not a complete scale-{scale} corpus "
                         f"(files {pages}, expected {need} and euracan/centres.tsv)")
    shutil.rmtree(corpus, ignore_errors=True)
    corpus.mkdir(parents=True)
    for sub in ("raw", "euracan"):
        shutil.copytree(source / sub, corpus / sub)
    synth._link_sources(corpus, synth.DATA_DIR)


def run(scale: int, work: Path, corpus_from: Path | None = None) -> dict[str, object]:
    """Build the synthetic corpus of ``scale`` end to end, then bulk-load the same quads raw."""
    corpus = work / f"corpus-{scale}"
    if corpus_from is None:
        synth.write_corpus(scale, corpus, compile=False)
    else:
        reuse_corpus(scale, corpus_from, corpus)
    store_dir, raw_dir, dump = work / f"store-{scale}", work / f"raw-{scale}", work / f"dump-{scale}.nq"
    for d in (store_dir, raw_dir):
        shutil.rmtree(d, ignore_errors=True)
    t0, c0 = time.perf_counter(), time.process_time()
    synth.compile_evidence(corpus)
    compiled = time.perf_counter() - t0
    store = EmbeddedStore(store_dir)
    with (work / f"build-{scale}.log").open("w", encoding="utf-8") as log:  # the build's own steps, timed
        report = build(store, corpus, sources=synth.sources(),
                       progress=lambda m: print(f"{time.perf_counter() - t0:8.1f} s  {m}", file=log, flush=True))
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


def _child(scale: int, work: Path, corpus: Path | None) -> dict[str, object]:
    """``run(scale)`` in a fresh process, so that its peak memory is its own."""
    reuse = ["--corpus", str(corpus)] if corpus else []
    proc = subprocess.run([sys.executable, __file__, "--one", str(scale), "--work", str(work), *reuse],
                          capture_output=True, text=True, timeout=4 * 3600, check=False)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=int, action="append", help="scale factor (repeatable; default 1)")
    parser.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temporary one)")
    parser.add_argument("--corpus", type=Path, default=None,
                        help="copy the original files of this corpus (bench/synth.py corpus, same scale) "
                             "instead of writing them; one --scale only")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # one scale, in a child process
    args = parser.parse_args()
    if args.corpus is not None and len(args.scale or [1]) != 1:
        parser.error("--corpus takes one --scale")
    work = args.work or Path(tempfile.mkdtemp(prefix="rarekg-bench-build-"))
    if args.one is not None:
        print(json.dumps(run(args.one, work, args.corpus)))
        return
    results = []
    for scale in args.scale or [1]:
        results.append(_child(scale, work, args.corpus))
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

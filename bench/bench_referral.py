"""Time the referral for 100 different entities, in-process, on the default graph.

    python bench/bench_referral.py [--store PATH]    # without --store: builds the default graph in memory

Prints p50 and p99 (ms) and their ratio to the targets (p50 <= 10 ms, p99 <= 50 ms). The index is
built once per store state (first call, reported apart); every timed call resolves the entity and ranks.
Entities: those with entity-level evidence first, then subgroups, then Orphanet classes with a domain,
by IRI, so the run is deterministic and exercises direct answers, fallbacks and domain-only answers.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kg.referral import ReferralOptions, refer
from kg.referral_index import index_for
from kg.store import EmbeddedStore, GraphStore

TARGET_P50_MS, TARGET_P99_MS = 10.0, 50.0


def pick_entities(store: GraphStore, n: int = 100) -> list[str]:
    index = index_for(store)
    evidenced = sorted(e for e in index.by_entity if e in index.entities)
    subgroups = sorted(e for e in index.entities if "/subgroup/" in e)
    with_domain = sorted(e for e in index.domains if "/entity/orpha/" in e)
    picked: list[str] = []
    for e in evidenced + subgroups + with_domain:
        if e not in picked:
            picked.append(e)
    return picked[:n]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", type=Path, help="an on-disk store (default: build in memory)")
    ap.add_argument("--repeat", type=int, default=3, help="timed passes over the entities")
    args = ap.parse_args()
    if args.store:
        store: GraphStore = EmbeddedStore(args.store, read_only=True)
    else:
        from kg.build import build
        store = EmbeddedStore()
        build(store)
    t0 = time.perf_counter()
    entities = pick_entities(store)
    print(f"index built in {(time.perf_counter() - t0) * 1000:.0f} ms; {len(entities)} entities")
    opts = ReferralOptions(lat=48.8566, lon=2.3522, limit=10)
    times, bases = [], {}
    for _ in range(args.repeat):
        for e in entities:
            t = time.perf_counter()
            ref = refer(store, e, opts)
            times.append((time.perf_counter() - t) * 1000)
            bases[ref.basis] = bases.get(ref.basis, 0) + 1
    p50, p99 = percentile(times, 0.50), percentile(times, 0.99)
    print(f"referrals {len(times)} ({args.repeat} x {len(entities)} entities); answers by basis: {bases}")
    print(f"p50 {p50:.2f} ms (target {TARGET_P50_MS} ms, ratio {p50 / TARGET_P50_MS:.2f}); "
          f"p99 {p99:.2f} ms (target {TARGET_P99_MS} ms, ratio {p99 / TARGET_P99_MS:.2f}); "
          f"mean {statistics.fmean(times):.2f} ms; max {max(times):.2f} ms")


if __name__ == "__main__":
    main()

"""Time the referral over random entities and random patient locations, in-process, uncached.

    python bench/bench_referral.py [--store PATH] [--calls 2000] [--budget 60] [--seed 15]

Without ``--store`` builds the default graph in memory. Every timed call is ``kg.referral.refer``
(what ``rarekg refer`` and ``GET /api/v1/entities/{id}/centres`` run): it resolves the entity and
ranks its centres with the great-circle distance to the location. Nothing of one answer is kept for
the next; only the index is built once per store state (first call, timed apart, as a server does
at start-up). The entities are drawn with replacement from *all* the entities the index knows
(Orphanet, OncoTree, subgroups: most have no entity-level evidence and take the ancestor or domain
fallback, as a random patient's diagnosis would), the locations uniformly from a box around Europe
(lat 35..70, lon -10..30), both from ``--seed``.

Prints p50, p99, mean and max (ms), the answers by basis, and the ratios to the targets
(p50 <= 10 ms, p99 <= 50 ms).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import p50_p99

from kg.referral import ReferralOptions, refer
from kg.referral_index import index_for
from kg.store import EmbeddedStore, GraphStore

TARGET_P50_MS, TARGET_P99_MS = 10.0, 50.0
#: where the random patients live: a box around Europe (EURACAN's centres are European)
LAT, LON = (35.0, 70.0), (-10.0, 30.0)


def questions(entities: list[str], calls: int, seed: int) -> list[tuple[str, float, float]]:
    """``calls`` (entity, lat, lon) drawn at random from ``entities`` and the box."""
    rng = random.Random(seed)
    return [(rng.choice(entities), round(rng.uniform(*LAT), 4), round(rng.uniform(*LON), 4)) for _ in range(calls)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", type=Path, help="an on-disk store (default: build the default graph in memory)")
    ap.add_argument("--calls", type=int, default=2000, help="timed referrals (at most)")
    ap.add_argument("--budget", type=float, default=60, help="seconds of timed calls (at most)")
    ap.add_argument("--seed", type=int, default=15)
    args = ap.parse_args()
    if args.store:
        store: GraphStore = EmbeddedStore(args.store, read_only=True)
    else:
        from kg.build import build
        store = EmbeddedStore()
        build(store)
    t0 = time.perf_counter()
    entities = sorted(index_for(store).entities)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
          f"index built in {time.perf_counter() - t0:.2f} s; {len(entities)} entities to draw from; "
          f"{store.count()} triples")
    asked = questions(entities, args.calls, args.seed)
    times: list[float] = []
    bases: dict[str, int] = {}
    start = time.perf_counter()
    for entity, lat, lon in asked:
        t = time.perf_counter()
        answer = refer(store, entity, ReferralOptions(lat=lat, lon=lon, limit=10))
        times.append((time.perf_counter() - t) * 1000)
        bases[answer.basis] = bases.get(answer.basis, 0) + 1
        if time.perf_counter() - start > args.budget:
            break
    p50, p99 = p50_p99(times)
    print(f"referrals {len(times)} (random entity and location each, seed {args.seed}); answers by basis: "
          f"{dict(sorted(bases.items()))}")
    print(f"p50 {p50:.2f} ms (target {TARGET_P50_MS} ms, ratio {p50 / TARGET_P50_MS:.2f}); "
          f"p99 {p99:.2f} ms (target {TARGET_P99_MS} ms, ratio {p99 / TARGET_P99_MS:.2f}); "
          f"mean {statistics.fmean(times):.2f} ms; max {max(times):.2f} ms")


if __name__ == "__main__":
    main()

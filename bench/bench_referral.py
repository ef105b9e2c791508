"""Time the referral over random entities and random patient locations, in-process, uncached.

    python bench/bench_referral.py [--store PATH] [--calls 2000] [--budget 60] [--seed 15]

Without ``--store`` builds the default graph in memory. Every timed call is ``kg.expertise.referral.refer``
(what ``rarekg refer`` and ``GET /api/v1/entities/{id}/centres`` run): it resolves the entity and
ranks its centres with the great-circle distance to the location. Nothing of one answer is kept for
the next; only the index is built once per store state (first call, timed apart, as a server does
at start-up). The entities are drawn with replacement from *all* the entities the index knows
(Orphanet, OncoTree, subgroups: most have no entity-level evidence and take the ancestor or domain
fallback, as a random patient's diagnosis would), the locations uniformly from a box around Europe
(lat 35..70, lon -10..30), both from ``--seed``.

Prints p50, p99, mean and max (ms) of wall-clock time and of the process's CPU time (on a shared
machine the CPU time is the steadier figure), the answers by basis, the slowest entities, and the
ratios to the targets (p50 <= 5 ms, p99 <= 50 ms: issue 18).
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

from kg.core.trial_status import today
from kg.expertise.referral import ReferralOptions, load_config, refer
from kg.expertise.referral_load import index_for
from kg.expertise.referral_precompute import prepare
from kg.store.embedded import EmbeddedStore
from kg.store.graphstore import GraphStore

TARGET_P50_MS, TARGET_P99_MS = 5.0, 50.0
#: where the random patients live: a box around Europe (EURACAN's centres are European)
LAT, LON = (35.0, 70.0), (-10.0, 30.0)


def pick_entities(store: GraphStore, n: int = 100) -> list[str]:
    """``n`` entities for bench_scale.py: those with evidence first, then subgroups, then Orphanet
    classes with a domain (each list sorted, so every scale asks the same kinds of question)."""
    index = index_for(store)
    evidenced = sorted(e for e in index.by_entity if e in index.entities)
    subgroups = sorted(e for e in index.entities if "/subgroup/" in e)
    with_domain = sorted(e for e in index.domains if "/entity/orpha/" in e)
    picked: dict[str, None] = {}
    for e in evidenced + subgroups + with_domain:
        picked.setdefault(e, None)
    return list(picked)[:n]


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
        from rarekg.build import build
        store = EmbeddedStore()
        build(store)
    t0 = time.perf_counter()
    index = index_for(store)
    t1 = time.perf_counter()
    prepared = prepare(index, load_config(), today())
    entities = sorted(index.entities)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
          f"index built in {t1 - t0:.2f} s, candidates of {len(prepared.by_entity)} heavy entities in "
          f"{time.perf_counter() - t1:.2f} s; {len(entities)} entities to draw from; {store.count()} triples")
    asked = questions(entities, args.calls, args.seed)
    times: list[float] = []
    cpu: list[float] = []
    slow: list[tuple[float, str, str]] = []
    bases: dict[str, int] = {}
    start = time.perf_counter()
    for entity, lat, lon in asked:
        t, c = time.perf_counter(), time.process_time()
        answer = refer(store, entity, ReferralOptions(lat=lat, lon=lon, limit=10))
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
        slow.append((cpu[-1], entity, answer.basis))
        bases[answer.basis] = bases.get(answer.basis, 0) + 1
        if time.perf_counter() - start > args.budget:
            break
    print(f"referrals {len(times)} (random entity and location each, seed {args.seed}); answers by basis: "
          f"{dict(sorted(bases.items()))}; load average now {os.getloadavg()[0]:.1f}")
    for label, values in (("wall", times), ("cpu", cpu)):
        p50, p99 = p50_p99(values)
        print(f"{label}: p50 {p50:.2f} ms (target {TARGET_P50_MS} ms, ratio {p50 / TARGET_P50_MS:.2f}); "
              f"p99 {p99:.2f} ms (target {TARGET_P99_MS} ms, ratio {p99 / TARGET_P99_MS:.2f}); "
              f"mean {statistics.fmean(values):.2f} ms; max {max(values):.2f} ms")
    print("slowest (cpu ms, entity, basis): " + "; ".join(
        f"{ms:.1f} {e.rsplit('/', 2)[-2]}:{e.rsplit('/', 1)[-1]} {b}" for ms, e, b in sorted(slow, reverse=True)[:8]))


if __name__ == "__main__":
    main()

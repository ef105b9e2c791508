"""Named fault points for crash tests: with ``RAREKG_FAULT_AT=<point>`` set, a build process kills
itself with SIGKILL when it reaches that point (no cleanup, no ``finally``: what a power cut or the
OOM killer does). Unset, or naming another point, a fault point does nothing but read the variable.

The points of a full build (``rarekg build`` of an on-disk store), in order:

``build-started``           the store is open, no source read yet
``bulk-load``               during the first bulk load into the new generation (after its first slice)
``source:<name>``           after each source's graph was handed to the engine (e.g. ``source:orphanet``)
``inferred``                after the reasoner's graph was staged
``graphs-stored``           every graph stored in the new generation, before the carry-over
``carried-over``            the untouched graphs and the provenance copied, before the flush
``live-pointer-written``    the new ``live`` file is written and synced under a temporary name
``live-renamed``            the ``live`` file renamed over the old one, before the folder is synced
``switched``                the writer reopened on the new generation, before older ones are pruned
``optimize``                while ``optimize()`` compacts the new live store (a timer fires inside)

tests/test_faults.py kills a build at each and checks that readers see the old graph or the new one.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

ENV = "RAREKG_FAULT_AT"


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def reached(point: str) -> None:
    """Kill this process at once if ``$RAREKG_FAULT_AT`` names ``point``."""
    if os.environ.get(ENV) == point:
        _die()


@contextmanager
def during(point: str, delay_s: float = 0.05) -> Iterator[None]:
    """Around work with no Python hook inside (a call into the engine): if ``$RAREKG_FAULT_AT`` names
    ``point``, kill this process ``delay_s`` seconds after the work starts, and at once when it ends
    sooner, so the process never leaves the point alive (a timer alone raced a short call and the
    interpreter's exit)."""
    if os.environ.get(ENV) != point:
        yield
        return
    timer = threading.Timer(delay_s, _die)
    timer.daemon = True
    timer.start()
    yield
    _die()

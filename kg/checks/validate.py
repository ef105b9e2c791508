"""``rarekg validate``: SHACL conformance of the published graphs and HermiT consistency."""

from __future__ import annotations

import io
import time
from collections.abc import Callable

from kg.core.errors import ReasonerError
from kg.core.vocab import ONTOLOGY_GRAPH
from kg.store.graphstore import GraphStore


def validate_store(store: GraphStore, *, shacl: bool = True, reasoner: bool = True,
                   progress: Callable[[str], None] = lambda m: None) -> tuple[bool, str]:
    """Run the checks; returns (all passed, a text report)."""
    from kg.checks.shacl import validate_quads

    lines: list[str] = []
    ok = True
    if not store.graphs():
        return False, "the store is empty: run `rarekg build` first"
    if shacl:
        progress("SHACL validation …")
        t0 = time.perf_counter()
        buf = io.BytesIO()
        store.dump(buf, "nquads")
        result = validate_quads(buf.getvalue(), exclude_graphs=[ONTOLOGY_GRAPH])
        seconds = time.perf_counter() - t0
        if result.conforms:
            lines.append(f"SHACL: conforms ({result.triples} triples, {seconds:.1f} s)")
        else:
            ok = False
            lines.append(f"SHACL: {result.violations} violations ({seconds:.1f} s)")
            lines += [f"  {r}" for r in result.results[:50]]
    if reasoner:
        progress("reasoner (HermiT) …")
        from kg.checks.reasoning import classify_store
        try:
            res = classify_store(store)  # the published ontology and definitions, not the repository's
            lines.append(f"reasoner: consistent, {res.classes} classes, {len(res.inferred)} inferred "
                         f"subclass links ({res.seconds:.1f} s)")
        except ReasonerError as exc:
            ok = False
            lines.append(f"reasoner: {exc}")
    return ok, "\n".join(lines)

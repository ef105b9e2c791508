"""The build: every source's loader into its named graph, the reasoner's output into ``inferred``,
and provenance into ``meta`` — published together in one transaction.

If any source fails (a structural error, row errors in strict mode, a triple count outside its
bounds), nothing is published: the store keeps every graph it had before the build. On disk the
build writes a new store generation and switches to it (see :class:`kg.store.staging.Rebuild`).
"""

from __future__ import annotations

import importlib
import inspect
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from kg.core import ontology
from kg.core.errors import DataError
from kg.core.provenance import load_record, now
from kg.core.records import BuildContext, LoadReport, SourceInfo, Triple, collector_paused
from kg.core.vocab import INFERRED_GRAPH, META_GRAPH, graph_iri
from kg.store import faults
from kg.store.graphstore import GraphStore

if TYPE_CHECKING:
    from kg.checks.reasoning import ReasonerResult

#: The sources of the default graph, in load order (module paths).
DEFAULT_SOURCES: tuple[str, ...] = (
    "kg.core.ontology",
    "loaders.euracan",
    "loaders.orphanet",
    "loaders.oncotree",
    "loaders.subgroups",
    "loaders.evidence",
    "loaders.ror",
    "loaders.institutions",
    "loaders.links",
    "loaders.mapping",
)

Progress = Callable[[str], None]


@dataclass
class SourceOutcome:
    source: SourceInfo
    graph: str
    triples: int = 0
    #: from the start of its load to its graph stored and counted (a rebuild stores one graph
    #: while it produces the next, so these overlap)
    seconds: float = 0.0
    report: LoadReport | None = None


@dataclass
class BuildReport:
    outcomes: list[SourceOutcome] = field(default_factory=list)
    reasoning_seconds: float | None = None
    inferred_triples: int = 0
    seconds: float = 0.0
    #: from the last graph produced to the switch: the engine finishing the graphs still being
    #: stored, the carried-over graphs and provenance, the switch
    publish_seconds: float = 0.0

    @property
    def problems(self) -> list[str]:
        return [str(p) for o in self.outcomes if o.report for p in o.report.problems]

    def table(self) -> str:
        rows = [f"{'source':<12} {'graph':<44} {'triples':>9} {'seconds':>8}  problems"]
        for o in self.outcomes:
            n = len(o.report.problems) if o.report else 0
            rows.append(f"{o.source.name:<12} {o.graph:<44} {o.triples:>9} {o.seconds:>8.2f}  {n}")
        if self.reasoning_seconds is not None:
            rows.append(f"{'reasoner':<12} {INFERRED_GRAPH.value:<44} {self.inferred_triples:>9} "
                        f"{self.reasoning_seconds:>8.2f}  0")
        rows.append(f"publishing (last graphs stored, carry-over, switch) {self.publish_seconds:.2f} s")
        rows.append(f"total {sum(o.triples for o in self.outcomes) + self.inferred_triples} triples "
                    f"in {self.seconds:.2f} s")
        return "\n".join(rows)


def source_modules(names: Iterable[str] = DEFAULT_SOURCES) -> list[ModuleType]:
    """Import the source modules; each has SOURCE and load(data_dir, report)."""
    return [importlib.import_module(n) for n in names]


def accepts_extra(module: ModuleType) -> bool:
    """Whether a source's ``load`` takes ``extra_dirs`` (folders of original-format evidence files)."""
    return "extra_dirs" in inspect.signature(module.load).parameters


def accepts_context(module: ModuleType) -> bool:
    """Whether a source's ``load`` takes ``context`` (the :class:`BuildContext` its build shares)."""
    return "context" in inspect.signature(module.load).parameters


def _check_bounds(module: ModuleType, name: str, extra: bool = False) -> Callable[[int], None]:
    bounds = getattr(module, "TRIPLE_BOUNDS", None)
    upper = float("inf") if extra else (bounds[1] if bounds else 0)  # extra files may hold any number of records

    def check(count: int) -> None:
        if bounds and not bounds[0] <= count <= upper:
            raise DataError(f"source {name} produced {count} triples, outside the expected "
                            f"bounds {bounds[0]}..{bounds[1]}; nothing was published")
    return check


def build(store: GraphStore, data_dir: Path = ontology.DATA_DIR, *,
          sources: Iterable[str] = DEFAULT_SOURCES, strict: bool = False, reason: bool = True,
          extra_dirs: Sequence[Path] = (), progress: Progress = lambda msg: None) -> BuildReport:
    """Load every source into ``store`` and publish all graphs atomically.

    ``data_dir`` is the compiled dataset; ``extra_dirs`` are folders of original-format trial and
    publication files loaded on top of it by the sources whose ``load`` accepts them (evidence,
    institutions, links; see :func:`accepts_extra`), with no upper triple bound.
    ``strict`` turns row-level errors into a failed build. Nothing is published if any source
    fails: DataError for a source's triple count outside its bounds or row errors in strict mode,
    DataError/OntologyError from a loader for structural problems, ReasonerError from HermiT,
    StoreError from the store.
    """
    report = BuildReport()
    t0 = time.perf_counter()
    modules = source_modules(sources)
    context = BuildContext()  # what this build's sources share; dropped when it ends
    # An on-disk embedded store builds a new generation (each triple written once, then one switch);
    # other stores stage every graph and publish them in one transaction (docs/decisions/0005).
    begin = getattr(store, "rebuild", None) or store.batch  # type: ignore[attr-defined]
    reasoning = reason and any(m.__name__ == "loaders.subgroups" for m in modules)
    # HermiT (a Java process) classifies the ontology and the molecular definitions while the
    # loaders run: its input is the curated files, never the store or the corpus.
    try:
        with collector_paused(), ThreadPoolExecutor(max_workers=1) as pool, begin(META_GRAPH) as batch:
            classified = pool.submit(_classify, data_dir) if reasoning else None
            faults.reached("build-started")
            for module in modules:
                report.outcomes.append(_stage_source(batch, module, data_dir, strict, progress, extra_dirs, context))
                faults.reached(f"source:{module.SOURCE.name}")
            if classified is not None:
                _stage_inferred(batch, classified, data_dir, report, progress)
                faults.reached("inferred")
            progress("publishing graphs")
            produced = time.perf_counter()
    finally:
        context.clear()
    report.seconds = time.perf_counter() - t0
    report.publish_seconds = time.perf_counter() - produced
    return report


def _stage_source(batch, module: ModuleType, data_dir: Path, strict: bool,  # type: ignore[no-untyped-def]
                  progress: Progress, extra_dirs: Sequence[Path] = (),
                  context: BuildContext | None = None) -> SourceOutcome:
    info: SourceInfo = module.SOURCE
    graph = graph_iri(info.name)
    load_report = LoadReport(info.name)
    outcome = SourceOutcome(info, graph.value, report=load_report)
    progress(f"loading {info.name} …")
    started, t0 = now(), time.perf_counter()
    extra = {"extra_dirs": tuple(extra_dirs)} if extra_dirs and accepts_extra(module) else {}
    shared = {"context": context} if context is not None and accepts_context(module) else {}
    bounds_check = _check_bounds(module, info.name, bool(extra))

    def stored(count: int) -> None:  # once the graph is stored (in a writer thread for a rebuild)
        bounds_check(count)
        if strict and load_report.errors:
            raise DataError(f"source {info.name} has {len(load_report.errors)} row errors (strict); "
                            f"first: {load_report.errors[0]}")
        outcome.triples, outcome.seconds = count, time.perf_counter() - t0
        progress(f"  {info.name}: {count} triples in {outcome.seconds:.2f} s; {load_report.summary()}")

    batch.stage_async(
        graph, module.load(data_dir, load_report, **extra, **shared), check=stored,
        meta=lambda count: load_record(info, graph, load_report, started=started, ended=now(),
                                       triples=count, base_dir=data_dir.parent))
    return outcome


REASONER_SOURCE = SourceInfo(
    name="inferred", title="Inferred subclass links (HermiT over the ontology and molecular definitions)",
    license="CC-BY-4.0", attribution="computed by rarekg with HermiT", homepage="https://w3id.org/rarekg/")


def _classify(data_dir: Path) -> tuple[datetime, ReasonerResult]:
    from kg.checks.reasoning import classify
    return now(), classify(default_definition_axioms(data_dir))


def _stage_inferred(batch, classified: Future[tuple[datetime, ReasonerResult]], data_dir: Path,  # type: ignore[no-untyped-def]
                    report: BuildReport, progress: Progress) -> None:
    progress("reasoning (HermiT) …")
    t0 = time.perf_counter()
    started, result = classified.result()  # ReasonerError from the reasoner thread is raised here
    load_report = LoadReport("inferred")
    load_report.files.append(ontology.ONTOLOGY_PATH)
    report.inferred_triples = batch.stage(
        INFERRED_GRAPH, _as_triples(result.inferred),
        meta=lambda count: load_record(REASONER_SOURCE, INFERRED_GRAPH, load_report, started=started,
                                       ended=now(), triples=count, base_dir=data_dir.parent))
    report.reasoning_seconds = result.seconds + time.perf_counter() - t0
    progress(f"  inferred: {report.inferred_triples} triples; HermiT took {result.seconds:.2f} s "
             f"beside the loaders, {time.perf_counter() - t0:.2f} s waited and written")


def default_definition_axioms(data_dir: Path = ontology.DATA_DIR) -> list[Triple]:
    """The axioms the reasoner classifies besides the ontology: the molecular definitions."""
    from loaders import subgroups
    return list(subgroups.definition_triples(data_dir))


def _as_triples(items: Iterable) -> Iterator[Triple]:  # type: ignore[type-arg]
    for t in items:
        yield (t[0], t[1], t[2]) if isinstance(t, tuple) else (t.subject, t.predicate, t.object)

"""What every loader shares: source metadata, the load report, and the compiled-record format.

A loader module provides

* ``SOURCE``: a :class:`SourceInfo` (graph name, licence, attribution);
* ``load(data_dir, report) -> Iterator[Triple]``: reads the repository's files for this source
  (compiled JSON Lines or curated TSV under ``data_dir/<SOURCE.name>/``), records version and
  files on ``report``, and yields triples; a source that reuses another's answers (the compiled
  evidence, the site resolution) also takes ``context``, the :class:`BuildContext` of the build;
* ``compile(raw_dir, data_dir, report)`` (compiled sources only): reads the original files under
  ``raw_dir`` (e.g. ``../shared/data``) and writes ``data_dir/<SOURCE.name>/*.jsonl``;

and inside, separating I/O from meaning:

* ``read(path) -> Iterator[Record]``: I/O only, original format -> record dataclasses;
* ``to_triples(record) -> Iterator[Triple]``: pure, one record -> triples (pyoxigraph terms);

and, where the source is part of the default dataset, records that round-trip through
:func:`write_records` / :func:`read_records` (the repository's own compact JSON Lines format:
one record per line, sorted, each line carrying its source and licence).
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import json
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar, cast

from pyoxigraph import BlankNode, Literal, NamedNode

from kg.core.errors import DataError

Subject = NamedNode | BlankNode
Object = NamedNode | BlankNode | Literal
Triple = tuple[Subject, NamedNode, Object]


@dataclass(frozen=True)
class SourceInfo:
    """Who a source is, where its triples go, and on what terms it may be reused."""

    name: str          # short name; also the named graph: graph/<name>
    title: str
    license: str       # SPDX identifier, e.g. "CC-BY-4.0"
    attribution: str   # text to show wherever the data is shown
    homepage: str
    license_url: str = ""


class Severity(str, Enum):
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class Problem:
    """One row-level problem found while loading; structural problems raise DataError instead."""

    severity: Severity
    kind: str          # short machine-readable type, e.g. "unknown-parent", "duplicate-id"
    message: str
    path: str | None = None
    line: int | None = None
    record: str | None = None

    def __str__(self) -> str:
        where = (self.path or "") + (f":{self.line}" if self.line is not None else "")
        rec = f" record {self.record}" if self.record else ""
        return f"{self.severity.value}: {where}{rec}: [{self.kind}] {self.message}"


@dataclass
class LoadReport:
    """Row-level problems and counts of one source load."""

    source: str
    problems: list[Problem] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    #: version of the source data (e.g. Orphadata "1.3.42 / 4.1.8 [2025-03-03]"), set by the loader
    version: str = ""
    #: every file the load read; the build checksums them for provenance
    files: list[Path] = field(default_factory=list)

    def warn(self, kind: str, message: str, **where: Any) -> None:
        self.problems.append(Problem(Severity.WARNING, kind, message, **where))

    def error(self, kind: str, message: str, **where: Any) -> None:
        self.problems.append(Problem(Severity.ERROR, kind, message, **where))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    def summary(self) -> str:
        counts = ", ".join(f"{k}={v}" for k, v in sorted(self.counts.items()))
        return (f"{self.source}: {counts or 'no counts'}; "
                f"{len(self.errors)} errors, {len(self.problems) - len(self.errors)} warnings")


R = TypeVar("R")


@dataclass
class BuildContext:
    """What the sources of one build share: answers worth computing once per build (the compiled
    evidence read once, the sites and affiliations resolved once), each kept under a name for the
    fingerprint of the inputs it was computed from.

    ``rarekg.build.build`` makes one per build and passes it to each source whose ``load`` takes
    ``context`` (the others ignore it); a source called on its own makes a fresh one. So
    ``to_triples`` functions stay pure, two builds never share an answer, and nothing outlives the
    build that computed it.
    """

    _answers: dict[str, tuple[Hashable, Any]] = field(default_factory=dict, repr=False)

    def once(self, name: str, key: Hashable | None, compute: Callable[[], R]) -> R:
        """The answer kept under ``name`` if it was computed for ``key``, else ``compute()``, kept for
        ``key`` in place of any other (one answer per name: a changed input replaces the old one).
        A ``None`` key is never kept. Raises what ``compute`` raises."""
        kept = self._answers.get(name)
        if kept is not None and key is not None and kept[0] == key:
            return cast(R, kept[1])
        self._answers.pop(name, None)
        answer = compute()
        if key is not None:
            self._answers[name] = (key, answer)
        return answer

    def clear(self) -> None:
        """Drop every kept answer (the build does when it ends, so a long-lived process keeps no corpus)."""
        self._answers.clear()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off inside the block, back as it was afterwards.

    Reading a corpus and building its triples allocates millions of records, terms and tuples
    that live until the build ends, and hardly any reference cycles; every collection pass walked
    all of them again, which doubled the loaders' time (bench/README.md, "Build throughput")."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def write_records(path: Path, records: Iterable[Any], source: SourceInfo) -> int:
    """Write dataclass records as sorted JSON Lines, each line with source and licence. Returns the count.

    Writes to a temporary file first and renames it, so a failed compile leaves the old file intact.
    """
    lines = []
    with collector_paused():  # a compiled corpus is millions of small dicts and strings
        for rec in records:
            row = {"_type": type(rec).__name__, **_plain(rec),
                   "_source": source.name, "_license": source.license}
            lines.append(json.dumps(row, ensure_ascii=False, sort_keys=True, separators=(",", ":")))
    lines.sort()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    tmp.replace(path)
    return len(lines)


def read_records(path: Path, types: dict[str, type]) -> Iterator[Any]:
    """Read records written by :func:`write_records`; ``types`` maps ``_type`` names to dataclasses.

    Raises DataError naming file and line for malformed JSON, an unknown type, a missing
    licence or a field the dataclass does not have.
    """
    if not path.is_file():
        raise DataError("compiled data file not found (run `rarekg data compile`)", path=path)
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"malformed JSON: {exc.msg}", path=path, line=lineno) from exc
            type_name = row.pop("_type", None)
            cls = types.get(type_name)  # type: ignore[arg-type]
            if cls is None:
                raise DataError(f"unknown record type {type_name!r}", path=path, line=lineno)
            if not row.pop("_license", None) or not row.pop("_source", None):
                raise DataError("record has no _source or _license attribution", path=path, line=lineno)
            try:
                yield _from_dict(cls, row)
            except (TypeError, ValueError) as exc:
                raise DataError(f"bad {type_name} record: {exc}", path=path, line=lineno) from exc


@functools.cache
def _field_names(cls: type) -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(cls))


@functools.cache
def _field_order(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _plain(value: Any) -> Any:
    """``dataclasses.asdict`` for records (dataclasses, lists, tuples, dicts of JSON values), without
    its per-value deep copies: the same JSON, several times faster on a large corpus."""
    kind = type(value)
    if kind in _SCALARS:  # most values: returned before any other test
        return value
    if hasattr(kind, "__dataclass_fields__") and not isinstance(value, type):
        return {name: _plain(getattr(value, name)) for name in _field_order(kind)}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _from_dict(cls: type, row: dict[str, Any]) -> Any:
    """Rebuild a (possibly nested) dataclass from its asdict() form."""
    names = _field_names(cls)
    for key in row:
        if key not in names:
            raise ValueError(f"unexpected field {key!r}")
    obj = cls(**row)
    nested = getattr(cls, "_nested", {})
    for fname, ftype in nested.items():
        val = getattr(obj, fname)
        if isinstance(val, list):
            object.__setattr__(obj, fname, [_from_dict(ftype, v) if isinstance(v, dict) else v for v in val])
        elif isinstance(val, dict):
            object.__setattr__(obj, fname, _from_dict(ftype, val))
    return obj


@dataclass(frozen=True)
class MappableEntity:
    """What the OncoTree-Orphanet mapper needs to know of one cancer entity, from either source."""

    iri: str                       # the rarekg entity IRI
    curie: str                     # e.g. "ORPHA:44890" or "oncotree:GIST"
    label: str
    synonyms: tuple[str, ...] = ()
    xrefs: tuple[str, ...] = ()    # CURIEs with bioregistry prefixes, e.g. "UMLS:C0238198", "NCIT:C3868"
    parents: tuple[str, ...] = ()  # entity IRIs of direct parents in the same source

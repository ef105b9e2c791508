"""``rarekg data compile``: rebuild the repository's compiled default dataset from original files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from kg.core.errors import DataError
from kg.core.records import LoadReport
from rarekg.build import DEFAULT_SOURCES, Progress, source_modules


def compile_all(raw_dir: Path, data_dir: Path, progress: Progress = lambda m: None) -> Iterator[str]:
    """Run ``compile(raw_dir, data_dir, report)`` of every source that has one, in build order.

    Yields one summary line per source. Raises DataError if ``raw_dir`` is missing or a source
    reports row errors (the compiled files are then left as they were, each being renamed into
    place only when complete)."""
    if not raw_dir.is_dir():
        raise DataError("folder of original source files not found", path=raw_dir)
    for module in source_modules(DEFAULT_SOURCES):
        compile_fn = getattr(module, "compile", None)
        if compile_fn is None:
            continue
        report = LoadReport(module.SOURCE.name)
        progress(f"compiling {module.SOURCE.name} …")
        compile_fn(raw_dir, data_dir, report)
        for problem in report.problems:
            progress(f"  {problem}")
        if report.errors:
            raise DataError(f"{module.SOURCE.name}: {len(report.errors)} errors while compiling; "
                            f"first: {report.errors[0]}")
        yield report.summary()

"""The evidence source: clinical trials and publications, from compiled records or original files.

* ``SOURCE`` / :func:`load` / :func:`compile`: the default dataset's own small set of real rare-cancer
  trials and publications (:data:`DEFAULT_SELECTION`, chosen from ``../shared/data``; the
  non-cancer format exemplars there are left out), compiled to ``data/evidence/*.jsonl``.
* :func:`load_path`: every original-format file under a folder, recognised by its content
  (:func:`sniff`); files of other sources are skipped.
* ``load(data_dir, report, extra_dirs=...)`` / :func:`read_evidence`: the compiled default set plus the
  original-format files under each extra folder (``rarekg build --data DIR``), merged into one set.

Trials from all files of one load are merged across registries (:func:`loaders.trials.merge_trials`),
so a trial registered twice is one node, and the newest registration gives its status.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from kg.core import trial_status
from kg.core.errors import DataError
from kg.core.records import (
    BuildContext,
    LoadReport,
    SourceInfo,
    Triple,
    collector_paused,
    read_records,
    write_records,
)
from loaders import ctgov, ctis, pubmed, trials

SOURCE = SourceInfo(
    name="evidence",
    title="Clinical trials (ClinicalTrials.gov, EU CTIS) and publications (PubMed)",
    license="LicenseRef-NLM-Terms",
    attribution=("ClinicalTrials.gov and PubMed/MEDLINE records courtesy of the U.S. National Library of "
                 "Medicine; EU CTIS records courtesy of the European Medicines Agency"),
    homepage="https://clinicaltrials.gov",
    license_url="https://www.nlm.nih.gov/web_policies.html",
)

#: The real files of the default dataset, relative to ``../shared/data`` (rare cancers only).
DEFAULT_SELECTION: tuple[str, ...] = (
    "trials/ctgov_legacy_xml",                       # 25 EORTC/FSG/ISG... rare-cancer trials (all)
    "trials/ctgov_api_v2_json/NCT01987596.json",     # childhood brain tumours
    "trials/ctgov_api_v2_json/NCT03275402.json",     # neuroblastoma CNS metastases
    "publications/pubmed_xml/biopython_pubmed4.xml",  # pancreatic cancer
    "publications/pubmed_xml/ncbi-explorer_efetch_PMID24488818.xml",  # CNS neoplasms
    "publications/reconstructed_pubmed_xml",         # 4 rare-cancer / reference-centre papers
)
TRIALS_FILE = "trials.jsonl"
PUBLICATIONS_FILE = "publications.jsonl"
#: triples of the compiled default set must fall in these bounds (checked by the build)
TRIPLE_BOUNDS = (2000, 20000)


@dataclass(frozen=True)
class EvidenceRelease:
    """Which original files the compiled records come from (file name and SHA-256)."""

    files: list[str]
    version: str


# -- recognising formats ------------------------------------------------------------------------------

def sniff(path: Path) -> str | None:
    """The format of a file by its content: "ctgov-legacy", "ctgov-v2", "ctis", "pubmed-xml",
    "medline", or None for anything else (other sources' files, documentation)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(65536).decode("utf-8", errors="replace")
    except OSError as exc:
        raise DataError(f"cannot read file: {exc}", path=path) from exc
    text = head.lstrip("\ufeff \t\r\n")
    if text.startswith("<"):
        if "<clinical_study" in head:
            return "ctgov-legacy"
        if "<PubmedArticleSet" in head:
            return "pubmed-xml"
        return None
    if text.startswith("{"):
        if '"protocolSection"' in head or '"studies"' in head[:200]:
            return "ctgov-v2"
        if '"ctNumber"' in head:
            return "ctis"
        return None
    if text.startswith("PMID- "):
        return "medline"
    return None


def read_file(path: Path, fmt: str, report: LoadReport) -> tuple[list[trials.Trial], list[pubmed.Publication]]:
    """The records of one file of a known format; raises DataError for a file not in that format."""
    if fmt == "ctgov-legacy":
        return list(ctgov.read_legacy(path, report)), []
    if fmt == "ctgov-v2":
        return list(ctgov.read_v2(path, report)), []
    if fmt == "ctis":
        return list(ctis.read(path, report)), []
    if fmt == "pubmed-xml":
        return [], list(pubmed.read_xml(path, report))
    if fmt == "medline":
        return [], list(pubmed.read_medline(path, report))
    raise DataError(f"unknown evidence format {fmt!r}", path=path)


def read_path(path: Path, report: LoadReport) -> tuple[list[trials.Trial], list[pubmed.Publication]]:
    """Every trial (merged) and publication (one per PMID) in the original-format files under ``path``.

    Files are visited in sorted order; unrecognised files are counted (``files-skipped``). Raises
    DataError for a recognised file that is malformed as a whole.
    """
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    found_trials: list[trials.Trial] = []
    pubs: dict[str, pubmed.Publication] = {}
    with collector_paused():  # a large corpus is millions of objects that live until the end
        for file in files:
            fmt = sniff(file)
            if fmt is None:
                report.counts["files-skipped"] += 1
                continue
            report.files.append(file)
            report.counts[f"files-{fmt}"] += 1
            t, p = read_file(file, fmt, report)
            found_trials.extend(t)
            for pub in p:
                if pub.pmid in pubs:
                    report.warn("duplicate-pmid", f"PMID {pub.pmid} also in {pubs[pub.pmid].source_file}; "
                                "the record read first is kept", path=str(file), record=pub.pmid)
                else:
                    pubs[pub.pmid] = pub
        return trials.merge_trials(found_trials), [pubs[k] for k in sorted(pubs, key=int)]


def records_triples(found: list[trials.Trial], pubs: list[pubmed.Publication],
                    report: LoadReport) -> Iterator[Triple]:
    """The triples of trials and publications, counting them on ``report``; a status or phase spelling
    that no controlled term stands for is reported once (with the first record that has it) and kept as text."""
    if found:
        yield from trial_status.vocabulary_triples()
    unknown: set[tuple[str, str]] = set()
    for trial in found:
        for kind, text in trials.unknown_terms(trial):
            if (kind, text) not in unknown:
                unknown.add((kind, text))
                report.warn("unknown-" + kind.replace(" ", "-"), f"{kind} {text!r} is not a known registry "
                            "spelling; kept as text only", record=trial.canonical_id)
        report.counts["trials"] += 1
        report.counts["sites"] += len(trial.sites)
        report.counts["trials-merged"] += len(trial.source_files) > 1
        yield from trials.to_triples(trial)
    for pub in pubs:
        report.counts["publications"] += 1
        report.counts["authorships"] += len(pub.authors)
        yield from pubmed.to_triples(pub)


def load_path(path: Path, report: LoadReport) -> Iterator[Triple]:
    """The triples of every original-format trial and publication file under ``path``.

    Raises DataError if ``path`` does not exist or a recognised file is malformed as a whole;
    malformed records inside a file go to ``report``.
    """
    if not path.exists():
        raise DataError("evidence path not found", path=path)
    found, pubs = read_path(path, report)
    yield from records_triples(found, pubs, report)


# -- compiled default set -----------------------------------------------------------------------------

def compile(raw_dir: Path, data_dir: Path, report: LoadReport) -> Path:
    """Compile :data:`DEFAULT_SELECTION` under ``raw_dir`` to ``data_dir/evidence/*.jsonl``; returns the folder.

    Raises DataError if a selected file or folder is missing or malformed.
    """
    found: list[trials.Trial] = []
    pubs: list[pubmed.Publication] = []
    for rel in DEFAULT_SELECTION:
        src = raw_dir / rel
        if not src.exists():
            raise DataError("selected evidence file not found", path=src)
        t, p = read_path(src, report)
        found.extend(t)
        pubs.extend(p)
    merged = trials.merge_trials(found)
    digests = sorted(f"{f.name}:{hashlib.sha256(f.read_bytes()).hexdigest()}" for f in report.files)
    version = hashlib.sha256("\n".join(digests).encode()).hexdigest()[:12]
    report.version = version
    out = data_dir / SOURCE.name
    write_records(out / TRIALS_FILE, [*merged, EvidenceRelease(digests, version)], SOURCE)
    write_records(out / PUBLICATIONS_FILE, sorted(pubs, key=lambda p: int(p.pmid)), SOURCE)
    report.counts["trials"] = len(merged)
    report.counts["publications"] = len(pubs)
    return out


RECORD_TYPES: dict[str, type] = {"Trial": trials.Trial, "Publication": pubmed.Publication,
                                 "EvidenceRelease": EvidenceRelease}


def read_compiled(data_dir: Path, context: BuildContext | None = None
                  ) -> tuple[EvidenceRelease, list[trials.Trial], list[pubmed.Publication]]:
    """The release record, trials and publications of ``data_dir/evidence``; DataError if missing/malformed.

    With the build's ``context``, the answer is read once per build while both files are unchanged
    (same size and modification time): the evidence, institutions and links sources all read them.
    Callers must not mutate it."""
    if context is None:
        return _read_compiled(data_dir)
    paths = [data_dir / SOURCE.name / name for name in (TRIALS_FILE, PUBLICATIONS_FILE)]
    try:
        key = tuple((str(p.resolve()), p.stat().st_size, p.stat().st_mtime_ns) for p in paths)
    except OSError:
        key = None  # missing: read_records names the file
    return context.once("evidence.compiled", key, lambda: _read_compiled(data_dir))


def _read_compiled(data_dir: Path) -> tuple[EvidenceRelease, list[trials.Trial], list[pubmed.Publication]]:
    releases: list[EvidenceRelease] = []
    found: list[trials.Trial] = []
    pubs: list[pubmed.Publication] = []
    for name in (TRIALS_FILE, PUBLICATIONS_FILE):
        for rec in read_records(data_dir / SOURCE.name / name, RECORD_TYPES):
            {EvidenceRelease: releases, trials.Trial: found, pubmed.Publication: pubs}[type(rec)].append(rec)
    if len(releases) != 1:
        raise DataError(f"expected one EvidenceRelease record, found {len(releases)}",
                        path=data_dir / SOURCE.name / TRIALS_FILE)
    return releases[0], found, pubs


def read_evidence(data_dir: Path, report: LoadReport, extra_dirs: Sequence[Path] = (),
                  context: BuildContext | None = None) -> tuple[EvidenceRelease, list[trials.Trial], list[pubmed.Publication]]:
    """The compiled default trials and publications plus those of the original-format files under each of
    ``extra_dirs``: trials merged across all of them (one per registry id), one publication per PMID (the
    compiled record wins), sorted by PMID. Files read are added to ``report.files``, malformed records
    to its problems. ``context``: as :func:`read_compiled`.

    Raises DataError if the compiled files are missing or malformed, an extra folder does not exist,
    or a recognised original file is malformed as a whole.
    """
    release, found, pubs = read_compiled(data_dir, context)
    report.files.extend(data_dir / SOURCE.name / n for n in (TRIALS_FILE, PUBLICATIONS_FILE))
    by_pmid = {p.pmid: p for p in pubs}
    for folder in extra_dirs:
        if not folder.exists():
            raise DataError("evidence folder not found", path=folder)
        more_trials, more_pubs = read_path(folder, report)
        found = [*found, *more_trials]
        for pub in more_pubs:
            by_pmid.setdefault(pub.pmid, pub)
    return release, trials.merge_trials(found), [by_pmid[k] for k in sorted(by_pmid, key=int)]


def load(data_dir: Path, report: LoadReport, *, extra_dirs: Sequence[Path] = (),
         context: BuildContext | None = None) -> Iterator[Triple]:
    """The triples of the compiled default trials and publications, plus those of the original-format
    files under ``extra_dirs`` (see :func:`read_evidence`, which says which errors are raised);
    ``context`` is the build's (:class:`kg.core.records.BuildContext`)."""
    release, found, pubs = read_evidence(data_dir, report, extra_dirs, context)
    report.version = release.version if not extra_dirs else f"{release.version}+{len(report.files) - 2} files"
    yield from records_triples(found, pubs, report)


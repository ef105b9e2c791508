"""The curated subgroup tables (``genes.tsv``, ``alterations.tsv``, ``subgroups.tsv``): their records,
reading with the file and line of every problem, and the checks across the three tables."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import NamedNode

from kg.core.errors import DataError
from kg.core.records import LoadReport
from kg.core.vocab import ALTERATION_KINDS, RKG

#: the folder under the dataset and its three tables
FOLDER = "subgroups"
GENES_FILE, ALTERATIONS_FILE, SUBGROUPS_FILE = "genes.tsv", "alterations.tsv", "subgroups.tsv"

#: alteration kind (as written in alterations.tsv) -> ontology class: a Sequence Ontology class
#: (kg.core.vocab.ALTERATION_KINDS, e.g. SO:0001565 gene_fusion), or rkg:MolecularAlteration for any kind
KINDS: dict[str, NamedNode] = {
    "alteration": RKG.MolecularAlteration,  # any kind, e.g. "RET-altered" (mutation or fusion)
    **ALTERATION_KINDS,
}
GENE_COLUMNS = ("symbol", "hgnc_id", "name", "family", "source")
ALTERATION_COLUMNS = ("id", "kind", "genes", "variant", "label")
SUBGROUP_COLUMNS = ("id", "label", "parent_entities", "alterations", "is_basket", "definition",
                    "source", "source_date", "license")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_SYMBOL = re.compile(r"^[A-Z0-9][A-Za-z0-9-]*$")
_HGNC = re.compile(r"^HGNC:\d+$")
_PARENT = re.compile(r"^(?:ORPHA:\d+|oncotree:[A-Z0-9_]+)$")
_DATE = re.compile(r"^\d{4}(?:-\d{2}-\d{2})?$")


@dataclass(frozen=True)
class Gene:
    symbol: str
    hgnc_id: str
    name: str
    family: str
    source: str
    line: int = 0


@dataclass(frozen=True)
class Alteration:
    id: str
    kind: str
    genes: tuple[str, ...]
    variant: str
    label: str
    line: int = 0


@dataclass(frozen=True)
class Subgroup:
    id: str
    label: str
    parents: tuple[str, ...]
    alterations: tuple[str, ...]
    is_basket: bool
    definition: str
    source: str
    source_date: str
    license: str
    line: int = 0


@dataclass(frozen=True)
class Curation:
    """The three curated tables after checking: only records without row errors."""

    genes: list[Gene]
    alterations: list[Alteration]
    subgroups: list[Subgroup]


# ---------------------------------------------------------------------------------------- reading

def _rows(path: Path, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) for each data line. Raises DataError for a missing file, a header that
    differs from ``columns`` or a line with the wrong number of fields."""
    if not path.is_file():
        raise DataError("curated file not found", path=path)
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader, None)
        if header is None or tuple(header) != columns:
            raise DataError(f"header must be the columns {list(columns)}, found {header!r}", path=path, line=1)
        for fields in reader:
            if not fields or fields == [""]:
                continue
            if len(fields) != len(columns):
                raise DataError(f"expected {len(columns)} tab-separated fields, found {len(fields)}",
                                path=path, line=reader.line_num)
            yield reader.line_num, dict(zip(columns, (f.strip() for f in fields), strict=True))


def _split(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(";") if v.strip())


def _need(ok: bool, message: str, path: Path, line: int) -> None:
    if not ok:
        raise DataError(message, path=path, line=line)


def read_genes(path: Path) -> Iterator[Gene]:
    """Genes of ``genes.tsv``. Raises DataError (file, line) for a malformed symbol or HGNC id."""
    for line, r in _rows(path, GENE_COLUMNS):
        _need(bool(_SYMBOL.match(r["symbol"])), f"bad gene symbol {r['symbol']!r}", path, line)
        _need(not r["hgnc_id"] or bool(_HGNC.match(r["hgnc_id"])), f"bad HGNC id {r['hgnc_id']!r}", path, line)
        _need(not r["family"] or bool(_SYMBOL.match(r["family"])), f"bad family {r['family']!r}", path, line)
        yield Gene(r["symbol"], r["hgnc_id"], r["name"], r["family"], r["source"], line)


def read_alterations(path: Path) -> Iterator[Alteration]:
    """Alterations of ``alterations.tsv``. Raises DataError (file, line) for a bad id or kind."""
    for line, r in _rows(path, ALTERATION_COLUMNS):
        _need(bool(_SLUG.match(r["id"])), f"alteration id {r['id']!r} is not a lower-case slug", path, line)
        _need(r["kind"] in KINDS, f"unknown kind {r['kind']!r}; expected one of {sorted(KINDS)}", path, line)
        _need(bool(r["label"]), "empty label", path, line)
        yield Alteration(r["id"], r["kind"], _split(r["genes"]), r["variant"], r["label"], line)


def read_subgroups(path: Path) -> Iterator[Subgroup]:
    """Subgroups of ``subgroups.tsv``. Raises DataError (file, line) for a bad id, parent CURIE,
    is_basket value or source_date."""
    for line, r in _rows(path, SUBGROUP_COLUMNS):
        _need(bool(_SLUG.match(r["id"])), f"subgroup id {r['id']!r} is not a lower-case slug", path, line)
        _need(r["is_basket"] in ("true", "false"), f"is_basket must be true or false, not {r['is_basket']!r}",
              path, line)
        parents = _split(r["parent_entities"])
        for p in parents:
            _need(bool(_PARENT.match(p)), f"parent {p!r} is not ORPHA:<code> or oncotree:<CODE>", path, line)
        _need(not r["source_date"] or bool(_DATE.match(r["source_date"])),
              f"source_date {r['source_date']!r} is not YYYY or YYYY-MM-DD", path, line)
        _need(bool(r["label"]), "empty label", path, line)
        yield Subgroup(r["id"], r["label"], parents, _split(r["alterations"]), r["is_basket"] == "true",
                       r["definition"], r["source"], r["source_date"], r["license"], line)


# --------------------------------------------------------------------------------------- checking

def _unique(records: Iterable, key: str, report: LoadReport, path: Path) -> list:  # type: ignore[type-arg]
    seen: set[str] = set()
    out = []
    for rec in records:
        k = getattr(rec, key)
        if k in seen:
            report.error("duplicate-id", f"{k} occurs more than once", path=str(path), line=rec.line, record=k)
            continue
        seen.add(k)
        out.append(rec)
    return out


def check(genes: Iterable[Gene], alterations: Iterable[Alteration], subgroups: Iterable[Subgroup],
          report: LoadReport, data_dir: Path, known_parents: set[str] | None = None) -> Curation:
    """Keep the records without row errors; report each problem on ``report`` (file and line).

    Row errors: duplicate-id, unknown-gene (an alteration names neither a gene nor a family),
    unknown-alteration, unknown-parent (only when ``known_parents`` is given), missing-source,
    missing-parent (a subgroup without parents), basket-shape (a basket with parents or not
    exactly one alteration). A subgroup whose alteration was dropped is dropped too.
    """
    folder = data_dir / FOLDER
    gl = _unique(genes, "symbol", report, folder / GENES_FILE)
    names = {g.symbol for g in gl} | {g.family for g in gl if g.family}
    alts = []
    for a in _unique(alterations, "id", report, folder / ALTERATIONS_FILE):
        missing = [g for g in a.genes if g not in names]
        if missing:
            report.error("unknown-gene", f"alteration {a.id} names unknown gene(s) {', '.join(missing)}",
                         path=str(folder / ALTERATIONS_FILE), line=a.line, record=a.id)
        else:
            alts.append(a)
    ids = {a.id for a in alts}
    subs = [s for s in _unique(subgroups, "id", report, folder / SUBGROUPS_FILE)
            if _subgroup_ok(s, ids, known_parents, report, folder / SUBGROUPS_FILE)]
    return Curation(gl, alts, subs)


def _subgroup_ok(s: Subgroup, alteration_ids: set[str], known_parents: set[str] | None,
                 report: LoadReport, path: Path) -> bool:
    where = {"path": str(path), "line": s.line, "record": s.id}
    problems = []
    if not s.source:
        problems.append(("missing-source", "no source citation"))
    unknown = [a for a in s.alterations if a not in alteration_ids]
    if unknown or not s.alterations:
        problems.append(("unknown-alteration", f"unknown or missing alteration(s) {', '.join(unknown) or '(none)'}"))
    if s.is_basket and (s.parents or len(s.alterations) != 1):
        problems.append(("basket-shape", "a basket has no parent entities and exactly one alteration"))
    if not s.is_basket and not s.parents:
        problems.append(("missing-parent", "a subgroup needs at least one parent entity"))
    if known_parents is not None:
        for p in s.parents:
            if p not in known_parents:
                problems.append(("unknown-parent", f"parent {p} is not in the Orphanet or OncoTree data"))
    for kind, message in problems:
        report.error(kind, message, **where)
    return not problems

"""The SSSOM side of the OncoTree -> Orphanet mappings: reviewed (curated) rows, and the SSSOM TSV
file written and validated with sssom-py.

Curated rows live in ``data/mappings/oncotree_orphanet.curated.tsv`` (:data:`CURATED`): one reviewed
mapping a line, with the reviewer, the review date and the reason, which must be checkable against
the two sources' labels, definitions or hierarchy. A subject that has curated rows keeps only those:
they replace every computed row of that OncoTree code (so a site-specific target such as ORPHA:213625
for uterine leiomyosarcoma replaces the lexical broadMatch to soft-tissue leiomyosarcoma). Every
curated row is checked against the sources when read: an unknown code, or a label that is not the
source's label, fails with the file and line.

sssom-py is imported only when a file is written or validated (it takes seconds to import).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kg.core.errors import DataError
from kg.core.records import MappableEntity
from loaders.mapping import MAPPING_SET_ID, SEMAPV, SOURCE, Mapping

CURATED = Path(__file__).resolve().parent.parent / "data" / "mappings" / "oncotree_orphanet.curated.tsv"
CURATED_HEADER = ("subject_id", "subject_label", "predicate_id", "object_id", "object_label", "confidence",
                  "reviewer_label", "review_date", "reason")
PREDICATES = ("exactMatch", "closeMatch", "broadMatch", "narrowMatch")

#: bumped whenever the rules or the curated rows change the file's content
MAPPING_SET_VERSION = "2.1"
MAPPING_DATE = "2026-12-07"
CREATOR_ID = "rarekg:team"
CREATOR_LABEL = "rarekg project"
REVIEWER_PREFIX = "rarekg:curator/"

#: CURIE prefixes of the SSSOM file. OncoTree has no PURLs, so its codes expand to rarekg's own
#: entity IRIs; ORPHA codes expand to the ORDO PURLs that Orphanet publishes.
CURIE_MAP: dict[str, str] = {
    "oncotree": "https://w3id.org/rarekg/entity/oncotree/",
    "ORPHA": "http://www.orpha.net/ORDO/Orphanet_",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "semapv": SEMAPV,
    "rarekg": "https://w3id.org/rarekg/",
}
COLUMNS = ("subject_id", "subject_label", "predicate_id", "object_id", "object_label", "mapping_justification",
           "confidence", "author_id", "reviewer_id", "reviewer_label", "comment")


def _where(path: Path, line: int, row: dict[str, str]) -> str:
    return f"{path.name}:{line} ({row.get('subject_id')} -> {row.get('object_id')})"


def read_curated(path: Path, subjects: Iterable[MappableEntity], objects: Iterable[MappableEntity]
                 ) -> list[Mapping]:
    """The reviewed rows of ``path`` as mappings (rule ``curated``, ``semapv:ManualMappingCuration``).

    Each code must be one of ``subjects`` (solid OncoTree tumour types) or ``objects`` (Orphanet
    entities outside the haematological branch) and each label must be that entity's label. Raises
    DataError naming the file and line otherwise, or if the header, predicate, confidence, reviewer,
    date or reason is missing or malformed.
    """
    by_curie = {e.curie: e for e in (*subjects, *objects)}
    out: list[Mapping] = []
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataError(f"cannot read the curated mappings: {exc}", path=path) from exc
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line and not line.startswith("#")]
    reader = csv.DictReader((line for _, line in lines), delimiter="\t")
    if tuple(reader.fieldnames or ()) != CURATED_HEADER:
        raise DataError(f"header must be {' '.join(CURATED_HEADER)}", path=path, line=lines[0][0] if lines else 1)
    for (line, _), row in zip(lines[1:], reader, strict=True):
        out.append(_curated_row(path, line, row, by_curie))
    return out


def _curated_row(path: Path, line: int, row: dict[str, str], by_curie: dict[str, MappableEntity]) -> Mapping:
    where = _where(path, line, row)
    ends = []
    for side in ("subject", "object"):
        entity = by_curie.get(row[f"{side}_id"])
        if entity is None:
            raise DataError(f"{where}: {side} {row[f'{side}_id']} is not a code of the sources "
                            "(or is a haematological or tissue-level entity, which is not mapped)", path=path, line=line)
        if entity.label != row[f"{side}_label"]:
            raise DataError(f"{where}: {side}_label {row[f'{side}_label']!r} is not the source's label "
                            f"{entity.label!r}", path=path, line=line)
        ends.append(entity)
    predicate = row["predicate_id"].removeprefix("skos:")
    if not row["predicate_id"].startswith("skos:") or predicate not in PREDICATES:
        raise DataError(f"{where}: predicate_id must be skos: one of {PREDICATES}", path=path, line=line)
    try:
        confidence = float(row["confidence"])
    except ValueError:
        confidence = -1.0
    if not 0 < confidence <= 1:
        raise DataError(f"{where}: confidence must be a number in (0, 1]", path=path, line=line)
    for col in ("reviewer_label", "review_date", "reason"):
        if not row[col].strip():
            raise DataError(f"{where}: {col} is empty; a curated row says who reviewed it, when and why",
                            path=path, line=line)
    return Mapping(ends[0], predicate, ends[1], "ManualMappingCuration", confidence,
                   f"reviewed {row['review_date']}: {row['reason']}", "curated", row["reviewer_label"])


def apply_curated(computed: Iterable[Mapping], curated: Iterable[Mapping]) -> list[Mapping]:
    """``computed`` with every row of a curated subject replaced by that subject's curated rows, sorted."""
    reviewed = list(curated)
    replaced = {m.subject.iri for m in reviewed}
    kept = [m for m in computed if m.subject.iri not in replaced]
    return sorted([*kept, *reviewed], key=lambda m: (m.subject.iri, m.object.iri))


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")


def _row(m: Mapping) -> dict[str, Any]:
    return {"subject_id": m.subject.curie, "subject_label": m.subject.label, "predicate_id": f"skos:{m.predicate}",
            "object_id": m.object.curie, "object_label": m.object.label,
            "mapping_justification": f"semapv:{m.justification}", "confidence": round(m.confidence, 2),
            "author_id": CREATOR_ID,
            "reviewer_id": REVIEWER_PREFIX + _slug(m.reviewer) if m.reviewer else "",
            "reviewer_label": m.reviewer, "comment": " ".join(f"[{m.rule}] {m.matched_on}".split())}


def metadata(oncotree_version: str, orphanet_release: Any) -> dict[str, Any]:
    """The mapping set's metadata: id, version, date, creator, both sources and their versions."""
    return {
        "mapping_set_id": MAPPING_SET_ID,
        "mapping_set_version": MAPPING_SET_VERSION,
        "mapping_set_title": "OncoTree to Orphanet rare solid tumour mappings (rarekg)",
        "mapping_set_description": ("OncoTree tumour types mapped to Orphanet rare neoplastic disease entities: "
                                    "lexical rules (loaders.mapping) and reviewed rows (data/mappings/"
                                    "oncotree_orphanet.curated.tsv); haematological entities (OncoTree Lymphoid "
                                    "and Myeloid, Orphanet 68347) are outside the scope and not mapped."),
        "license": SOURCE.license_url,
        "creator_id": [CREATOR_ID],
        "creator_label": [CREATOR_LABEL],
        "mapping_date": MAPPING_DATE,
        "subject_source": "https://oncotree.mskcc.org",
        "subject_source_version": oncotree_version,
        "object_source": "http://www.orpha.net/ORDO/",
        "object_source_version": (f"Orphadata product 3, classification {orphanet_release.classification_id} "
                                  f"({orphanet_release.classification_name}), {orphanet_release.version}, "
                                  f"{orphanet_release.date}"),
        "mapping_tool": "rarekg loaders.mapping",
        "mapping_tool_version": MAPPING_SET_VERSION,
        "comment": SOURCE.attribution,
    }


def export_sssom(mappings: Iterable[Mapping], path: Path, oncotree_version: str, orphanet_release: Any) -> int:
    """Write ``mappings`` (in the order given) as an SSSOM TSV file with sssom-py; returns the row count.

    Writes a temporary file first and renames it.
    """
    import pandas as pd
    from curies import Converter
    from sssom.util import MappingSetDataFrame
    from sssom.writers import write_table

    rows = [_row(m) for m in mappings]
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    msdf = MappingSetDataFrame(df=frame, converter=Converter.from_prefix_map(CURIE_MAP),
                               metadata=metadata(oncotree_version, orphanet_release))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        write_table(msdf, fh)
    tmp.replace(path)
    return len(rows)


def validate_sssom(path: Path) -> None:
    """Parse ``path`` with sssom-py and run its validations (JSON schema, prefix map, CURIE format).

    Raises DataError listing the problems if there are any.
    """
    from sssom.parsers import parse_sssom_table
    from sssom.validators import validate

    try:
        msdf = parse_sssom_table(path)
    except (ValueError, KeyError) as exc:
        raise DataError(f"sssom-py cannot read the mapping file: {exc}", path=path) from exc
    problems = [str(r) for report in validate(msdf, fail_on_error=False).values() for r in report.results]
    if problems:
        raise DataError(f"sssom-py finds the mapping file invalid: {'; '.join(problems[:5])}", path=path)

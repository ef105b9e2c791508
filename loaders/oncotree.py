"""OncoTree (MSK / cBioPortal): the tumour-type tree, as OWL classes under ``rkg:CancerEntity``.

Source file: ``oncotree/oncotree_<YYYY_MM_DD>.json`` (nested JSON, root key ``TISSUE``). The loader
compiles it to ``data/oncotree/nodes.jsonl`` (one :class:`OncoTreeNode` per line plus one
:class:`OncoTreeRelease` line) and builds triples from that compiled file.

Modelling choices (see the module functions for details):

* Every node, the root ``TISSUE`` and the 32 tissue-level (level 1) nodes included, is an
  ``owl:Class`` ``entity/oncotree/<CODE>`` that is ``rdfs:subClassOf`` its parent; the root is
  ``rdfs:subClassOf rkg:CancerEntity``. OncoTree uses a tissue code as the cancer type of a
  sample whose tumour type is not further specified (cBioPortal codes such samples ``BONE``,
  ``SOFT_TISSUE``, ...), so a tissue node is read as "tumour of that tissue, NOS" and belongs
  under ``rkg:CancerEntity``; leaving it out would break the chain from every tumour type to
  the root class.
* The NCIt and UMLS codes that OncoTree gives its root and tissue nodes name the *anatomical*
  site (``OVARY`` -> NCIt C12404 "Ovary"), not a tumour. They are kept as ``oboInOwl:hasDbXref``
  but not asserted as ``skos:exactMatch``, and :func:`mappable` does not offer them to the
  mapper. For tumour-type nodes (level >= 2) each NCIt code is also a ``skos:exactMatch`` to
  its OBO PURL.
* OncoTree's history model (https://oncotree.mskcc.org, "OncoTree History Modeling"):
  ``history`` lists synonymous earlier codes -> ``rkg:previousCode``; ``precursors`` lists
  codes that became part of this node's meaning -> ``rkg:precursorCode``; ``revocations``
  lists codes this node was part of that were revoked -> ``rkg:revokedCode``. All three are
  literals on the current node: the old codes are not nodes of this release (and one,
  ``PTCL``, was revoked and then reused), so minting classes for them with ``rkg:revoked`` /
  ``rkg:replacedBy`` would collide or assert a replacement the source does not state.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyoxigraph import Literal, NamedNode

from kg.core.errors import DataError
from kg.core.records import LoadReport, MappableEntity, SourceInfo, Triple, read_records, write_records
from kg.core.vocab import OBOINOWL, OWL, RDF, RDFS, RKG, SKOS, XSD, mint

SOURCE = SourceInfo(
    name="oncotree",
    title="OncoTree",
    license="CC-BY-4.0",
    attribution=("OncoTree (Memorial Sloan Kettering Cancer Center, cBioPortal), "
                 "oncotree_2025_10_03, CC BY 4.0"),
    homepage="https://oncotree.mskcc.org",
    license_url="https://creativecommons.org/licenses/by/4.0/",
)

ROOT_CODE = "TISSUE"
NCIT_PURL = "http://purl.obolibrary.org/obo/NCIT_"
COMPILED_FILE = "nodes.jsonl"
_RELEASE_NAME = re.compile(r"^oncotree_\d{4}_\d{2}_\d{2}$")
_REQUIRED = ("code", "name", "level", "children")
_NCIT = re.compile(r"^C\d+$")
#: UMLS CUIs, plus the NCI Metathesaurus-only CUIs ("CL448335", "CN294567") that OncoTree lists under UMLS
_UMLS = re.compile(r"^C[LN]?\d{6,7}$")


@dataclass(frozen=True)
class OncoTreeNode:
    """One OncoTree node as the source gives it (children flattened away; ``parent`` is a code)."""

    code: str
    name: str
    level: int
    parent: str | None = None
    main_type: str | None = None
    tissue: str | None = None
    color: str | None = None
    umls: list[str] = field(default_factory=list)
    nci: list[str] = field(default_factory=list)
    history: list[str] = field(default_factory=list)
    revocations: list[str] = field(default_factory=list)
    precursors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class OncoTreeRelease:
    """Which OncoTree release the compiled nodes come from."""

    version: str       # e.g. "oncotree_2025_10_03"
    file: str          # the original file name


RECORD_TYPES: dict[str, type] = {"OncoTreeNode": OncoTreeNode, "OncoTreeRelease": OncoTreeRelease}


def entity_iri(code: str) -> NamedNode:
    """The class IRI of an OncoTree code, ``entity/oncotree/<CODE>``."""
    return mint("entity", f"oncotree/{code}")


def release_version(path: Path) -> str:
    """The release name from a file name such as ``oncotree_2025_10_03.json``.

    Raises DataError if the name does not follow that pattern.
    """
    if not _RELEASE_NAME.match(path.stem):
        raise DataError("file name does not name an OncoTree release (oncotree_YYYY_MM_DD.json)", path=path)
    return path.stem


def read(path: Path) -> Iterator[OncoTreeNode]:
    """The nodes of an OncoTree JSON file, parents before children, children in code order.

    Raises DataError naming the file and line for malformed JSON, and naming the node's path in
    the tree for a node that is not an object or lacks ``code``, ``name``, ``level`` or ``children``.
    """
    try:
        with path.open(encoding="utf-8") as fh:
            data = json.load(fh)
    except json.JSONDecodeError as exc:
        raise DataError(f"malformed JSON: {exc.msg} (column {exc.colno})", path=path, line=exc.lineno) from exc
    if not isinstance(data, dict) or ROOT_CODE not in data:
        raise DataError(f"no root key {ROOT_CODE!r}", path=path)
    stack: list[tuple[str, Any]] = [(ROOT_CODE, data[ROOT_CODE])]
    while stack:
        where, raw = stack.pop()
        node = _node_from_json(raw, where, path)
        yield node
        children = raw["children"]
        for key in sorted(children, reverse=True):
            stack.append((f"{where}/{key}", children[key]))


def _node_from_json(raw: Any, where: str, path: Path) -> OncoTreeNode:
    """One node object -> OncoTreeNode; raises DataError naming ``where`` if it is malformed."""
    if not isinstance(raw, dict):
        raise DataError("node is not a JSON object", path=path, record=where)
    missing = [key for key in _REQUIRED if key not in raw]
    if missing:
        raise DataError(f"node lacks {', '.join(missing)}", path=path, record=where)
    if not isinstance(raw["children"], dict) or not isinstance(raw["level"], int):
        raise DataError("node has non-object children or a non-integer level", path=path, record=where)
    refs = raw.get("externalReferences") or {}
    return OncoTreeNode(
        code=raw["code"], name=raw["name"], level=raw["level"], parent=raw.get("parent"),
        main_type=raw.get("mainType"), tissue=raw.get("tissue"), color=raw.get("color"),
        umls=_codes(refs.get("UMLS")), nci=_codes(refs.get("NCI")),
        history=list(raw.get("history") or []), revocations=list(raw.get("revocations") or []),
        precursors=list(raw.get("precursors") or []),
    )


def _codes(values: Any) -> list[str]:
    """External codes with surrounding whitespace removed (the 2025-10-03 file has ``"C1333295 "``)."""
    return [str(v).strip() for v in values or [] if str(v).strip()]


def check_tree(nodes: Iterator[OncoTreeNode], report: LoadReport, path: Path | None = None) -> list[OncoTreeNode]:
    """The nodes that form a valid tree; each problem goes to ``report`` as an error naming the code.

    A duplicate code (the later node is dropped), a node whose ``parent`` is not an earlier
    kept node (dropped with its descendants) and a second root are reported as errors; an NCIt or
    UMLS code of unexpected form as a warning.
    """
    kept: dict[str, OncoTreeNode] = {}
    where = str(path) if path else None
    for node in nodes:
        if node.code in kept:
            report.error("duplicate-code", f"OncoTree code {node.code} occurs more than once",
                         path=where, record=node.code)
        elif node.parent is None and node.code != ROOT_CODE:
            report.error("unknown-parent", f"node {node.code} has no parent and is not the root",
                         path=where, record=node.code)
        elif node.parent is not None and node.parent not in kept:
            report.error("unknown-parent", f"node {node.code} names parent {node.parent}, which does not exist",
                         path=where, record=node.code)
        else:
            kept[node.code] = node
            _check_codes(node, report, where)
    return list(kept.values())


def _check_codes(node: OncoTreeNode, report: LoadReport, where: str | None) -> None:
    """Warn about an NCIt or UMLS code of unexpected form (kept: the source is the authority)."""
    for prefix, codes, pattern in (("NCIT", node.nci, _NCIT), ("UMLS", node.umls, _UMLS)):
        for code in codes:
            if not pattern.match(code):
                report.warn("bad-xref", f"node {node.code} has {prefix} code {code!r} of unexpected form",
                            path=where, record=node.code)


def find_source_file(raw_dir: Path) -> Path:
    """The newest ``oncotree/oncotree_YYYY_MM_DD.json`` under ``raw_dir``; DataError if there is none."""
    files = sorted(p for p in (raw_dir / "oncotree").glob("oncotree_*.json") if _RELEASE_NAME.match(p.stem))
    if not files:
        raise DataError("no oncotree_YYYY_MM_DD.json file found", path=raw_dir / "oncotree")
    return files[-1]


def compile(raw_dir: Path, data_dir: Path, report: LoadReport) -> Path:
    """Compile the OncoTree JSON under ``raw_dir`` to ``data_dir/oncotree/nodes.jsonl``; returns that path.

    Raises DataError for a missing or malformed source file; row problems go to ``report``.
    """
    src = find_source_file(raw_dir)
    report.version = release_version(src)
    report.files.append(src)
    nodes = check_tree(read(src), report, src)
    out = data_dir / SOURCE.name / COMPILED_FILE
    records: list[Any] = [*nodes, OncoTreeRelease(version=report.version, file=src.name)]
    write_records(out, records, SOURCE)
    report.counts["nodes"] = len(nodes)
    return out


def read_compiled(data_dir: Path) -> tuple[OncoTreeRelease, list[OncoTreeNode]]:
    """The release record and the nodes of ``data_dir/oncotree/nodes.jsonl``.

    Raises DataError if the file is missing or malformed or has not exactly one release record.
    """
    path = data_dir / SOURCE.name / COMPILED_FILE
    releases: list[OncoTreeRelease] = []
    nodes: list[OncoTreeNode] = []
    for rec in read_records(path, RECORD_TYPES):
        (releases if isinstance(rec, OncoTreeRelease) else nodes).append(rec)
    if len(releases) != 1:
        raise DataError(f"expected one OncoTreeRelease record, found {len(releases)}", path=path)
    return releases[0], nodes


def load(data_dir: Path, report: LoadReport) -> Iterator[Triple]:
    """The triples of the compiled OncoTree; sets ``report.version``, ``report.files`` and counts.

    Raises DataError if the compiled file is missing or malformed.
    """
    release, nodes = read_compiled(data_dir)
    report.version = release.version
    report.files.append(data_dir / SOURCE.name / COMPILED_FILE)
    for node in nodes:
        report.counts["nodes"] += 1
        for triple in to_triples(node):
            report.counts["triples"] += 1
            yield triple


def _literal_xrefs(node: OncoTreeNode) -> list[str]:
    return ([f"oncotree:{node.code}"] + [f"NCIT:{c}" for c in node.nci] + [f"UMLS:{c}" for c in node.umls])


def to_triples(node: OncoTreeNode) -> Iterator[Triple]:
    """The triples of one OncoTree node (pure: no I/O)."""
    s = entity_iri(node.code)
    yield s, RDF.type, OWL.Class
    yield s, RDFS.subClassOf, entity_iri(node.parent) if node.parent else RKG.CancerEntity
    yield s, RDFS.label, Literal(node.name, language="en")
    yield s, RKG.oncotreeCode, Literal(node.code)
    yield s, RKG.oncotreeLevel, Literal(str(node.level), datatype=XSD.integer)
    if node.main_type:
        yield s, RKG.oncotreeMainType, Literal(node.main_type)
    if node.tissue:
        yield s, RKG.oncotreeTissue, Literal(node.tissue)
    for xref in _literal_xrefs(node):
        yield s, OBOINOWL.hasDbXref, Literal(xref)
    if is_tumour_type(node):
        for code in node.nci:
            yield s, SKOS.exactMatch, NamedNode(NCIT_PURL + code)
    for code in node.history:
        yield s, RKG.previousCode, Literal(code)
    for code in node.precursors:
        yield s, RKG.precursorCode, Literal(code)
    for code in node.revocations:
        yield s, RKG.revokedCode, Literal(code)


def is_tumour_type(node: OncoTreeNode) -> bool:
    """True for a tumour-type node (level >= 2); the root and tissue nodes carry anatomical xrefs."""
    return node.level >= 2


def to_mappable(node: OncoTreeNode) -> MappableEntity:
    """What the mapper needs of one node; the anatomical xrefs of root and tissue nodes are left out."""
    xrefs = tuple(f"NCIT:{c}" for c in node.nci) + tuple(f"UMLS:{c}" for c in node.umls)
    return MappableEntity(
        iri=entity_iri(node.code).value,
        curie=f"oncotree:{node.code}",
        label=node.name,
        xrefs=xrefs if is_tumour_type(node) else (),
        parents=(entity_iri(node.parent).value,) if node.parent else (),
    )


def mappable(data_dir: Path) -> Iterator[MappableEntity]:
    """Every compiled tumour-type node (level >= 2) as a MappableEntity, in code order.

    The root and the tissue nodes are left out: their labels name an organ ("Breast", "Pancreas"),
    so comparing them with Orphanet disease names yields only false hits ("Adenoma of pancreas"
    is not a kind of "Pancreas"). Raises DataError as :func:`read_compiled`.
    """
    _, nodes = read_compiled(data_dir)
    for node in sorted(nodes, key=lambda n: n.code):
        if is_tumour_type(node):
            yield to_mappable(node)

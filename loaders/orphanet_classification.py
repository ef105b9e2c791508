"""Reading Orphadata product 3 (an Orphanet classification) into flat node records.

The XML nests ``ClassificationNode`` elements: each holds a ``Disorder`` (``OrphaCode``, ``Name``,
``DisorderType/Name``) and a ``ClassificationNodeChildList`` of child nodes. The classification is
a polyhierarchy: a disorder with several parents appears once under each of them, with its whole
subtree repeated. :func:`read_classification` folds the repeats into one :class:`ClassificationNode`
per ORPHAcode that lists every parent.

>>> import tempfile, pathlib
>>> xml = ('<JDBOR version="v1"><ClassificationList><Classification id="1"><Name>c</Name>'
...        '<ClassificationNodeRootList><ClassificationNode><Disorder><OrphaCode>1</OrphaCode>'
...        '<Name>root</Name><DisorderType><Name>Category</Name></DisorderType></Disorder>'
...        '<ClassificationNodeChildList><ClassificationNode><Disorder><OrphaCode>2</OrphaCode>'
...        '<Name>leaf</Name><DisorderType><Name>Disease</Name></DisorderType></Disorder>'
...        '</ClassificationNode></ClassificationNodeChildList></ClassificationNode>'
...        '</ClassificationNodeRootList></Classification></ClassificationList></JDBOR>')
>>> path = pathlib.Path(tempfile.mkdtemp()) / "c.xml"
>>> _ = path.write_text(xml)
>>> [(n.code, n.parents) for n in read_classification(path)]
[('1', []), ('2', ['1'])]
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kg.core.errors import DataError
from loaders import safexml


@dataclass(frozen=True)
class ClassificationNode:
    """One ORPHAcode of a classification with all its parents in that classification."""

    code: str
    label: str
    disorder_type: str
    parents: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ClassificationInfo:
    """The header of a product 3 file: JDBOR version and date, classification id and name."""

    version: str
    date: str
    classification_id: str
    classification_name: str


def _parse(path: Path) -> ET.Element:
    """The root element of ``path``; DataError with file and line for malformed XML."""
    try:
        return safexml.parse(path)
    except ET.ParseError as exc:
        line, column = exc.position
        raise DataError(f"malformed XML (column {column}): {exc}", path=path, line=line) from exc
    except OSError as exc:
        raise DataError(f"cannot read classification file: {exc}", path=path) from exc


def _classification(root: ET.Element, path: Path) -> ET.Element:
    if root.tag != "JDBOR":
        raise DataError(f"root element is <{root.tag}>, expected <JDBOR> (Orphadata product 3)", path=path)
    classification = root.find("ClassificationList/Classification")
    if classification is None:
        raise DataError("no ClassificationList/Classification element", path=path)
    return classification


def read_info(path: Path) -> ClassificationInfo:
    """The JDBOR version, date and classification of a product 3 file. Raises DataError if malformed."""
    root = _parse(path)
    classification = _classification(root, path)
    version = root.get("version")
    if not version:
        raise DataError("the JDBOR element has no version attribute", path=path)
    return ClassificationInfo(version=version, date=root.get("date", ""),
                              classification_id=classification.get("id", ""),
                              classification_name=(classification.findtext("Name") or "").strip())


def _disorder(node: ET.Element, path: Path, where: str) -> tuple[str, str, str]:
    """(code, name, type) of the Disorder of a ClassificationNode; DataError naming the place if absent."""
    code = (node.findtext("Disorder/OrphaCode") or "").strip()
    name = (node.findtext("Disorder/Name") or "").strip()
    dtype = (node.findtext("Disorder/DisorderType/Name") or "").strip()
    if not code.isdigit() or not name:
        raise DataError(f"ClassificationNode without a numeric OrphaCode and a Name ({where})", path=path)
    return code, name, dtype


def read_classification(path: Path) -> Iterator[ClassificationNode]:
    """Every distinct ORPHAcode of the classification in ``path``, in document order, with all parents.

    Raises DataError naming file and line for malformed XML, and naming the place for a node
    without code or name, or for a code whose name or type differs between its occurrences.
    """
    classification = _classification(_parse(path), path)
    seen: dict[str, tuple[str, str]] = {}
    parents: dict[str, list[str]] = {}
    stack: list[tuple[ET.Element, str | None]] = [
        (n, None) for n in reversed(classification.findall("ClassificationNodeRootList/ClassificationNode"))]
    if not stack:
        raise DataError("the classification has no root ClassificationNode", path=path)
    while stack:
        node, parent = stack.pop()
        code, name, dtype = _disorder(node, path, f"child of {parent}" if parent else "root")
        if code in seen and seen[code] != (name, dtype):
            raise DataError(f"ORPHAcode {code} has two names or types: {seen[code]} and {(name, dtype)}",
                            path=path, record=code)
        seen.setdefault(code, (name, dtype))
        links = parents.setdefault(code, [])
        if parent is not None and parent not in links:
            links.append(parent)
        children = node.findall("ClassificationNodeChildList/ClassificationNode")
        stack.extend((child, code) for child in reversed(children))
    for code, (name, dtype) in seen.items():
        yield ClassificationNode(code=code, label=name, disorder_type=dtype, parents=sorted(parents[code], key=int))

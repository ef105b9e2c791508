"""Downloaded XML is parsed with defusedxml: an entity bomb or an external entity stops the load with
the file and line named, and never expands or fetches anything."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.core.errors import DataError
from kg.core.records import LoadReport
from loaders import ctgov, orphanet_classification, pubmed, safexml

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE root [
<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
]>
<{root}>&c;</{root}>
"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE root [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<{root}>&secret;</{root}>
"""


@pytest.mark.parametrize(("template", "line"), [(BOMB, 3), (EXTERNAL, 2)], ids=["entity-bomb", "external-entity"])
@pytest.mark.parametrize(("root", "read"), [
    ("clinical_study", lambda p: list(ctgov.read_legacy(p, LoadReport("ctgov")))),
    ("PubmedArticleSet", lambda p: list(pubmed.read_xml(p, LoadReport("pubmed")))),
    ("JDBOR", lambda p: list(orphanet_classification.read_classification(p))),
], ids=["ctgov-legacy", "pubmed", "orphanet-classification"])
def test_a_downloaded_xml_file_with_entities_is_refused(tmp_path: Path, template: bytes, line: int, root: str,
                                                        read) -> None:
    path = tmp_path / "download.xml"
    path.write_bytes(template.replace(b"{root}", root.encode()))
    with pytest.raises(DataError, match=rf"{path}:{line}: .*entity declaration or an external entity is refused"):
        read(path)


def test_plain_xml_still_parses_and_malformed_xml_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "ok.xml"
    path.write_bytes(b'<?xml version="1.0"?>\n<!DOCTYPE a PUBLIC "-//x//y" "y.dtd">\n<a><b>\xc3\xa9</b></a>')
    assert safexml.parse(path).findtext("b") == "é"
    path.write_bytes(b"<a>\n<b></a>")
    with pytest.raises(DataError, match=rf"{path}:2: malformed XML"):
        list(pubmed.read_xml(path, LoadReport("pubmed")))

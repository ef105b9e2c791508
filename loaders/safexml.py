"""Downloaded XML parsed with defusedxml: an entity declaration (billion laughs, quadratic blow-up) or an
external entity in a file or an answer is refused instead of expanded or fetched.

The functions return stdlib ``ElementTree`` elements and raise the stdlib ``ElementTree.ParseError``
(with ``position`` = (line, column)) both for malformed XML and for a refused construct, so callers
keep one ``except ET.ParseError`` and name the file and line.

>>> fromstring(b"<a><b>x</b></a>").findtext("b")
'x'
>>> fromstring(b'<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>')
Traceback (most recent call last):
...
xml.etree.ElementTree.ParseError: XML with an entity declaration or an external entity is refused (EntitiesForbidden(name='e', system_id=None, public_id=None)): line 1
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as _defused


def parse(path: Path) -> ET.Element:
    """The root element of the XML file ``path``. Raises ET.ParseError, OSError when it cannot be read."""
    try:
        return _defused.parse(path).getroot()
    except DefusedXmlException as exc:
        raise _refused(exc, path.read_bytes()) from exc


def fromstring(text: bytes) -> ET.Element:
    """The root element of the XML document ``text``. Raises ET.ParseError."""
    try:
        return _defused.fromstring(text)
    except DefusedXmlException as exc:
        raise _refused(exc, text) from exc


def _refused(exc: DefusedXmlException, text: bytes) -> ET.ParseError:
    found = text.find(b"<!ENTITY")
    line = text.count(b"\n", 0, found) + 1 if found >= 0 else 1
    error = ET.ParseError(f"XML with an entity declaration or an external entity is refused ({exc!r}): line {line}")
    error.position = (line, 0)
    return error

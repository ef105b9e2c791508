"""The Research Organization Registry (ROR, https://ror.org, CC0) as a source.

Reading a dump (zip of JSON arrays, schema v2 and v1) lives in :mod:`loaders.ror_dump`; its record
types and :func:`read` are re-exported here. This module adds what the records mean:
:func:`successor_map` (inactive and withdrawn records followed to their final successor).
"""

from __future__ import annotations

from collections.abc import Iterable

from kg.errors import DataError
from loaders.base import LoadReport
from loaders.ror_dump import ROR_RE, RorLocation, RorName, RorRecord, dump_members, read

__all__ = ["ROR_RE", "RorLocation", "RorName", "RorRecord", "dump_members", "read", "successor_map"]


def successor_map(records: Iterable[RorRecord], report: LoadReport | None = None) -> dict[str, str]:
    """For every inactive or withdrawn record with a successor: the id of its final successor.

    The chain follows each record's first listed ``successor`` relationship until it reaches an
    active record, or an id that ``records`` does not hold (a partial registry: that id is the best
    known successor). A chain that ends at an inactive or withdrawn record without successor gives
    no entry. A successor loop raises DataError naming every id of the loop; with ``report`` the
    loop is recorded there (kind ``successor-loop``) and its records get no entry instead.

    >>> a = RorRecord("https://ror.org/000000000", "inactive", (RorName("A", ("ror_display",), None),),
    ...               (), (), (("successor", "https://ror.org/011111111"),), (), "v2")
    >>> b = RorRecord("https://ror.org/011111111", "active", (RorName("B", ("ror_display",), None),),
    ...               (), (), (), (), "v2")
    >>> successor_map([a, b])
    {'https://ror.org/000000000': 'https://ror.org/011111111'}
    """
    status: dict[str, str] = {}
    successor: dict[str, str] = {}
    for record in records:
        status[record.id] = record.status
        following = record.related("successor")
        if record.status != "active" and following:
            successor[record.id] = following[0]
    result: dict[str, str] = {}
    looped: set[str] = set()
    for start in sorted(successor):
        if start in looped:
            continue
        chain = [start]
        current = successor[start]
        while status.get(current, "active") != "active" and current in successor:
            if current in chain or current in looped:
                if current in chain:
                    loop = chain[chain.index(current):] + [current]
                    message = "successor loop: " + " -> ".join(loop) + "; no record of the loop is active"
                else:
                    message = "successors lead into a successor loop: " + " -> ".join(chain + [current])
                looped.update(chain)
                if report is None:
                    raise DataError(message, record=start)
                report.error("successor-loop", message, record=start)
                break
            chain.append(current)
            current = successor[current]
        else:
            if status.get(current, "active") == "active":
                result[start] = current
    return result

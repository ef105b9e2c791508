"""The development/test split of the real trial records in ``../shared/data/trials``.

A record is in the *test* half when the first 32 bits of the SHA-256 of its registry id (the NCT id or
the CTIS ``ctNumber``, as UTF-8) are odd, else in the *development* half. Rules may be written and
tuned on development records only; figures are reported on the test half. The split was committed
before any rule of the institutions (#16) or entities (#17) work was written, as ``trial_split.tsv``.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path


def half(registry_id: str) -> str:
    """``"test"`` or ``"dev"`` for a registry id.

    >>> half("NCT00061984"), half("NCT00002641")
    ('test', 'dev')
    """
    digest = hashlib.sha256(registry_id.encode("utf-8")).hexdigest()
    return "test" if int(digest[:8], 16) % 2 else "dev"


def registry_id(path: Path) -> str:
    """The registry id a trial file holds (legacy XML ``nct_id``, API v2 ``nctId``, CTIS ``ctNumber``)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".xml":
        found = re.search(r"<nct_id>\s*([^<\s]+)\s*</nct_id>", text)
        if not found:
            raise ValueError(f"{path}: no <nct_id>")
        return found.group(1)
    record = json.loads(text)
    if "ctNumber" in record:
        return str(record["ctNumber"])
    return str(record["protocolSection"]["identificationModule"]["nctId"])


def split_rows(trials_dir: Path) -> list[tuple[str, str, str]]:
    """(registry id, file path relative to ``trials_dir``, half) for every trial file, sorted by path."""
    rows = []
    for path in sorted(trials_dir.rglob("*")):
        if path.suffix in {".xml", ".json"}:
            rid = registry_id(path)
            rows.append((rid, path.relative_to(trials_dir).as_posix(), half(rid)))
    return rows


def ids_in_half(which: str, gold_dir: Path | None = None) -> set[str]:
    """The registry ids of one half (``"test"`` or ``"dev"``) of the committed split."""
    table = (gold_dir or Path(__file__).parent) / "trial_split.tsv"
    lines = table.read_text(encoding="utf-8").splitlines()[1:]
    return {line.split("\t")[0] for line in lines if line.split("\t")[2] == which}

"""The curated provider files whose ``ror`` column :mod:`loaders.ror_match` fills: their rows read, the
outcomes written back (every other byte kept) and listed for review in ``data/ror/matching.md``."""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kg.core.errors import DataError

CURATED = (Path("euracan") / "centres.tsv", Path("institutions") / "institutions.tsv")
LISTING = Path("ror") / "matching.md"
LISTING_HEAD = """# ROR ids of the curated providers: what the matching rule did

Written by `python -m loaders.ror_match` from `{dump}` (rule: its module docstring and
docs/decisions/0011-research-organization-registry.md). Rows under "Not matched" have no ROR id in
`data/euracan/centres.tsv` / `data/institutions/institutions.tsv`: the partial registry lacks them or
holds several candidates; a curator who checks one by hand writes its id into the file (it is then kept).

"""


@dataclass(frozen=True)
class Row:
    file: str
    line: int
    id: str
    names: tuple[str, ...]
    city: str
    country: str
    ror: str
    primary: int = 1   # how many of ``names`` are the row's own names (name, local name), not aliases


@dataclass(frozen=True)
class Outcome:
    row: Row
    ror: str        # the IRI the rule gives ("" when none)
    tier: str       # "city" | "country" | "ambiguous" | "none"
    note: str


def read_rows(data_dir: Path) -> list[Row]:
    """The curated rows of both files. Raises DataError for a file without the needed columns."""
    rows = []
    for rel in CURATED:
        path = data_dir / rel
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
            needed = {"id", "name", "local_name", "aliases", "city", "country", "ror"}
            if not needed <= set(reader.fieldnames or ()):
                raise DataError(f"missing column(s) {sorted(needed - set(reader.fieldnames or ()))}", path=path, line=1)
            for line, r in enumerate(reader, 2):
                own = tuple(dict.fromkeys(n for n in (r["name"], r["local_name"]) if n))
                names = tuple(dict.fromkeys((*own, *(a for a in r["aliases"].split(" | ") if a))))
                rows.append(Row(str(rel), line, r["id"], names, r["city"], r["country"], r["ror"], len(own)))
    return rows


def write_rows(data_dir: Path, outcomes: Sequence[Outcome]) -> None:
    """Rewrite the ``ror`` cell of every row, leaving every other byte of the files as it was."""
    by_file: dict[str, dict[int, str]] = defaultdict(dict)
    for o in outcomes:
        by_file[o.row.file][o.row.line] = o.ror
    for rel, values in by_file.items():
        path = data_dir / rel
        lines = path.read_text(encoding="utf-8").split("\n")
        column = lines[0].split("\t").index("ror")
        for line, value in values.items():
            cells = lines[line - 1].split("\t")
            cells[column] = value
            lines[line - 1] = "\t".join(cells)
        tmp = path.with_suffix(".tsv.tmp")
        tmp.write_text("\n".join(lines), encoding="utf-8")
        tmp.replace(path)


def listing(outcomes: Sequence[Outcome]) -> str:
    """A Markdown listing of the outcomes: matched by tier, then not matched with the reason."""
    out = []
    for tier, title in (("city", "Matched: name and city"), ("country", "Matched: name and country, city differs"),
                        ("words", "Matched: same words in any language, same place"),
                        ("distinctive", "Matched: same distinctive words, a hospital of the same place"),
                        ("part", "Matched: the part of a group at the record's own city"),
                        ("names", "Matched: a name made of the row's names together, same place"),
                        ("kept", "Kept from the file"), ("ambiguous", "Not matched: several records"),
                        ("none", "Not matched: no record")):
        rows = [o for o in outcomes if o.tier == tier]
        out.append(f"### {title} ({len(rows)})\n")
        out += [f"- `{o.row.id}` ({o.row.city}, {o.row.country}): {o.ror + ' ' if o.ror else ''}{o.note}"
                for o in sorted(rows, key=lambda o: o.row.id)]
        out.append("")
    return "\n".join(out)

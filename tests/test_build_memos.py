"""The build's memos (answers kept across records, for speed) give exactly the answers computed one
record at a time: records repeat titles, texts and facility strings, and must not share a wrong one."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.core.records import LoadReport
from loaders import evidence
from loaders.link.conditions import RecordLinks, link_record, link_records
from loaders.link.conditions_names import ConditionIndex
from loaders.link.terms import Term


@pytest.fixture(scope="module")
def index(repo_data: Path) -> ConditionIndex:
    return ConditionIndex.from_data(repo_data)


def _links(result: RecordLinks) -> list[tuple[str, str, Term, str, str, str]]:
    return [(lk.subject_kind, lk.subject_id, lk.term, lk.match.entity.iri, lk.match.rule, lk.match.matched)
            for lk in result.links]


def test_title_and_text_memos_change_no_link(index: ConditionIndex, repo_data: Path) -> None:
    _, found, pubs = evidence.read_evidence(repo_data, LoadReport("evidence"))
    from loaders.link.terms import publication_terms, trial_terms
    records = [("trial", t.canonical_id, trial_terms(t), t.brief_title) for t in found]
    records += [("publication", p.pmid, publication_terms(p), p.title) for p in pubs]
    # every record twice (and a title reused by a record with other texts), so the memos answer
    records += [(k, i + "-again", terms, title) for k, i, terms, title in records]
    records += [("trial", "T-mixed", [Term("Sarcoma", "condition")], records[0][3])]
    assert any(title for *_, title in records)
    shared = link_records(records, index)
    alone = RecordLinks()
    for kind, rid, terms, title in records:
        link_record(kind, rid, terms, title, index, alone)  # no memo shared between records
    assert _links(shared) == _links(alone) and shared.links
    assert shared.unmatched == alone.unmatched and shared.terms == alone.terms


def test_rebuild_stores_exactly_what_the_loaders_yield(tmp_path: Path, repo_data: Path) -> None:
    """The on-disk build writes each graph as N-Triples text through a pipe (kg.store.bulk): every graph
    holds exactly its loader's triples, blank-node triples counted (their labels are the engine's)."""
    import pyoxigraph as ox

    from kg.core.vocab import graph_iri
    from kg.store.embedded import EmbeddedStore
    from rarekg.build import build, source_modules

    sources = ("kg.core.ontology", "loaders.euracan", "loaders.evidence", "loaders.institutions")
    store = EmbeddedStore(tmp_path / "store")
    build(store, repo_data, sources=sources, reason=False)
    for module in source_modules(sources):
        direct = ox.Store()  # the same triples added one by one, no text: the engine's own value forms
        direct.extend(ox.Quad(s, p, o) for s, p, o in module.load(repo_data, LoadReport(module.SOURCE.name)))
        expected = [(s, p, o) for s, p, o, _ in direct]
        plain = {t for t in expected if not any(isinstance(x, ox.BlankNode) for x in t)}
        got = {(s, p, o) for s, p, o, _ in store._store.quads_for_pattern(None, None, None, graph_iri(module.SOURCE.name))}
        got_plain = {t for t in got if not any(isinstance(x, ox.BlankNode) for x in t)}
        assert got_plain == plain, module.SOURCE.name
        assert len(got) == len(set(expected)), module.SOURCE.name
    store.close()

"""One definition of an open trial: the Python predicate and the SPARQL library's filter agree."""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest

from kg import queries
from kg.store import EmbeddedStore
from kg.trial_status import OPEN_STATUSES, fold_status, is_open
from kg.vocab import RKG, graph_iri

SPELLINGS = [
    "Recruiting", "RECRUITING", "Not yet recruiting", "NOT_YET_RECRUITING", "Enrolling by invitation",
    "ENROLLING_BY_INVITATION", "Authorised, recruiting", "Ongoing, recruiting", "Authorised, not started",
    "Active, not recruiting", "ACTIVE_NOT_RECRUITING", "Completed", "TERMINATED", "Withdrawn", "Suspended",
    "Unknown status", "Ongoing, recruitment ended", "Authorised", "Under evaluation", "Ended",
]


def test_open_means_enrolling_or_about_to() -> None:
    assert all(is_open(s) for s in SPELLINGS[:9])
    assert not any(is_open(s) for s in SPELLINGS[9:])
    assert not is_open(None) and not is_open("")
    assert fold_status("  Active,  not_recruiting ") == "active not recruiting"


def test_the_library_query_spells_the_same_statuses() -> None:
    text = queries.get("open-trials-for-entity").text
    listed = re.search(r"FILTER\(LCASE\(REPLACE\(\?status[^)]*\)\) IN \(([^)]*)\)\)", text)
    assert listed, "open-trials-for-entity must filter on a folded ?status IN (...)"
    assert set(re.findall(r'"([^"]*)"', listed.group(1))) == OPEN_STATUSES


@pytest.mark.parametrize("status", SPELLINGS)
def test_the_library_query_folds_as_fold_status(status: str) -> None:
    entity = ox.NamedNode("https://w3id.org/rarekg/entity/orpha/1")
    trial = ox.NamedNode("https://w3id.org/rarekg/trial/NCT1")
    store = EmbeddedStore()
    store.replace_graph(graph_iri("evidence"), [
        (trial, RKG.studiesEntity, entity), (trial, RKG.overallStatus, ox.Literal(status))])
    q = queries.get("open-trials-for-entity")
    rows = store.select(q.text, q.bind({"entity": entity.value}))
    assert bool(rows) is is_open(status)

"""Trial status truth: controlled terms for every registry spelling, and one definition of an open trial
(an enrolling status verified within twelve months) that Python and the SPARQL library share."""

from __future__ import annotations

from datetime import date

import pyoxigraph as ox
import pytest

from kg.core import trial_status
from kg.core.records import LoadReport
from kg.core.trial_status import enrols, open_as_of, phase_term, site_closed, status_term
from kg.core.vocab import RKG, XSD, graph_iri
from kg.store import queries
from kg.store.embedded import EmbeddedStore
from loaders import evidence, trials

SPELLINGS = [
    "Recruiting", "RECRUITING", "Not yet recruiting", "NOT_YET_RECRUITING", "Enrolling by invitation",
    "ENROLLING_BY_INVITATION", "Authorised, recruiting", "Ongoing, recruiting", "Authorised, not started",
    "Active, not recruiting", "ACTIVE_NOT_RECRUITING", "Completed", "TERMINATED", "Withdrawn", "Suspended",
    "Unknown status", "Ongoing, recruitment ended", "Authorised", "Under evaluation", "Ended",
]
DAY = date(2026, 12, 7)


def test_enrolling_statuses_are_the_ones_that_take_patients() -> None:
    assert all(enrols(s) for s in SPELLINGS[:9])
    assert not any(enrols(s) for s in SPELLINGS[9:])
    assert not enrols(None) and not enrols("")


def test_every_registry_spelling_has_one_controlled_status() -> None:
    assert all(status_term(s) for s in SPELLINGS), [s for s in SPELLINGS if not status_term(s)]
    assert status_term("Terminated") == status_term("TERMINATED")
    assert status_term("Ongoing, recruiting") == status_term("RECRUITING")
    assert status_term("no such status") is None


@pytest.mark.parametrize(("a", "b"), [("Phase 3", "PHASE3"), ("Phase 2/Phase 3", "PHASE2/PHASE3"),
                                      ("Phase 1/Phase 2", "PHASE1/PHASE2"), ("Therapeutic exploratory (Phase II)", "PHASE2"),
                                      ("Therapeutic use (Phase IV)", "Phase 4"), ("N/A", "NA")])
def test_phase_spellings_meet_in_one_term(a: str, b: str) -> None:
    assert phase_term(a) is not None and phase_term(a) == phase_term(b)


def test_a_status_is_open_only_if_verified_within_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert open_as_of("Recruiting", "2026-06-01", DAY)
    assert not open_as_of("Recruiting", "2016-03-01", DAY)
    assert not open_as_of("Recruiting", None, DAY)
    assert not open_as_of("Completed", "2026-12-01", DAY)
    assert open_as_of("Recruiting", "2025-12", DAY) is False      # a month counts as its first day
    monkeypatch.setenv("RAREKG_OPEN_STATUS_MAX_AGE_DAYS", "400")
    assert open_as_of("Recruiting", "2025-12", DAY)
    monkeypatch.setenv("RAREKG_OPEN_STATUS_MAX_AGE_DAYS", "a year")
    with pytest.raises(ValueError, match="RAREKG_OPEN_STATUS_MAX_AGE_DAYS"):
        open_as_of("Recruiting", "2026-06-01", DAY)


def test_the_clock_setting_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAREKG_TODAY", "2026-12-07")
    assert trial_status.today() == DAY
    monkeypatch.setenv("RAREKG_TODAY", "07/12/2026")
    with pytest.raises(ValueError, match="RAREKG_TODAY"):
        trial_status.today()


def test_a_closed_site_is_not_an_open_site() -> None:
    assert all(site_closed(s) for s in ("Withdrawn", "Completed", "TERMINATED", "Suspended", "Active, not recruiting"))
    assert not any(site_closed(s) for s in ("Recruiting", "Not yet recruiting", None, "odd"))


def _store_with(status: str, verified: str | None) -> EmbeddedStore:
    trial = trials.Trial(registry="ctgov-legacy", source_files=["x.xml"], nct_ids=["NCT00000001"],
                         overall_status=status, status_date=verified)
    entity = ox.NamedNode("https://w3id.org/rarekg/entity/orpha/1")
    store = EmbeddedStore()
    triples = [*trial_status.vocabulary_triples(), *trials.to_triples(trial),
               (trials.trial_iri(trial), RKG.studiesEntity, entity)]
    store.replace_graph(graph_iri("evidence"), triples)
    return store


@pytest.mark.parametrize("status", SPELLINGS)
@pytest.mark.parametrize("verified", ["2026-10-15", "2026-01", "2016-03-01"])
def test_the_library_query_agrees_with_open_as_of(status: str, verified: str) -> None:
    store = _store_with(status, verified)
    q = queries.get("open-trials-for-entity")
    since = trial_status.open_cutoff(DAY).isoformat()
    rows = store.select(q.text, q.bind({"entity": "https://w3id.org/rarekg/entity/orpha/1", "since": since}))
    assert bool(rows) is open_as_of(status, verified, DAY), (status, verified, rows)


def test_the_query_defaults_to_twelve_months_before_today(monkeypatch: pytest.MonkeyPatch) -> None:
    store = _store_with("Recruiting", "2026-10-15")
    q = queries.get("open-trials-for-entity")
    bound = q.bind({"entity": "https://w3id.org/rarekg/entity/orpha/1"})
    assert bound["since"] == ox.Literal(trial_status.open_cutoff().isoformat(), datatype=XSD.date)
    monkeypatch.setenv("RAREKG_TODAY", "2026-12-07")
    assert store.select(q.text, q.bind({"entity": "https://w3id.org/rarekg/entity/orpha/1"}))
    monkeypatch.setenv("RAREKG_TODAY", "2028-01-01")
    assert not store.select(q.text, q.bind({"entity": "https://w3id.org/rarekg/entity/orpha/1"}))


def test_status_and_phase_become_controlled_iris_and_keep_their_text() -> None:
    trial = trials.Trial(registry="ctgov-v2", source_files=["x.json"], nct_ids=["NCT00000002"],
                         overall_status="TERMINATED", phase="PHASE2/PHASE3",
                         sites=[trials.TrialSite("Hôpital X", status="Withdrawn")])
    got = {(p.value, o.value) for _, p, o in trials.to_triples(trial)}
    assert (RKG.recruitmentStatus.value, "https://w3id.org/rarekg/status/terminated") in got
    assert (RKG.trialPhase.value, "https://w3id.org/rarekg/phase/phase-2-phase-3") in got
    assert (RKG.siteRecruitmentStatus.value, "https://w3id.org/rarekg/status/withdrawn") in got
    assert (RKG.overallStatus.value, "TERMINATED") in got and (RKG.phase.value, "PHASE2/PHASE3") in got


def test_unknown_spellings_are_reported_once_each_and_kept_as_text() -> None:
    odd = [trials.Trial(registry="ctgov-legacy", source_files=[f"{n}.xml"], nct_ids=[f"NCT0000001{n}"],
                        overall_status="Paused for lunch", phase="Phase 7") for n in range(3)]
    report = LoadReport("evidence")
    triples = list(evidence.records_triples(odd, [], report))
    kinds = sorted(p.kind for p in report.problems)
    assert kinds == ["unknown-phase", "unknown-status"], report.problems
    assert all(p.record == "NCT00000010" for p in report.problems)
    assert sum(1 for _, p, o in triples if p == RKG.overallStatus and o.value == "Paused for lunch") == 3
    assert not any(p == RKG.recruitmentStatus for _, p, _ in triples)


def test_no_open_trial_on_the_default_graph_is_older_than_twelve_months(built_store) -> None:
    q = queries.get("open-trials-for-entity")
    entities = [r["e"].value for r in built_store.select(
        "SELECT DISTINCT ?e WHERE { ?t <https://w3id.org/rarekg/ontology/studiesEntity> ?e }")]
    assert entities
    today_rows, then_rows = [], []
    for e in entities:
        today_rows += built_store.select(q.text, q.bind({"entity": e, "since": trial_status.open_cutoff(DAY).isoformat()}))
        then_rows += built_store.select(q.text, q.bind({"entity": e, "since": "2017-06-01"}))
    # the default records were downloaded in 2018: as of 2026 none is open, as of mid-2018 some were
    assert today_rows == []
    assert then_rows and all(str(r["verified"].value) >= "2017-06-01" for r in then_rows)
    stale = {"NCT00987636", "NCT02997358", "NCT02502370"}     # enrolling statuses last verified 2015-2017
    assert not stale & {r["trial"].value.rsplit("/", 1)[-1] for r in then_rows}

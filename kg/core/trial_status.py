"""What a registry's trial status and phase say: controlled terms, and the one definition of an *open* trial.

Registries spell one status in several ways (``Terminated``, ``TERMINATED``; CTIS's ``Ongoing,
recruiting``) and one phase too (``Phase 2/Phase 3``, ``PHASE2/PHASE3``, CTIS's ``Therapeutic
exploratory (Phase II)``). At load every spelling becomes one controlled term, an IRI under
``https://w3id.org/rarekg/status/`` or ``.../phase/`` (:data:`STATUSES`, :data:`PHASES`), and the
registry's text is kept beside it; a spelling that is not known is reported once and kept as text only.

A status *enrols patients* when the trial enrols or is about to: ClinicalTrials.gov's *Recruiting*,
*Not yet recruiting* and *Enrolling by invitation* (the statuses NCI's CTRP maps to its "open" and
"in review" categories), and the CTIS statuses that say the same. *Active, not recruiting* is closed
to accrual: patients are treated but no new ones are taken.

A trial is **open** on a day only if its status enrols patients *and* that status was verified
within :func:`max_age_days` (a setting, 365 by default) before that day: a "Recruiting" last
verified in 2016 says nothing about today, and the answer then says "last known status Recruiting,
verified 2016-03-01" instead of calling the trial open (:func:`open_as_of`). The day is today unless
``RAREKG_TODAY`` fixes it (tests, reproducible reports). A site whose own status is withdrawn,
completed, terminated or suspended is not an open site of an open trial (:func:`site_closed`).

The referral (:mod:`kg.expertise.referral_index`), the REST and FHIR answers and the SPARQL library's
``open-trials-for-entity`` all use these definitions; the query reads the controlled terms'
``rkg:enrolsPatients`` flag from the graph and gets the cut-off day as a parameter.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from pyoxigraph import Literal, NamedNode

from kg.core.vocab import RDF, RDFS, RKG, SKOS, XSD, mint

_SEPARATORS = re.compile(r"[\s_,]+")

DEFAULT_MAX_AGE_DAYS = 365
MAX_AGE_ENV = "RAREKG_OPEN_STATUS_MAX_AGE_DAYS"
TODAY_ENV = "RAREKG_TODAY"


@dataclass(frozen=True)
class Term:
    """One controlled status or phase: its IRI local name, its label and the spellings it stands for."""

    local: str
    label: str
    spellings: tuple[str, ...]
    enrols: bool = False   # statuses only: the trial (or site) takes patients or is about to


#: Recruitment statuses of ClinicalTrials.gov (legacy XML and API v2) and CTIS, folded spellings.
STATUSES: tuple[Term, ...] = (
    Term("recruiting", "Recruiting", ("recruiting", "authorised recruiting", "ongoing recruiting",
                                      "restarted"), enrols=True),
    Term("not-yet-recruiting", "Not yet recruiting", ("not yet recruiting", "authorised not started",
                                                      "ongoing not yet recruiting"), enrols=True),
    Term("enrolling-by-invitation", "Enrolling by invitation", ("enrolling by invitation",), enrols=True),
    Term("active-not-recruiting", "Active, not recruiting", ("active not recruiting", "ongoing recruitment ended")),
    Term("authorised", "Authorised (recruitment not stated)", ("authorised",)),
    Term("ongoing", "Ongoing (recruitment not stated)", ("ongoing",)),
    Term("suspended", "Suspended", ("suspended", "temporarily halted", "halted")),
    Term("terminated", "Terminated", ("terminated", "ended prematurely", "revoked")),
    Term("completed", "Completed", ("completed", "ended", "trial ended")),
    Term("withdrawn", "Withdrawn", ("withdrawn", "cancelled", "not authorised", "lapsed", "expired")),
    Term("under-evaluation", "Under evaluation", ("under evaluation", "submitted")),
    Term("unknown", "Unknown status", ("unknown status", "unknown")),
    Term("available", "Available (expanded access)", ("available",)),
    Term("no-longer-available", "No longer available (expanded access)", ("no longer available",
                                                                          "temporarily not available")),
    Term("approved-for-marketing", "Approved for marketing (expanded access)", ("approved for marketing",)),
)

#: Trial phases; a combined phase (2/3) is one term, as in FHIR's research-study-phase code system.
PHASES: tuple[Term, ...] = (
    Term("early-phase-1", "Early phase 1", ("early phase 1", "earlyphase1", "phase 0", "phase0")),
    Term("phase-1", "Phase 1", ("phase 1", "phase1", "human pharmacology (phase i)", "phase i")),
    Term("phase-1-phase-2", "Phase 1/Phase 2", ("phase 1/phase 2", "phase1/phase2", "phase i/ii",
                                                "phase 1/2")),
    Term("phase-2", "Phase 2", ("phase 2", "phase2", "therapeutic exploratory (phase ii)", "phase ii")),
    Term("phase-2-phase-3", "Phase 2/Phase 3", ("phase 2/phase 3", "phase2/phase3", "phase ii/iii",
                                                "phase 2/3")),
    Term("phase-3", "Phase 3", ("phase 3", "phase3", "therapeutic confirmatory (phase iii)", "phase iii")),
    Term("phase-4", "Phase 4", ("phase 4", "phase4", "therapeutic use (phase iv)", "phase iv")),
    Term("not-applicable", "Not applicable", ("n/a", "na", "not applicable")),
)

#: local names of the statuses a site can have that say the site takes no patients
CLOSED_SITE_STATUSES = frozenset({"withdrawn", "completed", "terminated", "suspended", "active-not-recruiting"})

_STATUS_BY_SPELLING = {s: t for t in STATUSES for s in t.spellings}
_PHASE_BY_SPELLING = {s: t for t in PHASES for s in t.spellings}
#: folded spellings of an enrolling status (kept for the REST ``status=open`` filter and its docs)
OPEN_STATUSES = frozenset(s for t in STATUSES if t.enrols for s in t.spellings)


def fold_status(text: str | None) -> str:
    """A registry status folded for comparison: lower case, each run of spaces, underscores and
    commas one space.

    >>> fold_status("NOT_YET_RECRUITING"), fold_status("Active, not recruiting")
    ('not yet recruiting', 'active not recruiting')
    """
    return _SEPARATORS.sub(" ", (text or "").strip()).strip().casefold()


def _fold_phase(text: str) -> str:
    return re.sub(r"\s*/\s*", "/", fold_status(text))


def status_term(text: str | None) -> Term | None:
    """The controlled status a registry spelling stands for, or None when the spelling is unknown.

    >>> status_term("TERMINATED").local, status_term("Ongoing, recruiting").local, status_term("odd")
    ('terminated', 'recruiting', None)
    """
    return _STATUS_BY_SPELLING.get(fold_status(text))


def phase_term(text: str | None) -> Term | None:
    """The controlled phase a registry spelling stands for, or None when unknown.

    >>> phase_term("PHASE2/PHASE3").local, phase_term("Phase 2/Phase 3").local, phase_term("Phase 3").local
    ('phase-2-phase-3', 'phase-2-phase-3', 'phase-3')
    """
    return _PHASE_BY_SPELLING.get(_fold_phase(text or ""))


def status_iri(term: Term) -> NamedNode:
    return mint("status", term.local)


def phase_iri(term: Term) -> NamedNode:
    return mint("phase", term.local)


def vocabulary_triples() -> Iterator[tuple[NamedNode, NamedNode, NamedNode | Literal]]:
    """The controlled statuses and phases as SKOS concepts, with their flags and registry spellings."""
    schemes = ((RKG.RecruitmentStatus, STATUSES, status_iri), (RKG.TrialPhase, PHASES, phase_iri))
    for cls, terms, iri in schemes:
        for term in terms:
            node = iri(term)
            yield node, RDF.type, cls
            yield node, RDF.type, SKOS.Concept
            yield node, SKOS.prefLabel, Literal(term.label, language="en")
            yield node, RDFS.label, Literal(term.label, language="en")
            for spelling in term.spellings:
                yield node, SKOS.hiddenLabel, Literal(spelling)
            if cls == RKG.RecruitmentStatus:
                yield node, RKG.enrolsPatients, Literal("true" if term.enrols else "false", datatype=XSD.boolean)


def enrols(status: str | None) -> bool:
    """Whether a registry status, in any spelling, says the trial takes patients or is about to.

    >>> enrols("Recruiting"), enrols("ACTIVE_NOT_RECRUITING"), enrols(None)
    (True, False, False)
    """
    term = status_term(status)
    return bool(term and term.enrols)


def is_open(status: str | None) -> bool:
    """Alias of :func:`enrols`: whether the *status* is an open one (whatever its verification date)."""
    return enrols(status)


def max_age_days() -> int:
    """How many days an open status stays believable after it was last verified (``RAREKG_OPEN_STATUS_MAX_AGE_DAYS``).

    Raises ValueError naming the setting for a value that is not a positive whole number."""
    raw = os.environ.get(MAX_AGE_ENV, "")
    if not raw:
        return DEFAULT_MAX_AGE_DAYS
    if not raw.isdigit() or int(raw) <= 0:
        raise ValueError(f"{MAX_AGE_ENV}={raw!r}: expected a positive whole number of days")
    return int(raw)


def today() -> date:
    """The day answers are given for: ``RAREKG_TODAY`` (ISO date) if set, else the system's date.

    Raises ValueError naming the setting for a value that is not an ISO date."""
    raw = os.environ.get(TODAY_ENV, "")
    if not raw:
        return date.today()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"{TODAY_ENV}={raw!r}: expected an ISO date such as 2026-12-07") from None


def open_cutoff(as_of: date | None = None) -> date:
    """The earliest verification date of a status that still counts as open on ``as_of`` (default today).

    >>> open_cutoff(date(2026, 12, 7)).isoformat()  # with the default 365 days
    '2025-12-07'
    """
    return (as_of or today()) - timedelta(days=max_age_days())


def open_as_of(status: str | None, verified: str | date | None, as_of: date | None = None) -> bool:
    """Whether a trial is open on ``as_of`` (default today): an enrolling status verified recently enough.

    >>> open_as_of("Recruiting", "2026-06-01", date(2026, 12, 7)), open_as_of("Recruiting", "2016-03-01", date(2026, 12, 7))
    (True, False)
    """
    day = verified if isinstance(verified, date) else verification_day(verified)
    return enrols(status) and day is not None and day >= open_cutoff(as_of)


def verification_day(text: str | None) -> date | None:
    """A registry's verification date (``2018-04-25``, ``2018-04`` or ``2018``) as the first day it may mean.

    A month-precise date counts as its first day, so "verified 2017-12" is not within twelve months of
    2018-12-07: the library query compares the ISO texts and so reads it the same way.

    >>> verification_day("2018-04"), verification_day("n/a")
    (datetime.date(2018, 4, 1), None)
    """
    m = re.match(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$", (text or "").strip())
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1))
    except ValueError:
        return None


def site_closed(site_status: str | None) -> bool:
    """Whether a site's own status says it takes no patients (withdrawn, completed, terminated, ...).

    >>> site_closed("Withdrawn"), site_closed("Recruiting"), site_closed(None)
    (True, False, False)
    """
    term = status_term(site_status)
    return bool(term and term.local in CLOSED_SITE_STATUSES)


def status_matches(wanted: str, status: str | None, verified: str | date | None = None,
                   as_of: date | None = None) -> bool:
    """A status filter: ``open`` (an enrolling status verified recently, see :func:`open_as_of`) or one
    registry status in any spelling.

    >>> status_matches("active, not recruiting", "ACTIVE_NOT_RECRUITING")
    True
    """
    folded = fold_status(wanted)
    if folded == "open":
        return open_as_of(status, verified, as_of)
    wanted_term, term = status_term(wanted), status_term(status)
    if wanted_term and term:
        return wanted_term == term
    return fold_status(status) == folded

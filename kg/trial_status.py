"""What a registry's trial status says to a patient: the one definition of an *open* trial.

The referral (:mod:`kg.referral_index`), the REST and FHIR answers and the SPARQL library's
``open-trials-for-entity`` all use it; the query cannot import it, so it spells the same list
and a test holds the two equal.

A trial is open when it enrols patients or is about to: ClinicalTrials.gov's *Recruiting*, *Not
yet recruiting* and *Enrolling by invitation* (the statuses NCI's CTRP maps to its "open" and
"in review" categories), and the EU CTIS statuses that say the same (*Authorised, recruiting*,
*Ongoing, recruiting*, *Authorised, not started*). *Active, not recruiting* is closed to accrual:
patients are treated but no new ones are taken, so it is not open. Registries spell statuses in
several ways (``NOT_YET_RECRUITING``, ``Not yet recruiting``, ``Ongoing, recruiting``):
:func:`fold_status` makes them one.
"""

from __future__ import annotations

import re

#: folded statuses (see :func:`fold_status`) of a trial that enrols or is about to
OPEN_STATUSES = frozenset({
    "recruiting", "not yet recruiting", "enrolling by invitation",
    "authorised recruiting", "ongoing recruiting", "authorised not started",
})

_SEPARATORS = re.compile(r"[\s_,]+")


def fold_status(text: str | None) -> str:
    """A registry status folded for comparison: lower case, each run of spaces, underscores and
    commas one space.

    >>> fold_status("NOT_YET_RECRUITING"), fold_status("Active, not recruiting")
    ('not yet recruiting', 'active not recruiting')
    """
    return _SEPARATORS.sub(" ", (text or "").strip()).strip().casefold()


def is_open(status: str | None) -> bool:
    """Whether a trial with this registry status enrols patients or is about to (any spelling).

    >>> is_open("Recruiting"), is_open("ACTIVE_NOT_RECRUITING"), is_open(None)
    (True, False, False)
    """
    return fold_status(status) in OPEN_STATUSES


def status_matches(wanted: str, status: str | None) -> bool:
    """A status filter: ``open`` (any open status, see :func:`is_open`) or one registry status in
    any spelling.

    >>> status_matches("open", "NOT_YET_RECRUITING"), status_matches("active, not recruiting", "ACTIVE_NOT_RECRUITING")
    (True, True)
    """
    folded = fold_status(wanted)
    return is_open(status) if folded == "open" else fold_status(status) == folded

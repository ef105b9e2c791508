"""EU Clinical Trials Information System (CTIS) public trial JSON -> :class:`loaders.trials.Trial`.

CTIS serves two shapes of the full trial record: the older one has ``authorizedPartI`` and
``authorizedPartsII`` at the top level, the newer one nests them in ``authorizedApplication``.
Both are read. The overall status is ``ctStatus`` when it is text; when CTIS gives only a numeric
code, the per-country ``trialStatus`` values are used (joined when they differ), never a guessed
code table. The NCT id in ``secondaryIdentifyingNumbers`` and the EudraCT number of a transitioned
trial become ids of the same trial, so :func:`loaders.trials.merge_trials` joins registrations.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kg.core.errors import DataError
from kg.core.records import LoadReport
from loaders.trials import Trial, TrialSite, classify_ids, country_code, iso_date, unique


def read(path: Path, report: LoadReport) -> Iterator[Trial]:
    """The trial of a CTIS JSON file. Raises DataError for a file that is not JSON or has no
    ``ctNumber``; a record whose parts are malformed is reported (``bad-trial``) and skipped."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"not a CTIS JSON file: {exc}", path=path) from exc
    if not isinstance(data, dict) or "ctNumber" not in data:
        raise DataError("JSON has no ctNumber: not a CTIS trial record", path=path)
    try:
        yield ctis_trial(data, path.name)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        report.error("bad-trial", f"CTIS record is malformed: {exc!r}", path=str(path), record=str(data["ctNumber"]))


def _parts(data: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]:
    """(authorised part I, parts II, the object holding them) for either CTIS shape."""
    holder = data.get("authorizedApplication") or data
    return holder.get("authorizedPartI") or {}, holder.get("authorizedPartsII") or [], holder


def ctis_trial(data: dict[str, Any], file_name: str) -> Trial:
    """One CTIS record -> Trial (pure); raises KeyError/TypeError/ValueError when malformed."""
    part1, parts2, holder = _parts(data)
    details = part1.get("trialDetails") or {}
    idents = details.get("clinicalTrialIdentifiers") or {}
    info = details.get("trialInformation") or {}
    secondary = idents.get("secondaryIdentifyingNumbers") or {}
    eudract = (data.get("eudraCtInfo") or holder.get("eudraCt") or {}).get("eudraCtCode")
    ids = [str(data["ctNumber"]), (secondary.get("nctNumber") or {}).get("number", ""), eudract or "",
           *(r.get("number", "") for r in secondary.get("additionalRegistries") or [] if isinstance(r, dict))]
    nct, eudract_ids, ctis, other = classify_ids(ids)
    if str(data["ctNumber"]) not in ctis:
        raise ValueError(f"ctNumber {data['ctNumber']!r} is not a CTIS number")
    short = idents.get("shortTitle")
    sponsors = part1.get("sponsors") or []
    return Trial(
        registry="ctis", source_files=[file_name], nct_ids=nct, eudract_ids=eudract_ids, ctis_ids=ctis,
        other_ids=unique([*other, short]), brief_title=idents.get("publicTitle") or data.get("title"),
        official_title=idents.get("fullTitle"), acronym=None,
        overall_status=_status(data, parts2), status_date=iso_date(data.get("lastUpdated")),
        last_update=iso_date(data.get("lastUpdated")), phase=data.get("trialPhase"),
        study_type="Interventional",  # CTIS registers only clinical trials under Regulation (EU) 536/2014
        conditions=unique(c.get("medicalCondition") for c in part1.get("medicalConditions") or []),
        keywords=[], condition_mesh=[], intervention_mesh=[],
        interventions=unique(p.get("productName") for p in part1.get("products") or []),
        eligibility=_eligibility(info.get("eligibilityCriteria") or {}),
        sponsor=_sponsor_name(data, sponsors),
        collaborators=_collaborators(data, sponsors),
        sites=[_site(s) for p2 in parts2 for s in p2.get("trialSites") or []],
        start_date=_start_date(data, info),
        completion_date=iso_date((info.get("trialDuration") or {}).get("estimatedEndDate")),
        results_posted=_results_posted(data),
    )


def _status(data: dict[str, Any], parts2: list[dict[str, Any]]) -> str | None:
    status = data.get("ctStatus")
    if isinstance(status, str) and status.strip():
        return status.strip()
    per_country = unique((p.get("mscInfo") or {}).get("trialStatus") for p in parts2)
    return "; ".join(per_country) or None


def _eligibility(criteria: dict[str, Any]) -> str | None:
    inc = [c.get("principalInclusionCriteria") for c in criteria.get("principalInclusionCriteria") or []]
    exc = [c.get("principalExclusionCriteria") for c in criteria.get("principalExclusionCriteria") or []]
    blocks = []
    if any(inc):
        blocks.append("Inclusion criteria:\n" + "\n".join(f"{n}. {t}" for n, t in enumerate(inc, 1) if t))
    if any(exc):
        blocks.append("Exclusion criteria:\n" + "\n".join(f"{n}. {t}" for n, t in enumerate(exc, 1) if t))
    return "\n\n".join(blocks) or None


def _org_name(sponsor: dict[str, Any]) -> str | None:
    return (sponsor.get("organisation") or {}).get("name")


def _sponsor_name(data: dict[str, Any], sponsors: list[dict[str, Any]]) -> str | None:
    primary = data.get("primarySponsor") or next((s for s in sponsors if s.get("primary")), None)
    return _org_name(primary) if primary else None


def _collaborators(data: dict[str, Any], sponsors: list[dict[str, Any]]) -> list[str]:
    lead = _sponsor_name(data, sponsors)
    names = [_org_name(s) for s in [*(data.get("coSponsors") or []), *sponsors]]
    return [n for n in unique(names) if n != lead]


def _site(raw: dict[str, Any]) -> TrialSite:
    org_addr = raw.get("organisationAddressInfo") or {}
    org = org_addr.get("organisation") or {}
    addr = org_addr.get("address") or {}
    country = addr.get("countryName")
    return TrialSite(facility=org.get("name"), city=addr.get("city"), country=country,
                     country_code=country_code(country), zip=addr.get("postcode"),
                     org_id=org.get("businessKey") or org_addr.get("businessKey"),
                     department=raw.get("departmentName"))


def _start_date(data: dict[str, Any], info: dict[str, Any]) -> str | None:
    events = [e.get("date") for c in ((data.get("events") or {}).get("trialEvents") or [])
              for e in c.get("events") or [] if e.get("notificationType") == "START_OF_TRIAL"]
    dates = sorted(d for d in (iso_date(e) for e in events) if d)
    if dates:
        return dates[0]
    return iso_date(data.get("startDateEU")) or iso_date(
        (info.get("trialDuration") or {}).get("estimatedRecruitmentStartDate"))


def _results_posted(data: dict[str, Any]) -> bool:
    flag = data.get("resultsFirstReceived")
    if isinstance(flag, str):
        return flag.strip().lower() == "yes"
    return bool(data.get("results"))

"""ClinicalTrials.gov readers: API v2 study JSON (one study, or a page ``{"studies": [...]}``) and the
legacy ``clinical_study`` XML of the historical full dumps, both into :class:`loaders.trials.Trial`.

A malformed study inside a file (not an object, no NCT id) goes to the load report naming file and
record; the rest of the file loads. A file that is not JSON / XML at all, or whose top level is not
a study, a page or a ``clinical_study``, raises DataError naming the file.
"""

from __future__ import annotations

import json
import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kg.core.errors import DataError
from kg.core.records import LoadReport
from loaders import safexml
from loaders.trials import MeshTerm, Trial, TrialSite, classify_ids, country_code, iso_date, unique

# -- API v2 JSON -------------------------------------------------------------------------------------


def read_v2(path: Path, report: LoadReport) -> Iterator[Trial]:
    """The studies of a v2 JSON file (a study object or a page). Raises DataError for a file that is
    not JSON or is neither shape; a bad study is reported (kind ``bad-study``) and skipped."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"not a ClinicalTrials.gov v2 JSON file: {exc}", path=path) from exc
    yield from v2_studies(data, path, report)


def v2_studies(data: Any, path: Path, report: LoadReport) -> Iterator[Trial]:
    """The studies of parsed v2 JSON (a study or a page); see :func:`read_v2`."""
    if isinstance(data, dict) and "protocolSection" in data:
        studies: list[Any] = [data]
    elif isinstance(data, dict) and isinstance(data.get("studies"), list):
        studies = data["studies"]
    else:
        raise DataError("JSON is neither a v2 study (protocolSection) nor a page (studies)", path=path)
    for n, raw in enumerate(studies, 1):
        try:
            yield v2_trial(raw, path.name)
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            report.error("bad-study", f"study {n} is malformed: {exc!r}", path=str(path), record=f"study {n}")


def v2_trial(study: dict[str, Any], file_name: str) -> Trial:
    """One v2 study object -> Trial; raises KeyError/TypeError/ValueError if it lacks its NCT id."""
    p = study["protocolSection"]
    ident = p["identificationModule"]
    nct = ident["nctId"]
    if not isinstance(nct, str) or not nct.startswith("NCT"):
        raise ValueError(f"bad nctId {nct!r}")
    status = p.get("statusModule") or {}
    design = p.get("designModule") or {}
    cond = p.get("conditionsModule") or {}
    sponsors = p.get("sponsorCollaboratorsModule") or {}
    derived = study.get("derivedSection") or {}
    ids = [nct, *(ident.get("nctIdAliases") or []), (ident.get("orgStudyIdInfo") or {}).get("id", ""),
           *(s.get("id", "") for s in ident.get("secondaryIdInfos") or [])]
    nct_ids, eudract, ctis, other = classify_ids(ids)
    return Trial(
        registry="ctgov-v2", source_files=[file_name], nct_ids=nct_ids, eudract_ids=eudract,
        ctis_ids=ctis, other_ids=other, brief_title=ident.get("briefTitle"),
        official_title=ident.get("officialTitle"), acronym=ident.get("acronym"),
        overall_status=status.get("overallStatus"), status_date=iso_date(status.get("statusVerifiedDate")),
        last_update=iso_date((status.get("lastUpdatePostDateStruct") or {}).get("date")
                             or status.get("lastUpdateSubmitDate")),
        phase="/".join(design.get("phases") or []) or None, study_type=design.get("studyType"),
        conditions=unique(cond.get("conditions") or []), keywords=unique(cond.get("keywords") or []),
        condition_mesh=_v2_mesh(derived.get("conditionBrowseModule")),
        intervention_mesh=_v2_mesh(derived.get("interventionBrowseModule")),
        interventions=unique(i.get("name") for i in (p.get("armsInterventionsModule") or {}).get("interventions") or []),
        eligibility=(p.get("eligibilityModule") or {}).get("eligibilityCriteria"),
        sponsor=(sponsors.get("leadSponsor") or {}).get("name"),
        collaborators=unique(c.get("name") for c in sponsors.get("collaborators") or []),
        sites=[_v2_site(loc) for loc in (p.get("contactsLocationsModule") or {}).get("locations") or []],
        start_date=iso_date((status.get("startDateStruct") or {}).get("date")),
        completion_date=iso_date((status.get("completionDateStruct") or {}).get("date")),
        results_posted=bool(study.get("hasResults") or "resultsSection" in study),
        reference_pmids=unique(r.get("pmid") for r in (p.get("referencesModule") or {}).get("references") or []),
    )


def _v2_mesh(module: dict[str, Any] | None) -> list[MeshTerm]:
    return [MeshTerm(m["term"], m.get("id")) for m in (module or {}).get("meshes") or [] if m.get("term")]


def _v2_site(loc: dict[str, Any]) -> TrialSite:
    geo = loc.get("geoPoint") or {}
    return TrialSite(facility=loc.get("facility"), city=loc.get("city"), country=loc.get("country"),
                     country_code=country_code(loc.get("country")), state=loc.get("state"), zip=loc.get("zip"),
                     lat=geo.get("lat"), lon=geo.get("lon"), status=loc.get("status"))


# -- legacy XML --------------------------------------------------------------------------------------


def read_legacy(path: Path, report: LoadReport) -> Iterator[Trial]:
    """The study of a legacy ``clinical_study`` XML file. Raises DataError for a file that is not XML
    or whose root is not ``clinical_study``; a study without ``nct_id`` is reported and skipped."""
    try:
        root = safexml.parse(path)
    except ET.ParseError as exc:
        raise DataError(f"malformed XML: {exc}", path=path, line=exc.position[0]) from exc
    if root.tag != "clinical_study":
        raise DataError(f"root element is <{root.tag}>, expected <clinical_study>", path=path)
    nct = _text(root, "id_info/nct_id")
    if not nct or not nct.startswith("NCT"):
        report.error("bad-study", "clinical_study has no id_info/nct_id", path=str(path), record=path.stem)
        return
    yield legacy_trial(root, path.name)


def _text(el: ET.Element, xpath: str) -> str | None:
    found = el.find(xpath)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


def _texts(el: ET.Element, xpath: str) -> list[str]:
    return unique(e.text for e in el.findall(xpath))


def _block(el: ET.Element, xpath: str) -> str | None:
    """A ``textblock``'s text, dedented and stripped."""
    found = el.find(xpath)
    if found is None or not found.text:
        return None
    return textwrap.dedent(found.text.replace("\r\n", "\n")).strip() or None


def legacy_trial(root: ET.Element, file_name: str) -> Trial:
    """One ``clinical_study`` element -> Trial (pure)."""
    ids = [_text(root, "id_info/nct_id") or "", *_texts(root, "id_info/nct_alias"),
           _text(root, "id_info/org_study_id") or "", *_texts(root, "id_info/secondary_id")]
    nct_ids, eudract, ctis, other = classify_ids(ids)
    status = _text(root, "overall_status")
    return Trial(
        registry="ctgov-legacy", source_files=[file_name], nct_ids=nct_ids, eudract_ids=eudract,
        ctis_ids=ctis, other_ids=other, brief_title=_text(root, "brief_title"),
        official_title=_text(root, "official_title"), acronym=_text(root, "acronym"),
        overall_status=status, status_date=iso_date(_text(root, "verification_date")),
        last_update=iso_date(_text(root, "last_update_posted") or _text(root, "last_update_submitted")),
        phase=_text(root, "phase"), study_type=_text(root, "study_type"),
        conditions=_texts(root, "condition"), keywords=_texts(root, "keyword"),
        condition_mesh=[MeshTerm(t) for t in _texts(root, "condition_browse/mesh_term")],
        intervention_mesh=[MeshTerm(t) for t in _texts(root, "intervention_browse/mesh_term")],
        interventions=_texts(root, "intervention/intervention_name"),
        eligibility=_block(root, "eligibility/criteria/textblock"),
        sponsor=_text(root, "sponsors/lead_sponsor/agency"),
        collaborators=_texts(root, "sponsors/collaborator/agency"),
        sites=[_legacy_site(loc) for loc in root.findall("location")],
        start_date=iso_date(_text(root, "start_date")),
        completion_date=iso_date(_text(root, "completion_date") or _text(root, "primary_completion_date")),
        results_posted=root.find("clinical_results") is not None or root.find("results_first_submitted") is not None,
        reference_pmids=unique([*_texts(root, "reference/PMID"), *_texts(root, "results_reference/PMID")]),
    )


def _legacy_site(loc: ET.Element) -> TrialSite:
    country = _text(loc, "facility/address/country")
    return TrialSite(facility=_text(loc, "facility/name"), city=_text(loc, "facility/address/city"),
                     country=country, country_code=country_code(country),
                     state=_text(loc, "facility/address/state"), zip=_text(loc, "facility/address/zip"),
                     status=_text(loc, "status"))

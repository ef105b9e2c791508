"""FHIR R4B (4.3.0) resources built from the catalogue: centres as Organization and Location, the domains
a centre's network membership covers as HealthcareService, trials as ResearchStudy with their sites.

Only facts the graph holds are emitted: no referral method or coverage area is invented where the
sources state none. Each builder returns a ``fhir.resources`` R4B model (validated as it is built, so
an invalid element fails here, not at a client); :func:`json_ready` writes it for the answer. The
FHIR version served is the models' (:data:`FHIR_VERSION`): fhir.resources offers R5, R4B and STU3,
not R4 4.0.1 (docs/decisions/0018-libraries.md).

>>> models().Location.model_validate({"resourceType": "Location", "id": "x", "status": "active"}).status
'active'
"""

from __future__ import annotations

import hashlib
from functools import cache
from types import SimpleNamespace
from typing import Any

from api.rest.catalogue import Catalogue
from api.rest.ids import entity_id, local_id
from api.rest.views import centre_rows, centre_summary, norm_phase
from kg.core.trial_status import fold_status
from kg.core.vocab import BASE, DCTERMS, RKG, SCHEMA, SKOS

RKG_SYSTEM = "https://w3id.org/rarekg/"
DOMAIN_SYSTEM = "https://w3id.org/rarekg/domain"
ENTITY_SYSTEM = "https://w3id.org/rarekg/entity-id"
STATUS_EXT = "https://w3id.org/rarekg/fhir/StructureDefinition/registry-status"
#: the day the registry last verified the status: a status is as true as its verification date is recent
STATUS_VERIFIED_EXT = "https://w3id.org/rarekg/fhir/StructureDefinition/registry-status-verified"
PHASE_SYSTEM = "http://terminology.hl7.org/CodeSystem/research-study-phase"
#: the FHIR version of the models that build every answer (fhir.resources.R4B.__fhir_version__)
FHIR_VERSION = "4.3.0"
_STATUS = {"recruiting": "active", "not yet recruiting": "approved", "enrolling by invitation": "active",
           "authorised recruiting": "active", "ongoing recruiting": "active", "authorised not started": "approved",
           "active not recruiting": "closed-to-accrual", "completed": "completed",
           "terminated": "administratively-completed", "withdrawn": "withdrawn", "suspended": "temporarily-closed-to-accrual"}
_PHASE = {"phase1": "phase-1", "phase2": "phase-2", "phase3": "phase-3", "phase4": "phase-4",
          "phase1/phase2": "phase-1-phase-2", "phase2/phase3": "phase-2-phase-3", "earlyphase1": "early-phase-1",
          "na": "n-a", "notapplicable": "n-a"}


@cache
def models() -> SimpleNamespace:
    """The fhir.resources R4B model classes, imported on the first FHIR answer (the import takes ~2 s,
    which a server process that never answers FHIR should not pay at start)."""
    from fhir.resources import R4B
    from fhir.resources.R4B.bundle import Bundle
    from fhir.resources.R4B.capabilitystatement import CapabilityStatement
    from fhir.resources.R4B.healthcareservice import HealthcareService
    from fhir.resources.R4B.location import Location
    from fhir.resources.R4B.operationoutcome import OperationOutcome
    from fhir.resources.R4B.organization import Organization
    from fhir.resources.R4B.researchstudy import ResearchStudy

    if R4B.__fhir_version__ != FHIR_VERSION:
        raise RuntimeError(f"fhir.resources R4B models are FHIR {R4B.__fhir_version__}, the API documents {FHIR_VERSION}")
    return SimpleNamespace(Bundle=Bundle, CapabilityStatement=CapabilityStatement, HealthcareService=HealthcareService,
                           Location=Location, OperationOutcome=OperationOutcome, Organization=Organization,
                           ResearchStudy=ResearchStudy)


def build(fields: dict[str, Any]) -> Any:
    """The R4B model of ``fields["resourceType"]`` built from ``fields`` (pydantic ValidationError if invalid)."""
    return getattr(models(), fields["resourceType"]).model_validate(fields)


def json_ready(resource: Any) -> dict[str, Any]:
    """A model as the JSON object of the answer (absent elements left out)."""
    return resource.model_dump(mode="json", exclude_none=True)


def organization(cat: Catalogue, centre: str) -> Any:
    """A centre as an Organization (identifiers: rarekg IRI, ROR / Wikidata where known)."""
    s = centre_summary(cat, centre)
    same = cat.strings(centre, SCHEMA.sameAs)
    identifiers = [{"system": RKG_SYSTEM, "value": centre}] + [
        {"system": "https://ror.org" if iri.startswith("https://ror.org/") else "http://www.wikidata.org/entity",
         "value": iri} for iri in same if iri.startswith(("https://ror.org/", "http://www.wikidata.org/entity/"))]
    resource: dict[str, Any] = {
        "resourceType": "Organization", "id": s["id"], "identifier": identifiers, "active": True,
        "type": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/organization-type", "code": "prov",
                              "display": "Healthcare Provider"}]}],
        "name": s["label"], "address": [_address(s)]}
    aliases = cat.strings(centre, SKOS.altLabel)
    if aliases:
        resource["alias"] = aliases
    return build(resource)


def location(cat: Catalogue, centre: str) -> Any:
    """A centre's site as a Location with its position (when coordinates are known)."""
    s = centre_summary(cat, centre)
    resource: dict[str, Any] = {"resourceType": "Location", "id": s["id"], "status": "active", "name": s["label"],
                                "mode": "instance", "address": _address(s),
                                "managingOrganization": {"reference": f"Organization/{s['id']}", "display": s["label"]}}
    if s["lat"] is not None and s["lon"] is not None:
        resource["position"] = {"latitude": s["lat"], "longitude": s["lon"]}
    return build(resource)


def _address(s: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in (("city", s["city"]), ("country", s["country"])) if v}


def service_id(slug: str, domain: str) -> str:
    """A FHIR id (at most 64 characters) for the service of ``slug`` in ``domain``."""
    plain = f"{slug}.{domain}"
    if len(plain) <= 64:
        return plain
    digest = hashlib.sha256(plain.encode()).hexdigest()[:8]
    return f"{slug[:64 - len(domain) - 10]}-{digest}.{domain}"


def services(cat: Catalogue) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """Every (centre, domain) a membership covers, keyed by service id: (centre, domain iri, membership)."""
    def build() -> dict[str, tuple[str, str, dict[str, Any]]]:
        held: dict[str, tuple[str, str, dict[str, Any]]] = {}
        for s in centre_rows(cat):
            for m in s["memberships"]:
                for d in m["domains"]:
                    held.setdefault(service_id(s["id"], d), (s["iri"], f"{BASE}domain/{d}", m))
        return held
    return cat.kept("fhir-services", build)


def healthcare_service(cat: Catalogue, sid: str) -> Any:
    """The expert service of one centre for one domain (eligibility: the domain's entities)."""
    centre, domain, membership = services(cat)[sid]
    s = centre_summary(cat, centre)
    code = local_id(domain, "domain")
    return build({"resourceType": "HealthcareService", "id": sid, "active": True,
            "providedBy": {"reference": f"Organization/{s['id']}", "display": s["label"]},
            "location": [{"reference": f"Location/{s['id']}", "display": s["label"]}],
            "name": f"{cat.label(domain)} ({code}) at {s['label']}",
            "comment": f"{membership['network']} network membership ({membership['role']}, {membership['status']})",
            "specialty": [{"coding": [{"system": DOMAIN_SYSTEM, "code": code, "display": cat.label(domain)}]}],
            "eligibility": [{"code": {"coding": [{"system": DOMAIN_SYSTEM, "code": code}],
                                      "text": f"Adults with a rare cancer of EURACAN domain {code}"},
                             "comment": f"{len(cat.subjects(RKG.inDomain, domain))} cancer entities of {code}: "
                                        f"see /api/v1/entities?domain={code}"}]})


def fhir_status(registry_status: str | None) -> str:
    """The FHIR ResearchStudy.status of a registry status (``in-review`` for one without a FHIR status)."""
    return _STATUS.get(fold_status(registry_status), "in-review")


def research_study(cat: Catalogue, trial: str) -> Any:
    """A trial as a ResearchStudy; resolved sites reference the centre's Location, others are contained."""
    status, verified = cat.first(trial, RKG.overallStatus), cat.first(trial, RKG.statusDate)
    ident = local_id(trial, "trial")
    resource: dict[str, Any] = {
        "resourceType": "ResearchStudy", "id": _fhir_id(ident),
        "identifier": [{"system": _id_system(i), "value": i} for i in cat.strings(trial, DCTERMS.identifier)],
        "title": cat.first(trial, DCTERMS.title) or cat.label(trial),
        "status": fhir_status(status),
        "extension": [{"url": STATUS_EXT, "valueString": status or "unknown"}]
        + ([{"url": STATUS_VERIFIED_EXT, "valueDate": verified}] if verified else []),
        "condition": [{"coding": [{"system": ENTITY_SYSTEM, "code": entity_id(e), "display": cat.label(e)}]}
                      for e in cat.strings(trial, RKG.studiesEntity)]
        + [{"text": t} for t in cat.strings(trial, RKG.conditionText)]}
    phase = _PHASE.get(norm_phase(cat.first(trial, RKG.phase)))
    if phase:
        resource["phase"] = {"coding": [{"system": PHASE_SYSTEM, "code": phase}], "text": cat.first(trial, RKG.phase)}
    sponsor = cat.first(trial, SCHEMA.sponsor)
    if sponsor and not sponsor.startswith(BASE):
        resource["sponsor"] = {"display": sponsor}
    sites, contained = _sites(cat, trial)
    if sites:
        resource["site"] = sites
    if contained:
        resource["contained"] = contained
    return build(resource)


def _sites(cat: Catalogue, trial: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    refs, contained, seen = [], [], set()
    for n, site in enumerate(cat.strings(trial, RKG.hasSite)):
        provider = cat.first(site, RKG.atProvider)
        if provider:
            slug = local_id(provider, "centre")
            if slug not in seen:
                seen.add(slug)
                refs.append({"reference": f"Location/{slug}", "display": cat.label(provider)})
            continue
        address = {k: v for k, v in (("city", cat.first(site, SCHEMA.addressLocality)),
                                     ("country", cat.first(site, SCHEMA.addressCountry))) if v}
        contained.append({"resourceType": "Location", "id": f"site{n}", "mode": "instance",
                          "name": cat.first(site, RKG.facilityName) or cat.label(site), "address": address})
        refs.append({"reference": f"#site{n}"})
    return refs, contained


def _fhir_id(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-." else "-" for c in text)[:64]


def _id_system(ident: str) -> str:
    if ident.upper().startswith("NCT"):
        return "https://clinicaltrials.gov"
    if ident.count("-") >= 2 and ident[:4].isdigit() and len(ident) <= 14:
        return "https://eudract.ema.europa.eu"
    return "https://euclinicaltrials.eu"


def bundle(entries: list[Any], base: str, total: int, self_url: str, next_url: str | None) -> Any:
    """A searchset Bundle of the resource models ``entries``."""
    links = [{"relation": "self", "url": self_url}] + ([{"relation": "next", "url": next_url}] if next_url else [])
    return build({"resourceType": "Bundle", "type": "searchset", "total": total, "link": links,
                  "entry": [{"fullUrl": f"{base}/fhir/{r.get_resource_type()}/{r.id}", "resource": r,
                             "search": {"mode": "match"}} for r in entries]})


def capability_statement(kinds: dict[str, list[str]]) -> Any:
    """The server's CapabilityStatement: read and search-type of each resource kind with its parameters."""
    return build({"resourceType": "CapabilityStatement", "status": "active", "date": "2025-01-01", "kind": "instance",
                  "fhirVersion": FHIR_VERSION, "format": ["json"],
                  "rest": [{"mode": "server", "resource": [
                      {"type": t, "interaction": [{"code": "read"}, {"code": "search-type"}],
                       "searchParam": [{"name": p, "type": "string" if p == "name" else "token"} for p in ps]}
                      for t, ps in kinds.items()]}]})


def operation_outcome(code: str, detail: str) -> Any:
    """One error as an OperationOutcome."""
    return build({"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": code, "diagnostics": detail}]})

"""FHIR R4B through real HTTP: reads and searches, every resource validated with the
``fhir.resources`` R4B models that also build them, errors as OperationOutcome."""

from __future__ import annotations

import httpx
import pytest

pytest.importorskip("fhir.resources")
from fhir.resources import R4B
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.healthcareservice import HealthcareService
from fhir.resources.R4B.location import Location
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.researchstudy import ResearchStudy

MODELS = {"Organization": Organization, "Location": Location, "HealthcareService": HealthcareService,
          "ResearchStudy": ResearchStudy, "Bundle": Bundle}


@pytest.fixture(scope="module")
def fhir(server: str):
    with httpx.Client(base_url=server + "/fhir", timeout=30) as client:
        yield client


def valid(body: dict) -> object:
    """The body parsed by its R4B model (raises on any invalid element)."""
    return MODELS[body["resourceType"]].model_validate(body)


def everything(fhir: httpx.Client, kind: str) -> list[dict]:
    out, url = [], f"/{kind}?_count=100"
    while url:
        r = fhir.get(url)
        assert r.status_code == 200 and r.headers["content-type"] == "application/fhir+json"
        bundle = r.json()
        valid(bundle)
        out += [e["resource"] for e in bundle["entry"]]
        url = next((link["url"] for link in bundle["link"] if link["relation"] == "next"), None)
    return out


def test_every_organization_and_location_validates(fhir: httpx.Client) -> None:
    orgs = everything(fhir, "Organization")
    locations = everything(fhir, "Location")
    assert len(orgs) == len(locations) == 280  # 266 + decision 0012's 7 curated rows (Erasmus MC Cancer Institute the 7th) + Klinikum Klagenfurt + 2 open-world and 1 registry institution (#16) + three more EURACAN centres on record (#18)
    for resource in orgs + locations:
        valid(resource)
    clb = Organization.model_validate(fhir.get("/Organization/centre-leon-berard").json())
    assert clb.name == "Centre Léon Bérard" and clb.address[0].city == "Lyon" and clb.address[0].country == "FR"
    loc = Location.model_validate(fhir.get("/Location/centre-leon-berard").json())
    assert loc.managingOrganization.reference == "Organization/centre-leon-berard"
    assert 45 < float(loc.position.latitude) < 46 and 4 < float(loc.position.longitude) < 5


def test_healthcare_services_per_centre_and_domain(fhir: httpx.Client) -> None:
    services = everything(fhir, "HealthcareService")
    assert services and all(valid(s) for s in services)
    g1 = fhir.get("/HealthcareService", params={"specialty": "G1", "_count": 100}).json()
    assert g1["total"] == sum(1 for s in services if s["specialty"][0]["coding"][0]["code"] == "G1")
    one = HealthcareService.model_validate(fhir.get(f"/HealthcareService/{services[0]['id']}").json())
    assert one.providedBy.reference.startswith("Organization/") and one.eligibility[0].code.coding[0].code.startswith("G")


def test_research_studies_validate_with_sites(fhir: httpx.Client) -> None:
    studies = everything(fhir, "ResearchStudy")
    assert len(studies) == 27 and all(valid(s) for s in studies)
    study = ResearchStudy.model_validate(fhir.get("/ResearchStudy/NCT00685828").json())
    assert study.phase.coding[0].code == "phase-3"
    assert "ORPHA:44890" in [c.coding[0].code for c in study.condition if c.coding]
    gist = fhir.get("/ResearchStudy", params={"condition": "ORPHA:44890"}).json()
    assert "NCT00685828" in [e["resource"]["id"] for e in gist["entry"]]
    with_sites = [s for s in studies if s.get("site")]
    assert with_sites and any(ref["reference"].startswith("Location/") for s in with_sites for ref in s["site"])


def test_errors_are_operation_outcomes(fhir: httpx.Client) -> None:
    r = fhir.get("/Organization/no-such-centre")
    assert r.status_code == 404
    OperationOutcome.model_validate(r.json())
    bad = fhir.get("/Organization", params={"_count": -1})
    assert bad.status_code == 422 and "_count" in bad.json()["issue"][0]["diagnostics"]
    CapabilityStatement.model_validate(fhir.get("/metadata").json())


def test_the_documented_fhir_version_is_the_one_served(fhir: httpx.Client, server: str) -> None:
    """Regression: the API said R4 while its CapabilityStatement said 4.3.0 (R4B)."""
    served = CapabilityStatement.model_validate(fhir.get("/metadata").json())
    assert served.fhirVersion == R4B.__fhir_version__ == "4.3.0"
    spec = httpx.get(server + "/openapi.json", timeout=30).json()
    tags = {t for op in spec["paths"].values() for o in op.values() for t in o.get("tags", [])}
    assert "FHIR R4B" in tags and not any(t.startswith("FHIR") and t != "FHIR R4B" for t in tags)
    assert "FHIR R4B" in spec["info"]["description"] and "FHIR R4 " not in spec["info"]["description"]


def test_status_search_matches_the_status_of_each_study(fhir: httpx.Client) -> None:
    studies = everything(fhir, "ResearchStudy")
    for status in sorted({s["status"] for s in studies}):
        found = fhir.get("/ResearchStudy", params={"status": status, "_count": 100}).json()
        assert found["total"] == sum(1 for s in studies if s["status"] == status)

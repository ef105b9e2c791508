"""Domain scope (#17) as a user of the REST API sees it: an excluded entity says why it has no
EURACAN domain, and the coverage answer counts the excluded entities by reason."""

from __future__ import annotations

import httpx
import pytest

V1 = "/api/v1"


@pytest.fixture(scope="module")
def api(server: str):
    with httpx.Client(base_url=server, timeout=30) as client:
        yield client


def test_excluded_entity_says_why_it_has_no_domain(api: httpx.Client) -> None:
    d = api.get(f"{V1}/entities/ORPHA:635").json()   # neuroblastoma
    assert d["domains"] == []
    assert d["domainExclusion"]["category"] == "paediatric: ERN PaedCan"
    assert d["domainExclusion"]["reason"].startswith("out of scope (paediatric-tumours)")
    prolactinoma = api.get(f"{V1}/entities/ORPHA:2965").json()
    assert prolactinoma["domainExclusion"]["category"] == "pituitary adenoma or hormone syndrome: Endo-ERN"


def test_entity_with_a_domain_has_no_exclusion(api: httpx.Client) -> None:
    d = api.get(f"{V1}/entities/ORPHA:1957").json()   # esthesioneuroblastoma: sinonasal (G7), also G10
    assert [x["id"] for x in d["domains"]] == ["G7", "G10"] and d["domainExclusion"] is None


def test_coverage_counts_excluded_entities_by_reason(api: httpx.Client) -> None:
    cov = api.get(f"{V1}/coverage").json()
    counts = {x["category"]: x["entities"] for x in cov["excludedEntities"]}
    assert counts == {"benign": 142, "haematological: ERN EuroBloodNet": 253, "paediatric: ERN PaedCan": 36,
                      "pituitary adenoma or hormone syndrome: Endo-ERN": 23, "tumour risk syndrome: ERN GENTURIS": 37,
                      "common cancer: outside EURACAN": 2}

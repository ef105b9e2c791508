"""Property-based API testing: Schemathesis against the served ``/openapi.json`` (issue #15).

A real ``rarekg serve`` over the default graph (the session ``server`` fixture) is asked, for
every operation its OpenAPI document lists, requests that Schemathesis generates from the
document: valid ones (positive mode) and ones that break a declared constraint (negative mode).
Every answer must be

* no server error (5xx),
* a status code the operation declares, with a declared media type,
* a body that conforms to the declared schema, with conforming declared headers,
* and, for a negative request, a 4xx (the invalid parameter rejected, not silently used).

Bounded for CI: ``RAREKG_SCHEMATHESIS_EXAMPLES`` examples per operation and mode (default 25) and
``RAREKG_SCHEMATHESIS_BUDGET_S`` seconds in all (default 240), shared by the operations still to
run, so a slow machine gets fewer examples per operation, never a skipped operation (each one must
get at least :data:`MIN_REQUESTS`).

Any finding fails the test, listed by operation and Schemathesis failure code with one
reproduction each: the routes declare every status and media type they answer with
(:mod:`api.rest.responses`), so there is no list of tolerated findings.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from dataclasses import dataclass, field

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi import checks as oas

EXAMPLES = int(os.environ.get("RAREKG_SCHEMATHESIS_EXAMPLES", "25"))
BUDGET_S = float(os.environ.get("RAREKG_SCHEMATHESIS_BUDGET_S", "240"))
MIN_REQUESTS = 3
#: the operations `rarekg serve` documents today; fewer means routes vanished from the document
MIN_OPERATIONS = 30

POSITIVE_CHECKS = [schemathesis.checks.not_a_server_error, oas.status_code_conformance,
                   oas.content_type_conformance, oas.response_schema_conformance,
                   oas.response_headers_conformance]
NEGATIVE_CHECKS = [*POSITIVE_CHECKS, oas.negative_data_rejection]
#: a SPARQL query or update body (POST /sparql) is UTF-8 text: send it as Schemathesis sends text/plain
schemathesis.serializer.alias(["application/sparql-query", "application/sparql-update"], "text/plain")

@dataclass
class Findings:
    """What the run saw: failures by (operation, code) with one reproduction each, and counts."""

    seen: dict[tuple[str, str], str] = field(default_factory=dict)
    requests: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    no_negative: list[str] = field(default_factory=list)

    def add(self, label: str, group: FailureGroup) -> None:
        for failure in group.exceptions:
            key = (label, type(failure).code)
            self.seen.setdefault(key, f"{failure.title}\n{str(group)[:1500]}")


@pytest.fixture(scope="module")
def api_schema(server: str):  # type: ignore[no-untyped-def]
    return schemathesis.openapi.from_url(server + "/openapi.json")


def _exercise(operation, mode: GenerationMode, findings: Findings, session, until: float) -> None:  # type: ignore[no-untyped-def]
    checks = NEGATIVE_CHECKS if mode is GenerationMode.NEGATIVE else POSITIVE_CHECKS

    @settings(max_examples=EXAMPLES, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case) -> None:  # type: ignore[no-untyped-def]
        if time.monotonic() > until and findings.requests[operation.label] >= MIN_REQUESTS:
            return  # this operation's share of the budget is spent
        findings.requests[operation.label] += 1
        try:
            case.call_and_validate(session=session, checks=checks, timeout=30)
        except FailureGroup as group:
            findings.add(operation.label, group)

    try:
        run()
    except Unsatisfiable:
        # every declared constraint of this operation admits any value (e.g. one free string in the
        # path): there is no invalid request to make; the positive mode has exercised it
        if mode is not GenerationMode.NEGATIVE:
            raise
        findings.no_negative.append(operation.label)


def _has_parameters(operation) -> bool:  # type: ignore[no-untyped-def]
    return bool(operation.definition.raw.get("parameters") or operation.definition.raw.get("requestBody"))


def test_every_operation_answers_as_its_openapi_declares(api_schema) -> None:  # type: ignore[no-untyped-def]
    import requests

    operations = [result.ok() for result in api_schema.get_all_operations()]
    labels = [op.label for op in operations]
    assert len(operations) >= MIN_OPERATIONS, labels
    findings = Findings()
    start = time.monotonic()
    with requests.Session() as session:
        for done, operation in enumerate(operations):
            share = (BUDGET_S - (time.monotonic() - start)) / (len(operations) - done)
            modes = [GenerationMode.POSITIVE] + ([GenerationMode.NEGATIVE] if _has_parameters(operation) else [])
            for mode in modes:
                _exercise(operation, mode, findings, session, time.monotonic() + share / len(modes))
    # an operation without parameters has one request to make; the others at least MIN_REQUESTS
    starved = {op.label: findings.requests[op.label] for op in operations
               if findings.requests[op.label] < (MIN_REQUESTS if _has_parameters(op) else 1)}
    assert not starved, f"operations that got too few requests (machine too slow for the budget?): {starved}"
    assert not findings.seen, "\n\n".join(f"{op} {code}: {text}"
                                          for (op, code), text in sorted(findings.seen.items()))


#: requests that gave an answer /openapi.json did not declare before the routes declared their
#: real answers (the findings of the first Schemathesis runs), each made on purpose here, so a
#: regression does not wait for random generation to find it again: method, path, headers, body
_ANSWERS = [
    ("GET", "/fhir/metadata", {}, None), ("GET", "/fhir/Organization", {}, None),
    ("GET", "/fhir/Organization/no-such-centre", {}, None), ("GET", "/fhir/Location/no-such-centre", {}, None),
    ("GET", "/fhir/HealthcareService/no-such.G1", {}, None), ("GET", "/fhir/ResearchStudy/NCT00000000", {}, None),
    ("GET", "/fhir/ResearchStudy?condition=%C2%B6e", {}, None), ("GET", "/fhir/Location?_count=-1", {}, None),
    ("GET", "/sparql", {}, None), ("GET", "/sparql", {"Accept": "text/html"}, None),
    ("GET", "/sparql?query=SELECT", {}, None), ("GET", "/sparql?query=ASK%7B%7D&format=turtle", {}, None),
    ("POST", "/sparql", {}, None), ("POST", "/sparql", {"Content-Type": "application/sparql-update"}, b"CLEAR ALL"),
    ("POST", "/sparql", {"Content-Type": "application/sparql-query"}, b"ASK {}"),
    ("GET", "/context.jsonld", {}, None), ("GET", "/ontology", {}, None), ("GET", "/ontology?page=0", {}, None),
    ("GET", "/ontology", {"Accept": "text/html"}, None), ("GET", "/ontology?format=jsonld", {}, None),
    ("GET", "/0/0", {}, None), ("GET", "/centre/no-such-centre", {}, None),
    ("GET", "/downloads", {}, None), ("GET", "/downloads?format=turtle", {}, None),
    ("GET", "/downloads", {"Accept": "text/html"}, None), ("GET", "/downloads/0", {}, None),
]

#: requests that break a declared constraint, which the routes once answered 200 (an empty `format`
#: taken as none given; dataset parameters without a query taken as a request for the service description)
_REJECTED = ["/downloads?format=", "/ontology?format=", "/sparql?format=", "/sparql?named-graph-uri=null",
             "/sparql?default-graph-uri=https%3A%2F%2Fw3id.org%2Frarekg%2Fgraph%2Feuracan"]


def _declared(spec: dict, path: str, method: str) -> dict:  # type: ignore[type-arg]
    """The responses the document declares for ``method path``: a concrete path, matched to the
    template with fewest parameters (``{local}`` spans the rest of the path)."""
    def fits(template: str) -> bool:
        t, p = template.split("/"), path.split("/")
        if t[-1] == "{local}":
            p = p[:len(t) - 1] + ["/".join(p[len(t) - 1:])]
        return len(t) == len(p) and all(a == b or a.startswith("{") for a, b in zip(t, p, strict=True))

    for template in sorted(spec["paths"], key=lambda t: t.count("{")):
        if fits(template) and method.lower() in spec["paths"][template]:
            return spec["paths"][template][method.lower()]["responses"]  # type: ignore[no-any-return]
    raise AssertionError(f"{method} {path}: no operation in /openapi.json")


def test_answers_found_by_schemathesis_are_declared(server: str) -> None:
    import httpx

    with httpx.Client(base_url=server, timeout=60) as client:
        spec = client.get("/openapi.json").json()
        wrong = []
        for method, target, headers, body in _ANSWERS:
            answer = client.request(method, target, headers=headers, content=body)
            assert answer.status_code < 500, (method, target, answer.status_code, answer.text[:300])
            declared = _declared(spec, target.split("?")[0], method).get(str(answer.status_code))
            media = answer.headers.get("content-type", "").split(";")[0]
            if declared is None or (answer.content and media not in declared.get("content", {})):
                wrong.append(f"{method} {target}: {answer.status_code} {media}")
        for target in _REJECTED:
            answer = client.get(target)
            if not 400 <= answer.status_code < 500:
                wrong.append(f"GET {target}: {answer.status_code}, not a 4xx")
    assert not wrong, wrong

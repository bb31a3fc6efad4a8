"""Schemathesis against ``/api/v1/openapi.json``, in-process through the WSGI app: every operation
gets generated requests, first with generated path parameters, then with the ids of a small
seeded data set (so that reads and writes reach past the 404), and every answer must be no 5xx,
a documented status code, the documented content type and a body matching its schema.

Bounded and reproducible: a few derandomised examples per operation, no example database. The
test runs in the test's transaction, so the writes it fuzzes are rolled back."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from ninja import Schema
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from anxin.accounts.actions import api_token_create
from anxin.cases.models import Step
from anxin.cases.testing import add_assessment, walk
from anxin.core.testing import World, register
from anxin.delivery.actions import ParticipantInput
from anxin.delivery.models import Participant
from anxin.delivery.tests.test_records import make
from anxin.operations.tests import factories as ops
from anxin.referrals.tests import factories as rf
from anxin.surveys.tests import factories as sf

EXAMPLES = 2  # per operation and pass (about 130 operations, three passes): under a minute
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def bounded(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,  # the same requests on every run and in CI
        database=None,
        suppress_health_check=list(HealthCheck),
    )


def seed(world: World) -> dict[str, Any]:
    """A little of everything in project lw, and each object's id under its path name."""
    case = walk(register(world), Step.SERVICE, world.worker)
    record = add_assessment(case, "sdss", 3)
    service = make(world, [ParticipantInput(Participant.Kind.CLIENT, case=case)])
    partner = rf.partner(world)
    group = rf.group(world, [partner])
    consent = rf.consent(world, case, partner)
    referral = rf.referral_out(world, case, partner, with_consent=consent)
    survey = sf.survey(world)
    return {
        "code": "lw",
        "case_id": case.pk,
        "client_id": case.client_id,
        "record_id": service.pk,
        "assessment_id": record.pk,
        "partner_id": partner.pk,
        "group_id": group.pk,
        "activity_id": rf.activity(world, group).pk,
        "consent_id": consent.pk,
        "referral_id": referral.pk,
        "survey_id": survey.pk,
        "training_id": ops.training(world).pk,
        "supervision_id": ops.supervision(world).pk,
        "meeting_id": ops.meeting(world).pk,
        "article_id": ops.article(world).pk,
        "document_id": ops.document(world).pk,
        "user_id": world.worker.pk,
    }


def fuzz(
    operation: Any,
    headers: dict[str, str],
    seeded: dict[str, Any] | None,
    mode: GenerationMode = GenerationMode.POSITIVE,
    examples: int = EXAMPLES,
) -> list[str]:
    """Run the generated cases of one operation; the failures found, one line each.
    ``mode`` NEGATIVE sends what the schema does not allow: it must be refused as documented."""
    found: list[str] = []

    @bounded(examples)
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        if seeded is not None:
            for name in case.path_parameters or {}:
                if name in seeded:
                    case.path_parameters[name] = seeded[name]
        checks = CHECKS if seeded is not None else [*CHECKS, ignored_auth]
        try:
            case.call_and_validate(headers=headers, checks=checks)
        except BaseException as exc:  # schemathesis reports a group of failures
            if isinstance(exc, KeyboardInterrupt):
                raise
            titles = sorted(set(re.findall(r"^- (.+)$", str(exc), re.MULTILINE))) or [
                repr(exc)[:300]
            ]
            found.append(
                f"{operation.method.upper()} {case.formatted_path}: {'; '.join(titles)}"
                + ("" if found else "\n" + str(exc)[:2500])  # the details once per operation
            )

    run()
    return found


@contextmanager
def connections_kept() -> Iterator[None]:
    """Requests through the real WSGI app end by closing the database connection (Django's
    request_finished signal); the test's transaction lives on it. Django's test client keeps it
    open the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_every_operation_answers_as_documented(world: World) -> None:
    started = time.monotonic()
    seeded = seed(world)
    _token, key = api_token_create(user=world.lead, name="fuzz", acting_user=world.lead)
    headers = {"Authorization": f"Bearer {key}"}
    with connections_kept():
        app = get_wsgi_application()
        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
        results = list(schema.get_all_operations())
        operations = [result.ok() for result in results if isinstance(result, Ok)]
        assert len(operations) == len(results)  # every operation's schema could be read
        assert len(operations) > 100  # the whole API, not an empty or partial schema
        failures: list[str] = []
        for operation in operations:
            if "{" in operation.path:  # made-up ids mostly meet a 404: one try, then real ids
                failures += fuzz(operation, headers, None, examples=1)
                failures += fuzz(operation, headers, seeded)
            else:
                failures += fuzz(operation, headers, None)
            failures += fuzz(operation, headers, seeded, GenerationMode.NEGATIVE, 1)
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures)
    assert time.monotonic() - started < 120  # the bound CI relies on (about 40 s here)


def _subclasses(cls: type) -> list[type]:
    found: list[type] = []
    subs: list[type] = type.__subclasses__(cls)
    for sub in subs:
        found += [sub, *_subclasses(sub)]
    return found


def test_api_schemas_have_unique_names() -> None:
    """The OpenAPI document names each schema by its class name: two classes of one name made
    the document describe one of them in place of the other (found by schemathesis)."""
    import config.api  # noqa: F401 - loads every router

    names: dict[str, set[str]] = {}
    for cls in _subclasses(Schema):
        if cls.__module__.startswith("anxin."):
            names.setdefault(cls.__name__, set()).add(cls.__module__)
    assert len(names) > 100
    assert {n: m for n, m in names.items() if len(m) > 1} == {}


def test_documented_components_are_the_classes_that_answer() -> None:
    from config.api import api

    components = api.get_openapi_schema()["components"]["schemas"]
    from anxin.delivery.api import RecordOut
    from anxin.operations.api import SupervisionNoteOut

    assert set(components["RecordOut"]["properties"]) == set(RecordOut.model_fields)
    assert set(components["SupervisionNoteOut"]["properties"]) == {"user_id", "name", "content"}
    assert set(SupervisionNoteOut.model_fields) == {"user_id", "name", "content"}


def test_an_unknown_project_team_is_a_documented_404(world: World, client: Any) -> None:
    _token, key = api_token_create(user=world.lead, name="t", acting_user=world.lead)
    response = client.get("/api/v1/projects/nope/team", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 404 and "detail" in response.json()
    from config.api import api

    documented = api.get_openapi_schema()["paths"]["/api/v1/projects/{code}/team"]["get"]
    assert 404 in documented["responses"]


def test_times_of_day_are_documented_as_what_is_answered() -> None:
    """Found by schemathesis: "09:00:00" is no JSON Schema "time" (that needs a UTC offset)."""
    from config.api import api

    components = api.get_openapi_schema()["components"]["schemas"]
    for name in ("RecordListItemOut", "SessionOut"):
        for field in ("starts_at", "ends_at"):
            documented = components[name]["properties"][field]
            assert documented.get("format") != "time"
            assert re.fullmatch(documented["pattern"], "09:00:00")


def test_refusals_of_malformed_input_are_documented(world: World, client: Any) -> None:
    """Found by schemathesis (negative mode): ninja answers 422 to a parameter of the wrong
    type and 400 to a body that is not JSON, on operations that documented neither."""
    from config.api import api

    _token, key = api_token_create(user=world.lead, name="t", acting_user=world.lead)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    paths = api.get_openapi_schema()["paths"]
    bad_query = client.get("/api/v1/projects/lw/supervisions", {"page": "x"}, **auth)
    assert bad_query.status_code == 422 and bad_query.json()["errors"]
    assert 422 in paths["/api/v1/projects/{code}/supervisions"]["get"]["responses"]
    not_json = client.post(
        "/api/v1/projects/lw/spending", "{", content_type="application/json", **auth
    )
    assert not_json.status_code == 400
    assert 400 in paths["/api/v1/projects/{code}/spending"]["post"]["responses"]
    assert client.get("/api/v1/projects").status_code == 401
    assert 401 in paths["/api/v1/projects"]["get"]["responses"]

"""The whole API fuzzed with schemathesis, as an administrator and as a cadre: no answer is a server
error, and every status code, content type and body is the one the schema at /api/schema/ documents.

Each operation gets up to MAX_EXAMPLES generated requests (valid ones, and invalid ones the API must
refuse with a documented 4xx), derandomized so that CI sees the same requests every run. Path ids are
the generated ones (mostly unknown: 404) or, for about half the examples, a real object of the world
(the caller's own or another's). Each request runs in a savepoint rolled back afterwards, so a POST or
DELETE never changes what the next example finds (the token the calls are signed with stays alive).
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.services import token_create
from tests.world import build_world

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 20
DEADLINE = timedelta(seconds=10)  # one request; a generous bound for two shared cores
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
MODES = [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]


@pytest.fixture
def wsgi_app():
    """Django's WSGI handler with the test client's habit: no connection closed between requests,
    which would end the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _resource(path: str) -> str:
    """`/api/v1/matching/proposals/{id}/pairs/` → `matching/proposals`."""
    return path.removeprefix("/api/v1/").split("/{", 1)[0]


RESOURCE_KEYS = {
    "units": "unit",
    "cadres": "cadre",
    "enterprises": "enterprise",
    "assignments": "assignment",
    "visits": "visit",
    "appeals": "appeal",
    "deliveries": "delivery",
    "notifications": "notification",
    "dispatches": "dispatch",
}
SHARED_KEYS = {
    "policies": "policy",
    "meetings": "meeting",
    "matching/proposals": "proposal",
    "bulletins": "bulletin",
    "job-runs": "job_run",
    "analysis/clusters": "cluster",
    "analysis/reports": "analysis_report",
}


def real_ids(world) -> dict[str, list[int]]:
    ids = {name: [world.own[key].pk, world.other[key].pk] for name, key in RESOURCE_KEYS.items()}
    ids |= {name: [world.shared[key].pk] for name, key in SHARED_KEYS.items()}
    ids["enterprise_id"] = [world.own["enterprise"].pk, world.other["enterprise"].pk]
    return ids


def fuzz(role: str, wsgi_app) -> dict:
    world = build_world()
    user = world.users[role]
    headers = {"Authorization": f"Token {token_create(user=user, client='fuzz')[1]}", "Accept-Language": "zh-hans"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app, headers=headers)
    ids = real_ids(world)
    figures = {"operations": 0, "examples": 0, "failures": []}
    started = time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()
        figures["operations"] += 1
        strategy = st.one_of(*(operation.as_strategy(generation_mode=mode) for mode in MODES))

        @given(case=strategy, pick=st.integers(0, 3))
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=DEADLINE,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case, pick):
            for name in case.path_parameters or {}:
                known = ids.get("enterprise_id" if name == "enterprise_id" else _resource(case.operation.path))
                if known and pick:
                    case.path_parameters[name] = known[pick % len(known)]
            figures["examples"] += 1
            sid = transaction.savepoint_create()
            try:
                case.call_and_validate(headers=headers, checks=CHECKS)
            finally:
                transaction.savepoint_rollback(sid)

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # every failing operation is reported, not the first
            figures["failures"].append(f"{operation.label}: {exc}"[:1500])
    figures["seconds"] = round(time.monotonic() - started, 1)
    return figures


@pytest.mark.parametrize("role", ["admin", "cadre"])
def test_every_operation_answers_as_the_schema_says(role, wsgi_app):
    # given the world, signed in as `role`; when every operation is fuzzed
    figures = fuzz(role, wsgi_app)
    print(f"\n{role}: {figures['operations']} operations, {figures['examples']} examples, {figures['seconds']} s")
    # then no check failed anywhere
    assert figures["failures"] == [], "\n\n".join(figures["failures"])
    assert figures["operations"] >= 100


# --- The server errors the fuzzing found, kept as plain regressions ------------------------------


def test_a_meeting_year_that_no_date_has_is_refused_not_a_server_error(client):
    # given an administrator
    from tests.api_support import client_for
    from tests.factories import make_user

    api = client_for(make_user(role="admin", is_staff=True, is_superuser=True))
    # when meetings are filtered by year 0 or a year past 9999
    answers = [api.get("/api/v1/meetings/", {"year": year}).status_code for year in (0, 10000, 10**20, 2026)]
    # then the impossible years are refused, a real one is listed
    assert answers == [400, 400, 400, 200]


def test_publishing_the_bulletin_of_month_zero_is_refused_not_a_server_error():
    # given task-force staff
    from liaison.models import Role
    from tests.api_support import client_for
    from tests.factories import make_user

    api = client_for(make_user(role=Role.TASKFORCE))
    # when they publish 0000-01
    response = api.post("/api/v1/bulletins/publish/", {"month": "0000-01"}, format="json")
    # then it is a field error
    assert response.status_code == 400
    assert "month" in response.json()


def test_an_audit_address_that_is_no_address_is_refused_not_a_server_error():
    # given an administrator
    from tests.api_support import client_for
    from tests.factories import make_user

    api = client_for(make_user(role="admin", is_staff=True, is_superuser=True))
    # when the audit log is filtered by an address that is none
    response = api.get("/api/v1/audit/", {"address": "not-an-address"})
    # then it is a field error
    assert response.status_code == 400
    assert "address" in response.json()


def test_an_api_url_the_routes_do_not_take_answers_json_404(client):
    # when a path no route takes is asked for
    response = client.get("/api/v1/units/1/nothing-here/")
    # then the 404 is JSON, as the schema says
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"

"""The hotline's operations fuzzed with schemathesis under a hotline client's key (tests/test_api_fuzz.py
fuzzes them under staff tokens, which they refuse): no server error, every answer as the schema says."""

from __future__ import annotations

import pytest
import schemathesis
from django.db import transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from accounts.services import token_create
from hotline import services
from liaison.models import Role
from tests import factories
from tests.hotline_support import make_client, order
from tests.test_api_fuzz import CHECKS, MODES, wsgi_app  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def test_the_hotline_operations_answer_as_the_schema_says_under_a_hotline_key(wsgi_app):  # noqa: F811
    # given a client with a work order of a paired enterprise, and the schema (read by staff)
    client, key = make_client()
    pairing = factories.make_pairing_with_login()
    # (through the service: the test client would connect again the signal that closes the connection)
    services.work_order_receive(client=client, **{k: v for k, v in order(pairing.enterprise).items()
                                                  if k != "received_at"})
    staff = factories.make_user(role=Role.ADMIN, is_staff=True, is_superuser=True)
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/", wsgi_app, headers={"Authorization": f"Token {token_create(user=staff)[1]}"})
    headers = {"Authorization": f"Hotline {key}", "Accept-Language": "zh-hans"}
    failures, operations = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if "hotline" not in operation.path and "open311" not in operation.path:
            continue
        operations += 1
        strategy = st.one_of(*(operation.as_strategy(generation_mode=mode) for mode in MODES))

        @given(case=strategy, known=st.booleans())
        @settings(max_examples=40, deadline=None, derandomize=True, database=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        def run(case, known):
            for name in case.path_parameters or {}:
                if known:
                    case.path_parameters[name] = "GD20260603001"
            sid = transaction.savepoint_create()
            try:
                case.call_and_validate(headers=headers, checks=CHECKS)
            finally:
                transaction.savepoint_rollback(sid)

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:
            failures.append(f"{operation.label}: {exc}"[:1500])
    # then every hotline operation was fuzzed, and none failed a check
    assert operations == 5
    assert failures == [], "\n\n".join(failures)

"""The permission matrix: every role × every page and endpoint × own / another's object, as a table.

Each row of TABLE is one URL name (as `reverse` knows it) and, where the URL takes an object, whose
object: `own` is the cadre `cadre`'s (and so in the unit handler's unit), `other` is another unit's
cadre's. Each column is what a GET by that role answers:

    login  302 to the sign-in page          401  API: no credentials
    200    the page or the data             403  refused for the role
    302    a redirect elsewhere             404  not there, or not visible to this role
    405    GET is not how this URL is used (a POST-only action)

Every URL name the resolver knows must have a row: a new URL without one fails
`test_every_url_name_has_a_row`. The admin's own URLs (`admin:…`) are covered by the rows
`admin:index` and `admin:liaison_visit_changelist`. To add a row, run the test with
PERMISSION_MATRIX_PRINT=1: it prints the observed answers of every row, table-shaped, to check and paste.
"""

from __future__ import annotations

import os
import re
import uuid

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.world import build_world

ROLES = ("anon", "cadre", "unit", "group", "tf", "leader", "admin")
USERS = {
    "cadre": "cadre",
    "unit": "unit_handler",
    "group": "group_handler",
    "tf": "taskforce",
    "leader": "leader",
    "admin": "admin",
}

# URL name → the world's object its `pk` (or other argument) names; "-" for one that is never there.
OBJECTS = {
    "enterprise-detail": "enterprise",
    "visit-create": "enterprise",
    "appeal-detail": "appeal",
    "appeal-action": "appeal",
    "delivery-update": "delivery",
    "assignment-end": "assignment",
    "visit-detail": "visit",
    "visit-edit": "visit",
    "visit-withdraw": "visit",
    "unit-detail": "unit",
    "cadre-detail": "cadre",
    "cadre-edit": "cadre",
    "enterprise-edit": "enterprise",
    "api:unit-detail": "unit",
    "api:cadre-detail": "cadre",
    "api:enterprise-detail": "enterprise",
    "api:enterprise-eligible-policies": "enterprise",
    "api:assignment-detail": "assignment",
    "api:assignment-end": "assignment",
    "api:visit-detail": "visit",
    "api:visit-attachments": "visit",
    "api:visit-withdraw": "visit",
    "api:appeal-detail": "appeal",
    "api:appeal-events": "appeal",
    "api:delivery-detail": "delivery",
    "api:delivery-progress": "delivery",
    "api:notification-read": "notification",
    "api:dispatch-detail": "dispatch",
    "matching-replacement": "enterprise",
    "contact-issue": "enterprise",
}
for _action in ("assign", "escalate", "feedback", "feedback-link", "out-of-scope", "press", "recategorise", "reopen",
                "resolve", "resume", "return", "suspend", "withdraw"):
    OBJECTS[f"api:appeal-{_action}"] = "appeal"
SHARED = {
    "policy": ("policy-detail", "policy-edit", "policy-eligible", "policy-explain", "policy-deliveries",
               "policy-public", "policy-qr-svg", "policy-qr-png", "api:policy-detail",
               "api:policy-eligible-enterprises", "api:policy-explain", "api:policy-generate-deliveries"),
    "meeting": ("meeting-detail", "meeting-issue-add", "meeting-countermeasure-add", "meeting-issues-to-appeals",
                "meeting-withdraw", "api:meeting-detail", "api:meeting-issues-to-appeals", "api:meeting-withdraw"),
    "proposal": ("matching-proposal", "matching-accept", "api:matching-proposal-detail",
                 "api:matching-proposal-accept", "api:matching-proposal-leftovers", "api:matching-proposal-pairs"),
    "bulletin": ("api:bulletin-detail", "api:bulletin-reissue", "api:bulletin-units", "api:bulletin-cadres"),
    "job_run": ("job-run-detail", "api:job-run-detail"),
    "cluster": ("analysis-cluster", "analysis-cluster-label", "analysis-cluster-countermeasure",
                "analysis-cluster-policy", "api:analysis-cluster-detail"),
    "analysis_report": ("analysis-report", "analysis-report-edit", "analysis-report-refresh",
                        "analysis-report-publish", "analysis-report-new-version", "analysis-report-discard",
                        "analysis-report-documents", "analysis-report-pdf", "analysis-report-docx",
                        "api:analysis-report-detail", "api:analysis-report-publish"),
}
OBJECTS.update({"outreach-unit": "unit", "api:outreach-unit-funnel": "unit", "outreach-push-told": "push",
                "outreach-push-applied": "push", "outreach-push-open": "push", "api:outreach-push-told": "push"})
SHARED["policy"] += ("outreach-policy", "api:outreach-policy-funnel")
# Arguments that are not objects of the world.
FIXED = {
    "import-template": {"kind": "enterprises"},
    "import-preview": {"token": uuid.UUID(int=1)},
    "import-confirm": {"token": uuid.UUID(int=1)},
    "import-cancel": {"token": uuid.UUID(int=1)},
    "appeal-feedback-public": {"signed": "not-a-signature"},
    "calendar-year-publish": {"year": 2026},
    "dispatch-week": {"week": "2026-06-01"},
    "bulletin-detail": {"month": "2026-06"},
    "bulletin-pdf": {"month": "2026-06"},
    "bulletin-documents": {"month": "2026-06"},
    "bulletin-xlsx": {"month": "2026-06"},
    "job-start": {"key": "monthly_bulletin"},
    "evaluation-year": {"year": 2024},
    "evaluation-export": {"year": 2024},
}

TABLE = """
url name                          | object | anon  | cadre | unit  | group | tf    | leader | admin
admin:index                       |        | login | login | login | login | login | login | 200
admin:liaison_visit_changelist    |        | login | login | login | login | login | login | 200
api-docs                          |        | login | 200   | 200   | 200   | 200   | 200   | 200
api-export-roster                 |        | 401   | 403   | 200   | 200   | 200   | 200   | 200
api-export-cadres                 |        | 401   | 403   | 200   | 200   | 200   | 200   | 200
api-export-enterprises            |        | 401   | 403   | 200   | 200   | 200   | 200   | 200
api-export-visits                 |        | 401   | 200   | 200   | 200   | 200   | 200   | 200
api-import-cadres                 |        | 401   | 403   | 403   | 403   | 405   | 403   | 405
api-import-enterprises            |        | 401   | 403   | 403   | 403   | 405   | 403   | 405
api-redoc                         |        | login | 200   | 200   | 200   | 200   | 200   | 200
api:analysis-cluster-detail       |        | 401   | 403   | 403   | 403   | 200   | 200   | 200
api:analysis-cluster-list         |        | 401   | 403   | 403   | 403   | 200   | 200   | 200
api:analysis-report-detail        |        | 401   | 403   | 403   | 403   | 200   | 200   | 200
api:analysis-report-list          |        | 401   | 403   | 403   | 403   | 200   | 200   | 200
api:analysis-report-publish       |        | 401   | 403   | 403   | 403   | 405   | 405   | 405
api:api-root                      |        | 401   | 200   | 200   | 200   | 200   | 200   | 200
api:appeal-assign                 | other  | 401   | 405   | 405   | 405   | 405   | 405   | 405
api:appeal-assign                 | own    | 401   | 405   | 405   | 405   | 405   | 405   | 405
api:appeal-bulk-assign            |        | 401   | 403   | 403   | 403   | 405   | 403   | 405
api:appeal-category-list          |        | 401   | 200   | 200   | 200   | 200   | 200   | 200
api:appeal-counts                 |        | 401   | 200   | 200   | 200   | 200   | 200   | 200
api:appeal-similar                |        | 401   | 400   | 400   | 400   | 400   | 400   | 400
api:appeal-detail                 | other  | 401   | 404   | 404   | 404   | 200   | 200   | 200
api:appeal-detail                 | own    | 401   | 200   | 200   | 404   | 200   | 200   | 200
api:appeal-escalate               | other  | 401   | 405   | 405   | 405   | 405   | 405   | 405
api:appeal-escalate               | own    | 401   | 405   | 405   | 405   | 405   | 405   | 405
api:appeal-events                 | other  | 401   | 404   | 404   | 404   | 200   | 200   | 200
api:appeal-events                 | own    | 401   | 200   | 200   | 404   | 200   | 200   | 200
api:appeal-feedback               | other  | 401   | 405   | 405   | 405   | 405   | 405   | 405
api:appeal-feedback               | own    | 401   | 405   | 405   | 405   | 405   | 405   | 405
api:appeal-feedback-link          | other  | 401   | 405   | 405   | 405   | 405   | 405   | 405
api:appeal-feedback-link          | own    | 401   | 405   | 405   | 405   | 405   | 405   | 405
api:appeal-list                   |        | 401   | 200   | 200   | 200   | 200   | 200   | 200
api:appeal-metrics                |        | 401   | 403   | 400   | 400   | 400   | 400   | 400
api:appeal-out-of-scope           | other  | 401   | 405   | 405   | 405   | 405   | 405   | 405
api:appeal-out-of-scope           | own    | 401   | 405   | 405   | 405   | 405   | 405   | 405
api:appeal-press                  | other  | 401   | 405   | 405   | 405   | 405   | 405   | 405
api:appeal-press                  | own    | 401   | 405   | 405   | 405   | 405   | 405   | 405
api:appeal-recategorise           | other  | 401   | 405   | 405   | 405   | 405   | 405   | 405
api:appeal-recategorise           | own    | 401   | 405   | 405   | 405   | 405   | 405   | 405
api:appeal-reopen                 | other  | 401   | 405   | 405   | 405   | 405   | 405   | 405
api:appeal-reopen                 | own    | 401   | 405   | 405   | 405   | 405   | 405   | 405
api:appeal-resolve                | other  | 401   | 405   | 405   | 405   | 405   | 405   | 405
api:appeal-resolve                | own    | 401   | 405   | 405   | 405   | 405   | 405   | 405
api:appeal-resume                 | other  | 401   | 405   | 405   | 405   | 405   | 405   | 405
api:appeal-resume                 | own    | 401   | 405   | 405   | 405   | 405   | 405   | 405
api:appeal-return                 | other  | 401   | 405   | 405   | 405   | 405   | 405   | 405
api:appeal-return                 | own    | 401   | 405   | 405   | 405   | 405   | 405   | 405
api:appeal-suspend                | other  | 401   | 405   | 405   | 405   | 405   | 405   | 405
api:appeal-suspend                | own    | 401   | 405   | 405   | 405   | 405   | 405   | 405
api:appeal-withdraw               | other  | 401   | 405   | 405   | 405   | 405   | 405   | 405
api:appeal-withdraw               | own    | 401   | 405   | 405   | 405   | 405   | 405   | 405
api:assignment-detail             | other  | 401   | 404   | 404   | 404   | 200   | 200   | 200
api:assignment-detail             | own    | 401   | 200   | 200   | 404   | 200   | 200   | 200
api:assignment-end                | other  | 401   | 405   | 405   | 405   | 405   | 405   | 405
api:assignment-end                | own    | 401   | 405   | 405   | 405   | 405   | 405   | 405
api:assignment-list               |        | 401   | 200   | 200   | 200   | 200   | 200   | 200
api:audit-event-detail            |        | 401   | 403   | 403   | 403   | 403   | 403   | 404
api:audit-event-list              |        | 401   | 403   | 403   | 403   | 403   | 403   | 200
api:bulletin-cadres               |        | 401   | 403   | 200   | 200   | 200   | 200   | 200
api:bulletin-detail               |        | 401   | 403   | 200   | 200   | 200   | 200   | 200
api:bulletin-list                 |        | 401   | 403   | 200   | 200   | 200   | 200   | 200
api:bulletin-publish              |        | 401   | 403   | 405   | 405   | 405   | 405   | 405
api:bulletin-reissue              |        | 401   | 403   | 405   | 405   | 405   | 405   | 405
api:bulletin-units                |        | 401   | 403   | 200   | 200   | 200   | 200   | 200
api:cadre-detail                  | other  | 401   | 404   | 404   | 404   | 200   | 200   | 200
api:cadre-detail                  | own    | 401   | 200   | 200   | 404   | 200   | 200   | 200
api:cadre-list                    |        | 401   | 200   | 200   | 200   | 200   | 200   | 200
api:compliance                    |        | 401   | 200   | 200   | 200   | 200   | 200   | 200
api:compliance-pairings           |        | 401   | 200   | 200   | 200   | 200   | 200   | 200
api:delivery-detail               | other  | 401   | 404   | 404   | 404   | 200   | 200   | 200
api:delivery-detail               | own    | 401   | 200   | 200   | 404   | 200   | 200   | 200
api:delivery-list                 |        | 401   | 200   | 200   | 200   | 200   | 200   | 200
api:delivery-progress             | other  | 401   | 405   | 405   | 405   | 405   | 405   | 405
api:delivery-progress             | own    | 401   | 405   | 405   | 405   | 405   | 405   | 405
api:dispatch-detail               | other  | 401   | 403   | 404   | 404   | 200   | 200   | 200
api:dispatch-detail               | own    | 401   | 403   | 200   | 404   | 200   | 200   | 200
api:dispatch-list                 |        | 401   | 403   | 200   | 200   | 200   | 200   | 200
api:enterprise-contact-detail     |        | 401   | 404   | 404   | 404   | 404   | 404   | 404
api:enterprise-contact-list       |        | 401   | 200   | 200   | 200   | 200   | 200   | 200
api:enterprise-contact-reissue    |        | 401   | 405   | 405   | 405   | 405   | 405   | 405
api:enterprise-contact-revoke     |        | 401   | 405   | 405   | 405   | 405   | 405   | 405
api:enterprise-detail             | other  | 401   | 404   | 404   | 404   | 200   | 200   | 200
api:enterprise-detail             | own    | 401   | 200   | 200   | 404   | 200   | 200   | 200
api:enterprise-eligible-policies  | other  | 401   | 404   | 404   | 404   | 200   | 200   | 200
api:enterprise-eligible-policies  | own    | 401   | 200   | 200   | 404   | 200   | 200   | 200
api:enterprise-list               |        | 401   | 200   | 200   | 200   | 200   | 200   | 200
api:evaluation-detail             |        | 401   | 403   | 403   | 403   | 404   | 404   | 404
api:evaluation-list               |        | 401   | 403   | 403   | 403   | 200   | 200   | 200
api:evaluation-run                |        | 401   | 403   | 403   | 403   | 405   | 405   | 405
api:evaluation-scores             |        | 401   | 403   | 403   | 403   | 404   | 404   | 404
api:evaluation-weights            |        | 401   | 403   | 403   | 403   | 200   | 200   | 200
api:hotline-work-order-detail     |        | 401   | 401   | 401   | 401   | 401   | 401   | 401
api:hotline-work-order-list       |        | 401   | 401   | 401   | 401   | 401   | 401   | 401
api:job-list                      |        | 401   | 403   | 403   | 403   | 200   | 403   | 200
api:job-run-detail                |        | 401   | 403   | 403   | 403   | 200   | 403   | 200
api:job-run-list                  |        | 401   | 403   | 403   | 403   | 200   | 403   | 200
api:matching-proposal-accept      |        | 401   | 403   | 403   | 403   | 405   | 405   | 405
api:matching-proposal-detail      |        | 401   | 403   | 403   | 403   | 200   | 200   | 200
api:matching-proposal-leftovers   |        | 401   | 403   | 403   | 403   | 200   | 200   | 200
api:matching-proposal-list        |        | 401   | 403   | 403   | 403   | 200   | 200   | 200
api:matching-proposal-pairs       |        | 401   | 403   | 403   | 403   | 200   | 200   | 200
api:me                            |        | 401   | 200   | 200   | 200   | 200   | 200   | 200
api:meeting-detail                |        | 401   | 200   | 200   | 200   | 200   | 200   | 200
api:meeting-issues-to-appeals     |        | 401   | 405   | 405   | 405   | 405   | 405   | 405
api:meeting-list                  |        | 401   | 200   | 200   | 200   | 200   | 200   | 200
api:meeting-withdraw              |        | 401   | 405   | 405   | 405   | 405   | 405   | 405
api:notification-list             |        | 401   | 200   | 200   | 200   | 200   | 200   | 200
api:notification-read             | other  | 401   | 405   | 405   | 405   | 405   | 405   | 405
api:notification-read             | own    | 401   | 405   | 405   | 405   | 405   | 405   | 405
api:notification-read-all         |        | 401   | 405   | 405   | 405   | 405   | 405   | 405
api:outreach-policy-funnel        |        | 401   | 403   | 403   | 403   | 200   | 200   | 200
api:outreach-push-list            |        | 401   | 200   | 403   | 403   | 403   | 403   | 403
api:outreach-push-told            | other  | 401   | 405   | 405   | 405   | 405   | 405   | 405
api:outreach-push-told            | own    | 401   | 405   | 405   | 405   | 405   | 405   | 405
api:outreach-unit-funnel          | other  | 401   | 404   | 404   | 404   | 200   | 200   | 200
api:outreach-unit-funnel          | own    | 401   | 404   | 200   | 404   | 200   | 200   | 200
api:password-change               |        | 401   | 405   | 405   | 405   | 405   | 405   | 405
api:policy-category-list          |        | 401   | 200   | 200   | 200   | 200   | 200   | 200
api:policy-detail                 |        | 401   | 200   | 200   | 200   | 200   | 200   | 200
api:policy-eligible-enterprises   |        | 401   | 200   | 200   | 200   | 200   | 200   | 200
api:policy-explain                |        | 401   | 200   | 200   | 404   | 200   | 200   | 200
api:policy-generate-deliveries    |        | 401   | 403   | 403   | 403   | 405   | 403   | 405
api:policy-list                   |        | 401   | 200   | 200   | 200   | 200   | 200   | 200
api:substitution-list             |        | 401   | 200   | 200   | 200   | 200   | 200   | 200
api:token                         |        | 405   | 405   | 405   | 405   | 405   | 405   | 405
api:token-detail                  |        | 401   | 405   | 405   | 405   | 405   | 405   | 405
api:token-list                    |        | 401   | 200   | 200   | 200   | 200   | 200   | 200
api:unit-detail                   | other  | 401   | 200   | 200   | 200   | 200   | 200   | 200
api:unit-detail                   | own    | 401   | 200   | 200   | 200   | 200   | 200   | 200
api:unit-list                     |        | 401   | 200   | 200   | 200   | 200   | 200   | 200
api:visit-attachments             | other  | 401   | 405   | 405   | 405   | 405   | 405   | 405
api:visit-attachments             | own    | 401   | 405   | 405   | 405   | 405   | 405   | 405
api:visit-detail                  | other  | 401   | 404   | 404   | 404   | 200   | 200   | 200
api:visit-detail                  | own    | 401   | 200   | 200   | 404   | 200   | 200   | 200
api:visit-list                    |        | 401   | 200   | 200   | 200   | 200   | 200   | 200
api:visit-withdraw                | other  | 401   | 405   | 405   | 405   | 405   | 405   | 405
api:visit-withdraw                | own    | 401   | 405   | 405   | 405   | 405   | 405   | 405
analysis                          |        | login | 403   | 403   | 403   | 200   | 200   | 200
analysis-cluster                  |        | login | 403   | 403   | 403   | 200   | 200   | 200
analysis-cluster-countermeasure   |        | login | 405   | 405   | 405   | 405   | 405   | 405
analysis-cluster-label            |        | login | 405   | 405   | 405   | 405   | 405   | 405
analysis-cluster-policy           |        | login | 405   | 405   | 405   | 405   | 405   | 405
analysis-report                   |        | login | 403   | 403   | 403   | 200   | 200   | 200
analysis-report-discard           |        | login | 405   | 405   | 405   | 405   | 405   | 405
analysis-report-documents         |        | login | 403   | 403   | 403   | 200   | 200   | 200
analysis-report-docx              |        | login | 403   | 403   | 403   | 202   | 202   | 202
analysis-report-draft             |        | login | 405   | 405   | 405   | 405   | 405   | 405
analysis-report-edit              |        | login | 405   | 405   | 405   | 405   | 405   | 405
analysis-report-list              |        | login | 403   | 403   | 403   | 200   | 200   | 200
analysis-report-new-version       |        | login | 405   | 405   | 405   | 405   | 405   | 405
analysis-report-pdf               |        | login | 403   | 403   | 403   | 202   | 202   | 202
analysis-report-publish           |        | login | 405   | 405   | 405   | 405   | 405   | 405
analysis-report-refresh           |        | login | 405   | 405   | 405   | 405   | 405   | 405
analysis-similar                  |        | login | 200   | 200   | 200   | 200   | 200   | 200
appeal-action                     | other  | login | 404   | 404   | 404   | 403   | 403   | 403
appeal-action                     | own    | login | 200   | 403   | 404   | 403   | 403   | 403
appeal-attachment                 |        | login | 404   | 404   | 404   | 404   | 404   | 404
appeal-bulk-assign                |        | login | 405   | 405   | 405   | 405   | 405   | 405
appeal-create                     |        | login | 200   | 302   | 302   | 302   | 302   | 302
appeal-detail                     | other  | login | 404   | 404   | 404   | 200   | 200   | 200
appeal-detail                     | own    | login | 200   | 200   | 404   | 200   | 200   | 200
appeal-export                     |        | login | 200   | 200   | 200   | 200   | 200   | 200
appeal-feedback-public            |        | 404   | 404   | 404   | 404   | 404   | 404   | 404
appeal-list                       |        | login | 200   | 200   | 200   | 200   | 200   | 200
assignment-end                    | other  | login | 405   | 405   | 405   | 405   | 405   | 405
assignment-end                    | own    | login | 405   | 405   | 405   | 405   | 405   | 405
audit-export                      |        | login | 403   | 403   | 403   | 403   | 403   | 200
audit-list                        |        | login | 403   | 403   | 403   | 403   | 403   | 200
bulletin-detail                   |        | login | 403   | 200   | 200   | 200   | 200   | 200
bulletin-documents                |        | login | 403   | 200   | 200   | 200   | 200   | 200
bulletin-list                     |        | login | 403   | 200   | 200   | 200   | 200   | 200
bulletin-pdf                      |        | login | 403   | 202   | 202   | 202   | 202   | 202
bulletin-publish                  |        | login | 405   | 405   | 405   | 405   | 405   | 405
bulletin-reissue                  |        | login | 405   | 405   | 405   | 405   | 405   | 405
bulletin-xlsx                     |        | login | 403   | 202   | 202   | 202   | 202   | 202
cadre-detail                      | other  | login | 404   | 404   | 404   | 200   | 200   | 200
cadre-detail                      | own    | login | 200   | 200   | 404   | 200   | 200   | 200
cadre-create                      |        | login | 403   | 403   | 403   | 200   | 403   | 200
cadre-edit                        | other  | login | 403   | 403   | 403   | 200   | 403   | 200
cadre-edit                        | own    | login | 403   | 403   | 403   | 200   | 403   | 200
calendar                          |        | login | 403   | 403   | 403   | 200   | 200   | 200
calendar-day-delete               |        | login | 405   | 405   | 405   | 405   | 405   | 405
calendar-year-publish             |        | login | 405   | 405   | 405   | 405   | 405   | 405
contact-card                      |        | login | 404   | 404   | 404   | 404   | 404   | 404
contact-issue                     | other  | login | 404   | 404   | 404   | 200   | 403   | 200
contact-issue                     | own    | login | 200   | 200   | 404   | 200   | 403   | 200
contact-reissue                   |        | login | 405   | 405   | 405   | 405   | 405   | 405
contact-revoke                    |        | login | 405   | 405   | 405   | 405   | 405   | 405
countermeasure-status             |        | login | 405   | 405   | 405   | 405   | 405   | 405
dashboard                         |        | login | 403   | 403   | 403   | 200   | 200   | 200
delivery-update                   | other  | login | 405   | 405   | 405   | 405   | 405   | 405
delivery-update                   | own    | login | 405   | 405   | 405   | 405   | 405   | 405
dispatch-week                     |        | login | 403   | 200   | 200   | 200   | 200   | 200
dispatch-weeks                    |        | login | 403   | 200   | 200   | 200   | 200   | 200
enterprise-detail                 | other  | login | 404   | 404   | 404   | 200   | 200   | 200
enterprise-detail                 | own    | login | 200   | 200   | 404   | 200   | 200   | 200
enterprise-create                 |        | login | 403   | 403   | 403   | 200   | 403   | 200
enterprise-edit                   | other  | login | 403   | 403   | 403   | 200   | 403   | 200
enterprise-edit                   | own    | login | 403   | 403   | 403   | 200   | 403   | 200
enterprise-list                   |        | login | 200   | 200   | 200   | 200   | 200   | 200
evaluation-export                 |        | login | 403   | 403   | 403   | 404   | 404   | 404
evaluation-index                  |        | login | 403   | 403   | 403   | 200   | 200   | 200
evaluation-weights                |        | login | 403   | 403   | 403   | 200   | 200   | 200
evaluation-year                   |        | login | 403   | 403   | 403   | 404   | 404   | 404
export-roster                     |        | login | 403   | 200   | 200   | 200   | 200   | 200
export-cadres                     |        | login | 403   | 200   | 200   | 200   | 200   | 200
export-enterprises                |        | login | 403   | 200   | 200   | 200   | 200   | 200
export-visits                     |        | login | 200   | 200   | 200   | 200   | 200   | 200
healthz                           |        | 200   | 200   | 200   | 200   | 200   | 200   | 200
home                              |        | login | 200   | 200   | 200   | 200   | 200   | 200
hotline                           |        | login | 403   | 403   | 403   | 200   | 403   | 200
hotline-client-active             |        | login | 405   | 405   | 405   | 405   | 405   | 405
hotline-client-create             |        | login | 405   | 405   | 405   | 405   | 405   | 405
hotline-work-order                |        | login | 403   | 403   | 403   | 404   | 403   | 404
hotline-work-order-resend         |        | login | 405   | 405   | 405   | 405   | 405   | 405
import-cancel                     |        | login | 405   | 405   | 405   | 405   | 405   | 405
import-confirm                    |        | login | 405   | 405   | 405   | 405   | 405   | 405
import-preview                    |        | login | 403   | 403   | 403   | 404   | 403   | 404
import-start                      |        | login | 403   | 403   | 403   | 200   | 403   | 200
import-template                   |        | login | 403   | 403   | 403   | 200   | 403   | 200
interview-list                    |        | login | 403   | 200   | 200   | 200   | 200   | 200
interview-record                  |        | login | 405   | 405   | 405   | 405   | 405   | 405
job-list                          |        | login | 403   | 403   | 403   | 200   | 403   | 200
job-run-detail                    |        | login | 403   | 403   | 403   | 200   | 403   | 200
job-start                         |        | login | 405   | 405   | 405   | 405   | 405   | 405
lockout-list                      |        | login | 403   | 403   | 403   | 200   | 403   | 200
login                             |        | 200   | 200   | 200   | 200   | 200   | 200   | 200
logout                            |        | 405   | 405   | 405   | 405   | 405   | 405   | 405
matching                          |        | login | 403   | 403   | 403   | 200   | 200   | 200
matching-accept                   |        | login | 405   | 405   | 405   | 405   | 405   | 405
matching-blocked                  |        | login | 403   | 403   | 403   | 200   | 200   | 200
matching-blocked-delete           |        | login | 405   | 405   | 405   | 405   | 405   | 405
matching-proposal                 |        | login | 403   | 403   | 403   | 200   | 200   | 200
matching-replacement              | other  | login | 405   | 405   | 405   | 405   | 405   | 405
matching-replacement              | own    | login | 405   | 405   | 405   | 405   | 405   | 405
matching-settings                 |        | login | 403   | 403   | 403   | 200   | 200   | 200
meeting-countermeasure-add        |        | login | 403   | 403   | 403   | 200   | 403   | 200
meeting-create                    |        | login | 403   | 403   | 403   | 200   | 403   | 200
meeting-detail                    |        | login | 200   | 200   | 200   | 200   | 200   | 200
meeting-issue-add                 |        | login | 403   | 403   | 403   | 200   | 403   | 200
meeting-issues-to-appeals         |        | login | 405   | 405   | 405   | 405   | 405   | 405
meeting-list                      |        | login | 200   | 200   | 200   | 200   | 200   | 200
meeting-three-ones                |        | login | 200   | 200   | 200   | 200   | 200   | 200
meeting-withdraw                  |        | login | 405   | 405   | 405   | 405   | 405   | 405
my-month                          |        | login | 200   | 403   | 403   | 403   | 403   | 403
notification-list                 |        | login | 200   | 200   | 200   | 200   | 200   | 200
open311-request                   |        | 401   | 401   | 401   | 401   | 401   | 401   | 401
open311-requests                  |        | 401   | 401   | 401   | 401   | 401   | 401   | 401
open311-services                  |        | 200   | 200   | 200   | 200   | 200   | 200   | 200
outreach                          |        | login | 403   | 302   | 302   | 200   | 200   | 200
outreach-mine                     |        | login | 200   | 403   | 403   | 403   | 403   | 403
outreach-policy                   |        | login | 403   | 403   | 403   | 200   | 200   | 200
outreach-push-applied             | other  | login | 405   | 405   | 405   | 405   | 405   | 405
outreach-push-applied             | own    | login | 405   | 405   | 405   | 405   | 405   | 405
outreach-push-open                | other  | login | 404   | 404   | 404   | 302   | 404   | 302
outreach-push-open                | own    | login | 302   | 404   | 404   | 302   | 404   | 302
outreach-push-told                | other  | login | 405   | 405   | 405   | 405   | 405   | 405
outreach-push-told                | own    | login | 405   | 405   | 405   | 405   | 405   | 405
outreach-unit                     | other  | login | 404   | 404   | 404   | 200   | 200   | 200
outreach-unit                     | own    | login | 404   | 200   | 404   | 200   | 200   | 200
password_change                   |        | login | 200   | 200   | 200   | 200   | 200   | 200
password_change_done              |        | login | 200   | 200   | 200   | 200   | 200   | 200
picker-cadres                     |        | login | 200   | 200   | 200   | 200   | 200   | 200
picker-streets                    |        | login | 200   | 200   | 200   | 200   | 200   | 200
picker-units                      |        | login | 200   | 200   | 200   | 200   | 200   | 200
picker-users                      |        | login | 200   | 200   | 200   | 200   | 200   | 200
policy-attachment                 |        | login | 404   | 404   | 404   | 404   | 404   | 404
policy-catalogue-public           |        | 200   | 200   | 200   | 200   | 200   | 200   | 200
policy-create                     |        | login | 403   | 403   | 403   | 200   | 403   | 200
policy-deliveries                 |        | login | 403   | 403   | 403   | 200   | 200   | 200
policy-detail                     |        | login | 200   | 200   | 200   | 200   | 200   | 200
policy-edit                       |        | login | 403   | 403   | 403   | 200   | 403   | 200
policy-eligible                   |        | login | 200   | 200   | 200   | 200   | 200   | 200
policy-explain                    |        | login | 200   | 200   | 404   | 200   | 200   | 200
policy-handbook                   |        | login | 403   | 403   | 403   | 200   | 403   | 200
policy-handbook-pdf               |        | 200   | 200   | 200   | 200   | 200   | 200   | 200
policy-handbook-render            |        | login | 405   | 405   | 405   | 405   | 405   | 405
policy-handbook-status            |        | login | 200   | 200   | 200   | 200   | 200   | 200
policy-import                     |        | login | 403   | 403   | 403   | 302   | 403   | 302
policy-list                       |        | login | 200   | 200   | 200   | 200   | 200   | 200
policy-public                     |        | 200   | 200   | 200   | 200   | 200   | 200   | 200
policy-qr-png                     |        | 200   | 200   | 200   | 200   | 200   | 200   | 200
policy-qr-svg                     |        | 200   | 200   | 200   | 200   | 200   | 200   | 200
policy-scans                      |        | login | 403   | 403   | 403   | 200   | 200   | 200
portal-appeal                     |        | 302   | 302   | 302   | 302   | 302   | 302   | 302
portal-appeal-new                 |        | 302   | 302   | 302   | 302   | 302   | 302   | 302
portal-appeal-verdict             |        | 302   | 302   | 302   | 302   | 302   | 302   | 302
portal-home                       |        | 302   | 302   | 302   | 302   | 302   | 302   | 302
portal-link                       |        | 404   | 404   | 404   | 404   | 404   | 404   | 404
portal-login                      |        | 200   | 200   | 200   | 200   | 200   | 200   | 200
portal-logout                     |        | 405   | 405   | 405   | 405   | 405   | 405   | 405
portal-policies                   |        | 302   | 302   | 302   | 302   | 302   | 302   | 302
roster                            |        | login | 403   | 200   | 200   | 200   | 200   | 200
roster-pair                       |        | login | 403   | 403   | 403   | 302   | 403   | 302
schema                            |        | 401   | 200   | 200   | 200   | 200   | 200   | 200
set_language                      |        | 302   | 302   | 302   | 302   | 302   | 302   | 302
substitution-list                 |        | login | 200   | 200   | 200   | 200   | 200   | 200
token-list                        |        | login | 200   | 200   | 200   | 200   | 200   | 200
token-revoke                      |        | login | 405   | 405   | 405   | 405   | 405   | 405
unit-detail                       | other  | login | 200   | 200   | 200   | 200   | 200   | 200
unit-detail                       | own    | login | 200   | 200   | 200   | 200   | 200   | 200
unit-list                         |        | login | 200   | 200   | 200   | 200   | 200   | 200
visit-attachment                  |        | login | 404   | 404   | 404   | 404   | 404   | 404
visit-create                      | other  | login | 403   | 403   | 403   | 403   | 403   | 403
visit-create                      | own    | login | 200   | 403   | 403   | 403   | 403   | 403
visit-detail                      | other  | login | 404   | 404   | 404   | 200   | 200   | 200
visit-detail                      | own    | login | 200   | 200   | 404   | 200   | 200   | 200
visit-edit                        | other  | login | 404   | 404   | 404   | 403   | 403   | 200
visit-edit                        | own    | login | 200   | 403   | 404   | 403   | 403   | 200
visit-list                        |        | login | 200   | 200   | 200   | 200   | 200   | 200
visit-withdraw                    | other  | login | 405   | 405   | 405   | 405   | 405   | 405
visit-withdraw                    | own    | login | 405   | 405   | 405   | 405   | 405   | 405
"""


def parse(table: str) -> dict[tuple[str, str], dict[str, str]]:
    rows = {}
    for line in table.strip().splitlines()[1:]:
        name, case, *answers = (cell.strip() for cell in line.split("|"))
        assert len(answers) == len(ROLES), line
        assert (name, case) not in rows, f"two rows for {name} {case}"
        rows[(name, case)] = dict(zip(ROLES, answers, strict=True))
    return rows


EXPECTED = parse(TABLE)


def url_names() -> set[str]:
    """Every URL name the resolver knows, with its namespace; the admin's own as `admin:*`."""

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace and (f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace)
                yield from walk(pattern.url_patterns, inner or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield f"{namespace}:{pattern.name}" if namespace else pattern.name

    return {"admin:*" if name.startswith("admin:") else name for name in walk(get_resolver().url_patterns, None)}


def cases_of(name: str) -> list[str]:
    return ["own", "other"] if name in OBJECTS else [""]


def path_of(name: str, case: str, world) -> str:
    """The URL of row (name, case) in the world; ids of things the world lacks are 999999."""
    if name in FIXED:
        return reverse(name, kwargs=FIXED[name])
    shared = next((key for key, names in SHARED.items() if name in names), None)
    side = world.own if case == "own" else world.other
    kwargs = {}
    for argument in _arguments(name):
        if name in OBJECTS and not kwargs:
            kwargs[argument] = side[OBJECTS[name]].pk
        elif argument == "pk" and shared:
            kwargs[argument] = world.shared[shared].pk
        elif argument == "enterprise_id":
            kwargs[argument] = world.own["enterprise"].pk
        elif argument == "action":
            kwargs[argument] = "escalate"
        else:
            kwargs[argument] = 999999
    return reverse(name, kwargs=kwargs)


def _arguments(name: str) -> list[str]:
    """The keyword arguments of the URL `name`, in order (its pattern without a format suffix)."""
    resolver = get_resolver()
    namespace, _, short = name.rpartition(":")
    if namespace:
        resolver = resolver.namespace_dict[namespace][1]
    for possibilities, *_rest in resolver.reverse_dict.getlist(short):
        for _result, params in possibilities:
            if "format" not in params:
                return list(params)
    return []


def answer_of(response) -> str:
    if response.status_code == 302:
        return "login" if response["Location"].split("?")[0].endswith(("/accounts/login/", "/admin/login/")) else "302"
    return str(response.status_code)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """One world for the whole module, rolled back at its end; each test adds its own savepoint."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture(scope="module")
def clients(world, django_db_blocker):
    with django_db_blocker.unblock():
        signed_in = {"anon": Client()}
        for role, key in USERS.items():
            signed_in[role] = Client()
            signed_in[role].force_login(world.users[key])
        return signed_in


def observe(name: str, case: str, world, clients) -> dict[str, str]:
    path = path_of(name, case, world)
    return {role: answer_of(clients[role].get(path)) for role in ROLES}


ROWS = sorted({(name, case) for name in url_names() if name != "admin:*" for case in cases_of(name)}
              | {("admin:index", ""), ("admin:liaison_visit_changelist", "")})


def test_every_url_name_has_a_row():
    # given every URL name the resolver knows, and the table
    missing = [f"{name} {case}".strip() for name, case in ROWS if (name, case) not in EXPECTED]
    # then each has its row (and no row names a URL that is gone)
    stale = [f"{name} {case}".strip() for name, case in EXPECTED if (name, case) not in ROWS]
    assert missing == [], f"rows missing from TABLE (run with PERMISSION_MATRIX_PRINT=1): {missing}"
    assert stale == [], f"rows for URLs that no longer exist: {stale}"


@pytest.mark.django_db
def test_each_role_gets_the_answer_the_table_says(world, clients):
    # when every role asks for every row's URL
    observed = {(name, case): observe(name, case, world, clients) for name, case in ROWS}
    if os.environ.get("PERMISSION_MATRIX_PRINT"):
        print()
        for (name, case), answers in observed.items():
            print(f"{name:<34}| {case:<7}| " + " | ".join(f"{answers[role]:<5}" for role in ROLES))
    # then each answer is the table's
    wrong = [
        f"{name} {case} {role}: expected {EXPECTED[(name, case)][role]}, got {answers[role]}"
        for (name, case), answers in observed.items()
        if (name, case) in EXPECTED
        for role in ROLES
        if answers[role] != EXPECTED[(name, case)][role]
    ]
    assert wrong == [], "\n".join(wrong)


LISTS = {
    "api:visit-list": "visit",
    "api:assignment-list": "assignment",
    "api:appeal-list": "appeal",
    "api:enterprise-list": "enterprise",
    "api:cadre-list": "cadre",
    "api:delivery-list": "delivery",
    "api:notification-list": "notification",
}


def leaks_for(role: str, world, clients) -> list[str]:
    """Another unit's objects that `role` finds in the API's lists and in the list pages."""
    leaks = []
    for name, key in LISTS.items():
        response = clients[role].get(reverse(name), {"page_size": 500})
        if response.status_code != 200:
            continue
        body = response.json()
        rows = body["results"] if isinstance(body, dict) and "results" in body else body
        if world.other[key].pk in {row["id"] for row in rows}:
            leaks.append(f"{name}: {key} #{world.other[key].pk}")
    pages = [reverse(name) for name in ("visit-list", "appeal-list", "enterprise-list", "roster", "unit-list")]
    pages.append(reverse("unit-detail", args=[world.other["unit"].pk]))  # units are public, their people not
    for page in pages:
        html = clients[role].get(page).content.decode()
        for key, text in (("enterprise", world.other["enterprise"].name), ("cadre", world.other["cadre"].name)):
            if re.search(re.escape(text) + r"(?!\d)", html):
                leaks.append(f"{page}: {key} {text}")
    return leaks


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["cadre", "unit"])
def test_no_list_shows_another_units_object(world, clients, role):
    # when a cadre or a unit handler reads every list of the API and the list pages
    leaks = leaks_for(role, world, clients)
    # then another unit's objects never appear
    assert leaks == []


@pytest.mark.django_db
def test_the_leak_check_finds_what_task_force_staff_may_see(world, clients):
    # when task-force staff read the same lists
    leaks = leaks_for("tf", world, clients)
    # then the check finds the other unit's rows in every list (so a leak would not go unseen)
    assert len(leaks) >= len(LISTS) - 1, leaks


# --- A few sensitive actions, posted ------------------------------------------------------------
# Each POST runs in a savepoint rolled back at once, so every role meets the same world. 400 means
# the role was let through to the input check (the body is valid only where the role may act).

POST_BODIES = {
    "analysis-cluster-label": {"label": "融资难"},
    "analysis-report-draft": {"kind": "year", "value": "2026"},
    "api:analysis-report-list": {"kind": "year", "value": "2026"},
    "analysis-report-new-version": {},
    "api:visit-withdraw": {"reason": "误录"},
    "visit-withdraw": {"reason": "误录"},
    "api:assignment-end": {"reason": "岗位调整", "ended_on": "2026-06-30"},
    "assignment-end": {"reason": "岗位调整", "ended_on": "2026-06-30"},
    "api:appeal-escalate": {"version": 1, "reason": "需单位协调"},
    # Another category than the world's appeals' (融资需求), read when posted.
    "api:appeal-recategorise": lambda: {"category": _another_category_id(), "reason": "归类有误"},
    "api:bulletin-publish": {"month": "2026-05"},
    "bulletin-documents": {},
    "policy-handbook-render": {},
    "api:evaluation-run": {"year": 2025},
    "api:matching-proposal-accept": {"all": True},
    "api:meeting-withdraw": {"reason": "重复录入"},
    "api:policy-generate-deliveries": {},
    "roster-pair": {},
    "hotline-client-create": {"name": "市12345平台"},
    "api:hotline-work-order-list": {"external_id": "GD1", "enterprise_credit_code": "91210203000000001X",
                                    "title": "积水", "description": "道路积水"},
    "contact-issue": {"name": "王经理", "days": 30},
    "api:enterprise-contact-list": lambda: {"enterprise": _own_enterprise_id(), "name": "王经理"},
}
POST_BODIES.update({"outreach-push-told": {}, "api:outreach-push-told": {}})

POST_TABLE = """
url name                          | object | anon  | cadre | unit  | group | tf    | leader | admin
analysis-cluster-label            |        | login | 403   | 403   | 403   | 302   | 403   | 302
analysis-report-draft             |        | login | 403   | 403   | 403   | 302   | 403   | 302
analysis-report-new-version       |        | login | 403   | 403   | 403   | 302   | 403   | 302
api:analysis-report-list          |        | 401   | 403   | 403   | 403   | 201   | 403   | 201
api:appeal-escalate               | other  | 401   | 404   | 404   | 404   | 403   | 403   | 403
api:appeal-escalate               | own    | 401   | 200   | 403   | 404   | 403   | 403   | 403
api:appeal-recategorise           | other  | 401   | 404   | 404   | 404   | 200   | 403   | 200
api:appeal-recategorise           | own    | 401   | 403   | 200   | 404   | 200   | 403   | 200
api:assignment-end                | other  | 401   | 403   | 403   | 403   | 200   | 403   | 200
api:assignment-end                | own    | 401   | 403   | 403   | 403   | 200   | 403   | 200
api:bulletin-publish              |        | 401   | 403   | 403   | 403   | 201   | 403   | 201
api:enterprise-contact-list       |        | 401   | 201   | 201   | 404   | 201   | 403   | 201
api:evaluation-run                |        | 401   | 403   | 403   | 403   | 201   | 403   | 201
api:hotline-work-order-list       |        | 401   | 401   | 401   | 401   | 401   | 401   | 401
api:matching-proposal-accept      |        | 401   | 403   | 403   | 403   | 200   | 403   | 200
api:meeting-withdraw              |        | 401   | 403   | 403   | 403   | 204   | 403   | 204
api:outreach-push-told            | other  | 401   | 404   | 404   | 404   | 200   | 404   | 200
api:outreach-push-told            | own    | 401   | 200   | 404   | 404   | 200   | 404   | 200
api:policy-generate-deliveries    |        | 401   | 403   | 403   | 403   | 400   | 403   | 400
api:visit-withdraw                | other  | 401   | 404   | 404   | 404   | 204   | 403   | 204
api:visit-withdraw                | own    | 401   | 204   | 403   | 404   | 204   | 403   | 204
assignment-end                    | other  | login | 403   | 403   | 403   | 302   | 403   | 302
assignment-end                    | own    | login | 403   | 403   | 403   | 302   | 403   | 302
bulletin-documents                |        | login | 403   | 403   | 403   | 302   | 403   | 302
contact-issue                     | other  | login | 404   | 404   | 404   | 302   | 403   | 302
contact-issue                     | own    | login | 302   | 302   | 404   | 302   | 403   | 302
hotline-client-create             |        | login | 403   | 403   | 403   | 200   | 403   | 200
outreach-push-told                | other  | login | 404   | 404   | 404   | 302   | 404   | 302
outreach-push-told                | own    | login | 302   | 404   | 404   | 302   | 404   | 302
policy-handbook-render            |        | login | 403   | 403   | 403   | 302   | 403   | 302
roster-pair                       |        | login | 403   | 403   | 403   | 302   | 403   | 302
visit-withdraw                    | other  | login | 404   | 404   | 404   | 302   | 403   | 302
visit-withdraw                    | own    | login | 302   | 403   | 404   | 302   | 403   | 302
"""
POSTED = parse(POST_TABLE)


def _own_enterprise_id() -> int:
    from enterprises.models import Enterprise

    return Enterprise.objects.filter(assignments__cadre__unit__name="本单位").values_list("pk", flat=True)[0]


def _another_category_id() -> int:
    from appeals.models import AppealCategory

    return AppealCategory.objects.exclude(code="financing").filter(active=True).values_list("pk", flat=True)[0]


def post_rows() -> list[tuple[str, str]]:
    return sorted((name, case) for name in POST_BODIES for case in cases_of(name))


@pytest.mark.django_db
def test_each_role_may_post_only_what_the_table_says(world, clients):
    # when every role posts each sensitive action
    observed = {}
    for name, case in post_rows():
        path, answers = path_of(name, case, world), {}
        for role in ROLES:
            with transaction.atomic():
                api = name.startswith("api:")
                body = POST_BODIES[name]() if callable(POST_BODIES[name]) else POST_BODIES[name]
                response = (
                    clients[role].post(path, body, content_type="application/json") if api
                    else clients[role].post(path, body)
                )
                answers[role] = answer_of(response)
                transaction.set_rollback(True)
        observed[(name, case)] = answers
    if os.environ.get("PERMISSION_MATRIX_PRINT"):
        print()
        for (name, case), answers in observed.items():
            print(f"{name:<34}| {case:<7}| " + " | ".join(f"{answers[role]:<5}" for role in ROLES))
    # then each answer is the table's
    wrong = [
        f"POST {name} {case} {role}: expected {POSTED.get((name, case), {}).get(role)}, got {answers[role]}"
        for (name, case), answers in observed.items()
        for role in ROLES
        if answers[role] != POSTED.get((name, case), {}).get(role)
    ]
    assert wrong == [], "\n".join(wrong)

"""The permission matrix extended to the enterprise's contact (portal/): signed in with their card, a
contact is anonymous to every staff page and endpoint — for every row of the matrix's TABLE and POST_TABLE
they get what someone not signed in gets — and on the enterprise pages (/e/) they reach their own
enterprise's appeal, never another's (404)."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from portal import services
from tests import test_permission_matrix as matrix
from tests.test_permission_matrix import EXPECTED, POST_BODIES, POSTED, ROWS, answer_of, path_of, post_rows

# The matrix's own world and signed-in clients (module-scoped fixtures), shared by name.
world = matrix.world
clients = matrix.clients

# The contact's own pages: what a signed-in contact gets, by row; `own`/`other` is whose appeal.
CONTACT_TABLE = """
url name                          | object | contact
portal-appeal                     | own    | 200
portal-appeal                     | other  | 404
portal-appeal-new                 |        | 200
portal-appeal-verdict             | own    | 405
portal-appeal-verdict             | other  | 405
portal-home                       |        | 200
portal-link                       |        | 404
portal-login                      |        | 302
portal-logout                     |        | 405
portal-policies                   |        | 200
"""
CONTACT_ROWS = {
    (name, case): answer
    for name, case, answer in (
        (cell.strip() for cell in line.split("|")) for line in CONTACT_TABLE.strip().splitlines()[1:]
    )
}


def is_contact_page(name: str) -> bool:
    return name.startswith("portal-")


@pytest.fixture(scope="module")
def contact_client(world, django_db_blocker):
    """The own enterprise's contact, signed in by the link of the card its cadre issued."""
    with django_db_blocker.unblock():
        contact, _code = services.contact_issue(
            enterprise=world.own["enterprise"], name="王经理", acting_user=world.users["cadre"]
        )
        client = Client()
        response = client.get(reverse("portal-link", args=[services.contact_link_token(contact)]))
        assert response.status_code == 302
        return client


def test_every_contact_page_has_a_row():
    pages = {name for name, _case in ROWS if is_contact_page(name)}
    assert pages == {name for name, _case in CONTACT_ROWS}


@pytest.mark.django_db
def test_a_contact_gets_what_anyone_not_signed_in_gets_from_every_staff_url(world, contact_client):
    # when the signed-in contact asks for every row of the matrix but their own pages
    wrong = []
    for name, case in ROWS:
        if is_contact_page(name) or (name, case) not in EXPECTED:
            continue  # a row missing from TABLE is test_every_url_name_has_a_row's to report
        answer = answer_of(contact_client.get(path_of(name, case, world)))
        # then each answer is the anonymous column's
        if answer != EXPECTED[(name, case)]["anon"]:
            wrong.append(f"{name} {case}: anonymous gets {EXPECTED[(name, case)]['anon']}, the contact {answer}")
    assert wrong == [], "\n".join(wrong)
    # and they are still signed in on their own pages
    assert contact_client.get(reverse("portal-home")).status_code == 200


@pytest.mark.django_db
def test_a_contact_may_post_only_what_anyone_not_signed_in_may(world, contact_client):
    wrong = []
    for name, case in post_rows():
        if (name, case) not in POSTED:
            continue  # reported by the matrix's own POST test
        path = path_of(name, case, world)
        with transaction.atomic():
            body = POST_BODIES[name]() if callable(POST_BODIES[name]) else POST_BODIES[name]
            if name.startswith("api:"):
                response = contact_client.post(path, body, content_type="application/json")
            else:
                response = contact_client.post(path, body)
            transaction.set_rollback(True)
        if answer_of(response) != POSTED[(name, case)]["anon"]:
            wrong.append(f"POST {name} {case}: anonymous gets {POSTED[(name, case)]['anon']}, "
                         f"the contact {answer_of(response)}")
    assert wrong == [], "\n".join(wrong)


def contact_path(name: str, case: str, world) -> str:
    if name in ("portal-appeal", "portal-appeal-verdict"):
        side = world.own if case == "own" else world.other
        return reverse(name, args=[side["appeal"].pk])
    if name == "portal-link":
        return reverse(name, args=["not-a-signature"])
    return reverse(name)


@pytest.mark.django_db
def test_a_contact_reaches_their_own_enterprise_pages_only(world, contact_client):
    observed = {(name, case): answer_of(contact_client.get(contact_path(name, case, world)))
                for name, case in CONTACT_ROWS}
    wrong = [f"{name} {case}: expected {CONTACT_ROWS[(name, case)]}, got {answer}"
             for (name, case), answer in observed.items() if answer != CONTACT_ROWS[(name, case)]]
    assert wrong == [], "\n".join(wrong)


@pytest.mark.django_db
def test_staff_are_no_contacts(world, clients):
    # then every role of the staff is sent to the contact's sign-in from the contact's pages
    for role, client in clients.items():
        response = client.get(reverse("portal-home"))
        assert response.status_code == 302 and response["Location"].startswith(reverse("portal-login")), role

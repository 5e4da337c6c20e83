"""Accepting a proposal while someone re-pairs by hand: the one-to-one rule holds, the pair that lost
the race fails with its reason, the others go through."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from liaison import services as roster
from liaison.models import Assignment
from matching import services
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_accepting_all_during_a_concurrent_re_pairing_keeps_pairings_one_to_one(taskforce_user):
    # given a proposal of three pairs, and a cadre already paired elsewhere
    for i in range(3):
        factories.make_cadre(name=f"候选干部{i}")
        factories.make_enterprise()
    busy = factories.make_assignment()
    proposal = services.proposal_create(acting_user=taskforce_user)
    contested = proposal.pairs.order_by("id").first()
    locked, errors, results = threading.Event(), [], {}

    def re_pair():
        # staff re-pair the busy cadre onto the contested enterprise, holding the lock a while
        try:
            with transaction.atomic():
                roster.assignment_pair(
                    cadre=busy.cadre, enterprise=contested.enterprise, acting_user=taskforce_user, reason="岗位调整"
                )
                locked.set()
                threading.Event().wait(0.6)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
            locked.set()
        finally:
            connection.close()

    def accept_all():
        try:
            locked.wait(5)
            results["accept"] = services.proposal_accept(proposal=proposal, acting_user=taskforce_user)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    # when both run at once
    threads = [threading.Thread(target=re_pair), threading.Thread(target=accept_all)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    # then the re-pairing won the contested enterprise, its pair failed cleanly, and the others went through
    assert errors == []
    result = results["accept"]
    assert [p.pk for p in result.failed] == [contested.pk]
    assert busy.cadre.name in result.failed[0].failure
    assert len(result.accepted) == 2
    active = Assignment.objects.active()
    assert active.get(enterprise=contested.enterprise).cadre_id == busy.cadre_id
    cadre_ids = list(active.values_list("cadre_id", flat=True))
    enterprise_ids = list(active.values_list("enterprise_id", flat=True))
    assert len(cadre_ids) == len(set(cadre_ids)) and len(enterprise_ids) == len(set(enterprise_ids))
    assert active.count() == 3  # the busy cadre's old enterprise is now free: 2 accepted + the re-pairing

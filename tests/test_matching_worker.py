"""A province-size proposal runs on real Celery workers on Redis: the plan, one task per block (a
chord), and the finish, with the progress and the result written to the same test database."""

from __future__ import annotations

import time

import pytest

from matching import services
from matching.models import LeftoverSide, Proposal, ProposalStatus
from tests import factories
from tests.test_matching import district

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for_ready(proposal: Proposal, workers, *, seconds: float = 60) -> Proposal:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        proposal.refresh_from_db()
        if proposal.status != ProposalStatus.COMPUTING:
            return proposal
        time.sleep(0.3)
    output = ""
    for worker in workers:
        worker.terminate()
        output += worker.stdout.read().decode(errors="replace")[-2000:]
    pytest.fail(f"the proposal is still computing ({proposal.blocks_done}/{proposal.blocks_total}):\n{output}")


def test_two_real_workers_share_the_blocks_of_a_large_proposal(start_worker, settings):
    # given a problem above the in-request size, and two workers that cut it into blocks of 4 a side
    settings.MATCHING_SYNC_MAX_SIDE = 5
    first = start_worker(MATCHING_BLOCK_MAX_SIDE="4")
    workers = [first, start_worker(queue=first.queue, MATCHING_BLOCK_MAX_SIDE="4")]
    _streets, _cadres, _enterprises = district(11, 12)
    staff = factories.make_user(role="taskforce")
    # when staff propose (the plan is queued on commit and picked up by a worker)
    proposal = services.proposal_create(acting_user=staff)
    assert proposal.status == ProposalStatus.COMPUTING
    # then the blocks all ran and the finish added them up
    proposal = wait_for_ready(proposal, workers)
    assert proposal.status == ProposalStatus.READY, proposal.error
    assert proposal.blocks_total >= 3 and proposal.blocks_done == proposal.blocks_total
    assert proposal.pairs.count() == 11
    assert proposal.leftovers.filter(side=LeftoverSide.ENTERPRISE).count() == 1
    assert proposal.total_score == sum(pair.score for pair in proposal.pairs.all())
    assert proposal.gap is not None and proposal.best_bound >= proposal.total_score

"""Large proposals as Celery jobs: plan the blocks, solve each block on whichever worker takes it,
then add them up. Every task takes ids and is safe to run twice (acks_late: a worker lost mid-task
hands it to another)."""

from __future__ import annotations

from celery import chord, shared_task

from matching import services


@shared_task(acks_late=True)
def proposal_plan(proposal_id: int) -> int:
    """Split the proposal into blocks, then solve them in parallel and finish when all are done."""
    try:
        indexes = services.proposal_plan(proposal_id=proposal_id)
    except Exception as error:
        services.proposal_fail(proposal_id=proposal_id, error=repr(error))
        raise
    chord(
        (proposal_solve_block.si(proposal_id, index) for index in indexes),
        proposal_finish.si(proposal_id),
    ).delay()
    return len(indexes)


@shared_task(acks_late=True)
def proposal_solve_block(proposal_id: int, index: int) -> None:
    """Solve one block; a block that fails marks the whole proposal failed (the finish never comes)."""
    try:
        services.proposal_solve_block(proposal_id=proposal_id, index=index)
    except Exception as error:
        services.proposal_fail(proposal_id=proposal_id, error=f"block {index}: {error!r}")
        raise


@shared_task(acks_late=True)
def proposal_finish(proposal_id: int) -> None:
    services.proposal_finish(proposal_id=proposal_id)

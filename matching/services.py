"""Every write of precise matching: settings, blocked pairs, proposals, and accepting them.

Accepting never writes a pairing itself: it calls `liaison.services.assignment_pair`, the same
service re-pairing uses, so the roster's rules, locks, constraints and history all apply.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from enterprises.industries import SECTIONS
from enterprises.models import Enterprise
from liaison import services as roster
from liaison.models import Assignment, Cadre, Category, Unit, UnitKind, User
from matching import permissions, scoring, selectors, solver
from matching.models import (
    MAX_WEIGHT,
    BlockedPair,
    CategoryIndustry,
    Factor,
    FactorWeight,
    LeftoverReason,
    LeftoverSide,
    Proposal,
    ProposalBlock,
    ProposalLeftover,
    ProposalPair,
    ProposalStatus,
    Scope,
    UnitFunction,
)


def _require_manager(user: User) -> None:
    if not permissions.can_manage_matching(user):
        raise PermissionDenied(_("Only task-force staff can run precise matching."))


def _save(instance, *, acting_user: User | None, **kwargs) -> None:
    instance._history_user = acting_user
    instance.save(**kwargs)


# --- Settings ----------------------------------------------------------------------------------


@transaction.atomic
def weights_update(*, weights: dict[str, int], acting_user: User) -> dict[str, int]:
    """Set the points each factor gives at full fit (0–100); at least one must count."""
    _require_manager(acting_user)
    unknown = set(weights) - set(Factor.values)
    if unknown:
        raise ValidationError(_("Unknown factors: %(names)s") % {"names": ", ".join(sorted(unknown))})
    merged = {**selectors.current_weights(), **weights}
    for factor, weight in merged.items():
        if not isinstance(weight, int) or not 0 <= weight <= MAX_WEIGHT:
            raise ValidationError({factor: _("A weight is a whole number from 0 to 100.")})
    if not any(merged.values()):
        raise ValidationError(_("At least one factor needs a weight above 0."))
    existing = {row.factor: row for row in FactorWeight.objects.select_for_update()}
    for factor, weight in weights.items():
        row = existing.get(factor) or FactorWeight(factor=factor)
        if row.pk is None or row.weight != weight:
            row.weight = weight
            row.full_clean()
            _save(row, acting_user=acting_user)
    return merged


@transaction.atomic
def unit_function_save(*, unit: Unit, sections: str, divisions: str, acting_user: User) -> UnitFunction:
    """Set the GB/T 4754 sections and divisions a unit is competent for."""
    _require_manager(acting_user)
    function = UnitFunction.objects.select_for_update().filter(unit=unit).first() or UnitFunction(unit=unit)
    function.sections = (sections or "").upper().replace(" ", "")
    function.divisions = (divisions or "").replace(" ", "")
    function.full_clean()
    _save(function, acting_user=acting_user)
    return function


@transaction.atomic
def category_industry_save(*, category: str, strong: str, some: str, acting_user: User) -> CategoryIndustry:
    """Set the sections a professional category fits strongly and somewhat."""
    _require_manager(acting_user)
    if category not in Category.values:
        raise ValidationError(_("Unknown professional category."))
    row = CategoryIndustry.objects.select_for_update().filter(category=category).first()
    row = row or CategoryIndustry(category=category)
    row.strong, row.some = (strong or "").upper().replace(" ", ""), (some or "").upper().replace(" ", "")
    row.full_clean()
    _save(row, acting_user=acting_user)
    return row


# --- Blocked pairs -----------------------------------------------------------------------------


@transaction.atomic
def blocked_pair_create(*, cadre: Cadre, enterprise: Enterprise, reason: str, acting_user: User) -> BlockedPair:
    """Exclude a pair from every proposal (conflict of interest...)."""
    _require_manager(acting_user)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for blocking this pair.")})
    if BlockedPair.objects.filter(cadre=cadre, enterprise=enterprise).exists():
        raise ValidationError(_("This pair is already blocked."))
    blocked = BlockedPair(cadre=cadre, enterprise=enterprise, reason=reason[:200], created_by=acting_user)
    blocked.full_clean(exclude=["created_by"])
    try:
        with transaction.atomic():
            _save(blocked, acting_user=acting_user)
    except IntegrityError as exc:
        raise ValidationError(_("This pair is already blocked.")) from exc
    return blocked


@transaction.atomic
def blocked_pair_delete(*, blocked: BlockedPair, acting_user: User) -> None:
    """Allow a blocked pair again; the history keeps who blocked and unblocked it."""
    _require_manager(acting_user)
    blocked._history_user = acting_user
    blocked.delete()


# --- Proposals ---------------------------------------------------------------------------------


def _validate_scope(scope: str, street: Unit | None, section: str) -> None:
    if scope not in Scope.values:
        raise ValidationError({"scope": _("Choose what to match.")})
    if scope == Scope.STREET and (street is None or street.kind != UnitKind.STREET):
        raise ValidationError({"street": _("Choose a street office.")})
    if scope == Scope.SECTION and section not in SECTIONS:
        raise ValidationError({"section": _("Choose an industry section.")})


def proposal_create(
    *,
    acting_user: User,
    scope: str = Scope.ALL,
    street: Unit | None = None,
    section: str = "",
    above_scale_only: bool = True,
) -> Proposal:
    """Propose the optimal pairing of the scope's unpaired enterprises with the free cadres.

    Up to MATCHING_SYNC_MAX_SIDE a side it is solved exactly here (a district takes well under a
    second); larger problems become a Celery job that splits them into blocks.
    """
    _require_manager(acting_user)
    section = (section or "").strip().upper()
    _validate_scope(scope, street, section)
    proposal = Proposal(
        scope=scope,
        street=street if scope == Scope.STREET else None,
        section=section if scope == Scope.SECTION else "",
        above_scale_only=above_scale_only,
        created_by=acting_user,
    )
    started = time.monotonic()
    enterprise_count = selectors.proposal_enterprises(proposal).count()
    cadre_count = selectors.free_cadres().count()
    if max(enterprise_count, cadre_count) <= settings.MATCHING_SYNC_MAX_SIDE:
        with transaction.atomic():
            proposal.save()
            _solve_whole(proposal, started)
        return proposal
    with transaction.atomic():
        proposal.enterprise_count, proposal.cadre_count = enterprise_count, cadre_count
        proposal.save()
        from matching import tasks

        transaction.on_commit(lambda: tasks.proposal_plan.delay(proposal.pk))
    return proposal


def _problem_for(proposal: Proposal, cadres_qs, enterprises_qs):
    unit_ids = set(cadres_qs.values_list("unit_id", flat=True).distinct())
    snapshot = selectors.settings_snapshot(unit_ids)
    proposal.settings_snapshot = snapshot
    problem = selectors.Problem(snapshot)
    return problem, problem.load_cadres(cadres_qs), problem.load_enterprises(enterprises_qs)


def _solve_whole(proposal: Proposal, started: float) -> None:
    problem, cadres, enterprises = _problem_for(
        proposal, selectors.free_cadres(), selectors.proposal_enterprises(proposal)
    )
    blocked = selectors.blocked_pairs(cadres.ids.tolist(), enterprises.ids.tolist())
    rows, cols, total = solver.solve_block(cadres, enterprises, problem.tables, blocked)
    _store_block(proposal, problem, cadres, enterprises, rows, cols, block=0)
    proposal.enterprise_count, proposal.cadre_count = len(enterprises), len(cadres)
    proposal.blocks_total = proposal.blocks_done = 1
    proposal.total_score = proposal.best_bound = Decimal(total) / 100
    proposal.bound_is_exact = True
    _finish(proposal, started)


def _finish(proposal: Proposal, started: float | None) -> None:
    proposal.status = ProposalStatus.READY
    proposal.finished_at = timezone.now()
    if started is not None:
        proposal.elapsed_ms = round((time.monotonic() - started) * 1000)
    else:
        proposal.elapsed_ms = round((proposal.finished_at - proposal.created_at).total_seconds() * 1000)
    proposal.save()


def _store_block(proposal, problem, cadres, enterprises, rows, cols, *, block: int) -> int:
    """Write one block's pairs with their breakdowns, and its leftovers on both sides."""
    total, parts = scoring.breakdown(cadres, enterprises, rows, cols, problem.tables)
    pairs = [
        ProposalPair(
            proposal=proposal,
            block=block,
            cadre_id=int(cadres.ids[i]),
            enterprise_id=int(enterprises.ids[j]),
            score=Decimal(int(total[k])) / 100,
            breakdown={factor: problem.points(int(points[k])) for factor, points in parts.items()},
        )
        for k, (i, j) in enumerate(zip(rows.tolist(), cols.tolist(), strict=True))
    ]
    ProposalPair.objects.bulk_create(pairs, batch_size=1000)
    paired_c, paired_e = set(rows.tolist()), set(cols.tolist())
    more_cadres = len(cadres) > len(enterprises)
    leftovers = [
        ProposalLeftover(
            proposal=proposal,
            block=block,
            side=LeftoverSide.CADRE,
            cadre_id=int(cadres.ids[i]),
            reason=LeftoverReason.MORE_CADRES if more_cadres else LeftoverReason.EXCLUDED,
        )
        for i in range(len(cadres))
        if i not in paired_c
    ] + [
        ProposalLeftover(
            proposal=proposal,
            block=block,
            side=LeftoverSide.ENTERPRISE,
            enterprise_id=int(enterprises.ids[j]),
            reason=LeftoverReason.EXCLUDED if len(cadres) >= len(enterprises) else LeftoverReason.MORE_ENTERPRISES,
        )
        for j in range(len(enterprises))
        if j not in paired_e
    ]
    ProposalLeftover.objects.bulk_create(leftovers, batch_size=1000)
    return int(np.asarray(total).astype(np.int64).sum())


def proposal_plan(*, proposal_id: int) -> list[int]:
    """Split a large proposal into blocks and bound the best total; returns the block indexes."""
    proposal = Proposal.objects.get(pk=proposal_id)
    if proposal.blocks_total:  # planned already (a retried task)
        return list(proposal.blocks.values_list("index", flat=True))
    problem, cadres, enterprises = _problem_for(
        proposal, selectors.free_cadres(), selectors.proposal_enterprises(proposal)
    )
    blocks = solver.plan_blocks(cadres, enterprises, problem.tables, settings.MATCHING_BLOCK_MAX_SIDE)
    bound = solver.upper_bound(cadres, enterprises, problem.tables)
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().get(pk=proposal_id)
        if proposal.blocks_total:
            return list(proposal.blocks.values_list("index", flat=True))
        ProposalBlock.objects.bulk_create(
            [
                ProposalBlock(
                    proposal=proposal,
                    index=index,
                    label=block.label,
                    cadre_ids=cadres.ids[block.cadres].tolist(),
                    enterprise_ids=enterprises.ids[block.enterprises].tolist(),
                )
                for index, block in enumerate(blocks)
            ]
        )
        proposal.settings_snapshot = problem.snapshot
        proposal.enterprise_count, proposal.cadre_count = len(enterprises), len(cadres)
        proposal.blocks_total = len(blocks)
        proposal.best_bound = Decimal(bound) / 100
        proposal.bound_is_exact = len(blocks) == 1
        proposal.save()
    return list(range(len(blocks)))


def proposal_solve_block(*, proposal_id: int, index: int) -> None:
    """Solve one block exactly and store its pairs, all in one transaction; a second run does nothing."""
    with transaction.atomic():
        block = (
            ProposalBlock.objects.select_for_update()
            .select_related("proposal")
            .get(proposal_id=proposal_id, index=index)
        )
        if block.done_at is not None or block.proposal.status != ProposalStatus.COMPUTING:
            return
        problem = selectors.Problem(block.proposal.settings_snapshot)
        # Whoever got paired, left or closed since the plan is no longer free.
        cadres = problem.load_cadres(selectors.free_cadres().filter(pk__in=block.cadre_ids))
        enterprises = problem.load_enterprises(
            selectors.proposal_enterprises(block.proposal).filter(pk__in=block.enterprise_ids)
        )
        blocked = selectors.blocked_pairs(cadres.ids.tolist(), enterprises.ids.tolist())
        rows, cols, _total = solver.solve_block(cadres, enterprises, problem.tables, blocked)
        total = _store_block(block.proposal, problem, cadres, enterprises, rows, cols, block=index)
        block.total_score = Decimal(total) / 100
        block.done_at = timezone.now()
        block.save(update_fields=["total_score", "done_at"])
        Proposal.objects.filter(pk=proposal_id).update(blocks_done=F("blocks_done") + 1)


def proposal_finish(*, proposal_id: int) -> Proposal:
    """Add up the blocks once they are all solved."""
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().get(pk=proposal_id)
        if proposal.status != ProposalStatus.COMPUTING:
            return proposal
        if proposal.blocks.filter(done_at__isnull=True).exists():
            proposal.status = ProposalStatus.FAILED
            proposal.error = _("Some blocks were not solved.")
            proposal.save(update_fields=["status", "error"])
            return proposal
        total = proposal.blocks.aggregate(total=Sum("total_score"))["total"] or Decimal(0)
        proposal.total_score = total
        if proposal.best_bound is not None and proposal.best_bound < total:
            proposal.best_bound = total
        _finish(proposal, None)
    return proposal


def proposal_fail(*, proposal_id: int, error: str) -> None:
    Proposal.objects.filter(pk=proposal_id, status=ProposalStatus.COMPUTING).update(
        status=ProposalStatus.FAILED, error=error[:2000], finished_at=timezone.now()
    )


# --- Accepting ---------------------------------------------------------------------------------


@dataclass
class AcceptResult:
    accepted: list[ProposalPair] = field(default_factory=list)
    failed: list[ProposalPair] = field(default_factory=list)


def _accept_one(pair: ProposalPair, acting_user: User) -> Assignment:
    with transaction.atomic():
        # The same lock order as assignment_pair (cadre, then enterprise), so that a concurrent
        # re-pairing waits for us or we for it; then nobody may have been paired meanwhile.
        cadre = Cadre.objects.select_for_update().get(pk=pair.cadre_id)
        enterprise = Enterprise.objects.select_for_update().get(pk=pair.enterprise_id)
        if BlockedPair.objects.filter(cadre=cadre, enterprise=enterprise).exists():
            raise ValidationError(_("This pair has been blocked since the proposal was made."))
        taken = Assignment.objects.active().filter(cadre=cadre).select_related("enterprise").first()
        if taken is not None:
            raise ValidationError(
                _("%(cadre)s has been paired with %(enterprise)s meanwhile.")
                % {"cadre": cadre.name, "enterprise": taken.enterprise.name}
            )
        taken = Assignment.objects.active().filter(enterprise=enterprise).select_related("cadre").first()
        if taken is not None:
            raise ValidationError(
                _("%(enterprise)s has been paired with %(cadre)s meanwhile.")
                % {"enterprise": enterprise.name, "cadre": taken.cadre.name}
            )
        assignment = roster.assignment_pair(
            cadre=cadre,
            enterprise=enterprise,
            acting_user=acting_user,
            reason=_("Precise matching, proposal #%(id)s") % {"id": pair.proposal_id},
        )
        ProposalPair.objects.filter(pk=pair.pk).update(
            accepted_at=timezone.now(), accepted_by=acting_user, assignment=assignment, failure=""
        )
        return assignment


def proposal_accept(*, proposal: Proposal, acting_user: User, pair_ids: list[int] | None = None) -> AcceptResult:
    """Accept some pairs of a ready proposal, or all of them (`pair_ids` None), each on its own.

    Each pair is its own transaction through the roster's pairing service: one whose cadre or
    enterprise was paired meanwhile fails with its reason recorded, and the others still go through.
    """
    _require_manager(acting_user)
    if proposal.status != ProposalStatus.READY:
        raise ValidationError(_("The proposal is not ready yet."))
    pairs = proposal.pairs.filter(accepted_at__isnull=True).order_by("-score", "id")
    if pair_ids is not None:
        wanted = {int(pk) for pk in pair_ids}
        found = set(proposal.pairs.filter(pk__in=wanted).values_list("pk", flat=True))
        if wanted - found:
            raise ValidationError(
                _("These pairs are not in the proposal: %(ids)s") % {"ids": ", ".join(map(str, sorted(wanted - found)))}
            )
        pairs = pairs.filter(pk__in=wanted)
    result = AcceptResult()
    for pair in pairs.select_related("cadre", "enterprise"):
        try:
            _accept_one(pair, acting_user)
        except (ValidationError, Cadre.DoesNotExist, Enterprise.DoesNotExist) as error:
            message = " ".join(getattr(error, "messages", [str(error)]))[:300]
            ProposalPair.objects.filter(pk=pair.pk).update(failure=message)
            pair.failure = message
            result.failed.append(pair)
        else:
            pair.refresh_from_db()
            result.accepted.append(pair)
    return result


# --- Replacement -------------------------------------------------------------------------------


def replacement_pair(*, enterprise: Enterprise, cadre: Cadre, acting_user: User) -> Assignment:
    """Pair an enterprise that lost its cadre with a proposed free cadre, ending the old pairing."""
    _require_manager(acting_user)
    need = selectors.replacement_reason(enterprise)
    if need is None:
        raise ValidationError(_("%(name)s does not need a replacement.") % {"name": enterprise.name})
    with transaction.atomic():
        cadre = Cadre.objects.select_for_update().get(pk=cadre.pk)
        if Assignment.objects.active().filter(cadre=cadre).exists():
            raise ValidationError(_("%(cadre)s is already paired.") % {"cadre": cadre.name})
        if BlockedPair.objects.filter(cadre=cadre, enterprise=enterprise).exists():
            raise ValidationError(_("This pair is blocked."))
        return roster.assignment_pair(
            cadre=cadre,
            enterprise=enterprise,
            acting_user=acting_user,
            reason=_("Replacement by precise matching: %(why)s") % {"why": need[0]},
        )

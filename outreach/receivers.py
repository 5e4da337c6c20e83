"""What starts a push: a policy published, or its eligibility rules changed (policies imports nothing of
outreach: these receivers listen to its models' signals), and a visit that explained a policy."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import m2m_changed, post_init, post_save

from policies.models import Policy, PolicyStatus, RuleGroup


def _request(policy_id: int) -> None:
    from outreach.services import push_request, push_start_if_requested

    push_request(policy_id=policy_id)
    # Many groups saved in one transaction queue one run: the first start takes every request, the
    # others find none left (or the run already queued) and start nothing.
    transaction.on_commit(push_start_if_requested)


def policy_loaded(sender, instance: Policy, **kwargs) -> None:
    instance._outreach_loaded_status = instance.status


def policy_saved(sender, instance: Policy, created: bool, raw: bool = False, **kwargs) -> None:
    """Published now (it was not when loaded): push it."""
    was = getattr(instance, "_outreach_loaded_status", None)
    instance._outreach_loaded_status = instance.status
    if raw or instance.status != PolicyStatus.PUBLISHED or (was == PolicyStatus.PUBLISHED and not created):
        return
    _request(instance.pk)


def _group_changed(group: RuleGroup) -> None:
    if Policy.objects.filter(pk=group.policy_id, status=PolicyStatus.PUBLISHED).exists():
        _request(group.policy_id)


# A group deleted only narrows who qualifies (groups are OR-ed): nothing new to push, so no receiver.
def rule_group_saved(sender, instance: RuleGroup, raw: bool = False, **kwargs) -> None:
    if not raw:
        _group_changed(instance)


def rule_group_streets_changed(sender, instance, action: str, reverse: bool, **kwargs) -> None:
    if action in ("post_add", "post_remove", "post_clear") and not reverse and isinstance(instance, RuleGroup):
        _group_changed(instance)


def visit_tells_pushes(sender, *, visit, acting_user, **kwargs) -> None:
    """A visit that explained a policy tells the enterprise of it."""
    from outreach.services import pushes_mark_told_by_visit

    pushes_mark_told_by_visit(visit=visit, acting_user=acting_user)


def connect() -> None:
    post_init.connect(policy_loaded, sender=Policy, dispatch_uid="outreach_policy_loaded")
    post_save.connect(policy_saved, sender=Policy, dispatch_uid="outreach_policy_saved")
    post_save.connect(rule_group_saved, sender=RuleGroup, dispatch_uid="outreach_rule_group_saved")
    m2m_changed.connect(rule_group_streets_changed, sender=RuleGroup.streets.through,
                        dispatch_uid="outreach_rule_group_streets")

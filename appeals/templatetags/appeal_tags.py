"""Appeal cards shown on pages that belong to other apps (home, enterprise, visit), each a
fixed, small number of queries."""

from django import template
from django.db.models import F, Q
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from appeals import selectors
from appeals.models import Status, Tier, Urgency
from liaison.models import Role
from liaison.permissions import handled_unit_id
from liaison.templatetags.liaison_urls import url_of

register = template.Library()

HOME_LIMIT = 10
ENTERPRISE_LIMIT = 20
# Open appeals, and resolved ones whose feedback the cadre still has to collect.
CADRE_STATUSES = (Status.HANDLING, Status.SUSPENDED, Status.RESOLVED)


@register.inclusion_tag("appeals/_home_card.html", takes_context=True)
def home_appeals(context):
    """A cadre's own open appeals with deadlines; queue counts for unit handlers, task force and leaders."""
    request = context["request"]
    user = request.user
    data = {"request": request, "user": user}
    cadre = getattr(user, "cadre", None)
    if cadre is not None:
        mine = selectors.appeal_list(viewer=user).filter(
            Q(cadre=cadre) | Q(raised_by=user) | Q(handler_cadre=cadre), status__in=CADRE_STATUSES
        )
        data["my_appeals"] = list(mine.order_by(F("deadline").asc(nulls_last=True), "-id")[: HOME_LIMIT + 1])
        data["more_appeals"] = len(data["my_appeals"]) > HOME_LIMIT
        data["my_appeals"] = data["my_appeals"][:HOME_LIMIT]
        data["cadre"] = cadre
        data["pairing"] = context.get("pairing")
    if user.role == Role.LEADER:
        data["queue_counts"] = selectors.queue_counts(selectors.appeal_list(viewer=user))
        data["queue_scope"] = "all"
    elif user.is_taskforce or handled_unit_id(user) is not None:
        data["queue_counts"] = selectors.queue_counts(selectors.my_queue(viewer=user))
        data["queue_scope"] = "mine"
    return data


@register.inclusion_tag("appeals/_enterprise_appeals.html", takes_context=True)
def enterprise_appeals(context, enterprise):
    """The enterprise's appeals the viewer may see, and a button to raise one."""
    from appeals.views import can_raise_for

    user = context["request"].user
    appeals = list(
        selectors.appeal_list(viewer=user).filter(enterprise=enterprise).order_by("-raised_at", "-id")[
            : ENTERPRISE_LIMIT + 1
        ]
    )
    return {
        "enterprise": enterprise,
        "appeals": appeals[:ENTERPRISE_LIMIT],
        "more": len(appeals) > ENTERPRISE_LIMIT,
        "can_raise": can_raise_for(user, enterprise),
    }


@register.simple_tag(takes_context=True)
def can_raise_from_visit(context, visit) -> bool:
    """Only the visit's own cadre, still paired with the enterprise, raises an appeal from it."""
    from appeals.views import can_raise_for

    user = context["request"].user
    return visit.cadre.user_id == user.pk and can_raise_for(user, visit.enterprise)


# --- An appeal's badges and deadline, on every row of a queue -----------------------------------
# Written in Python rather than included templates: an `{% include … with %}` per row cost more than
# the row's query (two per row, 25 rows a page). The same markup as the templates they replace.

_STATUS_BADGE = {
    Status.HANDLING: "text-bg-primary",
    Status.SUSPENDED: "text-bg-secondary",
    Status.RESOLVED: "text-bg-info",
    Status.CLOSED: "text-bg-success",
    Status.OUT_OF_SCOPE: "text-bg-dark",
}


@register.simple_tag
def appeal_badges(a, overdue) -> str:
    """Status, overdue, urgency and pressing badges."""
    html = [format_html('<span class="badge {}" data-status="{}">{}</span>',
                        _STATUS_BADGE.get(a.status, "text-bg-light border"), a.status, a.get_status_display())]
    if overdue:
        html.append(format_html(' <span class="badge text-bg-danger" data-overdue="1"><i class="bi bi-alarm"></i> {}'
                                '</span>', _("Overdue")))
    if a.urgency != Urgency.NORMAL:
        html.append(format_html(' <span class="badge {}" data-urgency="{}">{}</span>',
                                "text-bg-danger" if a.urgency == Urgency.CRITICAL else "text-bg-warning", a.urgency,
                                a.get_urgency_display()))
    if a.press_level:
        html.append(format_html(
            ' <span class="badge text-bg-dark" data-press="{}"><i class="bi bi-megaphone"></i> {}</span>',
            a.press_level, _("Reminded") if a.press_level == 1 else _("Under supervision"),
        ))
    return mark_safe("".join(html))  # noqa: S308 - each part built by format_html


@register.simple_tag
def appeal_deadline(a, overdue) -> str:
    """The deadline, marked when overdue, provisional or paused."""
    if not a.deadline:
        return mark_safe('<span class="text-secondary">—</span>')
    day = a.deadline.isoformat()
    html = [format_html('<span class="text-nowrap{}" data-deadline="{}">{}</span>',
                        " text-danger fw-semibold" if overdue else "", day, day)]
    if a.deadline_provisional:
        html.append(format_html(
            ' <span class="badge text-bg-warning" data-provisional="1" title="{}">{}</span>',
            _("Counted on a provisional calendar (weekends and the national holidays the law fixes): the official "
              "holiday calendar of that year is not in yet. It is counted again when task-force staff enter it."),
            _("provisional"),
        ))
    if a.status == Status.SUSPENDED:
        html.append(format_html(' <span class="badge text-bg-secondary"><i class="bi bi-pause-fill"></i> {}</span>',
                                _("Paused")))
    return mark_safe("".join(html))  # noqa: S308 - each part built by format_html


@register.simple_tag
def appeal_rows(appeals, can_bulk_assign) -> str:
    """The queue's rows (`<tr>` each), written in Python: drawn by the template, a page of 25 took longer
    than the page's three statements together. The markup is the template's as it was."""
    rows = []
    for a in appeals:
        pick = ""
        if can_bulk_assign:
            box = ""
            if a.status == Status.HANDLING and a.tier == Tier.TASKFORCE:
                box = format_html(
                    '<input class="form-check-input" type="checkbox" name="appeals" value="{}" id="pick-{}" '
                    'aria-label="{}"><input type="hidden" name="version_{}" value="{}">',
                    a.pk, a.pk, _("Tick appeal #%(id)s") % {"id": a.pk}, a.pk, a.version,
                )
            pick = format_html('\n    <td class="text-center">{}</td>', box)
        handler = a.handler_label()
        rows.append(format_html(
            '\n  <tr data-appeal="{}"{}>{}\n'
            '    <td><a href="{}" class="fw-semibold text-decoration-none">#{} {}</a>\n'
            '      <div class="small text-secondary">{}<span class="d-lg-none"> · {}</span></div></td>\n'
            '    <td class="d-none d-md-table-cell small">{}</td>\n'
            '    <td>{}<div class="small text-secondary">{}</div></td>\n'
            '    <td class="d-none d-lg-table-cell small">{}</td>\n'
            '    <td class="small">{}</td>\n'
            '  </tr>',
            a.pk, mark_safe(' class="table-danger"') if a.overdue else "", pick,  # noqa: S308 - a constant
            url_of(a.pk, "appeal-detail"), a.pk, a.title,
            a.enterprise.name, handler,
            a.category.name,
            appeal_badges(a, a.overdue), a.get_tier_display(),
            handler,
            appeal_deadline(a, a.overdue),
        ))
    return mark_safe("".join(rows))  # noqa: S308 - each row built by format_html

"""Browser pages for appeals: raising one, the queues, one appeal with its timeline and the moves
the viewer may make, the ledger export, the enterprise's feedback link, substitutes and
notifications.

Every write goes through one function of appeals.services; a move's form carries the version of
the appeal the user saw, so that a stale form gets “already changed” instead of overwriting.
Moves work as plain form posts (redirect back with a message) and with htmx (the detail panel is
re-rendered in place).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import BooleanField, ExpressionWrapper, F, Q
from django.http import FileResponse, Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from appeals import exports, selectors, services
from appeals.extensions import appeal_facts
from appeals.forms import (
    ACTION_FORMS,
    AppealForm,
    BulkAssignForm,
    PublicFeedbackForm,
    SubstitutionForm,
    action_form,
)
from appeals.models import (
    Appeal,
    AppealAttachment,
    EventKind,
    Feedback,
    ResolutionKind,
    Source,
)
from appeals.permissions import can_view_appeal
from appeals.services import ConcurrentChange, TransitionError
from enterprises.models import Enterprise
from liaison import permissions as liaison_permissions
from liaison.auditing import audited_export
from liaison.exports import file_response
from liaison.joined import Joined, Part
from liaison.models import Assignment, Notification, Role, Substitution, User, Visit
from liaison.pagination import CountSparingPaginator
from liaison.selectors import today
from liaison.web.common import PAGE_SIZE, add_service_errors, paginate, querystring_without_page, style_form

# --- Helpers ----------------------------------------------------------------------------------


def can_raise_for(user: User, enterprise: Enterprise) -> bool:
    """The enterprise's active paired cadre raises its appeals; task-force staff may register one."""
    if not user.is_authenticated:
        return False
    return user.is_taskforce or liaison_permissions.can_log_visit(user, enterprise)


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


def _int_or_404(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise Http404 from exc


# --- Raising ----------------------------------------------------------------------------------


def _visit_initial(visit: Visit) -> dict:
    """A visit's “issues raised” become the appeal's title (first line) and description."""
    text = (visit.issues_raised or "").strip()
    first_line = text.splitlines()[0].strip() if text else ""
    title = first_line if len(first_line) <= 60 else first_line[:59] + "…"
    return {"source": Source.VISIT, "title": title, "description": text or visit.summary}


@login_required
def appeal_create(request):
    """Raise an appeal for an enterprise (?enterprise=ID) or from a visit (?visit=ID), pre-filled."""
    user = request.user
    params = request.POST if request.method == "POST" else request.GET
    visit = None
    if params.get("visit"):
        visit = get_object_or_404(Visit.objects.select_related("cadre", "enterprise"),
                                  pk=_int_or_404(params["visit"]))
        if not liaison_permissions.can_view_visit(user, visit):
            raise Http404
        if visit.cadre.user_id != user.pk:
            raise PermissionDenied(_("Only the cadre who made the visit can raise an appeal from it."))
        enterprise = visit.enterprise
    elif params.get("enterprise"):
        enterprise = get_object_or_404(Enterprise, pk=_int_or_404(params["enterprise"]))
    else:
        pairing = Assignment.objects.active().filter(cadre__user=user).select_related("enterprise").first()
        if pairing is None:
            messages.info(request, _("Open the enterprise the appeal is about, then raise it from there."))
            return redirect("enterprise-list")
        enterprise = pairing.enterprise
    if not liaison_permissions.can_view_enterprise(user, enterprise):
        raise Http404
    if not can_raise_for(user, enterprise):
        raise PermissionDenied(_("Only the enterprise's paired cadre or task-force staff can raise an appeal for it."))

    initial = _visit_initial(visit) if visit else {}
    if not visit and user.is_taskforce and not liaison_permissions.can_log_visit(user, enterprise):
        initial["source"] = Source.HOTLINE
    form = AppealForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            appeal = services.appeal_raise(
                acting_user=user,
                enterprise=enterprise,
                visit=visit,
                category=data["category"],
                title=data["title"],
                description=data["description"],
                source=data["source"],
                urgency=data["urgency"],
                files=data["files"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Appeal #%(id)s raised; it is with %(handler)s until %(deadline)s.")
                % {"id": appeal.pk, "handler": appeal.handler_label(), "deadline": appeal.deadline},
            )
            return redirect(appeal)
    return render(request, "appeals/form.html", {"form": form, "enterprise": enterprise, "visit": visit})


# --- The queues -------------------------------------------------------------------------------

TAB_LABELS = {
    "triage": gettext_lazy("Awaiting assignment"),
    "mine": gettext_lazy("My queue"),
    "all": gettext_lazy("All I can see"),
}
# Less used filters go under “more filters”; the long drop-downs are left out of the page.
MAIN_FILTERS = ("q", "status", "tier", "category", "overdue")
HIDDEN_FILTERS = ("enterprise", "cadre", "handler_cadre")


def tabs_for(user: User) -> list[str]:
    """The queue tabs a user has, the default first: triage for the task force, their own queue
    for cadres and unit handlers, everything for leaders."""
    tabs = []
    if user.is_taskforce:
        tabs.append("triage")
    if user.role != Role.LEADER:
        tabs.append("mine")
    tabs.append("all")
    return tabs


def queue(user: User, tab: str):
    """The appeals of a tab, before the user's filters."""
    if tab == "mine":
        return selectors.my_queue(viewer=user)
    appeals = selectors.appeal_list(viewer=user)
    if tab == "triage":
        appeals = selectors.AppealFilter({"awaiting_triage": "true"}, queryset=appeals).qs
    return appeals


def _ordered(qs, tab: str):
    if tab == "all":
        return qs.order_by("-raised_at", "-id")
    return qs.order_by(F("deadline").asc(nulls_last=True), "-id")


def _tab(request) -> tuple[str, list[str]]:
    tabs = tabs_for(request.user)
    tab = request.GET.get("tab") or tabs[0]
    if tab not in tabs:
        raise Http404
    return tab, tabs


def _trim_filter_form(form, user: User, tab: str) -> None:
    for name in HIDDEN_FILTERS:
        form.fields.pop(name, None)
    if tab == "triage":
        form.fields.pop("awaiting_triage", None)
        form.fields.pop("tier", None)
    if not user.sees_everything:
        form.fields.pop("unit", None)
    if "raised" in form.fields:
        for widget in form.fields["raised"].widget.widgets:
            widget.input_type, widget.format = "date", "%Y-%m-%d"
    if "status" in form.fields:
        form.fields["status"].widget.attrs["size"] = 3
    style_form(form)


class _FilterForm:
    """The queue's filter form and its fields in the page's two groups, built when first used: the page keeps
    the empty form drawn (appeals/list.html), so most requests never build it."""

    def __init__(self, request, base, tab: str):
        self.filterset = selectors.AppealFilter(request.GET, queryset=base)
        self.form = self.filterset.form
        _trim_filter_form(self.form, request.user, tab)
        self.main = [self.form[name] for name in MAIN_FILTERS if name in self.form.fields]
        self.more = [self.form[name] for name in self.form.fields if name not in MAIN_FILTERS]
        # Keep “more filters” open while one of them is in use.
        self.more_open = any(
            value for key, value in request.GET.items()
            if key.removesuffix("_after").removesuffix("_before") in self.form.fields and key not in MAIN_FILTERS
        )


# What the queue's address may hold besides its filters.
NOT_FILTERS = ("tab", "page")


@login_required
def appeal_list(request):
    """The viewer's queue, everything they may see, or (task force) appeals awaiting assignment."""
    user = request.user
    tab, tabs = _tab(request)
    base = queue(user, tab)
    filtering = any(key not in NOT_FILTERS for key in request.GET)
    if filtering:
        filters = _FilterForm(request, base, tab)
        appeals = filters.filterset.qs
    else:  # no filter: the tab's rows as they are, and the form only if the kept one is missing
        filters = SimpleLazyObject(lambda: _FilterForm(request, base, tab))
        appeals = base
    counts = selectors.queue_counts(appeals)
    # The page's 25 appeals alone, then what their rows show (selectors.with_row_related): joined to four
    # tables, PostgreSQL took longer to plan the statement than to run it. The count is the queue's total.
    rows = _ordered(appeals, tab).select_related(None)
    page = CountSparingPaginator(rows, PAGE_SIZE, count=counts["total"]).get_page(request.GET.get("page"))
    selectors.with_row_related(page.object_list)
    cadre = user.cadre_or_none
    context = {
        "tab": tab,
        "tabs": [(name, TAB_LABELS[name]) for name in tabs],
        "filters": filters,
        # The empty form is the same for everyone who has the same fields (the tab's, and the cadre's unit for
        # those who see everything) and the same categories to choose from.
        "empty_filter_key": None if filtering else f"{tab}:{int(user.sees_everything)}:{selectors.categories_digest()}",
        "page": page,
        "counts": counts,
        "query": querystring_without_page(request),
        "can_bulk_assign": user.is_taskforce,
        "bulk_form": SimpleLazyObject(lambda: BulkAssignForm(auto_id="bulk_%s")) if user.is_taskforce else None,
        "can_raise": cadre is not None and Assignment.objects.active().filter(cadre=cadre).exists(),
        "today": today(),
    }
    return render(request, "appeals/list.html", context)


def _reason(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


@login_required
@require_POST
def appeal_bulk_assign(request):
    """Assign the ticked appeals to one unit, all or nothing."""
    user = request.user
    if not user.is_taskforce:
        raise PermissionDenied(_("Only task-force staff assign appeals."))
    back = _safe_next(request, reverse("appeal-list"))
    form = BulkAssignForm(request.POST)
    if not form.is_valid():
        errors = [error for field_errors in form.errors.values() for error in field_errors]
        messages.error(request, _("Nothing was assigned: %(errors)s") % {"errors": " ".join(errors)})
        return redirect(back)
    data = form.cleaned_data
    ids = sorted(set(data["appeals"]))
    titles = dict(Appeal.objects.filter(pk__in=ids).values_list("pk", "title"))
    versions = {pk: int(v) for pk in ids if (v := request.POST.get(f"version_{pk}", "")).isdigit()}
    try:
        services.appeal_bulk_assign(appeal_ids=ids, acting_user=user, unit=data["unit"], workdays=data["workdays"],
                                    deadline=data["deadline"], comment=data["comment"], versions=versions)
    except services.BulkAssignRefused as refused:
        reason = _("There is no such appeal.") if isinstance(refused.error, Appeal.DoesNotExist) else _reason(
            refused.error)
        messages.error(
            request,
            _("Nothing was assigned. Appeal #%(id)s “%(title)s”: %(reason)s")
            % {"id": refused.appeal_id, "title": titles.get(refused.appeal_id, "?"), "reason": reason},
        )
    else:
        messages.success(
            request,
            ngettext("%(n)d appeal assigned to %(unit)s.", "%(n)d appeals assigned to %(unit)s.", len(ids))
            % {"n": len(ids), "unit": data["unit"].name},
        )
    return redirect(back)


@login_required
@require_http_methods(["GET"])
@audited_export("appeals")
def appeal_export(request):
    """The appeal ledger with the list's tab and filters, scoped to the viewer, as .xlsx."""
    tab, _tabs = _tab(request)
    try:
        export = exports.appeal_export(viewer=request.user, params=request.GET, appeals=queue(request.user, tab))
    except ValidationError as exc:
        return HttpResponseBadRequest(
            _("The filter is not valid: %(errors)s") % {"errors": " ".join(exc.messages)},
            content_type="text/plain; charset=utf-8",
        )
    return file_response(export)


# --- One appeal -------------------------------------------------------------------------------

ACTION_STYLES = {
    "escalate": ("btn-warning", "bi-arrow-up-circle"),
    "return": ("btn-outline-secondary", "bi-arrow-down-circle"),
    "assign": ("btn-primary", "bi-send"),
    "resolve": ("btn-success", "bi-check2-circle"),
    "suspend": ("btn-outline-secondary", "bi-pause-circle"),
    "resume": ("btn-outline-primary", "bi-play-circle"),
    "press": ("btn-danger", "bi-megaphone"),
    "out_of_scope": ("btn-outline-secondary", "bi-slash-circle"),
    "withdraw": ("btn-outline-danger", "bi-x-circle"),
    "request_feedback": ("btn-outline-primary", "bi-link-45deg"),
    "feedback": ("btn-success", "bi-chat-square-heart"),
    "reopen": ("btn-outline-danger", "bi-arrow-counterclockwise"),
    "recategorise": ("btn-outline-secondary", "bi-tags"),
}
FEEDBACK_LINKS_SESSION_KEY = "appeal_feedback_links"


def _visible_appeal(request, pk: int) -> Appeal:
    try:
        appeal = selectors.appeal_for_page(pk)
    except Appeal.DoesNotExist as exc:
        raise Http404 from exc
    if not can_view_appeal(request.user, appeal):
        raise Http404
    return appeal


def _choice_label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _event_details(event) -> list[str]:
    """What an event's details mean, in words."""
    data = event.data or {}
    details = []
    if event.kind == EventKind.RESUMED and "paused_workdays" in data:
        details.append(
            _("Paused from %(start)s: %(n)s working days, added to the deadline.")
            % {"start": data.get("paused_from", "?"), "n": data["paused_workdays"]}
        )
    elif event.kind == EventKind.SUSPENDED:
        details.append(_("The clock stops until the appeal is resumed."))
    elif event.kind == EventKind.RESOLVED and data.get("kind"):
        details.append(_choice_label(ResolutionKind, data["kind"]))
        if data.get("handling_workdays") is not None:
            details.append(_("%(n)s working days in all") % {"n": data["handling_workdays"]})
    elif event.kind == EventKind.FEEDBACK and data.get("verdict"):
        details.append(_choice_label(Feedback, data["verdict"]))
    elif event.kind == EventKind.SUPERVISED:
        details.append(
            _("Supervising leader: %(leader)s; response due %(date)s")
            % {"leader": data.get("leader", "?"), "date": data.get("response_due", "?")}
        )
    elif event.kind == EventKind.ASSIGNED and data.get("mode") == "reassigned":
        details.append(_("Reassigned"))
    elif event.kind == EventKind.RECATEGORISED:
        details.append(_("Category: %(old)s → %(new)s")
                       % {"old": data.get("from_category_name", "?"), "new": data.get("to_category_name", "?")})
    elif event.kind == EventKind.FEEDBACK_REQUESTED and data.get("expires_at"):
        expires = data["expires_at"][:16].replace("T", " ")
        details.append(_("Link valid until %(time)s") % {"time": expires})
    return details


def _timeline(appeal: Appeal) -> list:
    # Not selectors.timeline: the page shows the stored actor label, not the actor's row.
    events = list(appeal.events.select_related("on_behalf_of__cadre").order_by("seq"))
    for event in events:
        event.details = _event_details(event)
        event.verdict = (event.data or {}).get("verdict", "") if event.kind == EventKind.FEEDBACK else ""
        event.moved = event.from_handler != event.to_handler or event.from_tier != event.to_tier
    return events


# A drawn timeline is kept this long; a new event gives the appeal a new version, and so a new key.
TIMELINE_CACHE_SECONDS = 24 * 3600


def _timeline_html(appeal: Appeal) -> str:
    """The timeline drawn once per version of the appeal and language, then served from the cache.

    Events are only ever appended, each under the appeal's new version (`services._record`: seq ==
    version), so the events of a version never change: its drawing is exact for as long as it is kept.
    The key also holds the appeal's last change time, so that a reused id (a test database made anew,
    the cache kept) never meets an older drawing."""
    key = "appeal-timeline:{}:{}:{}:{}:{}".format(
        appeal.pk, appeal.version, appeal.updated_at.timestamp() if appeal.updated_at else "",
        translation.get_language(), timezone.get_current_timezone_name(),
    )
    html = cache.get(key)
    if html is None:
        html = render_to_string("appeals/_timeline.html", {"events": _timeline(appeal)})
        cache.set(key, str(html), TIMELINE_CACHE_SECONDS)
    return mark_safe(html)  # noqa: S308 - drawn by our own template, its values escaped there


_ATTACHMENTS = Joined([Part("t", AppealAttachment)], where="t.appeal_id = %s ORDER BY t.id")


# Moves whose form is drawn with the page: one button, nothing to fill in.
INLINE_FORMS = {"request_feedback"}


def _action(appeal: Appeal, name: str, form) -> dict:
    style, icon = ACTION_STYLES[name]
    return {"name": name, "label": services.ACTION_LABELS[name], "form": form, "style": style, "icon": icon,
            "url": reverse("appeal-action", args=[appeal.pk, name])}


def _panel_context(request, appeal: Appeal, *, bound=None, bound_action: str = "", open_action: str = "",
                   feedback_url: str = "") -> dict:
    """The panel's parts. Each move's form is drawn only when it is open (asked for, or sent back with
    errors): the others are fetched when their button is pressed (`appeal_action` answers a GET), which
    keeps the page small and quick for a task force that may make seven moves."""
    user = request.user
    actions = []
    for name in services.allowed_actions(user, appeal):
        if bound is not None and name == bound_action:
            form = bound
        elif name == open_action or name in INLINE_FORMS:
            form = action_form(name, appeal=appeal)
        else:
            form = None
        action = _action(appeal, name, form)
        action["open"] = form is not None and (form.is_bound or name == open_action)
        actions.append(action)
    if not feedback_url:
        feedback_url = request.session.get(FEEDBACK_LINKS_SESSION_KEY, {}).pop(str(appeal.pk), "")
        if feedback_url:
            request.session.modified = True
    return {
        "appeal": appeal,
        "timeline_html": _timeline_html(appeal),
        "attachments": [row["t"] for row in _ATTACHMENTS.all([appeal.pk])],
        "actions": actions,
        "feedback_url": feedback_url,
        "extra_facts": appeal_facts(appeal, user),
    }


def _render_panel(request, appeal: Appeal, *, status: int = 200, **kwargs):
    """The whole page, or only the panel for htmx."""
    context = _panel_context(request, appeal, **kwargs)
    template = "appeals/_panel.html" if request.htmx else "appeals/detail.html"
    return render(request, template, context, status=status)


@login_required
def appeal_detail(request, pk: int):
    """The appeal, its attachments and timeline, and a form for each move the viewer may make."""
    return _render_panel(request, _visible_appeal(request, pk))


def _feedback_url(request, path: str) -> str:
    base = settings.PUBLIC_BASE_URL.rstrip("/")
    return f"{base}{path}" if base else request.build_absolute_uri(path)


def _run(action: str, appeal: Appeal, user: User, form) -> str:
    """Call the one service behind `action`; returns the feedback link's path for request_feedback."""
    if action == "request_feedback":
        return services.feedback_link_create(appeal=appeal.pk, acting_user=user,
                                             expected_version=form.cleaned_data["version"])
    service = {
        "escalate": services.appeal_escalate,
        "return": services.appeal_return,
        "assign": services.appeal_assign,
        "resolve": services.appeal_resolve,
        "suspend": services.appeal_suspend,
        "resume": services.appeal_resume,
        "press": services.appeal_press,
        "out_of_scope": services.appeal_mark_out_of_scope,
        "withdraw": services.appeal_withdraw,
        "feedback": services.appeal_feedback,
        "reopen": services.appeal_reopen,
        "recategorise": services.appeal_recategorise,
    }[action]
    service(appeal=appeal.pk, acting_user=user, expected_version=form.cleaned_data["version"],
            **form.service_kwargs())
    return ""


def _conflict(request, appeal_id: int, message: str):
    messages.error(request, message)
    if request.htmx:
        return _render_panel(request, _visible_appeal(request, appeal_id), status=409)
    return redirect("appeal-detail", pk=appeal_id)


def _done(request, appeal_id: int, *, feedback_url: str = ""):
    """After a move: back to the appeal (if the user still sees it), or to the list."""
    appeal = selectors.appeal_for_page(appeal_id)
    if not can_view_appeal(request.user, appeal):
        if request.htmx:
            response = render(request, "appeals/_panel_gone.html")
            response["HX-Redirect"] = reverse("appeal-list")
            return response
        return redirect("appeal-list")
    if request.htmx:
        return _render_panel(request, appeal, feedback_url=feedback_url)
    if feedback_url:
        links = request.session.setdefault(FEEDBACK_LINKS_SESSION_KEY, {})
        links[str(appeal_id)] = feedback_url
        request.session.modified = True
    return redirect(appeal)


def _action_form_page(request, appeal: Appeal, action: str):
    """GET of a move: its form alone for htmx (the button's first press), else the page with it open."""
    if action not in services.allowed_actions(request.user, appeal):
        if services.is_move_open(action, appeal):
            raise PermissionDenied(_("You may not do this on this appeal."))
        return redirect(appeal)
    if request.htmx:
        context = {"appeal": appeal, "action": _action(appeal, action, action_form(action, appeal=appeal))}
        return render(request, "appeals/_action_form.html", context)
    return _render_panel(request, appeal, open_action=action)


@login_required
@require_http_methods(["GET", "POST"])
def appeal_action(request, pk: int, action: str):
    """One move on one appeal, through the one service that makes it (a GET draws the move's form)."""
    if action not in ACTION_FORMS:
        raise Http404
    user = request.user
    appeal = _visible_appeal(request, pk)
    if request.method == "GET":
        return _action_form_page(request, appeal, action)
    seen = request.POST.get("version", "")
    if seen.isdigit() and int(seen) != appeal.version:
        return _conflict(request, pk, str(ConcurrentChange(appeal)))
    if action not in services.allowed_actions(user, appeal):
        if services.is_move_open(action, appeal):
            raise PermissionDenied(_("You may not do this on this appeal."))
        messages.error(
            request,
            _("“%(action)s” is not possible while the appeal is “%(status)s”.")
            % {"action": services.ACTION_LABELS[action], "status": appeal.get_status_display()},
        )
        return _render_panel(request, appeal) if request.htmx else redirect(appeal)
    form = action_form(action, appeal=appeal, data=request.POST)
    if form.is_valid():
        try:
            path = _run(action, appeal, user, form)
        except ConcurrentChange as error:
            return _conflict(request, pk, str(error))
        except TransitionError as error:
            messages.error(request, " ".join(error.messages))
            return _done(request, pk)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if path:
                messages.success(request, _("Feedback link created. Copy it and send it to the enterprise."))
                return _done(request, pk, feedback_url=_feedback_url(request, path))
            fresh = Appeal.objects.select_related("handler_cadre", "handler_unit").get(pk=pk)
            messages.success(
                request,
                _("%(action)s: done. The appeal is now “%(status)s”%(with)s.")
                % {
                    "action": services.ACTION_LABELS[action],
                    "status": fresh.get_status_display(),
                    "with": _(", with %(handler)s") % {"handler": fresh.handler_label()} if fresh.is_open else "",
                },
            )
            return _done(request, pk)
    return _render_panel(request, appeal, bound=form, bound_action=action)


@login_required
def appeal_attachment(request, pk: int):
    attachment = get_object_or_404(
        AppealAttachment.objects.select_related("appeal__cadre", "appeal__handler_cadre"), pk=pk
    )
    if not can_view_appeal(request.user, attachment.appeal):
        raise Http404
    inline = attachment.content_type.startswith("image/") or attachment.content_type == "application/pdf"
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=not inline,
        filename=attachment.name,
        content_type=attachment.content_type,
    )


# --- The enterprise's verdict through a link (no login) ---------------------------------------

GONE_STATUS = {"invalid": 404, "expired": 410, "used": 410, "not_awaited": 410}


def _public(request, template: str, context: dict, status: int = 200):
    response = render(request, template, context, status=status)
    # The link is a credential: keep it out of caches and out of other sites' logs (“same-origin”, not
    # “no-referrer”: browsers then send “Origin: null” and the CSRF check refuses the form).
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def feedback_public(request, signed: str):
    """The enterprise's contact sees the resolution and gives a verdict; no login, one use."""
    try:
        link = services.feedback_link_open(signed)
    except ValidationError as error:
        code = getattr(error, "code", None) or "invalid"
        return _public(request, "appeals/feedback_gone.html", {"message": " ".join(error.messages)},
                       status=GONE_STATUS.get(code, 410))
    appeal = link.appeal
    form = PublicFeedbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.feedback_link_submit(
                signed=signed, verdict=form.cleaned_data["verdict"], comment=form.cleaned_data["comment"]
            )
        except ValidationError as error:
            code = getattr(error, "code", None)
            if code in GONE_STATUS:
                return _public(request, "appeals/feedback_gone.html", {"message": " ".join(error.messages)},
                               status=GONE_STATUS[code])
            form.add_error("comment", error.messages)
            form.fields["comment"].widget.attrs["class"] += " is-invalid"
        else:
            return _public(request, "appeals/feedback_thanks.html",
                           {"enterprise_name": appeal.enterprise.name, "verdict": form.cleaned_data["verdict"]})
    context = {
        "enterprise_name": appeal.enterprise.name,
        "title": appeal.title,
        "resolution": appeal.resolution,
        "form": form,
        "verdicts": [
            (Feedback.SATISFIED, Feedback.SATISFIED.label, "btn-success", "bi-emoji-smile"),
            (Feedback.BASICALLY, Feedback.BASICALLY.label, "btn-primary", "bi-emoji-neutral"),
            (Feedback.UNSATISFIED, Feedback.UNSATISFIED.label, "btn-outline-danger", "bi-emoji-frown"),
        ],
    }
    return _public(request, "appeals/feedback_public.html", context)


# --- Substitutes ------------------------------------------------------------------------------


@login_required
def substitution_list(request):
    """Name a substitute while away; see the substitutions one is part of (the task force: all)."""
    user = request.user
    form = SubstitutionForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            substitution = services.substitution_create(
                acting_user=user,
                principal=data.get("principal") or None,
                substitute=data["substitute"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                reason=data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(substitute)s stands in for %(principal)s from %(start)s to %(end)s.")
                % {
                    "substitute": substitution.substitute.display_name,
                    "principal": substitution.principal.display_name,
                    "start": substitution.starts_on,
                    "end": substitution.ends_on,
                },
            )
            return redirect("substitution-list")
    qs = Substitution.objects.select_related("principal__cadre", "substitute__cadre").order_by("-starts_on", "-id")
    if not user.is_taskforce:
        qs = qs.filter(Q(principal=user) | Q(substitute=user))
    return render(
        request,
        "appeals/substitutions.html",
        {"form": form, "page": paginate(request, qs), "today": today(), "sees_all": user.is_taskforce},
    )


# --- Notifications ----------------------------------------------------------------------------


@login_required
def notification_list(request):
    """My notifications, unread first; mark one (and open it) or all as read."""
    user = request.user
    mine = Notification.objects.filter(user=user)
    if request.method == "POST":
        # Marking one's own messages read is bookkeeping, not a business rule: no service needed.
        now = timezone.now()
        if request.POST.get("all"):
            count = mine.filter(read_at__isnull=True).update(read_at=now)
            messages.success(request, ngettext("%(n)d notification marked read.",
                                               "%(n)d notifications marked read.", count) % {"n": count})
            return redirect("notification-list")
        note = get_object_or_404(mine, pk=_int_or_404(request.POST.get("id")))
        if note.read_at is None:
            mine.filter(pk=note.pk).update(read_at=now)
        if request.POST.get("open") and note.url and url_has_allowed_host_and_scheme(
            note.url, allowed_hosts={request.get_host()}
        ):
            return redirect(note.url)
        return redirect(_safe_next(request, reverse("notification-list")))
    notes = mine.annotate(
        unread=ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())
    ).order_by("-unread", "-created_at", "-id")
    return render(
        request,
        "appeals/notifications.html",
        {"page": paginate(request, notes)},
    )


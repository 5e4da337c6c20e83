"""The public pocket guide (掌中宝) reached by QR codes, the QR codes themselves, the printed handbook
(its PDF and the editing of its sections) and the reading statistics of the QR codes.

The public pages need no login and set no cookie: they show only what a policy publishes, never a
draft and never anything about enterprises. A QR opening counts once per reader and day (policies.services).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe

from jobs.services import QueueUnavailable
from liaison.exports import stored_file_response
from liaison.models import User
from liaison.selectors import today
from liaison.web.common import add_service_errors, style_form
from policies import handbook, qr, services
from policies.models import HandbookSection, Policy
from policies.public_selectors import (
    by_category,
    policies_in_force,
    policy_search,
    public_policy_queryset,
    scan_days,
    scan_totals,
)

SEARCH_MAX_LENGTH = 100
_PHONE = re.compile(r"(?<!\d)(0\d{2,3}-?\d{7,8}|1[3-9]\d{9})(?!\d)")


def _visitor(request) -> str:
    """Who is reading, for today's scan count only (hashed, never stored): the client's address (behind
    the proxy, the last X-Forwarded-For entry, which the proxy itself appended) and its browser."""
    address = request.META.get("REMOTE_ADDR", "")
    if settings.BEHIND_PROXY:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        address = forwarded[-1] if forwarded else address
    return f"{address}|{request.META.get('HTTP_USER_AGENT', '')[:300]}"


def _public_policy_or_404(pk: int) -> Policy:
    return get_object_or_404(public_policy_queryset(), pk=pk)


# --- The pocket guide -------------------------------------------------------------------------


@require_safe
def catalogue_public(request):
    """Every policy in force by category, searchable by a substring of title, number, summary or tag."""
    q = (request.GET.get("q") or "").strip()[:SEARCH_MAX_LENGTH]
    policies = policies_in_force()
    if q:
        policies = policy_search(policies, q)
    groups = by_category(policies)
    context = {"q": q, "groups": groups, "count": sum(len(items) for _category, items in groups)}
    return render(request, "policies/public/catalogue.html", context)


@require_safe
def policy_public(request, pk: int):
    """One policy as published; an expired one still shows, with a banner. `?src=qr` counts a scan."""
    policy = _public_policy_or_404(pk)
    from_qr = request.GET.get("src") == "qr"
    if from_qr and request.method == "GET":
        services.policy_scan_record(policy=policy, visitor=_visitor(request))
    match = _PHONE.search(policy.contact)
    context = {
        "policy": policy,
        "expired": policy.is_expired,
        "contact_phone": match.group(1).replace("-", "") if match else "",
    }
    response = render(request, "policies/public/detail.html", context)
    if from_qr:
        # A cached copy would hide the scan from the count.
        add_never_cache_headers(response)
    return response


def _qr_response(content, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    # The image follows the QR base address (a setting, or the address asked), which may change: cache briefly.
    patch_cache_control(response, public=True, max_age=3600)
    return response


@require_safe
def policy_qr_svg(request, pk: int):
    policy = _public_policy_or_404(pk)
    return _qr_response(qr.qr_svg(qr.policy_qr_url(policy, request)), "image/svg+xml; charset=utf-8",
                        f"policy-{policy.pk}-qr.svg")


@require_safe
def policy_qr_png(request, pk: int):
    policy = _public_policy_or_404(pk)
    return _qr_response(qr.qr_png(qr.policy_qr_url(policy, request)), "image/png", f"policy-{policy.pk}-qr.png")


# --- The handbook -----------------------------------------------------------------------------


def _handbook_filename(document) -> tuple[str, str]:
    day = timezone.localdate(document.rendered_at)
    return f"liaison-handbook-{day:%Y-%m-%d}.pdf", f"{handbook.HANDBOOK_TITLE}（{day:%Y-%m-%d}）.pdf"


@require_GET
def handbook_pdf(request):
    """The liaison handbook as a PDF, for anyone to print or pass on (it holds the public catalogue; the
    public catalogue links it): the newest ready one,
    served from storage (never rendered here). While none is ready, a page that says it is being made
    and refreshes itself."""
    state = handbook.handbook_state()
    document = state.latest
    if document is None:
        state = handbook.handbook_ensure_started(state)
        document = state.latest
    if document is None:
        response = render(request, "policies/handbook/pending.html", {"state": state, "refresh_seconds": 3})
        add_never_cache_headers(response)
        return response
    ascii_name, filename = _handbook_filename(document)
    return stored_file_response(default_storage.open(document.file.name, "rb"), content_type="application/pdf",
                                ascii_name=ascii_name, name=filename, size=document.size)


def _handbook_status_context(request, state) -> dict:
    return {"state": state, "can_edit": services.can_edit_policies(request.user)}


@login_required
@require_GET
def handbook_status(request):
    """The handbook PDF's state (ready, being made, failed): the part of the editor page, and of the page
    the download shows while no PDF is ready, that htmx polls until the PDF is made."""
    state = handbook.handbook_ensure_started(handbook.handbook_state())
    response = render(request, "policies/handbook/_status.html", _handbook_status_context(request, state))
    add_never_cache_headers(response)
    return response


@login_required
@require_POST
def handbook_render(request):
    """Task-force staff make the PDF again (after a failure, or when it is not up to date)."""
    try:
        run = handbook.handbook_render_retry(acting_user=request.user)
    except QueueUnavailable as error:
        messages.error(request, str(error))
    else:
        if run is None:
            messages.error(request, _("The task queue is unavailable, so the PDF could not be started. "
                                      "Try again in a few minutes."))
    return redirect(f"{reverse('policy-handbook')}#handbook-pdf")


class HandbookSectionForm(forms.ModelForm):
    class Meta:
        model = HandbookSection
        fields = ["title", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 12})}


def _last_changes(sections: list[HandbookSection]) -> dict[int, object]:
    """The latest historical record of each section, in one query."""
    latest: dict[int, object] = {}
    # The newest record of each section by a correlated subquery: DISTINCT ON is PostgreSQL's only.
    newest = (
        HandbookSection.history.filter(id=OuterRef("id"))
        .order_by("-history_date", "-history_id")
        .values("history_id")[:1]
    )
    records = (
        HandbookSection.history.filter(id__in=[s.pk for s in sections], history_id=Subquery(newest))
        .select_related("history_user")
    )
    for record in records:
        latest[record.id] = record
    return latest


@login_required
@require_http_methods(["GET", "POST"])
def handbook_edit(request):
    """Task-force staff edit the handbook's own texts; the policies come from the catalogue."""
    if not services.can_edit_policies(request.user):
        raise PermissionDenied(_("Only task-force staff can edit the handbook."))
    sections = list(HandbookSection.objects.all())
    bound_pk = None
    if request.method == "POST":
        try:
            bound_pk = int(request.POST.get("section", ""))
        except ValueError as exc:
            raise Http404 from exc
        if bound_pk not in {s.pk for s in sections}:
            raise Http404
    forms_by_section = []
    for section in sections:
        data = request.POST if section.pk == bound_pk else None
        form = style_form(HandbookSectionForm(data, instance=section, prefix=f"section-{section.pk}"))
        if data is not None and form.is_valid():
            try:
                services.handbook_section_save(section=form.save(commit=False), acting_user=request.user)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("“%(title)s” is saved.") % {"title": section.title})
                return redirect(f"{request.path}#section-{section.pk}")
        forms_by_section.append((section, form))
    latest = _last_changes(sections)
    state = handbook.handbook_ensure_started(handbook.handbook_state())
    context = {
        "entries": [(section, form, latest.get(section.pk)) for section, form in forms_by_section],
        **_handbook_status_context(request, state),
    }
    return render(request, "policies/handbook_edit.html", context)


# --- Scan statistics --------------------------------------------------------------------------

PERIOD_PRESETS = (7, 30, 90, 365)
DEFAULT_PERIOD_DAYS = 30
MAX_PERIOD_DAYS = 366
TOP_POLICIES = 5


def can_view_scan_stats(user: User) -> bool:
    return user.is_authenticated and user.sees_everything


def _parse_day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _period(request) -> tuple[date, date]:
    """`?days=N` (the last N days), or `?start=&end=` (ISO dates); default the last 30 days."""
    end = today()
    try:
        days = int(request.GET.get("days", ""))
    except ValueError:
        days = 0
    if 1 <= days <= MAX_PERIOD_DAYS:
        return end - timedelta(days=days - 1), end
    start, chosen_end = _parse_day(request.GET.get("start")), _parse_day(request.GET.get("end"))
    end = chosen_end or end
    start = start or end - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    if start > end:
        start, end = end, start
    start = max(start, end - timedelta(days=MAX_PERIOD_DAYS - 1))
    return start, end


@login_required
@require_GET
def scan_stats(request):
    """Which measures are read most: scans per policy over a period, and per day for the top ones."""
    if not can_view_scan_stats(request.user):
        raise PermissionDenied(_("Only task-force staff and leaders can see the reading statistics."))
    start, end = _period(request)
    totals = scan_totals(start=start, end=end)
    top = totals[:TOP_POLICIES]
    per_day = scan_days(policy_ids=[row["policy_id"] for row in top], start=start, end=end)
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    top_rows = []
    for row in top:
        counts = [per_day[row["policy_id"]].get(day, 0) for day in days]
        peak = max(counts) or 1
        top_rows.append({**row, "days": [(day, count, round(100 * count / peak)) for day, count in zip(days, counts,
                                                                                                        strict=True)]})
    most = totals[0]["total"] if totals else 1
    for row in totals:
        row["share"] = round(100 * row["total"] / most)
    selected_days = (end - start).days + 1 if end == today() else None
    context = {
        "start": start,
        "end": end,
        "days": days,
        "totals": totals,
        "grand_total": sum(row["total"] for row in totals),
        "top_rows": top_rows,
        "day_table": [(day, [per_day[row["policy_id"]].get(day, 0) for row in top]) for day in reversed(days)],
        "presets": [(n, n == selected_days) for n in PERIOD_PRESETS],
    }
    return render(request, "policies/scan_stats.html", context)

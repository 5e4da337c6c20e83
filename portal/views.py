"""The enterprise pages (/e/, a signed-in contact) and the staff pages of the contact card."""

from __future__ import annotations

import base64

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from appeals.models import Feedback
from enterprises.models import Enterprise
from liaison.permissions import can_view_enterprise
from liaison.web.common import add_service_errors
from outreach import selectors as outreach_selectors
from outreach import services as outreach_services
from policies import qr
from portal import selectors, services
from portal.forms import CodeForm, ContactAppealForm, IssueForm, ReissueForm, VerdictForm
from portal.models import AccessKind, EnterpriseContact
from portal.permissions import can_issue_contact, can_view_contacts
from portal.session import contact_required, current_contact, sign_in, sign_out

# The codes of cards this staff member just issued, by contact id: shown on the card they print. Kept in
# their own session only (the database keeps the code's digest), and gone when they sign out.
CARD_CODES_SESSION_KEY = "portal_card_codes"


def _private(response):
    """The enterprise pages carry a credential (the link) or a contact's data: no caches, no referrer."""
    response["Cache-Control"] = "no-store, private"
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _page(request, template: str, context: dict, *, status: int = 200, log: bool = True):
    contact = getattr(request, "contact", None)
    if log and contact is not None and request.method == "GET":
        services.access_record(kind=AccessKind.VIEW, contact=contact, request=request)
    context.setdefault("contact", contact)
    return _private(render(request, template, context, status=status))


# --- Signing in and out -----------------------------------------------------------------------------


def _next_or_home(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/e/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("portal-home")


@never_cache
@require_http_methods(["GET", "POST"])
def portal_login(request):
    """Sign in with the code on the card (typed); the card's QR code signs in by link instead."""
    if current_contact(request) is not None:
        return redirect("portal-home")
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.contact_sign_in_by_code(code=form.cleaned_data["code"], request=request)
        except services.SignInRefused as error:
            form.add_error("code", error.messages)
            status = 429 if error.code == "locked" else 200
        else:
            target = _next_or_home(request)
            sign_in(request, contact)
            return redirect(target)
    elif services.code_locked(request):
        form.errors["code"] = form.error_class([services.locked_message()])
        status = 429
    return _page(request, "portal/login.html", {"form": form, "next": request.GET.get("next", "")}, status=status)


GONE_STATUS = {"invalid": 404, "expired": 410, "revoked": 410}


@never_cache
@require_GET
def portal_link(request, token: str):
    """The card's QR code: sign in and go to the enterprise's page (the link leaves the address bar)."""
    try:
        contact = services.contact_sign_in_by_link(token=token, request=request)
    except services.SignInRefused as error:
        return _page(request, "portal/gone.html", {"message": " ".join(error.messages)},
                     status=GONE_STATUS.get(error.code, 404))
    sign_in(request, contact)
    return _private(redirect("portal-home"))


@require_POST
def portal_logout(request):
    contact = current_contact(request)
    if contact is not None:
        services.access_record(kind=AccessKind.SIGN_OUT, contact=contact, request=request)
    sign_out(request)
    return redirect("portal-login")


# --- The contact's pages ----------------------------------------------------------------------------


@never_cache
@contact_required
def portal_home(request):
    """Their cadre and unit, notices, and their appeals with status and tier."""
    contact = request.contact
    notices = selectors.contact_notices(contact=contact)
    context = {
        "enterprise": contact.enterprise,
        "cadre": selectors.paired_cadre(contact.enterprise),
        "appeals": selectors.contact_appeals(contact=contact)[:50],
        "notices": notices,
        "unread": sum(1 for n in notices if n.read_at is None),
        "no_cadre_text": selectors.no_cadre_text(),
    }
    response = _page(request, "portal/home.html", context)
    if context["unread"]:
        services.enterprise_notices_mark_read(contact=contact)
    return response


@never_cache
@contact_required
@require_http_methods(["GET", "POST"])
def portal_appeal_new(request):
    """Raise a problem: it goes to the enterprise's paired cadre."""
    contact = request.contact
    form = ContactAppealForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            appeal = services.contact_appeal_raise(contact=contact, request=request, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your appeal has been sent to your service cadre."))
            return redirect("portal-appeal", pk=appeal.pk)
    return _page(request, "portal/appeal_form.html", {"form": form, "cadre": selectors.paired_cadre(
        contact.enterprise)})


VERDICTS = [
    (Feedback.SATISFIED, Feedback.SATISFIED.label, "btn-success", "bi-emoji-smile"),
    (Feedback.BASICALLY, Feedback.BASICALLY.label, "btn-primary", "bi-emoji-neutral"),
    (Feedback.UNSATISFIED, Feedback.UNSATISFIED.label, "btn-outline-danger", "bi-emoji-frown"),
]


def _appeal_page(request, appeal, form=None, *, status: int = 200):
    awaiting = selectors.awaiting_verdict(appeal)
    context = {
        "appeal": appeal,
        "steps": selectors.public_timeline(appeal),
        "awaiting": awaiting,
        "form": form or (VerdictForm() if awaiting else None),
        "verdicts": VERDICTS,
    }
    return _page(request, "portal/appeal.html", context, status=status)


@never_cache
@contact_required
def portal_appeal(request, pk: int):
    """One of their appeals: where it is, its public timeline, and the verdict form when it is resolved."""
    return _appeal_page(request, selectors.contact_appeal(contact=request.contact, pk=pk))


@contact_required
@require_POST
def portal_appeal_verdict(request, pk: int):
    appeal = selectors.contact_appeal(contact=request.contact, pk=pk)
    form = VerdictForm(request.POST)
    if form.is_valid():
        try:
            services.contact_verdict_give(contact=request.contact, appeal=appeal, request=request,
                                          **form.cleaned_data)
        except ValidationError as error:
            form.add_error("comment", error.messages)
        else:
            messages.success(request, _("Thank you for your feedback."))
            return redirect("portal-appeal", pk=appeal.pk)
    appeal.refresh_from_db()
    return _appeal_page(request, appeal, form, status=400)


@never_cache
@contact_required
def portal_policies(request):
    """Measures the enterprise is eligible for, with why, and no-application benefits brought to it."""
    contact = request.contact
    rows = selectors.contact_policies(contact=contact)
    # Policies pushed to the enterprise through its cadre are marked; opening this page tells it of them.
    pushed = outreach_selectors.enterprise_pushed_on(enterprise_id=contact.enterprise_id)
    for row in rows:
        row.pushed_on = pushed.get(row.policy.pk)
    outreach_services.pushes_mark_told_by_enterprise(enterprise_id=contact.enterprise_id)
    return _page(request, "portal/policies.html", {
        "rows": rows,
        "deliveries": selectors.contact_deliveries(contact=contact),
    })


# --- Staff: the contact card ------------------------------------------------------------------------


def _enterprise_for_cards(request, pk: int) -> Enterprise:
    enterprise = get_object_or_404(Enterprise, pk=pk)
    if not can_view_enterprise(request.user, enterprise):
        raise Http404
    if not can_issue_contact(request.user, enterprise):
        raise PermissionDenied
    return enterprise


def _contact_for_staff(request, pk: int, *, manage: bool) -> EnterpriseContact:
    contact = get_object_or_404(EnterpriseContact.objects.select_related("enterprise", "issued_by"), pk=pk)
    if not can_view_enterprise(request.user, contact.enterprise) or not can_view_contacts(
        request.user, contact.enterprise
    ):
        raise Http404
    if manage and not can_issue_contact(request.user, contact.enterprise):
        raise PermissionDenied
    return contact


def _keep_code(request, contact: EnterpriseContact, code: str) -> None:
    codes = request.session.get(CARD_CODES_SESSION_KEY, {})
    codes[str(contact.pk)] = {"code": code, "secret": contact.secret}
    request.session[CARD_CODES_SESSION_KEY] = codes


@login_required
@require_http_methods(["GET", "POST"])
def contact_issue(request, pk: int):
    """Issue a card to a person at the enterprise; then print it."""
    enterprise = _enterprise_for_cards(request, pk)
    form = IssueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contact, code = services.contact_issue(enterprise=enterprise, acting_user=request.user,
                                                   request=request, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            _keep_code(request, contact, code)
            return redirect("contact-card", pk=contact.pk)
    return render(request, "portal/issue.html", {"enterprise": enterprise, "form": form,
                                                 "cadre": selectors.paired_cadre(enterprise)})


@login_required
@require_POST
def contact_reissue(request, pk: int):
    contact = _contact_for_staff(request, pk, manage=True)
    form = ReissueForm(request.POST)
    days = form.cleaned_data.get("days") if form.is_valid() else None
    try:
        contact, code = services.contact_reissue(contact=contact, days=days, acting_user=request.user,
                                                 request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("enterprise-detail", pk=contact.enterprise_id)
    _keep_code(request, contact, code)
    return redirect("contact-card", pk=contact.pk)


@login_required
@require_POST
def contact_revoke(request, pk: int):
    contact = _contact_for_staff(request, pk, manage=True)
    services.contact_revoke(contact=contact, acting_user=request.user, request=request)
    messages.success(request, _("The card of %(name)s no longer signs anyone in.") % {"name": contact.name})
    return redirect(f"{reverse('enterprise-detail', args=[contact.enterprise_id])}#contacts")


def card_context(request, contact: EnterpriseContact) -> dict:
    link = services.contact_link(contact, request)
    kept = request.session.get(CARD_CODES_SESSION_KEY, {}).get(str(contact.pk))
    code = kept["code"] if kept and kept.get("secret") == contact.secret else ""
    cadre = selectors.paired_cadre(contact.enterprise)
    return {
        "contact": contact,
        "enterprise": contact.enterprise,
        "cadre": cadre,
        "link": link,
        "login_url": f"{qr.policy_qr_base_url(request)}{reverse('portal-login')}",
        "qr_svg": qr.qr_svg(link),
        "qr_png": base64.b64encode(qr.qr_png(link)).decode(),
        "code": services.format_code(code) if code else "",
        "loopback": qr.is_loopback(link),
    }


@login_required
@never_cache
def contact_card(request, pk: int):
    """The 服务联系卡 to print: the cadre's name and phone, the enterprise, a QR code that signs the contact
    in and the code to type (only just after it was issued, in the issuer's session)."""
    contact = _contact_for_staff(request, pk, manage=True)
    if not contact.is_active:
        raise Http404
    context = card_context(request, contact)
    if request.GET.get("format") == "pdf":
        from weasyprint import HTML  # heavy, and only the card's PDF needs it here

        html = render_to_string("portal/card_pdf.html", context, request=request)
        pdf = HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="card-{contact.pk}.pdf"'
        return _private(response)
    return _private(render(request, "portal/card.html", context))

"""The printed liaison handbook (营商服务联络员指导手册) as a PDF: cover, contents, the editable sections,
then every policy in force by category, each with the QR code of its public page.

The PDF takes seconds to render, so no request renders it. Every change to what it shows (a policy
saved or deleted, a category, a section of its own text) raises the catalogue's revision
(`HandbookCatalogue`) and, after the commit, starts the `handbook_pdf` job (jobs.registry). The job
renders the newest revision, stores the PDF in the default storage with the revision it reflects
(`HandbookDocument`), and looks again: changes made while it rendered are rendered next, so a burst of
changes costs one render or two, never one each. Downloads serve the newest ready PDF from storage.
"""

from __future__ import annotations

import base64
import logging
import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from liaison.models import Unit, UnitKind, User
from policies.models import HandbookCatalogue, HandbookDocument, HandbookDocumentStatus, HandbookSection, Policy
from policies.public_selectors import by_category, policies_in_force
from policies.qr import policy_qr_base_url, policy_qr_url, qr_svg

log = logging.getLogger(__name__)

# The handbook's printed name is a title, like a book's: it stays as issued whatever the reader's language.
HANDBOOK_TITLE = "营商服务联络员指导手册"

_BLANK_LINE = re.compile(r"\n[ \t\u3000]*\n")


def paragraphs(text: str) -> list[str]:
    """Blank-line separated paragraphs of a plain-text body; single line breaks stay inside a paragraph."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    return [part.strip() for part in _BLANK_LINE.split(text) if part.strip()]


@dataclass
class HandbookPolicy:
    policy: Policy
    qr_url: str
    qr_data_uri: str


def _qr_data_uri(url: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(url).encode("utf-8")).decode("ascii")


def handbook_context() -> dict:
    """Everything the handbook shows, in three queries whatever the number of policies."""
    sections = [(section, paragraphs(section.body)) for section in HandbookSection.objects.all()]
    groups = []
    for category, policies in by_category(policies_in_force()):
        entries = []
        for policy in policies:
            url = policy_qr_url(policy)
            entries.append(HandbookPolicy(policy=policy, qr_url=url, qr_data_uri=_qr_data_uri(url)))
        groups.append((category, entries))
    taskforce = Unit.objects.filter(kind=UnitKind.TASKFORCE).order_by("id").values_list("name", flat=True).first()
    return {
        "title": HANDBOOK_TITLE,
        "sections": sections,
        "groups": groups,
        "policy_count": sum(len(entries) for _category, entries in groups),
        # No setting names the district yet; the cover then shows only the task force.
        "district": getattr(settings, "DISTRICT_NAME", ""),
        "taskforce": taskforce or "",
        "printed_on": timezone.localdate(),
    }


def handbook_html() -> str:
    return render_to_string("policies/handbook/handbook.html", handbook_context())


def _pdf(html: str) -> bytes:
    """Render with WeasyPrint (imported here: it is heavy and only this needs it)."""
    from weasyprint import HTML

    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def handbook_pdf() -> bytes:
    """Render the handbook now (seconds): for the job, never for a request."""
    return _pdf(handbook_html())


# --- Rendered by a job, served from storage ------------------------------------------------------

JOB = "handbook_pdf"
# A job run renders at most this many revisions in a row; changes still coming after that start a new run.
MAX_RENDERS_PER_RUN = 3
# Ready PDFs kept in the storage, the newest first.
KEEP_READY = 5
# A page finding the handbook out of date with no run under way starts one, unless one was started this
# recently (a queue that is down is not asked again at every refresh; staff can start it from the page).
RESTART_AFTER = timedelta(minutes=5)


def handbook_revision() -> int:
    """The catalogue's current revision."""
    catalogue, _created = HandbookCatalogue.objects.get_or_create(pk=1)
    return catalogue.revision


def _start_after_commit() -> None:
    """Start the job unless the handbook is up to date or a run is already queued or rendering (a run
    rendering looks again for changes before it finishes): many changes start one run."""
    state = handbook_state()
    if state.up_to_date or state.run is not None:
        return
    handbook_render_start()


def handbook_mark_stale() -> None:
    """What the handbook shows has changed: raise the revision now and, once committed, start the job
    (a change rolled back starts nothing)."""
    if not HandbookCatalogue.objects.filter(pk=1).update(revision=F("revision") + 1, changed_at=timezone.now()):
        HandbookCatalogue.objects.get_or_create(pk=1, defaults={"revision": 2, "changed_at": timezone.now()})
    transaction.on_commit(_start_after_commit)


def handbook_render_start(*, acting_user: User | None = None):
    """Start the `handbook_pdf` job (or return the run already under way); None when the queue is down:
    the handbook stays marked as not up to date and the page offers to try again."""
    from jobs.services import QueueUnavailable, job_start

    try:
        run, _created = job_start(job_key=JOB, period=None, acting_user=acting_user)
    except QueueUnavailable:
        log.warning("handbook PDF not started: the task queue is unavailable")
        return None
    except Exception:  # the change that asked for it stands; the page shows the handbook as not up to date
        if acting_user is not None:
            raise
        log.exception("could not start the handbook PDF job")
        return None
    return run


def handbook_render_retry(*, acting_user: User):
    """Render again after a failure (task-force staff): the failed PDF goes back to pending."""
    from policies.services import can_edit_policies

    if not can_edit_policies(acting_user):
        raise PermissionDenied(_("Only task-force staff can edit the handbook."))
    HandbookDocument.objects.filter(status=HandbookDocumentStatus.FAILED).update(
        status=HandbookDocumentStatus.PENDING, error="", updated_at=timezone.now()
    )
    return handbook_render_start(acting_user=acting_user)


def _report(progress, done: int, total: int, note: str) -> None:
    if progress:
        progress(done, total, note)


def _render_revision(revision: int) -> tuple[bool, int]:
    """Render and store the PDF of `revision` unless it is ready; (rendered now, policies in it)."""
    document, _created = HandbookDocument.objects.get_or_create(revision=revision)
    if document.is_ready:
        return False, document.policy_count
    try:
        base_url = policy_qr_base_url()
        context = handbook_context()
        pdf = _pdf(render_to_string("policies/handbook/handbook.html", context))
        stored = default_storage.save(f"handbook/handbook-r{revision}.pdf", ContentFile(pdf))
    except Exception as exc:
        HandbookDocument.objects.filter(pk=document.pk).exclude(status=HandbookDocumentStatus.READY).update(
            status=HandbookDocumentStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], updated_at=timezone.now()
        )
        raise
    updated = (
        HandbookDocument.objects.filter(pk=document.pk)
        .exclude(status=HandbookDocumentStatus.READY)
        .update(
            status=HandbookDocumentStatus.READY,
            file=stored,
            size=len(pdf),
            policy_count=context["policy_count"],
            qr_base_url=base_url,
            error="",
            rendered_at=timezone.now(),
            updated_at=timezone.now(),
        )
    )
    if not updated:  # rendered meanwhile by another run: keep that one
        default_storage.delete(stored)
    return bool(updated), context["policy_count"]


def _prune(revision: int) -> None:
    """Older pending or failed versions are superseded by the one just made; of the ready ones the newest
    KEEP_READY stay (a download under way keeps reading its file), the others leave the storage."""
    HandbookDocument.objects.filter(revision__lt=revision).exclude(status=HandbookDocumentStatus.READY).delete()
    ready = HandbookDocument.objects.filter(status=HandbookDocumentStatus.READY).order_by("-revision")
    for document in ready[KEEP_READY:]:
        default_storage.delete(document.file.name)
        document.delete()


def handbook_render_run(*, day=None, progress=None) -> dict:
    """The `handbook_pdf` job: render and store the PDF of the newest revision, then of any revision that
    came while it rendered. Idempotent (a ready revision is never rendered again); a run killed while
    rendering leaves that revision pending, and the run queued again renders it. The day is only the
    job's period: the handbook is always the catalogue as it is now."""
    rendered, revision, policies = 0, 0, 0
    for attempt in range(MAX_RENDERS_PER_RUN):
        revision = handbook_revision()
        note = _("Rendering the handbook (version %(revision)d)") % {"revision": revision}
        _report(progress, attempt, attempt + 1, note)
        made, policies = _render_revision(revision)
        rendered += made
        if handbook_revision() == revision:
            break
    _report(progress, 1, 1, "")
    _prune(revision)
    return {"revision": revision, "rendered": rendered, "policies": policies}


@dataclass
class HandbookState:
    """What the handbook's pages show about its PDF."""

    revision: int
    latest: HandbookDocument | None  # the newest ready PDF, maybe of an older revision
    current: HandbookDocument | None  # the row of the current revision, if any
    run: object | None  # the job run queued or running, if any

    @property
    def up_to_date(self) -> bool:
        return self.latest is not None and self.latest.revision == self.revision

    @property
    def failed(self) -> bool:
        return self.current is not None and self.current.status == HandbookDocumentStatus.FAILED and self.run is None

    @property
    def pending(self) -> bool:
        return not self.up_to_date and not self.failed


def handbook_state() -> HandbookState:
    """The revision, the newest ready PDF, the current revision's row and the job run under way: three queries."""
    from jobs.models import ACTIVE_STATUSES, JobRun

    revision = handbook_revision()
    documents = list(
        HandbookDocument.objects.filter(Q(revision=revision) | Q(status=HandbookDocumentStatus.READY)).order_by(
            "-revision"
        )[:2]
    )
    latest = next((d for d in documents if d.is_ready), None)
    current = next((d for d in documents if d.revision == revision), None)
    run = JobRun.objects.filter(job=JOB, status__in=ACTIVE_STATUSES).order_by("-created_at").first()
    return HandbookState(revision=revision, latest=latest, current=current, run=run)


def handbook_ensure_started(state: HandbookState) -> HandbookState:
    """A page found the handbook out of date with nothing rendering it (the queue was down when it
    changed, or it was never rendered): start the job now. Failed renders wait for staff to retry."""
    from jobs.models import JobRun

    latest = state.latest
    if state.up_to_date and state.run is None and latest.qr_base_url and latest.qr_base_url != policy_qr_base_url():
        # The portal is reached at another address than the PDF's QR codes point to (staff opened it at its
        # real address after the demo drew it on 127.0.0.1, or the operator changed the setting): draw it again.
        handbook_mark_stale()
        return handbook_state()
    if not state.pending or state.run is not None:
        return state
    if JobRun.objects.filter(job=JOB, created_at__gte=timezone.now() - RESTART_AFTER).exists():
        return state
    handbook_render_start()
    return handbook_state()


def _catalogue_changed(sender, **kwargs) -> None:
    if kwargs.get("raw"):  # loaddata
        return
    handbook_mark_stale()


def connect_signals() -> None:
    """Every write of what the handbook shows marks it stale, whichever path made it (pages, API, imports,
    the admin, the expiry job, the demo)."""
    from django.db.models.signals import post_delete, post_save

    from policies.models import PolicyCategory

    for model in (Policy, PolicyCategory, HandbookSection):
        post_save.connect(_catalogue_changed, sender=model, dispatch_uid=f"handbook_stale_save_{model.__name__}")
        post_delete.connect(_catalogue_changed, sender=model, dispatch_uid=f"handbook_stale_delete_{model.__name__}")

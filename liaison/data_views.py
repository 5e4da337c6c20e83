"""Browser pages for importing enterprises and cadres, and the Excel exports.

An import takes three steps: upload (the file is checked and kept in the database, which every app
node shares), a preview that dry-runs it and lists each row's action and errors, and a confirmation
that imports it all or nothing. The kept file is known only to the session of the user who uploaded it.
"""

from __future__ import annotations

import io
import os
import uuid
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from liaison import exports, imports, permissions, services
from liaison.auditing import audited_export
from liaison.models import PendingImport, PendingImportState

SESSION_KEY = "data_imports"
# Uploaded files nobody confirmed or cancelled are removed after this long.
STALE_AFTER_SECONDS = 24 * 60 * 60


def _require_roster_manager(request) -> None:
    if not permissions.can_manage_roster(request.user):
        raise PermissionDenied(_("Only task-force staff can import data."))


# --- Files kept between preview and confirmation ------------------------------------------------


def _sweep_stale_files() -> None:
    cutoff = timezone.now() - timedelta(seconds=STALE_AFTER_SECONDS)
    PendingImport.objects.filter(created_at__lt=cutoff).delete()


def _stash(request, *, kind: str, name: str, data: bytes) -> str:
    """Keep an uploaded file for the preview (in the database, which every app node shares); returns its token."""
    _sweep_stale_files()
    token = str(uuid.uuid4())
    extension = os.path.splitext(name)[1].lower()
    PendingImport.objects.create(token=token, user=request.user, kind=kind, name=name, extension=extension, data=data)
    pending = request.session.get(SESSION_KEY, {})
    pending[token] = {"kind": kind, "name": name, "extension": extension, "user": request.user.pk}
    request.session[SESSION_KEY] = pending
    return token


def _pending(request, token) -> dict:
    """The import kept under `token` for this session's user, or 404."""
    entry = request.session.get(SESSION_KEY, {}).get(str(token))
    if (
        entry is None
        or entry.get("user") != request.user.pk
        or entry.get("extension") not in imports.ALLOWED_EXTENSIONS
    ):
        raise Http404(_("This import has already been completed, cancelled or has expired."))
    return dict(entry, token=str(token))


def _forget(request, entry: dict) -> None:
    pending = request.session.get(SESSION_KEY, {})
    pending.pop(entry["token"], None)
    request.session[SESSION_KEY] = pending
    PendingImport.objects.filter(token=entry["token"]).delete()


def _read_pending(entry: dict, *, state: str = PendingImportState.PENDING) -> imports.ParsedFile:
    data = (
        PendingImport.objects.filter(token=entry["token"], user_id=entry["user"], state=state)
        .values_list("data", flat=True)
        .first()
    )
    if data is None:
        raise Http404(_("This import has already been completed, cancelled or has expired."))
    return imports.read_file(name=entry["name"], data=bytes(data), kind=entry["kind"])


def _set_state(entry: dict, *, old: str, new: str) -> bool:
    """Move the kept file from one state to another in one UPDATE: True for whoever did it."""
    return bool(PendingImport.objects.filter(token=entry["token"], state=old).update(state=new))


# --- Pages ----------------------------------------------------------------------------------------


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("What to import"),
        choices=lambda: [(kind, imports.KIND_LABELS[kind]) for kind in imports.KINDS],
        initial=imports.ENTERPRISES,
        widget=forms.RadioSelect,
    )
    file = forms.FileField(
        label=gettext_lazy("File"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean(self):
        cleaned = super().clean()
        upload, kind = cleaned.get("file"), cleaned.get("kind")
        if upload is not None and kind:
            try:
                cleaned["parsed"] = imports.read_upload(upload, kind=kind)
            except ValidationError as exc:
                self.add_error("file", exc)
        return cleaned


@login_required
@require_http_methods(["GET", "POST"])
def import_start(request):
    """Choose what to import and upload the file."""
    _require_roster_manager(request)
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            upload.seek(0)
            token = _stash(request, kind=form.cleaned_data["kind"], name=upload.name, data=upload.read())
            return redirect("import-preview", token=token)
    else:
        form = ImportUploadForm(initial={"kind": request.GET.get("kind", imports.ENTERPRISES)})
    templates = [
        {"kind": kind, "label": imports.KIND_LABELS[kind], "columns": imports.RESOURCES[kind].headers(),
         "required": imports.RESOURCES[kind].required_columns}
        for kind in imports.KINDS
    ]
    return render(
        request,
        "data/import_start.html",
        {"form": form, "templates": templates, "max_size": filesizeformat(settings.IMPORT_MAX_BYTES),
         "max_rows": imports.MAX_ROWS},
    )


@login_required
def import_template(request, kind: str):
    """The .xlsx template for `kind`, with the header row and one example row."""
    _require_roster_manager(request)
    if kind not in imports.KINDS:
        raise Http404
    return FileResponse(
        io.BytesIO(imports.template_workbook(kind)),
        as_attachment=True,
        filename=imports.template_filename(kind),
        content_type=imports.XLSX_CONTENT_TYPE,
    )


@login_required
@require_http_methods(["GET"])
def import_preview(request, token):
    """Dry-run the kept file and show every row's action and errors."""
    _require_roster_manager(request)
    entry = _pending(request, token)
    try:
        parsed = _read_pending(entry)
    except ValidationError as exc:
        _forget(request, entry)
        messages.error(request, " ".join(exc.messages))
        return redirect("import-start")
    report = services.data_import(kind=entry["kind"], parsed=parsed, acting_user=request.user, dry_run=True)
    only_errors = request.GET.get("errors") == "1" and report.has_errors
    rows = [row for row in report.rows if row.errors] if only_errors else report.rows
    # Key columns (name, credit code or unit) come first and stay visible on a phone; the others
    # follow the errors and appear on wide screens only.
    keys = [report.columns.index(column) for column in report.key_columns]
    others = [index for index in range(len(report.columns)) if index not in keys]
    table = [
        {"row": row, "keys": [row.values[i] for i in keys], "others": [row.values[i] for i in others]}
        for row in rows
    ]
    return render(
        request,
        "data/import_preview.html",
        {
            "token": entry["token"],
            "kind_label": imports.KIND_LABELS[entry["kind"]],
            "report": report,
            "totals": report.totals,
            "table": table,
            "only_errors": only_errors,
            "key_columns": [report.columns[i] for i in keys],
            "other_columns": [report.columns[i] for i in others],
        },
    )


@login_required
@require_POST
def import_confirm(request, token):
    """Import the kept file; if any row fails now, nothing is saved and the preview shows why."""
    _require_roster_manager(request)
    entry = _pending(request, token)
    # One UPDATE moves it to running: a double submit, on this node or another, imports nothing twice.
    if not _set_state(entry, old=PendingImportState.PENDING, new=PendingImportState.RUNNING):
        messages.info(request, _("This import is already running or has been completed."))
        return redirect("import-start")
    try:
        parsed = _read_pending(entry, state=PendingImportState.RUNNING)
        report = services.data_import(kind=entry["kind"], parsed=parsed, acting_user=request.user, dry_run=False)
    except ValidationError as exc:
        _forget(request, entry)
        messages.error(request, " ".join(exc.messages))
        return redirect("import-start")
    except Exception:
        _set_state(entry, old=PendingImportState.RUNNING, new=PendingImportState.PENDING)
        raise
    if not report.imported:
        _set_state(entry, old=PendingImportState.RUNNING, new=PendingImportState.PENDING)
        messages.error(
            request,
            _("Nothing was imported: %(count)d rows have errors. Correct the file and upload it again.")
            % {"count": report.totals["error"] or len(report.errors)},
        )
        return redirect("import-preview", token=entry["token"])
    _forget(request, entry)
    totals = report.totals
    messages.success(
        request,
        _("Imported %(total)d rows: %(new)d new, %(update)d updated.")
        % {"total": totals["new"] + totals["update"], "new": totals["new"], "update": totals["update"]},
    )
    return redirect(f"{reverse('import-start')}?kind={entry['kind']}")


@login_required
@require_POST
def import_cancel(request, token):
    """Discard a kept file without importing it."""
    _require_roster_manager(request)
    entry = _pending(request, token)
    _forget(request, entry)
    messages.info(request, _("The import was cancelled; nothing was saved."))
    return redirect("import-start")


# --- Exports --------------------------------------------------------------------------------------


def _export(request, build):
    try:
        export = build(viewer=request.user, params=request.GET)
    except ValidationError as exc:
        return HttpResponseBadRequest(
            _("The filter is not valid: %(errors)s") % {"errors": " ".join(exc.messages)},
            content_type="text/plain; charset=utf-8",
        )
    return exports.file_response(export)


@login_required
@require_http_methods(["GET"])
@audited_export("roster")
def export_roster(request):
    """The pairings the user may see, filtered like the roster page, as .xlsx."""
    return _export(request, exports.roster_export)


@login_required
@require_http_methods(["GET"])
@audited_export("visits")
def export_visits(request):
    """The visits the user may see, filtered like the visit ledger, as .xlsx."""
    return _export(request, exports.visit_export)


@login_required
@require_http_methods(["GET"])
@audited_export("enterprises")
def export_enterprises(request):
    """The enterprises the user may see, in the import template's columns: the file imports back unchanged."""
    return _export(request, exports.enterprise_export)


@login_required
@require_http_methods(["GET"])
@audited_export("cadres")
def export_cadres(request):
    """The cadres the user may see, in the import template's columns: the file imports back unchanged."""
    return _export(request, exports.cadre_export)

"""Browser pages for importing enterprises and cadres, and the Excel exports.

An import takes three steps: upload (the file is checked and kept under MEDIA_ROOT/imports/), a
preview that dry-runs it and lists each row's action and errors, and a confirmation that imports it
all or nothing. The kept file is known only to the session of the user who uploaded it.
"""

from __future__ import annotations

import io
import os
import time
import uuid
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from liaison import exports, imports, permissions, services
from liaison.auditing import audited_export

SESSION_KEY = "data_imports"
# Uploaded files nobody confirmed or cancelled are removed after this long.
STALE_AFTER_SECONDS = 24 * 60 * 60


def _require_roster_manager(request) -> None:
    if not permissions.can_manage_roster(request.user):
        raise PermissionDenied(_("Only task-force staff can import data."))


# --- Files kept between preview and confirmation ------------------------------------------------


def _imports_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def _sweep_stale_files() -> None:
    directory = _imports_dir()
    if not directory.is_dir():
        return
    cutoff = time.time() - STALE_AFTER_SECONDS
    for path in directory.iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            continue  # removed by a concurrent request


def _stash(request, *, kind: str, name: str, data: bytes) -> str:
    """Keep an uploaded file for the preview; returns its token."""
    _sweep_stale_files()
    token = str(uuid.uuid4())
    extension = os.path.splitext(name)[1].lower()
    directory = _imports_dir()
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{token}{extension}").write_bytes(data)
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
    entry = dict(entry, token=str(token))
    entry["path"] = _imports_dir() / f"{entry['token']}{entry['extension']}"
    return entry


def _forget(request, entry: dict) -> None:
    pending = request.session.get(SESSION_KEY, {})
    pending.pop(entry["token"], None)
    request.session[SESSION_KEY] = pending
    for path in (entry["path"], entry["path"].with_name(entry["path"].name + ".running")):
        path.unlink(missing_ok=True)


def _read_pending(entry: dict, path: Path | None = None) -> imports.ParsedFile:
    path = path or entry["path"]
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise Http404(_("This import has already been completed, cancelled or has expired.")) from exc
    return imports.read_file(name=entry["name"], data=data, kind=entry["kind"])


# --- Pages ----------------------------------------------------------------------------------------


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("What to import"),
        choices=[(kind, imports.KIND_LABELS[kind]) for kind in imports.KINDS],
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
    running = entry["path"].with_name(entry["path"].name + ".running")
    try:
        # Renaming is atomic: a double submit finds the file gone and imports nothing twice.
        os.rename(entry["path"], running)
    except FileNotFoundError:
        messages.info(request, _("This import is already running or has been completed."))
        return redirect("import-start")
    try:
        parsed = _read_pending(entry, running)
        report = services.data_import(kind=entry["kind"], parsed=parsed, acting_user=request.user, dry_run=False)
    except ValidationError as exc:
        _forget(request, entry)
        messages.error(request, " ".join(exc.messages))
        return redirect("import-start")
    except Exception:
        os.rename(running, entry["path"])
        raise
    if not report.imported:
        os.rename(running, entry["path"])
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

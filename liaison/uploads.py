"""Checks on uploaded visit attachments: how many, how large, and what they really are."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# extension -> (content type, a test on the first bytes of the file)
ALLOWED_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    ".webp": ("image/webp", (b"RIFF",)),
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    ".doc": ("application/msword", (b"\xd0\xcf\x11\xe0",)),
    ".xls": ("application/vnd.ms-excel", (b"\xd0\xcf\x11\xe0",)),
}


def allowed_extensions_text() -> str:
    return "、".join(ext.lstrip(".") for ext in ALLOWED_TYPES)


def validate_attachment(upload) -> str:
    """Return the content type of a valid upload, or raise ValidationError saying what is wrong."""
    name = os.path.basename(upload.name or "")
    ext = os.path.splitext(name)[1].lower()
    if ext not in ALLOWED_TYPES:
        raise ValidationError(
            _("“%(name)s” is not an accepted file type. Accepted: %(types)s.")
            % {"name": name, "types": allowed_extensions_text()},
            code="attachment_type",
        )
    limit = settings.VISIT_ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("“%(name)s” is %(size)s; the limit is %(limit)s per file.")
            % {"name": name, "size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            code="attachment_size",
        )
    if upload.size == 0:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": name}, code="attachment_empty")
    content_type, signatures = ALLOWED_TYPES[ext]
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(signature) for signature in signatures):
        raise ValidationError(
            _("“%(name)s” does not look like a real %(ext)s file.") % {"name": name, "ext": ext.lstrip(".")},
            code="attachment_content",
        )
    return content_type


def validate_attachments(uploads, *, existing: int = 0) -> list[str]:
    """Validate a batch of uploads; returns their content types in order."""
    limit = settings.VISIT_ATTACHMENT_MAX_FILES
    if existing + len(uploads) > limit:
        raise ValidationError(
            _("A visit can carry at most %(limit)d attachments.") % {"limit": limit}, code="attachment_count"
        )
    return [validate_attachment(upload) for upload in uploads]


def store_attachments(model, *, files, content_types: list[str], acting_user, **owner) -> list:
    """Save validated uploads as `model` rows belonging to `owner` (e.g. visit=...).

    Files already written are removed again if a later one fails, so nothing is half-stored.
    """
    stored = []
    try:
        for upload, content_type in zip(files, content_types, strict=True):
            name = os.path.basename(upload.name)
            attachment = model(name=name[:200], size=upload.size, content_type=content_type,
                               uploaded_by=acting_user, **owner)
            attachment.file.save(name, upload, save=False)
            stored.append(attachment)
            attachment.save()
    except Exception:
        for attachment in stored:
            attachment.file.delete(save=False)
        raise
    return stored

"""Checks on uploaded visit and appeal attachments: how many, how large, and what they really are.

Images are decoded and written again by Pillow (within a pixel limit), so that what is stored is only
the picture: no appended payload (a script after a PNG's end), no EXIF (GPS position, camera). PDFs
that carry JavaScript or launch actions are refused. A refused file refuses the whole visit or step.
"""

from __future__ import annotations

import io
import os
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
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


IMAGE_FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".gif": "GIF", ".webp": "WEBP"}
# Width × height an image may have (default 40 megapixels: any phone photo); a larger one is refused
# before it is decoded, however small the file.
MAX_IMAGE_PIXELS = getattr(settings, "ATTACHMENT_MAX_IMAGE_PIXELS", 40_000_000)
MAX_IMAGE_FRAMES = 200
# PDF names that run something when the document is opened or acted on.
PDF_ACTIVE_KEYS = {"/JS", "/JavaScript", "/AA", "/Launch"}
PDF_ACTIVE_ACTIONS = {"/JavaScript", "/Launch"}
PDF_ACTIVE_PLAIN = re.compile(rb"/(JavaScript|JS|AA|Launch)(?![A-Za-z0-9])")
PDF_NAME_ESCAPE = re.compile(rb"#([0-9a-fA-F]{2})")


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
    if not any(head.startswith(signature) for signature in signatures) or (ext == ".webp" and head[8:12] != b"WEBP"):
        raise ValidationError(
            _("“%(name)s” does not look like a real %(ext)s file.") % {"name": name, "ext": ext.lstrip(".")},
            code="attachment_content",
        )
    if ext in IMAGE_FORMATS:
        # Kept on the upload: store_attachments writes these bytes, not the ones sent.
        upload.sanitised_content = _reencode_image(upload, name=name, image_format=IMAGE_FORMATS[ext])
    elif ext == ".pdf":
        _check_pdf(upload, name=name)
    return content_type


def _reencode_image(upload, *, name: str, image_format: str) -> bytes:
    """The picture alone, written again by Pillow: appended data and metadata (EXIF, comments) are gone."""
    from PIL import Image, ImageOps

    not_an_image = ValidationError(
        _("“%(name)s” could not be read as an image.") % {"name": name}, code="attachment_content"
    )
    too_large = ValidationError(
        _("“%(name)s” is too large an image: at most %(limit)s million pixels.")
        % {"name": name, "limit": f"{MAX_IMAGE_PIXELS / 1_000_000:g}"},
        code="attachment_pixels",
    )
    upload.seek(0)
    try:
        with Image.open(upload) as image:  # reads the header only
            width, height = image.size
            frames = getattr(image, "n_frames", 1)
            if width * height > MAX_IMAGE_PIXELS or width * height * frames > MAX_IMAGE_PIXELS * 4:
                raise too_large
            if frames > MAX_IMAGE_FRAMES:
                raise too_large
            out = io.BytesIO()
            if frames > 1:
                image.save(out, format=image_format, save_all=True)
            else:
                image.load()
                picture = ImageOps.exif_transpose(image)  # keep the photo upright once EXIF is dropped
                if image_format == "JPEG" and picture.mode not in ("RGB", "L", "CMYK"):
                    picture = picture.convert("RGB")
                options = {"quality": 90} if image_format in ("JPEG", "WEBP") else {}
                picture.save(out, format=image_format, **options)
    except ValidationError:
        raise
    except Image.DecompressionBombError as exc:
        raise too_large from exc
    except Exception as exc:  # truncated or forged images fail in many ways
        raise not_an_image from exc
    finally:
        upload.seek(0)
    return out.getvalue()


def _check_pdf(upload, *, name: str) -> None:
    """Refuse a PDF that runs JavaScript or launches something (on opening, on a page, a link or a field)."""
    from pypdf import PdfReader
    from pypdf.generic import DictionaryObject, IndirectObject

    active = ValidationError(
        _("“%(name)s” contains JavaScript or automatic actions; PDFs with scripts are not accepted. "
          "Print it to a new PDF and attach that.") % {"name": name},
        code="attachment_script",
    )
    unreadable = ValidationError(
        _("“%(name)s” could not be read as a PDF (damaged or encrypted).") % {"name": name},
        code="attachment_content",
    )
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise unreadable
        # Every object as pypdf reads it: names decoded (/J#61vaScript), object streams unpacked.
        numbers = {(number, generation) for generation, table in reader.xref.items() for number in table}
        numbers |= {(number, 0) for number in reader.xref_objStm}
        objects = [reader.get_object(IndirectObject(number, generation, reader)) for number, generation in numbers]
    except ValidationError:
        raise
    except Exception:
        objects = None
    if objects is None:
        # A file pypdf cannot index (no cross-reference table) is read as the plain text it then must be:
        # one that packs objects into compressed streams cannot be checked, so it is refused.
        if b"/ObjStm" in data:
            raise unreadable from None
        plain = PDF_NAME_ESCAPE.sub(lambda match: bytes([int(match.group(1), 16)]), data)
        if PDF_ACTIVE_PLAIN.search(plain):
            raise active
        return
    for obj in objects:
        if isinstance(obj, DictionaryObject) and (
            PDF_ACTIVE_KEYS & set(obj.keys()) or obj.get("/S") in PDF_ACTIVE_ACTIONS
        ):
            raise active


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
            sanitised = getattr(upload, "sanitised_content", None)
            content = ContentFile(sanitised, name=name) if sanitised is not None else upload
            attachment = model(name=name[:200], size=content.size, content_type=content_type,
                               uploaded_by=acting_user, **owner)
            attachment.file.save(name, content, save=False)
            stored.append(attachment)
            attachment.save()
    except Exception:
        for attachment in stored:
            attachment.file.delete(save=False)
        raise
    return stored

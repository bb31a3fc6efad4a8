"""Checks on uploaded files: size and real type (by content, not by name)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

NAMES = {"pdf": "PDF", "image": "PNG / JPEG", "xlsx": "Excel (.xlsx)", "docx": "Word (.docx)"}
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF-",),
    "image": (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff"),
    "xlsx": (b"PK\x03\x04",),
    "docx": (b"PK\x03\x04",),
}


def check_upload(upload: UploadedFile, *, kinds: tuple[str, ...]) -> None:
    size = upload.size or 0
    if size > settings.ANXIN_MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The file is too large (%(mb).1f MB); the limit is %(limit)d MB.")
            % {"mb": size / 1048576, "limit": settings.ANXIN_MAX_UPLOAD_BYTES // 1048576}
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(sig) for kind in kinds for sig in SIGNATURES[kind]):
        raise ValidationError(
            _("This type of file is not accepted here; accepted: %(kinds)s.")
            % {"kinds": ", ".join(NAMES[k] for k in kinds)}
        )

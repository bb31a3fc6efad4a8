"""Checks on uploaded files: size and real type (by content, not by name), and that the file is
whole: a PDF ends with ``%%EOF``, an image has a header Pillow can read, an Office file is a
readable zip holding the parts Excel or Word needs."""

from __future__ import annotations

import io
import zipfile
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

NAMES = {"pdf": "PDF", "image": "PNG / JPEG", "xlsx": "Excel (.xlsx)", "docx": "Word (.docx)"}
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF-",),
    "image": (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff"),
    "xlsx": (b"PK\x03\x04",),
    "docx": (b"PK\x03\x04",),
}
# The parts without which Excel or Word cannot open the file.
OFFICE_PARTS = {"xlsx": "xl/workbook.xml", "docx": "word/document.xml"}
PDF_TAIL = 1024  # the end-of-file marker may be followed by a little whitespace or padding
PART_LIMIT = 20 * 1048576  # a part claiming more than this uncompressed is not read (zip bombs)


def _pdf_whole(data: bytes) -> bool:
    return b"%%EOF" in data[-PDF_TAIL:]


def _image_whole(data: bytes) -> bool:
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ("PNG", "JPEG") or not all(image.size):
                return False
            image.verify()  # PNG: every chunk's checksum up to the end; JPEG: the header
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return False
    return not (data.startswith(b"\x89PNG") and b"IEND" not in data[-64:])


def _office_kind(data: IO[bytes], kinds: tuple[str, ...]) -> tuple[bool, str | None]:
    """Whether the zip can be read, and which of ``kinds`` (xlsx, docx) it is, if any."""
    try:
        with zipfile.ZipFile(data) as archive:
            names = set(archive.namelist())
            for kind in kinds:
                part = OFFICE_PARTS[kind]
                if part in names and "[Content_Types].xml" in names:
                    for name in ("[Content_Types].xml", part):
                        if archive.getinfo(name).file_size > PART_LIMIT:
                            return False, None
                        archive.read(name)  # decompresses and checks the CRC
                    return True, kind
    except Exception:  # zipfile and zlib raise many kinds of errors on damaged data
        return False, None
    return True, None


def _refuse_type(kinds: tuple[str, ...]) -> ValidationError:
    return ValidationError(
        _("This type of file is not accepted here; accepted: %(kinds)s.")
        % {"kinds": ", ".join(NAMES[k] for k in kinds)}
    )


def check_upload(upload: UploadedFile, *, kinds: tuple[str, ...]) -> None:
    """Refuse (``ValidationError``, a message for the person) a file that is too large, of a
    type not in ``kinds``, or damaged so that it would not open."""
    size = upload.size or 0
    if size > settings.ANXIN_MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The file is too large (%(mb).1f MB); the limit is %(limit)d MB.")
            % {"mb": size / 1048576, "limit": settings.ANXIN_MAX_UPLOAD_BYTES // 1048576}
        )
    upload.seek(0)
    data = upload.read(settings.ANXIN_MAX_UPLOAD_BYTES + 1)
    upload.seek(0)
    if len(data) > settings.ANXIN_MAX_UPLOAD_BYTES:  # the size claimed was not the real one
        raise ValidationError(
            _("The file is too large; the limit is %(limit)d MB.")
            % {"limit": settings.ANXIN_MAX_UPLOAD_BYTES // 1048576}
        )
    found = [k for k in kinds if any(data.startswith(sig) for sig in SIGNATURES[k])]
    if not found:
        raise _refuse_type(kinds)
    kind = found[0]
    if kind == "pdf":
        whole = _pdf_whole(data)
    elif kind == "image":
        whole = _image_whole(data)
    else:
        whole, office = _office_kind(io.BytesIO(data), tuple(found))
        if whole and office is None:  # a zip, but not a workbook or document (or not the one)
            raise _refuse_type(kinds)
        kind = office or kind
    if not whole:
        raise ValidationError(
            _(
                "The file looks like %(kind)s but is damaged or incomplete, so it cannot be "
                "opened; save or scan it again and upload the new file."
            )
            % {"kind": NAMES[kind]}
        )

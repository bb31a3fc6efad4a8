"""Small real files for tests (a PDF, PNG, JPEG, .xlsx, .docx that open) and hostile ones
(wrong type under a right name, damaged files with the right first bytes)."""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from anxin.core.demo_case_specs import SCAN as PNG


def pdf(text: str = "scan") -> bytes:
    """A one-line PDF ending with its %%EOF marker (enough for the upload check)."""
    body = f"%PDF-1.4\n%{text}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n"
    return body.encode() + b"%%EOF\n"


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 200, 200)).save(out, "JPEG")
    return out.getvalue()


def big_png(side: int = 64) -> bytes:
    """A whole PNG of noise, some kilobytes (for the size limit)."""
    out = io.BytesIO()
    noise = random.Random(side).randbytes(side * side)
    Image.frombytes("L", (side, side), noise).save(out, "PNG")
    return out.getvalue()


def _zip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def docx(text: str = "协议") -> bytes:
    from docx import Document

    document = Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx(rows: list[list[object]] | None = None) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    for row in rows or [["姓名"], ["张三"]]:
        book.active.append(row)  # type: ignore[union-attr]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):  # type: ignore[no-untyped-def]
    return SimpleUploadedFile(name, data, content_type=content_type)


# Hostile files ------------------------------------------------------------------------------

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"


def truncated_pdf() -> bytes:
    return pdf()[:-12] + b"\x00junk" * 50


def corrupt_png() -> bytes:
    """The PNG signature and an IHDR chunk whose checksum is wrong, then junk."""
    header = struct.pack(">IIBBBBB", 64, 64, 8, 0, 0, 0, 0)
    bad_crc = struct.pack(">I", (zlib.crc32(b"IHDR" + header) + 1) & 0xFFFFFFFF)
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + header + bad_crc + b"junk" * 40


def truncated_png() -> bytes:
    return PNG[: len(PNG) // 2]


def corrupt_jpeg() -> bytes:
    return b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF\x00" + b"\xa5" * 200


def truncated_zip(data: bytes) -> bytes:
    """An Office file cut in half: the first bytes are right, the central directory is gone."""
    return data[: len(data) // 2]


def foreign_zip() -> bytes:
    """A readable zip that is neither a workbook nor a document."""
    return _zip({"readme.txt": b"hello", "payload.exe": EXE})


def zip_with_bad_part(part: str) -> bytes:
    """A zip listing the expected parts, the main one damaged (its bytes flipped)."""
    data = bytearray(
        _zip({"[Content_Types].xml": b"<Types/>", part: b"<x>" + b"a" * 400 + b"</x>"})
    )
    at = data.find(part.encode()) + len(part) + 10
    data[at : at + 8] = b"\xff" * 8
    return bytes(data)


def wrong_type_files(name: str) -> dict[str, bytes]:
    """Files that are not what ``name``'s suffix says."""
    return {f"program-{name}": EXE, f"page-{name}": HTML}


def malformed_files(kind: str) -> dict[str, bytes]:
    """Damaged files of ``kind`` (pdf, image, xlsx, docx) with the right first bytes."""
    if kind == "pdf":
        return {"cut.pdf": truncated_pdf()}
    if kind == "image":
        return {"bad.png": corrupt_png(), "cut.png": truncated_png(), "bad.jpg": corrupt_jpeg()}
    part = "xl/workbook.xml" if kind == "xlsx" else "word/document.xml"
    whole = xlsx() if kind == "xlsx" else docx()
    suffix = ".xlsx" if kind == "xlsx" else ".docx"
    return {
        f"cut{suffix}": truncated_zip(whole),
        f"other{suffix}": foreign_zip(),
        f"bad-part{suffix}": zip_with_bad_part(part),
    }

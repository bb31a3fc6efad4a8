"""The referral letter of a referral out: a print page (A4) and its Word file. The project's team
reads them while the basis for sharing holds; each one shown or downloaded is an audited export.
When the basis does not hold (the consent withdrawn, expired or not covering what is shared),
the page says why, and nothing leaves the system."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.cache import patch_cache_control

from anxin.core.requests import AuthedHttpRequest
from anxin.referrals.letter import (
    DOCX_TYPE,
    letter_docx,
    letter_rows,
    open_letter,
    record_letter_export,
)
from anxin.referrals.models import Referral

REFUSED = 422


def _refused(request: AuthedHttpRequest, referral: Referral, problems: list[str]) -> HttpResponse:
    context = {"referral": referral, "project": referral.project, "problems": problems}
    return render(request, "referrals/letter.html", context, status=REFUSED)


def docx_response(referral: Referral, content: bytes) -> HttpResponse:
    response = HttpResponse(content, content_type=DOCX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{referral.number}.docx"'
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
def letter(request: AuthedHttpRequest, referral_id: int) -> HttpResponse:
    referral, problems = open_letter(request.user, referral_id, request=request)
    if problems:
        return _refused(request, referral, problems)
    record_letter_export(request.user, referral, "print", request)
    context = {"referral": referral, "project": referral.project, "letter": letter_rows(referral)}
    response = render(request, "referrals/letter.html", context)
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
def letter_download(request: AuthedHttpRequest, referral_id: int) -> HttpResponse:
    referral, problems = open_letter(request.user, referral_id, request=request)
    if problems:
        return _refused(request, referral, problems)
    content = letter_docx(referral)
    record_letter_export(request.user, referral, "docx", request)
    return docx_response(referral, content)


letter_urlpatterns: list[URLPattern] = [
    path("r/<int:referral_id>/letter/", letter, name="letter"),
    path("r/<int:referral_id>/letter.docx", letter_download, name="letter-docx"),
]

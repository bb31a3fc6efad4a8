"""Error pages (400, 403, 404, 500) in the user's language, with no internals.

Wired as ``handler400/403/404/500`` in ``config/urls.py``. The templates (``errors/*.html``) are
rendered without the request, so no context processor runs: the navigation bar's processor queries
the database, and the database may be what failed. No exception text reaches the page either (a
404 from ``get_object_or_404`` names the model; an error message may name a file). Django logs
the exception itself (logger ``django.request``) for the administrator.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

FALLBACK = (
    '<!doctype html><html><head><meta charset="utf-8"><title>{title}</title></head>'
    "<body><h1>{title}</h1><p>{message}</p></body></html>"
)


def _page(template_name: str, status: int) -> HttpResponse:
    try:
        body: str = render_to_string(template_name)
    except Exception:  # the error page itself must not fail: a bare page in the same words
        logger.exception("error page %s could not be rendered", template_name)
        body = FALLBACK.format(
            title=escape(_("Something went wrong")),
            message=escape(_("The server could not complete your request. Please try again.")),
        )
    response = HttpResponse(body, status=status, content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page("errors/400.html", 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page("errors/403.html", 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page("errors/404.html", 404)


def server_error(request: HttpRequest) -> HttpResponse:
    return _page("errors/500.html", 500)

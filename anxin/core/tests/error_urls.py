"""Test-only URLs for the error pages: the site's own URLs and handlers, plus views that fail."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path

from config.urls import handler400, handler403, handler404, handler500
from config.urls import urlpatterns as site_urlpatterns

SECRET_DETAIL = "/srv/anxin/secret_module.py line 42: password=hunter2"


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(SECRET_DETAIL)


def database_down(request: HttpRequest) -> HttpResponse:
    raise OperationalError(f"could not connect to server: {SECRET_DETAIL}")


def forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied(SECRET_DETAIL)


def missing(request: HttpRequest) -> HttpResponse:
    raise Http404(f"No Client matches the given query. {SECRET_DETAIL}")


def suspicious(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation(SECRET_DETAIL)


urlpatterns = [
    path("test-errors/boom/", boom),
    path("test-errors/database-down/", database_down),
    path("test-errors/forbidden/", forbidden),
    path("test-errors/missing/", missing),
    path("test-errors/suspicious/", suspicious),
    *site_urlpatterns,
]

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]

"""The JSON API at ``/api/v1/``: every capability reachable as JSON, scoped exactly like the pages.

Callers authenticate with a personal token (``anxin create-token USERNAME``) or the logged-in
session. Errors are JSON in the caller's language (``Accept-Language``): ``{"detail": ...}`` for
401/403/404 and ``{"errors": [...]}`` for refused input (422). The docs page uses the Swagger UI
files shipped inside django-ninja, served from our own static files: nothing from a CDN.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from anxin.accounts.api import router as accounts_router
from anxin.accounts.tokens import api_auth
from anxin.assessments.api import router as assessments_router
from anxin.cases.api import router as cases_router
from anxin.clients.api import router as clients_router
from anxin.contracts.api_live import router as contracts_live_router
from anxin.core.concurrency import EditConflict
from anxin.delivery.api import router as delivery_router
from anxin.delivery.api_programmes import router as programmes_router
from anxin.delivery.api_work import router as work_router

ERRORS_REF = {"$ref": "#/components/schemas/ErrorsOut"}
DETAIL_REF = {"$ref": "#/components/schemas/DetailOut"}


def _answer(answers: dict[Any, Any], status: int, description: str, ref: dict[str, str]) -> None:
    if status not in answers and str(status) not in answers:
        answers[status] = {
            "description": description,
            "content": {"application/json": {"schema": ref}},
        }


def document_common_answers(schema: dict[str, Any]) -> dict[str, Any]:
    """Add to every operation the answers the handlers below give for any of them: 401 without
    a valid token, 422 for parameters or a body that do not match the schema, 400 for a body
    that is not JSON at all. Each operation documents the answers of its own logic."""
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            answers = operation.setdefault("responses", {})
            if operation.get("security"):
                _answer(answers, 401, "Unauthorized", DETAIL_REF)
            if operation.get("parameters") or operation.get("requestBody"):
                _answer(answers, 422, "Unprocessable Content", ERRORS_REF)
            if operation.get("requestBody"):
                _answer(answers, 400, "Bad Request", DETAIL_REF)
    return schema


class AnxinAPI(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return document_common_answers(schema)


api = AnxinAPI(
    title="anxin API",
    version="1",
    description="安心 anxin: client archives and projects of community mental-health services.",
    urls_namespace="api",
    auth=api_auth,
)


def _loc(error: dict[str, Any]) -> str:
    parts = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path", "payload")]
    return ".".join(parts)


@api.exception_handler(NinjaValidationError)
def input_invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    messages = []
    for error in exc.errors:
        where = _loc(error)
        text = str(error.get("msg", _("Invalid value.")))
        messages.append(f"{where}: {text}" if where else text)
    return api.create_response(request, {"errors": messages, "detail": exc.errors}, status=422)


@api.exception_handler(DjangoValidationError)
def refused(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    return api.create_response(request, {"errors": [str(m) for m in exc.messages]}, status=422)


@api.exception_handler(EditConflict)
def conflict(request: HttpRequest, exc: EditConflict) -> HttpResponse:
    """A save made on an old copy (``version`` in the body is no longer the record's)."""
    body = {"detail": exc.messages[0], "current_version": exc.current_version}
    return api.create_response(request, body, status=409)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = api.create_response(
        request,
        {"detail": _("Authentication required: log in or send a valid API token.")},
        status=401,
    )
    response["WWW-Authenticate"] = 'Bearer realm="anxin"'
    return response


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    body: dict[str, Any] = {"detail": str(exc)}
    if exc.status_code == 400:  # ninja's answer to a body it cannot parse
        body["errors"] = [_("The request body is not valid JSON.")]
    return api.create_response(request, body, status=exc.status_code)


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    detail = str(exc) or _("You do not have permission to do this.")
    return api.create_response(request, {"detail": detail}, status=403)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


api.add_router("/", accounts_router)
api.add_router("/", clients_router)
api.add_router("/", cases_router)
api.add_router("/", assessments_router)
api.add_router("/", delivery_router)
api.add_router("/", programmes_router)
api.add_router("/", work_router)
api.add_router("/", contracts_live_router)
api.add_router("/", "anxin.operations.api.router")
api.add_router("/", "anxin.contracts.api.router")
api.add_router("/", "anxin.hotline.api.router")
api.add_router("/", "anxin.hotline.api_crisis.router")
api.add_router("/", "anxin.referrals.api.router")
api.add_router("/", "anxin.referrals.api_reports.router")
api.add_router("/", "anxin.surveys.api.router")
api.add_router("/", "anxin.surveys.api_results.router")
api.add_router("/", "anxin.reports.api.router")

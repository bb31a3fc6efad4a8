"""The project's URLs, with the assessment API router mounted if config/api.py does not mount it
yet (tests of the assessments app run before and after the lead engineer wires it in)."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, URLResolver, path
from ninja import NinjaAPI

from anxin.assessments.api import router
from config import urls as project_urls
from config.api import api

urlpatterns: list[Any] = list(project_urls.urlpatterns)

if all(registration[1] is not router for registration in api._router_registrations):
    test_api = NinjaAPI(
        title=api.title, version="test", urls_namespace="api", auth=api.auth, docs_url=None
    )
    test_api._exception_handlers = dict(api._exception_handlers)
    for prefix, mounted, *_rest in api._router_registrations:
        if mounted is not api.default_router:
            test_api.add_router(prefix, mounted)
    test_api.add_router("/", router)

    def _is_api(pattern: URLPattern | URLResolver) -> bool:
        return str(pattern.pattern) == "api/v1/"

    urlpatterns = [p for p in urlpatterns if not _is_api(p)]
    urlpatterns.insert(0, path("api/v1/", test_api.urls))

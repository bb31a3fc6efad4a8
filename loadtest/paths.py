"""Every URL the load test requests, as templates: the locustfile formats them and
``anxin/core/tests/test_loadtest_paths.py`` resolves each one against the real URL configuration,
so a renamed route fails a test instead of turning into 404s in the load test. Plain Python: no
locust, no Django."""

from __future__ import annotations

LOGIN = "/accounts/login/"
HOME = "/"
CLIENT_LIST = "/clients/"
CLIENT_ARCHIVE = "/clients/{client_id}/"
CASE_PAGE = "/cases/{case_id}/"
WAITING_LIST = "/cases/waiting/{code}/"
SERVICE_NEW = "/services/new/"
SERVICE_RECORD = "/services/{record_id}/"
SERVICE_LIST = "/services/p/{code}/"
HOTLINE_CALLS = "/hotline/p/{code}/"
DASHBOARD = "/contracts/p/{code}/dashboard/"
API_CLIENTS = "/api/v1/clients"
API_CLIENT = "/api/v1/clients/{client_id}"
HEALTHZ = "/healthz"

# The view each path must reach (module.function, or the class for class-based views).
VIEWS = {
    LOGIN: "anxin.accounts.views.LoginView",
    HOME: "anxin.core.views.home",
    CLIENT_LIST: "anxin.clients.views.client_list",
    CLIENT_ARCHIVE: "anxin.clients.views.client_detail",
    CASE_PAGE: "anxin.cases.views.case_detail",
    WAITING_LIST: "anxin.cases.views.waiting_list",
    SERVICE_NEW: "anxin.delivery.views.record_new",
    SERVICE_RECORD: "anxin.delivery.views.record_detail",
    SERVICE_LIST: "anxin.delivery.views.record_list",
    HOTLINE_CALLS: "anxin.hotline.views.call_list",
    DASHBOARD: "anxin.contracts.live_views.dashboard",
    API_CLIENTS: "ninja",
    API_CLIENT: "ninja",
    HEALTHZ: "anxin.core.health.healthz",
}
# Values the load test sends in query strings, checked against the models by the same test.
PRIORITY_GROUPS = ("dibao", "tekun", "alone", "empty_nest", "")

# Sample values for the placeholders, for the test.
SAMPLE = {"client_id": 1, "case_id": 2, "record_id": 3, "code": "bench-001"}

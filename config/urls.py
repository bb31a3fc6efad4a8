from django.urls import include, path

from anxin.contracts.live_views import urlpatterns as live_urlpatterns
from anxin.core.health import healthz
from anxin.surveys.views_public import public_urlpatterns
from config.api import api

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("anxin.accounts.urls")),
    path("clients/", include("anxin.clients.urls")),
    path("audit/", include("anxin.audit.urls")),
    path("cases/", include("anxin.cases.urls")),
    path("assessments/", include("anxin.assessments.urls")),
    path("services/", include("anxin.delivery.urls")),
    path("operations/", include("anxin.operations.urls")),
    path("hotline/", include("anxin.hotline.urls")),
    path("referrals/", include("anxin.referrals.urls")),
    path("surveys/", include("anxin.surveys.urls")),
    path("reports/", include("anxin.reports.urls")),
    path("handover/", include("anxin.handover.urls")),
    path("s/", include((public_urlpatterns, "survey-public"))),
    path("contracts/", include((live_urlpatterns, "live"))),
    path("contracts/", include("anxin.contracts.urls")),
    path("api/v1/", api.urls),
    path("", include("anxin.core.urls")),
]

# Error pages in the user's language with no internals (anxin/core/errors.py).
handler400 = "anxin.core.errors.bad_request"
handler403 = "anxin.core.errors.permission_denied"
handler404 = "anxin.core.errors.page_not_found"
handler500 = "anxin.core.errors.server_error"

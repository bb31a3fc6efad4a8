from django.urls import include, path

from config.api import api

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("anxin.accounts.urls")),
    path("clients/", include("anxin.clients.urls")),
    path("audit/", include("anxin.audit.urls")),
    path("cases/", include("anxin.cases.urls")),
    path("assessments/", include("anxin.assessments.urls")),
    path("services/", include("anxin.delivery.urls")),
    path("api/v1/", api.urls),
    path("", include("anxin.core.urls")),
]

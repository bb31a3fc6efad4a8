from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("anxin.accounts.urls")),
    path("clients/", include("anxin.clients.urls")),
    path("audit/", include("anxin.audit.urls")),
    path("", include("anxin.core.urls")),
]

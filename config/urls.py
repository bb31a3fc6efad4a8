from django.urls import include, path

urlpatterns = [
    path("", include("anxin.core.urls")),
]

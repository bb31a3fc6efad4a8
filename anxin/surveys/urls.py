from django.urls import URLPattern, URLResolver, include, path

from anxin.surveys.views import survey_urlpatterns
from anxin.surveys.views_results import results_urlpatterns

app_name = "surveys"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", include(survey_urlpatterns)),
    path("", include(results_urlpatterns)),
]

from django.urls import path

from anxin.reports import views

app_name = "reports"
urlpatterns = [
    path("p/<slug:code>/", views.report_list, name="list"),
    path("p/<slug:code>/new/", views.report_edit, name="edit"),
    path("p/<slug:code>/indicators.xlsx", views.indicators_export, name="indicators-xlsx"),
    path("p/<slug:code>/fund-usage.xlsx", views.fund_usage_export, name="funds-xlsx"),
    path("<int:report_id>/", views.report_edit, name="edit"),
    path("<int:report_id>/generate/", views.report_generate, name="generate"),
    path("versions/<int:version_id>/download/", views.version_download, name="download"),
]

from django.urls import path

from anxin.assessments import views

app_name = "assessments"
urlpatterns = [
    path("case/<int:case_id>/", views.case_assessments, name="case"),
    path("case/<int:case_id>/new/", views.assessment_new, name="new"),
    path("<int:record_id>/", views.assessment_detail, name="detail"),
    path("instruments/", views.instrument_admin, name="instruments"),
]

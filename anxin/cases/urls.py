from django.urls import include, path

from anxin.cases import views
from anxin.cases.views_tasks import task_urlpatterns

app_name = "cases"
urlpatterns = [
    path("<int:case_id>/", views.case_detail, name="detail"),
    path("<int:case_id>/step/<slug:step>/", views.case_step, name="step"),
    path("<int:case_id>/review/", views.case_review, name="review"),
    path("<int:case_id>/close/", views.case_close, name="close"),
    path("<int:case_id>/follow-up/", views.case_follow_up, name="follow-up"),
    path("<int:case_id>/classify/", views.case_classify, name="classify"),
    path("<int:case_id>/admit/", views.case_admit, name="admit"),
    path("<int:case_id>/plan/", views.plan_create, name="plan"),
    path("attachments/<int:event_id>/", views.event_attachment, name="attachment"),
    path("waiting/<slug:code>/", views.waiting_list, name="waiting"),
    path("tasks/", include(task_urlpatterns)),
]

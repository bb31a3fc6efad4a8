from django.urls import path

from anxin.handover import views

app_name = "handover"
urlpatterns = [
    path("<slug:code>/", views.project_handover, name="project"),
    path("<slug:code>/export/", views.export_download, name="export"),
    path("<slug:code>/purge/", views.purge_request, name="purge-request"),
    path("<slug:code>/purge/<int:request_id>/cancel/", views.purge_cancel, name="purge-cancel"),
    path("<slug:code>/purge/<int:request_id>/confirm/", views.purge_confirm, name="purge-confirm"),
]

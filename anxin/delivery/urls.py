from django.urls import include, path

from anxin.delivery import views
from anxin.delivery.cycle_views import cycle_urlpatterns
from anxin.delivery.group_views import group_urlpatterns

app_name = "delivery"
urlpatterns = [
    path("new/", views.record_new, name="new"),
    path("<int:record_id>/", views.record_detail, name="detail"),
    path("<int:record_id>/void/", views.record_void, name="void"),
    path("<int:record_id>/attach/", views.record_attach, name="attach"),
    path("attachments/<int:attachment_id>/", views.record_attachment, name="attachment"),
    path("p/<slug:code>/", views.record_list, name="list"),
    path("groups/", include(group_urlpatterns)),
    *cycle_urlpatterns,
]

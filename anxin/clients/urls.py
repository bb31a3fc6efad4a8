from django.urls import include, path

from anxin.clients import views
from anxin.clients.views_import import import_urlpatterns

app_name = "clients"
urlpatterns = [
    path("", views.client_list, name="list"),
    path("register/", views.client_register, name="register"),
    path("check-id/", views.check_id, name="check-id"),
    path("import/", include(import_urlpatterns)),
    path("<int:client_id>/", views.client_detail, name="detail"),
    path("<int:client_id>/edit/", views.client_edit, name="edit"),
    path("<int:client_id>/family/", views.family_add, name="family-add"),
    path("family/<int:member_id>/deactivate/", views.family_deactivate, name="family-deactivate"),
]

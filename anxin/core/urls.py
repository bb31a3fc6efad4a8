from django.urls import path

from anxin.core import views

urlpatterns = [
    path("", views.home, name="home"),
]

from django.urls import URLPattern

figures_urlpatterns: list[URLPattern] = []

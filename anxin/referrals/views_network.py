from django.urls import URLPattern

network_urlpatterns: list[URLPattern] = []

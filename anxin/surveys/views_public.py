from django.urls import URLPattern

public_urlpatterns: list[URLPattern] = []

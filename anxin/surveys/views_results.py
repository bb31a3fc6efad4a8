from django.urls import URLPattern

results_urlpatterns: list[URLPattern] = []

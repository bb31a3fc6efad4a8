from django.urls import URLPattern

letter_urlpatterns: list[URLPattern] = []

from django.urls import URLPattern

survey_urlpatterns: list[URLPattern] = []

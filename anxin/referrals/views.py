from django.urls import URLPattern

referral_urlpatterns: list[URLPattern] = []

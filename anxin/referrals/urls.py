from django.urls import URLPattern, URLResolver, include, path

from anxin.referrals.views import referral_urlpatterns
from anxin.referrals.views_figures import figures_urlpatterns
from anxin.referrals.views_letter import letter_urlpatterns
from anxin.referrals.views_network import network_urlpatterns

app_name = "referrals"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", include(referral_urlpatterns)),
    path("", include(letter_urlpatterns)),
    path("", include(network_urlpatterns)),
    path("", include(figures_urlpatterns)),
]

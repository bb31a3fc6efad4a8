from django.urls import URLPattern, URLResolver, include, path

from anxin.hotline import views
from anxin.hotline.views_crisis import crisis_urlpatterns
from anxin.hotline.views_outreach import outreach_urlpatterns

app_name = "hotline"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.hotline_index, name="index"),
    path("p/<slug:code>/", views.call_list, name="list"),
    path("p/<slug:code>/start/", views.call_start, name="start"),
    path("p/<slug:code>/history/", views.history_lookup, name="history"),
    path("calls/<int:call_id>/", views.call_detail, name="detail"),
    path("calls/<int:call_id>/edit/", views.call_screen, name="screen"),
    path("calls/<int:call_id>/draft/", views.call_draft, name="draft"),
    path("calls/<int:call_id>/link/", views.call_link, name="link"),
    path("calls/<int:call_id>/call-backs/", views.call_back_new, name="call-back-new"),
    path("call-backs/", views.call_back_list, name="call-backs"),
    path("call-backs/<int:call_back_id>/make/", views.call_back_make, name="call-back-make"),
]


# ---------------------------------------------------------------------------------------------
# Crisis escalations and new-certificate outreach (views_crisis.py, views_outreach.py, owned by
# the crisis/outreach work): each module exports its list of paths, included here under this
# app's namespace ("hotline:..."). Add or remove includes below this line only.
# ---------------------------------------------------------------------------------------------
urlpatterns += [path("", include(crisis_urlpatterns)), path("", include(outreach_urlpatterns))]

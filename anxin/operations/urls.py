from django.urls import path

from anxin.operations import views

app_name = "operations"
urlpatterns = [
    path("p/<slug:code>/", views.overview, name="overview"),
    path("p/<slug:code>/trainings/", views.training_list, name="training-list"),
    path("p/<slug:code>/supervisions/", views.supervision_list, name="supervision-list"),
    path("p/<slug:code>/meetings/", views.meeting_list, name="meeting-list"),
    path("p/<slug:code>/articles/", views.article_list, name="article-list"),
    path("p/<slug:code>/documents/", views.document_list, name="document-list"),
    path("trainings/<int:training_id>/", views.training_detail, name="training-detail"),
    path("supervisions/<int:supervision_id>/", views.supervision_detail, name="supervision-detail"),
    path("meetings/<int:meeting_id>/", views.meeting_detail, name="meeting-detail"),
    path("articles/<int:article_id>/accept/", views.article_accept, name="article-accept"),
    path("documents/<int:document_id>/", views.document_download, name="document-download"),
]

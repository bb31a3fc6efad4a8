from django.urls import path

from anxin.contracts import views

app_name = "contracts"
urlpatterns = [
    path("templates/", views.template_admin, name="templates"),
    path("templates/<slug:code>/download/", views.template_download, name="template-download"),
    path("projects/<slug:code>/targets/", views.targets, name="targets"),
    path("projects/<slug:code>/funds/", views.funds, name="funds"),
    path(
        "projects/<slug:code>/funds/payments/<slug:payment>/",
        views.milestone_status,
        name="milestone-status",
    ),
    path("projects/<slug:code>/funds/lines/", views.budget_line_add, name="budget-line-add"),
    path(
        "projects/<slug:code>/funds/lines/<slug:line>/closed/",
        views.budget_line_close,
        name="budget-line-close",
    ),
    path("projects/<slug:code>/funds/spending/", views.spending_add, name="spending-add"),
]

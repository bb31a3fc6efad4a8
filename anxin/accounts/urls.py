from django.contrib.auth import views as auth_views
from django.urls import path

from anxin.accounts import views, views_two_factor

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password"),
    path("two-factor/", views_two_factor.two_factor, name="two-factor"),
    path("two-factor/confirm/", views_two_factor.two_factor_confirm, name="two-factor-confirm"),
    path("two-factor/verify/", views_two_factor.two_factor_verify, name="two-factor-verify"),
    path(
        "two-factor/recovery-codes/",
        views_two_factor.two_factor_recovery,
        name="two-factor-recovery",
    ),
    path("two-factor/disable/", views_two_factor.two_factor_disable, name="two-factor-disable"),
    path("staff/two-factor/", views_two_factor.two_factor_policy, name="two-factor-policy"),
    path(
        "staff/<int:user_id>/two-factor/reset/",
        views_two_factor.two_factor_reset,
        name="two-factor-reset",
    ),
    path("projects/", views.project_list, name="projects"),
    path("projects/new/", views.project_create, name="project-create"),
    path("projects/<slug:code>/", views.project_detail, name="project"),
    path("projects/<slug:code>/workflow/", views.project_workflow, name="project-workflow"),
    path("projects/<slug:code>/viewers/", views.purchaser_viewer_add, name="purchaser-viewer-add"),
    path("staff/", views.staff_list, name="staff"),
    path("staff/new/", views.staff_create, name="staff-create"),
    path("staff/<int:user_id>/", views.staff_detail, name="staff-detail"),
    path("staff/<int:user_id>/qualifications/", views.qualification_add, name="qualification-add"),
    path("staff/<int:user_id>/memberships/", views.membership_add, name="membership-add"),
    path(
        "staff/<int:user_id>/memberships/<int:membership_id>/end/",
        views.membership_end,
        name="membership-end",
    ),
    path(
        "qualifications/<int:qualification_id>/scan/",
        views.qualification_scan,
        name="qualification-scan",
    ),
]

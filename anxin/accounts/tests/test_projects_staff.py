from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from anxin.accounts.models import Membership, Project, Qualification, User
from anxin.accounts.selectors import team_status
from anxin.audit.models import AuditEvent
from anxin.core.demo_case_specs import SCAN

PNG = SCAN  # a whole PNG: the upload check opens images


def project_post(world, **extra):
    data = {
        "code": "lw-2027",
        "name": "荔湾区精神障碍社区康复服务项目（2027）",
        "template": "liwan-rehab",
        "purchaser": "广州市荔湾区民政局",
        "district": "440103",
        "period_start": "2027-01-01",
        "period_end": "2027-12-31",
        "budget_ceiling": "1200000",
        "client_target": "200",
    }
    data.update(extra)
    return data


def test_org_admin_creates_a_project_from_a_template(world, login):
    http = login(world.admin)
    form = http.get(reverse("accounts:project-create"), {"template": "chongchuan-psych"})
    assert form.context["form"].initial["district"] == "320613"
    response = http.post(reverse("accounts:project-create"), project_post(world))
    assert response.status_code == 302
    project = Project.objects.get(code="lw-2027")
    assert (
        project.organisation == world.org and project.eligibility["require_household_in_district"]
    )
    assert AuditEvent.objects.filter(action="project.create", object_id=str(project.pk)).exists()


def test_project_period_and_duplicate_code_are_refused_with_a_message(world, login):
    http = login(world.admin)
    response = http.post(
        reverse("accounts:project-create"),
        project_post(world, period_end="2026-01-01"),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "must end after it starts" in response.content.decode()
    response = http.post(
        reverse("accounts:project-create"),
        project_post(world, code="lw"),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "already exists" in response.content.decode()
    assert Project.objects.count() == 3


@pytest.mark.parametrize("persona", ["lead", "worker", "purchaser", "outsider"])
def test_only_org_admins_manage_projects_and_staff(world, login, persona):
    http = login(getattr(world, persona))
    assert http.get(reverse("accounts:project-create")).status_code == 403
    assert http.post(reverse("accounts:project-create"), project_post(world)).status_code == 403
    assert http.get(reverse("accounts:staff")).status_code == 403
    assert http.get(reverse("accounts:staff-detail", args=[world.worker.pk])).status_code in (
        403,
        404,
    )
    assert not Project.objects.filter(code="lw-2027").exists()


def test_admin_of_another_org_cannot_reach_our_staff(world, login):
    world.outsider.is_org_admin = True
    world.outsider.save()
    http = login(world.outsider)
    assert http.get(reverse("accounts:staff-detail", args=[world.worker.pk])).status_code == 404
    assert http.get(reverse("accounts:project", args=["lw"])).status_code == 404


def test_admin_adds_staff_with_role_and_qualification_scan(world, login):
    http = login(world.admin)
    response = http.post(
        reverse("accounts:staff-create"),
        {
            "username": "sw5",
            "full_name": "何社工",
            "password": "a-long-password-1",
            "full_time": "on",
            "years_experience": "6",
            "project": world.liwan.pk,
            "role": "social_worker",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="sw5")
    assert Membership.objects.get(user=user).role == "social_worker"
    scan = SimpleUploadedFile("cert.png", PNG, content_type="image/png")
    response = http.post(
        reverse("accounts:qualification-add", args=[user.pk]),
        {
            "cert_type": "social_work",
            "level": "2",
            "number": "S2020440100001",
            "issued_on": "2020-06-01",
            "scan": scan,
        },
    )
    assert response.status_code == 302
    qualification = Qualification.objects.get(user=user)
    assert qualification.scan.name.endswith(".png")
    download = http.get(reverse("accounts:qualification-scan", args=[qualification.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(
        b"\x89PNG"
    )
    assert (
        login(world.worker)
        .get(reverse("accounts:qualification-scan", args=[qualification.pk]))
        .status_code
        == 403
    )


def test_scan_of_the_wrong_type_is_refused(world, login):
    http = login(world.admin)
    fake = SimpleUploadedFile("cert.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    http.post(
        reverse("accounts:qualification-add", args=[world.worker.pk]),
        {"cert_type": "social_work", "level": "1", "number": "X1", "scan": fake},
    )
    assert not Qualification.objects.filter(user=world.worker).exists()


def _qualify(user, cert_type, level=1, years=0, full_time=True):
    user.years_experience = years
    user.full_time = full_time
    user.save()
    Qualification.objects.create(user=user, cert_type=cert_type, level=level, number="N")


def test_team_status_shows_the_gaps_of_the_liwan_team(world):
    status = {s.code: s for s in team_status(world.liwan)}
    assert (
        not status["lead"].met and not status["social_workers"].met and not status["team_size"].met
    )
    _qualify(world.lead, "social_work", level=1, years=8)
    assert not {s.code: s for s in team_status(world.liwan)}[
        "lead"
    ].met  # junior certificate is not enough
    Qualification.objects.filter(user=world.lead).update(level=2)
    status = {s.code: s for s in team_status(world.liwan)}
    assert status["lead"].met
    assert status["social_workers"].have == 1  # the lead holds a social-work certificate too
    _qualify(world.worker, "social_work")
    assert {s.code: s for s in team_status(world.liwan)}["social_workers"].have == 2


def test_part_time_staff_do_not_count_where_the_tender_wants_full_time(world):
    _qualify(world.counsellor, "psych_counsellor", full_time=False)
    assert not {s.code: s for s in team_status(world.liwan)}["counsellor"].met
    world.counsellor.full_time = True
    world.counsellor.save()
    assert {s.code: s for s in team_status(world.liwan)}["counsellor"].met


def test_project_page_lists_team_requirements(world, login):
    body = (
        login(world.lead)
        .get(reverse("accounts:project", args=["lw"]), HTTP_ACCEPT_LANGUAGE="en")
        .content.decode()
    )
    assert "not met" in body and "社会工作师 5 名" not in body and "5 social workers" in body


def test_purchaser_sees_the_project_page_but_no_archive(world, login):
    http = login(world.purchaser)
    assert http.get(reverse("accounts:project", args=["lw"])).status_code == 200
    assert http.get(reverse("accounts:project", args=["cc"])).status_code == 404


def test_admin_gives_the_purchaser_a_figures_only_login(world, login):
    from anxin.core.testing import register

    client_obj = register(world).client
    http = login(world.admin)
    response = http.post(
        reverse("accounts:purchaser-viewer-add", args=["lw"]),
        {
            "username": "mzj",
            "full_name": "民政局李科长",
            "employer": "荔湾区民政局",
            "password": "a-long-pass-123",
        },
    )
    assert response.status_code == 302
    viewer = User.objects.get(username="mzj")
    assert viewer.organisation is None
    assert Membership.objects.get(user=viewer).role == "purchaser_viewer"
    viewer_http = http
    viewer_http.force_login(viewer)
    assert viewer_http.get(reverse("accounts:project", args=["lw"])).status_code == 200
    assert viewer_http.get(reverse("clients:detail", args=[client_obj.pk])).status_code == 404


def test_only_the_org_admin_adds_purchaser_logins(world, login):
    response = login(world.lead).post(
        reverse("accounts:purchaser-viewer-add", args=["lw"]),
        {"username": "x1", "full_name": "x", "employer": "x", "password": "a-long-pass-123"},
    )
    assert response.status_code == 404
    assert not User.objects.filter(username="x1").exists()


def test_admin_changes_workflow_settings_and_others_cannot(world, login):
    from anxin.contracts.catalogue import workflow_setting

    data = {
        "process_review_days": "60",
        "plan_review_days": "90",
        "no_contact_days": "14",
        "follow_up_after_closure_days": "30",
        "referral_answer_days": "10",
        "improvement_rule": "reduction_rate_50",
    }
    assert (
        login(world.lead).post(reverse("accounts:project-workflow", args=["lw"]), data).status_code
        == 404
    )
    response = login(world.admin).post(reverse("accounts:project-workflow", args=["lw"]), data)
    assert response.status_code == 302
    world.liwan.refresh_from_db()
    assert workflow_setting(world.liwan, "no_contact_days") == 14
    assert workflow_setting(world.liwan, "referral_answer_days") == 10
    assert world.liwan.workflow["improvement_rule"] == "reduction_rate_50"
    assert world.liwan.workflow["classification"]  # untouched settings stay


def test_eligibility_rules_can_be_switched_per_project_and_are_audited(world):
    from anxin.accounts.actions import project_set_eligibility

    project_set_eligibility(
        project=world.liwan, rules={"require_priority_group": True}, acting_user=world.admin
    )
    world.liwan.refresh_from_db()
    assert world.liwan.eligibility["require_priority_group"] is True
    assert world.liwan.eligibility["require_household_in_district"] is True  # others kept
    event = AuditEvent.objects.filter(action="project.eligibility").latest("id")
    assert event.detail["before"]["require_priority_group"] is False

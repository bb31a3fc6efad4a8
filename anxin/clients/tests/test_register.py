from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils.translation import override

from anxin.cases.models import Case
from anxin.clients.actions import client_register, client_update
from anxin.clients.models import Client, FamilyMember
from anxin.core.testing import another_liwan_project, liwan_input, make_id, register


def form_data(world, **extra):
    data = {
        "project": world.liwan.pk,
        "name": "李四",
        "id_number": make_id("44010319900215003"),
        "street": world.street("华林街道").pk,
        "household_district": world.liwan.district.pk,
        "household_address": "荔湾区华林街道2号",
        "address": "荔湾区华林街3号",
        "phone": "13700137000",
        "diagnosis": "双相情感障碍",
        "priority_groups": ["dibao", "alone"],
        "condition_stable": "on",
        "discharge_allows_community_rehab": "on",
        "guardian_name": "李父",
        "guardian_relation": "parent",
        "guardian_phone": "13600136000",
    }
    data.update(extra)
    return data


def test_worker_registers_through_the_page(world, login):
    http = login(world.worker)
    response = http.post(reverse("clients:register"), form_data(world))
    assert response.status_code == 302
    client = Client.objects.get(name="李四")
    assert client.sex == "M" and client.birth_date.isoformat() == "1990-02-15"
    assert client.priority_group_codes == ["dibao", "alone"]
    assert client.family_members.get().is_guardian
    assert Case.objects.get(client=client).project == world.liwan


def test_full_width_digits_and_lower_case_x_are_normalised(world):
    # 11010519491231002X is the standard's own example number.
    raw = "１１０１０５１９４９１２３１００２x"
    case = register(
        world, liwan_input(world, id_number=raw, household_district=world.liwan.district)
    )
    assert case.client.id_number == "11010519491231002X"
    assert case.client.sex == "F"


def test_bad_checksum_is_refused_in_the_users_language_and_writes_nothing(world, login):
    http = login(world.worker)
    bad = make_id("44010319900215003")[:-1] + (
        "0" if make_id("44010319900215003")[-1] != "0" else "1"
    )
    response = http.post(
        reverse("clients:register"), form_data(world, id_number=bad), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 200
    assert "校验码" in response.content.decode()
    assert not Client.objects.filter(name="李四").exists()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"household_district": None}, "Household registration must be in"),
        ({"condition_stable": False}, "condition must be stable"),
        ({"violence_tendency": True}, "tendency to cause incidents"),
        ({"discharge_allows_community_rehab": False}, "discharge assessment"),
    ],
)
def test_liwan_eligibility_rules_refuse_with_the_reason(world, change, expected):
    with override("en"), pytest.raises(ValidationError) as exc:
        register(world, liwan_input(world, **change))
    assert any(expected in m for m in exc.value.messages)
    assert Client.objects.count() == 0


def test_street_outside_the_district_is_refused(world):
    data = liwan_input(world, street=world.street("城东街道"))
    with override("en"), pytest.raises(ValidationError, match="street of residence"):
        register(world, data)


def test_chongchuan_requires_a_disability_certificate(world):
    data = liwan_input(world, street=world.street("城东街道"), household_district=None)
    with override("en"), pytest.raises(ValidationError, match="disability certificate"):
        client_register(project=world.chongchuan, data=data, acting_user=world.other_worker)
    data.disability_level = "2"
    case = client_register(project=world.chongchuan, data=data, acting_user=world.other_worker)
    assert case.project == world.chongchuan


def test_same_project_twice_is_refused(world):
    register(world)
    with override("en"), pytest.raises(ValidationError, match="already a client of this project"):
        register(world)


def test_duplicate_in_another_government_project_of_the_district_is_flagged_without_its_data(
    world, login
):
    """LW §4(2). A worker of a second Liwan-district project of the same organisation is refused
    the person and told nothing about the other project or the existing archive."""
    from anxin.accounts.actions import membership_set, staff_create

    second = another_liwan_project(world, "lw-b", "另一个荔湾项目")
    newcomer = staff_create(
        organisation=world.org,
        username="newcomer",
        full_name="新同事",
        password="Test-Passw0rd!",
        full_time=True,
        years_experience=1,
        acting_user=world.admin,
    )
    membership_set(project=second, user=newcomer, role="social_worker", acting_user=world.admin)
    register(world)
    http = login(newcomer)
    response = http.post(
        reverse("clients:register"),
        form_data(world, project=second.pk, id_number=make_id("44010319800101001"), name="张三"),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "LW §4(2)" in body
    for leaked in ("测试项目 lw", "13800138000", "精神分裂症", "张母", "沙面北街"):
        assert leaked not in body
    assert Case.objects.filter(project=second).count() == 0


def test_duplicate_check_ignores_other_organisations_and_closed_cases(world):
    case = register(world)
    other_org_data = liwan_input(world)
    # Same person in another organisation's project: allowed (the rule is about one organisation).
    client_register(
        project=world.other_org_project, data=other_org_data, acting_user=world.outsider
    )
    case.status = Case.Status.CLOSED
    case.save(update_fields=["status"])
    second = another_liwan_project(world, "lw-c", "第三个项目")
    assert (
        client_register(project=second, data=liwan_input(world), acting_user=world.worker).client
        == case.client
    )


def test_sensitive_fields_are_encrypted_at_rest(world):
    case = register(world)
    client = case.client
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number, phone, address, diagnosis, household_address"
            " FROM clients_client WHERE id = %s",
            [client.pk],
        )
        raw = cursor.fetchone()
        cursor.execute("SELECT phone FROM clients_familymember WHERE client_id = %s", [client.pk])
        family_raw = cursor.fetchone()
        cursor.execute(
            "SELECT id_number, phone FROM clients_historicalclient WHERE id = %s", [client.pk]
        )
        history_raw = cursor.fetchone()
    for value in (*raw, *family_raw, *history_raw):
        assert value.startswith("v1:")
    dump = " ".join([*raw, *family_raw, *history_raw])
    for secret in (client.id_number, "13800138000", "精神分裂症", "沙面北街", "13900139000"):
        assert secret not in dump
    assert Client.objects.get(pk=client.pk).id_number == client.id_number


def test_updates_keep_history_with_who_and_why(world, login):
    client = register(world).client
    client_update(
        client=client,
        changes={"phone": "13111111111", "priority_groups": ["tekun"]},
        reason="电话更换",
        acting_user=world.lead,
    )
    client.refresh_from_db()
    assert client.history.count() == 2
    latest = client.history.first()
    assert latest.history_user == world.lead and latest.history_change_reason == "电话更换"
    body = login(world.worker).get(reverse("clients:detail", args=[client.pk])).content.decode()
    assert "电话更换" in body and "131****1111" in body


def test_update_without_reason_is_refused(world):
    client = register(world).client
    with pytest.raises(ValidationError):
        client_update(client=client, changes={"phone": "1"}, reason=" ", acting_user=world.lead)


def test_edit_page_updates_archive(world, login):
    client = register(world).client
    http = login(world.worker)
    page = http.get(reverse("clients:edit", args=[client.pk]))
    assert page.status_code == 200
    data = {k: v for k, v in page.context["form"].initial.items() if v not in (None, "")}
    data.update(
        {
            "name": "张叁",
            "street": world.street("沙面街道").pk,
            "household_district": world.liwan.district.pk,
            "reason": "更正姓名",
            "condition_stable": "on",
            "discharge_allows_community_rehab": "on",
        }
    )
    response = http.post(reverse("clients:edit", args=[client.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    client.refresh_from_db()
    assert client.name == "张叁" and client.name_pinyin == "zhangsan"


def test_family_members_are_deactivated_never_deleted(world, login):
    client = register(world).client
    member = client.family_members.get()
    http = login(world.worker)
    response = http.post(
        reverse("clients:family-deactivate", args=[member.pk]), {"reason": "已去世"}
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert not member.active
    assert FamilyMember.objects.filter(pk=member.pk).exists()


def test_live_id_check_partial(world, login):
    http = login(world.worker)
    ok = http.get(
        reverse("clients:check-id"),
        {"id_number": make_id("44010319900215003")},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "Male" in ok.content.decode()
    bad = http.get(reverse("clients:check-id"), {"id_number": "123"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "18 characters" in bad.content.decode()


def test_a_returning_person_keeps_one_archive_and_family_is_not_doubled(world):
    case = register(world)
    case.status = Case.Status.CLOSED
    case.save(update_fields=["status"])
    later = another_liwan_project(world, "lw-next", "下一期项目")
    again = client_register(project=later, data=liwan_input(world), acting_user=world.worker)
    assert again.client == case.client
    assert again.client.family_members.count() == 1
    assert Client.objects.count() == 1


def test_archive_timeline_includes_family_changes_with_who_and_why(world, login):
    client = register(world).client
    http = login(world.worker)
    member = client.family_members.get()
    http.post(reverse("clients:family-deactivate", args=[member.pk]), {"reason": "监护人已变更"})
    http.post(
        reverse("clients:family-add", args=[client.pk]),
        {"name": "张姐", "relation": "sibling", "is_guardian": "on"},
    )
    history = (
        login(world.lead)
        .get(reverse("clients:detail", args=[client.pk]), HTTP_ACCEPT_LANGUAGE="en")
        .context["history"]
    )
    subjects = [(h.subject, h.kind, h.reason, h.who) for h in history]
    assert ("Family member 张母", "~", "监护人已变更", "王社工") in subjects
    assert any(s == "Family member 张姐" and k == "+" for s, k, _, _ in subjects)
    assert any(not h.subject and h.kind == "+" for h in history)  # the archive itself

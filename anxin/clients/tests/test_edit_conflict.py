"""No lost updates on the archive (issue 9.5): the second of two saves made on the same version is
refused with a clear message, nothing of it is written, and the form keeps the person's input."""

from __future__ import annotations

from django.test import Client as HttpClient
from django.urls import reverse

from anxin.audit.models import AuditEvent
from anxin.clients.models import Client
from anxin.core.testing import PASSWORD, register


def _form_data(http: HttpClient, client: Client) -> dict[str, object]:
    page = http.get(reverse("clients:edit", args=[client.pk]))
    assert page.status_code == 200
    data = {k: v for k, v in page.context["form"].initial.items() if v not in (None, "")}
    data.update(
        {
            "street": data["street"].pk,
            "household_district": data["household_district"].pk,
            "condition_stable": "on",
            "discharge_allows_community_rehab": "on",
        }
    )
    return data


def _logged_in(user) -> HttpClient:
    http = HttpClient()
    assert http.login(username=user.username, password=PASSWORD)
    return http


def test_the_second_save_on_an_old_copy_is_refused_and_keeps_the_input(world):
    client = register(world).client
    first, second = _logged_in(world.worker), _logged_in(world.lead)
    mine, theirs = _form_data(first, client), _form_data(second, client)
    assert mine["version"] == theirs["version"] == client.version

    mine.update(address="逢源路 12 号 3 楼", reason="搬家")
    assert first.post(reverse("clients:edit", args=[client.pk]), mine).status_code == 302

    theirs.update(address="多宝路 8 号", phone="13900001111", reason="家属来电更正")
    response = second.post(reverse("clients:edit", args=[client.pk]), theirs)

    assert response.status_code == 200
    form = response.context["form"]
    errors = " ".join(form.non_field_errors())
    assert "王社工" in errors and "没有保存" in errors and "仍保留在表单中" in errors
    html = response.content.decode()
    assert "多宝路 8 号" in html and "13900001111" in html and "家属来电更正" in html
    # The saved values that differ from the input are shown: the address the first person
    # saved, and the phone on file (the second person typed a new one).
    assert response.context["differences"] == [
        ("现居住地址", "逢源路 12 号 3 楼"),
        ("联系电话", "13800138000"),
    ]
    # The form now carries the current version: saving again is a deliberate overwrite.
    client.refresh_from_db()
    assert client.address == "逢源路 12 号 3 楼" and client.phone == "13800138000"
    opened = int(str(theirs["version"]))
    assert form["version"].value() == str(client.version) == str(opened + 1)
    assert AuditEvent.objects.filter(action="client.update", object_id=str(client.pk)).count() == 1

    again = dict(theirs, version=form["version"].value())
    assert second.post(reverse("clients:edit", args=[client.pk]), again).status_code == 302
    client.refresh_from_db()
    assert client.address == "多宝路 8 号" and client.version == opened + 2


def test_saves_without_a_conflict_raise_the_version_one_at_a_time(world, login):
    client = register(world).client
    http = login(world.worker)
    for n, address in enumerate(["一号", "二号", "三号"]):
        data = _form_data(http, client)
        data.update(address=address, reason="更正")
        assert http.post(reverse("clients:edit", args=[client.pk]), data).status_code == 302
        client.refresh_from_db()
        assert client.version == 1 + n + 1 and client.address == address


def test_api_patch_with_an_old_version_is_409_and_changes_nothing(world, login):
    client = register(world).client
    http = login(world.worker)
    url = f"/api/v1/clients/{client.pk}"
    body = {"reason": "更正", "changes": {"address": "甲"}, "version": client.version}
    ok = http.patch(url, body, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["version"] == client.version + 1

    stale = {"reason": "更正", "changes": {"address": "乙"}, "version": client.version}
    refused = http.patch(url, stale, content_type="application/json")
    assert refused.status_code == 409
    assert refused.json()["current_version"] == client.version + 1
    client.refresh_from_db()
    assert client.address == "甲"

    unchecked = {"reason": "更正", "changes": {"address": "丙"}}  # no version: saved, raised
    assert http.patch(url, unchecked, content_type="application/json").status_code == 200
    client.refresh_from_db()
    assert client.address == "丙" and client.version == 3

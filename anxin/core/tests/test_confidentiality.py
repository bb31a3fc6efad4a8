"""A raw look at every table shows no plaintext ID number, phone, address or diagnosis."""

from __future__ import annotations

from django.db import connection
from django.urls import reverse

from anxin.core.testing import make_id

SECRETS = {
    "id_number": make_id("44010319880808123"),
    "phone": "13912345678",
    "guardian_phone": "13787654321",
    "address": "龙津西路秘密巷9号",
    "diagnosis": "偏执性精神病",
    "new_phone": "18611112222",
}


def dump_every_table() -> str:
    parts: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            parts.extend(str(value) for row in cursor.fetchall() for value in row)
    return "\n".join(parts)


def test_no_plaintext_anywhere_after_intake_update_and_reads(world, login):
    http = login(world.worker)
    response = http.post(
        reverse("clients:register"),
        {
            "project": world.liwan.pk,
            "name": "保密测试",
            "id_number": SECRETS["id_number"],
            "street": world.street("龙津街道").pk,
            "household_district": world.liwan.district.pk,
            "address": SECRETS["address"],
            "phone": SECRETS["phone"],
            "diagnosis": SECRETS["diagnosis"],
            "condition_stable": "on",
            "discharge_allows_community_rehab": "on",
            "guardian_name": "保密监护人",
            "guardian_relation": "parent",
            "guardian_phone": SECRETS["guardian_phone"],
        },
    )
    assert response.status_code == 302
    from anxin.clients.models import Client

    edit = Client.objects.get(name="保密测试").pk
    page = http.get(reverse("clients:detail", args=[edit]))
    assert SECRETS["id_number"] in page.content.decode()  # the archive itself shows it
    http.post(
        reverse("clients:edit", args=[edit]),
        {
            "name": "保密测试",
            "street": world.street("龙津街道").pk,
            "household_district": world.liwan.district.pk,
            "phone": SECRETS["new_phone"],
            "address": SECRETS["address"],
            "diagnosis": SECRETS["diagnosis"],
            "status": "active",
            "condition_stable": "on",
            "discharge_allows_community_rehab": "on",
            "reason": "更换电话",
        },
    )
    assert Client.objects.get(pk=edit).phone == SECRETS["new_phone"]
    http.get(reverse("clients:list"), {"q": SECRETS["id_number"][-4:]})
    dump = dump_every_table()
    assert "保密测试" in dump  # names stay searchable in clear; the dump really has the rows
    for label, secret in SECRETS.items():
        assert secret not in dump, f"plaintext {label} found in the database"

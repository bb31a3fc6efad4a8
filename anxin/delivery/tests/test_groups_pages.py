"""Pages of group programmes: access per persona, the attendance screen (copy of the previous
session's setup, one submit, the threshold shown after saving) and bounded query counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from anxin.audit.models import AuditEvent
from anxin.delivery.actions import WorkerHours
from anxin.delivery.models import GroupProgramme, Participant, ServiceRecord
from anxin.delivery.tests.test_groups import cc_case, lw_case, lw_group, multi_family, session

# The site's URLs with the group pages under services/groups/ (as the delivery URLs include them).

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
TODAY = timezone.localdate()


def session_post(cases, **extra: object) -> dict[str, object]:
    data: dict[str, object] = {
        "on": TODAY.isoformat(),
        "starts_at": "14:00",
        "ends_at": "15:30",
        "place": "多宝街康园",
        "direct_hours": "1.5",
        "indirect_hours": "0.5",
        "attended": [str(c.pk) for c in cases],
    }
    data.update(extra)
    return data


# Access ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "read", "write"),
    [
        ("worker", 200, 200),
        ("lead", 200, 200),
        ("supervisor", 200, 403),
        ("other_worker", 404, 404),
        ("purchaser", 404, 404),
        ("outsider", 404, 404),
    ],
)
def test_persona_access(world, login, persona, read, write):
    programme = lw_group(world, [lw_case(world, 1)])
    http = login(getattr(world, persona))
    base = f"/services/groups/{programme.pk}/"
    assert http.get(base).status_code == read
    assert http.get("/services/groups/p/lw/").status_code == read
    assert http.get(base + "session/").status_code == write
    assert http.get("/services/groups/p/lw/new/").status_code == write
    assert http.post(base + "close/").status_code == (302 if write == 200 else write)
    if read == 404:
        assert AuditEvent.objects.filter(
            kind=AuditEvent.Kind.DENIED, actor=getattr(world, persona)
        ).exists()
    else:
        assert AuditEvent.objects.filter(
            kind=AuditEvent.Kind.READ, action="programme.read", actor=getattr(world, persona)
        ).exists()


def test_anonymous_is_sent_to_log_in(world, client):
    programme = lw_group(world, [lw_case(world, 1)])
    response = client.get(f"/services/groups/{programme.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# Create, members ------------------------------------------------------------------------


def test_create_a_programme_through_the_page(world, login):
    cases = [lw_case(world, n) for n in range(3)]
    http = login(world.worker)
    response = http.post(
        "/services/groups/p/lw/new/",
        {
            "service_item": "relapse_prevention",
            "form": "group",
            "theme": "预防复发",
            "planned_sessions": "8",
            "starts_on": TODAY.isoformat(),
            "members": [str(c.pk) for c in cases],
        },
    )
    programme = GroupProgramme.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{programme.pk}/")
    assert set(programme.members.all()) == set(cases)
    page = http.get("/services/groups/p/lw/", **EN).content.decode()
    assert "预防复发" in page and "0 / 8" in page


def test_a_multi_family_group_of_two_families_is_refused_on_the_page(world, login):
    cases = [cc_case(world, n) for n in range(2)]
    http = login(world.other_worker)
    response = http.post(
        "/services/groups/p/cc/new/",
        {
            "service_item": "multi_family_group",
            "form": "group",
            "theme": "家庭互助",
            "fixed_members": "on",
            "planned_sessions": "6",
            "starts_on": TODAY.isoformat(),
            "members": [str(c.pk) for c in cases],
        },
        **EN,
    )
    assert response.status_code == 200
    assert "3 to 5 fixed families" in response.content.decode()
    assert not GroupProgramme.objects.exists()


def test_add_and_remove_members_through_the_page(world, login):
    cases = [cc_case(world, n) for n in range(4)]
    programme = multi_family(world, cases[:3])
    http = login(world.other_worker)
    base = f"/services/groups/{programme.pk}/members/"
    page = http.post(f"{base}{cases[0].pk}/remove/", follow=True, **EN).content.decode()
    assert "would have 2" in page
    http.post(f"{base}add/", {"case": str(cases[3].pk)})
    http.post(f"{base}{cases[0].pk}/remove/")
    assert set(programme.members.all()) == set(cases[1:])


# The attendance screen ------------------------------------------------------------------------


def test_record_a_session_and_see_it_counted(world, login):
    cases = [lw_case(world, n) for n in range(8)]
    programme = lw_group(world, cases)
    http = login(world.worker)
    url = f"/services/groups/{programme.pk}/session/"
    guardian = cases[0].client.family_members.get()
    response = http.post(
        url,
        session_post(cases[:6], family=[str(guardian.pk)], guests="社区民警 黄\n"),
        follow=True,
        **EN,
    )
    page = response.content.decode()
    assert "Session 1 recorded: 6 clients attended. Counted as Group." in page
    record = ServiceRecord.objects.get()
    assert (record.programme, record.session_no, record.place) == (programme, 1, "多宝街康园")
    assert record.participants.filter(kind=Participant.Kind.CLIENT, attended=True).count() == 6
    assert record.participants.filter(kind=Participant.Kind.CLIENT, attended=False).count() == 2
    assert record.participants.filter(kind=Participant.Kind.GUARDIAN).count() == 1
    assert record.participants.filter(kind=Participant.Kind.OTHER, name="社区民警 黄").exists()
    assert record.workers.get().direct_hours == Decimal("1.5")

    response = http.post(url, session_post(cases[:5]), follow=True, **EN)
    page = response.content.decode()
    assert "Session 2 recorded: 5 clients attended." in page
    assert "Not counted as Group: 5 clients attended, 6 needed." in page
    assert ServiceRecord.objects.get(session_no=2).programme == programme


def test_a_refused_session_changes_nothing_and_says_why(world, login):
    case = lw_case(world, 1)
    programme = lw_group(world, [case])
    http = login(world.worker)
    response = http.post(
        f"/services/groups/{programme.pk}/session/",
        session_post([case], starts_at="15:00", ends_at="14:00"),
        **EN,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "The session must end after it starts." in html
    assert f'value="{case.pk}" id="attended-{case.pk}" autocomplete="off" checked' in html
    assert not ServiceRecord.objects.exists()


def test_the_next_session_copies_the_previous_setup(world, login):
    cases = [lw_case(world, n) for n in range(2)]
    programme = lw_group(world, cases)
    session(
        programme,
        cases,
        world.worker,
        on=TODAY - dt.timedelta(days=7),
        starts_at=dt.time(14, 30),
        ends_at=dt.time(16),
        place="金花街社区活动室",
        workers=[
            WorkerHours(world.worker, Decimal("1.5"), Decimal("0.75")),
            WorkerHours(world.counsellor, Decimal("1.5")),
        ],
    )
    page = login(world.worker).get(f"/services/groups/{programme.pk}/session/", **EN)
    html = page.content.decode()
    assert "Record session 2" in html
    form = page.context["form"]
    assert form["on"].value() == TODAY
    assert (form["starts_at"].value(), form["ends_at"].value()) == (dt.time(14, 30), dt.time(16))
    assert form["place"].value() == "金花街社区活动室"
    assert (form["direct_hours"].value(), form["indirect_hours"].value()) == (
        Decimal("1.5"),
        Decimal("0.75"),
    )
    assert form["co_workers"].value() == [str(world.counsellor.pk)]
    assert 'value="14:30' in html and 'value="金花街社区活动室"' in html


def test_detail_shows_sessions_with_counts_and_threshold(world, login):
    cases = [lw_case(world, n) for n in range(7)]
    programme = lw_group(world, cases)
    session(programme, cases[:6], world.worker)
    session(programme, cases[:3], world.worker)
    html = login(world.supervisor).get(f"/services/groups/{programme.pk}/", **EN).content.decode()
    assert "Counted as Group." in html
    assert "Not counted as Group: 3 clients attended, 6 needed." in html
    assert "Record session" not in html  # the supervisor reads only
    listing = login(world.worker).get("/services/groups/p/lw/", **EN).content.decode()
    assert "2 / 8" in listing
    assert "64%" in listing  # 9 of 14 member attendances


def _queries(http, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert http.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_attendance_page_queries_do_not_grow_with_members(world, login):
    cases = [lw_case(world, n) for n in range(20)]
    small = lw_group(world, cases[:5])
    large = lw_group(world, cases)
    session(small, cases[:5], world.worker)
    session(large, cases, world.worker)
    http = login(world.worker)
    for page in ("session/", ""):
        counts = [_queries(http, f"/services/groups/{p.pk}/{page}") for p in (small, large)]
        assert counts[0] == counts[1], (page, counts)
    listing = _queries(http, "/services/groups/p/lw/")
    session(lw_group(world, cases[5:12]), cases[5:12], world.worker)
    assert _queries(http, "/services/groups/p/lw/") == listing

"""Report pages: a worker writes the narrative and generates the report (with htmx the new
version is swapped in, with a progress indicator while it builds; without, a redirect); the
frozen file downloads unchanged under a Chinese name; every persona gets what the access rules
say (refusals audited); bad input is refused with a message and writes nothing; the list costs
the same number of queries with 1 report and with 4."""

from __future__ import annotations

import hashlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from anxin.audit.models import AuditEvent
from anxin.reports.models import Report, ReportVersion
from anxin.reports.tests.prepared import (
    AGGREGATE_ONLY,
    HIDDEN,
    NARRATIVE,
    TEAM,
    WRITERS,
    change_target,
    docx_text,
    fake_versions,
    generate,
    quarterly,
    stored_bytes,
)
from anxin.surveys.tests.factories import survey

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name: str, **kwargs) -> str:
    return reverse(f"reports:{name}", kwargs=kwargs)


def new_report(http, **extra):
    data = {"kind": "quarterly", "period": "2026Q3", "survey": "", **NARRATIVE, **extra}
    return http.post(url("edit", code="lw"), data, **EN)


def test_worker_writes_the_narrative_generates_and_downloads(world, login):
    http = login(world.worker)
    page = http.get(url("edit", code="lw"), **EN).content.decode()
    assert "2026Q3" in page and "2026H1" in page  # the period's examples
    response = new_report(http)
    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("edit", report_id=report.pk)
    assert (report.period, report.highlights) == ("2026Q3", NARRATIVE["highlights"])
    edit = http.get(response["Location"], **EN).content.decode()
    assert NARRATIVE["problems"] in edit and "Not generated yet." in edit
    generate_url = url("generate", report_id=report.pk)
    assert f'hx-post="{generate_url}"' in edit and 'hx-indicator="#generating"' in edit
    assert 'id="generating"' in edit and "Generating…" in edit and "spinner-border" in edit
    assert "reports/reports.css" in edit
    done = http.post(generate_url, {"as_of": "2026-09-30"}, **HTMX, **EN)
    version = ReportVersion.objects.get()
    fragment = done.content.decode()
    assert done.status_code == 200 and fragment.startswith('<div id="versions"')
    assert 'id="version-1" class="table-success"' in fragment
    assert url("download", version_id=version.pk) in fragment
    assert "Version 1 is generated." in fragment
    plain = http.post(generate_url, {})
    assert plain.status_code == 302 and plain["Location"] == url("edit", report_id=report.pk)
    assert ReportVersion.objects.count() == 2
    download = http.get(url("download", version_id=version.pk))
    data = b"".join(download.streaming_content)
    assert hashlib.sha256(data).hexdigest() == version.sha256
    assert NARRATIVE["next_steps"] in docx_text(data)
    disposition = download["Content-Disposition"]
    assert disposition.startswith("attachment;") and "-v1.docx" in disposition
    assert "filename*=utf-8''" in disposition and "2026%E5%B9%B4" in disposition  # 2026年
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    export = AuditEvent.objects.get(kind=AuditEvent.Kind.EXPORT, action="report.download")
    assert (export.actor, export.project_id) == (world.worker, world.liwan.pk)
    listed = http.get(url("list", code="lw"), **EN).content.decode()
    assert "Quarterly report" in listed and "v2" in listed and "v1" in listed
    assert url("indicators-xlsx", code="lw") in listed and url("funds-xlsx", code="lw") in listed


def test_a_downloaded_version_is_unchanged_after_the_data_moves_on(world, login):
    report = quarterly(world)
    first = generate(world, report)
    http = login(world.lead)
    before = b"".join(http.get(url("download", version_id=first.pk)).streaming_content)
    change_target(world, "1", "88")
    http.post(url("edit", report_id=report.pk), {**NARRATIVE, "highlights": "另一个亮点"})
    http.post(url("generate", report_id=report.pk), {"as_of": "2026-09-30"})
    second = ReportVersion.objects.get(number=2)
    again = b"".join(http.get(url("download", version_id=first.pk)).streaming_content)
    assert again == before and hashlib.sha256(again).hexdigest() == first.sha256
    assert second.sha256 != first.sha256
    assert "另一个亮点" in docx_text(stored_bytes(second))


def test_a_refused_generation_is_shown_in_the_fragment_and_after_a_redirect(world, login):
    report = quarterly(world, period="2026Q4")
    http = login(world.worker)
    generate_url = url("generate", report_id=report.pk)
    fragment = http.post(generate_url, {"as_of": "2026-09-01"}, **HTMX, **EN)
    assert fragment.status_code == 200
    assert "Not generated:" in fragment.content.decode()
    assert "2026Q4 has not begun on 2026-09-01." in fragment.content.decode()
    bad_date = http.post(generate_url, {"as_of": "2026-13-45"}, **HTMX, **EN)
    assert bad_date.status_code == 200 and "Enter a valid date." in bad_date.content.decode()
    plain = http.post(generate_url, {"as_of": "2026-09-01"}, follow=True, **EN)
    assert "Not generated: 2026Q4 has not begun" in plain.content.decode()
    assert not ReportVersion.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"period": "2026Q9"}, "2026Q9 is not a report period"),
        ({"period": "2026"}, "give a period such as 2026Q3"),
        ({"highlights": "亮点\x00"}, "Null characters are not allowed."),
        ({"kind": "weekly"}, "Select a valid choice."),
        ({"problems": "长" * 10001}, "Ensure this value has at most 10000 characters"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_is_saved(world, login, data, message):
    response = new_report(login(world.worker), **data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Report.objects.exists()


def test_default_language_messages_are_chinese(world, login):
    response = login(world.worker).post(
        url("edit", code="lw"), {"kind": "quarterly", "period": "2026Q3", "highlights": "a\x00"}
    )
    assert response.status_code == 200 and "空字符" in response.content.decode()
    assert not Report.objects.exists()


def test_survey_choices_are_the_projects_surveys_and_a_wrong_one_is_refused(world, login):
    needs, satisfaction = survey(world, "needs"), survey(world, "satisfaction")
    other = survey(world, "needs", project=world.chongchuan, acting_user=world.other_worker)
    http = login(world.worker)
    form = http.get(url("edit", code="lw")).context["form"]
    assert set(form.surveys) == {str(needs.pk), str(satisfaction.pk)}
    foreign = new_report(http, kind="needs-survey", period="2026", survey=str(other.pk))
    assert foreign.status_code == 200 and "Select a valid choice." in foreign.content.decode()
    wrong = new_report(http, kind="needs-survey", period="2026", survey=str(satisfaction.pk))
    assert "needs a survey of the kind Needs survey" in wrong.content.decode()
    assert not Report.objects.exists()
    saved = new_report(http, kind="needs-survey", period="2026", survey=str(needs.pk))
    report = Report.objects.get()
    assert saved.status_code == 302 and report.survey == needs
    edit = http.get(url("edit", report_id=report.pk)).context["form"]
    assert set(edit.surveys) == {str(needs.pk)} and edit.fields["kind"].disabled
    duplicate = new_report(http, kind="needs-survey", period="2026", survey=str(needs.pk))
    assert "There is already a Needs-survey report" in duplicate.content.decode()


def _status(http, method: str, path: str, data=None) -> int:
    if method == "post":
        return http.post(path, data or {}).status_code
    return http.get(path).status_code


@pytest.mark.parametrize("who", TEAM + AGGREGATE_ONLY + HIDDEN)
def test_every_persona_gets_what_the_rules_say(world, client, who):
    report = quarterly(world)
    version = generate(world, report)
    quarterly(world, period="2026Q2")  # not generated: only the team sees it
    assert client.login(username=who, password="Test-Passw0rd!")
    expected_read = 404 if who in HIDDEN else 200
    expected_narrative = 404 if who in HIDDEN else 403 if who in AGGREGATE_ONLY else 200
    expected_write = 404 if who in HIDDEN else 200 if who in WRITERS else 403
    listing = client.get(url("list", code="lw"))
    assert listing.status_code == expected_read
    if expected_read == 200:
        periods = [r.period for r in listing.context["reports"]]
        assert periods == (["2026Q3"] if who in AGGREGATE_ONLY else ["2026Q3", "2026Q2"])
        assert (url("edit", code="lw") in listing.content.decode()) == (who in WRITERS)
        assert listing.context["access"].can_write == (who in WRITERS)
    assert client.get(url("download", version_id=version.pk)).status_code == expected_read
    assert client.get(url("edit", report_id=report.pk)).status_code == expected_narrative
    assert client.get(url("edit", code="lw")).status_code == expected_write
    saved = client.post(url("edit", report_id=report.pk), {**NARRATIVE, "highlights": "改"})
    assert saved.status_code == (302 if who in WRITERS else expected_write)
    if who not in WRITERS:
        refused = client.post(url("generate", report_id=report.pk), {})
        assert refused.status_code == expected_write
        assert ReportVersion.objects.count() == 1
        report.refresh_from_db()
        assert report.highlights == NARRATIVE["highlights"]
        denied = AuditEvent.objects.filter(kind=AuditEvent.Kind.DENIED, actor__username=who)
        assert denied.exists()
    exported = AuditEvent.objects.filter(
        kind=AuditEvent.Kind.EXPORT, action="report.download", actor__username=who
    )
    assert exported.exists() == (who not in HIDDEN)


def test_the_purchaser_sees_versions_but_no_narrative_links(world, login):
    version = generate(world, quarterly(world))
    page = login(world.purchaser).get(url("list", code="lw")).content.decode()
    assert url("download", version_id=version.pk) in page
    assert url("edit", report_id=version.report_id) not in page
    assert url("edit", code="lw") not in page
    assert NARRATIVE["highlights"] not in page


def test_unknown_or_out_of_range_ids_are_404(world, login):
    http = login(world.lead)
    for path in (
        url("edit", report_id=999999),
        url("download", version_id=2**63),
        url("edit", report_id=0),
    ):
        assert http.get(path).status_code == 404
    assert http.post(url("generate", report_id=2**70), {}).status_code == 404
    assert http.get(url("list", code="nope")).status_code == 404


@pytest.mark.parametrize("who", ["worker", "purchaser"])
def test_the_list_costs_the_same_number_of_queries_with_more_reports(world, client, who):
    assert client.login(username=who, password="Test-Passw0rd!")
    fake_versions(quarterly(world, period="2026Q1"), 1, world.worker)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url("list", code="lw")).status_code == 200
    for period in ("2026Q2", "2026Q3", "2026Q4"):
        fake_versions(quarterly(world, period=period), 2, world.lead)
    with CaptureQueriesContext(connection) as four:
        response = client.get(url("list", code="lw"))
    assert len(response.context["reports"]) == 4
    assert len(four) == len(one)

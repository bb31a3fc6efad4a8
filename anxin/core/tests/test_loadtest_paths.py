"""The load test (loadtest/, ``make loadtest``) still matches the application: its paths resolve to
the views it means, its query values exist, the service form it posts is the one the page
renders, and its summariser reads locust's CSV files. locust itself is never imported here (it
monkey-patches the standard library with gevent): the paths and the form reader are plain
modules that the locustfile imports."""

from __future__ import annotations

import ast
import csv
from pathlib import Path

from django.urls import resolve, reverse

from anxin.clients.models import PriorityGroup
from anxin.delivery.models import ServiceRecord
from anxin.delivery.tests.test_records import in_service
from loadtest import paths
from loadtest.forms import form_fields, replace
from loadtest.summary import markdown, server_times

ROOT = Path(__file__).resolve().parents[3]
LOCUSTFILE = ROOT / "loadtest" / "locustfile.py"


def _view_name(path: str) -> str:
    match = resolve(path)
    func = match.func
    view = getattr(func, "view_class", None) or func
    if view.__module__.startswith("ninja"):
        return "ninja"
    return f"{view.__module__}.{view.__qualname__}"


def test_every_path_resolves_to_the_view_it_means():
    for template, view in paths.VIEWS.items():
        path = template.format(**paths.SAMPLE)
        assert _view_name(path) == view, template


def test_the_locustfile_uses_only_the_paths_module():
    tree = ast.parse(LOCUSTFILE.read_text(encoding="utf-8"))
    used = {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "paths"
    }
    templates = {name for name in dir(paths) if name.isupper()}
    assert used <= templates
    requested = {getattr(paths, name) for name in used if isinstance(getattr(paths, name), str)}
    assert requested <= set(paths.VIEWS)
    # every kind of page of the brief is in the mix
    for template in (paths.CLIENT_LIST, paths.CASE_PAGE, paths.SERVICE_NEW, paths.DASHBOARD):
        assert template in requested
    literals = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.startswith("/")
    ]
    assert literals == [], "paths belong in loadtest/paths.py, where this test resolves them"


def test_query_values_exist():
    assert set(paths.PRIORITY_GROUPS) - {""} <= set(PriorityGroup.values)


def test_the_posted_service_form_records_a_service(world, login):
    """What the load test does: read the page's form, change the note, post it back."""
    (case,) = in_service(world, 1)
    http = login(world.worker)
    url = f"{paths.SERVICE_NEW}?case={case.pk}"
    html = http.get(url).content.decode()
    fields = replace(form_fields(html, "service_item"), content="负荷测试记录")
    names = {name for name, _value in fields}
    assert {"csrfmiddlewaretoken", "service_item", "form", "on", "starts_at", "cases"} <= names
    assert ("cases", str(case.pk)) in fields
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    response = http.post(url, data)
    record = ServiceRecord.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("delivery:detail", args=[record.pk])
    assert record.content == "负荷测试记录"


def test_form_reader_follows_browser_rules():
    html = """
    <form action="/other/" method="post"><input name="q" value="x"></form>
    <form method="post">
      <input type="hidden" name="csrfmiddlewaretoken" value="tok">
      <select name="item"><option value="a">A</option><option value="b">B</option></select>
      <select name="kind"><option value="x">X</option><option value="y" selected>Y</option></select>
      <select name="many" multiple><option value="1">1</option></select>
      <input type="checkbox" name="cases" value="7" checked>
      <input type="checkbox" name="cases" value="8">
      <input type="file" name="photo">
      <textarea name="note">
line</textarea>
    </form>"""
    fields = form_fields(html, "item")
    assert fields == [
        ("csrfmiddlewaretoken", "tok"),
        ("item", "a"),
        ("kind", "y"),
        ("cases", "7"),
        ("note", "line"),
    ]
    assert replace(fields, note="new", extra="1")[-2:] == [("note", "new"), ("extra", "1")]


def test_summary_reads_locust_csv(tmp_path):
    columns = [
        "Type",
        "Name",
        "Request Count",
        "Failure Count",
        "Median Response Time",
        "Average Response Time",
        "Min Response Time",
        "Max Response Time",
        "Average Content Size",
        "Requests/s",
        "Failures/s",
        "50%",
        "95%",
        "99%",
    ]
    rows = [
        ["GET", "client list", "900", "0", "80", "90", "20", "700", "1", "5.0", "0", "80", "200"],
        ["GET", "dashboard", "100", "2", "800", "850", "500", "2000", "1", "0.5", "0", "800"],
        ["", "Aggregated", "1000", "2", "90", "120", "20", "2000", "1", "5.5", "0", "90", "350"],
    ]
    rows[0].append("400")
    rows[1] += ["1500", "1900"]
    rows[2].append("1800")
    with open(tmp_path / "run_stats.csv", "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        writer.writerows(rows)
    with open(tmp_path / "run_failures.csv", "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["Method", "Name", "Error", "Occurrences"])
        writer.writerow(["GET", "dashboard", "500", "2"])
    table = markdown(tmp_path / "run")
    assert "| GET client list | 900 | 0 | 5.00 | 80 | 200 | 400 | 700 |" in table
    assert "| GET dashboard **(p95 > 300 ms)** | 100 | 2 |" in table
    assert "**1,000** | **2** | **5.5** | **90** | **350** | **1,800** | **2,000** |" in table
    assert "target (no errors, p95 < 300 ms) **missed**" in table
    assert "| GET dashboard | 500 | 2 |" in table


def test_server_times_read_the_gunicorn_access_log(tmp_path):
    log = tmp_path / "gunicorn.log"
    lines = [f'127.0.0.1 "GET /clients/" 200 512 {ms}ms' for ms in range(1, 101)]
    log.write_text("[INFO] Booting worker with pid: 1\n" + "\n".join(lines) + "\n")
    assert server_times(log) == (
        "Inside gunicorn (its access log, 100 requests, without the wait for a free worker): "
        "p50 51 ms, p95 96 ms, p99 100 ms."
    )

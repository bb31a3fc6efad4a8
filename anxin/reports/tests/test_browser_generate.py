"""A worker, in Chromium, generates a report: the progress indicator shows while it builds (and
the button is disabled), then the new version's row is swapped in; no page load."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

from anxin.clients.tests.test_browser_register import log_in
from anxin.reports import builder
from anxin.reports.models import ReportVersion
from anxin.reports.tests.prepared import quarterly

pytestmark = [pytest.mark.browser]


def test_progress_shows_while_the_report_builds(transactional_db, world, page: Page, monkeypatch):
    build = builder.build_report

    def slow(*args, **kwargs):
        time.sleep(1.5)  # long enough to see the indicator
        return build(*args, **kwargs)

    monkeypatch.setattr(builder, "build_report", slow)
    report = quarterly(world)
    log_in(page, "worker")
    page.goto(f"/reports/{report.pk}/")
    indicator = page.locator("#generating")
    expect(indicator).to_be_hidden()
    page.evaluate("window.notReloaded = true")
    page.locator("#generate-button").click()
    expect(indicator).to_be_visible()
    expect(page.locator("#generate-button")).to_be_disabled()
    expect(page.locator("#version-1.table-success")).to_be_visible(timeout=20000)
    expect(indicator).to_be_hidden()
    expect(page.locator("#generate-button")).to_be_enabled()
    assert page.evaluate("window.notReloaded") is True
    assert ReportVersion.objects.filter(report=report).count() == 1

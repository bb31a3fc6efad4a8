"""The layout of the execution reports (quarterly, mid-term, final) from their figures, and
the formatting of figures shared with the survey reports: nothing is counted here, everything
printed comes from the figures (``anxin.reports.sections``).

Cover; 一、project overview (with the highlights); 二、targets and achievement (with a chart);
三、services by item and by street (with a chart); 四、outcomes against thresholds and the
standardised-service rate; 五、hours against plan; 六、team and training; 七、referrals;
八、publicity; 九、fund usage (with a chart); 十、problems and next steps.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from anxin.accounts.models import Project
from anxin.reports import charts, sections
from anxin.reports.docx_style import ReportDocument, numbered, sub_numbered

DASH = "—"


# Formatting ---------------------------------------------------------------------------------


def show(value: Any) -> str:
    """A figure as printed: a dash for none, whole numbers without decimals, at most two."""
    if value is None:
        return DASH
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def show_percent(value: float | None) -> str:
    return DASH if value is None else f"{value:.1f}%"


def show_money(value: int | float | None) -> str:
    return DASH if value is None else f"{value:,.2f}"


def show_day(value: str | None) -> str:
    return DASH if not value else date_format(dt.date.fromisoformat(value), "DATE_FORMAT")


# Laying out ---------------------------------------------------------------------------------


def cover(doc: ReportDocument, project: Project, title: str, subtitle: str, on: dt.date) -> None:
    doc.cover(
        [(project.name, 22, True), (title, 20, True), (subtitle, 16, False)],
        [
            _("Organisation: %(name)s") % {"name": project.organisation.name},
            _("Purchaser: %(name)s") % {"name": project.purchaser},
            _("Report date: %(date)s") % {"date": date_format(on, "DATE_FORMAT")},
        ],
    )


def new_document(project: Project, title: str, on: dt.date) -> ReportDocument:
    return ReportDocument(
        title=title,
        author=project.organisation.name,
        header=f"{project.name} · {title}",
        on=on,
    )


def render(
    scope: sections.Scope,
    figures: dict[str, Any],
    parts: dict[str, str],
    title: str,
    on: dt.date,
) -> bytes:
    project = scope.project
    doc = new_document(project, title, on)
    subtitle = _("Report period: %(span)s") % {"span": scope.period.span}
    cover(doc, project, title, subtitle, on)
    steps = (
        lambda n: _overview(doc, n, figures, parts),
        lambda n: _indicators(doc, n, scope, figures),
        lambda n: _services(doc, n, scope, figures["services"]),
        lambda n: _outcomes(doc, n, figures["outcomes"]),
        lambda n: _hours(doc, n, figures["hours"]),
        lambda n: _team(doc, n, figures["team"], figures["training"]),
        lambda n: _referrals(doc, n, figures["referrals"]),
        lambda n: _publicity(doc, n, figures["publicity"]),
        lambda n: _funds(doc, n, scope, figures["funds"]),
        lambda n: _problems(doc, n, parts),
    )
    for n, step in enumerate(steps, 1):
        step(n)
    return doc.save()


def _overview(doc: ReportDocument, n: int, figures: dict[str, Any], parts: dict[str, str]) -> None:
    o, counts = figures["overview"], figures["indicators"]["counts"]
    doc.heading(numbered(n, _("Project overview")))
    rows = [
        (_("Project name"), o["project"]),
        (pgettext("report", "Organisation"), o["organisation"]),
        (pgettext("report", "Purchaser"), o["purchaser"]),
        (pgettext("report", "District"), o["district"]),
        (
            _("Project period"),
            _("%(start)s to %(end)s")
            % {"start": show_day(o["period_start"]), "end": show_day(o["period_end"])},
        ),
        (
            _("Report period"),
            _("%(start)s to %(end)s")
            % {"start": show_day(o["report_start"]), "end": show_day(o["report_end"])},
        ),
        (_("Budget ceiling (yuan)"), show_money(o["budget_ceiling"])),
        (_("Client target"), show(o["client_target"])),
        (_("Share of the period elapsed"), show_percent(o["elapsed_percent"])),
    ]
    doc.table(
        _("Basic information"),
        [pgettext("report", "Item"), pgettext("report", "Content")],
        rows,
        widths=[4.5, 11.5],
    )
    doc.paragraph(
        _(
            "By %(date)s, of %(total)s indicators %(met)s are met, %(on_track)s are on track, "
            "%(behind)s are behind and %(no_source)s are not yet recorded."
        )
        % {
            "date": show_day(o["report_end"]),
            "total": sum(counts.values()),
            "met": counts["met"],
            "on_track": counts["on_track"],
            "behind": counts["behind"],
            "no_source": counts["no_source"],
        }
    )
    doc.heading(sub_numbered(1, _("Highlights")), 2)
    doc.text(parts["highlights"])


def _indicators(
    doc: ReportDocument, n: int, scope: sections.Scope, figures: dict[str, Any]
) -> None:
    rows = figures["indicators"]["rows"]
    doc.heading(numbered(n, _("Targets and achievement")))
    doc.paragraph(
        _(
            "Cumulative from the project's first day to %(date)s. Expected by now: the target "
            "times the share of the period elapsed."
        )
        % {"date": show_day(figures["report"]["end"])}
    )
    header = [_("Row"), _("Indicator"), _("Unit"), _("Target")]
    if scope.quarterly:
        header.append(_("Added this quarter"))
    header += [_("Achieved"), _("Expected by now"), _("Achievement rate"), _("Status")]
    table = []
    for row in rows:
        cells = [row["code"], row["name"], row["unit"], show(row["target"])]
        if scope.quarterly:
            cells.append(show(row["added"]))
        cells += [
            show(row["achieved"]),
            show(row["expected"]),
            show_percent(row["percent"]),
            row["status_label"],
        ]
        table.append(cells)
    widths = [1.0, 4.6, 1.2, 1.4] + ([1.5] if scope.quarterly else []) + [1.4, 1.5, 1.7, 1.7]
    doc.table(_("Targets and achievement"), header, table, widths=widths)
    charted = [row for row in rows if row["percent"] is not None]
    if charted:
        png = charts.achievement_bars(
            [f"{row['code']} {row['name']}" for row in charted],
            [row["percent"] for row in charted],
            expected=figures["overview"]["elapsed_percent"],
            xlabel=_("Achieved, % of target"),
            expected_label=_("Share of the period elapsed"),
        )
        doc.picture(png, _("Achievement of the indicators"))


def _services(doc: ReportDocument, n: int, scope: sections.Scope, s: dict[str, Any]) -> None:
    doc.heading(numbered(n, _("Services")))
    doc.heading(sub_numbered(1, _("By service item")), 2)
    header = [
        _("Service item"),
        pgettext("report", "Sessions"),
        _("Contacts"),
        pgettext("report", "Participants"),
        _("Hours"),
    ]
    keys = ["sessions", "contacts", "participants", "hours"]
    if scope.quarterly:
        header += [_("Sessions to date"), _("Contacts to date"), _("Hours to date")]
        keys += ["sessions_to_date", "contacts_to_date", "hours_to_date"]
    rows: list[list[Any]] = [[r["name"], *(show(r[k]) for k in keys)] for r in s["by_item"]]
    if s["item_totals"]:
        rows.append([pgettext("report", "Total"), *(show(s["item_totals"][k]) for k in keys)])
    doc.table(_("Services by service item"), header, rows)
    doc.paragraph(
        _(
            "Sessions: service records not voided. Contacts: clients' attendances "
            "(person-times). Participants: everyone's attendances. Hours: the workers' direct "
            "and indirect hours."
        ),
        size=9,
    )
    doc.heading(sub_numbered(2, _("By street")), 2)
    header = [_("Street"), _("Registered clients"), _("Clients served"), _("Contacts")]
    keys = ["registered", "clients", "contacts"]
    if scope.quarterly:
        header += [_("Clients served to date"), _("Contacts to date")]
        keys += ["clients_to_date", "contacts_to_date"]
    rows = [[r["name"], *(show(r[k]) for k in keys)] for r in s["by_street"]]
    if s["street_totals"]:
        rows.append([pgettext("report", "Total"), *(show(s["street_totals"][k]) for k in keys)])
    doc.table(_("Services by the street the client lives in"), header, rows)
    active = [
        r for r in s["by_street"] if r["registered"] or r["contacts"] or r.get("contacts_to_date")
    ]
    if active:
        series = [(_("Contacts"), [r["contacts"] for r in active])]
        if scope.quarterly:
            series = [
                (_("This quarter"), [r["contacts"] for r in active]),
                (_("To date"), [r["contacts_to_date"] for r in active]),
            ]
        png = charts.grouped_bars(
            [r["name"] for r in active], series, ylabel=_("Contacts"), horizontal=True
        )
        doc.picture(png, _("Contacts by street"))


def _outcomes(doc: ReportDocument, n: int, o: dict[str, Any]) -> None:
    doc.heading(numbered(n, _("Outcomes against thresholds")))
    if o["rows"]:
        rows = [
            [
                f"{r['code']} {r['name']}",
                show(r["cycles"]),
                show_percent(r["rate_percent"]),
                show_percent(r["threshold_percent"]),
                DASH
                if r["met"] is None
                else (pgettext("report", "Met") if r["met"] else pgettext("report", "Not met")),
            ]
            for r in o["rows"]
        ]
        header = [
            _("Indicator"),
            _("Cycles assessed"),
            _("Share improved"),
            _("Threshold"),
            pgettext("report", "Met"),
        ]
        doc.table(_("Share of clients significantly improved"), header, rows)
    else:
        doc.paragraph(_("The contract sets no outcome thresholds."))
    rate = o["standardised_rate"]
    if rate is not None:
        rows = [
            [
                show(rate["numerator"]),
                show(rate["denominator"]),
                show_percent(rate["rate_percent"]),
                show_percent(rate["target_percent"]),
                pgettext("report", "Met") if rate["met"] else pgettext("report", "Not met"),
            ]
        ]
        header = [
            _("Standard"),
            _("Registered clients"),
            _("Rate"),
            _("Target"),
            pgettext("report", "Met"),
        ]
        doc.table(_("Standardised-service rate (规范服务率)"), header, rows)


def _hours(doc: ReportDocument, n: int, h: dict[str, Any]) -> None:
    doc.heading(numbered(n, _("Hours against plan")))
    if not h["rows"]:
        doc.paragraph(_("The contract plans no hours."))
        return
    rows = [
        [
            f"{r['code']} {r['name']}",
            show(r["logged"]),
            show(r["min"]),
            show(r["max"]),
            show_percent(r["percent_of_min"]),
        ]
        for r in h["rows"]
    ]
    t = h["total"]
    rows.append([pgettext("report", "Total"), show(t["logged"]), show(t["min"]), show(t["max"])])
    rows[-1].append(show_percent(t["percent_of_min"]))
    header = [
        _("Indicator"),
        _("Hours logged"),
        _("Planned hours (min)"),
        _("Planned hours (max)"),
        _("Logged, % of the minimum"),
    ]
    doc.table(_("Hours logged against the plan"), header, rows, widths=[7, 2.2, 2.2, 2.2, 2.4])


def _team(doc: ReportDocument, n: int, t: dict[str, Any], tr: dict[str, Any]) -> None:
    doc.heading(numbered(n, _("Team and training")))
    doc.heading(sub_numbered(1, _("The team")), 2)
    doc.paragraph(
        _("The team has %(members)s active members, %(full_time)s of them full-time.")
        % {"members": t["members"], "full_time": t["full_time"]}
    )
    if t["requirements"]:
        rows = [
            [
                r["label"],
                show(r["required"]),
                show(r["have"]),
                pgettext("report", "Met") if r["met"] else pgettext("report", "Not met"),
            ]
            for r in t["requirements"]
        ]
        header = [_("Requirement"), _("Required"), _("Have"), pgettext("report", "Met")]
        doc.table(_("Minimum team"), header, rows, widths=[10, 2, 2, 2])
    rows = [[r["label"], show(r["members"]), show(r["full_time"])] for r in t["by_role"]]
    doc.table(_("The team by role"), [_("Role"), _("Members"), _("Full-time")], rows)
    if t["certificates"]:
        rows = [[r["label"], show(r["holders"])] for r in t["certificates"]]
        doc.table(_("Certificates held"), [_("Certificate"), _("Holders")], rows)
    doc.heading(sub_numbered(2, _("Training, supervision and meetings")), 2)
    rows = [
        [_("Staff trainings"), show(tr["trainings"])],
        [_("Training attendances"), show(tr["attendances"])],
        [_("Training hours (all attendees)"), show(tr["training_hours"])],
        [_("Supervision sessions"), show(tr["supervisions"])],
        [_("Supervision hours"), show(tr["supervision_hours"])],
        [_("Supervision records"), show(tr["supervision_records"])],
        [_("Meetings"), show(tr["meetings"])],
        [_("Administrative meetings"), show(tr["admin_meetings"])],
    ]
    doc.table(
        _("Training, supervision and meetings in the period"),
        [pgettext("report", "Item"), pgettext("report", "Number")],
        rows,
    )
    if tr["sessions"]:
        rows = [
            [show_day(s["on"]), s["title"], s["provider"], show(s["attendees"]), show(s["hours"])]
            for s in tr["sessions"]
        ]
        header = [_("Date"), _("Title"), _("Given by"), _("Attendees"), _("Hours")]
        doc.table(_("Staff trainings"), header, rows, widths=[3, 6, 3.6, 1.7, 1.7])


def _referrals(doc: ReportDocument, n: int, r: dict[str, Any]) -> None:
    doc.heading(numbered(n, _("Referrals")))
    header = [
        _("Year"),
        _("Direction"),
        _("In the report period"),
        _("In the year"),
        _("Accepted"),
        _("Rejected"),
        _("Completed"),
        _("Still open"),
        _("Completion rate"),
        _("Average days to acceptance"),
    ]
    rows = [
        [
            str(year["year"]),
            d["name"],
            show(d["in_window"]),
            show(d["total"]),
            show(d["accepted"]),
            show(d["rejected"]),
            show(d["completed"]),
            show(d["still_open"]),
            show_percent(d["completion_percent"]),
            show(d["average_days"]),
        ]
        for year in r["years"]
        for d in year["directions"]
    ]
    doc.table(_("Referrals out and in"), header, rows)
    reasons = [
        [str(year["year"]), row["name"], show(row["out"]), show(row["in"])]
        for year in r["years"]
        for row in year["by_reason"]
    ]
    if reasons:
        header = [_("Year"), _("Reason"), _("Referrals out"), _("Referrals in")]
        doc.table(_("Referrals by reason"), header, reasons)
    for year in r["years"]:
        doc.paragraph(
            _(
                "In %(year)s, %(groups)s communication groups were active, with %(traces)s "
                "recorded traces of activity."
            )
            % {
                "year": year["year"],
                "groups": year["active_groups"],
                "traces": year["group_traces"],
            }
        )
    doc.paragraph(
        _(
            "A referral out counts in the year it was sent, a referral in in the year it was "
            "received; drafts and cancelled referrals do not count. Counts only: no person is "
            "shown."
        ),
        size=9,
    )


def _publicity(doc: ReportDocument, n: int, p: dict[str, Any]) -> None:
    doc.heading(numbered(n, _("Publicity")))
    doc.paragraph(
        _(
            "%(total)s articles were published in the period, %(provincial)s of them in "
            "provincial or national media; %(accepted)s were accepted by the purchaser."
        )
        % {"total": p["total"], "provincial": p["provincial"], "accepted": p["accepted"]}
    )
    if p["articles"]:
        rows = [
            [
                show_day(a["published_on"]),
                a["title"],
                a["outlet"],
                a["level_label"],
                _("Yes") if a["accepted"] else _("No"),
            ]
            for a in p["articles"]
        ]
        header = [_("Published on"), _("Title"), _("Outlet"), _("Level"), _("Accepted")]
        doc.table(_("Articles"), header, rows, widths=[3, 6.4, 3.2, 1.7, 1.7])


def _funds(doc: ReportDocument, n: int, scope: sections.Scope, f: dict[str, Any]) -> None:
    doc.heading(numbered(n, _("Fund usage")))
    if not f["lines"]:
        doc.paragraph(_("No budget lines yet."))
        return
    header = [_("Budget line"), _("Budget")]
    keys = ["budget"]
    if scope.quarterly:
        header.append(_("Spent in the quarter"))
        keys.append("spent_in_quarter")
    header += [_("Spent to date"), _("Remaining"), _("Used")]
    keys += ["spent_to_date", "remaining"]
    rows = [
        [row["name"], *(show_money(row[k]) for k in keys), show_percent(row["share_used_percent"])]
        for row in f["lines"]
    ]
    t = f["totals"]
    rows.append(
        [
            pgettext("report", "Total"),
            *(show_money(t[k]) for k in keys),
            show_percent(t["share_used_percent"]),
        ]
    )
    title = _("Fund usage to the end of %(quarter)s (yuan)") % {"quarter": f["quarter_label"]}
    doc.table(title, header, rows)
    rows = [
        [q["label"], show_money(q["spent"]), show_money(q["spent_to_date"])] for q in f["quarters"]
    ]
    header = [_("Quarter"), _("Spent in the quarter"), _("Spent to date")]
    doc.table(_("Spending by quarter (yuan)"), header, rows)
    if len(f["quarters"]) > 1:
        png = charts.grouped_bars(
            [q["label"] for q in f["quarters"]],
            [(_("Spent in the quarter"), [q["spent"] for q in f["quarters"]])],
            ylabel=_("Yuan"),
        )
        doc.picture(png, _("Spending by quarter"))


def _problems(doc: ReportDocument, n: int, parts: dict[str, str]) -> None:
    doc.heading(numbered(n, _("Problems and next steps")))
    doc.heading(sub_numbered(1, _("Problems")), 2)
    doc.text(parts["problems"])
    doc.heading(sub_numbered(2, _("Next steps")), 2)
    doc.text(parts["next_steps"])

"""The referral letter (服务转介单) of a referral out, with its tear-off receipt (回执).

``letter_rows`` builds the content once, in the user's language; the print page and
``letter_docx`` (a Word file in the layout a Chinese office expects: the organisation as header,
宋体 for Chinese text, page numbers in the footer) only lay it out. What the letter says about the
client is exactly what the referral shares (``Referral.shared``, covered by the consent or the
recorded emergency), nothing else: the minimum necessary (PIPL Art. 6). Each item is read only
when it is shared.

A letter is printed only while the basis for sharing holds: for a draft on the day it is
printed, for a referral sent on the day it was sent (``letter_problems``).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, Min
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_SECTION_START
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Mm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph

from anxin.accounts.access import deny
from anxin.accounts.models import User
from anxin.assessments.definitions import localised
from anxin.assessments.models import AssessmentRecord
from anxin.assessments.selectors import band_label
from anxin.cases.models import Case
from anxin.clients.models import Client
from anxin.contracts.catalogue import service_items, workflow_setting
from anxin.core.docx import BODY_FONT, TITLE_FONT, page_numbers, set_fonts
from anxin.referrals import actions
from anxin.referrals.access import get_referral_for_user, record_export
from anxin.referrals.models import Consent, Referral, Share

S = Referral.Status
DANGER = "danger-level"
BLANK = "__________"
CUT = "- " * 14
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class Row:
    label: str
    value: str


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    rows: tuple[Row, ...] = ()
    text: str = ""
    note: str = ""


@dataclass(frozen=True)
class Letter:
    """A letter laid out by the print page and the Word file alike."""

    number: str
    on: dt.date
    organisation: str
    title: str
    number_line: str
    date_line: str
    urgent: str
    sections: tuple[Section, ...]
    signatures: tuple[str, ...]
    cut_line: str
    receipt_title: str
    receipt_lines: tuple[str, ...]
    receipt_note: str
    shared: tuple[str, ...] = field(default=())


def _day(on: dt.date | None) -> str:
    return formats.date_format(on, "DATE_FORMAT") if on else ""


def letter_date(referral: Referral, today: dt.date | None = None) -> dt.date:
    """The letter's date: the day it was sent, or today for a draft."""
    return referral.sent_on or today or timezone.localdate()


def letter_problems(referral: Referral, today: dt.date | None = None) -> list[str]:
    """Why no letter may be printed for ``referral`` (empty if one may): a referral out, not
    cancelled, whose basis for sharing holds on the letter's date."""
    if referral.direction != Referral.Direction.OUT:
        return [_("A referral in has no referral letter.")]
    if referral.status == S.CANCELLED:
        return [_("The referral was cancelled: there is no letter to print.")]
    today = today or timezone.localdate()
    on = today if referral.status == S.DRAFTED else referral.sent_on or today
    return actions.basis_problems_now(referral, on)


def open_letter(user: User, referral_id: Any, *, request: Any = None) -> tuple[Referral, list[str]]:
    """The referral whose letter ``user`` asks for (its team reads it: an audited read; 404
    for anyone else and for a referral in, which has no letter), with why the letter may not be
    printed (empty if it may)."""
    referral = get_referral_for_user(user, referral_id, request=request)
    if referral.direction != Referral.Direction.OUT:
        deny(
            user,
            action="referral.letter",
            object_type="referrals.referral",
            object_id=referral.pk,
            request=request,
            project_id=referral.project_id,
        )
    return referral, letter_problems(referral)


def record_letter_export(user: User, referral: Referral, kind: str, request: Any = None) -> None:
    """The letter left the system (printed or downloaded): an audited export."""
    record_export(
        user, referral, f"referral.letter.{kind}", referral.project.organisation_id, request
    )


# The content ----------------------------------------------------------------------------------


def _with(text: str, detail: str) -> str:
    """``text (detail)``, or the text alone."""
    if not detail:
        return text
    return _("%(text)s (%(detail)s)") % {"text": text, "detail": detail}


def _or_blank(value: str) -> str:
    return value.strip() or BLANK


def _from_rows(referral: Referral) -> tuple[Row, ...]:
    worker = referral.worker
    phone = str(getattr(worker, "phone", "") or "")
    return (
        Row(pgettext("referral letter", "Organisation"), referral.project.organisation.name),
        Row(pgettext("referral letter", "Project"), referral.project.name),
        Row(pgettext("referral letter", "Worker"), worker.display_name),
        Row(pgettext("referral letter", "Phone"), _or_blank(phone)),
    )


def _to_rows(referral: Referral) -> tuple[Row, ...]:
    partner, contact = referral.partner, referral.partner_contact
    person, phone = BLANK, partner.phone
    if contact is not None:
        person = _with(contact.name, contact.role)
        phone = contact.phone or partner.phone
    rows = [
        Row(pgettext("referral letter", "Organisation"), partner.name),
        Row(pgettext("referral letter", "Contact person"), person),
        Row(pgettext("referral letter", "Phone"), _or_blank(phone)),
    ]
    if partner.address:
        rows.append(Row(pgettext("referral letter", "Address"), partner.address))
    return tuple(rows)


def _guardians(client: Client) -> str:
    people = client.family_members.filter(is_guardian=True, active=True).order_by("id")
    found = []
    for person in people:
        parts = [_with(person.name, str(person.get_relation_display()))]
        if person.phone:
            parts.append(person.phone)
        found.append(" ".join(parts))
    return "；".join(found) or _("No guardian recorded")


def _records(case: Case) -> list[AssessmentRecord]:
    return list(
        AssessmentRecord.objects.filter(case=case)
        .select_related("instrument")
        .order_by("-assessed_on", "-id")
    )


def _result(record: AssessmentRecord) -> str:
    total = "" if record.total is None else formats.number_format(record.total, decimal_pos=0)
    band = band_label(record)
    score = _with(total, band) if total else band or _("no score")
    return _("%(score)s, assessed on %(date)s") % {"score": score, "date": _day(record.assessed_on)}


def _risk(records: list[AssessmentRecord]) -> str:
    latest = next((r for r in records if r.instrument.code == DANGER), None)
    if latest is None:
        return _("No danger assessment recorded")
    return _("Danger level: %(result)s") % {"result": _result(latest)}


def _assessments(records: list[AssessmentRecord]) -> str:
    latest: dict[str, AssessmentRecord] = {}
    for record in records:
        if record.instrument.code != DANGER:
            latest.setdefault(record.instrument.code, record)
    lines = [
        _("%(instrument)s: %(result)s")
        % {
            "instrument": localised({"zh": r.instrument.title_zh, "en": r.instrument.title_en}),
            "result": _result(r),
        }
        for r in sorted(latest.values(), key=lambda r: r.instrument.code)
    ]
    return "\n".join(lines) or _("No assessment recorded")


def _services(case: Case) -> str:
    """How many sessions the client attended, by service item: one aggregate query."""
    from anxin.delivery.models import Participant

    rows = list(
        Participant.objects.filter(case=case, attended=True, record__voided=False)
        .values("record__service_item")
        .annotate(n=Count("pk"), first=Min("record__on"), last=Max("record__on"))
        .order_by("-n", "record__service_item")
    )
    if not rows:
        return _("No service recorded yet")
    names = {item["code"]: item["name"] for item in service_items(case.project)}
    items = "、".join(
        _("%(name)s × %(count)s")
        % {"name": names.get(r["record__service_item"], r["record__service_item"]), "count": r["n"]}
        for r in rows
    )
    return _("%(count)s sessions from %(first)s to %(last)s: %(items)s") % {
        "count": sum(r["n"] for r in rows),
        "first": _day(min(r["first"] for r in rows)),
        "last": _day(max(r["last"] for r in rows)),
        "items": items,
    }


def _client_rows(referral: Referral, on: dt.date) -> tuple[Row, ...]:
    """The shared items only, in the order of ``Share``; nothing else is read."""
    case = referral.case
    if case is None:
        return ()
    client = case.client
    shared = set(referral.shared)
    rows: list[Row] = []
    if Share.IDENTITY in shared:
        rows += [
            Row(pgettext("referral letter", "Name"), client.name),
            Row(pgettext("referral letter", "Sex"), str(client.get_sex_display())),
            Row(
                pgettext("referral letter", "Age"), _("%(age)s years") % {"age": client.age_on(on)}
            ),
        ]
    if Share.ID_NUMBER in shared:
        rows.append(Row(pgettext("referral letter", "ID number"), client.id_number))
    if Share.CONTACT in shared:
        rows.append(Row(pgettext("referral letter", "Phone"), _or_blank(client.phone)))
        rows.append(
            Row(pgettext("referral letter", "Address"), client.address or client.street.name)
        )
    if Share.GUARDIAN in shared:
        rows.append(Row(pgettext("referral letter", "Guardian"), _guardians(client)))
    if Share.DIAGNOSIS in shared:
        rows.append(
            Row(pgettext("referral letter", "Diagnosis"), client.diagnosis or _("Not recorded"))
        )
    if shared & {Share.RISK, Share.ASSESSMENTS}:
        records = _records(case)
        if Share.RISK in shared:
            rows.append(Row(pgettext("referral letter", "Danger and risk"), _risk(records)))
        if Share.ASSESSMENTS in shared:
            rows.append(
                Row(pgettext("referral letter", "Recent assessments"), _assessments(records))
            )
    if Share.SERVICES in shared:
        rows.append(Row(pgettext("referral letter", "Services received"), _services(case)))
    return tuple(rows)


def _basis_rows(referral: Referral) -> tuple[Row, ...]:
    consent = referral.consent
    if referral.basis == Referral.Basis.CONSENT and consent is not None:
        given_by = str(consent.get_given_by_display())
        if consent.given_by == Consent.GivenBy.GUARDIAN and consent.guardian_name:
            given_by = _("%(who)s: %(name)s") % {"who": given_by, "name": consent.guardian_name}
        method = str(consent.get_method_display())
        if consent.method == Consent.Method.ORAL and consent.witness:
            method = _("%(method)s (witness: %(witness)s)") % {
                "method": method,
                "witness": consent.witness,
            }
        rows = [
            Row(pgettext("referral letter", "Basis"), str(Referral.Basis.CONSENT.label)),
            Row(pgettext("referral letter", "Given by"), given_by),
            Row(pgettext("referral letter", "Given on"), _day(consent.given_on)),
            Row(pgettext("referral letter", "How"), method),
            Row(pgettext("referral letter", "Purpose"), consent.purpose),
        ]
        if consent.expires_on:
            rows.append(Row(pgettext("referral letter", "Valid until"), _day(consent.expires_on)))
        return tuple(rows)
    return (
        Row(pgettext("referral letter", "Basis"), str(Referral.Basis.EMERGENCY.label)),
        Row(
            pgettext("referral letter", "Legal ground"),
            _("Personal Information Protection Law, Art. 13(4)"),
        ),
        Row(pgettext("referral letter", "The emergency"), referral.emergency_reason),
    )


def letter_rows(referral: Referral, today: dt.date | None = None) -> Letter:
    """The letter of a referral out, in the user's language."""
    on = letter_date(referral, today)
    organisation = referral.project.organisation.name
    shared = tuple(key for key in Share.values if key in set(referral.shared))
    urgent = pgettext("referral letter", "Urgent")
    urgency = urgent if referral.urgent else pgettext("referral letter", "Routine")
    sections = (
        Section("from", _("Referring organisation"), _from_rows(referral)),
        Section("to", _("Receiving organisation"), _to_rows(referral)),
        Section(
            "reason",
            _("Reason for referral"),
            (
                Row(pgettext("referral letter", "Category"), str(referral.get_reason_display())),
                Row(pgettext("referral letter", "Urgency"), urgency),
            ),
        ),
        Section(
            "client",
            _("About the client"),
            _client_rows(referral, on),
            note=_("Only what the client agreed to share is given here (minimum necessary)."),
        ),
        Section("needs", _("What is asked and why"), text=referral.needs),
        Section(
            "basis",
            _("Basis for sharing the information"),
            _basis_rows(referral),
            note=_(
                "Use this information only for this referral and keep it confidential "
                "(Mental Health Law Art. 4; Personal Information Protection Law)."
            ),
        ),
    )
    days = workflow_setting(referral.project, "referral_answer_days")
    cut_here = _("cut here")
    return Letter(
        number=referral.number,
        on=on,
        organisation=organisation,
        title=_("Referral letter"),
        number_line=_("Number: %(number)s") % {"number": referral.number},
        date_line=_("Date: %(date)s") % {"date": _day(on)},
        urgent=urgent if referral.urgent else "",
        sections=sections,
        signatures=(
            _("Referring organisation (stamp): %(blank)s") % {"blank": BLANK},
            _("Worker (signature): %(blank)s") % {"blank": BLANK},
            _("Date: %(blank)s") % {"blank": BLANK},
        ),
        cut_line=f"{CUT}{cut_here} {CUT}".strip(),
        receipt_title=_("Referral receipt"),
        receipt_lines=(
            _("To: %(organisation)s (%(project)s)")
            % {"organisation": organisation, "project": referral.project.name},
            _("Referral number: %(number)s") % {"number": referral.number},
            _("Answer: □ Accepted   □ Not accepted   Reason: %(blank)s") % {"blank": BLANK * 2},
            _("Received by: %(blank)s   Phone: %(blank)s") % {"blank": BLANK},
            _("Date: %(blank)s") % {"blank": BLANK},
            _("Receiving organisation (stamp): %(blank)s") % {"blank": BLANK},
        ),
        receipt_note=_(
            "Please fill in this receipt and return it to %(organisation)s within %(days)s days "
            "of receiving this letter (by hand, by post or as a scan)."
        )
        % {"organisation": organisation, "days": days},
        shared=shared,
    )


# The Word file --------------------------------------------------------------------------------


def _runs(
    paragraph: Paragraph,
    text: str,
    *,
    bold: bool = False,
    size: float = 12,
    east_asian: str = BODY_FONT,
) -> None:
    """The text as runs, a line break for each new line."""
    for n, line in enumerate(text.split("\n")):
        if n:
            paragraph.add_run().add_break()
        run = paragraph.add_run(line)
        run.bold = bold
        run.font.size = Pt(size)
        set_fonts(run._r, east_asian)


def _paragraph(
    document: DocxDocument,
    text: str = "",
    *,
    bold: bool = False,
    size: float = 12,
    align: WD_ALIGN_PARAGRAPH | None = None,
    east_asian: str = BODY_FONT,
    after: float = 4,
    keep: bool = False,
) -> Paragraph:
    """A paragraph; ``keep`` keeps it on the page of the next (a heading, the receipt)."""
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.space_after = Pt(after)
    paragraph.paragraph_format.keep_with_next = keep
    if align is not None:
        paragraph.alignment = align
    _runs(paragraph, text, bold=bold, size=size, east_asian=east_asian)
    return paragraph


def _table(document: DocxDocument, rows: tuple[Row, ...]) -> Table:
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for row in rows:
        label, value = table.add_row().cells
        label.width, value.width = Cm(3.6), Cm(12.4)
        _runs(label.paragraphs[0], row.label, bold=True)
        _runs(value.paragraphs[0], row.value)
    return table


def _setup(document: DocxDocument, letter: Letter) -> None:
    normal = document.styles["Normal"]
    normal.font.size = Pt(12)
    set_fonts(normal.element)
    set_fonts(document.styles["Table Grid"].element)
    section = document.sections[0]
    section.start_type = WD_SECTION_START.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(25)
    section.left_margin = section.right_margin = Mm(25)
    header = section.header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = header.add_run(letter.organisation)
    run.font.size = Pt(10.5)
    set_fonts(run._r)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    page_numbers(footer)


def letter_docx(referral: Referral, today: dt.date | None = None) -> bytes:
    """The letter as a Word file (A4)."""
    letter = letter_rows(referral, today)
    document = Document()
    _setup(document, letter)
    center, right = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT
    _paragraph(document, letter.organisation, size=14, align=center, after=2)
    _paragraph(document, letter.title, bold=True, size=20, align=center, east_asian=TITLE_FONT)
    meta = "　".join(p for p in (letter.number_line, letter.date_line, letter.urgent) if p)
    _paragraph(document, meta, size=10.5, align=right, after=8)
    for section in letter.sections:
        _paragraph(
            document, section.title, bold=True, size=13, after=2, east_asian=TITLE_FONT, keep=True
        )
        if section.rows:
            _table(document, section.rows)
        if section.text:
            _paragraph(document, section.text)
        if section.note:
            _paragraph(document, section.note, size=9, after=6)
    _paragraph(document, "", after=6)
    for line in letter.signatures:
        _paragraph(document, line, after=10)
    # the receipt slip stays whole on one page
    _paragraph(document, letter.cut_line, size=9, align=center, after=6, keep=True)
    _paragraph(document, letter.receipt_title, bold=True, size=16, align=center, keep=True)
    for line in letter.receipt_lines:
        _paragraph(document, line, after=8, keep=True)
    _paragraph(document, letter.receipt_note, size=10.5)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()

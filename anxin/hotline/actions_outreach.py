"""Outreach to people newly certified with a psychiatric disability (CC §3: 100 person-times of
hotline support; issue 6 point 6): import the disabled persons' federation's list, call each
person, record every attempt, and register those who need services as clients in one action.

The import works like the client importer (``anxin.clients.importer``): the header is found by
its Chinese names, every row is checked, the report lists every refused row with its sheet row
number, and nothing is written unless every row is valid (or on a dry run). A person already on
the project's list (same ID number) is refused, as is the same ID twice in the file.

An attempt is a finished outgoing call (purpose ``newly_certified``) linked to the person, with
its result; the result moves the person's status on: ``reached``, ``needs_service`` and
``refused`` always, ``no_answer`` only while nobody has been reached; a person registered as a
client stays so.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anxin.accounts.models import Project, User
from anxin.audit.actions import record as audit
from anxin.audit.models import AuditEvent
from anxin.cases.models import Case
from anxin.clients.actions import client_register, id_index
from anxin.clients.import_columns import Column, cell_text, parse_date, parse_disability_level
from anxin.clients.import_files import ImportFileError, find_layout, read_grids
from anxin.clients.importer import (
    ImportResult,
    RowError,
    _clean_name,
    _is_totals,
    _street_base,
    _street_lookup,
)
from anxin.clients.intake import ClientInput
from anxin.core import idcard
from anxin.core.models import Division
from anxin.hotline.actions import DANGER_LEVELS, QUESTIONS, clean_screening, screening_positive
from anxin.hotline.actions_crisis import escalation_open
from anxin.hotline.models import Call, OutreachPerson
from anxin.hotline.phones import phone_index, phone_problem
from anxin.hotline.selectors import topic_names

CHANGE = AuditEvent.Kind.CHANGE
S = OutreachPerson.Status
ATTEMPT_RESULTS = (S.NO_ANSWER, S.REFUSED, S.REACHED, S.NEEDS_SERVICE)
ENROLLABLE = (S.REACHED, S.NEEDS_SERVICE)
NAME_LENGTH = 64
PHONE_LENGTH = 40
NOTE_LENGTH = 10000
MAX_MINUTES = 600
PSYCHIATRIC = ("精神", "精神残疾", "精神类")

# The columns of the federation's list. Header names are data (what offices write), in Chinese.
COLUMNS: tuple[Column, ...] = (
    Column("serial", "序号", ("编号",), False, gettext_lazy("Row number of your list.")),
    Column("name", "姓名", ("残疾人姓名", "持证人姓名"), True, gettext_lazy("Full name.")),
    Column(
        "id_number",
        "公民身份号码",
        ("身份证号", "身份证号码", "证件号码", "身份证", "居民身份证号码"),
        False,
        gettext_lazy("18-character resident ID number (or give the certificate number)."),
    ),
    Column(
        "cert_number",
        "残疾证号",
        ("残疾人证号", "残疾证号码", "残疾人证号码"),
        False,
        gettext_lazy("20-character disability certificate number: the ID number and two digits."),
    ),
    Column(
        "category",
        "残疾类别",
        ("残疾类型", "类别"),
        False,
        gettext_lazy("Kind of disability: 精神 (psychiatric) on this list."),
    ),
    Column(
        "disability_level",
        "残疾等级",
        ("残疾级别", "残疾证等级", "等级"),
        False,
        gettext_lazy("一级, 二级, 三级, 四级 (or 1–4)."),
    ),
    Column(
        "certified_on",
        "发证日期",
        ("持证日期", "办证日期", "领证日期", "首次发证日期", "残疾证发证日期"),
        False,
        gettext_lazy("Date the certificate was issued."),
    ),
    Column(
        "phone",
        "联系电话",
        ("电话", "手机", "手机号码", "联系方式", "联系人电话"),
        False,
        gettext_lazy("Phone number to call."),
    ),
    Column(
        "street",
        "现居住街道",
        ("所属街道", "街道", "居住街道", "街镇", "乡镇", "乡镇街道", "街道(镇)"),
        False,
        gettext_lazy("Street or town of residence in the project's district."),
    ),
)
BY_KEY = {c.key: c for c in COLUMNS}


# Import ---------------------------------------------------------------------------------------


@dataclass
class OutreachRow:
    sheet_row: int
    serial: str
    name: str
    id_number: str
    phone: str
    certified_on: dt.date | None
    disability_level: str
    street: Division | None


class _RowChecker:
    def __init__(self, project: Project, headers: dict[str, str]) -> None:
        self.project = project
        self.headers = headers
        self.streets = _street_lookup(project)
        self.today = timezone.localdate()

    def header(self, key: str) -> str:
        return self.headers.get(key, BY_KEY[key].header)

    def check(self, values: dict[str, Any], name: str) -> tuple[OutreachRow | None, list[str]]:
        problems: list[str] = []
        if not name:
            problems.append(_("The name is required."))
        elif len(name) > NAME_LENGTH:
            problems.append(_("The name is longer than %(n)d characters.") % {"n": NAME_LENGTH})
        info = self._id(values, problems)
        category = re.sub(r"\s+", "", cell_text(values.get("category")))
        if category and not any(word in category for word in PSYCHIATRIC):
            problems.append(
                _("%(column)s says “%(value)s”: this list is of psychiatric disabilities.")
                % {"column": self.header("category"), "value": category}
            )
        level = parse_disability_level(cell_text(values.get("disability_level")))
        if level is None:
            problems.append(
                _(
                    "Unknown value “%(value)s” in %(column)s; "
                    "write 一级, 二级, 三级 or 四级, or leave it empty."
                )
                % {
                    "value": cell_text(values.get("disability_level")),
                    "column": self.header("disability_level"),
                }
            )
        certified_on = self._date(values.get("certified_on"), problems)
        phone = cell_text(values.get("phone"))
        if len(phone) > PHONE_LENGTH or phone_problem(phone):
            problems.append(
                _("“%(value)s” in %(column)s is not one phone number.")
                % {"value": phone[:PHONE_LENGTH], "column": self.header("phone")}
            )
        street = self._street(cell_text(values.get("street")), problems)
        if problems:
            return None, problems
        return (
            OutreachRow(
                sheet_row=0,
                serial="",
                name=name,
                id_number=info.number,
                phone=phone,
                certified_on=certified_on,
                disability_level=level or "",
                street=street,
            ),
            [],
        )

    def _id(self, values: dict[str, Any], problems: list[str]) -> idcard.IdInfo:
        raw = values.get("id_number")
        if isinstance(raw, str):
            raw = raw.strip().lstrip("'")
        cert = idcard.normalise(cell_text(values.get("cert_number")))
        if cell_text(raw) == "" and cert:
            raw = cert[:18]  # the certificate number is the ID number and two digits
        if cell_text(raw) == "":
            problems.append(_("The ID number is empty."))
            return idcard.IdInfo("", False)
        info = idcard.parse(raw)
        if not info.valid:
            problems.append(_("Resident ID number: %(error)s.") % {"error": info.error})
        elif cert and not cert.startswith(info.number):
            problems.append(
                _("%(column)s does not begin with the ID number.")
                % {"column": self.header("cert_number")}
            )
        return info

    def _date(self, value: Any, problems: list[str]) -> dt.date | None:
        try:
            day = parse_date(value)
        except ValueError:
            problems.append(
                _("The date “%(value)s” in %(column)s cannot be read; write it like 2020-01-02.")
                % {"value": cell_text(value), "column": self.header("certified_on")}
            )
            return None
        if day is not None and day > self.today:
            problems.append(
                _("The date in %(column)s is in the future.")
                % {"column": self.header("certified_on")}
            )
        return day

    def _street(self, text: str, problems: list[str]) -> Division | None:
        if not text:
            return None
        district = self.project.district
        street = self.streets.get(re.sub(r"\s+", "", text)) or self.streets.get(
            _street_base(text, district)
        )
        if street is None:
            problems.append(
                _("Unknown street “%(value)s”: not a street or town of %(district)s.")
                % {"value": text, "district": district.name}
            )
        return street


def check_outreach_file(
    project: Project, path: Path, *, file_name: str = ""
) -> tuple[ImportResult, list[OutreachRow]]:
    """Read and check every row without writing anything."""
    layout = find_layout(read_grids(path, file_name), COLUMNS)
    if not {"id_number", "cert_number"} & set(layout.headers):
        raise ImportFileError(
            _("The header (row %(row)d) has no column for: %(columns)s.")
            % {"row": layout.header_row, "columns": BY_KEY["id_number"].header}
        )
    grid = layout.grid
    result = ImportResult(
        file_name=file_name or path.name,
        sheet=grid.title,
        header_row=layout.header_row,
        ignored_columns=layout.ignored,
    )
    checker = _RowChecker(project, layout.headers)
    on_list = set(
        OutreachPerson.objects.filter(project=project)
        .exclude(id_number_index="")
        .values_list("id_number_index", flat=True)
    )
    first_seen: dict[str, int] = {}
    rows: list[OutreachRow] = []
    for sheet_row, cells in enumerate(grid.rows[layout.header_row :], start=layout.header_row + 1):
        values = {key: cells[i] if i < len(cells) else None for i, key in layout.columns.items()}
        if all(cell_text(v) == "" for k, v in values.items() if k != "serial"):
            continue
        serial = cell_text(values.get("serial"))
        name = _clean_name(cell_text(values.get("name")))
        id_text = cell_text(values.get("id_number")) or cell_text(values.get("cert_number"))
        if _is_totals(cells, name, id_text):
            result.notes.append(RowError(sheet_row, serial, name, [_("Totals row, skipped.")]))
            continue
        if sheet_row in grid.banners:
            result.notes.append(
                RowError(sheet_row, serial, "", [_("A title or note across the table, skipped.")])
            )
            continue
        row, problems = checker.check(values, name)
        if row is not None:
            if row.id_number in first_seen:
                problems.append(
                    _("The same ID number as sheet row %(row)d.")
                    % {"row": first_seen[row.id_number]}
                )
            elif id_index(row.id_number) in on_list:
                problems.append(_("This person is already on the project's outreach list."))
            first_seen.setdefault(row.id_number, sheet_row)
        if problems or row is None:
            result.errors.append(RowError(sheet_row, serial, name, problems))
            continue
        row.sheet_row, row.serial = sheet_row, serial
        result.rows_ok += 1
        rows.append(row)
    if result.rows_total == 0:
        raise ImportFileError(
            _("There are no rows below the header (row %(row)d).") % {"row": layout.header_row}
        )
    return result, rows


def outreach_import(
    *,
    project: Project,
    path: Path,
    acting_user: User | None,
    file_name: str = "",
    dry_run: bool = False,
    request: HttpRequest | None = None,
) -> ImportResult:
    """Check the file; unless it is a dry run or a row is refused, put every row on the project's
    outreach list ("to call") in one transaction with one audit event. Any refusal writes
    nothing."""
    result, rows = check_outreach_file(project, path, file_name=file_name)
    result.dry_run = dry_run
    if dry_run or result.errors:
        return result
    people = [
        OutreachPerson(
            project=project,
            name=row.name,
            id_number=row.id_number,
            id_number_index=id_index(row.id_number),
            phone=row.phone,
            phone_index=phone_index(row.phone),
            certified_on=row.certified_on,
            disability_level=row.disability_level,
            street=row.street,
            created_by=acting_user,
            updated_by=acting_user,
        )
        for row in rows
    ]
    try:
        with transaction.atomic():
            OutreachPerson.objects.bulk_create(people)
            audit(
                actor=acting_user,
                kind=CHANGE,
                action="outreach.import",
                obj=project,
                project_id=project.pk,
                request=request,
                detail={"file": result.file_name, "sheet": result.sheet, "rows": len(rows)},
            )
    except IntegrityError as exc:  # another import of the same people at the same moment
        raise ImportFileError(
            _("Someone imported some of these people meanwhile; check the file again.")
        ) from exc
    result.created = len(people)
    return result


# Attempts and enrolment -----------------------------------------------------------------------


def _next_status(current: str, result: str) -> str:
    if current == S.ENROLLED:
        return current
    if result == S.NO_ANSWER and current not in (S.PLANNED, S.NO_ANSWER):
        return current  # someone reached once is not "unreached" by an unanswered call
    return result


@transaction.atomic
def outreach_attempt_record(
    *,
    person: OutreachPerson,
    result: str,
    started_at: dt.datetime | None,
    minutes: int | None = None,
    caller_type: str = Call.CallerType.CLIENT,
    notes: str = "",
    topics: Sequence[str] = (),
    screening: Mapping[str, Any] | None = None,
    acting_user: User,
    request: HttpRequest | None = None,
) -> Call:
    """One attempt to reach a person of the list: a finished outgoing call with its result,
    which moves the person's status on (see the module's description). A risk screening that
    is positive opens the crisis escalation at once, as on any call."""
    errors: list[str] = []
    screened = clean_screening(screening)
    if any(screened[key] not in (True, False, None) for key in QUESTIONS) or screened[
        "danger_level"
    ] not in (None, *DANGER_LEVELS):
        errors.append(_("Answer the screening questions yes or no."))
    known = topic_names(person.project)
    strange = [str(t) for t in topics if t not in known]
    if strange:
        errors.append(
            _("Not a topic of this project's hotline: %(topics)s.") % {"topics": ", ".join(strange)}
        )
    if result not in ATTEMPT_RESULTS:
        errors.append(_("Choose the result of the attempt."))
    if started_at is None:
        errors.append(_("Give the time of the call."))
    elif started_at > timezone.now() + dt.timedelta(minutes=5):
        errors.append(_("The time of the call cannot be in the future."))
    if minutes is not None and not 0 <= minutes <= MAX_MINUTES:
        errors.append(_("The duration must be between 0 and %(n)d minutes.") % {"n": MAX_MINUTES})
    if caller_type not in Call.CallerType.values:
        errors.append(_("Choose who answered."))
    if len(notes) > NOTE_LENGTH:
        errors.append(_("The note is too long (at most %(n)d characters).") % {"n": NOTE_LENGTH})
    if errors:
        raise ValidationError(errors)
    assert started_at is not None
    positive, finding = screening_positive(screened)
    locked = OutreachPerson.objects.select_for_update().get(pk=person.pk)
    before = locked.status
    outcomes: dict[str, str] = {
        S.REACHED: Call.Outcome.SUPPORTED,
        S.NEEDS_SERVICE: Call.Outcome.REFERRED,
    }
    call = Call.objects.create(
        project_id=person.project_id,
        operator=acting_user,
        status=Call.Status.DONE,
        channel=Call.Channel.PHONE_OUT,
        purpose=Call.Purpose.NEWLY_CERTIFIED,
        started_at=started_at,
        minutes=minutes,
        caller_type=caller_type,
        caller_name=person.name,
        phone=person.phone,
        phone_index=person.phone_index,
        case=Case.objects.filter(client_id=person.client_id, project_id=person.project_id)
        .order_by("-id")
        .first()
        if person.client_id
        else None,
        street=person.street,
        topics=list(dict.fromkeys(topics)),
        screening=screened,
        screened_positive=positive,
        notes=notes.strip(),
        outcome=outcomes.get(result, ""),
        outreach=person,
        attempt_result=result,
        created_by=acting_user,
        updated_by=acting_user,
    )
    after = _next_status(before, result)
    if after != before:
        person.status = after
        person.updated_by = acting_user
        person.save(update_fields=["status", "updated_by", "updated_at"])
    audit(
        actor=acting_user,
        kind=CHANGE,
        action="outreach.attempt",
        obj=person,
        organisation_id=person.project.organisation_id,
        request=request,
        detail={"call": call.pk, "result": result, "status": [before, after]},
    )
    if positive:
        escalation_open(call=call, reason=finding, acting_user=acting_user, request=request)
    return call


def enrol_input(person: OutreachPerson) -> ClientInput:
    """The intake the list gives for ``person``; the project's intake rules judge it."""
    return ClientInput(
        name=person.name,
        id_number=person.id_number,
        street=person.street or Division(code="", name="", parent=person.project.district),
        phone=person.phone,
        disability_level=person.disability_level,
        disability_cert_issued_on=person.certified_on,
    )


@transaction.atomic
def outreach_enrol(
    *,
    person: OutreachPerson,
    acting_user: User,
    opened_on: dt.date | None = None,
    request: HttpRequest | None = None,
) -> Case:
    """Register a reached person as a client of the project in one action, with what the list
    gives (name, ID number, phone, street, certificate level and date). The project's intake
    rules may refuse: the reasons are raised and nothing changes. The person's outreach calls
    are linked to the new case."""
    locked = OutreachPerson.objects.select_for_update().get(pk=person.pk)
    errors: list[str] = []
    if locked.status == S.ENROLLED:
        errors.append(_("This person is already registered as a client."))
    elif locked.status not in ENROLLABLE:
        errors.append(_("Only a person who was reached can be registered as a client."))
    if person.street is None:
        errors.append(_("The street of residence is not known: add it before registering."))
    if errors:
        raise ValidationError(errors)
    with translation.override(settings.LANGUAGE_CODE):  # stored text: the users' language
        note = _("Newly certified: reached by the hotline's outreach.")
    case = client_register(
        project=person.project,
        data=enrol_input(person),
        acting_user=acting_user,
        opened_on=opened_on,
        request=request,
        source="outreach",
        referral_note=note,
    )
    person.status = S.ENROLLED
    person.client = case.client
    person.updated_by = acting_user
    person.save(update_fields=["status", "client", "updated_by", "updated_at"])
    now = timezone.now()
    linked = Call.objects.filter(outreach=person, case__isnull=True).update(
        case=case, linked_reason=note[:200], linked_at=now, linked_by=acting_user
    )
    audit(
        actor=acting_user,
        kind=CHANGE,
        action="outreach.enrol",
        obj=person,
        organisation_id=person.project.organisation_id,
        request=request,
        detail={"case": case.pk, "client": case.client_id, "calls_linked": linked},
    )
    return case

"""Assessment pages: fill one for a case (one question per card), read one, a case's scores over
time with the change indicators, and the instrument admin of an organisation."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from anxin.accounts.access import require_org_admin
from anxin.assessments import actions, selectors
from anxin.assessments.access import get_assessment_for_user
from anxin.assessments.change import RULES, improvement_rule
from anxin.assessments.definitions import localised
from anxin.assessments.forms import InstrumentUploadForm, StartForm
from anxin.assessments.models import AssessmentRecord, Instrument
from anxin.assessments.scoring import ScoringError
from anxin.assessments.selectors import (
    answer_rows,
    band_label,
    changes,
    current_instruments,
    flag_list,
    instruments_for,
    score_series,
)
from anxin.assessments.validation import is_number
from anxin.cases.access import cases_visible_to, get_case_for_user
from anxin.cases.models import Case
from anxin.core.requests import AuthedHttpRequest

T = AssessmentRecord.Timepoint


def _questions(
    definition: dict[str, Any], data: QueryDict | None, errors: dict[str, str]
) -> list[dict[str, Any]]:
    """The items of a definition as cards: text, options, the answer given so far, the error."""
    questions = []
    for number, item in enumerate(definition.get("items", []), start=1):
        code = item["code"]
        kind = item.get("type", "choice")
        name = f"item-{code}"
        chosen = (data.getlist(name) if kind == "multi" else [data.get(name, "")]) if data else []
        options = [
            {
                "value": o["value"],
                "label": localised(o.get("label")),
                "show_value": is_number(o["value"]),
                "checked": str(o["value"]) in chosen,
            }
            for o in item.get("options") or []
        ]
        questions.append(
            {
                "code": code,
                "name": name,
                "number": number,
                "type": kind,
                "text": localised(item.get("text")),
                "help": localised(item.get("help")),
                "required": item.get("required", True),
                "options": options,
                "value": chosen[0] if chosen else "",
                "min": item.get("min"),
                "max": item.get("max"),
                "error": errors.get(code, ""),
            }
        )
    return questions


def _answers(definition: dict[str, Any], data: QueryDict) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for item in definition.get("items", []):
        name = f"item-{item['code']}"
        if item.get("type", "choice") == "multi":
            answers[item["code"]] = data.getlist(name)
        else:
            answers[item["code"]] = data.get(name, "")
    return answers


def _can_write(request: AuthedHttpRequest, case: Case) -> bool:
    return cases_visible_to(request.user, write=True).filter(pk=case.pk).exists()


@login_required
def assessment_new(request: AuthedHttpRequest, case_id: int) -> HttpResponse:
    """Choose instrument, timepoint and date (a GET form), then answer one card per question."""
    case = get_case_for_user(request.user, case_id, write=True, request=request)
    instruments = current_instruments(case.project.organisation_id)
    default_timepoint = request.GET.get("timepoint") or (
        T.FOLLOW_UP if case.status == Case.Status.CLOSED else T.PROCESS
    )
    data = request.POST if request.method == "POST" else request.GET
    start = StartForm(
        data if "instrument" in data else None,
        instruments=instruments,
        initial={"timepoint": default_timepoint},
    )
    context: dict[str, Any] = {
        "case": case,
        "start": start,
        "refusal": actions.recording_refusal(case, default_timepoint),
    }
    if not start.is_bound or not start.is_valid():
        return render(request, "assessments/new.html", context)
    instrument: Instrument = start.cleaned_data["instrument"]
    definition = instrument.definition
    errors: dict[str, str] = {}
    problems: list[str] = []
    if request.method == "POST":
        try:
            assessment = actions.assessment_record(
                case=case,
                instrument=instrument,
                timepoint=start.cleaned_data["timepoint"],
                assessed_on=start.cleaned_data["assessed_on"],
                answers=_answers(definition, request.POST),
                notes=request.POST.get("notes", ""),
                acting_user=request.user,
                request=request,
            )
        except ScoringError as exc:
            errors = {item: message for item, message in exc.problems if item}
            problems = [message for item, message in exc.problems if not item]
        except ValidationError as exc:
            problems = exc.messages
        else:
            messages.success(request, _("Assessment recorded."))
            if assessment.flags:
                messages.warning(
                    request,
                    _(
                        "Risk found: %(flags)s. A crisis task was raised for the worker and the "
                        "supervisor."
                    )
                    % {"flags": "; ".join(flag_list(assessment))},
                )
            return redirect("assessments:detail", record_id=assessment.pk)
    context.update(
        instrument=instrument,
        title=localised({"zh": instrument.title_zh, "en": instrument.title_en}),
        instructions=localised(definition.get("instructions")),
        questions=_questions(
            definition, request.POST if request.method == "POST" else None, errors
        ),
        problems=problems,
        has_errors=bool(errors or problems),
        timepoint_label=T(start.cleaned_data["timepoint"]).label,
        notes=request.POST.get("notes", ""),
        refusal=actions.recording_refusal(case, start.cleaned_data["timepoint"]),
    )
    return render(request, "assessments/fill.html", context)


@login_required
def assessment_detail(request: AuthedHttpRequest, record_id: int) -> HttpResponse:
    assessment = get_assessment_for_user(request.user, record_id, request=request)
    answers = actions.stored_answers(assessment)
    context = {
        "assessment": assessment,
        "case": assessment.case,
        "title": localised(
            {"zh": assessment.instrument.title_zh, "en": assessment.instrument.title_en}
        ),
        "band_label": band_label(assessment),
        "flags": flag_list(assessment),
        "rows": answer_rows(assessment, answers),
        "subscales": selectors.subscale_rows(assessment),
    }
    return render(request, "assessments/detail.html", context)


@login_required
def case_assessments(request: AuthedHttpRequest, case_id: int) -> HttpResponse:
    """A case's assessments, a line chart per instrument and the change indicators."""
    case = get_case_for_user(request.user, case_id, request=request)
    records = selectors.case_assessments(case)
    rule = improvement_rule(case.project)
    rows = [
        {
            "record": r,
            "title": localised({"zh": r.instrument.title_zh, "en": r.instrument.title_en}),
            "band_label": band_label(r),
            "flags": flag_list(r),
        }
        for r in records
    ]
    context = {
        "case": case,
        "rows": rows,
        "series": score_series(records),
        "changes": changes(records, rule),
        "rule_label": RULES[rule],
        "can_write": _can_write(request, case),
    }
    return render(request, "assessments/case.html", context)


@login_required
def instrument_admin(request: AuthedHttpRequest) -> HttpResponse:
    """An organisation admin's list of instruments, and the upload of the organisation's own."""
    organisation = require_org_admin(request.user, request)
    form = InstrumentUploadForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            instrument = actions.instrument_add(
                organisation=organisation,
                yaml_text=form.cleaned_data["definition"],
                acting_user=request.user,
                request=request,
            )
        except ValidationError as exc:
            problems = exc.messages
        else:
            messages.success(
                request,
                _("%(code)s version %(version)s is stored and can be used in assessments.")
                % {"code": instrument.code, "version": instrument.version},
            )
            return redirect("assessments:instruments")
    instruments = [
        {
            "instrument": i,
            "title": localised({"zh": i.title_zh, "en": i.title_en}),
            "items": len((i.definition or {}).get("items", [])),
        }
        for i in instruments_for(organisation.pk)
    ]
    context = {"form": form, "problems": problems, "instruments": instruments}
    return render(request, "assessments/instruments.html", context)

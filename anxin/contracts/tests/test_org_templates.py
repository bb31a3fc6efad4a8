"""Organisations' own contract templates: stored only when valid (every problem shown, nothing
saved), audited, for organisation admins only; loaded by code and version; projects start from
them like from the shipped ones."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from anxin.accounts import actions as account_actions
from anxin.accounts.models import Project
from anxin.assessments.models import Instrument
from anxin.audit.models import AuditEvent
from anxin.contracts.actions import contract_template_save
from anxin.contracts.catalogue import TEMPLATE_DIR, TemplateError, load_template
from anxin.contracts.models import ContractTemplate, PaymentMilestone
from anxin.contracts.selectors import available_templates
from anxin.contracts.targets import project_targets

LIWAN = (TEMPLATE_DIR / "liwan-rehab.yaml").read_text(encoding="utf-8")
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
REFUSED = ["lead", "worker", "counsellor", "supervisor", "other_worker", "purchaser", "outsider"]


def own_yaml(
    code: str = "likang-rehab", version: int = 1, replace: dict[str, str] | None = None
) -> str:
    text = LIWAN.replace("code: liwan-rehab", f"code: {code}", 1)
    text = text.replace("version: 1", f"version: {version}", 1)
    text = text.replace("精神障碍社区康复服务（荔湾模板）", "荔康社区康复（自有模板）", 1)
    for old, new in (replace or {}).items():
        assert old in text
        text = text.replace(old, new)
    return text


BROKEN = own_yaml(
    replace={
        "direct: [0.5, 1], indirect: 3}": "direct: [1, 0.5], indirect: 3}",
        "unit: groups": "unit: bananas",
    }
)


def test_admin_stores_a_valid_template_with_an_audit_event(world):
    template = contract_template_save(
        organisation=world.org, source_text=own_yaml(), acting_user=world.admin
    )
    assert (template.code, template.version, template.title) == (
        "likang-rehab",
        1,
        "荔康社区康复（自有模板）",
    )
    assert template.organisation == world.org and template.created_by == world.admin
    event = AuditEvent.objects.get(action="contract_template.save")
    assert event.detail["code"] == "likang-rehab" and event.organisation_id == world.org.pk
    assert load_template("likang-rehab")["code"] == "likang-rehab"
    assert ("likang-rehab", "荔康社区康复（自有模板）") in available_templates(world.org)
    assert "likang-rehab" not in dict(available_templates(world.other_org))


def test_an_invalid_template_lists_every_problem_and_stores_nothing(world):
    events = AuditEvent.objects.count()
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        contract_template_save(organisation=world.org, source_text=BROKEN, acting_user=world.admin)
    messages = exc.value.messages
    assert messages[0] == "The template is not a valid contract template:"
    assert any(m.startswith("indicators[4c].hours.direct:") for m in messages)
    assert any(m.startswith("indicators[3].unit:") and "bananas" in m for m in messages)
    assert ContractTemplate.objects.count() == 0 and AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (LIWAN, "shipped with anxin"),
        ("code: [", "line"),
        ("- just\n- a list\n", "no mapping"),
    ],
)
def test_shipped_codes_and_unreadable_text_are_refused(world, text, words):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        contract_template_save(organisation=world.org, source_text=text, acting_user=world.admin)
    assert words in " ".join(exc.value.messages)
    assert not ContractTemplate.objects.exists()


def test_a_new_version_replaces_the_text_and_loading_follows_it(world):
    contract_template_save(organisation=world.org, source_text=own_yaml(), acting_user=world.admin)
    assert load_template("likang-rehab")["defaults"]["client_target"] == 200
    with translation.override("en"), pytest.raises(ValidationError) as same:
        contract_template_save(
            organisation=world.org,
            source_text=own_yaml(replace={"client_target: 200": "client_target: 150"}),
            acting_user=world.admin,
        )
    assert "give this one version 2 or higher" in same.value.messages[0]
    assert load_template("likang-rehab")["defaults"]["client_target"] == 200
    contract_template_save(
        organisation=world.org,
        source_text=own_yaml(version=2, replace={"client_target: 200": "client_target: 150"}),
        acting_user=world.admin,
    )
    assert ContractTemplate.objects.get().version == 2
    assert load_template("likang-rehab")["defaults"]["client_target"] == 150  # not the cached v1


def test_another_organisations_code_is_taken(world):
    contract_template_save(organisation=world.org, source_text=own_yaml(), acting_user=world.admin)
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        contract_template_save(
            organisation=world.other_org,
            source_text=own_yaml(version=5),
            acting_user=world.outsider,
        )
    assert "is taken" in exc.value.messages[0]
    assert ContractTemplate.objects.get().organisation == world.org


def test_the_organisations_own_instruments_may_be_named(world):
    sdss_rule = "item: medication_training, instrument: sdss"
    text = own_yaml(replace={sdss_rule: sdss_rule.replace("sdss", "our-scale")})
    with pytest.raises(ValidationError):
        contract_template_save(organisation=world.org, source_text=text, acting_user=world.admin)
    sdss = Instrument.objects.get(organisation__isnull=True, code="sdss", version=1)
    Instrument.objects.create(
        organisation=world.org,
        code="our-scale",
        version=1,
        title_zh="自有量表",
        title_en="Our scale",
        definition=sdss.definition,
    )
    contract_template_save(organisation=world.org, source_text=text, acting_user=world.admin)
    assert load_template("likang-rehab")["code"] == "likang-rehab"


def test_unknown_code_is_a_template_error(db):
    with pytest.raises(TemplateError):
        load_template("no-such-template")


# Projects from an own template -----------------------------------------------------------------


def _project(world, template: str, organisation=None, code: str = "own-2027") -> Project:
    return account_actions.project_create(
        organisation=organisation or world.org,
        code=code,
        name="自有模板项目",
        purchaser="区民政局",
        template=template,
        period_start=dt.date(2027, 1, 1),
        period_end=dt.date(2027, 12, 31),
        district=world.liwan.district,
        budget_ceiling=Decimal("500000"),
        client_target=90,
        acting_user=world.admin,
    )


def test_a_project_starts_from_the_organisations_own_template(world, login):
    contract_template_save(organisation=world.org, source_text=own_yaml(), acting_user=world.admin)
    http = login(world.admin)
    form = http.get(reverse("accounts:project-create"), {"template": "likang-rehab"})
    assert ("likang-rehab", "荔康社区康复（自有模板）") in form.context["form"].fields[
        "template"
    ].choices
    assert form.context["form"].initial["template"] == "likang-rehab"
    response = http.post(
        reverse("accounts:project-create"),
        {
            "code": "own-2027",
            "name": "自有模板项目",
            "template": "likang-rehab",
            "purchaser": "区民政局",
            "district": "440103",
            "period_start": "2027-01-01",
            "period_end": "2027-12-31",
            "budget_ceiling": "500000",
            "client_target": "90",
        },
    )
    assert response.status_code == 302
    project = Project.objects.get(code="own-2027")
    assert project.template == "likang-rehab" and project.eligibility["require_stable_condition"]
    assert project_targets(project)["4c"] == Decimal(300)  # floor(90/3) × 10
    assert PaymentMilestone.objects.filter(project=project).count() == 3


def test_another_organisations_template_cannot_be_used(world):
    contract_template_save(organisation=world.org, source_text=own_yaml(), acting_user=world.admin)
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        _project(world, "likang-rehab", organisation=world.other_org)
    assert "no contract template likang-rehab" in exc.value.messages[0]
    with pytest.raises(ValidationError):
        _project(world, "nonexistent")
    assert not Project.objects.filter(code="own-2027").exists()


# The page --------------------------------------------------------------------------------------


def test_admin_pastes_a_template_on_the_page(world, login):
    http = login(world.admin)
    page = http.get(reverse("contracts:templates"))
    assert page.status_code == 200
    assert reverse("contracts:template-download", args=["liwan-rehab"]) in page.content.decode()
    response = http.post(reverse("contracts:templates"), {"source": own_yaml()})
    assert response.status_code == 302
    listing = http.get(reverse("contracts:templates")).content.decode()
    assert "likang-rehab" in listing and "荔康社区康复（自有模板）" in listing


def test_problems_are_shown_on_the_page_and_nothing_is_stored(world, login):
    http = login(world.admin)
    response = http.post(reverse("contracts:templates"), {"source": BROKEN})
    assert response.status_code == 200
    problems = response.context["problems"]
    assert len(problems) == 3  # the head line and the two problems
    body = response.content.decode()
    assert "indicators[4c].hours.direct" in body and "indicators[3].unit" in body
    assert not ContractTemplate.objects.exists()


def test_admin_uploads_a_template_file(world, login):
    http = login(world.admin)
    upload = SimpleUploadedFile("own.yaml", own_yaml().encode(), content_type="application/x-yaml")
    response = http.post(reverse("contracts:templates"), {"file": upload})
    assert response.status_code == 302
    assert ContractTemplate.objects.get().code == "likang-rehab"
    latin1 = SimpleUploadedFile("bad.yaml", "标题".encode("gb18030"))
    response = http.post(reverse("contracts:templates"), {"file": latin1}, **EN)
    assert "not UTF-8" in response.content.decode()
    empty = http.post(reverse("contracts:templates"), {"source": "  "}, **EN)
    assert "Paste a template" in empty.content.decode()


def test_admin_downloads_shipped_and_own_templates(world, login):
    contract_template_save(organisation=world.org, source_text=own_yaml(), acting_user=world.admin)
    http = login(world.admin)
    shipped = http.get(reverse("contracts:template-download", args=["liwan-rehab"]))
    assert shipped.status_code == 200 and shipped.content.decode() == LIWAN
    assert 'filename="liwan-rehab.yaml"' in shipped["Content-Disposition"]
    own = http.get(reverse("contracts:template-download", args=["likang-rehab"]))
    assert own.content.decode() == own_yaml()
    assert http.get(reverse("contracts:template-download", args=["nope"])).status_code == 404


@pytest.mark.parametrize("persona", REFUSED)
def test_only_organisation_admins_reach_templates(world, login, persona):
    contract_template_save(organisation=world.org, source_text=own_yaml(), acting_user=world.admin)
    http = login(getattr(world, persona))
    assert http.get(reverse("contracts:templates")).status_code == 403
    response = http.post(reverse("contracts:templates"), {"source": own_yaml("x-rehab")})
    assert response.status_code == 403
    download = http.get(reverse("contracts:template-download", args=["likang-rehab"]))
    assert download.status_code == 403
    assert ContractTemplate.objects.count() == 1


def test_an_admin_of_another_organisation_cannot_read_ours(world, login):
    contract_template_save(organisation=world.org, source_text=own_yaml(), acting_user=world.admin)
    world.outsider.is_org_admin = True
    world.outsider.save()
    http = login(world.outsider)
    download = http.get(reverse("contracts:template-download", args=["likang-rehab"]))
    assert download.status_code == 404
    assert "likang-rehab" not in http.get(reverse("contracts:templates")).content.decode()
    api = http.get("/api/v1/contract-templates/likang-rehab")
    assert api.status_code == 404


# The API ---------------------------------------------------------------------------------------


def test_api_lists_reads_and_stores_templates(world, login):
    http = login(world.admin)
    listing = http.get("/api/v1/contract-templates").json()
    assert [t["code"] for t in listing if t["shipped"]] == ["chongchuan-psych", "liwan-rehab"]
    shipped = http.get("/api/v1/contract-templates/liwan-rehab").json()
    assert shipped["source"] == LIWAN and shipped["version"] == 1
    created = http.post(
        "/api/v1/contract-templates", {"source": own_yaml()}, content_type="application/json"
    )
    assert created.status_code == 201 and created.json()["code"] == "likang-rehab"
    refused = http.post(
        "/api/v1/contract-templates", {"source": BROKEN}, content_type="application/json", **EN
    )
    assert refused.status_code == 422
    assert any("indicators[4c].hours.direct" in e for e in refused.json()["errors"])
    own = http.get("/api/v1/contract-templates/likang-rehab").json()
    assert own["shipped"] is False and own["source"] == own_yaml()
    assert ContractTemplate.objects.count() == 1


@pytest.mark.parametrize("persona", REFUSED)
def test_api_templates_are_for_organisation_admins(world, login, persona):
    http = login(getattr(world, persona))
    assert http.get("/api/v1/contract-templates").status_code == 403
    response = http.post(
        "/api/v1/contract-templates", {"source": own_yaml()}, content_type="application/json"
    )
    assert response.status_code == 403
    assert not ContractTemplate.objects.exists()

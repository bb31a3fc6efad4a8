"""The referral letter (服务转介单) of a referral out: the Word file read back carries the shared
items and nothing else, the number, both organisations and the receipt slip; it is refused, with
the reasons and nothing exported, when the basis for sharing does not hold; each letter printed
or downloaded is an audited export; only the project's team gets it."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import translation
from docx import Document
from playwright.sync_api import expect

from anxin.audit.models import AuditEvent
from anxin.cases.models import Step
from anxin.cases.testing import add_assessment, walk
from anxin.clients.tests.test_browser_register import log_in
from anxin.delivery.actions import ParticipantInput
from anxin.delivery.tests.test_records import make
from anxin.referrals import actions, actions_consent, actions_network
from anxin.referrals.letter import letter_docx, letter_problems, letter_rows
from anxin.referrals.models import Referral, Share
from anxin.referrals.tests.factories import (
    TODAY,
    auth,
    case,
    consent,
    partner,
    referral_in,
    referral_out,
)

EXPORT = AuditEvent.Kind.EXPORT
ID_NUMBER_TAIL = "44010319800101001"  # the world's client: the first 17 digits of the ID number
CLIENT_PHONE, GUARDIAN_PHONE = "13800138000", "13900139000"
ADDRESS = "荔湾区沙面北街12号"


def text_of(content: bytes) -> str:
    """Every piece of text of a Word file: body paragraphs, tables, header and footer."""
    document = Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    for section in document.sections:
        parts += [p.text for p in section.header.paragraphs]
        parts += [p.text for p in section.footer.paragraphs]
    return "\n".join(parts)


def letter_path(referral: Referral, name: str = "letter") -> str:
    return reverse(f"referrals:{name}", args=[referral.pk])


def api_path(referral: Referral) -> str:
    return f"/api/v1/referrals/{referral.pk}/letter.docx"


@pytest.fixture
def out(world) -> Referral:
    """A drafted referral out to a district centre, with a contact, sharing identity and
    diagnosis only."""
    to = partner(world)
    contact = actions_network.partner_contact_add(
        partner=to, name="刘医生", role="精防科", phone="020-81000001", acting_user=world.lead
    )
    return referral_out(world, case(world), to, partner_contact=contact, urgent=True)


def test_the_letter_carries_what_is_shared_and_nothing_else(world, out):
    with translation.override("en"):
        text = text_of(letter_docx(out))
    assert out.number in text and "荔湾区精神卫生中心" in text and "刘医生" in text
    assert "荔康社会工作服务中心" in text and "测试项目 lw" in text and "王社工" in text
    assert "张三" in text and "精神分裂症" in text and "Urgent" in text  # identity, diagnosis
    assert "近两周睡眠差" in text  # what is asked
    assert ID_NUMBER_TAIL not in text  # the ID number is not shared
    assert CLIENT_PHONE not in text and ADDRESS not in text  # nor the contact details
    assert "张母" not in text and GUARDIAN_PHONE not in text  # nor the guardian
    assert "Danger level" not in text and "Services received" not in text
    assert "Referral letter" in text and "Basis for sharing the information" in text
    assert "Signed consent form" in text and "转介就医" in text  # the consent: how, purpose
    assert "Referral receipt" in text and "□ Accepted" in text and "□ Not accepted" in text
    assert "stamp" in text and "return it to 荔康社会工作服务中心 within 14 days" in text


def test_every_shared_item_is_printed_when_the_consent_covers_it(world):
    served = walk(case(world), Step.SERVICE, world.worker, klass_scores=(2, 9))
    add_assessment(served, "phq9", 12, timepoint="process")
    for _n in range(2):
        make(world, [ParticipantInput("client", case=served)])
    everything = list(Share.values)
    given = consent(world, served, scope=everything)
    referral = referral_out(world, served, partner(world), with_consent=given, shared=everything)
    with translation.override("en"):
        letter = letter_rows(referral)
        text = text_of(letter_docx(referral))
    assert letter.shared == tuple(Share.values)
    assert ID_NUMBER_TAIL in text and CLIENT_PHONE in text and ADDRESS in text
    assert "张母 (Parent) 13900139000" in text
    assert "Danger level: 2" in text  # the latest danger assessment
    assert "(PHQ-9): 12" in text and "(SDSS): 9" in text  # the latest result per instrument
    assert "2 sessions" in text and "Medication training × 2" in text
    client_rows = next(s for s in letter.sections if s.key == "client").rows
    labels = [row.label for row in client_rows]
    assert labels[:4] == ["Name", "Sex", "Age", "ID number"]


def test_the_word_file_is_a4_with_chinese_fonts_a_header_and_page_numbers(world, out):
    document = Document(io.BytesIO(letter_docx(out)))
    assert 'w:eastAsia="宋体"' in document.styles["Normal"].element.xml
    assert 'w:eastAsia="黑体"' in document.paragraphs[1].runs[0]._r.xml  # the title
    assert all('w:eastAsia="' in run._r.xml for p in document.paragraphs for run in p.runs)
    section = document.sections[0]
    width, height = section.page_width, section.page_height
    assert width is not None and height is not None
    assert (round(width.mm), round(height.mm)) == (210, 297)
    assert "荔康社会工作服务中心" in section.header.paragraphs[0].text
    footer = section.footer.paragraphs[0]._p.xml
    assert 'w:instr="PAGE"' in footer and 'w:instr="NUMPAGES"' in footer


def test_an_emergency_basis_is_printed_with_its_reason(world):
    referral = referral_out(
        world,
        case(world),
        partner(world),
        basis=Referral.Basis.EMERGENCY,
        consent=None,
        emergency_reason="持刀威胁家人，需立即送医",
    )
    with translation.override("en"):
        text = text_of(letter_docx(referral))
    assert "Emergency (to protect life or health)" in text and "持刀威胁家人" in text
    assert "Art. 13(4)" in text


def refused(http, referral: Referral) -> list[str]:
    """The page and the Word file are refused with the reasons; nothing is exported."""
    with translation.override("en"):
        page = http.get(letter_path(referral))
        download = http.get(letter_path(referral, "letter-docx"))
    assert page.status_code == download.status_code == 422
    body = page.content.decode()
    assert 'id="letter-refused"' in body and 'id="letter"' not in body
    assert "张三" not in body
    assert download["Content-Type"].startswith("text/html")
    assert not AuditEvent.objects.filter(kind=EXPORT).exists()
    return [p for p in letter_problems(referral)]


def test_refused_when_the_consent_was_withdrawn_before(world, login, out):
    actions_consent.consent_withdraw(
        consent=out.consent, on=TODAY, note="家属反对", acting_user=world.worker
    )
    out.refresh_from_db()
    with translation.override("en"):
        problems = refused(login(world.worker), out)
        assert any("withdrawn" in p for p in problems)


def test_refused_when_the_consent_does_not_cover_what_is_shared(world, login, out):
    Referral.objects.filter(pk=out.pk).update(shared=["identity", "diagnosis", "id_number"])
    out.refresh_from_db()
    with translation.override("en"):
        problems = refused(login(world.worker), out)
    assert len(problems) == 1


def test_refused_when_the_consent_expired_or_there_is_no_basis(world, login):
    served = case(world)
    given = consent(world, served, expires_on=TODAY - dt.timedelta(days=1))
    expired = referral_out(
        world, served, partner(world), with_consent=given, on=TODAY - dt.timedelta(days=5)
    )
    http = login(world.worker)
    refused(http, expired)
    bare = referral_out(world, served, expired.partner, basis="", consent=None)
    with translation.override("en"):
        assert "record the consent first" in refused(http, bare)[0]


def test_a_letter_sent_before_the_withdrawal_stays_printable(world, login):
    served = case(world)
    given = consent(world, served)
    sent = referral_out(
        world, served, partner(world), with_consent=given, send_on=TODAY - dt.timedelta(days=5)
    )
    actions_consent.consent_withdraw(
        consent=given, on=TODAY - dt.timedelta(days=1), note="", acting_user=world.worker
    )
    assert letter_problems(sent) == []
    response = login(world.worker).get(letter_path(sent, "letter-docx"))
    assert response.status_code == 200


def test_a_cancelled_referral_has_no_letter(world, login, out):
    actions.referral_move(
        referral=out,
        to=Referral.Status.CANCELLED,
        on=TODAY,
        note="家属改变主意",
        acting_user=world.worker,
    )
    out.refresh_from_db()
    refused(login(world.worker), out)


def test_the_print_page_is_an_audited_export(world, login, out):
    with translation.override("en"):
        response = login(world.worker).get(letter_path(out))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert 'id="letter"' in body and 'id="letter-receipt"' in body
    assert "data-print" in body and "anxin/print.js" in body and "referral_letter.css" in body
    assert letter_path(out, "letter-docx") in body
    assert "张三" in body and out.number in body and ID_NUMBER_TAIL not in body
    assert "转介回执" in body and "服务转介单" in body  # the page is in the user's language
    event = AuditEvent.objects.get(kind=EXPORT)
    assert event.action == "referral.letter.print" and event.actor == world.worker
    assert event.object_id == str(out.pk)


def test_the_word_file_download_is_an_audited_export(world, login, out):
    response = login(world.worker).get(letter_path(out, "letter-docx"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert f'filename="{out.number}.docx"' in response["Content-Disposition"]
    assert out.number in text_of(response.content)
    event = AuditEvent.objects.get(kind=EXPORT)
    assert event.action == "referral.letter.docx" and event.object_id == str(out.pk)


@pytest.mark.parametrize("persona", ["lead", "worker", "supervisor"])
def test_the_team_gets_the_letter(world, login, client, out, persona):
    user = getattr(world, persona)
    assert login(user).get(letter_path(out)).status_code == 200
    assert login(user).get(letter_path(out, "letter-docx")).status_code == 200
    response = client.get(api_path(out), **auth(user))
    assert response.status_code == 200 and out.number in text_of(response.content)
    assert AuditEvent.objects.filter(kind=EXPORT, actor=user).count() == 3


@pytest.mark.parametrize("persona", ["other_worker", "outsider", "purchaser", "admin"])
def test_others_get_404_and_nothing_is_exported(world, login, client, out, persona):
    user = getattr(world, persona)
    http = login(user)
    assert http.get(letter_path(out)).status_code == 404
    assert http.get(letter_path(out, "letter-docx")).status_code == 404
    assert client.get(api_path(out), **auth(user)).status_code == 404
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.DENIED, actor=user).count() == 3
    assert not AuditEvent.objects.filter(kind=EXPORT).exists()


def test_a_referral_in_has_no_letter(world, login, client):
    inward = referral_in(world, partner(world))
    assert login(world.worker).get(letter_path(inward)).status_code == 404
    assert client.get(api_path(inward), **auth(world.worker)).status_code == 404
    assert not AuditEvent.objects.filter(kind=EXPORT).exists()


def test_the_api_refuses_with_the_reasons(world, client, out):
    actions_consent.consent_withdraw(
        consent=out.consent, on=TODAY, note="", acting_user=world.worker
    )
    response = client.get(api_path(out), HTTP_ACCEPT_LANGUAGE="en", **auth(world.worker))
    assert response.status_code == 422
    assert any("withdrawn" in e for e in response.json()["errors"])
    assert not AuditEvent.objects.filter(kind=EXPORT).exists()


def test_anonymous_callers_are_sent_to_log_in(client, out):
    response = client.get(letter_path(out))
    assert response.status_code == 302 and "login" in response["Location"]
    assert client.get(api_path(out)).status_code == 401


@pytest.mark.browser
def test_the_print_button_prints_the_sheet_alone(transactional_db, world, page):
    referral = referral_out(world, case(world), partner(world))
    page.add_init_script("window.print = () => { window.printed = (window.printed || 0) + 1; };")
    log_in(page, "worker")
    page.goto(letter_path(referral))
    page.locator("#letter-print").click()
    assert page.evaluate("window.printed") == 1
    page.emulate_media(media="print")
    expect(page.locator("#letter")).to_be_visible()
    expect(page.locator("body > nav")).to_be_hidden()
    expect(page.locator("#letter-print")).to_be_hidden()

"""A hand-checked data set for the report tests (the world's Liwan project, 2026), dated in the
second, third and fourth quarters, and helpers to read a generated .docx back.

Expected figures of 2026Q3 (reported as of 2026-09-30):

- Clients: three living in 沙面街道, one in 华林街道, all registered on 2026-06-01.
- Services in the quarter: a medication-training group of the four clients (two workers,
  2.5 h each) on 07-15; a community event of the four clients and 26 residents (30
  participants) on 08-20; 40 minutes of psychotherapy for the 华林 client on 09-10; a
  one-to-one with one 沙面 client present and one absent on 09-15; a voided session on 09-12.
  Before: one medication-training contact on 05-10 (沙面). After: one on 10-05 (not counted).
- By street in the quarter: 沙面 3 clients, 3 + 3 + 1 = 7 contacts; 华林 1 client, 3 contacts.
  To date: 沙面 8 contacts, 华林 3.
- Funds: staff 600,000 (100,000 spent in Q2, 50,000 in Q3), activities 200,000 (20,000 in Q3):
  Q3 spent 70,000, to date 170,000, remaining 630,000, 21.2 % used.
- A training (08-01, two attendees, 10.5 h), a supervision (09-01, two records), an
  administrative meeting (07-05), a provincial article (08-15), a referral out sent on 08-10
  and a referral in received on 09-05.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.table import Table

from anxin.cases.models import Case, CaseEvent, Step
from anxin.cases.testing import walk
from anxin.contracts import actions as contract_actions
from anxin.core.testing import World, liwan_input, register
from anxin.delivery.actions import ParticipantInput, WorkerHours, service_record_void
from anxin.delivery.models import Participant
from anxin.delivery.tests.test_records import in_service, make
from anxin.operations.tests import factories as ops
from anxin.referrals.tests import factories as refs

D = dt.date
AS_OF = D(2026, 9, 30)
C = Participant.Kind.CLIENT
H = Decimal


@dataclass
class Data:
    world: World
    shamian: list[Case]
    hualin: Case

    @property
    def clients(self) -> list[Case]:
        return [*self.shamian, self.hualin]


def attend(cases: list[Case]) -> list[ParticipantInput]:
    return [ParticipantInput(C, case=c) for c in cases]


def build_data(world: World) -> Data:
    shamian = in_service(world, 3)
    hualin = walk(
        register(
            world,
            liwan_input(
                world, name="华林客户", id17="44010319800101201", street=world.street("华林街道")
            ),
        ),
        Step.SERVICE,
        world.worker,
    )
    data = Data(world, shamian, hualin)
    CaseEvent.objects.filter(case__in=data.clients, step=Step.REGISTRATION).update(on=D(2026, 6, 1))
    make(world, attend(shamian[:1]), on=D(2026, 5, 10))
    two_workers = [
        WorkerHours(world.worker, H("1.5"), H("1")),
        WorkerHours(world.lead, H("1.5"), H("1")),
    ]
    make(world, attend(data.clients), form="group", on=D(2026, 7, 15), workers=two_workers)
    residents = [ParticipantInput("other", name=f"居民{i}") for i in range(26)]
    make(
        world,
        attend(data.clients) + residents,
        service_item="community_integration",
        form="community_event",
        on=D(2026, 8, 20),
    )
    make(
        world,
        attend([hualin]),
        service_item="psychotherapy",
        on=D(2026, 9, 10),
        ends_at=dt.time(9, 40),
    )
    voided = make(world, attend(shamian[1:2]), on=D(2026, 9, 12))
    service_record_void(record=voided, reason="录错", acting_user=world.worker)
    absent = ParticipantInput(C, case=shamian[2], attended=False)
    make(world, [*attend(shamian[1:2]), absent], on=D(2026, 9, 15))
    make(world, attend(shamian[:1]), on=D(2026, 10, 5))
    # funds
    staff = contract_actions.budget_line_add(
        project=world.liwan, code="staff", name="人员经费", amount="600000", acting_user=world.lead
    )
    activities = contract_actions.budget_line_add(
        project=world.liwan,
        code="activities",
        name="活动经费",
        amount="200000",
        acting_user=world.lead,
    )
    for line, on, amount in (
        (staff, D(2026, 5, 20), "100000"),
        (staff, D(2026, 8, 1), "50000"),
        (activities, D(2026, 9, 1), "20000"),
    ):
        contract_actions.spending_record(line=line, on=on, amount=amount, acting_user=world.lead)
    # staff development, publicity
    ops.training(world, on=D(2026, 8, 1))
    ops.supervision(world, on=D(2026, 9, 1))
    ops.meeting(world, on=D(2026, 7, 5))
    ops.article(world, published_on=D(2026, 8, 15))
    # referrals
    partner = refs.partner(world)
    given = refs.consent(world, shamian[0], given_on=D(2026, 7, 1))
    refs.referral_out(world, shamian[0], partner, with_consent=given, send_on=D(2026, 8, 10))
    refs.referral_in(world, partner, received_on=D(2026, 9, 5))
    return data


# Reading a .docx back ---------------------------------------------------------------------


def open_docx(blob: bytes) -> DocxDocument:
    return Document(io.BytesIO(blob))


def cells(table: Table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def table_with(document: DocxDocument, header: list[str]) -> list[list[str]]:
    """The rows (header first) of the first table whose header row starts with ``header``."""
    for table in document.tables:
        rows = cells(table)
        if rows and rows[0][: len(header)] == header:
            return rows
    raise AssertionError(f"no table with the header {header}")


def tables_with(document: DocxDocument, header: list[str]) -> list[list[list[str]]]:
    return [cells(table) for table in document.tables if cells(table)[0][: len(header)] == header]


def printed(value: Any) -> str:
    """A figure as the report prints it, written independently of the builder."""
    if value is None:
        return "—"
    value = Decimal(str(value))
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.quantize(Decimal("0.01")).normalize(), "f")


def money(value: Any) -> str:
    return f"{Decimal(str(value)):,.2f}"


def headings(document: DocxDocument, level: int = 1) -> list[str]:
    return [
        p.text for p in document.paragraphs if getattr(p.style, "name", "") == f"Heading {level}"
    ]


def full_text(document: DocxDocument) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)

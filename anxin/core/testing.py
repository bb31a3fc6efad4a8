"""Shared test world: two projects of one organisation, and one persona per access rule.

Used by every app's tests through the fixtures in ``anxin/conftest.py``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from anxin.accounts import actions as account_actions
from anxin.accounts.models import Membership, Organisation, Project, User
from anxin.clients.actions import client_register
from anxin.clients.intake import ClientInput, FamilyInput
from anxin.core import idcard
from anxin.core.divisions import load_districts
from anxin.core.models import Division

PASSWORD = "Test-Passw0rd!"
R = Membership.Role


def make_id(prefix17: str) -> str:
    """A valid ID number from its first 17 characters (synthetic people in tests)."""
    return prefix17 + idcard.check_char(prefix17)


@dataclass
class World:
    org: Organisation
    other_org: Organisation
    liwan: Project
    chongchuan: Project
    other_org_project: Project
    admin: User
    lead: User
    worker: User
    counsellor: User
    supervisor: User
    other_worker: User
    purchaser: User
    outsider: User

    def street(self, name: str) -> Division:
        return Division.objects.get(name=name)


def _user(org: Organisation | None, username: str, full_name: str, **extra: object) -> User:
    user = User(username=username, full_name=full_name, organisation=org, **extra)
    user.set_password(PASSWORD)
    user.save()
    return user


def build_world() -> World:
    load_districts(["440103", "320613"])
    org = Organisation.objects.create(name="荔康社会工作服务中心", short_name="荔康")
    other_org = Organisation.objects.create(name="别家社工机构", short_name="别家")
    admin = _user(org, "admin", "管理员", is_org_admin=True)

    def project(code: str, template: str, district: str, organisation: Organisation) -> Project:
        return account_actions.project_create(
            organisation=organisation,
            code=code,
            name=f"测试项目 {code}",
            purchaser="区民政局",
            template=template,
            period_start=dt.date(2026, 1, 1),
            period_end=dt.date(2026, 12, 31),
            district=Division.objects.get(code=district),
            budget_ceiling=Decimal("1200000"),
            client_target=200,
            acting_user=admin,
        )

    liwan = project("lw", "liwan-rehab", "440103", org)
    chongchuan = project("cc", "chongchuan-psych", "320613", org)
    other_org_project = project("other", "liwan-rehab", "440103", other_org)
    people = {
        "lead": (_user(org, "lead", "李组长"), liwan, R.LEAD),
        "worker": (_user(org, "worker", "王社工"), liwan, R.SOCIAL_WORKER),
        "counsellor": (_user(org, "counsellor", "陈咨询"), liwan, R.COUNSELLOR),
        "supervisor": (_user(org, "supervisor", "赵督导"), liwan, R.SUPERVISOR),
        "other_worker": (_user(org, "other_worker", "周社工"), chongchuan, R.SOCIAL_WORKER),
        "purchaser": (
            _user(None, "purchaser", "采购方", employer="荔湾区民政局"),
            liwan,
            R.PURCHASER_VIEWER,
        ),
    }
    for user, proj, role in people.values():
        account_actions.membership_set(project=proj, user=user, role=role, acting_user=admin)
    outsider = _user(other_org, "outsider", "外人")
    account_actions.membership_set(
        project=other_org_project, user=outsider, role=R.SOCIAL_WORKER, acting_user=admin
    )
    return World(
        org=org,
        other_org=other_org,
        liwan=liwan,
        chongchuan=chongchuan,
        other_org_project=other_org_project,
        admin=admin,
        outsider=outsider,
        **{key: value[0] for key, value in people.items()},
    )


def liwan_input(
    world: World, name: str = "张三", id17: str = "44010319800101001", **extra: object
) -> ClientInput:
    values: dict[str, object] = {
        "name": name,
        "id_number": make_id(id17),
        "street": world.street("沙面街道"),
        "household_district": world.liwan.district,
        "household_address": "广东省广州市荔湾区沙面街道1号",
        "address": "荔湾区沙面北街12号",
        "phone": "13800138000",
        "diagnosis": "精神分裂症",
        "priority_groups": ["dibao"],
        "family": [
            FamilyInput(name="张母", relation="parent", is_guardian=True, phone="13900139000")
        ],
    }
    values.update(extra)
    return ClientInput(**values)  # type: ignore[arg-type]


def register(world: World, data: ClientInput | None = None, project: Project | None = None):
    return client_register(
        project=project or world.liwan, data=data or liwan_input(world), acting_user=world.worker
    )


def another_liwan_project(world: World, code: str, name: str) -> Project:
    """A second government-purchased project of the organisation in the Liwan district."""
    return account_actions.project_create(
        organisation=world.org,
        code=code,
        name=name,
        purchaser="区残联",
        template="liwan-rehab",
        period_start=world.liwan.period_start,
        period_end=world.liwan.period_end,
        district=world.liwan.district,
        budget_ceiling=world.liwan.budget_ceiling,
        client_target=10,
        acting_user=world.admin,
    )

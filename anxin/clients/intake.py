"""What an intake carries (from a form, the API or an import row) and the project's rules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from anxin.accounts.models import Project
from anxin.core import idcard
from anxin.core.models import Division


@dataclass
class FamilyInput:
    name: str
    relation: str
    is_guardian: bool = False
    phone: str = ""
    lives_with_client: bool = False
    notes: str = ""


@dataclass
class ClientInput:
    name: str
    id_number: str
    street: Division
    household_district: Division | None = None
    household_address: str = ""
    address: str = ""
    phone: str = ""
    diagnosis: str = ""
    treating_hospital: str = ""
    medication: str = ""
    hospitalisation_history: str = ""
    disability_level: str = ""
    disability_cert_issued_on: dt.date | None = None
    priority_groups: list[str] = field(default_factory=list)
    condition_stable: bool = True
    violence_tendency: bool = False
    discharge_allows_community_rehab: bool = True
    notes: str = ""
    family: list[FamilyInput] = field(default_factory=list)

    @property
    def id_info(self) -> idcard.IdInfo:
        return idcard.parse(self.id_number)


def eligibility_problems(project: Project, data: ClientInput) -> list[str]:
    """Reasons, in the user's language, why the project's intake rules refuse this person."""
    rules = project.eligibility or {}
    problems: list[str] = []
    district = project.district
    if rules.get("require_household_in_district") and (
        data.household_district is None or data.household_district.pk != district.pk
    ):
        problems.append(
            _("Household registration must be in %(district)s (project rule).")
            % {"district": district.name}
        )
    if rules.get("require_street_in_district") and data.street.parent_id != district.pk:
        problems.append(
            _("The street of residence must be a street of %(district)s.")
            % {"district": district.name}
        )
    if rules.get("require_stable_condition") and not data.condition_stable:
        problems.append(_("The condition must be stable for community rehabilitation."))
    if rules.get("refuse_violence_tendency") and data.violence_tendency:
        problems.append(_("People with a tendency to cause incidents are not eligible (LW §3)."))
    if rules.get("require_discharge_assessment") and not data.discharge_allows_community_rehab:
        problems.append(_("A discharge assessment allowing community rehabilitation is required."))
    if rules.get("require_priority_group") and not data.priority_groups:
        problems.append(_("The project serves priority groups only; choose at least one."))
    if rules.get("require_disability_certificate") and not data.disability_level:
        problems.append(_("The project serves holders of a disability certificate."))
    return problems

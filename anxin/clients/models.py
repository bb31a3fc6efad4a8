from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from anxin.accounts.models import Organisation
from anxin.core.concurrency import version_field
from anxin.core.fields import EncryptedCharField, EncryptedTextField
from anxin.core.masking import mask_address, mask_id_number, mask_phone
from anxin.core.models import Division, TrackedModel, history_user


class PriorityGroup(models.TextChoices):
    """LW §3 priority groups: assistance categories and civil-affairs rehab groups."""

    TEKUN = "tekun", _("Extreme poverty")
    DIBAO = "dibao", _("Minimum living allowance")
    DIBAO_EDGE = "dibao_edge", _("Near minimum allowance")
    EXPENDITURE = "expenditure", _("Expenditure-type hardship")
    GUGUA = "gugua", _("Elderly without family")
    ALONE = "alone", _("Living alone")
    LEFT_BEHIND = "left_behind", _("Left behind")
    EMPTY_NEST = "empty_nest", _("Empty-nest elderly")
    CHILD_IN_DIFFICULTY = "child_in_difficulty", _("Child in difficulty")


class DisabilityLevel(models.TextChoices):
    NONE = "", _("No certificate")
    LEVEL_1 = "1", _("Level 1")
    LEVEL_2 = "2", _("Level 2")
    LEVEL_3 = "3", _("Level 3")
    LEVEL_4 = "4", _("Level 4")


class Client(TrackedModel):
    """A person served (服务对象). Belongs to an organisation; cases enrol them in projects.

    Sensitive fields are encrypted at rest; ``id_number_index`` is the HMAC blind index used to
    find the same person again without decrypting anything.
    """

    class Sex(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    class Status(models.TextChoices):
        ACTIVE = "active", _("In service")
        WAITING = "waiting", _("Waiting list")
        CLOSED = "closed", _("Closed")
        MOVED = "moved", _("Moved away")
        DECEASED = "deceased", _("Deceased")

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="clients",
    )
    name = models.CharField(_("name"), max_length=64)
    name_pinyin = models.CharField(
        _("name in pinyin"), max_length=128, db_index=True, editable=False
    )
    name_initials = models.CharField(_("initials"), max_length=32, db_index=True, editable=False)
    id_number = EncryptedCharField(_("resident ID number"))
    id_number_index = models.CharField(max_length=64, editable=False)
    id_tail = models.CharField(_("last 4 of ID"), max_length=4, db_index=True, editable=False)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, editable=False)
    birth_date = models.DateField(_("birth date"), editable=False)
    household_district = models.ForeignKey(
        Division,
        verbose_name=_("household registration district"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    household_address = EncryptedCharField(_("household registration address"), blank=True)
    street = models.ForeignKey(
        Division,
        verbose_name=_("street of residence"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    address = EncryptedCharField(_("address"), blank=True)
    phone = EncryptedCharField(_("phone"), blank=True)
    diagnosis = EncryptedTextField(_("diagnosis"), blank=True)
    treating_hospital = models.CharField(_("treating hospital"), max_length=128, blank=True)
    medication = EncryptedTextField(_("medication"), blank=True)
    hospitalisation_history = EncryptedTextField(_("hospitalisation history"), blank=True)
    disability_level = models.CharField(
        _("disability certificate level"),
        max_length=1,
        choices=DisabilityLevel.choices,
        blank=True,
    )
    disability_cert_issued_on = models.DateField(
        _("disability certificate issued on"), null=True, blank=True
    )
    priority_groups = models.CharField(
        _("priority groups"),
        max_length=200,
        blank=True,
        help_text=_("Stored as ,code,code, so that one group can be filtered on."),
    )
    condition_stable = models.BooleanField(_("condition stable"), default=True)
    violence_tendency = models.BooleanField(_("tendency to cause incidents"), default=False)
    discharge_allows_community_rehab = models.BooleanField(
        _("discharge assessment allows community rehab"), default=True
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    notes = EncryptedTextField(_("notes"), blank=True)

    version = version_field()
    history = HistoricalRecords(
        excluded_fields=["name_pinyin", "name_initials", "id_number_index", "version"],
        get_user=history_user,
    )

    class Meta:
        ordering = ["name_pinyin", "id"]
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "id_number_index"], name="one_client_per_id_in_organisation"
            )
        ]
        indexes = [models.Index(fields=["organisation", "street"])]

    def __str__(self) -> str:
        return self.name

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    @property
    def address_masked(self) -> str:
        return mask_address(self.address)

    @property
    def priority_group_codes(self) -> list[str]:
        return [c for c in self.priority_groups.split(",") if c]

    @property
    def priority_group_labels(self) -> list[str]:
        labels = dict(PriorityGroup.choices)
        return [str(labels.get(c, c)) for c in self.priority_group_codes]

    @property
    def age(self) -> int:
        return self.age_on(timezone.localdate())

    def age_on(self, day: dt.date) -> int:
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))

    @staticmethod
    def pack_priority_groups(codes: list[str]) -> str:
        ordered = [c for c in PriorityGroup.values if c in set(codes)]
        return "," + ",".join(ordered) + "," if ordered else ""


class FamilyMember(TrackedModel):
    """A guardian or family member of a client."""

    class Relation(models.TextChoices):
        SPOUSE = "spouse", _("Spouse")
        PARENT = "parent", _("Parent")
        CHILD = "child", _("Child")
        SIBLING = "sibling", _("Sibling")
        GRANDPARENT = "grandparent", _("Grandparent")
        OTHER_RELATIVE = "relative", _("Other relative")
        OTHER = "other", _("Other")

    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.PROTECT, related_name="family_members"
    )
    name = models.CharField(_("name"), max_length=64)
    relation = models.CharField(_("relation"), max_length=16, choices=Relation.choices)
    is_guardian = models.BooleanField(_("guardian"), default=False)
    phone = EncryptedCharField(_("phone"), blank=True)
    lives_with_client = models.BooleanField(_("lives with the client"), default=False)
    notes = EncryptedTextField(_("notes"), blank=True)
    active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["-is_guardian", "id"]
        verbose_name = _("family member")
        verbose_name_plural = _("family members")

    def __str__(self) -> str:
        return self.name

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

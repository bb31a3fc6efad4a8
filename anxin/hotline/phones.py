"""Phone numbers on the hotline: one normal form, so that a repeat caller is recognised whatever
way the number was typed (``+86 138-0013-8000``, ``0086 13800138000``, full-width digits), and the
blind index of that form, which is all the database can match on (the number itself is stored
encrypted)."""

from __future__ import annotations

import unicodedata

from anxin.core.crypto import blind_index

INDEX_PURPOSE = "hotline-phone"
MIN_DIGITS = 3  # 110, 120, a short service number
MAX_DIGITS = 20


def normalise_phone(raw: str) -> str:
    """Digits only, without the country code of China (``+86``, ``0086``, or ``86`` before an
    11-digit mobile number). Full-width digits count as digits."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    digits = "".join(ch for ch in text if ch.isascii() and ch.isdigit())
    if digits.startswith("0086"):
        return digits[4:]
    if text.startswith("+86"):
        return digits[2:]
    if digits.startswith("86") and len(digits) == 13 and digits[2] == "1":
        return digits[2:]
    return digits


def phone_index(raw: str) -> str:
    """The blind index of a number (``""`` for none): equal for every way of typing it."""
    number = normalise_phone(raw)
    return blind_index(number, purpose=INDEX_PURPOSE) if number else ""


def phone_problem(raw: str) -> bool:
    """Whether something typed as a phone number cannot be one."""
    number = normalise_phone(raw)
    return bool((raw or "").strip()) and not MIN_DIGITS <= len(number) <= MAX_DIGITS

"""How sensitive values are shown in lists: enough to tell people apart, not enough to use."""

from __future__ import annotations

from anxin.core.idcard import mask as mask_id_number

__all__ = ["mask_address", "mask_id_number", "mask_phone"]


def mask_phone(phone: str) -> str:
    digits = (phone or "").strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_address(address: str, keep: int = 6) -> str:
    text = (address or "").strip()
    if not text:
        return ""
    return text[:keep] + "…" if len(text) > keep else text[:2] + "…"

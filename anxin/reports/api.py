"""Placeholder: filled in by the report work."""

from ninja import Router

router = Router(tags=["reports"])

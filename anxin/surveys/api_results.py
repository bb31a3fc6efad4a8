"""Placeholder: filled in by the survey work."""

from ninja import Router

router = Router(tags=["surveys"])

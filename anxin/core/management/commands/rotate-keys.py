from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from anxin.core.fields import EncryptedTextField


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field with the current key (the first in ANXIN_FIELD_KEYS). "
        "Run after putting a new key first; then the old key can be removed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        total = 0
        for model in apps.get_models():
            names = [
                f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)
            ]
            if not names:
                continue
            count = 0
            with transaction.atomic():
                for row in model._base_manager.only("pk", *names).iterator(chunk_size=500):
                    values = {n: getattr(row, n) for n in names}
                    model._base_manager.filter(pk=row.pk).update(**values)
                    count += 1
            if count:
                self.stdout.write(f"{model._meta.label}: {count} rows re-encrypted")
            total += count
        self.stdout.write(f"done: {total} rows")

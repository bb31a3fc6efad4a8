"""The ``anxin`` command: Django's management commands under the project's own name.

``anxin load-divisions 440103``, ``anxin import-clients PROJECT FILE`` … are the same as
``python manage.py <command>``.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["anxin", *sys.argv[1:]])


if __name__ == "__main__":
    main()

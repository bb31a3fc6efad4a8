"""``GET /healthz`` for load balancers, systemd and monitoring: no login, no session, no audit.

200 ``{"status": "ok"}`` when the database answers ``SELECT 1`` and the media folder takes a
file; otherwise 503 ``{"status": "error", "checks": {"database": "ok", "media": "error"}}``. The
answer names the failed check and nothing else (no exception text, no path): the details go to
the server log (logger ``anxin.core.health``).
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.warning("health check: the database does not answer", exc_info=True)
        return False


def media_ok() -> bool:
    """Uploads can be stored: the folder exists (or can be made) and takes a small file."""
    root = Path(settings.MEDIA_ROOT)
    try:
        root.mkdir(mode=0o750, parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=root, prefix=".healthz-") as probe:
            probe.write(b"ok")
            probe.flush()
    except OSError:
        logger.warning("health check: the media folder is not writable", exc_info=True)
        return False
    return True


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": database_ok(), "media": media_ok()}
    if all(checks.values()):
        return JsonResponse({"status": "ok"})
    return JsonResponse(
        {"status": "error", "checks": {k: "ok" if v else "error" for k, v in checks.items()}},
        status=503,
    )

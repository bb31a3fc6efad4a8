"""pytest plugin (loaded with ``-p``) that gives the test run its own keys and database file
before Django reads its settings. Real keys never enter tests."""

from __future__ import annotations

import os
import tempfile

_tmp = tempfile.mkdtemp(prefix="anxin-test-")
os.environ.setdefault("ANXIN_SECRET_KEY", "test-secret-key-not-for-production-0123456789")
os.environ.setdefault("ANXIN_FIELD_KEYS", "t1:" + "A" * 43 + "=")
os.environ.setdefault("ANXIN_INDEX_KEY", "test-index-key")
os.environ.setdefault("ANXIN_TEST_FAST_HASHER", "1")
os.environ["ANXIN_ENV_FILE"] = os.path.join(_tmp, "none.env")
os.environ.setdefault("ANXIN_MEDIA_ROOT", os.path.join(_tmp, "media"))
os.environ.setdefault("ANXIN_VAR_DIR", _tmp)

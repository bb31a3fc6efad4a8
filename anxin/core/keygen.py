"""Print a fresh set of secrets for var/anxin.env (``python -m anxin.core.keygen``)."""

from __future__ import annotations

import secrets

from anxin.core.crypto import new_key


def main() -> None:
    print("# anxin local secrets. Never commit; back up with the database.")
    print(f"ANXIN_SECRET_KEY={secrets.token_urlsafe(50)}")
    print(f"ANXIN_FIELD_KEYS=k1:{new_key()}")
    print(f"ANXIN_INDEX_KEY={secrets.token_urlsafe(32)}")


if __name__ == "__main__":
    main()

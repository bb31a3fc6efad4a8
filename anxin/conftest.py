from __future__ import annotations

import pytest
from django.test import Client as HttpClient

from anxin.core.testing import PASSWORD, World, build_world


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture
def login(client: HttpClient):  # noqa: ANN201
    """Log the test client in as a user (by object); returns the client."""

    def _login(user) -> HttpClient:  # noqa: ANN001
        assert client.login(username=user.username, password=PASSWORD)
        return client

    return _login
